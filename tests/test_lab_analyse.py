"""Analysis of sweeps: sensitivity indices (SALib) and threshold crossings on grids.

A fake model with known answers stands in for the simulation, so the analysis is
checked against the truth: wait_days_mean = 10 a + 0.5 b (a the reluctance to ask,
b the reluctance to help) and waitlist_end = 100 rate / n_professionals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_helpers import fake_model, run_cli

from sim.lab.analyse import analyse
from sim.lab.executors import SerialExecutor
from sim.lab.experiment import experiment_from_text
from sim.lab.sweep import run_sweep

SAMPLED = """
name = "{kind}_test"
[base]
scenario = "schiedam_walk_in"
[uncertainties]
"population.reluctance_ask_mean" = {{ lo = 0.0, hi = 1.0 }}
"population.reluctance_help_mean" = {{ lo = 0.0, hi = 1.0 }}
"wijkteam.duration_distribution" = ["exponential", "lognormal"]
[design]
kind = "{kind}"
n = {n}
[run]
replications = 2
days = 5
[output]
kpis = ["wait_days_mean", "waitlist_end", "crises"]
"""

GRID = """
name = "grid_test"
[base]
scenario = "schiedam_walk_in"
[levers]
"wijkteam.n_professionals" = [4, 5, 6]
[uncertainties]
"needs.rate_per_resident_year" = { lo = 2.0, hi = 8.0, n = 13 }
[run]
replications = 3
days = 5
[output]
kpis = ["wait_days_mean", "waitlist_end"]
"""


def sweep(tmp_path: Path, text: str) -> Path:
    exp = experiment_from_text(text, where="test")
    out = tmp_path / exp.name
    result = run_sweep(exp, out, executor=SerialExecutor(), progress=False, model=fake_model)
    assert result.failed == 0 and result.done == result.planned, result
    return out


@pytest.mark.parametrize(("kind", "n", "index", "conf"), [("morris", 12, "mu_star",
                                                           "mu_star_conf"),
                                                          ("sobol", 32, "ST", "ST_conf")])
def test_sensitivity_ranks_the_factor_that_matters(tmp_path: Path, kind: str, n: int,
                                                   index: str, conf: str) -> None:
    out = sweep(tmp_path, SAMPLED.format(kind=kind, n=n))
    result = analyse(out, kpis=["wait_days_mean"])
    sens = result["sensitivity"].set_index("factor")
    a, b = sens.loc["population.reluctance_ask_mean"], sens.loc["population.reluctance_help_mean"]
    c = sens.loc["wijkteam.duration_distribution"]
    assert a[index] > 5 * b[index] > c[index] - 1e-9, \
        f"{index}: reluctance to ask (10 a) should dominate reluctance to help (0.5 b) and " \
        f"the unused duration distribution; got {a[index]:.3g}, {b[index]:.3g}, {c[index]:.3g}"
    assert sens[conf].notna().all() and (sens[conf] >= 0).all(), \
        f"every index should come with a confidence interval ({conf})"
    if kind == "morris":
        assert a["mu_star"] == pytest.approx(10, rel=0.05), "mu* of 10 a over [0, 1] is 10"
    code, stdout, stderr = run_cli(["analyse", str(out), "--kpis", "wait_days_mean"])
    assert code == 0, stderr
    assert f"Sensitivity ({kind})" in stdout and "95% conf" in stdout, stdout
    first = stdout.split(f"Sensitivity ({kind})")[1].splitlines()
    rows = [line for line in first if line.strip().startswith(("population.", "wijkteam."))]
    assert rows[0].strip().startswith("population.reluctance_ask_mean"), \
        f"the most important factor should be listed first: {rows}"


def test_undefined_kpi_values_leave_out_their_trajectories(tmp_path: Path) -> None:
    out = sweep(tmp_path, SAMPLED.format(kind="morris", n=12))
    sens = analyse(out, kpis=["crises"])["sensitivity"]
    assert sens["factor"].notna().all(), f"crises should still be analysed: {sens}"
    note = sens["note"].iloc[0]
    assert "trajectories left out" in note and "KPI is undefined" in note, note
    top = sens.sort_values("mu_star", ascending=False)["factor"].iloc[0]
    assert top == "population.reluctance_ask_mean", \
        f"crises = 2 a should be driven by the reluctance to ask, got {top}"
    code, stdout, _ = run_cli(["analyse", str(out), "--kpis", "crises"])
    assert code == 0 and "trajectories left out" in stdout, stdout


def test_grid_threshold_crossing_is_found_where_the_truth_is(tmp_path: Path) -> None:
    out = sweep(tmp_path, GRID)
    code, stdout, stderr = run_cli(["analyse", str(out), "--kpi", "waitlist_end",
                                    "--threshold", "100", "--json"])
    assert code == 0, stderr
    crossing = {row["wijkteam.n_professionals"]: row for row in json.loads(stdout)["crossing"]}
    assert sorted(crossing) == [4, 5, 6], crossing
    for n, row in crossing.items():
        # 100 rate / n = 100 where rate = n
        assert row["crossing"] == pytest.approx(n, abs=0.05), \
            f"with {n} professionals waitlist_end should cross 100 at rate {n}: {row}"
        assert row["direction"] == "up"
        assert row["crossing_ci_lo"] <= row["crossing"] <= row["crossing_ci_hi"], \
            f"the interval bounds' crossings should bracket the mean's: {row}"
    code, stdout, _ = run_cli(["analyse", str(out), "--kpi", "waitlist_end", "--threshold",
                               "1000"])
    assert code == 0 and "stays below 1000" in stdout, stdout


@pytest.mark.parametrize(("argv", "fragment"), [
    (["--kpi", "waitlist_end"], "give both --kpi and --threshold"),
    (["--kpi", "utilization", "--threshold", "0.9"], "not a KPI kept in this sweep"),
    (["--kpi", "waitlist_end", "--threshold", "1", "--along", "access.triage"],
     "must be a numeric grid factor"),
])
def test_bad_analysis_requests_are_one_line(tmp_path: Path, argv: list[str],
                                            fragment: str) -> None:
    out = sweep(tmp_path, GRID.replace("replications = 3", "replications = 1"))
    code, _, stderr = run_cli(["analyse", str(out), *argv])
    assert code == 2 and stderr.count("\n") == 1 and fragment in stderr, stderr


def test_threshold_needs_a_grid_and_analyse_needs_a_sweep(tmp_path: Path) -> None:
    out = sweep(tmp_path, SAMPLED.format(kind="morris", n=4))
    code, _, stderr = run_cli(["analyse", str(out), "--kpi", "waitlist_end", "--threshold",
                               "1"])
    assert code == 2 and "needs a grid design" in stderr, stderr
    code, _, stderr = run_cli(["analyse", str(tmp_path)])
    assert code == 2 and "no manifest.json" in stderr, stderr


def test_regression_sensitivity_recovers_known_coefficients_with_intervals() -> None:
    """y = 3 a + 0 b + noise with a, b independent uniform on [0, 1] and noise sd 0.2: the
    SRC of a is 3 sd(a) / sd(y) = 3 sqrt(1/12) / sqrt(9/12 + 0.04), its interval holds it;
    b's interval covers 0; R^2 is the explained share."""
    import numpy as np
    import pandas as pd

    from sim.lab.analyse import regression_sensitivity

    rng = np.random.default_rng(5)
    a, b = rng.uniform(0, 1, 400), rng.uniform(0, 1, 400)
    y = 3 * a + rng.normal(0, 0.2, 400)
    runs = pd.DataFrame({"scenario": "s", "a": a, "b": b, "policy_name": "x", "y": y})
    table = regression_sensitivity(runs, ["a", "b", "policy_name"], "y", n_boot=300)
    rows = table.set_index("factor")
    expected = 3 * np.sqrt(1 / 12) / np.sqrt(9 / 12 + 0.2**2)
    assert list(rows.index) == ["a", "b"], f"expected the numeric factors only: {rows.index}"
    assert rows.loc["a", "src_lo"] < expected < rows.loc["a", "src_hi"], \
        f"expected a's interval to hold {expected:.3f}: {rows.loc['a'].to_dict()}"
    assert rows.loc["b", "src_lo"] < 0 < rows.loc["b", "src_hi"], \
        f"expected b's interval to cover 0: {rows.loc['b'].to_dict()}"
    assert abs(rows.loc["a", "r2"] - np.corrcoef(a, y)[0, 1] ** 2) < 0.01, \
        "expected R^2 to be the share of variance the fit explains"


def test_regression_sensitivity_says_why_it_cannot_rank() -> None:
    import pandas as pd

    from sim.lab.analyse import regression_sensitivity

    runs = pd.DataFrame({"scenario": "s", "a": [1.0] * 5, "y": [1.0, 2, 3, 4, 5]})
    table = regression_sensitivity(runs, ["a"], "y")
    assert table["factor"].isna().all() and "no numeric factor varies" in table["note"][0], \
        f"expected one row saying no factor varies: {table.to_dict('records')}"
