"""A sweep: an experiment's runs planned, seeded, executed and written as they finish.

Every run has a deterministic id ``b<base>-p<point>-r<replication>``. Replication
``i`` gets the same seed under every base scenario and design point (common random
numbers), drawn from the master seed with ``numpy.random.SeedSequence.spawn``, so
comparisons are paired; with ``[run] seed_per_point`` each design point draws its own
(still the same under every base scenario). A run's output depends only on its scenario
and seed, so the executor (serial, processes, Dask) does not change the dataset.

The output directory, each file written atomically (temp file + ``os.replace``)::

    manifest.json        experiment hash, code version, times, runs planned/done/failed,
                         and a sha256 per part (``parts``, see :mod:`.integrity`)
    .lock                held by the one process writing here (:mod:`.lock`)
    damaged/             parts ``--resume`` found damaged and set aside
    experiment.toml      the experiment text, as run
    design.parquet       one row per design point: its values and raw sample coordinates
    runs/<id>.parquet    one row per finished run: run_id, scenario, point, policy, sample,
                         replication, seed, days, warmup_days, every declared parameter
                         (typed as declared), every KPI (float64, NaN when undefined),
                         elapsed_s and finished_at (wall clock, not results)
    daily/<id>.parquet   the daily series, when the experiment keeps them
    routes/<id>.parquet  route transition counts, when kept (compare keeps them)
    waits/<id>.parquet   waiting times by urgency, when kept (compare keeps them)
    failures/<id>.json   a run that raised: its error and traceback

``runs/`` is the commit record: a run counts as done once its part exists (its
daily, routes and waits parts are written before it). When a session ends, each
part folder's one-run files are merged into one ``compacted-NNNN.parquet`` (many
tiny files are slow to read); the dataset's content does not change. ``--resume`` skips those,
retries failed runs, and so finishes a sweep interrupted at any moment (Ctrl-C,
kill -9, a crashed worker, a full disk, a damaged part) with the dataset an
uninterrupted sweep would give.
Read the results with :func:`load_runs` or ``pandas.read_parquet(out / "runs")``.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..kpis import flatten
from ..outdir import check_out_dir, is_no_space
from ..outputs import atomic_write, jsonable
from ..params import SPECS, Scenario
from ..scenario import _MISSING, InputError, build, flatten_tree, read_toml, resolve
from ..version import code_version
from .design import Point, crossed_factors, make_points, problem, sampled_factors
from .executors import Executor, ProcessExecutor
from .experiment import OUTPUT_PARTS, Experiment, inner_message
from .integrity import COMPACTED, checksums, compacted_files, merged_ids, read_part, repair
from .lock import LOCK_FILE, results_lock
from .manifest import read_manifest

FORMAT = "samenspel-sweep/1"
PART_DIRS = ("runs", *OUTPUT_PARTS, "failures")
#: Columns that record when and how fast a run went, not what it computed.
WALL_CLOCK_COLUMNS = ("elapsed_s", "finished_at")
#: Declared parameters that are not recorded as parameter columns of a run.
NOT_RECORDED = ("name", "description", "days")
ModelFn = Callable[[Scenario, int, int, int], Any]


# --- seeds and plan ---------------------------------------------------------------


def replication_seeds(master_seed: int, replications: int, point: int | None = None
                      ) -> list[int]:
    """One seed per replication, spawned from the master seed; the same for every scenario.

    ``SeedSequence(master).spawn(n)`` children keep their index, so replication ``i``
    has the same seed however many replications are asked for. With ``point`` (``[run]
    seed_per_point``), the seeds of that design point alone.
    """
    entropy = master_seed if point is None else [master_seed, point]
    children = np.random.SeedSequence(entropy).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


@dataclass(frozen=True)
class RunTask:
    """Everything one run needs; small and picklable, sent to a worker."""

    run_id: str
    base: int
    scenario_label: str
    point: int
    replication: int
    seed: int
    scenario: Scenario
    days: int
    warmup_days: int
    daily: bool = False
    routes: bool = False
    waits: bool = False
    model: ModelFn | None = None


def plan_runs(exp: Experiment, points: list[Point] | None = None,
              model: ModelFn | None = None) -> list[RunTask]:
    """Every run of the experiment, in the order they are handed out.

    Runs go replication by replication, so an interrupted sweep has covered every
    point about equally. Each base x point scenario is validated here, before any
    run starts; an invalid combination is one InputError naming the point.
    """
    points = make_points(exp) if points is None else points
    seeds = replication_seeds(exp.master_seed, exp.replications)
    wb = max(2, len(str(len(exp.bases) - 1)))
    wp = max(4, len(str(len(points) - 1)))
    wr = max(3, len(str(exp.replications - 1)))
    scenarios: list[list[Scenario]] = []
    for b, ref in enumerate(exp.bases):
        path = resolve(ref)
        base_flat = flatten_tree(read_toml(path), str(path))
        base_flat.setdefault("name", exp.base_labels[b])
        base_flat.update(dict(exp.base_set))
        row = []
        for p in points:
            try:
                row.append(build({**base_flat, **p.values}))
            except InputError as err:
                shown = ", ".join(f"{k} = {v!r}" for k, v in p.values.items())
                raise InputError(exp.where, f"design point {p.point} ({shown}) under "
                                 f"{exp.base_labels[b]}", _MISSING, inner_message(err)
                                 ) from None
        scenarios.append(row)
    tasks = []
    own = {p.point: replication_seeds(exp.master_seed, exp.replications, p.point)
           for p in points} if exp.seed_per_point else {}
    for r, common in enumerate(seeds):
        for p in points:
            seed = own[p.point][r] if own else common
            for b, label in enumerate(exp.base_labels):
                scenario = scenarios[b][p.point]
                days = exp.days if exp.days is not None else scenario.days
                tasks.append(RunTask(
                    run_id=f"b{b:0{wb}d}-p{p.point:0{wp}d}-r{r:0{wr}d}", base=b,
                    scenario_label=label, point=p.point, replication=r, seed=seed,
                    scenario=scenario, days=days, warmup_days=exp.warmup_days,
                    daily=exp.daily, routes=exp.routes, waits=exp.waits, model=model))
    return tasks


# --- the work a worker does ---------------------------------------------------------


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task; never raises for a model error, it reports it instead."""
    t0 = time.perf_counter()
    try:
        if task.model is None:
            from ..api import run

            result = run(task.scenario, seed=task.seed, days=task.days,
                         warmup_days=task.warmup_days)
        else:
            result = task.model(task.scenario, task.seed, task.days, task.warmup_days)
        out: dict[str, Any] = {"ok": True, "kpis": flatten(result.summary)}
        if task.daily:
            out["daily"] = result.daily
        if task.routes or task.waits:
            requests = result.requests
            requests = requests[requests["day_created"] >= task.warmup_days]
            if task.routes:
                out["routes"] = route_links(requests)
            if task.waits:
                out["waits"] = waiting_times(requests)
    except Exception as err:
        out = {"ok": False, "error": f"{type(err).__name__}: {err}",
               "traceback": traceback.format_exc(limit=30)}
    out["elapsed_s"] = time.perf_counter() - t0
    return out


def route_links(requests: pd.DataFrame) -> pd.DataFrame:
    """Counts of consecutive steps in the requests' routes, ending in their outcome.

    A step seen again in one route is marked ``(again)`` so the flow has no cycles.
    """
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for route, outcome in zip(requests["route"], requests["outcome"], strict=True):
        steps = [s for s in route.split(" > ") if s] if route else []
        seen: set[str] = set()
        nodes = []
        for s in steps:
            node = s if s not in seen else f"{s} (again)"
            seen.add(s)
            nodes.append(node)
        nodes.append(f"outcome: {outcome}")
        for a, b in zip(nodes, nodes[1:], strict=False):
            counts[(a, b)] += 1
    return pd.DataFrame({"source": [k[0] for k in counts], "target": [k[1] for k in counts],
                         "count": np.array(list(counts.values()), dtype=np.int64)})


def waiting_times(requests: pd.DataFrame) -> pd.DataFrame:
    """Waiting times by urgency: on the wijkteam's list (at intake) and until answered."""
    queued = requests[requests["queue_wait_days"].notna()]
    answered = requests[requests["wait_days"].notna()]
    return pd.DataFrame({
        "measure": ["queue_wait_days"] * len(queued) + ["wait_days"] * len(answered),
        "urgency": list(queued["urgency_intake"].astype(str))
        + list(answered["urgency_start"].astype(str)),
        "days": np.concatenate([queued["queue_wait_days"].to_numpy(float),
                                answered["wait_days"].to_numpy(float)]),
    })


# --- writing ------------------------------------------------------------------------


def _write_frame(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda p: frame.to_parquet(p, index=False))


def _write_json(path: Path, payload: dict) -> None:
    text = json.dumps(jsonable(payload), indent=2, default=str, allow_nan=False) + "\n"
    atomic_write(path, lambda p: Path(p).write_text(text, encoding="utf-8"))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def param_columns() -> list[str]:
    return [k for k in SPECS if k not in NOT_RECORDED]


def runs_schema(kpis: Iterable[str]):
    """The Arrow schema of a runs part: the same for every part of every sweep."""
    import pyarrow as pa

    arrow = {int: pa.int64(), float: pa.float64(), bool: pa.bool_(), str: pa.string()}
    fields = [("run_id", pa.string()), ("scenario", pa.string()), ("base", pa.int64()),
              ("point", pa.int64()), ("policy", pa.int64()), ("sample", pa.int64()),
              ("replication", pa.int64()), ("seed", pa.int64()), ("days", pa.int64()),
              ("warmup_days", pa.int64())]
    fields += [(k, arrow[SPECS[k].type]) for k in param_columns()]
    fields += [(k, pa.float64()) for k in kpis]
    fields += [("elapsed_s", pa.float64()), ("finished_at", pa.string())]
    return pa.schema(fields)


class Writer:
    """Writes parts and the manifest of one output directory."""

    def __init__(self, out: Path, exp: Experiment, points: list[Point]):
        self.out = out
        self.kpis = exp.kept_kpis
        self.params = param_columns()
        self.schema = runs_schema(self.kpis)
        self.points = {p.point: p for p in points}
        self.manifest: dict[str, Any] = {}
        self.tables: dict[str, Any] = {}  # this session's run rows, for the compaction

    def run_part(self, task: RunTask, value: dict[str, Any], was_failed: bool = True) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        ids = {"run_id": task.run_id, "scenario": task.scenario_label, "point": task.point,
               "replication": task.replication}
        for name in OUTPUT_PARTS:
            frame = value.get(name)
            if frame is not None:
                frame = frame.copy()
                for i, (k, v) in enumerate(ids.items()):
                    frame.insert(i, k, v)
                _write_frame(self.out / name / f"{task.run_id}.parquet", frame)
        p = self.points[task.point]
        row: dict[str, Any] = {**ids, "base": task.base, "policy": p.policy,
                               "sample": p.sample, "seed": task.seed, "days": task.days,
                               "warmup_days": task.warmup_days}
        for k in self.params:
            row[k] = task.scenario.get(k)
        kpis = value["kpis"]
        for k in self.kpis:
            v = kpis.get(k, math.nan)
            row[k] = float(v) if v is not None else math.nan
        row["elapsed_s"] = float(value.get("elapsed_s", math.nan))
        row["finished_at"] = _now()
        table = pa.Table.from_pylist([row], schema=self.schema)
        atomic_write(self.out / "runs" / f"{task.run_id}.parquet",
                     lambda path: pq.write_table(table, path))
        self.tables[task.run_id] = table
        if was_failed:
            (self.out / "failures" / f"{task.run_id}.json").unlink(missing_ok=True)

    def failure(self, task: RunTask, error: str, tb: str = "") -> None:
        p = self.points[task.point]
        _write_json(self.out / "failures" / f"{task.run_id}.json", {
            "run_id": task.run_id, "scenario": task.scenario_label, "base": task.base,
            "point": task.point, "replication": task.replication, "seed": task.seed,
            "values": p.values, "error": error, "traceback": tb, "finished_at": _now()})

    def write_manifest(self, **fields: Any) -> None:
        self.manifest.update(fields)
        _write_json(self.out / "manifest.json", jsonable(self.manifest))


def design_frame(points: list[Point]) -> pd.DataFrame:
    rows = []
    for p in points:
        row: dict[str, Any] = {"point": p.point, "policy": p.policy, "sample": p.sample}
        row.update(p.values)
        row.update({f"x.{k}": v for k, v in p.x.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def design_description(exp: Experiment, points: list[Point]) -> dict[str, Any]:
    """What the analysis needs to know about the design, without re-reading scenarios."""
    def factor(f: Any) -> dict[str, Any]:
        return {"key": f.key, "role": f.role,
                "values": list(f.values) if f.values is not None else None,
                "lo": f.lo, "hi": f.hi, "n": f.n, "step": f.step, "grid": (
                    list(f.grid()) if f.gridable else None)}

    sampled = sampled_factors(exp)
    return {"kind": exp.design.kind, "n": exp.design.n, "levels": exp.design.levels,
            "second_order": exp.design.second_order, "sample": exp.design.sample,
            "seed": exp.design_seed, "points": len(points),
            "factors": [factor(f) for f in exp.factors],
            "crossed": [f.key for f in crossed_factors(exp)],
            "sampled": [f.key for f in sampled],
            "problem": problem(sampled) if sampled else None}


# --- the sweep ------------------------------------------------------------------------


@dataclass
class SweepResult:
    out: Path
    planned: int
    done: int
    failed: int
    ran: int
    elapsed_s: float
    status: str


def prepare_out(out: Path, exp: Experiment, resume: bool, allow_code_change: bool = False,
                log: Callable[[str], Any] | None = None) -> tuple[set[str], dict | None]:
    """Check the output directory; returns the run ids already done and the old manifest.

    On resume every part is checked first (:mod:`.integrity`): a damaged one is moved to
    ``damaged/`` with a warning through ``log``, and its runs are not done.
    """
    manifest_path = out / "manifest.json"
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "", _MISSING, "is a file, not a directory")
    nonempty = out.is_dir() and any(p.name != LOCK_FILE for p in out.iterdir())
    if nonempty and not resume:
        raise InputError(str(out), "", _MISSING, "already holds results; add --resume to finish "
                         "that sweep, or choose another --out")
    if not nonempty:
        return set(), None
    if not manifest_path.is_file():
        raise InputError(str(out), "", _MISSING, "is not empty and has no manifest.json, so it is "
                         "no sweep to resume; choose another --out")
    old = read_manifest(out)
    if old.get("experiment", {}).get("sha256") != exp.sha256:
        raise InputError(str(out), "", _MISSING, "was written by an experiment file with other "
                         "content; resume with the same file, or choose another --out")
    new_settings = jsonable(json.loads(json.dumps(exp.settings(), default=str)))
    if old.get("settings") != new_settings:
        diff = [k for k in new_settings if old.get("settings", {}).get(k) != new_settings[k]]
        raise InputError(str(out), "", _MISSING, "was run with other settings ("
                         + ", ".join(diff) + "); resume with the same flags "
                         "(--replications, --days, --warmup-days), or choose another --out")
    if old.get("code_version") != code_version() and not allow_code_change:
        raise InputError(str(out), "", _MISSING, f"was written by code version "
                         f"{old.get('code_version')}, this is {code_version()}, so the runs "
                         "might not match; choose another --out, or add --allow-code-change "
                         "to finish it anyway (each session's code version is recorded)")
    for sub in PART_DIRS:  # a kill -9 mid-write leaves hidden temp files
        d = out / sub
        if d.is_dir():
            for tmp in d.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
    for tmp in out.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    for sub in PART_DIRS[:-1]:  # parts already merged, left by a kill during compaction
        folder = out / sub
        if folder.is_dir():
            merged = merged_ids(folder)
            for p in _singles(folder):
                if p.stem in merged:
                    p.unlink(missing_ok=True)
    checked = repair(out, PART_DIRS[:-1], old.get("parts") or {}, log or _warn)
    old["parts"] = checked.good
    done = part_ids(out / "runs")
    for rel, _ in checked.damaged:  # a run with a damaged daily, routes or waits part
        folder, _, name = rel.partition("/")
        if folder in PART_DIRS[1:-1]:
            done -= (done - part_ids(out / folder) if name.startswith(COMPACTED)
                     else {Path(name).stem})
    for done_id in done:
        (out / "failures" / f"{done_id}.json").unlink(missing_ok=True)
    return done, old


def new_manifest(exp: Experiment, points: list[Point], planned: int) -> dict[str, Any]:
    """The manifest of a new sweep, before any run."""
    return {
        "format": FORMAT,
        "experiment": {"name": exp.name, "description": exp.description,
                       "file": exp.path, "sha256": exp.sha256},
        "code_version": code_version(),
        "started": _now(), "finished": None, "status": "running",
        "planned": planned, "done": 0, "failed": 0,
        "scenarios": list(exp.base_labels), "base_refs": list(exp.bases),
        "settings": exp.settings(), "design": design_description(exp, points),
        "kpis": list(exp.kept_kpis), "sessions": [], "parts": {},
    }


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def estimate_bytes(exp: Experiment, tasks: list[RunTask]) -> int:
    """A rough upper estimate of what ``tasks`` write, measured on small sweeps.

    A session's one-run parts exist twice for a moment while they are merged.
    """
    per_run = 100_000 + 20_000 * (exp.routes + exp.waits)
    return sum(per_run + (200 * t.days if exp.daily else 0)
               + (int(0.02 * t.scenario.population.n_residents * t.days) if exp.waits else 0)
               for t in tasks)


def _foreign(out: Path) -> bool:
    """A directory that holds something other than results: refused before a lock file
    is made in it."""
    return (out.is_dir() and not (out / "manifest.json").exists()
            and not (out / LOCK_FILE).exists() and any(out.iterdir()))


def run_sweep(exp: Experiment, out: str | os.PathLike, executor: Executor | None = None,
              resume: bool = False, progress: bool | None = None,
              model: ModelFn | None = None, log: Callable[[str], Any] | None = None,
              allow_code_change: bool = False, command: str = "sweep") -> SweepResult:
    """Run every planned run not yet done, writing each as it finishes.

    ``executor`` defaults to local processes on every core. ``progress`` shows a
    tqdm bar (None: only on a terminal). ``model(scenario, seed, days,
    warmup_days)`` replaces :func:`sim.run` (for tests and other models); it must
    return an object with ``summary`` (and ``daily`` / ``requests`` when kept).

    Before any run, ``out`` is checked (:func:`sim.outdir.check_out_dir`) and its
    writer lock taken (:mod:`.lock`); another writer there is an InputError naming it.
    A full disk stops the sweep with an InputError (``command`` names it); every
    run written before stays, and ``resume`` finishes the sweep.
    """
    out = Path(out)
    t0 = time.perf_counter()
    points = make_points(exp)
    tasks = plan_runs(exp, points, model)
    done_before = 0
    if resume and (out / "manifest.json").is_file():
        with contextlib.suppress(OSError, ValueError):
            done_before = int(json.loads((out / "manifest.json").read_text()).get("done", 0))
    check_out_dir(command, out, estimate_bytes(exp, tasks[done_before:]))
    if _foreign(out):
        prepare_out(out, exp, resume, allow_code_change)  # raises its refusal
    try:
        with results_lock(out):
            return _sweep(exp, out, points, tasks, t0, executor, resume, progress, log,
                          allow_code_change)
    except OSError as err:
        if not is_no_space(err):
            raise
        saved = len(part_ids(out / "runs") & {t.run_id for t in tasks})
        raise InputError(command, "--out", str(out), f"the disk is full ({err.strerror}); "
                         f"{saved} of {len(tasks)} runs are saved; make room, then finish "
                         "with the same command plus --resume") from None


def _sweep(exp: Experiment, out: Path, points: list[Point], tasks: list[RunTask], t0: float,
           executor: Executor | None, resume: bool, progress: bool | None,
           log: Callable[[str], Any] | None, allow_code_change: bool) -> SweepResult:
    """:func:`run_sweep` once the directory is checked and locked."""
    done_ids, old = prepare_out(out, exp, resume, allow_code_change, log)
    done_ids &= {t.run_id for t in tasks}
    todo = [t for t in tasks if t.run_id not in done_ids]

    out.mkdir(parents=True, exist_ok=True)
    for sub in PART_DIRS:
        if sub in ("runs", "failures") or getattr(exp, sub, False):
            (out / sub).mkdir(exist_ok=True)
    writer = Writer(out, exp, points)
    if not (out / "experiment.toml").is_file():  # new, or set aside as damaged
        atomic_write(out / "experiment.toml",
                     lambda p: Path(p).write_text(exp.text, encoding="utf-8"))
    if not (out / "design.parquet").is_file():
        _write_frame(out / "design.parquet", design_frame(points))
    if old is None:
        writer.manifest = new_manifest(exp, points, len(tasks))
    else:  # the checksums of parts this session writes again are no longer known
        todo_ids = {t.run_id for t in todo}
        writer.manifest = {**old, "parts": {rel: sha for rel, sha in old["parts"].items()
                                            if Path(rel).stem not in todo_ids}}
    done_set = set(done_ids)
    failed_set = {p.stem for p in (out / "failures").glob("*.json")} - done_set
    session = {"started": _now(), "finished": None,
               "executor": executor.describe() if executor else "none",
               "code_version": code_version(), "resumed": old is not None, "ran": 0}
    writer.manifest["sessions"] = [*writer.manifest.get("sessions", []), session]
    writer.write_manifest(status="running", finished=None, planned=len(tasks),
                          done=len(done_set), failed=len(failed_set))
    if log and done_ids:
        log(f"resuming: {len(done_ids)} of {len(tasks)} runs already done, "
            f"{len(todo)} to run")

    status = "interrupted"
    bar = None
    try:
        if todo:
            own = executor is None
            executor = executor or ProcessExecutor()
            session["executor"] = executor.describe()
            with _maybe(executor, own):
                from tqdm import tqdm

                bar = tqdm(total=len(tasks), initial=len(done_set), unit="run",
                           desc=exp.name, dynamic_ncols=True, file=sys.stderr,
                           disable=(not progress) if progress is not None else None)
                bar.set_postfix(failed=len(failed_set), refresh=False)
                for done in executor.map_unordered(execute, todo):
                    task, value = done.task, done.value
                    if done.error is not None:
                        writer.failure(task, done.error.strip().splitlines()[-1], done.error)
                        failed_set.add(task.run_id)
                    elif not value.get("ok"):
                        writer.failure(task, value["error"], value.get("traceback", ""))
                        failed_set.add(task.run_id)
                    else:
                        writer.run_part(task, value, was_failed=task.run_id in failed_set)
                        done_set.add(task.run_id)
                        failed_set.discard(task.run_id)
                    session["ran"] += 1
                    writer.write_manifest(done=len(done_set), failed=len(failed_set))
                    bar.set_postfix(failed=len(failed_set), refresh=False)
                    bar.update(1)
        for sub in PART_DIRS[:-1]:
            if (out / sub).is_dir():
                compact(out / sub, writer.tables if sub == "runs" else None)
        status = "finished" if not failed_set else "finished_with_failures"
    finally:
        if bar is not None:
            bar.close()
        session["finished"] = _now()
        finished = _now() if status.startswith("finished") else None
        writer.manifest["parts"] = checksums(out, PART_DIRS[:-1], writer.manifest["parts"])
        writer.write_manifest(status=status, finished=finished, done=len(done_set),
                              failed=len(failed_set))
    return SweepResult(out, len(tasks), len(done_set), len(failed_set), session["ran"],
                       time.perf_counter() - t0, status)


class _maybe:
    """Enter and close the executor only when the sweep made it."""

    def __init__(self, executor: Executor, own: bool):
        self.executor, self.own = executor, own

    def __enter__(self) -> Executor:
        if self.own:
            self.executor.start()
        return self.executor

    def __exit__(self, *exc: Any) -> None:
        if self.own:
            self.executor.close()


# --- reading ----------------------------------------------------------------------------


def _singles(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith(COMPACTED))


def part_ids(folder: Path) -> set[str]:
    """Run ids with a part in ``folder`` (one-run parts and compacted files)."""
    if not folder.is_dir():
        return set()
    return {p.stem for p in _singles(folder)} | merged_ids(folder)


def compact(folder: Path, known: dict[str, Any] | None = None) -> None:
    """Merge the one-run parts of a part dataset into one file; its content stays the same.

    Thousands of tiny Parquet files are slow to read; one file per finished session is
    not. Safe at any moment: the merged file is written atomically before the parts it
    holds are removed, and readers skip a part whose run is already in a merged file.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    merged = merged_ids(folder)
    singles = []
    for p in _singles(folder):
        if p.stem in merged:  # a run done again for a damaged part elsewhere: kept once
            p.unlink(missing_ok=True)
        else:
            singles.append(p)
    if len(singles) < 2:
        return
    known = known or {}
    on_disk = [str(p) for p in singles if p.stem not in known]
    tables = [known[p.stem] for p in singles if p.stem in known]
    if on_disk:
        tables.append(ds.dataset(on_disk, format="parquet").to_table())
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    keys = [(c, "ascending") for c in ("run_id", "day") if c in table.column_names]
    table = table.sort_by(keys)
    existing = [int(p.stem.removeprefix(COMPACTED)) for p in compacted_files(folder)
                if p.stem.removeprefix(COMPACTED).isdigit()]
    target = folder / f"{COMPACTED}{max(existing, default=-1) + 1:04d}.parquet"

    def write(path: str) -> None:
        import pyarrow.parquet as pq

        pq.write_table(table, path)

    atomic_write(target, write)
    for p in singles:
        p.unlink(missing_ok=True)


def _read_tables(folder: Path, bad: list[tuple[Path, str]]) -> list[Any]:
    """Tables of the complete, readable parts: merged files, then one-run parts not in them.

    A part that vanishes while this reads was merged by a writer meanwhile, so the
    folder is listed again. Unreadable parts go to ``bad`` with the reason.
    """
    for attempt in range(5):
        del bad[:]
        try:
            tables, ids = [], set()
            for p in compacted_files(folder):
                if (table := read_part(p, bad)) is not None:
                    tables.append(table)
                    ids.update(table.column("run_id").to_pylist())
            tables += [t for p in _singles(folder) if p.stem not in ids
                       if (t := read_part(p, bad)) is not None]
            return tables
        except FileNotFoundError:
            if attempt == 4:
                raise
    return []


def _read_parts(folder: Path, unreadable: list[str] | None = None) -> pd.DataFrame:
    """A part dataset as one frame. A damaged part is an InputError naming it, or, given
    ``unreadable``, left out and named there (as ``runs/<file>``)."""
    import pyarrow as pa

    if not folder.is_dir():
        return pd.DataFrame()
    bad: list[tuple[Path, str]] = []
    tables = _read_tables(folder, bad)
    if bad and unreadable is None:
        p, why = bad[0]
        raise InputError(str(p), "", _MISSING, f"is damaged, {why}; 'samenspel verify "
                         f"{folder.parent}' names every damaged part, and --resume runs "
                         "their runs again")
    if unreadable is not None:
        unreadable += [f"{folder.name}/{p.name}" for p, _ in bad]
    if not tables:
        return pd.DataFrame()
    frame = pa.concat_tables(tables, promote_options="default").to_pandas()
    keys = [c for c in ("run_id", "day") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def load_runs(out: str | os.PathLike, unreadable: list[str] | None = None) -> pd.DataFrame:
    """Every finished run of a sweep directory, one row each, sorted by run id.

    A damaged part is an InputError naming it; pass a list as ``unreadable`` to read
    the rest instead, with the damaged parts' names (``runs/<file>``) added to it.
    """
    return _read_parts(Path(out) / "runs", unreadable)


def load_part(out: str | os.PathLike, name: str, runs: pd.DataFrame | None = None
              ) -> pd.DataFrame:
    """Any part dataset (``runs``, ``daily``, ``routes``, ``waits``) of finished runs.

    ``runs``: the sweep's runs when already loaded, so they are not read again.
    """
    frame = _read_parts(Path(out) / name)
    if name != "runs" and len(frame):
        runs = load_runs(out) if runs is None else runs
        done = set(runs["run_id"])  # a part whose run was not committed is no result
        frame = frame[frame["run_id"].isin(done)].reset_index(drop=True)
    return frame


def load_failures(out: str | os.PathLike) -> pd.DataFrame:
    """Failed runs: run id, scenario, point, replication, seed, values, error."""
    folder = Path(out) / "failures"
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))] \
        if folder.is_dir() else []
    cols = ["run_id", "scenario", "base", "point", "replication", "seed", "values", "error",
            "traceback", "finished_at"]
    return pd.DataFrame(rows, columns=cols)


def load_design(out: str | os.PathLike) -> pd.DataFrame:
    return pd.read_parquet(Path(out) / "design.parquet")


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """A runs frame without its wall-clock columns, to compare two sweeps' results."""
    return frame.drop(columns=[c for c in WALL_CLOCK_COLUMNS if c in frame.columns])

