"""The professionals' time budget: every hour of professional work comes out of one week.

A fair comparison of access policies holds staff time equal (DOMAIN.md): the desk's
shifts, the walk-in intakes, outreach and the cases are all drawn from the same
professionals' hours, ``wijkteam.n_professionals`` full-time equivalents of
``wijkteam.hours_per_fte_week`` each. The desk's capacity follows from its hours and the
minutes a first contact takes; the hours left for cases, over the hours a case takes a
week, are the team's case capacity (ODD 7.9, 7.11). Scenario validation, the wijkteam,
the desk and the KPIs all read this one computation.
"""

from __future__ import annotations

from dataclasses import dataclass

from .params import Scenario


@dataclass(frozen=True)
class TimeBudget:
    """A scenario's week, per professional and in FTE."""

    hours_per_fte_week: float
    fte_total: float  #: every professional, the desk's staff included
    fte_desk: float  #: staffing the vraagwijzer (0 with walk-in)
    desk_hours_per_professional: float  #: each professional's share of the desk's shifts
    intake_hours_per_professional: float  #: walk-in intakes (0 behind a desk)
    outreach_hours_per_professional: float
    desk_contacts_per_day: float  #: first contacts the desk holds a day

    @property
    def case_hours_per_professional(self) -> float:
        """What is left of a professional's week for cases."""
        return (self.hours_per_fte_week - self.desk_hours_per_professional
                - self.intake_hours_per_professional - self.outreach_hours_per_professional)

    @property
    def fte_first_contact(self) -> float:
        """FTE spent on first contacts: the desk's staff, or the walk-in intakes."""
        return self.fte_desk + (self.fte_total * self.intake_hours_per_professional
                                / self.hours_per_fte_week)

    @property
    def fte_cases(self) -> float:
        return self.fte_total * self.case_hours_per_professional / self.hours_per_fte_week


def time_budget(s: Scenario) -> TimeBudget:
    """The week of ``s``'s professionals. Behind a desk the team holds no intakes: the desk
    is the first contact, and what it refers joins the team's list (ODD 7.9)."""
    w, hours = s.wijkteam, s.wijkteam.hours_per_fte_week
    desk = s.access.policy == "vraagwijzer"
    fte_desk = s.frontdesk.fte if desk else 0.0
    n = w.n_professionals
    intake = (w.intakes_per_professional_week * s.first_contact.minutes_per_contact / 60.0
              if w.intake and not desk else 0.0)
    return TimeBudget(
        hours_per_fte_week=hours,
        fte_total=float(n),
        fte_desk=fte_desk,
        desk_hours_per_professional=fte_desk * hours / n if n else 0.0,
        intake_hours_per_professional=intake,
        outreach_hours_per_professional=w.share_outreach * hours,
        desk_contacts_per_day=fte_desk * hours * 60.0 / s.first_contact.minutes_per_contact / 7.0,
    )
