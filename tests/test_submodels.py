"""Each rule module on its own: a small hand-built situation and the rule's exact outcome.

A tiny neighbourhood is built (no day is stepped, so no need has arisen), a request
is made by hand with chosen uniforms, and one rule is called. The expected outcome
follows from the rule's text in docs/ODD.md section 7.
"""

from __future__ import annotations

import math
from collections import deque

import pytest

import sim
import sim.vocabulary as vocabulary
from sim.calendar import Calendar
from sim.model import Neighbourhood
from sim.streams import geometric
from sim.submodels import bystander
from sim.submodels.meeting_places import pair_counts, pair_index
from sim.submodels.noticing import pick
from sim.submodels.volunteers import VolunteerInitiative
from sim.vocabulary import (
    COMPLEX,
    HIGH,
    LOW,
    MEDIUM,
    N_U,
    PRACTICAL,
    PROFESSIONAL,
    RESIDENT,
    SOCIAL,
    TRIED_INITIATIVE,
    UNIFORMS,
    Need,
)

#: a tiny neighbourhood that starts empty, so a rule meets only the requests built by hand;
#: a request reaching the team is taken in at once (no intake stage) unless a test says so
TINY = {"population.n_residents": 60, "population.block_size": 10, "start.warm": False,
        "wijkteam.intake": False}


def tiny(preset: str = "schiedam_walk_in", **overrides) -> Neighbourhood:
    scenario = sim.load_scenario(preset, {**TINY, **overrides})
    return Neighbourhood(scenario, seed=1)


def hand_need(model: Neighbourhood, kind: int = PRACTICAL, urgency: int = LOW,
              resident: int = 0, **uniforms: float) -> Need:
    """A request made by hand: every uniform 0.5 unless named (``voice=0.1``)."""
    u = [0.5] * N_U
    for name, value in uniforms.items():
        u[list(UNIFORMS).index(name)] = value
    need = Need(len(model.needs), resident, kind, urgency, model.now, u)
    model.needs.append(need)
    model.set_state(need, "unvoiced")
    return need


def pending(model: Neighbourhood) -> list[tuple]:
    """Every event on the calendar not yet handled, in time order."""
    cal = model.calendar
    entries = list(cal._heap) + list(cal._today)
    entries += [e for bucket in cal._later.values() for e in bucket]
    return sorted(entries)


# --- vocabulary and calendar ---------------------------------------------------------


def test_uniform_columns_are_named_in_declaration_order():
    for i, name in enumerate(UNIFORMS):
        short = {"service": "SVC", "escalate_low": "ESC_LOW", "escalate_medium": "ESC_MEDIUM",
                 "escalate_high": "ESC_HIGH"}.get(name, name.upper())
        assert getattr(vocabulary, f"U_{short}") == i, \
            f"expected U_{short} to be column {i}, the position of {name!r} in UNIFORMS"


def test_calendar_handles_events_in_time_order_ties_in_schedule_order():
    cal, seen = Calendar(), []
    cal.on({"x": seen.append})
    for t, label in [(0.7, "c"), (0.2, "a"), (0.7, "d"), (1.5, "tomorrow"), (0.2, "b")]:
        cal.schedule(t, "x", label)

    class Clock:
        now = 0.0

    cal.open_day(0)
    cal.run_day(Clock, lambda t: None)
    assert seen == ["a", "b", "c", "d"], f"expected time order, ties as scheduled; got {seen}"
    assert Clock.now == 1.0, "expected the clock at the end of the day"
    with pytest.raises(ValueError, match="handled twice"):
        cal.on({"x": print})


def test_plan_day_carries_the_fraction_of_capacity_over():
    """A desk of capacity 2.5 takes 2 and 3 requests on alternate days, spread over each."""
    cal = Calendar()

    class Desk:
        credit = 0.0

    class Request:
        state = "desk"

    queue = deque(Request() for _ in range(10))
    taken = []
    for d in range(4):
        before = len(cal._later.get(d, []))
        cal.plan_day(queue, Desk, 2.5, d, "desk", "desk")
        times = sorted(e[0] for e in cal._later.get(d, []))
        taken.append(len(times) - before)
        n = taken[-1]
        assert times == [d + (i + 0.5) / n for i in range(n)], \
            f"expected day {d}'s requests at d + (i + 0.5)/{n}, got {times}"
    assert taken == [2, 3, 2, 3], f"expected 2, 3, 2, 3 requests a day, got {taken}"


# --- the bystander rule and noticing ---------------------------------------------------


def test_bystander_rule_reductions_multiply_the_exponent():
    rule = sim.load_scenario("schiedam_walk_in").bystander
    t = rule.diffusion_t * (1 - rule.direct_request_reduction) * (1 - rule.familiarity_reduction)
    got = bystander.p_act(rule, 4, bystander.DIRECT | bystander.TIE, 0.5)
    assert got == pytest.approx(0.5 * 4 ** -t, rel=1e-12), \
        f"expected p1 * n^-t with t reduced for a direct request and a tie, got {got}"


def test_geometric_and_pick():
    assert geometric(0.3, 1.0) == 1, "expected a certain daily event on day 1"
    q = 0.2
    assert geometric(1 - (1 - q) ** 3 + 1e-9, q) == 4, "expected the inverse of the geometric cdf"
    assert pick([(7, 0.2), (8, 0.5), (9, 0.3)], 0.6) == 8, \
        "expected the person whose cumulative share first reaches 0.6"


def test_a_tie_who_is_asked_acts_on_the_drawn_day():
    model = tiny()
    need = hand_need(model, kind=PRACTICAL)
    need.aware = {5: bystander.DIRECT | bystander.TIE}
    model.noticing.reschedule(need)
    acts = [e for e in pending(model) if e[2] == "act"]
    assert len(acts) == 1 and acts[0][3] == (need, need.bystander_draw, 5), \
        f"expected one act event for the only aware person, got {acts}"
    model.informal_load[5] = model.scenario.informal.capacity_tasks
    assert model.noticing.p_alone(5, need) == 0.0, "expected nobody acts while at capacity"


# --- seeking, informal help, volunteers, meeting places --------------------------------


def test_a_need_without_informal_routes_goes_to_formal_help_when_trusted():
    model = tiny(**{"meeting_places.n_places": 0})
    need = hand_need(model, kind=PRACTICAL, trust=0.0)
    model.seeking.next_route(need)
    assert need.state in ("waitlist", "in_care"), \
        f"expected a walk-in at the wijkteam, got state {need.state!r}"
    assert need.route[:2] == ["asks formal help", "arrives at the wijkteam"], \
        f"expected the route to formal help, got {need.route}"
    distrustful = hand_need(model, kind=PRACTICAL, resident=1, trust=0.999999)
    model.seeking.next_route(distrustful)
    assert distrustful.state == "unvoiced" and distrustful.route[-1] == "stops asking", \
        "expected a resident who does not trust the team to stop asking"


def test_older_and_vulnerable_residents_have_more_needs():
    model = tiny()
    nd, r = model.scenario.needs, model.residents
    rates = model.seeking.rates_per_day()
    for i in range(r.n):
        expect = nd.rate_per_resident_year / 365.0
        expect *= (1.0, nd.rate_factor_65_79, nd.rate_factor_80_plus)[r.age[i]]
        expect *= nd.rate_factor_vulnerable if r.vulnerable[i] else 1.0
        assert rates[i] == pytest.approx(expect, rel=1e-12), \
            f"expected resident {i}'s rate {expect}, got {rates[i]}"


def test_informal_help_occupies_the_helper_until_it_ends():
    model = tiny()
    need = hand_need(model, kind=SOCIAL)
    model.informal.start(need, 7)
    assert model.informal_load[7] == 1 and need.state == "helped", "expected help to start"
    assert need.helper == RESIDENT + 7, "expected the helper recorded"
    (end,) = [e for e in pending(model) if e[2] == "help_end"]
    mean = model.scenario.informal.help_days.social
    assert end[0] == pytest.approx(-math.log(0.5) * mean), "expected an exponential with u = 0.5"
    model.informal.on_help_end(end[3])
    assert model.informal_load[7] == 0 and need.state == "closed", "expected the helper freed"


def test_a_volunteer_at_capacity_loses_motivation_and_drops_out():
    model = tiny("vlaardingen_klussenbank")
    v = model.scenario.volunteers
    vol = model.volunteering.pool[0]
    vol.tasks = v.capacity_tasks
    vol.motivation = v.dropout_threshold + 0.5 * v.motivation_loss_overload_per_day
    model.volunteering.changed(vol)
    before = len(model.volunteering.pool)
    model.volunteering.morning()
    assert not vol.active and vol not in model.volunteering.pool, \
        "expected the volunteer below the threshold to drop out"
    assert len(model.volunteering.pool) == before - 1, "expected exactly one to leave"
    assert model.volunteering.dropped == 1, "expected the dropout counted"
    assert vol.rid not in model.volunteering.volunteer_of, "expected the resident free again"


def test_familiarity_table_numbers_every_pair_once():
    table = pair_counts(5)
    assert len(table) == 10, "expected one byte per pair"
    assert sorted(pair_index(i, j) for i in range(5) for j in range(i)) == list(range(10)), \
        "expected the ten pairs numbered 0..9 once each"


def test_contacts_at_a_place_become_aware_ties_flagged():
    model = tiny("dordrecht_meeting_place")
    place = model.meeting.places[0]
    need = hand_need(model, kind=PRACTICAL, resident=0)
    model.residents.ties[0].add(3)
    model.meeting._noticed(need, place, 0, [3, 4])
    assert need.aware[3] & bystander.TIE and not need.aware[4] & bystander.TIE, \
        f"expected only the tied contact flagged as a tie, got {need.aware}"
    assert need.n_aware_max == 2, "expected both contacts aware"


# --- formal access, referral, the wijkteam, outreach, escalation -----------------------


def test_the_desk_answers_refers_or_loses_a_request():
    model = tiny("rotterdam_vraagwijzer", **{"meeting_places.n_places": 0})
    p_answer = model.scenario.first_contact.p_answer_simple
    resolved = hand_need(model, kind=PRACTICAL, resolve=p_answer / 2)
    model.access.enter(resolved, "asks formal help")
    model.access.on_desk((resolved, model.access.desk))
    assert resolved.outcome == "first_contact" and resolved.helper == vocabulary.VRAAGWIJZER, \
        "expected a simple question answered at the desk's first contact"
    lost = hand_need(model, kind=COMPLEX, resident=1, dropout=0.0)
    model.access.enter(lost, "asks formal help")
    model.access.on_desk((lost, model.access.desk))
    assert lost.state == "withdrawn" and lost.route[-1] == "drops out after referral", \
        f"expected a dropout between desk and team, got {lost.route}"
    assert lost.t_sent == model.now, "expected the dropout counted as sent on to the team"
    referred = hand_need(model, kind=COMPLEX, resident=2, dropout=0.999999)
    model.access.enter(referred, "asks formal help")
    model.access.on_desk((referred, model.access.desk))
    assert referred.state == "referred", "expected a complex request referred on"
    model.access.on_referral(referred)
    assert referred.state in ("waitlist", "in_care"), "expected the referral to join the list"
    assert "intake" not in referred.route, "expected no second intake after the desk's contact"


@pytest.mark.parametrize("where", ["desk", "walk-in intake", "outreach"])
def test_every_first_contact_runs_one_rule(where):
    """The desk's counter, the walk-in intake and outreach answer, connect and send on alike:
    the same request with the same uniforms meets the same fate at each."""
    preset = "rotterdam_vraagwijzer" if where == "desk" else "schiedam_walk_in"
    model = tiny(preset, **{"wijkteam.intake": True, "meeting_places.n_places": 1,
                            "access.integration": "samenspel"})
    p_answer = model.scenario.first_contact.p_answer_simple

    def contact(need):
        if where == "desk":
            model.access.enter(need, "asks formal help")
            model.access.on_desk((need, model.access.desk))
        elif where == "walk-in intake":
            model.access.enter(need, "asks formal help")
            model.wijkteam.on_intake((need, model.wijkteam.teams[0]))
        else:
            model.outreach.act(need, 0)
        return need

    answered = contact(hand_need(model, kind=SOCIAL, resolve=p_answer / 2))
    assert answered.outcome == "first_contact", f"expected an answer on the spot at {where}"
    warm = contact(hand_need(model, kind=PRACTICAL, resident=1, resolve=0.99, refer=0.0,
                             handover=0.0))
    assert warm.state == "place" and warm.route[-2].endswith("(warm handover)"), \
        f"expected a warm handover to the meeting place at {where}, got {warm.route}"
    complex_ = contact(hand_need(model, kind=COMPLEX, resident=2, resolve=0.0, refer=0.0,
                                 dropout=0.999999))
    assert complex_.outcome != "first_contact" and complex_.t_sent == model.now, \
        f"expected a complex request never answered on the spot but sent on at {where}"


def test_a_leaflet_is_followed_by_the_unreluctant_and_not_by_the_reluctant():
    model = tiny("schiedam_walk_in", **{"meeting_places.n_places": 1,
                                        "access.integration": "verbinden"})
    p_warm = model.first_contact.p_warm
    reluctance = model.residents.reluctance_ask
    reluctance[0], reluctance[1] = 0.0, 1.0
    follows = hand_need(model, kind=PRACTICAL, resident=0, resolve=0.99, refer=0.0,
                        handover=(1 + p_warm) / 2)
    assert model.first_contact.settles(follows, "wijkteam", 0)
    assert follows.state == "place" and "leaflet followed" in follows.route[-2], \
        f"expected an unreluctant resident to follow the leaflet, got {follows.route}"
    stays = hand_need(model, kind=PRACTICAL, resident=1, resolve=0.99, refer=0.0,
                      handover=(1 + p_warm) / 2)
    assert model.first_contact.settles(stays, "wijkteam", 0)
    assert stays.state == "unvoiced" and stays.route[-1] == "leaflet not followed", \
        f"expected a fully reluctant resident to leave the leaflet, got {stays.route}"


def test_the_initiative_comes_first_when_connecting():
    model = tiny("vlaardingen_klussenbank", **{"access.integration": "samenspel"})
    need = hand_need(model, kind=PRACTICAL, resolve=0.99, refer=0.0, handover=0.0)
    assert model.first_contact.settles(need, "wijkteam", 0), "expected a connection with u = 0"
    assert need.state == "matching" and need.tried & TRIED_INITIATIVE, \
        "expected the request passed to the volunteer initiative"
    kept = hand_need(model, kind=PRACTICAL, resident=1, resolve=0.99, refer=0.999999)
    assert not model.first_contact.settles(kept, "wijkteam", 0), \
        "expected no connection with u near 1, the request sent on"


def test_wijkteam_fills_slots_least_loaded_first_then_triages_by_urgency():
    model = tiny(**{"wijkteam.n_professionals": 2, "wijkteam.caseload_max": 1,
                    "access.triage": "urgency", "meeting_places.n_places": 0})
    team = model.wijkteam
    first, second = (hand_need(model, kind=COMPLEX, resident=i) for i in range(2))
    team.arrive(first, RESIDENT)
    team.arrive(second, RESIDENT)
    assert first.helper == PROFESSIONAL + 0 and second.helper == PROFESSIONAL + 1, \
        "expected the least-loaded professional, lowest index among equals"
    assert first.queue_wait == 0.0, "expected no wait with a free slot"
    low = hand_need(model, kind=COMPLEX, urgency=LOW, resident=2)
    high = hand_need(model, kind=COMPLEX, urgency=HIGH, resident=3)
    team.arrive(low, RESIDENT)
    team.arrive(high, RESIDENT)
    assert team.waitlist_len == 2 and low.state == high.state == "waitlist", \
        "expected both to wait with every slot taken"
    model.now = 5.0
    team.on_case_end((first, team.professionals[0]))
    assert high.state == "in_care" and low.state == "waitlist", \
        "expected urgency triage to serve the high-urgency request first"
    assert high.queue_wait == 5.0, "expected its wait from joining the list to the slot"


def test_outreach_chance_and_what_the_professional_does():
    model = tiny(**{"wijkteam.share_outreach": 0.2, "meeting_places.n_places": 0})
    w = model.scenario.wijkteam
    expect = min(1.0, w.n_professionals * 0.2 * w.outreach_contacts_per_day / 60)
    assert model.outreach.p_found_day == expect, "expected contacts per day over residents"
    need = hand_need(model, kind=COMPLEX)
    model.outreach.act(need, 3)
    assert need.route[0] == "found on outreach" and need.state in ("waitlist", "in_care"), \
        "expected a complex need found on outreach to go to the team"


def test_a_need_given_up_on_may_stay_hidden_grow_worse_and_be_found_on_outreach():
    """Giving up ends the request, not always the need (7.12): a need whose ``persist``
    draw is under ``p_need_persists`` stays hidden, keeps its clocks, and is met only by
    outreach, which brings it back into view, or by a crisis."""
    model = tiny(**{"wijkteam.share_outreach": 0.2, "meeting_places.n_places": 0})
    gone = hand_need(model, persist=0.999)
    model.escalation.withdraw(gone, "withdraws")
    assert gone.state == "withdrawn" and gone.u is None, \
        "expected a need over the persistence share to end when its resident gives up"
    found = hand_need(model, kind=COMPLEX, resident=1, persist=0.0)
    model.escalation.withdraw(found, "withdraws")
    assert found.state == vocabulary.HIDDEN and found.outcome == "withdrawn", \
        "expected a persisting need hidden, counted as given up while nobody finds it"
    (meet,) = [e for e in pending(model) if e[2] == "meet_hidden"]
    model.outreach.on_meet_hidden(meet[3])
    assert found.state == "unvoiced" and found.outcome == "" \
        and any(who >= model.residents.n for who in found.aware), \
        f"expected outreach to bring the need back into view, a professional aware: {found.route}"
    crisis = hand_need(model, urgency=HIGH, resident=2, persist=0.0)
    model.escalation.withdraw(crisis, "withdraws")
    model.escalation.on_escalate((crisis, HIGH))
    assert crisis.crisis and crisis.state == "crisis" and crisis.outcome == "", \
        "expected a hidden need that escalates to reach the crisis service"


def test_without_outreach_nobody_looks_for_a_hidden_need():
    model = tiny(**{"wijkteam.share_outreach": 0.0, "meeting_places.n_places": 0})
    need = hand_need(model, persist=0.0)
    model.escalation.withdraw(need, "withdraws")
    assert need.state == vocabulary.HIDDEN, "expected the need to stay hidden"
    assert not [e for e in pending(model) if e[2] == "meet_hidden"], \
        "expected no outreach to meet its resident"


def test_urgency_rises_then_a_crisis_brings_the_need_to_the_team():
    """Without a crisis service, the crisis goes to the wijkteam's list."""
    model = tiny(**{"meeting_places.n_places": 0, "crisis.service": False})
    need = hand_need(model, kind=PRACTICAL, urgency=MEDIUM)
    model.escalation.on_escalate((need, MEDIUM))
    assert need.urgency == HIGH and not need.crisis, "expected medium to rise to high"
    model.escalation.on_escalate((need, MEDIUM))
    assert need.urgency == HIGH, "expected a stale escalation (old level) to be ignored"
    model.escalation.on_escalate((need, HIGH))
    assert need.crisis and model.escalation.crises == 1, "expected a crisis"
    assert "crisis" in need.route and need.state in ("waitlist", "in_care"), \
        "expected the crisis service to bring the need to the wijkteam"


def test_crisis_service_responds_with_a_free_place_and_queues_the_rest():
    model = tiny(**{"crisis.capacity": 1, "meeting_places.n_places": 0})
    service = model.crisis
    first, second = (hand_need(model, kind=COMPLEX, urgency=HIGH, resident=i) for i in range(2))
    service.arrive(first)
    service.arrive(second)
    assert first.state == second.state == "crisis", "expected both in state crisis"
    assert service.busy == 1 and list(service.queue) == [second], \
        "expected the second crisis to wait for the only place"
    (response,) = [e for e in pending(model) if e[2] == "crisis_response"]
    model.now = response[0]
    service.on_response(first)
    assert first.outcome == "crisis_service" and first.state == "helped", \
        "expected help to start at the response"
    (end,) = [e for e in pending(model) if e[2] == "crisis_end"]
    model.now = end[0]
    service.on_end(first)
    assert first.state == "closed" and service.busy == 1 and not service.queue, \
        "expected the place to pass to the waiting crisis"


def test_a_crisis_on_the_waiting_list_leaves_it_for_the_crisis_service():
    model = tiny(**{"wijkteam.n_professionals": 1, "wijkteam.caseload_max": 1,
                    "meeting_places.n_places": 0})
    team = model.wijkteam
    busy, waiting = (hand_need(model, kind=COMPLEX, urgency=HIGH, resident=i) for i in range(2))
    team.arrive(busy, RESIDENT)
    team.arrive(waiting, RESIDENT)
    assert team.waitlist_len == 1, "expected one request waiting"
    model.escalation.on_escalate((waiting, HIGH))
    assert waiting.state == "crisis" and team.waitlist_len == 0, \
        "expected the crisis to leave the waiting list for the crisis service"


def test_overload_grows_linearly_from_the_threshold_to_full_hours_or_caseload():
    model = tiny(**{"wijkteam.caseload_max": 10, "wijkteam.overload_threshold": 0.6})
    team, prof = model.wijkteam, model.wijkteam.professionals[0]
    expect = [0.0] * 6 + [0.25, 0.5, 0.75, 1.0]
    by_caseload = []
    for cases in range(1, 11):  # cases of almost no hours: the caseload cap is fuller
        prof.cases, prof.hours = set(range(cases - 1)), 0.0
        by_caseload.append(team.overload(prof, 1e-9))
    assert by_caseload == pytest.approx(expect), \
        f"expected {expect} by caseload 1..10, got {by_caseload}"
    tenth = team.prof_case_hours / 10
    by_hours = []
    for k in range(1, 11):  # one case, hours filling a tenth each: the hours are fuller
        prof.cases, prof.hours = set(), (k - 1) * tenth
        by_hours.append(team.overload(prof, tenth))
    assert by_hours == pytest.approx(expect), \
        f"expected {expect} by hours in tenths 1..10, got {by_hours}"


def test_outreach_asks_a_tie_by_the_first_contact_rule_and_lowers_reluctance():
    model = tiny(**{"wijkteam.share_outreach": 0.2, "meeting_places.n_places": 0,
                    "wijkteam.outreach_reluctance_reduction": 0.5})
    need = hand_need(model, kind=PRACTICAL, resolve=0.99, refer=0.0, handover=0.0)
    assert model.residents.ties[0], "expected resident 0 to have ties in this neighbourhood"
    before = model.residents.reluctance_ask[0]
    model.outreach.act(need, 2)
    assert need.state == "asking" and need.route[-1] == "a tie is asked to help", \
        f"expected the professional to ask a tie, got {need.route}"
    asked = [p for p, f in need.aware.items() if f & bystander.DIRECT]
    assert len(asked) == 1 and asked[0] in model.residents.ties[0], \
        f"expected one of the resident's ties asked, got {asked}"
    assert model.residents.reluctance_ask[0] == pytest.approx(before * 0.5), \
        "expected the resident's reluctance to ask halved"
    model.outreach.act(need, 2)
    assert need.state in ("waitlist", "in_care"), \
        "expected the need to go to the team's list when the professional acts again"
    assert "intake" not in need.route, "expected no intake after outreach's first contact"
    assert model.residents.reluctance_ask[0] == pytest.approx(before * 0.5), \
        "expected reluctance lowered once per need"


def test_a_case_makes_a_support_plan_then_supports():
    model = tiny(**{"wijkteam.plan_days_mean": 10.0, "meeting_places.n_places": 0})
    team = model.wijkteam
    need = hand_need(model, kind=COMPLEX, plan=0.5)
    team.arrive(need, RESIDENT)
    assert need.state == "in_care" and math.isnan(need.t_plan), \
        "expected the case started, its plan not yet made"
    (plan,) = [e for e in pending(model) if e[2] == "plan"]
    assert plan[0] == pytest.approx(-math.log(0.5) * 10.0), \
        "expected the plan after plan_days_mean x Exp(1) from the need's own uniform"
    assert not [e for e in pending(model) if e[2] == "case_end"], \
        "expected no case end before the plan"
    model.now = plan[0]
    team.on_plan(plan[3])
    (end,) = [e for e in pending(model) if e[2] == "case_end"]
    assert need.t_plan == plan[0] and end[0] == pytest.approx(plan[0] + plan[3][2]), \
        "expected support to run the case's duration from the plan on"


def intake_team(**overrides) -> Neighbourhood:
    """A team of 7 with 2 intakes a week each: 2 intakes a day."""
    return tiny(**{"wijkteam.intake": True, "wijkteam.n_professionals": 7,
                   "wijkteam.intakes_per_professional_week": 2.0,
                   "meeting_places.n_places": 0, **overrides})


def test_the_intake_is_the_first_contact_planned_up_to_the_day_capacity():
    """Requests wait in state intake; each morning the team takes two, first come first
    served, at d + 1/4 and d + 3/4; the third waits for the next morning."""
    model = intake_team()
    team = model.wijkteam
    needs = [hand_need(model, kind=COMPLEX, resident=r) for r in range(3)]
    for need in needs:
        team.arrive(need, RESIDENT + need.resident)
    assert [n.state for n in needs] == ["intake"] * 3 and all(
        math.isnan(n.t_contact) for n in needs), \
        "expected every request waiting for its intake, no first contact yet"
    model.calendar.open_day(0)
    team.morning(0)
    planned = sorted(e[:1] + e[3][:1] for e in pending(model) if e[2] == "intake")
    assert planned == [(0.25, needs[0]), (0.75, needs[1])], \
        f"expected the first two requests planned at 0.25 and 0.75, got {planned}"
    model.calendar.run_day(model, team.mark)
    assert [n.t_contact for n in needs[:2]] == [0.25, 0.75] \
        and [n.state for n in needs] == ["in_care", "in_care", "intake"], \
        "expected the intake to be the first contact, then the case to start on a free slot"
    assert math.isnan(needs[2].t_contact) and list(team.teams[0].intake_queue) == [needs[2]], \
        "expected the third request still waiting for the next morning"


def test_the_intake_refers_a_simple_request_on_and_a_leaver_is_skipped():
    model = intake_team(**{"meeting_places.n_places": 1})
    team = model.wijkteam
    simple = hand_need(model, kind=PRACTICAL, resident=0, refer=0.0)
    leaver = hand_need(model, kind=COMPLEX, resident=1)
    third = hand_need(model, kind=COMPLEX, resident=2)
    for need in (simple, leaver, third):
        team.arrive(need, RESIDENT + need.resident)
    model.now = 0.1
    model.escalation.withdraw(leaver, "withdraws")
    assert leaver.t_left_queue == 0.1, "expected a leaver to leave the intake queue when it goes"
    model.calendar.open_day(0)
    team.morning(0)
    planned = [e[3][0] for e in pending(model) if e[2] == "intake"]
    assert planned == [simple, third], \
        f"expected the intakes of the waiting requests only, got {[n.id for n in planned]}"
    model.calendar.run_day(model, team.mark)
    assert simple.state == "place" and any("intake connects" in s for s in simple.route) \
        and math.isnan(simple.t_queue), \
        f"expected the simple request referred on at its intake, got {simple.route}"
    assert third.state == "in_care", "expected the complex request taken on"


def test_a_crisis_waiting_for_the_intake_is_not_queued_twice():
    """Without a crisis service a crisis waits where it is: not a second entry."""
    model = intake_team(**{"crisis.service": False})
    team = model.wijkteam
    need = hand_need(model, kind=COMPLEX, urgency=HIGH)
    team.arrive(need, RESIDENT)
    model.escalation.on_escalate((need, HIGH))
    assert need.crisis and need.state == "intake" \
        and list(team.teams[0].intake_queue) == [need], \
        f"expected the crisis once in the intake queue, got {len(team.teams[0].intake_queue)}"


# --- volunteers: saturation, burden, moving on, gossip; ownership; integration levels ---


class FixedDraw:
    """A stand-in random generator whose every draw is ``u``."""

    def __init__(self, u: float) -> None:
        self.u = u

    def random(self) -> float:
        return self.u


def test_recruitment_falls_linearly_to_zero_at_pool_capacity():
    model = tiny("vlaardingen_klussenbank", **{"volunteers.n_initial": 5,
                                               "volunteers.pool_capacity": 10,
                                               "volunteers.p_recruit_visit": 0.4})
    vol = model.volunteering
    assert vol.active == 5, "expected the five initial volunteers"
    assert vol.p_recruit() == pytest.approx(0.2), "expected 0.4 x (1 - 5/10) at half capacity"
    newcomer = next(r for r in range(60) if r not in vol.volunteer_of)
    vol.maybe_recruit(newcomer, FixedDraw(0.21))
    assert newcomer not in vol.volunteer_of, "expected no recruit with a draw above 0.2"
    vol.maybe_recruit(newcomer, FixedDraw(0.19))
    assert newcomer in vol.volunteer_of and vol.active == 6, "expected a recruit below 0.2"
    for rid in [r for r in range(60) if r not in vol.volunteer_of][:4]:
        vol.join(rid)
    assert vol.active == 10 and vol.p_recruit() == 0.0, "expected no recruitment at capacity"
    vol.join(next(r for r in range(60) if r not in vol.volunteer_of))
    assert vol.p_recruit() == 0.0, "expected no recruitment above capacity either"


@pytest.mark.parametrize("level,factor", [("verbinden", 1.0), ("samenwerken", 0.5),
                                          ("samenspel", 0.0)])
def test_burden_of_unclear_roles_and_paperwork_pushes_out_the_sensitive(level, factor):
    model = tiny("vlaardingen_klussenbank", **{"access.integration": level,
                                               "volunteers.formalisation_burden": 0.5})
    v = model.scenario.volunteers
    burden = v.motivation_loss_unclear_roles_per_day * factor \
        + v.motivation_loss_formalisation_per_day * 0.5
    assert model.volunteering.burden_per_day == pytest.approx(burden), \
        f"expected the declared factor {factor} of integration.unclear_roles_factor at {level}"
    calm, sensitive = model.volunteering.pool[:2]
    calm.sensitivity, calm.motivation = 0.0, 0.5
    sensitive.sensitivity = 100.0
    sensitive.motivation = v.dropout_threshold + 50.0 * burden - v.motivation_recovery_per_day
    model.volunteering.changed(calm)
    model.volunteering.changed(sensitive)
    model.volunteering.morning()
    assert calm.motivation == pytest.approx(0.5 + v.motivation_recovery_per_day), \
        "expected a volunteer insensitive to burden to recover"
    if burden > 0:
        assert not sensitive.active and model.volunteering.dropped_burden == 1, \
            "expected the sensitive volunteer pushed out by roles and paperwork, and counted"
        assert model.volunteering.dropped == 1, "expected the dropout in the total too"


def _every_volunteer_every_morning(self) -> None:
    """ODD 7.7's morning as stated: every volunteer of the pool, in its order."""
    v, now = self.s.volunteers, self.m.now
    dropped = False
    for vol in self.pool:
        if now >= vol.leave_day:
            self._drop(vol, "volunteer moves on")
            dropped = True
            continue
        full = vol.tasks >= v.capacity_tasks
        vol.motivation = min(1.0, vol.motivation + (-self.burden_per_day * vol.sensitivity + (
            -v.motivation_loss_overload_per_day if full else v.motivation_recovery_per_day)))
        if vol.motivation < v.dropout_threshold:
            dropped = True
            self._drop(vol, "volunteer drops out: " + ("overloaded" if full else
                                                        "roles and paperwork"))
            self.dropped_burden += not full and now >= self.m.stats_from
    if dropped:
        self.pool = [vol for vol in self.pool if vol.active]


def test_a_morning_that_looks_only_at_the_restless_keeps_the_rule(monkeypatch):
    """The pool's morning skips the volunteers at rest (motivation 1, below capacity,
    recovering at least as fast as drained), who would stay as they are. Over a warm-started
    year with recruits, overload, burden and leaving, it gives what looking at every
    volunteer every morning gives: the same event log, KPIs and pool, motivations included."""
    overrides = {"population.n_residents": 3000, "volunteers.formalisation_burden": 0.6,
                 "volunteers.p_recruit_visit": 0.01, "volunteers.capacity_tasks": 1}

    def year() -> tuple:
        run = sim.Simulation(sim.load_scenario("vlaardingen_klussenbank", overrides), seed=3,
                             days=365)
        result = run.run()
        pool = [(vol.rid, vol.motivation, vol.tasks) for vol in run.model.volunteering.pool]
        run.close()
        return result.events, result.summary, pool

    events, summary, pool = year()
    monkeypatch.setattr(VolunteerInitiative, "morning", _every_volunteer_every_morning)
    events_rule, summary_rule, pool_rule = year()
    activity = events["activity"].value_counts()
    assert all(activity.get(f"volunteer {why}", 0) > 0 for why in (
        "moves on", "drops out: roles and paperwork", "drops out: overloaded")) \
        and any(m < 1.0 for _, m, _ in pool), \
        f"expected a pool that recruits, is overloaded, pushed out and moves on, else this " \
        f"proves little: {activity.filter(like='volunteer').to_dict()}"
    assert events.equals(events_rule), \
        "expected the same event log as a morning that looks at every volunteer"
    assert summary == summary_rule, "expected the same KPIs as a morning that looks at everyone"
    assert pool == pool_rule, "expected the same volunteers with the same motivations"


def test_a_volunteer_moves_on_at_their_leave_day():
    model = tiny("vlaardingen_klussenbank")
    vol = model.volunteering.pool[0]
    assert 0 < vol.leave_day < math.inf, "expected a leave day drawn at joining"
    vol.leave_day = 0.0
    model.volunteering.changed(vol)
    model.volunteering.morning()
    assert not vol.active and model.volunteering.dropped == 1, "expected the volunteer gone"
    assert model.volunteering.dropped_burden == 0, "expected moving on not counted as burden"
    assert list(model.events.frame()["activity"])[-1] == "volunteer moves on", \
        "expected the reason in the event log"


def test_gossip_lowers_readiness_to_ask_and_trust_of_the_street_and_ties():
    model = tiny("vlaardingen_klussenbank", **{"volunteers.gossip_trust_loss": 0.25})
    r = model.residents
    vol = model.volunteering.pool[0]
    street = set(r.block_members[r.block[vol.rid]])
    client = next(i for i in range(60) if i not in street and i not in r.ties[vol.rid]
                  and i != vol.rid)
    hearers = (street | r.ties[vol.rid]) - {vol.rid}
    before = list(zip(r.reluctance_ask, r.trust, strict=True))
    need = hand_need(model, kind=PRACTICAL, resident=client)
    model.volunteering.ask(need)
    (match,) = [e for e in pending(model) if e[2] == "match"]
    model.volunteering.rng = FixedDraw(0.0)  # the first free volunteer: pool[0]
    model.volunteering.on_match(match[3])
    assert need.helper == vocabulary.VOLUNTEER + vol.rid, "expected pool[0] to take it"
    for i in range(60):
        rel, tr = before[i]
        if i in hearers:
            assert r.reluctance_ask[i] == pytest.approx(1 - (1 - rel) * 0.75) \
                and r.trust[i] == pytest.approx(tr * 0.75), \
                f"expected resident {i}, who heard the gossip, less ready to ask and trusting"
        else:
            assert (r.reluctance_ask[i], r.trust[i]) == (rel, tr), \
                f"expected resident {i}, who did not hear it, unchanged"


@pytest.mark.parametrize("p_owner,flags", [(0.0, 0), (1.0, bystander.OWNER)])
def test_a_professional_finding_a_need_owns_it_by_chance(p_owner, flags):
    model = tiny(**{"wijkteam.share_outreach": 0.2, "wijkteam.p_owner_outreach": p_owner,
                    "meeting_places.n_places": 0})
    assert {model.outreach.finder_flags() for _ in range(20)} == {flags}, \
        f"expected flags {flags} with p_owner_outreach {p_owner}"
    need = hand_need(model, kind=PRACTICAL)
    model.noticing.p_notice_day_by_block = [model.outreach.p_found_day] * len(
        model.noticing.p_notice_day_by_block)  # only outreach notices
    model.noticing.on_notice((need, need.bystander_draw))
    (who,) = [p for p in need.aware if p >= model.residents.n]
    assert need.aware[who] == flags, f"expected the finder aware with flags {flags}"


def test_integration_effects_are_read_from_their_declarations():
    levels = {"verbinden": (0.11, 0.21, 0.31), "samenwerken": (0.12, 0.22, 0.32),
              "samenspel": (0.13, 0.23, 0.33)}
    overrides = {f"integration.{effect}.{level}": values[k]
                 for level, values in levels.items()
                 for k, effect in enumerate(("p_refer_informal", "p_owner_place",
                                             "unclear_roles_factor"))}
    for level, (refer, owner, unclear) in levels.items():
        model = tiny("vlaardingen_klussenbank",
                     **{**overrides, "access.integration": level,
                        "volunteers.formalisation_burden": 0.0})
        loss = model.scenario.volunteers.motivation_loss_unclear_roles_per_day
        got = (model.first_contact.p_connect, model.meeting.p_owner,
               model.volunteering.burden_per_day)
        assert got == pytest.approx((refer, owner, unclear * loss)), \
            f"expected the {level} column of integration.* to be used, got {got}"
