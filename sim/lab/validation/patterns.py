"""Patterns the seed report describes, each a lever against a base on paired seeds.

Six patterns are compared; five of them follow from a rule the model was given (the
``why`` of each says which), so a model with those rules cannot fail them: they are
reported under :mod:`.consistency`. Only a pattern whose direction the model's rules
leave open is a check: outreach, whose hours come out of the hours for cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...scenario import load_scenario
from .arms import ARM_DAYS, ARM_SEEDS, LOST_BEFORE_TEAM, Arm, arm_jobs, arm_values
from .core import Adjust, Check, Job, Rendered, verdict

BYSTANDER_PRESET = "schiedam"  # whose bystander rule the elephant patterns use


@dataclass(frozen=True)
class Pattern:
    """A pattern of the seed report as a paired comparison: ``lever`` against ``base``
    on the same seeds; ``measure`` is expected ``higher`` or ``lower`` under the lever.
    ``why``: why the model cannot fail it (a row of consistency), or "" for a check."""

    key: str
    claim: str
    lever_text: str
    measure: str
    measure_text: str
    expect: str
    base: Arm
    lever: Arm
    why: str = ""


def _whys() -> dict[str, str]:
    """Why each of the five patterns that hold by construction holds, from the inputs."""
    s = load_scenario(BYSTANDER_PRESET)
    b, v = s.bystander, s.volunteers
    desk = load_scenario("rotterdam_vraagwijzer").frontdesk
    return {
        "aware": f"the rule gives each of n people aware the chance p1 n^-t, with t = "
        f"{b.diffusion_t:g} (`bystander.diffusion_t`, an input): any t above 0 makes it lower "
        "with 5 aware than alone, and the elephant draws from that rule",
        "direct": "the rule gives the person asked directly the exponent t x (1 - "
        f"`bystander.direct_request_reduction`) = {b.diffusion_t:g} x "
        f"{1 - b.direct_request_reduction:g}, below the others' t, so someone acts more often",
        "roles": "the integration level's factor multiplies the volunteers' daily motivation "
        "loss from unclear roles (`volunteers.motivation_loss_unclear_roles_per_day` = "
        f"{v.motivation_loss_unclear_roles_per_day:g}): a factor of 1 against 0 adds a loss "
        "and nothing else, so volunteers can only quit sooner",
        "gate": "walk-in has no step between the first contact and the team, so its count is "
        "0 by construction; behind the desk the dropout at referral "
        f"(`frontdesk.p_dropout_referral` = {desk.p_dropout_referral:g}, an assumption) makes "
        "it positive. The pass-through desk (a check) tests what the gate does besides",
        "triage": "urgency triage serves high urgency first by rule, so whenever a list forms "
        "the urgent wait less; Cobham's check in queue-only mode tests by how much",
    }


def patterns() -> tuple[Pattern, ...]:
    schiedam = load_scenario("schiedam")
    level = schiedam.access.integration
    unclear = f"integration.unclear_roles_factor.{level}"
    outreach = schiedam.wijkteam.share_outreach or 0.1
    why = _whys()
    return (
        Pattern("aware", "more people aware means a lower individual response",
                "5 people aware instead of 1 (elephant, the `schiedam` bystander rule)",
                "p_individual", "chance a person acts on the first day", "lower",
                Arm(BYSTANDER_PRESET, elephant=(1, False)),
                Arm(BYSTANDER_PRESET, elephant=(5, False)), why["aware"]),
        Pattern("direct", "a direct request beats a broadcast",
                "of 5 people aware, one is asked directly (elephant)",
                "p_any", "chance anyone acts on the first day", "higher",
                Arm(BYSTANDER_PRESET, elephant=(5, False)),
                Arm(BYSTANDER_PRESET, elephant=(5, True)), why["direct"]),
        Pattern("roles", "volunteers leave when roles become unclear (a wijkteam arriving)",
                f"`schiedam` with unclear roles (`{unclear}` = 1) against agreed roles (0)",
                "volunteers_dropped", "volunteers who quit in the year", "higher",
                Arm("schiedam", ((unclear, 0.0),)), Arm("schiedam", ((unclear, 1.0),)),
                why["roles"]),
        Pattern("outreach", "outreach finds needs earlier",
                f"`schiedam` with `wijkteam.share_outreach` = {outreach:g} against 0",
                "crises_per_1000_year", "needs a year, per 1,000 residents, that became a "
                "crisis before anyone found them (the median days to a first answer or "
                "contact hardly moves: most needs are answered within days either way)",
                "lower", Arm("schiedam", (("wijkteam.share_outreach", 0.0),)),
                Arm("schiedam", (("wijkteam.share_outreach", outreach),))),
        Pattern("gate", "the front-desk gate loses people between desk and team",
                "`rotterdam_vraagwijzer` against `schiedam_walk_in` (only access differs)",
                LOST_BEFORE_TEAM, "residents a year, per 1,000, who asked formal help and "
                "gave up before reaching the wijkteam", "higher",
                Arm("schiedam_walk_in"), Arm("rotterdam_vraagwijzer"), why["gate"]),
        Pattern("triage", "walk-in without triage lets urgent needs wait behind others",
                "`schiedam_walk_in` (first come first served) against "
                "`schiedam_walk_in_triage`", "queue_wait_days_mean_all_by_urgency.high",
                "days on the waiting list, high urgency, over everyone who joined it (those "
                "who gave up or still wait included)", "higher",
                Arm("schiedam_walk_in_triage"), Arm("schiedam_walk_in"), why["triage"]),
    )


@dataclass(frozen=True)
class Paired:
    """A pattern over its paired seeds: the check of its direction and what the table
    and figure show."""

    pattern: Pattern
    check: Check
    base: float  # mean over seeds
    lever: float
    n: int
    right: int  # seeds in the expected direction
    diffs: list[float]


def paired(p: Pattern, base: Mapping[int, float], lever: Mapping[int, float]) -> Paired:
    """The pattern's direction over the seeds both arms ran: passes when the paired 95%
    interval of lever minus base lies wholly on the expected side of zero."""
    import pandas as pd

    from ..stats import paired_interval

    b, lv = pd.Series(base, dtype=float), pd.Series(lever, dtype=float)
    n, mean, lo, hi = paired_interval(b, lv)
    d = (lv - b).dropna()
    right = int((d < 0).sum() if p.expect == "lower" else (d > 0).sum())
    check = Check("patterns", f"{p.claim}: {p.measure}, lever minus base", mean, 0.0, 0.0,
                  direction="below" if p.expect == "lower" else "above", ci=(lo, hi),
                  note=f"{right} of {n} seeds {p.expect}")
    return Paired(p, check, float(b.mean()), float(lv.mean()), n, right, d.tolist())


def pattern_jobs(mode: str) -> list[Job]:
    return [j for p in patterns() for arm in (p.base, p.lever) for _, j in arm_jobs(arm, mode)]


def all_paired(mode: str, results: Mapping[str, Any]) -> list[Paired]:
    """Every pattern over its seeds, checks and rows of consistency alike."""
    return [paired(p, arm_values(p.base, mode, results, p.measure),
                   arm_values(p.lever, mode, results, p.measure)) for p in patterns()]


def paired_row(x: Paired, result: str) -> str:
    """A table row: pattern, lever, measure, base, lever, difference, seeds, result."""
    from ..stats import fmt, fmt_interval

    p, c = x.pattern, x.check
    return (f"| {c.name} | {p.lever_text} | {p.measure_text} | {fmt(x.base)} | {fmt(x.lever)} "
            f"| {fmt(c.value)} {fmt_interval(*c.interval)} | {x.right} of {x.n} | {result} |")


PAIRED_HEADER = ["| pattern | lever | measure | base | lever | difference (95% interval) "
                 "| seeds in the expected direction | result |",
                 "|---|---|---|---|---|---|---|---|"]


def render_patterns(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    every = all_paired(mode, results)
    checks: list[Check] = []
    rows = list(PAIRED_HEADER)
    for x in every:
        if x.pattern.why:
            continue
        [c] = adjust([x.check])
        checks.append(c)
        rows.append(paired_row(Paired(x.pattern, c, x.base, x.lever, x.n, x.right, x.diffs),
                               "PASS" if c.passed else "**FAIL**"))
    days = ARM_DAYS[mode]
    consistent = [x.pattern.key for x in every if x.pattern.why]
    lines = [
        f"**Checked:** {len(every) - len(consistent)} of {len(every)} patterns of the seed "
        "report, as the lever against a base on the same "
        f"{ARM_SEEDS[mode]} seeds (common random numbers: the scenarios differ only in the "
        "lever), model runs for "
        + ("the preset's horizon" if days is None else f"{days} days")
        + ", **against** the direction the seed report describes; a pattern passes when the "
        "paired 95% interval of the difference lies wholly on the expected side of zero; "
        f"**result:** {verdict(checks, ('patterns',))}.", "",
        "**What it shows:** outreach's hours come out of the hours for cases (the time "
        "budget), so finding needs earlier competes with starting the cases found: whether "
        "crises fall is left open by the rules, and a model in which outreach finds nobody "
        "fails. The other "
        f"{len(consistent)} patterns ({', '.join(consistent)}) follow from a rule the model "
        "was given, so they cannot fail; they are under *Consistency, not evidence*, with "
        "the reason for each.", "",
        *rows, "",
        "The interval covers simulation noise over seeds, given the model's assumptions. The "
        f"figure shows all {len(every)} patterns, the consistency rows marked.", "",
        "![Patterns](validation_patterns.png)", ""]
    per_seed = {f"{x.pattern.claim} ({'consistency' if x.pattern.why else 'a check'}): "
                f"{x.pattern.measure}": x.diffs for x in every}
    return Rendered(checks, lines, {"validation_patterns.png": patterns_figure(per_seed)})


def patterns_figure(per_seed: dict[str, list[float]]):
    """Each pattern's per-seed difference, lever minus base, in its own units: one dot a
    seed (counts read better than error bars, DOMAIN.md)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    titles = list(per_seed)
    fig = make_subplots(rows=len(titles), cols=1, subplot_titles=titles,
                        vertical_spacing=min(0.08, 0.6 / max(len(titles), 1)))
    for i, diffs in enumerate(per_seed.values(), 1):
        fig.add_trace(go.Scatter(x=diffs, y=[0] * len(diffs), mode="markers",
                                 marker={"size": 9, "opacity": 0.6, "color": "#1f77b4"}),
                      row=i, col=1)
        fig.add_vline(x=0.0, line_dash="dash", line_color="#7f7f7f", row=i, col=1)
        fig.update_yaxes(visible=False, row=i, col=1)
    fig.update_layout(title="Patterns of the seed report: lever minus base, one dot per seed",
                      height=80 + 110 * len(titles), width=1100, showlegend=False)
    return fig
