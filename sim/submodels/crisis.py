"""The crisis service: a crisis is met by its own service, not the back of the list (ODD 7.12).

Unanswered needs can end in a crisis (the seed, DOMAIN.md). A municipality meets a
crisis with a separate service (crisis intervention, the GGD's or the wijkteam's
urgent slot), not the ordinary waiting list, where a crisis would wait weeks
behind others. The service has a capacity of crises it handles at once; a crisis
waits for a free place (first come, first served), the service responds after a
response time and stays with the crisis for an intervention period. Its sizes are
assumptions. With ``crisis.service`` off a crisis joins the wijkteam's list as any
arrival (the model before this service existed).
"""

from __future__ import annotations

from collections import deque

from ..streams import generator, poisson_copies
from ..vocabulary import BEGUN, CRISIS_ALERTED, CRISIS_SERVICE, HIGH, N_U, Need


class CrisisService:
    """Places of the crisis service, its queue, and its responses."""

    def __init__(self, model) -> None:
        self.m = model
        self.c = model.scenario.crisis
        self.schedule = model.calendar.schedule
        self.rng = generator(model.seed, "crisis")
        self.busy = 0
        self.queue: deque[Need] = deque()
        model.calendar.on({"crisis_response": self.on_response, "crisis_end": self.on_end,
                           "warm_crisis": self.on_warm_crisis})

    def warm_start(self, crises: list[Need], weights: list[float], t0: float, rng) -> None:
        """The service's pre-history (ODD 5): from ``t0`` to day 0 crises arrive at the
        stationary rate of the pilot's crises that did not come off the waiting list
        (``crises``, with their weights per day; those that do come from the wijkteam's
        own pre-history), each a copy of one of them (resident, kind) with fresh uniforms."""
        for t, like, u in poisson_copies(rng, crises, weights, t0, 0.0, N_U):
            self.schedule(t, "warm_crisis", (like.resident, like.kind, u))

    def on_warm_crisis(self, payload) -> None:
        """A crisis of the pre-history reaches the service: a copy of the pilot's, or a
        hidden need's that surfaces (``Escalation.warm_start``)."""
        rid, kind, u = payload
        need = self.m.seeking.record(rid, kind, HIGH, u, BEGUN, clocks=False)
        need.crisis, need.t_crisis = True, self.m.now
        self.m.escalation.reopen(need)  # as a crisis does: patience anew, urgency no more
        self.arrive(need)

    @property
    def on(self) -> bool:
        return self.c.service

    def arrive(self, need: Need) -> None:
        """A crisis reaches the service: a free place responds, or it waits for one."""
        self.m.transition(need, CRISIS_ALERTED, "crisis", CRISIS_SERVICE)
        if self.busy < self.c.capacity:
            self._respond(need)
        else:
            self.queue.append(need)

    def _respond(self, need: Need) -> None:
        self.busy += 1
        delay = self.c.response_days_mean * self.rng.exponential()
        self.schedule(self.m.now + delay, "crisis_response", need)

    def on_response(self, need: Need) -> None:
        """The service responds (help starts), unless the resident has given up meanwhile."""
        if need.state != "crisis":
            self._free()
            return
        self.m.answer(need, "crisis_service", CRISIS_SERVICE)
        self.schedule(self.m.now + self.c.intervention_days_mean * self.rng.exponential(),
                      "crisis_end", need)

    def on_end(self, need: Need) -> None:
        """The intervention ends: the request is closed and the place goes to the next."""
        need.t_closed = self.m.now
        self.m.transition(need, "crisis intervention ends", "closed", CRISIS_SERVICE)
        self._free()

    def _free(self) -> None:
        self.busy -= 1
        while self.queue:
            need = self.queue.popleft()
            if need.state == "crisis":
                self._respond(need)
                return
