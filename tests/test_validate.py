"""``samenspel validate`` in quick mode, the subset of the checks that ``make test`` runs:
the report with every section and its figures, one line per check, checks that fail
when their target is off, the rows that hold by construction reported apart from the
checks, and ``--resume`` after an interruption giving the same report. The full run is
``make validate``; that each check fails under a mutation of the model is
``tests/test_validation_mutations.py``."""

from __future__ import annotations

import shutil

import pytest

from sim.cli import main
from sim.lab import validate as v
from sim.lab.validate import GROUPS, SECTIONS, Check, validate
from sim.lab.validation import arms, bystanders, core, dutch, patterns, queues

SHIFTED = "Erlang C P(wait > 0), rho0.8_c10"
FIGURES = ("validation_queues.png", "validation_bystanders.png", "validation_dutch.png",
           "validation_patterns.png", "validation_load.png")


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


def test_the_answer_against_load_is_reported_with_its_sentence_and_tables(quick):
    """The access answer against load (``samenspel load``) closes the report beside the
    robustness study: reported, never a check."""
    checks, out = quick
    text = _text(out)
    assert "## The access answer against load" in text and "### Crises per 1,000" in text, \
        "expected the load study as a section of the report, a table per KPI beneath it"
    assert "At factor 0.6, the nearest to your load, schiedam_walk_in minus rotterdam_vraagwijzer" \
        in text, "expected the sentence at the study's nearest factor"
    assert not [c for c in checks if "load" in c.group], "expected no check from the study"


def test_dutch_figures_are_rows_beside_their_sources_and_never_checks(quick):
    checks, out = quick
    text = _text(out)
    assert not [c for c in checks if c.group == "dutch"], "expected no checks from Dutch figures"
    for f in dutch.dutch_figures():
        assert f"| `{f.preset}` | {f.what} |" in text, \
            f"expected a row for {f.preset}: {f.measure} in the Dutch figures"
    assert "### What the model does not reproduce, and why" in text, \
        "expected the plain list of what the model does not reproduce"


def test_patterns_compare_arms_on_the_same_seeds(quick):
    for p in patterns.patterns():
        base, lever = (arms.arm_jobs(arm, "quick") for arm in (p.base, p.lever))
        assert [s for s, _ in base] == [s for s, _ in lever], \
            f"expected pattern {p.key} to pair base and lever on the same seeds"
        for seed, j in base + lever:
            assert j.arg[1] == seed, f"expected {p.key}'s job {j.key} to run seed {seed}"
    lines = [c.line() for c in quick[0] if c.group == "patterns"]
    n_checks = sum(not p.why for p in patterns.patterns())
    assert len(lines) == n_checks and all("seeds" in ln for ln in lines), \
        f"expected one check per pattern that can fail, with its count of seeds, got {lines}"


def test_rows_that_hold_by_construction_are_reported_not_checked(quick):
    """The rows of consistency sit in their own section, each with why it cannot fail,
    and none of them is a check (so none fails the run)."""
    checks, out = quick
    text = _text(out)
    section = text[text.index("Consistency, not evidence\n"):text.index("## Robustness")]
    whys = [p.why for p in patterns.patterns() if p.why]
    assert whys and all(f"| {why} |" in section for why in whys), \
        "expected each pattern that holds by construction in Consistency with its reason"
    for name in ("individual reporting share, 0 others",
                 "volunteer's dilemma P(nobody acts), n = 2"):
        assert f"| {name} |" in section and f"| {name} |" not in text[:text.index(section)], \
            f"expected {name!r} as a row of Consistency only"
        assert name not in {c.name for c in checks}, f"expected {name!r} not to be a check"
    n_rows = len(whys) + 2 + len(bystanders.DILEMMA_SIZES)
    assert f"{n_rows} rows of consistency, not evidence" in text, \
        f"expected the report's opening to count the {n_rows} rows of consistency"
    assert not {c.group for c in checks} - set(GROUPS), "expected every check in a group"


def test_batches_cover_every_request_of_the_window(quick):
    """The drain after the window lets every measured request start its case."""
    _, out = quick
    manifest = {"code_version": v.code_version(), "mode": "quick",
                "scenarios": v._hashes(SECTIONS)}
    results = core.run_jobs(queues.queue_jobs("quick"), core.Cache(out, manifest, resume=True), 1,
                            False)
    merged = queues.merge("quick", results)
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
    lost = [j.key for j in bystanders.bystander_jobs("quick") + dutch.city_jobs("quick")[:1]]
    for key in lost:  # as if the run stopped before these finished
        (copy / core.CACHE_DIR / f"{key}.pickle").unlink()

    def interrupted(job):
        raise KeyboardInterrupt

    monkeypatch.setattr(core, "run_job", interrupted)
    with pytest.raises(KeyboardInterrupt):
        validate(copy, "quick", workers=1, progress=False, resume=True)
    assert not (copy / "validation.md").exists(), "expected no report from an interrupted run"
    assert not list(copy.glob("*.tmp")) and not list(copy.glob(".*.tmp")), \
        "expected no half-written file"
    monkeypatch.undo()
    validate(copy, "quick", workers=1, progress=False, resume=True)
    assert _text(copy) == _text(out), "expected the resumed run to write the same report"
    assert all((copy / core.CACHE_DIR / f"{k}.pickle").exists() for k in lost), \
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


@pytest.mark.parametrize(("value", "passed"), [(0.9, True), (0.95, True), (0.89, False)])
def test_a_floor_judges_the_mean_not_the_interval(value, passed):
    """Against a figure read as a floor, the mean over seeds decides; a wide interval
    neither rescues a mean below it nor fails one above it."""
    c = Check("held_out", "x", value, 0.2, 0.9, direction="at_least", ci=(value - 0.4, value + 0.4))
    assert c.passed is passed, f"expected a mean of {value} against a floor of 0.9 to pass={passed}"

