"""A progress bar over runs for the lab's long commands (calibrate)."""

from __future__ import annotations

import sys


def run_bar(total: int, on: bool, desc: str):
    """A tqdm bar on stderr when ``on`` and stderr is a terminal; ``update(n, close=False)``.

    Off a terminal (CI logs, pipes) it prints nothing, so logs stay readable.
    """
    if not (on and sys.stderr.isatty()):
        return lambda n, close=False: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="run", file=sys.stderr, leave=False)

    def update(n: int, close: bool = False) -> None:
        bar.update(n)
        if close:
            bar.close()
    return update
