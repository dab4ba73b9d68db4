"""The elephant in the room: one need that several people see, and who acts.

Two tools for trainers, both built on the shared diffusion rule
:func:`sim.submodels.bystander.p_act` (the same rule the neighbourhood model uses):

* :class:`ElephantDemo` steps a single need day by day, so a dashboard can show
  who is aware, each person's chance to act today, and the day somebody finally
  acts. Switches show what a direct personal request, a named owner or
  familiarity with the person in need change.
* :func:`elephant_table` is the Monte Carlo behind ``samenspel elephant``: for a
  list of group sizes, how often one person acts on the first day, how often
  anyone does, and how long the need waits; with diffusion of responsibility on
  and, for contrast, off.

One day of the demo stands for the window of the Darley & Latané (1968) study
("reported before the end of the fit"): the preset ``validation/darley_latane``
(``p_act_day = 0.85``, ``diffusion_t = 0.6``) gives a first-day individual share of
0.85 / 0.56 / 0.32 for 1 / 2 / 5 people aware, against their 0.85 / 0.62 / 0.31
(:data:`sim.theory.DARLEY_LATANE_1968`).

Every aware person decides each day independently of the others; only the chance
they act depends on how many are aware (``n``, counting themself) and on their
flags. The need is answered on the first day anyone acts.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .params import Bystander
from .scenario import InputError, check_int
from .streams import generator, scalar
from .submodels.bystander import DIRECT, OWNER, TIE, p_act

__all__ = ["MAX_BYSTANDERS", "MAX_TRIALS", "ElephantDemo", "bystander_flags", "elephant_table"]

#: Largest group the demo and the table accept.
MAX_BYSTANDERS = 10_000
#: Most Monte Carlo trials per group size.
MAX_TRIALS = 10_000_000
#: Longest horizon of the table, in days (the scenario horizon's upper limit).
MAX_HORIZON_DAYS = 36_500

_WHERE = "elephant"
#: Uniform draws per vectorised block (trials x bystanders), to bound memory.
_BLOCK = 1 << 21

HISTORY_COLUMNS = ("day", "bystander", "direct", "owner", "tie", "flags", "n_aware",
                   "p_act", "acted", "answered")


def bystander_flags(n_bystanders: int, direct_request: bool = False, named_owner: bool = False,
                    familiar: bool = False) -> list[int]:
    """The :mod:`sim.bystander` flags of each of ``n_bystanders`` people aware of the need.

    ``direct_request``: the person in need asks bystander 0 directly (DIRECT).
    ``named_owner``: the last bystander (index ``n - 1``; bystander 0 when alone) is the
    named owner (OWNER), so with both switches and two or more people the one asked
    and the owner are different people. ``familiar``: everyone knows the person in
    need (TIE).
    """
    flags = [TIE if familiar else 0] * n_bystanders
    if direct_request:
        flags[0] |= DIRECT
    if named_owner:
        flags[-1] |= OWNER
    return flags


class ElephantDemo:
    """One need seen by ``n_bystanders`` people, stepped one day at a time.

    ``p1`` is what a person would do alone on a day (default ``rule.p_act_day``).
    Each bystander draws from their own stream (``elephant``, 0, index), so with
    one seed the same people see the same draws whatever the switches are: turning
    on a direct request can only make the need answered sooner, never later.

    State for a UI: ``day`` (days simulated, 0 before the first step), ``answered``,
    ``answered_day`` (1 = the first day; ``None`` while open), ``acted`` (indices of
    the bystanders who acted on the last simulated day), ``bystanders`` (one dict
    per person: index, flags, direct, owner, tie, p_today, acted) and ``history``
    (a tidy frame, one row per bystander per day). Once answered, ``step()``
    changes nothing.
    """

    def __init__(self, rule: Bystander, n_bystanders: int, seed: int = 0,
                 direct_request: bool = False, named_owner: bool = False,
                 familiar: bool = False, p1: float | None = None):
        _check_rule(rule)
        self.n_bystanders = check_int(_WHERE, "n_bystanders", n_bystanders, 1, MAX_BYSTANDERS)
        self.seed = check_int(_WHERE, "seed", seed, 0)
        for name, value in (("direct_request", direct_request), ("named_owner", named_owner),
                            ("familiar", familiar)):
            if not isinstance(value, bool):
                raise InputError(_WHERE, name, value, "must be true or false")
        self.rule = rule
        self.direct_request, self.named_owner, self.familiar = (
            direct_request, named_owner, familiar)
        self.p1 = _check_p1(rule.p_act_day if p1 is None else p1)
        self.flags = bystander_flags(self.n_bystanders, direct_request, named_owner, familiar)
        n = self.n_bystanders
        self.p = [p_act(rule, n, f, self.p1) for f in self.flags]
        self._rngs = [scalar(self.seed, "elephant", 0, i) for i in range(n)]
        self.day = 0
        self.answered = False
        self.answered_day: int | None = None
        self.acted: list[int] = []
        self._rows: list[tuple] = []

    @property
    def p_any_day(self) -> float:
        """Chance that at least one bystander acts on a day while the need is open."""
        return -math.expm1(sum(math.log1p(-p) if p < 1 else -math.inf for p in self.p))

    @property
    def bystanders(self) -> list[dict[str, Any]]:
        """One record per bystander: index, flags, direct, owner, tie, p_today, acted."""
        acted = set(self.acted)
        return [{"index": i, "flags": f, "direct": bool(f & DIRECT), "owner": bool(f & OWNER),
                 "tie": bool(f & TIE), "p_today": p, "acted": i in acted}
                for i, (f, p) in enumerate(zip(self.flags, self.p, strict=True))]

    def step(self) -> bool:
        """Advance one day; returns False (and changes nothing) once the need is answered."""
        if self.answered:
            return False
        self.day += 1
        n = self.n_bystanders
        acted = [i for i, (rng, p) in enumerate(zip(self._rngs, self.p, strict=True))
                 if rng.random() < p]
        self.acted = acted
        if acted:
            self.answered, self.answered_day = True, self.day
        did = set(acted)
        for i, (f, p) in enumerate(zip(self.flags, self.p, strict=True)):
            self._rows.append((self.day, i, bool(f & DIRECT), bool(f & OWNER), bool(f & TIE), f,
                               n, p, i in did, self.answered))
        return True

    def run(self, max_days: int) -> int | None:
        """Step until the need is answered or ``max_days`` have passed; the answered day."""
        check_int(_WHERE, "max_days", max_days, 0, MAX_HORIZON_DAYS)
        while not self.answered and self.day < max_days:
            self.step()
        return self.answered_day

    def state(self) -> dict[str, Any]:
        """Everything a UI shows, as plain JSON-ready values."""
        return {"day": self.day, "answered": self.answered, "answered_day": self.answered_day,
                "acted": list(self.acted), "n_bystanders": self.n_bystanders,
                "p_any_day": self.p_any_day, "bystanders": self.bystanders}

    @property
    def history(self) -> pd.DataFrame:
        """One row per bystander per simulated day: who could act, with what chance, who did."""
        cols = list(zip(*self._rows, strict=True)) if self._rows else [()] * len(HISTORY_COLUMNS)
        dtypes = ("int64", "int64", "bool", "bool", "bool", "int64", "int64", "float64", "bool",
                  "bool")
        return pd.DataFrame({name: np.array(col, dtype=dt)
                             for name, col, dt in zip(HISTORY_COLUMNS, cols, dtypes, strict=True)})


def elephant_table(rule: Bystander, bystanders: Sequence[int], trials: int, seed: int,
                   horizon_days: int = 30, *, p1: float | None = None,
                   direct_request: bool = False, named_owner: bool = False,
                   familiar: bool = False) -> dict[str, list[dict[str, float]]]:
    """Monte Carlo of one need seen by ``n`` people, for each ``n`` in ``bystanders``.

    Returns ``{"diffusion": rows, "independent": rows}``, one row per group size:
    ``{"bystanders": n, "p_individual": x, "p_any": x, "delay_days_mean": x}``.
    "diffusion" uses ``rule`` with diffusion of responsibility on; "independent" the
    same rule with it off (``dataclasses.replace(rule, diffusion=False)``), so each
    person acts with ``p1`` whatever ``n`` is. Each person's daily chance comes from
    :func:`sim.submodels.bystander.p_act` with ``p1`` (default ``rule.p_act_day``) and their
    flags (see :func:`bystander_flags`; all off by default).

    Definitions, over ``trials`` independent trials per group size:

    * ``p_individual``: share of the bystander decisions on day 1 that were "act", the
      per-person chance on the first day; what Darley & Latané (1968) measured as
      "reported before the end of the fit".
    * ``p_any``: share of trials in which anyone acted on day 1.
    * ``delay_days_mean``: mean over trials of the day the need was first answered
      (1 = the first day); a trial still unanswered after ``horizon_days`` counts as
      ``horizon_days``, so the mean is censored at the horizon.

    Every person decides every day with the same chance until someone acts, so a
    person's first acting day is geometric; it is drawn by inversion of one uniform
    per person and trial (acting on day 1 exactly when the uniform is below the
    chance). Both modes and every flag setting use the same draws (stream
    ``elephant``, ``n``), which keeps their differences free of sampling noise.
    """
    _check_rule(rule)
    sizes = _check_sizes(bystanders)
    trials = check_int(_WHERE, "trials", trials, 1, MAX_TRIALS)
    seed = check_int(_WHERE, "seed", seed, 0)
    horizon_days = check_int(_WHERE, "horizon_days", horizon_days, 1, MAX_HORIZON_DAYS)
    p1 = _check_p1(rule.p_act_day if p1 is None else p1)
    modes = {"diffusion": dataclasses.replace(rule, diffusion=True),
             "independent": dataclasses.replace(rule, diffusion=False)}
    out: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    for n in sizes:
        flags = bystander_flags(n, direct_request, named_owner, familiar)
        for mode, r in modes.items():
            p = np.array([p_act(r, n, f, p1) for f in flags], dtype=float)
            acts, any_day1, delay_sum = _simulate(p, trials, generator(seed, "elephant", n),
                                                  horizon_days)
            out[mode].append({"bystanders": n, "p_individual": acts / (trials * n),
                              "p_any": any_day1 / trials, "delay_days_mean": delay_sum / trials})
    return out


def _simulate(p: np.ndarray, trials: int, rng: np.random.Generator, horizon: int
              ) -> tuple[int, int, float]:
    """Day-1 acts, trials answered on day 1, and the sum of (censored) answer days."""
    n = len(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_stay = np.log1p(-p)  # log of the daily chance not to act; -inf when p == 1
    acts = any_day1 = 0
    delay_sum = 0.0
    block = max(1, _BLOCK // n)
    for start in range(0, trials, block):
        rows = min(block, trials - start)
        v = 1.0 - rng.random((rows, n))  # in (0, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            first = np.floor(np.log(v) / log_stay) + 1.0  # geometric first acting day
        first = np.where(p >= 1.0, 1.0, np.where(p <= 0.0, np.inf, first))
        day1 = first == 1.0
        acts += int(day1.sum())
        any_day1 += int(day1.any(axis=1).sum())
        delay_sum += float(np.minimum(first.min(axis=1), horizon).sum())
    return acts, any_day1, delay_sum


# --- checks -----------------------------------------------------------------------


def _check_rule(rule: Any) -> None:
    if not isinstance(rule, Bystander):
        raise InputError(_WHERE, "rule", type(rule).__name__,
                         "must be a sim.params.Bystander (scenario.bystander)")


def _check_p1(p1: Any) -> float:
    ok = isinstance(p1, numbers.Real) and not isinstance(p1, bool)
    if not ok or not math.isfinite(p1) or not 0.0 <= p1 <= 1.0:
        raise InputError(_WHERE, "p1", p1, "must be a probability from 0 to 1")
    return float(p1)


def _check_sizes(bystanders: Any) -> list[int]:
    allowed = (f"must be a non-empty list of distinct integers from 1 to {MAX_BYSTANDERS}, "
               "e.g. [1, 2, 5, 10]")
    if isinstance(bystanders, str | bytes) or not isinstance(bystanders, Sequence) \
            or not bystanders:
        raise InputError(_WHERE, "bystanders", bystanders, allowed)
    for n in bystanders:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) \
                or not 1 <= n <= MAX_BYSTANDERS:
            raise InputError(_WHERE, "bystanders", list(bystanders), allowed)
    if len(set(bystanders)) != len(bystanders):
        raise InputError(_WHERE, "bystanders", list(bystanders), allowed)
    return [int(n) for n in bystanders]
