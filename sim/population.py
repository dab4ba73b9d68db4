"""Who lives in the neighbourhood: households, blocks, ages, traits and ties.

Everything here is drawn from the ``population`` stream alone, so it does not
depend on any policy parameter: two scenarios that share population parameters
and a seed have the same residents.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .params import Population
from .streams import generator

AGE_GROUPS = ("under_65", "65_79", "80_plus")


@dataclass
class Residents:
    """Resident attributes, index = resident id.

    ``age`` and ``vulnerable`` are numpy arrays for the vectorised need rates. What
    the event handlers read one resident at a time is in :mod:`array` arrays: they
    index about as fast as lists and hold 8 bytes a resident, without an object
    behind each value, so a large neighbourhood's traits still fit the processor's
    cache.
    """

    household: Sequence[int]
    block: Sequence[int]
    age: np.ndarray  # index into AGE_GROUPS
    vulnerable: np.ndarray
    reluctance_ask: Sequence[float]
    reluctance_help: Sequence[float]
    trust: Sequence[float]
    ties: list[set[int]]
    block_members: list[list[int]]
    household_members: list[list[int]]

    @property
    def n(self) -> int:
        return len(self.age)


def beta_traits(rng: np.random.Generator, mean: float, concentration: float, n: int
                ) -> np.ndarray:
    """Per-resident traits on 0-1 around ``mean``; a mean of exactly 0 or 1 is a constant."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, float(mean))
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=n)


def build_residents(p: Population, seed: int) -> Residents:
    rng = generator(seed, "population")
    n = p.n_residents
    sizes = 1 + rng.poisson(max(p.household_size_mean - 1.0, 0.0), size=n)
    household = np.repeat(np.arange(n), sizes)[:n]
    block = np.arange(n) // p.block_size
    share_under_65 = max(0.0, 1.0 - p.share_65_79 - p.share_80_plus)
    age = rng.choice(3, size=n, p=np.array([share_under_65, p.share_65_79, p.share_80_plus])
                     / (share_under_65 + p.share_65_79 + p.share_80_plus))
    vulnerable = rng.random(n) < p.share_vulnerable
    reluctance_ask = beta_traits(rng, p.reluctance_ask_mean, p.trait_concentration, n)
    reluctance_ask = np.minimum(1.0, reluctance_ask + (age > 0) * p.reluctance_ask_older_extra)
    reluctance_help = beta_traits(rng, p.reluctance_help_mean, p.trait_concentration, n)
    trust = beta_traits(rng, p.trust_wijkteam_mean, p.trait_concentration, n)

    block_members = _groups(block)
    household_members = _groups(household)
    ties: list[set[int]] = [set() for _ in range(n)]
    # neighbour ties: random others in the same block
    n_neigh = rng.poisson(p.neighbour_ties_mean / 2.0, size=n)
    for i in np.flatnonzero(n_neigh):
        mates = block_members[block[i]]
        if len(mates) > 1:
            for j in rng.choice(mates, size=min(n_neigh[i], len(mates) - 1), replace=False):
                j = int(j)
                if j != i:
                    ties[i].add(j)
                    ties[j].add(int(i))
    # friend ties anywhere in the neighbourhood
    n_friend = rng.poisson(p.friend_ties_mean / 2.0, size=n)
    others = rng.integers(0, n, size=int(n_friend.sum()))
    owners = np.repeat(np.arange(n), n_friend)
    for i, j in zip(owners.tolist(), others.tolist(), strict=True):
        if i != j:
            ties[i].add(j)
            ties[j].add(i)
    # household members know each other
    for members in household_members:
        if len(members) > 1:
            for i in members:
                ties[i].update(j for j in members if j != i)
    return Residents(_compact(household, "q"), _compact(block, "q"), age, vulnerable,
                     _compact(reluctance_ask, "d"), _compact(reluctance_help, "d"),
                     _compact(trust, "d"), ties, block_members, household_members)


def _compact(values: np.ndarray, typecode: str) -> array:
    """A numpy array as an :mod:`array` array of the same values."""
    out = array(typecode)
    out.frombytes(values.astype(np.float64 if typecode == "d" else np.int64).tobytes())
    return out


def _groups(labels: np.ndarray) -> list[list[int]]:
    """Member ids per label, for labels 0..max."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(labels.max() + 2))
    return [order[bounds[k]:bounds[k + 1]].tolist() for k in range(labels.max() + 1)]
