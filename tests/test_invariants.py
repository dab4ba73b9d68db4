"""Invariants that every run must satisfy, whatever the scenario or seed.

Each preset runs at a small size twice: as written, and stressed (few professionals,
a small front desk and small meeting-place hosts) so that waiting lists, triage,
withdrawal from the list and escalation on the list all happen. A stepped
``Simulation`` is checked after every day against its own bookkeeping.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.vocabulary import GAVE_UP, STATES, UNANSWERED

PRESETS = sim.list_presets()
SMALL = {"population.n_residents": 2500}
STRESSED = {
    **SMALL,
    "wijkteam.n_professionals": 2,
    "wijkteam.caseload_max": 10,
    "frontdesk.fte": 0.4375,  # 3 first contacts a day
    "meeting_places.capacity_questions_per_day": 1.0,
}
# Morning batches (front desk, meeting-place hosts) and consultation hours feeding a
# triaged waiting list that empties now and then: where timed batch events meet the
# calendar (events out of order and negative queue waits were found here once).
BATCHES = {
    **SMALL,
    "wijkteam.n_professionals": 3,
    "wijkteam.caseload_max": 10,
    "wijkteam.case_duration_days_mean": 20.0,
    "wijkteam.share_outreach": 0.3,
    "meeting_places.share_visitors": 1.0,
    "meeting_places.p_ask_at_place": 1.0,
    "meeting_places.capacity_questions_per_day": 20.0,
    "seeking.share_network_first": 0.0,
    "access.triage": "urgency",
}
LOADS = {"small": SMALL, "stressed": STRESSED, "batches": BATCHES}
DAYS = 240
ANSWERED_STATES = ("helped", "in_care", "closed")
EVENT_COLUMNS = ["case_id", "activity", "timestamp", "day", "resource"]
EPS = 1e-9
BEGUN = "begun before day 0"  # the first event of a request in progress at a warm start


@pytest.fixture(params=[(p, load) for p in PRESETS for load in LOADS],
                ids=lambda x: f"{x[0]}-{x[1]}")
def result(request, run_small) -> sim.RunResult:
    preset, load = request.param
    return run_small(preset, LOADS[load], seed=3, days=DAYS)


def rows(frame: pd.DataFrame, mask: pd.Series, cols: list[str]) -> str:
    """A few offending rows, for assertion messages."""
    return frame.loc[mask, cols].head(5).to_string()


# --- requests ------------------------------------------------------------------------


def test_requests_are_in_exactly_one_known_state(result):
    req = result.requests
    assert len(req) > 0, "expected the run to create requests"
    assert req["state"].notna().all(), "expected every request to have a state"
    unknown = sorted(set(req["state"].astype(str)) - set(STATES))
    assert not unknown, f"expected states from sim.vocabulary.STATES {STATES}, found {unknown}"
    assert req["request_id"].tolist() == list(range(len(req))), \
        "expected request_id to be 0..n-1 in row order, one row per request"


def test_outcome_matches_state(result):
    req = result.requests
    state = req["state"].astype(str)
    withdrawn = state.isin(GAVE_UP)
    bad = withdrawn != (req["outcome"] == "withdrawn")
    assert not bad.any(), ("expected outcome 'withdrawn' exactly when state is 'withdrawn' "
                           "or 'hidden' (given up, the need stayed):\n"
                           + rows(req, bad, ["request_id", "state", "outcome"]))
    answered_state = state.isin(ANSWERED_STATES)
    bad = answered_state != req["day_answered"].notna()
    assert not bad.any(), ("expected day_answered set exactly for states "
                           f"{ANSWERED_STATES}:\n"
                           + rows(req, bad, ["request_id", "state", "day_answered"]))
    open_ = state.isin(list(UNANSWERED))
    bad = open_ & (req["outcome"] != "unanswered")
    assert not bad.any(), ("expected outcome 'unanswered' for open states:\n"
                           + rows(req, bad, ["request_id", "state", "outcome"]))
    bad = answered_state & req["outcome"].isin(["unanswered", "withdrawn", ""])
    assert not bad.any(), ("expected a route as outcome for answered requests:\n"
                           + rows(req, bad, ["request_id", "state", "outcome"]))
    bad = state.isin(["closed", *GAVE_UP]) != req["day_closed"].notna()
    assert not bad.any(), ("expected day_closed set exactly for states closed, withdrawn and "
                           "hidden:\n"
                           + rows(req, bad, ["request_id", "state", "day_closed"]))


def test_request_days_are_ordered(result):
    req = result.requests
    cols = ["request_id", "state", "day_created", "day_intake", "day_queued", "day_answered",
            "day_closed", "queue_wait_days"]
    before = result.meta["start"].get("pre_history_days", 0)
    assert (req["day_created"] >= -before).all() and (req["day_created"] < result.days).all(), \
        f"expected day_created in [{-before}, {result.days}): before 0 only in the warm " \
        "start's pre-history (ODD 5)"
    for later, earlier in (("day_answered", "day_created"), ("day_closed", "day_answered"),
                           ("day_closed", "day_created"), ("day_intake", "day_created"),
                           ("day_queued", "day_intake"), ("day_answered", "day_intake")):
        both = req[later].notna() & req[earlier].notna()
        bad = both & (req[later] < req[earlier] - EPS)
        assert not bad.any(), f"expected {later} >= {earlier}:\n" + rows(req, bad, cols)
    for col in ("day_answered", "day_closed", "day_intake", "day_queued"):
        bad = req[col] > result.days + EPS
        assert not bad.any(), f"expected {col} <= horizon {result.days}:\n" + rows(req, bad, cols)


def test_queue_waits(result):
    req = result.requests
    cols = ["request_id", "state", "outcome", "day_queued", "day_answered", "queue_wait_days"]
    qw = req["queue_wait_days"]
    bad = qw < 0
    assert not bad.any(), "expected queue_wait_days >= 0:\n" + rows(req, bad, cols)
    bad = qw.notna() != (req["outcome"] == "wijkteam")
    assert not bad.any(), ("expected a queue wait exactly for requests the wijkteam took on:\n"
                           + rows(req, bad, cols))
    started = qw.notna()
    gap = (req["day_queued"] + qw - req["day_answered"]).abs()
    bad = started & ~(gap < 1e-6)
    assert not bad.any(), ("expected day_queued + queue_wait_days == day_answered:\n"
                           + rows(req, bad, cols))
    assert (result.requests["wait_days"].dropna() >= -EPS).all(), "expected wait_days >= 0"


#: Every case is handled under some overload (threshold 0) and comes back as a repeat
#: request with the highest chance the graded overload allows, so that repeats happen in
#: every preset within the horizon.
REPEATS = {**STRESSED, "wijkteam.overload_threshold": 0.0, "wijkteam.overload_p_repeat": 1.0}


@pytest.mark.parametrize("preset", PRESETS)
def test_repeat_requests_point_back(preset, run_small):
    req = run_small(preset, REPEATS, seed=3, days=DAYS).requests
    rep = req[req["repeat_of"] >= 0]
    assert len(rep) > 0, ("expected repeat requests with wijkteam.overload_threshold = 0 and "
                          "wijkteam.overload_p_repeat = 1")
    assert (rep["repeat_of"] < rep["request_id"]).all(), \
        "expected a repeat request to refer to an earlier request"
    origin = req.set_index("request_id").loc[rep["repeat_of"]]
    assert (origin["outcome"] == "wijkteam").all(), \
        "expected repeat requests to follow a wijkteam case"
    assert (rep["day_created"].to_numpy() >= origin["day_closed"].to_numpy() - EPS).all(), \
        "expected a repeat request to arise when (or after) the original case ended"
    assert rep["repeat_of"].is_unique, "expected a case to come back at most once"


# --- daily series ----------------------------------------------------------------------


def test_daily_counts_add_up(result):
    daily, req = result.daily, result.requests
    assert daily["day"].tolist() == list(range(result.days)), \
        f"expected one daily row per day 0..{result.days - 1}"
    counts = daily[list(STATES)]
    assert (counts >= 0).all().all(), "expected no negative state counts"
    total = counts.sum(axis=1)
    bad = total != daily["needs_total"]
    assert not bad.any(), ("expected per-state counts to sum to needs_total each day:\n"
                           + daily.loc[bad, ["day", "needs_total"]].head().to_string())
    assert daily["needs_total"].is_monotonic_increasing, "expected needs_total never to fall"
    assert daily["needs_total"].iloc[-1] == len(req), \
        f"expected needs_total on the last day ({daily['needs_total'].iloc[-1]}) " \
        f"to equal the number of requests ({len(req)})"
    last = counts.iloc[-1]
    final = req["state"].astype(str).value_counts().reindex(list(STATES), fill_value=0)
    assert last.tolist() == final.tolist(), \
        f"expected the last day's state counts {last.to_dict()} to match the requests " \
        f"frame {final.to_dict()}"
    open_sum = daily[sorted(UNANSWERED)].sum(axis=1)
    assert (open_sum == daily["open_needs"]).all(), \
        "expected open_needs to equal the sum of the unanswered states"
    assert daily["crises_cum"].is_monotonic_increasing, "expected crises_cum never to fall"
    assert daily["crises_cum"].iloc[-1] == int((req["day_crisis"] >= 0).sum()), \
        "expected crises_cum on the last day to equal the number of requests with a crisis " \
        "from day 0 (a warm start's earlier crises are not counted)"


def test_daily_capacity(result):
    daily = result.daily
    for col in ("waitlist_length", "active_cases", "desk_queue", "place_questions",
                "volunteers_active"):
        assert (daily[col] >= 0).all(), f"expected {col} >= 0 every day"
    w = result.scenario.wijkteam
    bad = daily["case_hours_busy"] > daily["case_hours"] + 1e-9
    assert not bad.any(), ("expected the cases' hours within the team's hours every day:\n"
                           + daily.loc[bad, ["day", "case_hours_busy", "case_hours"]].head()
                           .to_string())
    bad = daily["active_cases"] > w.n_professionals * w.caseload_max
    assert not bad.any(), "expected at most n_professionals x caseload_max cases every day"
    bad = daily["active_cases"] != daily["in_care"]
    assert not bad.any(), ("expected active_cases to equal the requests in state in_care:\n"
                           + daily.loc[bad, ["day", "active_cases", "in_care"]].head().to_string())
    bad = daily["waitlist_length"] != daily["waitlist"]
    assert not bad.any(), ("expected waitlist_length to equal the requests in state waitlist:\n"
                           + daily.loc[bad, ["day", "waitlist_length", "waitlist"]].head()
                           .to_string())
    hours = w.case_hours_per_week
    largest = max(hours.practical, hours.social, hours.ongoing, hours.complex)
    room = ((daily["case_hours"] - daily["case_hours_busy"] >= largest - 1e-9)
            & (daily["active_cases"] < w.n_professionals * w.caseload_max))
    bad = (daily["waitlist_length"] > 0) & room
    assert not bad.any(), ("expected nobody on the waiting list at the end of a day with room "
                           "for any case:\n" + daily.loc[bad, ["day", "waitlist_length",
                                                               "case_hours_busy", "case_hours"]]
                           .head().to_string())


def test_summary_consistent_with_frames(result):
    s, req = result.summary, result.requests
    req = req[req["day_created"] >= 0]  # those begun before a warm start are not counted
    assert s["requests"] == len(req), \
        "expected summary requests == rows of requests created from day 0 (no warm-up)"
    assert s["answered"] == int(req["day_answered"].notna().sum()), \
        "expected summary answered == requests with day_answered"
    gave_up = req["state"].isin(GAVE_UP)
    assert s["withdrawn"] == int(gave_up.sum()), \
        "expected summary withdrawn == requests in state withdrawn or hidden"
    assert (req.loc[gave_up, "outcome"] == "withdrawn").all() \
        and req.loc[gave_up, "day_answered"].isna().all(), \
        "expected every request given up on (hidden or not) unanswered, outcome withdrawn"
    assert s["waitlist_end"] == result.daily["waitlist_length"].iloc[-1], \
        "expected summary waitlist_end == last daily waitlist_length"
    assert s["waitlist_max"] >= s["waitlist_end"] >= 0, \
        "expected 0 <= waitlist_end <= waitlist_max"
    assert s["waitlist_mean"] >= 0, "expected waitlist_mean >= 0"
    util = s["utilization"]
    assert math.isnan(util) or 0.0 <= util <= 1.0 + EPS, f"expected utilization in [0, 1], {util}"
    for key in ("answered_share", "informal_share"):
        v = s[key]
        assert math.isnan(v) or 0.0 <= v <= 1.0, f"expected {key} in [0, 1], got {v}"


# --- events ------------------------------------------------------------------------------


def test_events_frame(result):
    ev, req = result.events, result.requests
    assert list(ev.columns) == EVENT_COLUMNS, f"expected event columns {EVENT_COLUMNS}"
    cases = ev[ev["case_id"] >= 0]
    assert (ev["case_id"] >= -1).all(), "expected case_id >= -1 (-1: not a request)"
    assert set(cases["case_id"]) <= set(req["request_id"]), \
        "expected every event's case_id to be a request_id"
    start = pd.Timestamp(result.scenario.start_date)
    expected_ts = start + pd.to_timedelta(ev["day"], unit="D")
    assert (ev["timestamp"] == expected_ts).all(), "expected timestamp == start_date + day"
    back = cases.groupby("case_id", sort=False)["day"].diff() < -EPS
    assert not back.any(), ("expected events sorted by day within each case:\n"
                            + cases.loc[back.reindex(cases.index, fill_value=False)]
                            .head().to_string())
    first = cases.groupby("case_id", sort=True).first()
    missing = sorted(set(req["request_id"]) - set(first.index))
    assert not missing, f"expected events for every request; none for {missing[:10]}"
    opening = first["activity"].reindex(req["request_id"]).to_numpy()
    want = np.where(req["day_created"].to_numpy() < 0, BEGUN,
                    np.where(req["repeat_of"].to_numpy() >= 0, "repeat request", "need arises"))
    bad = opening != want
    assert not bad.any(), ("expected each request's first event to be 'need arises' (or "
                           f"'repeat request' for a repeat, '{BEGUN}' for one in progress "
                           "at the warm start):\n"
                           + req.loc[bad, ["request_id", "repeat_of"]].head().to_string())
    first_day = first["day"].reindex(req["request_id"]).to_numpy()
    assert np.allclose(first_day, req["day_created"].to_numpy()), \
        "expected the first event of a request on its day_created"
    arises = ev["activity"].isin(["need arises", "repeat request", BEGUN])
    assert arises.sum() == len(req), \
        f"expected exactly one arising event per request, got {arises.sum()} for {len(req)}"


# --- a stepped simulation ----------------------------------------------------------------


def test_stepped_simulation_bookkeeping():
    """After every day the model's counters agree with its requests and professionals."""
    scenario = sim.load_scenario("schiedam_walk_in_triage", STRESSED)
    s = sim.Simulation(scenario, seed=11, days=150)
    model = s.model
    team = model.wijkteam
    cap = scenario.wijkteam.caseload_max
    for day in range(1, 151):
        s.step()
        assert s.day == day, f"expected day {day} after {day} steps, got {s.day}"
        states = [n.state for n in model.needs]
        counted = {st: model.state_counts[st] for st in STATES}
        actual = {st: states.count(st) for st in STATES}
        assert counted == actual, f"day {day}: expected state_counts {actual}, got {counted}"
        assert set(states) <= set(STATES), f"day {day}: unknown states {set(states) - set(STATES)}"
        assert 0 <= team.hours_busy <= team.case_hours + 1e-9, \
            f"day {day}: expected 0 <= hours busy ({team.hours_busy}) <= {team.case_hours}"
        hours = sum(p.hours for p in team.professionals)
        assert hours == pytest.approx(team.hours_busy), \
            f"day {day}: expected the professionals' hours {hours} to add up to the team's"
        assert team.slots_busy == actual["in_care"], \
            f"day {day}: expected slots busy {team.slots_busy} == cases in care " \
            f"{actual['in_care']}"
        loads = [len(p.cases) for p in team.professionals]
        assert sum(loads) == team.slots_busy and max(loads) <= cap, \
            f"day {day}: expected caseloads {loads} to sum to {team.slots_busy}, each <= {cap}"
        assert team.waitlist_len >= 0, f"day {day}: negative waiting list {team.waitlist_len}"
        assert team.waitlist_len == actual["waitlist"], \
            f"day {day}: expected waiting list {team.waitlist_len} == requests in state " \
            f"waitlist {actual['waitlist']}"
        assert team.waitlist_max >= team.waitlist_len, f"day {day}: waitlist_max too small"
        for n in model.needs:
            if n.state in ANSWERED_STATES:
                assert n.t_answered >= n.t_arise - EPS, f"day {day}: need {n.id} answered early"
    result = s.result()
    assert result.days == 150 and len(result.daily) == 150, "expected 150 daily rows"
    assert result.summary["waitlist_max"] > 0, \
        "expected the stressed scenario to build a waiting list (else this test checks little)"


def test_event_resources_are_named_consistently(result):
    """Resources read ``kind:index`` for one of many, or the name of a unique service."""
    pattern = r"(resident|professional|place|volunteer):\d+|vraagwijzer|initiative|crisis service"
    names = pd.Series(result.events["resource"].astype(object).unique())
    bad = names[~names.str.fullmatch(pattern)]
    assert bad.empty, f"expected resource names matching {pattern!r}, got {bad.tolist()[:5]}"
    helpers = result.requests["answered_by"].astype(object)
    answered = result.requests["day_answered"].notna()
    assert helpers[answered].str.fullmatch(pattern).all(), \
        "expected every answered request to name who answered it"
    assert (helpers[~answered] == "").all(), "expected no helper for unanswered requests"
    n = result.scenario.population.n_residents
    residents = names[names.str.startswith("resident:")].str.split(":").str[1].astype(int)
    assert residents.between(0, n - 1).all(), f"expected resident indices in 0..{n - 1}"


def test_pair_index_numbers_every_pair_once():
    """The familiarity table's index is symmetric and one-to-one over unordered pairs."""
    from sim.submodels.meeting_places import pair_index

    m = 40
    index = {(i, j): pair_index(i, j) for i in range(m) for j in range(m) if i != j}
    assert all(index[i, j] == index[j, i] for i, j in index), "expected a symmetric index"
    assert sorted(set(index.values())) == list(range(m * (m - 1) // 2)), \
        f"expected the {m * (m - 1) // 2} pairs numbered 0..{m * (m - 1) // 2 - 1} once each"


# --- meeting places: regulars in weekly groups ------------------------------------------


def _place_run(days: int, **overrides):
    scenario = sim.load_scenario("dordrecht_meeting_place", {**SMALL, **overrides})
    simulation = sim.Simulation(scenario, seed=5, days=days)
    before = [set(t) for t in simulation.model.residents.ties]
    result = simulation.run()
    return simulation.model, before, result


def test_familiarity_ties_join_members_of_one_group():
    """Familiarity forms between people who come at the same time, nowhere else."""
    model, before, result = _place_run(180)
    group_of = {int(r): (p.index, g) for p in model.meeting.places
                for g, members in enumerate(p.groups) for r in members}
    new = {(a, b) for a, ties in enumerate(model.residents.ties) for b in ties - before[a]
           if a < b}
    assert len(new) > 100, f"expected familiarity ties to form in half a year, got {len(new)}"
    strangers = [(a, b) for a, b in new if a not in group_of or group_of[a] != group_of.get(b)]
    assert not strangers, f"expected new ties only within a group, got {strangers[:5]}"
    assert model.meeting.ties_formed == len(new), \
        f"expected the counter ({model.meeting.ties_formed}) to count the {len(new)} new ties"
    assert result.summary["familiarity_ties_formed"] == len(new), \
        "expected familiarity_ties_formed to count every new tie (no warm-up)"
    cum = result.daily["familiarity_ties_cum"]
    assert cum.is_monotonic_increasing and cum.iloc[-1] == len(new), \
        "expected the daily count of familiarity ties to rise to the number formed"


def test_groups_partition_the_members_and_meet_once_a_week():
    model, _, _ = _place_run(1, **{"meeting_places.group_size": 7})
    for place in model.meeting.places:
        joined = np.concatenate(place.groups) if place.groups else np.array([], int)
        assert sorted(joined.tolist()) == sorted(place.members.tolist()), \
            "expected the groups to hold every member exactly once"
        assert all(len(g) <= 7 for g in place.groups), "expected groups of at most group_size"
        meeting = sorted(g for w in range(7) for g in place.groups_on_weekday[w])
        assert meeting == list(range(len(place.groups))), \
            "expected each group to meet on exactly one weekday"


def test_visits_per_member_match_visits_per_year():
    """52 weeks: each member comes to 52 meetings with probability visits x 7 / 365."""
    visits = 30.0
    model, _, _ = _place_run(364, **{"meeting_places.visits_per_year": visits})
    members = sum(len(place.members) for place in model.meeting.places)
    p = visits * 7 / 365
    expected, se = members * 52 * p, math.sqrt(members * 52 * p * (1 - p))
    got = sum(place.visits for place in model.meeting.places)
    assert abs(got - expected) < 4 * se, \
        f"expected {expected:.0f} visits (+-4 SE = {4 * se:.0f}) in 52 weeks, got {got}"
