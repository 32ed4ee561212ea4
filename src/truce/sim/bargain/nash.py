"""Nash bargaining with a disagreement point (Nash 1950).

``nash_batch`` solves many negotiations at once by bisection on the first-order condition of the
(weighted) Nash product; ``nash_bargain`` solves one and says why there is no agreement when no
ratio improves on disagreement for both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from truce.errors import MissingExtra
from truce.sim.bargain.common import (
    ArrayLike,
    Floats,
    _arr,
    _open_unit,
    _power,
    _range,
    _scalar,
    utilities,
)

try:
    import numpy as np
except ImportError:  # pragma: no cover - the sim extra is missing
    raise MissingExtra("numpy", "sim") from None

_BISECTIONS = 200  # more than enough for bisection to reach adjacent floats on any range


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
