"""Kaplan-Meier survival estimates, for waits in which some people never reach the end.

A mean or median over those who were answered leaves out everyone who gave up or
was still waiting when the run ended, and so makes a slow route look fast
(survivor bias). The Kaplan-Meier estimator counts them as censored: each is at
risk until the moment they leave the observation, and only then drops out of the
count. The median it gives is the usual one when nobody is censored.
"""

from __future__ import annotations

import math

import numpy as np

#: Survival within this of one half counts as exactly one half (float products).
_HALF_TOL = 1e-12


def kaplan_meier(durations, observed) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier curve: the distinct event times and the survival just after each.

    ``durations`` are the times from the origin to the event or to censoring;
    ``observed`` is true where the event happened (false: censored). At a time with
    both events and censorings, the censored still count as at risk (the usual
    convention). Times with censorings only are not steps of the curve.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    if t.shape != e.shape:
        raise ValueError(f"durations and observed differ in shape: {t.shape} vs {e.shape}")
    if t.size and (np.isnan(t).any() or (t < 0).any()):
        raise ValueError("durations must be non-negative numbers")
    times, which = np.unique(t, return_inverse=True)
    deaths = np.bincount(which, weights=e, minlength=len(times))
    leaving = np.bincount(which, minlength=len(times))
    at_risk = len(t) - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    steps = deaths > 0
    survival = np.cumprod(1.0 - deaths[steps] / at_risk[steps])
    return times[steps], survival


def km_median(durations, observed) -> float:
    """The Kaplan-Meier median: the first time survival falls to one half or below.

    When survival is exactly one half from one event time to the next, the median is
    the midpoint of the two, as the plain median of an even count is. NaN when
    survival never falls to one half (too many censored: the median is not reached).
    """
    times, survival = kaplan_meier(durations, observed)
    below = np.flatnonzero(survival <= 0.5 + _HALF_TOL)
    if not below.size:
        return math.nan
    i = int(below[0])
    if abs(survival[i] - 0.5) <= _HALF_TOL and i + 1 < len(times):
        return float((times[i] + times[i + 1]) / 2.0)
    return float(times[i])
