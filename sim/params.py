"""Every model parameter, declared once.

Each parameter is a field of a frozen dataclass with its unit, allowed range or
choices, a label, a help text and its source. Scenario validation, the command
line's ``--set``, experiment ranges, the dashboard controls and the parameter
table in ``docs/ODD.md`` are all generated from these declarations, so a default
or a range is never typed twice.

Sources marked ``assumption`` rest on no number; the others cite
``../shared/DOMAIN.md`` (and through it the seed report).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ASSUMPTION = "assumption"


def param(
    default: Any,
    *,
    unit: str,
    label: str,
    help: str,
    label_nl: str = "",
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    source: str = ASSUMPTION,
) -> Any:
    """Declare one parameter: a dataclass field carrying its metadata.

    ``label_nl`` is the Dutch label of the dashboard's NL switch (tests/test_docs.py requires
    one for every parameter); Dutch domain words (wijkteam, vraagwijzer, WOT) stay as they are.
    """
    meta = {
        "unit": unit,
        "label": label,
        "label_nl": label_nl,
        "help": help,
        "lo": lo,
        "hi": hi,
        "choices": choices,
        "source": source,
    }
    return field(default=default, metadata=meta)


def section(cls: type) -> Any:
    """Declare a nested group of parameters (a TOML table)."""
    return field(default_factory=cls)


# --- sections ---------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    n_residents: int = param(
        12000, unit="residents", lo=1, hi=1_000_000, label="Residents", label_nl="Inwoners",
        help="Number of residents of the neighbourhood.",
        source="Schiedam: ~78,000 residents over 6 WOTs, about 12,000 a WOT (DOMAIN.md) [verify]",
    )
    household_size_mean: float = param(
        2.1, unit="persons", lo=1.0, hi=6.0, label="Mean household size",
        label_nl="Gemiddelde huishoudgrootte",
        help="Mean number of residents per household; household members see each other's needs.",
        source="CBS: about 2.1 persons per Dutch household [verify]",
    )
    block_size: int = param(
        40, unit="residents", lo=2, hi=1000, label="Residents per block",
        label_nl="Inwoners per blok",
        help="Residents of one street or block; they are each other's nearby neighbours.",
    )
    share_65_79: float = param(
        0.14, unit="share", lo=0.0, hi=1.0, label="Share aged 65-79", label_nl="Aandeel 65-79 jaar",
        help="Share of residents aged 65 to 79.", source="CBS age structure [verify]",
    )
    share_80_plus: float = param(
        0.05, unit="share", lo=0.0, hi=1.0, label="Share aged 80+", label_nl="Aandeel 80+",
        help="Share of residents aged 80 or over.", source="CBS age structure [verify]",
    )
    share_vulnerable: float = param(
        0.12, unit="share", lo=0.0, hi=1.0, label="Share vulnerable", label_nl="Aandeel kwetsbaar",
        help="Share of residents with a health, financial or social vulnerability.",
    )
    neighbour_ties_mean: float = param(
        2.0, unit="ties", lo=0.0, hi=50.0, label="Neighbour ties", label_nl="Banden met buren",
        help="Mean number of nearby neighbours (same block) a resident knows well enough to ask.",
    )
    friend_ties_mean: float = param(
        2.0, unit="ties", lo=0.0, hi=50.0, label="Friend ties", label_nl="Banden met vrienden",
        help="Mean number of friends or family elsewhere in the neighbourhood.",
    )
    reluctance_ask_mean: float = param(
        0.4, unit="0-1", lo=0.0, hi=1.0, label="Reluctance to ask (vraagverlegenheid)",
        label_nl="Vraagverlegenheid",
        help="Mean reluctance to ask for help; it lowers and delays asking.",
        source="Rode Kruis 2020: ~40% would not, or only after long hesitation, ask (DOMAIN.md)",
    )
    reluctance_ask_older_extra: float = param(
        0.15, unit="0-1", lo=0.0, hi=1.0, label="Extra reluctance of residents 65+",
        label_nl="Extra vraagverlegenheid 65+",
        help="Added to the reluctance to ask of residents aged 65 and over.",
        source="Rode Kruis 2020: almost half of people over 70 would not ask at all (DOMAIN.md)",
    )
    reluctance_help_mean: float = param(
        0.3, unit="0-1", lo=0.0, hi=1.0, label="Reluctance to help (handelingsverlegenheid)",
        label_nl="Handelingsverlegenheid",
        help="Mean reluctance to offer help; it lowers acting even when aware.",
    )
    trust_wijkteam_mean: float = param(
        0.7, unit="0-1", lo=0.0, hi=1.0, label="Trust in the wijkteam",
        label_nl="Vertrouwen in het wijkteam",
        help="Mean trust in the wijkteam: the chance a resident turns to it when the "
        "informal route fails or does not fit.",
    )
    trait_concentration: float = param(
        6.0, unit="-", lo=0.5, hi=1000.0, label="Trait concentration",
        label_nl="Spreiding van eigenschappen (concentratie)",
        help="Beta-distribution concentration of reluctance and trust around their means; "
        "higher means residents are more alike.",
    )


@dataclass(frozen=True)
class UrgencyShares:
    low: float = param(0.6, unit="share", lo=0.0, hi=1.0, label="Low urgency",
                       label_nl="Lage urgentie",
                       help="Share of needs that start with low urgency.")
    medium: float = param(0.3, unit="share", lo=0.0, hi=1.0, label="Medium urgency",
                          label_nl="Middelhoge urgentie",
                          help="Share of needs that start with medium urgency.")
    high: float = param(0.1, unit="share", lo=0.0, hi=1.0, label="High urgency",
                        label_nl="Hoge urgentie",
                        help="Share of needs that start with high urgency.")


@dataclass(frozen=True)
class KindShares:
    practical: float = param(
        0.52, unit="share", lo=0.0, hi=1.0, label="Practical", label_nl="Praktisch",
        help="Incidental practical needs: a job in the house, groceries.")
    social: float = param(
        0.28, unit="share", lo=0.0, hi=1.0, label="Social", label_nl="Sociaal",
        help="Loneliness, wanting company.")
    ongoing: float = param(
        0.16, unit="share", lo=0.0, hi=1.0, label="Ongoing support",
        label_nl="Langdurige ondersteuning",
        help="Needs for support over weeks or months (mantelzorg-like).")
    complex: float = param(
        0.04, unit="share", lo=0.0, hi=1.0, label="Complex", label_nl="Complex",
        help="Needs only professionals can handle (debts, safety, care indication).")


@dataclass(frozen=True)
class Needs:
    rate_per_resident_year: float = param(
        0.5, unit="1/year", lo=0.0, hi=50.0, label="Need rate", label_nl="Hulpvragen per inwoner",
        help="Base rate at which a resident aged under 65 without vulnerability develops a "
        "help need (a Poisson process).",
    )
    rate_factor_65_79: float = param(
        2.0, unit="x", lo=0.0, hi=20.0, label="Rate factor 65-79",
        label_nl="Factor hulpvragen 65-79",
        help="Multiplier on the need rate for residents aged 65-79.")
    rate_factor_80_plus: float = param(
        4.0, unit="x", lo=0.0, hi=20.0, label="Rate factor 80+", label_nl="Factor hulpvragen 80+",
        help="Multiplier on the need rate for residents aged 80+.")
    rate_factor_vulnerable: float = param(
        2.5, unit="x", lo=0.0, hi=20.0, label="Rate factor vulnerable",
        label_nl="Factor hulpvragen kwetsbaar",
        help="Multiplier on the need rate for vulnerable residents.")
    kind_shares: KindShares = section(KindShares)
    urgency_shares: UrgencyShares = section(UrgencyShares)


@dataclass(frozen=True)
class Seeking:
    p_voice: float = param(
        0.9, unit="probability", lo=0.0, hi=1.0, label="Chance to voice a need",
        label_nl="Kans een hulpvraag te uiten",
        help="Chance that a resident without any reluctance asks someone at all; it is scaled "
        "by (1 - reluctance to ask). A need not voiced can still be noticed.",
    )
    ask_delay_days_mean: float = param(
        2.0, unit="days", lo=0.0, hi=365.0, label="Delay before asking",
        label_nl="Wachttijd voor het vragen",
        help="Mean delay from a need arising to the first request; scaled by "
        "(1 + reluctance to ask). 0 asks at once.",
    )
    share_network_first: float = param(
        0.7, unit="share", lo=0.0, hi=1.0, label="Own network first (eigen kracht)",
        label_nl="Eerst het eigen netwerk (eigen kracht)",
        help="Chance that a resident with ties asks them first for a non-complex need, "
        "as policy expects.",
    )
    patience_days: float = param(
        7.0, unit="days", lo=0.5, hi=365.0, label="Patience per route", label_nl="Geduld per route",
        help="Days a resident waits for an informal route to answer before trying the next one.",
    )


@dataclass(frozen=True)
class Willingness:
    practical: float = param(
        0.86, unit="probability", lo=0.0, hi=1.0, label="Willing: practical",
        label_nl="Bereid: praktisch",
        help="Share of people willing to help with a practical need.",
        source="GfK 2015: groceries 86% (DOMAIN.md) [verify]")
    social: float = param(
        0.88, unit="probability", lo=0.0, hi=1.0, label="Willing: social",
        label_nl="Bereid: sociaal",
        help="Share of people willing to help with a social need.",
        source="GfK 2015: a chat 88% (DOMAIN.md) [verify]")
    ongoing: float = param(
        0.29, unit="probability", lo=0.0, hi=1.0, label="Willing: ongoing",
        label_nl="Bereid: langdurig",
        help="Share of people willing to give ongoing support.",
        source="GfK 2015: personal care 29% (DOMAIN.md) [verify]")
    complex: float = param(
        0.5, unit="probability", lo=0.0, hi=1.0, label="Willing: bring to professionals",
        label_nl="Bereid: naar professionals brengen",
        help="Share of people willing to help someone with a complex need reach professional "
        "help (accompany them to the wijkteam or front desk).")


@dataclass(frozen=True)
class Bystander:
    diffusion: bool = param(
        True, unit="on/off", label="Diffusion of responsibility",
        label_nl="Verspreiding van verantwoordelijkheid",
        help="When off, every aware person decides independently of how many others know.",
    )
    diffusion_t: float = param(
        0.6, unit="-", lo=0.0, hi=3.0, label="Diffusion strength t",
        label_nl="Sterkte van de verspreiding t",
        help="Exponent of the social-impact rule p(n) = p1 * n^-t for n people aware.",
        source="Darley & Latane 1968 data give t near 0.6 (DOMAIN.md)",
    )
    p_act_day: float = param(
        0.3, unit="probability/day", lo=0.0, hi=1.0, label="Daily chance to act (p1)",
        label_nl="Dagelijkse kans om in actie te komen (p1)",
        help="Daily chance that a lone, willing, unreluctant aware person acts on a need.",
    )
    direct_request_reduction: float = param(
        0.8, unit="share", lo=0.0, hi=1.0, label="Diffusion cut by a direct request",
        label_nl="Minder verspreiding door een direct verzoek",
        help="Share of the diffusion exponent removed for a person who was asked directly.",
        source="Fischer et al. 2011; Philpot et al. 2020 (DOMAIN.md), size assumed",
    )
    owner_reduction: float = param(
        1.0, unit="share", lo=0.0, hi=1.0, label="Diffusion cut for a named owner",
        label_nl="Minder verspreiding voor een benoemde eigenaar",
        help="Share of the diffusion exponent removed for the named responsible owner.",
    )
    familiarity_reduction: float = param(
        0.5, unit="share", lo=0.0, hi=1.0, label="Diffusion cut by a tie",
        label_nl="Minder verspreiding door een band",
        help="Share of the diffusion exponent removed for a person with a tie to the one in "
        "need (household, neighbour, friend, familiarity from a meeting place).",
        source="Liebst et al. 2019; Fischer et al. 2011 (DOMAIN.md), size assumed",
    )
    p_notice_day: float = param(
        0.01, unit="probability/day", lo=0.0, hi=1.0, label="Daily chance a neighbour notices",
        label_nl="Dagelijkse kans dat een buur het opmerkt",
        help="Daily chance that a block neighbour notices an open need.",
    )
    willingness: Willingness = section(Willingness)


@dataclass(frozen=True)
class InformalHelpDays:
    practical: float = param(0.5, unit="days", lo=0.0, hi=365.0, label="Help days: practical",
                             label_nl="Hulpdagen: praktisch",
                             help="Mean days of informal help for a practical need.")
    social: float = param(30.0, unit="days", lo=0.0, hi=3650.0, label="Help days: social",
                          label_nl="Hulpdagen: sociaal",
                          help="Mean days of informal help for a social need.")
    ongoing: float = param(90.0, unit="days", lo=0.0, hi=3650.0, label="Help days: ongoing",
                           label_nl="Hulpdagen: langdurig",
                           help="Mean days of informal help for an ongoing need.")


@dataclass(frozen=True)
class Informal:
    enabled: bool = param(
        True, unit="on/off", label="Informal routes", label_nl="Informele routes",
        help="Off puts the model in queue-only mode: no ties, volunteers or meeting places act.",
    )
    capacity_tasks: int = param(
        1, unit="tasks", lo=0, hi=20, label="Neighbour capacity",
        label_nl="Capaciteit van een buur",
        help="Needs one resident helps with at the same time.")
    help_days: InformalHelpDays = section(InformalHelpDays)


@dataclass(frozen=True)
class Volunteers:
    initiative: bool = param(
        False, unit="on/off", label="Volunteer initiative (klussenbank)",
        label_nl="Vrijwilligersinitiatief (klussenbank)",
        help="A matching service that links residents' practical and social needs to volunteers.",
    )
    n_initial: int = param(
        30, unit="volunteers", lo=0, hi=100_000, label="Volunteers at start",
        label_nl="Vrijwilligers bij de start",
        help="Volunteers active in the initiative on day 0.",
        source="CBS 2022: 7.1% volunteer in the neighbourhood at least yearly (DOMAIN.md); "
        "the active core is assumed far smaller",
    )
    capacity_tasks: int = param(
        2, unit="tasks", lo=1, hi=50, label="Volunteer capacity",
        label_nl="Capaciteit van een vrijwilliger",
        help="Requests one volunteer handles at the same time.")
    matching_delay_days_mean: float = param(
        5.0, unit="days", lo=0.0, hi=365.0, label="Screening and matching delay",
        label_nl="Duur van screening en koppeling",
        help="Mean days from a request to the initiative to a volunteer match.",
    )
    motivation_loss_overload_per_day: float = param(
        0.02, unit="1/day", lo=0.0, hi=1.0, label="Motivation loss when full",
        label_nl="Motivatieverlies bij volle bezetting",
        help="Daily loss of motivation of a volunteer working at full capacity.",
    )
    motivation_loss_unclear_roles_per_day: float = param(
        0.004, unit="1/day", lo=0.0, hi=1.0, label="Motivation loss, unclear roles",
        label_nl="Motivatieverlies, onduidelijke rollen",
        help="Daily motivation loss from unclear roles between volunteers and professionals, "
        "times the integration level's factor (integration.unclear_roles_factor) and the "
        "volunteer's own sensitivity to burden.",
        source="assumption; seed report: volunteers in a Schiedam district left when the "
        "wijkteam arrived and roles became unclear (DOMAIN.md)",
    )
    formalisation_burden: float = param(
        0.0, unit="0-1", lo=0.0, hi=1.0, label="Formalisation burden",
        label_nl="Formaliseringslast",
        help="Paperwork imposed on the initiative, 0 (none) to 1; its daily motivation loss is "
        "formalisation_burden x motivation_loss_formalisation_per_day, times the volunteer's "
        "own sensitivity to burden.",
    )
    motivation_loss_formalisation_per_day: float = param(
        0.01, unit="1/day", lo=0.0, hi=1.0, label="Motivation loss, full formalisation",
        label_nl="Motivatieverlies, volledige formalisering",
        help="Daily motivation loss of a volunteer of average sensitivity under the full "
        "formalisation burden (1).",
        source="assumption; seed report: initiatives that must formalise lose volunteers "
        "(DOMAIN.md)",
    )
    motivation_recovery_per_day: float = param(
        0.01, unit="1/day", lo=0.0, hi=1.0, label="Motivation recovery",
        label_nl="Herstel van motivatie",
        help="Daily recovery of motivation while below capacity.")
    dropout_threshold: float = param(
        0.3, unit="0-1", lo=0.0, hi=1.0, label="Dropout threshold", label_nl="Uitvaldrempel",
        help="A volunteer whose motivation falls below this quits.")
    p_recruit_visit: float = param(
        0.0005, unit="probability", lo=0.0, hi=1.0, label="Recruitment per visit",
        label_nl="Werving per bezoek",
        help="Chance that a meeting-place visit turns a resident into a volunteer while the "
        "pool is empty; it falls linearly to 0 as the pool reaches pool_capacity.")
    pool_capacity: int = param(
        60, unit="volunteers", lo=1, hi=100_000, label="Pool capacity",
        label_nl="Maximale vrijwilligerspool",
        help="The most volunteers the initiative can hold (coordination, tasks, willing "
        "residents): recruitment per visit is p_recruit_visit x (1 - active / pool_capacity), "
        "so the pool settles where recruitment balances those who leave.",
    )
    leave_per_year: float = param(
        0.2, unit="1/year", lo=0.0, hi=50.0, label="Volunteers moving on",
        label_nl="Vrijwilligers die vertrekken",
        help="Yearly rate at which a volunteer stops for reasons outside the initiative "
        "(moving, work, health): each stays an exponential time of mean 1 / rate.",
        source="assumption: five years on average",
    )
    gossip_trust_loss: float = param(
        0.0, unit="share", lo=0.0, hi=1.0, label="Gossip about clients",
        label_nl="Roddel over cliënten",
        help="Each time a volunteer takes a request, the residents of the volunteer's block "
        "and the volunteer's ties (the client aside) hear about the client: each one's "
        "readiness to ask (1 - reluctance to ask) and trust in the wijkteam fall by this "
        "share, so fewer ask, and fewer turn to formal help.",
        source="assumption; seed report Kader 3: volunteers gossiping about the WOT's "
        "clients made fewer residents dare go to the WOT (DOMAIN.md)",
    )


@dataclass(frozen=True)
class MeetingPlaces:
    n_places: int = param(
        1, unit="places", lo=0, hi=100, label="Meeting places", label_nl="Ontmoetingsplekken",
        help="Community living rooms and similar places in the neighbourhood.")
    share_visitors: float = param(
        0.2, unit="share", lo=0.0, hi=1.0, label="Share of residents who visit",
        label_nl="Aandeel inwoners dat komt",
        help="Share of residents who visit a meeting place at all.")
    visits_per_year: float = param(
        24.0, unit="1/year", lo=0.0, hi=52.0, label="Visits per visitor",
        label_nl="Bezoeken per bezoeker",
        help="Mean visits a year of a resident who visits: they come to their group's weekly "
        "meeting with probability visits_per_year x 7 / 365.")
    group_size: int = param(
        25, unit="members", lo=2, hi=500, label="Regulars per group",
        label_nl="Vaste bezoekers per groep",
        help="Members of a place who come at the same weekly time (a coffee morning, a club). "
        "Each member belongs to one group, which meets on a fixed weekday; the people met at "
        "a visit are from the own group.")
    contacts_per_visit: int = param(
        2, unit="contacts", lo=0, hi=50, label="Contacts per visit",
        label_nl="Contacten per bezoek",
        help="Others of the own group one visitor meets during a visit.")
    visits_for_familiarity: int = param(
        3, unit="meetings", lo=1, hi=100, label="Meetings for familiarity",
        label_nl="Ontmoetingen tot vertrouwdheid",
        help="Repeated meetings after which two residents can place each other "
        "(publieke vertrouwdheid) and form a tie.",
    )
    p_notice_visit: float = param(
        0.3, unit="probability", lo=0.0, hi=1.0, label="Need noticed at a visit",
        label_nl="Hulpvraag opgemerkt bij een bezoek",
        help="Chance that an open need of a visitor is noticed by the people met there.")
    p_ask_at_place: float = param(
        0.2, unit="probability", lo=0.0, hi=1.0, label="Asks at the meeting place",
        label_nl="Vraagt op de ontmoetingsplek",
        help="Chance that a visiting resident brings a non-complex need to the meeting place "
        "when the own network fails.",
    )
    capacity_questions_per_day: float = param(
        4.0, unit="requests/day", lo=0.0, hi=1000.0, label="Host capacity",
        label_nl="Capaciteit van de gastvrouwen en -heren",
        help="Care questions the hosts of one place can take up a day; beyond it the place is "
        "overloaded and questions wait.",
    )


@dataclass(frozen=True)
class FrontDesk:
    fte: float = param(
        1.0, unit="FTE", lo=0.0, hi=1000.0, label="Front-desk staff",
        label_nl="Bezetting van de vraagwijzer",
        help="Full-time equivalents of the wijkteam's professionals who staff the vraagwijzer; "
        "their hours come out of the team's week (wijkteam.hours_per_fte_week), and the desk "
        "holds as many first contacts a day as those hours allow "
        "(first_contact.minutes_per_contact). Used only with access.policy = vraagwijzer.",
        source="assumption: DOMAIN.md gives no desk size per wijkteam (Rotterdam has 14 "
        "vraagwijzers for 43 teams); its hours count against the team's",
    )
    referral_delay_days_mean: float = param(
        10.0, unit="days", lo=0.0, hi=365.0, label="Referral delay", label_nl="Doorverwijstijd",
        help="Mean days between the desk's referral and arrival at the wijkteam.")
    p_dropout_referral: float = param(
        0.15, unit="probability", lo=0.0, hi=1.0, label="Dropout at referral",
        label_nl="Uitval bij doorverwijzing",
        help="Chance a referred resident without reluctance does not arrive; scaled by "
        "(1 + reluctance to ask).",
    )


@dataclass(frozen=True)
class FirstContact:
    minutes_per_contact: float = param(
        45.0, unit="minutes", lo=1.0, hi=480.0, label="Minutes per first contact",
        label_nl="Minuten per eerste contact",
        help="Professional time one first contact takes: a conversation at the desk's counter "
        "or the walk-in intake. It sets the desk's daily capacity from its hours, and what a "
        "walk-in team's intakes cost of its week.",
    )
    p_answer_simple: float = param(
        0.4, unit="probability", lo=0.0, hi=1.0, label="Answered at the first contact",
        label_nl="Beantwoord bij het eerste contact",
        help="Chance that a first contact (desk, walk-in intake or outreach) answers a first "
        "practical or social question on the spot, whichever access the resident took.",
        source="assumption: DOMAIN.md says the vraagwijzer answers simple questions, not how "
        "many; the same rule holds at the walk-in intake and on outreach",
    )


@dataclass(frozen=True)
class DurationFactors:
    practical: float = param(0.1, unit="x", lo=0.0, hi=10.0, label="Case factor: practical",
                             label_nl="Factor casusduur: praktisch",
                             help="Case duration of a practical need relative to the mean.")
    social: float = param(0.5, unit="x", lo=0.0, hi=10.0, label="Case factor: social",
                          label_nl="Factor casusduur: sociaal",
                          help="Case duration of a social need relative to the mean.")
    ongoing: float = param(1.0, unit="x", lo=0.0, hi=10.0, label="Case factor: ongoing",
                           label_nl="Factor casusduur: langdurig",
                           help="Case duration of an ongoing need relative to the mean.")
    complex: float = param(1.0, unit="x", lo=0.0, hi=10.0, label="Case factor: complex",
                           label_nl="Factor casusduur: complex",
                           help="Case duration of a complex need relative to the mean.")


@dataclass(frozen=True)
class CaseHours:
    practical: float = param(2.0, unit="hours/week", lo=0.01, hi=40.0,
                             label="Case hours: practical", label_nl="Uren per casus: praktisch",
                             help="Professional hours a week a practical case takes while it runs.")
    social: float = param(2.0, unit="hours/week", lo=0.01, hi=40.0,
                          label="Case hours: social", label_nl="Uren per casus: sociaal",
                          help="Professional hours a week a social case takes while it runs.")
    ongoing: float = param(2.0, unit="hours/week", lo=0.01, hi=40.0,
                           label="Case hours: ongoing", label_nl="Uren per casus: langdurig",
                           help="Professional hours a week an ongoing case takes while it runs.")
    complex: float = param(2.0, unit="hours/week", lo=0.01, hi=40.0,
                           label="Case hours: complex", label_nl="Uren per casus: complex",
                           help="Professional hours a week a complex case takes while it runs.")


@dataclass(frozen=True)
class Wijkteam:
    n_professionals: int = param(
        16, unit="professionals", lo=0, hi=10_000, label="Professionals", label_nl="Professionals",
        help="Professionals of the wijkteam serving this neighbourhood, in full-time "
        "equivalents: every hour of professional work (cases, intakes, outreach, desk shifts) "
        "comes out of their weeks.",
        source="Schiedam: 6 WOTs with about 100 staff, ~16 a WOT (DOMAIN.md)",
    )
    hours_per_fte_week: float = param(
        36.0, unit="hours/week", lo=1.0, hi=80.0, label="Hours per FTE a week",
        label_nl="Uren per fte per week",
        help="Working hours of one full-time professional a week: the time budget from which "
        "desk shifts, intakes, outreach and cases are all drawn.",
        source="CAO Sociaal Werk: a full-time week of 36 hours (DOMAIN.md) [verify]",
    )
    n_teams: int = param(
        1, unit="teams", lo=1, hi=1000, label="Teams", label_nl="Teams",
        help="Teams the professionals form; each serves its own area (a run of consecutive "
        "blocks) from its own waiting list. Professionals are split as evenly as possible.",
        source="Rotterdam 43 wijkteams, Schiedam 6 WOTs (DOMAIN.md); per neighbourhood assumed",
    )
    pooled: bool = param(
        False, unit="on/off", label="Pooled waiting list", label_nl="Gedeelde wachtlijst",
        help="All teams take from one waiting list (pooling) instead of each from its own.")
    caseload_max: int = param(
        25, unit="cases", lo=1, hi=1000, label="Caseload limit", label_nl="Maximale caseload",
        help="Most concurrent cases per professional, a cap: what binds first is time, the "
        "hours a week left for cases over the case hours (case_hours_per_week).")
    case_hours_per_week: CaseHours = section(CaseHours)
    case_duration_days_mean: float = param(
        180.0, unit="days", lo=0.01, hi=3650.0, label="Mean case duration",
        label_nl="Gemiddelde duur van een casus",
        help="Mean duration of a wijkteam case before the kind factor.",
        source="Guideline 6-12 months; Rotterdam actual 20 months (Rekenkamer 2018, DOMAIN.md)",
    )
    intake: bool = param(
        True, unit="on/off", label="Intake stage", label_nl="Intakefase",
        help="A request that reaches a team waits for an intake, its first contact with the "
        "team, planned each morning up to the team's intake capacity; at the intake a "
        "professional refers it on to informal help or puts it on the list for a slot. Off: "
        "the request is taken in the moment it arrives, as an M/M/c queue assumes "
        "(queue-only validation).",
        source="Rotterdam Rekenkamer 2018: request, then a support plan within 6 weeks "
        "(8 is also cited); Schiedam: called back within 5 working days, help within 4 weeks "
        "after an urgency check (DOMAIN.md)",
    )
    intakes_per_professional_week: float = param(
        2.0, unit="intakes/week", lo=0.01, hi=100.0, label="Intake capacity",
        label_nl="Intakecapaciteit",
        help="Walk-in intakes (first contacts) one professional holds a week; a team holds the "
        "sum over its professionals, spread evenly over the days. Each takes "
        "first_contact.minutes_per_contact of the professional's week.",
        source="assumption: with the presets' 16 professionals (32 a week) a walk-in team "
        "meets Schiedam's call-back within 5 working days (DOMAIN.md) most weeks",
    )
    plan_days_mean: float = param(
        21.0, unit="days", lo=0.0, hi=365.0, label="Making the support plan",
        label_nl="Opstellen van het ondersteuningsplan",
        help="Mean days from a professional taking the case to an agreed support plan; support "
        "runs for the case duration after it, the slot taken throughout. 0: the plan is "
        "agreed at once (queue-only validation).",
        source="Rotterdam norm: a support plan within 6 weeks of the request (Rekenkamer "
        "Rotterdam 2018, DOMAIN.md); the time taken to make it is an assumption",
    )
    duration_distribution: str = param(
        "lognormal", unit="-", choices=("exponential", "lognormal"), label="Duration distribution",
        label_nl="Verdeling van de duur",
        help="Distribution of case durations; exponential makes the team an M/M/c queue.",
    )
    duration_cv: float = param(
        1.0, unit="-", lo=0.01, hi=5.0, label="Duration coefficient of variation",
        label_nl="Variatiecoëfficiënt van de duur",
        help="Coefficient of variation of lognormal case durations.")
    duration_factor: DurationFactors = section(DurationFactors)
    share_outreach: float = param(
        0.0, unit="share", lo=0.0, hi=0.8, label="Share of time in the neighbourhood",
        label_nl="Aandeel tijd in de wijk",
        help="Share of professional time spent at meeting places and in the street; it comes "
        "out of the hours for cases, and open needs of residents met in the neighbourhood are "
        "found earlier.",
        source="Schiedam mandates neighbourhood hours (DOMAIN.md); size assumed",
    )
    outreach_contacts_per_day: float = param(
        60.0, unit="residents/day", lo=0.0, hi=10_000.0, label="Outreach contacts",
        label_nl="Contacten in de wijk",
        help="Residents one professional meets in a full day in the neighbourhood; an open "
        "need is found when its resident is met. Scaled by share_outreach.",
    )
    outreach_reluctance_reduction: float = param(
        0.3, unit="share", lo=0.0, hi=1.0, label="Outreach lowers reluctance",
        label_nl="Outreach verlaagt vraagverlegenheid",
        help="Share by which a resident's reluctance to ask falls once a professional has met "
        "them about a need on outreach: they know whom to ask next time.",
    )
    overload_threshold: float = param(
        0.8, unit="share", lo=0.0, hi=0.99, label="Overload threshold",
        label_nl="Overbelastingsdrempel",
        help="Share of a professional's hours for cases in use above which they start to fall "
        "back on routine; the loss of quality rises linearly from 0 here to 1 when the hours "
        "are full.")
    overload_duration_factor: float = param(
        0.3, unit="x", lo=0.0, hi=5.0, label="Longer cases under overload",
        label_nl="Langere casussen bij overbelasting",
        help="Extra relative case duration of a case started at a full caseload; scaled by "
        "the loss of quality below that.")
    overload_p_repeat: float = param(
        0.15, unit="probability", lo=0.0, hi=1.0, label="Repeat request under overload",
        label_nl="Herhaalde hulpvraag bij overbelasting",
        help="Chance that a case started at a full caseload returns as a repeat request; "
        "scaled by the loss of quality below that.")
    p_owner_outreach: float = param(
        1.0, unit="probability", lo=0.0, hi=1.0, label="Owner of a need found on outreach",
        label_nl="Eigenaar van een in de wijk gevonden hulpvraag",
        help="Chance that a professional who finds a need on outreach takes it as theirs (the "
        "named owner); otherwise they are one more bystander and diffusion applies to them.",
        source="assumption: a professional who meets the resident on outreach takes the "
        "need as theirs; lower it for the seed's elephant in the room among professionals "
        "(ch. 3: not acting is attractive to every actor, professionals included, DOMAIN.md)",
    )


@dataclass(frozen=True)
class Access:
    policy: str = param(
        "walk_in", unit="-", choices=("walk_in", "vraagwijzer"), label="Access policy",
        label_nl="Toegangsbeleid",
        help="walk_in: residents go straight to the wijkteam (Schiedam); vraagwijzer: only "
        "through the front desk (Rotterdam).",
        source="Rotterdam vraagwijzers; Schiedam WOT walk-in (DOMAIN.md)",
    )
    triage: str = param(
        "fifo", unit="-", choices=("fifo", "urgency"), label="Triage", label_nl="Triage",
        help="Waiting-list discipline: first come first served, or non-preemptive urgency "
        "priority (waiting cases are re-prioritised as their urgency rises).",
    )
    integration: str = param(
        "samenwerken", unit="-", choices=("verbinden", "samenwerken", "samenspel"),
        label="Formal-informal integration", label_nl="Samenspel formeel en informeel",
        help="verbinden: knowing each other; samenwerken: working together with agreements; "
        "samenspel: one team. Picks the column of integration.* (referrals to informal "
        "help, ownership of needs at places, role clarity for volunteers).",
        source="Seed report, chapter 1 (DOMAIN.md)",
    )


@dataclass(frozen=True)
class ReferralByLevel:
    verbinden: float = param(
        0.2, unit="probability", lo=0.0, hi=1.0, label="Referral to informal help: verbinden",
        label_nl="Doorverwijzing naar informele hulp: verbinden",
        help="Chance that a first contact (desk, walk-in intake or outreach) connects a request "
        "informal help can take (not complex, not yet urgent) to it: the volunteer initiative, "
        "a meeting place or one of the resident's ties, when formal and informal help only "
        "know each other.",
        source="assumption: a third of samenspel's")
    samenwerken: float = param(
        0.4, unit="probability", lo=0.0, hi=1.0, label="Referral to informal help: samenwerken",
        label_nl="Doorverwijzing naar informele hulp: samenwerken",
        help="The same, when they work together with agreements.",
        source="assumption: two thirds of samenspel's")
    samenspel: float = param(
        0.6, unit="probability", lo=0.0, hi=1.0, label="Referral to informal help: samenspel",
        label_nl="Doorverwijzing naar informele hulp: samenspel",
        help="The same, when they act as one team.")


@dataclass(frozen=True)
class OwnerAtPlaceByLevel:
    verbinden: float = param(
        0.0, unit="probability", lo=0.0, hi=1.0, label="Owner at a place: verbinden",
        label_nl="Eigenaar op een ontmoetingsplek: verbinden",
        help="Chance that the first person told of a need at a meeting place becomes its named "
        "owner when formal and informal help only know each other.")
    samenwerken: float = param(
        0.5, unit="probability", lo=0.0, hi=1.0, label="Owner at a place: samenwerken",
        label_nl="Eigenaar op een ontmoetingsplek: samenwerken",
        help="The same, when they work together with agreements.")
    samenspel: float = param(
        1.0, unit="probability", lo=0.0, hi=1.0, label="Owner at a place: samenspel",
        label_nl="Eigenaar op een ontmoetingsplek: samenspel",
        help="The same, when they act as one team and ownership is shared out.")


@dataclass(frozen=True)
class UnclearRolesByLevel:
    verbinden: float = param(
        1.0, unit="x", lo=0.0, hi=10.0, label="Unclear roles: verbinden",
        label_nl="Onduidelijke rollen: verbinden",
        help="Factor on volunteers.motivation_loss_unclear_roles_per_day when formal and "
        "informal help only know each other.")
    samenwerken: float = param(
        0.5, unit="x", lo=0.0, hi=10.0, label="Unclear roles: samenwerken",
        label_nl="Onduidelijke rollen: samenwerken",
        help="The same, when they work together with agreements.")
    samenspel: float = param(
        0.0, unit="x", lo=0.0, hi=10.0, label="Unclear roles: samenspel",
        label_nl="Onduidelijke rollen: samenspel",
        help="The same, when they act as one team and roles are agreed.")


@dataclass(frozen=True)
class WarmHandoverByLevel:
    verbinden: float = param(
        0.1, unit="probability", lo=0.0, hi=1.0, label="Warm handover: verbinden",
        label_nl="Warme overdracht: verbinden",
        help="Chance that a first contact connecting a resident to informal help does it "
        "warmly (the professional asks the volunteer, host or tie on the resident's behalf) "
        "rather than with a leaflet, when formal and informal help only know each other. "
        "After a leaflet the resident follows up only with chance 1 - reluctance to ask.",
        source="assumption; seed report ch. 1: at verbinden professionals and volunteers only "
        "know of each other")
    samenwerken: float = param(
        0.5, unit="probability", lo=0.0, hi=1.0, label="Warm handover: samenwerken",
        label_nl="Warme overdracht: samenwerken",
        help="The same, when they work together with agreements.",
        source="assumption; seed report ch. 1: agreements on who does what")
    samenspel: float = param(
        0.9, unit="probability", lo=0.0, hi=1.0, label="Warm handover: samenspel",
        label_nl="Warme overdracht: samenspel",
        help="The same, when they act as one team and know each other by name.",
        source="assumption; seed report ch. 1: formal and informal act as one team")


@dataclass(frozen=True)
class Integration:
    p_refer_informal: ReferralByLevel = section(ReferralByLevel)
    p_warm_handover: WarmHandoverByLevel = section(WarmHandoverByLevel)
    p_owner_place: OwnerAtPlaceByLevel = section(OwnerAtPlaceByLevel)
    unclear_roles_factor: UnclearRolesByLevel = section(UnclearRolesByLevel)


@dataclass(frozen=True)
class Escalation:
    enabled: bool = param(
        True, unit="on/off", label="Escalation", label_nl="Escalatie",
        help="Unanswered needs grow more urgent and high-urgency ones can become a crisis.")
    low_to_medium_days: float = param(
        90.0, unit="days", lo=0.1, hi=3650.0, label="Low to medium",
        label_nl="Van laag naar middel",
        help="Mean days an unanswered low-urgency need takes to become medium.")
    medium_to_high_days: float = param(
        60.0, unit="days", lo=0.1, hi=3650.0, label="Medium to high",
        label_nl="Van middel naar hoog",
        help="Mean days an unanswered medium-urgency need takes to become high.")
    high_to_crisis_days: float = param(
        60.0, unit="days", lo=0.1, hi=3650.0, label="High to crisis",
        label_nl="Van hoog naar crisis",
        help="Mean days an unanswered high-urgency need takes to become a crisis.")


@dataclass(frozen=True)
class Crisis:
    service: bool = param(
        True, unit="on/off", label="Crisis service", label_nl="Crisisdienst",
        help="A need that becomes a crisis goes to a crisis service with its own capacity "
        "and response time; off: it joins the back of the wijkteam's waiting list.")
    capacity: int = param(
        15, unit="crises", lo=1, hi=10_000, label="Crisis service capacity",
        label_nl="Capaciteit van de crisisdienst",
        help="Crises the service handles at the same time; more wait for a free place. The "
        "default serves about 200 crises a year at two-thirds load.")
    response_days_mean: float = param(
        1.0, unit="days", lo=0.0, hi=365.0, label="Crisis response time",
        label_nl="Reactietijd van de crisisdienst",
        help="Mean days from a free place at the service to its response (help starts).")
    intervention_days_mean: float = param(
        14.0, unit="days", lo=0.01, hi=3650.0, label="Crisis intervention",
        label_nl="Duur van de crisisinterventie",
        help="Mean days the service stays with a crisis after responding; its place is "
        "taken until then.")


@dataclass(frozen=True)
class Withdrawal:
    enabled: bool = param(
        True, unit="on/off", label="Withdrawal", label_nl="Afhaken",
        help="Residents give up on a need that stays unanswered.")
    days_mean: float = param(
        120.0, unit="days", lo=0.1, hi=3650.0, label="Mean days before giving up",
        label_nl="Gemiddelde dagen tot opgeven",
        help="Mean days before a resident without reluctance gives up; shortened by "
        "reluctance to ask (divided by 1 + reluctance).",
    )
    p_need_persists: float = param(
        0.5, unit="share", lo=0.0, hi=1.0, label="Given-up needs that remain",
        label_nl="Opgegeven hulpvragen die blijven",
        help="Share of needs a resident gave up on (or dropped out of at the desk) that do "
        "not go away: out of sight, they keep growing worse and can end in a crisis, and "
        "only outreach finds them. The rest pass or are coped with.",
    )


@dataclass(frozen=True)
class Start:
    warm: bool = param(
        True, unit="on/off", label="Warm start", label_nl="Warme start",
        help="Start near the stationary regime: the wijkteam's cases and waiting lists, the "
        "crisis service's places and the volunteer pool come from a pilot and a pre-history "
        "before day 0 (ODD 5), so "
        "no year of warm-up is needed; off: start empty (then use a warm-up).",
        source="method of the simulation (ODD 5), not a property of the neighbourhood")
    pilot_days: int = param(
        45, unit="days", lo=10, hi=365, label="Warm-start pilot",
        label_nl="Proefrun voor de warme start",
        help="Days of the pilot run that measures each team's arrivals for the warm start "
        "(ODD 5); longer is more precise and costs more.",
        source="method of the simulation (ODD 5): 80-160 arrivals at a preset's team; "
        "shorter misses requests that reach the team late (behind Rotterdam's desk 6% "
        "come over 30 days after the need)")


@dataclass(frozen=True)
class Scenario:
    """A neighbourhood setting: every parameter of one run except seed and horizon."""

    name: str = param("default", unit="-", label="Name", label_nl="Naam", help="Scenario name.")
    description: str = param("", unit="-", label="Description", label_nl="Beschrijving",
                             help="What this setting is.")
    days: int = param(365, unit="days", lo=1, hi=36_500, label="Horizon", label_nl="Looptijd",
                      help="Simulated days (one step is one day).")
    start_date: str = param(
        "2026-01-01", unit="date", label="Start date", label_nl="Startdatum",
        help="Calendar date of day 0, for the timestamps of the event log (ISO yyyy-mm-dd).")
    population: Population = section(Population)
    needs: Needs = section(Needs)
    seeking: Seeking = section(Seeking)
    bystander: Bystander = section(Bystander)
    informal: Informal = section(Informal)
    volunteers: Volunteers = section(Volunteers)
    meeting_places: MeetingPlaces = section(MeetingPlaces)
    frontdesk: FrontDesk = section(FrontDesk)
    first_contact: FirstContact = section(FirstContact)
    wijkteam: Wijkteam = section(Wijkteam)
    access: Access = section(Access)
    integration: Integration = section(Integration)
    escalation: Escalation = section(Escalation)
    crisis: Crisis = section(Crisis)
    withdrawal: Withdrawal = section(Withdrawal)
    start: Start = section(Start)
    sources: dict = field(default_factory=dict, metadata={"free": True})

    def get(self, key: str) -> Any:
        """Value at a dotted key, such as ``wijkteam.n_professionals``."""
        obj: Any = self
        for part in key.split("."):
            obj = getattr(obj, part)
        return obj

    def at_level(self, effect: str) -> float:
        """The value of ``integration.<effect>`` at this scenario's integration level."""
        return getattr(getattr(self.integration, effect), self.access.integration)

    def with_values(self, values: dict[str, Any]) -> Scenario:
        """A copy with dotted keys replaced; validate the result with ``check``."""
        tree = to_dict(self)
        for key, value in values.items():
            node = tree
            *parents, leaf = key.split(".")
            for part in parents:
                node = node[part]
            node[leaf] = value
        return from_tree(tree)


# --- introspection ------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """Everything declared about one parameter, addressed by its dotted key."""

    key: str
    type: type
    default: Any
    unit: str
    label: str
    label_nl: str
    help: str
    lo: float | None
    hi: float | None
    choices: tuple[str, ...] | None
    source: str

    def label_in(self, lang: str) -> str:
        """The label in the page's language (``"nl"`` or ``"en"``)."""
        return self.label_nl if lang == "nl" else self.label

    def allowed(self) -> str:
        """What values are allowed, in words, for error messages and docs."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.type is bool:
            return "true or false"
        if self.type is str:
            return "a string"
        kind = "an integer" if self.type is int else "a number"
        if self.lo is not None and self.hi is not None:
            return f"{kind} from {_fmt(self.lo)} to {_fmt(self.hi)}"
        return kind


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else f"{x:,}".replace(",", "_")


_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "dict": dict}


def _field_type(f: dataclasses.Field) -> Any:
    t = f.type if not isinstance(f.type, str) else _TYPES.get(f.type, f.type)
    if isinstance(t, str):
        t = globals()[t]
    return t


def iter_specs(cls: type = Scenario, prefix: str = "") -> Iterator[Spec]:
    """Every leaf parameter of ``cls``, depth first, in declaration order."""
    for f in dataclasses.fields(cls):
        if f.metadata.get("free"):
            continue
        t = _field_type(f)
        key = prefix + f.name
        if dataclasses.is_dataclass(t):
            yield from iter_specs(t, key + ".")
        else:
            m = f.metadata
            yield Spec(key, t, f.default, m["unit"], m["label"], m["label_nl"], m["help"], m["lo"],
                       m["hi"], m["choices"], m["source"])


SPECS: dict[str, Spec] = {s.key: s for s in iter_specs()}


def to_dict(obj: Any) -> dict:
    """A scenario as a plain nested dict (the TOML layout)."""
    return dataclasses.asdict(obj)


def flat(obj: Scenario) -> dict[str, Any]:
    """A scenario as ``{dotted key: value}`` over every declared parameter."""
    return {key: obj.get(key) for key in SPECS}


def from_tree(tree: dict, cls: type = Scenario) -> Any:
    """Build (without validation) a dataclass tree from a nested dict."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in tree:
            continue
        t = _field_type(f)
        value = tree[f.name]
        kwargs[f.name] = from_tree(value, t) if dataclasses.is_dataclass(t) else value
    return cls(**kwargs)


def check_date(text: str) -> bool:
    try:
        _dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True
