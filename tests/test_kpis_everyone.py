"""KPIs that count everyone: waits over all who joined the list, the Kaplan-Meier time to a
first answer or contact, who falls through, the per-1,000 companions, and the stricter
``bystander_unanswered``. Invariants on small runs; direction of effect is in
test_direction.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.kpis import KPIS, per_1000_year
from sim.population import AGE_GROUPS, build_residents
from sim.survival import km_median
from sim.vocabulary import GAVE_UP, URGENCIES

PRESET = "schiedam_walk_in"
DAYS = 240
#: 4 professionals with 6 cases each for 2,000 residents: a long waiting list, people
#: who give up on it and people still on it at the end
LOADED = {"population.n_residents": 2000, "wijkteam.n_professionals": 4,
          "wijkteam.caseload_max": 6}
DESK = {**LOADED, "access.policy": "vraagwijzer"}


@pytest.fixture(scope="module", params=[0, 60], ids=["no_warmup", "warmup_60"])
def loaded(request, run_small):
    return run_small(PRESET, LOADED, seed=3, days=DAYS, warmup_days=request.param)


def waits_all(result) -> np.ndarray:
    """Each joined request's time on the list, recomputed from the requests frame."""
    r = result.requests
    joined = r[r["day_queued"] >= result.warmup_days]
    return (joined["day_left_queue"].fillna(result.days) - joined["day_queued"]).to_numpy()


def test_guard_the_list_loses_people_and_keeps_some(loaded):
    """Guard: the run has what the all-joined mean is about, or the tests below check little."""
    r = loaded.requests
    gone = (r["day_queued"].notna() & r["queue_wait_days"].isna()
            & (r["state"] == "withdrawn")).sum()
    waiting = (r["state"] == "waitlist").sum()
    assert gone > 0 and waiting > 0, \
        f"expected people who gave up on the list and people still on it, got {gone} and " \
        f"{waiting}"


def test_waits_of_everyone_match_the_list_length_by_littles_law(loaded):
    """The time every request spent on the list inside the counted period is the area
    under the list length there (Little's law, exactly); those who joined after the
    warm-up, whom ``queue_wait_days_mean_all`` counts, spent at most that. The area
    comes from the model's own time integration (``waitlist_mean``), not from the
    requests frame; with a warm start the list is not empty at day 0 (ODD 5)."""
    s, r = loaded.summary, loaded.requests
    area = s["waitlist_mean"] * (loaded.days - loaded.warmup_days)
    on = r[r["day_queued"].notna()]
    inside = (on["day_left_queue"].fillna(loaded.days).clip(lower=loaded.warmup_days)
              - on["day_queued"].clip(lower=loaded.warmup_days)).sum()
    total = waits_all(loaded).sum()
    assert s["queue_wait_days_mean_all"] == pytest.approx(waits_all(loaded).mean(), rel=1e-12), \
        "expected queue_wait_days_mean_all to be the mean of the recomputed waits"
    assert inside == pytest.approx(area, rel=1e-9), \
        f"expected the time on the list inside the counted period {inside:.6g} to equal " \
        f"the list's area {area:.6g}"
    assert total <= area * (1 + 1e-9), \
        f"expected the summed waits {total:.6g} to be at most the list's area {area:.6g}"


def test_waits_of_everyone_by_urgency_split_the_waits_of_everyone(loaded):
    """Per urgency the same waits: each mean is its urgency's recomputed waits, and the
    means weighted by how many joined with each urgency give the overall mean."""
    s, r = loaded.summary, loaded.requests
    joined = r[r["day_queued"] >= loaded.warmup_days]
    waits = joined["day_left_queue"].fillna(loaded.days) - joined["day_queued"]
    by = s["queue_wait_days_mean_all_by_urgency"]
    weighted = 0.0
    for u in URGENCIES:
        mine = waits[joined["urgency_intake"] == u]
        assert len(mine) > 0, f"expected {u}-urgency requests on the list (a guard)"
        assert by[u] == pytest.approx(mine.mean(), rel=1e-12), \
            f"expected the {u}-urgency mean over everyone who joined, {mine.mean():.6g}, " \
            f"got {by[u]:.6g}"
        weighted += by[u] * len(mine)
    assert weighted / len(waits) == pytest.approx(s["queue_wait_days_mean_all"], rel=1e-12), \
        "expected the urgencies' means, weighted by who joined, to give the overall mean"


@pytest.mark.parametrize("overrides", [LOADED, {**LOADED, "access.triage": "urgency"}],
                         ids=["fifo", "urgency"])
def test_everyone_waits_at_least_the_served_share_of_the_served_wait(run_small, overrides):
    """Without a warm-up the joined are exactly the queued requests of R, so the all-joined
    sum holds every served wait: mean_all >= mean_served x served / joined. Those still
    waiting or gone add to it; the served-only mean itself may be higher (late joiners
    are censored short)."""
    loaded = run_small(PRESET, overrides, seed=3, days=DAYS)
    r = loaded.requests
    n_joined = int(r["day_queued"].notna().sum())
    n_served = int(r["queue_wait_days"].notna().sum())
    s = loaded.summary
    bound = s["queue_wait_days_mean"] * n_served / n_joined
    assert s["queue_wait_days_mean_all"] >= bound - 1e-9, \
        f"expected queue_wait_days_mean_all >= {bound:.4g} (served mean x {n_served}/" \
        f"{n_joined}), got {s['queue_wait_days_mean_all']:.4g}"


def test_left_queue_is_when_the_case_started_or_the_resident_left(loaded):
    r = loaded.requests
    served = r["queue_wait_days"].notna()
    assert np.allclose(r.loc[served, "day_left_queue"] - r.loc[served, "day_queued"],
                       r.loc[served, "queue_wait_days"], rtol=0, atol=1e-9), \
        "expected day_left_queue - day_queued to be the served wait"
    still = r["state"] == "waitlist"
    assert r.loc[still, "day_left_queue"].isna().all(), \
        "expected no day_left_queue for those still on the list"
    never = r["day_queued"].isna()
    left_intake = never & r["day_left_queue"].notna()
    assert (r.loc[left_intake, "state"].isin([*GAVE_UP, "crisis", "helped", "closed"])
            & (r.loc[left_intake, "day_left_queue"] >= r.loc[left_intake, "day_intake"])
            ).all(), \
        "expected a day_left_queue without joining the list only for those who left the " \
        "intake queue (gave up or in crisis) after arriving at the team, before an intake"
    assert r.loc[never & r["day_intake"].isna(), "day_left_queue"].isna().all(), \
        "expected no day_left_queue for requests that never reached the team"


@pytest.mark.parametrize("overrides", [LOADED, DESK], ids=["walk_in", "vraagwijzer"])
def test_first_contact_median_is_the_kaplan_meier_median_of_the_frame(run_small, overrides):
    res = run_small(PRESET, overrides, seed=3, days=DAYS, warmup_days=60)
    r = res.requests[res.requests["day_created"] >= 60]
    reached = np.fmin(r["day_answered"], r["day_first_contact"])
    assert (reached.dropna() >= r.loc[reached.notna(), "day_created"]).all(), \
        "expected no answer or contact before the need arose"
    until = reached.fillna(r["day_closed"]).fillna(res.days)
    expected = km_median((until - r["day_created"]).to_numpy(), reached.notna().to_numpy())
    got = res.summary["first_contact_days_median"]
    assert got == pytest.approx(expected), f"expected {expected}, got {got}"
    served = r.loc[reached.notna(), "day_created"]
    plain = float(np.median(reached.dropna() - served))
    assert got >= plain - 1e-9, \
        f"expected counting those who gave up or still wait never to shorten the median " \
        f"below that of the reached alone ({plain:.4g}), got {got:.4g}"


def test_first_contact_is_the_desk_or_the_team(run_small):
    res = run_small(PRESET, DESK, seed=3, days=DAYS)
    r = res.requests
    at_team = r["day_intake"].notna()
    taken_in = at_team & (r["day_queued"].notna() | r["route"].str.contains("wijkteam refers"))
    assert (r.loc[taken_in, "day_first_contact"] <= r.loc[taken_in, "day_queued"]
            .fillna(np.inf)).all(), \
        "expected a first contact no later than joining the team's list (the intake at the latest)"
    walk_in = taken_in & ~r["route"].str.contains("vraagwijzer|found on outreach")
    assert (r.loc[walk_in, "day_first_contact"] >= r.loc[walk_in, "day_intake"]).all(), \
        "expected a walk-in's first contact to be its intake, after its arrival at the team"
    by_desk = r["outcome"] == "vraagwijzer"
    assert (r.loc[by_desk, "day_first_contact"] == r.loc[by_desk, "day_answered"]).all(), \
        "expected the desk's own answer to be its first contact"
    never = (r["route"].str.contains("vraagwijzer") | at_team
             | r["route"].str.contains("found on outreach"))
    assert r.loc[~never, "day_first_contact"].isna().all(), \
        "expected no formal contact for requests that never met the desk, team or outreach"


def test_resident_columns_describe_the_resident(run_small):
    res = run_small(PRESET, LOADED, seed=3, days=DAYS)
    scenario = sim.load_scenario(PRESET, LOADED)
    residents = build_residents(scenario.population, 3)
    r = res.requests
    who = r["resident"].to_numpy()
    assert list(r["age_group"].cat.categories) == list(AGE_GROUPS), "expected AGE_GROUPS"
    assert (r["age_group"].cat.codes.to_numpy() == residents.age[who]).all(), \
        "expected each request's age group to be its resident's"
    assert (r["vulnerable"].to_numpy() == residents.vulnerable[who]).all(), \
        "expected each request's vulnerability to be its resident's"
    assert np.array_equal(r["reluctance_ask"].to_numpy(),
                          np.asarray(residents.reluctance_ask)[who]), \
        "expected each request's reluctance_ask to be its resident's"
    at_start = np.array([len(residents.ties[i]) for i in who])
    assert (r["network_size"].to_numpy() >= at_start).all(), \
        "expected the ties at a request's creation to include the ties at the start"
    no_places = run_small(PRESET, {**LOADED, "meeting_places.n_places": 0}, seed=3, days=DAYS)
    q = no_places.requests
    assert np.array_equal(q["network_size"].to_numpy(),
                          np.array([len(residents.ties[i]) for i in q["resident"]])), \
        "expected network_size to equal the ties at the start when no ties can form"


def group_sizes(result, kpi: str, r) -> np.ndarray:
    """Requests per group, from the declared groups and cut points, not the KPI's code."""
    if kpi == "answered_share_by_age":
        return r["age_group"].value_counts().reindex(list(AGE_GROUPS)).to_numpy()
    if kpi == "answered_share_by_network":
        size = r["network_size"]
        return np.array([(size <= 3).sum(), ((size >= 4) & (size <= 6)).sum(),
                         (size >= 7).sum()])
    scenario = sim.load_scenario(PRESET, LOADED)
    everyone = np.asarray(build_residents(scenario.population, result.seed).reluctance_ask)
    lo, hi = np.quantile(everyone, [1 / 3, 2 / 3])
    x = r["reluctance_ask"]
    return np.array([(x <= lo).sum(), ((x > lo) & (x <= hi)).sum(), (x > hi).sum()])


@pytest.mark.parametrize("kpi", ["answered_share_by_age", "answered_share_by_reluctance",
                                 "answered_share_by_network"])
def test_group_shares_add_up_to_the_answered_share(loaded, kpi):
    """The groups split R: their shares weighted by their sizes give ``answered``."""
    r = loaded.requests[loaded.requests["day_created"] >= loaded.warmup_days]
    shares = loaded.summary[kpi]
    assert tuple(shares) == KPIS[kpi].by, f"expected the groups {KPIS[kpi].by}"
    sizes = group_sizes(loaded, kpi, r)
    assert sizes.sum() == len(r), f"expected the {kpi} groups to cover every request in R"
    assert (sizes > 0).all(), f"guard: expected every {kpi} group to hold requests: {sizes}"
    total = sum(n * share for n, share in zip(sizes, shares.values(), strict=True))
    assert total == pytest.approx(loaded.summary["answered"]), \
        f"expected the size-weighted group shares of {kpi} to give " \
        f"{loaded.summary['answered']} answered, got {total}"


def test_every_count_has_its_per_1000_companion(loaded):
    s = loaded.summary
    counts = [k for k in KPIS.values() if k.per_1000_year]
    assert counts, "expected counts declared per_1000_year"
    n = sim.load_scenario(PRESET, LOADED).population.n_residents
    span = loaded.days - loaded.warmup_days
    for k in counts:
        name = f"{k.name}_per_1000_year"
        assert name in KPIS and name in s, f"expected a generated companion {name}"
        expected = s[k.name] * 1000 / n * 365 / span
        assert s[name] == pytest.approx(expected), \
            f"expected {name} = {k.name} x 1000 / {n} x 365 / {span} = {expected}, got {s[name]}"
    assert not any(KPIS[f"{k.name}_per_1000_year"].per_1000_year for k in counts), \
        "expected no companion of a companion"
    assert math.isnan(per_1000_year(5, 0, 365)), "expected no rate without residents"


def test_bystander_unanswered_counts_only_needs_nobody_answered(loaded):
    r = loaded.requests[loaded.requests["day_created"] >= loaded.warmup_days]
    seen_not_acted = (r["n_aware_max"] >= 2) & ~r["acted_by_aware"]
    answered_elsewhere = int((seen_not_acted & r["day_answered"].notna()).sum())
    expected = int((seen_not_acted & r["day_answered"].isna()).sum())
    assert answered_elsewhere > 0, \
        "guard: expected some needs seen by 2+ without action that the desk, team or a " \
        "route answered"
    assert loaded.summary["bystander_unanswered"] == expected, \
        f"expected {expected} needs seen by 2+, not acted on and never answered, got " \
        f"{loaded.summary['bystander_unanswered']}"
    assert expected <= loaded.summary["requests"] - loaded.summary["answered"], \
        "expected bystander_unanswered to be among the unanswered"
