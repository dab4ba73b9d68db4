"""The sweeps page's views of an opened results directory: filters on the runs,
sensitivity indices with intervals, and parallel coordinates.

Kept apart from :mod:`dashboards.sweeps` (opening and starting sweeps) so each view
is one component the page places with one line. The indices are the lab's:
:func:`sim.lab.analyse.sensitivity` (SALib, as ``samenspel analyse`` prints them)
for Morris and Sobol designs, :func:`sim.lab.analyse.regression_sensitivity`
(standardized regression coefficients) for grids.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import solara

from sim.kpis import declaration
from sim.lab.analyse import regression_sensitivity, sensitivity
from sim.lab.stats import CONFIDENCE
from sim.lab.sweep import load_design

from . import plotly_view
from .i18n import t

#: A factor with at most this many values is filtered by picking values, else by a range.
PICK_AT_MOST = 12


def numeric(runs: pd.DataFrame, column: str) -> bool:
    return pd.api.types.is_numeric_dtype(runs[column]) and \
        not pd.api.types.is_bool_dtype(runs[column])


def apply_filters(runs: pd.DataFrame, filters: dict[str, object]) -> pd.DataFrame:
    """The runs that pass every filter: a tuple of picked values, or a ``(lo, hi)`` range
    (a list) on a numeric column; an empty pick or a missing column filters nothing."""
    keep = pd.Series(True, index=runs.index)
    for column, chosen in filters.items():
        if column not in runs or not chosen:
            continue
        if isinstance(chosen, list):
            lo, hi = chosen
            keep &= runs[column].between(lo, hi)
        else:
            keep &= runs[column].astype(str).isin(chosen)
    return runs[keep]


@solara.component
def RunFilters(runs: pd.DataFrame, columns: list[str], filters: dict, set_filters,
               language: str):
    """One control per column: values to pick when few, else a range slider."""

    def put(column: str, value: object) -> None:
        set_filters({**filters, column: value})

    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        for column in columns:
            values = runs[column].dropna().unique()
            if numeric(runs, column) and len(values) > PICK_AT_MOST:
                lo, hi = float(values.min()), float(values.max())
                solara.SliderRangeFloat(column, value=filters.get(column) or [lo, hi],
                                        min=lo, max=hi, step=(hi - lo) / 100,
                                        on_value=lambda r, c=column: put(c, list(r)))
            elif len(values) > 1:
                items = sorted(str(x) for x in values)
                solara.SelectMultiple(column, values=list(filters.get(column) or ()),
                                      all_values=items,
                                      on_value=lambda p, c=column: put(c, tuple(p)))
        if any(filters.values()):
            solara.Button(t("sweeps_clear_filters", language), text=True,
                          icon_name="mdi-filter-remove", on_click=lambda: set_filters({}))


def sensitivity_table(path: Path, manifest: dict, runs: pd.DataFrame, factors: list[str],
                      kpi: str) -> pd.DataFrame:
    """The lab's indices of one KPI, tidy for a figure: scenario, factor, index, estimate
    and its interval, and a note where none could be estimated."""
    design = manifest.get("design", {})
    if design.get("kind") in ("morris", "sobol"):
        raw = sensitivity(manifest, runs, load_design(path), [kpi],
                          seed=int(design.get("seed") or 0))
        key = "mu_star" if design["kind"] == "morris" else "ST"
        name = "mu*" if design["kind"] == "morris" else "ST"
        if key not in raw:
            return raw[["scenario", "note"]].assign(factor=None)
        half = raw[f"{key}_conf"]
        return raw.assign(index=name, estimate=raw[key], lo=raw[key] - half,
                          hi=raw[key] + half)[["scenario", "factor", "index", "estimate",
                                               "lo", "hi", "note"]]
    raw = regression_sensitivity(runs, factors, kpi, seed=int(design.get("seed") or 0))
    if "src" not in raw:
        return raw[["scenario", "factor", "note"]]
    return raw.assign(index="SRC", estimate=raw["src"], lo=raw["src_lo"], hi=raw["src_hi"],
                      note=[n or f"R² = {r:.2f}" for n, r in zip(raw["note"], raw["r2"],
                                                                  strict=True)]
                      )[["scenario", "factor", "index", "estimate", "lo", "hi", "note"]]


def sensitivity_figure(table: pd.DataFrame, kpi: str, lang: str) -> go.Figure | None:
    """Each factor's index as a dot with its interval, one colour per scenario."""
    rows = table.dropna(subset=["factor"]) if "estimate" in table else table.iloc[0:0]
    if rows.empty:
        return None
    fig = go.Figure()
    for scenario, g in rows.groupby("scenario", sort=True):
        fig.add_trace(go.Scatter(
            x=g["estimate"], y=g["factor"], mode="markers", name=str(scenario),
            error_x={"type": "data", "symmetric": False, "array": g["hi"] - g["estimate"],
                     "arrayminus": g["estimate"] - g["lo"]}))
    index = rows["index"].iloc[0]
    fig.update_layout(title=f"{t('sweeps_sensitivity', lang)}: {declaration(kpi).label(lang)}"
                      f" ({index}, {CONFIDENCE:.0%})", xaxis_title=index,
                      template="plotly_white", height=120 + 40 * rows["factor"].nunique())
    return fig


@solara.component
def Sensitivity(path: Path, manifest: dict, runs: pd.DataFrame, factors: list[str], kpi: str,
                language: str):
    """Computed once per directory, KPI and language in a thread of the tab (bootstraps
    take a moment), not in a render; the last figure stays until the next is made."""
    def make() -> tuple[pd.DataFrame, str | None]:
        table = sensitivity_table(path, manifest, runs, factors, kpi)
        return table, plotly_view.to_json(sensitivity_figure(table, kpi, language))

    made = plotly_view.use_made(make, [path, runs, kpi, language])
    solara.Markdown(f"## {t('sweeps_sensitivity', language)}")
    kind = manifest.get("design", {}).get("kind")
    solara.Text(t(f"sweeps_sensitivity_{kind}", language) if kind in ("morris", "sobol")
                else t("sweeps_sensitivity_grid", language), style={"color": "grey"})
    if made is None:
        return
    table, figure_json = made
    if figure_json is None:
        solara.Warning("; ".join(sorted(set(table["note"].dropna()))) or
                       t("sweeps_no_sensitivity", language))
        return
    plotly_view.Figure(figure_json)
    notes = sorted({n for n in table["note"] if n})
    if notes:
        solara.Text("; ".join(notes), style={"color": "grey"})


def parallel_figure(runs: pd.DataFrame, factors: list[str], kpi: str, lang: str
                    ) -> go.Figure | None:
    """One line per run through each numeric swept factor and the KPI, coloured by the KPI."""
    dims = [f for f in factors if f in runs and numeric(runs, f) and runs[f].nunique() > 1]
    data = runs[[*dims, kpi]].dropna()
    if not dims or data.empty:
        return None
    label = declaration(kpi).label(lang)
    fig = go.Figure(go.Parcoords(
        line={"color": data[kpi], "colorscale": "Viridis", "showscale": True,
              "colorbar": {"title": label}},
        dimensions=[{"label": c if c != kpi else label, "values": data[c]}
                    for c in (*dims, kpi)]))
    fig.update_layout(title=t("sweeps_parallel", lang), template="plotly_white", height=420)
    return fig


@solara.component
def Parallel(runs: pd.DataFrame, factors: list[str], kpi: str, language: str):
    figure_json = plotly_view.use_figure(lambda: parallel_figure(runs, factors, kpi, language),
                                         [runs, kpi, language])
    if figure_json is not None:
        solara.Markdown(f"## {t('sweeps_parallel', language)}")
        plotly_view.Figure(figure_json)
