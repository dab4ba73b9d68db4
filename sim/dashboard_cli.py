"""``samenspel dashboard``: start the Solara dashboard (``dashboards/``) in a child process.

The model never imports the dashboard or Solara (the dashboard imports the model,
never the reverse), so this command only replaces itself with ``solara run
dashboards.app`` (one process: stopping it stops the server).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Any

from .scenario import InputError, check_int

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def command(host: str, port: int) -> list[str]:
    """The command line that serves the dashboard at ``http://host:port``."""
    return [sys.executable, "-m", "solara", "run", "dashboards.app", "--host", host,
            "--port", str(port), "--production", "--no-open", "--log-level", "warning"]


def cmd_dashboard(args: argparse.Namespace) -> int:
    port = check_int("dashboard", "--port", args.port, 1, 65535)
    for module in ("solara", "dashboards"):
        if importlib.util.find_spec(module) is None:
            raise InputError("dashboard", "", args.host,
                             f"{module} is not installed; run `make run`, or "
                             "pip install -e '.[dashboard]' in a checkout")
    print(f"samenspel dashboard: http://{args.host}:{port}  (Ctrl-C stops it)", flush=True)
    argv = command(args.host, port)
    os.execv(argv[0], argv)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "dashboard", help="start the dashboard in the browser (http://127.0.0.1:8765)",
        description="Serve the dashboard: compare scenarios, the elephant in the room, "
        "sweeps. Binds to 127.0.0.1 unless --host says otherwise.")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on (default {DEFAULT_PORT})")
    p.set_defaults(func=cmd_dashboard)
