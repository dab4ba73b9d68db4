"""The volunteer initiative (klussenbank): recruitment, matching, motivation, dropout (ODD 7.7).

Vlaardingen's klussenbank links residents' practical and social requests to
volunteers; screening and safety questions slow matching (the seed, DOMAIN.md).
Volunteers are recruited at meeting places and drop out when their motivation falls
below a threshold: it falls while they work at capacity, while roles between
formal and informal help are unclear (strongest at the lowest integration level,
as in the Schiedam district where volunteers left when the wijkteam arrived) and
under the paperwork of formalisation, and recovers otherwise.
"""

from __future__ import annotations

from ..streams import expo, generator, scalar
from ..vocabulary import INITIATIVE, INTEGRATION_LEVEL, TRIED_INITIATIVE, VOLUNTEER, Need


class VolunteerInitiative:
    """The pool of active volunteers and the initiative's matching."""

    def __init__(self, model, make_volunteer) -> None:
        self.m = model
        s = self.s = model.scenario
        self.schedule = model.calendar.schedule
        self.rng = scalar(model.seed, "volunteers")
        self._make_volunteer = make_volunteer  # (resident id) -> a volunteer agent
        self.pool: list = []  # active volunteers
        self.volunteer_of: dict[int, object] = {}  # resident id -> their volunteer agent
        self.recruited = 0  # after the warm-up
        self.dropped = 0  # after the warm-up
        level = INTEGRATION_LEVEL[s.access.integration]
        #: daily motivation loss from unclear roles and formalisation
        self.loss_unclear_per_day = (
            s.volunteers.motivation_loss_unclear_roles_per_day * (1 - level) * 1.5
            + 0.01 * s.volunteers.formalisation_burden)
        if s.informal.enabled and s.volunteers.initiative:
            n = model.residents.n
            rng = generator(model.seed, "volunteers")
            for rid in rng.choice(n, size=min(s.volunteers.n_initial, n), replace=False):
                self.join(int(rid))
        model.calendar.on({"match": self.on_match})

    @property
    def active(self) -> int:
        """Volunteers active now."""
        return len(self.pool)

    def join(self, rid: int) -> None:
        """Resident ``rid`` becomes a volunteer, fully motivated."""
        volunteer = self._make_volunteer(rid)
        self.pool.append(volunteer)
        self.volunteer_of[rid] = volunteer

    def maybe_recruit(self, rid: int, rng) -> None:
        """A visit may turn resident ``rid`` into a volunteer (one draw of ``rng``)."""
        v = self.s.volunteers
        if v.initiative and rid not in self.volunteer_of and rng.random() < v.p_recruit_visit:
            self.join(rid)
            self.recruited += self.m.now >= self.m.stats_from

    def morning(self) -> None:
        """Each volunteer's motivation changes; below the threshold they drop out."""
        v = self.s.volunteers
        for vol in self.pool:
            full = vol.tasks >= v.capacity_tasks
            change = -self.loss_unclear_per_day
            change += -v.motivation_loss_overload_per_day if full else v.motivation_recovery_per_day
            vol.motivation = min(1.0, vol.motivation + change)
            if vol.motivation < v.dropout_threshold:
                self._drop(vol)
        self.pool = [vol for vol in self.pool if vol.active]

    def _drop(self, vol) -> None:
        """The volunteer quits: out of the pool, counted, logged, removed from the model."""
        vol.active = False
        del self.volunteer_of[vol.rid]
        self.dropped += self.m.now >= self.m.stats_from
        self.m.events.log(-1, "volunteer drops out", self.m.now, VOLUNTEER + vol.rid)
        vol.remove()

    def ask(self, need: Need) -> None:
        """The resident asks the initiative; screening and matching take a while."""
        m = self.m
        need.tried |= TRIED_INITIATIVE
        m.transition(need, "asks the volunteer initiative", "matching", INITIATIVE)
        delay = self.s.volunteers.matching_delay_days_mean * expo(self.rng.random())
        self.schedule(m.now + delay, "match", (need, need.route_step))
        self.schedule(m.now + delay + self.s.seeking.patience_days, "patience",
                      (need, need.route_step))

    def on_match(self, payload) -> None:
        """A free volunteer (not the resident) takes the request, or the match waits a day."""
        need, step = payload
        if step != need.route_step or need.state != "matching":
            return
        cap = self.s.volunteers.capacity_tasks
        free = [v for v in self.pool if v.active and v.tasks < cap and v.rid != need.resident]
        if not free:
            self.schedule(self.m.now + 1.0, "match", (need, step))
            return
        vol = free[int(self.rng.random() * len(free))]
        vol.tasks += 1
        self.m.answer(need, "volunteer", VOLUNTEER + vol.rid)
        self.m.informal.ends_later(need, volunteer=vol)
