"""The progress bar of the lab's long commands (calibrate, validate)."""

from __future__ import annotations

import sys


def run_bar(total: float, on: bool, desc: str, initial: float = 0, **style):
    """A tqdm bar on stderr when ``on`` and stderr is a terminal; ``update(n, close=False)``.

    Off a terminal (CI logs, pipes) it prints nothing, so logs stay readable. ``initial``
    is work already done (a resumed run); ``style`` goes to tqdm (``unit``, ``bar_format``).
    """
    if not (on and sys.stderr.isatty()):
        return lambda n, close=False: None
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, desc=desc, file=sys.stderr, leave=False,
               **{"unit": "run", **style})

    def update(n: float, close: bool = False) -> None:
        bar.update(n)
        if close:
            bar.close()
    return update
