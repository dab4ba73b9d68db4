"""Shared small fixtures: cached small runs and a two-process pool for many runs.

Runs are deterministic per seed, so caching a run or running it in another process
never changes a result; it only saves time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

import sim

Overrides = dict[str, Any]
Job = tuple[str, Overrides, int, int]  # (preset or path, overrides, seed, days)


def run_summary(job: Job) -> dict[str, Any]:
    """One run's summary; module level so a worker process can unpickle it."""
    preset, overrides, seed, days = job
    return sim.run(sim.load_scenario(preset, overrides), seed=seed, days=days).summary


@pytest.fixture(scope="session")
def pool():
    """Two worker processes, shared by every test that needs many independent runs."""
    with ProcessPoolExecutor(max_workers=2) as executor:
        yield executor


@pytest.fixture(scope="session")
def run_many(pool) -> Callable[[Iterable[Job]], list[dict[str, Any]]]:
    """Summaries of many runs, in the order given, computed on the pool."""

    def _run_many(jobs: Iterable[Job]) -> list[dict[str, Any]]:
        return list(pool.map(run_summary, list(jobs)))

    return _run_many


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
