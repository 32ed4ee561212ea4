"""``new_ratio``: the bargained exchange ratio per run, the simulator's entry point.

It turns each run's reservation ratios into the utilities of the Nash and concession models (or
the surplus of the Rubinstein game) and returns the ratio they agree on, or NaN for a breakdown.
"""

from __future__ import annotations

from typing import Literal

from truce.errors import BadInput, MissingExtra
from truce.sim.bargain.common import (
    ArrayLike,
    Floats,
    Side,
    _arr,
    _power,
    _range,
    _require,
    utilities,
)
from truce.sim.bargain.concession import concession_batch
from truce.sim.bargain.nash import nash_batch
from truce.sim.bargain.rubinstein import rubinstein_batch

try:
    import numpy as np
except ImportError:  # pragma: no cover - the sim extra is missing
    raise MissingExtra("numpy", "sim") from None

Model = Literal["nash", "rubinstein", "concession"]


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
