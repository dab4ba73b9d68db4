"""The dashboard's logic without a page: headline words, choices and links, the batch queue."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from dashboard_helpers import wait_until

import sim
from dashboards import analysis
from dashboards.choices import (
    Choice,
    Choices,
    build_request,
    choice_from_toml,
    from_query,
    parse_edit,
    scenario_toml,
    to_query,
)
from dashboards.runner import Arm, BatchQueue, Request
from sim.cli import main as cli_main
from sim.results import scenario_hash
from sim.vocabulary import GAVE_UP

ROOT = Path(__file__).resolve().parent.parent


# --- the command


def test_the_dashboard_command_refuses_a_bad_port_in_one_line(capsys):
    assert cli_main(["dashboard", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "samenspel: error: dashboard: --port = 70000: must be an integer from 1 " \
        "to 65535", f"expected one line naming the flag, value and range, got {err!r}"


# --- headline words --------------------------------------------------------------------


def _request(replications: int = 4, days: int = 730) -> Request:
    arms = tuple(Arm(n, sim.load_scenario(n)) for n in ("rotterdam_vraagwijzer",
                                                         "schiedam_walk_in"))
    return Request(arms, replications, days, warmup_days=days // 2)


def _runs(request: Request, answered_a, answered_b, wait_a, wait_b) -> pd.DataFrame:
    """Paired runs with chosen answers per 1,000 residents a year and chosen waits."""
    rows = []
    for label, answered, wait in ((request.arms[0].label, answered_a, wait_a),
                                  (request.arms[1].label, answered_b, wait_b)):
        for seed, a, w in zip(request.seeds, answered, wait, strict=True):
            rows.append({"scenario": label, "seed": seed, "answered_per_1000_year": a,
                         "wait_days_mean": w})
    return pd.DataFrame(rows)


def test_headline_says_more_range_paired_count_and_reference_level():
    request = _request()
    runs = _runs(request, [890, 891, 889, 890], [902, 900, 903, 901], [5, 6, 5, 6],
                 [4, 5, 6, 4])
    tab = analysis.table(runs, request)
    text = analysis.headline("answered", tab, "schiedam_walk_in", "en")
    assert "schiedam_walk_in 12 more than rotterdam_vraagwijzer" in text, text
    assert "likely between" in text and text.count("more") >= 2, text
    assert "better in 4 of 4 paired runs" in text, text
    assert "rotterdam_vraagwijzer: 890" in text, text
    assert "CI" not in text and "significant" not in text, \
        f"expected no technical terms in the headline: {text}"
    # waits 1 day shorter in three pairs and 1 day longer in one: the range spans both sides
    wait = analysis.headline("wait_days_mean", tab, "schiedam_walk_in", "en")
    assert "better in 3 of 4 paired runs" in wait, wait
    assert "shorter" in wait and "longer" in wait, wait
    dutch = analysis.headline("answered", tab, "schiedam_walk_in", "nl")
    assert "12 meer dan" in dutch and "beter in 4 van 4 gepaarde runs" in dutch, dutch
    # a pair with an undefined value (no one waited in that run) is not a paired run
    runs.loc[(runs["scenario"] == "schiedam_walk_in") & (runs["seed"] == request.seeds[0]),
             "wait_days_mean"] = float("nan")
    wait = analysis.headline("wait_days_mean", analysis.table(runs, request),
                             "schiedam_walk_in", "en")
    assert "better in 2 of 3 paired runs" in wait, wait


def test_the_table_keeps_intervals_and_significance_for_every_kpi():
    request = _request()
    runs = _runs(request, [890, 891, 889, 890], [902, 900, 903, 901], [5, 5, 5, 5],
                 [4, 4, 4, 4])
    shown = analysis.display_table(analysis.table(runs, request), "en")
    assert {"95% CI", "significant", "better in"} <= set(shown.columns)
    row = shown[(shown["outcome"] == "Answered per 1,000 residents a year")
                & (shown["scenario"] == "schiedam_walk_in")]
    assert row["significant"].iloc[0] == "yes" and row["better in"].iloc[0] == "4 / 4"


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_staff_line_names_each_scenario_s_fte_and_warns_when_they_differ(lang):
    equal = Request(tuple(Arm(p, sim.load_scenario(p)) for p in
                          ("rotterdam_vraagwijzer", "schiedam_walk_in")), 2, 30, 0)
    lines = analysis.staff_sentences(equal, lang)
    desk = "1 of them at the desk" if lang == "en" else "waarvan 1 aan de balie"
    assert len(lines) == 1 and "rotterdam_vraagwijzer 16" in lines[0] and desk in lines[0], \
        f"expected one line with each scenario's 16 FTE and the desk's 1, got {lines}"
    bigger = Request((*equal.arms[:1], Arm("more", sim.load_scenario(
        "schiedam_walk_in", {"wijkteam.n_professionals": 18}))), 2, 30, 0)
    lines = analysis.staff_sentences(bigger, lang)
    assert len(lines) == 2 and "more 18" in lines[0], \
        f"expected the FTE line and one sentence of warning when the FTE differ, got {lines}"
    assert lines[1] == analysis.t("fte_differ", lang), "expected the warning in the language"


def test_number_words_follow_the_language():
    assert analysis.number(1234.5, "en") == "1,234" or analysis.number(1234.5, "en") == "1,235"
    assert analysis.number(1234.0, "nl") == "1.234"
    assert analysis.number(2.25, "nl", 2) == "2,25"
    assert analysis.number(math.nan, "en") == "-"


# --- choices, validation and the link ----------------------------------------------------


def test_a_control_refuses_a_value_with_the_command_lines_words(capsys):
    with pytest.raises(sim.InputError) as err:
        parse_edit("wijkteam.n_professionals", "-3")
    assert cli_main(["check", "schiedam_walk_in", "--set", "wijkteam.n_professionals=-3"]) == 2
    cli_line = capsys.readouterr().err
    assert str(err.value) in cli_line, f"expected {err.value!r} in the CLI's {cli_line!r}"
    assert parse_edit("access.triage", "urgency") == "urgency"
    assert parse_edit("wijkteam.share_outreach", "0.2") == 0.2


def test_the_link_round_trips_and_bad_links_are_one_line():
    chosen = Choices((Choice("rotterdam_vraagwijzer"),
                      Choice("schiedam_walk_in", (("wijkteam.n_professionals", 8),))), 6, 365)
    assert from_query(to_query(chosen)) == chosen
    assert from_query("") is None
    with pytest.raises(sim.InputError, match="replications = 1: must be an integer from 2"):
        from_query("scenarios=rotterdam_vraagwijzer,schiedam_walk_in&replications=1")
    with pytest.raises(sim.InputError, match="days = 367: must be from 20 to 3650 in steps "
                       "of 5"):
        from_query("scenarios=rotterdam_vraagwijzer,schiedam_walk_in&days=367")
    with pytest.raises(sim.InputError, match="is not a preset"):
        from_query("scenarios=rotterdam_vraagwijzer,nowhere")
    with pytest.raises(sim.InputError, match="wijkteam.n_professionals = -1"):
        from_query("scenarios=rotterdam_vraagwijzer,schiedam_walk_in"
                   "&set=1:wijkteam.n_professionals=-1")


def test_a_downloaded_scenario_loads_back_to_the_same_scenario(tmp_path):
    request = build_request(Choices((Choice("rotterdam_vraagwijzer"),
                                     Choice("schiedam_walk_in", (("access.triage", "urgency"),))),
                                    2, 60))
    for i, arm in enumerate(request.arms):
        path = tmp_path / f"{i}.toml"
        path.write_text(scenario_toml(request, i), encoding="utf-8")
        assert scenario_hash(sim.load_scenario(path)) == scenario_hash(arm.scenario), \
            f"expected {arm.label} to load back unchanged"
        head = scenario_toml(request, i).split("\n[", 1)[0]
        assert str(request.seeds) in head and sim.code_version() in head, \
            f"expected the file to name the seeds and code version, got {head!r}"


def test_an_uploaded_scenario_becomes_its_preset_plus_changes_or_one_error_line():
    text = (ROOT / "scenarios" / "schiedam_walk_in.toml").read_text(encoding="utf-8")
    assert choice_from_toml(text.encode(), "mine.toml") == Choice("schiedam_walk_in"), \
        "expected a preset's own file to change nothing"
    assert "\n[withdrawal]" not in text, "the test adds a [withdrawal] table to the preset"
    changed = text + "\n[withdrawal]\ndays_mean = 100.0\n"
    arm = choice_from_toml(changed.encode(), "mine.toml")
    assert arm.edits == (("withdrawal.days_mean", 100.0),), arm.edits
    bad = text.replace("days = 365", "days = -5")
    with pytest.raises(sim.InputError) as err:
        choice_from_toml(bad.encode(), "mine.toml")
    assert str(err.value) == "mine.toml: days = -5: must be an integer from 1 to 36_500", \
        f"expected the command line's words naming the uploaded file, got {err.value}"


# --- the batch queue -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def batches():
    return BatchQueue(workers=2)


def _finished(batch, timeout: float = 120):
    return wait_until(lambda: batch.view().finished and batch.view(), timeout,
                      "the batch to finish", changes=batch)


def test_a_batch_gives_paired_results_identical_to_direct_runs(batches):
    request = _request(replications=2, days=40)
    view = _finished(batches.submit(request))
    assert view.state == "done" and view.done == view.planned == 4
    direct = sim.run(request.arms[1].scenario, seed=request.seeds[1], days=40, warmup_days=20)
    assert view.results[(1, 1)]["kpis"]["answered"] == direct.summary["answered"], \
        "expected a worker's run to equal the same run here (same scenario and seed)"


def test_the_report_download_is_the_labs_report_with_seed_hashes_and_code(batches):
    request = _request(replications=2, days=40)
    view = _finished(batches.submit(request))
    runs = analysis.runs_frame(view, request)
    doc = analysis.report(view, request, runs, analysis.table(runs, request), "en")
    for arm in request.arms:
        assert f"{arm.label} {scenario_hash(arm.scenario)}" in doc, \
            f"expected the report to name {arm.label}'s scenario hash"
    assert f"master seed {request.master_seed}" in doc and sim.code_version() in doc, \
        "expected the report to name the master seed and the code version"
    for div in ("kpi-differences", "daily-series", "waiting-times", "routes-sankey-0"):
        assert f'id="{div}"' in doc, f"expected the lab's figure {div} in the report"


def test_the_day_by_day_figure_has_a_panel_for_each_way_of_giving_up(batches):
    """Those who withdrew and those whose need stayed, out of sight (``GAVE_UP``), each
    in a panel of their own as in the lab's report, drawn from the runs' daily series."""
    from dashboards import figures

    request = _request(replications=2, days=40)
    view = _finished(batches.submit(request))
    daily = analysis.frames(view, request, "daily")
    fig = figures.daily(daily, request, "en")
    panels = [a.text for a in fig.layout.annotations]
    assert "hidden" in GAVE_UP
    for state in GAVE_UP:
        assert state in panels, f"expected a panel for {state!r}, got {panels}"
        i = panels.index(state)
        axis = "x" if i == 0 else f"x{i + 1}"
        line = next(tr for tr in fig.data if tr.xaxis == axis and tr.mode == "lines")
        mean = daily[daily["scenario"] == line.name].groupby("day")[state].mean()
        assert list(line.y) == pytest.approx(mean.tolist()), \
            f"expected the {state!r} panel to show {line.name}'s mean over the runs"


def test_one_batch_at_a_time_with_places_in_the_queue_and_a_cache(batches):
    long = batches.submit(_request(replications=20, days=730))
    wait_until(lambda: long.view().state == "running", 60, "the first batch to run",
               changes=long)
    second = batches.submit(_request(replications=2, days=50))
    third = batches.submit(_request(replications=3, days=50))
    assert second.view().state == third.view().state == "queued"
    assert (second.view().position, third.view().position) == (1, 2), \
        "expected places 1 and 2 behind the running batch"
    long.cancel()
    assert _finished(long).state == "cancelled"
    assert _finished(second).state == "done" and _finished(third).state == "done"
    again = batches.submit(_request(replications=2, days=50))
    assert again.view().from_cache and again.view().state == "done", \
        "expected the same comparison to come from the cache at once"
    assert again.view().results[(0, 1)]["kpis"] == second.view().results[(0, 1)]["kpis"]


def test_cancelling_a_waiting_batch_takes_it_out_of_the_queue(batches):
    running = batches.submit(_request(replications=10, days=730))
    waiting = batches.submit(_request(replications=2, days=55))
    waiting.cancel()
    assert waiting.view().state == "cancelled" and waiting.view().done == 0
    running.cancel()
    assert _finished(running).state == "cancelled"
