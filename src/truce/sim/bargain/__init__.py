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

One module per model (``nash``, ``rubinstein``, ``concession``, ``attrition``), the
simulator's entry point in ``ratio`` and the shared types, validation and utilities in
``common``; every public name is re-exported here, so ``from truce.sim.bargain import X``
is the way to use them.
"""

from __future__ import annotations

from truce.sim.bargain.attrition import (
    Contests,
    attrition_daily_probabilities,
    attrition_expected_days,
    attrition_expected_duration,
    attrition_payoff,
    attrition_rates,
    attrition_simulate,
    attrition_simulate_days,
)
from truce.sim.bargain.common import ArrayLike, Bools, Floats, Ints, Side, utilities
from truce.sim.bargain.concession import (
    Concession,
    concession_batch,
    concession_crossing,
    concession_loop,
)
from truce.sim.bargain.nash import Agreement, Breakdown, nash_bargain, nash_batch
from truce.sim.bargain.ratio import Model, new_ratio
from truce.sim.bargain.rubinstein import (
    Shares,
    rubinstein_backward,
    rubinstein_batch,
    rubinstein_interval,
    rubinstein_limit,
    rubinstein_share,
)

__all__ = [
    "Agreement",
    "ArrayLike",
    "Bools",
    "Breakdown",
    "Concession",
    "Contests",
    "Floats",
    "Ints",
    "Model",
    "Shares",
    "Side",
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
