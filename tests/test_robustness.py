"""Robustness of the policy answer: bad robustness files, a quick run on the real model,
PRIM wiring against a planted rule, determinism across executors, resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lab_helpers import run_cli

import sim.api
from sim.lab.executors import DaskExecutor, SerialExecutor
from sim.lab.robustness import (
    EXPERIMENT,
    analyse,
    load_robustness,
    prim_box,
    robustness_from_text,
    run_robustness,
    validation_section,
)
from sim.params import ASSUMPTION, SPECS

#: A small valid robustness file: two access presets on a thousand residents.
QUICK = """
name = "robustness_quick"
[base]
scenarios = ["rotterdam_vraagwijzer", "schiedam_walk_in"]
[base.set]
"population.n_residents" = 1000
"wijkteam.n_professionals" = 2
"frontdesk.fte" = 0.4375
[robustness]
reference = "rotterdam_vraagwijzer"
alternative = "schiedam_walk_in"
contrast = ["access", "frontdesk"]
kpis = ["answered_share", "wait_days_mean", "withdrawn_per_1000_year"]
prim_threshold = 0.8
[uncertainties]
"needs.rate_per_resident_year" = { lo = 0.35, hi = 0.7, why = "demand" }
"frontdesk.p_dropout_referral" = { lo = 0.05, hi = 0.3, why = "loss at the desk" }
"wijkteam.caseload_max" = { lo = 14, hi = 24, why = "caseload norms differ" }
[design]
kind = "latin_hypercube"
n = 6
seed = 3
[run]
master_seed = 5
seed_per_point = true
days = 40
"""

TEXT_KEYS = ("experiment", "sha256", "reference", "alternative", "points", "design_seed",
             "master_seed", "seed_per_point", "days", "code_version")


def _quick(tmp: Path, text: str = QUICK) -> Path:
    path = tmp / "robustness_quick.toml"
    path.write_text(text)
    return path


def _result(out: Path) -> dict:
    """robustness.json without what records where and how fast a run went."""
    payload = json.loads((out / "robustness.json").read_text())
    for key in ("out", "executor", "sessions", "sweep_s", "analysis_s", "analysed_with"):
        payload["meta"].pop(key, None)
    return payload


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The quick robustness file run serially from the command line: the reference."""
    tmp = tmp_path_factory.mktemp("robustness")
    path = _quick(tmp)
    out = tmp / "serial"
    code, stdout, stderr = run_cli(["robustness", str(path), "--out", str(out), "--workers",
                                    "1", "--no-progress"])
    assert code == 0, f"expected a clean quick run, got {code}: {stderr}"
    assert "beats rotterdam_vraagwijzer" in stdout, stdout
    return path, out


# --- bad input ------------------------------------------------------------------------


def _swap(old: str, new: str) -> str:
    assert old in QUICK, old
    return QUICK.replace(old, new)


BAD = [
    (_swap('hi = 0.3, why = "loss', 'hi = 1.5, why = "loss'),
     "uncertainties.frontdesk.p_dropout_referral.hi", "from 0 to 1"),
    (_swap('"needs.rate_per_resident_year"', '"population.reluctance_ask_mean"'),
     "uncertainties.population.reluctance_ask_mean", "not marked 'assumption'"),
    (_swap(', why = "demand"', ''), "uncertainties.needs.rate_per_resident_year.why",
     "justification"),
    (_swap('{ lo = 14, hi = 24, why = "caseload norms differ" }', '[14, 24]'),
     "uncertainties.wijkteam.caseload_max", "must be a range"),
    (_swap('"schiedam_walk_in"]', '"vlaardingen_klussenbank"]').replace(
        'alternative = "schiedam_walk_in"', 'alternative = "vlaardingen_klussenbank"'),
     "base.scenarios", "pure contrast"),
    (_swap('"schiedam_walk_in"]', '"schiedam_walk_in", "schiedam_walk_in_triage"]'),
     "base.scenarios", "exactly two"),
    (_swap('contrast = ["access", "frontdesk"]', 'contrast = ["acces"]'),
     "robustness.contrast", "no parameter section"),
    (_swap('kind = "latin_hypercube"', 'kind = "morris"'), "design.kind", "latin_hypercube"),
    (_swap('[uncertainties]', '[levers]\n"access.triage" = ["fifo", "urgency"]\n'
           '[uncertainties]'), "levers", "no levers"),
    (_swap('"withdrawn_per_1000_year"]', '"utilization"]'), "robustness.kpis",
     "descriptive"),
    (_swap('"withdrawn_per_1000_year"]', '"wait_days"]'), "robustness.kpis", "unknown KPI"),
    (_swap('reference = "rotterdam_vraagwijzer"', 'reference = "rotterdam"'),
     "robustness.reference", "one of the base scenarios"),
    (_swap('prim_threshold = 0.8', 'prim_threshold = 1.5'), "robustness.prim_threshold",
     "at most 1"),
    (_swap('prim_threshold = 0.8', 'prim_treshold = 0.8'), "robustness.prim_treshold",
     "unknown key"),
    (_swap('[robustness]', '[robustnes]'), "robustness", "missing"),
]


@pytest.mark.parametrize(("text", "key", "fragment"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_a_bad_robustness_file_is_one_line_exit_2_and_writes_nothing(
        tmp_path: Path, text: str, key: str, fragment: str) -> None:
    path = _quick(tmp_path, text)
    out = tmp_path / "out"
    code, _, stderr = run_cli(["robustness", str(path), "--out", str(out), "--workers", "1"])
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1, f"expected exit 2 and one line, got {code}: {stderr}"
    assert str(path) in lines[0] and key in lines[0] and fragment in lines[0], \
        f"expected the file, {key!r} and {fragment!r} in: {lines[0]}"
    assert not out.exists(), "nothing should be written for a bad robustness file"


@pytest.mark.parametrize(("flag", "value"), [("--points", "1"), ("--workers", "0"),
                                             ("--days", "0")])
def test_a_bad_flag_is_one_line_exit_2(tmp_path: Path, flag: str, value: str) -> None:
    out = tmp_path / "out"
    code, _, stderr = run_cli(["robustness", str(_quick(tmp_path)), "--out", str(out),
                               flag, value])
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1 and flag in lines[0] and value in lines[0], \
        f"expected exit 2 and one line naming {flag} = {value}, got {code}: {stderr}"
    assert not out.exists(), "nothing should be written for a bad flag"


def test_the_access_file_ranges_over_assumptions_within_their_declarations() -> None:
    rob = load_robustness(EXPERIMENT)
    exp = rob.experiment
    assert exp.design.kind == "latin_hypercube" and exp.design.n >= 500, \
        "expected a Latin hypercube of at least 500 worlds"
    assert (rob.reference, rob.alternative) == ("rotterdam_vraagwijzer", "schiedam_walk_in")
    for f in exp.uncertainties:
        spec = SPECS[f.key]
        assert spec.source.startswith(ASSUMPTION) and f.why, f"{f.key}: assumption with a why"
        assert spec.lo <= f.lo < f.hi <= spec.hi, f"{f.key}: range within its declaration"
    assert exp.replications == 1 and exp.seed_per_point, "one paired seed per world"


# --- a quick run on the real model ------------------------------------------------------


def test_a_quick_run_gives_shares_and_boxes_in_range(reference) -> None:
    _, out = reference
    payload = _result(out)
    assert payload["meta"]["worlds_complete"] == 6, payload["meta"]
    for s in payload["shares"]:
        counted = s["alternative_better"] + s["reference_better"] + s["ties"] + s["undefined"]
        assert counted == 6, f"{s['kpi']}: every world counted once, got {counted}"
        if s["worlds"]:
            assert 0 <= s["share_lo"] <= s["share"] <= s["share_hi"] <= 1, s
    assert len(payload["boxes"]) == 2 * len(payload["kpis"]), "a box per KPI and outcome"
    for b in payload["boxes"]:
        for key in ("coverage", "density", "mass"):
            assert b[key] is None or 0 <= b[key] <= 1, f"{b['kpi']}: {key} {b[key]}"
    for name in ("robustness.md", "robustness.html", "shares.csv", "boxes.csv"):
        assert (out / name).stat().st_size > 0, f"expected {name} in {out}"


def test_every_world_records_its_seed_and_both_scenario_hashes(reference) -> None:
    _, out = reference
    worlds = pd.read_parquet(out / "worlds.parquet")
    assert len(worlds) == 6 and worlds["seed"].nunique() == 6, "each world its own seed"
    assert (worlds["hash:reference"] != worlds["hash:alternative"]).all(), \
        "the two policies are different scenarios"
    assert worlds["hash:reference"].nunique() == 6, "each world is another scenario"
    runs = pd.read_parquet(out / "runs")
    pairs = runs.groupby("point")["seed"].nunique()
    assert (pairs == 1).all(), "both policies of a world run with the same seed"
    meta = _result(out)["meta"]
    assert all(meta.get(k) is not None for k in TEXT_KEYS), meta


def test_walk_in_better_means_better_in_the_declared_direction(reference) -> None:
    _, out = reference
    worlds = pd.read_parquet(out / "worlds.parquet")
    wait = worlds[worlds["wait_days_mean:better"] == "alternative"]
    assert (wait["wait_days_mean:alternative"] < wait["wait_days_mean:reference"]).all(), \
        "lower is better for days to an answer"
    share = worlds[worlds["answered_share:better"] == "alternative"]
    assert (share["answered_share:alternative"] > share["answered_share:reference"]).all(), \
        "higher is better for the share answered"


# --- PRIM wiring ------------------------------------------------------------------------


def test_prim_recovers_a_planted_box() -> None:
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.uniform(size=(600, 4)), columns=["a", "b", "c", "d"])
    x["d"] = rng.integers(0, 10, 600)  # an integer parameter, as caseload_max
    y = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    box = prim_box(x, y, threshold=0.95)
    limits = {lim["key"]: lim for lim in box["limits"]}
    assert box["status"] == "box" and set(limits) == {"a", "b"}, \
        f"expected a box on a and b only, got {box['status']} {sorted(limits)}"
    assert abs(limits["a"]["lo"] - 0.6) < 0.05 and abs(limits["b"]["hi"] - 0.3) < 0.05, limits
    assert box["coverage"] > 0.9 and box["density"] > 0.9, box


def test_the_analysis_finds_a_rule_planted_in_the_runs() -> None:
    """Walk-in waits less exactly where demand is high and dropout at the desk low."""
    rob = robustness_from_text(QUICK.replace("n = 6", "n = 400"))
    rng = np.random.default_rng(1)
    n = 400
    x = {"needs.rate_per_resident_year": rng.uniform(0.35, 0.7, n),
         "frontdesk.p_dropout_referral": rng.uniform(0.05, 0.3, n),
         "wijkteam.caseload_max": rng.integers(14, 25, n)}
    planted = (x["needs.rate_per_resident_year"] > 0.55) & \
        (x["frontdesk.p_dropout_referral"] < 0.15)
    rows = []
    for label, better in (("rotterdam_vraagwijzer", ~planted), ("schiedam_walk_in", planted)):
        rows.append(pd.DataFrame({"point": np.arange(n), "scenario": label, "seed": 9, **x,
                                  "answered_share": 0.9, "withdrawn_per_1000_year": 10.0,
                                  "wait_days_mean": np.where(better, 5.0, 6.0)}))
    result = analyse(rob, pd.concat(rows, ignore_index=True))
    share = result["shares"].set_index("kpi").loc["wait_days_mean"]
    assert share["alternative_better"] == planted.sum() and share["ties"] == 0, share
    box = next(b for b in result["boxes"]
               if b["kpi"] == "wait_days_mean" and b["better"] == "alternative")
    limits = {lim["key"]: lim for lim in box["limits"]}
    assert set(limits) == {"needs.rate_per_resident_year", "frontdesk.p_dropout_referral"}, \
        f"expected the planted two parameters, got {sorted(limits)}"
    assert abs(limits["needs.rate_per_resident_year"]["lo"] - 0.55) < 0.03, limits
    assert abs(limits["frontdesk.p_dropout_referral"]["hi"] - 0.15) < 0.03, limits
    tie = next(b for b in result["boxes"] if b["kpi"] == "answered_share")
    assert tie["status"] == "never", "equal shares everywhere: no policy is ever better"


# --- determinism, executors, resume -----------------------------------------------------


def test_dask_gives_the_same_answer_as_serial(reference, tmp_path: Path) -> None:
    path, serial = reference
    with DaskExecutor("local", workers=2) as ex:
        run_robustness(load_robustness(path), tmp_path / "dask", executor=ex, progress=False)
    assert "dask" in json.loads((tmp_path / "dask" / "robustness.json").read_text()
                                )["meta"]["executor"]
    assert _result(tmp_path / "dask") == _result(serial), "the executor changes nothing"
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask" / "worlds.parquet"),
                                  pd.read_parquet(serial / "worlds.parquet"))


CALLS = {"n": 0}


def interrupted_model(scenario, seed: int, days: int, warmup_days: int):
    """The real model, except that the fifth run is a Ctrl-C."""
    CALLS["n"] += 1
    if CALLS["n"] == 5:
        raise KeyboardInterrupt
    return sim.api.run(scenario, seed=seed, days=days, warmup_days=warmup_days)


def test_resume_after_an_interruption_gives_the_same_answer(reference, tmp_path: Path) -> None:
    path, serial = reference
    out = tmp_path / "resumed"
    rob = load_robustness(path)
    with pytest.raises(KeyboardInterrupt):
        run_robustness(rob, out, executor=SerialExecutor(), progress=False,
                       model=interrupted_model)
    assert not (out / "robustness.json").exists(), "no analysis of an unfinished sweep"
    assert len(list((out / "runs").glob("*.parquet"))) == 4, "four runs saved before Ctrl-C"
    code, _, stderr = run_cli(["robustness", str(path), "--out", str(out), "--workers", "1",
                               "--resume", "--no-progress"])
    assert code == 0, stderr
    assert _result(out) == _result(serial), "resumed: the answer of an uninterrupted run"
    pd.testing.assert_frame_equal(pd.read_parquet(out / "worlds.parquet"),
                                  pd.read_parquet(serial / "worlds.parquet"))



def test_the_validation_report_section_has_its_sentence_tables_and_figures(tmp_path: Path
                                                                           ) -> None:
    text = validation_section(tmp_path, "quick", workers=1, progress=False)
    assert text.startswith("## Robustness of the policy answer\n"), text[:80]
    assert "beats rotterdam_vraagwijzer on" in text and "PRIM boxes" in text, text
    for name in ("robustness_shares.png", "robustness_prim.png", "robustness_boxes.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG"), f"expected {name}"
        assert f"]({name})" in text, f"expected the section to show {name}"


def test_the_sweeps_page_shows_the_shares_and_boxes_of_a_robustness_run(
        reference, monkeypatch) -> None:
    import ipyvuetify as v
    import solara
    from dashboard_helpers import drawn_figures, page_context, wait_until

    from dashboards import sweeps

    _, out = reference
    payload = json.loads((out / "robustness.json").read_text())
    monkeypatch.setenv("SAMENSPEL_RESULTS_ROOT", str(out.parent))

    with page_context():
        _, rc = solara.render(sweeps.Page(), handle_error=False)
        try:
            rc.find(v.TextField, label="Results directory").widget.v_model = out.name
            [b for b in rc.find(v.Btn).widgets if "Open" in b.children][0].click()
            shares = wait_until(
                lambda: [f for f in drawn_figures(rc) if "beats" in str(f.layout.title.text)], 60,
                "the robustness shares figure after opening the directory")[0]
            assert "schiedam_walk_in beats rotterdam_vraagwijzer" in shares.layout.title.text, \
                shares.layout.title.text
            written = [s["share"] for s in payload["shares"]]
            assert list(shares.data[0].x) == pytest.approx(written), \
                f"expected the figure to draw the shares written, {written}: {shares.data[0].x}"
            every = [str(f.layout.title.text) for f in drawn_figures(rc)]
            assert any("PRIM boxes" in title for title in every), \
                f"expected the PRIM figure beside the shares, got {every}"
        finally:
            rc.close()
