"""Analysis of a sweep directory: summary tables, sensitivity indices, threshold crossings.

* Summary: per scenario and design point, the mean of each KPI with its 95% t
  interval over replications; with several base scenarios, also the paired
  difference against the first.
* ``sobol`` and ``morris`` designs: SALib's indices with their bootstrap
  confidence intervals, per KPI, base scenario and lever combination. Each design
  point's KPI is first averaged over its replications.
* ``grid`` designs: where a KPI crosses a threshold the user names, walking along
  one factor (``along``) for every combination of the others, by linear
  interpolation between grid points. The crossing of the interval bounds brackets
  it (for example, where the waiting list starts to grow without bound).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..kpis import flat_label, title
from ..scenario import _MISSING, InputError
from .compare import compare_runs, format_table
from .manifest import read_manifest
from .stats import CONFIDENCE, fmt_estimate, t_interval
from .sweep import load_design, load_failures, load_runs

#: What an analysis shows unless told otherwise; the waits count everyone who waited.
HEADLINE_KPIS = ("first_contact_days_median", "queue_wait_days_mean_all", "utilization",
                 "waitlist_end", "answered_share", "crises", "withdrawn", "bystander_unanswered")


def _kpis(manifest: dict, wanted: Sequence[str] | None, where: str = "--kpis") -> list[str]:
    kept = list(manifest.get("kpis") or [])
    if wanted:
        for k in wanted:
            if k not in kept:
                raise InputError("analyse", where, k, "is not a KPI kept in this sweep; kept: "
                                 + ", ".join(kept))
        return list(wanted)
    explicit = manifest.get("settings", {}).get("kpis")
    if explicit and len(explicit) <= 8:
        return list(explicit)
    return [k for k in HEADLINE_KPIS if k in kept] or kept[:6]


def point_summary(runs: pd.DataFrame, factors: list[str], kpis: list[str],
                  confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per scenario and design point: runs, and each KPI's mean and interval (wide)."""
    rows = []
    keys = ["scenario", "point"]
    for (scenario, point), g in runs.groupby(keys, sort=True):
        row: dict[str, Any] = {"scenario": scenario, "point": point, "runs": len(g)}
        for f in factors:
            row[f] = g[f].iloc[0]
        for k in kpis:
            mean, lo, hi = t_interval(g[k].dropna().to_numpy(), confidence)
            row[k] = mean
            row[f"{k} ci_lo"] = lo
            row[f"{k} ci_hi"] = hi
        rows.append(row)
    return pd.DataFrame(rows)


def spread_table(runs: pd.DataFrame, kpis: list[str], crossed: list[str]) -> pd.DataFrame:
    """Sampling designs: per scenario and policy, each KPI over the sampled futures.

    Each point's KPI is first averaged over its replications; the table gives the
    mean over the points and the 5%, 50% and 95% quantiles (robustness of a policy).
    """
    rows = []
    point_means = runs.groupby(["scenario", "policy", "point"], sort=True)[kpis].mean()
    for (scenario, policy), g in point_means.groupby(level=[0, 1], sort=True):
        row: dict[str, Any] = {"scenario": scenario, "policy": int(policy), "points": len(g)}
        first = runs[(runs["scenario"] == scenario) & (runs["policy"] == policy)].iloc[0]
        for k in crossed:
            row[k] = first[k]
        for k in kpis:
            v = g[k].dropna()
            row[k] = float(v.mean()) if len(v) else math.nan
            for q in (5, 50, 95):
                row[f"{k} p{q}"] = float(np.percentile(v, q)) if len(v) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def format_spread(table: pd.DataFrame, kpis: list[str], crossed: list[str]) -> str:
    shown = table[["scenario", "policy", "points", *crossed]].copy()
    for k in kpis:
        shown[k] = [f"{m:.4g} ({a:.4g} .. {b:.4g})" if math.isfinite(m) else "-"
                    for m, a, b in zip(table[k], table[f"{k} p5"], table[f"{k} p95"],
                                       strict=True)]
    with pd.option_context("display.max_rows", 500, "display.width", 200,
                           "display.max_colwidth", 40):
        return shown.to_string(index=False)


def format_point_summary(table: pd.DataFrame, factors: list[str], kpis: list[str]) -> str:
    """:func:`point_summary` as text: each KPI as ``mean [lo, hi]``, by scenario and point."""
    if table.empty:
        return "no finished runs"
    shown = table[["scenario", "point", "runs", *factors]].copy()
    for k in kpis:
        shown[k] = [fmt_estimate(m, lo, hi) for m, lo, hi in
                    zip(table[k], table[f"{k} ci_lo"], table[f"{k} ci_hi"], strict=True)]
    with pd.option_context("display.max_rows", 500, "display.width", 200,
                           "display.max_colwidth", 40):
        return shown.to_string(index=False)


def kpi_legend(kpis: Sequence[str]) -> str:
    """What each KPI column of a table is, from its declaration."""
    return "\n".join(["KPIs:", *(f"  {k}: {title(k)}" for k in kpis)])


# --- sensitivity ------------------------------------------------------------------------


def block_size(design: dict) -> int:
    """Rows per trajectory (Morris) or per base sample (Saltelli) of a sampling design."""
    d = len(design["problem"]["names"])
    if design["kind"] == "morris":
        return d + 1
    return 2 * d + 2 if design["second_order"] else d + 2


def sensitivity(manifest: dict, runs: pd.DataFrame, design: pd.DataFrame, kpis: list[str],
                seed: int = 0) -> pd.DataFrame:
    """SALib indices with confidence intervals, tidy: one row per KPI, group and factor.

    A design point's KPI is its mean over replications. Where a point has no value
    (its runs failed or are unfinished, or the KPI is undefined there, such as a mean
    wait with nobody waiting), its whole trajectory (Morris) or base sample (Sobol) is
    left out, which keeps the estimators valid with fewer samples; the ``note``
    column says so.
    """
    d = manifest["design"]
    kind = d["kind"]
    prob = d["problem"]
    names = prob["names"]
    prob = {"num_vars": prob["num_vars"], "names": names,
            "bounds": [list(b) for b in prob["bounds"]]}
    size = block_size(d)
    rows = []
    for (scenario, policy), g in runs.groupby(["scenario", "policy"], sort=True):
        pts = design[design["policy"] == policy].sort_values("sample")
        means = g.groupby("sample")[kpis].mean()
        ran = pts["sample"].isin(g["sample"]).to_numpy()
        for kpi in kpis:
            y = means[kpi].reindex(pts["sample"]).to_numpy(float)
            base = {"kpi": kpi, "scenario": scenario, "policy": int(policy)}
            blocks = len(y) // size
            ok = ~np.isnan(y).reshape(blocks, size).any(axis=1)
            note = ""
            if not ok.all():
                no_runs = int((~ran).sum())
                undefined = int(np.isnan(y).sum()) - no_runs
                why = []
                if no_runs:
                    why.append(f"{no_runs} points without finished runs (resume the sweep)")
                if undefined:
                    why.append(f"{undefined} points where the KPI is undefined")
                unit = "trajectories" if kind == "morris" else "base samples"
                note = f"{int((~ok).sum())} of {blocks} {unit} left out: " + "; ".join(why)
            if ok.sum() < 2:
                rows.append({**base, "factor": None, "note": note or "too few samples"})
                continue
            keep = np.repeat(ok, size)
            y = y[keep]
            if np.ptp(y) == 0:
                rows.append({**base, "factor": None, "note": "KPI constant over the design"})
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if kind == "morris":
                    from SALib.analyze import morris

                    x = pts[[f"x.{n}" for n in names]].to_numpy(float)[keep]
                    res = morris.analyze(prob, x, y, num_levels=d["levels"], seed=seed,
                                         conf_level=CONFIDENCE)
                    for i, n in enumerate(names):
                        rows.append({**base, "factor": n, "mu_star": res["mu_star"][i],
                                     "mu_star_conf": res["mu_star_conf"][i],
                                     "mu": res["mu"][i], "sigma": res["sigma"][i],
                                     "note": note})
                else:
                    from SALib.analyze import sobol

                    res = sobol.analyze(prob, y, calc_second_order=d["second_order"],
                                        seed=seed, conf_level=CONFIDENCE)
                    for i, n in enumerate(names):
                        rows.append({**base, "factor": n, "S1": res["S1"][i],
                                     "S1_conf": res["S1_conf"][i], "ST": res["ST"][i],
                                     "ST_conf": res["ST_conf"][i], "note": note})
    return pd.DataFrame(rows)


def regression_sensitivity(runs: pd.DataFrame, factors: Sequence[str], kpi: str,
                           n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Standardized regression coefficients (SRC) of a KPI on the numeric swept factors, per
    scenario, with percentile bootstrap 95% intervals over runs: a sensitivity index for
    designs SALib has no estimator for (grid). ``r2`` is the share of the KPI's variance the
    linear fit explains; the coefficients rank the factors only when it is high (Saltelli
    et al. 2008, ch. 1.2). Rows with no ``factor`` carry a ``note`` saying why."""
    rows = []
    rng = np.random.default_rng(seed)
    for scenario, g in runs.groupby("scenario", sort=True):
        cols = [f for f in factors if f in g and pd.api.types.is_numeric_dtype(g[f])
                and g[f].nunique() > 1]
        data = g[[*cols, kpi]].dropna().astype(float)
        base = {"kpi": kpi, "scenario": scenario}
        if not cols or len(data) < len(cols) + 3 or data[kpi].nunique() < 2:
            rows.append({**base, "factor": None, "note": "too few varied runs for a "
                         "regression" if cols else "no numeric factor varies"})
            continue
        x, y = data[cols].to_numpy(), data[kpi].to_numpy()
        src, r2 = _src(x, y)
        draws = np.array([_src(x[i], y[i])[0] for i in
                          rng.integers(0, len(y), size=(n_boot, len(y)))])
        half = (1 - CONFIDENCE) / 2 * 100
        lo, hi = np.nanpercentile(draws, [half, 100 - half], axis=0)
        for j, f in enumerate(cols):
            rows.append({**base, "factor": f, "src": src[j], "src_lo": lo[j], "src_hi": hi[j],
                         "r2": r2, "note": ""})
    return pd.DataFrame(rows)


def _src(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares coefficients on standardized inputs and output, and the fit's R^2;
    NaN where a (resampled) input or the output does not vary."""
    sx, sy = x.std(axis=0), y.std()
    if sy == 0 or (sx == 0).any():
        return np.full(x.shape[1], np.nan), math.nan
    zx, zy = (x - x.mean(axis=0)) / sx, (y - y.mean()) / sy
    beta, *_ = np.linalg.lstsq(zx, zy, rcond=None)
    return beta, float(1 - np.mean((zy - zx @ beta) ** 2))


def format_sensitivity(table: pd.DataFrame, kind: str, policies: dict[int, str]) -> str:
    if table.empty:
        return "no sensitivity indices"
    lines = []
    key = "mu_star" if kind == "morris" else "ST"
    for (kpi, scenario, policy), g in table.groupby(["kpi", "scenario", "policy"], sort=False):
        head = f"{kpi} | {scenario}" + (f" | {policies[policy]}" if policies.get(policy)
                                        else "")
        lines.append(head)
        notes = g[g["factor"].isna()]
        if len(notes):
            lines.append(f"  not analysed: {notes['note'].iloc[0]}")
            lines.append("")
            continue
        if g["note"].iloc[0]:
            lines.append(f"  ({g['note'].iloc[0]})")
        g = g.sort_values(key, ascending=False)
        width = max(len(str(f)) for f in g["factor"])
        if kind == "morris":
            lines.append(f"  {'factor':<{width}}  {'mu*':>10}  {'95% conf':>10}  "
                         f"{'mu':>10}  {'sigma':>10}")
            for r in g.itertuples():
                lines.append(f"  {r.factor:<{width}}  {r.mu_star:>10.4g}  "
                             f"{r.mu_star_conf:>10.4g}  {r.mu:>10.4g}  {r.sigma:>10.4g}")
        else:
            lines.append(f"  {'factor':<{width}}  {'S1':>8}  {'95% conf':>8}  {'ST':>8}  "
                         f"{'95% conf':>8}")
            for r in g.itertuples():
                lines.append(f"  {r.factor:<{width}}  {r.S1:>8.3f}  {r.S1_conf:>8.3f}  "
                             f"{r.ST:>8.3f}  {r.ST_conf:>8.3f}")
        lines.append("")
    label = ("Morris screening: mu* is the mean absolute elementary effect (importance), "
             "sigma its spread (non-linearity, interactions); conf is the half-width of a "
             "bootstrap 95% interval of mu*." if kind == "morris" else
             "Sobol indices: S1 first order, ST total order; conf is the half-width of a "
             "bootstrap 95% interval.")
    return "\n".join([label, "", *lines]).rstrip()


# --- threshold crossing ------------------------------------------------------------------


def _crossings(x: np.ndarray, y: np.ndarray, threshold: float) -> list[tuple[float, str]]:
    out = []
    for i in range(len(x) - 1):
        y0, y1 = y[i] - threshold, y[i + 1] - threshold
        if not (math.isfinite(y0) and math.isfinite(y1)):
            continue
        if y0 == 0 and i == 0:
            out.append((float(x[i]), "at"))
        if (y0 < 0 <= y1) or (y0 > 0 >= y1):
            xc = x[i] + (-y0) * (x[i + 1] - x[i]) / (y1 - y0)
            out.append((float(xc), "up" if y1 > y0 else "down"))
    return out


def threshold_crossing(runs: pd.DataFrame, manifest: dict, kpi: str, threshold: float,
                       along: str | None = None) -> tuple[pd.DataFrame, str]:
    """Where a KPI's mean crosses ``threshold`` along one grid factor, for every other combo.

    Returns a tidy table and the factor walked along. ``crossing`` is where the mean
    crosses; ``crossing_ci_lo``/``_hi`` where the interval bounds do, which bracket it.
    """
    d = manifest["design"]
    if d["kind"] != "grid":
        raise InputError("analyse", "--threshold", _MISSING,
                         f"threshold crossing needs a grid design; this sweep is {d['kind']}")
    numeric = [f["key"] for f in d["factors"] if f["key"] in d["crossed"]
               and f["grid"] and len(f["grid"]) > 1
               and all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in f["grid"])]
    if along is None:
        if not numeric:
            raise InputError("analyse", "--along", _MISSING, "the grid has no numeric factor with "
                             "several values to walk along")
        sizes = {f["key"]: len(f["grid"]) for f in d["factors"] if f["key"] in numeric}
        along = max(numeric, key=lambda k: (sizes[k], -numeric.index(k)))
    elif along not in numeric:
        raise InputError("analyse", "--along", along, "must be a numeric grid factor with several "
                         "values: " + (", ".join(numeric) or "none in this sweep"))
    others = [k for k in d["crossed"] if k != along]
    rows = []
    group_keys = ["scenario", *others]
    for keys, g in runs.groupby(group_keys, sort=True, dropna=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        stats = []
        for xv, gx in g.groupby(along, sort=True):
            stats.append((float(xv), *t_interval(gx[kpi].dropna().to_numpy())))
        if not stats:
            continue
        arr = np.array(stats, dtype=float)
        x, mean, lo, hi = arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]
        found = _crossings(x, mean, threshold)
        row: dict[str, Any] = dict(zip(group_keys, keys, strict=True))
        if found:
            xc, direction = found[0]
            # the upper bound crosses first on the way up, the lower bound first on the way down
            c_hi = _crossings(x, hi, threshold)
            c_lo = _crossings(x, lo, threshold)
            a = c_hi[0][0] if c_hi else math.nan
            b = c_lo[0][0] if c_lo else math.nan
            row.update(crossing=xc, direction=direction,
                       crossing_ci_lo=min(a, b) if math.isfinite(a) and math.isfinite(b)
                       else math.nan,
                       crossing_ci_hi=max(a, b) if math.isfinite(a) and math.isfinite(b)
                       else math.nan,
                       n_crossings=len(found), note="")
        else:
            side = "above" if np.nanmin(mean) > threshold else (
                "below" if np.nanmax(mean) < threshold else "undefined")
            row.update(crossing=math.nan, direction="", crossing_ci_lo=math.nan,
                       crossing_ci_hi=math.nan, n_crossings=0,
                       note=f"stays {side} {threshold:g} from {along} = {x[0]:g} to {x[-1]:g}")
        rows.append(row)
    return pd.DataFrame(rows), along


def format_crossing(table: pd.DataFrame, kpi: str, threshold: float, along: str) -> str:
    if table.empty:
        return "no finished runs"
    shown = table.copy()
    for c in ("crossing", "crossing_ci_lo", "crossing_ci_hi"):
        shown[c] = [f"{v:.4g}" if math.isfinite(v) else "-" for v in shown[c]]
    head = (f"Where the mean of {kpi} ({flat_label(kpi)}) crosses {threshold:g} along {along} "
            "(linear interpolation between grid points; crossing_ci_lo/hi: where the 95% "
            "interval bounds cross; n_crossings > 1: the curve crosses more than once, the "
            "first is shown)")
    with pd.option_context("display.max_rows", 500, "display.width", 200):
        return head + "\n" + shown.to_string(index=False)


# --- entry point ---------------------------------------------------------------------------


def _unreadable_line(out: Path, unreadable: list[str], missing: int, planned: int) -> str:
    return (f"unreadable parts, left out: {', '.join(unreadable)}; {missing} of {planned} "
            f"planned runs are missing from this analysis ('samenspel verify {out}' checks "
            "every part; --resume runs them again)")


def _add_summary(result: dict[str, Any], runs: pd.DataFrame, d: dict, factors: list[str],
                 chosen: list[str]) -> None:
    """The summary section: means with intervals per point (grid), or the spread over the
    sampled points per policy (sampling designs); the KPIs named from their declarations."""
    summary = point_summary(runs, factors, chosen)
    result["summary"] = summary
    if d["kind"] == "grid":
        result["sections"].append(("Summary (mean [95% CI] over replications)",
                                   format_point_summary(summary, factors, chosen) + "\n\n"
                                   + kpi_legend(chosen)))
        return
    spread = spread_table(runs, chosen, d["crossed"])
    result["spread"] = spread
    result["sections"].append((
        f"Summary over the {int(spread['points'].max())} sampled points per policy: "
        "mean (5% .. 95%), each point averaged over its "
        "replications (per-point values: --json, or the runs dataset)",
        format_spread(spread, chosen, d["crossed"]) + "\n\n" + kpi_legend(chosen)))


def analyse(out: str | os.PathLike, kpis: Sequence[str] | None = None,
            kpi: str | None = None, threshold: float | None = None,
            along: str | None = None) -> dict[str, Any]:
    """Everything ``samenspel analyse`` prints, as tables (and their text)."""
    out = Path(out)
    manifest = read_manifest(out)
    unreadable: list[str] = []  # damaged parts are named and the rest analysed
    runs = load_runs(out, unreadable)
    failures = load_failures(out)
    d = manifest["design"]
    factors = [f["key"] for f in d["factors"]]
    if (kpi is None) != (threshold is None):
        raise InputError("analyse", "--kpi/--threshold", _MISSING,
                         "give both --kpi and --threshold")
    if kpi is not None:
        _kpis(manifest, [kpi], where="--kpi")
    chosen = _kpis(manifest, kpis)
    result: dict[str, Any] = {"manifest": manifest, "runs": runs, "failures": failures,
                              "kpis": chosen, "sections": [], "unreadable": unreadable,
                              "runs_missing": int(manifest["planned"]) - len(runs)}
    exp = manifest["experiment"]
    head = [f"Experiment {exp['name']}: {exp.get('description') or ''}".rstrip(": "),
            f"design {d['kind']}, {d['points']} points x {len(manifest['scenarios'])} "
            f"scenarios x {manifest['settings']['replications']} replications; runs planned "
            f"{manifest['planned']}, done {manifest['done']}, failed {manifest['failed']}; "
            f"status {manifest['status']}; code {manifest['code_version']}"]
    if len(failures):
        head.append(f"{len(failures)} failed runs, e.g. {failures['run_id'].iloc[0]}: "
                    f"{failures['error'].iloc[0]} (all in {out / 'failures'})")
    if unreadable:
        head.append(_unreadable_line(out, unreadable, result["runs_missing"],
                                     manifest["planned"]))
    result["sections"].append(("Sweep", "\n".join(head)))
    if runs.empty:
        result["sections"].append(("Summary", "no finished runs yet"))
        return result

    _add_summary(result, runs, d, factors, chosen)
    if len(manifest["scenarios"]) > 1:
        blocks = []
        for point, g in runs.groupby("point", sort=True):
            table = compare_runs(g, chosen, manifest["scenarios"])
            prefix = f"point {point}:\n" if runs["point"].nunique() > 1 else ""
            blocks.append(prefix + format_table(table))
        result["sections"].append(("Paired differences against the first scenario",
                                   "\n\n".join(blocks)))
    if d["kind"] in ("sobol", "morris"):
        design = load_design(out)
        sens = sensitivity(manifest, runs, design, chosen, seed=int(d.get("seed") or 0))
        result["sensitivity"] = sens
        policies = {}
        crossed = d["crossed"]
        if crossed:
            for policy, g in design.groupby("policy"):
                first = g.iloc[0]
                policies[int(policy)] = ", ".join(f"{k} = {first[k]}" for k in crossed)
        result["sections"].append((f"Sensitivity ({d['kind']})",
                                   format_sensitivity(sens, d["kind"], policies)))
    if kpi is not None:
        assert threshold is not None
        crossing, along = threshold_crossing(runs, manifest, kpi, threshold, along)
        result["crossing"] = crossing
        result["sections"].append(("Threshold", format_crossing(crossing, kpi, threshold,
                                                                along)))
    elif d["kind"] == "grid" and d["crossed"]:
        result["sections"].append(("Threshold", "For where a KPI crosses a threshold, add "
                                   "--kpi KPI --threshold VALUE [--along FACTOR], e.g. "
                                   "--kpi waitlist_end --threshold 100"))
    return result


def render(result: dict[str, Any]) -> str:
    """The sections of :func:`analyse`, as ``samenspel analyse`` prints them."""
    return "\n\n".join(f"== {heading} ==\n{text}" for heading, text in result["sections"])
