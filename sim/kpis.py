"""Every KPI a run reports, declared once.

As parameters are declared once in :mod:`sim.params`, each KPI is declared here
once: its name, unit, a label and a meaning in Dutch and in English, whether more
is better, whether it is a count to show per 1,000 residents a year, the exact
definition in words, and the function that computes it. The run summary, the
command line's table, ``compare``, the HTML report, the docs (ODD 4.11) and the
dashboard all read these declarations, so a new KPI is one declaration plus its
computation, and no list of KPI names is typed anywhere else.

A KPI is computed from an :class:`Observed`: the requests created after the
warm-up (the set R of ODD 4.11) and the model's end-of-run counters. Every count
declared ``per_1000_year=True`` gets a companion ``<name>_per_1000_year``,
generated here from its declaration.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .population import AGE_GROUPS
from .survival import kaplan_meier, km_median
from .vocabulary import (
    GAVE_UP,
    INFORMAL_OUTCOMES,
    NETWORK_GROUP_LOWER,
    NETWORK_GROUPS,
    RELUCTANCE_TERCILES,
    UNANSWERED,
    URGENCIES,
)


@dataclass(frozen=True)
class Observed:
    """What the KPIs are computed from.

    ``everyone`` is the whole ``requests`` frame of ODD 4.11, one row per request;
    ``requests`` is the set R, those created on or after ``warmup_days``. ``counters``
    holds the model's own end-of-run figures (time averages, volunteers, meeting
    places; see :meth:`sim.model.Neighbourhood.counters`). The run ended at ``end_day``.
    """

    everyone: pd.DataFrame
    counters: dict[str, Any]
    warmup_days: int
    end_day: int

    @cached_property
    def requests(self) -> pd.DataFrame:
        return self.everyone[self.everyone["day_created"] >= self.warmup_days]

    @property
    def span_days(self) -> int:
        """The counted period, at least a day."""
        return max(self.end_day - self.warmup_days, 1)


@dataclass(frozen=True)
class Kpi:
    """One KPI. ``better`` is ``"higher"``, ``"lower"`` or ``None`` (descriptive)."""

    name: str
    unit: str
    label_en: str
    label_nl: str
    meaning_en: str
    meaning_nl: str
    definition: str
    better: str | None
    per_1000_year: bool  # a count that gets a generated ``<name>_per_1000_year`` companion
    compute: Callable[[Observed], Any]
    by: tuple[str, ...] = ()  # categories of a KPI reported per category, as ``name.cat``

    @property
    def is_share(self) -> bool:
        return self.unit == "share"

    def label(self, lang: str = "en") -> str:
        return self.label_nl if lang == "nl" else self.label_en

    def meaning(self, lang: str = "en") -> str:
        return self.meaning_nl if lang == "nl" else self.meaning_en


# --- computations ------------------------------------------------------------------


def _mean(s: pd.Series) -> float:
    return float(s.mean()) if len(s) else math.nan


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else math.nan


def _answered(o: Observed) -> pd.Series:
    return o.requests["day_answered"].notna()


def _queued_waits(o: Observed) -> pd.Series:
    r = o.requests
    return r.loc[r["queue_wait_days"].notna(), "queue_wait_days"]


def _answered_waits(o: Observed) -> pd.Series:
    return o.requests.loc[_answered(o), "wait_days"]


def _p90(s: pd.Series) -> float:
    return float(np.quantile(s, 0.9)) if len(s) else math.nan


def _by_urgency(o: Observed) -> dict[str, float]:
    r = o.requests
    queued = r["queue_wait_days"].notna()
    return {u: _mean(r.loc[queued & (r["urgency_intake"] == u), "queue_wait_days"])
            for u in URGENCIES}


def _helped_after_crisis(o: Observed) -> pd.Series:
    r = o.requests
    return r["day_answered"] >= r["day_crisis"]


def _crisis_response_days_mean(o: Observed) -> float:
    r = o.requests
    helped = r["crisis"] & _helped_after_crisis(o)
    return _mean(r.loc[helped, "day_answered"] - r.loc[helped, "day_crisis"])


def _counter(name: str) -> Callable[[Observed], Any]:
    return lambda o: o.counters[name]


def _queue_waits_all(o: Observed) -> pd.Series:
    """Time on the list of everyone who joined it after the warm-up: until they left it
    (case started, gave up, or went to the crisis service) or the end (still waiting)."""
    r = o.everyone
    joined = r[r["day_queued"] >= o.warmup_days]
    return joined["day_left_queue"].fillna(float(o.end_day)) - joined["day_queued"]


def _by_urgency_all(o: Observed) -> dict[str, float]:
    """:func:`_queue_waits_all` per urgency on arrival at the wijkteam."""
    waits = _queue_waits_all(o)
    urgency = o.everyone.loc[waits.index, "urgency_intake"]
    return {u: _mean(waits[urgency == u]) for u in URGENCIES}


def _support_days_mean(o: Observed) -> float:
    """Little's law on the caseload: busy slots over the rate at which cases start."""
    r = o.everyone
    started = r["queue_wait_days"].notna() & (r["day_left_queue"] >= o.warmup_days)
    return _ratio(o.counters["slots_busy_mean"], started.sum() / o.span_days)


def _utilization(o: Observed) -> float:
    """The share of the team's capacity in use, by whichever limit binds: its hours for
    cases, or the caseload cap. A share, so at most 1 (sums of floats over a year can
    land a hair above it)."""
    c = o.counters
    return min(max(_ratio(c["case_hours_busy_mean"], c["case_hours"]),
                   _ratio(c["slots_busy_mean"], c["caseload_cap"])), 1.0)


def _offered_load(o: Observed) -> float:
    """Utilization scaled by arrivals on the list over cases started (Little's law)."""
    r = o.everyone
    joined = (r["day_queued"] >= o.warmup_days).sum()
    started = (r["queue_wait_days"].notna() & (r["day_left_queue"] >= o.warmup_days)).sum()
    return _utilization(o) * _ratio(joined, started)


#: The Rotterdam norm: a support plan within 6 weeks (Rekenkamer Rotterdam 2018).
PLAN_NORM_DAYS = 42.0


def _time_to_plan(o: Observed) -> tuple[pd.Series, pd.Series]:
    """Days from turning to formal help (the desk, the walk-in, or outreach; arrival at the
    wijkteam for a crisis sent there) to a support plan, of everyone in R who turned to it
    and was not settled at the first contact: sent on to the team (those who dropped out
    after the desk's referral included), waiting for the first contact, or on the team's
    list; and whether the plan came. Those who left without one (gave up, or went to the
    crisis service) are censored when they left, the rest at the end, so the desk's queue
    and referral delay count as the walk-in intake's wait does."""
    r = o.requests
    waiting = r["day_formal"].notna() & r["day_first_contact"].isna()
    r = r[r["day_sent"].notna() | r["day_queued"].notna() | waiting]
    planned = r["day_plan"].notna()
    end = float(o.end_day)
    left = r["day_left_queue"].fillna(r["day_closed"]).where(r["state"] != "in_care")
    start = r["day_formal"].fillna(r["day_intake"])
    return r["day_plan"].fillna(left.fillna(end)) - start, planned


def _time_to_plan_median(o: Observed) -> float:
    return km_median(*_time_to_plan(o))


def _plan_within_norm(o: Observed) -> float:
    durations, planned = _time_to_plan(o)
    if not len(durations):
        return math.nan
    times, survival = kaplan_meier(durations, planned)
    before = survival[times <= PLAN_NORM_DAYS]
    return float(1.0 - before[-1]) if before.size else 0.0


def _first_contact_median(o: Observed) -> float:
    """Kaplan-Meier median from need to first answer or formal contact; those who gave
    up without either are censored when they gave up, those still waiting at the end."""
    r = o.requests
    reached = r[["day_answered", "day_first_contact"]].min(axis=1)
    until = reached.fillna(r["day_closed"]).fillna(float(o.end_day))
    return km_median(until - r["day_created"], reached.notna())


def _answered_share_by(codes: np.ndarray, names: tuple[str, ...], o: Observed
                       ) -> dict[str, float]:
    """The answered share within each group; ``codes`` index ``names`` per request."""
    answered = _answered(o).to_numpy()
    return {name: _ratio(answered[codes == i].sum(), (codes == i).sum())
            for i, name in enumerate(names)}


def _by_age(o: Observed) -> dict[str, float]:
    return _answered_share_by(o.requests["age_group"].cat.codes.to_numpy(), AGE_GROUPS, o)


def _by_reluctance(o: Observed) -> dict[str, float]:
    cuts = o.counters["reluctance_ask_terciles"]
    codes = np.searchsorted(cuts, o.requests["reluctance_ask"].to_numpy(), side="left")
    return _answered_share_by(codes, RELUCTANCE_TERCILES, o)


def _by_network(o: Observed) -> dict[str, float]:
    codes = np.searchsorted(NETWORK_GROUP_LOWER, o.requests["network_size"].to_numpy(),
                            side="right") - 1
    return _answered_share_by(codes, NETWORK_GROUPS, o)


# --- the declarations, in the order tables show them ---------------------------------

_DECLARED = (
    Kpi("requests", "requests", "Requests", "Hulpvragen",
        "needs that arose after the warm-up", "hulpvragen die na de inloopperiode ontstonden",
        "number of requests in R", None, True,
        lambda o: int(len(o.requests))),
    Kpi("answered", "requests", "Answered", "Beantwoord",
        "of them answered, by anyone", "daarvan beantwoord, door wie dan ook",
        "requests in R whose help started (`day_answered` set: informal, volunteer, host or "
        "desk help, or a wijkteam case), whether or not it has ended", "higher", True,
        lambda o: int(_answered(o).sum())),
    Kpi("answered_share", "share", "Share answered", "Aandeel beantwoord",
        "share answered", "aandeel beantwoord",
        "`answered / requests`", "higher", False,
        lambda o: _ratio(_answered(o).sum(), len(o.requests))),
    Kpi("answered_share_by_age", "share", "Share answered by age",
        "Aandeel beantwoord per leeftijd",
        "share answered, by the resident's age group",
        "aandeel beantwoord, per leeftijdsgroep van de bewoner",
        "`answered / requests` within each `age_group` of the requests frame", "higher", False,
        _by_age, by=AGE_GROUPS),
    Kpi("answered_share_by_reluctance", "share", "Share answered by reluctance to ask",
        "Aandeel beantwoord per vraagverlegenheid",
        "share answered, by the resident's reluctance to ask (thirds)",
        "aandeel beantwoord, per derde van de vraagverlegenheid van de bewoner",
        "`answered / requests` within each tercile of `reluctance_ask`; the cut points are the "
        "1/3 and 2/3 quantiles over every resident of the neighbourhood (not over requests), "
        "and a value on a cut point falls in the lower group", "higher", False,
        _by_reluctance, by=RELUCTANCE_TERCILES),
    Kpi("answered_share_by_network", "share", "Share answered by network size",
        "Aandeel beantwoord per netwerkgrootte",
        "share answered, by the resident's number of ties (0-3, 4-6, 7 or more)",
        "aandeel beantwoord, per aantal banden van de bewoner (0-3, 4-6, 7 of meer)",
        "`answered / requests` within each group of `network_size`, the resident's ties "
        "(household, neighbours, friends, familiarity) **when the request was created**: "
        "0-3, 4-6, 7 or more", "higher", False,
        _by_network, by=NETWORK_GROUPS),
    Kpi("informal_share", "share", "Answered informally", "Informeel beantwoord",
        "share of the answered by neighbours, volunteers, meeting places",
        "aandeel van de beantwoorde door buren, vrijwilligers, ontmoetingsplekken",
        "requests in R with outcome `informal`, `volunteer` or `meeting_place`, divided by "
        "`answered` (not by all requests)", None, False,
        lambda o: _ratio(o.requests["outcome"].isin(INFORMAL_OUTCOMES).sum(),
                         _answered(o).sum())),
    Kpi("unanswered_end", "requests", "Still unanswered", "Nog onbeantwoord",
        "still unanswered at the end", "aan het eind nog onbeantwoord",
        "requests in R still in an unanswered state at the end (including `waitlist`, "
        "`desk`, `referred`)", "lower", False,
        lambda o: int(o.requests["state"].isin(list(UNANSWERED)).sum())),
    Kpi("withdrawn", "requests", "Gave up", "Afgehaakt",
        "given up by the resident", "opgegeven door de bewoner",
        "requests in R whose resident gave up (or dropped out at the desk) and that nobody "
        "helped after: in state `withdrawn`, or `hidden` when the need stayed "
        "(those found on outreach or met in a crisis later count there)", "lower", True,
        lambda o: int(o.requests["state"].isin(GAVE_UP).sum())),
    Kpi("crises", "requests", "Crises", "Crises",
        "unanswered needs that became a crisis", "onbeantwoorde vragen die een crisis werden",
        "requests in R that reached a crisis", "lower", True,
        lambda o: int(o.requests["crisis"].sum())),
    Kpi("crisis_response_days_mean", "days", "Days to crisis help", "Dagen tot crisishulp",
        "days from a crisis to help starting, mean over crises that got help",
        "dagen van crisis tot hulp, gemiddeld over crises die hulp kregen",
        "mean of `day_answered - day_crisis` over requests in R that reached a crisis and "
        "were answered after it (by the crisis service, or by the wijkteam when there is none); "
        "crises still waiting or given up are counted by `crises_unanswered`", "lower", False,
        _crisis_response_days_mean),
    Kpi("crises_unanswered", "requests", "Crises without help", "Crises zonder hulp",
        "crises that got no help: still waiting at the end, or given up",
        "crises zonder hulp: aan het eind nog wachtend, of opgegeven",
        "requests in R that reached a crisis and were not answered after it", "lower", True,
        lambda o: int((o.requests["crisis"] & ~_helped_after_crisis(o)).sum())),
    Kpi("wait_days_mean", "days", "Days to an answer", "Dagen tot antwoord",
        "days from need to answer, mean (answered only)",
        "dagen van vraag tot antwoord, gemiddeld (alleen beantwoorde)",
        "mean of `day_answered - day_created` over answered requests in R", "lower", False,
        lambda o: _mean(_answered_waits(o))),
    Kpi("wait_days_p90", "days", "Days to an answer, slowest 10%",
        "Dagen tot antwoord, traagste 10%",
        "days from need to answer, 90th percentile (answered only)",
        "dagen van vraag tot antwoord, 90e percentiel (alleen beantwoorde)",
        "90th percentile (NumPy linear interpolation) of `day_answered - day_created` over "
        "answered requests in R", "lower", False,
        lambda o: _p90(_answered_waits(o))),
    Kpi("time_to_plan_days_median", "days", "Days to a support plan",
        "Dagen tot een ondersteuningsplan",
        "days from turning to formal help to a support plan, median over everyone whose "
        "first contact did not settle the request (those who left without a plan included)",
        "dagen van de hulpvraag aan de formele zorg tot een ondersteuningsplan, mediaan "
        "over iedereen wiens vraag bij het eerste contact niet werd afgehandeld (ook wie "
        "zonder plan vertrok)",
        "Kaplan-Meier median (`sim/survival.py`) of `day_plan - day_formal` (`day_intake` "
        "for a crisis sent to the team) over requests in R that a first contact sent on to "
        "the team (`day_sent` set: behind the desk also those who dropped out after its "
        "referral), that joined the team's list (`day_queued` set), or that turned to formal "
        "help and were still waiting for the first contact (`day_formal` set, "
        "`day_first_contact` not); a request that left without a plan (gave up, or went to "
        "the crisis service) is censored when it left, one still waiting at the end then; "
        "those answered or connected to informal help at the first contact are not counted",
        "lower", False, _time_to_plan_median),
    Kpi("plan_within_6_weeks_share", "share", "Plan within 6 weeks", "Plan binnen 6 weken",
        "share of those sent on to the wijkteam with a support plan within 6 weeks of "
        "turning to formal help (the Rotterdam norm)",
        "aandeel van wie naar het wijkteam ging met een ondersteuningsplan binnen 6 weken "
        "na de hulpvraag (de Rotterdamse norm)",
        "1 - S(42 days) of the Kaplan-Meier curve of `time_to_plan_days_median`'s durations "
        "(Rekenkamer Rotterdam 2018: 90% without a plan after 6 weeks)", "higher", False,
        _plan_within_norm),
    Kpi("first_contact_days_median", "days", "Days to a first answer or contact",
        "Dagen tot eerste antwoord of contact",
        "median days from need to a first answer or professional contact, counting everyone",
        "mediaan aantal dagen van vraag tot eerste antwoord of contact met een professional, "
        "over iedereen",
        "Kaplan-Meier median (`sim/survival.py`) over R of the time from `day_created` to the "
        "earlier of `day_answered` and `day_first_contact` (the desk handling the request, "
        "the wijkteam's intake, or a professional on outreach taking it up); a request "
        "that gave up without either is censored at `day_closed`, one still waiting at the "
        "end of the run; n/a when fewer than half are reached", "lower", False,
        _first_contact_median),
    Kpi("queue_wait_days_mean_all", "days", "Days on the waiting list (everyone)",
        "Dagen op de wachtlijst (iedereen)",
        "days on the wijkteam waiting list, mean over everyone who joined it",
        "dagen op de wachtlijst van het wijkteam, gemiddeld over iedereen die erop kwam",
        "mean over every request that joined the wijkteam queue on or after `warmup_days` "
        "(`day_queued >= warmup_days`, also if created before) of its time on the list, "
        "`day_left_queue - day_queued` (its case started, zero waits included; it gave up; "
        "or its crisis went to the crisis service), or `days - day_queued` if still waiting "
        "at the end", "lower", False,
        lambda o: _mean(_queue_waits_all(o))),
    Kpi("queue_wait_days_mean", "days", "Days on the waiting list (served only)",
        "Dagen op de wachtlijst (alleen geholpen)",
        "days on the wijkteam waiting list, mean over those whose case started",
        "dagen op de wachtlijst van het wijkteam, gemiddeld over wie geholpen werd",
        "mean wijkteam queue wait over requests in R whose case has started, **including "
        "zero waits** (a free slot on arrival); requests still waiting at the end and those "
        "who gave up while waiting are not included", "lower", False,
        lambda o: _mean(_queued_waits(o))),
    Kpi("queue_wait_days_mean_by_urgency", "days", "Days on the waiting list by urgency",
        "Dagen op de wachtlijst per urgentie",
        "days on the waiting list, by urgency at intake (served only)",
        "dagen op de wachtlijst, per urgentie bij aanmelding (alleen geholpen)",
        "the same, per urgency on arrival at the wijkteam (`urgency_intake`)", "lower", False,
        _by_urgency, by=URGENCIES),
    Kpi("queue_wait_days_mean_all_by_urgency", "days",
        "Days on the waiting list by urgency (everyone)",
        "Dagen op de wachtlijst per urgentie (iedereen)",
        "days on the waiting list, by urgency at intake, mean over everyone who joined it",
        "dagen op de wachtlijst, per urgentie bij aanmelding, gemiddeld over iedereen die "
        "erop kwam",
        "`queue_wait_days_mean_all` per urgency on arrival at the wijkteam "
        "(`urgency_intake`): those who gave up or still wait at the end included", "lower",
        False, _by_urgency_all, by=URGENCIES),
    Kpi("support_days_mean", "days", "Days of wijkteam support", "Dagen ondersteuning wijkteam",
        "days a wijkteam case lasts, from taking it through the support plan to its end, "
        "mean (Little's law)",
        "dagen dat een zaak van het wijkteam duurt, van aanname via het "
        "ondersteuningsplan tot het eind, gemiddeld (wet van Little)",
        "time-averaged busy slots from `warmup_days` on, divided by the cases started per day "
        "(requests whose case started, `queue_wait_days` set, on or after `warmup_days`, over "
        "`max(days - warmup_days, 1)`): Little's law, so cases still open at the end count "
        "without waiting for them to close (Rekenkamer Rotterdam 2018: support lasts 20 months "
        "on average)", None, False, _support_days_mean),
    Kpi("wijkteam_intakes", "requests", "Wijkteam intakes", "Aanmeldingen wijkteam",
        "intakes by the wijkteam", "aanmeldingen bij het wijkteam",
        "requests in R that arrived at the wijkteam (`day_intake` set), including those the "
        "team referred on to informal help", None, True,
        lambda o: int(o.requests["day_intake"].notna().sum())),
    Kpi("waitlist_arrival_rate_per_day", "requests/day", "Waiting-list arrivals per day",
        "Instroom wachtlijst per dag",
        "arrivals on the waiting list per day", "instroom op de wachtlijst per dag",
        "requests in R that joined the wijkteam queue (`day_queued` set), divided by "
        "`max(days - warmup_days, 1)`", None, False,
        lambda o: float(o.requests["day_queued"].notna().sum()) / o.span_days),
    Kpi("case_overload_mean", "0-1", "Cases under overload", "Zaken onder overbelasting",
        "loss of case quality from a full caseload, mean over wijkteam cases (0 none, 1 full)",
        "kwaliteitsverlies door een volle caseload, gemiddeld over zaken van het wijkteam "
        "(0 geen, 1 volledig)",
        "mean of `overload` over requests in R whose wijkteam case started: 0 up to "
        "`overload_threshold` of the caseload, rising linearly to 1 at a full caseload (7.11)",
        "lower", False,
        lambda o: _mean(o.requests.loc[o.requests["outcome"] == "wijkteam", "overload"])),
    Kpi("utilization", "share", "Capacity for cases in use", "Bezetting capaciteit voor zaken",
        "share of the wijkteam's capacity for cases in use: its hours, or its caseload cap "
        "where that binds first (time average)",
        "aandeel van de capaciteit voor zaken van het wijkteam dat in gebruik is: de uren, of "
        "de maximale caseload als die eerder knelt (tijdgemiddelde)",
        "time-averaged hours a week of the cases running from `warmup_days` to the end, "
        "divided by the team's hours a week for cases (`sim/budget.py`), or the time-averaged "
        "cases running divided by `n_professionals x caseload_max`, whichever is larger (the "
        "limit that binds), at most 1", None,
        False, _utilization),
    Kpi("offered_load", "ratio", "Offered load", "Aangeboden belasting",
        "case hours asked of the wijkteam over the hours it has for cases (above 1: more "
        "than it can carry)",
        "uren aan zaken die het wijkteam gevraagd worden, gedeeld door de uren die het "
        "ervoor heeft (boven 1: meer dan het aankan)",
        "`utilization` times the requests that joined the list per day over the cases that "
        "started per day, both from `warmup_days` on (Little's law: arrivals times the hours "
        "a case takes over its duration, over capacity); the load the list would put on the "
        "team if every case were taken, whatever the team could take", None, False,
        _offered_load),
    Kpi("fte_total", "FTE", "Staff (FTE)", "Formatie (fte)",
        "professionals in full-time equivalents, the desk's staff included",
        "professionals in fte, de bezetting van de vraagwijzer meegeteld",
        "`wijkteam.n_professionals`: every hour of professional work (cases, intakes, "
        "outreach, desk shifts) is drawn from their weeks (`sim/budget.py`)", None, False,
        _counter("fte_total")),
    Kpi("fte_desk", "FTE", "Staff at the desk (FTE)", "Bezetting vraagwijzer (fte)",
        "of them, staffing the front desk", "daarvan aan de balie van de vraagwijzer",
        "`frontdesk.fte` with access through the vraagwijzer, 0 with walk-in", None, False,
        _counter("fte_desk")),
    Kpi("fte_first_contact", "FTE", "Staff on first contacts (FTE)",
        "Formatie voor eerste contacten (fte)",
        "of them, holding first contacts: the desk, or the walk-in intakes",
        "daarvan voor eerste contacten: de vraagwijzer, of de intakes bij binnenlopen",
        "`fte_desk`, plus the walk-in intakes' hours (`wijkteam.intakes_per_professional_week` "
        "x `first_contact.minutes_per_contact`) in FTE", None, False,
        _counter("fte_first_contact")),
    Kpi("fte_cases", "FTE", "Staff on cases (FTE)", "Formatie voor zaken (fte)",
        "of them, the hours left for cases", "daarvan de uren die voor zaken overblijven",
        "the professionals' hours a week after desk shifts, intakes and outreach, in FTE",
        None, False, _counter("fte_cases")),
    Kpi("waitlist_mean", "requests", "Waiting list", "Wachtlijst",
        "waiting-list length (time average)", "lengte van de wachtlijst (tijdgemiddelde)",
        "time-averaged waiting-list length from `warmup_days` to the end", "lower", False,
        _counter("waitlist_mean")),
    Kpi("waitlist_max", "requests", "Longest waiting list", "Langste wachtlijst",
        "longest waiting list", "langste wachtlijst",
        "largest waiting-list length from `warmup_days` on: checked at the start of every day "
        "and whenever a request joins the list", "lower", False,
        _counter("waitlist_max")),
    Kpi("waitlist_end", "requests", "Waiting list at the end", "Wachtlijst aan het eind",
        "waiting list at the end", "wachtlijst aan het eind",
        "waiting-list length at the end", "lower", False,
        _counter("waitlist_end")),
    Kpi("volunteers_active_end", "volunteers", "Active volunteers", "Actieve vrijwilligers",
        "volunteers active at the end", "actieve vrijwilligers aan het eind",
        "volunteers active at the end", "higher", False,
        _counter("volunteers_active_end")),
    Kpi("volunteers_recruited", "volunteers", "Volunteers recruited", "Vrijwilligers geworven",
        "volunteers recruited", "geworven vrijwilligers",
        "volunteers recruited at or after `warmup_days`", "higher", True,
        _counter("volunteers_recruited")),
    Kpi("volunteers_dropped", "volunteers", "Volunteers who quit", "Gestopte vrijwilligers",
        "volunteers who quit", "vrijwilligers die stopten",
        "volunteers who left at or after `warmup_days`, for any reason: overloaded, pushed out "
        "by unclear roles and paperwork, or moving on", "lower", True,
        _counter("volunteers_dropped")),
    Kpi("volunteers_dropped_burden", "volunteers", "Volunteers pushed out by roles and paperwork",
        "Vrijwilligers weggeduwd door rollen en regels",
        "volunteers pushed out by unclear roles and paperwork",
        "vrijwilligers weggeduwd door onduidelijke rollen en papierwerk",
        "volunteers who dropped out at or after `warmup_days` on a day they were below "
        "capacity, so the daily burden of unclear roles and formalisation took their "
        "motivation below the threshold", "lower", True,
        _counter("volunteers_dropped_burden")),
    Kpi("bystander_unanswered", "requests", "Seen, nobody acted", "Gezien, niemand deed iets",
        "needs seen by 2+ people, none of whom acted, and never answered",
        "vragen die 2 of meer mensen zagen, waarop niemand van hen in actie kwam en die "
        "niemand beantwoordde",
        "requests in R that two or more people were aware of at some time (`n_aware_max >= 2`), "
        "on which none of the aware people acted (`acted_by_aware` false), and that nobody "
        "else answered either (`day_answered` not set at the end); household members count "
        "as aware", "lower", True,
        lambda o: int(((o.requests["n_aware_max"] >= 2) & ~o.requests["acted_by_aware"]
                       & ~_answered(o)).sum())),
    Kpi("place_overloaded_days", "days", "Meeting-place days overloaded",
        "Overbelaste dagen ontmoetingsplek",
        "meeting-place days over host capacity", "dagen dat een ontmoetingsplek overvraagd was",
        "sum over places of the days d >= `warmup_days` on which, after the hosts' morning "
        "planning, their queue still held a question in state `place`", "lower", False,
        _counter("place_overloaded_days")),
    Kpi("familiarity_ties_formed", "ties", "Familiarity ties formed", "Nieuwe bekenden",
        "ties formed at meeting places", "banden ontstaan op ontmoetingsplekken",
        "ties formed at meeting places on days d >= `warmup_days` between residents who were "
        "not tied before (7.8)", "higher", True,
        _counter("familiarity_ties_formed")),
)


def _per_1000_companion(k: Kpi) -> Kpi:
    """``k`` as a natural frequency: per 1,000 residents a year."""
    return Kpi(
        f"{k.name}_per_1000_year", f"{k.unit} per 1,000 residents a year",
        f"{k.label_en} per 1,000 residents a year", f"{k.label_nl} per 1.000 inwoners per jaar",
        f"{k.meaning_en}, per 1,000 residents a year",
        f"{k.meaning_nl}, per 1.000 inwoners per jaar",
        f"`{k.name}` x 1,000 / `n_residents` x 365 / `max(days - warmup_days, 1)`",
        k.better, False,
        lambda o: per_1000_year(k.compute(o), o.counters["n_residents"], o.span_days))


#: Every KPI by name, in table order; each per-1,000 companion follows its count.
KPIS: dict[str, Kpi] = {
    c.name: c for k in _DECLARED
    for c in ((k, _per_1000_companion(k)) if k.per_1000_year else (k,))}

#: The outcomes a policy maker reads first (the dashboard's headline sentences), in order.
#: Each counts everyone it is about: the waits include those who gave up or still wait.
POLICY_OUTCOMES = ("answered", "withdrawn", "crises", "first_contact_days_median",
                   "queue_wait_days_mean_all")


def compute(observed: Observed) -> dict[str, Any]:
    """The run summary: every declared KPI's value, by name, in table order."""
    return {k.name: k.compute(observed) for k in KPIS.values()}


def flat_names() -> tuple[str, ...]:
    """Every KPI as a flat column name: a per-category KPI gives ``name.category`` each."""
    return tuple(name for name, _ in iter_flat())


def iter_flat() -> Iterator[tuple[str, Kpi]]:
    """``(flat name, declaration)`` of every KPI column, in table order."""
    for k in KPIS.values():
        if k.by:
            for cat in k.by:
                yield f"{k.name}.{cat}", k
        else:
            yield k.name, k


def declaration(flat_name: str) -> Kpi:
    """The declaration behind a flat column name such as ``queue_wait_days_mean_by_urgency.low``."""
    return KPIS[flat_name.split(".", 1)[0]]


def flat_label(flat_name: str, lang: str = "en") -> str:
    """The label a person reads for a flat column, e.g. ``Days on the waiting list by
    urgency: low``."""
    category = flat_name.partition(".")[2]
    label = declaration(flat_name).label(lang)
    return f"{label}: {category}" if category else label


def title(flat_name: str) -> str:
    """A figure's or a table's heading for a flat column: label, unit and which way is
    better, e.g. ``Days to an answer (days, lower is better)``."""
    k = declaration(flat_name)
    better = f", {k.better} is better" if k.better else ""
    return f"{flat_label(flat_name)} ({k.unit}{better})"


def flatten(summary: dict[str, Any]) -> dict[str, Any]:
    """A run summary as flat KPI columns; a per-category value becomes ``name.category``."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return out


def per_1000_year(value: float, n_residents: int, span_days: float) -> float:
    """A count over ``span_days`` as a rate per 1,000 residents a year."""
    if not n_residents or not span_days:
        return math.nan
    return float(value) * 1000.0 / n_residents * 365.0 / span_days


def format_value(name: str, value: Any) -> str:
    """A KPI value as a table shows it: shares in percent, counts with separators."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{100 * value:.1f}%" if declaration(name).is_share else f"{value:,.2f}"
    return str(value)
