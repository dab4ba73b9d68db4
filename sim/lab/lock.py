"""One writer per results directory: an OS lock that dies with its holder.

Two sweeps writing one directory both run the same runs and both write them (a
``--resume`` started while the first sweep still ran left 11 rows for 9 runs). So
every command that writes a results directory (``sweep``, ``compare``, ``run
--out``, and the dashboard) holds this lock while it writes, and a second writer
is refused at once with one line naming the holder. Readers (``analyse``, the
dashboard's sweeps page) never take it: every part is written atomically, so they
only ever see complete parts.

The lock is ``fcntl.flock`` on ``DIR/.lock``. The kernel releases it when its
holder ends in any way, ``kill -9`` included, so no stale lock is ever left to
clean up and no PID file is ever trusted. The file itself stays; while held it
names the holder (pid, command, since when), which is what the refused writer
reports. Processes forked while the lock is held (sweep workers) close their
copy at once: a lock is released only when every copy is closed, so workers left
behind by a killed holder would otherwise keep it.

Use::

    from sim.lab.lock import ResultsLocked, results_lock

    try:
        with results_lock("results/access"):
            ...  # write into results/access
    except ResultsLocked as busy:
        print(busy)          # one line: the directory and who writes it
        busy.holder          # {"pid": ..., "command": ..., "since": ...} or None
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..outputs import FILE_MODE
from ..scenario import _MISSING, InputError

#: The lock file inside a results directory; readers and checks skip it.
LOCK_FILE = ".lock"

_held: set[int] = set()  # descriptors of the locks this process holds


def _close_inherited() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_inherited)


class ResultsLocked(InputError):
    """Another process writes the directory; ``holder`` names it when it could be read."""

    def __init__(self, out: Path, holder: dict[str, Any] | None):
        self.out, self.holder = out, holder
        if holder:
            who = (f"pid {holder.get('pid')}: {holder.get('command')}, "
                   f"since {holder.get('since')}")
        else:
            who = "a process that has not said who it is yet"
        super().__init__(str(out), "", _MISSING, f"another process is writing these results "
                         f"({who}); wait for it to finish, or choose another --out")


def current_command() -> str:
    """This process's command line as a user would type it."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if name in ("__main__.py", "samenspel"):
        name = "samenspel"
    return shlex.join([name, *sys.argv[1:]])


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _read_holder(fd: int) -> dict[str, Any] | None:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and _alive(info.get("pid")) else None


@contextlib.contextmanager
def results_lock(out: str | os.PathLike, command: str | None = None) -> Iterator[Path]:
    """Hold the one-writer lock of ``out`` (created if missing) for the ``with`` block.

    Raises :class:`ResultsLocked` at once, without waiting, when another process (or
    another block of this one) holds it. ``command`` is what a refused writer is
    told is writing (default: this process's command line).
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    except OSError as err:
        raise InputError(str(out), "", _MISSING,
                         f"cannot lock for writing: {err.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise ResultsLocked(out, holder) from None
    _held.add(fd)
    info = {"pid": os.getpid(), "command": command or current_command(),
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    with contextlib.suppress(OSError):  # a full disk: the lock holds, unnamed
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
    try:
        yield out
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        _held.discard(fd)
        os.close(fd)  # releases the lock
