"""Closed-form reference results the simulation is validated against.

The agent-based model is too rich to have an exact solution, but its special cases
do: with all behavioural detail switched off, a wijkteam is an M/M/c queue, a
triaged waiting list is a non-preemptive priority queue, and a single bystander's
choice is the one studied by Darley & Latané (1968), Latané's social impact theory
and Diekmann's volunteer's dilemma. The validation experiments run those special
cases and compare the simulated numbers with the functions in this module, so the
functions must be independent of the simulation code and easy to check by hand.

Sources (see ``../shared/DOMAIN.md``, "Numbers for defaults and validation"):

* Erlang B / Erlang C and the M/M/c waiting-time distribution: any queueing text,
  e.g. Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*, ch. 2.
* Non-preemptive priority M/M/c with equal service rates: Cobham (1954),
  "Priority assignment in waiting line problems", *Operations Research* 2(1).
* Social impact: Latané (1981), "The psychology of social impact", *American
  Psychologist* 36(4); individual helping probability ``p(n) = p1 * n**-t``.
* Bystander data: Darley & Latané (1968), "Bystander intervention in emergencies:
  diffusion of responsibility", *JPSP* 8(4), the seizure-over-intercom study.
* Volunteer's dilemma: Diekmann (1985), "Volunteer's dilemma", *Journal of
  Conflict Resolution* 29(4).

Pure Python plus :mod:`math`; no SciPy, so the reference stays importable wherever
the simulation runs. Every function checks its arguments and raises
:class:`ValueError` naming the argument, the value and what is allowed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import NamedTuple

__all__ = [
    "DARLEY_LATANE_1968",
    "DarleyLatane1968Row",
    "erlang_b",
    "erlang_c",
    "fit_social_impact",
    "mmc_queue_length_mean",
    "mmc_wait_mean",
    "mmc_wait_tail",
    "p_any_independent",
    "priority_waits",
    "social_impact_p",
    "volunteers_dilemma",
]


# --------------------------------------------------------------------------- checks


def _int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def _real(
    name: str,
    value: object,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """Return ``value`` as a finite float inside the stated interval, else raise."""
    lo_txt = "-inf" if lo is None else f"{lo:g}"
    hi_txt = "inf" if hi is None else f"{hi:g}"
    left = "(" if lo_open or lo is None else "["
    right = ")" if hi_open or hi is None else "]"
    allowed = f"{left}{lo_txt}, {hi_txt}{right}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite number in {allowed}, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {allowed}, got {value!r}")
    too_low = lo is not None and (value <= lo if lo_open else value < lo)
    too_high = hi is not None and (value >= hi if hi_open else value > hi)
    if too_low or too_high:
        raise ValueError(f"{name} must be in {allowed}, got {value!r}")
    return value


def _stable_rho(c: int, a: float) -> float:
    """Utilisation ``rho = a/c``; raise unless the queue is stable (rho < 1)."""
    rho = a / c
    if rho >= 1.0:
        raise ValueError(
            f"queue is unstable: utilisation rho = a/c = {a:g}/{c} = {rho:g} must be < 1 "
            "(offered load a = arrival_rate/service_rate must be below the number of servers c)"
        )
    return rho


def _mmc_args(arrival_rate: float, service_rate: float, c: int) -> tuple[float, float, int]:
    lam = _real("arrival_rate", arrival_rate, lo=0.0)
    mu = _real("service_rate", service_rate, lo=0.0, lo_open=True)
    c = _int("c", c, 1)
    _stable_rho(c, lam / mu)
    return lam, mu, c


# --------------------------------------------------------------------------- queues


def erlang_b(c: int, a: float) -> float:
    """Erlang B: blocking probability of an M/M/c/c loss system with offered load ``a``.

    ``B(c, a) = (a**c / c!) / sum_{k=0..c} a**k / k!``, computed with the stable
    recursion ``B_0 = 1``, ``B_k = a * B_(k-1) / (k + a * B_(k-1))``, which never
    forms ``a**c`` or ``c!`` and so neither overflows nor loses precision for large
    ``c``. Used here mainly as the stable route to :func:`erlang_c`.

    ``c`` servers (integer >= 1), ``a = lambda / mu`` (>= 0, any size: a loss
    system is always stable).
    """
    c = _int("c", c, 1)
    a = _real("a (offered load)", a, lo=0.0)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival to an M/M/c queue has to wait.

    ``C(c, a) = B / (1 - rho * (1 - B))`` with ``B = erlang_b(c, a)`` and
    ``rho = a / c``; equal to the textbook direct sum
    ``(a**c/c!) / (1-rho) / (sum_{k<c} a**k/k! + (a**c/c!) / (1-rho))``.
    Requires a stable queue, ``rho < 1``. For ``c = 1`` it reduces to ``rho``.
    """
    c = _int("c", c, 1)
    a = _real("a (offered load)", a, lo=0.0)
    rho = _stable_rho(c, a)
    b = erlang_b(c, a)
    return b / (1.0 - rho * (1.0 - b))


def mmc_wait_mean(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean time in queue (before service starts) of an M/M/c queue, FIFO.

    ``Wq = C(c, a) / (c * mu - lambda)`` with ``a = lambda / mu``; in the time unit
    of the rates' reciprocal. For ``c = 1``: ``Wq = rho / (mu - lambda)``.
    """
    lam, mu, c = _mmc_args(arrival_rate, service_rate, c)
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_wait_tail(arrival_rate: float, service_rate: float, c: int, t: float) -> float:
    """Probability that the wait in an M/M/c FIFO queue exceeds ``t``.

    ``P(Wq > t) = C(c, a) * exp(-(c * mu - lambda) * t)`` for ``t >= 0``: with
    probability ``1 - C`` there is no wait at all, otherwise the wait is exponential
    with rate ``c * mu - lambda``. Used for "share waiting longer than the norm".
    """
    lam, mu, c = _mmc_args(arrival_rate, service_rate, c)
    t = _real("t", t, lo=0.0)
    return erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * t)


def mmc_queue_length_mean(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean number waiting (not in service) in an M/M/c queue: ``Lq = lambda * Wq``.

    Little's law applied to the waiting line; equivalently ``C * rho / (1 - rho)``.
    """
    lam, mu, c = _mmc_args(arrival_rate, service_rate, c)
    return lam * mmc_wait_mean(lam, mu, c)


def priority_waits(arrival_rates: Sequence[float], service_rate: float, c: int) -> list[float]:
    """Mean queue wait per class of a non-preemptive priority M/M/c queue (Cobham 1954).

    Classes are served in priority order, class 0 the most urgent, FIFO within a
    class; a job in service is never interrupted; every class has the same service
    rate ``mu``. With ``sigma_k = sum_{i<=k} lambda_i / (c * mu)`` (``sigma_-1 = 0``)

        ``Wq_k = (C / (c * mu)) / ((1 - sigma_(k-1)) * (1 - sigma_k))``

    where ``C = erlang_c(c, sum(lambda) / mu)``. Zero-rate classes are allowed: their
    entry is the wait a (rare) arrival of that class would see. With equal service
    rates the arrival-weighted mean of the class waits equals the FIFO
    :func:`mmc_wait_mean` (Kleinrock's conservation law).
    """
    if isinstance(arrival_rates, str | bytes) or not isinstance(arrival_rates, Sequence):
        raise ValueError(f"arrival_rates must be a sequence of numbers, got {arrival_rates!r}")
    if len(arrival_rates) == 0:
        raise ValueError("arrival_rates must hold at least one class, got an empty sequence")
    rates = [_real(f"arrival_rates[{i}]", r, lo=0.0) for i, r in enumerate(arrival_rates)]
    total, mu, c = _mmc_args(math.fsum(rates), service_rate, c)
    capacity = c * mu
    w0 = erlang_c(c, total / mu) / capacity
    waits: list[float] = []
    sigma_prev = 0.0
    cumulative = 0.0
    for lam_k in rates:
        cumulative += lam_k
        sigma_k = cumulative / capacity
        waits.append(w0 / ((1.0 - sigma_prev) * (1.0 - sigma_k)))
        sigma_prev = sigma_k
    return waits


# ------------------------------------------------------------------- bystander effect


def social_impact_p(p1: float, n: int, t: float) -> float:
    """Individual helping probability with ``n`` people aware: ``p1 * n**(-t)``.

    Latané's (1981) social impact form: responsibility is divided over the ``n``
    people who know of the need (``n`` counts the person themself, so ``n = 1`` is
    alone and gives ``p1``). ``t = 0`` means no bystander effect, ``t = 1`` full
    diffusion (the group as a whole helps no more often than one person); the
    Darley & Latané (1968) data give ``t`` near 0.6 (:func:`fit_social_impact`).
    """
    p1 = _real("p1", p1, lo=0.0, hi=1.0)
    n = _int("n", n, 1)
    t = _real("t", t, lo=0.0)
    return p1 * n ** (-t)


def p_any_independent(p: float, n: int) -> float:
    """Probability that at least one of ``n`` independent people acts: ``1 - (1 - p)**n``.

    Combined with :func:`social_impact_p` this gives the chance that a need noticed
    by ``n`` people is picked up by anyone. ``n = 0`` (nobody aware) gives 0.
    """
    p = _real("p", p, lo=0.0, hi=1.0)
    n = _int("n", n, 0)
    return -math.expm1(n * math.log1p(-p)) if p < 1.0 else (1.0 if n > 0 else 0.0)


def volunteers_dilemma(cost_benefit_ratio: float, n: int) -> tuple[float, float]:
    """Symmetric mixed equilibrium of the volunteer's dilemma (Diekmann 1985).

    Each of ``n`` people gains ``U`` if anyone acts; acting costs the actor ``K``,
    ``r = K / U`` with ``0 < r < 1``. In the symmetric equilibrium each person is
    indifferent between acting (``U - K``) and waiting (``U`` times the chance that
    someone else acts), so the chance that none of the other ``n - 1`` act is ``r``:

    * ``q = P(a given person does not act) = r**(1/(n-1))``
    * ``P(nobody acts) = q**n = r**(n/(n-1))``, which rises with ``n``.

    Returns ``(q, P(nobody acts))``; requires ``n >= 2``.
    """
    r = _real("cost_benefit_ratio", cost_benefit_ratio, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    n = _int("n", n, 2)
    return r ** (1.0 / (n - 1)), r ** (n / (n - 1))


class DarleyLatane1968Row(NamedTuple):
    """One condition of Darley & Latané (1968), seizure over intercom.

    ``group_size`` counts the subject: ``group_size = others + 1``, the ``n`` of
    :func:`social_impact_p`. Shares are fractions of subjects (0..1); the latency is
    the mean time to report, in seconds.
    """

    others: int
    group_size: int
    reported_before_end_of_fit: float
    reported_eventually: float
    mean_latency_s: float


DARLEY_LATANE_1968: tuple[DarleyLatane1968Row, ...] = (
    DarleyLatane1968Row(0, 1, 0.85, 1.00, 52.0),
    DarleyLatane1968Row(1, 2, 0.62, 0.85, 93.0),
    DarleyLatane1968Row(4, 5, 0.31, 0.62, 166.0),
)
"""Darley & Latané (1968) by number of other bystanders 0 / 1 / 4 (group size 1 / 2 / 5).

Share who reported before the end of the fit 85 / 62 / 31 %, eventually
100 / 85 / 62 %, mean latency 52 / 93 / 166 s. Immutable (a tuple of NamedTuples).
"""


def fit_social_impact(sizes: Sequence[float], shares: Sequence[float]) -> tuple[float, float]:
    """Least-squares fit of ``share = p1 * n**(-t)`` on the log scale; returns ``(p1, t)``.

    Ordinary least squares of ``log(share) = log(p1) - t * log(n)``, unweighted.
    ``sizes`` are group sizes ``n >= 1`` (counting the helper), at least two
    distinct; ``shares`` are in ``(0, 1]``. On the Darley & Latané (1968) "before
    the end of the fit" shares at ``n = 1, 2, 5`` this gives ``t`` about 0.63 and
    ``p1`` about 0.89, the "t near 0.6" of ``../shared/DOMAIN.md``.
    """
    if len(sizes) != len(shares):
        raise ValueError(
            f"sizes and shares must have the same length, got {len(sizes)} and {len(shares)}"
        )
    xs = [math.log(_real(f"sizes[{i}]", n, lo=1.0)) for i, n in enumerate(sizes)]
    ys = [
        math.log(_real(f"shares[{i}]", s, lo=0.0, hi=1.0, lo_open=True))
        for i, s in enumerate(shares)
    ]
    if len(set(xs)) < 2:
        raise ValueError(f"sizes must hold at least two distinct group sizes, got {list(sizes)!r}")
    x_mean = math.fsum(xs) / len(xs)
    y_mean = math.fsum(ys) / len(ys)
    sxx = math.fsum((x - x_mean) ** 2 for x in xs)
    sxy = math.fsum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = y_mean - slope * x_mean
    return math.exp(intercept), -slope
