"""Bargaining models (truce.sim.bargain) against their closed forms, plus symmetry and validation.

Tolerances: bisection and backward induction are exact up to rounding, so they are held to 1e-12
(or an exact error formula); Monte Carlo checks use 4 standard errors of the simulated mean with
a fixed seed; the discrete concession model may cross one round late or early at a float tie.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.errors import BadInput
from truce.sim.bargain import (
    Agreement,
    Breakdown,
    Model,
    Shares,
    Side,
    attrition_daily_probabilities,
    attrition_expected_days,
    attrition_expected_duration,
    attrition_payoff,
    attrition_rates,
    attrition_simulate,
    attrition_simulate_days,
    concession_batch,
    concession_crossing,
    concession_loop,
    nash_bargain,
    nash_batch,
    new_ratio,
    rubinstein_backward,
    rubinstein_batch,
    rubinstein_interval,
    rubinstein_limit,
    rubinstein_share,
    utilities,
)

TIGHT = 1e-12
DELTAS = [0.1, 0.5, 0.8, 0.9, 0.95, 0.99]
MOVERS: list[tuple[Side, Side]] = [("a", "b"), ("b", "a")]


# --- Nash -------------------------------------------------------------------------------------


@pytest.mark.parametrize("d_a", np.linspace(-0.3, 0.45, 6).tolist())
@pytest.mark.parametrize("d_b", np.linspace(-0.3, 0.45, 6).tolist())
def test_nash_split_the_pie_matches_closed_form(d_a: float, d_b: float) -> None:
    """Linear pie (A's share x = 1 - r): x* = (1 + d_A - d_B)/2."""
    result = nash_bargain(0.0, 1.0, d_a, d_b)
    assert isinstance(result, Agreement)
    assert abs((1.0 - result.ratio) - (1.0 + d_a - d_b) / 2.0) < TIGHT
    assert abs(result.utility_a + result.utility_b - 1.0) < TIGHT  # on the frontier


@pytest.mark.parametrize("weight", [0.1, 0.25, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("d_a,d_b", [(0.0, 0.0), (0.2, 0.1), (0.0, 0.4), (0.35, 0.35)])
def test_asymmetric_nash_matches_closed_form(weight: float, d_a: float, d_b: float) -> None:
    """Bargaining power alpha: x* = d_A + alpha (1 - d_A - d_B)."""
    ratio = float(nash_batch(0.0, 1.0, d_a, d_b, weight_a=weight))
    assert abs((1.0 - ratio) - (d_a + weight * (1.0 - d_a - d_b))) < TIGHT


@pytest.mark.parametrize("p_a", [0.3, 0.5, 1.0])
@pytest.mark.parametrize("p_b", [0.25, 0.6, 1.0])
@pytest.mark.parametrize("weight", [0.3, 0.5, 0.8])
def test_nash_power_utilities_match_closed_form(p_a: float, p_b: float, weight: float) -> None:
    """u_A = x**a, u_B = (1-x)**b, d = 0: x* = w a / (w a + (1 - w) b), on a range [2, 7]."""
    lo, hi = 2.0, 7.0
    ratio = float(nash_batch(lo, hi, 0.0, 0.0, power_a=p_a, power_b=p_b, weight_a=weight))
    share_a = weight * p_a / (weight * p_a + (1.0 - weight) * p_b)
    assert abs(ratio - (hi - (hi - lo) * share_a)) < 1e-11


def test_nash_agrees_with_scipy_where_there_is_no_closed_form() -> None:
    optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(7)
    for _ in range(20):
        p_a, p_b = rng.uniform(0.2, 1.0, 2)
        d_a, d_b = rng.uniform(-0.2, 0.35, 2)
        w = rng.uniform(0.2, 0.8)
        ours = nash_batch(1.0, 4.0, d_a, d_b, power_a=p_a, power_b=p_b, weight_a=w)

        def minus_log_product(
            r: float,
            p_a: float = p_a,
            p_b: float = p_b,
            w: float = w,
            d_a: float = d_a,
            d_b: float = d_b,
        ) -> float:
            u_a, u_b = ((4.0 - r) / 3.0) ** p_a, ((r - 1.0) / 3.0) ** p_b
            if u_a <= d_a or u_b <= d_b:
                return math.inf
            return -(w * math.log(u_a - d_a) + (1 - w) * math.log(u_b - d_b))

        ref = optimize.minimize_scalar(
            minus_log_product, bounds=(1.0, 4.0), method="bounded", options={"xatol": 1e-10}
        )
        assert abs(float(ours) - ref.x) < 1e-6


@pytest.mark.parametrize("d_a,d_b", [(0.6, 0.5), (0.5, 0.5), (1.0, 0.0), (0.0, 1.2)])
def test_nash_breakdown_when_nothing_improves_on_disagreement(d_a: float, d_b: float) -> None:
    result = nash_bargain(0.0, 1.0, d_a, d_b)
    assert isinstance(result, Breakdown)
    assert "no ratio improves on the end of the pause for both sides" in result.reason
    assert np.isnan(nash_batch(0.0, 1.0, d_a, d_b))


def test_nash_swapping_sides_mirrors_the_outcome() -> None:
    rng = np.random.default_rng(3)
    n = 200
    lo, hi = rng.uniform(0, 2, n), rng.uniform(3, 9, n)
    d_a, d_b = rng.uniform(-0.2, 0.45, (2, n))
    p_a, p_b = rng.uniform(0.2, 1.0, (2, n))
    w = rng.uniform(0.05, 0.95, n)
    r = nash_batch(lo, hi, d_a, d_b, power_a=p_a, power_b=p_b, weight_a=w)
    mirrored = nash_batch(lo, hi, d_b, d_a, power_a=p_b, power_b=p_a, weight_a=1 - w)
    np.testing.assert_allclose(lo + hi - mirrored, r, rtol=0, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    lo=st.floats(0.0, 5.0),
    width=st.floats(0.5, 10.0),
    d_a=st.floats(-0.5, 0.9),
    d_b=st.floats(-0.5, 0.9),
    p_a=st.floats(0.1, 1.0),
    p_b=st.floats(0.1, 1.0),
    w=st.floats(0.05, 0.95),
)
def test_nash_is_individually_rational_efficient_and_maximal(
    lo: float, width: float, d_a: float, d_b: float, p_a: float, p_b: float, w: float
) -> None:
    hi = lo + width
    result = nash_bargain(lo, hi, d_a, d_b, power_a=p_a, power_b=p_b, weight_a=w)
    grid = np.linspace(lo, hi, 401)
    g_a, g_b = utilities(grid, lo, hi, p_a, p_b)
    both_gain = (g_a > d_a) & (g_b > d_b)
    if isinstance(result, Breakdown):
        assert not both_gain.any()
        return
    assert lo <= result.ratio <= hi
    assert result.utility_a >= d_a and result.utility_b >= d_b  # individually rational
    # Pareto-efficient: no ratio on the grid is at least as good for both and better for one.
    slack = 1e-12
    dominated = (g_a >= result.utility_a - slack) & (g_b >= result.utility_b - slack)
    dominated &= (g_a > result.utility_a + slack) | (g_b > result.utility_b + slack)
    assert not dominated.any()
    best = w * np.log(result.utility_a - d_a) + (1 - w) * np.log(result.utility_b - d_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        grid_obj = w * np.log(g_a[both_gain] - d_a) + (1 - w) * np.log(g_b[both_gain] - d_b)
    assert np.all(grid_obj <= best + 1e-9)


# --- Rubinstein -------------------------------------------------------------------------------


@pytest.mark.parametrize("d_a", DELTAS)
@pytest.mark.parametrize("d_b", DELTAS)
def test_rubinstein_closed_form_and_backward_induction(d_a: float, d_b: float) -> None:
    """Backward induction's error is exactly (-1)**(T-1) * prod(responders' deltas) * (1 - x_T*)."""
    x_a = (1 - d_b) / (1 - d_a * d_b)  # A's share when A proposes
    x_b = (1 - d_a) / (1 - d_a * d_b)  # B's share when B proposes
    assert rubinstein_share(d_a, d_b).a == pytest.approx(x_a, abs=TIGHT)
    for rounds in (1, 2, 3, 4, 10, 51, 200):
        prod = 1.0
        for t in range(1, rounds):
            prod *= d_b if t % 2 == 1 else d_a
        last_fixed = x_a if rounds % 2 == 1 else x_b
        error = (-1) ** (rounds - 1) * prod * (1 - last_fixed)
        got = rubinstein_backward(d_a, d_b, rounds).a
        assert got - x_a == pytest.approx(error, abs=TIGHT)


@pytest.mark.parametrize("d_a,d_b", [(0.9, 0.9), (0.95, 0.8), (0.99, 0.97)])
def test_rubinstein_backward_converges_as_rounds_grow(d_a: float, d_b: float) -> None:
    target = rubinstein_share(d_a, d_b).a
    errors = [abs(rubinstein_backward(d_a, d_b, t).a - target) for t in range(1, 402, 2)]
    assert all(b < a for a, b in itertools.pairwise(errors) if a > 1e-13)
    assert abs(rubinstein_backward(d_a, d_b, 3001).a - target) < 1e-12


@pytest.mark.parametrize("delta", DELTAS)
def test_first_mover_advantage(delta: float) -> None:
    assert rubinstein_share(delta, delta).a == pytest.approx(1 / (1 + delta), abs=TIGHT)
    assert rubinstein_share(delta, delta).a > 0.5
    assert rubinstein_share(delta, delta, first="b").b > 0.5


@pytest.mark.parametrize("d_a", DELTAS)
@pytest.mark.parametrize("d_b", DELTAS)
def test_rubinstein_swapping_sides_swaps_shares(d_a: float, d_b: float) -> None:
    for first, other in MOVERS:
        a, b = rubinstein_share(d_a, d_b, first=first)
        assert (b, a) == rubinstein_share(d_b, d_a, first=other)
        a, b = rubinstein_backward(d_a, d_b, 7, first=first)
        assert (b, a) == pytest.approx(rubinstein_backward(d_b, d_a, 7, first=other), abs=TIGHT)


@pytest.mark.parametrize("r_a,r_b", [(1.0, 1.0), (1.0, 2.0), (0.05, 0.2), (3.0, 0.5)])
def test_shrinking_interval_tends_to_asymmetric_nash(r_a: float, r_b: float) -> None:
    """delta_i = exp(-r_i dt): A's share -> r_B/(r_A + r_B), first-order error dt r_A r_B/(2 s)."""
    limit = rubinstein_limit(r_a, r_b)
    assert limit.a == pytest.approx(r_b / (r_a + r_b), abs=TIGHT)
    errors = [rubinstein_interval(r_a, r_b, dt).a - limit.a for dt in (1.0, 0.1, 0.01, 0.001)]
    assert all(abs(b) < abs(a) for a, b in itertools.pairwise(errors))
    dt = 1e-4
    slope = (rubinstein_interval(r_a, r_b, dt).a - limit.a) / dt
    assert slope == pytest.approx(r_a * r_b / (2 * (r_a + r_b)), rel=1e-2)
    # the first-mover advantage vanishes in the limit
    assert rubinstein_interval(r_a, r_b, dt, first="b").a == pytest.approx(limit.a, abs=1e-4)
    # and the limit is the asymmetric Nash solution with power r_B/(r_A + r_B) for A
    nash = float(nash_batch(0.0, 1.0, 0.0, 0.0, weight_a=r_b / (r_a + r_b)))
    assert 1 - nash == pytest.approx(limit.a, abs=TIGHT)


def test_rubinstein_batch_broadcasts_and_matches_scalar() -> None:
    d_a = np.array([[0.5], [0.9], [0.99]])
    d_b = np.array([[0.3, 0.6, 0.9, 0.95]])
    for horizon in (None, 1, 8, 25):
        a, b = rubinstein_batch(d_a, d_b, horizon=horizon, first="b")
        assert a.shape == b.shape == (3, 4)
        for i in range(3):
            for j in range(4):
                one = (
                    rubinstein_share(d_a[i, 0], d_b[0, j], first="b")
                    if horizon is None
                    else rubinstein_backward(d_a[i, 0], d_b[0, j], horizon, first="b")
                )
                assert (a[i, j], b[i, j]) == one


@settings(max_examples=200, deadline=None)
@given(
    d_a=st.floats(0.001, 0.999),
    d_b=st.floats(0.001, 0.999),
    rounds=st.integers(1, 60),
    first=st.sampled_from(["a", "b"]),
)
def test_rubinstein_shares_sum_to_one(d_a: float, d_b: float, rounds: int, first: Side) -> None:
    for shares in (
        rubinstein_share(d_a, d_b, first=first),
        rubinstein_backward(d_a, d_b, rounds, first=first),
    ):
        assert isinstance(shares, Shares)
        assert 0 <= shares.a <= 1 and 0 <= shares.b <= 1
        assert shares.a + shares.b == pytest.approx(1.0, abs=1e-15)


# --- time-based concession --------------------------------------------------------------------


@pytest.mark.parametrize("exponent", [0.2, 0.5, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("tops", [(1.0, 1.0), (0.9, 0.8)])
@pytest.mark.parametrize("first", ["a", "b"])
def test_concession_crossing_matches_closed_form(
    exponent: float, tops: tuple[float, float], first: Side
) -> None:
    """Equal exponents, linear pie: targets sum to 1 at tau* = ((M - 1)/(M - R))**e."""
    rounds = 100
    grid = np.linspace(0.0, 0.7, 8)
    res_a, res_b = (g.ravel() for g in np.meshgrid(grid, grid))
    keep = (res_a + res_b <= 1.0) & (res_a <= tops[0]) & (res_b <= tops[1])
    res_a, res_b = res_a[keep], res_b[keep]
    out = concession_batch(
        res_a,
        res_b,
        exponent,
        exponent,
        max_a=tops[0],
        max_b=tops[1],
        rounds=rounds,
        first=first,
    )
    for i in range(res_a.size):
        tau = concession_crossing(res_a[i], res_b[i], exponent, max_a=tops[0], max_b=tops[1])
        assert tau is not None
        expected = math.ceil(tau * (rounds - 1))
        k = int(out.round[i])
        assert abs(k - expected) <= 1, (res_a[i], res_b[i], k, expected)
        # the agreed ratio is the proposer's offer at that round: its own target
        frac = (k / (rounds - 1)) ** (1 / exponent)
        a_proposes = (k % 2 == 0) == (first == "a")
        if a_proposes:
            want = 1 - (tops[0] - (tops[0] - res_a[i]) * frac)
        else:
            want = tops[1] - (tops[1] - res_b[i]) * frac
        assert out.ratio[i] == pytest.approx(want, abs=TIGHT)
        assert out.time[i] == pytest.approx(k / (rounds - 1), abs=TIGHT)


def test_concession_breakdown_when_reserves_leave_nothing() -> None:
    out = concession_batch([0.6, 0.5], [0.5, 0.6], 1.0, 1.0)
    assert out.round.tolist() == [-1, -1]
    assert np.isnan(out.ratio).all() and np.isnan(out.time).all()
    assert concession_crossing(0.6, 0.5, 1.0) is None


def test_concession_batch_and_loop_are_identical() -> None:
    rng = np.random.default_rng(11)
    n = 400
    top_a, top_b = rng.uniform(0.5, 1.0, (2, n))
    kwargs = {
        "max_a": top_a,
        "max_b": top_b,
        "power_a": rng.uniform(0.2, 1.0, n),
        "power_b": rng.uniform(0.2, 1.0, n),
        "lo": rng.uniform(0, 2, n),
        "hi": rng.uniform(3, 10, n),
        "rounds": 60,
    }
    res_a = top_a * rng.uniform(0.0, 0.9, n)
    res_b = top_b * rng.uniform(0.0, 0.9, n)
    e_a, e_b = np.exp(rng.uniform(-2, 2, (2, n)))
    for first, _ in MOVERS:
        fast = concession_batch(res_a, res_b, e_a, e_b, first=first, **kwargs)
        slow = concession_loop(res_a, res_b, e_a, e_b, first=first, **kwargs)
        np.testing.assert_array_equal(fast.round, slow.round)
        np.testing.assert_array_equal(fast.time, slow.time)
        np.testing.assert_allclose(fast.ratio, slow.ratio, rtol=1e-14, atol=0)
        assert (fast.round >= 0).any() and (fast.round == -1).any()


def test_concession_boulware_holds_out_for_more_and_swapping_mirrors() -> None:
    # same reserves; A is Boulware (e = 0.3), B a conceder (e = 3): A gets the lower ratio
    out = concession_batch(0.2, 0.2, 0.3, 3.0)
    assert out.round[()] >= 0 and float(out.ratio) < 0.5
    cases: list[tuple[float, float, Side, Side]] = [
        (0.3, 3.0, "a", "b"),
        (1.0, 2.0, "b", "a"),
        (0.5, 0.5, "a", "b"),
    ]
    for e_a, e_b, first, first_other in cases:
        one = concession_batch(0.2, 0.3, e_a, e_b, lo=1, hi=5, first=first)
        two = concession_batch(0.3, 0.2, e_b, e_a, lo=1, hi=5, first=first_other)
        assert int(one.round) == int(two.round)
        assert float(one.ratio) == pytest.approx(6 - float(two.ratio), abs=TIGHT)


# --- war of attrition -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "c_a,c_b,v_a,v_b",
    [(1.0, 1.0, 10.0, 10.0), (2.0, 2.0, 5.0, 5.0), (1.0, 3.0, 10.0, 6.0), (0.5, 2.0, 4.0, 20.0)],
)
def test_attrition_duration_within_four_standard_errors(
    c_a: float, c_b: float, v_a: float, v_b: float
) -> None:
    rng = np.random.default_rng(20231124)
    sample = attrition_simulate(c_a, c_b, v_a, v_b, contests=40_000, rng=rng)
    expected = float(attrition_expected_duration(c_a, c_b, v_a, v_b))
    assert expected == pytest.approx(1 / (c_a / v_a + c_b / v_b), abs=TIGHT)
    if (c_a, v_a) == (c_b, v_b):
        assert expected == pytest.approx(v_a / (2 * c_a), abs=TIGHT)
    assert abs(sample.mean - expected) < 4 * sample.stderr
    # who concedes first: A with probability rate_A / (rate_A + rate_B)
    rate_a, rate_b = (float(x) for x in attrition_rates(c_a, c_b, v_a, v_b))
    p = rate_a / (rate_a + rate_b)
    share = float(np.mean(sample.a_concedes))
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / sample.duration.size)


@pytest.mark.parametrize("quit_at", [0.5, 2.0, 10.0])
def test_attrition_rates_make_the_other_side_indifferent(quit_at: float) -> None:
    rng = np.random.default_rng(5)
    cost, value = 2.0, 8.0
    mean, se = attrition_payoff(quit_at, cost, value, cost / value, contests=40_000, rng=rng)
    assert abs(mean) < 4 * se  # equilibrium: every quitting time pays 0
    mean, se = attrition_payoff(quit_at, cost, value, 2 * cost / value, contests=40_000, rng=rng)
    assert mean > 4 * se  # if the other side quits faster, waiting pays


@pytest.mark.parametrize("c_a,c_b,v_a,v_b", [(1.0, 1.0, 10.0, 10.0), (1.0, 3.0, 10.0, 6.0)])
def test_attrition_in_days_within_four_standard_errors(
    c_a: float, c_b: float, v_a: float, v_b: float
) -> None:
    rng = np.random.default_rng(99)
    sample = attrition_simulate_days(c_a, c_b, v_a, v_b, contests=40_000, rng=rng)
    expected = float(attrition_expected_days(c_a, c_b, v_a, v_b))
    assert abs(sample.mean - expected) < 4 * sample.stderr
    q_a, q_b = (float(x) for x in attrition_daily_probabilities(c_a, c_b, v_a, v_b))
    assert q_a == pytest.approx(c_b / (v_b + c_b), abs=TIGHT)
    assert q_b == pytest.approx(c_a / (v_a + c_a), abs=TIGHT)


def test_attrition_days_tend_to_continuous_time() -> None:
    """Days of length h (cost c h each): E[days] h -> 1/(c_A/V_A + c_B/V_B) as h -> 0."""
    c_a, c_b, v_a, v_b = 1.0, 3.0, 10.0, 6.0
    limit = float(attrition_expected_duration(c_a, c_b, v_a, v_b))
    errors = [
        abs(float(attrition_expected_days(c_a * h, c_b * h, v_a, v_b)) * h - limit)
        for h in (1.0, 0.1, 0.01, 0.001)
    ]
    assert all(b < a for a, b in itertools.pairwise(errors))
    assert errors[-1] < 1e-3 * limit


def test_attrition_swapping_sides_swaps_rates() -> None:
    a, b = attrition_rates(1.0, 3.0, 10.0, 6.0)
    b2, a2 = attrition_rates(3.0, 1.0, 6.0, 10.0)
    assert (float(a), float(b)) == (float(a2), float(b2))


# --- new_ratio --------------------------------------------------------------------------------


def test_new_ratio_models_over_runs() -> None:
    res_a = np.array([3.0, 2.0, 5.0, 4.0])
    res_b = np.array([2.0, 3.0, 1.0, 4.0])
    nash = new_ratio("nash", res_a, res_b, lo=1.0, hi=6.0)
    np.testing.assert_allclose(nash, [2.5, np.nan, 3.0, np.nan], atol=TIGHT)
    rub = new_ratio("rubinstein", res_a, res_b, lo=1.0, hi=6.0, delta_a=0.9, delta_b=0.9)
    share_a = 1 / 1.9
    np.testing.assert_allclose(rub, [3 - share_a, np.nan, 5 - 4 * share_a, np.nan], atol=TIGHT)
    con = new_ratio("concession", res_a, res_b, lo=1.0, hi=6.0)
    assert np.isnan(con[[1, 3]]).all()
    assert (res_b[[0, 2]] <= con[[0, 2]]).all() and (con[[0, 2]] <= res_a[[0, 2]]).all()
    # patient sides: Rubinstein tends to the Nash midpoint
    near = new_ratio("rubinstein", res_a, res_b, lo=1.0, hi=6.0, delta_a=0.9999, delta_b=0.9999)
    np.testing.assert_allclose(near[[0, 2]], nash[[0, 2]], atol=1e-3)


@pytest.mark.parametrize("model", ["nash", "rubinstein", "concession"])
def test_new_ratio_same_levers_for_both_sides(model: Model) -> None:
    """Swap every parameter between the sides and reflect the range: the ratio reflects."""
    rng = np.random.default_rng(17)
    n = 300
    lo, hi = rng.uniform(0.5, 1.5, n), rng.uniform(4, 8, n)
    res_a, res_b = lo + (hi - lo) * rng.uniform(0, 1, (2, n))
    levers = {
        "a": {
            "power": rng.uniform(0.3, 1, n),
            "delta": rng.uniform(0.5, 0.99, n),
            "concession": np.exp(rng.uniform(-1.5, 1.5, n)),
        },
        "b": {
            "power": rng.uniform(0.3, 1, n),
            "delta": rng.uniform(0.5, 0.99, n),
            "concession": np.exp(rng.uniform(-1.5, 1.5, n)),
        },
    }
    w = rng.uniform(0.1, 0.9, n)

    def run(
        x: str, y: str, ra: np.ndarray, rb: np.ndarray, weight: np.ndarray, first: Side
    ) -> np.ndarray:
        return new_ratio(
            model,
            ra,
            rb,
            lo=lo,
            hi=hi,
            weight_a=weight,
            first=first,
            power_a=levers[x]["power"],
            power_b=levers[y]["power"],
            delta_a=levers[x]["delta"],
            delta_b=levers[y]["delta"],
            concession_a=levers[x]["concession"],
            concession_b=levers[y]["concession"],
        )

    one = run("a", "b", res_a, res_b, w, "a")
    two = run("b", "a", lo + hi - res_b, lo + hi - res_a, 1 - w, "b")
    np.testing.assert_array_equal(np.isnan(one), np.isnan(two))
    assert np.isnan(one).any() and (~np.isnan(one)).any()
    ok = ~np.isnan(one)
    np.testing.assert_allclose(lo[ok] + hi[ok] - two[ok], one[ok], rtol=0, atol=1e-9)
    assert (one[ok] >= res_b[ok] - 1e-9).all() and (one[ok] <= res_a[ok] + 1e-9).all()


# --- input validation -------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.2, -0.1, math.nan, math.inf])
def test_delta_outside_unit_interval_is_refused(bad: float) -> None:
    rule = "a finite number" if not math.isfinite(bad) else r"in the open interval \(0, 1\)"
    with pytest.raises(BadInput, match=rf"delta_a must be {rule}, got {bad!r}"):
        rubinstein_share(bad, 0.9)
    with pytest.raises(BadInput, match=rf"delta_b must be {rule}, got {bad!r} at index 1"):
        rubinstein_batch([0.9, 0.9], [0.5, bad], horizon=5)


def test_validation_messages() -> None:
    with pytest.raises(
        BadInput, match=re.escape("delta_b must be in the open interval (0, 1), got 1.5 at index 1")
    ):
        rubinstein_batch(0.9, [0.5, 1.5])
    with pytest.raises(BadInput, match=re.escape("cost_a must be positive (> 0), got -1.0")):
        attrition_expected_duration(-1.0, 1.0, 1.0, 1.0)
    with pytest.raises(BadInput, match=re.escape("value_b must be positive (> 0), got 0.0")):
        attrition_rates(1.0, 1.0, 1.0, 0.0)
    with pytest.raises(BadInput, match=re.escape("lo must be less than hi, got lo=3.0 > hi=1.0")):
        nash_bargain(3.0, 1.0, 0.0, 0.0)
    with pytest.raises(BadInput, match=re.escape("lo must be less than hi, got lo=2.0 > hi=1.0")):
        new_ratio("nash", 1.5, 1.2, lo=[0.0, 2.0], hi=[3.0, 1.0])
    with pytest.raises(BadInput, match=re.escape("lo must be less than hi, got lo = hi = 2.0")):
        concession_batch(0.1, 0.1, lo=2.0, hi=2.0)
    with pytest.raises(BadInput, match="reserve_a must be a ratio within"):
        new_ratio("nash", 7.0, 2.0, lo=1.0, hi=6.0)
    with pytest.raises(BadInput, match="model must be 'nash', 'rubinstein' or 'concession'"):
        new_ratio("auction", 3.0, 2.0, lo=1.0, hi=6.0)  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="horizon must be a whole number >= 1, got 0"):
        rubinstein_backward(0.9, 0.9, 0)
    with pytest.raises(BadInput, match="rounds must be a whole number >= 2, got 1"):
        concession_batch(0.1, 0.1, rounds=1)
    with pytest.raises(BadInput, match="exponent_b must be positive"):
        concession_loop(0.1, 0.1, 1.0, 0.0)
    with pytest.raises(BadInput, match="reserve_a must be a utility between 0 and the side's max"):
        concession_batch(0.9, 0.1, max_a=0.8)
    with pytest.raises(BadInput, match=re.escape("power_a must be in (0, 1]")):
        nash_batch(0.0, 1.0, 0.0, 0.0, power_a=1.5)
    with pytest.raises(BadInput, match=re.escape("weight_a must be in the open interval (0, 1)")):
        nash_batch(0.0, 1.0, 0.0, 0.0, weight_a=1.0)
    with pytest.raises(BadInput, match="first must be 'a' or 'b'"):
        rubinstein_share(0.9, 0.9, first="c")  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="rate_b must be positive"):
        rubinstein_limit(1.0, -2.0)
    with pytest.raises(BadInput, match="contests must be a whole number >= 2"):
        attrition_simulate(1, 1, 1, 1, contests=1, rng=np.random.default_rng(0))
    with pytest.raises(BadInput, match="disagree_a must be a finite number, got inf"):
        nash_batch(0.0, 1.0, math.inf, 0.0)
