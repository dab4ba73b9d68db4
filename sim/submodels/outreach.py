"""Outreach: professionals who spend time in the neighbourhood find needs early (ODD 7.5, 7.11).

Schiedam's WOT professionals spend mandated hours in the neighbourhood and find
needs earlier (the seed, DOMAIN.md). Here a share ``share_outreach`` of their time
goes to outreach: each professional meets ``outreach_contacts_per_day`` residents a
day there, so an open need's resident is met with a daily chance (noticing, 7.5).
A professional who found a need takes it as theirs, its named owner, only with the
chance ``p_owner_outreach``: the seed's elephant in the room holds for professionals
too, and one who does not own the need is one more bystander, acting the less the more
people know of it (7.4). Outreach is worth its time only if it does more than feed the waiting
list: a conversation on outreach is a first contact like the desk's or the walk-in
intake's (:mod:`.first_contact`), so a simple question is answered there and a light
need connected to informal help; only what needs a plan joins the team's list. The
resident, having met someone who knows whom to ask, is less reluctant to ask next
time. Its hours come out of the professionals' week (:mod:`sim.budget`): they are not
spent on cases (7.11).

Outreach also meets the residents who gave up on a need that stayed (escalation.py):
nobody else looks for those, so it is the only route that finds them before they
surface as a crisis. The professional who meets one brings the need back into view,
one more person aware of it, and the bystander rule decides as for any need (7.4).
"""

from __future__ import annotations

import math

from ..streams import scalar, trial_time
from ..vocabulary import (
    HIDDEN,
    PROFESSIONAL,
    TRIED_FORMAL,
    Need,
)
from .bystander import OWNER


class Outreach:
    """The chance outreach meets a resident, and what the professional then does."""

    def __init__(self, model) -> None:
        self.m = model
        w = self.w = model.scenario.wijkteam
        self.rng_owner = scalar(model.seed, "ownership")
        #: chance that a given open need's resident is met on outreach today
        self.p_found_day = min(1.0, w.n_professionals * w.share_outreach
                               * w.outreach_contacts_per_day / model.residents.n)
        self.rng_hidden = scalar(model.seed, "outreach_hidden")
        model.calendar.on({"meet_hidden": self.on_meet_hidden})

    def found_day(self, t: float) -> float:
        """When outreach next meets, after ``t``, a resident whose need stays hidden
        (infinity without outreach)."""
        if self.p_found_day <= 0:
            return math.inf
        return trial_time(self.rng_hidden, t, self.p_found_day)

    def look_for(self, need: Need, day: float | None = None) -> None:
        """A need given up on stays hidden: outreach meets its resident on ``day`` (drawn
        now unless given)."""
        day = self.found_day(self.m.now) if day is None else day
        if day < math.inf:
            self.m.calendar.schedule(day, "meet_hidden", (need, need.route_step))

    def on_meet_hidden(self, payload) -> None:
        """A professional meets a resident whose given-up need is still there."""
        need, step = payload
        if need.state != HIDDEN or step != need.route_step:
            return
        m = self.m
        j = int(self.rng_hidden.random() * len(m.wijkteam.professionals))
        m.escalation.reopen(need)
        m.transition(need, "found on outreach after giving up", "unvoiced", PROFESSIONAL + j)
        m.noticing.make_aware(need, m.residents.n + j, self.finder_flags())

    def finder_flags(self) -> int:
        """Bystander flags of a professional who just found a need: OWNER by chance."""
        return OWNER if self.rng_owner.random() < self.w.p_owner_outreach else 0

    def act(self, need: Need, j: int) -> None:
        """Professional ``j`` takes up a need found on outreach: the first contact's rule
        (:mod:`.first_contact`) in the street, so a light need is answered or connected
        there, and only what needs a plan joins the team's list."""
        m = self.m
        if not need.tried & TRIED_FORMAL:
            reluctance = m.residents.reluctance_ask
            reluctance[need.resident] *= 1.0 - self.w.outreach_reluctance_reduction
        need.route.append("found on outreach")
        need.tried |= TRIED_FORMAL
        if math.isnan(need.t_formal):  # the first time
            need.t_formal = m.now
        if not m.first_contact.settles(need, "outreach", PROFESSIONAL + j):
            m.wijkteam.arrive(need, PROFESSIONAL + j, contacted=True)
