"""One time budget for all professional work, and a fair access comparison (ODD 7.9, 7.11).

The desk's staff, the walk-in intakes, outreach and the cases all draw on the same
professionals' weeks (sim/budget.py); the access presets hold the same FTE; and a desk
that differs from walk-in only in where the first contact happens gives walk-in's
outcomes within paired noise.
"""

from __future__ import annotations

import pytest
from test_presets import ACCESS_CONTRAST

import sim
from sim.budget import time_budget
from sim.lab.validation.access import pass_through_checks, pass_through_overrides
from sim.scenario import InputError

#: half a preset team's area: 6,000 residents, 8 FTE
HALF = {"population.n_residents": 6000, "wijkteam.n_professionals": 8}


def week_hours(b) -> float:
    """Every hour of the budget, summed back over the professionals."""
    per = (b.desk_hours_per_professional + b.intake_hours_per_professional
           + b.outreach_hours_per_professional + b.case_hours_per_professional)
    return per * b.fte_total


@pytest.mark.parametrize("fte_desk", [0.0, 1.0, 2.5, 4.0])
def test_moving_staff_from_cases_to_the_desk_keeps_the_week(fte_desk):
    """The equal-budget swap: hours the desk gains, the cases lose, and no hour is made."""
    s = sim.load_scenario("rotterdam_vraagwijzer", {"frontdesk.fte": fte_desk})
    b = time_budget(s)
    total = s.wijkteam.n_professionals * s.wijkteam.hours_per_fte_week
    assert week_hours(b) == pytest.approx(total), \
        f"expected the week's {total} hours to add up again, got {week_hours(b)}"
    assert b.fte_desk + b.fte_cases == pytest.approx(b.fte_total), \
        "expected desk and cases to share the FTE with no outreach and no intakes"
    assert b.desk_contacts_per_day == pytest.approx(
        fte_desk * 36 * 60 / s.first_contact.minutes_per_contact / 7), \
        "expected the desk's capacity to follow from its hours and the minutes per contact"


def test_walk_in_intakes_and_outreach_come_out_of_the_hours_for_cases():
    plain = time_budget(sim.load_scenario("schiedam_walk_in", {"wijkteam.intake": False}))
    intakes = time_budget(sim.load_scenario("schiedam_walk_in"))
    outreach = time_budget(sim.load_scenario("schiedam_walk_in",
                                             {"wijkteam.share_outreach": 0.25}))
    assert plain.case_hours_per_professional == 36.0, "expected a whole week for cases"
    assert intakes.case_hours_per_professional == pytest.approx(36.0 - 2 * 45 / 60), \
        "expected two intakes of 45 minutes a week taken from the hours for cases"
    assert outreach.case_hours_per_professional == pytest.approx(36.0 - 1.5 - 9.0), \
        "expected a quarter of the week on outreach taken from the hours for cases"
    for b in (plain, intakes, outreach):
        assert week_hours(b) == pytest.approx(16 * 36), "expected the week to add up"


def test_the_access_presets_hold_the_same_staff_time():
    """A comparison said to isolate the access policy holds staff time equal (the desk's
    hours count): the budget and the runs' own reports agree."""
    fte = {p: time_budget(sim.load_scenario(p)).fte_total for p in ACCESS_CONTRAST}
    assert len(set(fte.values())) == 1, f"expected equal FTE in the access presets, got {fte}"
    runs = {p: sim.run(sim.load_scenario(p, {**HALF, "start.warm": False}), seed=1,
                       days=5).summary for p in ACCESS_CONTRAST}
    reported = {p: r["fte_total"] for p, r in runs.items()}
    assert set(reported.values()) == {8.0}, f"expected every run to report 8 FTE: {reported}"
    desk = runs["rotterdam_vraagwijzer"]
    assert desk["fte_desk"] > 0 and desk["fte_desk"] + desk["fte_cases"] == \
        pytest.approx(desk["fte_total"]), "expected the desk's FTE out of the team's"


def test_a_desk_that_differs_only_in_where_gives_walk_in_s_outcomes():
    """Without dropout and referral delay, and with the walk-in intakes' hours (the same
    number of first contacts a day), the desk is the walk-in intake held elsewhere: over
    paired seeds its crises and residents who give up match walk-in's within paired
    noise and within 10%. The desk is the one the validation report checks
    (``sim.lab.validation.access``), judged by the same check."""
    walk_in = sim.load_scenario("schiedam_walk_in", HALF)
    desk = sim.load_scenario("rotterdam_vraagwijzer", {**HALF, **pass_through_overrides(
        walk_in, sim.load_scenario("rotterdam_vraagwijzer", HALF))})
    assert time_budget(desk).case_hours_per_professional == pytest.approx(
        time_budget(walk_in).case_hours_per_professional), \
        "expected the same hours for cases behind this desk as with walk-in"
    runs = [{seed: sim.run(s, seed=seed, days=365).summary for seed in range(1, 6)}
            for s in (walk_in, desk)]
    checks = pass_through_checks(*runs, "full")
    assert len(checks) == 2, f"expected checks of crises and withdrawn, got {checks}"
    for c in checks:
        assert c.passed, f"expected a pass-through desk within paired noise of walk-in's " \
            f"and within 10% of its level: {c.line()}"


def test_utilization_is_a_share():
    s = sim.load_scenario("schiedam_walk_in", HALF)
    for seed in (1, 2):
        u = sim.run(s, seed=seed, days=120).summary["utilization"]
        assert 0.0 <= u <= 1.0, f"expected utilization within [0, 1], got {u!r}"


@pytest.mark.parametrize(("overrides", "names"), [
    ({"frontdesk.fte": 17.0}, "frontdesk.fte"),
    ({"wijkteam.share_outreach": 0.8, "wijkteam.intakes_per_professional_week": 20.0},
     "leaves no time for cases"),
    ({"frontdesk.capacity_per_day": 25.0}, "retired: the desk's capacity follows from"),
    ({"frontdesk.p_resolve": 0.4}, "first_contact.p_answer_simple"),
])
def test_a_budget_that_does_not_add_up_is_refused_in_one_line(overrides, names):
    preset = "rotterdam_vraagwijzer" if "frontdesk.fte" in overrides else "schiedam_walk_in"
    with pytest.raises(InputError) as err:
        sim.load_scenario(preset, overrides)
    message = str(err.value)
    assert names in message and "\n" not in message, \
        f"expected one line naming {names!r}, got {message!r}"
