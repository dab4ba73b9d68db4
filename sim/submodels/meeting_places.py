"""Meeting places (ontmoetingsplekken): visits, familiarity, needs surfacing, hosts (ODD 7.8).

Community living rooms such as DOOR (Dordrecht) and De Buurtvrouw (Schiedam) are
where residents meet, become familiar with each other (publieke vertrouwdheid),
where needs are noticed and where care questions are brought to the hosts, who can
become overloaded with them (the seed, chapter 6). Members come in their own
rhythm: each belongs to one group of regulars (a coffee morning, a club) that
meets on a fixed weekday, so the same people meet again and again, and repeated
co-presence turns into a tie. A visitor with an open need may tell the people they
meet, who then know of it as bystanders (7.4); the first may be its named owner,
with a chance declared per integration level (``integration.p_owner_place``, 7.13):
the more formal and informal help work as one, the more often someone is named.
"""

from __future__ import annotations

import bisect

import numpy as np

from ..streams import generator, scalar
from ..vocabulary import (
    BYSTANDER_STATES,
    PLACE,
    SIMPLE_KINDS,
    TRIED_PLACE,
    Need,
)
from .bystander import OWNER, TIE


def pair_counts(n_members: int) -> bytearray:
    """Meetings per pair of a group's members, up to the familiarity threshold.

    One byte per pair, by triangular index (:func:`pair_index`): 300 bytes for 25.
    """
    return bytearray(n_members * (n_members - 1) // 2)


def pair_index(i: int, j: int) -> int:
    """Index in :func:`pair_counts` of the unordered pair of distinct members ``i``, ``j``."""
    if i < j:
        i, j = j, i
    return i * (i - 1) // 2 + j


class MeetingPlaces:
    """Every meeting place of the neighbourhood, and what happens there."""

    def __init__(self, model, make_place) -> None:
        self.m = model
        s = self.s = model.scenario
        self.schedule = model.calendar.schedule
        self.rng = scalar(model.seed, "meeting")
        self.rng_np = generator(model.seed, "meeting")
        #: chance that the first person told at a place becomes the need's named owner
        self.p_owner = s.at_level("p_owner_place")
        self.places: list = []
        self.place_of = None  # resident id -> their place, -1 if they visit none
        self.ties_formed = 0
        self.ties_formed_counted = 0  # of these, formed after the warm-up
        self._meet = self._meeting
        mp = s.meeting_places
        if s.informal.enabled and mp.n_places > 0:
            rng = generator(model.seed, "population", 1)
            n = model.residents.n
            visitor = rng.random(n) < mp.share_visitors
            place_of = rng.integers(0, mp.n_places, size=n)
            for k in range(mp.n_places):  # members in random order, cut into groups
                members = rng.permutation(np.flatnonzero(visitor & (place_of == k)))
                self.places.append(make_place(k, members, mp.group_size))
            self.place_of = np.where(visitor, place_of, -1)
        model.calendar.on({"host": self.on_host})

    @property
    def p_come(self) -> float:
        """Chance that a member comes to their group's weekly meeting."""
        return self.s.meeting_places.visits_per_year * 7.0 / 365.0

    def ask(self, need: Need, place) -> None:
        """The resident brings the question to the hosts of ``place``."""
        m = self.m
        need.tried |= TRIED_PLACE
        m.transition(need, "asks at the meeting place", "place", PLACE + place.index)
        place.questions.append(need)
        self.schedule(m.now + self.s.seeking.patience_days, "patience", (need, need.route_step))

    def morning(self, d: int) -> None:
        """Today's visits, then the hosts plan the day's care questions."""
        self._visits(d)
        self._hosts(d)

    def _visits(self, d: int) -> None:
        """Familiarity forms, needs surface, volunteers are recruited.

        The groups whose weekday it is meet; each member comes with probability
        ``visits_per_year`` x 7 / 365 and meets others of the group who came. One
        draw per place decides who comes to all of that day's groups.
        """
        p_come = self.p_come
        weekday = d % 7
        for place in self.places:
            members, ends = place.meeting_on_weekday[weekday]
            if not len(members):
                continue
            came = np.flatnonzero(self.rng_np.random(len(members)) < p_come)
            who, came = members[came].tolist(), came.tolist()
            place.visits += len(came)
            lo = start = 0
            for g, end in zip(place.groups_on_weekday[weekday], ends, strict=True):
                hi = bisect.bisect_left(came, end, lo)
                if hi > lo:
                    self._meet(place, g, who[lo:hi], [c - start for c in came[lo:hi]])
                lo, start = hi, end

    def _meeting(self, place, g: int, visitors: list[int], seats: list[int]) -> None:
        """The visitors of group ``g`` (at these seats in the group) meet each other."""
        m, mp = self.m, self.s.meeting_places
        rng, count = self.rng, len(visitors)
        counting = m.now >= m.stats_from
        familiarity, ties = place.familiarity[g], m.residents.ties
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
                        self.ties_formed += 1
                        self.ties_formed_counted += counting
            need = m.open_need_of.get(v)
            if need is not None and need.state in BYSTANDER_STATES:
                self._maybe_noticed(need, place, v, contacts)
            m.volunteering.maybe_recruit(v, rng)

    def only_needs(self) -> None:
        """Meet as the warm start's pilot needs (ODD 5), which reads only which requests
        reach the teams, and when: familiarity is left alone (no ties form), and a visitor
        without an open need skips the draws of whom they meet at once (``getrandbits``
        advances the stream by as many words), so every other draw stays the same."""
        self._meet = self._meeting_with_needs

    def _meeting_with_needs(self, place, g: int, visitors: list[int], seats: list[int]) -> None:
        """:meth:`_meeting` without familiarity, drawing contacts only for open needs."""
        m, rng, count = self.m, self.rng, len(visitors)
        n_contacts = self.s.meeting_places.contacts_per_visit
        recruiting = self.s.volunteers.initiative
        skipped = 0  # contact draws owed by visitors without an open need
        for v in visitors:
            need = m.open_need_of.get(v)
            if need is None or need.state not in BYSTANDER_STATES:
                skipped += n_contacts
                if recruiting:
                    rng.getrandbits(64 * skipped)  # as many words as `skipped` random()s
                    skipped = 0
                    m.volunteering.maybe_recruit(v, rng)
                continue
            if skipped:
                rng.getrandbits(64 * skipped)
                skipped = 0
            met = [visitors[int(rng.random() * count)] for _ in range(n_contacts)]
            self._maybe_noticed(need, place, v, [c for c in met if c != v])
            m.volunteering.maybe_recruit(v, rng)
        if skipped:
            rng.getrandbits(64 * skipped)

    def _maybe_noticed(self, need: Need, place, visitor: int, contacts: list[int]) -> None:
        """The visitor may tell the people they met of their open need."""
        if contacts and self.rng.random() < self.s.meeting_places.p_notice_visit:
            self._noticed(need, place, visitor, contacts)

    def _noticed(self, need: Need, place, visitor: int, contacts: list[int]) -> None:
        """Everyone the visitor met becomes aware; the first may be the named owner."""
        m = self.m
        owner = self.rng.random() < self.p_owner
        ties = m.residents.ties[visitor]
        for i, c in enumerate(contacts):
            flags = TIE if c in ties else 0
            if owner and i == 0:
                flags |= OWNER
            need.aware[c] = need.aware.get(c, 0) | flags
        need.n_aware_max = max(need.n_aware_max, len(need.aware))
        m.events.log(need.id, "noticed at the meeting place", m.now, PLACE + place.index)
        m.noticing.reschedule(need)

    def _hosts(self, d: int) -> None:
        """Hosts plan the day's care questions; what they cannot take makes the place overloaded."""
        m = self.m
        cap = self.s.meeting_places.capacity_questions_per_day
        for place in self.places:
            m.calendar.plan_day(place.questions, place, cap, d, "place", "host")
            if any(q.state == "place" for q in place.questions) and d >= m.stats_from:
                place.overloaded_days += 1

    def on_host(self, payload) -> None:
        """The hosts answer a simple question, take it to a consultation hour, or refer it."""
        need, place = payload
        if need.state != "place":
            return
        m = self.m
        if need.kind in SIMPLE_KINDS:
            m.answer(need, "meeting_place", PLACE + place.index)
            m.informal.ends_later(need)
        elif self.s.wijkteam.share_outreach > 0:
            need.route.append("consultation hour")
            m.wijkteam.arrive(need, PLACE + place.index)
        else:
            m.access.enter(need, "referred by the meeting place")
