"""Generate the parameter and KPI documentation from their declarations.

Nothing here retypes a default, a range, a source or a KPI's definition: every cell
is read from :data:`sim.params.SPECS` and :data:`sim.kpis.KPIS`.
``python -m sim.docgen`` rewrites

* ``docs/parameters.md`` (the whole file), and
* the regions of ``docs/ODD.md`` between ``<!-- BEGIN PARAMETERS -->`` and
  ``<!-- END PARAMETERS -->`` (the parameter table), between
  ``<!-- BEGIN ASSUMPTIONS -->`` and ``<!-- END ASSUMPTIONS -->`` (which defaults
  rest on no number, read from each parameter's declared ``source``) and between
  ``<!-- BEGIN KPIS -->`` and ``<!-- END KPIS -->`` (the KPI table of ODD 4.11).

``python -m sim.docgen --check`` writes nothing and exits 1 with a one-line
message when either file is stale, so CI can insist the docs are fresh.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from .kpis import KPIS, Kpi
from .params import ASSUMPTION, SPECS, Spec

#: Top-level sections of a scenario, in the order the docs present them.
SECTIONS = ("population", "needs", "seeking", "bystander", "informal", "volunteers",
            "meeting_places", "frontdesk", "first_contact", "wijkteam", "access", "integration",
            "escalation", "withdrawal")

#: Group name for the keys that sit at the top level of a scenario file.
TOP_LEVEL = "scenario"

#: One line of context per group (what the section is, where its rules live).
INTROS = {
    TOP_LEVEL: "Top-level keys of a scenario file: its name and the simulated period.",
    "population": "Who lives in the neighbourhood: households, blocks, ages, traits and ties "
                  "(`sim/population.py`).",
    "needs": "How often needs arise and of what kind and urgency (pre-drawn, see ODD 7.2).",
    "seeking": "How a resident with a need looks for help (ODD 7.3).",
    "bystander": "The diffusion-of-responsibility rule and who notices a need "
                 "(`sim/submodels/bystander.py` and `noticing.py`, ODD 7.4-7.5).",
    "informal": "Help by household members, neighbours and friends (ODD 7.6).",
    "volunteers": "The volunteer initiative (klussenbank): matching, motivation, dropout, "
                  "recruitment (ODD 7.7).",
    "meeting_places": "Meeting places: visits, familiarity, noticing, hosts (ODD 7.8).",
    "frontdesk": "The vraagwijzer front desk, staffed from the team's hours; used only when "
                 "`access.policy` is `vraagwijzer` (ODD 7.9).",
    "first_contact": "The one rule of every first contact: the desk's counter, the walk-in "
                     "intake and outreach (ODD 7.9).",
    "wijkteam": "The professional neighbourhood team: the time budget, case hours and "
                "durations, intakes, outreach, overload (ODD 7.11).",
    "access": "Access policy, triage and formal-informal integration (ODD 7.9-7.11, 7.13).",
    "integration": "What each level of formal-informal integration does, one value per level; "
                   "`access.integration` picks the column (ODD 7.13).",
    "escalation": "Unanswered needs growing more urgent and ending in a crisis (ODD 7.12).",
    "crisis": "The crisis service: its own places, response and intervention times (ODD 7.12).",
    "withdrawal": "Residents giving up on an unanswered need (ODD 7.12).",
    "start": "How a run starts: near the stationary regime (warm start) or empty (ODD 5).",
}

COLUMNS = ("key", "label", "unit", "default", "allowed", "source", "help")

BEGIN_PARAMETERS = "<!-- BEGIN PARAMETERS -->"
END_PARAMETERS = "<!-- END PARAMETERS -->"
BEGIN_ASSUMPTIONS = "<!-- BEGIN ASSUMPTIONS -->"
END_ASSUMPTIONS = "<!-- END ASSUMPTIONS -->"
BEGIN_KPIS = "<!-- BEGIN KPIS -->"
END_KPIS = "<!-- END KPIS -->"

KPI_COLUMNS = ("KPI", "unit", "meaning", "definition", "better", "per 1,000 a year")

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
REGENERATE = "python -m sim.docgen (or make docs)"


# --- formatting ----------------------------------------------------------------------


def literal(value: object) -> str:
    """A default as it would be written in a scenario TOML file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def cell(text: object) -> str:
    """Text made safe for one Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def group_of(key: str) -> str:
    return key.split(".", 1)[0] if "." in key else TOP_LEVEL


def groups(specs: Iterable[Spec] | None = None) -> list[tuple[str, list[Spec]]]:
    """Specs grouped by top-level section, in :data:`SECTIONS` order.

    Top-level keys come first; a section declared in :mod:`sim.params` but not
    listed in :data:`SECTIONS` is appended rather than dropped.
    """
    by_group: dict[str, list[Spec]] = {}
    for spec in SPECS.values() if specs is None else specs:
        by_group.setdefault(group_of(spec.key), []).append(spec)
    order = [TOP_LEVEL, *SECTIONS]
    order += [g for g in by_group if g not in order]
    return [(g, by_group[g]) for g in order if g in by_group]


def _row(values: Sequence[str]) -> str:
    return "| " + " | ".join(values) + " |"


def parameter_table(heading_level: int = 3, lang: str = "en") -> str:
    """Every declared parameter as Markdown tables, one per section, ending in a newline;
    the labels in ``lang`` (the dashboard's about page passes its tab's language)."""
    hashes = "#" * heading_level
    out: list[str] = []
    for group, specs in groups():
        out.append(f"{hashes} `{group}`" if group != TOP_LEVEL else f"{hashes} Top level")
        out.append("")
        intro = INTROS.get(group)
        if intro:
            out += [intro, ""]
        out.append(_row(COLUMNS))
        out.append(_row(["---"] * len(COLUMNS)))
        for s in specs:
            out.append(_row([
                f"`{s.key}`", cell(s.label_in(lang)), cell(s.unit),
                f"`{cell(literal(s.default))}`",
                cell(s.allowed()), cell(s.source), cell(s.help),
            ]))
        out.append("")
    return "\n".join(out)


def _is_partly_assumed(source: str) -> bool:
    return source != ASSUMPTION and "assum" in source.lower()


def assumptions_list(lang: str = "en") -> str:
    """Which defaults rest on no number, read from each parameter's declared source (the
    labels in ``lang``)."""
    model = [s for s in SPECS.values() if group_of(s.key) != TOP_LEVEL]
    pure = [s for s in model if s.source == ASSUMPTION]
    run_settings = [s for s in SPECS.values() if group_of(s.key) == TOP_LEVEL]
    partly = [s for s in model if _is_partly_assumed(s.source)]
    verify = [s for s in model if "[verify]" in s.source]

    def items(specs: list[Spec], with_source: bool = False) -> list[str]:
        lines = []
        for s in specs:
            extra = f" ({cell(s.source)})" if with_source else ""
            lines.append(f"- `{s.key}` = `{cell(literal(s.default))}`: "
                         f"{cell(s.label_in(lang))}{extra}")
        return lines

    out = [
        f"Counts: {len(model)} model parameters; {len(pure)} declared "
        f"`source = \"{ASSUMPTION}\"`; {len(partly)} whose direction has a source but whose "
        f"size is assumed; {len(verify)} that rest on a secondary number marked [verify].",
        "",
        f"**Pure assumptions** (declared `source = \"{ASSUMPTION}\"`; no number behind them):",
        "",
        *items(pure),
        "",
        "**Direction sourced, size assumed** (the declared source says so):",
        "",
        *items(partly, with_source=True),
        "",
        "**Secondary numbers still marked [verify]**:",
        "",
        *items(verify, with_source=True),
        "",
    ]
    out += ["Run settings, not model behaviour, and so not counted above: "
            + ", ".join(f"`{s.key}`" for s in run_settings) + ".", ""]
    return "\n".join(out)


def _kpi_name(k: Kpi) -> str:
    """A KPI's name; one reported per category lists its ``.category`` columns."""
    if not k.by:
        return f"`{k.name}`"
    return f"`{k.name}` (" + ", ".join(f"`.{c}`" for c in k.by) + ")"


def kpi_table() -> str:
    """Every declared KPI as one Markdown table, in table order, ending in a newline."""
    out = [_row(KPI_COLUMNS), _row(["---"] * len(KPI_COLUMNS))]
    for k in KPIS.values():
        out.append(_row([_kpi_name(k), cell(k.unit), cell(k.meaning_en), cell(k.definition),
                         k.better or "", "yes" if k.per_1000_year else ""]))
    return "\n".join(out) + "\n"


def parameters_md() -> str:
    """The whole of ``docs/parameters.md``."""
    head = [
        "# Parameters",
        "",
        "<!-- Generated by `python -m sim.docgen` from sim/params.py; do not edit by hand. -->",
        "",
        "Every parameter of a scenario, generated from the declarations in `sim/params.py` "
        "(the single place a default, a range or a source is written). A scenario file "
        "(TOML) sets any of these keys, laid out as tables by section; keys it does not set "
        "keep the default shown here. `allowed` is what scenario validation accepts. "
        f"A `source` of `{ASSUMPTION}` means the default rests on no number; see "
        "\"Assumptions and limitations\" in [ODD.md](ODD.md). The rules that use each "
        "parameter are described in [ODD.md](ODD.md).",
        "",
    ]
    return "\n".join(head) + "\n" + parameter_table(heading_level=2)


# --- regions of ODD.md ------------------------------------------------------------------


class StaleRegionError(ValueError):
    """A marker pair is missing or out of order in a document."""


def replace_region(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with everything between the ``begin`` and ``end`` markers replaced by ``body``."""
    i = text.find(begin)
    j = text.find(end)
    if i < 0 or j < 0 or j < i or text.count(begin) != 1 or text.count(end) != 1:
        raise StaleRegionError(f"needs exactly one {begin} ... {end} pair")
    return text[: i + len(begin)] + "\n" + body.rstrip("\n") + "\n" + text[j:]


def odd_md(current: str) -> str:
    """``docs/ODD.md`` with its generated regions brought up to date."""
    text = replace_region(current, BEGIN_PARAMETERS, END_PARAMETERS, parameter_table())
    text = replace_region(text, BEGIN_ASSUMPTIONS, END_ASSUMPTIONS, assumptions_list())
    return replace_region(text, BEGIN_KPIS, END_KPIS, kpi_table())


def expected(docs: Path) -> dict[Path, str]:
    """What each generated file should contain; raises if ODD.md lacks its markers."""
    odd = docs / "ODD.md"
    try:
        current = odd.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StaleRegionError(f"{odd} does not exist") from None
    try:
        new_odd = odd_md(current)
    except StaleRegionError as err:
        raise StaleRegionError(f"{odd} {err}") from None
    return {docs / "parameters.md": parameters_md(), odd: new_odd}


def stale(docs: Path) -> list[Path]:
    """Generated files whose content differs from what :func:`expected` gives."""
    out = []
    for path, text in expected(docs).items():
        try:
            if path.read_text(encoding="utf-8") != text:
                out.append(path)
        except FileNotFoundError:
            out.append(path)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.docgen",
        description="Regenerate docs/parameters.md and the generated regions of docs/ODD.md "
                    "from sim/params.py and sim/kpis.py.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a generated file is stale")
    parser.add_argument("--docs", type=Path, default=DOCS_DIR,
                        help="the docs directory (default: the repository's docs/)")
    args = parser.parse_args(argv)
    docs: Path = args.docs
    try:
        if args.check:
            bad = stale(docs)
            if bad:
                names = ", ".join(str(p) for p in bad)
                print(f"stale generated docs: {names}; regenerate with {REGENERATE}",
                      file=sys.stderr)
                return 1
            return 0
        for path, text in expected(docs).items():
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                print(f"wrote {path}")
    except StaleRegionError as err:
        print(f"cannot generate docs: {err}; add the markers, then run {REGENERATE}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
