"""The statistics every lab output rests on (sim.lab.stats), checked against scipy."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import stats

from sim.lab.stats import (
    excludes_zero,
    fmt,
    fmt_estimate,
    fmt_interval,
    paired_interval,
    t_interval,
    welch_interval,
)


def test_t_interval_matches_scipy() -> None:
    x = np.array([1.0, 2.0, 4.0, 7.0])
    mean, lo, hi = t_interval(x)
    ref = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert mean == x.mean() and np.allclose((lo, hi), ref), \
        f"expected scipy's t interval {ref}, got {(lo, hi)}"
    assert math.isnan(t_interval(np.array([3.0]))[1]), "expected no interval from one value"


def test_welch_interval_matches_scipy() -> None:
    x = np.array([1.0, 2.0, 4.0, 7.0])
    y = x + np.array([0.5, -0.2, 0.1, 0.3])
    wlo, whi = welch_interval(x, y)
    res = stats.ttest_ind(y, x, equal_var=False).confidence_interval(0.95)
    assert np.allclose((wlo, whi), (res.low, res.high)), \
        f"expected scipy's Welch interval {(res.low, res.high)}, got {(wlo, whi)}"


def test_paired_interval_pairs_on_the_shared_seeds() -> None:
    reference = pd.Series([1.0, 2.0, 4.0, 7.0], index=[10, 11, 12, 13])
    values = pd.Series([1.4, 2.1, 4.9, 7.2, 99.0], index=[10, 11, 12, 13, 14])
    n, mean, lo, hi = paired_interval(reference, values)
    res = stats.ttest_rel(values.loc[reference.index], reference).confidence_interval(0.95)
    assert n == 4, f"expected the 4 seeds both share to be paired, got {n}"
    assert math.isclose(mean, 0.4) and np.allclose((lo, hi), (res.low, res.high)), \
        f"expected scipy's paired interval {(res.low, res.high)} around 0.4, got {mean, lo, hi}"


def test_the_significance_rule() -> None:
    def row(lo: float, hi: float, scenario: str = "b") -> SimpleNamespace:
        return SimpleNamespace(scenario=scenario, reference="a", diff_ci_lo=lo, diff_ci_hi=hi)

    assert excludes_zero(row(0.1, 0.5)) and excludes_zero(row(-0.5, -0.1)), \
        "expected an interval wholly on one side of zero to count"
    assert not excludes_zero(row(-0.1, 0.5)), "expected an interval around zero not to count"
    assert not excludes_zero(row(math.nan, math.nan)), "expected no interval not to count"
    assert not excludes_zero(row(0.1, 0.5, scenario="a")), "expected the reference never to"


def test_number_formatting() -> None:
    assert fmt(1234.5678) == "1235" and fmt(0.000123456) == "0.0001235", \
        "expected four significant digits"
    assert fmt(math.nan) == "-" and fmt(None) == "-", "expected '-' where undefined"
    assert fmt_interval(1.0, math.nan) == "[1, -]"
    assert fmt_estimate(2.0, 1.0, 3.0) == "2 [1, 3]"
    assert fmt_estimate(2.0, math.nan, math.nan) == "2", "expected the mean alone, no interval"
    assert fmt_estimate(math.nan, math.nan, math.nan) == "-"
