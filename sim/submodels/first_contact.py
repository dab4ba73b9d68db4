"""The first contact: one rule at the desk's counter, the walk-in intake and on outreach (ODD 7.9).

Where a resident first meets a professional differs by access policy: at Rotterdam's
vraagwijzer, at the walk-in intake of Schiedam's WOT, or in the street on outreach.
What a first contact can do does not (DOMAIN.md: a fair comparison lets every first
contact answer what it can), so every one of them runs this rule:

1. A first practical or social question that is no crisis is answered on the spot,
   with chance ``first_contact.p_answer_simple``.
2. A first request informal help can take (not complex, not yet highly urgent, no
   crisis) is connected to it with the integration level's chance
   ``integration.p_refer_informal``: to the volunteer initiative or a meeting place
   (practical and social questions), else to one of the resident's ties not yet asked
   (which place or tie: the need's own ``U_PLACE_PICK``).
   How well the connection holds is what the seed's three levels (verbinden,
   samenwerken, samenspel) are about: with the level's chance
   ``integration.p_warm_handover`` the professional hands it over warmly, asking the
   volunteer, host or tie on the resident's behalf; otherwise the resident leaves with
   a leaflet and follows it up only with chance 1 - reluctance to ask. A leaflet not
   followed leaves the need with the resident, unvoiced: it can still be noticed, and it
   grows worse.
3. The rest goes on to the team: the caller's policy says how (the desk refers it, with
   delay and dropout; the walk-in intake and outreach put it on the team's list).
"""

from __future__ import annotations

import math

from ..vocabulary import (
    COMPLEX,
    FIRST_CONTACT,
    HIGH,
    RESIDENT,
    SIMPLE_KINDS,
    TRIED_INITIATIVE,
    TRIED_NETWORK,
    TRIED_PLACE,
    U_HANDOVER,
    U_PLACE_PICK,
    U_REFER,
    U_RESOLVE,
    Need,
)
from .bystander import DIRECT, TIE


class FirstContact:
    """What a professional's first contact with a request does, wherever it happens."""

    def __init__(self, model) -> None:
        self.m = model
        s = model.scenario
        self.p_answer = s.first_contact.p_answer_simple
        self.p_connect = s.at_level("p_refer_informal")
        self.p_warm = s.at_level("p_warm_handover")

    def settles(self, need: Need, where: str, resource: int) -> bool:
        """Hold the first contact with ``need`` at ``where``: True if it was settled here
        (answered, connected, or sent home with a leaflet), False if it goes on to the
        team. Before day 0, in a warm start's pre-history where informal help does not
        run, a request connected to it is closed and not followed (ODD 5)."""
        m = self.m
        need.contact(m.now)
        if need.repeat_of < 0 and not need.crisis:
            u = need.u
            if need.kind in SIMPLE_KINDS and u[U_RESOLVE] < self.p_answer:
                m.answer(need, FIRST_CONTACT, resource)
                m.informal.ends_later(need)
                return True
            if (need.kind != COMPLEX and need.urgency < HIGH and u[U_REFER] < self.p_connect
                    and self._connect(need, where, resource)):
                return True
        if math.isnan(need.t_sent):  # the first time it is sent on
            need.t_sent = m.now
        return False

    def _connect(self, need: Need, where: str, resource: int) -> bool:
        """Connect ``need`` to informal help; False if no route is left for it."""
        m = self.m
        initiative = (bool(m.volunteering.pool) and need.kind in SIMPLE_KINDS
                      and not need.tried & TRIED_INITIATIVE)
        places = (m.meeting.places if need.kind in SIMPLE_KINDS and not need.tried & TRIED_PLACE
                  else [])
        ties = self._ties_not_asked(need) if not need.tried & TRIED_NETWORK else []
        if not (initiative or places or ties):
            return False
        if m.now < 0:
            need.t_closed = m.now
            m.transition(need, "connected to informal help before day 0", "closed", resource)
            return True
        h = need.u[U_HANDOVER]
        warm = h < self.p_warm
        if not warm and (h - self.p_warm) / (1.0 - self.p_warm) >= \
                1.0 - m.residents.reluctance_ask[need.resident]:
            need.route.append(f"{where} gives a leaflet")
            m.transition(need, "leaflet not followed", "unvoiced", RESIDENT + need.resident)
            m.noticing.reschedule(need)
            return True
        need.route.append(f"{where} connects to informal help"
                          + (" (warm handover)" if warm else " (leaflet followed)"))
        if initiative:
            m.volunteering.ask(need)
        elif places:
            m.meeting.ask(need, places[int(need.u[U_PLACE_PICK] * len(places))])
        else:
            self._ask_a_tie(need, ties, resource)
        return True

    def _ties_not_asked(self, need: Need) -> list[int]:
        """The resident's ties not yet asked directly, in a fixed order."""
        if not self.m.scenario.informal.enabled:
            return []
        return sorted(t for t in self.m.residents.ties[need.resident]
                      if not need.aware.get(t, 0) & DIRECT)

    def _ask_a_tie(self, need: Need, ties: list[int], resource: int) -> None:
        """One of ``ties`` is asked directly to help, a request diffusion hardly touches;
        the resident waits for an answer as long as their patience lasts."""
        m = self.m
        who = ties[int(need.u[U_PLACE_PICK] * len(ties))]  # a place or a tie: one choice
        need.tried |= TRIED_NETWORK
        need.aware[who] = need.aware.get(who, 0) | DIRECT | TIE
        need.n_aware_max = max(need.n_aware_max, len(need.aware))
        m.transition(need, "a tie is asked to help", "asking", resource)
        m.events.log(need.id, "asked to help", m.now, RESIDENT + who)
        m.noticing.reschedule(need)
        m.calendar.schedule(m.now + m.scenario.seeking.patience_days, "patience",
                            (need, need.route_step))
