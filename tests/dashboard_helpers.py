"""Helpers for the dashboard tests: a page context, waiting for conditions, a served app."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``condition`` until it is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"expected within {timeout:g} s: {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def page_context() -> Iterator[object]:
    """A virtual kernel: what one browser tab has on the server, for ``solara.render``.

    Importing the server makes Solara keep reactive values per tab, as when served.
    """
    import solara.server.starlette  # noqa: F401
    from solara.server import kernel, kernel_context

    context = kernel_context.VirtualKernelContext(id="test-tab", kernel=kernel.Kernel(),
                                                  session_id="test-session")
    try:
        with context:
            yield context
    finally:
        context.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_dashboard(timeout: float = 120) -> Iterator[str]:
    """``samenspel dashboard`` on a free loopback port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "SOLARA_ALLOW_GLOBAL_CONTEXT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"the dashboard server exited: {proc.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/compare", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        wait_until(up, timeout, f"the dashboard answers at {base}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
