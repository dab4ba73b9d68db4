"""Output directories checked before the work, so a bad ``--out`` costs nothing.

``run schiedam_walk_in --out /proc/nope`` used to simulate the whole run and only
then find it could not write. Every command that writes (``run --out``, ``sweep``,
``compare``) calls :func:`check_out_dir` before it builds a model: is the path under
a file, can the directory be created and a file written in it, and is there room
on its filesystem for an estimate of the output. Creating and writing are tried
for real (and undone), because permission bits do not tell: as root
``os.access`` says yes to ``/proc``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path

from .scenario import InputError

#: Errors that mean the disk (or the user's quota) is full.
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


#: Bytes ``run --out`` writes per resident-day, with room: 0.4 measured for a
#: 400-day schiedam_walk_in run (12,000 residents), mostly the event log.
RUN_OUT_BYTES_PER_RESIDENT_DAY = 1.0


def run_out_bytes(n_residents: int, days: int) -> int:
    """A rough upper estimate of what ``run --out`` writes."""
    return int(RUN_OUT_BYTES_PER_RESIDENT_DAY * n_residents * days) + 100_000


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.1f} MB"


def check_out_dir(command: str, out: Path, need_bytes: int = 0) -> None:
    """Refuse ``out`` (one InputError line) unless it can hold about ``need_bytes`` more.

    Leaves nothing behind: directories made to try the path are removed again.
    """
    def refuse(why: str) -> InputError:
        return InputError(command, "--out", str(out), why)

    out = Path(out)
    target = out.absolute()
    existing, missing = target, []
    try:
        while not existing.exists():
            missing.append(existing)
            existing = existing.parent
    except OSError as err:  # e.g. a parent that may not be searched
        raise refuse(f"cannot be reached: {err.strerror}") from None
    if not existing.is_dir():
        raise refuse("exists and is not a directory" if existing == target
                     else f"is under {existing}, which is a file, not a directory")
    made: list[Path] = []
    try:
        for d in reversed(missing):
            d.mkdir()
            made.append(d)
        fd, probe = tempfile.mkstemp(dir=target, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise refuse(f"cannot be written: {err.strerror}") from None
    finally:
        for d in reversed(made):
            with contextlib.suppress(OSError):
                d.rmdir()
    free = shutil.disk_usage(existing).free
    if free < need_bytes:
        raise refuse(f"needs about {_mb(need_bytes)} for its output, and its filesystem has "
                     f"{_mb(free)} free")


def is_no_space(err: BaseException) -> bool:
    """Whether an error is a full disk (or quota), which --resume can finish after."""
    return isinstance(err, OSError) and err.errno in NO_SPACE
