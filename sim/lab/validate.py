"""``samenspel validate``: where the model agrees with what is known (issue 11).

Runs the model's special cases that have a known answer, the city presets next to the
Dutch figures, and the patterns the seed report describes, and writes
``validation.md`` with its figures (PNG) beside it. The report is a list of
:class:`Section` (``SECTIONS``); each declares the jobs it needs and renders its
markdown, checks and figures from their results, so a new section is one more entry:

* Queues, in queue-only mode (``validation/mmc``): Erlang C over a grid of loads and
  sizes, Cobham's non-preemptive priority waits under urgency triage, Little's law,
  and the pooling effect (two separate teams against one pooled list).
* Bystanders: the elephant experiment against Darley & Latané (1968), the latency
  ratios, and Diekmann's volunteer's dilemma.
* Dutch figures: the presets ``rotterdam`` and ``schiedam`` next to the Rekenkamer
  Rotterdam, Schiedam and the shares in DOMAIN.md (reported, never failing).
* Patterns the seed describes, over paired seeds (checks).

Each check prints one line (name, PASS/FAIL, the simulated figure with its 95%
interval against the target). A queue check passes when the simulated value lies
within ``N_SE`` standard errors (batch means, :mod:`sim.lab.batch_means`) AND within
its relative tolerance of the formula, so neither noise nor a small bias alone
passes. The targets come from :mod:`sim.theory`, written independently of the model.

Every job's result is kept in ``<out>/.validate-cache`` as it completes, so
``--resume`` continues an interrupted run; the report and its figures are written
only at the end, each atomically.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import theory
from ..outputs import atomic_write
from ..scenario import InputError, load_scenario
from ..submodels.bystander import p_act
from ..version import code_version
from ..vocabulary import GAVE_UP
from . import batch_means as bm
from .executors import make_executor
from .progress import run_bar

MMC = bm.MMC
DARLEY_LATANE = "validation/darley_latane"
URGENCY_ORDER = bm.URGENCY_ORDER
MU = bm.MU_PER_DAY
N_SE = 4.0
Z95 = 1.96
SEED0 = 1000
MODES = ("full", "quick")
CACHE_DIR = ".validate-cache"
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
SHARE_ABS_TOL = 0.08  # individual reporting share, absolute
RATIO_REL_TOL = 0.25  # latency ratios
FIT_T_TOL = 0.1
DILEMMA_COST_BENEFIT = 0.5
DILEMMA_SIZES = (2, 3, 5, 10)
ELEPHANT_SIZES = (1, 2, 5)


@dataclass(frozen=True)
class Check:
    """One named comparison of a simulated figure with its target.

    ``ci`` overrides the interval ``value ± 1.96 se`` (a paired t interval).
    ``direction`` ``"above"`` / ``"below"``: passes when the whole interval lies on that
    side of the target (a direction, not a closeness).
    """

    group: str
    name: str
    value: float
    se: float  # standard error; 0 when exact
    target: float
    rel_tol: float | None = None
    abs_tol: float | None = None
    direction: str | None = None
    se_rule: bool = True  # False against an observation: only the tolerance applies
    ci: tuple[float, float] | None = None
    note: str = ""

    @property
    def interval(self) -> tuple[float, float]:
        if self.ci is not None:
            return self.ci
        return self.value - Z95 * self.se, self.value + Z95 * self.se

    @property
    def passed(self) -> bool:
        lo, hi = self.interval
        if self.direction == "above":
            return math.isfinite(lo) and lo > self.target
        if self.direction == "below":
            return math.isfinite(hi) and hi < self.target
        diff = abs(self.value - self.target)
        if not math.isfinite(self.value) or diff > N_SE * self.se and self.se > 0 and self.se_rule:
            return False
        if self.rel_tol is not None and diff > self.rel_tol * abs(self.target):
            return False
        return self.abs_tol is None or diff <= self.abs_tol

    @property
    def tolerance(self) -> str:
        if self.direction:
            what = "interval" if self.se > 0 or self.ci else "value"
            return f"{what} {self.direction} {self.target:g}"
        parts = [f"within {N_SE:g} SE"] if self.se > 0 and self.se_rule else []
        if self.rel_tol is not None:
            parts.append(f"within {self.rel_tol:.0%}")
        if self.abs_tol is not None:
            parts.append(f"within ±{self.abs_tol:g}")
        return " and ".join(parts)

    def line(self) -> str:
        lo, hi = self.interval
        ci = f" [{lo:.4g}, {hi:.4g}]" if self.se > 0 or self.ci else ""
        note = f"; {self.note}" if self.note else ""
        return (f"{'PASS' if self.passed else 'FAIL'}  {self.name}: simulated {self.value:.4g}"
                f"{ci} against {self.target:.4g} ({self.tolerance}){note}")


# --- sections, jobs and the cache ----------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One unit of work: ``fn(arg)`` in a worker; its result is cached under ``key``.

    ``fn`` is a module-level function (workers import it by name); ``cost``, its
    expected seconds on one core, orders the work (largest first, so the workers
    finish together) and moves the progress bar.
    """

    key: str
    fn: Callable[[Any], Any]
    arg: Any
    cost: float = 1.0


def job(section: str, name: str, fn: Callable[[Any], Any], arg: Any, cost: float = 1.0) -> Job:
    """A job whose key names its section and carries a fingerprint of its argument, so
    a changed run size never reads a stale result."""
    digest = hashlib.sha256(repr((fn.__name__, arg)).encode()).hexdigest()[:12]
    return Job(f"{section}-{name}-{digest}", fn, arg, cost)


Adjust = Callable[[list[Check]], list[Check]]


@dataclass
class Rendered:
    """A section's output: checks, markdown (below its heading) and figures by file name."""

    checks: list[Check]
    lines: list[str]
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """One section of the report.

    ``jobs(mode)`` lists the work; ``render(mode, results, adjust)`` turns the results
    (by job key) into a :class:`Rendered`, passing its checks through ``adjust`` before
    it writes them (the tests' shifted targets); ``scenarios`` are the presets it runs,
    whose hashes the report records and a resumed run compares.
    """

    key: str
    title: str
    jobs: Callable[[str], list[Job]]
    render: Callable[[str, Mapping[str, Any], Adjust], Rendered]
    scenarios: tuple[str, ...] = ()


#: Rough speeds on one core, for the order of the work and the progress bar only.
REQUESTS_PER_SECOND = 25_000  # queue-only mode
TRIALS_PER_SECOND = 5_000_000  # elephant trials x people
CITY_RUN_SECONDS = 1.5  # a preset's year from a warm start


def _run_seconds(days: int | None) -> float:
    return 0.3 + CITY_RUN_SECONDS * (1.0 if days is None else days / 365.0)


def _call(j: Job) -> Any:
    return j.fn(j.arg)


class Cache:
    """Each finished job's result as a pickle in ``<out>/.validate-cache``, written
    atomically; ``manifest.pickle`` records what produced them (code version, mode,
    scenario hashes), so a resumed run never mixes in results of other code or inputs."""

    def __init__(self, out: Path, manifest: dict[str, Any], resume: bool):
        self.dir = out / CACHE_DIR
        self.manifest = manifest
        path = self.dir / "manifest.pickle"
        if resume and path.exists():
            found = pickle.loads(path.read_bytes())
            if found != manifest:
                raise InputError("validate", "--resume", str(self.dir), _mismatch(found, manifest))
            return
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self._write(path, manifest)

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.pickle"

    @staticmethod
    def _write(path: Path, value: Any) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(path, lambda p: Path(p).write_bytes(data))

    def get(self, key: str) -> Any:
        path = self._path(key)
        return pickle.loads(path.read_bytes()) if path.exists() else None

    def has(self, key: str) -> bool:
        return self._path(key).exists()

    def put(self, key: str, value: Any) -> None:
        self._write(self._path(key), value)


def _mismatch(found: dict[str, Any], wanted: dict[str, Any]) -> str:
    diff = [f"{k} {found.get(k)!r} (this run: {wanted[k]!r})" for k in wanted
            if found.get(k) != wanted[k]]
    return ("the cached results come from another " + "; ".join(diff)
            + "; run without --resume to start again")


def run_jobs(jobs: list[Job], cache: Cache, workers: int | None, progress: bool
             ) -> dict[str, Any]:
    """Every job's result by key: cached ones read back, the rest run and cached."""
    unique = {j.key: j for j in jobs}  # a key fingerprints the work: run it once
    results = {k: cache.get(k) for k in unique if cache.has(k)}
    todo = sorted((j for k, j in unique.items() if k not in results), key=lambda j: -j.cost)
    # the bar counts expected seconds of work, so long jobs weigh what they cost
    bar = run_bar(sum(j.cost for j in unique.values()), progress,
                  f"validation ({len(unique)} jobs)",
                  initial=sum(unique[k].cost for k in results),
                  bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")
    try:
        if todo:
            with make_executor(workers) as ex:
                for done in ex.map_unordered(_call, todo):
                    if done.error:
                        raise RuntimeError(f"validation job {done.task.key} failed:\n{done.error}")
                    cache.put(done.task.key, done.value)
                    results[done.task.key] = done.value
                    bar(done.task.cost)
    finally:
        bar(0, close=True)
    return results


# --- queues ------------------------------------------------------------------------


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


def _queue_runs(mode: str) -> list[tuple[QueueCase, Job]]:
    out = []
    for case in cases(mode):
        p = plan(case, mode)
        cost = p.n_batches * p.batch_days * case.lam / REQUESTS_PER_SECOND
        out += [(case, job("queues", f"{case.name}-{r}", bm.replicate,
                           (case.overrides(), SEED0 + r, p.warmup_days, p.batch_days,
                            p.n_batches), cost))
                for r in range(p.reps)]
    return out


def _queue_jobs(mode: str) -> list[Job]:
    return [j for _, j in _queue_runs(mode)]


def _merge(mode: str, results: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per case: batch means pooled over replications, and the per-run extras."""
    merged: dict[str, dict[str, Any]] = {}
    for case, j in _queue_runs(mode):
        out = results[j.key]
        m = merged.setdefault(case.name, {"runs": [], "per_run_wait": [], "case": case,
                                          "plan": plan(case, mode)})
        for key, values in out.items():
            if key == "run":
                m["runs"].append(values)
            else:
                m.setdefault(key, []).extend(values)
        m["per_run_wait"].append(out["wait"])
    return merged


def _estimate(batches: list[float]) -> tuple[float, float]:
    return bm.estimate(batches)[:2]


def queue_checks(merged: dict[str, dict[str, Any]], mode: str) -> list[Check]:
    """Erlang C over the grid, Cobham per class, Little's law, pooling."""
    tol, tol_p = REL_TOL[mode], REL_TOL_P[mode]
    checks: list[Check] = []
    for case in grid(mode):
        m = merged[case.name]
        checks.append(Check("erlang", f"Erlang C mean wait (days), {case.name}",
                            *_estimate(m["wait"]), theory.mmc_wait_mean(case.lam, MU, case.c),
                            rel_tol=tol))
        checks.append(Check("erlang", f"Erlang C P(wait > 0), {case.name}",
                            *_estimate(m["p_wait"]), theory.erlang_c(case.c, case.lam / MU),
                            rel_tol=tol_p))
    rates = [TRIAGE.lam * s for s in _urgency_shares(TRIAGE)]
    for u, w in zip(URGENCY_ORDER, theory.priority_waits(rates, MU, TRIAGE.c), strict=True):
        checks.append(Check("cobham", f"Cobham mean wait (days) of {u} urgency, {TRIAGE.name}",
                            *_estimate(merged[TRIAGE.name]["wait_" + u]), w, rel_tol=tol))
    worst = max(_little_gap(r) for m in merged.values() for r in m["runs"])
    checks.append(Check("little", "Little's law, waitlist_mean against arrival rate x mean "
                        "wait (largest relative gap over all runs)", worst, 0.0, 0.0,
                        abs_tol=LITTLE_REL_TOL[mode]))
    lam_team, c_team = SEPARATE.team
    w_sep = theory.mmc_wait_mean(lam_team, MU, c_team)
    w_pool = theory.mmc_wait_mean(POOLED.lam, MU, POOLED.c)
    m_sep, se_sep = _estimate(merged[SEPARATE.name]["wait"])
    m_pool, se_pool = _estimate(merged[POOLED.name]["wait"])
    ratio = m_sep / m_pool
    se_ratio = ratio * math.hypot(se_sep / m_sep, se_pool / m_pool)
    checks += [
        Check("pooling", f"separate teams mean wait (days), {SEPARATE.n_teams} x M/M/{c_team}",
              m_sep, se_sep, w_sep, rel_tol=tol),
        Check("pooling", f"pooled list mean wait (days), M/M/{POOLED.c}", m_pool, se_pool,
              w_pool, rel_tol=tol),
        Check("pooling", "pooling effect, separate / pooled mean wait", ratio, se_ratio,
              w_sep / w_pool, rel_tol=tol),
    ]
    return checks


def _little_gap(run: Mapping[str, Any]) -> float:
    """Relative gap between the waiting list and arrival rate x mean wait (0 if both 0)."""
    lhs, rhs = run["waitlist_mean"], run["arrival_rate"] * run["summary_wait"]
    return abs(lhs - rhs) / rhs if rhs > 0 else (0.0 if lhs == 0 else math.inf)


def _urgency_shares(case: QueueCase) -> list[float]:
    shares = load_scenario(MMC, case.overrides()).needs.urgency_shares
    return [getattr(shares, u) for u in URGENCY_ORDER]


def _render_queues(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    from .stats import fmt
    merged = _merge(mode, results)
    checks = adjust(queue_checks(merged, mode))
    lag1 = [bm.lag1_correlation(m["per_run_wait"]) for m in merged.values()]
    lag1 = [x for x in lag1 if math.isfinite(x)]
    n_req = [sum(r["n"] for r in m["runs"]) for m in merged.values()]
    unstarted = sum(r["n_unstarted"] for m in merged.values() for r in m["runs"])
    loads, sizes = sorted({c.rho for c in grid(mode)}), sorted({c.c for c in grid(mode)})
    rows = ["| case | rho | c | seeds | batches | batch (days) | warm-up (days) | requests "
            "| lag-1 corr. |", "|---|---|---|---|---|---|---|---|---|"]
    for name, m in merged.items():
        p, case = m["plan"], m["case"]
        rows.append(f"| {name} | {case.rho:g} | {case.c} | {p.reps} | {p.reps * p.n_batches} "
                    f"| {p.batch_days:.4g} | {p.warmup_days} | {sum(r['n'] for r in m['runs']):,} "
                    f"| {fmt(bm.lag1_correlation(m['per_run_wait']))} |")
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
        f"(`sim.lab.validate.plan`), with more seeds where one would exceed "
        f"{MAX_REQUESTS_PER_RUN:,} requests. A check passes within {N_SE:g} standard errors "
        "and within its relative tolerance.", "",
        "<details><summary>Run sizes per case</summary>", "", *rows, "", "</details>", "",
        "### Erlang C", "",
        "**Checked:** the simulated mean queue wait and P(wait > 0) on a grid of "
        f"{len(grid(mode))} cases over rho {', '.join(f'{r:g}' for r in loads)} and c "
        f"{', '.join(map(str, sizes))} (larger teams at higher loads, where Erlang C is at "
        "least 0.03), **against** Erlang C (`sim.theory`); "
        f"**result:** {_verdict(checks, ('erlang',))}.", "", *_table(checks, "erlang"), "",
        "### Urgency triage against Cobham", "",
        "**Checked:** the mean wait of each urgency class under non-preemptive urgency triage "
        f"at rho {TRIAGE.rho:g}, c = {TRIAGE.c}, **against** Cobham's (1954) priority formula; "
        f"**result:** {_verdict(checks, ('cobham',))}.", "", *_table(checks, "cobham"), "",
        "### Little's law", "",
        "**Checked:** in every run of every case, the time-averaged waiting list "
        "(`waitlist_mean`) **against** arrival rate x mean wait (Little's law); "
        f"**result:** {_verdict(checks, ('little',))}.", "", *_table(checks, "little"), "",
        "### Pooling", "",
        f"**Checked:** {SEPARATE.n_teams} teams of {SEPARATE.c // SEPARATE.n_teams} with their "
        "own areas and lists (`wijkteam.n_teams = 2`, `wijkteam.pooled = false`) and the same "
        "teams sharing one list (`pooled = true`), **against** 2 x M/M/5 and M/M/10 and the "
        f"ratio of their waits; **result:** {_verdict(checks, ('pooling',))}.", "",
        *_table(checks, "pooling"), "",
        "![Queue checks](validation_queues.png)", ""]
    return Rendered(checks, lines, {"validation_queues.png": queue_figure(checks)})


# --- bystanders ----------------------------------------------------------------------

#: Elephant trials per group size.
TRIALS = {"full": 400_000, "quick": 20_000}


def _darley_job(trials: int) -> dict[str, Any]:
    from ..elephant import elephant_table

    rule = load_scenario(DARLEY_LATANE).bystander
    return elephant_table(rule, list(ELEPHANT_SIZES), trials, SEED0, horizon_days=30)


def _dilemma_job(trials: int) -> dict[int, tuple[float, float, float]]:
    """Each person acts with the equilibrium chance 1 - q(n), independently (elephant)."""
    from ..elephant import elephant_table

    rule = load_scenario(DARLEY_LATANE).bystander
    out = {}
    for n in DILEMMA_SIZES:
        q, none = theory.volunteers_dilemma(DILEMMA_COST_BENEFIT, n)
        row = elephant_table(rule, [n], trials, SEED0, p1=1.0 - q)["independent"][0]
        p_none = 1.0 - row["p_any"]
        out[n] = (p_none, math.sqrt(p_none * (1 - p_none) / trials), none)
    return out


def _bystander_jobs(mode: str) -> list[Job]:
    trials = TRIALS[mode]
    return [job("bystanders", "darley", _darley_job, trials,
                2 * trials * sum(ELEPHANT_SIZES) / TRIALS_PER_SECOND),
            job("bystanders", "dilemma", _dilemma_job, trials,
                2 * trials * sum(DILEMMA_SIZES) / TRIALS_PER_SECOND)]


def bystander_checks(mode: str, results: Mapping[str, Any]) -> tuple[list[Check], dict[str, Any]]:
    """Darley & Latané shares, fit and latency ratios; the volunteer's dilemma."""
    trials = TRIALS[mode]
    darley, dilemma_job = _bystander_jobs(mode)
    rule = load_scenario(DARLEY_LATANE).bystander
    rows = {r["bystanders"]: r for r in results[darley.key]["diffusion"]}
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
    dilemma = results[dilemma_job.key]
    for n, (sim_none, se, target) in dilemma.items():
        checks.append(Check("dilemma", f"volunteer's dilemma P(nobody acts), n = {n}",
                            sim_none, se, target, abs_tol=0.01))
    rising = [v[0] for v in dilemma.values()]
    steps = min(b - a for a, b in zip(rising, rising[1:], strict=False))
    checks.append(Check("dilemma", "volunteer's dilemma: smallest rise of P(nobody acts) "
                        "from one group size to the next", steps, 0.0, 0.0, direction="above"))
    facts = {"p1_fit": p1_fit, "t_fit": t_fit, "rows": rows, "latency_days": lat,
             "need_delay": {n: rows[n]["delay_days_mean"] for n in sizes},
             "p_none_rule": {n: 1 - rows[n]["p_any"] for n in sizes}, "dilemma": dilemma,
             "rule": rule, "trials": trials}
    return checks, facts


def _others(k: int) -> str:
    return f"{k} other{'' if k == 1 else 's'}"


def _rmse(facts: dict[str, Any]) -> float:
    """Root mean square gap between the model's and the observed reporting shares."""
    gaps = [facts["rows"][o.group_size]["p_individual"] - o.reported_before_end_of_fit
            for o in theory.DARLEY_LATANE_1968]
    return math.sqrt(sum(g * g for g in gaps) / len(gaps))


def _render_bystanders(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    checks, facts = bystander_checks(mode, results)
    checks = adjust(checks)
    rule, sizes = facts["rule"], [o.group_size for o in theory.DARLEY_LATANE_1968]
    lat, base = facts["latency_days"], theory.DARLEY_LATANE_1968[0].mean_latency_s
    implied = [math.log(o.mean_latency_s / base) / math.log(o.group_size)
               for o in theory.DARLEY_LATANE_1968[1:]]
    delay = ", ".join(f"{facts['need_delay'][n]:.2f}" for n in sizes)
    none_rule = ", ".join(f"{facts['p_none_rule'][n]:.3f}" for n in sizes)
    lines = [
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
        "![Bystander checks](validation_bystanders.png)", ""]
    return Rendered(checks, lines, {"validation_bystanders.png": bystander_figure(facts)})


# --- Dutch figures -------------------------------------------------------------------

CITY_SEEDS = {"full": 10, "quick": 2}
#: Days of a city run: the preset's horizon (a year from a warm start) in full mode.
CITY_DAYS = {"full": None, "quick": 120}
NORM_4_WEEKS_DAYS = 28.0
MONTH_DAYS = 365.25 / 12


def _share_within(durations: Any, observed: Any, days: float) -> float:
    """Kaplan-Meier share whose event came within ``days`` (the rest censored)."""
    from ..survival import kaplan_meier

    if not len(durations):
        return math.nan
    times, survival = kaplan_meier(durations, observed)
    before = survival[times <= days]
    return float(1.0 - before[-1]) if before.size else 0.0


def _city_job(arg: tuple[str, int, int | None]) -> dict[str, float]:
    """One run of a city preset and the measures the Dutch figures are set against."""
    import numpy as np

    from ..api import run
    from ..kpis import flatten
    from ..population import build_residents

    preset, seed, days = arg
    scenario = load_scenario(preset)
    result = run(scenario, seed, days)
    days = result.days
    s, req = flatten(result.summary), result.requests
    n = scenario.population.n_residents
    started = (req["outcome"] == "wijkteam") & (req["day_answered"] >= 0)
    q = req[req["day_queued"] >= 0]
    on_list = q["day_left_queue"].fillna(float(days)) - q["day_queued"]
    high = (q["urgency_intake"] == "high").to_numpy()
    carers = req.loc[(req["outcome"] == "informal") & (req["kind"] == "ongoing")
                     & (req["day_answered"] >= 0), "answered_by"].nunique()
    residents = build_residents(scenario.population, seed)
    unvoiced = 1.0 - scenario.seeking.p_voice * (1.0 - np.asarray(residents.reluctance_ask))
    return {
        "wait_list_days": s["queue_wait_days_mean_all"],
        "no_plan_6_weeks": 1.0 - s["plan_within_6_weeks_share"],
        # Little's law on the caseload: busy slots / cases started a day
        "case_months": (s["utilization"] * scenario.wijkteam.n_professionals
                        * scenario.wijkteam.caseload_max / (started.sum() / days) / MONTH_DAYS
                        if started.any() else math.nan),
        "start_4_weeks": _share_within(on_list, q["queue_wait_days"].notna(), NORM_4_WEEKS_DAYS),
        "start_4_weeks_high": _share_within(on_list[high], q["queue_wait_days"].notna()[high],
                                            NORM_4_WEEKS_DAYS),
        "volunteers": float(s["volunteers_active_end"]),
        "volunteer_share": s["volunteers_active_end"] / n,
        "carer_share": carers / n,
        "unvoiced": float(unvoiced.mean()),
        "unvoiced_65": float(unvoiced[residents.age > 0].mean()),
    }


@dataclass(frozen=True)
class DutchFigure:
    """A reported figure and the model's measure beside it.

    ``rule`` is ``("at_least", x)`` or ``("near", x, tolerance)`` (absolute; relative when
    ``relative``); ``why`` says, from the preset's values, why the model misses it.
    """

    preset: str
    measure: str
    what: str
    figure: str
    source: str
    rule: tuple[Any, ...]
    why: Callable[[Any, Mapping[str, float]], str]
    relative: bool = False

    def agrees(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.rule[0] == "at_least":
            return value >= self.rule[1]
        tol = self.rule[2] * abs(self.rule[1]) if self.relative else self.rule[2]
        return abs(value - self.rule[1]) <= tol

    @property
    def rule_text(self) -> str:
        from .stats import fmt

        if self.rule[0] == "at_least":
            return f"at least {fmt(self.rule[1])}"
        tol = f"{self.rule[2]:.0%}" if self.relative else f"{self.rule[2]:g}"
        return f"{fmt(self.rule[1])} ±{tol}"


REKENKAMER = "Rekenkamer Rotterdam 2018, *Het komt niet in de buurt* (DOMAIN.md)"
SCHIEDAM_SOURCE = "Schiedam's WOTs, seed report (DOMAIN.md)"


def _team(sc: Any) -> str:
    w = sc.wijkteam
    return (f"{w.n_professionals} professionals x {w.caseload_max} cases of "
            f"{w.case_duration_days_mean:g} days on average")


def _volunteer_why(sc: Any, v: Mapping[str, float]) -> str:
    if not sc.volunteers.initiative:
        return "the preset has no volunteer initiative (`volunteers.initiative = false`)"
    vol = sc.volunteers
    return (f"the model holds one initiative's active core, about {v['volunteers']:.0f} of "
            f"{sc.population.n_residents:,} residents (`volunteers.n_initial = {vol.n_initial}`, "
            f"`pool_capacity = {vol.pool_capacity}`), not everyone who volunteers at least once "
            "a year; neighbours who help each other are the informal route, not volunteers")


def _carer_why(sc: Any, v: Mapping[str, float]) -> str:
    return ("the model counts residents who answered someone's ongoing need within the run "
            f"(each helps with {sc.informal.capacity_tasks} need(s) at a time, ongoing help "
            f"lasts {sc.informal.help_days.ongoing:g} days on average); SCP's 33% counts "
            "anyone who cared for an ill or frail relative or friend in a year, care the "
            "model does not start unless a need arises and is voiced")


def _reluctance_why(sc: Any, v: Mapping[str, float]) -> str:
    p = sc.population
    return (f"a need stays unvoiced with chance 1 - p_voice x (1 - reluctance), with "
            f"`seeking.p_voice = {sc.seeking.p_voice:g}`, `reluctance_ask_mean = "
            f"{p.reluctance_ask_mean:g}` and `reluctance_ask_older_extra = "
            f"{p.reluctance_ask_older_extra:g}`, assumptions; the Rode Kruis asked about "
            "asking a stranger for groceries, the model's residents voice a need to anyone")


def _dutch_figures() -> tuple[DutchFigure, ...]:
    rows: list[DutchFigure] = [
        DutchFigure(
            "rotterdam", "wait_list_days", "days on the wijkteam's waiting list, mean over "
            "everyone who joined it (`queue_wait_days_mean_all`)",
            "waits of over 1.5 months on average (youth and families)", REKENKAMER,
            ("at_least", 1.5 * MONTH_DAYS),
            lambda sc, v: f"the wait follows from the preset's team ({_team(sc)}) against the "
            "demand the front desk lets through, values its [sources] mark as assumptions; "
            "the Rekenkamer's wait is for youth and families over the whole city"),
        DutchFigure(
            "rotterdam", "no_plan_6_weeks", "share without a support plan 6 weeks after "
            "arriving at the wijkteam (1 - `plan_within_6_weeks_share`)",
            "90% without a support plan after 6 weeks", REKENKAMER, ("near", 0.9, 0.1),
            lambda sc, v: f"the plan follows the wait after `wijkteam.plan_days_mean = "
            f"{sc.wijkteam.plan_days_mean:g}` days (an assumption), and the wait on the list "
            f"is {v['wait_list_days']:.0f} days on average"),
        DutchFigure(
            "rotterdam", "case_months", "months a case holds its slot, plan included "
            "(Little's law: busy slots / cases started a day)",
            "support lasting about 20 months on average", REKENKAMER, ("near", 20.0, 0.25),
            lambda sc, v: f"the preset's mean case is `wijkteam.case_duration_days_mean = "
            f"{sc.wijkteam.case_duration_days_mean:g}` days (an assumption: the short end of "
            "the 6-12 month guideline) times the factor of each kind of need",
            relative=True),
        DutchFigure(
            "schiedam", "start_4_weeks", "share of those on the WOT's list whose help "
            "started within 4 weeks (Kaplan-Meier)",
            "further help can take up to 4 weeks", SCHIEDAM_SOURCE, ("at_least", 0.9),
            lambda sc, v: f"walk-in demand exceeds what the team ({_team(sc)}, assumptions) "
            f"takes on: the mean time on the list is {v['wait_list_days']:.0f} days"),
        DutchFigure(
            "schiedam", "start_4_weeks_high", "the same, of high urgency at intake "
            f"(triage `{load_scenario('schiedam').access.triage}`)",
            "an urgency check: urgent needs within 4 weeks", SCHIEDAM_SOURCE,
            ("at_least", 0.9),
            lambda sc, v: "urgency triage puts urgent needs first, but a case only starts "
            f"when a slot frees ({_team(sc)}), so even the urgent wait for the next free slot"),
        DutchFigure(
            "schiedam", "volunteers", "active volunteers at the end of the year",
            "about 60 volunteers at De Buurtvrouw", "seed report Kader 6 (DOMAIN.md)",
            ("near", 60.0, 0.25),
            lambda sc, v: f"the pool settles where recruitment (`p_recruit_visit = "
            f"{sc.volunteers.p_recruit_visit:g}`) balances those who leave "
            f"(`leave_per_year = {sc.volunteers.leave_per_year:g}`) or drop out",
            relative=True),
    ]
    for preset in ("rotterdam", "schiedam"):
        rows += [
            DutchFigure(
                preset, "volunteer_share", "active volunteers per resident",
                "6.8% volunteer in care, 7.1% in the neighbourhood, at least once a year",
                "CBS 2022 (DOMAIN.md)", ("near", 0.068, 0.02), _volunteer_why),
            DutchFigure(
                preset, "carer_share", "share of residents who answered an ongoing need of "
                "someone else informally within the run",
                "33% of adults gave mantelzorg in 2014", "SCP 2015 (DOMAIN.md)",
                ("near", 0.33, 0.1), _carer_why),
            DutchFigure(
                preset, "unvoiced", "chance a resident does not voice a need, mean over "
                "residents", "about 40% would not, or only after long hesitation, ask a "
                "stranger for groceries", "Rode Kruis 2020 (DOMAIN.md)", ("near", 0.4, 0.1),
                _reluctance_why),
            DutchFigure(
                preset, "unvoiced_65", "the same, residents aged 65 or over",
                "almost half of those over 70 would not ask at all",
                "Rode Kruis 2020 (DOMAIN.md)", ("near", 0.47, 0.1), _reluctance_why),
        ]
    return tuple(rows)


#: Figures the model has no measure for, and why.
NOT_MEASURED = (
    "I&O/NOS 2018, 60% of those who don't help say \"nobody asks me\": the model gives an "
    "aware person no reasons; whether they act is a chance (the bystander rule).",
    "GfK 2015, willingness to help a neighbour by task: these are inputs "
    "(`bystander.willingness.*`), so the model cannot reproduce them.",
    "Schiedam, a phone request called back within 5 working days: the model has no "
    "phone channel; walk-in arrives at the team at once.",
)
CITIES = ("rotterdam", "schiedam")


def _dutch_jobs(mode: str) -> list[Job]:
    days = CITY_DAYS[mode]
    return [job("dutch", f"{preset}-{seed}", _city_job, (preset, seed, days),
                _run_seconds(days))
            for preset in CITIES for seed in range(SEED0, SEED0 + CITY_SEEDS[mode])]


def _city_values(mode: str, results: Mapping[str, Any]) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {p: {} for p in CITIES}
    for j in _dutch_jobs(mode):
        for key, value in results[j.key].items():
            out[j.arg[0]].setdefault(key, []).append(value)
    return out


def _calibration_note(preset: str) -> str:
    sources = load_scenario(preset).sources
    keys = [k for k, v in sources.items() if "calibrat" in str(v).lower()]
    if not keys:
        return (f"`{preset}`'s [sources] mention no calibration: every row is out of sample.")
    return (f"`{preset}`'s [sources] say these values were calibrated: "
            + ", ".join(f"`{k}`" for k in keys)
            + "; a row they were fitted to shows the fit, not independent agreement.")


def _render_dutch(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    from .stats import fmt, fmt_interval, t_interval
    values = _city_values(mode, results)
    scenarios = {p: load_scenario(p) for p in CITIES}
    rows = ["| preset | model measure | model (95% interval over seeds) | figure | source "
            "| agrees (rule) |", "|---|---|---|---|---|---|"]
    missed, plotted = [], []
    for f in _dutch_figures():
        xs = values[f.preset][f.measure]
        mean, lo, hi = t_interval(xs)
        ok = f.agrees(mean)
        rows.append(f"| `{f.preset}` | {f.what} | {fmt(mean)} {fmt_interval(lo, hi)} "
                    f"| {f.figure} | {f.source} | {'yes' if ok else '**no**'} "
                    f"({f.rule_text}) |")
        plotted.append((f, mean, lo, hi, ok))
        if not ok:
            means = {k: float(sum(v) / len(v)) for k, v in values[f.preset].items()}
            missed.append(f"- `{f.preset}`, {f.figure} ({f.source}): the model gives "
                          f"{fmt(mean)}. Why: {f.why(scenarios[f.preset], means)}.")
    n_ok = sum(p[4] for p in plotted)
    days = CITY_DAYS[mode]
    horizon = "its own horizon from a warm start" if days is None else f"{days} days"
    lines = [
        f"**Checked:** the presets {', '.join(f'`{p}`' for p in CITIES)} as they are when "
        f"this report is made, each over {CITY_SEEDS[mode]} seeds for {horizon}, **against** "
        "the Rekenkamer Rotterdam, Schiedam's WOTs and the shares in DOMAIN.md; "
        f"**result:** {n_ok} of {len(plotted)} figures agree.", "",
        "These rows are reported, not checks: they never fail `make validate`. The figures "
        "describe a whole city (Rotterdam's wait is for youth and families) or the whole "
        "country, while a preset is one neighbourhood whose team and demand are "
        "assumptions; and where a preset is calibrated to a figure, agreement with that "
        "figure shows the fit (`samenspel calibrate` reports it), not independent evidence. "
        "A failing build would then say more about the calibration of the day than about "
        "the model. " + " ".join(_calibration_note(p) for p in CITIES), "",
        "The interval covers simulation noise over seeds, given the preset's assumptions.", "",
        *rows, "",
        "### What the model does not reproduce, and why", "",
        *(missed or ["- Every figure with a model measure agrees."]),
        *(f"- {text}" for text in NOT_MEASURED), "",
        "![Dutch figures](validation_dutch.png)", ""]
    return Rendered(adjust([]), lines, {"validation_dutch.png": dutch_figure(plotted)})


# --- patterns the seed describes -----------------------------------------------------

PATTERN_SEEDS = {"full": 20, "quick": 3}
PATTERN_DAYS = {"full": None, "quick": 90}
#: Elephant trials per seed and arm.
PATTERN_TRIALS = {"full": 20_000, "quick": 2_000}
BYSTANDER_PRESET = "schiedam"  # whose bystander rule the elephant patterns use
LOST_BEFORE_TEAM = "lost_before_team_per_1000_year"


@dataclass(frozen=True)
class Arm:
    """One side of a paired comparison: a preset and overrides (a model run) or an
    elephant setting (``elephant``: group size and whether one is asked directly)."""

    preset: str
    overrides: tuple[tuple[str, Any], ...] = ()
    elephant: tuple[int, bool] | None = None


@dataclass(frozen=True)
class Pattern:
    """A pattern of the seed report as a paired comparison: ``lever`` against ``base``
    on the same seeds; ``measure`` is expected ``higher`` or ``lower`` under the lever."""

    key: str
    claim: str
    lever_text: str
    measure: str
    measure_text: str
    expect: str
    base: Arm
    lever: Arm


def _patterns() -> tuple[Pattern, ...]:
    schiedam = load_scenario("schiedam")
    level = schiedam.access.integration
    unclear = f"integration.unclear_roles_factor.{level}"
    outreach = schiedam.wijkteam.share_outreach or 0.1
    return (
        Pattern("aware", "more people aware means a lower individual response",
                "5 people aware instead of 1 (elephant, the `schiedam` bystander rule)",
                "p_individual", "chance a person acts on the first day", "lower",
                Arm(BYSTANDER_PRESET, elephant=(1, False)),
                Arm(BYSTANDER_PRESET, elephant=(5, False))),
        Pattern("direct", "a direct request beats a broadcast",
                "of 5 people aware, one is asked directly (elephant)",
                "p_any", "chance anyone acts on the first day", "higher",
                Arm(BYSTANDER_PRESET, elephant=(5, False)),
                Arm(BYSTANDER_PRESET, elephant=(5, True))),
        Pattern("roles", "volunteers leave when roles become unclear (a wijkteam arriving)",
                f"`schiedam` with unclear roles (`{unclear}` = 1) against agreed roles (0)",
                "volunteers_dropped", "volunteers who quit in the year", "higher",
                Arm("schiedam", ((unclear, 0.0),)), Arm("schiedam", ((unclear, 1.0),))),
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
                Arm("schiedam_walk_in"), Arm("rotterdam_vraagwijzer")),
        Pattern("triage", "walk-in without triage lets urgent needs wait behind others",
                "`schiedam_walk_in` (first come first served) against "
                "`schiedam_walk_in_triage`", "queue_wait_days_mean_all_by_urgency.high",
                "days on the waiting list, high urgency, over everyone who joined it (those "
                "who gave up or still wait included)", "higher",
                Arm("schiedam_walk_in_triage"), Arm("schiedam_walk_in")),
    )


def _arm_job(arg: tuple[Arm, int, int | None, int]) -> dict[str, float]:
    """One arm on one seed: every flat KPI of a model run, or the elephant's row."""
    arm, seed, days, trials = arg
    scenario = load_scenario(arm.preset, dict(arm.overrides))
    if arm.elephant is not None:
        from ..elephant import elephant_table

        n, direct = arm.elephant
        return elephant_table(scenario.bystander, [n], trials, seed,
                              direct_request=direct)["diffusion"][0]
    from ..api import run
    from ..kpis import flatten, per_1000_year

    result = run(scenario, seed, days)
    req = result.requests
    lost = (req["state"].isin(GAVE_UP) & req["day_intake"].isna()
            & req["route"].str.contains("asks formal help", regex=False)).sum()
    out = flatten(result.summary)
    out[LOST_BEFORE_TEAM] = per_1000_year(int(lost), scenario.population.n_residents,
                                          result.days)
    return out


def _pattern_runs(mode: str) -> list[tuple[Pattern, str, int, Job]]:
    out = []
    for p in _patterns():
        for side, arm in (("base", p.base), ("lever", p.lever)):
            for seed in range(SEED0, SEED0 + PATTERN_SEEDS[mode]):
                cost = (PATTERN_TRIALS[mode] * arm.elephant[0] / TRIALS_PER_SECOND
                        if arm.elephant else _run_seconds(PATTERN_DAYS[mode]))
                out.append((p, side, seed, job(  # an arm shared by two patterns runs once
                    "patterns", f"{arm.preset}-{seed}", _arm_job,
                    (arm, seed, PATTERN_DAYS[mode], PATTERN_TRIALS[mode]), cost)))
    return out


def _pattern_jobs(mode: str) -> list[Job]:
    return [j for *_, j in _pattern_runs(mode)]


def _render_patterns(mode: str, results: Mapping[str, Any], adjust: Adjust) -> Rendered:
    import pandas as pd

    from .stats import fmt, fmt_interval, paired_interval

    values: dict[tuple[str, str], dict[int, float]] = {}
    for p, side, seed, j in _pattern_runs(mode):
        values.setdefault((p.key, side), {})[seed] = float(results[j.key][p.measure])
    checks, rows, per_seed = [], [], {}
    rows = ["| pattern | lever | measure | base | lever | difference (95% interval) "
            "| seeds in the expected direction | result |", "|---|---|---|---|---|---|---|---|"]
    for p in _patterns():
        base, lever = (pd.Series(values[(p.key, s)]) for s in ("base", "lever"))
        n, mean, lo, hi = paired_interval(base, lever)
        d = (lever - base).dropna()
        right = int((d < 0).sum() if p.expect == "lower" else (d > 0).sum())
        [c] = adjust([Check("patterns", f"{p.claim}: {p.measure}, lever minus base", mean,
                            0.0, 0.0, direction="below" if p.expect == "lower" else "above",
                            ci=(lo, hi), note=f"{right} of {n} seeds {p.expect}")])
        checks.append(c)
        per_seed[f"{p.claim}: {p.measure_text}"] = d.tolist()
        rows.append(f"| {c.name} | {p.lever_text} | {p.measure_text} | {fmt(base.mean())} "
                    f"| {fmt(lever.mean())} | {fmt(mean)} {fmt_interval(lo, hi)} "
                    f"| {right} of {n} | {'PASS' if c.passed else '**FAIL**'} |")
    days = PATTERN_DAYS[mode]
    lines = [
        "**Checked:** six patterns of the seed report, each as the lever against a base on "
        f"the same {PATTERN_SEEDS[mode]} seeds (common random numbers: the scenarios differ "
        "only in the lever), model runs for "
        + ("the preset's horizon" if days is None else f"{days} days")
        + f" and the elephant with {PATTERN_TRIALS[mode]:,} trials a seed, **against** the "
        "direction the seed report describes; a pattern passes when the paired 95% interval "
        "of the difference lies wholly on the expected side of zero; "
        f"**result:** {_verdict(checks, ('patterns',))}.", "",
        *rows, "",
        "The interval covers simulation noise over seeds, given the model's assumptions.", "",
        "![Patterns](validation_patterns.png)", ""]
    return Rendered(checks, lines, {"validation_patterns.png": patterns_figure(per_seed)})


# --- figures -------------------------------------------------------------------------


def _dot_figure(title: str, xaxis: str, labels: list[str], x: list[float], lo: list[float],
                hi: list[float], ok: list[bool], ref: float):
    """Dots with intervals, one row each, green where they agree; a dashed reference."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(
        x=x, y=labels, mode="markers",
        marker={"color": ["#2ca02c" if g else "#d62728" for g in ok], "size": 9},
        error_x={"type": "data", "symmetric": False,
                 "array": [h - v if math.isfinite(h) else 0 for v, h in zip(x, hi, strict=True)],
                 "arrayminus": [v - lw if math.isfinite(lw) else 0
                                for v, lw in zip(x, lo, strict=True)]}))
    fig.add_vline(x=ref, line_dash="dash", line_color="#7f7f7f")
    fig.update_layout(title=title, xaxis_title=xaxis, height=120 + 28 * len(labels), width=1100,
                      margin={"l": 480}, showlegend=False, yaxis={"autorange": "reversed"})
    return fig


def queue_figure(checks: list[Check]):
    """Every queue check as simulated / formula with its 95% interval; 1 is agreement."""
    rows = [c for c in checks if c.group in ("erlang", "cobham", "pooling")]
    return _dot_figure("Queue-only mode: simulated / formula, with 95% intervals",
                       "simulated / formula (1 = agreement)", [c.name for c in rows],
                       [c.value / c.target for c in rows],
                       [c.interval[0] / c.target for c in rows],
                       [c.interval[1] / c.target for c in rows], [c.passed for c in rows], 1.0)


def dutch_figure(plotted: list[tuple[DutchFigure, float, float, float, bool]]):
    """Each city measure relative to its reported figure, with its interval over seeds."""
    def rel(f: DutchFigure, x: float) -> float:
        return x / f.rule[1]
    return _dot_figure("Dutch figures: model / reported figure (1 = the figure; at-least "
                       "rules agree at 1 or more)", "model / reported figure",
                       [f"{f.preset}: {f.figure}"[:70] for f, *_ in plotted],
                       [rel(f, m) for f, m, *_ in plotted],
                       [rel(f, lo) for f, _, lo, *_ in plotted],
                       [rel(f, hi) for f, _, _, hi, _ in plotted], [p[4] for p in plotted], 1.0)


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

#: The report's sections, in order. A new section is one more entry here.
SECTIONS: list[Section] = [
    Section("queues", "Queues in queue-only mode", _queue_jobs, _render_queues, (MMC,)),
    Section("bystanders", "Bystanders", _bystander_jobs, _render_bystanders, (DARLEY_LATANE,)),
    Section("dutch", "Dutch figures", _dutch_jobs, _render_dutch, CITIES),
    Section("patterns", "Patterns the seed describes", _pattern_jobs, _render_patterns,
            ("schiedam", "schiedam_walk_in", "schiedam_walk_in_triage", "rotterdam_vraagwijzer")),
]
#: Check groups and their headings.
GROUPS = {
    "erlang": "Erlang C",
    "cobham": "Urgency triage against Cobham",
    "little": "Little's law",
    "pooling": "Pooling",
    "darley": "Darley & Latané (1968): reporting",
    "latency": "Darley & Latané (1968): latency",
    "dilemma": "Volunteer's dilemma",
    "patterns": "Patterns the seed describes",
}


def _table(checks: list[Check], group: str) -> list[str]:
    out = ["| check | result | simulated | 95% interval | target | pass rule |",
           "|---|---|---|---|---|---|"]
    for c in checks:
        if c.group != group:
            continue
        lo, hi = c.interval
        ci = f"{lo:.4g} to {hi:.4g}" if c.se > 0 or c.ci else "exact"
        out.append(f"| {c.name} | {'PASS' if c.passed else '**FAIL**'} | {c.value:.4g} | {ci} "
                   f"| {c.target:.4g} | {c.tolerance} |")
    return out


def _verdict(checks: list[Check], groups: tuple[str, ...]) -> str:
    mine = [c for c in checks if c.group in groups]
    bad = [c.name for c in mine if not c.passed]
    if len(mine) == 1:
        return "the check passes" if not bad else "the check fails"
    return (f"all {len(mine)} checks pass" if not bad
            else f"{len(bad)} of {len(mine)} checks fail: {'; '.join(bad)}")


def _hashes(sections: list[Section]) -> dict[str, str]:
    from ..results import scenario_hash

    names = dict.fromkeys(n for s in sections for n in s.scenarios)
    return {name: scenario_hash(load_scenario(name)) for name in names}


def write_report(out: Path, rendered: list[tuple[Section, Rendered]], mode: str, version: str,
                 hashes: Mapping[str, str], tail: str = "") -> Path:
    """``validation.md`` and its figures in ``out``, each file written atomically.

    Nothing in it depends on how the run went (wall time, resumed or not), so a resumed
    run writes the same report. ``tail`` is Markdown put after the numbered sections:
    the robustness study, which runs and resumes its own sweep.
    """
    import plotly.io as pio

    checks = [c for _, r in rendered for c in r.checks]
    figures = {name: fig for _, r in rendered for name, fig in r.figures.items()}
    tmp = {name: out / f".{name}.tmp" for name in figures}
    try:
        pio.write_images(list(figures.values()), list(tmp.values()), format="png",
                         width=[f.layout.width for f in figures.values()],
                         height=[f.layout.height for f in figures.values()])
        for name, path in tmp.items():
            os.replace(path, out / name)
    finally:
        for path in tmp.values():
            path.unlink(missing_ok=True)
    n_fail = sum(not c.passed for c in checks)
    lines = [
        "# Validation", "",
        "Generated by `make validate` (`samenspel validate`); do not edit by hand.", "",
        f"Code version `{version}`, mode `{mode}`, seeds from {SEED0}, scenarios "
        + ", ".join(f"`{k}` (hash `{v}`)" for k, v in hashes.items())
        + f"; {len(checks)} checks, {n_fail} failed.", ""]
    for i, (section, r) in enumerate(rendered, 1):
        lines += [f"## {i}. {section.title}", "", *r.lines]
    path = out / "validation.md"
    text = "\n".join(lines) + ("\n" + tail if tail else "")
    atomic_write(path, lambda p: Path(p).write_text(text, encoding="utf-8"))
    return path


def validate(out: Path, mode: str = "full", workers: int | None = None, progress: bool = True,
             shift: Mapping[str, float] | None = None, resume: bool = False,
             sections: list[Section] | None = None) -> list[Check]:
    """Run every section's jobs, write the report, print a line per check; the checks.

    ``resume`` reads the results an earlier, interrupted run of the same code, mode and
    scenarios left in ``out/.validate-cache``. ``shift`` multiplies the target of the
    named checks, to show a check fails when its target is off (tests).
    """
    start = time.perf_counter()
    sections = SECTIONS if sections is None else sections
    version = code_version()
    hashes = _hashes(sections)
    out.mkdir(parents=True, exist_ok=True)
    cache = Cache(out, {"code_version": version, "mode": mode, "scenarios": hashes}, resume)
    jobs = {s.key: s.jobs(mode) for s in sections}
    results = run_jobs([j for js in jobs.values() for j in js], cache, workers, progress)
    shift = dict(shift or {})

    def adjust(checks: list[Check]) -> list[Check]:
        return [replace(c, target=c.target * shift.pop(c.name)) if c.name in shift else c
                for c in checks]

    rendered = [(s, s.render(mode, results, adjust)) for s in sections]
    if shift:
        raise ValueError(f"shift names no check: {sorted(shift)}")
    from .robustness import validation_section  # its own runs and resume; no pass/fail

    robust = validation_section(out, mode, workers, progress)
    write_report(out, rendered, mode, version, hashes, tail=robust)
    checks = [c for _, r in rendered for c in r.checks]
    for c in checks:
        print(c.line())
    print(f"validation took {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return checks


def cmd_validate(args: argparse.Namespace) -> int:
    """``samenspel validate``: 0 if every check passes, 1 otherwise."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError("validate", "--out", args.out, "must be a directory")
    if args.workers is not None and args.workers < 1:
        raise InputError("validate", "--workers", args.workers, "must be at least 1")
    try:
        checks = validate(out, "quick" if args.quick else "full", args.workers,
                          resume=args.resume)
    except KeyboardInterrupt:
        print(f"interrupted: finished jobs are kept in {out / CACHE_DIR}; "
              "run again with --resume to continue", file=sys.stderr)
        raise
    n_fail = sum(not c.passed for c in checks)
    print(f"{len(checks) - n_fail} of {len(checks)} checks pass; report in "
          f"{out / 'validation.md'}")
    return 1 if n_fail else 0


def register(subparsers: Any) -> None:
    """Add ``validate`` to the main command line."""
    p = subparsers.add_parser(
        "validate", help="check the model against queueing theory, the bystander studies, "
        "Dutch figures and the seed's patterns",
        description="Run the validation checks, print one line per check and write "
        "validation.md with its figures to --out; exit code 1 if any check fails.")
    p.add_argument("--out", metavar="DIR", default="docs",
                   help="directory of validation.md and its PNG figures (default docs)")
    p.add_argument("--quick", action="store_true",
                   help="small runs with wide tolerances, to try the machinery")
    p.add_argument("--resume", action="store_true",
                   help=f"continue an interrupted run from the results kept in DIR/{CACHE_DIR}")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: every core); 1 runs in this process")
    p.set_defaults(func=cmd_validate)
