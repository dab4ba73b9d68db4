"""The sweeps page's view of a robustness run (``samenspel robustness``): in what share of
plausible worlds the alternative policy wins per key KPI, and PRIM's boxes of when the
answer flips.

It reads what the run wrote (robustness.json, through :func:`sim.lab.robustness.read_result`)
and draws the same figures as the report (:mod:`sim.lab.robustness`), so the page and
``docs/validation.md`` never disagree. A directory without robustness results shows
nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import solara

from sim import InputError
from sim.kpis import flat_label
from sim.lab.robustness import (
    RESULT,
    box_rows,
    box_words,
    prim_boxes_figure,
    prim_tradeoff_figure,
    read_result,
    shares_figure,
    summary_sentence,
)

from . import plotly_view
from .common import failure_message
from .i18n import t

#: Columns of the shares table on the page, in this order.
SHARE_COLUMNS = ("kpi", "better", "worlds", "alternative_better", "reference_better", "ties",
                 "undefined", "share", "share_lo", "share_hi", "difference_median")


def boxes_table(payload: dict, kpi: str) -> pd.DataFrame:
    """The PRIM boxes of one KPI: a row per restricted parameter, the box in words first."""
    rows = box_rows([b for b in payload["boxes"] if b["kpi"] == kpi])
    words = {b["better"]: box_words(b) for b in payload["boxes"] if b["kpi"] == kpi}
    rows.insert(2, "box", rows["better"].map(words))
    rows["better"] = rows["better"].map(payload["meta"])  # the policy's scenario label
    return rows


def robustness_figures(path: Path) -> dict | str | None:
    """The run in ``path`` (``payload``) and its three figures' JSON (``shares``, ``boxes``,
    ``tradeoff``): None when ``path`` holds no robustness run, the one-line message when
    it cannot be read. Made in a thread (reading and three figures take a moment)."""
    if not (path / RESULT).is_file():
        return None
    try:
        payload = read_result(path)
    except InputError as err:
        return failure_message(err)
    return {"payload": payload, "shares": shares_figure(payload).to_json(),
            "boxes": prim_boxes_figure(payload).to_json(),
            "tradeoff": prim_tradeoff_figure(payload).to_json()}


@solara.component
def RobustnessView(path: Path, language: str):
    """Shares and PRIM boxes of the robustness run in ``path``, if it is one. The page makes
    one per directory (keyed by it), so another directory's figures never show here."""
    kpi, set_kpi = solara.use_state(None)
    made = plotly_view.use_made(lambda: robustness_figures(path), [path])
    if made is None:
        return
    if isinstance(made, str):
        solara.Error(made)
        return
    payload = made["payload"]
    kpis = payload["kpis"]
    chosen = kpi if kpi in kpis else kpis[0]
    solara.Markdown(f"## {t('robustness_title', language)}")
    solara.Markdown(summary_sentence(payload))
    plotly_view.Figure(made["shares"])
    shares = pd.DataFrame(payload["shares"])
    solara.DataFrame(shares[[c for c in SHARE_COLUMNS if c in shares.columns]])
    solara.Markdown(f"### {t('robustness_boxes', language)}")
    solara.Select(t("sweeps_kpi", language), values=kpis, value=chosen, on_value=set_kpi)
    solara.Markdown(f"**{flat_label(chosen)}**")
    solara.DataFrame(boxes_table(payload, chosen))
    plotly_view.Figure(made["boxes"])
    plotly_view.Figure(made["tradeoff"])
