"""Page 3, /sweeps: researchers explore a results directory written by sweep or compare.

Only directories under the results root can be opened: ``$SAMENSPEL_RESULTS_ROOT``,
else ``results/`` of the working directory. Any other path is refused with one
line, so a page served to others cannot read the rest of the disk. The data are
read with the lab's own readers (:mod:`sim.lab.sweep`) and crossings computed by
:func:`sim.lab.analyse.threshold_crossing`, as ``samenspel analyse`` does.

Starting a sweep from the page waits for the results-directory lock (issue 12);
until then sweeps are started with ``samenspel sweep``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import solara

from sim import InputError
from sim.kpis import declaration
from sim.lab.analyse import threshold_crossing
from sim.lab.sweep import load_runs, read_manifest

from .common import failure_message, lang
from .i18n import t


def results_root() -> Path:
    return Path(os.environ.get("SAMENSPEL_RESULTS_ROOT", "results")).resolve()


def open_results(text: str, root: Path | None = None) -> Path:
    """The directory a user typed, if it lies under the root and holds a sweep's results."""
    root = root or results_root()
    path = Path(text.strip() or ".")
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root):
        raise InputError("sweeps", "directory", text, f"must be a directory under the results "
                         f"root {root}")
    if not (path / "manifest.json").is_file():
        raise InputError("sweeps", "directory", text, "holds no results of sweep or compare "
                         "(no manifest.json)")
    return path


def listed(root: Path) -> list[str]:
    """Result directories under the root (two levels deep), relative to it."""
    if not root.is_dir():
        return []
    found = [p.parent for p in (*root.glob("*/manifest.json"), *root.glob("*/*/manifest.json"))]
    return sorted(str(p.relative_to(root)) for p in found)


def factors(manifest: dict) -> list[str]:
    return [f["key"] for f in manifest.get("design", {}).get("factors", [])]


def kpi_figure(runs: pd.DataFrame, kpi: str, x: str, colour: str | None) -> go.Figure:
    """A KPI's mean over replications against one swept parameter (line), or two (heatmap)."""
    label = declaration(kpi).label_en
    numeric = colour and pd.api.types.is_numeric_dtype(runs[colour]) \
        and runs[colour].nunique() > 4
    if colour and numeric:
        grid = runs.groupby([colour, x])[kpi].mean().unstack(x)
        fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=list(grid.columns), y=list(grid.index),
                                   colorbar={"title": label}))
        fig.update_layout(xaxis_title=x, yaxis_title=colour)
    else:
        fig = go.Figure()
        groups = runs.groupby(colour) if colour else [(None, runs)]
        for key, g in groups:
            stats = g.groupby(x)[kpi].agg(["mean", "std", "count"]).reset_index()
            fig.add_trace(go.Scatter(x=stats[x], y=stats["mean"], mode="lines+markers",
                                     name=f"{colour} = {key}" if colour else label))
        fig.update_layout(xaxis_title=x, yaxis_title=label)
    fig.update_layout(title=f"{label} ({kpi})", template="plotly_white", height=450)
    return fig


@solara.component
def Page():
    language = lang.value
    root = results_root()
    typed, set_typed = solara.use_state("")
    opened, set_opened = solara.use_state(None)
    error, set_error = solara.use_state("")

    def do_open(text: str) -> None:
        try:
            path = open_results(text, root)
            set_opened((path, read_manifest(path), load_runs(path)))
            set_error("")
        except (InputError, OSError, ValueError) as err:
            set_error(failure_message(err))

    with solara.Column(style={"max-width": "1200px"}):
        solara.Markdown(f"# {t('sweeps_title', language)}")
        solara.Markdown(t("sweeps_intro", language, root=root))
        choices = listed(root)
        with solara.Row(style={"align-items": "center"}):
            if choices:
                solara.Select(t("sweeps_directory", language), values=choices,
                              value=typed if typed in choices else None,
                              on_value=lambda p: (set_typed(p), do_open(p)))
            else:
                solara.Text(t("sweeps_none_found", language))
            solara.InputText(t("sweeps_directory", language), value=typed, on_value=set_typed,
                             continuous_update=True)
            solara.Button(t("sweeps_open", language), on_click=lambda: do_open(typed))
        if error:
            solara.Error(error)
        if opened is not None:
            Explore(*opened, language=language)


@solara.component
def Explore(path: Path, manifest: dict, runs: pd.DataFrame, language: str):
    kpis = [k for k in manifest.get("kpis", []) if k in runs.columns]
    swept = [f for f in factors(manifest) if f in runs.columns] or ["replication"]
    scenario, set_scenario = solara.use_state(None)
    kpi, set_kpi = solara.use_state(kpis[0] if kpis else None)
    x, set_x = solara.use_state(swept[0])
    colour, set_colour = solara.use_state(None)
    threshold, set_threshold = solara.use_state(None)
    shown = runs if scenario is None else runs[runs["scenario"] == scenario]
    solara.Markdown(f"**{path.name}**: {len(runs)} runs, code {manifest.get('code_version')}")
    solara.Markdown(f"## {t('sweeps_runs', language)}")
    scenarios = sorted(runs["scenario"].unique())
    solara.Select(t("sweeps_filter", language), values=[t("sweeps_all", language), *scenarios],
                  value=scenario or t("sweeps_all", language),
                  on_value=lambda s: set_scenario(None if s == t("sweeps_all", language) else s))
    solara.DataFrame(shown, items_per_page=10)
    if kpi is None:
        return
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Select(t("sweeps_kpi", language), values=kpis, value=kpi, on_value=set_kpi)
        solara.Select(t("sweeps_x", language), values=swept, value=x, on_value=set_x)
        others = [t("sweeps_none", language), "scenario", *[f for f in swept if f != x]]
        solara.Select(t("sweeps_colour", language), values=others,
                      value=colour or t("sweeps_none", language),
                      on_value=lambda c: set_colour(None if c == t("sweeps_none", language) else c))
    solara.FigurePlotly(kpi_figure(shown, kpi, x, colour))
    solara.Markdown(f"## {t('sweeps_crossings', language)}")
    solara.InputFloat(t("sweeps_threshold", language), value=threshold, on_value=set_threshold,
                      optional=True)
    if threshold is not None:
        try:
            table, along = threshold_crossing(runs, manifest, kpi, float(threshold))
            solara.Markdown(f"{kpi} = {threshold:g}, along `{along}`")
            solara.DataFrame(table)
        except InputError as err:
            solara.Warning(str(err))
