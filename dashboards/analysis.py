"""From finished runs to what the compare page says: frames, headline sentences, table.

Everything here is read from the KPI declarations (:mod:`sim.kpis`): the label and
meaning in Dutch or English, which direction is better, and whether a count is
shown as a natural frequency (its generated ``<name>_per_1000_year`` companion),
per 1,000 residents a year, which people read more
reliably than rates or percentages (Akl et al., Cochrane review 2011). Each
difference comes with the reference's absolute level, a likely range and a count
of paired runs ("better in 28 of 30"), read better than error bars (Hullman et al.
2015). The headline keeps "95% CI" and "significant" out, since they are widely
misread (Hoekstra et al. 2014); they stay in the table beneath.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim import code_version
from sim.budget import time_budget
from sim.kpis import KPIS, POLICY_OUTCOMES, declaration, flat_names
from sim.lab.compare import compare_runs
from sim.lab.report import report_html
from sim.lab.stats import excludes_zero, wins
from sim.results import scenario_hash

from .i18n import t
from .runner import Request, View

META = ("scenario", "replication", "seed", "scenario_hash", "code_version", "days",
        "warmup_days")


def _ok(view: View) -> dict[tuple[int, int], dict[str, Any]]:
    return {k: v for k, v in view.results.items() if v.get("ok")}


def complete_pairs(view: View, request: Request) -> list[int]:
    """Replications in which every scenario finished: the pairs the page can compare."""
    ok = _ok(view)
    n = len(request.arms)
    return [r for r in range(request.replications) if all((b, r) in ok for b in range(n))]


def runs_frame(view: View, request: Request) -> pd.DataFrame:
    """One row per finished run of a complete pair: provenance and every KPI as reported."""
    ok = _ok(view)
    seeds = request.seeds
    rows = []
    for r in complete_pairs(view, request):
        for b, arm in enumerate(request.arms):
            rows.append({"scenario": arm.label, "replication": r, "seed": seeds[r],
                         "scenario_hash": scenario_hash(arm.scenario),
                         "code_version": code_version(), "days": request.days,
                         "warmup_days": request.warmup_days, **ok[(b, r)]["kpis"]})
    return pd.DataFrame(rows, columns=[*META, *flat_names()])


@dataclass(eq=False)
class Computed:
    """What the compare page shows of a batch's complete pairs: the runs, and what is made
    from them once per key (a table, a figure or the sentences in one language).

    Made in the tab's watch thread, not in a render: a render holds the page, so a click
    would wait behind it. While runs go on only the policy outcomes are compared; the
    table of every KPI is made when something asks for it.
    """

    view: View
    request: Request
    runs: pd.DataFrame
    _made: dict[Any, Any] = field(default_factory=dict)

    def made(self, key: Any, build: Callable[[], Any]) -> Any:
        if key not in self._made:
            self._made[key] = build()
        return self._made[key]

    @property
    def pairs(self) -> dict[str, pd.DataFrame]:
        """Per scenario after the reference, its paired differences (:func:`paired_frames`),
        made once for the tables and the differences figure."""
        return self.made("pairs", lambda: paired_frames(self.runs, self.request))

    @property
    def table(self) -> pd.DataFrame:
        """The paired comparison of every KPI."""
        return self.made("table", lambda: table(self.runs, self.request, pairs=self.pairs))

    @property
    def headline_table(self) -> pd.DataFrame:
        """The paired comparison of the policy outcomes the headline and its figure show."""
        if "table" in self._made:
            return self.table
        return self.made("headline_table", lambda: table(
            self.runs, self.request, [column(k) for k in POLICY_OUTCOMES], self.pairs))


def compute(view: View, request: Request) -> Computed | None:
    """The runs of a view's complete pairs; None before the first pair."""
    runs = runs_frame(view, request)
    return None if runs.empty else Computed(view, request, runs)


def column(kpi: str) -> str:
    """The runs column a headline reads: a declared count's per-1,000 companion, else itself."""
    return f"{kpi}_per_1000_year" if KPIS[kpi].per_1000_year else kpi


def table(runs: pd.DataFrame, request: Request, kpis: list[str] | None = None,
          pairs: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The paired comparison of every KPI (or of ``kpis``), with the paired runs in which
    each did better; ``pairs``: the runs' :func:`paired_frames`, if already made."""
    labels = [a.label for a in request.arms]
    tab = compare_runs(runs, kpis, scenarios=labels)
    diffs = pairs if pairs is not None else paired_frames(runs, request)
    tab["better_in"] = [wins(diffs[r.scenario][r.kpi].dropna(), r.kpi)[0]
                        if r.scenario != r.reference else math.nan for r in tab.itertuples()]
    tab["significant"] = [excludes_zero(r) for r in tab.itertuples()]
    return tab


def paired_frame(runs: pd.DataFrame, reference: str, other: str) -> pd.DataFrame:
    """Per seed (rows) and KPI column, ``other - reference``; NaN where a pair is incomplete
    or a value undefined. All KPIs at once: per KPI it would cost the page a render's time."""
    cols = [c for c in runs.columns if c not in META]
    a = runs[runs["scenario"] == reference].set_index("seed")[cols]
    b = runs[runs["scenario"] == other].set_index("seed")[cols]
    return b - a


def paired_frames(runs: pd.DataFrame, request: Request) -> dict[str, pd.DataFrame]:
    """:func:`paired_frame` of each scenario after the reference, by its label."""
    labels = [a.label for a in request.arms]
    return {other: paired_frame(runs, labels[0], other) for other in labels[1:]}


# --- words -------------------------------------------------------------------------


def number(x: float, lang: str, decimals: int | None = None) -> str:
    """A number as people read it: no decimals from 10 on; Dutch separators in Dutch."""
    if x is None or not math.isfinite(x):
        return "-"
    if decimals is None:
        decimals = 0 if abs(x) >= 10 else 1
    text = f"{x:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "nl" else text


def _unit_words(kpi: str, lang: str) -> tuple[str, str, str]:
    """(level unit, word for up, word for down) of a KPI's headline."""
    k = declaration(kpi)
    if k.per_1000_year:
        return t("per_1000", lang), t("more", lang), t("fewer", lang)
    if k.unit == "days":
        return t("days", lang), t("longer", lang), t("shorter", lang)
    if k.is_share:
        return "%", t("points_higher", lang), t("points_lower", lang)
    return k.unit, t("more", lang), t("fewer", lang)


def _scale(kpi: str, x: float) -> float:
    return 100.0 * x if declaration(kpi).is_share else x


def _signed(kpi: str, x: float, lang: str) -> str:
    _, up, down = _unit_words(kpi, lang)
    return f"{number(abs(_scale(kpi, x)), lang)} {up if x >= 0 else down}"


def headline(kpi: str, tab: pd.DataFrame, other: str, lang: str) -> str:
    """One sentence (Markdown) for one outcome: difference, likely range, paired count, level,
    all read from the comparison ``tab`` (:func:`table`), so a sentence in another language
    costs no new arithmetic.

    E.g. "Answered, per 1,000 residents a year: walk_in 12 more than vraagwijzer (likely
    between 8 and 16 more); better in 28 of 30 paired runs. vraagwijzer: 890."
    """
    k = KPIS[kpi]
    col = column(kpi)
    rows = tab[(tab["kpi"] == col) & (tab["scenario"] == other)]
    if rows.empty:
        return ""
    r = rows.iloc[0]
    ref_row = tab[(tab["kpi"] == col) & (tab["scenario"] == r["reference"])].iloc[0]
    unit, _, _ = _unit_words(kpi, lang)
    d, lo, hi = r["diff_mean"], r["diff_ci_lo"], r["diff_ci_hi"]
    head = f"**{k.label(lang)}** ({unit})" if unit != "%" else f"**{k.label(lang)}**"
    if not math.isfinite(d):
        return f"{head}: {t('no_pairs', lang)}"
    text = f"{head}: {other} {_signed(kpi, d, lang)} {t('than', lang)} {r['reference']}"
    if math.isfinite(lo) and math.isfinite(hi):
        if (lo >= 0) == (hi >= 0):
            _, up, down = _unit_words(kpi, lang)
            word = up if lo >= 0 else down
            a, b = sorted((abs(_scale(kpi, lo)), abs(_scale(kpi, hi))))
            span = f"{number(a, lang)} {t('and', lang)} {number(b, lang)} {word}"
        else:
            span = f"{_signed(kpi, lo, lang)} {t('and', lang)} {_signed(kpi, hi, lang)}"
        text += f" ({t('likely_between', lang)} {span})"
    k_better, n_pairs = int(r["better_in"]), int(r["n_pairs"])
    verb = t("better_in", lang) if k.better else t("higher_in", lang)
    text += f"; {verb} {k_better} {t('of', lang)} {n_pairs} {t('paired_runs', lang)}. "
    level = number(_scale(kpi, ref_row["mean"]), lang)
    text += f"{r['reference']}: {level}{'%' if unit == '%' else ''}."
    return text


def staff_sentences(request: Request, lang: str) -> list[str]:
    """Each scenario's staff in FTE, the desk's part named (:mod:`sim.budget`), and one
    sentence of warning when they differ: then the comparison does not hold staff time
    equal, and does not isolate the policy (DOMAIN.md)."""
    def fte(x: float) -> str:
        return number(x, lang, 0 if x == round(x) else 2)

    budgets = [(a.label, time_budget(a.scenario)) for a in request.arms]
    parts = []
    for label, b in budgets:
        part = f"{label} {fte(b.fte_total)} {t('fte', lang)}"
        if b.fte_desk > 0:
            part += f" ({t('of_which_desk', lang).format(fte(b.fte_desk))})"
        parts.append(part)
    out = [f"**{t('staff', lang)}**: " + "; ".join(parts) + "."]
    if len({round(b.fte_total, 6) for _, b in budgets}) > 1:
        out.append(t("fte_differ", lang))
    return out


def headlines(tab: pd.DataFrame, request: Request, lang: str) -> list[str]:
    """The headline sentences: each policy outcome, for each scenario against the first."""
    others = [a.label for a in request.arms[1:]]
    return [s for kpi in POLICY_OUTCOMES for o in others
            if (s := headline(kpi, tab, o, lang))]


def display_table(tab: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The technical table beneath the headline: means, 95% CI, differences, significance."""
    rows = []
    for r in tab.itertuples():
        name = r.kpi
        k = declaration(name)
        label = k.label(lang) + (f": {name.split('.', 1)[1]}" if k.by else "")
        unit = "%" if k.is_share else k.unit
        s = 100.0 if k.is_share else 1.0
        ref = r.scenario == r.reference
        rows.append({
            t("col_outcome", lang): label, t("col_unit", lang): unit,
            t("col_scenario", lang): r.scenario, "n": int(r.n),
            t("col_mean", lang): number(s * r.mean, lang, 2),
            "95% CI": f"{number(s * r.ci_lo, lang, 2)} – {number(s * r.ci_hi, lang, 2)}",
            t("col_diff", lang): "" if ref else number(s * r.diff_mean, lang, 2),
            t("col_diff_ci", lang): "" if ref else
            f"{number(s * r.diff_ci_lo, lang, 2)} – {number(s * r.diff_ci_hi, lang, 2)}",
            t("col_better", lang): "" if ref or not math.isfinite(r.better_in) else
            f"{int(r.better_in)} / {int(r.n_pairs)}",
            t("col_significant", lang): "" if ref else t("yes" if r.significant else "no", lang),
        })
    return pd.DataFrame(rows)


def frames(view: View, request: Request, part: str) -> pd.DataFrame:
    """The daily, waits or routes frames of the complete pairs, with scenario and replication."""
    ok = _ok(view)
    out = []
    for r in complete_pairs(view, request):
        for b, arm in enumerate(request.arms):
            f = ok[(b, r)].get(part)
            if f is not None and len(f):
                out.append(f.assign(scenario=arm.label, replication=r))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def load_frame(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily frame with the caseload in use as a share of the team's slots."""
    if daily.empty:
        return daily
    slots = daily["slots"].replace(0, np.nan)
    return daily.assign(caseload_in_use=daily["active_cases"] / slots)


def report(view: View, request: Request, runs: pd.DataFrame, tab: pd.DataFrame,
           lang: str) -> str:
    """The lab's ``report.html`` of this comparison, from the tab's runs in memory: the same
    page ``samenspel compare`` writes, with seeds, scenario hashes and code version."""
    manifest = {"scenarios": [a.label for a in request.arms], "done": len(runs),
                "failed": len(view.errors), "code_version": code_version(),
                "settings": {"replications": request.replications,
                             "master_seed": request.master_seed, "days": request.days,
                             "warmup_days": request.warmup_days}}
    return report_html(manifest, runs, tab, t("compare_title", lang),
                       *(frames(view, request, part) for part in ("daily", "waits", "routes")))
