"""The warm start: a run begins near the stationary regime instead of empty (ODD 5).

Started empty, the wijkteam needs most of a year to fill: its cases last half a year
and its waiting list builds up only once every slot is taken. The warm start gives
day 0 the state the stationary regime would have, in two parts, each from its own
stream (``warmstart``), so the ``needs`` and ``population`` streams are never
shifted and scenarios run with one seed stay paired:

1. A **pilot**: the same scenario and the same residents, run empty for
   ``start.pilot_days`` days on needs from the ``warmstart`` stream, drawn for those
   days only. The requests that reach each team give its stationary arrival rate
   (weighted for the needs still on their way, :func:`pilot_arrivals`) and the mix of
   who arrives with what; the crises that did not come off its intake queue or list
   give the crisis service's, and the needs given up outside a team that stay hidden
   the rate at which residents give up so. The pilot is short, so its rate is an
   estimate (about 1 / sqrt(arrivals seen)).
   It does only the work that decides which requests reach a team and when: no event
   log, no daily series, no statistics (it counts from day infinity), and meetings
   that form no ties and skip the draws of visitors without an open need
   (``MeetingPlaces.only_needs``), about a third of its cost.
2. A **pre-history**: before day 0 the model itself runs only its slow parts, the
   teams, the front desk (for repeat requests), escalation, withdrawal and the crisis
   service, on arrivals and hidden needs resampled from the pilot's at the measured
   rates, for four times the longest mean case duration (:func:`pre_history_days`),
   the last one and a half at the full rate and the part before thinned to what would
   outlast it; a state change there only sets the state (the state counts are made at
   day 0 from the records kept). Each rule module schedules its own part
   (``Wijkteam.warm_start``, ``CrisisService.warm_start``, ``Escalation.warm_start``),
   and caseloads, waiting lists (with their urgencies and clocks), overload, repeats
   and the hidden needs' crises build up by the rules themselves, so the cases in
   progress at day 0 are length-biased as in the stationary regime, with their true
   remaining durations, and the needs still hidden at day 0 surface in the run's first
   months as they would. A hidden need outreach finds before day 0 is not followed
   on (:func:`_found_before_day_0`).
   With a volunteer initiative the pool has its own pre-history, at least two years
   (``VolunteerInitiative.warm_start``): it recruits at visits, its motivation changes
   and volunteers leave by the rules, while it takes the pilot's asks of the initiative
   resampled at their measured rate (the asks, not the matches: whether an ask finds
   a volunteer is the pool's to decide again).

At day 0 the records that ended in the pre-history are dropped; those still in
progress stay, with ``day_created`` before 0 and a route starting "begun before day
0", so the KPIs, which count requests created from the start of the counted period,
leave them out. The event log and the crisis count start afresh. What the warm start
does not fill: the informal helpers' ongoing help and the meeting places' ties; they
settle in weeks to months (ODD 5).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from array import array
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mesa

from .eventlog import EventLog, NoEventLog
from .population import Residents
from .streams import generator, scalar
from .submodels.volunteers import POOL_HISTORY_DAYS
from .vocabulary import BEGUN, ENDED, HIDDEN, RESIDENT, Need

if TYPE_CHECKING:
    from .model import Neighbourhood

#: The pre-history lasts this many times the longest mean case duration; its last
#: FULL_RATE_DURATIONS of them at the full arrival rate, the part before thinned.
PRE_HISTORY_DURATIONS = 4
FULL_RATE_DURATIONS = 1.5
#: Sub-streams of ``warmstart``: the pilot's needs, and the pre-history's arrivals.
PILOT_NEEDS, PRE_HISTORY = 1, 2


def pilot_residents(residents: Residents) -> Residents:
    """The residents with a copy of what the pilot may change: reluctance to ask (outreach,
    gossip) and trust in the wijkteam (gossip). Their ties it leaves alone
    (``MeetingPlaces.only_needs``)."""
    return dataclasses.replace(residents, reluctance_ask=array("d", residents.reluctance_ask),
                               trust=array("d", residents.trust))


def pre_history_days(model: Neighbourhood) -> tuple[int, int]:
    """The pre-history's length and that of its full-rate part: four and one and a half
    times the longest mean case (support plan and overload included), each at least the
    pilot.

    Cases that arrived longer ago are nearly all over: with the default lognormal of
    coefficient of variation 1, a case outlives four means with chance 0.02. The
    full-rate part lets the waiting lists and the intake queues build up by the rules
    (people leave a list within months: withdrawal, crisis) while the slots turn over
    from the thinned part's long cases: after one longest case the lists at day 0 were
    still measurably short, after one and a half they were as after two (ODD 5).
    """
    w = model.scenario.wijkteam
    longest = w.plan_days_mean + model.wijkteam.durations.scale * max(
        w.duration_factor.practical, w.duration_factor.social, w.duration_factor.ongoing,
        w.duration_factor.complex) * (1.0 + w.overload_duration_factor)
    pilot = model.scenario.start.pilot_days
    return (max(math.ceil(PRE_HISTORY_DURATIONS * longest), pilot),
            max(math.ceil(FULL_RATE_DURATIONS * longest), pilot))


def warm_start(model: Neighbourhood, make_pilot: Callable[..., Neighbourhood]
               ) -> dict[str, Any]:
    """Bring ``model`` (built, at day 0) to the stationary regime; returns how it started."""
    s = model.scenario
    days = s.start.pilot_days
    pilot = make_pilot(residents=pilot_residents(model.residents),
                       needs_stream=("warmstart", PILOT_NEEDS), stats_from_day=math.inf)
    pilot.seeking.chunk_days = days  # its needs drawn for the days it runs, not a year
    pilot.events, pilot.datacollector = NoEventLog(), _NoSeries()  # never read
    pilot.wijkteam.mark = _NO_STATISTICS  # it counts from day infinity
    pilot.meeting.only_needs()
    pilot.escalation.hides = {}
    pool = model.volunteering.on
    if pool:
        pilot.volunteering.asks = []
    try:
        for _ in range(days):
            pilot.step()
    finally:
        getattr(mesa.Agent, "_ids", {}).pop(pilot, None)
    joined, crises, hides = pilot_arrivals(pilot, len(model.wijkteam.teams), days)
    history, full_rate = pre_history_days(model)
    if pool:
        history = max(history, POOL_HISTORY_DAYS)
    model.calendar.start_at(-history)
    # one stream per team and one for the crisis service, so each part's draws do not
    # depend on how many another part took
    model.wijkteam.warm_start(joined, -history, -full_rate, [
        generator(model.seed, "warmstart", PRE_HISTORY, k) for k in range(len(joined))])
    if model.crisis.on:  # its interventions last weeks: the full-rate part is enough
        model.crisis.warm_start(*crises, -full_rate,
                                generator(model.seed, "warmstart", PRE_HISTORY, len(joined)))
    asks = pilot.volunteering.pilot_asks(days, _weight)
    if pool:  # and one for the volunteer pool
        k = len(joined) + 1
        model.volunteering.warm_start(asks, generator(model.seed, "warmstart", PRE_HISTORY, k),
                                      scalar(model.seed, "warmstart", PRE_HISTORY, k))
    model.escalation.warm_start(*hides, -history, -full_rate,  # and one for the hidden needs
                                generator(model.seed, "warmstart", PRE_HISTORY, len(joined) + 2))
    run_pre_history(model, history)
    return {"warm": True, "pilot_days": days, "pre_history_days": history,
            "arrivals_per_day": [round(sum(weights), 4) for _, weights in joined],
            "in_progress_at_start": len(model.needs),
            "hidden_at_start": sum(n.state == HIDDEN and not n.crisis for n in model.needs),
            "volunteer_asks_per_day": round(sum(asks[1]), 4),
            "volunteers_at_start": model.volunteering.active}


class _NoSeries:
    """The pilot's daily series, which nobody reads: nothing is collected."""

    def collect(self, model: Neighbourhood) -> None:
        pass


def pilot_arrivals(pilot: Neighbourhood, n_teams: int, days: int
                   ) -> tuple[list[tuple[list, list[float]]], tuple[list, list[float]],
                              tuple[list, list[float]]]:
    """Who reached each team in the pilot, each with a weight per day that makes the
    weights add up to the stationary rate; the same for the crises that did not come off
    a team's intake queue or list, and for the needs given up on outside a team that
    stayed, hidden (as (resident, kind, urgency when given up, patience uniform)).

    The pilot starts empty, so a request that took δ days from its need to the team
    could only be seen if its need arose in the first ``days - δ`` days: it is counted
    with weight ``1 / (days - δ)`` (Horvitz-Thompson for this truncation), which gives
    the rate of the stationary regime, not the pilot's lower one while needs are still
    on their way. The weight is capped at ``4 / days`` (δ over 3/4 of the pilot), so that
    one late arrival cannot swing the rate; such arrivals are then undercounted. Repeat
    requests are left out: the pre-history makes its own. So is a crisis that came after
    the resident gave up, and the team it then reached: the pre-history's copies of the
    hidden needs make those by the rules, at delays the 45-day pilot would hardly see (a
    crisis a median four months after the need).
    """
    joined: list[tuple[list, list[float]]] = [([], []) for _ in range(n_teams)]
    crises: tuple[list, list[float]] = ([], [])
    hides: tuple[list, list[float]] = ([], [])
    hidden_at = pilot.escalation.hides
    for need, t, urgency, patience in hidden_at.values():
        if need.repeat_of < 0:
            hides[0].append((need.resident, need.kind, urgency, patience))
            hides[1].append(_weight(days, t - need.t_arise))
    for need in pilot.needs:
        if need.repeat_of >= 0:
            continue
        hidden = hidden_at.get(need.id)
        # a crisis after giving up, and a team it then reached, are the copies' to make
        copied = hidden is not None and need.t_crisis >= hidden[1]
        if need.t_intake < days and not (copied and need.t_intake >= need.t_crisis):
            like, weights = joined[pilot.wijkteam.team_index(need)]
            like.append(need)
            weights.append(_weight(days, need.t_intake - need.t_arise))
        if need.t_crisis < days and need.t_left_queue != need.t_crisis and not copied:
            crises[0].append(need)
            crises[1].append(_weight(days, need.t_crisis - need.t_arise))
    return joined, crises, hides


def _weight(days: int, delay_days: float) -> float:
    """1 / (days - delay), at most 4 / days: a rare late arrival must not swing the rate."""
    return 1.0 / max(days - delay_days, days / 4)


#: ``Calendar.run_day``'s ``mark`` before day 0: the team's time averages integrate from
#: the counted period on, so nothing is marked (a builtin is the cheapest call to make)
_NO_STATISTICS: Callable[[float], object] = float


def _step_only(need: Need, step: str, state: str, resource: int) -> None:
    """A route step before day 0 (``Neighbourhood.transition`` there): without the model's
    counts of states and open needs, which nothing before day 0 reads and which are made
    at day 0 from the records kept, and without the event log, which is not kept."""
    need.route_step += 1
    need.route.append(step)
    need.state = state


def _found_before_day_0(payload: tuple[Need, int]) -> None:
    """Outreach meets a hidden need before day 0: it is no longer hidden, and the
    pre-history does not follow it on (its course, through informal help, would draw
    from the streams the run draws from after day 0); the pilot's arrivals at the teams
    hold the needs outreach brings there."""
    need, step = payload
    if need.state == HIDDEN and step == need.route_step:
        need.state = "withdrawn"


def run_pre_history(model: Neighbourhood, history: int) -> None:
    """Days -history .. -1 on the calendar (and the desk's mornings), then day 0 afresh:
    records that ended are dropped, those in progress numbered from 0; the state counts,
    the event log and the crisis count start again.

    Before day 0 a route step only moves the request on (:func:`_step_only`): the state
    counts and who has an open need are counted at day 0 from the records kept, and the
    event log is not kept, so the pre-history does only the work its rules and the
    records at day 0 read."""
    model.events = NoEventLog()  # the pre-history's events are not kept
    model.transition = _step_only  # shadows Neighbourhood.transition until day 0
    handlers = model.calendar.handlers
    meet_hidden, handlers["meet_hidden"] = handlers["meet_hidden"], _found_before_day_0
    try:
        for d in range(-history, 0):
            model.calendar.open_day(d)
            model.now = float(d)
            if model.access.desk is not None:
                model.access.morning(d)
            if model.scenario.wijkteam.intake:
                model.wijkteam.morning(d)
            model.volunteering.warm_morning(d)  # from the pool's pre-history on, if any
            model.calendar.run_day(model, _NO_STATISTICS)
    finally:
        del model.transition
        handlers["meet_hidden"] = meet_hidden
    model.now = 0.0
    kept = [n for n in model.needs if n.state not in ENDED]
    ids = {n.id: i for i, n in enumerate(kept)}
    model.state_counts, model.open_need_of = Counter(), {}
    for need in kept:  # numbered 0.. again; a repeat's origin that ended is gone
        need.id, need.repeat_of = ids[need.id], ids.get(need.repeat_of, -1)
        if need.route[0] != BEGUN:  # a repeat request made in the pre-history
            need.route.insert(0, BEGUN)
        state, need.state = need.state, ""
        model.set_state(need, state)  # counted afresh, open needs included
    model.needs = kept
    model.need_ids = itertools.count(len(kept))
    model.events = EventLog()
    for need in model.needs:
        model.events.log(need.id, BEGUN, need.t_arise, RESIDENT + need.resident)
    model.escalation.crises = 0
