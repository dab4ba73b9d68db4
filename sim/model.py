"""The neighbourhood model: needs travelling through ties, places, the desk and the wijkteam.

One Mesa step is one day (ODD 3.1). Everything that has an exact time (a need
arising, a request reaching the wijkteam, a case ending, urgency rising, a
bystander acting) is an event on the :class:`~sim.calendar.Calendar`, processed in
time order, so day steps do not bias the queue; daily batches (the desk's and the
hosts' planning, visits, volunteer motivation) run each morning. Cost follows
activity: residents without a need are never visited.

:class:`Neighbourhood` holds the state and wires the rules, one per submodel of
ODD section 7 (:mod:`sim.submodels`); each rule reaches the others through it.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import mesa
import numpy as np

from .agents import MeetingPlace, Professional, Resident, Volunteer, Vraagwijzer
from .calendar import Calendar
from .eventlog import EventLog
from .params import Scenario
from .population import build_residents
from .submodels.crisis import CrisisService
from .submodels.escalation import Escalation
from .submodels.first_contact import FirstContact
from .submodels.frontdesk import FormalAccess
from .submodels.informal import InformalHelp
from .submodels.meeting_places import MeetingPlaces
from .submodels.needs import Seeking
from .submodels.noticing import Noticing
from .submodels.outreach import Outreach
from .submodels.volunteers import VolunteerInitiative
from .submodels.wijkteam import Wijkteam
from .vocabulary import ENDED, STATES, UNANSWERED, Need
from .warmstart import warm_start


class Neighbourhood(mesa.Model):
    """One neighbourhood under one scenario and seed; ``step()`` advances one day."""

    def __init__(self, scenario: Scenario, seed: int = 0, stats_from_day: float = 0.0,
                 residents=None, needs_stream: tuple = ("needs",), warm: bool | None = None):
        """``warm`` (default: ``start.warm``) starts near the stationary regime (ODD 5);
        ``residents`` and ``needs_stream`` are the warm start's pilot's own."""
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = int(seed)
        self.stats_from = float(stats_from_day)  # KPIs count from this day (the warm-up)
        self.day = 0
        self.now = 0.0
        self.residents = residents or build_residents(scenario.population, seed)
        self.needs_stream = needs_stream  # the named stream the needs are drawn from
        self.need_ids = itertools.count()
        self.informal_load = [0] * self.residents.n  # needs each resident is helping with now
        self._resident_agents: dict[int, Resident] = {}
        self.needs: list[Need] = []
        self.state_counts: Counter[str] = Counter()
        self.open_need_of: dict[int, Need] = {}  # resident -> an unanswered need
        self.events = EventLog()
        self.calendar = Calendar()
        # the rules; outreach comes before noticing, whose chances include it
        self.seeking = Seeking(self)
        self.escalation = Escalation(self)
        self.crisis = CrisisService(self)
        self.outreach = Outreach(self)
        self.noticing = Noticing(self)
        self.informal = InformalHelp(self)
        self.first_contact = FirstContact(self)
        self.access = FormalAccess(self, lambda: Vraagwijzer(self))
        self.wijkteam = Wijkteam(self, lambda j: Professional(self, j))
        self.meeting = MeetingPlaces(
            self, lambda k, members, size: MeetingPlace(self, k, members, size))
        self.volunteering = VolunteerInitiative(self, lambda rid: Volunteer(self, rid))
        self.datacollector = mesa.DataCollector(model_reporters=daily_reporters())
        self.start: dict[str, Any] = {"warm": False}  # how the run started, for the outputs
        if scenario.start.warm if warm is None else warm:
            self.start = warm_start(self, lambda **kw: Neighbourhood(scenario, seed, warm=False,
                                                                     **kw))

    def step(self) -> None:
        """One day, as ODD 3.1: arrivals, the morning batches, the calendar, observation."""
        d = self.day
        self.wijkteam.note_day_start(d)
        self.seeking.schedule_arrivals(d + 1)
        self.calendar.open_day(d)
        self.now = float(d)
        if self.access.desk is not None:
            self.access.morning(d)
        if self.scenario.wijkteam.intake:
            self.wijkteam.morning(d)
        if self.meeting.places:
            self.meeting.morning(d)
        if self.volunteering.pool:
            self.volunteering.morning()
        self.calendar.run_day(self, self.wijkteam.mark)
        self.day = d + 1
        self.datacollector.collect(self)

    def resident(self, rid: int) -> Resident:
        """Resident ``rid`` as a Mesa agent, built on first request."""
        agent = self._resident_agents.get(rid)
        if agent is None:
            agent = self._resident_agents[rid] = Resident(self, rid)
        return agent

    # --- a request's state: the bookkeeping every rule shares ------------------------

    def set_state(self, need: Need, state: str) -> None:
        if need.state:
            self.state_counts[need.state] -= 1
        self.state_counts[state] += 1
        need.state = state
        if state in UNANSWERED:
            self.open_need_of.setdefault(need.resident, need)
        elif self.open_need_of.get(need.resident) is need:
            del self.open_need_of[need.resident]
        if state in ENDED:  # what only an open need uses goes, so memory follows open needs
            need.u = need.aware = None

    def transition(self, need: Need, step: str, state: str, resource: int) -> None:
        """A route step: the request moves to ``state``, and the event log records it."""
        need.route_step += 1
        need.route.append(step)
        self.set_state(need, state)
        self.events.log(need.id, step, self.now, resource)

    def answer(self, need: Need, outcome: str, helper: int, state: str = "helped") -> None:
        """Help starts: the need is answered by ``helper`` through route ``outcome``."""
        need.t_answered = self.now
        need.outcome = outcome
        need.helper = helper
        self.transition(need, f"helped: {outcome}", state, helper)

    # --- observation -------------------------------------------------------------------

    def counters(self, until: float) -> dict[str, float | int]:
        """The model's own end-of-run figures the KPIs need (:mod:`sim.kpis`).

        Time averages integrate the cases running, their hours and the waiting list exactly
        since the warm-up; the other counts started at the warm-up too. The terciles of
        reluctance to ask are over every resident, so a resident's group is the same
        under every policy.
        """
        busy_mean, hours_mean, waitlist_mean = self.wijkteam.time_averages(until)
        budget = self.wijkteam.budget
        return {
            "n_residents": self.residents.n,
            "reluctance_ask_terciles": tuple(np.quantile(
                np.asarray(self.residents.reluctance_ask), (1 / 3, 2 / 3)).tolist()),
            "slots_busy_mean": busy_mean,
            "caseload_cap": len(self.wijkteam.professionals) * self.scenario.wijkteam.caseload_max,
            "case_hours": self.wijkteam.case_hours,
            "case_hours_busy_mean": hours_mean,
            "fte_total": budget.fte_total,
            "fte_desk": budget.fte_desk,
            "fte_first_contact": budget.fte_first_contact,
            "fte_cases": budget.fte_cases,
            "waitlist_mean": waitlist_mean,
            "waitlist_max": int(self.wijkteam.waitlist_max),
            "waitlist_end": int(self.wijkteam.waitlist_len),
            "volunteers_active_end": self.volunteering.active,
            "volunteers_recruited": int(self.volunteering.recruited),
            "volunteers_dropped": int(self.volunteering.dropped),
            "volunteers_dropped_burden": int(self.volunteering.dropped_burden),
            "place_overloaded_days": int(sum(p.overloaded_days for p in self.meeting.places)),
            "familiarity_ties_formed": int(self.meeting.ties_formed_counted),
        }


def daily_reporters() -> dict[str, Any]:
    """The daily series (ODD 4.11): one column per reporter, read after the day's events."""
    def count(state):
        return lambda m: m.state_counts[state]
    reporters: dict[str, Any] = {"day": lambda m: m.day - 1}
    for st in STATES:
        reporters[st] = count(st)
    reporters.update({
        "needs_total": lambda m: len(m.needs),
        "open_needs": lambda m: sum(m.state_counts[s] for s in UNANSWERED),
        "waitlist_length": lambda m: m.wijkteam.waitlist_len,
        "active_cases": lambda m: m.wijkteam.slots_busy,
        "case_hours_busy": lambda m: m.wijkteam.hours_busy,
        "case_hours": lambda m: m.wijkteam.case_hours,
        "volunteers_active": lambda m: m.volunteering.active,
        "crises_cum": lambda m: m.escalation.crises,
        "familiarity_ties_cum": lambda m: m.meeting.ties_formed,
        "place_questions": lambda m: sum(len([q for q in p.questions if q.state == "place"])
                                         for p in m.meeting.places),
        "desk_queue": lambda m: m.state_counts["desk"],
    })
    return reporters
