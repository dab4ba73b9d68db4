"""Steady-state queue estimates by batch means: one implementation for the validation
report (:mod:`sim.lab.validate`) and the queueing-theory tests.

A replication of the queue-only preset ``validation/mmc`` is cut into three parts:

* a warm-up, long against the queue's relaxation time, whose arrivals are not counted;
* a measurement window of ``n_batches`` equal batches of ``batch_days``; a request
  belongs to the batch in which it arrived (``day_queued``), so each batch mean is a
  plain average over the requests of that batch;
* a drain after the window, long against the waits of those who wait, so that every
  request of the window has started its case before the run ends and none is dropped
  for still waiting (dropping them would bias high-load waits down).

With batches long against the relaxation time their means are nearly independent,
and the mean of all batch means over independent replications has the standard
error ``sd(batch means) / sqrt(number of batches)``. The lag-1 correlation of
consecutive batch means is returned too, as the check that the batches are long
enough.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MMC = "validation/mmc"
URGENCY_ORDER = ("high", "medium", "low")  # most urgent first, as theory.priority_waits
MU_PER_DAY = 1.25  # the preset's service rate: mean case 0.8 days
#: Highest arrival rate per resident a year the parameter allows, with some room.
MAX_RATE_PER_RESIDENT_YEAR = 40.0


def queue_overrides(rho: float, c: int, triage: str = "fifo", n_teams: int = 1,
                    pooled: bool = True) -> dict[str, Any]:
    """Overrides of ``validation/mmc`` for c servers at utilisation rho (mu = 1.25/day).

    The neighbourhood grows with the load so the rate per resident stays allowed.
    """
    lam = rho * c * MU_PER_DAY
    n_residents = max(1000, 100 * math.ceil(lam * 365.0 / MAX_RATE_PER_RESIDENT_YEAR / 100))
    out: dict[str, Any] = {
        "population.n_residents": n_residents,
        "needs.rate_per_resident_year": lam * 365.0 / n_residents,
        "wijkteam.case_duration_days_mean": 1.0 / MU_PER_DAY,
        "wijkteam.n_professionals": c,
        "wijkteam.caseload_max": 1,
        "access.triage": triage,
    }
    if n_teams > 1:
        out.update({"population.block_size": 50, "wijkteam.n_teams": n_teams,
                    "wijkteam.pooled": pooled})
    return out


def queue_params(scenario: Any) -> tuple[float, float, int]:
    """(lambda per day, mu per day, c) of a queue-only scenario."""
    lam = scenario.population.n_residents * scenario.needs.rate_per_resident_year / 365.0
    mu = 1.0 / scenario.wijkteam.case_duration_days_mean
    c = scenario.wijkteam.n_professionals * scenario.wijkteam.caseload_max
    return lam, mu, c


def relaxation_days(lam: float, mu: float, c: int) -> float:
    """The M/M/c queue's relaxation time, 1 / (c mu (1 - sqrt(rho))^2) (heavy traffic)."""
    rho = lam / (c * mu)
    return 1.0 / (c * mu * (1.0 - math.sqrt(rho)) ** 2)


def drain_days(lam: float, mu: float, c: int) -> int:
    """Days after the window by which every request of the window has started its case:
    25 mean waits of those who wait, so a wait beyond it has chance e^-25 (theory)."""
    return math.ceil(25.0 / (c * mu - lam)) + 1


def replicate(job: tuple[dict[str, Any], int, int, float, int]) -> dict[str, Any]:
    """One replication: batch means over the window, and whole-run figures in ``run``.

    ``job`` is ``(overrides, seed, warmup_days, batch_days, n_batches)``.
    """
    from ..api import run
    from ..scenario import load_scenario

    overrides, seed, warmup, batch_days, n_batches = job
    scenario = load_scenario(MMC, overrides)
    lam, mu, c = queue_params(scenario)
    window_end = warmup + n_batches * batch_days
    days = math.ceil(window_end) + drain_days(lam, mu, c)
    result = run(scenario, seed, days, warmup)
    req = result.requests
    in_r = req[(req["day_created"] >= warmup) & req["queue_wait_days"].notna()]
    window = req[(req["day_queued"] >= warmup) & (req["day_queued"] < window_end)]
    q = window[window["queue_wait_days"].notna()]
    wait = q["queue_wait_days"]
    batch = ((q["day_queued"] - warmup) // batch_days).astype(int)
    index = range(n_batches)
    t_tail = 1.0 / (c * mu - lam)  # the mean wait of those who wait

    def means(values: Any, groups: Any) -> list[float]:
        return values.groupby(groups).mean().reindex(index).tolist()

    out: dict[str, Any] = {
        "wait": means(wait, batch),
        "p_wait": means((wait > 0).astype(float), batch),
        "p_tail": means((wait > t_tail).astype(float), batch),
    }
    for u in URGENCY_ORDER:
        m = q["urgency_intake"] == u
        out["wait_" + u] = means(wait[m], batch[m])
    s = result.summary
    out["run"] = {
        "seed": seed,
        "n": len(q),
        "n_unstarted": int(len(window) - len(q)),
        "frame_wait": float(in_r["queue_wait_days"].mean()),
        "frame_wait_by": {u: float(in_r.loc[in_r["urgency_intake"] == u,
                                            "queue_wait_days"].mean())
                          for u in URGENCY_ORDER},
        "summary_wait": s["queue_wait_days_mean"],
        "summary_wait_by": dict(s["queue_wait_days_mean_by_urgency"]),
        "waitlist_mean": float(s["waitlist_mean"]),
        "arrival_rate": float(s["waitlist_arrival_rate_per_day"]),
        "span_days": days - warmup,
        "lam_hat": float((req["day_created"] >= warmup).sum() / (days - warmup)),
    }
    return out


def estimate(batches: list[float]) -> tuple[float, float, int]:
    """(mean of batch means, its standard error, number of batches); empty batches skipped."""
    x = np.asarray(batches, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return (float(x.mean()) if len(x) else math.nan), math.nan, len(x)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x))), len(x)


def lag1_correlation(per_run: list[list[float]]) -> float:
    """Correlation of consecutive batch means within runs, pooled over runs: near 0 when
    batches are long enough to be independent."""
    pairs = [(a, b) for run in per_run for a, b in zip(run, run[1:], strict=False)
             if math.isfinite(a) and math.isfinite(b)]
    if len(pairs) < 3:
        return math.nan
    x = np.asarray(pairs, dtype=float)
    return float(np.corrcoef(x[:, 0], x[:, 1])[0, 1])
