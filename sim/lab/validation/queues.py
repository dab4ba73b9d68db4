"""Queues in queue-only mode (``validation/mmc``): Erlang C over a grid of loads and
sizes, Cobham's non-preemptive priority waits under urgency triage, Little's law, and
the pooling effect (two separate teams against one pooled list).

A queue check passes when the simulated value lies within ``N_SE`` standard errors
(batch means, :mod:`sim.lab.batch_means`) AND within its relative tolerance of the
formula, so neither noise nor a small bias alone passes. The targets come from
:mod:`sim.theory`, written independently of the model. Each group has its own check
function, called by the report and, on small runs of one case, by the mutation tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ... import theory
from ...scenario import load_scenario
from .. import batch_means as bm
from .core import (
    N_SE,
    REQUESTS_PER_SECOND,
    SEED0,
    Adjust,
    Check,
    Job,
    Rendered,
    dot_figure,
    job,
    table,
    verdict,
)

MMC = bm.MMC
URGENCY_ORDER = bm.URGENCY_ORDER
MU = bm.MU_PER_DAY
#: Relative tolerance of mean waits and of P(wait > 0) (full, quick). Runs are planned
#: for the mean wait (TARGET_REL_SE); P(wait > 0) then has about 1/sqrt(2) of its
#: relative SE (its squared coefficient of variation is 1/C - 1 against 2/C - 1), about
#: 3%, so 12% is four of them: a correct model fails a cell about once in 10,000, and a
#: 20% bias, six SEs out, is still caught (8% was under three, and failed a correct
#: cell of the grid in about one full run in ten).
REL_TOL = {"full": 0.15, "quick": 0.6}
REL_TOL_P = {"full": 0.12, "quick": 0.4}
#: Little's law holds exactly only over long runs; short ones have edge effects.
LITTLE_REL_TOL = {"full": 0.02, "quick": 0.3}


@dataclass(frozen=True)
class QueueCase:
    """One queue-only configuration: c servers at utilisation rho, mu = 1.25/day.

    ``variance_factor`` scales the planned run length where the estimate is noisier
    than the overall mean wait (the lowest class under triage).
    """

    name: str
    rho: float
    c: int
    triage: str = "fifo"
    n_teams: int = 1
    pooled: bool = True
    variance_factor: float = 1.0

    @property
    def lam(self) -> float:
        return self.rho * self.c * MU

    def overrides(self) -> dict[str, Any]:
        return bm.queue_overrides(self.rho, self.c, self.triage, self.n_teams, self.pooled)

    @property
    def team(self) -> tuple[float, int]:
        """(arrival rate, servers) of one team's queue: separate teams split both."""
        k = 1 if self.pooled else self.n_teams
        return self.lam / k, self.c // k


#: The Erlang C grid: loads 0.5 to 0.95 and sizes 5 to 300, larger teams at higher loads,
#: where waiting is not vanishingly rare (Erlang C at least 0.03: at rho 0.5 and c = 300
#: it is 1e-30, a wait nobody can estimate and no policy meets).
GRID = tuple(QueueCase(f"rho{rho:g}_c{c}", rho, c) for rho, c in (
    (0.5, 5), (0.5, 10), (0.7, 5), (0.7, 20), (0.8, 5), (0.8, 10), (0.8, 50),
    (0.9, 5), (0.9, 20), (0.9, 100), (0.95, 5), (0.95, 50), (0.95, 300)))
TRIAGE = QueueCase("triage_rho0.8_c10", 0.8, 10, triage="urgency", variance_factor=3.0)
SEPARATE = QueueCase("separate2_rho0.8_c10", 0.8, 10, n_teams=2, pooled=False)
POOLED = QueueCase("pooled2_rho0.8_c10", 0.8, 10, n_teams=2, pooled=True)
#: Quick mode tries the machinery on three cells of the grid.
QUICK_GRID = ("rho0.5_c5", "rho0.8_c10", "rho0.9_c20")
#: Target relative standard error of a mean wait, which sets each case's run length.
TARGET_REL_SE = {"full": 0.045, "quick": 0.12}
#: (replications, least batches per replication, batch length in relaxation times,
#: least batch length in mean service times, warm-up in relaxation times)
BATCHING = {"full": (6, 10, 10.0, 10.0, 10.0), "quick": (2, 5, 2.0, 5.0, 3.0)}
#: Requests per replication at most, which bounds a worker's memory (about 0.8 GB).
MAX_REQUESTS_PER_RUN = 300_000
#: Lag-1 correlation of batch means below which the report calls them independent.
LAG1_INDEPENDENT = 0.2


def grid(mode: str) -> tuple[QueueCase, ...]:
    return GRID if mode == "full" else tuple(c for c in GRID if c.name in QUICK_GRID)


def cases(mode: str) -> tuple[QueueCase, ...]:
    return (*grid(mode), TRIAGE, SEPARATE, POOLED)


@dataclass(frozen=True)
class QueuePlan:
    reps: int
    warmup_days: int
    batch_days: float
    n_batches: int

    @property
    def n_requests(self) -> float:
        return self.reps * self.n_batches * self.batch_days


def plan(case: QueueCase, mode: str) -> QueuePlan:
    """Run length from the relaxation time and a planning variance of the mean wait.

    Batches last ``BATCHING`` relaxation times (at least so many service times), so their
    means are nearly independent, and so does the warm-up. Replications are added
    when one would exceed ``MAX_REQUESTS_PER_RUN``. The per-request relative
    variance of the mean wait is about ``1.5 x relaxation (in arrivals) x (2 / C - 1)``
    (measured over the grid within a factor of two; ``2 / C - 1`` is the wait's squared
    coefficient of variation), so the batches per replication give about
    ``TARGET_REL_SE``.
    """
    reps, min_batches, relax_batches, service_batches, relax_warmup = BATCHING[mode]
    lam, c = case.team
    relax = bm.relaxation_days(lam, MU, c)
    batch_days = max(relax_batches * relax, service_batches / MU)
    warmup = math.ceil(max(relax_warmup * relax, service_batches / MU))
    erlang = theory.erlang_c(c, lam / MU)
    variance = case.variance_factor * 1.5 * lam * relax * (2.0 / erlang - 1.0)
    n_needed = variance / TARGET_REL_SE[mode] ** 2
    reps = max(reps, math.ceil(n_needed / MAX_REQUESTS_PER_RUN))
    n_batches = max(min_batches, math.ceil(n_needed / (reps * batch_days * case.lam)))
    return QueuePlan(reps, warmup, batch_days, n_batches)


def case_jobs(case: QueueCase, mode: str) -> list[Job]:
    """The replications of one case, as :func:`plan` sizes them for ``mode``."""
    p = plan(case, mode)
    cost = p.n_batches * p.batch_days * case.lam / REQUESTS_PER_SECOND
    return [job("queues", f"{case.name}-{r}", bm.replicate,
                (case.overrides(), SEED0 + r, p.warmup_days, p.batch_days, p.n_batches), cost)
            for r in range(p.reps)]


def queue_jobs(mode: str) -> list[Job]:
    return [j for case in cases(mode) for j in case_jobs(case, mode)]


def merge_case(case: QueueCase, mode: str, outs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One case's replications (:func:`sim.lab.batch_means.replicate`'s results): batch
    means pooled over them, and the per-run extras."""
    m: dict[str, Any] = {"runs": [], "per_run_wait": [], "case": case, "plan": plan(case, mode)}
    for out in outs:
        for key, values in out.items():
            if key == "run":
                m["runs"].append(values)
            else:
                m.setdefault(key, []).extend(values)
        m["per_run_wait"].append(out["wait"])
    return m


def merge(mode: str, results: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per case, :func:`merge_case` of its jobs' results."""
    return {case.name: merge_case(case, mode, [results[j.key] for j in case_jobs(case, mode)])
            for case in cases(mode)}


def _estimate(batches: list[float]) -> tuple[float, float]:
    return bm.estimate(batches)[:2]


def erlang_checks(case: QueueCase, m: Mapping[str, Any], mode: str) -> list[Check]:
    """A grid cell's mean wait and P(wait > 0) against Erlang C."""
    return [Check("erlang", f"Erlang C mean wait (days), {case.name}", *_estimate(m["wait"]),
                  theory.mmc_wait_mean(case.lam, MU, case.c), rel_tol=REL_TOL[mode]),
            Check("erlang", f"Erlang C P(wait > 0), {case.name}", *_estimate(m["p_wait"]),
                  theory.erlang_c(case.c, case.lam / MU), rel_tol=REL_TOL_P[mode])]


def _urgency_shares(case: QueueCase) -> list[float]:
    shares = load_scenario(MMC, case.overrides()).needs.urgency_shares
    return [getattr(shares, u) for u in URGENCY_ORDER]


def cobham_checks(m: Mapping[str, Any], mode: str) -> list[Check]:
    """Each urgency class's mean wait under triage (:data:`TRIAGE`) against Cobham."""
    rates = [TRIAGE.lam * s for s in _urgency_shares(TRIAGE)]
    return [Check("cobham", f"Cobham mean wait (days) of {u} urgency, {TRIAGE.name}",
                  *_estimate(m["wait_" + u]), w, rel_tol=REL_TOL[mode])
            for u, w in zip(URGENCY_ORDER, theory.priority_waits(rates, MU, TRIAGE.c),
                            strict=True)]


def _little_gap(run: Mapping[str, Any]) -> float:
    """Relative gap between the waiting list and arrival rate x mean wait (0 if both 0)."""
    lhs, rhs = run["waitlist_mean"], run["arrival_rate"] * run["summary_wait"]
    return abs(lhs - rhs) / rhs if rhs > 0 else (0.0 if lhs == 0 else math.inf)


def little_check(merged: Iterable[Mapping[str, Any]], mode: str) -> Check:
    """Little's law in every run of the given cases: the largest relative gap."""
    worst = max(_little_gap(r) for m in merged for r in m["runs"])
    return Check("little", "Little's law, waitlist_mean against arrival rate x mean "
                 "wait (largest relative gap over all runs)", worst, 0.0, 0.0,
                 abs_tol=LITTLE_REL_TOL[mode])


def pooling_checks(m_sep: Mapping[str, Any], m_pool: Mapping[str, Any], mode: str
                   ) -> list[Check]:
    """Separate teams (:data:`SEPARATE`) against 2 x M/M/5, one pooled list
    (:data:`POOLED`) against M/M/10, and the ratio of their waits."""
    tol = REL_TOL[mode]
    lam_team, c_team = SEPARATE.team
    w_sep = theory.mmc_wait_mean(lam_team, MU, c_team)
    w_pool = theory.mmc_wait_mean(POOLED.lam, MU, POOLED.c)
    mean_sep, se_sep = _estimate(m_sep["wait"])
    mean_pool, se_pool = _estimate(m_pool["wait"])
    ratio = mean_sep / mean_pool
    se_ratio = ratio * math.hypot(se_sep / mean_sep, se_pool / mean_pool)
    return [
        Check("pooling", f"separate teams mean wait (days), {SEPARATE.n_teams} x M/M/{c_team}",
              mean_sep, se_sep, w_sep, rel_tol=tol),
        Check("pooling", f"pooled list mean wait (days), M/M/{POOLED.c}", mean_pool, se_pool,
              w_pool, rel_tol=tol),
        Check("pooling", "pooling effect, separate / pooled mean wait", ratio, se_ratio,
              w_sep / w_pool, rel_tol=tol),
    ]


def queue_checks(merged: dict[str, dict[str, Any]], mode: str) -> list[Check]:
    """Erlang C over the grid, Cobham per class, Little's law, pooling."""
    checks = [c for case in grid(mode) for c in erlang_checks(case, merged[case.name], mode)]
    checks += cobham_checks(merged[TRIAGE.name], mode)
    checks.append(little_check(merged.values(), mode))
    checks += pooling_checks(merged[SEPARATE.name], merged[POOLED.name], mode)
    return checks


def _run_sizes(merged: dict[str, dict[str, Any]]) -> list[str]:
    from ..stats import fmt

    rows = ["| case | rho | c | seeds | batches | batch (days) | warm-up (days) | requests "
            "| lag-1 corr. |", "|---|---|---|---|---|---|---|---|---|"]
    for name, m in merged.items():
        p, case = m["plan"], m["case"]
        rows.append(f"| {name} | {case.rho:g} | {case.c} | {p.reps} | {p.reps * p.n_batches} "
                    f"| {p.batch_days:.4g} | {p.warmup_days} | {sum(r['n'] for r in m['runs']):,} "
                    f"| {fmt(bm.lag1_correlation(m['per_run_wait']))} |")
    return rows


def render_queues(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    from ..stats import fmt
    merged = merge(mode, results)
    checks = adjust(queue_checks(merged, mode))
    lag1 = [bm.lag1_correlation(m["per_run_wait"]) for m in merged.values()]
    lag1 = [x for x in lag1 if math.isfinite(x)]
    n_req = [sum(r["n"] for r in m["runs"]) for m in merged.values()]
    unstarted = sum(r["n_unstarted"] for m in merged.values() for r in m["runs"])
    loads, sizes = sorted({c.rho for c in grid(mode)}), sorted({c.c for c in grid(mode)})
    reps, _, relax_batches, service_batches, relax_warmup = BATCHING[mode]
    worst_lag = max(lag1, default=math.nan)
    independent = ("close to independent" if worst_lag < LAG1_INDEPENDENT else
                   "not fully independent, so the standard errors are somewhat too small")
    lines = [
        f"In `{MMC}` every need is complex and walks straight into the wijkteam, so the team "
        f"is an M/M/c queue (mu = {MU:g}/day, lambda = rho x c x mu). Each case ran at least "
        f"{reps} seeds, each with a warm-up of {relax_warmup:g} relaxation times "
        f"1/(c mu (1 - sqrt(rho))^2) (at least {service_batches:g} mean cases), then batches "
        f"of {relax_batches:g} relaxation times (at least {service_batches:g} mean cases), "
        "then a drain of 25 mean waits of those who wait so that every request of the "
        f"measured window has been served ({unstarted} of {sum(n_req):,} were not; they are "
        "left out). The interval is the mean of batch means ± 1.96 standard errors. The "
        "lag-1 correlation of consecutive batch means, between "
        f"{fmt(min(lag1, default=math.nan))} and {fmt(worst_lag)} over the cases, shows the "
        f"batch means are {independent}. The number of batches comes from a planning "
        f"variance of the mean wait for a standard error of about {TARGET_REL_SE[mode]:.1%} "
        f"(`sim.lab.validation.queues.plan`), with more seeds where one would exceed "
        f"{MAX_REQUESTS_PER_RUN:,} requests. A check passes within {N_SE:g} standard errors "
        "and within its relative tolerance.", "",
        "**What these checks show:** that the team's queue, its triage and its areas behave "
        "as queueing theory says for the same inputs: evidence that the rules are "
        "implemented right, not that Dutch teams are M/M/c queues. The formulas "
        "(`sim.theory`) share no code with the model.", "",
        "<details><summary>Run sizes per case</summary>", "", *_run_sizes(merged), "",
        "</details>", "",
        "### Erlang C", "",
        "**Checked:** the simulated mean queue wait and P(wait > 0) on a grid of "
        f"{len(grid(mode))} cases over rho {', '.join(f'{r:g}' for r in loads)} and c "
        f"{', '.join(map(str, sizes))} (larger teams at higher loads, where Erlang C is at "
        "least 0.03), **against** Erlang C (`sim.theory`); "
        f"**result:** {verdict(checks, ('erlang',))}.", "", *table(checks, "erlang"), "",
        "### Urgency triage against Cobham", "",
        "**Checked:** the mean wait of each urgency class under non-preemptive urgency triage "
        f"at rho {TRIAGE.rho:g}, c = {TRIAGE.c}, **against** Cobham's (1954) priority formula; "
        f"**result:** {verdict(checks, ('cobham',))}.", "", *table(checks, "cobham"), "",
        "### Little's law", "",
        "**Checked:** in every run of every case, the time-averaged waiting list "
        "(`waitlist_mean`) **against** arrival rate x mean wait (Little's law); "
        f"**result:** {verdict(checks, ('little',))}.", "", *table(checks, "little"), "",
        "### Pooling", "",
        f"**Checked:** {SEPARATE.n_teams} teams of {SEPARATE.c // SEPARATE.n_teams} with their "
        "own areas and lists (`wijkteam.n_teams = 2`, `wijkteam.pooled = false`) and the same "
        "teams sharing one list (`pooled = true`), **against** 2 x M/M/5 and M/M/10 and the "
        f"ratio of their waits; **result:** {verdict(checks, ('pooling',))}.", "",
        *table(checks, "pooling"), "",
        "![Queue checks](validation_queues.png)", ""]
    return Rendered(checks, lines, {"validation_queues.png": queue_figure(checks)})


def queue_figure(checks: list[Check]):
    """Every queue check as simulated / formula with its 95% interval; 1 is agreement."""
    rows = [c for c in checks if c.group in ("erlang", "cobham", "pooling")]
    return dot_figure("Queue-only mode: simulated / formula, with 95% intervals",
                      "simulated / formula (1 = agreement)", [c.name for c in rows],
                      [c.value / c.target for c in rows],
                      [c.interval[0] / c.target for c in rows],
                      [c.interval[1] / c.target for c in rows], [c.passed for c in rows], 1.0)
