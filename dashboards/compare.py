"""Page 1, /compare: policy makers compare access scenarios side by side.

Choosing (presets, values changed from them, replications, horizon), running
(worker processes through :mod:`dashboards.runner`, progress, time left, cancel,
place in the queue) and showing (headline sentences with natural frequencies,
the caveat, dot plots of differences, daily series, waiting times, load, routes,
the technical table and the downloads). The page's choices live in its URL.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re
import time

import solara

from sim import SPECS, InputError, code_version, list_presets, load_scenario
from sim.kpis import flat_names
from sim.results import scenario_hash

from . import analysis, figures, plotly_view
from .choices import (
    DAYS_STEP,
    MAX_ARMS,
    MAX_DAYS,
    MAX_REPLICATIONS,
    MIN_ARMS,
    MIN_DAYS,
    Choice,
    Choices,
    build_request,
    choice_from_toml,
    editable_keys,
    from_query,
    parse_edit,
    scenario_toml,
    to_query,
)
from .common import guarded, lang
from .i18n import t
from .runner import Batch, Request, queue

# One value per tab (see dashboards.common); defaults are immutable.
choices = solara.reactive(Choices())
current = solara.reactive(None)  # (Request, Batch) of this tab's last comparison
snapshot = solara.reactive(None)  # the last View of that batch, for its progress
shown = solara.reactive(None)  # analysis.Computed of the results on screen (updated less often)
#: Seconds between two updates of the results while runs go on (each costs a render).
RESULTS_EVERY_S = 2.0
problem = solara.reactive("")  # one line: why the choices cannot run


def start(c: Choices) -> None:
    """Validate the choices and submit them; bad choices become ``problem``."""
    try:
        request = build_request(c)
    except InputError as err:
        problem.set(str(err))
        return
    problem.set("")
    batch = queue().submit(request)
    current.set((request, batch))
    snapshot.set(batch.view())
    shown.set(None)


@solara.component
def Page():
    router = solara.use_router()

    def open_link():
        try:
            linked = from_query(router.search)
        except InputError as err:
            problem.set(str(err))
            return
        if linked is not None:
            choices.set(linked)
            start(linked)

    solara.use_effect(open_link, [])
    language = lang.value
    with solara.Column(style={"max-width": "1200px"}):
        solara.Markdown(f"# {t('compare_title', language)}")
        solara.Markdown(t("compare_intro", language))
        ChoicesEditor(language)
        RunBar(language)
        if problem.value:
            solara.Error(problem.value)
        solara.Info(t("caveat", language), icon="mdi-information-outline")
        plotly_view.Preload(figures.warm_json())
        if current.value is not None:
            request, batch = current.value
            Watch(request, batch)
            Progress(language)
            Results(request, language)


# --- choosing --------------------------------------------------------------------------


# The scenario cards' actions are functions of the module, the same object in every render,
# so adding or removing a card leaves the other cards' arguments equal and their widgets alone.


def set_arm(i: int, arm: Choice) -> None:
    arms = list(choices.value.arms)
    arms[i] = arm
    choices.set(Choices(tuple(arms), choices.value.replications, choices.value.days))


def add_arm() -> None:
    v = choices.value
    choices.set(Choices((*v.arms, Choice(v.arms[-1].preset)), v.replications, v.days))


def remove_arm(i: int) -> None:
    v = choices.value
    choices.set(Choices(v.arms[:i] + v.arms[i + 1:], v.replications, v.days))


@solara.component
def ChoicesEditor(language: str):
    c = choices.value
    presets = list_presets()
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        for i, arm in enumerate(c.arms):
            ArmCard(i, arm, presets, language, set_arm, remove_arm, len(c.arms) > MIN_ARMS)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        if len(c.arms) < MAX_ARMS:
            solara.Button(t("add_scenario", language), on_click=add_arm, icon_name="mdi-plus",
                          outlined=True)
        with solara.Column(style={"min-width": "420px"}):
            solara.SliderInt(t("replications", language), value=c.replications, min=2,
                             max=MAX_REPLICATIONS, thumb_label="always",
                             on_value=lambda n: choices.set(Choices(choices.value.arms, n,
                                                                    choices.value.days)))
        with solara.Column(style={"min-width": "520px"}):
            solara.SliderInt(t("horizon", language), value=c.days, min=MIN_DAYS,
                             max=MAX_DAYS, step=DAYS_STEP, thumb_label="always",
                             on_value=lambda n: choices.set(
                                 Choices(choices.value.arms, choices.value.replications, n)))
            solara.Text(t("horizon_note", language), style={"color": "grey"})
        UploadScenario(language)


@solara.component
def ArmCard(i: int, arm: Choice, presets: list[str], language: str, set_arm, remove_arm,
            removable: bool):
    title = f"{t('scenario', language)} {i + 1}" + (f" ({t('reference', language)})"
                                                    if i == 0 else "")
    editing, set_editing = solara.use_state(False)
    with solara.Card(title, style={"min-width": "340px", "max-width": "560px"}):
        solara.Select(t("scenario", language), values=presets, value=arm.preset,
                      on_value=lambda p: set_arm(i, Choice(p, arm.edits)))
        EditsList(arm, language, lambda a: set_arm(i, a))
        # made only when opened: a card added or removed then costs the page few widgets
        solara.Button(t("change_value", language), icon_name="mdi-pencil", text=True,
                      on_click=lambda: set_editing(not editing))
        if editing:
            ValueEditor(arm, language, lambda a: set_arm(i, a))
        # disabled rather than left out: a card added or removed then changes one property
        # of the other cards, not their widgets
        solara.Button(t("remove", language), on_click=lambda: remove_arm(i), text=True,
                      icon_name="mdi-delete", disabled=not removable)


@solara.component
def EditsList(arm: Choice, language: str, set_arm):
    """The values changed from the preset, each as ``label: preset value → new value``."""
    if not arm.edits:
        solara.Text(t("no_changes", language), style={"color": "grey"})
        return
    preset = load_scenario(arm.preset)
    solara.Text(t("changed_from_preset", language) + ":")
    for key, value in arm.edits:
        spec = SPECS[key]
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"{spec.label_in(language)}: {preset.get(key)!r} → {value!r} "
                        f"{spec.unit}")
            solara.Button(icon_name="mdi-close", icon=True, small=True,
                          on_click=lambda k=key: set_arm(arm.without(k)))


@solara.component
def ValueEditor(arm: Choice, language: str, set_arm):
    """One control at a time, generated from the parameter's declaration."""
    key, set_key = solara.use_state(editable_keys()[0])
    text, set_text = solara.use_state("")
    spec = SPECS[key]
    error = ""
    if text.strip():
        try:
            parse_edit(key, text)
        except InputError as err:
            error = str(err)

    def apply() -> None:
        set_arm(arm.with_edit(key, parse_edit(key, text)))
        set_text("")

    solara.Select(t("parameter", language), values=editable_keys(), value=key,
                  on_value=lambda k: (set_key(k), set_text("")))
    solara.Markdown(f"**{spec.label_in(language)}** — {spec.help}  \n{t('unit', language)}: "
                    f"{spec.unit} · {t('allowed', language)}: {spec.allowed()} · default "
                    f"{spec.default!r}  \n{t('source', language)}: {spec.source}")
    if spec.choices or spec.type is bool:
        values = list(spec.choices) if spec.choices else ["true", "false"]
        solara.Select(t("new_value", language), values=values, value=text or None,
                      on_value=set_text)
    else:
        solara.InputText(t("new_value", language), value=text, on_value=set_text,
                         continuous_update=True, error=error or False)
    solara.Button(t("apply", language), on_click=guarded(apply, problem.set),
                  disabled=not text.strip() or bool(error))


@solara.component
def UploadScenario(language: str):
    """A TOML file, validated by the same code and words as the command line."""
    message, set_message = solara.use_state("")

    def on_file(info: dict) -> None:
        data = info["file_obj"].read() if info.get("file_obj") else info.get("data", b"")
        v = choices.value
        if len(v.arms) >= MAX_ARMS:
            raise InputError("upload", "scenarios", len(v.arms),
                             f"at most {MAX_ARMS}; remove one first")
        try:
            arm = choice_from_toml(data, info.get("name") or "scenario.toml")
        except InputError as err:
            set_message(str(err))
            return
        choices.set(Choices((*v.arms, arm), v.replications, v.days))
        set_message("")

    with solara.Column():
        solara.FileDrop(label=t("upload", language), on_file=guarded(on_file, set_message),
                        lazy=False)
        if message:
            solara.Error(message)


@solara.component
def RunBar(language: str):
    state = current.value
    busy = state is not None and snapshot.value is not None and not snapshot.value.finished
    link = "/compare?" + to_query(choices.value)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button(t("run", language), color="primary", disabled=busy,
                      on_click=guarded(lambda: start(choices.value), problem.set),
                      icon_name="mdi-play")
        if busy:
            solara.Button(t("cancel", language), on_click=lambda: state[1].cancel(),
                          icon_name="mdi-stop", outlined=True)
        solara.Text(f"{t('share_link', language)}:")
        # a plain anchor: a Markdown link is a template the browser compiles on every change
        solara.v.Html(tag="a", attributes={"href": link}, children=[link])


# --- running -----------------------------------------------------------------------------


@solara.component
def Watch(request: Request, batch: Batch):
    """Follow this tab's batch in a thread of this tab; stop it when the tab goes.

    Progress is updated when a run ends or the queue moves (each update is a render, which
    a click waits behind); the results only when more pairs are complete, at most every
    ``RESULTS_EVERY_S`` seconds, and made here rather than in a render.
    """
    def follow(cancel) -> None:
        seen, pairs, last = None, 0, 0.0
        while not cancel.is_set():
            v = batch.view()
            now = (v.version, v.position, v.state)  # the time left is re-estimated per run
            if now != seen:
                snapshot.set(v)
                seen = now
            complete = len(analysis.complete_pairs(v, request))
            if v.finished or (complete > pairs and time.monotonic() - last >= RESULTS_EVERY_S):
                made = prepare(analysis.compute(v, request), request, lang.value)
                if cancel.is_set():  # the tab went while the results were made
                    return
                shown.set(made)
                pairs, last = complete, time.monotonic()
            if v.finished:
                if made is not None:
                    prepare_rest(made, request, lang.value)
                return
            batch.wait(v.version, 0.5)

    solara.use_thread(follow, dependencies=[batch], intrusive_cancel=False)

    def leave():
        return lambda: None if batch.view().finished else batch.cancel()

    solara.use_effect(leave, [batch])


@solara.component
def Progress(language: str):
    v = snapshot.value
    if v is None:
        return
    if v.state == "queued":
        solara.Warning(t("queued", language, n=v.position))
    elif v.state == "running":
        left = (t("estimating", language) if v.seconds_left is None
                else t("time_left", language, s=max(1, round(v.seconds_left))))
        solara.ProgressLinear(value=100 * v.done / max(v.planned, 1))
        solara.Text(f"{t('running', language, done=v.done, planned=v.planned)} · {left}")
    elif v.state == "cancelled":
        solara.Warning(t("cancelled", language, done=v.done, planned=v.planned))
    if v.from_cache:
        solara.Success(t("from_cache", language))
    if v.errors:
        solara.Error(t("failed", language) + " " + "; ".join(v.errors[:3]))


# --- showing -----------------------------------------------------------------------------


def headlines(c: analysis.Computed, request: Request, language: str) -> list[str]:
    return c.made(("headlines", language),
                  lambda: analysis.headlines(c.headline_table, request, language))


def sentence_html(sentence: str) -> str:
    """A headline sentence (plain text with **bold**) as escaped HTML: shown as HTML, a
    sentence that changes costs the browser no template to compile, as Markdown does."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(sentence))


def display_table(c: analysis.Computed, language: str):
    return c.made(("display_table", language),
                  lambda: analysis.display_table(c.table, language))


FIGURES = ("differences", "groups", "daily", "waits", "load", "routes")


@dataclasses.dataclass(frozen=True, eq=False)
class Made:
    """A figure and its JSON (what the page draws), equal only to itself: a render compares
    every component's arguments with the last render's, and plotly compares two figures by
    making both into JSON, 20 ms each, which made a language switch 0.3 s slower."""

    figure: object
    json: str


def figure(c: analysis.Computed, request: Request, name: str, scenario: str, language: str
           ) -> Made | None:
    """One of the page's figures of these results, made once; None when the runs have no
    data for it. ``scenario``: the one the routes show."""
    def build():
        fig = _figure(c, request, name, scenario, language)
        return None if fig is None else Made(fig, fig.to_json())
    return c.made(("figure", name, scenario if name == "routes" else None, language), build)


def _figure(c: analysis.Computed, request: Request, name: str, scenario: str, language: str):
    if name == "differences":
        return figures.differences(c.pairs, c.headline_table, request, language)
    if name == "groups":
        return figures.groups(c.table, request, language)
    part = {"daily": "daily", "load": "daily", "waits": "waits", "routes": "routes"}[name]
    frame = c.made(("frame", part), lambda: analysis.frames(c.view, request, part))
    if frame.empty:
        return None
    if name == "routes":
        n_runs = len(analysis.complete_pairs(c.view, request))
        return figures.routes(frame, scenario, n_runs, language)
    return getattr(figures, name)(frame, request, language)


def prepare(c: analysis.Computed | None, request: Request, language: str
            ) -> analysis.Computed | None:
    """Make what the results show while runs go on, before they reach a render."""
    if c is not None:
        headlines(c, request, language)
        figure(c, request, "differences", "", language)
        if c.view.finished:  # the rest of the page now shows, and the downloads
            _ = c.table
    return c


def prepare_rest(c: analysis.Computed, request: Request, language: str) -> None:
    """The figures shown once the batch is done, made before anyone asks for them, so
    that choosing one only draws it."""
    for name in FIGURES:
        for scenario in [a.label for a in request.arms] if name == "routes" else [""]:
            figure(c, request, name, scenario, language)


@solara.component
def Results(request: Request, language: str):
    """The headline first: a batch's first results show the sentences in one render and
    the figure, table and downloads in the next, so the browser shows the sentences
    without waiting for the figure's widget to be made and drawn."""
    c = shown.value
    # True from the render after the first one with results, until the results go
    complete, set_complete = solara.use_state(False)
    solara.use_effect(lambda: set_complete(c is not None), [c is not None])
    if c is None:
        return
    solara.Markdown(f"## {t('headline', language)}")
    for sentence in (*analysis.staff_sentences(request, language),
                     *headlines(c, request, language)):
        solara.HTML(tag="p", unsafe_innerHTML=sentence_html(sentence))
    if not complete:
        return
    Figures(request, c, language)
    FullTable(c, language)
    if c.view.finished:  # made once, not again for every pair while runs go on
        Downloads(request, c, language)


@solara.component
def FullTable(c: analysis.Computed, language: str):
    """The table of every KPI, made into widgets only while it is open: otherwise each
    update of the results would cost its hundreds of cells."""
    opened, set_opened = solara.use_state(False)
    solara.Switch(label=t("table_title", language), value=opened, on_value=set_opened)
    if opened:
        solara.Text(t("table_note", language), style={"color": "grey"})
        solara.DataFrame(display_table(c, language), items_per_page=len(flat_names()))


@solara.component
def Figures(request: Request, c: analysis.Computed, language: str):
    """One figure at a time (each costs the browser time to draw); while runs go on only
    the differences, which grow pair by pair, and the rest, with the figures' downloads,
    once the batch is done. The figures are made in the tab's watch thread (see
    :func:`prepare`); one widget draws them all, redrawn in place."""
    v = c.view
    chosen, set_chosen = solara.use_state("differences")
    scenario, set_scenario = solara.use_state(request.arms[0].label)
    available = FIGURES if v.finished else FIGURES[:1]
    chosen_figure = chosen if chosen in available else "differences"
    labels = [a.label for a in request.arms]
    scenario = scenario if scenario in labels else labels[0]
    made = figure(c, request, chosen_figure, scenario, language)
    with solara.ToggleButtonsSingle(value=chosen_figure, on_value=set_chosen):
        for name in available:
            solara.Button(t(f"fig_{name}", language), value=name, text=True)
    if chosen_figure == "routes":
        solara.Select(t("scenario", language), values=labels, value=scenario,
                      on_value=set_scenario)
    if made is not None:
        plotly_view.Figure(made.json)
        if v.finished:
            FigureDownloads(chosen_figure, made, request, language)


def _stamp(request: Request) -> str:
    """What every download names: seeds, scenario hashes and code version."""
    hashes = "-".join(scenario_hash(a.scenario)[:8] for a in request.arms)
    return f"{hashes}_seed{request.master_seed}_{code_version()}"


@solara.component
def FigureDownloads(name: str, made: Made, request: Request, language: str):
    stamp = _stamp(request)

    def image(fmt: str):
        def data() -> bytes:  # closes over ``made``, not its figure (see Made)
            fig = made.figure
            stamped = fig.to_dict()
            import plotly.graph_objects as go

            out = go.Figure(stamped)
            out.add_annotation(text=f"seeds {request.seeds} · scenarios "
                               f"{', '.join(scenario_hash(a.scenario) for a in request.arms)}"
                               f" · code {code_version()}", xref="paper", yref="paper",
                               x=0, y=-0.12, showarrow=False, font={"size": 9})
            return out.to_image(format=fmt, width=1100, height=fig.layout.height or 500)
        return data

    with solara.Row():
        solara.FileDownload(image("png"), filename=f"{name}_{stamp}.png",
                            label=t("dl_figure_png", language))
        solara.FileDownload(image("svg"), filename=f"{name}_{stamp}.svg",
                            label=t("dl_figure_svg", language))


@solara.component
def Downloads(request: Request, c: analysis.Computed, language: str):
    """The data callables close over ``c``, compared by identity when the page re-renders
    (closures over frames would be compared cell by cell)."""
    stamp = _stamp(request)

    def runs_csv() -> bytes:
        return c.runs.to_csv(index=False).encode()

    def runs_parquet() -> bytes:
        buf = io.BytesIO()
        c.runs.to_parquet(buf, index=False)
        return buf.getvalue()

    def table_csv() -> bytes:
        hashes = {a.label: scenario_hash(a.scenario) for a in request.arms}
        out = c.table.assign(scenario_hash=c.table["scenario"].map(hashes),
                             code_version=code_version(), seeds=json.dumps(request.seeds),
                             days=request.days, warmup_days=request.warmup_days)
        return out.to_csv(index=False).encode()

    solara.Markdown(f"### {t('downloads', language)}")
    solara.Text(t("stamp", language, seeds=request.seeds, code=code_version()))
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(runs_csv, filename=f"runs_{stamp}.csv",
                            label=t("dl_runs_csv", language))
        solara.FileDownload(runs_parquet, filename=f"runs_{stamp}.parquet",
                            label=t("dl_runs_parquet", language))
        solara.FileDownload(table_csv, filename=f"comparison_{stamp}.csv",
                            label=t("dl_table", language))
        solara.FileDownload(lambda: analysis.report(c.view, request, c.runs, c.table,
                                                    language).encode(),
                            filename=f"report_{stamp}.html",
                            label=t("dl_report", language))
        for i, arm in enumerate(request.arms):
            solara.FileDownload(lambda i=i: scenario_toml(request, i).encode(),
                                filename=f"{arm.label.replace(' ', '_')}_"
                                f"{scenario_hash(arm.scenario)[:8]}.toml",
                                label=f"{t('dl_scenarios', language)}: {arm.label}")
