"""Informal help by household members, ties and neighbours, and when help ends (ODD 7.6).

A resident who acts on a need they know of helps with it, up to
``informal.capacity_tasks`` needs at once; while at capacity they act on no other
need (7.4). Any help (informal, volunteer, host or desk) lasts an exponential time
with the kind's mean, drawn from the need's own uniform, and then frees its helper.
"""

from __future__ import annotations

from ..streams import expo
from ..vocabulary import RESIDENT, U_HELP, Need


class InformalHelp:
    """Help by residents, and the end of every kind of help that is not a wijkteam case."""

    def __init__(self, model) -> None:
        self.m = model
        self.s = model.scenario
        self.schedule = model.calendar.schedule
        model.calendar.on({"help_end": self.on_help_end})

    def start(self, need: Need, person: int) -> None:
        """Resident ``person`` helps with ``need``."""
        self.m.informal_load[person] += 1
        self.m.answer(need, "informal", RESIDENT + person)
        self.ends_later(need, ("resident", person))

    def ends_later(self, need: Need, helper: tuple) -> None:
        """Schedule the end of the help that just started; ``helper`` is freed then."""
        days = self.s.informal.help_days
        mean = (days.practical, days.social, days.ongoing, days.ongoing)[need.kind]
        self.schedule(self.m.now + mean * expo(need.u[U_HELP]), "help_end", (need, helper))

    def on_help_end(self, payload) -> None:
        need, (kind, who) = payload
        if kind == "resident":
            self.m.informal_load[who] -= 1
        elif kind == "volunteer":
            who.tasks -= 1
        need.t_closed = self.m.now
        self.m.transition(need, "help ends", "closed", need.helper)
