"""The wijkteam: teams, their hours for cases, waiting lists, triage and overload (ODD 7.11).

Every hour of the team's work comes out of one time budget (:mod:`sim.budget`): a
professional's week, less desk shifts, walk-in intakes and outreach, is what is left for
cases, and a case takes ``case_hours_per_week`` of it (by kind) while it runs. A case
starts when the team's hours for cases have room for it and its least-loaded
professional is under the caseload cap ``caseload_max``; with equal case hours this is
c slots, so the team is an M/M/c queue. The professionals form
``n_teams`` teams (Rotterdam has 43 wijkteams, Schiedam 6 WOTs, DOMAIN.md), each
serving its own area from its own waiting list; with exponential case durations
each team is an M/M/c queue and its waits can be checked against Erlang C (8.1).
Pooled teams take from one list, which shortens waits at the same capacity. Triage is the queue
discipline: first come first served, or non-preemptive urgency priority, where a
waiting case whose urgency rises moves up (Cobham's formula for the per-class
waits); the list is served in its order, so a case that does not fit waits for room
even if a smaller one behind it would fit. A professional whose hours for cases (or
caseload) go above the overload threshold falls back on routine (overvraging),
gradually: the fuller, the longer the case lasts and the likelier it comes back as a
repeat request.

A request that walks in meets the team first at an intake (``wijkteam.intake``): the
first contact (:mod:`.first_contact`, the same rule as the desk's), planned each
morning up to the team's intake capacity, first come first served. What the first
contact does not settle joins the team's list; so does a request whose first contact
was elsewhere (the desk's referral, outreach) or a crisis. A case then brings a
support plan, and support follows the plan (the route request, intake, plan, support
of Rotterdam's norm and Schiedam's urgency check, DOMAIN.md). Without the intake stage
a request's first contact is held the moment it arrives, as an M/M/c queue assumes.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from statistics import NormalDist

import numpy as np

from ..budget import time_budget
from ..streams import expo, generator, poisson_copies, scalar
from ..vocabulary import BEGUN, N_U, PROFESSIONAL, RESIDENT, U_PLAN, U_SVC, Need

_NORMAL = NormalDist()
_ERFC = np.frompyfunc(math.erfc, 1, 1)  # numpy has no erfc


class Team:
    """One team: its professionals, their hours for cases and its own waiting list."""

    def __init__(self, professionals: list, case_hours: float) -> None:
        self.professionals = professionals
        # (hours on cases, index) of every professional, least loaded first; stale entries
        # (a load that has changed since) are skipped when met
        self.by_load = [(0.0, p.index) for p in professionals]
        self.case_hours = case_hours  # a week's hours for cases, over its professionals
        self.hours_busy = 0.0  # of them, taken by the cases running
        self.slots_busy = 0  # cases running
        self.waitlist: list[deque[Need]] = [deque() for _ in range(3)]  # by triage class
        self.waitlist_len = 0
        self.intake_queue: deque[Need] = deque()  # waiting for the first contact
        self.intakes_per_day = 0.0
        self.credit = 0.0  # unused fractional intake capacity carried to the next day


class CaseDurations:
    """How long a case takes, from the need's own uniforms: making the support plan, then
    support, by kind, exponential or lognormal (ODD 7.11)."""

    def __init__(self, w) -> None:
        self.plan_days_mean = w.plan_days_mean
        self.scale = w.case_duration_days_mean
        sigma = self._lognormal_sigma = math.sqrt(math.log1p(w.duration_cv ** 2))
        self._lognormal_shift = sigma ** 2 / 2  # for a mean of 1
        self._exponential = w.duration_distribution == "exponential"
        self.full_overload = 1.0 + w.overload_duration_factor  # a case's stretch at most
        self._factors = (w.duration_factor.practical, w.duration_factor.social,
                         w.duration_factor.ongoing, w.duration_factor.complex)

    def case_days(self, kind: int, u) -> tuple[float, float]:
        """Days to make the support plan and days of support after it, from the need's own
        uniforms, before any overload."""
        return (self.plan_days_mean * expo(u[U_PLAN]),
                self.scale * self._factors[kind] * self.base_duration(u[U_SVC]))

    def outlast(self, kinds: np.ndarray, u: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Whether cases of these kinds, with these rows of uniforms, started at once, would
        last at least ``days`` at full overload: :meth:`case_days` for a whole block of the
        pre-history's copies at once, to within rounding. The support is compared in its
        uniform's terms: its duration is at least x exactly when the uniform is at least
        the duration's distribution at x."""
        plan = self.plan_days_mean * -np.log1p(-u[:, U_PLAN])
        scale = self.scale * self.full_overload * np.asarray(self._factors)[kinds]
        needed = days - plan  # days of support needed to outlast them
        with np.errstate(divide="ignore"):  # a kind without support: needs forever
            return (needed <= 0) | (u[:, U_SVC] >= self.base_cdf(needed / scale))

    def base_cdf(self, x: np.ndarray) -> np.ndarray:
        """The chance that :meth:`base_duration` is at most ``x``: 0 for x <= 0."""
        if self._exponential:
            return -np.expm1(-np.maximum(x, 0.0))
        z = (np.log(np.maximum(x, 1e-300)) + self._lognormal_shift) / self._lognormal_sigma
        return 0.5 * _ERFC(-z / math.sqrt(2.0)).astype(float)

    def base_duration(self, u: float) -> float:
        """A case duration of mean 1 from the need's own uniform: exponential or lognormal."""
        if self._exponential:
            return expo(u)
        return math.exp(self._lognormal_sigma * _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
                        - self._lognormal_shift)


class Wijkteam:
    """The teams' hours for cases, their waiting lists and the time spent on each case.

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
        self.budget = time_budget(model.scenario)
        self.prof_case_hours = self.budget.case_hours_per_professional
        self._hours = (w.case_hours_per_week.practical, w.case_hours_per_week.social,
                       w.case_hours_per_week.ongoing, w.case_hours_per_week.complex)
        n_teams = 1 if w.pooled else w.n_teams
        self.teams = []
        for k in range(n_teams):
            members = [p for p in self.professionals
                       if p.index * n_teams // max(w.n_professionals, 1) == k]
            team = Team(members, len(members) * self.prof_case_hours)
            team.intakes_per_day = len(members) * w.intakes_per_professional_week / 7
            self.teams.append(team)
        self._team_of_prof = [k for k, t in enumerate(self.teams) for _ in t.professionals]
        n_blocks = len(model.residents.block_members)
        self._team_of_block = [b * n_teams // n_blocks for b in range(n_blocks)]
        self.case_hours = w.n_professionals * self.prof_case_hours  # over all teams
        self.hours_busy = 0.0  # over all teams
        self.slots_busy = 0  # cases running, over all teams
        self.waitlist_len = 0  # over all teams
        self.waitlist_max = 0  # after the warm-up
        self._area_busy = 0.0
        self._area_hours = 0.0
        self._area_wait = 0.0
        self._t_mark = model.stats_from
        self.durations = CaseDurations(w)
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
                return (times >= t_full) | self.durations.outlast(kinds[picks], u,
                                                                 t_full - times)

            for t, need, u in poisson_copies(rng, like, weights, t0, 0.0, N_U, outlast):
                self.schedule(t, "warm_arrival", (need.resident, need.kind, need.urgency_intake,
                                                  need.crisis, need.t_sent <= need.t_intake, u))

    def on_warm_arrival(self, payload) -> None:
        """A request of the pre-history reaches its team, as in its pilot's model: to the
        intake, or to the list if its first contact was held before it came."""
        rid, kind, urgency, crisis, contacted, u = payload
        need = self.m.seeking.record(rid, kind, urgency, u, BEGUN)
        if crisis:
            need.crisis, need.t_crisis = True, self.m.now
        if contacted:
            need.contact(self.m.now)
        self.arrive(need, RESIDENT + rid, contacted)

    def arrive(self, need: Need, resource: int, contacted: bool = False) -> None:
        """A request reaches the team. One whose first contact was held elsewhere
        (``contacted``: the desk, outreach, or a crisis) joins the list; one that walks
        in waits for the intake, or without the intake stage has its first contact now.

        One that comes back (found on outreach after its resident gave up on the list)
        is counted with this stay only."""
        m = self.m
        need.t_intake = m.now
        need.t_queue = need.t_left_queue = math.nan
        need.urgency_intake = need.urgency
        if self.w.intake and not contacted:
            m.transition(need, "arrives at the wijkteam", "intake", resource)
            self.team_of(need).intake_queue.append(need)
            return
        m.transition(need, "arrives at the wijkteam", "waitlist", resource)
        if contacted or not m.first_contact.settles(need, "wijkteam", resource):
            self.join_queue(need)

    def morning(self, d: int) -> None:
        """Each team plans the day's intakes, up to its capacity, first come first served."""
        for team in self.teams:
            if team.intake_queue:
                self.m.calendar.plan_day(team.intake_queue, team, team.intakes_per_day, d,
                                         "intake", "intake")

    def on_intake(self, payload) -> None:
        """The walk-in intake, the first contact, held by the team's least-loaded
        professional; what it does not settle joins the list."""
        need, team = payload
        if need.state != "intake":
            return
        resource = PROFESSIONAL + self._peek_least_loaded(team).index
        if not self.m.first_contact.settles(need, "walk-in intake", resource):
            self.m.transition(need, "intake", "waitlist", resource)
            self.join_queue(need)

    def join_queue(self, need: Need) -> None:
        """The request joins its team's queue: its case starts at once if nobody waits
        ahead of it and the team has room, else it waits on the list."""
        m = self.m
        need.t_queue = m.now
        team = self.team_of(need)
        team.waitlist_len += 1
        self.waitlist_len += 1
        if team.waitlist_len == 1 and self._fits(need, team):
            self._start_case(need, team)
        else:
            self.enqueue(need)
            if m.now >= m.stats_from:
                self.waitlist_max = max(self.waitlist_max, self.waitlist_len)

    def enqueue(self, need: Need) -> None:
        """Triage: one list for first come first served, one list per urgency otherwise."""
        self.team_of(need).waitlist[need.urgency if self.triage_by_urgency else 0].append(need)

    def _head(self, team: Team) -> tuple[int, Need] | None:
        """The next case and its class: first come first served, or highest urgency first
        (non-preemptive). A case re-queued when its urgency rose is met again in its old
        class and dropped there, as is one that left the list."""
        for cls in (2, 1, 0):
            q = team.waitlist[cls]
            while q:
                need = q[0]
                if need.state == "waitlist" and (
                        cls == 0 and not self.triage_by_urgency or need.urgency == cls):
                    return cls, need
                q.popleft()
        return None

    def _serve_list(self, team: Team) -> None:
        """Start the cases at the head of the list while the team has room for them."""
        while (head := self._head(team)) is not None and self._fits(head[1], team):
            team.waitlist[head[0]].popleft()
            self._start_case(head[1], team)

    def _fits(self, need: Need, team: Team) -> bool:
        """Whether the team's hours for cases have room for ``need`` and its least-loaded
        professional is under the caseload cap."""
        return (team.hours_busy + self._hours[need.kind] <= team.case_hours + 1e-9
                and len(self._peek_least_loaded(team).cases) < self.w.caseload_max)

    def _start_case(self, need: Need, team: Team) -> None:
        """The team has room for ``need``: its least-loaded professional takes it."""
        m, w = self.m, self.w
        team.waitlist_len -= 1
        self.waitlist_len -= 1
        hours = self._hours[need.kind]
        prof = self._least_loaded(team, hours)
        need.overload = self.overload(prof, hours)
        team.slots_busy += 1
        self.slots_busy += 1
        team.hours_busy += hours
        self.hours_busy += hours
        prof.hours += hours
        prof.cases.add(need)
        need.queue_wait = m.now - need.t_queue
        need.t_left_queue = m.now
        plan_days, duration = self.durations.case_days(need.kind, need.u)
        if need.overload > 0:
            duration *= 1.0 + w.overload_duration_factor * need.overload
        m.answer(need, "wijkteam", PROFESSIONAL + prof.index, state="in_care")
        if plan_days > 0:
            self.schedule(m.now + plan_days, "plan", (need, prof, duration))
        else:
            self.on_plan((need, prof, duration))

    def on_plan(self, payload) -> None:
        """The support plan is agreed; support runs for the case's duration from now."""
        need, prof, duration = payload
        m = self.m
        need.t_plan = m.now
        m.events.log(need.id, "support plan", m.now, PROFESSIONAL + prof.index)
        self.schedule(m.now + duration, "case_end", (need, prof))

    def overload(self, prof, hours: float) -> float:
        """Loss of case quality when ``prof`` takes a case of ``hours`` a week: 0 up to the
        threshold share of their hours for cases (or of the caseload cap, whichever is
        fuller), rising linearly to 1 when full."""
        share = max((prof.hours + hours) / self.prof_case_hours if self.prof_case_hours > 0
                    else 1.0, (len(prof.cases) + 1) / self.w.caseload_max)
        threshold = self.w.overload_threshold
        if share <= threshold:
            return 0.0
        return min(1.0, (share - threshold) / (1.0 - threshold))

    def _peek_least_loaded(self, team: Team):
        """The team's professional with the fewest hours on cases (the lowest index among
        equals), left in place."""
        heap = team.by_load
        while self.professionals[heap[0][1]].hours != heap[0][0]:  # a stale entry
            heapq.heappop(heap)
        return self.professionals[heap[0][1]]

    def _least_loaded(self, team: Team, hours: float):
        """:meth:`_peek_least_loaded`, whose load is about to grow by ``hours``."""
        prof = self._peek_least_loaded(team)
        heap = team.by_load
        heapq.heapreplace(heap, (prof.hours + hours, prof.index))
        if len(heap) > 4 * len(team.professionals):  # drop stale entries
            heap[:] = [(p.hours + hours * (p is prof), p.index) for p in team.professionals]
            heapq.heapify(heap)
        return prof

    def on_case_end(self, payload) -> None:
        """The case ends; its slot goes to the next on the list; overload may bring it back."""
        m = self.m
        need, prof = payload
        team = self.teams[self._team_of_prof[prof.index]]
        hours = self._hours[need.kind]
        prof.cases.discard(need)
        prof.hours = prof.hours - hours if prof.cases else 0.0  # no rounding left over
        heapq.heappush(team.by_load, (prof.hours, prof.index))
        team.slots_busy -= 1
        self.slots_busy -= 1
        team.hours_busy = team.hours_busy - hours if team.slots_busy else 0.0
        self.hours_busy = self.hours_busy - hours if self.slots_busy else 0.0
        need.t_closed = m.now
        m.transition(need, "case ends", "closed", PROFESSIONAL + prof.index)
        self._serve_list(team)
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
        """Integrate cases running, their hours and the waiting list over time (after the
        warm-up)."""
        if t > self._t_mark:
            dt = t - self._t_mark
            self._area_busy += self.slots_busy * dt
            self._area_hours += self.hours_busy * dt
            self._area_wait += self.waitlist_len * dt
            self._t_mark = t

    def note_day_start(self, d: int) -> None:
        """The waiting list's length at the start of a counted day may be its maximum."""
        if d >= self.m.stats_from:
            self.waitlist_max = max(self.waitlist_max, self.waitlist_len)

    def time_averages(self, until: float) -> tuple[float, float, float]:
        """Mean cases running, their hours a week and the waiting list's length from the
        warm-up to ``until``."""
        self.mark(until)
        span = max(until - self.m.stats_from, 1e-12)
        return self._area_busy / span, self._area_hours / span, self._area_wait / span
