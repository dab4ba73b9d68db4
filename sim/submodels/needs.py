"""Needs arising, and residents seeking help (ODD 7.2, 7.3).

Needs are drawn ahead, a year at a time, from the ``needs`` stream alone: who
has a need, when, of what kind and urgency, and each need's own uniform draws.
No policy touches that stream, so two scenarios run with one seed meet the same
needs with the same luck, and their difference is low-noise (common random
numbers). Older and vulnerable residents have needs more often (DOMAIN.md).

A resident then voices the need or not (reluctance to ask, vraagverlegenheid),
asks their own network first as policy expects, and moves on to the volunteer
initiative, a meeting place and formal help in turn when a route fails.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from ..streams import expo, generator
from ..vocabulary import (
    BYSTANDER_STATES,
    COMPLEX,
    N_U,
    RESIDENT,
    SIMPLE_KINDS,
    TRIED_FORMAL,
    TRIED_INITIATIVE,
    TRIED_PLACE,
    U_DELAY,
    U_PLACE,
    U_ROUTE,
    U_TIE,
    U_TRUST,
    U_VOICE,
    Need,
)
from .bystander import DIRECT, TIE

#: Needs are drawn this many days at a time.
CHUNK_DAYS = 365


class Seeking:
    """Needs arising (pre-drawn) and the resident's search for help."""

    def __init__(self, model) -> None:
        self.m = model
        self.s = model.scenario
        self.residents = model.residents
        self.schedule = model.calendar.schedule
        rates = self.rates_per_day()
        self._rate_total = float(rates.sum())
        self._rate_p = rates / self._rate_total if self._rate_total > 0 else rates
        self._chunks_made = 0
        self.chunk_days = CHUNK_DAYS  # the warm start's pilot draws only the days it runs
        # the current chunk's pre-drawn needs (times, residents, kinds, urgencies,
        # uniforms), scheduled day by day from index _next_arrival
        self._arrivals: tuple = ([], [], [], [], memoryview(np.empty(0)))
        self._next_arrival = 0
        model.calendar.on({"arise": self.on_arise, "ask": self.on_ask,
                           "patience": self.on_patience})

    def rates_per_day(self) -> np.ndarray:
        """Each resident's daily rate of new needs, higher for older and vulnerable residents."""
        nd, r = self.s.needs, self.residents
        age_factor = np.array([1.0, nd.rate_factor_65_79, nd.rate_factor_80_plus])[r.age]
        vuln = np.where(r.vulnerable, nd.rate_factor_vulnerable, 1.0)
        return nd.rate_per_resident_year / 365.0 * age_factor * vuln

    # --- arrivals (pre-drawn, policy independent) ---------------------------------------

    def _make_chunk(self) -> None:
        """Draw the needs of the next ``chunk_days`` from the ``needs`` stream of that chunk."""
        c = self._chunks_made
        rng = generator(self.m.seed, *self.m.needs_stream, c)
        nd = self.s.needs
        days = self.chunk_days
        count = rng.poisson(self._rate_total * days) if self._rate_total > 0 else 0
        times = np.sort(rng.uniform(c * days, (c + 1) * days, size=count))
        who = rng.choice(self.residents.n, size=count, p=self._rate_p) if count else []
        ks = nd.kind_shares
        kinds = rng.choice(4, size=count, p=_norm([ks.practical, ks.social, ks.ongoing,
                                                   ks.complex]))
        us = nd.urgency_shares
        urg = rng.choice(3, size=count, p=_norm([us.low, us.medium, us.high]))
        u = memoryview(rng.random((count, N_U)).reshape(-1))
        self._arrivals = (times.tolist(), np.asarray(who).tolist(), kinds.tolist(), urg.tolist(), u)
        self._next_arrival = 0
        self._chunks_made += 1

    def schedule_arrivals(self, until: float) -> None:
        """Schedule the pre-drawn needs arising before ``until``.

        A need reads its uniforms through a view of its row of the chunk's array: one
        small object instead of twenty floats and a list, which indexes as fast
        and keeps a large neighbourhood's open needs in the processor's cache.
        """
        while True:
            times, who, kinds, urg, u = self._arrivals
            i = self._next_arrival
            j = bisect.bisect_left(times, until, lo=i)
            for k in range(i, j):
                self.schedule(times[k], "arise", (who[k], kinds[k], urg[k],
                                                  u[k * N_U:(k + 1) * N_U]))
            self._next_arrival = j
            if j < len(times) or self._chunks_made * self.chunk_days >= until:
                return
            self._make_chunk()

    def on_arise(self, payload) -> None:
        """A pre-drawn need arises now."""
        rid, kind, urg, u = payload
        self.new_need(rid, kind, urg, u)

    # --- a need arises and the resident seeks help --------------------------------------

    def new_need(self, rid: int, kind: int, urg: int, u: Sequence[float], repeat_of: int = -1
                 ) -> Need:
        """A new request: the household knows; the resident may voice it, after a delay.

        A repeat request (an overloaded case that came back, 7.11) goes straight to
        formal access.
        """
        m, s = self.m, self.s
        need = self.record(rid, kind, urg, u, "need arises" if repeat_of < 0 else "repeat request",
                           repeat_of)
        reluct = self.residents.reluctance_ask[rid]
        if repeat_of >= 0:
            m.access.enter(need, "repeat")
            return need
        if s.informal.enabled:
            for j in self.residents.household_members[self.residents.household[rid]]:
                if j != rid:
                    need.aware[j] = TIE
            need.n_aware_max = len(need.aware)
        m.noticing.reschedule(need)
        if u[U_VOICE] < s.seeking.p_voice * (1.0 - reluct):
            delay = s.seeking.ask_delay_days_mean * (1.0 + reluct) * expo(u[U_DELAY])
            if delay > 0:
                self.schedule(m.now + delay, "ask", (need, need.route_step))
            else:
                self.first_ask(need)
        return need

    def record(self, rid: int, kind: int, urg: int, u: Sequence[float], step: str,
               repeat_of: int = -1, clocks: bool = True) -> Need:
        """A new request's record, unvoiced, with its clocks of escalation and withdrawal
        started unless ``clocks`` is false; the caller routes it (a request of the warm
        start's pre-history, ODD 5, goes straight to the wijkteam's queue)."""
        m = self.m
        need = Need(next(m.need_ids), rid, kind, urg, m.now, u, repeat_of)
        need.network_size = len(self.residents.ties[rid])
        m.needs.append(need)
        m.transition(need, step, "unvoiced", RESIDENT + rid)
        if clocks:
            m.escalation.start(need, self.residents.reluctance_ask[rid])
        return need

    def on_ask(self, payload) -> None:
        """The resident's delay is over: the first request, unless things moved on."""
        need, step = payload
        if need.state in BYSTANDER_STATES and step == need.route_step:
            self.first_ask(need)

    def first_ask(self, need: Need) -> None:
        """Ask one's own network first (a direct, personal request), or the next route."""
        m, s = self.m, self.s
        ties = self.residents.ties[need.resident]
        if (s.informal.enabled and need.kind != COMPLEX and ties
                and need.u[U_ROUTE] < s.seeking.share_network_first):
            ordered = sorted(ties)
            who = ordered[int(need.u[U_TIE] * len(ordered))]
            need.aware[who] = need.aware.get(who, 0) | DIRECT | TIE
            need.n_aware_max = max(need.n_aware_max, len(need.aware))
            m.transition(need, "asks a tie", "asking", RESIDENT + who)
            m.noticing.reschedule(need)
            self.schedule(m.now + s.seeking.patience_days, "patience", (need, need.route_step))
        else:
            self.next_route(need)

    def on_patience(self, payload) -> None:
        """No answer on this route in time: the resident tries the next."""
        need, step = payload
        if step == need.route_step and need.state in ("asking", "matching", "place"):
            self.next_route(need)

    def next_route(self, need: Need) -> None:
        """Try the next route not yet tried: initiative, meeting place, formal access."""
        m, s, u = self.m, self.s, need.u
        if m.volunteering.pool and need.kind in SIMPLE_KINDS and not need.tried & TRIED_INITIATIVE:
            m.volunteering.ask(need)
        elif (m.meeting.places and need.kind != COMPLEX and not need.tried & TRIED_PLACE
              and m.meeting.place_of[need.resident] >= 0
              and u[U_PLACE] < s.meeting_places.p_ask_at_place):
            m.meeting.ask(need, m.meeting.places[m.meeting.place_of[need.resident]])
        elif not need.tried & TRIED_FORMAL and u[U_TRUST] < self.residents.trust[need.resident]:
            m.access.enter(need, "asks formal help")
        else:
            m.transition(need, "stops asking", "unvoiced", RESIDENT + need.resident)
            m.noticing.reschedule(need)


def _norm(shares: list[float]) -> np.ndarray:
    """Shares scaled to sum to 1."""
    a = np.asarray(shares, dtype=float)
    return a / a.sum()
