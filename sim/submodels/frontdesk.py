"""Formal access: Rotterdam's front-desk gate (vraagwijzer) or Schiedam's walk-in (ODD 7.9).

In Rotterdam residents cannot refer themselves to the wijkteam: they pass a
vraagwijzer, which holds the first contact (:mod:`.first_contact`, the same rule as
the walk-in intake's) and refers what it does not settle to the team, a step that
takes time and where people drop out, the more so the more reluctant they are to
ask; a referred request joins the team's list, its first contact held. In Schiedam
anyone can walk into the WOT, whose intake is the first contact (DOMAIN.md). The
desk is staffed from the team's professionals (``frontdesk.fte``): it holds as many
first contacts a day as its hours allow (:mod:`sim.budget`), planned each morning (3.1).
"""

from __future__ import annotations

import math

from ..budget import time_budget
from ..streams import expo
from ..vocabulary import (
    RESIDENT,
    TRIED_FORMAL,
    U_DROPOUT,
    U_REFERRAL_DELAY,
    VRAAGWIJZER,
    Need,
)


class FormalAccess:
    """The way in to formal help: through the desk (``desk`` is its agent) or straight in."""

    def __init__(self, model, make_desk) -> None:
        self.m = model
        self.s = model.scenario
        self.schedule = model.calendar.schedule
        self.desk = make_desk() if self.s.access.policy == "vraagwijzer" else None
        self.contacts_per_day = time_budget(self.s).desk_contacts_per_day
        model.calendar.on({"desk": self.on_desk, "referral": self.on_referral})

    def enter(self, need: Need, step: str) -> None:
        """The resident turns to formal help: to the desk's queue, or walks in."""
        need.tried |= TRIED_FORMAL
        if math.isnan(need.t_formal):  # the first time
            need.t_formal = self.m.now
        if self.desk is not None:
            self.m.transition(need, step + ": vraagwijzer", "desk", VRAAGWIJZER)
            self.desk.queue.append(need)
        else:
            need.route.append(step)
            self.m.wijkteam.arrive(need, RESIDENT + need.resident)

    def morning(self, d: int) -> None:
        """The desk plans the day's first contacts, as many as its hours allow."""
        self.m.calendar.plan_day(self.desk.queue, self.desk, self.contacts_per_day, d, "desk",
                                 "desk")

    def on_desk(self, payload) -> None:
        """The desk's first contact; what it does not settle is referred to the team."""
        need, _ = payload
        if need.state != "desk":
            return
        m, s = self.m, self.s
        if m.first_contact.settles(need, "vraagwijzer", VRAAGWIJZER):
            return
        if need.u[U_DROPOUT] < s.frontdesk.p_dropout_referral * (
                1.0 + m.residents.reluctance_ask[need.resident]):
            m.escalation.withdraw(need, "drops out after referral")
        else:
            m.transition(need, "referred to the wijkteam", "referred", VRAAGWIJZER)
            delay = s.frontdesk.referral_delay_days_mean * expo(need.u[U_REFERRAL_DELAY])
            self.schedule(m.now + delay, "referral", need)

    def on_referral(self, need: Need) -> None:
        """The referred resident reaches the wijkteam's list, unless they gave up meanwhile."""
        if need.state == "referred":
            self.m.wijkteam.arrive(need, VRAAGWIJZER, contacted=True)
