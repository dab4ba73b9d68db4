"""What every section of ``samenspel validate`` builds on: a check, a job and its cache,
a section, and the report's small tables and dot figure.

Every job's result is kept in ``<out>/.validate-cache`` as it completes, so
``--resume`` continues an interrupted run; a job's key fingerprints its work, so two
sections that need the same run share it.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...outputs import atomic_write
from ...scenario import InputError
from ..executors import make_executor
from ..progress import run_bar

N_SE = 4.0
Z95 = 1.96
SEED0 = 1000
MODES = ("full", "quick")
CACHE_DIR = ".validate-cache"
#: Rough speeds on one core, for the order of the work and the progress bar only.
REQUESTS_PER_SECOND = 25_000  # queue-only mode
TRIALS_PER_SECOND = 5_000_000  # elephant trials x people
CITY_RUN_SECONDS = 1.5  # a preset's year from a warm start


def run_seconds(days: int | None) -> float:
    """Expected seconds of one preset run of ``days`` (the preset's year when None)."""
    return 0.3 + CITY_RUN_SECONDS * (1.0 if days is None else days / 365.0)


@dataclass(frozen=True)
class Check:
    """One named comparison of a simulated figure with its target.

    ``ci`` overrides the interval ``value ± 1.96 se`` (a paired t interval).
    ``direction`` ``"above"`` / ``"below"``: passes when the whole interval lies on that
    side of the target (a direction, not a closeness); ``"at_least"``: passes when the
    value (a mean over seeds) is at least the target, the interval only reported (a
    figure read as a floor, where noise should not decide).
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
        if self.direction == "at_least":
            return math.isfinite(self.value) and self.value >= self.target
        diff = abs(self.value - self.target)
        if not math.isfinite(self.value) or diff > N_SE * self.se and self.se > 0 and self.se_rule:
            return False
        if self.rel_tol is not None and diff > self.rel_tol * abs(self.target):
            return False
        return self.abs_tol is None or diff <= self.abs_tol

    @property
    def tolerance(self) -> str:
        if self.direction == "at_least":
            return f"mean at least {self.target:g}"
        if self.direction:
            what = "interval" if self.se > 0 or self.ci else "value"
            return f"{what} {self.direction} {self.target:g}"
        parts = [f"within {N_SE:g} SE"] if self.se > 0 and self.se_rule else []
        if self.rel_tol is not None:
            parts.append(f"within {self.rel_tol:.0%}")
        if self.abs_tol is not None:
            parts.append(f"within ±{self.abs_tol:.4g}")
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
    """A section's output: checks, markdown (below its heading) and figures by file name;
    ``n_consistency``: rows it reports as consistency, never failing."""

    checks: list[Check]
    lines: list[str]
    figures: dict[str, Any] = field(default_factory=dict)
    n_consistency: int = 0


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


def run_job(j: Job) -> Any:
    """A job's result, in whichever process runs it."""
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
                for done in ex.map_unordered(run_job, todo):
                    if done.error:
                        raise RuntimeError(f"validation job {done.task.key} failed:\n{done.error}")
                    cache.put(done.task.key, done.value)
                    results[done.task.key] = done.value
                    bar(done.task.cost)
    finally:
        bar(0, close=True)
    return results


# --- the report's small parts ----------------------------------------------------------


def table(checks: list[Check], group: str) -> list[str]:
    """The Markdown table of one group's checks."""
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


def verdict(checks: list[Check], groups: tuple[str, ...]) -> str:
    """"all 3 checks pass", "the check fails", or which of them fail."""
    mine = [c for c in checks if c.group in groups]
    bad = [c.name for c in mine if not c.passed]
    if len(mine) == 1:
        return "the check passes" if not bad else "the check fails"
    return (f"all {len(mine)} checks pass" if not bad
            else f"{len(bad)} of {len(mine)} checks fail: {'; '.join(bad)}")


def dot_figure(title: str, xaxis: str, labels: list[str], x: list[float], lo: list[float],
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
