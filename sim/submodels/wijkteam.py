"""The wijkteam: teams, caseload slots, waiting lists, triage and overload (ODD 7.11).

Each professional holds at most ``caseload_max`` cases. The professionals form
``n_teams`` teams (Rotterdam has 43 wijkteams, Schiedam 6 WOTs, DOMAIN.md), each
serving its own area from its own waiting list; with exponential case durations
each team is an M/M/c queue and its waits can be checked against Erlang C (8.1).
Pooled teams take from one list, which shortens waits at the same capacity. Triage is the queue
discipline: first come first served, or non-preemptive urgency priority, where a
waiting case whose urgency rises moves up (Cobham's formula for the per-class
waits). A professional whose caseload goes above the overload threshold falls back
on routine (overvraging), gradually: the fuller the caseload, the longer the case
lasts and the likelier it comes back as a repeat request.

A request reaches its team first through an intake (``wijkteam.intake``): the first
contact, a conversation planned each morning up to the team's intake capacity, first
come first served. At the intake the professional refers a simple request on to
informal help or puts it on the team's list; a slot then brings a support plan, and
support follows the plan (the route request, intake, plan, support of Rotterdam's
norm and Schiedam's urgency check, DOMAIN.md). Without the intake stage a request is
taken in the moment it arrives, as an M/M/c queue assumes.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from statistics import NormalDist

import numpy as np

from ..streams import expo, generator, poisson_copies, scalar
from ..vocabulary import BEGUN, N_U, PROFESSIONAL, RESIDENT, SIMPLE_KINDS, U_PLAN, U_SVC, Need

_NORMAL = NormalDist()
_ERFC = np.frompyfunc(math.erfc, 1, 1)  # numpy has no erfc


class Team:
    """One team: its professionals, their slots and its own waiting list."""

    def __init__(self, professionals: list) -> None:
        self.professionals = professionals
        # (caseload, index) of every professional, least loaded first; stale entries
        # (a load that has changed since) are skipped when met
        self.by_load = [(0, p.index) for p in professionals]
        self.slots = 0
        self.slots_busy = 0
        self.waitlist: list[deque[Need]] = [deque() for _ in range(3)]  # by triage class
        self.waitlist_len = 0
        self.intake_queue: deque[Need] = deque()  # waiting for the first contact
        self.intakes_per_day = 0.0
        self.credit = 0.0  # unused fractional intake capacity carried to the next day


class Wijkteam:
    """The teams' slots, their waiting lists and the time spent on each case.

    ``wijkteam.n_teams`` teams each serve their own area (a run of consecutive
    blocks) from their own list; ``wijkteam.pooled`` lets them work as one team from
    one list, the pooling that shortens waits at the same capacity.
    """

    def __init__(self, model, make_professional) -> None:
        self.m = model
        w = self.w = model.scenario.wijkteam
        self.triage_by_urgency = model.scenario.access.triage == "urgency"
        self.schedule = model.calendar.schedule
        self.rng = scalar(model.seed, "wijkteam")
        self.rng_np = generator(model.seed, "wijkteam")
        self.professionals = [make_professional(j) for j in range(w.n_professionals)]
        n_teams = 1 if w.pooled else w.n_teams
        self.teams = [Team([p for p in self.professionals
                            if p.index * n_teams // max(w.n_professionals, 1) == k])
                      for k in range(n_teams)]
        for team in self.teams:
            team.slots = len(team.professionals) * w.caseload_max
            team.intakes_per_day = len(team.professionals) * w.intakes_per_professional_week / 7
        self._team_of_prof = [k for k, t in enumerate(self.teams) for _ in t.professionals]
        n_blocks = len(model.residents.block_members)
        self._team_of_block = [b * n_teams // n_blocks for b in range(n_blocks)]
        self.slots = w.n_professionals * w.caseload_max
        self.slots_busy = 0  # over all teams
        self.waitlist_len = 0  # over all teams
        self.waitlist_max = 0  # after the warm-up
        self._area_busy = 0.0
        self._area_wait = 0.0
        self._t_mark = model.stats_from
        # time on cases is what outreach leaves over (7.5)
        self.duration_scale = w.case_duration_days_mean / (1.0 - w.share_outreach)
        sigma = self._lognormal_sigma = math.sqrt(math.log1p(w.duration_cv ** 2))
        self._lognormal_shift = sigma ** 2 / 2  # for a mean of 1
        self._exponential = w.duration_distribution == "exponential"
        self._full_overload = 1.0 + w.overload_duration_factor  # a case's stretch at most
        self._factors = (w.duration_factor.practical, w.duration_factor.social,
                         w.duration_factor.ongoing, w.duration_factor.complex)
        model.calendar.on({"intake": self.on_intake, "plan": self.on_plan,
                           "case_end": self.on_case_end, "warm_arrival": self.on_warm_arrival})

    def team_index(self, need: Need) -> int:
        """Index of the team of the area where the resident lives."""
        return self._team_of_block[self.m.residents.block[need.resident]]

    def team_of(self, need: Need) -> Team:
        """The team of the area where the resident lives."""
        return self.teams[self.team_index(need)]

    def warm_start(self, arrivals: list[tuple[list[Need], list[float]]], t0: float,
                   t_full: float, rngs: list) -> None:
        """The teams' pre-history (ODD 5): from ``t0`` to day 0 requests arrive at team k as
        a Poisson process at the stationary rate measured in the pilot (``arrivals[k]``: the
        requests that reached it, with their weights per day), each a copy of one of
        those (resident, kind, urgency, crisis) with fresh uniforms; cases, waiting lists,
        overload and repeats then build up by the rules themselves, so what is in
        progress at day 0 is length-biased as in the stationary regime. Before ``t_full``
        only the arrivals whose plan and support, started at once, would outlast
        ``t_full`` are kept (thinning): the others would be over before the full-rate
        part begins, so the slots hold at ``t_full`` the length-biased cases of an
        infinite-server team, as a team's slots do in the stationary regime, at a small
        part of the cost. ``rngs``: one ``warmstart`` generator per team."""
        for (like, weights), rng in zip(arrivals, rngs, strict=True):
            kinds = np.array([need.kind for need in like])

            def outlast(times, picks, u, kinds=kinds):
                if times[0] >= t_full:  # the full-rate part
                    return times >= t_full
                return (times >= t_full) | self._outlast(kinds[picks], u, t_full - times)

            for t, need, u in poisson_copies(rng, like, weights, t0, 0.0, N_U, outlast):
                self.schedule(t, "warm_arrival", (need.resident, need.kind, need.urgency_intake,
                                                  need.crisis, u))

    def on_warm_arrival(self, payload) -> None:
        """A request of the pre-history reaches its team, as in its pilot's model."""
        rid, kind, urgency, crisis, u = payload
        need = self.m.seeking.record(rid, kind, urgency, u, BEGUN)
        if crisis:
            need.crisis, need.t_crisis = True, self.m.now
        self.arrive(need, RESIDENT + rid)

    def arrive(self, need: Need, resource: int) -> None:
        """A request reaches the team: it waits for the intake, or is taken in at once.

        One that comes back (found on outreach after its resident gave up on the list)
        is counted with this stay only."""
        m = self.m
        need.t_intake = m.now
        need.t_queue = need.t_left_queue = math.nan
        need.urgency_intake = need.urgency
        if self.w.intake:
            m.transition(need, "arrives at the wijkteam", "intake", resource)
            self.team_of(need).intake_queue.append(need)
        else:
            m.transition(need, "arrives at the wijkteam", "waitlist", resource)
            self.take_in(need, resource)

    def morning(self, d: int) -> None:
        """Each team plans the day's intakes, up to its capacity, first come first served."""
        for team in self.teams:
            if team.intake_queue:
                self.m.calendar.plan_day(team.intake_queue, team, team.intakes_per_day, d,
                                         "intake", "intake")

    def on_intake(self, payload) -> None:
        """The intake, held by the team's least-loaded professional."""
        need, team = payload
        if need.state != "intake":
            return
        m = self.m
        heap = team.by_load
        while len(self.professionals[heap[0][1]].cases) != heap[0][0]:  # a stale entry
            heapq.heappop(heap)
        m.transition(need, "intake", "waitlist", PROFESSIONAL + heap[0][1])
        self.take_in(need, PROFESSIONAL + heap[0][1])

    def _referrable(self, need: Need) -> bool:
        """A first, simple request that is no crisis may go to informal help."""
        return need.kind in SIMPLE_KINDS and need.repeat_of < 0 and not need.crisis

    def take_in(self, need: Need, resource: int) -> None:
        """First contact: referred on to informal help, a free slot, or the list. Before day
        0, in a warm start's pre-history where informal help does not run, a request referred
        on leaves the team and is not followed (ODD 5)."""
        m = self.m
        need.contact(m.now)
        if self._referrable(need) and m.referral.refer(need, "wijkteam", follow=m.now >= 0):
            if m.now < 0:
                need.t_closed = m.now
                m.transition(need, "referred on before day 0", "closed", resource)
            return
        self.join_queue(need)

    def join_queue(self, need: Need) -> None:
        """The request joins its team's queue: a free slot at once, or the waiting list."""
        m = self.m
        need.t_queue = m.now
        team = self.team_of(need)
        team.waitlist_len += 1
        self.waitlist_len += 1
        if team.slots_busy < team.slots:
            self._start_case(need, team)
        else:
            self.enqueue(need)
            if m.now >= m.stats_from:
                self.waitlist_max = max(self.waitlist_max, self.waitlist_len)

    def enqueue(self, need: Need) -> None:
        """Triage: one list for first come first served, one list per urgency otherwise."""
        self.team_of(need).waitlist[need.urgency if self.triage_by_urgency else 0].append(need)

    def _dequeue(self, team: Team) -> Need | None:
        """Next case: first come first served, or highest urgency first (non-preemptive).

        A case re-queued when its urgency rose is met again in its old class and
        skipped there.
        """
        for cls in (2, 1, 0):
            q = team.waitlist[cls]
            while q:
                need = q.popleft()
                if need.state == "waitlist" and (
                        cls == 0 and not self.triage_by_urgency or need.urgency == cls):
                    return need
        return None

    def _start_case(self, need: Need, team: Team) -> None:
        """A slot opens for ``need``: the team's least-loaded professional takes it."""
        m, w = self.m, self.w
        team.waitlist_len -= 1
        self.waitlist_len -= 1
        prof = self._least_loaded(team)
        need.overload = self.overload(len(prof.cases) + 1)
        team.slots_busy += 1
        self.slots_busy += 1
        prof.cases.add(need)
        need.queue_wait = m.now - need.t_queue
        need.t_left_queue = m.now
        plan_days, duration = self._case_days(need.kind, need.u)
        if need.overload > 0:
            duration *= 1.0 + w.overload_duration_factor * need.overload
        m.answer(need, "wijkteam", PROFESSIONAL + prof.index, state="in_care")
        if plan_days > 0:
            self.schedule(m.now + plan_days, "plan", (need, prof, duration))
        else:
            self.on_plan((need, prof, duration))

    def _case_days(self, kind: int, u) -> tuple[float, float]:
        """Days to make the support plan and days of support after it, from the need's own
        uniforms, before any overload."""
        return (self.w.plan_days_mean * expo(u[U_PLAN]),
                self.duration_scale * self._factors[kind] * self._base_duration(u[U_SVC]))

    def _outlast(self, kinds: np.ndarray, u: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Whether cases of these kinds, with these rows of uniforms, started at once, would
        last at least ``days`` at full overload: :meth:`_case_days` for a whole block of the
        pre-history's copies at once, to within rounding. The support is compared in its
        uniform's terms: its duration is at least x exactly when the uniform is at least
        the duration's distribution at x."""
        plan = self.w.plan_days_mean * -np.log1p(-u[:, U_PLAN])
        scale = self.duration_scale * self._full_overload * np.asarray(self._factors)[kinds]
        needed = days - plan  # days of support needed to outlast them
        with np.errstate(divide="ignore"):  # a kind without support: needs forever
            return (needed <= 0) | (u[:, U_SVC] >= self._base_cdf(needed / scale))

    def _base_cdf(self, x: np.ndarray) -> np.ndarray:
        """The chance that :meth:`_base_duration` is at most ``x``: 0 for x <= 0."""
        if self._exponential:
            return -np.expm1(-np.maximum(x, 0.0))
        z = (np.log(np.maximum(x, 1e-300)) + self._lognormal_shift) / self._lognormal_sigma
        return 0.5 * _ERFC(-z / math.sqrt(2.0)).astype(float)

    def on_plan(self, payload) -> None:
        """The support plan is agreed; support runs for the case's duration from now."""
        need, prof, duration = payload
        m = self.m
        need.t_plan = m.now
        m.events.log(need.id, "support plan", m.now, PROFESSIONAL + prof.index)
        self.schedule(m.now + duration, "case_end", (need, prof))

    def overload(self, cases: int) -> float:
        """Loss of case quality at this caseload (this case included): 0 up to the
        threshold share of ``caseload_max``, rising linearly to 1 at a full caseload."""
        share, threshold = cases / self.w.caseload_max, self.w.overload_threshold
        if share <= threshold:
            return 0.0
        return min(1.0, (share - threshold) / (1.0 - threshold))

    def _base_duration(self, u: float) -> float:
        """A case duration of mean 1 from the need's own uniform: exponential or lognormal."""
        if self._exponential:
            return expo(u)
        return math.exp(self._lognormal_sigma * _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
                        - self._lognormal_shift)

    def _least_loaded(self, team: Team):
        """The team's professional with the fewest cases (the lowest index among equals)."""
        heap = team.by_load
        while True:
            load, j = heapq.heappop(heap)
            prof = self.professionals[j]
            if len(prof.cases) == load:
                heapq.heappush(heap, (load + 1, j))
                if len(heap) > 4 * len(team.professionals):  # drop stale entries
                    heap[:] = [(len(p.cases) + (p is prof), p.index) for p in team.professionals]
                    heapq.heapify(heap)
                return prof

    def on_case_end(self, payload) -> None:
        """The case ends; its slot goes to the next on the list; overload may bring it back."""
        m = self.m
        need, prof = payload
        team = self.teams[self._team_of_prof[prof.index]]
        prof.cases.discard(need)
        heapq.heappush(team.by_load, (len(prof.cases), prof.index))
        team.slots_busy -= 1
        self.slots_busy -= 1
        need.t_closed = m.now
        m.transition(need, "case ends", "closed", PROFESSIONAL + prof.index)
        nxt = self._dequeue(team)
        if nxt is not None:
            self._start_case(nxt, team)
        if need.overload > 0 and self.rng.random() < self.w.overload_p_repeat * need.overload:
            m.seeking.new_need(need.resident, need.kind, need.urgency,
                              self.rng_np.random(N_U).tolist(), repeat_of=need.id)

    def leave_waitlist(self, need: Need) -> None:
        """A waiting request is gone (withdrawn, or to the crisis service) from the intake's
        queue or the list; its stale entry is skipped later."""
        if need.state == "intake":
            need.t_left_queue = self.m.now
        elif need.state == "waitlist" and not math.isnan(need.t_queue):
            self.team_of(need).waitlist_len -= 1
            self.waitlist_len -= 1
            need.t_left_queue = self.m.now

    # --- observation ---------------------------------------------------------------

    def mark(self, t: float) -> None:
        """Integrate busy slots and waiting-list length over time (after the warm-up)."""
        if t > self._t_mark:
            dt = t - self._t_mark
            self._area_busy += self.slots_busy * dt
            self._area_wait += self.waitlist_len * dt
            self._t_mark = t

    def note_day_start(self, d: int) -> None:
        """The waiting list's length at the start of a counted day may be its maximum."""
        if d >= self.m.stats_from:
            self.waitlist_max = max(self.waitlist_max, self.waitlist_len)

    def time_averages(self, until: float) -> tuple[float, float]:
        """Mean busy slots and waiting-list length from the warm-up to ``until``."""
        self.mark(until)
        span = max(until - self.m.stats_from, 1e-12)
        return self._area_busy / span, self._area_wait / span
