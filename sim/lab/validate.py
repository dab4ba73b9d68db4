"""``samenspel validate``: where the model agrees with what is known (issue 11, first part).

Runs the model's special cases that have a known answer and writes ``validation.md``
with its figures (PNG) beside it:

* Queues, in queue-only mode (``validation/mmc``): Erlang C over a grid of loads and
  sizes, Cobham's non-preemptive priority waits under urgency triage, Little's law,
  and the pooling effect (two separate teams against one pooled list).
* Bystanders: the elephant experiment against Darley & Latané (1968), the latency
  ratios, and Diekmann's volunteer's dilemma.

Each check prints one line (name, PASS/FAIL, the simulated figure with its 95%
interval against the target). A queue check passes when the simulated value lies
within ``N_SE`` standard errors (batch means over independent seeds) AND within its
relative tolerance of the formula, so neither noise nor a small bias alone passes.
The targets come from :mod:`sim.theory`, written independently of the model.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import theory
from ..scenario import InputError, load_scenario
from ..submodels.bystander import p_act
from ..version import code_version
from .executors import make_executor

MMC = "validation/mmc"
DARLEY_LATANE = "validation/darley_latane"
URGENCY_ORDER = ("high", "medium", "low")  # most urgent first, as theory.priority_waits
N_SE = 4.0
Z95 = 1.96
SEED0 = 1000
#: Relative tolerance of mean waits and of P(wait > 0) (full, quick).
REL_TOL = {"full": 0.15, "quick": 0.6}
REL_TOL_P = {"full": 0.08, "quick": 0.4}
#: Little's law holds exactly only over long runs; short ones have edge effects.
LITTLE_REL_TOL = {"full": 0.02, "quick": 0.3}
SHARE_ABS_TOL = 0.08  # individual reporting share, absolute
RATIO_REL_TOL = 0.25  # latency ratios
FIT_T_TOL = 0.1
DILEMMA_COST_BENEFIT = 0.5
DILEMMA_SIZES = (2, 3, 5, 10)
ELEPHANT_SIZES = (1, 2, 5)


@dataclass(frozen=True)
class QueueCase:
    """One queue-only configuration: c servers at utilisation rho, mu = 1.25/day."""

    name: str
    rho: float
    c: int
    triage: str = "fifo"
    n_teams: int = 1
    pooled: bool = True

    @property
    def lam(self) -> float:
        return self.rho * self.c * 1.25

    def overrides(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "population.n_residents": 1000,
            "needs.rate_per_resident_year": self.lam * 365.0 / 1000,
            "wijkteam.case_duration_days_mean": 0.8,
            "wijkteam.n_professionals": self.c,
            "wijkteam.caseload_max": 1,
            "access.triage": self.triage,
        }
        if self.n_teams > 1:
            out.update({"population.block_size": 50, "wijkteam.n_teams": self.n_teams,
                        "wijkteam.pooled": self.pooled})
        return out


CASES = (
    QueueCase("rho0.5_c10", 0.5, 10), QueueCase("rho0.8_c10", 0.8, 10),
    QueueCase("rho0.9_c10", 0.9, 10), QueueCase("rho0.8_c5", 0.8, 5),
    QueueCase("rho0.8_c50", 0.8, 50),
    QueueCase("triage_rho0.8_c10", 0.8, 10, triage="urgency"),
    QueueCase("separate2_rho0.8_c10", 0.8, 10, n_teams=2, pooled=False),
    QueueCase("pooled2_rho0.8_c10", 0.8, 10, n_teams=2, pooled=True),
)
#: (replications, requests per replication after warm-up, batches per replication)
RUN_SIZE = {"full": (6, 40_000, 20), "quick": (2, 1_500, 10)}
#: Elephant trials per group size.
TRIALS = {"full": 400_000, "quick": 20_000}


@dataclass(frozen=True)
class Check:
    """One named comparison of a simulated figure with its target."""

    section: str
    name: str
    value: float
    se: float  # standard error; 0 when exact
    target: float
    rel_tol: float | None = None
    abs_tol: float | None = None
    above: bool = False  # passes when value > target (a direction, not a closeness)
    se_rule: bool = True  # False against an observation: only the tolerance applies

    @property
    def interval(self) -> tuple[float, float]:
        return self.value - Z95 * self.se, self.value + Z95 * self.se

    @property
    def passed(self) -> bool:
        if self.above:
            return self.value > self.target
        diff = abs(self.value - self.target)
        if not math.isfinite(self.value) or diff > N_SE * self.se and self.se > 0 and self.se_rule:
            return False
        if self.rel_tol is not None and diff > self.rel_tol * abs(self.target):
            return False
        return self.abs_tol is None or diff <= self.abs_tol

    @property
    def tolerance(self) -> str:
        if self.above:
            return "above"
        parts = [f"within {N_SE:g} SE"] if self.se > 0 and self.se_rule else []
        if self.rel_tol is not None:
            parts.append(f"within {self.rel_tol:.0%}")
        if self.abs_tol is not None:
            parts.append(f"within ±{self.abs_tol:g}")
        return " and ".join(parts)

    def line(self) -> str:
        lo, hi = self.interval
        ci = f" [{lo:.4g}, {hi:.4g}]" if self.se > 0 else ""
        return (f"{'PASS' if self.passed else 'FAIL'}  {self.name}: simulated {self.value:.4g}"
                f"{ci} against {self.target:.4g} ({self.tolerance})")


# --- queues ------------------------------------------------------------------------


def _queue_job(job: tuple[QueueCase, int, int, int, float]) -> tuple[str, dict[str, Any]]:
    """One replication of a queue case: batch means after warm-up, and Little's law."""
    from ..api import run

    case, seed, days, warmup, batch_days = job
    result = run(load_scenario(MMC, case.overrides()), seed, days, warmup)
    req = result.requests
    q = req[(req["day_created"] >= warmup) & req["queue_wait_days"].notna()]
    wait = q["queue_wait_days"]
    batch = ((q["day_queued"] - warmup) // batch_days).astype(int)
    out: dict[str, Any] = {"wait": wait.groupby(batch).mean().tolist(),
                           "p_wait": (wait > 0).groupby(batch).mean().tolist()}
    for u in URGENCY_ORDER:
        m = q["urgency_intake"] == u
        out["wait_" + u] = wait[m].groupby(batch[m]).mean().tolist()
    s = result.summary
    out["little"] = (float(s["waitlist_mean"]),
                     float(s["waitlist_arrival_rate_per_day"]) * float(s["queue_wait_days_mean"]))
    return case.name, out


def _estimate(batches: list[float]) -> tuple[float, float]:
    """Mean of batch means and its standard error."""
    import numpy as np

    x = np.asarray(batches, dtype=float)
    x = x[~np.isnan(x)]
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


def _run_queues(mode: str, workers: int | None, progress: bool) -> dict[str, dict[str, Any]]:
    reps, n_req, n_batches = RUN_SIZE[mode]
    jobs = []
    for case in CASES:
        run_days = math.ceil(n_req / case.lam)
        warmup = max(20, math.ceil(40 / (case.c * 1.25 * (1 - case.rho))))
        jobs += [(case, SEED0 + r, warmup + run_days, warmup, run_days / n_batches)
                 for r in range(reps)]
    merged: dict[str, dict[str, Any]] = {c.name: {} for c in CASES}
    bar = _bar(len(jobs), progress)
    with make_executor(workers) as ex:
        for done in ex.map_unordered(_queue_job, jobs):
            if done.error:
                raise RuntimeError(f"a validation run failed:\n{done.error}")
            name, out = done.value
            for key, values in out.items():
                if key == "little":
                    merged[name].setdefault(key, []).append(values)
                else:
                    merged[name].setdefault(key, []).extend(values)
            bar(1)
    bar(0, close=True)
    return merged


def _bar(total: int, on: bool, desc: str = "validation runs"):
    """A tqdm bar on stderr when ``on`` and stderr is a terminal; ``update(n, close=False)``."""
    if not (on and sys.stderr.isatty()):
        return lambda n, close=False: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="run", file=sys.stderr, leave=False)

    def update(n: int, close: bool = False) -> None:
        bar.update(n)
        if close:
            bar.close()
    return update


def queue_checks(merged: dict[str, dict[str, Any]], mode: str) -> list[Check]:
    """Erlang C over the grid, Cobham per class, Little's law, pooling."""
    tol, tol_p = REL_TOL[mode], REL_TOL_P[mode]
    checks: list[Check] = []
    cases = {c.name: c for c in CASES}
    for case in CASES[:5]:
        m, mu = merged[case.name], 1.25
        checks.append(Check("erlang", f"Erlang C mean wait (days), {case.name}",
                            *_estimate(m["wait"]), theory.mmc_wait_mean(case.lam, mu, case.c),
                            rel_tol=tol))
        checks.append(Check("erlang", f"Erlang C P(wait > 0), {case.name}",
                            *_estimate(m["p_wait"]), theory.erlang_c(case.c, case.lam / mu),
                            rel_tol=tol_p))
    tri = cases["triage_rho0.8_c10"]
    rates = [tri.lam * s for s in _urgency_shares(tri)]
    for u, w in zip(URGENCY_ORDER, theory.priority_waits(rates, 1.25, tri.c), strict=True):
        checks.append(Check("cobham", f"Cobham mean wait (days) of {u} urgency, {tri.name}",
                            *_estimate(merged[tri.name]["wait_" + u]), w, rel_tol=tol))
    worst = max((abs(lhs - rhs) / rhs, lhs, rhs) for m in merged.values()
                for lhs, rhs in m["little"])
    checks.append(Check("little", "Little's law, waitlist_mean against arrival rate x mean "
                        "wait (largest relative gap over all runs)", worst[0], 0.0, 0.0,
                        abs_tol=LITTLE_REL_TOL[mode]))
    sep, pool = cases["separate2_rho0.8_c10"], cases["pooled2_rho0.8_c10"]
    w_sep = theory.mmc_wait_mean(sep.lam / 2, 1.25, sep.c // 2)
    w_pool = theory.mmc_wait_mean(pool.lam, 1.25, pool.c)
    m_sep, se_sep = _estimate(merged[sep.name]["wait"])
    m_pool, se_pool = _estimate(merged[pool.name]["wait"])
    ratio = m_sep / m_pool
    se_ratio = ratio * math.hypot(se_sep / m_sep, se_pool / m_pool)
    checks += [
        Check("pooling", "separate teams mean wait (days), 2 x M/M/5", m_sep, se_sep, w_sep,
              rel_tol=tol),
        Check("pooling", "pooled list mean wait (days), M/M/10", m_pool, se_pool, w_pool,
              rel_tol=tol),
        Check("pooling", "pooling effect, separate / pooled mean wait", ratio, se_ratio,
              w_sep / w_pool, rel_tol=tol),
    ]
    return checks


def _urgency_shares(case: QueueCase) -> list[float]:
    shares = load_scenario(MMC, case.overrides()).needs.urgency_shares
    return [getattr(shares, u) for u in URGENCY_ORDER]


# --- bystanders ----------------------------------------------------------------------


def bystander_checks(mode: str) -> tuple[list[Check], dict[str, Any]]:
    """Darley & Latané shares, fit and latency ratios; the volunteer's dilemma."""
    from ..elephant import elephant_table

    trials = TRIALS[mode]
    rule = load_scenario(DARLEY_LATANE).bystander
    table = elephant_table(rule, list(ELEPHANT_SIZES), trials, SEED0, horizon_days=30)
    rows = {r["bystanders"]: r for r in table["diffusion"]}
    checks: list[Check] = []
    for obs in theory.DARLEY_LATANE_1968:
        p = rows[obs.group_size]["p_individual"]
        se = math.sqrt(p * (1 - p) / (trials * obs.group_size))
        checks.append(Check("darley", f"individual reporting share, {_others(obs.others)}",
                            p, se, obs.reported_before_end_of_fit, abs_tol=SHARE_ABS_TOL,
                            se_rule=False))
    sizes = [o.group_size for o in theory.DARLEY_LATANE_1968]
    p1_fit, t_fit = theory.fit_social_impact(
        sizes, [o.reported_before_end_of_fit for o in theory.DARLEY_LATANE_1968])
    checks.append(Check("darley", "diffusion exponent t of the preset against the "
                        "least-squares fit to the shares", rule.diffusion_t, 0.0, t_fit,
                        abs_tol=FIT_T_TOL))
    # the subject was alone with tape recordings: the individual's own latency, 1/p(n) days
    lat = {n: 1.0 / p_act(rule, n, 0, rule.p_act_day) for n in sizes}
    base = theory.DARLEY_LATANE_1968[0]
    for obs in theory.DARLEY_LATANE_1968[1:]:
        checks.append(Check("latency", f"latency ratio, {_others(obs.others)} / alone",
                            lat[obs.group_size] / lat[1], 0.0,
                            obs.mean_latency_s / base.mean_latency_s, rel_tol=RATIO_REL_TOL))
    dilemma = _dilemma(rule, trials)
    for n, (sim_none, se, target) in dilemma.items():
        checks.append(Check("dilemma", f"volunteer's dilemma P(nobody acts), n = {n}",
                            sim_none, se, target, abs_tol=0.01))
    rising = [v[0] for v in dilemma.values()]
    steps = min(b - a for a, b in zip(rising, rising[1:], strict=False))
    checks.append(Check("dilemma", "volunteer's dilemma: smallest rise of P(nobody acts) "
                        "from one group size to the next", steps, 0.0, 0.0, above=True))
    facts = {"p1_fit": p1_fit, "t_fit": t_fit, "rows": rows, "latency_days": lat,
             "need_delay": {n: rows[n]["delay_days_mean"] for n in sizes},
             "p_none_rule": {n: 1 - rows[n]["p_any"] for n in sizes}, "dilemma": dilemma,
             "rule": rule, "trials": trials}
    return checks, facts


def _others(k: int) -> str:
    return f"{k} other{'' if k == 1 else 's'}"


def _dilemma(rule: Any, trials: int) -> dict[int, tuple[float, float, float]]:
    """Each person acts with the equilibrium chance 1 - q(n), independently (elephant)."""
    from ..elephant import elephant_table

    out = {}
    for n in DILEMMA_SIZES:
        q, none = theory.volunteers_dilemma(DILEMMA_COST_BENEFIT, n)
        row = elephant_table(rule, [n], trials, SEED0, p1=1.0 - q)["independent"][0]
        p_none = 1.0 - row["p_any"]
        out[n] = (p_none, math.sqrt(p_none * (1 - p_none) / trials), none)
    return out


# --- figures -------------------------------------------------------------------------


def queue_figure(checks: list[Check]):
    """Every queue check as simulated / formula with its 95% interval; 1 is agreement."""
    import plotly.graph_objects as go

    rows = [c for c in checks if c.section in ("erlang", "cobham", "pooling")]
    ratio = [c.value / c.target for c in rows]
    fig = go.Figure(go.Scatter(
        x=ratio, y=[c.name for c in rows], mode="markers",
        marker={"color": ["#2ca02c" if c.passed else "#d62728" for c in rows], "size": 9},
        error_x={"type": "data", "array": [Z95 * c.se / c.target for c in rows]}))
    fig.add_vline(x=1.0, line_dash="dash", line_color="#7f7f7f")
    fig.update_layout(title="Queue-only mode: simulated / formula, with 95% intervals",
                      xaxis_title="simulated / formula (1 = agreement)",
                      height=120 + 28 * len(rows),
                      width=1000, margin={"l": 420}, showlegend=False,
                      yaxis={"autorange": "reversed"})
    return fig


def bystander_figure(facts: dict[str, Any]):
    """Reporting shares and latency ratios against Darley & Latané; the volunteer's dilemma."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08, subplot_titles=(
        "Reporting share (before end of fit)", "Latency relative to alone",
        "Volunteer's dilemma: P(nobody acts)"))
    obs = theory.DARLEY_LATANE_1968
    n = [o.group_size for o in obs]
    lat = facts["latency_days"]
    series = (
        (1, n, [o.reported_before_end_of_fit for o in obs],
         [facts["rows"][k]["p_individual"] for k in n]),
        (2, n, [o.mean_latency_s / obs[0].mean_latency_s for o in obs],
         [lat[k] / lat[1] for k in n]),
        (3, list(facts["dilemma"]), [v[2] for v in facts["dilemma"].values()],
         [v[0] for v in facts["dilemma"].values()]),
    )
    for col, x, target, model in series:
        first = col == 1
        fig.add_trace(go.Scatter(x=x, y=target, name="observed / formula", mode="lines+markers",
                                 line={"color": "#1f77b4"}, showlegend=first), row=1, col=col)
        fig.add_trace(go.Scatter(x=x, y=model, name="model", mode="markers",
                                 marker={"color": "#d62728", "size": 10, "symbol": "x"},
                                 showlegend=first), row=1, col=col)
        fig.update_xaxes(title_text="people aware (n)", row=1, col=col)
    fig.update_layout(width=1300, height=450, title="Bystanders: Darley & Latané (1968) and "
                      "Diekmann (1985)")
    return fig


# --- report --------------------------------------------------------------------------

FIGURES = ("validation_queues.png", "validation_bystanders.png")
SECTIONS = {
    "erlang": "Erlang C",
    "cobham": "Urgency triage against Cobham",
    "little": "Little's law",
    "pooling": "Pooling",
    "darley": "Darley & Latané (1968): reporting",
    "latency": "Darley & Latané (1968): latency",
    "dilemma": "Volunteer's dilemma",
}


def _table(checks: list[Check], section: str) -> list[str]:
    out = ["| check | result | simulated | 95% interval | target | pass rule |",
           "|---|---|---|---|---|---|"]
    for c in checks:
        if c.section != section:
            continue
        lo, hi = c.interval
        ci = f"{lo:.4g} to {hi:.4g}" if c.se > 0 else "exact"
        out.append(f"| {c.name} | {'PASS' if c.passed else '**FAIL**'} | {c.value:.4g} | {ci} "
                   f"| {c.target:.4g} | {c.tolerance} |")
    return out


def _verdict(checks: list[Check], sections: tuple[str, ...]) -> str:
    mine = [c for c in checks if c.section in sections]
    bad = [c.name for c in mine if not c.passed]
    if len(mine) == 1:
        return "the check passes" if not bad else "the check fails"
    return (f"all {len(mine)} checks pass" if not bad
            else f"{len(bad)} of {len(mine)} checks fail: {'; '.join(bad)}")


def _queue_text(checks: list[Check], mode: str) -> list[str]:
    reps, n_req, n_batches = RUN_SIZE[mode]
    return [
        "## 1. Queues in queue-only mode", "",
        f"In `{MMC}` every need is complex and walks straight into the wijkteam, so the team "
        "is an M/M/c queue (mu = 1.25/day, lambda = rho x c x mu). Each case ran "
        f"{reps} seeds of about {n_req:,} requests after warm-up, each cut into {n_batches} "
        "batches; the interval is the mean of batch means ± 1.96 standard errors. A check "
        f"passes within {N_SE:g} standard errors and within its relative tolerance.", "",
        "### Erlang C", "",
        "**Checked:** the simulated mean queue wait and P(wait > 0) over rho 0.5 / 0.8 / 0.9 "
        "at c = 10 and c = 5 / 50 at rho 0.8, **against** Erlang C (`sim.theory`); "
        f"**result:** {_verdict(checks, ('erlang',))}.", "", *_table(checks, "erlang"), "",
        "### Urgency triage against Cobham", "",
        "**Checked:** the mean wait of each urgency class under non-preemptive urgency triage "
        "at rho 0.8, c = 10, **against** Cobham's (1954) priority formula; "
        f"**result:** {_verdict(checks, ('cobham',))}.", "", *_table(checks, "cobham"), "",
        "### Little's law", "",
        "**Checked:** in every run of every case, the time-averaged waiting list "
        "(`waitlist_mean`) **against** arrival rate x mean wait (Little's law); "
        f"**result:** {_verdict(checks, ('little',))}.", "", *_table(checks, "little"), "",
        "### Pooling", "",
        "**Checked:** two teams of 5 with their own areas and lists (`wijkteam.n_teams = 2`, "
        "`wijkteam.pooled = false`) and the same teams sharing one list (`pooled = true`), "
        "**against** 2 x M/M/5 and M/M/10 and the ratio of their waits; "
        f"**result:** {_verdict(checks, ('pooling',))}.", "", *_table(checks, "pooling"), "",
        f"![Queue checks]({FIGURES[0]})", ""]


def _bystander_text(checks: list[Check], facts: dict[str, Any]) -> list[str]:
    rule, sizes = facts["rule"], [o.group_size for o in theory.DARLEY_LATANE_1968]
    lat, base = facts["latency_days"], theory.DARLEY_LATANE_1968[0].mean_latency_s
    implied = [math.log(o.mean_latency_s / base) / math.log(o.group_size)
               for o in theory.DARLEY_LATANE_1968[1:]]
    delay = ", ".join(f"{facts['need_delay'][n]:.2f}" for n in sizes)
    none_rule = ", ".join(f"{facts['p_none_rule'][n]:.3f}" for n in sizes)
    return [
        "## 2. Bystanders", "",
        f"The elephant experiment (`sim.elephant`, {facts['trials']:,} trials per group size) "
        f"with the preset `{DARLEY_LATANE}` (p1 = {rule.p_act_day:g}, t = {rule.diffusion_t:g}); "
        "one day of the demo stands for the window of the study, the end of the fit.", "",
        "### Reporting", "",
        "**Checked:** the share of people who act on the first day with 0 / 1 / 4 others "
        "aware, and the preset's exponent, **against** Darley & Latané (1968): 85 / 62 / 31% "
        f"and the least-squares fit of `p1 n^-t` to those shares (p1 = {facts['p1_fit']:.3f}, "
        f"t = {facts['t_fit']:.3f}); **result:** {_verdict(checks, ('darley',))}; the "
        f"model's shares miss the observed ones by {_rmse(facts):.3f} (root mean square).", "",
        *_table(checks, "darley"), "",
        "### Latency", "",
        "**Checked:** the model's latency with 1 and 4 others relative to alone, **against** "
        f"the ratios of 52 / 93 / 166 s (1.79 and 3.19); **result:** "
        f"{_verdict(checks, ('latency',))}.", "", *_table(checks, "latency"), "",
        "Where the model does not reproduce them, plainly:", "",
        f"- The model's individual latency is 1/p(n) days = {lat[1]:.2f} / {lat[2]:.2f} / "
        f"{lat[5]:.2f}, so its ratios are n^t = {lat[2] / lat[1]:.2f} and {lat[5] / lat[1]:.2f}: "
        f"short of the observed ratios by {1 - lat[2] / lat[1] / (93 / 52):.0%} and "
        f"{1 - lat[5] / lat[1] / (166 / 52):.0%}. The observed latencies imply t = "
        f"{implied[0]:.2f} and {implied[1]:.2f}, above the t = {rule.diffusion_t:g} that fits "
        "the shares: one exponent cannot fit both.",
        "- The absolute latencies (seconds) are not reproduced at all: the model counts days.",
        "- In the study the others were tape recordings, so only the individual latency is "
        "comparable. The time until *anyone* acts, which is what the neighbourhood model "
        f"uses, stays nearly flat with group size ({delay} days for n = 1 / 2 / 5), and the "
        f"chance that nobody acts on the first day under the calibrated rule is {none_rule}: "
        "it does not rise steadily with group size as the volunteer's dilemma says.", "",
        "### Volunteer's dilemma", "",
        "**Checked:** the elephant run with each person acting with Diekmann's (1985) "
        f"equilibrium chance (cost/benefit r = {DILEMMA_COST_BENEFIT:g}) for n = "
        f"{', '.join(map(str, DILEMMA_SIZES))}, **against** P(nobody acts) = r^(n/(n-1)), and "
        f"that it rises with n; **result:** {_verdict(checks, ('dilemma',))}.", "",
        *_table(checks, "dilemma"), "",
        "### What the base chance to act assumes", "",
        f"The base chance to act (`bystander.p_act_day` = {rule.p_act_day:g}) is transferred "
        "from a laboratory emergency, a seizure heard over an intercom by students, which "
        "assumes that a neighbour's daily response to a visible but non-acute need is as "
        "likely as a student's response to an acute emergency within minutes, and that the "
        "diffusion of responsibility measured there carries over to neighbours who know each "
        "other.", "",
        f"![Bystander checks]({FIGURES[1]})", ""]


def _rmse(facts: dict[str, Any]) -> float:
    """Root mean square gap between the model's and the observed reporting shares."""
    gaps = [facts["rows"][o.group_size]["p_individual"] - o.reported_before_end_of_fit
            for o in theory.DARLEY_LATANE_1968]
    return math.sqrt(sum(g * g for g in gaps) / len(gaps))


def write_report(out: Path, checks: list[Check], facts: dict[str, Any], mode: str,
                 version: str, seconds: float) -> Path:
    """``validation.md`` and its figures in ``out``."""
    import plotly.io as pio

    from ..results import scenario_hash

    out.mkdir(parents=True, exist_ok=True)
    figs = [queue_figure(checks), bystander_figure(facts)]
    pio.write_images(figs, [out / f for f in FIGURES], width=[f.layout.width for f in figs],
                     height=[f.layout.height for f in figs])
    n_fail = sum(not c.passed for c in checks)
    hashes = {name: scenario_hash(load_scenario(name)) for name in (MMC, DARLEY_LATANE)}
    lines = [
        "# Validation", "",
        "Generated by `make validate` (`samenspel validate`); do not edit by hand.", "",
        f"Code version `{version}`, mode `{mode}`, seeds from {SEED0}, scenarios "
        + ", ".join(f"`{k}` (hash `{v}`)" for k, v in hashes.items())
        + f"; {len(checks)} checks, {n_fail} failed; {seconds:.0f} s.", "",
        *_queue_text(checks, mode), *_bystander_text(checks, facts)]
    path = out / "validation.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def validate(out: Path, mode: str = "full", workers: int | None = None, progress: bool = True,
             shift: Mapping[str, float] | None = None) -> list[Check]:
    """Run every check, write the report, print a line per check; the checks.

    ``shift`` multiplies the target of the named checks, to show a check fails when its
    target is off (tests).
    """
    start = time.perf_counter()
    version = code_version()
    checks = queue_checks(_run_queues(mode, workers, progress), mode)
    more, facts = bystander_checks(mode)
    checks += more
    names = {c.name for c in checks}
    for name in shift or {}:
        if name not in names:
            raise ValueError(f"shift names no check: {name!r}")
    checks = [replace(c, target=c.target * shift[c.name]) if shift and c.name in shift else c
              for c in checks]
    write_report(out, checks, facts, mode, version, time.perf_counter() - start)
    from .robustness import validation_section  # its own runs; no pass/fail check

    section = validation_section(out, mode, workers, progress)
    with (out / "validation.md").open("a", encoding="utf-8") as report:
        report.write("\n" + section)
    for c in checks:
        print(c.line())
    return checks


def cmd_validate(args: argparse.Namespace) -> int:
    """``samenspel validate``: 0 if every check passes, 1 otherwise."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("validate", "--out", args.out, "must be a directory")
    if args.workers is not None and args.workers < 1:
        raise InputError("validate", "--workers", args.workers, "must be at least 1")
    checks = validate(out, "quick" if args.quick else "full", args.workers)
    n_fail = sum(not c.passed for c in checks)
    print(f"{len(checks) - n_fail} of {len(checks)} checks pass; report in "
          f"{out / 'validation.md'}")
    return 1 if n_fail else 0


def register(subparsers: Any) -> None:
    """Add ``validate`` to the main command line."""
    p = subparsers.add_parser(
        "validate", help="check the model against queueing theory and the bystander studies",
        description="Run the validation checks, print one line per check and write "
        "validation.md with its figures to --out; exit code 1 if any check fails.")
    p.add_argument("--out", metavar="DIR", default="docs",
                   help="directory of validation.md and its PNG figures (default docs)")
    p.add_argument("--quick", action="store_true",
                   help="small runs with wide tolerances, to try the machinery")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: every core); 1 runs in this process")
    p.set_defaults(func=cmd_validate)
