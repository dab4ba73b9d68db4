"""The warm start (ODD 5): a run begins near the stationary regime, not empty.

What must hold: the state at day 0 is the stationary one (checked against Erlang C in
queue-only mode), records begun before day 0 stay out of the KPIs, the warm start
never shifts the needs nor the volunteers' streams (scenarios under one seed stay
paired), it can be switched off, the outputs say how the run started, and the KPIs of
a warm-started year, the volunteer pool's among them, fall within the intervals of a
cold start's settled years, over paired seeds.

Which cold year to compare with: a cold start has not settled in its second year
(over 8 seeds at half size, rotterdam_vraagwijzer's mean waiting list is 0.34 in the
second year and 3.4 in the third; schiedam_walk_in_triage's grows by a tenth), so
the reference is the third year, days 730-1095 (the caseloads and lists of the third
and fourth years differed by under 4% in a four-year check at full size). The
warm-started year must fall in its intervals, and a cold first year must not (else the
test could not tell).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim import theory
from sim.kpis import flatten
from sim.lab.compare import t_interval
from sim.model import Neighbourhood
from sim.streams import generator, poisson_copies
from sim.submodels import escalation
from sim.submodels.escalation import Escalation
from sim.submodels.wijkteam import CaseDurations
from sim.vocabulary import HIDDEN, HIGH, UNIFORMS

SMALL = {"population.n_residents": 2000}
#: a waiting list at day 0: 3 professionals of 6 cases for 2,000 residents
LOADED = {**SMALL, "wijkteam.n_professionals": 3, "wijkteam.caseload_max": 6}
COLD = {"start.warm": False}
BEGUN = "begun before day 0"


def day0(preset: str, overrides: dict, seed: int) -> sim.Simulation:
    """A simulation built (warm-started unless told otherwise), no day run yet."""
    return sim.Simulation(sim.load_scenario(preset, overrides), seed=seed, days=10)


# --- the state at day 0 ------------------------------------------------------------------


def test_a_warm_start_has_cases_and_a_waiting_list_at_day_0():
    model = day0("schiedam_walk_in", LOADED, seed=1).model
    cold = day0("schiedam_walk_in", {**LOADED, **COLD}, seed=1).model
    assert cold.wijkteam.slots_busy == 0 and cold.wijkteam.waitlist_len == 0, \
        "expected a cold start to begin with no cases and no waiting list"
    cap = 3 * LOADED["wijkteam.caseload_max"]  # binds before the hours in this team
    assert model.wijkteam.slots_busy == cap, \
        f"expected the loaded team full at day 0, {cap} cases, got {model.wijkteam.slots_busy}"
    assert model.wijkteam.waitlist_len > 0, "expected a waiting list at day 0 when loaded"
    loads = [len(p.cases) for p in model.wijkteam.professionals]
    assert sum(loads) == model.wijkteam.slots_busy, \
        f"expected the caseloads {loads} to add up to the cases running"
    states = pd.Series([n.state for n in model.needs]).value_counts()
    assert states.get("in_care", 0) == model.wijkteam.slots_busy \
        and states.get("waitlist", 0) == model.wijkteam.waitlist_len, \
        f"expected the records in progress to be the cases and the list, got {states.to_dict()}"
    assert all(n.t_arise < 0 for n in model.needs), "expected every record at day 0 begun before"


def test_the_stationary_state_matches_erlang_c_in_queue_only_mode():
    """In queue-only mode (8.1) the team is M/M/c: at day 0 the busy slots average λ/μ and
    the waiting list Erlang C's Lq, over seeds (each seed one draw of the stationary state)."""
    seeds = range(40)
    sc = sim.load_scenario("validation/mmc")
    busy, waiting = [], []
    for seed in seeds:
        model = sim.Simulation(sc, seed=seed, days=10).model
        busy.append(model.wijkteam.slots_busy)
        waiting.append(model.wijkteam.waitlist_len)
    lam = sc.population.n_residents * sc.needs.rate_per_resident_year / 365
    mu = 1 / sc.wijkteam.case_duration_days_mean
    c = sc.wijkteam.n_professionals * sc.wijkteam.caseload_max
    lq = theory.mmc_queue_length_mean(lam, mu, c)
    for name, x, want in (("busy slots", busy, lam / mu), ("waiting list", waiting, lq)):
        x = np.asarray(x, float)
        se = x.std(ddof=1) / math.sqrt(len(x))
        assert abs(x.mean() - want) <= 3 * se + 0.05 * want, \
            f"expected the mean {name} at day 0 within 3 SE (+5%) of M/M/c's {want:.3g}, got " \
            f"{x.mean():.3g} (SE {se:.2g}, {len(x)} seeds)"


def test_the_pool_s_pre_history_recruits_as_the_rules_predict():
    """Theory: without burden, overload or tasks, a pool that recruits each visiting member
    with chance ``p_recruit_visit`` x (1 - active / ``pool_capacity``) and loses each
    volunteer at rate ``leave_per_year`` has linear rates, so its mean settles where
    V q (1 - P / cap) = P L (V visits a day, q the chance per visit): the mean pool at
    day 0 of warm starts begun empty, over seeds, within 3 SE of that P."""
    overrides = {**SMALL, "volunteers.initiative": True, "volunteers.n_initial": 0,
                 "volunteers.p_recruit_visit": 0.005, "volunteers.pool_capacity": 60,
                 "volunteers.leave_per_year": 1.0, "volunteers.formalisation_burden": 0.0,
                 "volunteers.motivation_loss_unclear_roles_per_day": 0.0,
                 "volunteers.motivation_loss_overload_per_day": 0.0}
    pools = []
    for seed in range(20):
        model = day0("schiedam_walk_in", overrides, seed=seed).model
        pools.append(model.start["volunteers_at_start"])
    meeting, v = model.meeting, model.scenario.volunteers
    visits_per_day = meeting.p_come * np.mean(
        [sum(len(p.meeting_on_weekday[d][0]) for p in meeting.places) for d in range(7)])
    recruit, leave = visits_per_day * v.p_recruit_visit, v.leave_per_year / 365
    want = recruit / (leave + recruit / v.pool_capacity)
    x = np.asarray(pools, float)
    se = x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - want) <= 3 * se, \
        f"expected the mean pool at day 0 within 3 SE of the balance of recruitment and " \
        f"leaving, {want:.1f}, got {x.mean():.1f} (SE {se:.2f}, {len(x)} seeds)"


def test_records_begun_before_day_0_are_marked_and_left_out_of_the_kpis(run_small):
    r = run_small("schiedam_walk_in", LOADED, seed=2, days=120)
    req = r.requests
    before = req[req["day_created"] < 0]
    assert len(before) > 0, "expected records in progress at the warm start"
    assert before["route"].str.startswith(BEGUN).all(), \
        f"expected the route of every record begun before day 0 to start with {BEGUN!r}"
    assert (~before["state"].isin(["unvoiced", "asking"])).all(), \
        "expected records begun before day 0 to be cases, waiting or crises, not new needs"
    assert r.summary["requests"] == int((req["day_created"] >= 0).sum()), \
        "expected the KPI requests to count only requests created from day 0"
    events = r.events[r.events["activity"] == BEGUN]
    assert sorted(events["case_id"]) == sorted(before["request_id"]), \
        f"expected one {BEGUN!r} event per record begun before day 0"


def test_the_pilots_meetings_draw_as_full_meetings_that_form_no_ties():
    """The pilot's meetings (``MeetingPlaces.only_needs``) skip the contact draws of visitors
    without an open need in one step: every other draw, so whom a visitor with a need
    meets and who is recruited, is that of full meetings in which no tie forms."""
    sc = sim.load_scenario("dordrecht_meeting_place", {
        **SMALL, **COLD, "meeting_places.visits_for_familiarity": 100,
        "volunteers.p_recruit_visit": 0.05})
    runs = {}
    for lean in (False, True):
        model = Neighbourhood(sc, seed=3)
        if lean:
            model.meeting.only_needs()
        for _ in range(60):
            model.step()
        runs[lean] = model
    full, lean = runs[False], runs[True]
    noticed = full.events.frame()["activity"].eq("noticed at the meeting place").sum()
    assert noticed > 0 and full.volunteering.recruited > 0, \
        "expected needs noticed and volunteers recruited at meetings, else this proves nothing"
    assert [(n.resident, n.state, n.t_intake, n.n_aware_max) for n in lean.needs] \
        == [(n.resident, n.state, n.t_intake, n.n_aware_max) for n in full.needs], \
        "expected the same needs, routes and awareness with the pilot's meetings"
    assert lean.meeting.rng.getstate() == full.meeting.rng.getstate() \
        and lean.volunteering.active == full.volunteering.active, \
        "expected the meetings' stream where full meetings leave it, and the same pool"


# --- pairing, switching off, provenance --------------------------------------------------


def arising(result: sim.RunResult) -> pd.DataFrame:
    req = result.requests
    first = req[(req["repeat_of"] == -1) & (req["day_created"] >= 0)]
    return first[["resident", "kind", "urgency_start", "day_created"]].reset_index(drop=True)


def test_the_warm_start_never_shifts_the_needs(run_small):
    """The needs after day 0 are the same warm or cold, and under another access policy:
    the warm start draws from its own stream (common random numbers)."""
    warm = run_small("schiedam_walk_in", LOADED, seed=4, days=120)
    cold = run_small("schiedam_walk_in", {**LOADED, **COLD}, seed=4, days=120)
    desk = run_small("schiedam_walk_in", {**LOADED, "access.policy": "vraagwijzer"}, seed=4,
                     days=120)
    pd.testing.assert_frame_equal(arising(warm), arising(cold),
                                  obj="needs after day 0, warm vs cold (expected identical)")
    pd.testing.assert_frame_equal(arising(warm), arising(desk),
                                  obj="needs after day 0, walk-in vs desk (expected identical)")
    assert len(arising(warm)) > 100, "expected a meaningful number of needs"


def test_the_pool_s_pre_history_leaves_the_volunteer_streams_alone():
    """The volunteer pool's pre-history draws from ``warmstart`` only: at day 0 the
    ``volunteers``, ``volunteer_traits`` and ``meeting`` streams are where a cold start has
    them, so what they draw after day 0 is a cold start's (common random numbers)."""
    overrides = {**SMALL, "volunteers.p_recruit_visit": 0.01}
    warm = day0("schiedam", overrides, seed=5).model
    cold = day0("schiedam", {**overrides, **COLD}, seed=5).model
    assert {v.rid for v in warm.volunteering.pool} != {v.rid for v in cold.volunteering.pool} \
        and any(v.tasks for v in warm.volunteering.pool), \
        "expected the pre-history to change who volunteers and leave tasks in progress at " \
        "day 0, else this proves nothing"
    assert warm.start["volunteers_at_start"] == warm.volunteering.active > 0, \
        f"expected the start record to give the pool at day 0, got {warm.start}"
    for name, stream in (("volunteers", lambda m: m.volunteering.rng.getstate()),
                         ("volunteer_traits", lambda m: m.volunteering.rng_traits.getstate()),
                         ("meeting", lambda m: m.meeting.rng.getstate()),
                         ("meeting (numpy)", lambda m: m.meeting.rng_np.bit_generator.state)):
        assert stream(warm) == stream(cold), \
            f"expected the {name} stream at day 0 where a cold start has it"


def test_outputs_record_how_the_run_started(run_small):
    warm = run_small("schiedam_walk_in", LOADED, seed=2, days=120)
    cold = run_small("schiedam_walk_in", {**LOADED, **COLD}, seed=2, days=120)
    start = warm.meta["start"]
    pilot_days = warm.meta["parameters"]["start.pilot_days"]
    assert start["warm"] is True and start["pilot_days"] == pilot_days \
        and start["pre_history_days"] > 0 and start["in_progress_at_start"] > 0 \
        and start["volunteers_at_start"] == 0, \
        f"expected meta to record the warm start, its pilot and pre-history (and no " \
        f"volunteers: this preset has none), got {start}"
    assert warm.requests.attrs["start"] == start, "expected the frames to carry it too"
    assert cold.meta["start"] == {"warm": False}, \
        f"expected meta to record a cold start, got {cold.meta['start']}"
    assert cold.meta["parameters"]["start.warm"] is False, \
        "expected the parameter that switched it off among the recorded parameters"


def test_compare_can_start_cold():
    """``compare --cold-start`` sets ``start.warm = false`` on every scenario it runs."""
    from sim.lab.compare import comparison_text
    from sim.lab.experiment import experiment_from_text
    from sim.lab.sweep import plan_runs

    for cold in (False, True):
        text = comparison_text(["schiedam_walk_in", "rotterdam_vraagwijzer"], 1, 30, 0, 0, cold)
        tasks = plan_runs(experiment_from_text(text, where="compare"))
        assert {t.scenario.start.warm for t in tasks} == {not cold}, \
            f"expected start.warm {not cold} in every run with cold_start={cold}"


def test_the_warm_start_is_deterministic():
    a = day0("rotterdam_vraagwijzer", LOADED, seed=3).model
    b = day0("rotterdam_vraagwijzer", LOADED, seed=3).model
    key = [(n.id, n.resident, n.kind, n.state, n.t_arise, n.t_queue) for n in a.needs]
    assert key == [(n.id, n.resident, n.kind, n.state, n.t_arise, n.t_queue) for n in b.needs], \
        "expected the same records in progress at day 0 for the same scenario and seed"
    assert a.start == b.start, "expected the same warm-start record"


# --- the pre-history's copies: block filters that keep the rules --------------------------


def test_a_block_filter_keeps_the_copies_it_names_with_their_own_draws():
    """``poisson_copies`` with ``keep`` makes exactly the copies that it says to keep of those
    it makes without: the same times, items and uniforms (the k-th arrival its k-th draws)."""
    items, weights = ["a", "b", "c"], [0.5, 1.0, 1.5]
    every = poisson_copies(generator(1, "warmstart", 9), items, weights, -300.0, 0.0, 4)
    kept = poisson_copies(generator(1, "warmstart", 9), items, weights, -300.0, 0.0, 4,
                          lambda times, picks, u: (u[:, 0] < 0.3) | (picks == 2))
    chosen = [(t, item, list(u)) for t, item, u in every if u[0] < 0.3 or item == "c"]
    assert 300 < len(every) < 1500 and 0 < len(chosen) < len(every), \
        f"expected about 900 arrivals, some but not all kept, got {len(chosen)} of {len(every)}"
    assert [(t, item, list(u)) for t, item, u in kept] == chosen, \
        "expected the filter to keep exactly the copies it names, with their own draws"
    times = [t for t, _, _ in every]
    assert times == sorted(times) and times[0] >= -300.0 and times[-1] < 0.0, \
        "expected arrival times in order within the interval"
    none = poisson_copies(generator(1, "warmstart", 9), items, [1e-6] * 3, -1.0, 0.0, 4,
                          lambda times, picks, u: times[0] < 0)
    assert none == [], f"expected no arrival in a day at a rate of 3e-6 a day, got {none}"


def _outlast_by_the_rule(self, kinds, u, days):
    """The teams' thinning as the rule says it, copy by copy, from ``case_days``."""
    return np.array([plan + support * self.full_overload >= d for plan, support, d in (
        (*self.case_days(int(k), row), d) for k, row, d in zip(kinds, u, days, strict=True))],
        dtype=bool)


@pytest.mark.parametrize("distribution", ["lognormal", "exponential"])
def test_the_pre_history_s_block_filters_keep_the_rules(monkeypatch, distribution):
    """The teams' copies are thinned a block at a time (``CaseDurations.outlast``) and the
    hidden needs' copies the rule would surely drop are not made (``_days_to_crisis``); the
    state at day 0 and the first months are what deciding copy by copy by the rules gives:
    thinning by ``case_days``, and every hidden copy made and left to the rule."""
    overrides = {**LOADED, "wijkteam.duration_distribution": distribution,
                 "wijkteam.share_outreach": 0.1}
    hidden_copies = []

    def made(*args):
        copies = poisson_copies(*args)
        hidden_copies.append(len(copies))
        return copies

    def state() -> tuple:
        run = sim.Simulation(sim.load_scenario("schiedam_walk_in", overrides), seed=2,
                             days=90)
        at_start = [(n.resident, n.kind, n.state, n.t_arise, n.urgency, tuple(n.route))
                    for n in run.model.needs]
        result = run.run()
        run.close()
        return at_start, result.events, result.summary

    monkeypatch.setattr(escalation, "poisson_copies", made)
    fast = state()
    decided = []
    real_outlast = CaseDurations.outlast

    def by_the_rule(self, kinds, u, days):
        kept = _outlast_by_the_rule(self, kinds, u, days)
        assert np.array_equal(kept, real_outlast(self, kinds, u, days)), \
            "expected the block thinning to decide as the rule, copy by copy"
        decided.extend(kept.tolist())
        return kept

    monkeypatch.setattr(CaseDurations, "outlast", by_the_rule)
    monkeypatch.setattr(Escalation, "_days_to_crisis",
                        lambda self, urgencies, u: np.full(len(urgencies), np.inf))
    by_rule = state()
    assert 0 < sum(decided) < len(decided), \
        f"expected the thinning to drop some copies and keep others, kept {sum(decided)} " \
        f"of {len(decided)}"
    assert 0 < hidden_copies[0] < hidden_copies[1], \
        f"expected the filter to spare some hidden copies of {hidden_copies[1]}, made " \
        f"{hidden_copies[0]}"
    assert any(state == HIDDEN for _, _, state, *_ in fast[0]), \
        "expected hidden needs at day 0, else the hidden copies' filter proves nothing"
    assert fast[0] == by_rule[0], "expected the same records in progress at day 0"
    assert fast[1].equals(by_rule[1]), "expected the same event log in the first months"
    assert fast[2] == by_rule[2], "expected the same KPIs"


def test_the_hidden_copies_days_to_a_crisis_are_the_rule_s_within_rounding():
    """The block sum may differ from the rule's (``_level_days``, level after level) by
    rounding only, far below the margin the filter leaves (``_ROUNDING_DAYS``)."""
    model = day0("schiedam_walk_in", {**SMALL, **COLD}, seed=1).model
    rows = generator(1, "warmstart", 9).random((2000, len(UNIFORMS)))
    urgencies = np.arange(2000) % (HIGH + 1)
    rule = [sum(model.escalation._level_days(level, row) for level in range(a, HIGH + 1))
            for a, row in zip(urgencies.tolist(), rows, strict=True)]
    gap = np.abs(model.escalation._days_to_crisis(urgencies, rows) - np.array(rule))
    assert 0 < escalation._ROUNDING_DAYS < 1e-3 and gap.max() < escalation._ROUNDING_DAYS / 1e3, \
        f"expected the block sum within rounding of the rule's, far below a positive margin " \
        f"of {escalation._ROUNDING_DAYS}; got a gap of {gap.max()}"


# --- the warm-started year against a cold start's settled year ----------------------------


#: The access-contrast presets at half size (team and desk halved with the residents, so
#: the load is the preset's), a loaded case: the desk's team cut to 6 professionals, and
#: Schiedam as it is at half size with its reported 60 volunteers at the start, above the
#: pool it settles at (about 34 with its capacity halved), so a cold start's pool has not
#: settled in its first year and the pool's comparison can tell.
HALF = {"population.n_residents": 6000, "wijkteam.n_professionals": 8,
        "frontdesk.fte": 0.5}
CASES = {"rotterdam_vraagwijzer": ("rotterdam_vraagwijzer", HALF),
         "schiedam_walk_in": ("schiedam_walk_in", HALF),
         "schiedam_walk_in_triage": ("schiedam_walk_in_triage", HALF),
         "loaded": ("rotterdam_vraagwijzer", {**HALF, "wijkteam.n_professionals": 6}),
         "schiedam": ("schiedam", {**HALF, "volunteers.pool_capacity": 60}),
         # the crisis service as loaded as the presets' at full size (its capacity halved)
         "crisis_loaded": ("rotterdam_vraagwijzer", {**HALF, "crisis.capacity": 8})}
SEEDS = tuple(range(1, 9))
#: the volunteer pool's KPIs, 0 in every seed of the cases without volunteers; the guard
#: below asks the first of them to tell a cold first year from a settled one (since the
#: first-contact rule, volunteers_dropped no longer does: cold year 1 and 3 agree)
POOL_KPIS = ("volunteers_active_end", "volunteers_dropped")
POOL_GUARD = POOL_KPIS[:1]
POOL_CASES = ("schiedam",)
#: not a KPI: the needs given up that stay, hidden, at the start of the counted year and
#: can still become a crisis (the stock whose crises keep coming for months, most of them
#: never at a team); one given up after its crisis stays hidden unless outreach finds it,
#: so without outreach that stock only grows, and a cold start's third year has more
HIDDEN_AT_START = "hidden_at_start"
KPIS = ("utilization", "waitlist_mean", "queue_wait_days_mean_all", "queue_wait_days_mean",
        "answered_share", "informal_share", "withdrawn", "crises", "wait_days_mean",
        "wijkteam_intakes", "case_overload_mean", *POOL_KPIS, HIDDEN_AT_START)
#: the crisis service's own KPIs, checked in the case whose service is as loaded as at
#: full size (``crisis_loaded``)
CRISIS_KPIS = ("crisis_response_days_mean", "crises_unanswered")
YEAR = 365
#: how each run starts and which year it counts: (start.warm, days, warmup_days)
MODES = {"warm year 1": (True, YEAR, 0), "cold year 3": (False, 3 * YEAR, 2 * YEAR),
         "cold year 1": (False, YEAR, 0)}


def year_kpis(job: tuple[str, str, int]) -> dict[str, float]:
    """The KPIs of one counted year, and the hidden needs at its start (module level:
    picklable for the pool)."""
    case, mode, seed = job
    preset, overrides = CASES[case]
    warm, days, warmup = MODES[mode]
    simulation = sim.Simulation(sim.load_scenario(preset, {**overrides, "start.warm": warm}),
                                seed=seed, days=days, warmup_days=warmup)
    try:
        while simulation.day < warmup:
            simulation.step()
        kpis = {HIDDEN_AT_START: sum(n.state == HIDDEN and not n.crisis
                                     for n in simulation.model.needs)}
        kpis.update(flatten(simulation.run().summary))
    finally:
        simulation.close()
    return {k: float(kpis[k]) for k in (*KPIS, *CRISIS_KPIS)}


@pytest.fixture(scope="module")
def years(pool) -> dict[tuple[str, str], np.ndarray]:
    """Per case and mode, an array of seeds x KPIS."""
    jobs = [(c, m, s) for c in CASES for m in MODES for s in SEEDS]
    done = dict(zip(jobs, pool.map(year_kpis, jobs), strict=True))
    return {(c, m): np.array([[done[(c, m, s)][k] for k in (*KPIS, *CRISIS_KPIS)]
                              for s in SEEDS])
            for c in CASES for m in MODES}


def outside(years, case: str, mode: str, kpis: tuple[str, ...] = KPIS) -> list[str]:
    """The KPIs on which ``mode`` differs from the settled cold year: the 95% interval of
    the paired difference over the seeds, widened by 2% of the cold mean each way (a KPI
    the same in every seed, such as a utilization of 1, has no spread), excludes zero.

    The difference, not the cold year's interval alone: a seed's warm and cold years are
    hardly correlated on the waiting list (the pilot's estimate of the arrival rate,
    about 14% off per seed at half size, sets the list at day 0), so the warm mean is as
    noisy as the cold one and a check that took it as exact would fail an unbiased warm
    start about one KPI in six."""
    out = []
    for k in kpis:
        i = (*KPIS, *CRISIS_KPIS).index(k)
        ref = years[(case, "cold year 3")][:, i]
        diff = years[(case, mode)][:, i] - ref
        mean, lo, hi = t_interval(diff)
        pad = 0.02 * abs(ref.mean())
        if not lo - pad <= 0.0 <= hi + pad:
            out.append(f"{k}: {mode} minus cold year 3 is {mean:+.4g}, 95% interval "
                       f"[{lo:+.4g}, {hi:+.4g}] (cold year 3 mean {ref.mean():.4g})")
    return out


#: Known gaps of the warm start since the first-contact rule (issue 21), measured over 8
#: paired seeds: a hidden need outreach finds before day 0 is dropped, but after day 0 a
#: found need often goes hidden again (a leaflet not followed, a tie who does not help), so
#: Schiedam starts with too few hidden needs (26 of 71); and behind the desk the crisis
#: service starts loaded (response 1.2 days slower). Strict: a fix turns them green.
WARM_GAPS = {
    "schiedam": "the hidden needs outreach finds before day 0 and that would go hidden "
    "again are not carried (hidden_at_start -26 of 71)",
    "crisis_loaded": "behind the desk the crisis service starts more loaded than settled",
}


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=WARM_GAPS[c]))
    if c == "schiedam" else c for c in CASES])
def test_a_warm_started_year_is_a_settled_year(years, case):
    bad = outside(years, case, "warm year 1")
    assert not bad, (f"{case}: expected no KPI of the warm-started first year to differ "
                     f"from a cold start's third year over {len(SEEDS)} paired seeds "
                     "(95% interval of the difference); " + "; ".join(bad))


@pytest.mark.xfail(strict=True, reason=WARM_GAPS["crisis_loaded"])
def test_a_warm_started_year_settles_the_crisis_service(years):
    """Most crises come from needs given up outside a team, months after the need; unless
    the warm start carries those given up before day 0 (and their residents' patience),
    the service starts with too few crises (or with too many waiting) and its response is
    off for months (ODD 5)."""
    bad = outside(years, "crisis_loaded", "warm year 1", CRISIS_KPIS)
    assert not bad, ("crisis_loaded: expected the crisis service's KPIs of the warm-started "
                     "first year not to differ from a cold start's third year; " + "; ".join(bad))


@pytest.mark.parametrize("case", list(CASES))
def test_guard_a_cold_first_year_is_not(years, case):
    """Guard: the comparison tells a cold start's first year from a settled one."""
    bad = outside(years, case, "cold year 1")
    assert bad, f"{case}: expected some KPI of a cold first year to differ from the " \
        "settled year's, else the warm-start test above could not fail"
    if case in POOL_CASES:
        pool = [b for b in bad if b.startswith(POOL_GUARD)]
        assert len(pool) == len(POOL_GUARD), \
            f"{case}: expected the pool KPIs {POOL_GUARD} of a cold first year (its pool begun " \
            f"at volunteers.n_initial) to differ from the settled year's, else the pool's " \
            f"comparison could not fail; differing: {bad}"
