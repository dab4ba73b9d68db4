"""Every check of ``samenspel validate`` can fail: a mutation for each.

A mutation changes one rule of the model on purpose (a monkeypatched method, or the
time budget's arithmetic). Each test runs small cases through the same check functions
``sim.lab.validate`` uses, first as the model is, where the checks must pass (so the
test could fail), then with the mutation, where they must fail. The runs are small and
in this process, so the patches reach them; the full report's runs are far larger and
its tolerances tighter, so a mutation caught here is caught there too.

The comparisons that cannot fail are not checks: they are reported under
"Consistency, not evidence" (``sim/lab/validation/consistency.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import sim
from sim import budget
from sim.lab.validation import access, bystanders, held_out, patterns, queues
from sim.lab.validation.arms import Arm, arm_job
from sim.lab.validation.core import Check
from sim.lab.validation.dutch import help_within_share
from sim.submodels import bystander, frontdesk, outreach, wijkteam

MODE = "quick"
SEEDS = range(1000, 1005)
#: Half a preset team's area (6,000 residents, 8 FTE), as tests/test_time_budget.py.
HALF = {"population.n_residents": 6000, "wijkteam.n_professionals": 8}
#: A team with room to spare, so outreach's finds can start at once: half an area
#: with 12 professionals.
ROOM = {"population.n_residents": 6000, "wijkteam.n_professionals": 12}
#: More room still, so everyone sent on starts within four weeks on every seed (with 12,
#: one seed of three falls to 0.74, too near the floor for a test that must pass).
AMPLE = {"population.n_residents": 6000, "wijkteam.n_professionals": 14}


def all_pass(checks: list[Check], what: str) -> None:
    bad = [c.line() for c in checks if not c.passed]
    assert checks and not bad, f"expected every check of {what} to pass unmutated: {bad}"


def all_fail(checks: list[Check], mutation: str) -> None:
    passed = [c.line() for c in checks if c.passed]
    assert checks and not passed, f"expected every check to fail under {mutation}: {passed}"


def run_case(case: queues.QueueCase) -> dict:
    """A queue case at its quick size, in this process, merged as the report merges it."""
    return queues.merge_case(case, MODE, [j.fn(j.arg) for j in queues.case_jobs(case, MODE)])


@pytest.fixture(scope="module")
def plain() -> dict[str, dict]:
    """The queue cases the tests mutate, as the model is."""
    cells = (queues.GRID[0], queues.TRIAGE, queues.SEPARATE, queues.POOLED)
    return {case.name: run_case(case) for case in cells}


# --- mutations of the wijkteam ------------------------------------------------------------


def one_slot_fewer(monkeypatch) -> None:
    """Off by one in the room rule: a team never uses its last slot."""
    fits = wijkteam.Wijkteam._fits

    def mutant(self, need, team):
        return fits(self, need, team) and \
            team.slots_busy + 1 < len(team.professionals) * self.w.caseload_max

    monkeypatch.setattr(wijkteam.Wijkteam, "_fits", mutant)


def least_urgent_first(monkeypatch) -> None:
    """Triage serves its lists in the wrong order: low urgency first."""
    def mutant(self, team):
        for cls in (0, 1, 2):
            q = team.waitlist[cls]
            while q:
                need = q[0]
                if need.state == "waitlist" and need.urgency == cls:
                    return cls, need
                q.popleft()
        return None

    monkeypatch.setattr(wijkteam.Wijkteam, "_head", mutant)


def list_counts_cases_running(monkeypatch) -> None:
    """The waiting list's time average also counts the cases running."""
    mark = wijkteam.Wijkteam.mark

    def mutant(self, t):
        before = self._t_mark
        mark(self, t)
        self._area_wait += self.slots_busy * max(t - before, 0.0)

    monkeypatch.setattr(wijkteam.Wijkteam, "mark", mutant)


def test_erlang_c_fails_with_a_slot_fewer(plain, monkeypatch):
    case = queues.GRID[0]
    all_pass(queues.erlang_checks(case, plain[case.name], MODE), case.name)
    one_slot_fewer(monkeypatch)
    all_fail(queues.erlang_checks(case, run_case(case), MODE), "one slot fewer")


def test_cobham_fails_when_triage_serves_the_least_urgent_first(plain, monkeypatch):
    all_pass(queues.cobham_checks(plain[queues.TRIAGE.name], MODE), "Cobham")
    least_urgent_first(monkeypatch)
    all_fail(queues.cobham_checks(run_case(queues.TRIAGE), MODE), "least urgent first")


def test_littles_law_fails_when_the_list_counts_cases_running(plain, monkeypatch):
    case = queues.GRID[0]
    all_pass([queues.little_check([plain[case.name]], MODE)], "Little's law")
    list_counts_cases_running(monkeypatch)
    all_fail([queues.little_check([run_case(case)], MODE)], "the list counting cases")


def test_pooling_fails_with_a_slot_fewer(plain, monkeypatch):
    sep, pool = queues.SEPARATE, queues.POOLED
    all_pass(queues.pooling_checks(plain[sep.name], plain[pool.name], MODE), "pooling")
    one_slot_fewer(monkeypatch)
    all_fail(queues.pooling_checks(run_case(sep), run_case(pool), MODE), "one slot fewer")


# --- the bystander rule -------------------------------------------------------------------


def test_bystander_checks_fail_without_diffusion(monkeypatch):
    """The shares with others, the fitted exponent and both latency ratios, measured in
    the elephant: a rule whose exponent is always 0 fails each."""
    trials = bystanders.TRIALS[MODE]
    checks, _ = bystanders.bystander_checks(MODE, bystanders.darley_job(trials))
    all_pass(checks, "the bystanders")
    monkeypatch.setattr(bystander, "exponent", lambda rule, flags: 0.0)
    mutated, _ = bystanders.bystander_checks(MODE, bystanders.darley_job(trials))
    all_fail(mutated, "an exponent of 0")
    assert {c.group for c in mutated} == {"darley", "latency"} and len(mutated) == 5, \
        f"expected the 5 bystander checks, got {[c.name for c in mutated]}"


# --- the time budget and the access policies ------------------------------------------------


def test_equal_budget_swap_fails_when_cases_keep_the_desks_hours(monkeypatch):
    arg = (access.DESK, access.SWAP_FTE)
    all_pass([access.swap_check(access.swap_job(arg))], "the swap")

    def forgets_the_desk(self):
        return (self.hours_per_fte_week - self.intake_hours_per_professional
                - self.outreach_hours_per_professional)

    monkeypatch.setattr(budget.TimeBudget, "case_hours_per_professional",
                        property(forgets_the_desk))
    all_fail([access.swap_check(access.swap_job(arg))], "cases keeping the desk's hours")


def summaries(preset: str, overrides: dict, seeds=SEEDS, days: int = 365) -> dict[int, dict]:
    scenario = sim.load_scenario(preset, overrides)
    return {seed: sim.run(scenario, seed=seed, days=days).summary for seed in seeds}


def pass_through_desk() -> dict:
    """The pass-through desk of half an area, from the report's one definition."""
    walk_in = sim.load_scenario(access.WALK_IN, HALF)
    desk = sim.load_scenario(access.DESK, HALF)
    return {**HALF, **access.pass_through_overrides(walk_in, desk)}


def test_pass_through_desk_fails_when_referrals_never_arrive(monkeypatch):
    walk_in = summaries(access.WALK_IN, HALF)
    all_pass(access.pass_through_checks(walk_in, summaries(access.DESK, pass_through_desk()),
                                        "full"), "the pass-through desk")
    monkeypatch.setattr(frontdesk.FormalAccess, "on_referral", lambda self, need: None)
    all_fail(access.pass_through_checks(walk_in, summaries(access.DESK, pass_through_desk()),
                                        "full"), "referrals that never reach the team")


# --- the pattern that is a check -------------------------------------------------------------


def crises(p: patterns.Pattern, arm: Arm) -> dict[int, float]:
    roomy = Arm(arm.preset, (*arm.overrides, *ROOM.items()))
    return {seed: arm_job((roomy, seed, 365, 0))[p.measure] for seed in SEEDS}


def test_outreach_fails_when_outreach_meets_nobody(monkeypatch):
    """With room in the team, outreach lowers crises; outreach that still costs its hours
    but meets nobody does not."""
    [p] = [p for p in patterns.patterns() if not p.why]
    base = crises(p, p.base)
    all_pass([patterns.paired(p, base, crises(p, p.lever)).check], "outreach")
    init = outreach.Outreach.__init__

    def blind(self, model):
        init(self, model)
        self.p_found_day = 0.0

    monkeypatch.setattr(outreach.Outreach, "__init__", blind)
    all_fail([patterns.paired(p, base, crises(p, p.lever)).check], "outreach meeting nobody")


# --- Schiedam, held out from its calibration ----------------------------------------------


def help_shares(overrides: dict) -> list[float]:
    scenario = sim.load_scenario(held_out.PRESET, overrides)
    runs = [sim.run(scenario, seed=seed, days=365) for seed in SEEDS[:3]]
    return [help_within_share(r.requests, float(r.days)) for r in runs]


def test_schiedam_four_weeks_fails_when_cases_last_twice_as_long(monkeypatch):
    """With room in the team nearly everyone sent on starts within four weeks; cases
    that last twice as long as drawn leave many waiting longer."""
    all_pass([held_out.held_out_check(help_shares(AMPLE))], "Schiedam's four weeks")
    case_days = wijkteam.CaseDurations.case_days

    def twice(self, kind, u):
        plan, support = case_days(self, kind, u)
        return plan, 2.0 * support

    monkeypatch.setattr(wijkteam.CaseDurations, "case_days", twice)
    all_fail([held_out.held_out_check(help_shares(AMPLE))], "cases lasting twice as long")


# --- every check of the report has its mutation ---------------------------------------------

#: Per check group of the report, the test above whose mutation makes its checks fail.
MUTATED: dict[str, Callable] = {
    "erlang": test_erlang_c_fails_with_a_slot_fewer,
    "cobham": test_cobham_fails_when_triage_serves_the_least_urgent_first,
    "little": test_littles_law_fails_when_the_list_counts_cases_running,
    "pooling": test_pooling_fails_with_a_slot_fewer,
    "darley": test_bystander_checks_fail_without_diffusion,
    "latency": test_bystander_checks_fail_without_diffusion,
    "budget": test_equal_budget_swap_fails_when_cases_keep_the_desks_hours,
    "access": test_pass_through_desk_fails_when_referrals_never_arrive,
    "patterns": test_outreach_fails_when_outreach_meets_nobody,
    "held_out": test_schiedam_four_weeks_fails_when_cases_last_twice_as_long,
}


def test_every_check_group_of_the_report_has_a_mutation():
    from sim.lab.validate import GROUPS

    assert set(MUTATED) == set(GROUPS), \
        f"expected a mutation test for each check group {sorted(GROUPS)}, have {sorted(MUTATED)}"
