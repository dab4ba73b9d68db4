"""The statistics every lab output rests on, and how their numbers are written.

Kept apart from the outputs (the comparison table, the HTML report, the analysis,
the dashboard) so that each of them judges a difference by the same rule and writes
a number the same way, and none needs to import another. Intervals are Student t
intervals over replications (``scipy.stats``, imported on first use); a paired
interval is the t interval of per-seed differences, which common random numbers
make much narrower than Welch's interval for independent samples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..kpis import declaration

#: Confidence level of every interval the lab reports.
CONFIDENCE = 0.95


def t_interval(x: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and Student t interval of a sample; NaN bounds with fewer than two values."""
    from scipy import stats

    x = np.asarray(x, dtype=float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def welch_interval(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE
                   ) -> tuple[float, float]:
    """Interval of mean(b) - mean(a) treating the samples as independent (Welch)."""
    from scipy import stats

    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    d = float(b.mean() - a.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return d, d
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df) * se)
    return d - half, d + half


def paired_interval(reference: pd.Series, values: pd.Series, confidence: float = CONFIDENCE
                    ) -> tuple[int, float, float, float]:
    """Pairs, mean and t interval of ``values - reference`` over the index both share.

    Both series are indexed by seed, so each difference compares the same residents
    and needs under two scenarios.
    """
    common = values.index.intersection(reference.index)
    d = values.loc[common].to_numpy() - reference.loc[common].to_numpy()
    return (len(common), *t_interval(d, confidence))


def excludes_zero(row: Any) -> bool:
    """The significance rule: a row's paired difference interval excludes zero.

    The reference scenario, compared with itself, never does.
    """
    return (row.scenario != row.reference and math.isfinite(row.diff_ci_lo)
            and (row.diff_ci_lo > 0 or row.diff_ci_hi < 0))


def wins(d: pd.Series, kpi: str) -> tuple[int, int]:
    """Of paired differences ``d`` (other - reference), how many are better, out of how many.

    "Better" follows the declaration; for a descriptive KPI it counts "higher". A tie
    is not better. A count of paired runs ("better in 28 of 30") reads better than an
    error bar (Hullman et al. 2015), so the dashboard's headline and ``samenspel load``
    both say it, counted here by one rule.
    """
    sign = -1.0 if declaration(kpi).better == "lower" else 1.0
    return int((sign * d > 0).sum()), int(len(d))


def fmt(x: float) -> str:
    """A number for a table: four significant digits, ``-`` where undefined."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.4g}"


def fmt_interval(lo: float, hi: float) -> str:
    """An interval for a table: ``[lo, hi]``, each bound as :func:`fmt` writes it."""
    return f"[{fmt(lo)}, {fmt(hi)}]"


def fmt_estimate(mean: float, lo: float, hi: float) -> str:
    """A mean with its interval, ``mean [lo, hi]``; the mean alone where there is none."""
    return f"{fmt(mean)} {fmt_interval(lo, hi)}" if math.isfinite(lo) else fmt(mean)
