"""Direction of effect: policies and behaviour push the KPIs the way the domain says.

Each comparison is in expectation over seeds: the same seeds run under every variant
(common random numbers, so the comparison is paired by seed) and the averages are
compared. Small neighbourhoods keep it fast; every run is computed once, on the
shared two-process pool.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import sim

PRESET = "schiedam_walk_in"
SEEDS = tuple(range(8))
DAYS = 240
BASE = {"population.n_residents": 2000}
# 3-5 professionals: a long waiting list; crises stay on it (no crisis service), so the
# queue discipline alone decides who waits
LOADED = {**BASE, "wijkteam.caseload_max": 6, "crisis.service": False}
PROFESSIONALS = (3, 4, 5)
DIFFUSION_T = (0.0, 0.6, 1.2)
RELUCTANCE = (0.2, 0.4, 0.7)
VISITS = (6.0, 12.0, 24.0)
#: intakes a professional holds a week: 16 professionals hold 0.23, 0.69 and 2.3 a day
#: against about 0.55 arrivals a day at the team
INTAKES = (0.1, 0.3, 1.0)


def variant(start: dict[str, Any], **changes: Any) -> tuple[tuple[str, Any], ...]:
    """Overrides as a hashable, sorted tuple; ``changes`` use '__' for '.' in keys."""
    merged = {**start, **{k.replace("__", "."): v for k, v in changes.items()}}
    return tuple(sorted(merged.items()))


def professionals(n: int, triage: str = "fifo"):
    return variant(LOADED, wijkteam__n_professionals=n, access__triage=triage)


def base(**changes: Any):
    return variant(BASE, **changes)


VARIANTS = {
    **{("professionals", n): professionals(n) for n in PROFESSIONALS},
    # a year: in 240 days too few high-urgency requests reach a slot under fifo
    **{("triage", t): variant(LOADED, wijkteam__n_professionals=4, access__triage=t, days=365)
       for t in ("fifo", "urgency")},
    **{("diffusion_t", t): base(bystander__diffusion_t=t) for t in DIFFUSION_T},
    ("diffusion", "off"): base(bystander__diffusion=False, bystander__diffusion_t=1.2),
    ("access", "vraagwijzer"): base(access__policy="vraagwijzer"),
    ("access", "walk_in"): base(access__policy="walk_in"),
    **{("reluctance", x): base(population__reluctance_ask_mean=x) for x in RELUCTANCE},
    **{("visits", v): base(meeting_places__visits_per_year=v) for v in VISITS},
    **{("intakes", x): base(wijkteam__intakes_per_professional_week=x) for x in INTAKES},
}


def summarise_run(job: tuple[tuple[tuple[str, Any], ...], int]) -> dict[str, Any]:
    """One run's summary plus counts the summary does not hold (module level: picklable)."""
    overrides, seed = job
    scenario = sim.load_scenario(PRESET, {"days": DAYS, **dict(overrides)})
    result = sim.run(scenario, seed, scenario.days)
    out = dict(result.summary)
    out["n_outcome_informal"] = int((result.requests["outcome"] == "informal").sum())
    return out


@pytest.fixture(scope="module")
def runs(pool) -> dict[tuple, list[dict[str, Any]]]:
    """Summaries per variant, one per seed in SEEDS order; identical variants run once."""
    unique = sorted(set(VARIANTS.values()), key=repr)
    jobs = [(v, s) for v in unique for s in SEEDS]
    done = dict(zip(jobs, pool.map(summarise_run, jobs), strict=True))
    return {name: [done[(v, s)] for s in SEEDS] for name, v in VARIANTS.items()}


def steps(ladder: tuple) -> list[tuple]:
    """Neighbouring pairs of a ladder: (a, b), (b, c), ..."""
    return list(zip(ladder[:-1], ladder[1:], strict=True))


def values(runs, name, key) -> np.ndarray:
    return np.array([key(r) if callable(key) else r[key] for r in runs[name]], dtype=float)


def paired(a: np.ndarray, b: np.ndarray) -> str:
    """Means and the paired difference b - a with its standard error, for messages."""
    d = b - a
    se = d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else math.nan
    return (f"means {a.mean():.4g} -> {b.mean():.4g}, paired difference {d.mean():+.4g} "
            f"(SE {se:.2g}, {len(d)} seeds; per seed {np.round(d, 3).tolist()})")


# --- capacity -----------------------------------------------------------------------


def test_waiting_list_is_loaded(runs):
    """Guard: the ladder runs at high load, or the professionals test checks little."""
    util = values(runs, ("professionals", PROFESSIONALS[-1]), "utilization")
    wait = values(runs, ("professionals", PROFESSIONALS[-1]), "queue_wait_days_mean")
    assert util.mean() > 0.8 and wait.mean() > 1.0, \
        f"expected utilisation > 0.8 and a mean queue wait > 1 day with " \
        f"{PROFESSIONALS[-1]} professionals, got {util.mean():.3f} and {wait.mean():.3g}"


@pytest.mark.parametrize("fewer,more", steps(PROFESSIONALS))
@pytest.mark.parametrize("key", ["queue_wait_days_mean", "queue_wait_days_mean_all"])
def test_more_professionals_never_lengthen_the_queue_wait(runs, fewer, more, key):
    a = values(runs, ("professionals", fewer), key)
    b = values(runs, ("professionals", more), key)
    assert b.mean() <= a.mean(), \
        f"expected {key} with {more} professionals no longer than with {fewer}: " \
        + paired(a, b)


@pytest.mark.parametrize("fewer,more", steps(INTAKES))
def test_more_intake_capacity_brings_the_first_contact_sooner(runs, fewer, more):
    """The median days to a first answer or contact, over everyone who had a need (those
    who gave up or still wait included, Kaplan-Meier), falls with the team's intake
    capacity: on average over paired runs, by more than twice its standard error. Not in
    every run: intakes take hours from cases (one time budget), so a run whose list grows
    can lose what the intakes gained."""
    a = values(runs, ("intakes", fewer), "first_contact_days_median")
    b = values(runs, ("intakes", more), "first_contact_days_median")
    d = b - a
    assert d.mean() + 2 * d.std(ddof=1) / np.sqrt(len(d)) < 0, \
        f"expected a shorter median time to first contact with {more} intakes a professional " \
        f"a week than with {fewer}, by more than 2 SE over paired runs: " + paired(a, b)


# --- diffusion of responsibility -------------------------------------------------------


@pytest.mark.parametrize("weak,strong", steps(DIFFUSION_T))
@pytest.mark.parametrize("key", ["informal_share", "n_outcome_informal"])
def test_more_diffusion_never_raises_informal_help(runs, weak, strong, key):
    a = values(runs, ("diffusion_t", weak), key)
    b = values(runs, ("diffusion_t", strong), key)
    assert b.mean() <= a.mean(), \
        f"expected {key} with diffusion_t {strong} no higher than with {weak}: " + paired(a, b)


def test_no_diffusion_leaves_fewer_needs_seen_but_unanswered(runs):
    off = values(runs, ("diffusion", "off"), "bystander_unanswered")
    strong = values(runs, ("diffusion_t", DIFFUSION_T[-1]), "bystander_unanswered")
    assert off.mean() < strong.mean(), \
        "expected fewer needs seen by 2+ and answered by none (bystander_unanswered) with " \
        f"diffusion off than with diffusion_t {DIFFUSION_T[-1]}: " + paired(strong, off)


# --- triage, access, reluctance ---------------------------------------------------------


@pytest.mark.parametrize("key", ["queue_wait_days_mean_by_urgency",
                                 "queue_wait_days_mean_all_by_urgency"])
def test_urgency_triage_shortens_the_wait_of_urgent_requests(runs, key):
    def high(r):
        return r[key]["high"]

    fifo = values(runs, ("triage", "fifo"), high)
    urgent = values(runs, ("triage", "urgency"), high)
    assert not np.isnan(fifo).any() and not np.isnan(urgent).any(), \
        "expected high-urgency requests on the waiting list in every run"
    assert urgent.mean() < fifo.mean(), \
        f"expected a shorter {key}.high under urgency triage than under fifo: " \
        + paired(fifo, urgent)


def where_lost(job: tuple[str, int]) -> dict[str, int]:
    """Withdrawn requests of a settled year (the default warm start) at preset size, by
    where they gave up."""
    preset, seed = job
    result = sim.run(sim.load_scenario(preset), seed, 365)
    r = result.requests[result.requests["day_created"] >= 0]
    gone = r[r["state"] == "withdrawn"]
    at_desk = gone["route"].str.endswith("drops out after referral")
    on_list = gone["day_queued"].notna() & ~at_desk
    return {"at_desk": int(at_desk.sum()), "on_list": int(on_list.sum()),
            "before": int((~at_desk & ~on_list).sum()), "withdrawn": len(gone)}


def test_desk_and_walk_in_lose_people_in_different_places(pool):
    """The pure access contrast at preset size (12,000 residents, paired seeds, a settled
    year): the desk loses people between desk and team and keeps the team's list short;
    walk-in loses them on the waiting list. Which loses more in all depends on the load
    (test_the_access_answer_turns_with_load)."""
    seeds = range(3)
    jobs = [(p, s) for p in ("rotterdam_vraagwijzer", "schiedam_walk_in") for s in seeds]
    out = dict(zip(jobs, pool.map(where_lost, jobs), strict=True))
    desk = [out["rotterdam_vraagwijzer", s] for s in seeds]
    walk = [out["schiedam_walk_in", s] for s in seeds]
    found = f"desk {desk}; walk-in {walk}"
    assert all(d["at_desk"] > 0 and w["at_desk"] == 0 for d, w in zip(desk, walk, strict=True)), \
        f"expected dropouts between desk and team only with the desk: {found}"
    assert all(w["on_list"] > d["on_list"] for d, w in zip(desk, walk, strict=True)), \
        f"expected walk-in to lose more people on the waiting list: {found}"


def contrast_at_load(job: tuple[str, float, int]) -> dict[str, float]:
    """Crises and residents who gave up in a settled year of one access preset, its need
    rate scaled by ``factor``."""
    preset, factor, seed = job
    rate = sim.load_scenario(preset).needs.rate_per_resident_year
    s = sim.run(sim.load_scenario(preset, {"needs.rate_per_resident_year": rate * factor}),
                seed, 365).summary
    return {"crises": s["crises"], "withdrawn": s["withdrawn"], "load": s["offered_load"]}


def test_the_access_answer_turns_with_load(pool):
    """At equal staff time the access answer is a curve (README): at 60% of the presets'
    demand walk-in loses fewer residents who give up than the desk, which loses people
    between desk and team; at 150% its overloaded list gives more crises. Each on average
    over paired seeds by more than twice the standard error, and walk-in's team carries
    the higher offered load in every seed (the desk sheds its dropouts)."""
    seeds, low, high = range(4), 0.6, 1.5
    jobs = [(p, f, s) for p in ("rotterdam_vraagwijzer", "schiedam_walk_in")
            for f in (low, high) for s in seeds]
    out = dict(zip(jobs, pool.map(contrast_at_load, jobs), strict=True))

    def diff(factor, key):
        return np.array([out["schiedam_walk_in", factor, s][key]
                         - out["rotterdam_vraagwijzer", factor, s][key] for s in seeds])

    def shown(d):
        return f"mean {d.mean():+.1f}, SE {d.std(ddof=1) / np.sqrt(len(d)):.1f}, per seed {d}"

    fewer = diff(low, "withdrawn")
    assert fewer.mean() + 2 * fewer.std(ddof=1) / np.sqrt(len(fewer)) < 0, \
        f"expected walk-in to lose fewer residents at {low:g} of the demand: {shown(fewer)}"
    more = diff(high, "crises")
    assert more.mean() - 2 * more.std(ddof=1) / np.sqrt(len(more)) > 0, \
        f"expected walk-in to give more crises at {high:g} of the demand: {shown(more)}"
    assert (diff(low, "load") > 0).all() and (diff(high, "load") > 0).all(), \
        "expected walk-in's team to carry the higher offered load in every seed"


def integration_run(job: tuple[str, int]) -> dict[str, float]:
    """Gave up and the waiting list in a year of Schiedam at half size, at one level."""
    level, seed = job
    s = sim.run(sim.load_scenario("schiedam", {"population.n_residents": 6000,
                                               "wijkteam.n_professionals": 8,
                                               "access.integration": level}), seed, 365).summary
    return {"withdrawn": s["withdrawn"], "waitlist_mean": s["waitlist_mean"]}


def test_closer_integration_connects_first_contacts_better(pool):
    """The report's three levels act through the first contact (ODD 7.9): at samenspel a
    first contact connects more light needs to informal help, and warmly, so fewer
    residents give up and the team's list is shorter than at verbinden, on average over
    paired seeds by more than twice the standard error (full size, 8 seeds: 60 fewer
    give up, likely between 43 and 77; the list 26 shorter)."""
    seeds = range(1, 5)
    jobs = [(lvl, s) for lvl in ("verbinden", "samenspel") for s in seeds]
    out = dict(zip(jobs, pool.map(integration_run, jobs), strict=True))
    for key in ("withdrawn", "waitlist_mean"):
        a = np.array([out["verbinden", s][key] for s in seeds], dtype=float)
        b = np.array([out["samenspel", s][key] for s in seeds], dtype=float)
        d = b - a
        assert d.mean() + 2 * d.std(ddof=1) / np.sqrt(len(d)) < 0, \
            f"expected {key} lower at samenspel than at verbinden: " + paired(a, b)
