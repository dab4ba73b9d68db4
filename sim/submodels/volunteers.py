"""The volunteer initiative (klussenbank): recruitment, matching, motivation, dropout (ODD 7.7).

Vlaardingen's klussenbank links residents' practical and social requests to
volunteers; screening and safety questions slow matching (the seed, DOMAIN.md).
Volunteers are recruited at meeting places, the less the fuller the pool: an
initiative has room, tasks and coordinators for only so many (``pool_capacity``),
so the pool settles where recruitment balances those who leave, instead of growing
without limit. They leave for three reasons. Some move on for reasons outside the
initiative. Motivation falls while they work at capacity and recovers otherwise.
And the burden of unclear roles between formal and informal help (strongest at the
lowest integration level, as in the Schiedam district where volunteers left when
the wijkteam arrived) and of the paperwork of formalisation drains it every day:
volunteers differ in how much that weighs on them, so a burden pushes out those who
bear it least, more of them the heavier it is, while the others stay. With one
sensitivity for all, a burden below the recovery rate would push out nobody and one
above it everybody.

A volunteer who takes a request learns about the client; with ``gossip_trust_loss``
the volunteer talks about it in their street and among their ties, and those who
hear it are less ready to ask for help and trust the wijkteam less ("who will hear
of my troubles?"): fewer dare go to the wijkteam (the seed, Kader 3), and some do not
ask at all (DOMAIN.md). Gossip goes with the matching, so it lives here; its effect
is read where residents decide to ask (7.3).
"""

from __future__ import annotations

from ..streams import expo, generator, scalar
from ..vocabulary import INITIATIVE, TRIED_INITIATIVE, VOLUNTEER, Need


class VolunteerInitiative:
    """The pool of active volunteers and the initiative's matching."""

    def __init__(self, model, make_volunteer) -> None:
        self.m = model
        s = self.s = model.scenario
        self.schedule = model.calendar.schedule
        self.rng = scalar(model.seed, "volunteers")
        self.rng_traits = scalar(model.seed, "volunteer_traits")
        self._make_volunteer = make_volunteer  # (resident id) -> a volunteer agent
        self.pool: list = []  # active volunteers
        self.volunteer_of: dict[int, object] = {}  # resident id -> their volunteer agent
        self.recruited = 0  # after the warm-up
        self.dropped = 0  # after the warm-up, for any reason
        self.dropped_burden = 0  # of these, pushed out by unclear roles and paperwork
        v = s.volunteers
        #: daily motivation loss from unclear roles and formalisation, at sensitivity 1
        self.burden_per_day = (
            v.motivation_loss_unclear_roles_per_day * s.at_level("unclear_roles_factor")
            + v.motivation_loss_formalisation_per_day * v.formalisation_burden)
        if s.informal.enabled and v.initiative:
            n = model.residents.n
            rng = generator(model.seed, "volunteers")
            for rid in rng.choice(n, size=min(v.n_initial, n), replace=False):
                self.join(int(rid))
        model.calendar.on({"match": self.on_match})

    @property
    def active(self) -> int:
        """Volunteers active now."""
        return len(self.pool)

    def join(self, rid: int) -> None:
        """Resident ``rid`` becomes a volunteer, fully motivated, with their own sensitivity
        to burden (Exp(1)) and the day they will move on."""
        volunteer = self._make_volunteer(rid)
        volunteer.sensitivity = expo(self.rng_traits.random())
        rate = self.s.volunteers.leave_per_year
        u = self.rng_traits.random()
        volunteer.leave_day = self.m.now + 365.0 * expo(u) / rate if rate > 0 else float("inf")
        self.pool.append(volunteer)
        self.volunteer_of[rid] = volunteer

    def p_recruit(self) -> float:
        """Chance that a visit recruits: full at an empty pool, none at ``pool_capacity``."""
        v = self.s.volunteers
        return v.p_recruit_visit * max(0.0, 1.0 - len(self.pool) / v.pool_capacity)

    def maybe_recruit(self, rid: int, rng) -> None:
        """A visit may turn resident ``rid`` into a volunteer (one draw of ``rng``)."""
        if (self.s.volunteers.initiative and rid not in self.volunteer_of
                and rng.random() < self.p_recruit()):
            self.join(rid)
            self.recruited += self.m.now >= self.m.stats_from

    def morning(self) -> None:
        """Volunteers due to move on leave; the others' motivation changes, and below the
        threshold they drop out."""
        v, now = self.s.volunteers, self.m.now
        for vol in self.pool:
            if now >= vol.leave_day:
                self._drop(vol, "volunteer moves on")
                continue
            full = vol.tasks >= v.capacity_tasks
            change = -self.burden_per_day * vol.sensitivity
            change += -v.motivation_loss_overload_per_day if full else v.motivation_recovery_per_day
            vol.motivation = min(1.0, vol.motivation + change)
            if vol.motivation < v.dropout_threshold:
                if full:
                    self._drop(vol, "volunteer drops out: overloaded")
                else:
                    self._drop(vol, "volunteer drops out: roles and paperwork")
                    self.dropped_burden += now >= self.m.stats_from
        self.pool = [vol for vol in self.pool if vol.active]

    def _drop(self, vol, why: str) -> None:
        """The volunteer quits: out of the pool, counted, logged, removed from the model."""
        vol.active = False
        del self.volunteer_of[vol.rid]
        self.dropped += self.m.now >= self.m.stats_from
        self.m.events.log(-1, why, self.m.now, VOLUNTEER + vol.rid)
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
        self.gossip(vol.rid, need.resident)

    def gossip(self, volunteer: int, client: int) -> None:
        """The volunteer's street (block) and ties hear about the client: each hearer's
        readiness to ask (1 - reluctance to ask) and trust in the wijkteam fall by a share."""
        loss = self.s.volunteers.gossip_trust_loss
        if loss <= 0:
            return
        r = self.m.residents
        reluctance, trust = r.reluctance_ask, r.trust
        for h in set(r.block_members[r.block[volunteer]]) | r.ties[volunteer]:
            if h != client and h != volunteer:
                reluctance[h] = 1.0 - (1.0 - reluctance[h]) * (1.0 - loss)
                trust[h] *= 1.0 - loss
