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
        days = self.s.informal.help_days
        self._help_days_mean = (days.practical, days.social, days.ongoing, days.ongoing)
        model.calendar.on({"help_end": self.on_help_end})

    def start(self, need: Need, person: int) -> None:
        """Resident ``person`` helps with ``need``."""
        self.m.informal_load[person] += 1
        self.m.answer(need, "informal", RESIDENT + person)
        self.ends_later(need, person=person)

    def ends_later(self, need: Need, person: int = -1, volunteer=None) -> None:
        """Schedule the end of the help that just started; the helping resident
        ``person`` or ``volunteer`` (if either) is freed then."""
        self.schedule(self.m.now + self.help_days(need.kind, need.u[U_HELP]), "help_end",
                      (need, person, volunteer))

    def help_days(self, kind: int, u: float) -> float:
        """How long help with a request of this kind lasts, drawn from the uniform ``u``."""
        return self._help_days_mean[kind] * expo(u)

    def on_help_end(self, payload) -> None:
        """Help ends: the helper is free again, the request closed."""
        need, person, volunteer = payload
        if person >= 0:
            self.m.informal_load[person] -= 1
        elif volunteer is not None:
            volunteer.tasks -= 1
        need.t_closed = self.m.now
        self.m.transition(need, "help ends", "closed", need.helper)
