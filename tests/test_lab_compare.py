"""Paired comparisons: intervals, JSON, the HTML report and its figures."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from lab_helpers import run_cli

from sim.lab.compare import compare_runs
from sim.lab.sweep import load_runs

WALK_IN = """
name = "tiny_walk_in"
description = "A small walk-in neighbourhood for tests."
[population]
n_residents = 1500
[wijkteam]
n_professionals = 2
caseload_max = 10
[access]
policy = "walk_in"
[start]
# this file tests common random numbers, so both scenarios start from the same empty
# state: the warm start's pilot is each scenario's own and not paired (ODD 5)
warm = false
"""
DESK = WALK_IN.replace('"tiny_walk_in"', '"tiny_desk"').replace(
    'policy = "walk_in"', 'policy = "vraagwijzer"\n[frontdesk]\nfte = 0.4375')
REPLICATIONS = 6


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[Path, dict, str]:
    base = tmp_path_factory.mktemp("compare")
    (base / "walk_in.toml").write_text(WALK_IN)
    (base / "desk.toml").write_text(DESK)
    out = base / "out"
    code, stdout, stderr = run_cli([
        "compare", str(base / "walk_in.toml"), str(base / "desk.toml"), "--replications",
        str(REPLICATIONS), "--days", "120", "--warmup-days", "20", "--workers", "2", "--json",
        "--out", str(out), "--no-progress"])
    assert code == 0, f"compare should succeed: {stderr}"
    payload = json.loads(stdout)
    return out, payload, stdout


def test_json_holds_means_intervals_and_paired_differences(compared) -> None:
    _, payload, stdout = compared
    assert stdout.count("\n") == 1, "--json prints one JSON object on one line"
    assert payload["reference"] == "tiny_walk_in" and payload["scenarios"] == \
        ["tiny_walk_in", "tiny_desk"], payload["scenarios"]
    kpi = payload["kpis"]["wait_days_mean"]
    for name in ("tiny_walk_in", "tiny_desk"):
        s = kpi["scenarios"][name]
        assert s["n"] == REPLICATIONS and s["ci"][0] < s["mean"] < s["ci"][1], s
    d = kpi["differences"]["tiny_desk"]
    expected = kpi["scenarios"]["tiny_desk"]["mean"] - kpi["scenarios"]["tiny_walk_in"]["mean"]
    assert math.isclose(d["mean"], expected, rel_tol=1e-9), \
        f"the paired mean difference should equal the difference of means ({expected})"
    assert d["n_pairs"] == REPLICATIONS and d["ci"][0] < d["mean"] < d["ci"][1], d
    assert "tiny_walk_in" not in kpi["differences"], "no difference of the reference to itself"


def test_paired_intervals_are_narrower_than_unpaired_on_the_same_runs(compared) -> None:
    out, _, _ = compared
    runs = load_runs(out)
    table = compare_runs(runs, scenarios=["tiny_walk_in", "tiny_desk"])
    diff = table[table["scenario"] == "tiny_desk"].set_index("kpi")
    sd = table.pivot(index="kpi", columns="scenario", values="sd")
    paired = diff["diff_ci_hi"] - diff["diff_ci_lo"]
    unpaired = diff["unpaired_ci_hi"] - diff["unpaired_ci_lo"]
    # pairing can only help where both scenarios vary between replications
    varying = [k for k in paired.index if (sd.loc[k] > 0).all()]
    for kpi in ("requests", "answered", "wait_days_mean", "crises", "bystander_unanswered"):
        assert paired[kpi] < unpaired[kpi], \
            f"{kpi}: paired interval ({paired[kpi]:.4g}) should be narrower than the " \
            f"unpaired one ({unpaired[kpi]:.4g}) on the same runs"
    narrower = sum(paired[k] < unpaired[k] for k in varying)
    assert narrower >= 0.75 * len(varying), \
        f"common random numbers should narrow most intervals: {narrower} of {len(varying)}"


def test_comparison_files_and_text_output(compared) -> None:
    out, payload, _ = compared
    for name in ("comparison.csv", "comparison.json", "report.html", "manifest.json"):
        assert (out / name).is_file(), f"compare should write {name}"
    assert json.loads((out / "comparison.json").read_text())["kpis"].keys() == \
        payload["kpis"].keys()
    # the same command again with --resume runs nothing and prints the text table
    code, stdout, stderr = run_cli([
        "compare", *json.loads((out / "manifest.json").read_text())["base_refs"],
        "--replications", str(REPLICATIONS), "--days", "120", "--warmup-days", "20",
        "--workers", "1", "--out", str(out), "--resume", "--kpis", "wait_days_mean,crises"])
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert any(line.startswith("wait_days_mean") and "tiny_walk_in" in line for line in lines), \
        stdout
    assert any("tiny_desk" in line and line.count("[") == 2 for line in lines), \
        f"the second scenario's line should show its interval and its difference's: {stdout}"


def _figures(html: str) -> dict[str, list[dict]]:
    """Each plotly figure div's traces, parsed from its Plotly.newPlot call."""
    decoder = json.JSONDecoder()
    figures = {}
    for m in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', html):
        traces, _ = decoder.raw_decode(html, m.end())
        figures[m.group(1)] = traces
    return figures


def test_html_report_contains_its_figures(compared) -> None:
    out, payload, _ = compared
    html = (out / "report.html").read_text()
    assert payload["report"] == str(out / "report.html")
    assert "cdn.plot.ly" not in html and "plotly.js v" in html.lower() or \
        "plotly.js" in html, "plotly.js should be embedded inline (no internet for a CDN)"
    figures = _figures(html)
    assert {"kpi-bars", "kpi-differences", "daily-series", "waiting-times",
            "routes-sankey-0", "routes-sankey-1"} <= set(figures), sorted(figures)
    bars = figures["kpi-bars"]
    assert all(t["type"] == "bar" for t in bars) and all("error_y" in t for t in bars), \
        "KPI bars should carry their intervals as error bars"
    bands = [t for t in figures["daily-series"] if t.get("fill") == "toself"]
    assert bands and len(figures["daily-series"]) == 2 * len(bands), \
        "each daily series should have a mean line and a band"
    boxes = figures["waiting-times"]
    assert boxes and all(t["type"] == "box" for t in boxes)
    assert {x for t in boxes for x in t["x"]} <= {"low", "medium", "high"}, \
        "waiting times should be grouped by urgency"
    sankey = figures["routes-sankey-0"][0]
    assert sankey["type"] == "sankey" and "need arises" in sankey["node"]["label"], \
        "the Sankey should start where every request starts"
    assert any(label.startswith("outcome: ") for label in sankey["node"]["label"])
    assert "<table>" in html and "tiny_desk" in html
