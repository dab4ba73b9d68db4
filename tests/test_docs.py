"""The documentation stays in step with the code.

``docs/parameters.md`` and the generated regions of ``docs/ODD.md`` come from
``sim/params.py`` and ``sim/kpis.py`` through ``python -m sim.docgen``; these tests
fail when someone changes a parameter or a KPI without regenerating, or adds a preset
the ODD does not mention.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import docgen
from sim.kpis import KPIS
from sim.params import SPECS
from sim.scenario import list_presets

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_docgen_check_passes():
    """``python -m sim.docgen --check`` finds the committed docs fresh."""
    proc = subprocess.run([sys.executable, "-m", "sim.docgen", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_every_parameter_key_is_in_parameters_md():
    text = (DOCS / "parameters.md").read_text(encoding="utf-8")
    missing = [key for key in SPECS if f"`{key}`" not in text]
    assert not missing, f"not in docs/parameters.md: {missing}"


def test_every_parameter_has_a_dutch_label():
    """The dashboard's NL switch shows ``label_nl``; a parameter declared without one would
    show an empty control label in Dutch."""
    missing = [key for key, spec in SPECS.items() if not spec.label_nl.strip()]
    assert not missing, f"expected label_nl=... in sim/params.py for every parameter: {missing}"


def test_every_parameter_key_is_in_the_odd_table():
    text = (DOCS / "ODD.md").read_text(encoding="utf-8")
    region = text.split(docgen.BEGIN_PARAMETERS, 1)[1].split(docgen.END_PARAMETERS, 1)[0]
    missing = [key for key in SPECS if f"`{key}`" not in region]
    assert not missing, f"not in the parameter table of docs/ODD.md: {missing}"


def _region(begin: str, end: str) -> str:
    text = (DOCS / "ODD.md").read_text(encoding="utf-8")
    return text.split(begin, 1)[1].split(end, 1)[0]


def test_the_odd_kpi_table_has_one_row_per_declared_kpi():
    rows = [line for line in _region(docgen.BEGIN_KPIS, docgen.END_KPIS).splitlines()
            if line.startswith("| `")]
    names = [re.match(r"\| `([^`]+)`", row).group(1) for row in rows]
    assert names == list(KPIS), f"expected the KPIs of sim/kpis.py in order, got {names}"
    for row, k in zip(rows, KPIS.values(), strict=True):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        assert len(cells) == len(docgen.KPI_COLUMNS), f"expected 6 cells: {row}"
        expected = [k.unit, docgen.cell(k.meaning_en), docgen.cell(k.definition),
                    k.better or "", "yes" if k.per_1000_year else ""]
        assert cells[1:] == expected, f"expected {k.name}'s row to show {expected}: {row}"


def test_every_preset_is_mentioned_in_the_odd():
    text = (DOCS / "ODD.md").read_text(encoding="utf-8")
    presets = list_presets()
    assert presets, "no presets found"
    missing = [name for name in presets if f"`{name}`" not in text]
    assert not missing, f"presets not mentioned in docs/ODD.md: {missing}"


def test_odd_has_every_odd_element():
    text = (DOCS / "ODD.md").read_text(encoding="utf-8")
    headings = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for element in ("Purpose and patterns", "Entities, state variables and scales",
                    "Process overview and scheduling", "Design concepts", "Initialization",
                    "Input data", "Submodels", "Assumptions and limitations"):
        assert element in headings, element
    for concept in ("Basic principles", "Emergence", "Adaptation", "Objectives", "Learning",
                    "Prediction", "Sensing", "Interaction", "Stochasticity", "Collectives",
                    "Observation"):
        assert re.search(rf"^###\s+[\d.]*\s*{concept}", headings, re.M), concept


def test_table_has_one_row_per_parameter_with_its_default():
    table = docgen.parameter_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(SPECS)
    for row in rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        assert len(cells) == len(docgen.COLUMNS), row
        key = cells[0].strip("`")
        assert key in SPECS, key
        assert cells[3] == f"`{docgen.literal(SPECS[key].default)}`", row
        assert cells[4] == docgen.cell(SPECS[key].allowed()), row


def test_sections_follow_the_declared_order():
    names = [g for g, _ in docgen.groups()]
    assert names[0] == docgen.TOP_LEVEL
    listed = [g for g in names if g in docgen.SECTIONS]
    assert listed == [s for s in docgen.SECTIONS if s in names]
    assert set(names) == {docgen.group_of(k) for k in SPECS}


@pytest.fixture()
def docs_copy(tmp_path: Path) -> Path:
    out = tmp_path / "docs"
    out.mkdir()
    for name in ("ODD.md", "parameters.md"):
        shutil.copy(DOCS / name, out / name)
    return out


def test_check_reports_a_stale_table_and_regeneration_fixes_it(docs_copy, capsys):
    odd = docs_copy / "ODD.md"
    text = odd.read_text(encoding="utf-8")
    row = "| Number of residents of the neighbourhood. |"
    assert text.count(row) == 1  # inside the generated table
    odd.write_text(text.replace(row, "| Hand-edited help. |"), encoding="utf-8")
    assert docgen.main(["--check", "--docs", str(docs_copy)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "python -m sim.docgen" in err and "ODD.md" in err
    assert docgen.main(["--docs", str(docs_copy)]) == 0
    assert docgen.main(["--check", "--docs", str(docs_copy)]) == 0
    assert odd.read_text(encoding="utf-8") == (DOCS / "ODD.md").read_text(encoding="utf-8")


def test_check_reports_a_stale_kpi_table_and_regeneration_fixes_it(docs_copy, capsys):
    odd = docs_copy / "ODD.md"
    text = odd.read_text(encoding="utf-8")
    row = f"| {docgen.cell(KPIS['crises'].definition)} |"
    assert text.count(row) == 1, "expected the crises definition once, in the KPI table"
    odd.write_text(text.replace(row, "| Hand-edited definition. |"), encoding="utf-8")
    assert docgen.main(["--check", "--docs", str(docs_copy)]) == 1, \
        "expected --check to fail on a hand-edited KPI table"
    assert "ODD.md" in capsys.readouterr().err
    assert docgen.main(["--docs", str(docs_copy)]) == 0
    assert odd.read_text(encoding="utf-8") == (DOCS / "ODD.md").read_text(encoding="utf-8"), \
        "expected regeneration to restore the committed ODD.md"


def test_missing_kpi_markers_are_an_error(docs_copy, capsys):
    odd = docs_copy / "ODD.md"
    odd.write_text(odd.read_text(encoding="utf-8").replace(docgen.BEGIN_KPIS, ""),
                   encoding="utf-8")
    assert docgen.main(["--check", "--docs", str(docs_copy)]) == 1, \
        "expected a missing KPI marker to fail --check, not to pass silently"
    assert "BEGIN KPIS" in capsys.readouterr().err


def test_check_reports_a_missing_parameters_md(docs_copy, capsys):
    (docs_copy / "parameters.md").unlink()
    assert docgen.main(["--check", "--docs", str(docs_copy)]) == 1
    assert "parameters.md" in capsys.readouterr().err


def test_missing_markers_are_an_error_not_a_silent_pass(docs_copy, capsys):
    odd = docs_copy / "ODD.md"
    odd.write_text(odd.read_text(encoding="utf-8").replace(docgen.END_PARAMETERS, ""),
                   encoding="utf-8")
    assert docgen.main(["--check", "--docs", str(docs_copy)]) == 1
    assert docgen.main(["--docs", str(docs_copy)]) == 1
    err = capsys.readouterr().err
    assert "END PARAMETERS" in err


def test_cells_escape_pipes():
    assert docgen.cell("a | b") == "a \\| b"
    assert docgen.literal(True) == "true"
    assert docgen.literal("walk_in") == '"walk_in"'
    assert docgen.literal(0.0005) == "0.0005"
