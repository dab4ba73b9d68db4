"""The time budget and the access policies (issue 21; ODD 7.9, 7.11).

* The equal-budget swap: moving FTE from cases to the desk keeps the week. For each
  desk size the neighbourhood is built (not run) and the hours its team has for cases
  and the hours its desk works (from the contacts a day it plans) are added to the
  intakes' and outreach's hours (:func:`sim.budget.time_budget`): a team whose desk
  were staffed from outside its week, or whose cases kept the desk's hours, fails.
* The pass-through desk: a desk with no dropout, no referral delay and the walk-in
  intakes' hours is the walk-in intake held elsewhere, so over paired seeds its crises
  and residents who give up lie within paired noise of walk-in's (and within a
  tolerance of its level): a desk that loses, delays or double-handles the requests it
  refers fails. :func:`pass_through_overrides` is the one definition of that desk,
  shared with ``tests/test_time_budget.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...budget import time_budget
from ...params import Scenario
from ...scenario import load_scenario
from .arms import ARM_DAYS, ARM_SEEDS, Arm, arm_jobs
from .core import N_SE, SEED0, Adjust, Check, Job, Rendered, job, table, verdict

WALK_IN = "schiedam_walk_in"
DESK = "rotterdam_vraagwijzer"
#: KPIs the pass-through desk must give as walk-in does, and the tolerance on their
#: mean difference, relative to walk-in's level (full, quick).
PASS_THROUGH_KPIS = ("crises", "withdrawn")
PASS_THROUGH_REL_TOL = {"full": 0.10, "quick": 0.3}
#: Desk sizes of the swap, in FTE out of the preset's team.
SWAP_FTE = (0.0, 1.0, 2.5, 4.0)
SWAP_TOL = 1e-9  # a share of the week: rounding only


def pass_through_overrides(walk_in: Scenario, desk: Scenario) -> dict[str, Any]:
    """Overrides of ``desk`` that make it the walk-in intake of ``walk_in`` held elsewhere:
    no dropout at referral, no referral delay, and staff for as many first contacts a
    day as the walk-in intakes hold (the same hours when a contact takes as long)."""
    w = walk_in.wijkteam
    fte = (w.n_professionals * w.intakes_per_professional_week
           * desk.first_contact.minutes_per_contact / 60.0 / desk.wijkteam.hours_per_fte_week)
    return {"frontdesk.fte": fte, "frontdesk.p_dropout_referral": 0.0,
            "frontdesk.referral_delay_days_mean": 0.0}


def pass_through_arms() -> tuple[Arm, Arm]:
    """(walk-in, the pass-through desk) of the access presets."""
    over = pass_through_overrides(load_scenario(WALK_IN), load_scenario(DESK))
    return Arm(WALK_IN), Arm(DESK, tuple(sorted(over.items())))


def pass_through_checks(walk_in: Mapping[int, Mapping[str, Any]],
                        desk: Mapping[int, Mapping[str, Any]], mode: str) -> list[Check]:
    """Per KPI of ``PASS_THROUGH_KPIS``, the paired difference desk minus walk-in over the
    seeds both ran (each a run's summary, by seed): within 4 standard errors of 0 and
    within the tolerance of walk-in's mean."""
    import pandas as pd

    from ..stats import paired_interval

    checks = []
    for kpi in PASS_THROUGH_KPIS:
        a = pd.Series({s: float(r[kpi]) for s, r in walk_in.items()})
        b = pd.Series({s: float(r[kpi]) for s, r in desk.items()})
        n, mean, lo, hi = paired_interval(a, b)
        d = (b - a).dropna()
        se = float(d.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
        level = float(a.mean())
        checks.append(Check("access", f"pass-through desk: {kpi}, desk minus walk-in", mean, se,
                            0.0, abs_tol=PASS_THROUGH_REL_TOL[mode] * level, ci=(lo, hi),
                            note=f"walk-in's mean {level:.4g} over {n} paired seeds"))
    return checks


def swap_job(arg: tuple[str, tuple[float, ...]]) -> list[dict[str, float]]:
    """For each desk size, the week as the built neighbourhood spends it: the team's
    hours for cases and the desk's working hours (its contacts a day, times a contact's
    minutes), beside the intakes' and outreach's hours of the time budget."""
    from ...model import Neighbourhood

    preset, ftes = arg
    out = []
    for fte in ftes:
        s = load_scenario(preset, {"frontdesk.fte": fte})
        m = Neighbourhood(s, seed=SEED0, warm=False)
        b = time_budget(s)
        out.append({
            "fte_desk": fte,
            "week": s.wijkteam.n_professionals * s.wijkteam.hours_per_fte_week,
            "cases": m.wijkteam.case_hours,
            "desk": m.access.contacts_per_day * 7.0 * s.first_contact.minutes_per_contact / 60,
            "intakes": b.intake_hours_per_professional * b.fte_total,
            "outreach": b.outreach_hours_per_professional * b.fte_total,
        })
    return out


def swap_check(rows: list[Mapping[str, float]]) -> Check:
    """The largest gap, as a share of the week, between the week's hours and what the
    desk, the intakes, outreach and the cases take of it, over the desk sizes."""
    gap = max(abs(r["cases"] + r["desk"] + r["intakes"] + r["outreach"] - r["week"]) / r["week"]
              for r in rows)
    sizes = ", ".join(f"{r['fte_desk']:g}" for r in rows)
    return Check("budget", f"equal-budget swap: largest gap between the week's hours and "
                 f"desk + intakes + outreach + cases, desk FTE {sizes} (share of the week)",
                 gap, 0.0, 0.0, abs_tol=SWAP_TOL)


def _swap_job() -> Job:
    return job("access", "swap", swap_job, (DESK, SWAP_FTE), 0.3 * len(SWAP_FTE))


def access_jobs(mode: str) -> list[Job]:
    return [_swap_job(), *(j for arm in pass_through_arms() for _, j in arm_jobs(arm, mode))]


def _runs(arm: Arm, mode: str, results: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    return {seed: results[j.key] for seed, j in arm_jobs(arm, mode)}


def render_access(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    from ..stats import fmt

    walk_arm, desk_arm = pass_through_arms()
    walk_in, desk = _runs(walk_arm, mode, results), _runs(desk_arm, mode, results)
    rows = results[_swap_job().key]
    checks = adjust([swap_check(rows), *pass_through_checks(walk_in, desk, mode)])
    over = dict(desk_arm.overrides)
    w = load_scenario(WALK_IN).wijkteam
    hours = "; ".join(f"desk {r['fte_desk']:g} FTE: {fmt(r['desk'])} h at the desk, "
                      f"{fmt(r['cases'])} h for cases" for r in rows)
    days = ARM_DAYS[mode]
    lines = [
        "### Equal-budget swap", "",
        f"**Checked:** `{DESK}` with its desk staffed by "
        f"{', '.join(f'{x:g}' for x in SWAP_FTE)} FTE "
        "of the team: the hours the built team has for cases and the hours its desk works "
        "(the contacts it plans a day x `first_contact.minutes_per_contact`), with the "
        "intakes' and outreach's hours, **against** the week, `wijkteam.n_professionals` x "
        f"`wijkteam.hours_per_fte_week`; **result:** {verdict(checks, ('budget',))} "
        f"({hours}).", "",
        "**What it shows:** that the desk's staff come out of the team's week and out of "
        "nothing else, so a comparison of access policies holds staff time equal "
        "(DOMAIN.md). It is accounting, not behaviour: a model that staffed the desk from "
        "outside the team, or kept the desk's hours for cases, fails it.", "",
        *table(checks, "budget"), "",
        "### Pass-through desk", "",
        f"**Checked:** `{DESK}` with no dropout at referral, no referral delay and "
        f"{over['frontdesk.fte']:.4g} FTE at the desk, the hours of the walk-in intakes "
        f"({w.n_professionals} professionals x {w.intakes_per_professional_week:g} intakes a "
        f"week of {load_scenario(DESK).first_contact.minutes_per_contact:g} minutes), so it "
        "holds as many first contacts a day, against "
        f"`{WALK_IN}` on the same {ARM_SEEDS[mode]} seeds, "
        + ("for the preset's horizon" if days is None else f"for {days} days")
        + ": its crises and the residents who gave up, **against** walk-in's, within "
        f"{N_SE:g} standard errors of the paired difference and within "
        f"{PASS_THROUGH_REL_TOL[mode]:.0%} of walk-in's mean; "
        f"**result:** {verdict(checks, ('access',))}.", "",
        "**What it shows:** the access policies share one first-contact rule "
        "(`sim/submodels/first_contact.py`) and one time budget, so a desk that only moves "
        "the first contact elsewhere must give walk-in's outcomes: a desk that lost, "
        "delayed or handled twice the requests it refers would not. It shows the gate's "
        "effects come from its dropout, delay and hours, which are assumptions; not how "
        "large they are in Rotterdam.", "",
        *table(checks, "access"), ""]
    return Rendered(checks, lines)
