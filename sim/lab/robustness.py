"""Robustness of the policy answer (issue 11): how far the access answer survives what
nobody knows.

The access question (Rotterdam's front desk or Schiedam's walk-in?) was answered with
one set of parameter values, most of them assumptions. Here each assumption-marked
parameter ranges over a stated plausible interval; every point of a Latin hypercube
over them is one *plausible world*, and both policies run in it with the same seed.
Per key KPI we then ask, as the EMA Workbench does:

* In what share of plausible worlds does the alternative beat the policy in place
  (strictly better in the KPI's declared direction, :mod:`sim.kpis`)? With a Wilson
  95% interval over the sampled worlds.
* Under which conditions does the answer flip? Scenario discovery with PRIM
  (:mod:`ema_workbench.analysis.prim`) on "alternative better" and on "policy in
  place better": the box of parameter limits, its coverage and density.

A robustness file is an experiment file (:mod:`.experiment`) plus a ``[robustness]``
table::

    [robustness]
    reference = "rotterdam_vraagwijzer"   # the policy in place
    alternative = "schiedam_walk_in"      # the policy asked about
    contrast = ["access", "frontdesk"]    # the only sections the two bases may differ in
    kpis = ["answered_share", "first_contact_days_median"]  # key KPIs; better: sim/kpis.py
    prim_threshold = 0.8                  # density a PRIM box must reach

    [uncertainties]
    "needs.rate_per_resident_year" = { lo = 0.35, hi = 0.7, why = "one line" }

with these rules beyond an experiment's, each refused with one line before any run:
exactly the two bases, a pure contrast (equal outside ``contrast``), no levers, a
``latin_hypercube`` design, and every uncertainty a range with a ``why`` over a
parameter marked ``assumption`` in :mod:`sim.params` on which the two bases agree
(its range checked against the declaration, as every experiment's is).

Running it is a sweep (:func:`.sweep.run_sweep`: the model, the design, any executor
incl. Dask, resume, lock, manifest), then the analysis, written beside the runs::

    robustness.json    shares, PRIM boxes and trajectories, uncertainties, seeds,
                       scenario hashes, code version (format samenspel-robustness/1)
    worlds.parquet     one row per world: the uncertainties, the seed, both scenario
                       hashes, and per KPI both values, the difference and who is better
    shares.csv, boxes.csv, robustness.md, robustness.html (figures)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..kpis import declaration, flat_label, flat_names
from ..outputs import atomic_write, jsonable
from ..params import ASSUMPTION, SPECS, flat
from ..scenario import _MISSING, InputError, check_int
from ..version import code_version
from .design import Point
from .executors import Executor
from .experiment import (
    Experiment,
    _check_keys,
    experiment_from_tree,
    parse_toml,
    read_experiment_text,
)
from .lock import results_lock
from .manifest import read_manifest
from .stats import CONFIDENCE, fmt, fmt_interval

FORMAT = "samenspel-robustness/1"
RESULT = "robustness.json"
KEYS = ("reference", "alternative", "contrast", "kpis", "prim_threshold")
DEFAULT_PRIM_THRESHOLD = 0.8
#: Parameters that identify a run rather than describe a world, never compared.
NAMING = ("name", "description")
#: Outcomes PRIM describes: who is strictly better in a world.
OUTCOMES = ("alternative", "reference")
#: A box limit whose quasi-p-value is at least this is no better than chance; dropped.
QP_DROP = 0.05
#: validate's sizes: (points, days); the full size is the file's own.
QUICK = (8, 30)
ModelFn = Callable[[Any, int, int, int], Any]


@dataclass(frozen=True)
class Robustness:
    """A validated robustness design: the experiment and what to ask of it."""

    experiment: Experiment
    reference: str
    alternative: str
    contrast: tuple[str, ...]
    kpis: tuple[str, ...]
    prim_threshold: float = DEFAULT_PRIM_THRESHOLD

    @property
    def keys(self) -> list[str]:
        """The uncertain parameters, in file order."""
        return [f.key for f in self.experiment.uncertainties]

    def with_overrides(self, points: int | None = None, days: int | None = None
                       ) -> Robustness:
        """Fewer worlds (``--points``) or a shorter horizon (``--days``), for a quick look."""
        exp = self.experiment.with_overrides(days=days)
        if points is not None:
            points = check_int("robustness", "--points", points, 2, 10_000_000)
            exp = dataclasses.replace(exp, design=dataclasses.replace(exp.design, n=points),
                                      overrides={**exp.overrides, "points": points})
        return dataclasses.replace(self, experiment=exp)


# --- reading ------------------------------------------------------------------------


def load_robustness(path: str | os.PathLike) -> Robustness:
    """Read and validate a robustness file; any problem is one InputError line."""
    text = read_experiment_text(path)
    return robustness_from_text(text, str(path), Path(path).parent, str(path))


def robustness_from_text(text: str, where: str = "robustness",
                         base_dir: str | os.PathLike | None = None,
                         path: str | None = None) -> Robustness:
    """Validate a robustness design given as TOML text (a file's, or a test's)."""
    tree = parse_toml(text, where)
    table = tree.pop("robustness", None)
    if table is None:
        raise InputError(where, "robustness", _MISSING, "missing; a robustness file names "
                         "reference, alternative, contrast and kpis in a [robustness] table")
    if not isinstance(table, dict):
        raise InputError(where, "robustness", table, "must be a table")
    _check_keys(table, KEYS, where, "robustness.")
    exp = experiment_from_tree(tree, where=where, text=text,
                               base_dir=Path(base_dir) if base_dir else None, path=path)
    if len(exp.bases) != 2:
        raise InputError(where, "base.scenarios", list(exp.bases), "must name exactly two "
                         "scenarios: the policy in place and the alternative")
    labels = exp.base_labels
    reference = _label(table, "reference", labels, where)
    alternative = _label(table, "alternative", labels, where)
    if reference == alternative:
        raise InputError(where, "robustness.alternative", alternative,
                         "must differ from robustness.reference")
    contrast = _contrast(table.get("contrast"), where)
    differ = _differing_keys(exp)
    outside = [k for k in differ if k.split(".", 1)[0] not in contrast]
    if outside:
        raise InputError(where, "base.scenarios", list(labels), "must be a pure contrast, "
                         f"equal outside {', '.join(contrast)}; they also differ in "
                         + ", ".join(outside))
    if exp.levers:
        raise InputError(where, "levers", _MISSING, "a robustness file has no levers: the "
                         "two base scenarios are the policies compared")
    if exp.design.kind != "latin_hypercube":
        raise InputError(where, "design.kind", exp.design.kind,
                         "must be 'latin_hypercube' in a robustness file")
    for f in exp.uncertainties:
        shown = f"uncertainties.{f.key}"
        if f.values is not None:
            raise InputError(where, shown, list(f.values), "must be a range "
                             "{ lo = ..., hi = ..., why = \"...\" } in a robustness file")
        if not f.spec.source.startswith(ASSUMPTION):
            raise InputError(where, shown, _MISSING, "is not marked 'assumption' in "
                             f"sim/params.py (its source: {f.spec.source}); a robustness "
                             "file ranges over assumptions only")
        if f.key in differ:
            raise InputError(where, shown, _MISSING, "differs between the two bases: it is "
                             "part of the policy contrast, not an uncertainty")
        if not f.why:
            raise InputError(where, shown + ".why", _MISSING,
                             "missing; give a one-line justification of the range")
    kpis = _kpis(table.get("kpis"), where)
    if exp.kpis:
        missing = [k for k in kpis if k not in exp.kpis]
        if missing:
            raise InputError(where, "output.kpis", list(exp.kpis),
                             "must include every key KPI of robustness.kpis; missing "
                             + ", ".join(missing))
    else:
        exp = dataclasses.replace(exp, kpis=kpis)
    threshold = table.get("prim_threshold", DEFAULT_PRIM_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) \
            or not 0 < threshold <= 1:
        raise InputError(where, "robustness.prim_threshold", threshold,
                         "must be a number above 0 and at most 1")
    return Robustness(exp, reference, alternative, contrast, kpis, float(threshold))


def _label(table: dict, key: str, labels: tuple[str, ...], where: str) -> str:
    value = table.get(key, _MISSING)
    if value is _MISSING:
        raise InputError(where, f"robustness.{key}", _MISSING,
                         "missing; one of the base scenarios: " + ", ".join(labels))
    if value not in labels:
        raise InputError(where, f"robustness.{key}", value,
                         "must be one of the base scenarios: " + ", ".join(labels))
    return value


def _contrast(value: Any, where: str) -> tuple[str, ...]:
    sections = sorted({k.split(".", 1)[0] for k in SPECS if "." in k})
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputError(where, "robustness.contrast", value if value is not None else _MISSING,
                         "must be a non-empty list of parameter sections: "
                         + ", ".join(sections))
    for v in value:
        if v not in sections:
            raise InputError(where, "robustness.contrast", v,
                             "is no parameter section; sections: " + ", ".join(sections))
    return tuple(value)


def _kpis(value: Any, where: str) -> tuple[str, ...]:
    known = flat_names()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputError(where, "robustness.kpis", value if value is not None else _MISSING,
                         "must be a non-empty list of KPI names")
    for k in value:
        if k not in known:
            raise InputError(where, "robustness.kpis", k,
                             "unknown KPI; KPIs are: " + ", ".join(known))
        if declaration(k).better is None:
            raise InputError(where, "robustness.kpis", k, "is descriptive (sim/kpis.py "
                             "declares no better direction), so no policy can beat another "
                             "on it")
    if len(set(value)) != len(value):
        raise InputError(where, "robustness.kpis", value, "must not repeat a KPI")
    return tuple(value)


def _base_scenarios(exp: Experiment) -> list[Any]:
    """The two base scenarios with ``[base] set`` applied, before any uncertainty."""
    from .sweep import plan_runs

    tasks = plan_runs(dataclasses.replace(exp, replications=1), [Point(0, {})])
    return [t.scenario for t in tasks]


def _differing_keys(exp: Experiment) -> list[str]:
    a, b = (flat(s) for s in _base_scenarios(exp))
    return [k for k in SPECS if k not in NAMING and a[k] != b[k]]


# --- running ------------------------------------------------------------------------


def run_robustness(rob: Robustness, out: str | os.PathLike, executor: Executor | None = None,
                   resume: bool = False, progress: bool | None = None,
                   log: Callable[[str], Any] | None = None, allow_code_change: bool = False,
                   model: ModelFn | None = None) -> tuple[Any, dict[str, Any]]:
    """Sweep every world under both policies into ``out``, then analyse and write.

    The sweep is :func:`.sweep.run_sweep` itself, so ``executor``, ``resume`` and the
    rest behave as for ``samenspel sweep``. Returns the sweep's result and the analysis.
    """
    from .sweep import load_runs, plan_runs, run_sweep

    out = Path(out)
    result = run_sweep(rob.experiment, out, executor=executor, resume=resume,
                       progress=progress, model=model, log=log,
                       allow_code_change=allow_code_change, command="robustness")
    t0 = time.perf_counter()
    hashes = scenario_hashes(plan_runs(rob.experiment))
    analysis = analyse(rob, load_runs(out), hashes)
    manifest = read_manifest(out)
    analysis["meta"].update(
        code_version=manifest.get("code_version"), out=str(out),
        executor=manifest["sessions"][-1].get("executor"),
        sessions=len(manifest.get("sessions", [])), runs_planned=result.planned,
        runs_done=result.done, runs_failed=result.failed,
        sweep_s=round(sum(map(_seconds, manifest.get("sessions", []))), 1),
        analysis_s=round(time.perf_counter() - t0, 1))
    with results_lock(out):
        write_outputs(out, analysis)
    return result, analysis


def _seconds(session: dict[str, Any]) -> float:
    """How long a sweep session of the manifest took (its clock times, to the second)."""
    import datetime as dt

    try:
        return (dt.datetime.fromisoformat(session["finished"])
                - dt.datetime.fromisoformat(session["started"])).total_seconds()
    except (KeyError, TypeError, ValueError):  # a session that did not finish
        return 0.0


def scenario_hashes(tasks: list[Any]) -> dict[tuple[int, str], str]:
    """The scenario hash of every (world, policy) a plan runs."""
    from ..results import scenario_hash

    return {(t.point, t.scenario_label): scenario_hash(t.scenario) for t in tasks
            if t.replication == 0}


# --- analysis -----------------------------------------------------------------------


def worlds(rob: Robustness, runs: pd.DataFrame,
           hashes: dict[tuple[int, str], str] | None = None) -> pd.DataFrame:
    """One row per world run under both policies: the uncertainties, seed, hashes, and
    per key KPI ``<kpi>:reference``, ``<kpi>:alternative``, ``<kpi>:difference``
    (alternative minus reference) and ``<kpi>:better`` (``alternative``, ``reference``,
    ``tie`` or ``undefined``). A KPI is averaged over a world's replications."""
    kpis = list(rob.kpis)
    means = runs.groupby(["point", "scenario"])[kpis].mean()
    ref = means.xs(rob.reference, level="scenario")
    alt = means.xs(rob.alternative, level="scenario")
    points = ref.index.intersection(alt.index).sort_values()
    first = runs[runs["scenario"] == rob.reference].groupby("point")
    frame = first[rob.keys].first().loc[points]
    frame.insert(0, "seed", first["seed"].first().loc[points])
    if hashes:
        frame["hash:reference"] = [hashes.get((p, rob.reference), "") for p in points]
        frame["hash:alternative"] = [hashes.get((p, rob.alternative), "") for p in points]
    for k in kpis:
        a, r = alt.loc[points, k].to_numpy(float), ref.loc[points, k].to_numpy(float)
        sign = 1.0 if declaration(k).better == "higher" else -1.0
        gain = sign * (a - r)
        frame[f"{k}:reference"] = r
        frame[f"{k}:alternative"] = a
        frame[f"{k}:difference"] = a - r
        frame[f"{k}:better"] = np.select(
            [~np.isfinite(gain), gain > 0, gain < 0], ["undefined", "alternative", "reference"],
            "tie")
    return frame.reset_index()


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a share k/n (scipy); NaN without worlds."""
    if n == 0:
        return math.nan, math.nan
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def shares(rob: Robustness, table: pd.DataFrame) -> pd.DataFrame:
    """Per key KPI: in how many worlds each policy is better, the alternative's share of
    the worlds where the KPI is defined with its interval, and the spread of the
    paired difference over worlds."""
    rows = []
    for k in rob.kpis:
        counts = table[f"{k}:better"].value_counts()
        n_alt, n_ref = int(counts.get("alternative", 0)), int(counts.get("reference", 0))
        n_tie = int(counts.get("tie", 0))
        n = n_alt + n_ref + n_tie
        lo, hi = wilson(n_alt, n)
        d = table[f"{k}:difference"].to_numpy(float)
        d = d[np.isfinite(d)]
        q = np.quantile(d, [0.1, 0.5, 0.9]) if len(d) else [math.nan] * 3
        rows.append({"kpi": k, "label": flat_label(k), "unit": declaration(k).unit,
                     "better": declaration(k).better, "worlds": n,
                     "alternative_better": n_alt, "reference_better": n_ref, "ties": n_tie,
                     "undefined": int(counts.get("undefined", 0)),
                     "share": n_alt / n if n else math.nan, "share_lo": lo, "share_hi": hi,
                     "difference_p10": float(q[0]), "difference_median": float(q[1]),
                     "difference_p90": float(q[2])})
    return pd.DataFrame(rows)


def prim_box(x: pd.DataFrame, y: np.ndarray, threshold: float) -> dict[str, Any]:
    """PRIM's first box (ema_workbench) of the worlds where ``y`` holds.

    On PRIM's peeling and pasting trajectory the box chosen is the one with the largest
    coverage whose density reaches ``threshold`` (the first that dense; the usual
    trade-off choice). Limits whose quasi-p-value is ``QP_DROP`` or more trim empty
    corners rather than separate the cases, so they are dropped one at a time, the
    least telling first, the rest judged again after each
    (``PrimBox.drop_restriction``); coverage and density are those of the box that
    remains. ``status``: ``box``; ``everywhere`` (the
    whole plausible range is that dense); ``none`` (no box on the trajectory is that
    dense, or only by limits no better than chance); ``never`` or ``always`` (``y``);
    ``undefined`` (no worlds).
    """
    y = np.asarray(y, dtype=int)
    n, n_true = len(y), int(y.sum())
    result: dict[str, Any] = {"worlds": n, "cases": n_true, "threshold": threshold,
                              "status": "box", "coverage": math.nan, "density": math.nan,
                              "mass": math.nan, "limits": [], "trajectory": []}
    if n_true == 0 or n_true == n:
        result["status"] = "undefined" if n == 0 else "never" if n_true == 0 else "always"
        return result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ipyparallel missing; pandas deprecations in 2.5.3
        from ema_workbench.analysis import prim

        # as floats: 2.5.3 pastes a fractional limit into an integer column, which
        # pandas 3 refuses
        box = prim.Prim(x.reset_index(drop=True).astype(float), y,
                        threshold=threshold).find_box()
        trajectory = box.peeling_trajectory
        result["trajectory"] = [
            {"coverage": float(r.coverage), "density": float(r.density),
             "mass": float(r.mass), "res_dim": int(r.res_dim)}
            for r in trajectory.itertuples()]
        dense = trajectory[trajectory["density"] >= threshold]
        if dense.empty:
            result["status"] = "none"
            return result
        i = int(dense["coverage"].idxmax())
        box.select(i)
        stats, limits = box.inspect(i, style="data")[0]
        dropped = []
        while len(limits) and (qp := limits.apply(_qp, axis=1)).max() >= QP_DROP:
            dropped.append(str(qp.idxmax()))  # the least telling limit, then look again
            box.drop_restriction(dropped[-1])
            i = len(box.peeling_trajectory) - 1
            stats, limits = box.inspect(i, style="data")[0]
    result.update(coverage=float(stats["coverage"]), density=float(stats["density"]),
                  mass=float(stats["mass"]), dropped=dropped)
    initial = x.agg(["min", "max"])
    for key in limits.index:
        result["limits"].append({
            "key": key, "lo": float(limits.loc[key].iloc[0]),
            "hi": float(limits.loc[key].iloc[1]), "range_lo": float(initial.loc["min", key]),
            "range_hi": float(initial.loc["max", key]), "qp": _qp(limits.loc[key])})
    if not result["limits"]:
        result["status"] = "everywhere" if result["density"] >= threshold else "none"
    return result


def _qp(row: pd.Series) -> float:
    """A limit's quasi-p-value: the smaller of its restricted sides' (ema: -1 or NaN where
    a side is not restricted)."""
    qp = [float(v) for v in row.iloc[2:4] if np.isfinite(v) and v >= 0]
    return min(qp) if qp else math.nan


def boxes(rob: Robustness, table: pd.DataFrame) -> list[dict[str, Any]]:
    """PRIM per key KPI, on "alternative better" and on "reference better"."""
    out = []
    for k in rob.kpis:
        defined = table[table[f"{k}:better"] != "undefined"]
        for who in OUTCOMES:
            box = prim_box(defined[rob.keys], (defined[f"{k}:better"] == who).to_numpy(),
                           rob.prim_threshold)
            out.append({"kpi": k, "better": who, **box})
    return out


def analyse(rob: Robustness, runs: pd.DataFrame,
            hashes: dict[tuple[int, str], str] | None = None) -> dict[str, Any]:
    """Shares and PRIM boxes of a robustness sweep's runs, with what they rest on."""
    from .sweep import replication_seeds

    exp = rob.experiment
    table = worlds(rob, runs, hashes)
    base = dict(exp.base_set)
    return {
        "format": FORMAT,
        "meta": {
            "experiment": exp.name, "file": exp.path, "sha256": exp.sha256,
            "reference": rob.reference, "alternative": rob.alternative,
            "contrast": list(rob.contrast), "points": exp.design.n,
            "design_seed": exp.design_seed, "master_seed": exp.master_seed,
            "seed_per_point": exp.seed_per_point,
            "replication_seeds": None if exp.seed_per_point else
            replication_seeds(exp.master_seed, exp.replications),
            "days": exp.days, "warmup_days": exp.warmup_days, "base_set": base,
            "prim_threshold": rob.prim_threshold, "confidence": CONFIDENCE,
            "worlds_complete": len(table),
            "analysed_with": code_version()},
        "uncertainties": [{"key": f.key, "lo": f.lo, "hi": f.hi, "unit": f.spec.unit,
                           "label": f.spec.label, "default": f.spec.default, "why": f.why}
                          for f in exp.uncertainties],
        "kpis": list(rob.kpis),
        "shares": shares(rob, table),
        "boxes": boxes(rob, table),
        "worlds": table,
    }


# --- writing and reading the outputs ------------------------------------------------


def box_rows(found: list[dict[str, Any]]) -> pd.DataFrame:
    """The PRIM boxes as a flat table: one row per restricted parameter (or per box
    without restrictions)."""
    rows = []
    for b in found:
        head = {"kpi": b["kpi"], "better": b["better"], "status": b["status"],
                "cases": b["cases"], "worlds": b["worlds"], "coverage": b["coverage"],
                "density": b["density"], "mass": b["mass"]}
        for lim in b["limits"] or [{}]:
            rows.append({**head, "key": lim.get("key", ""), "lo": lim.get("lo", math.nan),
                         "hi": lim.get("hi", math.nan), "qp": lim.get("qp", math.nan)})
    return pd.DataFrame(rows)


def write_outputs(out: Path, analysis: dict[str, Any]) -> None:
    """robustness.json, worlds.parquet, shares.csv, boxes.csv, robustness.md and
    robustness.html in ``out``, each written atomically."""
    payload = as_payload(analysis)
    text = json.dumps(payload, indent=2) + "\n"
    atomic_write(out / RESULT, lambda p: Path(p).write_text(text, encoding="utf-8"))
    atomic_write(out / "worlds.parquet",
                 lambda p: analysis["worlds"].to_parquet(p, index=False))
    atomic_write(out / "shares.csv",
                 lambda p: analysis["shares"].to_csv(p, index=False))
    atomic_write(out / "boxes.csv", lambda p: box_rows(analysis["boxes"]).to_csv(p, index=False))
    md = render_markdown(payload, level=1)
    atomic_write(out / "robustness.md", lambda p: Path(p).write_text(md, encoding="utf-8"))
    html = render_html(payload)
    atomic_write(out / "robustness.html", lambda p: Path(p).write_text(html, encoding="utf-8"))


def read_result(out: str | os.PathLike) -> dict[str, Any]:
    """The analysis a robustness run wrote in ``out`` (its robustness.json); one
    InputError line if there is none."""
    path = Path(out) / RESULT
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(out), "", _MISSING, "holds no robustness results (no "
                         f"{RESULT}); run 'samenspel robustness' into it first") from None
    except (OSError, ValueError) as err:
        raise InputError(str(path), "", _MISSING, f"is unreadable: {err}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(str(path), "format", payload.get("format") if isinstance(
            payload, dict) else _MISSING, f"must be {FORMAT}")
    return payload


# --- words ----------------------------------------------------------------------------


def _name(payload: dict[str, Any], who: str) -> str:
    """The scenario label of ``alternative`` or ``reference``."""
    return payload["meta"][who]


def condition(lim: dict[str, Any]) -> str:
    """A box limit in words: ``key >= lo``, ``key <= hi`` or ``lo <= key <= hi``."""
    lo_cut = lim["lo"] > lim["range_lo"] + 1e-12
    hi_cut = lim["hi"] < lim["range_hi"] - 1e-12
    key = f"`{lim['key']}`"
    if lo_cut and hi_cut:
        return f"{fmt(lim['lo'])} <= {key} <= {fmt(lim['hi'])}"
    return f"{key} >= {fmt(lim['lo'])}" if lo_cut else f"{key} <= {fmt(lim['hi'])}"


def box_words(b: dict[str, Any]) -> str:
    """Where a box lies, in words."""
    if b["status"] == "undefined":
        return "nowhere: the KPI is undefined in every world"
    if b["status"] == "never":
        return "in no world"
    if b["status"] == "always":
        return "in every world"
    if b["status"] == "none":
        return (f"no region where this holds in {fmt(b['threshold'])} of the worlds, beyond "
                "chance")
    if b["status"] == "everywhere":
        return f"everywhere (it holds in {fmt(b['density'])} of all worlds)"
    return " and ".join(condition(lim) for lim in b["limits"])


def summary_sentence(payload: dict[str, Any]) -> str:
    """The section's one sentence: what was checked, against what, and the result."""
    m = payload["meta"]
    parts = [f"{flat_label(s['kpi']).lower()} in {s['alternative_better']} of {s['worlds']}"
             for s in payload["shares"]]
    return (f"Over {m['worlds_complete']} plausible worlds (a Latin hypercube over "
            f"{len(payload['uncertainties'])} assumption-marked parameters, each within the "
            f"range below, both policies with the same seed per world), "
            f"{_name(payload, 'alternative')} beats {_name(payload, 'reference')} on "
            + "; ".join(parts) + ".")


def render_markdown(payload: dict[str, Any], level: int = 2,
                    figures: tuple[str, ...] = (), timings: bool = True) -> str:
    """The robustness section in Markdown; ``figures`` are image files beside it.

    ``timings=False`` leaves out how the run went (wall times, sessions, executor), so
    that a report built from a resumed run reads the same as one from a single run.
    """
    h = "#" * level
    m = payload["meta"]
    alt, ref = _name(payload, "alternative"), _name(payload, "reference")
    lines = [f"{h} Robustness of the policy answer", "", summary_sentence(payload), "",
             f"The share counts the worlds where {alt} is strictly better than {ref} on "
             "the KPI, in the direction `sim/kpis.py` "
             f"declares; the interval ({m['confidence']:.0%}, Wilson) covers the sampling of "
             "worlds and the run noise of one paired seed per world, given the ranges. The "
             "ranges themselves are judgments, listed with their reasons below; that larger "
             "uncertainty is not in the interval.", "",
             f"| KPI | better | {alt} better | {ref} better | ties | share of worlds "
             f"where {alt} is better (likely between) | difference {alt} - {ref}, median "
             "(10% to 90% of worlds) |",
             "|---|---|---|---|---|---|---|"]
    for s in payload["shares"]:
        lines.append(
            f"| {s['label']} (`{s['kpi']}`, {s['unit']}) | {s['better']} | "
            f"{s['alternative_better']} | {s['reference_better']} | {s['ties']} | "
            f"{fmt(s['share'])} {fmt_interval(s['share_lo'], s['share_hi'])} | "
            f"{fmt(s['difference_median'])} "
            f"{fmt_interval(s['difference_p10'], s['difference_p90'])} |")
    lines += ["", f"{h}# When the answer flips: PRIM boxes", "",
              "Scenario discovery with PRIM (`ema_workbench.analysis.prim`): per KPI and per "
              "policy, the box of parameter limits where that policy is better. Of the "
              "boxes on PRIM's peeling trajectory the one with the largest coverage whose "
              f"density reaches {fmt(m['prim_threshold'])} is taken, then its limits with a "
              f"quasi-p-value of {fmt(QP_DROP)} or more are dropped one at a time (they trim "
              "empty corners rather than separate the cases), so a box's density can end "
              "below the threshold. Coverage: the share of "
              "the worlds where the policy is better that lie in the box; density: the share "
              "of the worlds in the box where it is better; qp: PRIM's quasi-p-value of a "
              "limit (small: the limit is no accident of sampling).", "",
              "| KPI | better | worlds where better | box | coverage | density | mass | qp |",
              "|---|---|---|---|---|---|---|---|"]
    for b in payload["boxes"]:
        qp = ", ".join(fmt(lim["qp"]) for lim in b["limits"]) or "-"
        lines.append(f"| {flat_label(b['kpi'])} | {_name(payload, b['better'])} | "
                     f"{b['cases']} of {b['worlds']} | {box_words(b)} | {fmt(b['coverage'])} | "
                     f"{fmt(b['density'])} | {fmt(b['mass'])} | {qp} |")
    lines += ["", f"{h}# The plausible ranges", "",
              "| parameter | default | range | unit | why this range |", "|---|---|---|---|---|"]
    for u in payload["uncertainties"]:
        lines.append(f"| `{u['key']}` ({u['label']}) | {fmt(u['default'])} | "
                     f"{fmt(u['lo'])}-{fmt(u['hi'])} | {u['unit']} | {u['why']} |")
    base = ", ".join(f"`{k}` = {v}" for k, v in m["base_set"].items()) or "none"
    lines += ["", f"Experiment `{m['experiment']}` (sha256 `{m['sha256'][:12]}`), "
              f"{m['points']} worlds (design seed {m['design_seed']}), master seed "
              f"{m['master_seed']} ("
              + ("each world its own seed" if m.get("seed_per_point") else
                 f"replication seeds {m['replication_seeds']}")
              + ", the same for both policies), "
              f"{m['days']} days from a warm start, warm-up {m['warmup_days']} days; "
              f"fixed in both bases: {base}. Code version `{m.get('code_version')}`; runs "
              f"{m.get('runs_done')} of {m.get('runs_planned')} done, "
              f"{m.get('runs_failed')} failed"
              + (f"; sweep {fmt(m.get('sweep_s', math.nan))} s of wall time over "
                 f"{m.get('sessions')} session(s) (the last on {m.get('executor')}), "
                 f"analysis {fmt(m.get('analysis_s', math.nan))} s" if timings else "")
              + ". Each world's seed and two scenario hashes are in worlds.parquet.", ""]
    lines += [f"![{f}]({f})" for f in figures]
    return "\n".join(lines) + "\n"


# --- figures ----------------------------------------------------------------------------


def shares_figure(payload: dict[str, Any]):
    """The share of worlds where the alternative wins, per key KPI, with its interval."""
    import plotly.graph_objects as go

    rows = payload["shares"]
    labels = [f"{s['label']}<br>{s['alternative_better']} of {s['worlds']} worlds"
              for s in rows]
    share, lo, hi = ([math.nan if s[k] is None else s[k] for s in rows]  # JSON null: NaN
                     for k in ("share", "share_lo", "share_hi"))
    fig = go.Figure(go.Scatter(  # a dot with its interval reads better than a bar
        x=share, y=labels, mode="markers", marker={"size": 12, "color": "#1f77b4"},
        error_x={"type": "data", "symmetric": False,
                 "array": [h - s for s, h in zip(share, hi, strict=True)],
                 "arrayminus": [s - lo_ for s, lo_ in zip(share, lo, strict=True)]},
        customdata=[s["kpi"] for s in rows],
        hovertemplate="%{customdata}: %{x:.2f}<extra></extra>"))
    fig.add_vline(x=0.5, line_dash="dot", line_color="#7f7f7f")
    fig.update_layout(
        title=f"Share of plausible worlds where {_name(payload, 'alternative')} beats "
        f"{_name(payload, 'reference')}", template="plotly_white",
        xaxis={"title": f"share of worlds ({payload['meta']['confidence']:.0%} interval)",
               "range": [0, 1]},
        yaxis={"autorange": "reversed"}, width=900, height=140 + 60 * len(rows),
        margin={"l": 300})
    return fig


def _prim_lines(payload: dict[str, Any]) -> list[tuple[dict[str, Any], str, str, str]]:
    """The boxes that have a trajectory, each with its name, colour and dash."""
    from .figures import PALETTE

    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(payload["kpis"])}
    return [(b, f"{flat_label(b['kpi'])}: {_name(payload, b['better'])} better",
             colours[b["kpi"]], "solid" if b["better"] == "alternative" else "dot")
            for b in payload["boxes"] if b["trajectory"]]


def prim_tradeoff_figure(payload: dict[str, Any]):
    """PRIM's trade-off per KPI and outcome: coverage against density along the peeling,
    the chosen box starred (after dropping chance limits it may lie off its line)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for b, name, colour, dash in _prim_lines(payload):
        t = b["trajectory"]
        fig.add_trace(go.Scatter(
            x=[p["coverage"] for p in t], y=[p["density"] for p in t], mode="lines",
            line={"color": colour, "dash": dash}, name=name, legendgroup=name,
            hovertemplate="coverage %{x:.2f}, density %{y:.2f}<extra>" + name + "</extra>"))
        if b["status"] == "box":
            fig.add_trace(go.Scatter(x=[b["coverage"]], y=[b["density"]], mode="markers",
                                     marker={"symbol": "star", "size": 13, "color": colour},
                                     legendgroup=name, showlegend=False))
    fig.add_hline(y=payload["meta"]["prim_threshold"], line_dash="dot", line_color="#7f7f7f")
    fig.update_layout(title="When the answer flips: PRIM's peeling trade-off",
                      template="plotly_white", width=1000, height=650,
                      xaxis={"title": "coverage", "range": [0, 1.02]},
                      yaxis={"title": "density", "range": [0, 1.02]},
                      legend={"font": {"size": 10}})
    return fig


def prim_boxes_figure(payload: dict[str, Any]):
    """The chosen boxes' limits, each as the part of its plausible range it keeps."""
    import plotly.graph_objects as go

    fig = go.Figure()
    rows = 0
    for b, name, colour, dash in _prim_lines(payload):
        for lim in b["limits"] if b["status"] == "box" else []:
            span = lim["range_hi"] - lim["range_lo"] or 1.0
            label = f"{lim['key']}<br>{name}"
            rows += 1
            fig.add_trace(go.Scatter(
                x=[(lim["lo"] - lim["range_lo"]) / span, (lim["hi"] - lim["range_lo"]) / span],
                y=[label, label], mode="lines+markers", name=name, legendgroup=name,
                showlegend=False, line={"color": colour, "width": 6, "dash": dash},
                hovertemplate=f"{lim['key']}: {fmt(lim['lo'])} to {fmt(lim['hi'])}"
                "<extra></extra>"))
    fig.update_layout(title="When the answer flips: PRIM boxes (the part of each plausible "
                      "range a box keeps)", template="plotly_white", width=1000,
                      height=max(300, 120 + 48 * rows), margin={"l": 420},
                      xaxis={"title": "share of the plausible range", "range": [-0.02, 1.02]},
                      yaxis={"autorange": "reversed", "tickfont": {"size": 10}})
    return fig


FIGURES = {"robustness_shares": shares_figure, "robustness_prim": prim_tradeoff_figure,
           "robustness_boxes": prim_boxes_figure}


def render_html(payload: dict[str, Any]) -> str:
    """A standalone page: the section's text as preformatted Markdown and its figures."""
    import html

    parts = []
    for k, (name, draw) in enumerate(FIGURES.items()):
        parts.append(draw(payload).to_html(full_html=False, include_plotlyjs=(k == 0),
                                           div_id=name, config={"displaylogo": False}))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Robustness"
            "</title></head><body style='font-family:sans-serif;max-width:1300px'>"
            f"<pre style='white-space:pre-wrap'>{html.escape(render_markdown(payload))}</pre>"
            + "".join(parts) + "</body></html>\n")


# --- the validation report's section ----------------------------------------------------


EXPERIMENT = Path(__file__).resolve().parent.parent.parent / "experiments" / \
    "robustness_access.toml"


def validation_section(out: Path, mode: str = "full", workers: int | None = None,
                       progress: bool = True) -> str:
    """The "Robustness of the policy answer" section of ``samenspel validate``.

    Full: the 500 worlds of ``experiments/robustness_access.toml`` into
    ``results/validation/robustness-<code version>-<file hash>`` (resumed when
    interrupted, re-analysed when finished);
    quick: a few short worlds in a temporary directory. Its figures are written to
    ``out`` as PNG; returns the Markdown.
    """
    import tempfile

    import plotly.io as pio

    from .executors import make_executor

    rob = load_robustness(EXPERIMENT)
    with tempfile.TemporaryDirectory() as tmp:
        if mode == "full":
            data = Path("results") / "validation" / (
                f"robustness-{code_version()}-{rob.experiment.sha256[:8]}")
        else:
            rob = rob.with_overrides(*QUICK)
            data = Path(tmp) / "robustness"
        with make_executor(workers) as executor:
            _, analysis = run_robustness(rob, data, executor=executor,
                                         resume=(data / "manifest.json").is_file(),
                                         progress=progress)
    payload = as_payload(analysis)
    figs = [draw(payload) for draw in FIGURES.values()]
    names = [f"{name}.png" for name in FIGURES]
    pio.write_images(figs, [out / n for n in names], width=[f.layout.width for f in figs],
                     height=[f.layout.height for f in figs])
    return render_markdown(payload, level=2, figures=tuple(names), timings=False)


def as_payload(analysis: dict[str, Any]) -> dict[str, Any]:
    """The analysis as robustness.json holds it: plain JSON values, tables as records."""
    payload = {k: v for k, v in analysis.items() if k != "worlds"}
    payload["shares"] = analysis["shares"].to_dict(orient="records")
    return json.loads(json.dumps(jsonable(payload), default=str))
