"""Bargaining models that set a new exchange ratio when the categories a deal covers run out.

Each model is solved numerically and checked (in tests/sim/test_bargain.py) against its known
closed form:

- **Nash bargaining** with a disagreement point (what each side gets if the pause ends):
  ``nash_bargain`` / ``nash_batch``, solved by bisection on the first-order condition of the
  (weighted) Nash product (Nash 1950);
- **Rubinstein alternating offers**: ``rubinstein_backward`` / ``rubinstein_batch`` solve the
  T-round game by backward induction; ``rubinstein_share`` is the infinite-horizon closed form
  and ``rubinstein_limit`` its limit as the interval between offers shrinks (Rubinstein 1982);
- **time-based concession toward a deadline**: ``concession_batch`` (NumPy over instances, the
  rounds as the loop) and ``concession_loop`` (plain Python, one instance at a time) (Faratin,
  Sierra & Jennings 1998);
- **war of attrition**: ``attrition_simulate`` / ``attrition_simulate_days`` draw contests from
  the stationary mixed-strategy equilibrium; ``attrition_expected_duration`` /
  ``attrition_expected_days`` are the closed forms (Maynard Smith 1974; Bishop & Cannings 1978;
  Hendricks, Weiss & Wilson 1988 for unequal sides);
- ``new_ratio``: the function the simulator calls, vectorised over runs.

The issue is one number, the exchange ratio ``r`` in ``[lo, hi]``. The two sides are named
neutrally and have the same levers: **side A** prefers a lower ratio, **side B** a higher one.
A side's utility is a power of its own share of the range, ``u_A(r) = ((hi - r)/(hi - lo))**p_A``
and ``u_B(r) = ((r - lo)/(hi - lo))**p_B`` with ``0 < p <= 1`` (``p = 1``: linear; ``p < 1``:
concave). These are models of bargaining, not findings about any party. See docs/bargain.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, NamedTuple

from truce.errors import BadInput, MissingExtra

try:
    import numpy as np
    import numpy.typing as npt
except ImportError:  # pragma: no cover - the sim extra is missing
    raise MissingExtra("numpy", "sim") from None

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
ArrayLike = float | int | Floats | list[float] | tuple[float, ...]
Side = Literal["a", "b"]
Model = Literal["nash", "rubinstein", "concession"]

_BISECTIONS = 200  # more than enough for bisection to reach adjacent floats on any range


# --- validation -------------------------------------------------------------------------------


def _arr(name: str, value: ArrayLike) -> Floats:
    """The input as a float64 array; refuses NaN and infinities so later checks are meaningful."""
    out = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise BadInput(f"{name} must be a finite number, got {_first_bad(out, ~np.isfinite(out))}")
    return out


def _first_bad(values: Floats, bad: Bools) -> str:
    """The first offending value (and its index for arrays), for error messages."""
    if values.ndim == 0:
        return repr(float(values))
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = index[0] if len(index) == 1 else index
    return f"{float(values[index])!r} at index {where}"


def _require(name: str, values: Floats, ok: Bools, rule: str) -> None:
    """Raise BadInput naming the rule and the first value that breaks it."""
    if not np.all(ok):
        raise BadInput(f"{name} must be {rule}, got {_first_bad(values, ~ok)}")


def _open_unit(name: str, value: ArrayLike) -> Floats:
    """A value strictly between 0 and 1 (a discount factor, a weight)."""
    out = _arr(name, value)
    _require(name, out, (out > 0) & (out < 1), "in the open interval (0, 1)")
    return out


def _positive(name: str, value: ArrayLike) -> Floats:
    """A strictly positive value (a cost, a value, a rate, an exponent)."""
    out = _arr(name, value)
    _require(name, out, out > 0, "positive (> 0)")
    return out


def _power(name: str, value: ArrayLike) -> Floats:
    """A utility exponent: 0 < p <= 1 keeps utilities concave, so each model has one solution."""
    out = _arr(name, value)
    _require(name, out, (out > 0) & (out <= 1), "in (0, 1] (1: linear utility, < 1: concave)")
    return out


def _range(lo: ArrayLike, hi: ArrayLike) -> tuple[Floats, Floats]:
    """The ratio range [lo, hi]; lo must be below hi."""
    lo_a, hi_a = _arr("lo", lo), _arr("hi", hi)
    ok = np.broadcast_to(lo_a < hi_a, np.broadcast_shapes(lo_a.shape, hi_a.shape))
    if not np.all(ok):
        bad = np.argwhere(~ok)
        idx = tuple(int(i) for i in bad[0]) if ok.ndim else ()
        lo_v = float(np.broadcast_to(lo_a, ok.shape)[idx])
        hi_v = float(np.broadcast_to(hi_a, ok.shape)[idx])
        raise BadInput(
            f"lo must be less than hi, got lo={lo_v!r} > hi={hi_v!r}"
            if lo_v > hi_v
            else f"lo must be less than hi, got lo = hi = {lo_v!r}"
        )
    return lo_a, hi_a


def _side(first: str) -> Side:
    """The first mover, 'a' or 'b'."""
    if first not in ("a", "b"):
        raise BadInput(f"first must be 'a' or 'b', got {first!r}")
    return "a" if first == "a" else "b"


def _count(name: str, value: int, minimum: int) -> int:
    """A whole number of rounds or contests, at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise BadInput(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _scalar(values: Floats) -> float:
    """A 0-d result as a Python float."""
    return float(values.reshape(-1)[0])


# --- 1. Nash bargaining -----------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """A bargained ratio and what each side's utility is there."""

    ratio: float
    utility_a: float
    utility_b: float


@dataclass(frozen=True)
class Breakdown:
    """No agreement: why (the pause ends; each side gets its disagreement value)."""

    reason: str


def utilities(
    ratio: ArrayLike,
    lo: ArrayLike = 0.0,
    hi: ArrayLike = 1.0,
    power_a: ArrayLike = 1.0,
    power_b: ArrayLike = 1.0,
) -> tuple[Floats, Floats]:
    """Each side's utility at a ratio (A's falls and B's rises with r), for checks and reports."""
    lo_a, hi_a = _range(lo, hi)
    r = _arr("ratio", ratio)
    span = hi_a - lo_a
    s_a = np.clip((hi_a - r) / span, 0.0, 1.0)
    s_b = np.clip((r - lo_a) / span, 0.0, 1.0)
    return (
        np.asarray(s_a ** _power("power_a", power_a), dtype=np.float64),
        np.asarray(s_b ** _power("power_b", power_b), dtype=np.float64),
    )


def _nash_interval(
    lo: Floats, hi: Floats, d_a: Floats, d_b: Floats, p_a: Floats, p_b: Floats
) -> tuple[Floats, Floats]:
    """The ratios where both sides gain over disagreement: (r_low, r_high), empty if r_low >= r_high."""
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        need_b = np.where(d_b > 0, np.maximum(d_b, 0.0) ** (1.0 / p_b), 0.0)
        need_a = np.where(d_a > 0, np.maximum(d_a, 0.0) ** (1.0 / p_a), 0.0)
    return lo + span * need_b, hi - span * need_a


def nash_batch(
    lo: ArrayLike,
    hi: ArrayLike,
    disagree_a: ArrayLike,
    disagree_b: ArrayLike,
    *,
    power_a: ArrayLike = 1.0,
    power_b: ArrayLike = 1.0,
    weight_a: ArrayLike = 0.5,
) -> Floats:
    """Nash bargaining ratio per instance (NaN where no ratio improves on disagreement for both).

    Maximises ``(u_A - d_A)**w * (u_B - d_B)**(1 - w)`` over the ratios where both gains are
    positive, by bisection on the sign of the first-order condition (the log of the product is
    strictly concave there, so the sign changes once). ``w = weight_a`` is side A's bargaining
    power (0.5: the symmetric Nash solution); ``d_A, d_B`` are the utilities if the pause ends.
    """
    lo_a, hi_a = _range(lo, hi)
    d_a, d_b = _arr("disagree_a", disagree_a), _arr("disagree_b", disagree_b)
    p_a, p_b = _power("power_a", power_a), _power("power_b", power_b)
    w = _open_unit("weight_a", weight_a)
    lo_a, hi_a, d_a, d_b, p_a, p_b, w = np.broadcast_arrays(lo_a, hi_a, d_a, d_b, p_a, p_b, w)
    left, right = _nash_interval(lo_a, hi_a, d_a, d_b, p_a, p_b)
    feasible = left < right
    left = np.where(feasible, left, lo_a)
    right = np.where(feasible, right, hi_a)
    span = hi_a - lo_a
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for _ in range(_BISECTIONS):
            mid = 0.5 * (left + right)
            s_a = (hi_a - mid) / span
            s_b = (mid - lo_a) / span
            gain_a = s_a**p_a - d_a
            gain_b = s_b**p_b - d_b
            slope_a = -p_a * s_a ** (p_a - 1.0)  # d u_A / d r, times span
            slope_b = p_b * s_b ** (p_b - 1.0)
            # sign of d/dr [w log gain_a + (1-w) log gain_b], multiplied by gain_a * gain_b > 0
            rising = w * slope_a * gain_b + (1.0 - w) * slope_b * gain_a > 0
            left = np.where(rising, mid, left)
            right = np.where(rising, right, mid)
    ratio = 0.5 * (left + right)
    return np.asarray(np.where(feasible, ratio, np.nan), dtype=np.float64)


def nash_bargain(
    lo: float,
    hi: float,
    disagree_a: float,
    disagree_b: float,
    *,
    power_a: float = 1.0,
    power_b: float = 1.0,
    weight_a: float = 0.5,
) -> Agreement | Breakdown:
    """The Nash bargaining ratio of one negotiation, with both utilities, or why there is none."""
    ratio = _scalar(
        nash_batch(
            lo, hi, disagree_a, disagree_b, power_a=power_a, power_b=power_b, weight_a=weight_a
        )
    )
    if math.isnan(ratio):
        left, right = _nash_interval(
            _arr("lo", lo),
            _arr("hi", hi),
            _arr("disagree_a", disagree_a),
            _arr("disagree_b", disagree_b),
            _arr("power_a", power_a),
            _arr("power_b", power_b),
        )
        return Breakdown(
            "no ratio improves on the end of the pause for both sides: side A gains only "
            f"below {_scalar(right):.6g}, side B only above {_scalar(left):.6g}"
        )
    u_a, u_b = utilities(ratio, lo, hi, power_a, power_b)
    return Agreement(ratio, _scalar(u_a), _scalar(u_b))


# --- 2. Rubinstein alternating offers ---------------------------------------------------------


class Shares(NamedTuple):
    """Each side's share of the surplus (they sum to 1)."""

    a: float
    b: float


def rubinstein_batch(
    delta_a: ArrayLike,
    delta_b: ArrayLike,
    *,
    horizon: int | None = None,
    first: Side = "a",
) -> tuple[Floats, Floats]:
    """Subgame-perfect shares (A's, B's) over arrays of discount factors (broadcast together).

    ``horizon=None``: the infinite game, ``(1 - delta_B)/(1 - delta_A delta_B)`` to the first
    proposer. ``horizon=T``: backward induction on the T-round game, in which the proposer of
    round T takes everything, and in each earlier round the proposer offers the responder the
    discounted share the responder would get as proposer in the next round.
    """
    d_a, d_b = np.broadcast_arrays(_open_unit("delta_a", delta_a), _open_unit("delta_b", delta_b))
    mover = _side(first)
    d_first, d_second = (d_a, d_b) if mover == "a" else (d_b, d_a)
    if horizon is None:
        proposer = (1.0 - d_second) / (1.0 - d_first * d_second)
    else:
        rounds = _count("horizon", horizon, 1)
        proposer = np.ones_like(d_a)  # the proposer's share in the last round
        for t in range(rounds - 1, 0, -1):  # rounds are 1-based; round t's responder discounts
            proposer = 1.0 - (d_second if t % 2 == 1 else d_first) * proposer
    proposer = np.asarray(proposer, dtype=np.float64)
    other = np.asarray(1.0 - proposer, dtype=np.float64)
    return (proposer, other) if mover == "a" else (other, proposer)


def rubinstein_share(delta_a: float, delta_b: float, *, first: Side = "a") -> Shares:
    """Infinite-horizon Rubinstein shares (closed form) for one pair of discount factors."""
    a, b = rubinstein_batch(delta_a, delta_b, first=first)
    return Shares(_scalar(a), _scalar(b))


def rubinstein_backward(
    delta_a: float, delta_b: float, rounds: int, *, first: Side = "a"
) -> Shares:
    """Shares in the subgame-perfect equilibrium of the ``rounds``-round game (backward induction)."""
    a, b = rubinstein_batch(delta_a, delta_b, horizon=rounds, first=first)
    return Shares(_scalar(a), _scalar(b))


def rubinstein_interval(
    rate_a: float, rate_b: float, interval: float, *, first: Side = "a"
) -> Shares:
    """Shares when offers are ``interval`` apart and side i discounts at ``exp(-rate_i * interval)``."""
    r_a, r_b = _positive("rate_a", rate_a), _positive("rate_b", rate_b)
    dt = _positive("interval", interval)
    return rubinstein_share(float(np.exp(-r_a * dt)), float(np.exp(-r_b * dt)), first=first)


def rubinstein_limit(rate_a: float, rate_b: float) -> Shares:
    """Shares as the interval between offers shrinks to 0: ``r_B/(r_A + r_B)`` to A (no first mover)."""
    r_a, r_b = float(_positive("rate_a", rate_a)), float(_positive("rate_b", rate_b))
    return Shares(r_b / (r_a + r_b), r_a / (r_a + r_b))


# --- 3. Time-based concession toward a deadline -----------------------------------------------


@dataclass(frozen=True)
class Concession:
    """Per instance: the agreement round (-1: none by the deadline), its time and ratio (NaN: none)."""

    round: Ints
    time: Floats
    ratio: Floats


def _concession_inputs(
    reserve_a: ArrayLike,
    reserve_b: ArrayLike,
    exponent_a: ArrayLike,
    exponent_b: ArrayLike,
    max_a: ArrayLike,
    max_b: ArrayLike,
    power_a: ArrayLike,
    power_b: ArrayLike,
    lo: ArrayLike,
    hi: ArrayLike,
) -> list[Floats]:
    """Validated, broadcast concession inputs (targets are utilities in [0, 1])."""
    lo_a, hi_a = _range(lo, hi)
    m_a, m_b = _arr("max_a", max_a), _arr("max_b", max_b)
    res_a, res_b = _arr("reserve_a", reserve_a), _arr("reserve_b", reserve_b)
    for name, top in (("max_a", m_a), ("max_b", m_b)):
        _require(name, top, (top >= 0) & (top <= 1), "a utility in [0, 1]")
    out = np.broadcast_arrays(
        res_a,
        res_b,
        _positive("exponent_a", exponent_a),
        _positive("exponent_b", exponent_b),
        m_a,
        m_b,
        _power("power_a", power_a),
        _power("power_b", power_b),
        lo_a,
        hi_a,
    )
    for name, res, top in (("reserve_a", out[0], out[4]), ("reserve_b", out[1], out[5])):
        _require(name, res, (res >= 0) & (res <= top), "a utility between 0 and the side's max")
    return [np.asarray(v, dtype=np.float64) for v in out]


def concession_batch(
    reserve_a: ArrayLike,
    reserve_b: ArrayLike,
    exponent_a: ArrayLike = 1.0,
    exponent_b: ArrayLike = 1.0,
    *,
    max_a: ArrayLike = 1.0,
    max_b: ArrayLike = 1.0,
    power_a: ArrayLike = 1.0,
    power_b: ArrayLike = 1.0,
    lo: ArrayLike = 0.0,
    hi: ArrayLike = 1.0,
    rounds: int = 100,
    deadline: float = 1.0,
    first: Side = "a",
) -> Concession:
    """Time-based concession over many negotiations at once (NumPy over instances; rounds loop).

    Round k (0-based) is at time ``t = deadline * k/(rounds - 1)``. Each side's target utility is
    ``max - (max - reserve) * (t/deadline)**(1/e)`` (``e < 1``: Boulware, holds out; ``e > 1``:
    conceder; ``e = 1``: linear). The proposer (``first`` in even rounds, the other side in odd
    ones) offers the ratio that gives it exactly its target; the other side accepts if that
    gives it at least its own current target. The first accepted offer is the agreement.
    """
    n = _count("rounds", rounds, 2)
    deadline_v = float(_positive("deadline", deadline))
    res_a, res_b, e_a, e_b, m_a, m_b, p_a, p_b, lo_a, hi_a = _concession_inputs(
        reserve_a, reserve_b, exponent_a, exponent_b, max_a, max_b, power_a, power_b, lo, hi
    )
    span = hi_a - lo_a
    agreed_round = np.full(res_a.shape, -1, dtype=np.int64)
    ratio = np.full(res_a.shape, np.nan, dtype=np.float64)
    open_ = np.ones(res_a.shape, dtype=np.bool_)
    a_first = _side(first) == "a"
    for k in range(n):
        tau = k / (n - 1)
        target_a = m_a - (m_a - res_a) * tau ** (1.0 / e_a)
        target_b = m_b - (m_b - res_b) * tau ** (1.0 / e_b)
        if (k % 2 == 0) == a_first:  # A proposes: its share gives it exactly target_a
            share_a = target_a ** (1.0 / p_a)
            accept = (1.0 - share_a) ** p_b >= target_b
            offer = hi_a - span * share_a
        else:
            share_b = target_b ** (1.0 / p_b)
            accept = (1.0 - share_b) ** p_a >= target_a
            offer = lo_a + span * share_b
        new = open_ & accept
        agreed_round[new] = k
        ratio[new] = offer[new]
        open_ &= ~accept
        if not open_.any():
            break
    time = np.where(agreed_round >= 0, deadline_v * agreed_round / (n - 1), np.nan)
    return Concession(agreed_round, np.asarray(time, dtype=np.float64), ratio)


def concession_loop(
    reserve_a: ArrayLike,
    reserve_b: ArrayLike,
    exponent_a: ArrayLike = 1.0,
    exponent_b: ArrayLike = 1.0,
    *,
    max_a: ArrayLike = 1.0,
    max_b: ArrayLike = 1.0,
    power_a: ArrayLike = 1.0,
    power_b: ArrayLike = 1.0,
    lo: ArrayLike = 0.0,
    hi: ArrayLike = 1.0,
    rounds: int = 100,
    deadline: float = 1.0,
    first: Side = "a",
) -> Concession:
    """The same model as ``concession_batch``, one instance at a time in plain Python (a baseline)."""
    n = _count("rounds", rounds, 2)
    deadline_v = float(_positive("deadline", deadline))
    cols = _concession_inputs(
        reserve_a, reserve_b, exponent_a, exponent_b, max_a, max_b, power_a, power_b, lo, hi
    )
    shape = cols[0].shape
    rows = zip(*(c.reshape(-1).tolist() for c in cols), strict=True)
    a_first = _side(first) == "a"
    out_round: list[int] = []
    out_ratio: list[float] = []
    for res_a, res_b, e_a, e_b, m_a, m_b, p_a, p_b, lo_v, hi_v in rows:
        span = hi_v - lo_v
        found, value = -1, math.nan
        for k in range(n):
            tau = k / (n - 1)
            target_a = m_a - (m_a - res_a) * tau ** (1.0 / e_a)
            target_b = m_b - (m_b - res_b) * tau ** (1.0 / e_b)
            if (k % 2 == 0) == a_first:
                share_a = target_a ** (1.0 / p_a)
                if (1.0 - share_a) ** p_b >= target_b:
                    found, value = k, hi_v - span * share_a
                    break
            else:
                share_b = target_b ** (1.0 / p_b)
                if (1.0 - share_b) ** p_a >= target_a:
                    found, value = k, lo_v + span * share_b
                    break
        out_round.append(found)
        out_ratio.append(value)
    agreed = np.asarray(out_round, dtype=np.int64).reshape(shape)
    time = np.where(agreed >= 0, deadline_v * agreed / (n - 1), np.nan)
    return Concession(
        agreed,
        np.asarray(time, dtype=np.float64),
        np.asarray(out_ratio, dtype=np.float64).reshape(shape),
    )


def concession_crossing(
    reserve_a: float, reserve_b: float, exponent: float, *, max_a: float = 1.0, max_b: float = 1.0
) -> float | None:
    """Closed-form agreement time (as a fraction of the deadline) for linear utilities, equal e.

    With linear utilities on a pie, an offer is acceptable exactly when the two targets sum to at
    most 1. The sum is ``M - (M - R) * tau**(1/e)`` with ``M = max_a + max_b`` and
    ``R = reserve_a + reserve_b``, so ``tau* = ((M - 1)/(M - R))**e`` (0 if ``M <= 1``; None if
    ``R > 1``: the reserves leave nothing to agree on).
    """
    total_max, total_res = max_a + max_b, reserve_a + reserve_b
    if total_max <= 1.0:
        return 0.0
    if total_res > 1.0:
        return None
    return float(((total_max - 1.0) / (total_max - total_res)) ** exponent)


# --- 4. War of attrition ----------------------------------------------------------------------


def _attrition_inputs(
    cost_a: ArrayLike, cost_b: ArrayLike, value_a: ArrayLike, value_b: ArrayLike
) -> tuple[Floats, Floats, Floats, Floats]:
    """Positive costs (per day of no agreement) and values (of winning), broadcast together."""
    c_a, c_b = _positive("cost_a", cost_a), _positive("cost_b", cost_b)
    v_a, v_b = _positive("value_a", value_a), _positive("value_b", value_b)
    out = np.broadcast_arrays(c_a, c_b, v_a, v_b)
    return out[0], out[1], out[2], out[3]


def attrition_rates(
    cost_a: ArrayLike, cost_b: ArrayLike, value_a: ArrayLike, value_b: ArrayLike
) -> tuple[Floats, Floats]:
    """Each side's equilibrium hazard of conceding: A's is ``c_B/V_B``, B's is ``c_A/V_A``.

    A side concedes at the rate that leaves the *other* side indifferent between conceding and
    waiting: waiting dt costs ``c dt`` and wins ``V`` with probability ``rate dt``.
    """
    c_a, c_b, v_a, v_b = _attrition_inputs(cost_a, cost_b, value_a, value_b)
    return np.asarray(c_b / v_b, dtype=np.float64), np.asarray(c_a / v_a, dtype=np.float64)


def attrition_expected_duration(
    cost_a: ArrayLike, cost_b: ArrayLike, value_a: ArrayLike, value_b: ArrayLike
) -> Floats:
    """Closed-form expected time to the first concession: ``1/(c_A/V_A + c_B/V_B)`` (V/2c if equal)."""
    rate_a, rate_b = attrition_rates(cost_a, cost_b, value_a, value_b)
    return np.asarray(1.0 / (rate_a + rate_b), dtype=np.float64)


@dataclass(frozen=True)
class Contests:
    """Simulated contests: how long each lasted and whether side A was the one to concede."""

    duration: Floats
    a_concedes: Bools

    @property
    def mean(self) -> float:
        """Mean duration."""
        return float(np.mean(self.duration))

    @property
    def stderr(self) -> float:
        """Standard error of the mean duration (sample standard deviation / sqrt(n))."""
        return float(np.std(self.duration, ddof=1) / math.sqrt(self.duration.size))


def attrition_simulate(
    cost_a: float,
    cost_b: float,
    value_a: float,
    value_b: float,
    *,
    contests: int,
    rng: np.random.Generator,
) -> Contests:
    """Draw contests in continuous time: each side quits at an exponential time at its rate."""
    n = _count("contests", contests, 2)
    rate_a, rate_b = attrition_rates(cost_a, cost_b, value_a, value_b)
    quit_a = rng.exponential(1.0 / float(rate_a), size=n)
    quit_b = rng.exponential(1.0 / float(rate_b), size=n)
    return Contests(
        np.asarray(np.minimum(quit_a, quit_b), dtype=np.float64),
        np.asarray(quit_a < quit_b, dtype=np.bool_),
    )


def attrition_payoff(
    quit_at: float,
    cost: float,
    value: float,
    other_rate: float,
    *,
    contests: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Simulated mean payoff (and its standard error) of quitting at a fixed time.

    The other side quits at exponential times with ``other_rate``; the payoff is ``value`` if it
    quits first, minus ``cost`` per unit of time the contest lasted. In equilibrium
    (``other_rate = cost/value``) it is 0 for every ``quit_at``: the indifference behind the rates.
    """
    n = _count("contests", contests, 2)
    t = float(_arr("quit_at", quit_at))
    _require("quit_at", np.asarray(t), np.asarray(t >= 0), "non-negative")
    c, v = float(_positive("cost", cost)), float(_positive("value", value))
    other = rng.exponential(1.0 / float(_positive("other_rate", other_rate)), size=n)
    payoff = np.where(other < t, v, 0.0) - c * np.minimum(other, t)
    return float(np.mean(payoff)), float(np.std(payoff, ddof=1) / math.sqrt(n))


def attrition_daily_probabilities(
    cost_a: ArrayLike, cost_b: ArrayLike, value_a: ArrayLike, value_b: ArrayLike
) -> tuple[Floats, Floats]:
    """Discrete days: each side's equilibrium chance of conceding at the start of a day.

    A day in which neither concedes costs each side its ``c``; if both concede on the same day,
    neither wins. B is indifferent if ``q_A V_B - (1 - q_A) c_B = 0``, so ``q_A = c_B/(V_B + c_B)``
    (and ``q_B = c_A/(V_A + c_A)``); as days shrink this tends to the continuous rate ``c_B/V_B``.
    """
    c_a, c_b, v_a, v_b = _attrition_inputs(cost_a, cost_b, value_a, value_b)
    return (
        np.asarray(c_b / (v_b + c_b), dtype=np.float64),
        np.asarray(c_a / (v_a + c_a), dtype=np.float64),
    )


def attrition_expected_days(
    cost_a: ArrayLike, cost_b: ArrayLike, value_a: ArrayLike, value_b: ArrayLike
) -> Floats:
    """Closed-form expected number of full days before the first concession (geometric)."""
    q_a, q_b = attrition_daily_probabilities(cost_a, cost_b, value_a, value_b)
    stay = (1.0 - q_a) * (1.0 - q_b)
    return np.asarray(stay / (1.0 - stay), dtype=np.float64)


def attrition_simulate_days(
    cost_a: float,
    cost_b: float,
    value_a: float,
    value_b: float,
    *,
    contests: int,
    rng: np.random.Generator,
) -> Contests:
    """Draw discrete-day contests: each side's full days before conceding are geometric."""
    n = _count("contests", contests, 2)
    q_a, q_b = attrition_daily_probabilities(cost_a, cost_b, value_a, value_b)
    days_a = rng.geometric(float(q_a), size=n) - 1
    days_b = rng.geometric(float(q_b), size=n) - 1
    return Contests(
        np.asarray(np.minimum(days_a, days_b), dtype=np.float64),
        np.asarray(days_a <= days_b, dtype=np.bool_),
    )


# --- 5. The simulator's entry point -----------------------------------------------------------


def new_ratio(
    model: Model,
    reserve_a: ArrayLike,
    reserve_b: ArrayLike,
    *,
    lo: ArrayLike,
    hi: ArrayLike,
    power_a: ArrayLike = 1.0,
    power_b: ArrayLike = 1.0,
    weight_a: ArrayLike = 0.5,
    delta_a: ArrayLike = 0.95,
    delta_b: ArrayLike = 0.95,
    horizon: int | None = None,
    concession_a: ArrayLike = 1.0,
    concession_b: ArrayLike = 1.0,
    rounds: int = 100,
    first: Side = "a",
) -> Floats:
    """The bargained exchange ratio per run (NaN: breakdown), when the covered categories run out.

    Inputs (arrays broadcast together, one element per simulated run):

    - ``reserve_a``: the highest ratio side A accepts; ``reserve_b``: the lowest side B accepts.
      Both lie in ``[lo, hi]``, the range of ratios on the table. There is something to agree on
      only if ``reserve_b < reserve_a``; otherwise the result is NaN (breakdown: the pause ends).
    - ``model="nash"``: utilities ``u_A = ((hi - r)/(hi - lo))**power_a`` and
      ``u_B = ((r - lo)/(hi - lo))**power_b``; the disagreement point is each side's utility at
      its reservation ratio; ``weight_a`` is A's bargaining power (0.5: symmetric).
    - ``model="rubinstein"``: the zone ``[reserve_b, reserve_a]`` is split by alternating offers
      with discount factors ``delta_a, delta_b`` per round (``first`` proposes; ``horizon=None``:
      the infinite game, else that many rounds). A's share ``s`` gives
      ``r = reserve_a - s * (reserve_a - reserve_b)``.
    - ``model="concession"``: each side opens at its end of ``[lo, hi]`` and concedes toward its
      reservation ratio by the deadline with exponent ``concession_a`` / ``concession_b`` over
      ``rounds`` rounds (utilities as for Nash).

    Output: a float64 array of ratios with the broadcast shape of the inputs.
    """
    if model not in ("nash", "rubinstein", "concession"):
        raise BadInput(f"model must be 'nash', 'rubinstein' or 'concession', got {model!r}")
    lo_a, hi_a = _range(lo, hi)
    res_a, res_b = _arr("reserve_a", reserve_a), _arr("reserve_b", reserve_b)
    for name, res in (("reserve_a", res_a), ("reserve_b", res_b)):
        inside = (res >= lo_a) & (res <= hi_a)
        _require(name, np.broadcast_to(res, inside.shape), inside, "a ratio within [lo, hi]")
    zone = res_b < res_a
    if model == "rubinstein":
        share_a, _ = rubinstein_batch(delta_a, delta_b, horizon=horizon, first=first)
        ratio = res_a - share_a * (res_a - res_b)
        return np.asarray(np.where(zone, ratio, np.nan), dtype=np.float64)
    p_a, p_b = _power("power_a", power_a), _power("power_b", power_b)
    d_a = utilities(res_a, lo_a, hi_a, p_a, p_b)[0]  # utility if the pause ends: at reservation
    d_b = utilities(res_b, lo_a, hi_a, p_a, p_b)[1]
    if model == "nash":
        ratio = nash_batch(lo_a, hi_a, d_a, d_b, power_a=p_a, power_b=p_b, weight_a=weight_a)
    else:
        ratio = concession_batch(
            np.minimum(d_a, 1.0),
            np.minimum(d_b, 1.0),
            concession_a,
            concession_b,
            power_a=p_a,
            power_b=p_b,
            lo=lo_a,
            hi=hi_a,
            rounds=rounds,
            first=first,
        ).ratio
    return np.asarray(np.where(zone, ratio, np.nan), dtype=np.float64)


__all__ = [
    "Agreement",
    "Breakdown",
    "Concession",
    "Contests",
    "Shares",
    "attrition_daily_probabilities",
    "attrition_expected_days",
    "attrition_expected_duration",
    "attrition_payoff",
    "attrition_rates",
    "attrition_simulate",
    "attrition_simulate_days",
    "concession_batch",
    "concession_crossing",
    "concession_loop",
    "nash_bargain",
    "nash_batch",
    "new_ratio",
    "rubinstein_backward",
    "rubinstein_batch",
    "rubinstein_interval",
    "rubinstein_limit",
    "rubinstein_share",
    "utilities",
]
