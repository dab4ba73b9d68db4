"""Determinism and common random numbers.

The same scenario and seed give the same run, frame for frame. Who lives in the
neighbourhood and which needs arise come from streams no policy touches, so two
policies run with one seed see the same residents and the same needs (common random
numbers), and a longer run starts exactly like a shorter one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim

SMALL = {"population.n_residents": 2000}
DAYS = 200
NEED_COLUMNS = ["resident", "kind", "urgency_start", "day_created"]
RESIDENT_ARRAYS = ("household", "block", "age", "vulnerable", "reluctance_ask",
                   "reluctance_help", "trust")


def run(preset: str, overrides: dict | None = None, seed: int = 0, days: int = DAYS
        ) -> sim.RunResult:
    return sim.run(sim.load_scenario(preset, {**SMALL, **(overrides or {})}), seed=seed,
                   days=days)


def needs_arising(result: sim.RunResult) -> pd.DataFrame:
    """Needs that arose by themselves (not repeat requests, not begun before a warm
    start), in order of arising."""
    req = result.requests
    first = req[(req["repeat_of"] == -1) & (req["day_created"] >= 0)][NEED_COLUMNS]
    return first.sort_values("day_created", kind="stable").reset_index(drop=True)


def assert_same_summary(a: dict, b: dict, what: str) -> None:
    assert a.keys() == b.keys(), f"{what}: expected the same summary keys"
    for key in a:
        x, y = a[key], b[key]
        same = (x == y) or (isinstance(x, float) and isinstance(y, float)
                            and math.isnan(x) and math.isnan(y))
        if isinstance(x, dict):
            assert_same_summary(x, y, f"{what}, {key}")
            continue
        assert same, f"{what}: expected summary[{key!r}] identical, got {x!r} and {y!r}"


# --- same seed, same run -------------------------------------------------------------


@pytest.mark.parametrize("preset", ["schiedam_walk_in_triage", "rotterdam_vraagwijzer",
                                    "dordrecht_meeting_place", "vlaardingen_klussenbank"])
def test_same_seed_gives_identical_results(preset):
    a = run(preset, seed=5)
    b = run(preset, seed=5)
    assert_same_summary(a.summary, b.summary, f"{preset} seed 5 twice")
    for frame in ("daily", "requests", "events"):
        pd.testing.assert_frame_equal(getattr(a, frame), getattr(b, frame),
                                      obj=f"{preset} {frame} (expected identical per seed)")
    assert {k: v for k, v in a.meta.items() if k != "created"} == \
        {k: v for k, v in b.meta.items() if k != "created"}, \
        "expected identical meta apart from the creation time"


def test_different_seed_gives_different_requests():
    a = run("schiedam_walk_in", seed=1)
    b = run("schiedam_walk_in", seed=2)
    na, nb = needs_arising(a), needs_arising(b)
    assert len(na) != len(nb) or not na.equals(nb), \
        "expected seeds 1 and 2 to give different needs"
    assert not np.array_equal(a.requests["day_created"].to_numpy()[:50],
                              b.requests["day_created"].to_numpy()[:50]), \
        "expected different arrival times for different seeds"


def test_meta_records_provenance():
    r = run("schiedam_walk_in", seed=9)
    assert r.meta["seed"] == 9, f"expected meta seed 9, got {r.meta.get('seed')!r}"
    assert r.meta["scenario"] == "schiedam_walk_in", \
        f"expected meta scenario 'schiedam_walk_in', got {r.meta.get('scenario')!r}"
    assert r.meta["code_version"] == sim.code_version() and r.meta["code_version"], \
        f"expected meta code_version {sim.code_version()!r}, got {r.meta.get('code_version')!r}"
    assert r.meta["days"] == DAYS and r.meta["warmup_days"] == 0, \
        "expected meta to record days and warmup_days"
    assert r.meta["scenario_hash"] == run("schiedam_walk_in", seed=3).meta["scenario_hash"], \
        "expected the scenario hash not to depend on the seed"
    other = run("schiedam_walk_in", {"wijkteam.n_professionals": 4}, seed=9)
    assert other.meta["scenario_hash"] != r.meta["scenario_hash"], \
        "expected a changed parameter to change the scenario hash"


# --- common random numbers -------------------------------------------------------------


VARIANTS = {
    "access policy": ("schiedam_walk_in", {"access.policy": "vraagwijzer"}),
    "triage": ("schiedam_walk_in", {"access.triage": "urgency",
                                    "wijkteam.n_professionals": 3}),
    "professionals": ("schiedam_walk_in", {"wijkteam.n_professionals": 3}),
    "rotterdam preset": ("rotterdam_vraagwijzer", {}),
    "volunteers": ("schiedam_walk_in", {"volunteers.initiative": True}),
    "diffusion": ("schiedam_walk_in", {"bystander.diffusion_t": 1.2}),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_same_seed_same_needs_under_another_policy(variant):
    base = run("schiedam_walk_in", {"wijkteam.n_professionals": 4}, seed=4)
    preset, overrides = VARIANTS[variant]
    other = run(preset, {"wijkteam.n_professionals": 4, **overrides}, seed=4)
    a, b = needs_arising(base), needs_arising(other)
    pd.testing.assert_frame_equal(a, b, obj=f"needs arising with and without {variant} change "
                                  "(expected identical: common random numbers)")
    assert len(a) > 100, f"expected a meaningful number of needs, got {len(a)}"


def test_policies_do_not_change_the_residents():
    base = sim.Simulation(sim.load_scenario("schiedam_walk_in", SMALL), seed=6).model.residents
    for overrides in ({"access.policy": "vraagwijzer"}, {"access.triage": "urgency"},
                      {"wijkteam.n_professionals": 3}, {"volunteers.initiative": True}):
        sc = sim.load_scenario("schiedam_walk_in", {**SMALL, **overrides})
        other = sim.Simulation(sc, seed=6).model.residents
        for name in RESIDENT_ARRAYS:
            assert np.array_equal(getattr(base, name), getattr(other, name)), \
                f"expected resident {name} unchanged by {overrides}"
        assert base.ties == other.ties, f"expected resident ties unchanged by {overrides}"


def test_policy_change_does_change_the_run():
    """Guard against a vacuous CRN test: the policy variants really differ downstream."""
    base = run("schiedam_walk_in", {"wijkteam.n_professionals": 4}, seed=4)
    desk = run("schiedam_walk_in", {"wijkteam.n_professionals": 4,
                                    "access.policy": "vraagwijzer"}, seed=4)
    assert base.summary["wijkteam_intakes"] != desk.summary["wijkteam_intakes"], \
        "expected the front desk to change the wijkteam intakes"


def test_longer_run_starts_like_a_shorter_one():
    short = run("vlaardingen_klussenbank", seed=8, days=200)
    long = run("vlaardingen_klussenbank", seed=8, days=400)
    a = needs_arising(short)
    b = needs_arising(long)
    b = b[b["day_created"] < 200].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, obj="needs arising in the first 200 days (expected "
                                  "identical in a 200- and a 400-day run)")
    pd.testing.assert_frame_equal(short.daily, long.daily.iloc[:200],
                                  obj="daily series of the first 200 days (expected identical)")
    assert (long.requests["day_created"] >= 200).any(), "expected needs after day 200 too"


def test_stepping_equals_running():
    scenario = sim.load_scenario("schiedam_walk_in", SMALL)
    stepped = sim.Simulation(scenario, seed=2, days=120)
    while stepped.day < 120:
        stepped.step()
    a = stepped.result()
    b = sim.run(scenario, seed=2, days=120)
    for frame in ("daily", "requests", "events"):
        pd.testing.assert_frame_equal(getattr(a, frame), getattr(b, frame),
                                      obj=f"{frame} stepped vs run (expected identical)")
    assert_same_summary(a.summary, b.summary, "stepped vs run")
