"""Paired scenario comparisons: each scenario's mean, and the difference against the first.

Every scenario is run with the same replication seeds (common random numbers), so
replication ``i`` of scenario B meets the same residents and needs as replication
``i`` of scenario A. The difference B - A is then judged on the per-seed
differences (a paired t interval), which is much narrower than comparing two
independent means (Welch), shown alongside for contrast.

Intervals are Student t intervals at 95% over replications (:mod:`.stats`). The
text table and the report label each KPI from its declaration and keep its raw name.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..kpis import flat_names, title
from ..scenario import InputError, resolve
from .executors import Executor
from .experiment import experiment_from_text
from .lock import results_lock
from .manifest import read_manifest
from .report import write_report
from .stats import (
    CONFIDENCE,
    excludes_zero,
    fmt,
    fmt_interval,
    paired_interval,
    t_interval,
    welch_interval,
)
from .sweep import load_runs, run_sweep

COLUMNS = ["kpi", "scenario", "reference", "n", "mean", "sd", "ci_lo", "ci_hi", "n_pairs",
           "diff_mean", "diff_ci_lo", "diff_ci_hi", "unpaired_ci_lo", "unpaired_ci_hi"]


def compare_runs(runs: pd.DataFrame, kpis: Sequence[str] | None = None,
                 scenarios: Sequence[str] | None = None, confidence: float = CONFIDENCE
                 ) -> pd.DataFrame:
    """A tidy table: per KPI and scenario, mean and interval, and the paired difference.

    Runs are paired on their seed; the first scenario (of ``scenarios``, else of the
    runs' order) is the reference. A KPI that is undefined in a run (NaN, such as a
    mean wait with nobody waiting) leaves that run, and its pair, out of that KPI.
    """
    if runs.empty:
        return pd.DataFrame(columns=COLUMNS)
    order = list(scenarios) if scenarios else list(dict.fromkeys(runs["scenario"]))
    kpis = [k for k in (kpis or flat_names()) if k in runs.columns]
    ref = order[0]
    rows = []
    by = {s: runs[runs["scenario"] == s].set_index("seed") for s in order}
    for kpi in kpis:
        ref_values = by[ref][kpi].dropna()
        for s in order:
            values = by[s][kpi].dropna()
            mean, lo, hi = t_interval(values.to_numpy(), confidence)
            row: dict[str, Any] = {
                "kpi": kpi, "scenario": s, "reference": ref, "n": len(values), "mean": mean,
                "sd": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                "ci_lo": lo, "ci_hi": hi}
            if s == ref:
                row.update(n_pairs=len(values), diff_mean=0.0, diff_ci_lo=math.nan,
                           diff_ci_hi=math.nan, unpaired_ci_lo=math.nan,
                           unpaired_ci_hi=math.nan)
            else:
                n_pairs, dm, dlo, dhi = paired_interval(ref_values, values, confidence)
                ulo, uhi = welch_interval(ref_values.to_numpy(), values.to_numpy(), confidence)
                row.update(n_pairs=n_pairs, diff_mean=dm, diff_ci_lo=dlo, diff_ci_hi=dhi,
                           unpaired_ci_lo=ulo, unpaired_ci_hi=uhi)
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def format_table(table: pd.DataFrame, confidence: float = CONFIDENCE) -> str:
    """The comparison as aligned text, one block per KPI under the KPI's label.

    A ``*`` marks a paired difference whose interval excludes zero.
    """
    if table.empty:
        return "no finished runs to compare"
    pct = f"{confidence:.0%}"
    ref = table["reference"].iloc[0]
    head = ["KPI", "scenario", "n", "mean", f"{pct} CI", f"diff vs {ref}", f"{pct} CI", ""]
    blocks: list[tuple[str, list[list[str]]]] = []
    for kpi, block in table.groupby("kpi", sort=False):
        rows = []
        for i, r in enumerate(block.itertuples()):
            if r.scenario == r.reference:
                diff = dci = mark = ""
            else:
                diff = fmt(r.diff_mean)
                dci = fmt_interval(r.diff_ci_lo, r.diff_ci_hi)
                mark = "*" if excludes_zero(r) else ""
            rows.append([kpi if i == 0 else "", r.scenario, str(r.n), fmt(r.mean),
                         fmt_interval(r.ci_lo, r.ci_hi), diff, dci, mark])
        blocks.append((title(kpi), rows))
    widths = [max(len(row[c]) for row in [head, *(r for _, rs in blocks for r in rs)])
              for c in range(len(head))]
    right = {2, 3, 5}

    def line(row: list[str]) -> str:
        return "  ".join(cell.rjust(w) if c in right else cell.ljust(w)
                         for c, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    out = [line(head), "  ".join("-" * w for w in widths)]
    for heading, rows in blocks:
        out += [heading, *(line(row) for row in rows)]
    out.append(f"* the paired {pct} interval of the difference excludes 0 "
               "(runs paired on their seed: common random numbers)")
    return "\n".join(out)


def to_json(table: pd.DataFrame, meta: dict[str, Any] | None = None,
            confidence: float = CONFIDENCE) -> dict[str, Any]:
    """The comparison as one JSON-ready object (NaN becomes null)."""
    def num(x: Any) -> Any:
        if x is None:
            return None
        x = float(x)
        return x if math.isfinite(x) else None

    scenarios = list(dict.fromkeys(table["scenario"])) if not table.empty else []
    out: dict[str, Any] = {
        "reference": scenarios[0] if scenarios else None, "scenarios": scenarios,
        "confidence": confidence, "paired_on": "seed", **(meta or {}), "kpis": {}}
    for kpi, block in table.groupby("kpi", sort=False):
        entry: dict[str, Any] = {"scenarios": {}, "differences": {}}
        for r in block.itertuples():
            entry["scenarios"][r.scenario] = {"n": int(r.n), "mean": num(r.mean),
                                              "ci": [num(r.ci_lo), num(r.ci_hi)]}
            if r.scenario != r.reference:
                entry["differences"][r.scenario] = {
                    "n_pairs": int(r.n_pairs), "mean": num(r.diff_mean),
                    "ci": [num(r.diff_ci_lo), num(r.diff_ci_hi)],
                    "unpaired_ci": [num(r.unpaired_ci_lo), num(r.unpaired_ci_hi)]}
        out["kpis"][kpi] = entry
    return out


def comparison_text(refs: Sequence[str], replications: int, days: int | None,
                    warmup_days: int, master_seed: int, cold_start: bool = False) -> str:
    """The experiment a comparison runs, written out as TOML (kept in the output dir);
    ``cold_start`` switches the warm start off (``start.warm = false``, ODD 5)."""
    shown = []
    for ref in refs:
        path = Path(ref)
        shown.append(str(path.resolve()) if ref.endswith(".toml") or path.exists() else ref)
    lines = ['name = "compare"',
             f"description = {json.dumps('Paired comparison: ' + ' vs '.join(refs))}",
             "", "[base]", f"scenarios = {json.dumps(shown)}"]
    if cold_start:
        lines.append('set = { "start.warm" = false }')
    lines += ["", "[run]",
             f"replications = {replications}", f"master_seed = {master_seed}"]
    if days is not None:
        lines.append(f"days = {days}")
    lines += [f"warmup_days = {warmup_days}", "", "[output]",
              "daily = true", "routes = true", "waits = true", ""]
    return "\n".join(lines)


def default_out() -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / f"compare-{stamp}"


def compare_scenarios(refs: Sequence[str], replications: int, out: str | os.PathLike,
                      days: int | None = None, warmup_days: int = 0, master_seed: int = 0,
                      executor: Executor | None = None, progress: bool | None = None,
                      kpis: Sequence[str] | None = None, resume: bool = False,
                      log: Callable[[str], Any] | None = None,
                      allow_code_change: bool = False, cold_start: bool = False
                      ) -> tuple[pd.DataFrame, dict[str, Any], Path]:
    """Run the scenarios with common seeds into ``out`` and compare them.

    Every KPI is kept in the runs; ``kpis`` only narrows the table, the JSON and the
    report. Writes ``comparison.csv``, ``comparison.json`` and ``report.html`` next
    to the sweep's own files. Returns the table, its JSON form and the report's path.
    """
    if len(refs) < 2:
        raise InputError("compare", "SCENARIO", list(refs), "needs at least two scenarios")
    for ref in refs:
        resolve(ref)  # an unknown preset is one clear line before anything runs
    text = comparison_text(refs, replications, days, warmup_days, master_seed, cold_start)
    exp = experiment_from_text(text, where="compare")
    out = Path(out)
    result = run_sweep(exp, out, executor=executor, resume=resume, progress=progress, log=log,
                       allow_code_change=allow_code_change, command="compare")
    runs = load_runs(out)
    labels = list(exp.base_labels)
    table = compare_runs(runs, kpis or exp.kept_kpis, labels)
    manifest = read_manifest(out)
    meta = {"replications": replications, "master_seed": master_seed,
            "days": days, "warmup_days": warmup_days, "warm_start": not cold_start,
            "runs_done": result.done,
            "runs_failed": result.failed, "code_version": manifest.get("code_version"),
            "out": str(out)}
    payload = to_json(table, meta)
    with results_lock(out):  # the comparison's own files: one writer at a time too
        try:
            table.to_csv(out / "comparison.csv", index=False)
            (out / "comparison.json").write_text(json.dumps(payload, indent=2) + "\n",
                                                 encoding="utf-8")
            report = write_report(out, table=table, title=exp.description)
        except OSError as err:  # a full disk: the runs are saved, the report is not
            raise InputError("compare", "--out", str(out), f"cannot write the comparison "
                             f"({err.strerror}); the runs are saved: make room, then run "
                             "the same command plus --resume") from None
    payload["report"] = str(report)
    return table, payload, report
