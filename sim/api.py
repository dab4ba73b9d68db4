"""The run API: ``run(scenario, seed)`` and a steppable ``Simulation``.

A caller can follow a run (``progress``) and stop it (``cancel``); the dashboard
steps a ``Simulation`` day by day. Both return the same :class:`RunResult`.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable
from typing import Any

import mesa

from .model import Neighbourhood
from .params import Scenario
from .results import RunResult, build_result
from .scenario import InputError, check_int, load_scenario

ProgressFn = Callable[[int, int], Any]
CancelFn = Callable[[], bool]


class Cancelled(Exception):
    """The caller asked the run to stop; nothing was returned or written."""


class Simulation:
    """A run that can be stepped: ``step()`` advances one day, ``result()`` summarises."""

    def __init__(self, scenario: Scenario | str | os.PathLike, seed: int = 0,
                 days: int | None = None, warmup_days: int = 0):
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.days = self.scenario.days if days is None else days
        check_int("run", "days", self.days, 1)
        check_int("run", "warmup_days", warmup_days, 0)
        check_int("run", "seed", seed, 0)
        if warmup_days >= self.days:
            raise InputError("run", "warmup_days", warmup_days,
                             f"must be less than days ({self.days})")
        self.warmup_days = warmup_days
        with _no_cyclic_gc():
            self.model = Neighbourhood(self.scenario, seed=seed, stats_from_day=warmup_days)

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.model.day

    def step(self) -> None:
        self.model.step()

    def run(self, progress: ProgressFn | None = None, cancel: CancelFn | None = None
            ) -> RunResult:
        """Step to the horizon; ``progress(day, days)`` after each day, ``cancel()`` polled."""
        with _no_cyclic_gc():
            while self.model.day < self.days:
                if cancel is not None and cancel():
                    raise Cancelled(f"cancelled on day {self.model.day} of {self.days}")
                self.step()
                if progress is not None:
                    progress(self.model.day, self.days)
        return self.result()

    def result(self) -> RunResult:
        return build_result(self.model, self.model.day, self.warmup_days)

    def close(self) -> None:
        """Let the model be freed once the caller is done with it.

        Mesa 3.3 keeps every model alive in ``mesa.Agent._ids`` (mesa issue #3179,
        fixed upstream by PR #3180), so a sweep worker would grow by tens of MB a run.
        """
        getattr(mesa.Agent, "_ids", {}).pop(self.model, None)


def run(scenario: Scenario | str | os.PathLike, seed: int = 0, days: int | None = None,
        warmup_days: int = 0, progress: ProgressFn | None = None,
        cancel: CancelFn | None = None) -> RunResult:
    """Run one scenario with one seed to its horizon (or ``days``) and summarise.

    KPIs count requests created on or after ``warmup_days``. The same scenario and
    seed always give the same result.
    """
    simulation = Simulation(scenario, seed, days, warmup_days)
    try:
        return simulation.run(progress, cancel)
    finally:
        simulation.close()


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause Python's cyclic garbage collector while a model is built and run.

    Building the population and running it create hundreds of thousands of
    objects that live long (residents, ties) or die young without cycles (needs,
    events); the collector's passes over the growing heap then cost a fifth of the
    time, and more the larger the neighbourhood, so time would grow faster than
    the number of residents. Reference counting still frees everything; the few
    cycles are collected afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
