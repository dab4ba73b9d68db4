"""The dashboard's pages driven without a browser (``solara.render`` in a page context)."""

from __future__ import annotations

import ipyvuetify as v
import plotly.graph_objects as go
import pytest
import solara
from dashboard_helpers import page_context, wait_until

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


def _figures(rc) -> list[go.FigureWidget]:
    return [w for w in rc.find(go.FigureWidget).widgets]


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
    wait_until(lambda: _figures(rc), 30, "figures on the page")
    first = [f.to_dict()["data"] for f in _figures(rc)]

    compare.choices.set(Choices((Choice("rotterdam_vraagwijzer"),
                                 Choice("schiedam_walk_in_triage")), 2, 40))
    _button(rc, "Run the comparison").click()
    wait_until(lambda: compare.snapshot.value.finished
               and compare.current.value[0].arms[1].label == "schiedam_walk_in_triage", 120,
               "the second comparison to finish")

    def changed():
        now = [f.to_dict()["data"] for f in _figures(rc)]
        return now and str(now) != str(first)

    wait_until(changed, 30, "the figures to show the new comparison")


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
