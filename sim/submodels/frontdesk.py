"""Formal access: Rotterdam's front-desk gate (vraagwijzer) or Schiedam's walk-in (ODD 7.9).

In Rotterdam residents cannot refer themselves to the wijkteam: they pass a
vraagwijzer, which answers simple questions itself and refers the rest, a step that
takes time and where people drop out, the more so the more reluctant they are to
ask. In Schiedam anyone can walk into the WOT, so the team's queue takes all
demand (DOMAIN.md). The desk handles a fixed number of requests a day, planned each
morning (3.1).
"""

from __future__ import annotations

from ..streams import expo
from ..vocabulary import (
    RESIDENT,
    SIMPLE_KINDS,
    TRIED_FORMAL,
    U_DROPOUT,
    U_REFERRAL_DELAY,
    U_RESOLVE,
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
        model.calendar.on({"desk": self.on_desk, "referral": self.on_referral})

    def enter(self, need: Need, step: str) -> None:
        """The resident turns to formal help: to the desk's queue, or walks in."""
        need.tried |= TRIED_FORMAL
        if self.desk is not None:
            self.m.transition(need, step + ": vraagwijzer", "desk", VRAAGWIJZER)
            self.desk.queue.append(need)
        else:
            need.route.append(step)
            self.m.wijkteam.arrive(need, RESIDENT + need.resident)

    def morning(self, d: int) -> None:
        """The desk plans the day's requests, up to its capacity."""
        self.m.calendar.plan_day(self.desk.queue, self.desk, self.s.frontdesk.capacity_per_day,
                                 d, "desk", "desk")

    def on_desk(self, payload) -> None:
        """The desk resolves a simple question, refers it to informal help, or to the team."""
        need, _ = payload
        if need.state != "desk":
            return
        m, s, u = self.m, self.s, need.u
        need.contact(m.now)
        simple = need.kind in SIMPLE_KINDS
        if simple and u[U_RESOLVE] < s.frontdesk.p_resolve:
            m.answer(need, "vraagwijzer", VRAAGWIJZER)
            m.informal.ends_later(need)
        elif simple and m.referral.refer(need, "vraagwijzer"):
            pass
        elif u[U_DROPOUT] < s.frontdesk.p_dropout_referral * (
                1.0 + m.residents.reluctance_ask[need.resident]):
            m.escalation.withdraw(need, "drops out after referral")
        else:
            m.transition(need, "referred to the wijkteam", "referred", VRAAGWIJZER)
            delay = s.frontdesk.referral_delay_days_mean * expo(u[U_REFERRAL_DELAY])
            self.schedule(m.now + delay, "referral", need)

    def on_referral(self, need: Need) -> None:
        """The referred resident reaches the wijkteam, unless they gave up meanwhile."""
        if need.state == "referred":
            self.m.wijkteam.arrive(need, VRAAGWIJZER)
