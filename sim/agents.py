"""The Mesa agents: residents, volunteers, professionals, meeting places, the vraagwijzer.

The agents hold the state that changes during a run; the rules that change it are
the submodels (:mod:`sim.submodels`). Residents' traits live in compact arrays
(:class:`sim.population.Residents`) that the event handlers index by resident id,
and a resident without a need costs nothing per day: the model acts on needs and
events, never by looping over all residents. A :class:`Resident` agent is built only
when something asks for one (:meth:`sim.model.Neighbourhood.resident`).
"""

from __future__ import annotations

from collections import deque

import mesa
import numpy as np

from .submodels.meeting_places import pair_counts


class Resident(mesa.Agent):
    """A resident, as a Mesa agent: a view whose traits are ``model.residents[...][rid]``."""

    def __init__(self, model: mesa.Model, rid: int):
        super().__init__(model)
        self.rid = rid


class Volunteer(mesa.Agent):
    """A resident active in the volunteer initiative (klussenbank)."""

    def __init__(self, model: mesa.Model, rid: int, motivation: float = 1.0):
        super().__init__(model)
        self.rid = rid
        self.motivation = motivation
        self.sensitivity = 1.0  # how much unclear roles and paperwork weigh on them (7.7)
        # the daily change of motivation below capacity and at it (set with the sensitivity)
        self.drift_free = self.drift_full = 0.0
        self.leave_day = float("inf")  # when they move on for reasons outside the initiative
        self.tasks = 0
        self.active = True


class Professional(mesa.Agent):
    """A wijkteam professional with a caseload of requests (never iterated: order-free)."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index
        self.cases: set = set()
        self.hours = 0.0  # a week's hours its cases take


class MeetingPlace(mesa.Agent):
    """A community living room: its members in groups of regulars, and the hosts' questions.

    Each member belongs to one group (a coffee morning, a club) that meets on a fixed
    weekday, so the same people meet again and again, which is how public
    familiarity forms (ODD 7.8).
    """

    def __init__(self, model: mesa.Model, index: int, members: np.ndarray, group_size: int):
        super().__init__(model)
        self.index = index
        self.members = members  # resident ids who visit this place, group by group
        #: resident ids per group; group g meets on weekday g % 7
        self.groups = [members[i:i + group_size] for i in range(0, len(members), group_size)]
        self.groups_on_weekday = [range(w, len(self.groups), 7) for w in range(7)]
        self.familiarity = [pair_counts(len(group)) for group in self.groups]
        #: per weekday, the members of the groups meeting then, one group after another,
        #: and where each group ends in that array: one draw decides who comes
        self.meeting_on_weekday = [
            (np.concatenate([self.groups[g] for g in groups]) if len(groups)
             else np.zeros(0, np.int64),
             np.cumsum([len(self.groups[g]) for g in groups]).tolist())
            for groups in self.groups_on_weekday]
        self.questions: deque = deque()
        self.credit = 0.0  # unused fractional host capacity carried to the next day
        self.overloaded_days = 0
        self.visits = 0


class Vraagwijzer(mesa.Agent):
    """Rotterdam's front desk: its queue of requests and its unused capacity."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.queue: deque = deque()
        self.credit = 0.0  # unused fractional capacity carried to the next day
