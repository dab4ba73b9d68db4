"""The neighbourhood model: needs travelling through ties, places, the desk and the wijkteam.

One Mesa step is one day. Within a day, everything that has an exact time (a
need arising, a request reaching the wijkteam, a case ending and the slot passing
to the next on the waiting list, urgency rising, a bystander acting) is an event
on a calendar processed in time order, so day steps do not bias the queue. Daily
batches (the front desk's and the meeting places' capacity, visits, volunteer
motivation) run each morning. Cost follows activity: residents without a need
are never visited. ``docs/ODD.md`` describes every rule.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter, deque
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import mesa
import numpy as np

from . import bystander as rule
from .agents import FrontDesk, MeetingPlace, Professional, Resident, Volunteer, pair_index
from .eventlog import (
    CRISIS_SERVICE,
    INITIATIVE,
    NO_RESOURCE,
    PLACE,
    PROFESSIONAL,
    RESIDENT,
    VOLUNTEER,
    VRAAGWIJZER,
    EventLog,
)
from .params import Scenario
from .population import build_residents
from .streams import generator, scalar

KINDS = ("practical", "social", "ongoing", "complex")
PRACTICAL, SOCIAL, ONGOING, COMPLEX = range(4)
URGENCIES = ("low", "medium", "high")
LOW, MEDIUM, HIGH = range(3)

#: Every request is in exactly one of these states.
STATES = ("unvoiced", "asking", "matching", "place", "desk", "referred", "waitlist",
          "helped", "in_care", "closed", "withdrawn")
UNANSWERED = frozenset(STATES[:7])
BYSTANDER_STATES = frozenset(("unvoiced", "asking"))
ENDED = frozenset(("closed", "withdrawn"))
INTEGRATION_LEVEL = {"verbinden": 1 / 3, "samenwerken": 2 / 3, "samenspel": 1.0}

# columns of the per-need uniform draws (common random numbers per need)
(U_VOICE, U_DELAY, U_ROUTE, U_TRUST, U_SVC, U_ESC_LOW, U_ESC_MEDIUM, U_ESC_HIGH, U_WITHDRAW,
 U_DROPOUT, U_RESOLVE, U_REFER, U_PLACE, U_TIE, U_HELP, U_REFERRAL_DELAY, U_PLACE_PICK
 ) = range(17)
N_U = 17
#: Routes a need has tried, as bits of ``Need.tried``.
TRIED_INITIATIVE, TRIED_PLACE, TRIED_FORMAL = 1, 2, 4
CHUNK_DAYS = 365
_NORMAL = NormalDist()


def expo(u: float) -> float:
    """An Exp(1) draw from a uniform in [0, 1)."""
    return -math.log1p(-u)


class Need:
    """One help request, from arising to its outcome."""

    __slots__ = ("id", "resident", "kind", "urgency", "urgency_start", "urgency_intake",
                 "t_arise", "t_answered", "t_closed", "t_intake", "t_queue", "queue_wait",
                 "state", "route", "outcome", "crisis", "aware", "n_aware_max",
                 "acted_by_aware", "version", "step", "u", "tried", "repeat_of", "helper",
                 "overloaded")

    def __init__(self, nid: int, resident: int, kind: int, urgency: int, t: float,
                 u: Sequence[float], repeat_of: int = -1):
        self.id = nid
        self.resident = resident
        self.kind = kind
        self.urgency = self.urgency_start = urgency
        self.urgency_intake = -1
        self.t_arise = t
        self.t_answered = self.t_closed = self.t_intake = self.t_queue = math.nan
        self.queue_wait = math.nan
        self.state = ""
        self.route: list[str] = []
        self.outcome = ""
        self.crisis = False
        self.aware: dict[int, int] | None = {}  # None once the need has ended
        self.n_aware_max = 0
        self.acted_by_aware = False
        self.version = 0  # bumps invalidate scheduled bystander act and notice events
        self.step = 0  # bumps with every route step; invalidates ask, match, patience events
        self.u: Sequence[float] | None = u  # None once the need has ended
        self.tried = 0  # TRIED_* bits
        self.repeat_of = repeat_of
        self.helper = NO_RESOURCE  # resource code of who answered
        self.overloaded = False


class Neighbourhood(mesa.Model):
    """One neighbourhood under one scenario and seed; ``step()`` advances one day."""

    def __init__(self, scenario: Scenario, seed: int = 0, stats_from_day: float = 0.0):
        super().__init__(seed=seed)
        self.scenario = s = scenario
        self.seed = int(seed)
        self.stats_from = float(stats_from_day)
        self.day = 0
        self.now = 0.0
        self.residents = build_residents(s.population, seed)
        n = self.residents.n
        self.n_residents = n
        self.informal_load = [0] * n  # needs each resident is helping with now
        self.resident_agents = [Resident(self, i) for i in range(n)]
        rates = self._need_rates()
        self._rate_total = float(rates.sum())
        self._rate_p = rates / self._rate_total if self._rate_total > 0 else rates
        self._chunks_made = 0
        # the current chunk's pre-drawn needs (times, residents, kinds, urgencies,
        # uniforms), scheduled day by day from index _next_arrival
        self._arrivals: tuple = ([], [], [], [], memoryview(np.empty(0)))
        self._next_arrival = 0

        self.rng_by = scalar(seed, "bystander")
        self.rng_meet = scalar(seed, "meeting")
        self.rng_meet_np = generator(seed, "meeting")
        self.rng_vol = scalar(seed, "volunteers")
        self.rng_team = scalar(seed, "wijkteam")
        self.rng_team_np = generator(seed, "wijkteam")

        self.calendar: list[tuple[float, int, str, Any]] = []  # scheduled during today
        self._today: list[tuple[float, int, str, Any]] = []  # today's bucket, sorted
        self._later: dict[int, list[tuple[float, int, str, Any]]] = {}  # by day, unordered
        self._day_end = 0.0
        self._seq = 0
        # event kind -> handler: "arise" -> self._on_arise, ...
        self._handlers = {name.removeprefix("_on_"): getattr(self, name)
                          for name in dir(type(self)) if name.startswith("_on_")}
        self.needs: list[Need] = []
        self.state_counts: Counter[str] = Counter()
        self.open_need_of: dict[int, Need] = {}  # resident -> an unanswered need
        self.events = EventLog()
        self.crises = 0

        w = s.wijkteam
        self.professionals = [Professional(self, j) for j in range(w.n_professionals)]
        # (caseload, index) of every professional, least loaded first; stale entries
        # (a load that has changed since) are skipped when met
        self._by_load = [(0, j) for j in range(w.n_professionals)]
        self.slots = w.n_professionals * w.caseload_max
        self.slots_busy = 0
        self.waitlist: list[deque[Need]] = [deque() for _ in range(3)]
        self.waitlist_len = 0
        self.waitlist_max = 0
        self._area_busy = 0.0
        self._area_wait = 0.0
        self._t_mark = self.stats_from
        level = INTEGRATION_LEVEL[s.access.integration]
        self.p_refer_informal = w.p_refer_informal_max * level
        self.p_owner_at_place = (level - 1 / 3) * 1.5
        self.loss_unclear = (s.volunteers.motivation_loss_unclear_roles_per_day * (1 - level) * 1.5
                             + 0.01 * s.volunteers.formalisation_burden)
        self.duration_scale = w.case_duration_days_mean / (1.0 - w.share_outreach)
        self._lognormal_sigma = math.sqrt(math.log1p(w.duration_cv ** 2))
        # chance a given open need's resident is met on outreach today
        self.q_outreach = min(1.0, w.n_professionals * w.share_outreach
                              * w.outreach_contacts_per_day / self.n_residents)
        self.q_notice_block = self._notice_chances()

        self.frontdesk = FrontDesk(self) if s.access.policy == "vraagwijzer" else None
        self.places: list[MeetingPlace] = []
        if s.informal.enabled and s.meeting_places.n_places > 0:
            self._make_places()
        self.volunteers: list[Volunteer] = []
        if s.informal.enabled and s.volunteers.initiative:
            rng = generator(seed, "volunteers")
            for rid in rng.choice(n, size=min(s.volunteers.n_initial, n), replace=False):
                self._new_volunteer(self.resident_agents[int(rid)])
        self.volunteers_recruited = 0
        self.volunteers_dropped = 0
        self.familiarity_ties = 0  # new ties formed at meeting places
        self.familiarity_ties_counted = 0  # of these, formed after the warm-up

        self.datacollector = mesa.DataCollector(model_reporters=self._daily_reporters())

    # --- set-up -------------------------------------------------------------------

    def _need_rates(self) -> np.ndarray:
        nd, r = self.scenario.needs, self.residents
        age_factor = np.array([1.0, nd.rate_factor_65_79, nd.rate_factor_80_plus])[r.age]
        vuln = np.where(r.vulnerable, nd.rate_factor_vulnerable, 1.0)
        return nd.rate_per_resident_year / 365.0 * age_factor * vuln

    def _make_places(self) -> None:
        mp = self.scenario.meeting_places
        rng = generator(self.seed, "population", 1)
        n = self.n_residents
        visitor = rng.random(n) < mp.share_visitors
        place_of = rng.integers(0, mp.n_places, size=n)
        for k in range(mp.n_places):  # members in random order, cut into groups
            members = rng.permutation(np.flatnonzero(visitor & (place_of == k)))
            self.places.append(MeetingPlace(self, k, members, mp.group_size))
        self.place_of = np.where(visitor, place_of, -1)

    def _new_volunteer(self, resident: Resident) -> None:
        self.volunteers.append(Volunteer(self, resident, motivation=1.0))

    def volunteer_dropped(self, v: Volunteer) -> None:
        self.volunteers_dropped += self.now >= self.stats_from
        self.events.log(-1, "volunteer drops out", self.now, VOLUNTEER + v.resident.rid)

    # --- needs arising (pre-drawn, policy independent) ------------------------------

    def _make_chunk(self) -> None:
        """Draw the needs of the next 365 days from the ``needs`` stream of that chunk."""
        c = self._chunks_made
        rng = generator(self.seed, "needs", c)
        nd = self.scenario.needs
        count = rng.poisson(self._rate_total * CHUNK_DAYS) if self._rate_total > 0 else 0
        times = np.sort(rng.uniform(c * CHUNK_DAYS, (c + 1) * CHUNK_DAYS, size=count))
        who = rng.choice(self.n_residents, size=count, p=self._rate_p) if count else []
        ks = nd.kind_shares
        kinds = rng.choice(4, size=count, p=_norm([ks.practical, ks.social, ks.ongoing,
                                                   ks.complex]))
        us = nd.urgency_shares
        urg = rng.choice(3, size=count, p=_norm([us.low, us.medium, us.high]))
        u = memoryview(rng.random((count, N_U)).reshape(-1))
        self._arrivals = (times.tolist(), np.asarray(who).tolist(), kinds.tolist(), urg.tolist(), u)
        self._next_arrival = 0
        self._chunks_made += 1

    def _push_arrivals(self, until: float) -> None:
        """Schedule the pre-drawn needs arising before ``until``.

        A need reads its uniforms through a view of its row of the chunk's array: one
        small object instead of seventeen floats and a list, which indexes as fast
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
            if j < len(times) or self._chunks_made * CHUNK_DAYS >= until:
                return
            self._make_chunk()

    # --- calendar -------------------------------------------------------------------

    @property
    def events_scheduled(self) -> int:
        """Calendar events scheduled so far: the model's work, for benchmarks."""
        return self._seq

    def schedule(self, t: float, kind: str, payload: Any) -> None:
        """Put an event on the calendar: in the bucket of its day, or, for the day under
        way, on a small heap.

        A day's bucket is sorted once when the day opens, so most events cost an
        append and a pop, whatever the size of the neighbourhood, and an event that goes
        stale before its day (the withdrawal of a need answered meanwhile) is sorted
        with its day's other events, not pushed through a heap of the whole future.
        """
        self._seq += 1
        entry = (t, self._seq, kind, payload)
        if t < self._day_end:
            heapq.heappush(self.calendar, entry)
        else:
            self._later.setdefault(int(t), []).append(entry)

    def _open_day(self, d: int) -> None:
        """Sort day ``d``'s bucket (latest first, to pop from the end); events scheduled
        from now on for this day go on the heap."""
        today = self._later.pop(d, [])
        today.sort(reverse=True)
        self._today = today
        self._day_end = d + 1.0

    def _run_until(self, until: float) -> None:
        """Process today's events in time order: the sorted bucket merged with the heap."""
        today, heap, handlers = self._today, self.calendar, self._handlers
        while True:
            if heap and (not today or heap[0] < today[-1]):
                t, _, kind, payload = heapq.heappop(heap)
            elif today:
                t, _, kind, payload = today.pop()
            else:
                break
            self._mark(t)
            self.now = t
            handlers[kind](payload)
        self._mark(until)
        self.now = until

    def _mark(self, t: float) -> None:
        """Integrate busy slots and waiting-list length over time (after the warm-up)."""
        if t > self._t_mark:
            dt = t - self._t_mark
            self._area_busy += self.slots_busy * dt
            self._area_wait += self.waitlist_len * dt
            self._t_mark = t

    def step(self) -> None:
        d = self.day
        if d >= self.stats_from:
            self.waitlist_max = max(self.waitlist_max, self.waitlist_len)
        self._push_arrivals(d + 1)  # into day d's bucket, sorted with it
        self._open_day(d)
        self.now = float(d)
        self._morning(d)
        self._run_until(d + 1.0)
        self.day = d + 1
        self.datacollector.collect(self)

    # --- bookkeeping ------------------------------------------------------------------

    def set_state(self, need: Need, state: str) -> None:
        if need.state:
            self.state_counts[need.state] -= 1
        self.state_counts[state] += 1
        need.state = state
        if state in UNANSWERED:
            self.open_need_of.setdefault(need.resident, need)
        elif self.open_need_of.get(need.resident) is need:
            del self.open_need_of[need.resident]
        if state in ENDED:  # what only an open need uses goes, so memory follows open needs
            need.u = need.aware = None

    def _go(self, need: Need, step: str, state: str, resource: int) -> None:
        need.step += 1
        need.route.append(step)
        self.set_state(need, state)
        self.events.log(need.id, step, self.now, resource)

    def answer(self, need: Need, outcome: str, helper: int, state: str = "helped") -> None:
        """Help starts: the need is answered by ``helper`` through route ``outcome``."""
        need.t_answered = self.now
        need.outcome = outcome
        need.helper = helper
        self._go(need, f"helped: {outcome}", state, helper)

    # --- a need arises and the resident seeks help -------------------------------------

    def _on_arise(self, payload) -> None:
        rid, kind, urg, u = payload
        self.new_need(rid, kind, urg, u)

    def new_need(self, rid: int, kind: int, urg: int, u: Sequence[float], repeat_of: int = -1
                 ) -> Need:
        s = self.scenario
        need = Need(len(self.needs), rid, kind, urg, self.now, u, repeat_of)
        self.needs.append(need)
        self._go(need, "need arises" if repeat_of < 0 else "repeat request", "unvoiced",
                 RESIDENT + rid)
        reluct = self.residents.reluctance_ask[rid]
        if s.withdrawal.enabled:
            patience = expo(u[U_WITHDRAW]) * s.withdrawal.days_mean / (1.0 + reluct)
            self.schedule(self.now + patience, "withdraw", need)
        if s.escalation.enabled:
            self._schedule_escalation(need, self.now)
        if repeat_of >= 0:
            self.formal_access(need, "repeat")
            return
        if s.informal.enabled:
            for j in self.residents.household_members[self.residents.household[rid]]:
                if j != rid:
                    need.aware[j] = rule.TIE
            need.n_aware_max = len(need.aware)
        self._reschedule_bystanders(need)
        if u[U_VOICE] < s.seeking.p_voice * (1.0 - reluct):
            delay = s.seeking.ask_delay_days_mean * (1.0 + reluct) * expo(u[U_DELAY])
            if delay > 0:
                self.schedule(self.now + delay, "ask", (need, need.step))
            else:
                self._first_ask(need)
        return need

    def _on_ask(self, payload) -> None:
        need, step = payload
        if need.state in BYSTANDER_STATES and step == need.step:
            self._first_ask(need)

    def _first_ask(self, need: Need) -> None:
        s = self.scenario
        ties = self.residents.ties[need.resident]
        if (s.informal.enabled and need.kind != COMPLEX and ties
                and need.u[U_ROUTE] < s.seeking.share_network_first):
            ordered = sorted(ties)
            who = ordered[int(need.u[U_TIE] * len(ordered))]
            need.aware[who] = need.aware.get(who, 0) | rule.DIRECT | rule.TIE
            need.n_aware_max = max(need.n_aware_max, len(need.aware))
            self._go(need, "asks a tie", "asking", RESIDENT + who)
            self._reschedule_bystanders(need)
            self.schedule(self.now + s.seeking.patience_days, "patience", (need, need.step))
        else:
            self.next_route(need)

    def _on_patience(self, payload) -> None:
        need, step = payload
        if step == need.step and need.state in ("asking", "matching", "place"):
            self.next_route(need)

    def next_route(self, need: Need) -> None:
        """Try the next route not yet tried: initiative, meeting place, formal access."""
        s, u = self.scenario, need.u
        informal_kind = need.kind in (PRACTICAL, SOCIAL)
        if (self.volunteers and informal_kind and not need.tried & TRIED_INITIATIVE):
            self.to_initiative(need)
        elif (self.places and need.kind != COMPLEX and not need.tried & TRIED_PLACE
              and self.place_of[need.resident] >= 0
              and u[U_PLACE] < s.meeting_places.p_ask_at_place):
            self.to_place(need, self.places[self.place_of[need.resident]])
        elif not need.tried & TRIED_FORMAL and u[U_TRUST] < self.residents.trust[need.resident]:
            self.formal_access(need, "asks formal help")
        else:
            self._go(need, "stops asking", "unvoiced", RESIDENT + need.resident)
            self._reschedule_bystanders(need)

    # --- bystanders: who knows, who acts --------------------------------------------

    def _p1(self, person: int, need: Need) -> float:
        """What this aware person would do alone, per day (0 if they cannot help now)."""
        s = self.scenario
        if person >= self.n_residents:  # a professional found it on outreach
            return s.bystander.p_act_day
        if self.informal_load[person] >= s.informal.capacity_tasks:
            return 0.0
        will = s.bystander.willingness
        w = (will.practical, will.social, will.ongoing, will.complex)[need.kind]
        return s.bystander.p_act_day * w * (1.0 - self.residents.reluctance_help[person])

    def _reschedule_bystanders(self, need: Need) -> None:
        """Schedule the first day someone aware acts, and the next time someone notices.

        Each aware person acts on a day with probability p_i (the diffusion rule), so
        the first acting day is geometric with q = 1 - prod(1 - p_i); the actor is
        drawn in proportion to -log(1 - p_i), exact for competing daily hazards.
        """
        need.version += 1
        if need.state not in BYSTANDER_STATES:
            return
        rng = self.rng_by
        n = len(need.aware)
        weights = []
        for person, flags in need.aware.items():
            p = rule.p_act(self.scenario.bystander, n, flags, self._p1(person, need))
            if p > 0:
                weights.append((person, -math.log1p(-min(p, 1 - 1e-12))))
        day0 = math.floor(self.now) + 1.0
        if weights:
            total = sum(h for _, h in weights)
            q = -math.expm1(-total)
            k = _geometric(rng.random(), q)
            actor = _pick(weights, rng.random() * total)
            self.schedule(day0 + k - 1 + rng.random(), "act", (need, need.version, actor))
        q_notice = self._q_notice(need)
        if q_notice > 0:
            k = _geometric(rng.random(), q_notice)
            self.schedule(day0 + k - 1 + rng.random(), "notice", (need, need.version))

    def _q_notice(self, need: Need) -> float:
        """Daily chance that somebody new notices the need: a block neighbour or outreach."""
        return self.q_notice_block[self.residents.block[need.resident]]

    def _notice_chances(self) -> list[float]:
        """Per block, the daily chance that a block neighbour or outreach notices a need."""
        p = self.scenario.bystander.p_notice_day if self.scenario.informal.enabled else 0.0
        chances = []
        for mates in self.residents.block_members:
            q = 1.0 - (1.0 - p) ** (len(mates) - 1)
            chances.append(1.0 - (1.0 - q) * (1.0 - self.q_outreach))
        return chances

    def _on_notice(self, payload) -> None:
        need, version = payload
        if version != need.version or need.state not in BYSTANDER_STATES:
            return
        rng = self.rng_by
        if rng.random() * self._q_notice(need) < self.q_outreach:
            j = int(rng.random() * len(self.professionals))
            who, flags = self.n_residents + j, rule.OWNER
            self.events.log(need.id, "found on outreach", self.now, PROFESSIONAL + j)
        else:
            mates = self.residents.block_members[self.residents.block[need.resident]]
            who = mates[int(rng.random() * len(mates))]
            if who == need.resident:
                self._reschedule_bystanders(need)
                return
            flags = rule.TIE if who in self.residents.ties[need.resident] else 0
            self.events.log(need.id, "noticed by a neighbour", self.now, RESIDENT + who)
        self.make_aware(need, who, flags)

    def make_aware(self, need: Need, who: int, flags: int) -> None:
        need.aware[who] = need.aware.get(who, 0) | flags
        need.n_aware_max = max(need.n_aware_max, len(need.aware))
        self._reschedule_bystanders(need)

    def _on_act(self, payload) -> None:
        need, version, person = payload
        if version != need.version or need.state not in BYSTANDER_STATES:
            return
        if self._p1(person, need) <= 0:  # became busy meanwhile
            self._reschedule_bystanders(need)
            return
        need.acted_by_aware = True
        if person >= self.n_residents:
            j = person - self.n_residents
            need.route.append("found on outreach")
            need.tried |= TRIED_FORMAL
            if need.kind in (PRACTICAL, SOCIAL) and self._refer_informal(need, "outreach"):
                return
            self.wijkteam_arrive(need, PROFESSIONAL + j)
        elif need.kind == COMPLEX:
            need.route.append("brought in by a neighbour")
            self.formal_access(need, "brought to formal help")
        else:
            self.informal_load[person] += 1
            self.answer(need, "informal", RESIDENT + person)
            self._help_ends_later(need, ("resident", person))

    def _help_ends_later(self, need: Need, helper: tuple[str, int]) -> None:
        days = self.scenario.informal.help_days
        mean = (days.practical, days.social, days.ongoing, days.ongoing)[need.kind]
        self.schedule(self.now + mean * expo(need.u[U_HELP]), "help_end", (need, helper))

    def _on_help_end(self, payload) -> None:
        need, (kind, who) = payload
        if kind == "resident":
            self.informal_load[who] -= 1
        elif kind == "volunteer":
            who.tasks -= 1
        need.t_closed = self.now
        self._go(need, "help ends", "closed", need.helper)

    # --- volunteer initiative (klussenbank) ---------------------------------------------

    def to_initiative(self, need: Need) -> None:
        v = self.scenario.volunteers
        need.tried |= TRIED_INITIATIVE
        self._go(need, "asks the volunteer initiative", "matching", INITIATIVE)
        delay = v.matching_delay_days_mean * expo(self.rng_vol.random())
        self.schedule(self.now + delay, "match", (need, need.step))
        self.schedule(self.now + delay + self.scenario.seeking.patience_days, "patience",
                      (need, need.step))

    def _on_match(self, payload) -> None:
        need, step = payload
        if step != need.step or need.state != "matching":
            return
        cap = self.scenario.volunteers.capacity_tasks
        free = [v for v in self.volunteers
                if v.active and v.tasks < cap and v.resident.rid != need.resident]
        if not free:
            self.schedule(self.now + 1.0, "match", (need, step))
            return
        vol = free[int(self.rng_vol.random() * len(free))]
        vol.tasks += 1
        self.answer(need, "volunteer", VOLUNTEER + vol.resident.rid)
        self._help_ends_later(need, ("volunteer", vol))

    # --- meeting places ---------------------------------------------------------------

    def to_place(self, need: Need, place: MeetingPlace) -> None:
        need.tried |= TRIED_PLACE
        self._go(need, "asks at the meeting place", "place", PLACE + place.index)
        place.questions.append(need)
        self.schedule(self.now + self.scenario.seeking.patience_days, "patience",
                      (need, need.step))

    def _visits(self, d: int) -> None:
        """Today's visits: familiarity forms, needs surface, volunteers are recruited.

        The groups whose weekday it is meet; each member comes with probability
        ``visits_per_year`` x 7 / 365 and meets others of the group who came.
        """
        mp = self.scenario.meeting_places
        p_come = mp.visits_per_year * 7.0 / 365.0
        weekday = d % 7
        for place in self.places:
            members, ends = place.meeting_on_weekday[weekday]
            if not len(members):
                continue
            came = np.flatnonzero(self.rng_meet_np.random(len(members)) < p_come)
            who, came = members[came].tolist(), came.tolist()
            place.visits += len(came)
            lo = start = 0
            for g, end in zip(place.groups_on_weekday[weekday], ends, strict=True):
                hi = bisect.bisect_left(came, end, lo)
                if hi > lo:
                    self._meeting(place, g, who[lo:hi], [c - start for c in came[lo:hi]])
                lo, start = hi, end

    def _meeting(self, place: MeetingPlace, g: int, visitors: list[int], seats: list[int]
                 ) -> None:
        """The visitors of group ``g`` (at these seats in the group) meet each other."""
        mp = self.scenario.meeting_places
        rng, count = self.rng_meet, len(visitors)
        counting = self.now >= self.stats_from
        familiarity, ties = place.familiarity[g], self.residents.ties
        for v, seat in zip(visitors, seats, strict=True):
            met_today = [int(rng.random() * count) for _ in range(mp.contacts_per_visit)]
            met_today = [k for k in met_today if visitors[k] != v]
            contacts = [visitors[k] for k in met_today]
            for k in met_today:
                pair = pair_index(seat, seats[k])
                met = familiarity[pair]
                if met < mp.visits_for_familiarity:
                    familiarity[pair] = met = met + 1
                    if met == mp.visits_for_familiarity and visitors[k] not in ties[v]:
                        ties[v].add(visitors[k])
                        ties[visitors[k]].add(v)
                        self.familiarity_ties += 1
                        self.familiarity_ties_counted += counting
            need = self.open_need_of.get(v)
            if (need is not None and need.state in BYSTANDER_STATES and contacts
                    and rng.random() < mp.p_notice_visit):
                self._noticed_at_place(need, place, v, contacts)
            if (self.scenario.volunteers.initiative
                    and self.resident_agents[v].volunteer is None
                    and rng.random() < self.scenario.volunteers.p_recruit_visit):
                self._new_volunteer(self.resident_agents[v])
                self.volunteers_recruited += counting

    def _noticed_at_place(self, need: Need, place: MeetingPlace, visitor: int,
                          contacts: list[int]) -> None:
        """Everyone the visitor met becomes aware; the first may be the named owner."""
        owner = self.rng_meet.random() < self.p_owner_at_place
        ties = self.residents.ties[visitor]
        for i, c in enumerate(contacts):
            flags = rule.TIE if c in ties else 0
            if owner and i == 0:
                flags |= rule.OWNER
            need.aware[c] = need.aware.get(c, 0) | flags
        need.n_aware_max = max(need.n_aware_max, len(need.aware))
        self.events.log(need.id, "noticed at the meeting place", self.now, PLACE + place.index)
        self._reschedule_bystanders(need)

    def _hosts(self, d: int) -> None:
        """Hosts plan the day's care questions; what they cannot take makes the place overloaded."""
        cap = self.scenario.meeting_places.capacity_questions_per_day
        for place in self.places:
            self._plan_day(place.questions, place, cap, d, "place", "host")
            if any(q.state == "place" for q in place.questions) and d >= self.stats_from:
                place.overloaded_days += 1

    def _on_host(self, payload) -> None:
        need, place = payload
        if need.state != "place":
            return
        if need.kind in (PRACTICAL, SOCIAL):
            self.answer(need, "meeting_place", PLACE + place.index)
            self._help_ends_later(need, ("place", place.index))
        elif self.scenario.wijkteam.share_outreach > 0:
            need.route.append("consultation hour")
            self.wijkteam_arrive(need, PLACE + place.index)
        else:
            self.formal_access(need, "referred by the meeting place")

    def _plan_day(self, queue: deque, holder, capacity: float, d: int, state: str, event: str
                  ) -> None:
        """Take up to the day's capacity of still-waiting requests, spread over the day.

        Only the fraction of a request that a day's capacity leaves over carries to the
        next day, so a desk of capacity 2.5 handles 2 and 3 on alternate days.
        """
        available = holder.credit + capacity
        taken = []
        while queue and len(taken) + 1 <= available:
            need = queue.popleft()
            if need.state == state:
                taken.append(need)
        holder.credit = (available - len(taken)) % 1.0
        for i, need in enumerate(taken):
            self.schedule(d + (i + 0.5) / len(taken), event, (need, holder))

    # --- formal access: front desk or walk-in ------------------------------------------

    def formal_access(self, need: Need, step: str) -> None:
        need.tried |= TRIED_FORMAL
        if self.frontdesk is not None:
            self._go(need, step + ": vraagwijzer", "desk", VRAAGWIJZER)
            self.frontdesk.queue.append(need)
        else:
            need.route.append(step)
            self.wijkteam_arrive(need, RESIDENT + need.resident)

    def _desk(self, d: int) -> None:
        fd = self.frontdesk
        self._plan_day(fd.queue, fd, self.scenario.frontdesk.capacity_per_day, d, "desk", "desk")

    def _on_desk(self, payload) -> None:
        need, _ = payload
        if need.state != "desk":
            return
        s, u = self.scenario, need.u
        simple = need.kind in (PRACTICAL, SOCIAL)
        if simple and u[U_RESOLVE] < s.frontdesk.p_resolve:
            self.answer(need, "vraagwijzer", VRAAGWIJZER)
            self._help_ends_later(need, ("desk", 0))
        elif simple and self._refer_informal(need, "vraagwijzer"):
            pass
        elif u[U_DROPOUT] < s.frontdesk.p_dropout_referral * (
                1.0 + self.residents.reluctance_ask[need.resident]):
            self.withdraw(need, "drops out after referral")
        else:
            self._go(need, "referred to the wijkteam", "referred", VRAAGWIJZER)
            delay = s.frontdesk.referral_delay_days_mean * expo(u[U_REFERRAL_DELAY])
            self.schedule(self.now + delay, "referral", need)

    def _on_referral(self, need: Need) -> None:
        if need.state == "referred":
            self.wijkteam_arrive(need, VRAAGWIJZER)

    def _refer_informal(self, need: Need, by: str) -> bool:
        """Formal-informal integration: pass a suitable request to informal help."""
        if need.u[U_REFER] >= self.p_refer_informal:
            return False
        if self.volunteers and not need.tried & TRIED_INITIATIVE:
            need.route.append(f"{by} refers to informal help")
            self.to_initiative(need)
            return True
        if self.places and not need.tried & TRIED_PLACE:
            need.route.append(f"{by} refers to informal help")
            self.to_place(need, self.places[int(need.u[U_PLACE_PICK] * len(self.places))])
            return True
        return False

    # --- the wijkteam: slots, waiting list, triage ---------------------------------------

    def wijkteam_arrive(self, need: Need, resource: int) -> None:
        need.t_intake = self.now
        need.urgency_intake = need.urgency
        self._go(need, "arrives at the wijkteam", "waitlist", resource)
        if (need.kind in (PRACTICAL, SOCIAL) and need.repeat_of < 0 and not need.crisis
                and self._refer_informal(need, "wijkteam")):
            return
        need.t_queue = self.now
        self.waitlist_len += 1
        if self.slots_busy < self.slots:
            self._start_case(need)
        else:
            self._enqueue(need)
            if self.now >= self.stats_from:
                self.waitlist_max = max(self.waitlist_max, self.waitlist_len)

    def _enqueue(self, need: Need) -> None:
        cls = need.urgency if self.scenario.access.triage == "urgency" else 0
        self.waitlist[cls].append(need)

    def _dequeue(self) -> Need | None:
        """Next case: first come first served, or highest urgency first (non-preemptive)."""
        for cls in (2, 1, 0):
            q = self.waitlist[cls]
            while q:
                need = q.popleft()
                if need.state == "waitlist" and (
                        cls == 0 and self.scenario.access.triage == "fifo" or need.urgency == cls):
                    return need
        return None

    def _start_case(self, need: Need) -> None:
        w = self.scenario.wijkteam
        self.waitlist_len -= 1
        prof = self._least_loaded()
        need.overloaded = prof.load_share >= w.overload_threshold
        self.slots_busy += 1
        prof.cases.add(need.id)
        need.queue_wait = self.now - need.t_queue
        factor = (w.duration_factor.practical, w.duration_factor.social, w.duration_factor.ongoing,
                  w.duration_factor.complex)[need.kind]
        u = need.u[U_SVC]
        if w.duration_distribution == "exponential":
            base = expo(u)
        else:
            sigma = self._lognormal_sigma
            base = math.exp(sigma * _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12)) - sigma ** 2 / 2)
        duration = self.duration_scale * factor * base
        if need.overloaded:
            duration *= 1.0 + w.overload_duration_factor
        self.answer(need, "wijkteam", PROFESSIONAL + prof.index, state="in_care")
        self.schedule(self.now + duration, "case_end", (need, prof))

    def _least_loaded(self) -> Professional:
        """The professional with the fewest cases (the lowest index among equals)."""
        heap = self._by_load
        while True:
            load, j = heapq.heappop(heap)
            prof = self.professionals[j]
            if len(prof.cases) == load:
                heapq.heappush(heap, (load + 1, j))
                if len(heap) > 4 * len(self.professionals):  # drop stale entries
                    heap[:] = [(len(p.cases) + (p is prof), p.index) for p in self.professionals]
                    heapq.heapify(heap)
                return prof

    def _on_case_end(self, payload) -> None:
        need, prof = payload
        prof.cases.discard(need.id)
        heapq.heappush(self._by_load, (len(prof.cases), prof.index))
        self.slots_busy -= 1
        need.t_closed = self.now
        self._go(need, "case ends", "closed", PROFESSIONAL + prof.index)
        nxt = self._dequeue()
        if nxt is not None:
            self._start_case(nxt)
        if need.overloaded and self.rng_team.random() < self.scenario.wijkteam.overload_p_repeat:
            self.new_need(need.resident, need.kind, need.urgency,
                          self.rng_team_np.random(N_U).tolist(), repeat_of=need.id)

    # --- escalation, crisis, withdrawal ----------------------------------------------------

    def _schedule_escalation(self, need: Need, t: float) -> None:
        e = self.scenario.escalation
        mean = (e.low_to_medium_days, e.medium_to_high_days, e.high_to_crisis_days)[need.urgency]
        u = need.u[U_ESC_LOW + need.urgency]
        self.schedule(t + mean * expo(u), "escalate", (need, need.urgency))

    def _on_escalate(self, payload) -> None:
        need, level = payload
        if need.state not in UNANSWERED or need.urgency != level or need.crisis:
            return
        if level < HIGH:
            need.urgency = level + 1
            self.events.log(need.id, f"urgency rises to {URGENCIES[level + 1]}", self.now,
                           RESIDENT + need.resident)
            if need.state == "waitlist" and self.scenario.access.triage == "urgency" \
                    and not math.isnan(need.t_queue):
                self._enqueue(need)
            self._schedule_escalation(need, self.now)
            return
        need.crisis = True
        self.crises += 1
        self.events.log(need.id, "crisis", self.now, RESIDENT + need.resident)
        if need.state != "waitlist":
            need.route.append("crisis")
            self.wijkteam_arrive(need, CRISIS_SERVICE)

    def _on_withdraw(self, need: Need) -> None:
        if need.state in UNANSWERED:
            self.withdraw(need, "withdraws")

    def withdraw(self, need: Need, step: str) -> None:
        if need.state == "waitlist" and not math.isnan(need.t_queue):
            self.waitlist_len -= 1
        need.outcome = "withdrawn"
        need.t_closed = self.now
        self._go(need, step, "withdrawn", RESIDENT + need.resident)

    # --- the morning ---------------------------------------------------------------------

    def _morning(self, d: int) -> None:
        if self.frontdesk is not None:
            self._desk(d)
        if self.places:
            self._visits(d)
            self._hosts(d)
        if self.volunteers:
            for v in self.volunteers:
                v.upkeep(self.loss_unclear)
            self.volunteers = [v for v in self.volunteers if v.active]

    # --- daily series ------------------------------------------------------------------

    def _daily_reporters(self) -> dict[str, Any]:
        def count(state):
            return lambda m: m.state_counts[state]
        reporters: dict[str, Any] = {"day": lambda m: m.day - 1}
        for st in STATES:
            reporters[st] = count(st)
        reporters.update({
            "needs_total": lambda m: len(m.needs),
            "open_needs": lambda m: sum(m.state_counts[s] for s in UNANSWERED),
            "waitlist_length": lambda m: m.waitlist_len,
            "active_cases": lambda m: m.slots_busy,
            "slots": lambda m: m.slots,
            "volunteers_active": lambda m: len([v for v in m.volunteers if v.active]),
            "crises_cum": lambda m: m.crises,
            "familiarity_ties_cum": lambda m: m.familiarity_ties,
            "place_questions": lambda m: sum(len([q for q in p.questions if q.state == "place"])
                                             for p in m.places),
            "desk_queue": lambda m: m.state_counts["desk"],
        })
        return reporters

    def counters(self, until: float) -> dict[str, float | int]:
        """The model's own end-of-run figures the KPIs need (:mod:`sim.kpis`).

        Time averages integrate busy slots and the waiting list exactly since the
        warm-up; the other counts started at the warm-up too.
        """
        self._mark(until)
        span = max(until - self.stats_from, 1e-12)
        return {
            "n_residents": self.n_residents,
            "slots": self.slots,
            "slots_busy_mean": self._area_busy / span,
            "waitlist_mean": self._area_wait / span,
            "waitlist_max": int(self.waitlist_max),
            "waitlist_end": int(self.waitlist_len),
            "volunteers_active_end": int(sum(v.active for v in self.volunteers)),
            "volunteers_recruited": int(self.volunteers_recruited),
            "volunteers_dropped": int(self.volunteers_dropped),
            "place_overloaded_days": int(sum(p.overloaded_days for p in self.places)),
            "familiarity_ties_formed": int(self.familiarity_ties_counted),
        }


def _geometric(u: float, q: float) -> int:
    """Days until the first success of daily trials with probability ``q`` (1, 2, ...)."""
    if q >= 1.0:
        return 1
    return 1 + int(math.log1p(-u) / math.log1p(-q))


def _pick(weights: list[tuple[int, float]], target: float) -> int:
    """The person whose cumulative weight first reaches ``target``."""
    for person, weight in weights:
        target -= weight
        if target <= 0:
            return person
    return weights[-1][0]


def _norm(shares: list[float]) -> np.ndarray:
    a = np.asarray(shares, dtype=float)
    return a / a.sum()
