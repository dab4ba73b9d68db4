"""Referral to informal help: formal-informal integration (ODD 7.10, 7.13).

The seed's three levels of interplay (verbinden, samenwerken, samenspel) differ
in how readily professionals pass a suitable request to informal helpers: the
chance is declared per level (``integration.p_refer_informal``), rising with the
level, since professionals who work with informal helpers know what they can take
on. A practical or social request is passed to the volunteer initiative if there is
one and it was not tried, else to a meeting place.
"""

from __future__ import annotations

from ..vocabulary import (
    TRIED_INITIATIVE,
    TRIED_PLACE,
    U_PLACE_PICK,
    U_REFER,
    Need,
)


class InformalReferral:
    """Professionals (desk, wijkteam, outreach) passing requests to informal help."""

    def __init__(self, model) -> None:
        self.m = model
        self.p_refer = model.scenario.at_level("p_refer_informal")

    def refer(self, need: Need, by: str, follow: bool = True) -> bool:
        """Pass ``need`` to informal help if the professional does and a route is left;
        ``follow`` False only says whether it would (a warm start's pre-history, ODD 5)."""
        if need.u[U_REFER] >= self.p_refer:
            return False
        m = self.m
        initiative = bool(m.volunteering.pool) and not need.tried & TRIED_INITIATIVE
        places = m.meeting.places if not need.tried & TRIED_PLACE else []
        if not follow or not (initiative or places):
            return initiative or bool(places)
        need.route.append(f"{by} refers to informal help")
        if initiative:
            m.volunteering.ask(need)
        else:
            m.meeting.ask(need, places[int(need.u[U_PLACE_PICK] * len(places))])
        return True
