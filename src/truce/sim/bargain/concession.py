"""Time-based concession toward a deadline (Faratin, Sierra & Jennings 1998).

``concession_batch`` runs many negotiations at once (NumPy over instances, the rounds as the
loop); ``concession_loop`` is the same model in plain Python, one instance at a time (a baseline);
``concession_crossing`` is the closed-form agreement time for linear utilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from truce.errors import MissingExtra
from truce.sim.bargain.common import (
    ArrayLike,
    Floats,
    Ints,
    Side,
    _arr,
    _count,
    _positive,
    _power,
    _range,
    _require,
    _side,
)

try:
    import numpy as np
except ImportError:  # pragma: no cover - the sim extra is missing
    raise MissingExtra("numpy", "sim") from None


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
