"""Page 2, /elephant: trainers show a need that many see and nobody answers.

Built on :class:`sim.elephant.ElephantDemo` (one need, stepped day by day) and
:func:`sim.elephant.elephant_table` (the Monte Carlo behind ``samenspel
elephant``), with the bystander rule of the preset ``validation/darley_latane``.
Alone and with n people side by side, with the same seed; the curve over many
trials against the points of Darley & Latané (1968).
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time

import plotly.graph_objects as go
import solara

from sim import SPECS, load_scenario
from sim.elephant import ElephantDemo, elephant_table
from sim.theory import DARLEY_LATANE_1968

from . import plotly_view
from .common import lang
from .i18n import t

PRESET = "validation/darley_latane"
MAX_SHOWN = 30  # people drawn around the person in need
#: The street around the person in need: those of it who have not noticed the need are
#: unaware; they cannot act and do not count among the ``n`` who see it (the model's rule).
STREET = 12
#: Colours of the four states of a person, in the order a need is met.
COLOURS = {"unaware": "#9e9e9e", "aware": "#1f77b4", "hesitating": "#ff7f0e",
           "acting": "#2ca02c"}
TRIALS_STEP = 500
CURVE_SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20)


@dataclasses.dataclass(frozen=True)
class Setting:
    """Everything that defines one demo pair; a new setting starts both demos afresh."""

    n: int = 5
    diffusion: bool = True
    t: float = SPECS["bystander.diffusion_t"].default
    direct_request: bool = False
    named_owner: bool = False
    familiar: bool = False
    seed: int = 1

    def rule(self):
        rule = load_scenario(PRESET).bystander
        return dataclasses.replace(rule, diffusion=self.diffusion, diffusion_t=self.t)

    def demo(self, n: int) -> ElephantDemo:
        return ElephantDemo(self.rule(), n, self.seed, direct_request=self.direct_request,
                            named_owner=self.named_owner, familiar=self.familiar)


setting = solara.reactive(Setting())
presenting = solara.reactive(False)


def state_of(person: dict | None, p1: float) -> str:
    """unaware (has not noticed: ``None``), acting, hesitating (the others who see it
    lower the own chance below what one would do alone) or aware."""
    if person is None:
        return "unaware"
    if person["acted"]:
        return "acting"
    return "hesitating" if person["p_today"] < p1 - 1e-12 else "aware"


def street(demo: ElephantDemo, title: str, language: str, big: bool = False) -> go.Figure:
    """The person in need in the middle and the street around, coloured by state: the
    people who see the need first, then the neighbours who have not noticed it."""
    aware = demo.bystanders[:MAX_SHOWN]
    people = aware + [None] * max(0, min(STREET, MAX_SHOWN) - len(aware))
    xs, ys, colors, texts = [], [], [], []
    for i, b in enumerate(people):
        angle = 2 * math.pi * i / max(len(people), 1)
        xs.append(math.cos(angle))
        ys.append(math.sin(angle))
        state = state_of(b, demo.p1)
        colors.append(COLOURS[state])
        if b is None:
            texts.append(t(state, language))
            continue
        marks = "".join(m for m, on in (("✉", b["direct"]), ("★", b["owner"]), ("♥", b["tie"]))
                        if on)
        texts.append(f"{marks} {t(state, language)}<br>{b['p_today']:.0%}")
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", text=texts,
                             textposition="bottom center", hoverinfo="text",
                             marker={"size": 34 if big else 26, "color": colors},
                             showlegend=False))
    need_color = "#2ca02c" if demo.answered else "#d62728"
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers+text", text=[t("in_need", language)],
                             textposition="middle center", marker={"size": 80 if big else 60,
                                                                   "color": need_color},
                             textfont={"color": "white"}, hoverinfo="skip", showlegend=False))
    status = (t("answered_on", language, day=demo.answered_day) if demo.answered
              else t("still_open", language))
    fig.update_layout(title=f"{title}: {t('day_n', language, day=demo.day)}, {status}",
                      xaxis={"visible": False, "range": [-1.6, 1.6]},
                      yaxis={"visible": False, "range": [-1.6, 1.6], "scaleanchor": "x"},
                      height=560 if big else 420, margin={"l": 10, "r": 10},
                      # no template: it is most of the figure's JSON, made and sent on every
                      # day while playing (16 ms and 7 kB against 4 ms and 0.4 kB)
                      template="none", font={"size": 20 if big else 12, "color": "#2a3f5f"})
    return fig


@solara.component
def Legend(language: str):
    """What the colours of the street mean, in the words of the page's language."""
    solara.Markdown(" &nbsp; ".join(
        f"<span style='color:{colour}'>●</span> {t(state, language)}"
        for state, colour in COLOURS.items()) + " &nbsp; ✉ " + t("direct_request", language)
        + " &nbsp; ★ " + t("named_owner", language) + " &nbsp; ♥ " + t("familiar", language))


def curve(s: Setting, trials: int, language: str) -> go.Figure:
    """First-day chances against group size, with and without diffusion, and the 1968 data."""
    table = elephant_table(s.rule(), list(CURVE_SIZES), trials, s.seed,
                           direct_request=s.direct_request, named_owner=s.named_owner,
                           familiar=s.familiar)
    fig = go.Figure()
    for mode, dash in (("diffusion", "solid"), ("independent", "dot")):
        rows = table[mode]
        suffix = "" if mode == "diffusion" else f" ({t('independent', language)})"
        for key, color in (("p_individual", "#1f77b4"), ("p_any", "#2ca02c")):
            fig.add_trace(go.Scatter(x=[r["bystanders"] for r in rows],
                                     y=[r[key] for r in rows], mode="lines+markers",
                                     line={"dash": dash, "color": color},
                                     name=t(key, language) + suffix))
    fig.add_trace(go.Scatter(x=[r.group_size for r in DARLEY_LATANE_1968],
                             y=[r.reported_before_end_of_fit for r in DARLEY_LATANE_1968],
                             mode="markers", marker={"size": 14, "symbol": "x", "color": "black"},
                             name=t("dl_points", language)))
    fig.update_layout(title=f"{t('curve_title', language)} "
                      f"({t('trials_n', language, n=trials)})",
                      xaxis_title=t("group_size", language), yaxis_title=t("share_day1", language),
                      yaxis={"range": [0, 1.05], "tickformat": ".0%"}, height=450,
                      template="plotly_white")
    return fig


@solara.component
def Controls(language: str):
    s = setting.value

    def change(**kw):
        setting.set(dataclasses.replace(setting.value, **kw))

    spec_t = SPECS["bystander.diffusion_t"]
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.SliderInt(t("bystanders", language), value=s.n, min=1, max=MAX_SHOWN,
                         thumb_label="always", on_value=lambda n: change(n=n))
        solara.SliderFloat(t("diffusion_t", language), value=s.t, min=spec_t.lo,
                           max=min(spec_t.hi, 2.0), step=0.05, thumb_label="always",
                           on_value=lambda x: change(t=x))
        solara.Switch(label=t("diffusion_on", language), value=s.diffusion,
                      on_value=lambda b: change(diffusion=b))
        solara.Switch(label=t("direct_request", language), value=s.direct_request,
                      on_value=lambda b: change(direct_request=b))
        solara.Switch(label=t("named_owner", language), value=s.named_owner,
                      on_value=lambda b: change(named_owner=b))
        solara.Switch(label=t("familiar", language), value=s.familiar,
                      on_value=lambda b: change(familiar=b))
        solara.InputInt(t("seed", language), value=s.seed,
                        on_value=lambda x: change(seed=max(0, int(x))))
        solara.Switch(label=t("presentation", language), value=presenting.value,
                      on_value=presenting.set)


@solara.component
def Page():
    language = lang.value
    s = setting.value
    restarts, set_restarts = solara.use_state(0)
    demos = solara.use_memo(lambda: (s.demo(1), s.demo(s.n)), [s, restarts])
    # the demos change in place; each step re-renders (a count: after a restart the day repeats)
    steps, set_steps = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state(2)
    trials, set_trials = solara.use_state(TRIALS_STEP)

    def step() -> None:
        for d in demos:
            d.step()
        set_steps(lambda n: n + 1)

    def play(cancel: threading.Event) -> None:
        """A day every ``1 / speed`` s from one day's start to the next: the time a step's
        render takes is not added to the wait (at speed 10 it would be a third of it)."""
        due = time.monotonic()
        while playing:
            due = max(due + 1.0 / speed, time.monotonic())  # late: no catching up
            if cancel.wait(due - time.monotonic()):
                return
            if all(d.answered for d in demos):
                set_playing(False)
                return
            step()

    solara.use_thread(play, dependencies=[playing, speed, demos], intrusive_cancel=False)
    big = presenting.value
    # each a few ms, so made in the render; a new day redraws the same two figures in place
    alone = plotly_view.use_figure(lambda: street(demos[0], t("alone", language), language, big),
                                   [demos, steps, language, big])
    with_n = plotly_view.use_figure(
        lambda: street(demos[1], t("with_n", language, n=s.n), language, big),
        [demos, steps, language, big])
    chances = plotly_view.use_figure(lambda: curve(s, trials, language), [s, trials, language])
    with solara.Column(style={"font-size": "1.6em" if big else "1em", "max-width": "1300px"}):
        solara.Markdown(f"# {t('elephant_title', language)}")
        solara.Markdown(t("elephant_intro", language))
        Controls(language)
        with solara.Row(style={"align-items": "center"}):
            solara.Button(t("step", language), on_click=step, icon_name="mdi-step-forward",
                          disabled=playing or all(d.answered for d in demos))
            solara.Button(t("pause", language) if playing else t("play", language),
                          on_click=lambda: set_playing(not playing), icon_name="mdi-play")
            solara.SliderInt(t("speed", language), value=speed, min=1, max=10,
                             on_value=set_speed)
            solara.Button(t("restart", language), icon_name="mdi-restart",
                          on_click=lambda: set_restarts(restarts + 1))
        with solara.Columns([1, 1]):
            plotly_view.Figure(alone)
            plotly_view.Figure(with_n)
        Legend(language)
        if big:
            solara.Info(f"{t('notice', language)}: {t('notice_text', language)}")
            solara.Info(f"{t('try', language)}: {t('try_text', language)}")
        plotly_view.Figure(chances)
        solara.Button(t("more_trials", language), on_click=lambda: set_trials(trials
                                                                              + TRIALS_STEP))
