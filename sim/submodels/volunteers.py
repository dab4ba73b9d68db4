"""The volunteer initiative (klussenbank): recruitment, matching, motivation, dropout (ODD 7.7).

Vlaardingen's klussenbank links residents' practical and social requests to
volunteers; screening and safety questions slow matching (the seed, DOMAIN.md).
Volunteers are recruited at meeting places, the less the fuller the pool: an
initiative has room, tasks and coordinators for only so many (``pool_capacity``),
so the pool settles where recruitment balances those who leave, instead of growing
without limit. They leave for three reasons. Some move on for reasons outside the
initiative. Motivation falls while they work at capacity and recovers otherwise.
And the burden of unclear roles between formal and informal help (strongest at the
lowest integration level, as in the Schiedam district where volunteers left when
the wijkteam arrived) and of the paperwork of formalisation drains it every day:
volunteers differ in how much that weighs on them, so a burden pushes out those who
bear it least, more of them the heavier it is, while the others stay. With one
sensitivity for all, a burden below the recovery rate would push out nobody and one
above it everybody.

A volunteer who takes a request learns about the client; with ``gossip_trust_loss``
the volunteer talks about it in their street and among their ties, and those who
hear it are less ready to ask for help and trust the wijkteam less ("who will hear
of my troubles?"): fewer dare go to the wijkteam (the seed, Kader 3), and some do not
ask at all (DOMAIN.md). Gossip goes with the matching, so it lives here; its effect
is read where residents decide to ask (7.3).

A warm start (ODD 5) gives the pool a pre-history before day 0 under these same
rules (:meth:`VolunteerInitiative.warm_start`), so a run begins with the pool, the
motivations and the tasks in progress of the stationary regime.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from operator import attrgetter

from ..streams import expo, generator, poisson_copies, scalar
from ..vocabulary import (
    CRISIS,
    CRISIS_ALERTED,
    INITIATIVE,
    TRIED_INITIATIVE,
    VOLUNTEER,
    WITHDRAWS,
    Need,
)

#: The pool's pre-history (ODD 5) lasts this long: a cold start's pool, begun at
#: ``n_initial``, is as large after two years as after three and four (8 seeds each of
#: the presets with volunteers); after one it keeps about 40% of the start's distance from
#: the settled pool, which it approaches over 400-540 days (ODD 5).
POOL_HISTORY_DAYS = 730
#: the order volunteers joined in, the pool's
_JOINED = attrgetter("unique_id")


class VolunteerInitiative:
    """The pool of active volunteers and the initiative's matching."""

    def __init__(self, model, make_volunteer) -> None:
        self.m = model
        s = self.s = model.scenario
        self.schedule = model.calendar.schedule
        self.rng = scalar(model.seed, "volunteers")
        self.rng_traits = scalar(model.seed, "volunteer_traits")
        self._make_volunteer = make_volunteer  # (resident id) -> a volunteer agent
        self.pool: list = []  # active volunteers, in the order they joined
        # who a morning must look at (ODD 7.7): those whose motivation can change (below 1,
        # at capacity, or drained faster than it recovers), and when each moves on; the
        # others rest at motivation 1, most volunteers on most mornings
        self.restless: set = set()
        self._leaving: list = []  # heap of (leave day, unique_id, volunteer)
        self.volunteer_of: dict[int, object] = {}  # resident id -> their volunteer agent
        self.recruited = 0  # after the warm-up
        self.dropped = 0  # after the warm-up, for any reason
        self.dropped_burden = 0  # of these, pushed out by unclear roles and paperwork
        self.asks: list | None = None  # (request, day, route step) of each ask, in a pilot
        self._warm: tuple | None = None  # the pre-history's stdlib stream and recruitment
        v = s.volunteers
        #: daily motivation loss from unclear roles and formalisation, at sensitivity 1
        self.burden_per_day = (
            v.motivation_loss_unclear_roles_per_day * s.at_level("unclear_roles_factor")
            + v.motivation_loss_formalisation_per_day * v.formalisation_burden)
        if self.on:
            n = model.residents.n
            rng = generator(model.seed, "volunteers")
            for rid in rng.choice(n, size=min(v.n_initial, n), replace=False):
                self.join(int(rid))
        model.calendar.on({"match": self.on_match, "warm_ask": self.on_warm_ask,
                           "warm_task_end": self.on_warm_task_end})

    @property
    def on(self) -> bool:
        """Whether the initiative exists: volunteers are informal help."""
        return self.s.informal.enabled and self.s.volunteers.initiative

    @property
    def active(self) -> int:
        """Volunteers active now."""
        return len(self.pool)

    def join(self, rid: int, rng=None) -> None:
        """Resident ``rid`` becomes a volunteer, fully motivated, with their own sensitivity
        to burden (Exp(1)) and the day they will move on, drawn from ``rng`` (by default
        the ``volunteer_traits`` stream)."""
        rng = rng or self.rng_traits
        volunteer = self._make_volunteer(rid)
        volunteer.sensitivity = expo(rng.random())
        self._drifts(volunteer)
        rate = self.s.volunteers.leave_per_year
        u = rng.random()
        volunteer.leave_day = self.m.now + 365.0 * expo(u) / rate if rate > 0 else float("inf")
        self.pool.append(volunteer)
        self.volunteer_of[rid] = volunteer
        heapq.heappush(self._leaving, (volunteer.leave_day, volunteer.unique_id, volunteer))
        if volunteer.drift_free < 0.0:
            self.restless.add(volunteer)

    def _drifts(self, vol) -> None:
        """The volunteer's daily change of motivation below capacity and at it."""
        v, drain = self.s.volunteers, -self.burden_per_day * vol.sensitivity
        vol.drift_free = drain + v.motivation_recovery_per_day
        vol.drift_full = drain + -v.motivation_loss_overload_per_day

    def changed(self, vol) -> None:
        """A volunteer's sensitivity, motivation, tasks or leave day were set from outside
        (as a test does): the drifts follow the sensitivity again, and the next morning
        looks at them."""
        self._drifts(vol)
        self.restless.add(vol)
        heapq.heappush(self._leaving, (vol.leave_day, vol.unique_id, vol))

    def p_recruit(self) -> float:
        """Chance that a visit recruits: full at an empty pool, none at ``pool_capacity``."""
        v = self.s.volunteers
        return v.p_recruit_visit * max(0.0, 1.0 - len(self.pool) / v.pool_capacity)

    def maybe_recruit(self, rid: int, rng) -> None:
        """A visit may turn resident ``rid`` into a volunteer (one draw of ``rng``)."""
        if (self.s.volunteers.initiative and rid not in self.volunteer_of
                and rng.random() < self.p_recruit()):
            self.join(rid)
            self.recruited += self.m.now >= self.m.stats_from

    def morning(self) -> None:
        """Volunteers due to move on leave; the others' motivation changes, and below the
        threshold they drop out. Only the restless and those due to leave are looked at, in
        the pool's order: a volunteer at rest (motivation 1, below capacity, recovering at
        least as fast as drained) would stay as they are."""
        v, now = self.s.volunteers, self.m.now
        cap, threshold = v.capacity_tasks, v.dropout_threshold
        due, leaving = set(self.restless), self._leaving
        while leaving and leaving[0][0] <= now:
            due.add(heapq.heappop(leaving)[2])
        dropped = False
        for vol in sorted(due, key=_JOINED):
            if not vol.active:  # left earlier; its place in the heap was stale
                continue
            if now >= vol.leave_day:
                self._drop(vol, "volunteer moves on")
                dropped = True
                continue
            full = vol.tasks >= cap
            if full:
                motivation = vol.motivation + vol.drift_full
            elif vol.motivation == 1.0 and vol.drift_free >= 0.0:
                self.restless.discard(vol)  # at rest until a task fills their capacity
                continue
            else:
                motivation = vol.motivation + vol.drift_free
            vol.motivation = motivation = 1.0 if motivation > 1.0 else motivation
            if motivation < threshold:
                dropped = True
                if full:
                    self._drop(vol, "volunteer drops out: overloaded")
                else:
                    self._drop(vol, "volunteer drops out: roles and paperwork")
                    self.dropped_burden += now >= self.m.stats_from
        if dropped:
            self.pool = [vol for vol in self.pool if vol.active]

    def _drop(self, vol, why: str) -> None:
        """The volunteer quits: out of the pool, counted, logged, removed from the model."""
        vol.active = False
        self.restless.discard(vol)
        del self.volunteer_of[vol.rid]
        self.dropped += self.m.now >= self.m.stats_from
        self.m.events.log(-1, why, self.m.now, VOLUNTEER + vol.rid)
        vol.remove()

    def ask(self, need: Need) -> None:
        """The resident asks the initiative; screening and matching take a while."""
        m = self.m
        need.tried |= TRIED_INITIATIVE
        if self.asks is not None:
            self.asks.append((need, m.now, len(need.route)))  # the ask's step in the route
        m.transition(need, "asks the volunteer initiative", "matching", INITIATIVE)
        delay = self.s.volunteers.matching_delay_days_mean * expo(self.rng.random())
        self.schedule(m.now + delay, "match", (need, need.route_step))
        self.schedule(m.now + delay + self.s.seeking.patience_days, "patience",
                      (need, need.route_step))

    def on_match(self, payload) -> None:
        """A free volunteer (not the resident) takes the request, or the match waits a day."""
        need, step = payload
        if step != need.route_step or need.state != "matching":
            return
        free = self._free(need.resident)
        if not free:
            self.schedule(self.m.now + 1.0, "match", (need, step))
            return
        vol = free[int(self.rng.random() * len(free))]
        vol.tasks += 1
        self.restless.add(vol)
        self.m.answer(need, "volunteer", VOLUNTEER + vol.rid)
        self.m.informal.ends_later(need, volunteer=vol)
        self.gossip(vol.rid, need.resident)

    def _free(self, client: int) -> list:
        """The active volunteers with room for a task, other than the client."""
        cap = self.s.volunteers.capacity_tasks
        return [v for v in self.pool if v.active and v.tasks < cap and v.rid != client]

    # --- the warm start's pre-history (ODD 5) -------------------------------------

    def pilot_asks(self, days: int, weight: Callable[[int, float], float]
                   ) -> tuple[list[Need], list[float]]:
        """The requests that asked the initiative in this pilot of ``days`` days (``asks``
        kept), each with the weight per day ``weight(days, delay from the need to the
        ask)``, as a team's arrivals are weighted (:func:`sim.warmstart.pilot_arrivals`).

        The asks, not the matches: whether an ask finds a volunteer before the resident's
        patience runs out depends on the pool, which the pre-history decides again. Left
        out are the asks that left the matching by the request's own clocks, withdrawal
        or a crisis (7.12), which the pre-history does not run: about one ask in fifteen
        in the presets."""
        asks: tuple[list[Need], list[float]] = ([], [])
        for need, t, step in self.asks or ():
            if need.route[step + 1:step + 2] in ([WITHDRAWS], [CRISIS], [CRISIS_ALERTED]):
                continue
            asks[0].append(need)
            asks[1].append(weight(days, t - need.t_arise))
        return asks

    def warm_start(self, asks: tuple[list[Need], list[float]], rng, traits) -> None:
        """Begin the pool's pre-history, the last :data:`POOL_HISTORY_DAYS` before day 0:
        the volunteers of the start begin then, and the pool recruits and its motivation
        changes by the rules (:meth:`warm_morning`) while it takes the asks of the
        stationary regime.

        ``asks`` are the requests that asked the initiative in the pilot, with their
        weights per day (:meth:`pilot_asks`): asks come as a Poisson process at that rate,
        each a copy of one (its client and kind) with a fresh matching delay and duration,
        and wait for a free volunteer as a match does, up to the resident's patience.
        Without them nobody would be overloaded and the pool would overshoot. ``rng``
        (numpy) and ``traits`` (stdlib) are ``warmstart`` streams, so the ``volunteers``
        and ``volunteer_traits`` streams after day 0 are those of a cold start.
        """
        days, v = POOL_HISTORY_DAYS, self.s.volunteers
        for vol in self.pool:
            vol.leave_day -= days
        self._leaving = [(vol.leave_day, vol.unique_id, vol) for vol in self.pool]
        heapq.heapify(self._leaving)
        for t, need, (u_delay, u_help) in poisson_copies(rng, *asks, -days, 0.0, 2):
            match = t + v.matching_delay_days_mean * expo(u_delay)
            self.schedule(match, "warm_ask", (need.resident, need.kind, u_help,
                                              match + self.s.seeking.patience_days))
        # who would be recruited at an empty pool, per day and place, all days at once
        meeting = self.m.meeting
        members = [[len(p.meeting_on_weekday[d % 7][0]) for p in meeting.places]
                   for d in range(-days, 0)]
        q = meeting.p_come * v.p_recruit_visit
        self._warm = (traits, rng.binomial(members, q).tolist() if members and q > 0 else None)

    def warm_morning(self, d: int) -> None:
        """A morning of the pool's pre-history: the day's visits recruit, then :meth:`morning`.

        A member comes with chance ``p_come`` and is recruited with chance
        :meth:`p_recruit` if not yet a volunteer; drawn as a thinning, so that the draws
        of all days are made at once: the members who would be recruited at an empty pool
        (Binomial, per place and day), uniform among today's, each then kept with chance
        ``1 - active / pool_capacity`` (exactly the rule, with the pool of the morning).
        """
        if self._warm is None or d < -POOL_HISTORY_DAYS:
            return
        traits, candidates = self._warm
        if candidates is not None:
            p_full = self.s.volunteers.p_recruit_visit
            for place, k in zip(self.m.meeting.places, candidates[d + POOL_HISTORY_DAYS],
                                strict=True):
                if not k:
                    continue
                members = place.meeting_on_weekday[d % 7][0]
                for i in traits.sample(range(len(members)), k):
                    rid = int(members[i])
                    if rid not in self.volunteer_of and traits.random() * p_full < self.p_recruit():
                        self.join(rid, traits)
        if self.pool:
            self.morning()

    def on_warm_ask(self, payload) -> None:
        """An ask of the pre-history (some match after day 0): a free volunteer takes it, or
        it waits a day."""
        client, kind, u_help, patience_until = payload
        rng, pool, cap = self._warm[0], self.pool, self.s.volunteers.capacity_tasks
        for _ in range(4 if pool else 0):  # a uniform volunteer kept if free is uniform
            vol = pool[int(rng.random() * len(pool))]  # among the free: no list to build
            if vol.tasks < cap and vol.rid != client and vol.active:
                break
        else:
            free = self._free(client)
            if not free:
                if self.m.now + 1.0 < patience_until:
                    self.schedule(self.m.now + 1.0, "warm_ask", payload)
                return
            vol = free[int(rng.random() * len(free))]
        vol.tasks += 1
        self.restless.add(vol)
        self.schedule(self.m.now + self.m.informal.help_days(kind, u_help), "warm_task_end", vol)

    def on_warm_task_end(self, vol) -> None:
        """A task of the pre-history ends: the volunteer has room again."""
        vol.tasks -= 1

    def gossip(self, volunteer: int, client: int) -> None:
        """The volunteer's street (block) and ties hear about the client: each hearer's
        readiness to ask (1 - reluctance to ask) and trust in the wijkteam fall by a share."""
        loss = self.s.volunteers.gossip_trust_loss
        if loss <= 0:
            return
        r = self.m.residents
        reluctance, trust = r.reluctance_ask, r.trust
        for h in set(r.block_members[r.block[volunteer]]) | r.ties[volunteer]:
            if h != client and h != volunteer:
                reluctance[h] = 1.0 - (1.0 - reluctance[h]) * (1.0 - loss)
                trust[h] *= 1.0 - loss
