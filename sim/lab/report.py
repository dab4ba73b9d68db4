"""An HTML report of a comparison, with plotly figures that work offline.

The report shows the comparison table (each KPI labelled from its declaration,
with its raw name for researchers) and the figures of :mod:`.figures`: KPI bars
with 95% intervals; paired differences against the reference; daily series as
the mean with a 2.5-97.5% band over replications; waiting-time distributions by
urgency; and a Sankey diagram of the routes requests took. plotly.js is embedded
once, inline, since there may be no internet for a CDN.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from ..kpis import title as kpi_title
from ..outputs import atomic_write
from .figures import daily_bands, kpi_bars, kpi_differences, routes_sankey, waiting_boxes
from .manifest import read_manifest
from .stats import CONFIDENCE, excludes_zero, fmt, fmt_interval
from .sweep import load_part, load_runs

PCT = f"{CONFIDENCE:.0%}"


def _table_html(table: pd.DataFrame) -> str:
    ref = table["reference"].iloc[0] if not table.empty else ""
    rows = []
    for r in table.itertuples():
        diff = "" if r.scenario == r.reference else (
            f"{fmt(r.diff_mean)} {fmt_interval(r.diff_ci_lo, r.diff_ci_hi)}")
        sig = excludes_zero(r)
        kpi = f"{html.escape(kpi_title(r.kpi))} <code>{html.escape(r.kpi)}</code>"
        rows.append(f"<tr><td>{kpi}</td><td>{html.escape(r.scenario)}</td>"
                    f"<td>{r.n}</td><td>{fmt(r.mean)}</td><td>{fmt_interval(r.ci_lo, r.ci_hi)}"
                    f"</td><td class='{'sig' if sig else ''}'>{diff}</td></tr>")
    return ("<table><thead><tr><th>KPI</th><th>scenario</th><th>n</th><th>mean</th>"
            f"<th>{PCT} CI</th><th>paired difference vs {html.escape(ref)} [{PCT} CI]</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
td.sig { font-weight: bold; }
.meta { color: #555; font-size: 0.9em; }
section { margin-top: 2.5em; }
"""


def write_report(out: str | Path, table: pd.DataFrame, title: str = "Scenario comparison"
                 ) -> Path:
    """Write ``report.html`` for a sweep directory and its comparison ``table``
    (:func:`sim.lab.compare.compare_runs`); daily, waits and routes show when kept."""
    out = Path(out)
    manifest = read_manifest(out)
    runs = load_runs(out)
    doc = report_html(manifest, runs, table, title, *(load_part(out, part, runs)
                                                      for part in ("daily", "waits", "routes")))
    path = out / "report.html"
    atomic_write(path, lambda p: Path(p).write_text(doc, encoding="utf-8"))
    return path


def report_html(manifest: dict, runs: pd.DataFrame, table: pd.DataFrame, title: str,
                daily: pd.DataFrame, waits: pd.DataFrame, routes: pd.DataFrame) -> str:
    """The report as one offline HTML page, from runs held in memory (the dashboard's) or
    read from a results directory (:func:`write_report`). ``manifest`` needs the keys a
    sweep writes for scenarios, settings, runs done and failed and code version."""
    scenarios = list(manifest.get("scenarios") or dict.fromkeys(runs.get("scenario", [])))
    figures: list[tuple[str, str, Any]] = []
    if not table.empty:
        figures.append(("kpi-bars", f"KPIs with {PCT} intervals", kpi_bars(table)))
        if len(scenarios) > 1:
            figures.append(("kpi-differences", "Paired differences",
                            kpi_differences(table)))
    if not daily.empty:
        figures.append(("daily-series", "Daily series", daily_bands(daily, scenarios)))
    if not waits.empty:
        figures.append(("waiting-times", "Waiting times by urgency",
                        waiting_boxes(waits, scenarios)))
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
    hashes = ""
    if "scenario_hash" in runs.columns and len(runs):
        pairs = runs.drop_duplicates("scenario")[["scenario", "scenario_hash"]]
        hashes = " Scenario hashes: " + "; ".join(
            f"{html.escape(str(r.scenario))} {html.escape(str(r.scenario_hash))}"
            for r in pairs.itertuples()) + "."
    meta = (f"Scenarios: {html.escape(', '.join(scenarios))}. Replications: "
            f"{settings.get('replications')} (master seed {settings.get('master_seed')}; "
            f"replication i uses the same seed in every scenario). Horizon: "
            f"{settings.get('days') or 'each scenario its own'} days, warm-up "
            f"{settings.get('warmup_days')} days. Runs done {manifest.get('done')}, failed "
            f"{manifest.get('failed')}. Code version "
            f"{html.escape(str(manifest.get('code_version')))}"
            + (f"; started {manifest['started']}" if manifest.get("started") else "")
            + f".{hashes}")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p class='meta'>{meta}</p>"
            f"<section><h2>Comparison table</h2>{_table_html(table)}"
            "<p class='meta'>Bold: the paired interval excludes zero.</p></section>"
            + "".join(parts) + "</body></html>\n")
