"""Shared small fixtures: cached small runs and a two-process pool for many runs.

Runs are deterministic per seed, so caching a run or running it in another process
never changes a result; it only saves time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

import sim

# Solara state that is not per browser tab (module globals, writes from threads without
# a page context) becomes an error instead of a silent leak between users.
os.environ.setdefault("SOLARA_ALLOW_GLOBAL_CONTEXT", "0")

Overrides = dict[str, Any]


@pytest.fixture(scope="session")
def pool():
    """Two worker processes, shared by every test that needs many independent runs.

    Spawned (not forked) workers, the same on every platform; they import the test
    modules by name, so worker functions must live at module level.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as executor:
        yield executor


@pytest.fixture(scope="session")
def run_small() -> Callable[..., sim.RunResult]:
    """``run_small(preset, overrides, seed=0, days=240)``: a run, cached for the session.

    Callers must not modify the returned frames.
    """
    cache: dict[tuple, sim.RunResult] = {}

    def _run(preset: str, overrides: Overrides | None = None, seed: int = 0, days: int = 240,
             warmup_days: int = 0) -> sim.RunResult:
        overrides = dict(overrides or {})
        key = (preset, tuple(sorted(overrides.items())), seed, days, warmup_days)
        if key not in cache:
            scenario = sim.load_scenario(preset, overrides)
            cache[key] = sim.run(scenario, seed=seed, days=days, warmup_days=warmup_days)
        return cache[key]

    return _run
