"""Paired runs: one side of a comparison (an :class:`Arm`) on the same seeds as the other.

A preset with overrides on seed s meets the same residents and the same needs as any
other arm on seed s (common random numbers), so a difference between arms on one seed
is the lever's, not the draw's. The patterns, the pass-through desk and the rows of
consistency all compare arms; an arm two of them need runs once (its job's key
fingerprints it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...scenario import load_scenario
from ...vocabulary import GAVE_UP
from .core import SEED0, TRIALS_PER_SECOND, Job, job, run_seconds

#: Paired seeds per arm, and the days of a model run (the preset's horizon in full mode).
ARM_SEEDS = {"full": 20, "quick": 3}
ARM_DAYS = {"full": None, "quick": 90}
#: Elephant trials per seed and arm.
ARM_TRIALS = {"full": 20_000, "quick": 2_000}
LOST_BEFORE_TEAM = "lost_before_team_per_1000_year"


@dataclass(frozen=True)
class Arm:
    """One side of a paired comparison: a preset and overrides (a model run) or an
    elephant setting (``elephant``: group size and whether one is asked directly)."""

    preset: str
    overrides: tuple[tuple[str, Any], ...] = ()
    elephant: tuple[int, bool] | None = None


def arm_job(arg: tuple[Arm, int, int | None, int]) -> dict[str, float]:
    """One arm on one seed: every flat KPI of a model run and ``LOST_BEFORE_TEAM``, or the
    elephant's row."""
    arm, seed, days, trials = arg
    scenario = load_scenario(arm.preset, dict(arm.overrides))
    if arm.elephant is not None:
        from ...elephant import elephant_table

        n, direct = arm.elephant
        return elephant_table(scenario.bystander, [n], trials, seed,
                              direct_request=direct)["diffusion"][0]
    from ...api import run
    from ...kpis import flatten, per_1000_year

    result = run(scenario, seed, days)
    req = result.requests
    lost = (req["state"].isin(GAVE_UP) & req["day_intake"].isna()
            & req["route"].str.contains("asks formal help", regex=False)).sum()
    out = flatten(result.summary)
    out[LOST_BEFORE_TEAM] = per_1000_year(int(lost), scenario.population.n_residents,
                                          result.days)
    return out


def arm_jobs(arm: Arm, mode: str) -> list[tuple[int, Job]]:
    """The arm's job on each paired seed, with the seed."""
    out = []
    for seed in range(SEED0, SEED0 + ARM_SEEDS[mode]):
        cost = (ARM_TRIALS[mode] * arm.elephant[0] / TRIALS_PER_SECOND
                if arm.elephant else run_seconds(ARM_DAYS[mode]))
        out.append((seed, job("arms", f"{arm.preset}-{seed}", arm_job,
                              (arm, seed, ARM_DAYS[mode], ARM_TRIALS[mode]), cost)))
    return out


def arm_values(arm: Arm, mode: str, results: Mapping[str, Any], measure: str
               ) -> dict[int, float]:
    """``measure`` of the arm's runs, by seed."""
    return {seed: float(results[j.key][measure]) for seed, j in arm_jobs(arm, mode)}
