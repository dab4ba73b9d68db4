"""The words every part of the model shares: kinds and urgencies of needs, request states.

Kept apart from the model so that the submodels, the KPI declarations and the
dashboard can speak of a request's state without importing the model (and Mesa).
ODD section 2.3 defines the states and outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

KINDS = ("practical", "social", "ongoing", "complex")
PRACTICAL, SOCIAL, ONGOING, COMPLEX = range(4)
#: Kinds that neighbours, volunteers, hosts and the desk can answer themselves.
SIMPLE_KINDS = frozenset((PRACTICAL, SOCIAL))
URGENCIES = ("low", "medium", "high")
LOW, MEDIUM, HIGH = range(3)

#: Groups of residents for "who falls through" (ODD 4.11): thirds of reluctance to ask
#: over all residents, and network size (ties when the need arose) from these lower bounds.
RELUCTANCE_TERCILES = ("low", "middle", "high")
NETWORK_GROUPS = ("0_3", "4_6", "7_plus")
NETWORK_GROUP_LOWER = (0, 4, 7)

#: Every request is in exactly one of these states.
STATES = ("unvoiced", "asking", "matching", "place", "desk", "referred", "intake",
          "waitlist", "crisis", "helped", "in_care", "closed", "withdrawn", "hidden")
UNANSWERED = frozenset(STATES[:9])
#: Gave up, but the need stays and grows worse out of sight (7.12); only outreach finds it.
HIDDEN = "hidden"
#: States in which a need grows worse: open, or given up and still there.
WORSENING = UNANSWERED | {HIDDEN}
#: States of a request whose resident gave up and whom nobody helped after.
GAVE_UP = ("withdrawn", HIDDEN)
#: States in which the people aware of a need may still act on it.
BYSTANDER_STATES = frozenset(("unvoiced", "asking"))
ENDED = frozenset(("closed", "withdrawn"))

#: The first step of a request in progress at a warm start, begun before day 0 (ODD 5).
BEGUN = "begun before day 0"
#: Route steps of a request's own clocks (7.12): the resident gives up; a crisis, without
#: and with a crisis service.
WITHDRAWS, CRISIS, CRISIS_ALERTED = "withdraws", "crisis", "crisis service alerted"

#: Routes that are not the wijkteam or the front desk.
INFORMAL_OUTCOMES = ("informal", "volunteer", "meeting_place")
#: The outcome of a simple question answered on the spot by a first contact (7.9).
FIRST_CONTACT = "first_contact"

#: Routes a need has tried, as bits of ``Need.tried``.
TRIED_INITIATIVE, TRIED_PLACE, TRIED_FORMAL, TRIED_NETWORK = 1, 2, 4, 8

#: A need's own uniform draws, one column each (common random numbers per need: a
#: need meets the same luck under every policy). Column name, and what it decides.
UNIFORMS = {
    "voice": "whether the resident voices the need at all (7.3)",
    "delay": "how long the resident waits before asking (7.3)",
    "route": "whether the resident asks their own network first (7.3)",
    "trust": "whether the resident turns to formal help when informal routes fail (7.3)",
    "service": "how long a wijkteam case lasts (7.11)",
    "escalate_low": "when low urgency rises to medium (7.12)",
    "escalate_medium": "when medium urgency rises to high (7.12)",
    "escalate_high": "when high urgency becomes a crisis (7.12)",
    "withdraw": "how long the resident's patience lasts before giving up (7.12)",
    "dropout": "whether the resident drops out after the desk's referral (7.9)",
    "resolve": "whether a first contact answers a simple question on the spot (7.9)",
    "refer": "whether a first contact connects the request to informal help (7.9)",
    "place": "whether the resident asks at their meeting place (7.3)",
    "tie": "which tie the resident asks (7.3)",
    "help": "how long informal, volunteer, host or desk help lasts (7.6)",
    "referral_delay": "how long the referral from desk to wijkteam takes (7.9)",
    "place_pick": "which meeting place, or which tie, a first contact connects to (7.9)",
    "plan": "how long making the support plan takes once a professional has the case (7.11)",
    "persist": "whether a need the resident gave up on stays and grows worse (7.12)",
    "handover": "whether a connection to informal help is warm, and else whether the "
    "resident follows the leaflet (7.9)",
}
N_U = len(UNIFORMS)
(U_VOICE, U_DELAY, U_ROUTE, U_TRUST, U_SVC, U_ESC_LOW, U_ESC_MEDIUM, U_ESC_HIGH, U_WITHDRAW,
 U_DROPOUT, U_RESOLVE, U_REFER, U_PLACE, U_TIE, U_HELP, U_REFERRAL_DELAY, U_PLACE_PICK, U_PLAN,
 U_PERSIST, U_HANDOVER) = range(N_U)

#: Who or what handles a step. A resource code is ``kind << 32 | index``; the kinds
#: in INDEXED are one of many (resident 12 is ``resident:12``), the others unique.
RESOURCE_KINDS = ("", "resident", "professional", "place", "volunteer", "vraagwijzer",
                  "initiative", "crisis service")
INDEXED = frozenset(RESOURCE_KINDS[1:5])
(NO_RESOURCE, RESIDENT, PROFESSIONAL, PLACE, VOLUNTEER, VRAAGWIJZER, INITIATIVE,
 CRISIS_SERVICE) = (k << 32 for k in range(len(RESOURCE_KINDS)))


class Need:
    """One help request, from arising to its outcome: the record every submodel passes on.

    Two counters make scheduled events go stale (ODD 3.3): ``route_step`` bumps with
    every state change and invalidates pending ``ask``, ``match`` and ``patience``
    events; ``bystander_draw`` bumps with every new draw of the bystander schedule and
    invalidates pending ``act`` and ``notice`` events.
    """

    __slots__ = ("id", "resident", "kind", "urgency", "urgency_start", "urgency_intake",
                 "t_arise", "t_answered", "t_closed", "t_intake", "t_queue", "queue_wait",
                 "t_crisis", "t_contact", "t_left_queue", "t_plan", "t_formal", "t_sent",
                 "network_size",
                 "state", "route", "outcome", "crisis", "aware", "n_aware_max",
                 "acted_by_aware", "bystander_draw", "route_step", "u", "tried", "repeat_of",
                 "helper", "overload")

    def __init__(self, nid: int, resident: int, kind: int, urgency: int, t: float,
                 u: Sequence[float], repeat_of: int = -1):
        self.id = nid
        self.resident = resident
        self.kind = kind
        self.urgency = self.urgency_start = urgency
        self.urgency_intake = -1
        self.t_arise = t
        self.t_answered = self.t_closed = self.t_intake = self.t_queue = math.nan
        self.t_crisis = math.nan
        self.queue_wait = self.t_contact = self.t_left_queue = self.t_plan = math.nan
        self.t_formal = math.nan  # first turned to formal help (desk, walk-in, outreach)
        self.t_sent = math.nan  # a first contact first put it on the wijkteam's way
        self.network_size = 0  # the resident's ties when the need arose
        self.state = ""
        self.route: list[str] = []
        self.outcome = ""
        self.crisis = False
        self.aware: dict[int, int] | None = {}  # person -> bystander flags; None once ended
        self.n_aware_max = 0
        self.acted_by_aware = False
        self.bystander_draw = 0
        self.route_step = 0
        self.u: Sequence[float] | None = u  # the UNIFORMS row; None once the need has ended
        self.tried = 0  # TRIED_* bits
        self.repeat_of = repeat_of
        self.helper = NO_RESOURCE  # resource code of who answered
        self.overload = 0.0  # how far its case started under overload, 0 (none) to 1

    def contact(self, t: float) -> None:
        """A professional (desk, wijkteam, outreach) takes the request up at ``t``; the
        first such moment is the first formal contact (ODD 4.11)."""
        if math.isnan(self.t_contact):
            self.t_contact = t
