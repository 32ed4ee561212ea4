"""War of attrition: each day without agreement costs both sides until one concedes.

After Maynard Smith (1974) and Bishop & Cannings (1978); Hendricks, Weiss & Wilson (1988) for
unequal sides. ``attrition_simulate`` / ``attrition_simulate_days`` draw contests from the
stationary mixed-strategy equilibrium, in continuous time or in whole days;
``attrition_expected_duration`` / ``attrition_expected_days`` are the closed forms;
``attrition_payoff`` checks the indifference behind the equilibrium rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from truce.errors import MissingExtra
from truce.sim.bargain.common import (
    ArrayLike,
    Bools,
    Floats,
    _arr,
    _count,
    _positive,
    _require,
)

try:
    import numpy as np
except ImportError:  # pragma: no cover - the sim extra is missing
    raise MissingExtra("numpy", "sim") from None


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
