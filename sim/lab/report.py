"""An HTML report of a comparison, with plotly figures that work offline.

Figures: KPI bars with 95% intervals; paired differences against the reference;
daily series as the mean with a 2.5-97.5% band over replications; waiting-time
distributions by urgency (box plots from quantiles of all runs); and a Sankey
diagram of the routes requests took. plotly.js is embedded once, inline, since
there may be no internet for a CDN. Plotly is imported only here, when a report
is written.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Daily columns worth a panel, in this order, when they vary.
DAILY_SERIES = ("waitlist_length", "active_cases", "open_needs", "crises_cum",
                "volunteers_active", "place_questions", "desk_queue", "withdrawn",
                "familiarity_ties_cum")
URGENCY_ORDER = ("low", "medium", "high")
#: Links carrying less than this share of the requests are left out of the Sankey.
SANKEY_MIN_SHARE = 0.002
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, float | int) and math.isfinite(x)


def _arms(center: float, lo: Any, hi: Any) -> tuple[float, float]:
    """Error-bar lengths above and below ``center``; 0 where a bound is undefined."""
    return (hi - center if _finite(hi) else 0.0, center - lo if _finite(lo) else 0.0)


def kpi_bars(table: pd.DataFrame, kpis: list[str] | None = None, cols: int = 3):
    """One small bar chart per KPI: each scenario's mean with its interval."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    kpis = kpis or list(dict.fromkeys(table["kpi"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    rows = max(1, math.ceil(len(kpis) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=kpis,
                        vertical_spacing=min(0.08, 0.9 / rows), horizontal_spacing=0.08)
    for i, kpi in enumerate(kpis):
        block = table[table["kpi"] == kpi].set_index("scenario")
        for j, s in enumerate(scenarios):
            if s not in block.index:
                continue
            r = block.loc[s]
            mean = r["mean"]
            up, down = _arms(mean, r["ci_lo"], r["ci_hi"])
            fig.add_trace(go.Bar(
                x=[s], y=[mean], name=s, legendgroup=s, showlegend=(i == 0),
                marker_color=_color(j),
                error_y={"type": "data", "symmetric": False, "array": [up],
                         "arrayminus": [down]},
                hovertemplate=f"{s}<br>{kpi}: %{{y:.4g}}<br>95% CI "
                f"[{r['ci_lo']:.4g}, {r['ci_hi']:.4g}]<extra></extra>"),
                row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(title="KPIs: mean with 95% interval over replications",
                      height=max(350, 260 * rows), barmode="group", template="plotly_white")
    return fig


def kpi_differences(table: pd.DataFrame, kpis: list[str] | None = None, cols: int = 3):
    """Paired differences against the reference scenario, with their intervals."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    kpis = kpis or list(dict.fromkeys(table["kpi"]))
    ref = table["reference"].iloc[0]
    others = [s for s in dict.fromkeys(table["scenario"]) if s != ref]
    rows = max(1, math.ceil(len(kpis) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=kpis,
                        vertical_spacing=min(0.08, 0.9 / rows), horizontal_spacing=0.12)
    for i, kpi in enumerate(kpis):
        block = table[(table["kpi"] == kpi) & (table["scenario"] != ref)].set_index("scenario")
        for j, s in enumerate(others):
            if s not in block.index:
                continue
            r = block.loc[s]
            d = r["diff_mean"]
            up, down = _arms(d, r["diff_ci_lo"], r["diff_ci_hi"])
            fig.add_trace(go.Scatter(
                x=[d], y=[s], mode="markers", name=s, legendgroup=s, showlegend=(i == 0),
                marker={"color": _color(j + 1), "size": 9},
                error_x={"type": "data", "symmetric": False, "array": [up],
                         "arrayminus": [down]},
                hovertemplate=f"{s} - {ref}<br>{kpi}: %{{x:.4g}}<extra></extra>"),
                row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(zeroline=True, zerolinewidth=1.5, zerolinecolor="#888")
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(title=f"Paired difference against {ref} (95% interval, common seeds)",
                      height=max(350, 220 * rows), template="plotly_white")
    return fig


def daily_bands(daily: pd.DataFrame, scenarios: list[str], columns: list[str] | None = None,
                cols: int = 2):
    """Daily series per scenario: the mean over replications and a 2.5-97.5% band."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if columns is None:
        columns = [c for c in DAILY_SERIES if c in daily.columns and daily[c].nunique() > 1]
    columns = columns or [c for c in daily.columns if c not in
                          ("run_id", "scenario", "point", "replication", "day", "date")][:4]
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
            stats = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(0.025),
                                  "hi": g.quantile(0.975)}).reset_index()
            color = _color(j)
            x = stats["day"].to_numpy()
            fig.add_trace(go.Scatter(
                x=np.concatenate([x, x[::-1]]),
                y=np.concatenate([stats["hi"].to_numpy(), stats["lo"].to_numpy()[::-1]]),
                fill="toself", fillcolor=_rgba(color, 0.18), line={"width": 0},
                hoverinfo="skip", name=f"{s} 2.5-97.5%", legendgroup=s, showlegend=False),
                row=r, col=c)
            fig.add_trace(go.Scatter(
                x=x, y=stats["mean"], mode="lines", line={"color": color, "width": 2},
                name=s, legendgroup=s, showlegend=(i == 0)), row=r, col=c)
        fig.update_xaxes(title_text="day", row=r, col=c)
    fig.update_layout(title="Daily series: mean over replications, band 2.5-97.5%",
                      height=max(350, 300 * rows), template="plotly_white")
    return fig


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
            part = part_m[part_m["scenario"] == s]
            xs, q1, med, q3, lo, hi, mean, ns = [], [], [], [], [], [], [], []
            for u in URGENCY_ORDER:
                d = part.loc[part["urgency"] == u, "days"].to_numpy(float)
                if len(d) == 0:
                    continue
                qs = np.quantile(d, [0.05, 0.25, 0.5, 0.75, 0.95])
                xs.append(u)
                lo.append(qs[0])
                q1.append(qs[1])
                med.append(qs[2])
                q3.append(qs[3])
                hi.append(qs[4])
                mean.append(float(d.mean()))
                ns.append(len(d))
            if not xs:
                continue
            fig.add_trace(go.Box(
                x=xs, q1=q1, median=med, q3=q3, lowerfence=lo, upperfence=hi, mean=mean,
                name=s, legendgroup=s, showlegend=(c == 1), marker_color=_color(j),
                offsetgroup=str(j)), row=1, col=c)
        fig.update_xaxes(title_text="urgency", categoryorder="array",
                         categoryarray=list(URGENCY_ORDER), row=1, col=c)
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


def _table_html(table: pd.DataFrame) -> str:
    from .compare import excludes_zero
    from .compare import fmt as f

    ref = table["reference"].iloc[0] if not table.empty else ""
    rows = []
    for r in table.itertuples():
        diff = "" if r.scenario == r.reference else (
            f"{f(r.diff_mean)} [{f(r.diff_ci_lo)}, {f(r.diff_ci_hi)}]")
        sig = excludes_zero(r)
        rows.append(f"<tr><td>{html.escape(r.kpi)}</td><td>{html.escape(r.scenario)}</td>"
                    f"<td>{r.n}</td><td>{f(r.mean)}</td><td>[{f(r.ci_lo)}, {f(r.ci_hi)}]</td>"
                    f"<td class='{'sig' if sig else ''}'>{diff}</td></tr>")
    return ("<table><thead><tr><th>KPI</th><th>scenario</th><th>n</th><th>mean</th>"
            f"<th>95% CI</th><th>paired difference vs {html.escape(ref)} [95% CI]</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
td.sig { font-weight: bold; }
.meta { color: #555; font-size: 0.9em; }
section { margin-top: 2.5em; }
"""


def write_report(out: str | Path, table: pd.DataFrame | None = None,
                 title: str = "Scenario comparison", kpis: list[str] | None = None) -> Path:
    """Write ``report.html`` for a sweep directory with daily, waits and routes kept."""
    from ..outputs import atomic_write
    from .compare import compare_runs
    from .sweep import load_part, load_runs, read_manifest

    out = Path(out)
    manifest = read_manifest(out)
    runs = load_runs(out)
    scenarios = list(manifest.get("scenarios") or dict.fromkeys(runs.get("scenario", [])))
    if table is None:
        table = compare_runs(runs, manifest.get("kpis"), scenarios)
    figures: list[tuple[str, str, Any]] = []
    if not table.empty:
        figures.append(("kpi-bars", "KPIs with 95% intervals", kpi_bars(table, kpis)))
        if len(scenarios) > 1:
            figures.append(("kpi-differences", "Paired differences",
                            kpi_differences(table, kpis)))
    daily = load_part(out, "daily", runs)
    if not daily.empty:
        figures.append(("daily-series", "Daily series", daily_bands(daily, scenarios)))
    waits = load_part(out, "waits", runs)
    if not waits.empty:
        figures.append(("waiting-times", "Waiting times by urgency",
                        waiting_boxes(waits, scenarios)))
    routes = load_part(out, "routes", runs)
    if not routes.empty:
        for j, s in enumerate(scenarios):
            n_runs = int((runs["scenario"] == s).sum())
            if n_runs:
                figures.append((f"routes-sankey-{j}", f"Routes: {s}",
                                routes_sankey(routes, s, n_runs)))
    parts = []
    for k, (div_id, heading, fig) in enumerate(figures):
        body = fig.to_html(full_html=False, include_plotlyjs=(k == 0), div_id=div_id,
                           config={"displaylogo": False, "responsive": True})
        parts.append(f"<section><h2>{html.escape(heading)}</h2>{body}</section>")
    settings = manifest.get("settings", {})
    meta = (f"Scenarios: {html.escape(', '.join(scenarios))}. Replications: "
            f"{settings.get('replications')} (master seed {settings.get('master_seed')}; "
            f"replication i uses the same seed in every scenario). Horizon: "
            f"{settings.get('days') or 'each scenario its own'} days, warm-up "
            f"{settings.get('warmup_days')} days. Runs done {manifest.get('done')}, failed "
            f"{manifest.get('failed')}. Code version "
            f"{html.escape(str(manifest.get('code_version')))}; "
            f"started {manifest.get('started')}.")
    doc = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
           f"<h1>{html.escape(title)}</h1><p class='meta'>{meta}</p>"
           f"<section><h2>Comparison table</h2>{_table_html(table)}"
           "<p class='meta'>Bold: the paired interval excludes zero.</p></section>"
           + "".join(parts) + "</body></html>\n")
    path = out / "report.html"
    atomic_write(path, lambda p: Path(p).write_text(doc, encoding="utf-8"))
    return path
