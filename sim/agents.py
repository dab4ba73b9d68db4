"""The Mesa agents: residents, volunteers, professionals, meeting places, the front desk.

Volunteers, professionals, places and the desk hold the state that changes during
a run. A resident agent is a view: its traits live in :class:`sim.population.Residents`
arrays and its informal load in a list on the model (read through properties), as
compact storage the event handlers index by resident id. A resident without a need
costs nothing per day: the model acts on needs and events, never by looping over all
residents.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from .model import Need, Neighbourhood


class Resident(mesa.Agent):
    """A resident: may have needs, and may help others as a tie or neighbour."""

    model: Neighbourhood

    def __init__(self, model: Neighbourhood, rid: int):
        super().__init__(model)
        self.rid = rid
        self.volunteer: Volunteer | None = None

    @property
    def informal_load(self) -> int:
        """Needs this resident is helping with now."""
        return self.model.informal_load[self.rid]

    @property
    def reluctance_ask(self) -> float:
        return float(self.model.residents.reluctance_ask[self.rid])

    @property
    def reluctance_help(self) -> float:
        return float(self.model.residents.reluctance_help[self.rid])

    @property
    def trust(self) -> float:
        return float(self.model.residents.trust[self.rid])

    @property
    def ties(self) -> set[int]:
        return self.model.residents.ties[self.rid]


class Volunteer(mesa.Agent):
    """A resident active in the volunteer initiative (klussenbank)."""

    model: Neighbourhood

    def __init__(self, model: Neighbourhood, resident: Resident, motivation: float):
        super().__init__(model)
        self.resident = resident
        resident.volunteer = self
        self.motivation = motivation
        self.tasks = 0
        self.active = True

    def upkeep(self, loss_unclear_per_day: float) -> None:
        """Daily motivation change; below the threshold the volunteer drops out."""
        v = self.model.scenario.volunteers
        full = self.tasks >= v.capacity_tasks
        change = -loss_unclear_per_day
        change += -v.motivation_loss_overload_per_day if full else v.motivation_recovery_per_day
        self.motivation = min(1.0, self.motivation + change)
        if self.motivation < v.dropout_threshold:
            self.active = False
            self.resident.volunteer = None
            self.model.volunteer_dropped(self)
            self.remove()


class Professional(mesa.Agent):
    """A wijkteam professional with a caseload of at most ``caseload_max`` cases."""

    model: Neighbourhood

    def __init__(self, model: Neighbourhood, index: int):
        super().__init__(model)
        self.index = index
        self.cases: set[int] = set()

    @property
    def load_share(self) -> float:
        return len(self.cases) / self.model.scenario.wijkteam.caseload_max


def pair_counts(n_members: int) -> bytearray:
    """Meetings per pair of a group's members, up to the familiarity threshold.

    One byte per pair, by triangular index (:func:`pair_index`): 300 bytes for 25.
    """
    return bytearray(n_members * (n_members - 1) // 2)


def pair_index(i: int, j: int) -> int:
    """Index in :func:`pair_counts` of the unordered pair of distinct members ``i``, ``j``."""
    if i < j:
        i, j = j, i
    return i * (i - 1) // 2 + j


class MeetingPlace(mesa.Agent):
    """A community living room: visits build familiarity, needs surface, hosts take questions.

    Its members come in their own rhythm: each belongs to one group of regulars (a
    coffee morning, a club) that meets on a fixed weekday, so the same people meet
    again and again, which is how public familiarity forms.
    """

    model: Neighbourhood

    def __init__(self, model: Neighbourhood, index: int, members, group_size: int):
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
        self.questions: deque[Need] = deque()
        self.credit = 0.0  # unused fractional host capacity carried to the next day
        self.overloaded_days = 0
        self.visits = 0


class FrontDesk(mesa.Agent):
    """The vraagwijzer: handles a number of requests a day, resolves or refers them."""

    model: Neighbourhood

    def __init__(self, model: Neighbourhood):
        super().__init__(model)
        self.queue: deque[Need] = deque()
        self.credit = 0.0  # unused fractional capacity carried to the next day
