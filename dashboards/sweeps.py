"""Page 3, /sweeps: researchers explore a results directory written by sweep or compare.

Only directories under the results root can be opened: ``$SAMENSPEL_RESULTS_ROOT``,
else ``results/`` of the working directory. Any other path is refused with one
line, so a page served to others cannot read the rest of the disk. The data are
read with the lab's own readers (:mod:`sim.lab.sweep`) and crossings computed by
:func:`sim.lab.analyse.threshold_crossing`, as ``samenspel analyse`` does.

A sweep started from the page runs as ``samenspel sweep EXPERIMENT --out
<root>/<name>`` in its own process: the results directory's writer lock refuses a
second writer (another tab, or the command line) with one line, progress is read
from the runs written so far, and cancel stops it as Ctrl-C does (``--resume``
continues it). Only the experiment files of the project
(``$SAMENSPEL_EXPERIMENTS``, default ``experiments/``) can be started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import solara

from sim import InputError
from sim.kpis import declaration
from sim.lab.analyse import threshold_crossing
from sim.lab.manifest import read_manifest
from sim.lab.sweep import load_runs, part_ids

from . import plotly_view
from . import sweep_views as views
from .common import failure_message, lang
from .i18n import t
from .robustness import RobustnessView


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


def experiments_dir() -> Path:
    env = os.environ.get("SAMENSPEL_EXPERIMENTS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "experiments"


def experiment_names() -> list[str]:
    folder = experiments_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


@dataclass
class Started:
    """A sweep this tab started: its process and where it writes."""

    name: str
    out: Path
    process: subprocess.Popen
    log: Any  # the process's stderr, a temporary file (a pipe could fill and block it)

    def last_error(self) -> str:
        self.log.seek(0)
        lines = self.log.read().strip().splitlines()
        return lines[-1] if lines else ""

    def progress(self) -> tuple[int, int]:
        """Runs written so far and runs planned (0 until the manifest exists)."""
        try:
            planned = int(read_manifest(self.out)["planned"])
        except (InputError, KeyError):
            planned = 0
        return len(part_ids(self.out / "runs")), planned

    def stop(self) -> None:
        """As Ctrl-C: the sweep finishes writing and can be resumed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)


def start_sweep(name: str, root: Path | None = None) -> Started:
    """Start one of the project's experiments into ``<root>/<name>``; resumes one begun."""
    if name not in experiment_names():
        raise InputError("sweeps", "experiment", name, "must be one of: "
                         + ", ".join(experiment_names()))
    out = (root or results_root()) / name
    argv = [sys.executable, "-m", "sim", "sweep", str(experiments_dir() / f"{name}.toml"),
            "--out", str(out)]
    if (out / "manifest.json").is_file():
        argv.append("--resume")
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the sweep
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log, text=True)
    return Started(name, out, process, log)


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
        StartSweep(root, language, do_open)
        if opened is not None:
            # a component per directory: another's outcome, axis, filters and figures do not
            # carry over
            Explore(*opened, language=language).key(str(opened[0]))
            RobustnessView(opened[0], language).key(f"robustness {opened[0]}")


@solara.component
def StartSweep(root: Path, language: str, on_done):
    names = experiment_names()
    name, set_name = solara.use_state(names[0] if names else None)
    started, set_started = solara.use_state(None)
    status, set_status = solara.use_state((0, 0, None))  # done, planned, exit code
    message, set_message = solara.use_state("")

    def follow(cancel: threading.Event) -> None:
        if started is None:
            return
        while not cancel.is_set():
            code = started.process.poll()
            done, planned = started.progress()
            set_status((done, planned, code))
            if code is not None:
                set_message(started.last_error() if code != 0 else "")
                if code == 0:
                    on_done(started.name)
                return
            cancel.wait(1.0)

    solara.use_thread(follow, dependencies=[started], intrusive_cancel=False)

    def start() -> None:
        try:
            set_started(start_sweep(name, root))
            set_status((0, 0, None))
            set_message("")
        except InputError as err:
            set_message(str(err))

    running = started is not None and status[2] is None
    solara.Markdown(f"## {t('sweeps_start', language)}")
    with solara.Row(style={"align-items": "center"}):
        solara.Select(t("sweeps_experiment", language), values=names, value=name,
                      on_value=set_name)
        solara.Button(t("sweeps_start_button", language), on_click=start,
                      disabled=running or name is None, icon_name="mdi-play")
        if running:
            solara.Button(t("cancel", language), on_click=started.stop, icon_name="mdi-stop",
                          outlined=True)
    if started is not None:
        done, planned, code = status
        if planned:
            solara.ProgressLinear(value=100 * done / planned)
        state = ("sweeps_running" if code is None else "sweeps_finished" if code == 0
                 else "sweeps_stopped")
        solara.Text(t(state, language, done=done, planned=planned or "?",
                      out=started.out))
    if message:
        solara.Error(message)


@solara.component
def Explore(path: Path, manifest: dict, runs: pd.DataFrame, language: str):
    kpis = [k for k in manifest.get("kpis", []) if k in runs.columns]
    varied = [f for f in factors(manifest) if f in runs.columns]
    swept = varied or ["replication"]
    filters, set_filters = solara.use_state({})
    kpi, set_kpi = solara.use_state(kpis[0] if kpis else None)
    x, set_x = solara.use_state(swept[0])
    colour, set_colour = solara.use_state(None)
    threshold, set_threshold = solara.use_state(None)
    shown = solara.use_memo(lambda: views.apply_filters(runs, filters), [runs, filters])
    figure = plotly_view.use_figure(
        lambda: kpi_figure(shown, kpi, x, colour) if len(shown) and kpi else None,
        [shown, kpi, x, colour])

    def choose_kpi(k: str) -> None:
        """The outcome's own range filter goes with it."""
        set_filters({c: v for c, v in filters.items() if c != kpi})
        set_kpi(k)

    solara.Markdown(f"**{path.name}**: {len(runs)} runs, code {manifest.get('code_version')}")
    solara.Markdown(f"## {t('sweeps_runs', language)}")
    views.RunFilters(runs, ["scenario", *swept, *([kpi] if kpi else [])], filters,
                     set_filters, language)
    solara.Text(t("sweeps_shown", language, n=len(shown), total=len(runs)))
    solara.DataFrame(shown, items_per_page=10)
    if kpi is None:
        return
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Select(t("sweeps_kpi", language), values=kpis, value=kpi, on_value=choose_kpi)
        solara.Select(t("sweeps_x", language), values=swept, value=x, on_value=set_x)
        others = [t("sweeps_none", language), "scenario", *[f for f in swept if f != x]]
        solara.Select(t("sweeps_colour", language), values=others,
                      value=colour or t("sweeps_none", language),
                      on_value=lambda c: set_colour(None if c == t("sweeps_none", language) else c))
    if figure:
        plotly_view.Figure(figure)
        views.Parallel(shown, varied, kpi, language)
    views.Sensitivity(path, manifest, runs, varied, kpi, language)
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
