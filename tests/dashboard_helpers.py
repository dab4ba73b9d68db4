"""Helpers for the dashboard tests: a page context, waiting for conditions, a served app."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Renders:
    """Counts the render passes of every page in this process, and wakes those waiting.

    A page's figures and titles change only in a render pass (a reactive value set from
    a worker thread, a click, the play timer), so waiting for the next pass is waiting
    for the page to change.
    """

    def __init__(self) -> None:
        self.version = 0
        self._cond = threading.Condition()

    def passed(self) -> None:
        with self._cond:
            self.version += 1
            self._cond.notify_all()

    def wait(self, version: int, timeout: float) -> None:
        """Block until a render pass after ``version``, or ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != version, timeout)


#: The render passes of the pages the tests render (see :func:`page_context`).
RENDERS = Renders()


def wait_until(condition: Callable[[], object], timeout: float, what: str,
               changes: object = RENDERS) -> object:
    """Wait until ``condition()`` is truthy, re-checking it each time ``changes`` signals
    a change (``changes.version`` and ``changes.wait(version, timeout)``: a page's render
    passes by default, or a batch); fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        version = changes.version
        value = condition()
        if value:
            return value
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"expected within {timeout:g} s: {what}")
        changes.wait(version, left)


@contextlib.contextmanager
def page_context() -> Iterator[object]:
    """A virtual kernel: what one browser tab has on the server, for ``solara.render``.

    Importing the server makes Solara keep reactive values per tab, as when served.
    """
    import solara.server.starlette  # noqa: F401
    from reacton.core import _RenderContext
    from solara.server import kernel, kernel_context

    render_once = _RenderContext._render_once

    def counted(self, *args, **kwargs):
        try:
            return render_once(self, *args, **kwargs)
        finally:
            RENDERS.passed()

    context = kernel_context.VirtualKernelContext(id="test-tab", kernel=kernel.Kernel(),
                                                  session_id="test-session")
    _RenderContext._render_once = counted
    try:
        with context:
            yield context
    finally:
        context.close()
        _RenderContext._render_once = render_once


class Exited:
    """The change a starting server can signal: its process ends. ``wait`` blocks on the
    process (returning at once if it ends) for at most a twentieth of a second, so a
    port that starts answering is tried again soon."""

    version = 0

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    def wait(self, version: int, timeout: float) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=min(timeout, 0.05))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_dashboard(timeout: float = 120, env: dict[str, str] | None = None) -> Iterator[str]:
    """``samenspel dashboard`` on a free loopback port, with ``env`` added to its
    environment; yields its base URL."""
    port = free_port()
    env = {**os.environ, **(env or {}), "SOLARA_ALLOW_GLOBAL_CONTEXT": "0"}
    base = f"http://127.0.0.1:{port}"
    # its output goes to a file: a pipe nobody reads would block a chatty server once full
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                text=True)

        def up() -> bool:
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError(f"the dashboard server exited: {log.read()[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/compare", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        try:
            wait_until(up, timeout, f"the dashboard answers at {base}", changes=Exited(proc))
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _decoded(value):
    """``value`` with plotly's typed arrays (``{"dtype", "bdata"[, "shape"]}``, base64, as
    ``fig.to_json()`` writes numpy arrays and plotly.js reads them) as plain lists."""
    if isinstance(value, dict):
        if set(value) in ({"dtype", "bdata"}, {"dtype", "bdata", "shape"}):
            import base64

            import numpy as np

            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return array.tolist()
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def drawn_figures(rc) -> list:
    """The figures a rendered page draws: the state of its ``PlotlyView`` widgets (the
    figure's JSON), as plotly figures; the ones drawn out of sight to warm plotly.js up
    are left out. None may be plotly's own widget, which sends plotly.js with each figure."""
    import json

    import plotly.graph_objects as go

    from dashboards.plotly_view import PlotlyView

    assert not rc.find(go.FigureWidget).widgets, \
        "expected every figure drawn by PlotlyView, none by plotly's FigureWidget"
    return [go.Figure(_decoded(json.loads(w.figure))) for w in rc.find(PlotlyView).widgets
            if w.figure and not w.offscreen]
