"""Who notices a need, and when one of those aware acts (ODD 7.4, 7.5).

The household knows at once; a block neighbour may notice on any day, and so may a
professional on outreach; at a meeting place the people a visitor meets hear of it
(7.8). Everyone aware decides each day by the diffusion rule of
:mod:`.bystander`: the more people know, the less each feels responsible, unless
asked directly, named owner, or tied to the person.

Rather than asking every aware person every day, the first day on which anyone
acts is drawn at once: each acts on a day with probability p_i, so the first acting
day is geometric with q = 1 - prod(1 - p_i), and the actor is drawn in proportion
to -log(1 - p_i), which is exact for competing daily hazards. A new draw replaces
the pending one whenever who is aware, or who is able, changes.
"""

from __future__ import annotations

import math

from ..streams import geometric, scalar, trial_time
from ..vocabulary import (
    BYSTANDER_STATES,
    COMPLEX,
    PROFESSIONAL,
    RESIDENT,
    Need,
)
from .bystander import TIE, p_act


class Noticing:
    """Awareness of open needs, and the bystander decision's schedule."""

    def __init__(self, model) -> None:
        self.m = model
        self.s = model.scenario
        self.residents = model.residents
        self.schedule = model.calendar.schedule
        self.rng = scalar(model.seed, "bystander")
        will = self.s.bystander.willingness
        self._willingness = (will.practical, will.social, will.ongoing, will.complex)
        self.p_notice_day_by_block = self._notice_chances(model.outreach.p_found_day)
        model.calendar.on({"notice": self.on_notice, "act": self.on_act})

    def p_alone(self, person: int, need: Need) -> float:
        """What this aware person would do alone, per day (0 if they cannot help now).

        A professional who found the need on outreach acts at the base rate; a
        resident by their willingness for this kind of need and their reluctance to
        help (handelingsverlegenheid), and not at all while helping at capacity.
        """
        s = self.s
        if person >= self.residents.n:
            return s.bystander.p_act_day
        if self.m.informal_load[person] >= s.informal.capacity_tasks:
            return 0.0
        w = self._willingness[need.kind]
        return s.bystander.p_act_day * w * (1.0 - self.residents.reluctance_help[person])

    def reschedule(self, need: Need) -> None:
        """Draw the first day someone aware acts, and the next time someone notices."""
        need.bystander_draw += 1
        if need.state not in BYSTANDER_STATES:
            return
        rng = self.rng
        n = len(need.aware)
        weights = []
        for person, flags in need.aware.items():
            p = p_act(self.s.bystander, n, flags, self.p_alone(person, need))
            if p > 0:
                weights.append((person, -math.log1p(-min(p, 1 - 1e-12))))
        if weights:
            total = sum(h for _, h in weights)
            q = -math.expm1(-total)
            k = geometric(rng.random(), q)
            actor = pick(weights, rng.random() * total)
            self.schedule(math.floor(self.m.now) + k + rng.random(), "act",
                          (need, need.bystander_draw, actor))
        q_notice = self.p_notice_day(need)
        if q_notice > 0:
            self.schedule(trial_time(rng, self.m.now, q_notice), "notice",
                          (need, need.bystander_draw))

    def p_notice_day(self, need: Need) -> float:
        """Daily chance that somebody new notices the need: a block neighbour or outreach."""
        return self.p_notice_day_by_block[self.residents.block[need.resident]]

    def _notice_chances(self, p_outreach_day: float) -> list[float]:
        """Per block, the daily chance that a block neighbour or outreach notices a need."""
        p = self.s.bystander.p_notice_day if self.s.informal.enabled else 0.0
        chances = []
        for mates in self.residents.block_members:
            q = 1.0 - (1.0 - p) ** (len(mates) - 1)
            chances.append(1.0 - (1.0 - q) * (1.0 - p_outreach_day))
        return chances

    def on_notice(self, payload) -> None:
        """Somebody new notices: a professional on outreach (owner by chance) or a neighbour."""
        need, draw = payload
        if draw != need.bystander_draw or need.state not in BYSTANDER_STATES:
            return
        m, rng = self.m, self.rng
        if rng.random() * self.p_notice_day(need) < m.outreach.p_found_day:
            j = int(rng.random() * len(m.wijkteam.professionals))
            who, flags = self.residents.n + j, m.outreach.finder_flags()
            m.events.log(need.id, "found on outreach", m.now, PROFESSIONAL + j)
        else:
            mates = self.residents.block_members[self.residents.block[need.resident]]
            who = mates[int(rng.random() * len(mates))]
            if who == need.resident:
                self.reschedule(need)
                return
            flags = TIE if who in self.residents.ties[need.resident] else 0
            m.events.log(need.id, "noticed by a neighbour", m.now, RESIDENT + who)
        self.make_aware(need, who, flags)

    def make_aware(self, need: Need, who: int, flags: int) -> None:
        """``who`` now knows of the need (with these flags); the schedule is drawn anew."""
        need.aware[who] = need.aware.get(who, 0) | flags
        need.n_aware_max = max(need.n_aware_max, len(need.aware))
        self.reschedule(need)

    def on_act(self, payload) -> None:
        """The drawn actor acts: a professional takes it up, a neighbour helps or brings it in."""
        need, draw, person = payload
        if draw != need.bystander_draw or need.state not in BYSTANDER_STATES:
            return
        if self.p_alone(person, need) <= 0:  # became busy meanwhile
            self.reschedule(need)
            return
        need.acted_by_aware = True
        m = self.m
        if person >= self.residents.n:
            m.outreach.act(need, person - self.residents.n)
        elif need.kind == COMPLEX:
            need.route.append("brought in by a neighbour")
            m.access.enter(need, "brought to formal help")
        else:
            m.informal.start(need, person)


def pick(weights: list[tuple[int, float]], target: float) -> int:
    """The person whose cumulative weight first reaches ``target``."""
    for person, weight in weights:
        target -= weight
        if target <= 0:
            return person
    return weights[-1][0]
