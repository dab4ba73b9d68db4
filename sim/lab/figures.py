"""The lab's plotly figures: KPIs with intervals, paired differences, daily series,
waiting times and routes.

One module for every figure, so the HTML report and the dashboard draw the same
figure the same way. A KPI is labelled from its declaration (:mod:`sim.kpis`:
label, unit, which way is better); its raw name stays in the hover text for
researchers. Plotly is imported inside each function, only when a figure is drawn.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..kpis import declaration, flat_label, title
from ..vocabulary import URGENCIES
from .stats import CONFIDENCE

#: Daily columns worth a panel, in this order, when they vary.
DAILY_SERIES = ("waitlist_length", "active_cases", "open_needs", "crises_cum",
                "volunteers_active", "place_questions", "desk_queue", "withdrawn", "hidden",
                "familiarity_ties_cum")
#: Columns of a daily frame that identify a run or a day rather than measure anything.
DAILY_KEYS = ("run_id", "scenario", "point", "replication", "day", "date")
#: Links carrying less than this share of the requests are left out of the Sankey.
SANKEY_MIN_SHARE = 0.002
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
PCT = f"{CONFIDENCE:.0%}"


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, float | int) and math.isfinite(x)


def _arms(center: float, lo: Any, hi: Any) -> dict[str, Any]:
    """Asymmetric error bars around ``center``; length 0 where a bound is undefined."""
    up = hi - center if _finite(hi) else 0.0
    down = center - lo if _finite(lo) else 0.0
    return {"type": "data", "symmetric": False, "array": [up], "arrayminus": [down]}


def _kpi_grid(kpis: list[str], cols: int, spacing: float):
    """Subplots, one per KPI, titled from the declarations; and the number of rows."""
    from plotly.subplots import make_subplots

    rows = max(1, math.ceil(len(kpis) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[title(k) for k in kpis],
                        vertical_spacing=min(0.08, 0.9 / rows), horizontal_spacing=spacing)
    return fig, rows


def _cells(table: pd.DataFrame, kpis: list[str], scenarios: list[str]):
    """``(i, j, kpi, scenario, row)`` for KPI ``i`` and scenario ``j`` where the table has
    a row."""
    for i, kpi in enumerate(kpis):
        block = table[table["kpi"] == kpi].set_index("scenario")
        for j, s in enumerate(scenarios):
            if s in block.index:
                yield i, j, kpi, s, block.loc[s]


def kpi_bars(table: pd.DataFrame, kpis: list[str] | None = None, cols: int = 3):
    """One small bar chart per KPI: each scenario's mean with its interval."""
    import plotly.graph_objects as go

    kpis = kpis or list(dict.fromkeys(table["kpi"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    fig, rows = _kpi_grid(kpis, cols, 0.08)
    for i, j, kpi, s, r in _cells(table, kpis, scenarios):
        mean = r["mean"]
        fig.add_trace(go.Bar(
            x=[s], y=[mean], name=s, legendgroup=s, showlegend=(i == 0),
            marker_color=_color(j), error_y=_arms(mean, r["ci_lo"], r["ci_hi"]),
            hovertemplate=f"{s}<br>{flat_label(kpi)} ({kpi}): %{{y:.4g}}<br>{PCT} CI "
            f"[{r['ci_lo']:.4g}, {r['ci_hi']:.4g}]<extra></extra>"),
            row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(title=f"KPIs: mean with {PCT} interval over replications",
                      height=max(350, 260 * rows), barmode="group", template="plotly_white")
    return fig


def kpi_differences(table: pd.DataFrame, kpis: list[str] | None = None, cols: int = 3):
    """Paired differences against the reference scenario, with their intervals."""
    import plotly.graph_objects as go

    kpis = kpis or list(dict.fromkeys(table["kpi"]))
    ref = table["reference"].iloc[0]
    others = [s for s in dict.fromkeys(table["scenario"]) if s != ref]
    fig, rows = _kpi_grid(kpis, cols, 0.12)
    for i, j, kpi, s, r in _cells(table, kpis, others):
        d = r["diff_mean"]
        fig.add_trace(go.Scatter(
            x=[d], y=[s], mode="markers", name=s, legendgroup=s, showlegend=(i == 0),
            marker={"color": _color(j + 1), "size": 9},
            error_x=_arms(d, r["diff_ci_lo"], r["diff_ci_hi"]),
            hovertemplate=f"{s} - {ref}<br>{flat_label(kpi)} ({kpi}): %{{x:.4g}}<extra></extra>"),
            row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(zeroline=True, zerolinewidth=1.5, zerolinecolor="#888")
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(title=f"Paired difference against {ref} ({PCT} interval, common seeds)",
                      height=max(350, 220 * rows), template="plotly_white")
    return fig


def daily_bands(daily: pd.DataFrame, scenarios: list[str], columns: list[str] | None = None,
                cols: int = 2):
    """Daily series per scenario: the mean over replications and a 2.5-97.5% band."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if columns is None:
        columns = [c for c in DAILY_SERIES if c in daily.columns and daily[c].nunique() > 1]
    columns = columns or [c for c in daily.columns if c not in DAILY_KEYS][:4]
    rows = max(1, math.ceil(len(columns) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=columns,
                        vertical_spacing=min(0.1, 0.9 / rows))
    for i, col in enumerate(columns):
        r, c = i // cols + 1, i % cols + 1
        for j, s in enumerate(scenarios):
            part = daily[daily["scenario"] == s]
            if part.empty:
                continue
            g = part.groupby("day")[col]
            band = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(0.025),
                                 "hi": g.quantile(0.975)}).reset_index()
            color = _color(j)
            x = band["day"].to_numpy()
            fig.add_trace(go.Scatter(
                x=np.concatenate([x, x[::-1]]),
                y=np.concatenate([band["hi"].to_numpy(), band["lo"].to_numpy()[::-1]]),
                fill="toself", fillcolor=_rgba(color, 0.18), line={"width": 0},
                hoverinfo="skip", name=f"{s} 2.5-97.5%", legendgroup=s, showlegend=False),
                row=r, col=c)
            fig.add_trace(go.Scatter(
                x=x, y=band["mean"], mode="lines", line={"color": color, "width": 2},
                name=s, legendgroup=s, showlegend=(i == 0)), row=r, col=c)
        fig.update_xaxes(title_text="day", row=r, col=c)
    fig.update_layout(title="Daily series: mean over replications, band 2.5-97.5%",
                      height=max(350, 300 * rows), template="plotly_white")
    return fig


#: Quantiles a waiting-time box is drawn from: whiskers, quartiles, median.
BOX_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _boxes(part: pd.DataFrame) -> dict[str, list]:
    """Box-plot statistics per urgency (in order), from one scenario's waiting times."""
    keys = ("lowerfence", "q1", "median", "q3", "upperfence")
    out: dict[str, list] = {k: [] for k in ("x", *keys, "mean")}
    for u in URGENCIES:
        d = part.loc[part["urgency"] == u, "days"].to_numpy(float)
        if len(d) == 0:
            continue
        out["x"].append(u)
        for k, q in zip(keys, np.quantile(d, BOX_QUANTILES), strict=True):
            out[k].append(q)
        out["mean"].append(float(d.mean()))
    return out


def waiting_boxes(waits: pd.DataFrame, scenarios: list[str]):
    """Waiting-time distributions by urgency: box plots from quantiles of all runs."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    measures = [("queue_wait_days", "Wait on the wijkteam list (by urgency at intake)"),
                ("wait_days", "Wait until answered (by urgency at the start)")]
    fig = make_subplots(rows=1, cols=2, subplot_titles=[m[1] for m in measures])
    for c, (measure, _) in enumerate(measures, start=1):
        part_m = waits[waits["measure"] == measure]
        for j, s in enumerate(scenarios):
            boxes = _boxes(part_m[part_m["scenario"] == s])
            if not boxes["x"]:
                continue
            fig.add_trace(go.Box(
                **boxes, name=s, legendgroup=s, showlegend=(c == 1), marker_color=_color(j),
                offsetgroup=str(j)), row=1, col=c)
        fig.update_xaxes(title_text="urgency", categoryorder="array",
                         categoryarray=list(URGENCIES), row=1, col=c)
        fig.update_yaxes(title_text="days", row=1, col=c)
    fig.update_layout(title="Waiting times by urgency, all replications pooled "
                      "(box: quartiles; whiskers: 5-95%; dashed: mean)",
                      boxmode="group", height=450, template="plotly_white")
    return fig


def routes_sankey(routes: pd.DataFrame, scenario: str, n_runs: int):
    """A Sankey of the routes requests took in one scenario (mean requests per run)."""
    import plotly.graph_objects as go

    part = routes[routes["scenario"] == scenario]
    links = part.groupby(["source", "target"], as_index=False)["count"].sum()
    links["value"] = links["count"] / max(n_runs, 1)
    total = part.loc[part["source"] == "need arises", "count"].sum() / max(n_runs, 1)
    keep = links[links["value"] >= SANKEY_MIN_SHARE * max(total, 1.0)]
    nodes = list(dict.fromkeys([*keep["source"], *keep["target"]]))
    index = {n: i for i, n in enumerate(nodes)}
    node_colors = ["#2ca02c" if n.startswith("outcome: ") else "#1f77b4" for n in nodes]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": nodes, "pad": 14, "thickness": 14, "color": node_colors},
        link={"source": [index[s] for s in keep["source"]],
              "target": [index[t] for t in keep["target"]],
              "value": keep["value"].round(3).tolist(),
              "hovertemplate": "%{source.label} → %{target.label}: %{value:.1f} "
              "requests per run<extra></extra>"}))
    fig.update_layout(title=f"Routes of requests: {scenario} (mean per run over {n_runs} "
                      f"runs; flows under {SANKEY_MIN_SHARE:.1%} of requests left out)",
                      height=560, template="plotly_white")
    return fig



def load_differences(table: pd.DataFrame, kpis: list[str] | None = None, cols: int = 2):
    """The paired difference against demand, one panel per KPI (``samenspel load``).

    ``table`` is the load study's tidy table (load.csv): x is the demand factor, labelled
    underneath with both scenarios' measured load, so a reader sees which load a factor
    means; y is ``other - reference`` with its interval as a band, and a zero line: where
    the band leaves zero, the answer no longer rests on chance. Shares are drawn in
    percentage points, as load.md writes them.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    kpis = kpis or list(dict.fromkeys(table["kpi"]))
    rows = max(1, math.ceil(len(kpis) / cols))
    names = [f"{flat_label(k)} ({declaration(k).better} is better)"
             if declaration(k).better else flat_label(k) for k in kpis]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, vertical_spacing=0.2,
                        horizontal_spacing=0.1)
    ref, other = (table[c].iloc[0] if len(table) else "" for c in ("reference", "other"))
    load_kpi = table["load_kpi"].iloc[0] if len(table) else ""
    color = _color(1)
    for i, kpi in enumerate(kpis):
        r, c = i // cols + 1, i % cols + 1
        block = table[table["kpi"] == kpi].sort_values("factor")
        k = declaration(kpi)
        scale = 100.0 if k.is_share else 1.0
        x = block["factor"].to_numpy(float)
        lo, hi = (scale * block[col].to_numpy(float) for col in ("diff_ci_lo", "diff_ci_hi"))
        fig.add_trace(go.Scatter(
            x=np.concatenate([x, x[::-1]]), y=np.concatenate([hi, lo[::-1]]), fill="toself",
            mode="lines", fillcolor=_rgba(color, 0.2), line={"width": 0}, hoverinfo="skip",
            name=f"{PCT} interval", legendgroup="band", showlegend=(i == 0)), row=r, col=c)
        fig.add_trace(go.Scatter(
            x=x, y=scale * block["diff_mean"].to_numpy(float), mode="lines+markers",
            line={"color": color, "width": 2}, name=f"{other} - {ref}", legendgroup="mean",
            showlegend=(i == 0),
            customdata=[f"{int(b)} of {int(n)}" for b, n in zip(
                block["better_in"], block["n_pairs"], strict=True)],
            hovertemplate=f"factor %{{x}}<br>{kpi}: %{{y:.4g}}<br>{other} better in "
            "%{customdata}<extra></extra>"), row=r, col=c)
        fig.add_hline(y=0, line_dash="dot", line_color="#888", row=r, col=c)
        ticks = [f"<b>{f:g}</b><br>{a:.2f}<br>{b:.2f}" for f, a, b in zip(
            x, block["load_reference"], block["load_other"], strict=True)]
        fig.update_xaxes(tickvals=list(x), ticktext=ticks, tickangle=0, tickfont_size=10,
                         row=r, col=c)
        unit = "percentage points" if k.is_share else k.unit.replace(" per 1,000", "<br>per 1,000")
        fig.update_yaxes(title_text=unit, row=r, col=c)
        if r == rows:
            fig.update_xaxes(title_text=f"<b>demand factor</b>, then the measured load "
                             f"({load_kpi})<br>of {ref} and of {other}", row=r, col=c)
    fig.update_annotations(font_size=13)
    fig.update_layout(title=f"{other} minus {ref} against demand, paired on the seed "
                      f"({PCT} interval)", title_font_size=15, template="plotly_white",
                      width=1100, height=max(450, 400 * rows),
                      legend={"orientation": "h", "y": -0.2})
    return fig
