"""The Kaplan-Meier estimator behind the survival KPIs: a hand-worked example, the plain
median when nothing is censored, and what censoring must and must not change."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.survival import kaplan_meier, km_median


def test_hand_computed_curve():
    """Seven people; censored at 2 (tied with an event) and at 4.

    t=1: 7 at risk, 1 event: S = 6/7. t=2: 6 at risk (the one censored at 2 still
    counts), 1 event: S = 6/7 * 5/6 = 5/7. t=3: 4 at risk, 1 event: S = 5/7 * 3/4 =
    15/28. t=4 censored only: no step. t=5: 2 at risk, 1 event: S = 15/56. t=6: 1 at
    risk, 1 event: S = 0. The median is 5, the first time S <= 1/2.
    """
    times, surv = kaplan_meier([1, 2, 2, 3, 4, 5, 6], [1, 1, 0, 1, 0, 1, 1])
    assert times.tolist() == [1, 2, 3, 5, 6], f"expected steps at 1, 2, 3, 5, 6, got {times}"
    expected = [6 / 7, 5 / 7, 15 / 28, 15 / 56, 0.0]
    assert np.allclose(surv, expected, rtol=0, atol=1e-15), \
        f"expected survival {expected}, got {surv.tolist()}"
    assert km_median([1, 2, 2, 3, 4, 5, 6], [1, 1, 0, 1, 0, 1, 1]) == 5.0, \
        "expected the Kaplan-Meier median 5 of the hand-worked example"


def test_survival_exactly_one_half_gives_the_midpoint():
    """Censored at 1, events at 2..5: S(2) = 3/4, S(3) = 3/4 * 2/3 = 1/2 exactly, so the
    median is halfway between 3 and the next event time 4."""
    assert km_median([1, 2, 3, 4, 5], [0, 1, 1, 1, 1]) == 3.5, \
        "expected the midpoint 3.5 when survival is exactly 1/2 from t=3 to t=4"


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10, 51, 200])
def test_without_censoring_it_is_the_plain_median(n):
    rng = np.random.default_rng(n)
    for durations in (rng.exponential(10.0, n), rng.integers(0, 6, n).astype(float)):
        got = km_median(durations, np.ones(n, dtype=bool))
        assert got == pytest.approx(float(np.median(durations)), abs=1e-12), \
            f"expected the plain median {np.median(durations)} of {n} uncensored " \
            f"durations (ties included), got {got}"


def test_censoring_at_the_end_never_lowers_the_median():
    """Turning the slowest half of the events into censorings at the same times (people
    still waiting at the end) can only keep the median or leave it unreached."""
    rng = np.random.default_rng(3)
    durations = rng.exponential(5.0, 101)
    full = km_median(durations, np.ones(101, dtype=bool))
    observed = durations < np.quantile(durations, 0.8)
    censored = km_median(durations, observed)
    assert censored == pytest.approx(full), \
        f"expected censoring only the slowest 20% to leave the median {full}, got {censored}"
    # the survivor-biased median over the observed only is lower
    assert float(np.median(durations[observed])) < full, \
        "expected the median over the uncensored alone to understate the median"


def test_median_not_reached_is_nan():
    got = km_median([1, 5, 6, 7], [1, 0, 0, 0])
    assert math.isnan(got), f"expected no median when survival stays at 3/4, got {got}"
    assert math.isnan(km_median([], [])), "expected no median of nobody"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="shape"):
        kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError, match="non-negative"):
        kaplan_meier([1, -2], [True, True])
