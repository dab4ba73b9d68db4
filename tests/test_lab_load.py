"""``samenspel load``: the access answer against load, on a tiny neighbourhood.

One small study (600 residents, two professionals, two factors, two paired seeds, 60
days, in this process) is run once for the module; the tests read what it wrote.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from lab_helpers import run_cli

from sim.lab.load import COLUMNS, KPIS, RATE, load_sentence
from sim.lab.stats import paired_interval
from sim.lab.sweep import replication_seeds

REFERENCE, OTHER = "rotterdam_vraagwijzer", "schiedam_walk_in"
FACTORS = (0.3, 1.0)
REPLICATIONS = 2
TINY = ["--set", "population.n_residents=600", "--set", "wijkteam.n_professionals=2",
        "--days", "60", "--workers", "1", "--no-progress"]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("load") / "out"
    code, stdout, stderr = run_cli([
        "load", "--factors", ",".join(map(str, FACTORS)), "--replications",
        str(REPLICATIONS), "--out", str(out), *TINY])
    assert code == 0, f"samenspel load should succeed: {stderr}"
    return out, stdout


def test_files_are_written_with_the_expected_columns(study) -> None:
    out, stdout = study
    table = pd.read_csv(out / "load.csv")
    assert list(table.columns) == COLUMNS, f"load.csv columns: {list(table.columns)}"
    assert len(table) == len(FACTORS) * len(KPIS), "expected one row per factor and KPI"
    assert sorted(set(table["factor"])) == list(FACTORS)
    assert set(table["kpi"]) == set(KPIS)
    assert (table["reference"] == REFERENCE).all() and (table["other"] == OTHER).all()
    assert (table["need_rate"] == table["factor"] * 0.5).all(), \
        "the need rate should be the presets' own (0.5) times the factor"
    assert (table["better_in"] <= table["n_pairs"]).all()

    runs = pd.read_csv(out / "runs.csv")
    for col in ("run_id", "scenario", "factor", RATE, "replication", "seed", "scenario_hash",
                *KPIS):
        assert col in runs.columns, f"runs.csv should have {col}"
    assert len(runs) == len(FACTORS) * 2 * REPLICATIONS, "every run once"

    md = (out / "load.md").read_text()
    assert md.startswith("# The access answer against load\n\nAt your load (factor 1.0), "
                         f"{OTHER} minus {REFERENCE} in crises per 1,000 residents a year is"), \
        md[:300]
    assert md.splitlines()[2] in stdout, "the command prints the first sentence"
    assert (out / "load.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "load.png is a PNG"

    manifest = json.loads((out / "manifest.json").read_text())
    load = manifest["load"]
    assert manifest["code_version"] and load["code_version"] == manifest["code_version"]
    assert load["factors"] == list(FACTORS) and load["kpis"] == list(KPIS)
    assert load["load_kpi"] == "offered_load"
    assert [h["factor"] for h in load["scenario_hashes"]] == list(FACTORS)
    assert all(h[REFERENCE] and h[OTHER] and h[REFERENCE] != h[OTHER]
               for h in load["scenario_hashes"]), load["scenario_hashes"]
    assert (out / "experiment.toml").is_file(), "the sweep it ran is kept"


def test_pairing_holds_the_same_seeds_for_both_scenarios_at_every_factor(study) -> None:
    out, _ = study
    runs = pd.read_csv(out / "runs.csv")
    expected = replication_seeds(0, REPLICATIONS)
    assert json.loads((out / "manifest.json").read_text())["load"]["seeds"] == expected
    for (factor, scenario), g in runs.groupby(["factor", "scenario"]):
        seeds = list(g.sort_values("replication")["seed"])
        assert seeds == expected, f"{scenario} at factor {factor}: seeds {seeds}, " \
            f"expected {expected}"


def test_differences_are_the_labs_paired_intervals(study) -> None:
    out, _ = study
    runs, table = pd.read_csv(out / "runs.csv"), pd.read_csv(out / "load.csv")
    kpi, factor = "first_contact_days_median", 1.0
    at = runs[runs["factor"] == factor]
    ref = at[at["scenario"] == REFERENCE].set_index("seed")[kpi]
    other = at[at["scenario"] == OTHER].set_index("seed")[kpi]
    n, mean, lo, hi = paired_interval(ref, other)
    row = table[(table["factor"] == factor) & (table["kpi"] == kpi)].iloc[0]
    assert row["n_pairs"] == n and math.isclose(row["diff_mean"], mean, abs_tol=1e-9)
    assert math.isclose(row["diff_ci_lo"], lo, abs_tol=1e-9) and \
        math.isclose(row["diff_ci_hi"], hi, abs_tol=1e-9), (row, lo, hi)
    assert row["better_in"] == int(((other - ref) < 0).sum()), "fewer days is better"


def test_more_demand_gives_the_walk_in_team_more_load(study) -> None:
    out, _ = study
    table = pd.read_csv(out / "load.csv").drop_duplicates("factor").set_index("factor")
    low, high = table.loc[min(FACTORS), "load_other"], table.loc[max(FACTORS), "load_other"]
    assert high > low, f"walk-in's measured load ({table['load_kpi'].iloc[0]}) should rise " \
        f"with demand: {low:.3f} at factor {min(FACTORS)}, {high:.3f} at {max(FACTORS)}"


OTHER_RATE = 'name = "other_rate"\n[needs]\nrate_per_resident_year = 0.7\n'


@pytest.mark.parametrize(("args", "named"), [
    (["--factors", "0.6,0"], "--factors = '0.6,0'"),
    (["--factors", "0.6,abc"], "--factors = '0.6,abc'"),
    (["--factors", "-0.5"], "--factors = '-0.5'"),
    (["--factors", "1,1"], "--factors = '1,1'"),
    (["--replications", "1"], "--replications = 1"),
    (["--days", "0"], "--days = 0"),
    (["no_such_preset", OTHER], "no_such_preset"),
    ([OTHER], "SCENARIO"),
    (["OTHER_RATE_FILE", OTHER], "same need rate"),
])
def test_bad_input_is_one_line_and_exit_2_before_any_work(tmp_path: Path, args: list[str],
                                                          named: str) -> None:
    (tmp_path / "other_rate.toml").write_text(OTHER_RATE)
    args = [str(tmp_path / "other_rate.toml") if a == "OTHER_RATE_FILE" else a for a in args]
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(["load", *TINY, "--out", str(out), *args])
    assert code == 2, f"expected exit code 2 for {args}, got {code}: {stderr}"
    assert stderr.count("\n") == 1 and stderr.startswith("samenspel: error: "), stderr
    assert named in stderr, f"expected the error to name {named!r}: {stderr}"
    assert "Traceback" not in stderr and stdout == ""
    assert not out.exists(), "nothing should be written"


def _frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["factor", "kpi", "diff_mean", "diff_ci_lo", "diff_ci_hi", "better_in", "n_pairs"]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.assign(reference=REFERENCE, other=OTHER)


def test_the_sentence_builder_says_the_difference_at_your_load_and_at_more_demand() -> None:
    table = _frame([
        (0.9, "crises_per_1000_year", 5.0, 2.0, 8.0, 0, 8),
        (1.0, "crises_per_1000_year", 7.8, 5.1, 10.5, 0, 8),
        (1.25, "crises_per_1000_year", 15.0, 11.0, 19.0, 1, 8),
        (1.5, "crises_per_1000_year", 30.0, 25.0, 35.0, 0, 8),
        (1.0, "plan_within_6_weeks_share", -0.12, -0.2, -0.04, 1, 8),
    ])
    names = {OTHER: "walk-in", REFERENCE: "desk"}
    assert load_sentence(table, "crises_per_1000_year", names=names) == (
        "At your load (factor 1.0), walk-in minus desk in crises per 1,000 residents a year "
        "is +7.8 (likely between +5.1 and +10.5; walk-in better in 0 of 8 paired runs); at "
        "25% more demand (factor 1.25) it is +15 (likely between +11 and +19; better in 1 of "
        "8).")
    assert load_sentence(table, "plan_within_6_weeks_share") == (
        f"At your load (factor 1.0), {OTHER} minus {REFERENCE} in plan within 6 weeks is -12 "
        f"percentage points (likely between -20 and -4 percentage points; {OTHER} better in "
        "1 of 8 paired runs).")
    without_one = table[(table["factor"] != 1.0) & (table["factor"] != 0.9)]
    assert load_sentence(without_one, "crises_per_1000_year", names=names).startswith(
        "At factor 1.25, the nearest to your load, walk-in minus desk in crises per 1,000 "
        "residents a year is +15 (likely between +11 and +19; walk-in better in 1 of 8 paired "
        "runs); at 50% more demand (factor 1.5) it is +30 ")
    assert load_sentence(table, "withdrawn_per_1000_year") == "", "no rows: no sentence"
