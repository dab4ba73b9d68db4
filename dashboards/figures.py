"""The compare page's figures (plotly), in the page's language.

The differences are dot plots, one dot per paired run with the mean and its likely
range, which people read better than bars with error bars. The daily series,
waiting times and routes reuse the lab's figures (:mod:`sim.lab.figures`), so the
page and ``report.html`` draw them the same way.
"""

from __future__ import annotations

import functools
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.kpis import KPIS, POLICY_OUTCOMES, declaration
from sim.lab import figures as lab_figures
from sim.vocabulary import GAVE_UP

from .analysis import column, load_frame
from .i18n import t
from .runner import Request

#: Daily columns that show the load on professionals and on volunteers.
LOAD_COLUMNS = ("caseload_in_use", "waitlist_length", "volunteers_active", "place_questions")
#: Daily columns of the day-by-day figure: open needs, the list, crises, and a panel per
#: state of those who gave up (withdrawn, and hidden: the need stayed, out of sight).
DAILY_COLUMNS = ("open_needs", "waitlist_length", "crises_cum", *GAVE_UP)


def differences(pairs: dict[str, pd.DataFrame], tab: pd.DataFrame, request: Request,
                lang: str) -> go.Figure:
    """Per policy outcome, each scenario's paired differences against the reference
    (``pairs``: :func:`analysis.paired_frames`)."""
    others = [a.label for a in request.arms[1:]]
    titles = [KPIS[k].label(lang) + (f" ({t('per_1000', lang)})" if KPIS[k].per_1000_year
                                     else "") for k in POLICY_OUTCOMES]
    fig = make_subplots(rows=len(POLICY_OUTCOMES), cols=1, subplot_titles=titles,
                        vertical_spacing=0.07)
    for i, kpi in enumerate(POLICY_OUTCOMES, start=1):
        scale = 100.0 if declaration(kpi).is_share else 1.0
        col = column(kpi)
        for j, other in enumerate(others):
            d = pairs[other][col].dropna().to_numpy() * scale
            color = lab_figures.PALETTE[(j + 1) % len(lab_figures.PALETTE)]
            fig.add_trace(go.Scatter(
                x=d, y=[other] * len(d), mode="markers", name=other, legendgroup=other,
                showlegend=False, marker={"color": color, "opacity": 0.45, "size": 8},
                hovertemplate="%{x:.2f}<extra>" + other + "</extra>"), row=i, col=1)
            row = tab[(tab["kpi"] == col) & (tab["scenario"] == other)]
            if row.empty or not math.isfinite(row["diff_mean"].iloc[0]):
                continue
            r = row.iloc[0]
            lo, hi = r["diff_ci_lo"], r["diff_ci_hi"]
            has_range = math.isfinite(lo) and math.isfinite(hi)
            fig.add_trace(go.Scatter(
                x=[scale * r["diff_mean"]], y=[other], mode="markers",
                marker={"color": color, "size": 14, "symbol": "diamond",
                        "line": {"color": "black", "width": 1}},
                error_x={"type": "data", "symmetric": False,
                         "array": [scale * (hi - r["diff_mean"])] if has_range else [0],
                         "arrayminus": [scale * (r["diff_mean"] - lo)] if has_range else [0],
                         "thickness": 3, "width": 8},
                showlegend=False, hoverinfo="skip"), row=i, col=1)
        suffix = "" if i == 1 else str(i)  # add_vline costs a render ~20 ms a subplot
        fig.add_shape(type="line", x0=0, x1=0, y0=0, y1=1, xref=f"x{suffix}",
                      yref=f"y{suffix} domain", line={"color": "grey", "dash": "dot"})
    fig.update_layout(title=t("fig_differences_title", lang), template="plotly_white",
                      height=170 * len(POLICY_OUTCOMES) + 80, margin={"l": 160})
    return fig


def groups(tab: pd.DataFrame, request: Request, lang: str) -> go.Figure:
    """Who falls through: every KPI reported per group (age, reluctance to ask, network
    size, urgency), each scenario's mean with its 95% interval."""
    by_group = [k for k in KPIS.values() if k.by]
    fig = make_subplots(rows=len(by_group), cols=1, vertical_spacing=0.08,
                        subplot_titles=[k.label(lang) + (" (%)" if k.is_share else f" ({k.unit})")
                                        for k in by_group])
    for i, k in enumerate(by_group, start=1):
        scale = 100.0 if k.is_share else 1.0
        for j, arm in enumerate(request.arms):
            part = tab[tab["kpi"].str.startswith(k.name + ".") & (tab["scenario"] == arm.label)]
            if part.empty:
                continue
            mean = part["mean"].to_numpy() * scale
            fig.add_trace(go.Bar(
                x=[name.split(".", 1)[1] for name in part["kpi"]], y=mean, name=arm.label,
                marker_color=lab_figures.PALETTE[j % len(lab_figures.PALETTE)],
                legendgroup=arm.label,
                showlegend=i == 1, offsetgroup=str(j),
                error_y={"type": "data", "symmetric": False,
                         "array": (part["ci_hi"].to_numpy() * scale - mean).tolist(),
                         "arrayminus": (mean - part["ci_lo"].to_numpy() * scale).tolist()}),
                row=i, col=1)
    fig.update_layout(title=t("fig_groups_title", lang), template="plotly_white",
                      barmode="group", height=260 * len(by_group) + 80)
    return fig


def daily(daily_frame: pd.DataFrame, request: Request, lang: str) -> go.Figure:
    cols = [c for c in DAILY_COLUMNS if c in daily_frame]
    fig = lab_figures.daily_bands(daily_frame, [a.label for a in request.arms], columns=cols)
    fig.update_layout(title=t("fig_daily_title", lang))
    return fig


def load(daily_frame: pd.DataFrame, request: Request, lang: str) -> go.Figure:
    frame = load_frame(daily_frame)
    cols = [c for c in LOAD_COLUMNS if c in frame]
    fig = lab_figures.daily_bands(frame, [a.label for a in request.arms], columns=cols)
    fig.update_layout(title=t("fig_load_title", lang))
    return fig


def waits(waits_frame: pd.DataFrame, request: Request, lang: str) -> go.Figure:
    fig = lab_figures.waiting_boxes(waits_frame, [a.label for a in request.arms])
    fig.update_layout(title=t("fig_waits_title", lang))
    return fig


def routes(routes_frame: pd.DataFrame, scenario: str, n_runs: int, lang: str) -> go.Figure:
    fig = lab_figures.routes_sankey(routes_frame, scenario, n_runs)
    fig.update_layout(title=f"{t('fig_routes_title', lang)}: {scenario}")
    return fig


def warm_up() -> None:
    """Make a small figure of the kinds above once, as the server starts: plotly imports
    its figure classes, validators and templates on first use (about a second), which
    the first result would otherwise wait for."""
    warm_json()


@functools.cache
def warm_json() -> str:
    """A small figure of the kinds above as JSON: the compare page draws it out of sight
    as it opens, since plotly.js too compiles its drawing code on first use (the first
    result's figure took 0.6 s longer to draw than the next ones on a busy machine)."""
    fig = make_subplots(rows=2, cols=1, subplot_titles=["a", "b"])
    fig.add_trace(go.Scatter(x=[0.0], y=["a"], mode="markers",
                             error_x={"type": "data", "array": [1.0]}), row=1, col=1)
    fig.add_trace(go.Scatter(x=[0.0, 1.0], y=[1.0, 0.0], fill="toself"), row=2, col=1)
    fig.add_shape(type="line", x0=0, x1=0, y0=0, y1=1, xref="x", yref="y domain")
    fig.update_layout(template="plotly_white")
    return fig.to_json()
