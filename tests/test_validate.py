"""``samenspel validate`` in quick mode: the report, its figures, one line per check, and
checks that fail when their target is off. The full run is ``make validate``."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.lab.validate import SECTIONS, Check, validate

SHIFTED = "Erlang C P(wait > 0), rho0.8_c10"


@pytest.fixture(scope="module")
def shifted(tmp_path_factory):
    """A quick validation with one target doubled, its checks and its output directory."""
    out = tmp_path_factory.mktemp("validation")
    return validate(out, "quick", workers=1, progress=False, shift={SHIFTED: 2.0}), out


def test_report_lists_every_check_and_its_figures(shifted):
    checks, out = shifted
    text = (out / "validation.md").read_text(encoding="utf-8")
    missing = [c.name for c in checks if f"| {c.name} |" not in text]
    assert not missing, f"expected every check in validation.md, missing {missing}"
    assert {c.section for c in checks} == set(SECTIONS), \
        f"expected checks in every section {sorted(SECTIONS)}"
    for name in ("validation_queues.png", "validation_bystanders.png"):
        png = (out / name).read_bytes()
        assert png.startswith(b"\x89PNG"), f"expected {name} to be a PNG beside the report"
        assert f"]({name})" in text, f"expected validation.md to show {name}"


def test_a_wrong_target_fails_its_check(shifted):
    checks, out = shifted
    bad = {c.name: c for c in checks}[SHIFTED]
    assert not bad.passed, f"expected the check with a doubled target to fail: {bad.line()}"
    assert f"| {SHIFTED} | **FAIL** |" in (out / "validation.md").read_text(encoding="utf-8"), \
        "expected the report to mark the failed check"


def test_cli_prints_a_line_per_check_and_exits_nonzero_on_failure(tmp_path, capsys):
    rc = main(["validate", "--quick", "--workers", "1", "--out", str(tmp_path)])
    lines = [ln for ln in capsys.readouterr().out.splitlines()
             if ln.startswith(("PASS ", "FAIL "))]
    text = (tmp_path / "validation.md").read_text(encoding="utf-8")
    assert len(lines) == text.count("| PASS |") + text.count("| **FAIL** |") > 20, \
        f"expected one printed line per check in the report, got {len(lines)}"
    n_fail = sum(ln.startswith("FAIL") for ln in lines)
    assert rc == (1 if n_fail else 0), f"expected exit code 1 iff a check fails ({n_fail}); {rc}"


def test_bad_workers_is_one_line_and_exit_2(tmp_path, capsys):
    rc = main(["validate", "--quick", "--workers", "0", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--workers" in err[0], \
        f"expected exit 2 and one error line naming --workers, got {rc}, {err}"
    assert not (tmp_path / "validation.md").exists(), "expected nothing written"


@pytest.mark.parametrize(("value", "se", "passed"), [
    (1.05, 0.02, True),   # within 4 SE and 15%
    (1.10, 0.02, False),  # 5 SE off: noise cannot explain it
    (1.20, 0.10, False),  # within 4 SE but 20% off: too noisy to pass
])
def test_a_check_needs_both_the_standard_errors_and_the_tolerance(value, se, passed):
    c = Check("erlang", "x", value, se, 1.0, rel_tol=0.15)
    assert c.passed is passed, f"expected {value} +- {se} against 1 (15%) to pass={passed}"


def test_observations_are_judged_by_tolerance_only():
    c = Check("darley", "x", 0.56, 0.001, 0.62, abs_tol=0.08, se_rule=False)
    assert c.passed, "expected 0.56 against an observed 0.62 within 0.08 to pass"
    assert not Check("darley", "x", 0.50, 0.001, 0.62, abs_tol=0.08, se_rule=False).passed, \
        "expected 0.50 against 0.62 (tolerance 0.08) to fail"
