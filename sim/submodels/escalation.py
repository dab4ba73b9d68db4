"""Escalation, crisis and withdrawal of needs left unanswered (ODD 7.12).

Unanswered needs grow worse and can end in a crisis (the seed, DOMAIN.md): urgency
rises a level after an exponential time with the level's mean, and a high-urgency
need becomes a crisis, which goes to the crisis service (crisis.py) or, without one, to
the back of the wijkteam's list. Residents
also give up on a need that stays unanswered, sooner the more reluctant they are
to ask. Giving up does not make every need go away: a share ``p_need_persists``
stays, hidden, and keeps growing worse (the seed's residents who stop asking and
are next seen in a crisis); only outreach can find it (outreach.py). The times and
whether a need stays come from the need's own uniforms, so they are the same under
every policy (common random numbers).
"""

from __future__ import annotations

import math

import numpy as np

from ..streams import expo, poisson_copies
from ..vocabulary import (
    BEGUN,
    CRISIS,
    CRISIS_SERVICE,
    HIDDEN,
    HIGH,
    N_U,
    RESIDENT,
    U_ESC_LOW,
    U_PERSIST,
    U_WITHDRAW,
    UNANSWERED,
    URGENCIES,
    WITHDRAWS,
    WORSENING,
    Need,
)

#: More than the rounding of a sum of a few days' terms, far less than a day
_ROUNDING_DAYS = 1e-6


class Escalation:
    """Rising urgency, crises and residents giving up."""

    def __init__(self, model) -> None:
        self.m = model
        self.s = model.scenario
        self.schedule = model.calendar.schedule
        self.crises = 0
        #: the warm start's pilot sets this to record the needs given up on outside a team
        #: and the crisis service and left hidden: need id -> (need, day, urgency, patience
        #: uniform) of its first giving up (ODD 5)
        self.hides: dict[int, tuple[Need, float, int, float]] | None = None
        e, w = self.s.escalation, self.s.withdrawal
        self._days_mean = (e.low_to_medium_days, e.medium_to_high_days, e.high_to_crisis_days)
        self._escalates = e.enabled
        self._patience_days_mean = w.days_mean if w.enabled else None  # None: nobody gives up
        model.calendar.on({"escalate": self.on_escalate, "withdraw": self.on_withdraw,
                           "warm_hidden": self.on_warm_hidden})

    def warm_start(self, hides: list[tuple[int, int, int, float]], weights: list[float],
                   t0: float, t_full: float, rng) -> None:
        """The hidden needs' pre-history (ODD 5): from ``t0`` to day 0 residents give up on
        needs that stay hidden at the stationary rate of the pilot's (``hides``, with their
        weights per day: those given up outside a team, as (resident, kind, urgency when
        given up, patience uniform); a team's own come from its pre-history), each a copy
        of one of them with fresh uniforms but its patience: a crisis reopens the need and
        the resident's patience runs as long as it did the first time, which was short
        enough to give up (a fresh one would keep crises waiting for the service that in
        the stationary regime give up).

        While hidden, nothing but its own urgency and outreach touches a need, so each
        copy's course is known when it is drawn: its urgency rises by the rule's times
        (:meth:`_level_days`, from its uniforms) and outreach meets it on the day
        :meth:`Outreach.found_day` draws. Only what reaches day 0 or the crisis service
        is made: a copy that becomes a crisis before day 0 is made then, as the crisis
        service's copies are (or joins the team's list without the service); one found
        before day 0 and before its crisis is not followed (as the pre-history does with
        any need outreach finds, ``sim.warmstart``), nor one gone before ``t_full``
        (thinning, as the teams' pre-history does); one still hidden at day 0 is made when
        given up, with that day of outreach, and its urgency rises by the rules."""
        found_day, crisis_service = self.m.outreach.found_day, self.m.crisis.on
        urgencies = np.array([urgency for _, _, urgency, _ in hides], dtype=int)

        def may_last(times, picks, u):
            return times + self._days_to_crisis(urgencies[picks], u) >= t_full - _ROUNDING_DAYS

        for t, (rid, kind, urgency, patience), u in poisson_copies(rng, hides, weights, t0,
                                                                    0.0, N_U, may_last):
            u[U_WITHDRAW] = patience
            crisis = t
            for level in range(urgency, HIGH + 1):
                crisis += self._level_days(level, u)
            if crisis < t_full:
                continue
            found = found_day(t)
            if found < min(crisis, 0.0):
                continue
            if crisis >= 0.0:
                self.schedule(t, "warm_hidden", (rid, kind, urgency, u, found))
            elif crisis_service:
                self.schedule(crisis, "warm_crisis", (rid, kind, u))
            else:
                self.schedule(crisis, "warm_arrival", (rid, kind, HIGH, True, True, u))

    def on_warm_hidden(self, payload) -> None:
        """A resident of the pre-history gives up on a need that stays hidden past day 0:
        its urgency rises from now; its patience has run (a crisis starts it anew)."""
        rid, kind, urgency, u, found = payload
        need = self.m.seeking.record(rid, kind, urgency, u, BEGUN, clocks=False)
        self.withdraw(need, WITHDRAWS, stays=True, found_day=found)
        self._schedule(need, self.m.now)

    def start(self, need: Need, reluctance_ask: float) -> None:
        """A new need's clocks: when the resident gives up, when urgency first rises."""
        self._patience(need, reluctance_ask)
        if self._escalates:
            self._schedule(need, self.m.now)

    def _patience(self, need: Need, reluctance_ask: float) -> None:
        """When the resident gives up, from now."""
        days_mean = self._patience_days_mean
        if days_mean is not None:
            patience = expo(need.u[U_WITHDRAW]) * days_mean / (1.0 + reluctance_ask)
            self.schedule(self.m.now + patience, "withdraw", need)

    def reopen(self, need: Need) -> None:
        """A hidden need is back in view (a crisis, or outreach): it is open again, and
        the resident's patience runs anew, as long as it did the first time."""
        need.outcome, need.t_closed = "", math.nan
        self._patience(need, self.m.residents.reluctance_ask[need.resident])

    def _level_days(self, level: int, u) -> float:
        """Days a need stays at urgency ``level``: exponential with the level's mean, from
        its own uniform (the warm start predicts a hidden copy's course with it too)."""
        return self._days_mean[level] * expo(u[U_ESC_LOW + level])

    def _days_to_crisis(self, urgencies: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Days from these urgencies to a crisis, with these rows of uniforms: the sum of
        :meth:`_level_days` over the levels to come, for a whole block of the pre-history's
        copies at once. Summed in another order, so only to within rounding: the warm start
        uses it to spare making the copies that :meth:`_level_days` would surely drop."""
        days = np.asarray(self._days_mean) * -np.log1p(-u[:, U_ESC_LOW:U_ESC_LOW + HIGH + 1])
        return (days * (np.arange(HIGH + 1) >= urgencies[:, None])).sum(axis=1)

    def _schedule(self, need: Need, t: float) -> None:
        """When the need's urgency next rises, after an exponential time of its level's mean."""
        self.schedule(t + self._level_days(need.urgency, need.u), "escalate",
                      (need, need.urgency))

    def on_escalate(self, payload) -> None:
        """Urgency rises (a waiting case moves up under urgency triage), or a crisis."""
        need, level = payload
        if need.state not in WORSENING or need.urgency != level or need.crisis:
            return
        m = self.m
        if level < HIGH:
            need.urgency = level + 1
            m.events.log(need.id, f"urgency rises to {URGENCIES[level + 1]}", m.now,
                         RESIDENT + need.resident)
            if need.state == "waitlist" and m.wijkteam.triage_by_urgency \
                    and not math.isnan(need.t_queue):
                m.wijkteam.enqueue(need)
            self._schedule(need, m.now)
            return
        if need.state == HIDDEN:  # the need the resident gave up on is back, as a crisis
            self.reopen(need)
        need.crisis = True
        need.t_crisis = m.now
        self.crises += 1
        m.events.log(need.id, "crisis", m.now, RESIDENT + need.resident)
        if m.crisis.on:
            m.wijkteam.leave_waitlist(need)
            m.crisis.arrive(need)
        elif need.state not in ("intake", "waitlist"):
            need.route.append(CRISIS)
            m.wijkteam.arrive(need, CRISIS_SERVICE, contacted=True)

    def on_withdraw(self, need: Need) -> None:
        """The resident's patience is over: they give up if still unanswered."""
        if need.state in UNANSWERED:
            self.withdraw(need, WITHDRAWS)

    def withdraw(self, need: Need, step: str, stays: bool | None = None,
                 found_day: float | None = None) -> None:
        """The resident gives up (``step`` says how); the need itself may stay, hidden
        (``stays``: as its own uniform decides, unless given), until outreach finds it
        (on ``found_day``, drawn now unless given)."""
        m = self.m
        m.wijkteam.leave_waitlist(need)
        need.outcome = "withdrawn"
        need.t_closed = m.now
        if stays is None:
            stays = self.s.escalation.enabled \
                and need.u[U_PERSIST] < self.s.withdrawal.p_need_persists
        m.transition(need, step, HIDDEN if stays else "withdrawn", RESIDENT + need.resident)
        if stays:
            m.outreach.look_for(need, found_day)
            if self.hides is not None and math.isnan(need.t_intake) and not need.crisis:
                self.hides.setdefault(need.id, (need, m.now, need.urgency,
                                                need.u[U_WITHDRAW]))
