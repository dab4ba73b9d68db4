"""The access answer against load: the paired contrast of two scenarios as demand rises.

The access comparison (``samenspel compare``) answers at one level of demand. Whether
walk-in or the front desk is better can turn with the load on the team, so this study
asks the same question at several loads: ``needs.rate_per_resident_year`` of both
scenarios scaled by factors of their own value (1.0: as the scenarios are), with the
same replication seeds at every factor and for both scenarios (common random numbers).
The seeds are paired only if both scenarios meet the same needs, so the two must have
the same need rate; a pair that differs in it is refused before any run.

It is a sweep (:func:`.sweep.run_sweep`): a grid of one lever, the need rate, run under
both scenarios, so executors, the progress bar, ``--resume``, the lock, the manifest and
``samenspel verify`` work as for every sweep, and the experiment it ran is kept as
``experiment.toml``. On top of the runs, written beside them::

    load.csv       tidy: one row per factor and KPI: both means, the paired difference
                   (other minus reference) with its 95% interval, "better in k of N",
                   and the measured load of both scenarios at that factor
    runs.csv       every run's KPIs with scenario, factor, need rate, seed, scenario hash
    load.md        the answer in words (:func:`load_sentence`) and a table per KPI
    load.png       the paired difference against the factor, one panel per KPI
    manifest.json  the sweep's, plus a ``load`` entry: factors, need rates, seeds,
                   scenario hashes, the load KPI, code version

The measured load is the KPI ``offered_load`` (the case hours asked of the team over
the hours it has: demand on the team, not capped at 1 as ``utilization`` is).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..outputs import atomic_write, jsonable
from ..params import SPECS
from ..scenario import _MISSING, InputError, check_int, check_value, load_scenario
from ..version import code_version

# pandas and the lab's parts are imported by the functions that use them, so that the
# command line can read the defaults below (for its --help) without loading them.
if TYPE_CHECKING:
    import pandas as pd

    from .executors import Executor
    from .experiment import Experiment

FORMAT = "samenspel-load/1"
#: The access contrast, reference first (the presets differ only in access and desk).
DEFAULT_SCENARIOS = ("rotterdam_vraagwijzer", "schiedam_walk_in")
#: Multiples of each scenario's own need rate.
DEFAULT_FACTORS = (0.6, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5)
DEFAULT_REPLICATIONS = 8
DEFAULT_DAYS = 365
DEFAULT_OUT = Path("results") / "load"
#: The demand that is scaled.
RATE = "needs.rate_per_resident_year"
#: The outcomes reported at every factor.
KPIS = ("crises_per_1000_year", "withdrawn_per_1000_year", "first_contact_days_median",
        "plan_within_6_weeks_share")
#: The measured load: demand on the team, not capped at 1.
LOAD_KPI = "offered_load"
#: The sentence's second question: what if demand were about this much higher?
MORE = 1.2
#: The columns of load.csv.
COLUMNS = ["factor", "need_rate", "kpi", "label", "unit", "better", "reference", "other",
           "n_pairs", "mean_reference", "mean_other", "diff_mean", "diff_ci_lo", "diff_ci_hi",
           "better_in", "load_kpi", "load_reference", "load_other"]
OUTPUTS = ("load.csv", "runs.csv", "load.md", "load.png", "manifest.json")
ModelFn = Callable[[Any, int, int, int], Any]


@dataclass(frozen=True)
class LoadStudy:
    """A validated load study: the two scenarios, the factors and the sweep it runs."""

    refs: tuple[str, str]
    labels: tuple[str, str]
    factors: tuple[float, ...]
    rate: float  # both scenarios' own need rate, after --set
    replications: int
    days: int
    master_seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
    warm_start: bool = True
    experiment: Experiment | None = None

    reference = property(lambda self: self.labels[0])
    other = property(lambda self: self.labels[1])

    def need_rate(self, factor: float) -> float:
        """The need rate a factor gives, as the sweep's lever holds it."""
        return float(round(self.rate * factor, 12))


# --- checking the input ------------------------------------------------------------


def parse_factors(text: str) -> tuple[float, ...]:
    """``"0.6,0.8,1.0"`` to distinct positive factors, ascending; else one InputError line."""
    allowed = ("must be a comma-separated list of distinct numbers above 0, e.g. "
               "0.6,0.75,1.0,1.25")
    try:
        values = [float(part) for part in str(text).split(",")]
    except ValueError:
        raise InputError("load", "--factors", text, allowed) from None
    return check_factors(values, text, allowed)


def check_factors(values: Sequence[Any], shown: Any = _MISSING,
                  allowed: str = "") -> tuple[float, ...]:
    """Factors as given from Python or parsed from ``--factors``: finite, above 0, distinct."""
    allowed = allowed or "must be distinct numbers above 0"
    shown = list(values) if shown is _MISSING else shown
    ok = bool(values) and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        for v in values)
    if not ok or len(set(values)) != len(values):
        raise InputError("load", "--factors", shown, allowed)
    return tuple(sorted(float(v) for v in values))


def plan_load(scenarios: Sequence[str] = DEFAULT_SCENARIOS,
              factors: Sequence[float] = DEFAULT_FACTORS,
              replications: int = DEFAULT_REPLICATIONS, days: int = DEFAULT_DAYS,
              master_seed: int = 0, overrides: dict[str, Any] | None = None) -> LoadStudy:
    """Check everything the study needs and build its sweep, before any run.

    Every problem is one InputError line naming the flag, the value and what is allowed.
    ``overrides`` (``--set``) apply to both scenarios; one for the need rate sets the
    rate the factors multiply.
    """
    factors = check_factors(list(factors))
    if len(scenarios) != 2:
        raise InputError("load", "SCENARIO", list(scenarios), "give two scenarios, the "
                         "reference first (default: " + " ".join(DEFAULT_SCENARIOS) + ")")
    if scenarios[0] == scenarios[1]:
        raise InputError("load", "SCENARIO", list(scenarios), "must be two different scenarios")
    if isinstance(replications, bool) or not isinstance(replications, int) \
            or not 2 <= replications <= 1_000_000:
        raise InputError("load", "--replications", replications, "must be an integer from 2 "
                         "to 1000000: a paired interval needs at least two pairs")
    days = check_int("load", "--days", days, 1, int(SPECS["days"].hi))
    master_seed = check_int("load", "--seed", master_seed, 0, 2**63 - 1)
    overrides = dict(overrides or {})
    loaded = [load_scenario(ref, overrides) for ref in scenarios]  # unknown: one line
    rates = [s.needs.rate_per_resident_year for s in loaded]
    if rates[0] != rates[1]:
        raise InputError("load", "SCENARIO", list(scenarios), f"must have the same need rate "
                         f"to be paired ({RATE}: {rates[0]:g} and {rates[1]:g}); give them "
                         f"one with --set {RATE}=...")
    study = LoadStudy(tuple(scenarios), (loaded[0].name, loaded[1].name), factors,
                      float(rates[0]), replications, days, master_seed, overrides,
                      warm_start=all(s.start.warm for s in loaded))
    for f in factors:
        try:
            check_value(RATE, study.need_rate(f), "load")
        except InputError as err:
            raise InputError("load", "--factors", ",".join(f"{x:g}" for x in factors),
                             f"factor {f:g} gives {RATE} = {study.need_rate(f):g}, which "
                             f"{err.allowed}") from None
    from .experiment import NOT_FACTORS, experiment_from_text  # pandas, once input is read

    for key in overrides:
        if key in NOT_FACTORS:
            why = "use --days" if key == "days" else NOT_FACTORS[key]
            raise InputError("load", "--set", key, f"cannot be set here: {why}")
    exp = experiment_from_text(load_text(study), where="load")
    return dataclasses.replace(study, labels=exp.base_labels, experiment=exp)


def _toml(value: Any) -> str:
    """A TOML literal of a number, a string or a boolean (JSON writes each the same way)."""
    return json.dumps(value)


def load_text(study: LoadStudy) -> str:
    """The sweep the study runs, written out as an experiment file (kept in the output
    directory as experiment.toml; ``samenspel sweep`` runs it as it stands)."""
    shown = []
    for ref in study.refs:
        path = Path(ref)
        shown.append(str(path.resolve()) if ref.endswith(".toml") or path.exists() else ref)
    base_set = {k: v for k, v in study.overrides.items() if k != RATE}
    rates = ", ".join(_toml(study.need_rate(f)) for f in study.factors)
    factors = ", ".join(f"{f:g}" for f in study.factors)
    lines = ['name = "load"',
             "description = " + _toml(f"The access answer against load: {study.refs[1]} "
                                      f"minus {study.refs[0]}, need rate x {factors}"),
             "", "[base]", f"scenarios = {json.dumps(shown)}"]
    if base_set:
        lines.append("set = { " + ", ".join(f"{_toml(k)} = {_toml(v)}"
                                            for k, v in base_set.items()) + " }")
    lines += ["", "[levers]", f"# {study.rate:g} needs per resident a year x {factors}",
              f"{_toml(RATE)} = [{rates}]", "", "[run]",
              f"replications = {study.replications}", f"master_seed = {study.master_seed}",
              f"days = {study.days}", "warmup_days = 0", ""]
    return "\n".join(lines)


# --- running ------------------------------------------------------------------------


def run_load(study: LoadStudy, out: str | os.PathLike, executor: Executor | None = None,
             resume: bool = False, progress: bool | None = None,
             log: Callable[[str], Any] | None = None, allow_code_change: bool = False,
             model: ModelFn | None = None) -> tuple[Any, pd.DataFrame, dict[str, Any]]:
    """Sweep every factor under both scenarios into ``out``, then analyse and write.

    The sweep is :func:`.sweep.run_sweep` itself (its checks of ``out``, lock, resume and
    executors). Returns the sweep's result, the tidy table and the ``load`` entry of the
    manifest.
    """
    from .lock import results_lock
    from .manifest import read_manifest
    from .robustness import scenario_hashes
    from .sweep import load_runs, plan_runs, run_sweep

    assert study.experiment is not None, "plan the study with plan_load"
    out = Path(out)
    result = run_sweep(study.experiment, out, executor=executor, resume=resume,
                       progress=progress, model=model, log=log,
                       allow_code_change=allow_code_change, command="load")
    hashes = scenario_hashes(plan_runs(study.experiment))
    runs = tag_runs(study, load_runs(out), hashes)
    table = load_table(runs, study.reference, study.other)
    meta = load_meta(study, table, hashes, read_manifest(out).get("code_version"), result)
    with results_lock(out):  # the study's own files: one writer at a time too
        try:
            write_outputs(out, runs, table, meta)
        except OSError as err:  # a full disk: the runs are saved, the summary is not
            raise InputError("load", "--out", str(out), f"cannot write the results "
                             f"({err.strerror}); the runs are saved: make room, then run "
                             "the same command plus --resume") from None
    return result, table, meta


def tag_runs(study: LoadStudy, runs: pd.DataFrame,
             hashes: dict[tuple[int, str], str]) -> pd.DataFrame:
    """The sweep's runs as runs.csv holds them: scenario, factor, need rate, seed, scenario
    hash, horizon and every KPI (the design point of a one-lever grid is its factor's
    index)."""
    import pandas as pd

    from ..kpis import flat_names

    if runs.empty:
        return pd.DataFrame(columns=["run_id", "scenario", "factor", RATE, "replication",
                                     "seed", "scenario_hash", "days", "warmup_days"])
    frame = runs.assign(
        factor=[study.factors[p] for p in runs["point"]],
        scenario_hash=[hashes.get((p, s), "") for p, s in zip(runs["point"], runs["scenario"],
                                                               strict=True)])
    kpis = [k for k in flat_names() if k in frame.columns]
    cols = ["run_id", "scenario", "factor", RATE, "replication", "seed", "scenario_hash",
            "days", "warmup_days", *kpis]
    return frame[cols].sort_values(["factor", "replication", "scenario"], kind="stable",
                                   ignore_index=True)


# --- analysis -------------------------------------------------------------------------


def load_table(runs: pd.DataFrame, reference: str, other: str,
               kpis: Sequence[str] = KPIS) -> pd.DataFrame:
    """Per factor and KPI: both means, the paired difference ``other - reference`` with its
    interval (:func:`.compare.compare_runs`, paired on the seed), in how many paired runs
    ``other`` did better (:func:`.stats.wins`), and both scenarios' measured load."""
    import pandas as pd

    from ..kpis import declaration, flat_label
    from .compare import compare_runs
    from .stats import wins

    if runs.empty:
        return pd.DataFrame(columns=COLUMNS)
    load_kpi = LOAD_KPI
    rows = []
    for factor, at in runs.groupby("factor", sort=True):
        tab = compare_runs(at, [*kpis, load_kpi], [reference, other]).set_index(
            ["kpi", "scenario"])
        by = {s: at[at["scenario"] == s].set_index("seed") for s in (reference, other)}
        load = {s: tab.loc[(load_kpi, s), "mean"] if (load_kpi, s) in tab.index else math.nan
                for s in (reference, other)}
        for kpi in kpis:
            if (kpi, other) not in tab.index:
                continue
            r, k = tab.loc[(kpi, other)], declaration(kpi)
            better_in, _ = wins((by[other][kpi] - by[reference][kpi]).dropna(), kpi)
            rows.append({
                "factor": float(factor), "need_rate": float(at[RATE].iloc[0]), "kpi": kpi,
                "label": flat_label(kpi), "unit": k.unit, "better": k.better or "",
                "reference": reference, "other": other, "n_pairs": int(r["n_pairs"]),
                "mean_reference": tab.loc[(kpi, reference), "mean"], "mean_other": r["mean"],
                "diff_mean": r["diff_mean"], "diff_ci_lo": r["diff_ci_lo"],
                "diff_ci_hi": r["diff_ci_hi"], "better_in": better_in, "load_kpi": load_kpi,
                "load_reference": load[reference], "load_other": load[other]})
    return pd.DataFrame(rows, columns=COLUMNS)


def load_meta(study: LoadStudy, table: pd.DataFrame, hashes: dict[tuple[int, str], str],
              version: str | None, result: Any) -> dict[str, Any]:
    """The ``load`` entry of the manifest: what the study ran and on which seeds."""
    from .sweep import replication_seeds

    return {
        "format": FORMAT, "reference": study.reference, "other": study.other,
        "scenario_refs": list(study.refs), "set": dict(study.overrides),
        "factors": list(study.factors), "need_rate": study.rate,
        "need_rates": [study.need_rate(f) for f in study.factors],
        "kpis": list(KPIS),
        "load_kpi": str(table["load_kpi"].iloc[0]) if len(table) else None,
        "replications": study.replications, "master_seed": study.master_seed,
        "seeds": replication_seeds(study.master_seed, study.replications),
        "paired": "replication i has the same seed under both scenarios at every factor",
        "days": study.days, "warmup_days": 0, "warm_start": study.warm_start,
        "scenario_hashes": [{"factor": f, study.reference: hashes.get((i, study.reference)),
                             study.other: hashes.get((i, study.other))}
                            for i, f in enumerate(study.factors)],
        "code_version": version, "analysed_with": code_version(),
        "runs_planned": result.planned, "runs_done": result.done,
        "runs_failed": result.failed, "outputs": list(OUTPUTS)}


# --- words ------------------------------------------------------------------------------


def _amount(kpi: str, x: float, unit: bool = True) -> str:
    """A difference in the KPI's own terms, signed: shares in percentage points, days in
    days (``unit``: with the unit's word)."""
    from ..kpis import declaration

    k = declaration(kpi)
    if not math.isfinite(x):
        return "-"
    value = round(100.0 * x if k.is_share else x, 9)  # 1e-15 of float noise reads as 0
    shown = f"{value:.3g}"  # three significant digits: read, not audited (load.csv is exact)
    text = ("+" if value > 0 else "") + shown
    word = "percentage points" if k.is_share else "days" if k.unit == "days" else ""
    return f"{text} {word}" if unit and word else text


def _level(kpi: str, x: float) -> str:
    """A scenario's mean as a table shows it: shares in percent."""
    from ..kpis import declaration
    from .stats import fmt

    return f"{fmt(100.0 * x)}%" if declaration(kpi).is_share and math.isfinite(x) else fmt(x)


def _difference(row: Any, kpi: str, other: str, first: bool) -> str:
    """``+7.8 (likely between +5.1 and +10.5; walk-in better in 0 of 8 paired runs)``."""
    from ..kpis import declaration

    text = _amount(kpi, row["diff_mean"])
    lo, hi = row["diff_ci_lo"], row["diff_ci_hi"]
    parts = []
    if math.isfinite(lo) and math.isfinite(hi):
        parts.append(f"likely between {_amount(kpi, lo, unit=False)} and {_amount(kpi, hi)}")
    verb = "better" if declaration(kpi).better else "higher"
    who = f"{other} {verb}" if first else verb
    runs = " paired runs" if first else ""
    parts.append(f"{who} in {int(row['better_in'])} of {int(row['n_pairs'])}{runs}")
    return f"{text} ({'; '.join(parts)})"


def _factor(factor: float) -> str:
    """A factor as people write it: ``1.0``, ``1.25``, ``0.6``."""
    text = f"{factor:g}"
    return text if "." in text or "e" in text else f"{factor:.1f}"


def _demand(factor: float) -> str:
    """A factor as demand relative to the scenarios' own."""
    pct = round(100 * (factor - 1.0))
    if pct == 0:
        return f"at your load (factor {_factor(factor)})"
    return f"at {abs(pct)}% {'more' if pct > 0 else 'less'} demand (factor {_factor(factor)})"


def load_sentence(table: pd.DataFrame, kpi: str = KPIS[0], at: float = 1.0,
                  more: float = MORE, names: dict[str, str] | None = None) -> str:
    """One sentence on one KPI from the tidy table (:func:`load_table`, load.csv): the
    paired difference at your load and at about ``more`` times the demand.

    E.g. "At your load (factor 1.0), schiedam_walk_in minus rotterdam_vraagwijzer in
    crises per 1,000 residents a year is +7.8 (likely between +5.1 and +10.5;
    schiedam_walk_in better in 0 of 8 paired runs); at 25% more demand (factor 1.25) it
    is +15 (likely between +11 and +19; better in 0 of 8)."

    "Your load" is factor ``at`` or, when the table lacks it, the nearest factor; the
    second clause takes the factor above it nearest to ``more``. ``names`` gives shorter
    names to the scenarios (a dashboard's "walk-in", "desk"). Reads only the table, so a
    dashboard can call it on load.csv without rerunning anything.
    """
    from ..kpis import flat_label

    rows = table[table["kpi"] == kpi].sort_values("factor")
    if rows.empty:
        return ""
    names = names or {}
    first = rows.iloc[int((rows["factor"] - at).abs().to_numpy().argmin())]
    other = names.get(first["other"], first["other"])
    ref = names.get(first["reference"], first["reference"])
    head = _demand(first["factor"]) if first["factor"] == at else (
        f"at factor {_factor(first['factor'])}, the nearest to your load")
    text = (f"{head[0].upper()}{head[1:]}, {other} minus {ref} in "
            f"{flat_label(kpi)[0].lower()}{flat_label(kpi)[1:]} is "
            f"{_difference(first, kpi, other, first=True)}")
    higher = rows[rows["factor"] > first["factor"]]
    if len(higher):
        nxt = higher.iloc[int((higher["factor"] - more).abs().to_numpy().argmin())]
        text += f"; {_demand(nxt['factor'])} it is {_difference(nxt, kpi, other, first=False)}"
    return text + "."


def render_markdown(table: pd.DataFrame, meta: dict[str, Any], level: int = 1,
                    figure: str = "load.png") -> str:
    """load.md: the answer in words, the load at every factor, a table per KPI, provenance;
    its title at heading ``level`` (2 inside the validation report)."""
    from ..kpis import declaration, flat_label, title
    from .stats import CONFIDENCE, fmt

    ref, other = meta["reference"], meta["other"]
    sentences = [load_sentence(table, kpi) for kpi in KPIS]
    load_kpi = meta.get("load_kpi") or LOAD_KPI
    marks = "#" * level
    lines = [f"{marks} The access answer against load", "", sentences[0], ""]
    lines += [f"- {s}" for s in sentences[1:] if s]
    lines += ["", f"Demand is the base need rate `{RATE}` times the factor (1.0: the "
              f"scenarios' own, {fmt(meta['need_rate'])} a year in both). The measured load "
              f"is `{load_kpi}` ({flat_label(load_kpi).lower()}, the mean over the runs). "
              f"Differences are {other} minus {ref} over {meta['replications']} paired runs "
              "per factor (the same seeds for both scenarios at every factor); \"likely "
              f"between\" is the {CONFIDENCE:.0%} interval of the paired difference.", "",
              f"| factor | need rate | load {ref} | load {other} | scenario hash {ref} | "
              f"scenario hash {other} |", "|---:|---:|---:|---:|---|---|"]
    hashes = {h["factor"]: h for h in meta["scenario_hashes"]}
    for f, block in table.groupby("factor", sort=True):
        r, h = block.iloc[0], hashes.get(f, {})
        lines.append(f"| {_factor(f)} | {fmt(r['need_rate'])} | {fmt(r['load_reference'])} | "
                     f"{fmt(r['load_other'])} | `{h.get(ref, '')}` | `{h.get(other, '')}` |")
    for kpi in KPIS:
        block = table[table["kpi"] == kpi].sort_values("factor")
        if block.empty:
            continue
        k = declaration(kpi)
        unit = "percentage points" if k.is_share else k.unit
        lines += ["", f"{marks}# {title(kpi)}", "",
                  f"| factor | {ref} | {other} | {other} - {ref}, {unit} (likely between) | "
                  f"{other} better in |", "|---:|---:|---:|---|---:|"]
        for r in block.to_dict("records"):
            lines.append(f"| {_factor(r['factor'])} | {_level(kpi, r['mean_reference'])} | "
                         f"{_level(kpi, r['mean_other'])} | "
                         f"{_amount(kpi, r['diff_mean'], unit=False)} "
                         f"[{_amount(kpi, r['diff_ci_lo'], unit=False)}, "
                         f"{_amount(kpi, r['diff_ci_hi'], unit=False)}] "
                         f"| {int(r['better_in'])} of {int(r['n_pairs'])} |")
    lines += ["", f"Scenarios {', '.join(f'`{s}`' for s in meta['scenario_refs'])}"
              + (f" with {', '.join(f'`{k}` = {v!r}' for k, v in meta['set'].items())}"
                 if meta["set"] else "")
              + f"; {meta['days']} days from a {'warm' if meta['warm_start'] else 'cold'} "
              f"start (ODD 5); master seed "
              f"{meta['master_seed']}, replication seeds {meta['seeds']}. Code version "
              f"`{meta['code_version']}`; runs {meta['runs_done']} of "
              f"{meta['runs_planned']} done, {meta['runs_failed']} failed. Every run, with "
              "its seed and scenario hash, is in runs.csv.", "", f"![load]({figure})", ""]
    return "\n".join(lines)


# --- writing ------------------------------------------------------------------------


def write_outputs(out: Path, runs: pd.DataFrame, table: pd.DataFrame,
                  meta: dict[str, Any]) -> None:
    """load.csv, runs.csv, load.md, load.png and the manifest's ``load`` entry, each file
    written atomically."""
    import plotly.io as pio

    from .figures import load_differences
    from .manifest import read_manifest

    atomic_write(out / "load.csv", lambda p: table.to_csv(p, index=False))
    atomic_write(out / "runs.csv", lambda p: runs.to_csv(p, index=False))
    md = render_markdown(table, meta)
    atomic_write(out / "load.md", lambda p: Path(p).write_text(md, encoding="utf-8"))
    fig = load_differences(table, list(KPIS))
    atomic_write(out / "load.png", lambda p: pio.write_image(
        fig, p, format="png", width=fig.layout.width, height=fig.layout.height))
    manifest = {**read_manifest(out), "load": meta}
    text = json.dumps(jsonable(manifest), indent=2, default=str, allow_nan=False) + "\n"
    atomic_write(out / "manifest.json", lambda p: Path(p).write_text(text, encoding="utf-8"))
