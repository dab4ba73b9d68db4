"""samenspel: help requests flowing through a Dutch neighbourhood, as an agent-based model.

The public API::

    import sim
    scenario = sim.load_scenario("schiedam_walk_in", {"wijkteam.n_professionals": 8})
    result = sim.run(scenario, seed=1, warmup_days=90)
    result.summary, result.daily, result.requests, result.events

The model and its heavy imports (Mesa, pandas) load on first use of ``run``,
``Simulation`` or ``RunResult``, so validating a scenario or printing an error
from the command line stays fast.
"""

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

from .params import SPECS, Scenario
from .scenario import InputError, list_presets, load_scenario
from .version import code_version

_LAZY = {"run": "api", "Simulation": "api", "Cancelled": "api", "RunResult": "results"}

__all__ = ["SPECS", "Cancelled", "InputError", "RunResult", "Scenario", "Simulation",
           "code_version", "list_presets", "load_scenario", "run"]


def lazy_attributes(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A package's ``__getattr__`` that imports ``name`` from its submodule ``where[name]``
    on first use (and keeps it), so importing the package stays cheap."""
    def __getattr__(name: str) -> Any:
        if name in where:
            value = getattr(import_module(f".{where[name]}", package), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


__getattr__ = lazy_attributes(__name__, _LAZY)
