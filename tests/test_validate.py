"""``samenspel validate`` in quick mode, the subset of the checks that ``make test`` runs:
the report with every section and its figures, one line per check, checks that fail
when their target is off, and ``--resume`` after an interruption giving the same
report. The full run is ``make validate``."""

from __future__ import annotations

import shutil

import pytest

from sim.cli import main
from sim.lab import validate as v
from sim.lab.validate import GROUPS, SECTIONS, Check, validate

SHIFTED = "Erlang C P(wait > 0), rho0.8_c10"
FIGURES = ("validation_queues.png", "validation_bystanders.png", "validation_dutch.png",
           "validation_patterns.png")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One quick validation: its checks and its output directory (with the job cache)."""
    out = tmp_path_factory.mktemp("validation")
    return validate(out, "quick", workers=2, progress=False), out


@pytest.fixture
def copy(quick, tmp_path):
    """A copy of the quick validation's directory, cache included, to change freely."""
    target = tmp_path / "copy"
    shutil.copytree(quick[1], target)
    return target


def _text(out) -> str:
    return (out / "validation.md").read_text(encoding="utf-8")


def test_report_lists_every_check_section_and_figure(quick):
    checks, out = quick
    text = _text(out)
    missing = [c.name for c in checks if f"| {c.name} |" not in text]
    assert not missing, f"expected every check in validation.md, missing {missing}"
    assert {c.group for c in checks} == set(GROUPS), \
        f"expected checks in every group {sorted(GROUPS)}, got {sorted({c.group for c in checks})}"
    for i, section in enumerate(SECTIONS, 1):
        assert f"## {i}. {section.title}" in text, f"expected section {i}: {section.title}"
    for name in FIGURES:
        png = (out / name).read_bytes()
        assert png.startswith(b"\x89PNG"), f"expected {name} to be a PNG beside the report"
        assert f"]({name})" in text, f"expected validation.md to show {name}"


def test_dutch_figures_are_rows_beside_their_sources_and_never_checks(quick):
    checks, out = quick
    text = _text(out)
    assert not [c for c in checks if c.group == "dutch"], "expected no checks from Dutch figures"
    for f in v._dutch_figures():
        assert f"| `{f.preset}` | {f.what} |" in text, \
            f"expected a row for {f.preset}: {f.measure} in the Dutch figures"
    assert "### What the model does not reproduce, and why" in text, \
        "expected the plain list of what the model does not reproduce"


def test_patterns_compare_arms_on_the_same_seeds(quick):
    for p, side, seed, j in v._pattern_runs("quick"):
        assert j.arg[1] == seed, f"expected {p.key} {side} to run seed {seed}"
    seeds = {}
    for p, side, seed, _ in v._pattern_runs("quick"):
        seeds.setdefault((p.key, side), set()).add(seed)
    for p in v._patterns():
        assert seeds[(p.key, "base")] == seeds[(p.key, "lever")], \
            f"expected pattern {p.key} to pair base and lever on the same seeds"
    lines = [c.line() for c in quick[0] if c.group == "patterns"]
    assert len(lines) == len(v._patterns()) and all("seeds" in ln for ln in lines), \
        f"expected one check per pattern with its count of seeds, got {lines}"


def test_batches_cover_every_request_of_the_window(quick):
    """The drain after the window lets every measured request start its case."""
    _, out = quick
    manifest = {"code_version": v.code_version(), "mode": "quick",
                "scenarios": v._hashes(SECTIONS)}
    results = v.run_jobs(v._queue_jobs("quick"), v.Cache(out, manifest, resume=True), 1, False)
    merged = v._merge("quick", results)
    unstarted = {name: sum(r["n_unstarted"] for r in m["runs"]) for name, m in merged.items()}
    assert not any(unstarted.values()), f"expected no unstarted request in a window: {unstarted}"
    for name, m in merged.items():
        n = len(m["wait"])
        assert n >= 10, f"{name}: expected at least 10 batches for a standard error, got {n}"


def test_a_wrong_target_fails_its_check(copy):
    checks = validate(copy, "quick", workers=1, progress=False, resume=True,
                      shift={SHIFTED: 2.0})
    bad = {c.name: c for c in checks}[SHIFTED]
    assert not bad.passed, f"expected the check with a doubled target to fail: {bad.line()}"
    assert f"| {SHIFTED} | **FAIL** |" in _text(copy), \
        "expected the report to mark the failed check"


def test_cli_prints_a_line_per_check_and_exits_nonzero_on_failure(copy, capsys):
    rc = main(["validate", "--quick", "--resume", "--workers", "1", "--out", str(copy)])
    lines = [ln for ln in capsys.readouterr().out.splitlines()
             if ln.startswith(("PASS ", "FAIL "))]
    text = _text(copy)
    assert len(lines) == text.count("| PASS |") + text.count("| **FAIL** |") > 20, \
        f"expected one printed line per check in the report, got {len(lines)}"
    n_fail = sum(ln.startswith("FAIL") for ln in lines)
    assert rc == (1 if n_fail else 0), f"expected exit code 1 iff a check fails ({n_fail}); {rc}"


def test_resume_after_an_interruption_gives_the_same_report(quick, copy, monkeypatch):
    _, out = quick
    for name in ("validation.md", *FIGURES):
        (copy / name).unlink()
    lost = [j.key for j in v._bystander_jobs("quick") + v._dutch_jobs("quick")[:1]]
    for key in lost:  # as if the run stopped before these finished
        (copy / v.CACHE_DIR / f"{key}.pickle").unlink()

    def interrupted(job):
        raise KeyboardInterrupt

    monkeypatch.setattr(v, "_call", interrupted)
    with pytest.raises(KeyboardInterrupt):
        validate(copy, "quick", workers=1, progress=False, resume=True)
    assert not (copy / "validation.md").exists(), "expected no report from an interrupted run"
    assert not list(copy.glob("*.tmp")) and not list(copy.glob(".*.tmp")), \
        "expected no half-written file"
    monkeypatch.undo()
    validate(copy, "quick", workers=1, progress=False, resume=True)
    assert _text(copy) == _text(out), "expected the resumed run to write the same report"
    assert all((copy / v.CACHE_DIR / f"{k}.pickle").exists() for k in lost), \
        "expected the resumed run to cache the jobs it ran"


def test_resume_refuses_results_of_another_mode(copy, capsys):
    before = _text(copy)
    rc = main(["validate", "--resume", "--workers", "1", "--out", str(copy)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--resume" in err[0] and "quick" in err[0], \
        f"expected exit 2 and one error line naming --resume and the cached mode, got {rc}, {err}"
    assert _text(copy) == before, "expected the report untouched"


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


@pytest.mark.parametrize(("ci", "direction", "passed"), [
    ((0.1, 0.5), "above", True),
    ((-0.1, 0.5), "above", False),  # the interval reaches zero: not shown
    ((-0.5, -0.1), "below", True),
    ((0.1, 0.5), "below", False),
])
def test_a_direction_needs_the_whole_interval_on_its_side(ci, direction, passed):
    c = Check("patterns", "x", sum(ci) / 2, 0.0, 0.0, direction=direction, ci=ci)
    assert c.passed is passed, f"expected interval {ci} {direction} 0 to pass={passed}"
