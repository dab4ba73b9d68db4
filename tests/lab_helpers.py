"""Shared pieces of the experiment (sim.lab) tests: tiny experiments, fake models, the
command line in this process. A helper module, not a test file: pytest collects no tests
here."""

from __future__ import annotations

import contextlib
import io
import math
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim.cli import main
from sim.lab.sweep import comparable, load_part, load_runs

ROOT = Path(__file__).resolve().parent.parent

TINY = """
name = "tiny"
[base]
scenario = "schiedam_walk_in"
set = {{ "population.n_residents" = {residents}, "wijkteam.n_professionals" = 2 }}
[levers]
"access.triage" = ["fifo", "urgency"]
[uncertainties]
"population.reluctance_ask_mean" = [{reluctance}]
[run]
replications = {replications}
master_seed = 11
days = {days}
warmup_days = 10
[output]
daily = true
"""


def tiny_experiment(path: Path, replications: int = 2, days: int = 60,
                    reluctance: str = "0.4", residents: int = 1000) -> Path:
    path.write_text(TINY.format(replications=replications, days=days, reluctance=reluctance,
                                residents=residents))
    return path


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """The main command line in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_same_dataset(a: Path, b: Path, parts: tuple[str, ...] = ("daily",)) -> None:
    """Two sweep directories hold the same results, wall-clock columns aside."""
    ra, rb = comparable(load_runs(a)), comparable(load_runs(b))
    assert len(ra) and list(ra["run_id"]) == list(rb["run_id"]), \
        f"expected the same run ids in {a} and {b}"
    pd.testing.assert_frame_equal(ra, rb, obj=f"runs of {a} vs {b}")
    for name in parts:
        pa_, pb_ = load_part(a, name), load_part(b, name)
        assert len(pa_), f"expected {name} parts in {a}"
        pd.testing.assert_frame_equal(pa_, pb_, obj=f"{name} of {a} vs {b}")


def fake_model(scenario, seed: int, days: int, warmup_days: int) -> SimpleNamespace:
    """A model with known answers, so analyses can be checked against them.

    wait_days_mean = 10 a + 0.5 b + tiny noise, with a the reluctance to ask and b the
    reluctance to help; waitlist_end = 100 rate / n_professionals + tiny noise; crises
    = 2 a, undefined (NaN) where b > 0.8.
    """
    rng = np.random.default_rng(seed)
    a = scenario.population.reluctance_ask_mean
    b = scenario.population.reluctance_help_mean
    rate = scenario.needs.rate_per_resident_year
    n = scenario.wijkteam.n_professionals
    summary = {
        "wait_days_mean": 10 * a + 0.5 * b + 0.01 * rng.standard_normal(),
        "waitlist_end": 100 * rate / max(n, 1) + 0.5 * rng.standard_normal(),
        "crises": 2 * a if b <= 0.8 else math.nan,
    }
    return SimpleNamespace(summary=summary, daily=pd.DataFrame({"day": np.arange(days)}),
                           requests=pd.DataFrame())


def failing_model(scenario, seed: int, days: int, warmup_days: int) -> SimpleNamespace:
    """Like the real model, except that the 'urgency' triage point raises."""
    if scenario.access.triage == "urgency" and seed == FAILING_SEED:
        raise ValueError("injected failure for a test")
    import sim

    return sim.run(scenario, seed=seed, days=days, warmup_days=warmup_days)


def crashing_model(scenario, seed: int, days: int, warmup_days: int) -> SimpleNamespace:
    """Like the real model, except that the 'urgency' point of replication 0 kills its
    worker process outright, as a segfault or the out-of-memory killer would."""
    if scenario.access.triage == "urgency" and seed == FAILING_SEED:
        os._exit(3)
    import sim

    return sim.run(scenario, seed=seed, days=days, warmup_days=warmup_days)


#: The seed of replication 0 of the tiny experiment (master seed 11).
FAILING_SEED = int(np.random.SeedSequence(11).spawn(1)[0].generate_state(1, np.uint32)[0])

