"""The "about this model" page, generated from what the project declares once.

What the model is for and its structural assumptions are read from the model
description (``docs/ODD.md`` sections 1.1 and 9.2); the assumed defaults and the
parameter table with sources come from :mod:`sim.docgen` (the parameter
declarations); each KPI's definition comes from :mod:`sim.kpis`.
"""

from __future__ import annotations

import re
from pathlib import Path

import solara

from sim.docgen import DOCS_DIR, assumptions_list, parameter_table
from sim.kpis import KPIS

from .common import lang
from .i18n import t


def odd_section(number: str, odd: Path | None = None) -> str:
    """One section of docs/ODD.md (e.g. ``"1.1"``), without its heading."""
    text = (odd or DOCS_DIR / "ODD.md").read_text(encoding="utf-8")
    match = re.search(rf"^###? {re.escape(number)}\b[^\n]*\n(.*?)(?=^##)", text,
                      re.MULTILINE | re.DOTALL)
    return match.group(1).strip() if match else ""


def kpi_markdown(language: str) -> str:
    """Every KPI: label, meaning, unit, direction and the exact definition."""
    lines = []
    for k in KPIS.values():
        better = (f" · {t('about_better', language)} {t('about_' + k.better, language)}"
                  if k.better else "")
        per = f" · {t('per_1000', language)}" if k.per_1000_year else ""
        lines.append(f"- **{k.label(language)}** (`{k.name}`, {k.unit}{per}{better}): "
                     f"{k.meaning(language)}. {k.definition}")
    return "\n".join(lines)


@solara.component
def Page():
    language = lang.value
    with solara.Column(style={"max-width": "1100px"}):
        solara.Markdown(f"# {t('nav_about', language)}")
        solara.Markdown(f"## {t('about_purpose', language)}\n\n"
                        f"*{t('about_odd_note', language)}*\n\n" + odd_section("1.1"))
        solara.Markdown(f"## {t('about_assumptions', language)}\n\n" + odd_section("9.2"))
        solara.Markdown(f"## {t('about_kpis', language)}\n\n" + kpi_markdown(language))
        with solara.Details(t("about_assumed_defaults", language)):
            solara.Markdown(assumptions_list(language))
        with solara.Details(t("about_parameters", language)):
            solara.Markdown(parameter_table(heading_level=3, lang=language))
