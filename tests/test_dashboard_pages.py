"""The dashboard's pages driven without a browser (``solara.render`` in a page context)."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
from dashboard_helpers import drawn_figures, page_context, wait_until

from dashboards import compare
from dashboards.choices import Choice, Choices


@pytest.fixture
def render():
    """``render(element)`` in a fresh tab; the page is closed (unmounted) afterwards."""
    with page_context():
        opened = []

        def _render(element):
            box, rc = solara.render(element, handle_error=False)
            opened.append(rc)
            return rc

        yield _render
        for rc in opened:
            rc.close()


def _button(rc, text: str) -> v.Btn:
    found = [b for b in rc.find(v.Btn).widgets if text in b.children]
    assert len(found) == 1, f"expected one button {text!r}, found {len(found)}"
    return found[0]


def _slider(rc, label: str):
    return rc.find(v.Slider, label=label).widget


def test_compare_change_a_control_run_and_the_figures_change(render):
    rc = render(compare.Page())
    _slider(rc, "Replications (paired runs)").v_model = 2
    _slider(rc, compare.t("horizon", "en")).v_model = 40
    assert compare.choices.value.days == 40 and compare.choices.value.replications == 2, \
        "expected the sliders to set replications and horizon"
    _button(rc, "Run the comparison").click()
    wait_until(lambda: compare.snapshot.value and compare.snapshot.value.finished, 120,
               "the first comparison to finish")
    assert compare.snapshot.value.state == "done", "expected the batch to finish without errors"
    wait_until(lambda: drawn_figures(rc), 30, "figures on the page")
    first = [f.to_dict()["data"] for f in drawn_figures(rc)]

    compare.choices.set(Choices((Choice("rotterdam_vraagwijzer"),
                                 Choice("schiedam_walk_in_triage")), 2, 40))
    _button(rc, "Run the comparison").click()
    wait_until(lambda: compare.snapshot.value.finished
               and compare.current.value[0].arms[1].label == "schiedam_walk_in_triage", 120,
               "the second comparison to finish")

    def changed():
        now = [f.to_dict()["data"] for f in drawn_figures(rc)]
        return now and str(now) != str(first)

    wait_until(changed, 30, "the figures to show the new comparison")

    from solara.components.datatable import DataTableWidget

    assert not rc.find(DataTableWidget).widgets, "expected the full table made only when opened"
    rc.find(v.Switch, label=compare.t("table_title", "en")).widget.v_model = True
    table = wait_until(lambda: rc.find(DataTableWidget).widgets, 30, "the full table")[0]
    from sim.kpis import flat_names

    assert table.total_length == 2 * len(flat_names()), \
        f"expected a row per KPI and scenario, got {table.total_length}"


def test_compare_parameter_labels_follow_the_language_switch(render):
    """The changed values are listed under the declared label of the tab's language."""
    from dashboards.common import lang
    from sim import SPECS

    spec = SPECS["population.share_vulnerable"]
    compare.choices.set(Choices((Choice("rotterdam_vraagwijzer", ((spec.key, 0.2),)),
                                 Choice("schiedam_walk_in")), 2, 40))
    rc = render(compare.Page())

    def texts() -> str:
        return " ".join(str(w.children) for w in rc.find(v.Html).widgets)

    wait_until(lambda: f"{spec.label}: 0.12 → 0.2" in texts(), 10,
               f"the English label {spec.label!r} beside the changed value")
    lang.set("nl")
    wait_until(lambda: f"{spec.label_nl}: 0.12 → 0.2" in texts(), 10,
               f"the Dutch label {spec.label_nl!r} after the switch to NL")


def test_compare_value_editor_opens_refuses_bad_values_and_applies_good_ones(render):
    """The editor is made when opened; a bad value is refused in the command line's words,
    a good one becomes a change from the preset under the parameter's label."""
    from sim import SPECS

    compare.choices.set(Choices((Choice("rotterdam_vraagwijzer"), Choice("schiedam_walk_in")),
                                2, 40))
    rc = render(compare.Page())
    assert not rc.find(v.TextField, label="New value").widgets, \
        "expected no editor before it is opened"
    [b for b in rc.find(v.Btn).widgets if "Change a value" in b.children][0].click()
    key = "population.share_vulnerable"
    rc.find(v.Select, label="Parameter").widget.v_model = key
    field = wait_until(lambda: rc.find(v.TextField, label="New value").widgets, 10,
                       "the value field of the opened editor")[0]
    field.v_model = "1.5"
    wait_until(lambda: field.error, 10, "a refusal of 1.5")
    assert field.messages == [f"{key} = 1.5: must be a number from 0 to 1"], field.messages
    field.v_model = "0.2"
    wait_until(lambda: not field.error, 10, "0.2 accepted")
    _button(rc, "Apply").click()
    wait_until(lambda: compare.choices.value.arms[0].edits == ((key, 0.2),), 10,
               "the change applied to the first scenario")
    wait_until(lambda: any(f"{SPECS[key].label}: 0.12 → 0.2" in str(w.children)
                           for w in rc.find(v.Html).widgets), 10, "the change listed")


def test_compare_cancel_stops_a_running_batch(render):
    rc = render(compare.Page())
    compare.choices.set(Choices((Choice("rotterdam_vraagwijzer"), Choice("schiedam_walk_in")),
                                20, 730))
    _button(rc, "Run the comparison").click()
    wait_until(lambda: compare.snapshot.value and compare.snapshot.value.state == "running",
               60, "the batch to start running")
    _button(rc, "Cancel").click()
    wait_until(lambda: compare.snapshot.value.state == "cancelled", 30,
               "the batch to stop after cancel")
    v_ = compare.snapshot.value
    assert v_.done < v_.planned, f"expected cancel to stop the batch early, {v_.done} of " \
        f"{v_.planned} runs done"


def _street_titles(rc) -> list[str]:
    return [f.layout.title.text for f in drawn_figures(rc) if "Day " in (f.layout.title.text or "")]


def test_elephant_steps_both_demos_and_a_switch_changes_the_chances(render):
    from dashboards import elephant

    rc = render(elephant.Page())
    wait_until(lambda: len(_street_titles(rc)) == 2, 10, "two street figures")
    assert all("Day 0" in title for title in _street_titles(rc)), "expected day 0 before a step"
    _button(rc, "Next day").click()
    wait_until(lambda: all("Day 1" in title for title in _street_titles(rc)), 10,
               f"both demos on day 1, got {_street_titles(rc)}")

    def chances() -> list[str]:
        return [str(f.data[0].text) for f in drawn_figures(rc) if f.data and f.data[0].text
                and "%" in str(f.data[0].text)]

    before = chances()
    rc.find(v.Switch, label=elephant.t("direct_request", "en")).widget.v_model = True
    assert elephant.setting.value.direct_request, "expected the switch to ask directly"
    wait_until(lambda: chances() != before, 10, "the chances to act to change with a direct "
               "request")
    assert all("Day 0" in title for title in _street_titles(rc)), \
        "expected a new setting to start the demos afresh"


def test_elephant_street_shows_who_is_unaware_aware_hesitating_or_acting(render):
    """Alone: one person sees the need, the rest of the street has not noticed; with n:
    n see it and hesitate (diffusion), the others are unaware. Presentation mode adds the
    captions and larger type."""
    from dashboards import elephant

    rc = render(elephant.Page())
    wait_until(lambda: len(_street_titles(rc)) == 2, 10, "two street figures")

    def states(title: str) -> list[str]:
        fig = next(f for f in drawn_figures(rc) if (f.layout.title.text or "").startswith(title))
        return [text.split("<br>")[0].strip() for text in fig.data[0].text]

    n = elephant.setting.value.n
    alone, group = states("Alone"), states(f"With {n}")
    assert alone.count("has not noticed") == elephant.STREET - 1 and alone.count("sees it") \
        == 1, f"expected one aware person in a street of {elephant.STREET}: {alone}"
    assert group.count("has not noticed") == elephant.STREET - n and \
        group.count("hesitates") == n, f"expected {n} hesitating and the rest unaware: {group}"

    def alerts() -> str:
        return str([a.children for a in rc.find(v.Alert).widgets])

    assert "What to notice" not in alerts(), "expected the captions only when presenting"
    rc.find(v.Switch, label="Presentation mode").widget.v_model = True
    wait_until(lambda: "What to notice" in alerts() and "What to try" in alerts()
               and all(f.layout.font.size == 20 for f in drawn_figures(rc)
                       if (f.layout.title.text or "").startswith("Alone")), 10,
               "the captions and large type in presentation mode")


def test_elephant_play_runs_until_answered(render):
    from dashboards import elephant

    rc = render(elephant.Page())
    rc.find(v.Slider, label=elephant.t("speed", "en")).widget.v_model = 10
    _button(rc, "Play").click()
    wait_until(lambda: sum("answered on day" in title for title in _street_titles(rc)) == 2,
               60, "both demos to be answered while playing")


def test_elephant_curve_builds_up_with_more_trials(render):
    from dashboards import elephant

    rc = render(elephant.Page())

    def curve_title() -> str:
        return next(f.layout.title.text for f in drawn_figures(rc) if "trials" in
                    (f.layout.title.text or ""))

    wait_until(lambda: "500 trials" in curve_title(), 10, "the curve over 500 trials")
    _button(rc, "Repeat 500 more times").click()
    wait_until(lambda: "1000 trials" in curve_title(), 10, "the curve over 1000 trials")


EXPERIMENT = """name = "{name}"
description = "two team sizes"
[base]
scenario = "validation/mmc"
[levers]
"wijkteam.n_professionals" = [4, 6]
{uncertainties}[design]
kind = "grid"
[run]
replications = {replications}
days = {days}
warmup_days = 10
"""


@pytest.fixture
def results_root(tmp_path, monkeypatch):
    """A results root holding one small grid sweep."""
    from sim.lab.experiment import experiment_from_text
    from sim.lab.sweep import run_sweep

    text = EXPERIMENT.format(name="tiny", replications=2, days=60, uncertainties=(
        '[uncertainties]\n"needs.rate_per_resident_year" = { lo = 2.5, hi = 5.0, n = 3 }\n'))
    root = tmp_path / "results"
    run_sweep(experiment_from_text(text), root / "tiny", progress=False)
    monkeypatch.setenv("SAMENSPEL_RESULTS_ROOT", str(root))
    return root


def test_sweeps_opens_a_directory_under_the_root_and_plots_a_kpi(render, results_root):
    from dashboards import sweeps

    rc = render(sweeps.Page())
    rc.find(v.TextField, label="Results directory").widget.v_model = "tiny"
    _button(rc, "Open").click()
    wait_until(lambda: drawn_figures(rc), 30, "a KPI figure after opening the sweep")
    first = str(drawn_figures(rc)[0].to_dict()["data"])
    kpi = rc.find(v.Select, label="Outcome").widget
    other = [k for k in kpi.items if k != kpi.v_model][0]
    kpi.v_model = other
    wait_until(lambda: str(drawn_figures(rc)[0].to_dict()["data"]) != first, 10,
               f"the figure to change when the outcome becomes {other}")


def _open_sweep(render, name: str):
    from dashboards import sweeps

    rc = render(sweeps.Page())
    rc.find(v.TextField, label="Results directory").widget.v_model = name
    _button(rc, "Open").click()
    return rc


def _figure(rc, title: str):
    found = [f for f in drawn_figures(rc) if (f.layout.title.text or "").startswith(title)]
    return found[0] if found else None


def test_sweeps_filters_narrow_the_runs_and_the_figures(render, results_root):
    rc = _open_sweep(render, "tiny")
    parallel = wait_until(lambda: _figure(rc, "Parallel coordinates"), 30,
                          "parallel coordinates after opening the sweep")
    dims = [d.label for d in parallel.data[0].dimensions]
    assert dims[:2] == ["wijkteam.n_professionals", "needs.rate_per_resident_year"] and \
        len(parallel.data[0].dimensions[0].values) == 12, \
        f"expected one line per run (2 x 3 points x 2 replications) through both factors: {dims}"

    def texts() -> str:
        return " ".join(str(w.children) for w in rc.find(v.Html).widgets)

    assert "12 of 12 runs" in texts(), "expected every run shown before filtering"
    rc.find(v.Select, label="wijkteam.n_professionals").widget.v_model = ["4"]
    wait_until(lambda: "6 of 12 runs" in texts(), 10, "the filter to keep the 6 runs of 4 "
               "professionals")
    wait_until(lambda: len(_figure(rc, "Parallel coordinates").data[0].dimensions[0].values)
               == 6, 10, "the parallel coordinates to show only the 6 filtered runs")


def test_sweeps_shows_the_labs_sensitivity_indices_with_intervals(render, results_root):
    """A grid gets standardized regression coefficients: more needs mean a longer waiting
    list (positive), more professionals a shorter one (negative)."""
    rc = _open_sweep(render, "tiny")
    kpi = rc.find(v.Select, label="Outcome").widget
    kpi.v_model = "waitlist_end"
    fig = wait_until(lambda: _figure(rc, "Sensitivity: "), 30, "a sensitivity figure")
    wait_until(lambda: "SRC" in _figure(rc, "Sensitivity: ").layout.title.text
               and "aiting" in _figure(rc, "Sensitivity: ").layout.title.text, 10,
               "the figure of waitlist_end's coefficients")
    fig = _figure(rc, "Sensitivity: ")
    src = dict(zip(fig.data[0].y, fig.data[0].x, strict=True))
    assert src["needs.rate_per_resident_year"] > 0 > src["wijkteam.n_professionals"], \
        f"expected more needs to lengthen the waiting list and more staff to shorten it: {src}"
    assert all(u >= 0 for u in fig.data[0].error_x.array) and \
        all(m >= 0 for m in fig.data[0].error_x.arrayminus), "expected an interval per index"


def test_sweeps_without_a_swept_factor_says_so_instead_of_ranking_replications(
        render, tmp_path, monkeypatch):
    from sim.lab.experiment import experiment_from_text
    from sim.lab.sweep import run_sweep

    text = EXPERIMENT.format(name="plain", replications=3, days=30, uncertainties="").replace(
        '[levers]\n"wijkteam.n_professionals" = [4, 6]\n', "")
    run_sweep(experiment_from_text(text), tmp_path / "plain", progress=False)
    monkeypatch.setenv("SAMENSPEL_RESULTS_ROOT", str(tmp_path))
    rc = _open_sweep(render, "plain")
    wait_until(lambda: drawn_figures(rc), 30, "the KPI figure after opening")
    alerts = wait_until(lambda: [a for a in rc.find(v.Alert).widgets
                                 if "no numeric factor varies" in str(a.children)], 10,
                        "a note that no factor varies")
    assert alerts and not _figure(rc, "Sensitivity: ") and not _figure(
        rc, "Parallel coordinates"), "expected no indices or lines over replications"


def test_sweeps_shows_morris_indices_of_a_sampled_design(render, tmp_path, monkeypatch):
    from sim.lab.experiment import experiment_from_text
    from sim.lab.sweep import run_sweep

    text = EXPERIMENT.format(name="screen", replications=1, days=40, uncertainties=(
        '[uncertainties]\n"needs.rate_per_resident_year" = { lo = 2.5, hi = 5.0 }\n'
        '"wijkteam.case_duration_days_mean" = { lo = 0.5, hi = 1.0 }\n')).replace(
        '[levers]\n"wijkteam.n_professionals" = [4, 6]\n', "").replace(
        'kind = "grid"', 'kind = "morris"\nn = 4\nlevels = 4')
    run_sweep(experiment_from_text(text), tmp_path / "screen", progress=False)
    monkeypatch.setenv("SAMENSPEL_RESULTS_ROOT", str(tmp_path))
    rc = _open_sweep(render, "screen")
    fig = wait_until(lambda: _figure(rc, "Sensitivity: "), 30, "a sensitivity figure")
    assert "mu*" in fig.layout.title.text and sorted(fig.data[0].y) == [
        "needs.rate_per_resident_year", "wijkteam.case_duration_days_mean"], \
        f"expected SALib's mu* for both factors: {fig.layout.title.text}, {fig.data[0].y}"


def test_sweeps_a_second_directory_opens_with_its_own_outcomes(render, results_root):
    """The outcome chosen in one directory is not one of the next's: the next opens on its
    own first outcome, with its figures (the page kept the old choice and failed)."""
    from sim.lab.experiment import experiment_from_text
    from sim.lab.sweep import run_sweep

    text = EXPERIMENT.format(name="crises", replications=2, days=30, uncertainties="") + \
        '[output]\nkpis = ["crises"]\n'
    run_sweep(experiment_from_text(text), results_root / "crises", progress=False)
    rc = _open_sweep(render, "tiny")
    wait_until(lambda: _figure(rc, "Parallel coordinates"), 30, "the first sweep's figures")
    assert rc.find(v.Select, label="Outcome").widget.v_model != "crises", \
        "expected the first directory to open on another outcome than the second's only one"
    rc.find(v.TextField, label="Results directory").widget.v_model = "crises"
    _button(rc, "Open").click()
    wait_until(lambda: _figure(rc, "Crises") or _figure(rc, "crises"), 30,
               "the second directory's figure of its one outcome, crises")
    assert rc.find(v.Select, label="Outcome").widget.v_model == "crises", \
        "expected the outcome of the directory opened"


def test_sweeps_refuses_a_directory_outside_the_root(render, results_root):
    from dashboards import sweeps

    rc = render(sweeps.Page())
    rc.find(v.TextField, label="Results directory").widget.v_model = "../.."
    _button(rc, "Open").click()
    alerts = wait_until(lambda: [a for a in rc.find(v.Alert).widgets
                                 if "must be a directory under the results root" in
                                 str(a.children)], 10, "a refusal for a path outside the root")
    assert str(results_root) in str(alerts[0].children), "expected the message to name the root"


def test_a_failure_in_a_page_is_one_line_not_a_traceback(render):
    from dashboards.common import Guard

    @solara.component
    def Broken():
        clicked, set_clicked = solara.use_state(False)
        if clicked:
            raise ValueError("the model said no")
        solara.Button("Break", on_click=lambda: set_clicked(True))

    rc = render(Guard(children=[Broken()]))
    _button(rc, "Break").click()
    alerts = wait_until(lambda: rc.find(v.Alert).widgets, 10, "an error message")
    text = str(alerts[0].children)
    assert "ValueError: the model said no" in text and "Traceback" not in text, text


def test_about_is_generated_from_the_declarations_in_the_tabs_language(render):
    from dashboards import about
    from dashboards.common import lang
    from sim.kpis import KPIS

    rc = render(about.Page())

    def markdown() -> str:
        return " ".join(w.template for w in rc.find(v.VuetifyTemplate).widgets)

    wait_until(lambda: all(k.label_en in markdown() for k in KPIS.values()), 10,
               "every KPI's English label on the page")
    from sim import SPECS

    spec = SPECS["population.reluctance_help_mean"]
    assert f"<td>{spec.label}</td>" in markdown(), "expected the parameter table in English"
    lang.set("nl")
    wait_until(lambda: all(k.label_nl in markdown() for k in KPIS.values()), 10,
               "every KPI's Dutch label after the switch")
    assert f"<td>{spec.label_nl}</td>" in markdown(), \
        f"expected the parameter table's Dutch label {spec.label_nl!r} after the switch"




def _start_page(render, tmp_path, monkeypatch, replications: int, days: int):
    from dashboards import sweeps

    experiments = tmp_path / "experiments"
    experiments.mkdir()
    (experiments / "tiny_start.toml").write_text(
        EXPERIMENT.format(name="tiny_start", replications=replications, days=days,
                          uncertainties=""), encoding="utf-8")
    monkeypatch.setenv("SAMENSPEL_EXPERIMENTS", str(experiments))
    monkeypatch.setenv("SAMENSPEL_RESULTS_ROOT", str(tmp_path / "results"))
    return render(sweeps.Page())


def test_sweeps_starts_an_experiment_and_opens_its_results(render, tmp_path, monkeypatch):
    rc = _start_page(render, tmp_path, monkeypatch, replications=2, days=30)
    _button(rc, "Start").click()
    wait_until(lambda: drawn_figures(rc), 180, "the finished sweep opened with a KPI figure")
    assert (tmp_path / "results" / "tiny_start" / "manifest.json").is_file()


def test_sweeps_cancel_stops_a_started_sweep_which_can_resume(render, tmp_path, monkeypatch):
    from dashboards import sweeps

    rc = _start_page(render, tmp_path, monkeypatch, replications=40, days=400)
    _button(rc, "Start").click()
    out = tmp_path / "results" / "tiny_start"
    wait_until(lambda: len(sweeps.part_ids(out / "runs")) >= 1, 180, "a first run written")
    _button(rc, "Cancel").click()
    wait_until(lambda: [w for w in rc.find(v.Html).widgets
                        if "Stopped after" in str(w.children)], 60,
               "the sweep to stop after cancel")
    done = len(sweeps.part_ids(out / "runs"))
    assert done < 80, f"expected cancel to stop the sweep early, {done} of 80 runs written"


def test_sweeps_start_is_refused_while_another_writer_holds_the_directory(
        render, tmp_path, monkeypatch):
    from sim.lab.lock import results_lock

    rc = _start_page(render, tmp_path, monkeypatch, replications=2, days=30)
    with results_lock(tmp_path / "results" / "tiny_start", command="samenspel sweep elsewhere"):
        _button(rc, "Start").click()
        alerts = wait_until(lambda: [a for a in rc.find(v.Alert).widgets
                                     if "samenspel sweep elsewhere" in str(a.children)], 120,
                            "a one-line refusal naming the other writer")
    assert "Traceback" not in str(alerts[0].children)
