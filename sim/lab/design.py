"""Designs: from an experiment's factors to a tidy list of points.

``grid`` crosses every value of every factor. ``latin_hypercube`` (scipy's
``qmc.LatinHypercube``), ``sobol`` (Saltelli sampling) and ``morris`` (trajectories)
draw samples; by default they sample the uncertainties and cross the samples with
every combination of lever values, so each policy meets the same futures.

Samples live in the SALib problem space: a range keeps its bounds, and a list of k
values (categorical choices, booleans or numbers) becomes an index in ``[0, k)``.
Integers are rounded. Each point keeps its raw sample coordinates ``x`` so the
sensitivity analysis sees exactly the matrix SALib produced.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .experiment import Experiment, Factor


@dataclass(frozen=True)
class Point:
    """One design point: parameter values, and where it sits in the design."""

    point: int
    values: dict[str, Any]
    policy: int = 0  # index of the lever combination (crossed designs)
    sample: int = 0  # index of the sample within the policy
    x: dict[str, float] = field(default_factory=dict)  # raw sample coordinates


def problem(factors: tuple[Factor, ...]) -> dict[str, Any]:
    """The SALib problem of the sampled factors."""
    return {"num_vars": len(factors), "names": [f.key for f in factors],
            "bounds": [f.bounds() for f in factors]}


def sampled_factors(exp: Experiment) -> tuple[Factor, ...]:
    """The factors a sampling design samples (empty for a grid)."""
    if exp.design.kind == "grid":
        return ()
    return exp.factors if exp.design.sample == "all" else exp.uncertainties


def crossed_factors(exp: Experiment) -> tuple[Factor, ...]:
    """The factors whose values are crossed as a full factorial."""
    if exp.design.kind == "grid":
        return exp.factors
    return () if exp.design.sample == "all" else exp.levers


def sample_matrix(exp: Experiment) -> np.ndarray:
    """The raw samples (rows) of a sampling design, in SALib problem space."""
    factors = sampled_factors(exp)
    d, n, seed = exp.design, exp.design.n, exp.design_seed
    assert n is not None and factors
    prob = problem(factors)
    if d.kind == "latin_hypercube":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(factors), seed=np.random.default_rng(seed)).random(n)
        lo = np.array([b[0] for b in prob["bounds"]])
        hi = np.array([b[1] for b in prob["bounds"]])
        return lo + unit * (hi - lo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about conventions we already check
        if d.kind == "sobol":
            from SALib.sample import sobol

            return sobol.sample(prob, n, calc_second_order=d.second_order, scramble=True,
                                seed=seed)
        from SALib.sample import morris

        return morris.sample(prob, n, num_levels=d.levels, seed=seed)


def make_points(exp: Experiment) -> list[Point]:
    """Every point of the experiment's design, numbered from 0 in a fixed order."""
    crossed = crossed_factors(exp)
    combos = list(itertools.product(*(f.grid() for f in crossed))) if crossed else [()]
    if exp.design.kind == "grid":
        return [Point(i, dict(zip((f.key for f in crossed), combo, strict=True)), policy=i)
                for i, combo in enumerate(combos)]
    factors = sampled_factors(exp)
    xs = sample_matrix(exp)
    samples = [({f.key: f.from_sample(float(x)) for f, x in zip(factors, row, strict=True)},
                {f.key: float(x) for f, x in zip(factors, row, strict=True)}) for row in xs]
    points = []
    for j, combo in enumerate(combos):
        lever_values = dict(zip((f.key for f in crossed), combo, strict=True))
        for k, (values, x) in enumerate(samples):
            points.append(Point(len(points), {**lever_values, **values}, policy=j, sample=k,
                                x=x))
    return points
