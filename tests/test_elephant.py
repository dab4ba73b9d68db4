"""The elephant in the room: the bystander effect for one need, stepped and in Monte Carlo."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import sim
from sim.elephant import ElephantDemo, elephant_table
from sim.submodels.bystander import DIRECT, OWNER, TIE, p_act
from sim.theory import DARLEY_LATANE_1968, p_any_independent, social_impact_p

TRIALS = 10_000
SIZES = [1, 2, 3, 5, 10]


@pytest.fixture(scope="module")
def rule() -> sim.params.Bystander:
    return sim.load_scenario("validation/darley_latane").bystander


@pytest.fixture(scope="module")
def table(rule) -> dict:
    return elephant_table(rule, SIZES, TRIALS, seed=11)


def _se(p: float, decisions: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-12) / decisions)


def test_shape(table: dict) -> None:
    assert set(table) == {"diffusion", "independent"}, f"expected two modes, got {set(table)}"
    for rows in table.values():
        assert [r["bystanders"] for r in rows] == SIZES, "expected one row per size, in order"
        for r in rows:
            assert set(r) == {"bystanders", "p_individual", "p_any", "delay_days_mean"}
            assert 0 <= r["p_individual"] <= 1 and 0 <= r["p_any"] <= 1
            assert 1 <= r["delay_days_mean"] <= 30, f"expected a delay within 1..30, got {r}"


def test_individual_falls_with_n_under_diffusion(table: dict) -> None:
    p = [r["p_individual"] for r in table["diffusion"]]
    assert all(a > b for a, b in zip(p, p[1:], strict=False)), (
        f"expected the individual chance to fall with n under diffusion, got {p}")


def test_individual_constant_when_independent(table: dict, rule) -> None:
    for r in table["independent"]:
        n = r["bystanders"]
        se = _se(rule.p_act_day, TRIALS * n)
        assert abs(r["p_individual"] - rule.p_act_day) < 4 * se, (
            f"expected p_individual {rule.p_act_day} for n = {n} without diffusion, "
            f"got {r['p_individual']:.4f}")


def test_anyone_rises_with_n_when_independent(table: dict, rule) -> None:
    p_any = [r["p_any"] for r in table["independent"]]
    assert all(a <= b for a, b in zip(p_any, p_any[1:], strict=False)) and p_any[-1] > p_any[0], (
        f"expected the chance that anyone acts to rise with n, got {p_any}")
    for r in table["independent"]:
        expect = p_any_independent(rule.p_act_day, r["bystanders"])
        assert abs(r["p_any"] - expect) <= 3 * _se(expect, TRIALS) + 1e-9, (
            f"expected p_any {expect:.4f} = 1 - (1 - p1)^n for n = {r['bystanders']}, "
            f"got {r['p_any']:.4f}")


def test_calibrated_to_darley_latane(table: dict) -> None:
    got = {r["bystanders"]: r["p_individual"] for r in table["diffusion"]}
    for row in DARLEY_LATANE_1968:
        n, observed = row.group_size, row.reported_before_end_of_fit
        assert abs(got[n] - observed) <= 0.08, (
            f"expected p_individual within 0.08 of Darley & Latane's {observed} for n = {n}, "
            f"got {got[n]:.3f}")


def test_matches_social_impact_closed_form(table: dict, rule) -> None:
    for r in table["diffusion"]:
        n = r["bystanders"]
        expect = social_impact_p(rule.p_act_day, n, rule.diffusion_t)
        se = _se(expect, TRIALS * n)
        assert abs(r["p_individual"] - expect) <= 3 * se, (
            f"expected p_individual {expect:.4f} = p1 * n^-t for n = {n} within 3 SE "
            f"({se:.4f}), got {r['p_individual']:.4f}")


def test_delay_longer_with_diffusion_than_without(table: dict) -> None:
    for d, i in zip(table["diffusion"][1:], table["independent"][1:], strict=True):
        assert d["delay_days_mean"] > i["delay_days_mean"], (
            f"expected needs to wait longer with diffusion for n = {d['bystanders']}")


def test_horizon_censors_unanswered_needs(rule) -> None:
    out = elephant_table(rule, [1, 4], 200, seed=0, horizon_days=7, p1=0.0)
    for rows in out.values():
        for r in rows:
            assert (r["p_any"], r["delay_days_mean"]) == (0.0, 7.0), (
                f"expected a need nobody acts on to count as the horizon, 7 days, got {r}")


def test_same_seed_same_table(rule) -> None:
    a = elephant_table(rule, [1, 3], 500, seed=5)
    assert a == elephant_table(rule, [1, 3], 500, seed=5), "expected the same seed, same table"
    assert a != elephant_table(rule, [1, 3], 500, seed=6), "expected another seed to differ"


@pytest.mark.parametrize("switch", ["direct_request", "named_owner", "familiar"])
def test_switches_raise_the_chance_of_an_answer_on_day_1(switch: str, rule) -> None:
    n, seeds = 5, 1500
    plain = np.mean([ElephantDemo(rule, n, seed=s).run(1) == 1 for s in range(seeds)])
    switched = np.mean([ElephantDemo(rule, n, seed=s, **{switch: True}).run(1) == 1
                        for s in range(seeds)])
    assert switched > plain, (
        f"expected {switch} to raise the share answered on day 1 above plain diffusion's "
        f"{plain:.3f}, got {switched:.3f}")
    table = elephant_table(rule, [n], 4000, seed=2)["diffusion"][0]
    table_switched = elephant_table(rule, [n], 4000, seed=2, **{switch: True})["diffusion"][0]
    assert table_switched["p_any"] > table["p_any"], (
        f"expected {switch} to raise p_any in the table, got {table_switched['p_any']} vs "
        f"{table['p_any']}")


def test_demo_agrees_with_the_table(rule) -> None:
    """Day-1 answers of many stepped demos match the Monte Carlo p_any within MC error."""
    n, seeds = 3, 3000
    share = np.mean([ElephantDemo(rule, n, seed=s).run(1) == 1 for s in range(seeds)])
    expect = elephant_table(rule, [n], 20_000, seed=3)["diffusion"][0]["p_any"]
    assert abs(share - expect) <= 4 * _se(expect, seeds), (
        f"expected the demo's day-1 answered share {share:.3f} near the table's {expect:.3f}")


def test_demo_uses_the_shared_rule(rule) -> None:
    demo = ElephantDemo(rule, 4, direct_request=True, named_owner=True, familiar=True, p1=0.5)
    flags = [b["flags"] for b in demo.bystanders]
    assert flags[0] & DIRECT and flags[-1] & OWNER and all(f & TIE for f in flags), (
        f"expected bystander 0 asked directly, the last the owner, all tied; got {flags}")
    for b in demo.bystanders:
        assert b["p_today"] == p_act(rule, 4, b["flags"], 0.5), (
            f"expected bystander {b['index']}'s chance from sim.submodels.bystander.p_act")


def test_demo_default_p1_is_the_rule_daily_chance(rule) -> None:
    demo = ElephantDemo(rule, 1)
    assert demo.bystanders[0]["p_today"] == rule.p_act_day, "expected p1 = rule.p_act_day alone"
    off = ElephantDemo(dataclasses.replace(rule, diffusion=False), 6)
    assert all(b["p_today"] == rule.p_act_day for b in off.bystanders), (
        "expected everyone to act with p1 when diffusion is off")


def _trace(demo: ElephantDemo, days: int) -> list[tuple]:
    out = []
    for _ in range(days):
        demo.step()
        out.append((demo.day, demo.answered, demo.answered_day, tuple(demo.acted)))
    return out


def test_demo_deterministic_per_seed(rule) -> None:
    low = dataclasses.replace(rule, p_act_day=0.05)
    a = _trace(ElephantDemo(low, 6, seed=42), 40)
    b = _trace(ElephantDemo(low, 6, seed=42), 40)
    assert a == b, "expected the same seed to give the same days"
    days = {ElephantDemo(low, 6, seed=s).run(60) for s in range(20)}
    assert len(days) > 1, f"expected other seeds to answer on other days, got {days}"


def test_demo_stops_changing_once_answered(rule) -> None:
    demo = ElephantDemo(rule, 3, seed=1)
    assert (demo.day, demo.answered, demo.answered_day, demo.acted) == (0, False, None, []), (
        "expected an open need on day 0 before the first step")
    day = demo.run(1000)
    assert demo.answered and day == demo.answered_day == demo.day and demo.acted, (
        "expected the need answered on the day someone acted")
    before = (demo.state(), demo.history.copy())
    assert demo.step() is False, "expected step() to report no change once answered"
    after = (demo.state(), demo.history)
    assert before[0] == after[0], "expected the state not to change once answered"
    assert before[1].equals(after[1]), "expected the history not to grow once answered"


def test_history_is_tidy(rule) -> None:
    low = dataclasses.replace(rule, p_act_day=0.1)
    demo = ElephantDemo(low, 4, seed=3, named_owner=True)
    empty = demo.history
    assert len(empty) == 0 and {"day", "bystander", "acted"} <= set(empty.columns), (
        "expected an empty frame with the columns before the first step")
    demo.run(200)
    h = demo.history
    assert len(h) == 4 * demo.day, "expected one row per bystander per day"
    assert not h.duplicated(["day", "bystander"]).any(), "expected (day, bystander) unique"
    assert h["acted"].dtype == bool and h["p_act"].dtype == float, "expected typed columns"
    assert set(h.loc[h["acted"], "day"]) == {demo.answered_day}, (
        "expected acts only on the day the need was answered")
    assert sorted(h.loc[h["acted"] & (h["day"] == demo.day), "bystander"]) == demo.acted, (
        "expected the acted rows to be the bystanders in demo.acted")
    assert h.loc[h["owner"], "bystander"].unique().tolist() == [3], (
        "expected the last bystander to be the named owner")


@pytest.mark.parametrize("kwargs", [{"n_bystanders": 0}, {"n_bystanders": 2.5},
                                    {"seed": -1}, {"p1": 1.5}, {"p1": math.nan},
                                    {"familiar": "yes"}])
def test_demo_bad_input(kwargs: dict, rule) -> None:
    args = {"n_bystanders": 3, **kwargs}
    key, value = next(iter(kwargs.items()))
    with pytest.raises(sim.InputError) as info:
        ElephantDemo(rule, **args)
    assert key in str(info.value) and str(value) in str(info.value), (
        f"expected the key {key} and the value {value} in {info.value}")


@pytest.mark.parametrize("kwargs", [{"bystanders": []}, {"bystanders": [0, 2]},
                                    {"bystanders": [2, 2]}, {"trials": 0},
                                    {"horizon_days": 0}, {"seed": -2}])
def test_table_bad_input(kwargs: dict, rule) -> None:
    args = {"bystanders": [1, 2], "trials": 10, "seed": 0, **kwargs}
    key = next(iter(kwargs))
    with pytest.raises(sim.InputError) as info:
        elephant_table(rule, **args)
    assert key in str(info.value), f"expected the key {key} in {info.value}"
