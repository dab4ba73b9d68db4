"""Experiment files and designs: validation with one-line errors, points, seeds."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.lab.design import make_points
from sim.lab.experiment import experiment_from_text, load_experiment
from sim.lab.sweep import plan_runs, replication_seeds
from sim.params import SPECS
from sim.scenario import InputError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["access_policies", "overload_tipping_point", "elephant", "sensitivity"]

GOOD = """
name = "t"
[base]
scenario = "schiedam_walk_in"
set = { "population.n_residents" = 1000 }
[levers]
"wijkteam.n_professionals" = [2, 3]
[uncertainties]
"population.reluctance_ask_mean" = { lo = 0.2, hi = 0.6, n = 3 }
[run]
replications = 2
days = 60
"""


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_experiments_load_and_plan(name: str) -> None:
    exp = load_experiment(ROOT / "experiments" / f"{name}.toml")
    tasks = plan_runs(exp)
    assert tasks, f"{name}: expected a non-empty plan of runs"
    assert len({t.run_id for t in tasks}) == len(tasks), f"{name}: run ids must be unique"
    expected = len(make_points(exp)) * len(exp.bases) * exp.replications
    assert len(tasks) == expected, f"{name}: expected points x bases x replications = {expected}"


def test_access_policies_has_three_bases_and_30_replications() -> None:
    exp = load_experiment(ROOT / "experiments" / "access_policies.toml")
    assert exp.base_labels == ("rotterdam_vraagwijzer", "schiedam_walk_in",
                               "schiedam_walk_in_triage"), exp.base_labels
    assert exp.replications == 30, "the issue asks for 30 replications"


def test_tipping_point_spans_rho_06_to_11_for_every_team_size() -> None:
    import sim

    exp = load_experiment(ROOT / "experiments" / "overload_tipping_point.toml")
    base = sim.load_scenario(exp.bases[0])
    grids = {f.key: f.grid() for f in exp.factors}
    for n in grids["wijkteam.n_professionals"]:
        # M/M/c: rho = lambda / (c mu), lambda = residents rate / 365, c = n caseload,
        # mu = 1 / mean case duration
        c = n * base.wijkteam.caseload_max
        mu = 1 / base.wijkteam.case_duration_days_mean
        rho = [base.population.n_residents * r / 365 / (c * mu)
               for r in grids["needs.rate_per_resident_year"]]
        assert min(rho) <= 0.6 + 1e-9 and max(rho) >= 1.1 - 1e-9, \
            f"with {n} professionals rho should run through 0.6..1.1, got {min(rho)}..{max(rho)}"


def test_sensitivity_is_morris_over_uncertainties() -> None:
    exp = load_experiment(ROOT / "experiments" / "sensitivity.toml")
    assert exp.design.kind == "morris" and len(exp.uncertainties) >= 5, exp.design


def test_grid_crosses_every_value_and_seeds_are_common() -> None:
    exp = experiment_from_text(GOOD)
    points = make_points(exp)
    assert len(points) == 2 * 3, "grid of 2 lever values x 3 range points expected"
    assert sorted({p.values["population.reluctance_ask_mean"] for p in points}) == \
        pytest.approx([0.2, 0.4, 0.6]), "range with n = 3 should give lo, middle, hi"
    tasks = plan_runs(exp, points)
    seeds_by_rep: dict[int, set[int]] = {}
    for t in tasks:
        seeds_by_rep.setdefault(t.replication, set()).add(t.seed)
    assert all(len(s) == 1 for s in seeds_by_rep.values()), \
        "replication i should use one seed under every point (common random numbers)"
    assert [next(iter(seeds_by_rep[r])) for r in range(2)] == replication_seeds(0, 2)
    assert replication_seeds(5, 3) == replication_seeds(5, 7)[:3], \
        "spawned seeds should not depend on how many replications are asked for"
    assert all(t.scenario.population.n_residents == 1000 for t in tasks), "base.set applies"


def test_latin_hypercube_is_stratified_rounded_and_crossed_with_levers() -> None:
    text = """
[base]
scenario = "schiedam_walk_in"
[levers]
"access.triage" = ["fifo", "urgency"]
[uncertainties]
"population.reluctance_ask_mean" = { lo = 0.0, hi = 1.0 }
"wijkteam.caseload_max" = { lo = 5, hi = 30 }
[design]
kind = "latin_hypercube"
n = 10
"""
    exp = experiment_from_text(text)
    points = make_points(exp)
    assert len(points) == 2 * 10, "10 samples crossed with 2 lever values expected"
    for policy in (0, 1):
        xs = [p.values["population.reluctance_ask_mean"] for p in points if p.policy == policy]
        strata = sorted(int(x * 10) for x in xs)
        assert strata == list(range(10)), f"one sample per tenth expected, got {strata}"
    first = [p.values for p in points if p.policy == 0]
    second = [p.values for p in points if p.policy == 1]
    assert [{k: v for k, v in a.items() if k != "access.triage"} for a in first] == \
        [{k: v for k, v in b.items() if k != "access.triage"} for b in second], \
        "each policy should meet the same sampled futures"
    caseloads = [p.values["wijkteam.caseload_max"] for p in points]
    assert all(isinstance(c, int) and 5 <= c <= 30 for c in caseloads), caseloads


def test_sobol_and_morris_sizes_and_categorical_index() -> None:
    base = '[base]\nscenario = "schiedam_walk_in"\n[uncertainties]\n' \
        '"bystander.diffusion_t" = { lo = 0.0, hi = 1.0 }\n' \
        '"wijkteam.duration_distribution" = ["exponential", "lognormal"]\n'
    sobol = experiment_from_text(base + '[design]\nkind = "sobol"\nn = 8\n')
    assert len(make_points(sobol)) == 8 * (2 + 2), "Saltelli: N (D + 2) points expected"
    morris = experiment_from_text(base + '[design]\nkind = "morris"\nn = 5\nlevels = 4\n')
    points = make_points(morris)
    assert len(points) == 5 * (2 + 1), "Morris: r (D + 1) points expected"
    kinds = {p.values["wijkteam.duration_distribution"] for p in points}
    assert kinds <= {"exponential", "lognormal"} and len(kinds) == 2, kinds
    again = make_points(morris)
    assert [p.values for p in again] == [p.values for p in points], "designs are seeded"
    assert np.isfinite([p.x["bystander.diffusion_t"] for p in points]).all()


BAD = [
    ("[base]\nscenario = 'nope'\n", "base.scenario", "unknown preset"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[levers]\n'wijkteam.n_profs' = [1, 2]\n",
     "levers.wijkteam.n_profs", "did you mean 'wijkteam.n_professionals'"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[levers]\n'wijkteam.n_professionals' = [4, -1]\n",
     "levers.wijkteam.n_professionals", "must be an integer from 0 to 10_000"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[uncertainties]\n"
     "'bystander.diffusion_t' = { lo = 0.0, hi = 9.0, n = 3 }\n",
     "uncertainties.bystander.diffusion_t.hi", "must be a number from 0 to 3"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[levers]\n'access.policy' = ['walk_in', 'desk']\n",
     "levers.access.policy", "one of 'walk_in', 'vraagwijzer'"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[uncertainties]\n"
     "'bystander.diffusion_t' = { lo = 0.0, hi = 1.0 }\n",
     "uncertainties.bystander.diffusion_t", "needs n (number of points) or step"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[design]\nkind = 'factorial'\n",
     "design.kind", "must be one of 'grid', 'latin_hypercube', 'sobol', 'morris'"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[uncertainties]\n"
     "'bystander.diffusion_t' = { lo = 0.0, hi = 1.0 }\n[design]\nkind = 'sobol'\nn = 10\n",
     "design.n", "power of 2"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[run]\nreplications = 0\n",
     "run.replications", "must be an integer from 1"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[run]\ndays = 30\nwarmup_days = 30\n",
     "run.warmup_days", "must be less than the horizon"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[output]\nkpis = ['wait_days_men']\n",
     "output.kpis", "did you mean 'wait_days_mean'"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[levels]\nx = 1\n", "levels", "unknown key"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[levers]\n'wijkteam.n_professionals' = 8\n",
     "levers.wijkteam.n_professionals", "must be a list of values or a range"),
    ("[base\nscenario = 'x'\n", "", "malformed TOML"),
    ("[base]\nscenario = 'schiedam_walk_in'\n[levers]\ndays = [10, 20]\n", "levers.days",
     "set the horizon with [run] days"),
]


@pytest.mark.parametrize(("text", "key", "fragment"), BAD, ids=[b[1] or "toml" for b in BAD])
def test_bad_experiment_is_one_error_line_exit_2(tmp_path: Path, text: str, key: str,
                                                  fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(["sweep", str(path), "--out", str(out), "--workers", "1"])
    assert code == 2, f"bad experiment should exit with 2, got {code}; stderr: {stderr}"
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected exactly one error line, got: {stderr!r}"
    line = lines[0]
    assert line.startswith("samenspel: error: "), line
    assert str(path) in line, f"the error should name the file: {line}"
    assert key in line and fragment in line, f"expected {key!r} and {fragment!r} in: {line}"
    assert not out.exists(), "nothing should be written for a bad experiment"


def test_bad_experiment_from_the_real_command_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[base]\nscenario = 'schiedam_walk_in'\n[design]\nkind = 'sobol'\n")
    proc = subprocess.run([sys.executable, "-m", "sim", "sweep", str(path), "--out",
                           str(tmp_path / "o")], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert proc.returncode == 2, f"exit code 2 expected, got {proc.returncode}: {proc.stderr}"
    assert proc.stderr.count("\n") == 1 and "samenspel: error:" in proc.stderr, proc.stderr
    assert "design.n" in proc.stderr or "uncertainties" in proc.stderr, proc.stderr


def test_factor_values_come_from_the_declarations() -> None:
    spec = SPECS["population.share_vulnerable"]
    text = f"""
[base]
scenario = "schiedam_walk_in"
[uncertainties]
"population.share_vulnerable" = {{ lo = {spec.lo}, hi = {spec.hi + 0.5}, n = 2 }}
"""
    with pytest.raises(InputError) as info:
        experiment_from_text(text, where="exp.toml")
    assert spec.allowed() in str(info.value), \
        f"the allowed range should be the declared one ({spec.allowed()}): {info.value}"


def test_invalid_combination_is_reported_before_any_run() -> None:
    text = """
[base]
scenario = "schiedam_walk_in"
[levers]
"needs.urgency_shares.low" = [0.6, 0.9]
"""
    exp = experiment_from_text(text, where="exp.toml")
    with pytest.raises(InputError) as info:
        plan_runs(exp)
    msg = str(info.value)
    assert "design point 1" in msg and "must sum to 1" in msg, msg
