"""samenspel: help requests flowing through a Dutch neighbourhood, as an agent-based model.

The public API::

    import sim
    scenario = sim.load_scenario("schiedam_walk_in", {"wijkteam.n_professionals": 8})
    result = sim.run(scenario, seed=1, warmup_days=90)
    result.summary, result.daily, result.requests, result.events
"""

from .api import Cancelled, Simulation, run
from .params import SPECS, Scenario
from .results import RunResult
from .scenario import InputError, list_presets, load_scenario
from .version import code_version

__all__ = ["SPECS", "Cancelled", "InputError", "RunResult", "Scenario", "Simulation",
           "code_version", "list_presets", "load_scenario", "run"]
