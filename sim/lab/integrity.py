"""Damaged results found, named and set aside, never read as if they were whole.

Parts are written atomically, yet a part can still be damaged afterwards: a disk
error, a copy cut short, a file dropped into ``runs/`` by hand. Before this, both
``--resume`` and ``analyse`` then ended in a pyarrow traceback that named no run.
Now:

* ``manifest.json`` records a sha256 per part (``parts``), written at the end of
  every session, when the session's parts have been merged and are few; a
  session killed with ``kill -9`` leaves its newest parts unrecorded;
* a part is trusted when its checksum matches; an unrecorded one when it reads
  as a part of this sweep (Parquet, a ``run_id`` column, the run its name says);
* ``--resume`` moves a damaged part to ``damaged/`` (kept, not deleted: it may
  still be of use to someone) with one warning line, and runs its runs again;
* ``samenspel verify DIR`` runs the same checks without changing anything.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..scenario import InputError
from .manifest import read_manifest

#: Name prefix of the file a finished session merges its one-run parts into.
COMPACTED = "compacted-"
#: Where ``--resume`` moves damaged parts, keeping their folder (``damaged/runs/...``).
DAMAGED_DIR = "damaged"
#: Files written once, before any run, checked like the parts.
FIXED_FILES = ("experiment.toml", "design.parquet")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def _compacted(name: str) -> bool:
    return name.startswith(COMPACTED)


def compacted_files(folder: Path) -> list[Path]:
    """The merged files of a part folder, oldest first."""
    return sorted(folder.glob(f"{COMPACTED}*.parquet"))


def read_part(p: Path, bad: list[tuple[Path, str]], columns: list[str] | None = None) -> Any:
    """One part's table, or None (the reason added to ``bad``) when it is no readable part.

    A part that vanished raises FileNotFoundError: a writer merged it meanwhile.
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(p, columns=columns)
    except FileNotFoundError:
        raise
    except Exception as err:  # pyarrow raises several kinds for a broken file
        bad.append((p, f"unreadable ({_first_line(err)})"))
        return None
    if "run_id" not in table.column_names:
        bad.append((p, "not a part of this sweep (no run_id column)"))
        return None
    return table


def merged_ids(folder: Path) -> set[str]:
    """Run ids in the merged files of a part folder; a damaged one holds none to trust."""
    tables = [read_part(p, [], ["run_id"]) for p in compacted_files(folder)]
    return {i for t in tables if t is not None for i in t.column("run_id").to_pylist()}


def part_problem(path: Path) -> str | None:
    """Why a file without a recorded checksum is no part of this sweep, or None if it is."""
    if path.suffix != ".parquet" or not path.is_file():
        return "not a part of this sweep (a foreign file)"
    bad: list[tuple[Path, str]] = []
    table = read_part(path, bad)
    if table is None:
        return bad[0][1]
    if not _compacted(path.name):
        ids = set(table.column("run_id").to_pylist())
        if ids - {path.stem}:
            return f"holds run {sorted(ids)[0]}, not the run its name says"
        if path.parent.name == "runs" and table.num_rows != 1:
            return f"holds {table.num_rows} rows, not one run"
    return None


@dataclass
class Scan:
    """What a check of a results directory found."""

    good: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    damaged: list[tuple[str, str]] = field(default_factory=list)  # (relative path, why)
    unrecorded: int = 0  # good parts without a checksum in the manifest

    def describe(self, rel: str) -> str:
        """A damaged part and its runs, for a message."""
        name = Path(rel).name
        if Path(rel).parent.name and not _compacted(name) and name.endswith(".parquet"):
            return f"{rel} (run {Path(name).stem})"
        return rel


def scan(out: Path, folders: Iterable[str], recorded: dict[str, str],
         fixed: Iterable[str] = FIXED_FILES) -> Scan:
    """Check every file in the part ``folders`` and the ``fixed`` files of ``out``.

    A recorded part that is gone is damaged too, unless it was a one-run part whose
    run is in a merged file (a session killed while merging).
    """
    result = Scan()
    present: list[str] = [f for f in fixed if (out / f).exists()]
    for folder in folders:
        d = out / folder
        if d.is_dir():
            present += [f"{folder}/{p.name}" for p in sorted(d.iterdir())
                        if not p.name.startswith(".")]
    for rel in present:
        path = out / rel
        want = recorded.get(rel)
        try:
            got = sha256_file(path) if path.is_file() else None
        except OSError as err:
            result.damaged.append((rel, f"unreadable ({err.strerror})"))
            continue
        if want is not None and got == want:
            result.good[rel] = got
            continue
        if want is not None:
            why = "its checksum differs from the one in manifest.json"
        elif rel in fixed:
            why = None
        else:
            why = part_problem(path)
        if why is None and got is not None:
            result.good[rel] = got
            result.unrecorded += 1
        else:
            result.damaged.append((rel, why or "not a file"))
    merged: dict[str, set[str]] = {}
    for rel in sorted(set(recorded) - set(present)):
        folder, _, name = rel.rpartition("/")
        if folder and not _compacted(name):
            if folder not in merged:
                merged[folder] = merged_ids(out / folder)
            if Path(name).stem in merged[folder]:
                continue
        result.damaged.append((rel, "missing: recorded in manifest.json, not on disk"))
    return result


def set_aside(out: Path, rel: str) -> Path:
    """Move a damaged file to ``damaged/<its folder>/``, never over an earlier one."""
    target = out / DAMAGED_DIR / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while target.exists():
        target = out / DAMAGED_DIR / f"{rel}.{n}"
        n += 1
    shutil.move(str(out / rel), str(target))
    return target


def repair(out: Path, folders: Iterable[str], recorded: dict[str, str],
           log: Callable[[str], Any]) -> Scan:
    """``--resume``: check every part; move the damaged ones aside, one warning each."""
    result = scan(out, folders, recorded)
    for rel, why in result.damaged:
        if (out / rel).exists():
            moved = set_aside(out, rel)
            where = f"moved to {moved.relative_to(out)}"
        else:
            where = "gone"
        name = Path(rel).name
        if rel in FIXED_FILES:
            then = "; written again"
        elif _compacted(name):
            then = "; its runs run again"
        elif name.endswith(".parquet"):
            then = f"; run {Path(name).stem} runs again"
        else:
            then = ""
        log(f"samenspel: warning: {out}: {rel} is damaged, {why}; {where}{then}")
    return result


def checksums(out: Path, folders: Iterable[str], known: dict[str, str]) -> dict[str, str]:
    """A sha256 for every part and fixed file now in ``out``; ``known`` ones not re-read."""
    found: dict[str, str] = {}
    paths = [f for f in FIXED_FILES if (out / f).is_file()]
    for folder in folders:
        d = out / folder
        if d.is_dir():
            paths += [f"{folder}/{p.name}" for p in sorted(d.glob("*.parquet"))
                      if not p.name.startswith(".")]
    for rel in paths:
        found[rel] = known.get(rel) or sha256_file(out / rel)
    return found


def verify(out: str | Path, folders: Iterable[str]) -> tuple[Scan, dict[str, Any]]:
    """Check a results directory's part ``folders`` against its manifest, changing nothing."""
    out = Path(out)
    manifest = read_manifest(out)
    recorded = manifest.get("parts") or {}
    if not isinstance(recorded, dict):
        raise InputError("verify", "DIR", str(out), "has a manifest.json whose parts are "
                         "not a table of checksums")
    return scan(out, folders, recorded), manifest

