"""The words every part of the model shares: kinds and urgencies of needs, request states.

Kept apart from the model so that the submodels, the KPI declarations and the
dashboard can speak of a request's state without importing the model (and Mesa).
ODD section 2.3 defines the states and outcomes.
"""

from __future__ import annotations

KINDS = ("practical", "social", "ongoing", "complex")
PRACTICAL, SOCIAL, ONGOING, COMPLEX = range(4)
#: Kinds that neighbours, volunteers, hosts and the desk can answer themselves.
SIMPLE_KINDS = frozenset((PRACTICAL, SOCIAL))
URGENCIES = ("low", "medium", "high")
LOW, MEDIUM, HIGH = range(3)

#: Every request is in exactly one of these states.
STATES = ("unvoiced", "asking", "matching", "place", "desk", "referred", "waitlist",
          "helped", "in_care", "closed", "withdrawn")
UNANSWERED = frozenset(STATES[:7])
#: States in which the people aware of a need may still act on it.
BYSTANDER_STATES = frozenset(("unvoiced", "asking"))
ENDED = frozenset(("closed", "withdrawn"))

#: Routes that are not the wijkteam or the front desk.
INFORMAL_OUTCOMES = ("informal", "volunteer", "meeting_place")

#: Routes a need has tried, as bits of ``Need.tried``.
TRIED_INITIATIVE, TRIED_PLACE, TRIED_FORMAL = 1, 2, 4
