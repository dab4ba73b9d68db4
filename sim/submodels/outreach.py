"""Outreach: professionals who spend time in the neighbourhood find needs (ODD 7.5, 7.11).

Schiedam's WOT professionals spend mandated hours in the neighbourhood and find
needs earlier (the seed, DOMAIN.md). Here a share ``share_outreach`` of their time
goes to outreach: each professional meets ``outreach_contacts_per_day`` residents a
day there, so an open need's resident is met with a daily chance (noticing, 7.5).
A professional who found a need is its named owner, and acts on it as a bystander
does (7.4); the time spent is not spent on cases (the wijkteam's case durations
stretch by 1 / (1 - share_outreach), 7.11).
"""

from __future__ import annotations

from ..vocabulary import PROFESSIONAL, SIMPLE_KINDS, TRIED_FORMAL, Need


class Outreach:
    """The chance outreach meets a resident, and what the professional then does."""

    def __init__(self, model) -> None:
        self.m = model
        w = model.scenario.wijkteam
        #: chance that a given open need's resident is met on outreach today
        self.p_found_day = min(1.0, w.n_professionals * w.share_outreach
                               * w.outreach_contacts_per_day / model.residents.n)

    def act(self, need: Need, j: int) -> None:
        """Professional ``j`` takes up a need found on outreach: informal help or the team."""
        m = self.m
        need.route.append("found on outreach")
        need.contact(m.now)
        need.tried |= TRIED_FORMAL
        if need.kind in SIMPLE_KINDS and m.referral.refer(need, "outreach"):
            return
        m.wijkteam.arrive(need, PROFESSIONAL + j)
