"""Reading the manifest of a sweep directory (written by :mod:`.sweep`).

Kept apart from the sweep, which loads pandas and the model's KPIs, so that the
command line can refuse a directory that is no sweep at once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..scenario import _MISSING, InputError

#: What a sweep's manifest says it is (``format``, e.g. ``samenspel-sweep/1``).
SWEEP_FORMAT_PREFIX = "samenspel-sweep/"


def read_manifest(out: str | os.PathLike) -> dict[str, Any]:
    """The manifest of sweep directory ``out``; one InputError line if ``out`` is no sweep
    directory: missing, without a readable manifest, or with another program's."""
    out = Path(out)

    def refuse(why: str) -> InputError:
        return InputError(str(out), "", _MISSING, f"is not a results directory ({why})")

    if not out.is_dir():
        raise refuse("no such directory")
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise refuse("no manifest.json") from None
    except (OSError, ValueError) as err:
        raise refuse(f"unreadable manifest.json: {err}") from None
    if not isinstance(manifest, dict) or not str(manifest.get("format", "")).startswith(
            SWEEP_FORMAT_PREFIX):
        raise refuse("its manifest.json is not a samenspel sweep's")
    return manifest
