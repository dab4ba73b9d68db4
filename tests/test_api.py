"""The run API a dashboard and a sweep rely on: progress, cancel, release, argument checks
and the warm-up. That stepping a Simulation equals one run is in test_determinism.py."""

from __future__ import annotations

import mesa
import pytest

import sim

SMALL = {"population.n_residents": 1500}


def small(preset: str = "schiedam_walk_in") -> sim.Scenario:
    return sim.load_scenario(preset, SMALL)


def test_progress_reports_every_day_in_order():
    seen: list[tuple[int, int]] = []
    sim.run(small(), seed=1, days=30, progress=lambda day, days: seen.append((day, days)))
    assert seen == [(d, 30) for d in range(1, 31)], "progress(day, days) once per day, 1..30"


def test_cancel_stops_the_run_where_asked():
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 10

    simulation = sim.Simulation(small(), seed=1, days=100)
    with pytest.raises(sim.Cancelled, match="day 10 of 100"):
        simulation.run(cancel=cancel)
    assert simulation.day == 10, "a cancelled run stops after the last day it was allowed"


def test_run_releases_the_model_from_mesa_bookkeeping():
    before = len(getattr(mesa.Agent, "_ids", {}))
    for seed in range(3):
        sim.run(small(), seed=seed, days=5)
    assert len(getattr(mesa.Agent, "_ids", {})) == before, \
        "finished runs must not stay referenced by mesa.Agent._ids (mesa issue #3179)"


@pytest.mark.parametrize(("kwargs", "key"), [
    ({"days": 0}, "days"),
    ({"seed": -1}, "seed"),
    ({"days": 10, "warmup_days": 10}, "warmup_days"),
    ({"days": 10, "warmup_days": 2.5}, "warmup_days"),
])
def test_bad_run_arguments_are_one_line_errors(kwargs, key):
    with pytest.raises(sim.InputError) as err:
        sim.run(small(), **kwargs)
    assert err.value.key == key and "\n" not in str(err.value), \
        f"expected a one-line InputError naming {key!r}, got {err.value}"


def test_warmup_excludes_early_requests_from_the_kpis():
    full = sim.run(small(), seed=3, days=60)
    later = sim.run(small(), seed=3, days=60, warmup_days=30)
    created = full.requests["day_created"]
    assert later.summary["requests"] == int((created >= 30).sum()), \
        "with a 30-day warm-up, KPIs count only requests created on day 30 or later"
