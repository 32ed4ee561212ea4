"""Rubinstein alternating offers (Rubinstein 1982).

``rubinstein_batch`` / ``rubinstein_backward`` solve the T-round game by backward induction;
``rubinstein_share`` is the infinite-horizon closed form, ``rubinstein_interval`` the game with
offers a fixed time apart, and ``rubinstein_limit`` its limit as that interval shrinks.
"""

from __future__ import annotations

from typing import NamedTuple

from truce.errors import MissingExtra
from truce.sim.bargain.common import (
    ArrayLike,
    Floats,
    Side,
    _count,
    _open_unit,
    _positive,
    _scalar,
    _side,
)

try:
    import numpy as np
except ImportError:  # pragma: no cover - the sim extra is missing
    raise MissingExtra("numpy", "sim") from None


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
