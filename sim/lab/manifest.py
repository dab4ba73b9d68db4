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


def read_manifest(out: str | os.PathLike) -> dict[str, Any]:
    """The manifest of sweep directory ``out``; an InputError line if it has none."""
    path = Path(out) / "manifest.json"
    if not path.is_file():
        raise InputError(str(out), "", _MISSING, "is no sweep directory (no manifest.json)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(str(path), "", _MISSING, f"unreadable manifest: {err}") from None
