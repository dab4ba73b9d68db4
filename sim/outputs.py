"""Writing outputs safely and as plain JSON, shared by single runs, sweeps and the CLI.

Kept free of the model and of pandas, so the command line can use it without loading
them.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Permissions of written files: what open() would give, not mkstemp's private 0600.
FILE_MODE = 0o666 & ~_umask()


def atomic_write(path: Path, write: Callable[[str], Any]) -> Path:
    """Write through a hidden temp file in the same directory, then rename into place,
    so a reader never sees half a file and an interrupted write leaves nothing."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def jsonable(x: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN and infinities as ``None``."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def print_json(x: Any) -> None:
    """One JSON object on stdout, on one line (NaN becomes null)."""
    print(json.dumps(jsonable(x), allow_nan=False))
