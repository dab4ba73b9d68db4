"""Named random streams (common random numbers).

Each part of the model draws from its own stream, derived from the run seed and
the stream's name. Who lives in the neighbourhood and which needs arise come from
streams that no policy touches, so two scenarios run with one seed see the same
residents and the same needs, and their difference is low-noise.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

#: Every stream the model uses; a new stream gets a new name, never a reused one.
NAMES = ("population", "needs", "bystander", "meeting", "volunteers", "wijkteam", "elephant",
         "crisis", "ownership", "volunteer_traits", "warmstart", "outreach_hidden")


def _key(name: str) -> int:
    if name not in NAMES:
        raise KeyError(f"unknown random stream {name!r}; known: {', '.join(NAMES)}")
    return zlib.crc32(name.encode())


def seed_sequence(seed: int, name: str, *extra: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(_key(name), *extra))


def generator(seed: int, name: str, *extra: int) -> np.random.Generator:
    """A numpy Generator for vectorised draws of one named stream."""
    return np.random.default_rng(seed_sequence(seed, name, *extra))


#: Last spawn-key word of a stream's stdlib twin, so it never shares seed words
#: with the numpy generator of the same name.
_STDLIB = 0xFFFFFFFF


def scalar(seed: int, name: str, *extra: int) -> random.Random:
    """A fast stdlib generator for one-at-a-time draws in hot loops."""
    state = seed_sequence(seed, name, *extra, _STDLIB).generate_state(4, dtype=np.uint64)
    return random.Random(int.from_bytes(state.tobytes(), "little"))


def expo(u: float) -> float:
    """An Exp(1) draw from a uniform in [0, 1): how a need's own uniforms become durations."""
    return -math.log1p(-u)


def geometric(u: float, q: float) -> int:
    """Days until the first success of daily trials with probability ``q`` (1, 2, ...)."""
    if q >= 1.0:
        return 1
    return 1 + int(math.log1p(-u) / math.log1p(-q))


def trial_time(rng: random.Random, now: float, q: float) -> float:
    """When daily trials of chance ``q``, from the day after ``now``, first succeed: that
    day plus a uniform moment inside it (two draws of ``rng``)."""
    return math.floor(now) + geometric(rng.random(), q) + rng.random()


def poisson_copies(rng: np.random.Generator, items: list, weights: list[float], t0: float,
                   t1: float, n_u: int,
                   keep: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
                   ) -> list[tuple[float, Any, memoryview]]:
    """Arrivals on [t0, t1) as a Poisson process of rate ``sum(weights)`` per day, each a
    copy of one of ``items`` (chosen in proportion to its weight) with ``n_u`` fresh
    uniforms: ``(time, item, uniforms)`` in time order.

    The k-th arrival always uses the k-th draws of ``rng`` (its gap, its pick, its
    uniforms, drawn in blocks of a fixed size), so two policies run with one seed get
    alike arrivals, spaced by their own rates (common random numbers). The uniforms are a
    writable view of the arrival's row of its block, as a need's are (``Seeking``).
    ``keep(times, picks, uniforms)``, given a block's arrivals as arrays (the items'
    indices, a row of uniforms each), says which to make: a thinned pre-history decides
    for a whole block at once and makes only the copies it keeps, which costs less than
    making every copy and deciding one by one.
    """
    rate = float(sum(weights))
    if rate <= 0 or t1 <= t0 or not items:
        return []
    cumulative = np.cumsum(weights) / rate
    cumulative[-1] = 1.0  # a uniform below 1 picks an item even if the sum rounded below 1
    out: list[tuple[float, Any, memoryview]] = []
    t = t0
    while True:
        times = rng.exponential(size=_BLOCK) / rate
        picks = np.searchsorted(cumulative, rng.random(_BLOCK), side="right")
        block = rng.random(_BLOCK * n_u)
        times[0] += t  # the arrival times, added one after another as a loop would
        np.add.accumulate(times, out=times)
        n = _BLOCK if times[-1] < t1 else int(np.searchsorted(times, t1))  # those before t1
        if not n:
            return out
        made = range(n)
        if keep is not None:
            made = np.flatnonzero(keep(times[:n], picks[:n],
                                       block[:n * n_u].reshape(n, n_u))).tolist()
        u, at, which = memoryview(block), times.tolist(), picks.tolist()
        out.extend((at[k], items[which[k]], u[k * n_u:(k + 1) * n_u]) for k in made)
        if n < _BLOCK:
            return out
        t = at[-1]


#: Arrivals drawn at a time by :func:`poisson_copies`.
_BLOCK = 64
