"""Checks of the closed-form reference results in :mod:`sim.theory`.

The simulation is validated against these formulas, so they are checked here
against independent routes to the same number: the textbook direct sums instead of
the recursion, hand-derived special cases (M/M/1, M/M/2), conservation laws and the
defining property of each equilibrium.
"""

from __future__ import annotations

import ast
import math

import pytest

from sim import theory
from sim.theory import (
    DARLEY_LATANE_1968,
    erlang_b,
    erlang_c,
    fit_social_impact,
    mmc_queue_length_mean,
    mmc_wait_mean,
    mmc_wait_tail,
    p_any_independent,
    priority_waits,
    social_impact_p,
    volunteers_dilemma,
)

REL = 1e-10

# (c, a) pairs from light to heavy load, small and large teams.
CASES = [
    (c, frac * c)
    for c in (1, 2, 3, 5, 8, 13, 20, 40, 60)
    for frac in (0.01, 0.1, 0.3, 0.5, 0.7, 0.85, 0.95, 0.99)
]


def direct_erlang_b(c: int, a: float) -> float:
    """Textbook Erlang B: (a^c/c!) / sum_{k=0..c} a^k/k!."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / math.fsum(terms)


def direct_erlang_c(c: int, a: float) -> float:
    """Textbook Erlang C: (a^c/c!)(1/(1-rho)) / (sum_{k<c} a^k/k! + (a^c/c!)(1/(1-rho)))."""
    rho = a / c
    top = a**c / math.factorial(c) / (1.0 - rho)
    return top / (math.fsum(a**k / math.factorial(k) for k in range(c)) + top)


# ------------------------------------------------------------------------- Erlang B/C


@pytest.mark.parametrize(("c", "a"), CASES)
def test_erlang_c_matches_direct_sum(c, a):
    got, want = erlang_c(c, a), direct_erlang_c(c, a)
    assert got == pytest.approx(want, rel=REL), (
        f"erlang_c({c}, {a}) = {got!r}, expected the direct-sum value {want!r}"
    )
    assert 0.0 <= got <= 1.0, f"erlang_c({c}, {a}) = {got!r} is not a probability"


@pytest.mark.parametrize(("c", "a"), [*CASES, (1, 3.0), (5, 12.0), (30, 45.0), (60, 0.0)])
def test_erlang_b_matches_direct_sum(c, a):
    got, want = erlang_b(c, a), direct_erlang_b(c, a)
    assert got == pytest.approx(want, rel=REL, abs=1e-300), (
        f"erlang_b({c}, {a}) = {got!r}, expected the direct-sum value {want!r}"
    )


def test_erlang_b_large_team_does_not_overflow():
    # a**c / c! overflows floats here; the recursion must not.
    got = erlang_b(400, 380.0)
    assert 0.0 < got < 1.0 and math.isfinite(got), f"erlang_b(400, 380) = {got!r}"
    c_val = erlang_c(400, 380.0)
    assert 0.0 < c_val < 1.0, f"erlang_c(400, 380) = {c_val!r} is not a probability"
    assert c_val > got, "Erlang C must exceed Erlang B at the same (c, a) when 0 < a < c"


@pytest.mark.parametrize("rho", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_erlang_c_single_server_is_rho(rho):
    assert erlang_c(1, rho) == pytest.approx(rho, rel=REL, abs=1e-15), (
        f"M/M/1: expected C = rho = {rho}, got {erlang_c(1, rho)!r}"
    )
    assert erlang_b(1, rho) == pytest.approx(rho / (1 + rho), rel=REL, abs=1e-15), (
        f"M/M/1/1: expected B = a/(1+a) = {rho / (1 + rho)!r}, got {erlang_b(1, rho)!r}"
    )


@pytest.mark.parametrize("a", [0.2, 1.0, 1.5, 1.9])
def test_erlang_c_two_servers_closed_form(a):
    # M/M/2: C = 2 rho^2 / (1 + rho) = a^2 / (2 + a); B = (a^2/2) / (1 + a + a^2/2).
    assert erlang_c(2, a) == pytest.approx(a * a / (2 + a), rel=REL), (
        f"M/M/2 with a={a}: expected C = a^2/(2+a) = {a * a / (2 + a)!r}, got {erlang_c(2, a)!r}"
    )
    want_b = (a * a / 2) / (1 + a + a * a / 2)
    assert erlang_b(2, a) == pytest.approx(want_b, rel=REL), (
        f"M/M/2/2 with a={a}: expected B = {want_b!r}, got {erlang_b(2, a)!r}"
    )
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=REL), "M/M/2 at a=1: expected C = 1/3"


@pytest.mark.parametrize("c", [1, 2, 4, 10, 30])
def test_erlang_b_and_c_rise_with_load(c):
    loads = [c * k / 50 for k in range(1, 50)]
    bs = [erlang_b(c, a) for a in loads]
    cs = [erlang_c(c, a) for a in loads]
    assert all(x < y for x, y in zip(bs, bs[1:], strict=False)), (
        f"Erlang B with c={c} should rise strictly with load, got {bs}"
    )
    assert all(x < y for x, y in zip(cs, cs[1:], strict=False)), (
        f"Erlang C with c={c} should rise strictly with load, got {cs}"
    )


def test_erlang_falls_with_more_servers_at_same_load():
    a = 3.5
    cs = [erlang_c(c, a) for c in range(4, 15)]
    assert all(x > y for x, y in zip(cs, cs[1:], strict=False)), (
        f"Erlang C at a={a} should fall as servers are added, got {cs}"
    )


# ------------------------------------------------------------------------------ M/M/c


@pytest.mark.parametrize(("lam", "mu"), [(0.5, 1.0), (0.9, 1.0), (2.0, 5.0), (0.01, 0.02)])
def test_mm1_mean_wait(lam, mu):
    rho = lam / mu
    want = rho / (mu - lam)
    assert mmc_wait_mean(lam, mu, 1) == pytest.approx(want, rel=REL), (
        f"M/M/1 lambda={lam}, mu={mu}: expected Wq = rho/(mu-lambda) = {want!r}"
    )


@pytest.mark.parametrize(("c", "a"), CASES)
def test_mmc_mean_wait_and_queue_length(c, a):
    mu = 0.25  # one case per four time units
    lam = a * mu
    rho = a / c
    want_wq = direct_erlang_c(c, a) / (c * mu - lam)
    assert mmc_wait_mean(lam, mu, c) == pytest.approx(want_wq, rel=REL), (
        f"M/M/{c} a={a}: expected Wq = C/(c mu - lambda) = {want_wq!r}"
    )
    want_lq = direct_erlang_c(c, a) * rho / (1 - rho)
    assert mmc_queue_length_mean(lam, mu, c) == pytest.approx(want_lq, rel=REL), (
        f"M/M/{c} a={a}: expected Lq = C rho/(1-rho) = {want_lq!r} (Little's law)"
    )


@pytest.mark.parametrize(("c", "a"), CASES)
def test_mmc_wait_tail(c, a):
    mu = 2.0
    lam = a * mu
    at_zero = mmc_wait_tail(lam, mu, c, 0.0)
    assert at_zero == pytest.approx(erlang_c(c, a), rel=REL), (
        f"M/M/{c} a={a}: P(Wq > 0) should equal Erlang C {erlang_c(c, a)!r}, got {at_zero!r}"
    )
    t = 1.7
    want = direct_erlang_c(c, a) * math.exp(-(c * mu - lam) * t)
    got = mmc_wait_tail(lam, mu, c, t)
    assert got == pytest.approx(want, rel=REL), f"M/M/{c} a={a}: P(Wq > {t}) = {got!r} != {want!r}"
    assert got <= at_zero, "the wait tail must not rise with t"


def test_mmc_wait_tail_integrates_to_mean():
    # E[Wq] = integral_0^inf P(Wq > t) dt; trapezoid rule on a fine grid.
    lam, mu, c = 3.0, 1.0, 4
    rate = c * mu - lam
    step, horizon = 1e-3, 40.0 / rate
    n = int(horizon / step)
    vals = [mmc_wait_tail(lam, mu, c, i * step) for i in range(n + 1)]
    integral = step * (math.fsum(vals) - 0.5 * (vals[0] + vals[-1]))
    want = mmc_wait_mean(lam, mu, c)
    assert integral == pytest.approx(want, rel=1e-5), (
        f"integral of P(Wq > t) should equal the mean wait {want!r}, got {integral!r}"
    )


def test_mmc_no_arrivals_no_wait():
    assert mmc_wait_mean(0.0, 1.0, 3) == 0.0, "with no arrivals nobody waits"
    assert mmc_queue_length_mean(0.0, 1.0, 3) == 0.0, "with no arrivals the queue is empty"


def test_pooling_shortens_waits():
    # Two separate teams of 2 versus one pooled team of 4 at the same total load.
    lam, mu = 1.6, 1.0
    separate = mmc_wait_mean(lam / 2, mu, 2)
    pooled = mmc_wait_mean(lam, mu, 4)
    assert pooled < separate, f"pooled wait {pooled!r} should be below separate {separate!r}"


# ----------------------------------------------------------------------------- priority


@pytest.mark.parametrize(("lam", "mu", "c"), [(0.5, 1.0, 1), (2.7, 1.0, 3), (9.0, 0.5, 20)])
def test_priority_single_class_is_fifo(lam, mu, c):
    (got,) = priority_waits([lam], mu, c)
    want = mmc_wait_mean(lam, mu, c)
    assert got == pytest.approx(want, rel=REL), (
        f"one priority class should wait as FIFO M/M/{c}: expected {want!r}, got {got!r}"
    )


@pytest.mark.parametrize(
    ("rates", "mu", "c"),
    [
        ([0.3, 0.5], 1.0, 1),
        ([0.2, 0.2, 0.2, 0.3], 1.0, 1),
        ([1.0, 2.0, 0.5], 1.0, 4),
        ([0.1, 5.0, 3.0], 0.5, 18),
        ([2.0, 0.0, 1.0], 1.0, 4),
    ],
)
def test_priority_conservation_law(rates, mu, c):
    waits = priority_waits(rates, mu, c)
    total = sum(rates)
    weighted = math.fsum(r * w for r, w in zip(rates, waits, strict=True)) / total
    fifo = mmc_wait_mean(total, mu, c)
    assert weighted == pytest.approx(fifo, rel=REL), (
        f"load-weighted mean of class waits {weighted!r} should equal FIFO wait {fifo!r} "
        f"(conservation law, equal service rates), rates={rates}, c={c}"
    )


@pytest.mark.parametrize(("rates", "mu", "c"), [([0.3, 0.5], 1.0, 1), ([1.0, 1.0, 1.0], 1.0, 4)])
def test_priority_urgent_class_waits_less(rates, mu, c):
    waits = priority_waits(rates, mu, c)
    fifo = mmc_wait_mean(sum(rates), mu, c)
    assert all(x < y for x, y in zip(waits, waits[1:], strict=False)), (
        f"waits should rise from class 0 (most urgent) down, got {waits}"
    )
    assert waits[0] < fifo < waits[-1], (
        f"most urgent class should wait less than FIFO {fifo!r} and least urgent more, got {waits}"
    )


def test_priority_two_classes_mm1_by_hand():
    # M/M/1, lambda = (0.3, 0.5), mu = 1: C = 0.8, W0 = 0.8;
    # Wq_0 = 0.8 / (1 * 0.7) and Wq_1 = 0.8 / (0.7 * 0.2).
    w0, w1 = priority_waits([0.3, 0.5], 1.0, 1)
    assert w0 == pytest.approx(0.8 / 0.7, rel=REL), f"class 0: expected 8/7, got {w0!r}"
    assert w1 == pytest.approx(0.8 / 0.14, rel=REL), f"class 1: expected 40/7, got {w1!r}"


def test_priority_zero_rate_classes():
    base = priority_waits([1.0, 1.5], 1.0, 3)
    padded = priority_waits([0.0, 1.0, 0.0, 1.5, 0.0], 1.0, 3)
    assert padded[1] == pytest.approx(base[0], rel=REL), "an empty class must not change waits"
    assert padded[3] == pytest.approx(base[1], rel=REL), "an empty class must not change waits"
    w0 = erlang_c(3, 2.5) / 3.0
    assert padded[0] == pytest.approx(w0, rel=REL), (
        f"an empty top class waits only for a server to free up: expected {w0!r}, got {padded[0]!r}"
    )
    assert padded[2] == pytest.approx(base[0] / (1 - 1.0 / 3), rel=REL), (
        "an empty middle class waits behind class 1's load"
    )
    sigma_1, sigma = 1.0 / 3, 2.5 / 3
    assert padded[4] == pytest.approx(base[1] * (1 - sigma_1) / (1 - sigma), rel=REL), (
        "an empty bottom class waits behind all load: W0 / (1 - sigma)^2"
    )


# ---------------------------------------------------------------------- bystander effect


def test_social_impact_decreasing_in_n():
    for t in (0.1, 0.6, 1.0):
        ps = [social_impact_p(0.85, n, t) for n in range(1, 30)]
        assert all(x > y for x, y in zip(ps, ps[1:], strict=False)), (
            f"with t={t} > 0 the individual helping probability should fall with n, got {ps}"
        )
        assert ps[0] == pytest.approx(0.85), "n = 1 (alone) should give p1"
    flat = {social_impact_p(0.7, n, 0.0) for n in range(1, 30)}
    assert flat == {0.7}, f"with t = 0 the probability should be constant p1 = 0.7, got {flat}"
    assert social_impact_p(0.8, 4, 0.5) == pytest.approx(0.4), "0.8 * 4**-0.5 should be 0.4"


def test_social_impact_full_diffusion_keeps_group_rate():
    # t = 1: each of n helps with p1/n; for small p1 the group's rate stays ~p1.
    p1 = 0.01
    for n in (2, 5, 20):
        p = social_impact_p(p1, n, 1.0)
        assert p * n == pytest.approx(p1), f"t=1: n * p(n) should equal p1, got {p * n!r}"


def test_p_any_independent():
    assert p_any_independent(0.3, 0) == 0.0, "nobody aware: nobody acts"
    assert p_any_independent(0.3, 1) == pytest.approx(0.3), "one person: their own p"
    assert p_any_independent(0.3, 2) == pytest.approx(1 - 0.49), "two people: 1 - 0.7^2"
    assert p_any_independent(0.0, 50) == 0.0, "p = 0: nobody ever acts"
    assert p_any_independent(1.0, 3) == 1.0, "p = 1: someone surely acts"
    tiny = p_any_independent(1e-12, 3)
    assert tiny == pytest.approx(3e-12, rel=1e-9), f"tiny p should give ~ n*p, got {tiny!r}"
    ps = [p_any_independent(0.2, n) for n in range(0, 20)]
    assert all(x < y for x, y in zip(ps, ps[1:], strict=False)), "P(any) should rise with n"


def test_volunteers_dilemma_equilibrium():
    r = 0.4
    q2, none2 = volunteers_dilemma(r, 2)
    assert q2 == pytest.approx(r) and none2 == pytest.approx(r * r), (
        f"n = 2: expected (r, r^2) = ({r}, {r * r}), got ({q2}, {none2})"
    )
    previous = none2
    for n in range(3, 60):
        q, nobody = volunteers_dilemma(r, n)
        assert q ** (n - 1) == pytest.approx(r, rel=1e-12), (
            f"n={n}: indifference requires P(none of the others acts) = r = {r}, "
            f"got {q ** (n - 1)!r}"
        )
        assert nobody == pytest.approx(q**n, rel=1e-12), f"n={n}: P(nobody) should be q^n"
        assert nobody > previous, (
            f"P(nobody acts) should rise with n: n={n} gave {nobody!r} <= {previous!r}"
        )
        assert nobody < r, f"P(nobody acts) should stay below its limit r={r}, got {nobody!r}"
        previous = nobody


def test_darley_latane_data():
    sizes = [row.group_size for row in DARLEY_LATANE_1968]
    assert sizes == [1, 2, 5], f"expected group sizes 1, 2, 5, got {sizes}"
    assert all(row.group_size == row.others + 1 for row in DARLEY_LATANE_1968), (
        "group size must count the subject: n = others + 1"
    )
    assert [row.reported_before_end_of_fit for row in DARLEY_LATANE_1968] == [0.85, 0.62, 0.31]
    assert [row.reported_eventually for row in DARLEY_LATANE_1968] == [1.00, 0.85, 0.62]
    assert [row.mean_latency_s for row in DARLEY_LATANE_1968] == [52, 93, 166]
    with pytest.raises(AttributeError):
        DARLEY_LATANE_1968[0].group_size = 3  # type: ignore[misc]
    assert isinstance(DARLEY_LATANE_1968, tuple), "the published data must be immutable"


def test_fit_social_impact_on_darley_latane():
    sizes = [row.group_size for row in DARLEY_LATANE_1968]
    shares = [row.reported_before_end_of_fit for row in DARLEY_LATANE_1968]
    p1, t = fit_social_impact(sizes, shares)
    assert 0.5 <= t <= 0.7, f"D&L 1968 before-end-of-fit data should give t near 0.6, got {t!r}"
    assert 0.75 <= p1 <= 1.0, f"fitted p1 should be near the alone share 0.85, got {p1!r}"


def test_fit_social_impact_recovers_exact_parameters():
    sizes = [1, 2, 3, 7, 12]
    shares = [0.9 * n**-0.45 for n in sizes]
    p1, t = fit_social_impact(sizes, shares)
    assert p1 == pytest.approx(0.9, rel=1e-12), f"expected p1 = 0.9, got {p1!r}"
    assert t == pytest.approx(0.45, rel=1e-12), f"expected t = 0.45, got {t!r}"


# ---------------------------------------------------------------------------- bad input

BAD_CALLS = [
    ("erlang_b c=0", lambda: erlang_b(0, 1.0)),
    ("erlang_b c non-int", lambda: erlang_b(2.5, 1.0)),
    ("erlang_b c bool", lambda: erlang_b(True, 0.5)),
    ("erlang_b a<0", lambda: erlang_b(3, -0.1)),
    ("erlang_b a nan", lambda: erlang_b(3, float("nan"))),
    ("erlang_c rho=1", lambda: erlang_c(2, 2.0)),
    ("erlang_c rho>1", lambda: erlang_c(2, 3.0)),
    ("erlang_c c=0", lambda: erlang_c(0, 0.5)),
    ("erlang_c a<0", lambda: erlang_c(2, -1.0)),
    ("wait_mean unstable", lambda: mmc_wait_mean(2.0, 1.0, 2)),
    ("wait_mean lam<0", lambda: mmc_wait_mean(-1.0, 1.0, 2)),
    ("wait_mean mu=0", lambda: mmc_wait_mean(1.0, 0.0, 2)),
    ("wait_mean mu<0", lambda: mmc_wait_mean(1.0, -1.0, 2)),
    ("wait_mean c=0", lambda: mmc_wait_mean(0.5, 1.0, 0)),
    ("wait_mean inf", lambda: mmc_wait_mean(float("inf"), 1.0, 2)),
    ("wait_tail t<0", lambda: mmc_wait_tail(0.5, 1.0, 1, -1.0)),
    ("wait_tail unstable", lambda: mmc_wait_tail(1.0, 1.0, 1, 1.0)),
    ("queue_length unstable", lambda: mmc_queue_length_mean(5.0, 1.0, 4)),
    ("priority empty", lambda: priority_waits([], 1.0, 1)),
    ("priority negative", lambda: priority_waits([0.2, -0.1], 1.0, 1)),
    ("priority unstable", lambda: priority_waits([0.6, 0.5], 1.0, 1)),
    ("priority not a sequence", lambda: priority_waits(0.5, 1.0, 1)),
    ("priority string", lambda: priority_waits("0.5", 1.0, 1)),
    ("priority mu=0", lambda: priority_waits([0.5], 0.0, 1)),
    ("social p1>1", lambda: social_impact_p(1.2, 2, 0.5)),
    ("social p1<0", lambda: social_impact_p(-0.1, 2, 0.5)),
    ("social n=0", lambda: social_impact_p(0.5, 0, 0.5)),
    ("social t<0", lambda: social_impact_p(0.5, 2, -0.5)),
    ("p_any p>1", lambda: p_any_independent(1.5, 2)),
    ("p_any n<0", lambda: p_any_independent(0.5, -1)),
    ("vd r=0", lambda: volunteers_dilemma(0.0, 3)),
    ("vd r=1", lambda: volunteers_dilemma(1.0, 3)),
    ("vd r>1", lambda: volunteers_dilemma(2.0, 3)),
    ("vd n=1", lambda: volunteers_dilemma(0.5, 1)),
    ("fit lengths", lambda: fit_social_impact([1, 2], [0.5])),
    ("fit one size", lambda: fit_social_impact([2, 2], [0.5, 0.4])),
    ("fit share=0", lambda: fit_social_impact([1, 2], [0.5, 0.0])),
    ("fit share>1", lambda: fit_social_impact([1, 2], [1.5, 0.5])),
    ("fit size<1", lambda: fit_social_impact([0.5, 2], [0.5, 0.4])),
]


@pytest.mark.parametrize("call", [c for _, c in BAD_CALLS], ids=[name for name, _ in BAD_CALLS])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_unstable_queue_message_is_clear():
    with pytest.raises(ValueError, match=r"rho .*must be < 1"):
        erlang_c(3, 3.0)


def test_module_does_not_import_scipy():
    with open(theory.__file__, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "scipy" not in imported, f"sim/theory.py must not import SciPy, imports {imported}"
