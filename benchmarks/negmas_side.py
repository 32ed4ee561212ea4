"""The NegMAS half of benchmarks/negotiation.py: run time-based concession negotiations in NegMAS.

Runs in the benchmark-only NegMAS environment (``.venv-negmas``, see
benchmarks/requirements-negmas.txt), never in the project's: NegMAS is AGPL and is not a
dependency of truce. benchmarks/negotiation.py starts it as a subprocess.

Input (JSON on stdin, or a file named as the first argument)::

    {"clock": "truce" | "negmas", "instances": [
        {"grid": 10001, "lo": 0.0, "hi": 1.0, "rounds": 100, "first": "a",
         "reserve_a": 0.3, "reserve_b": 0.2, "exponent_a": 1.0, "exponent_b": 2.0,
         "max_a": 1.0, "max_b": 1.0}, ...]}

Each instance is one bilateral negotiation over the exchange ratio, discretised to ``grid``
equally spaced ratios ``lo + (hi - lo) * i / (grid - 1)`` (one NegMAS issue, the index ``i``).
Side A's utility is linear and falls with the ratio (``1 - i/(grid - 1)``), side B's rises
(``i/(grid - 1)``); ``reserve_*`` are the reserved values (utilities), ``exponent_*`` the
concession exponents ``e`` and ``max_*`` the opening utilities.

Each side is a ``negmas.sao.negotiators.TimeBasedConcedingNegotiator`` (deterministic:
``stochastic=False``) whose curve is NegMAS's ``PolyAspiration`` with exponent ``1/e``. NegMAS
scales that curve between the reserved value and the best utility, so the aspiration is
``R + (1 - R) * m * (1 - t**(1/e))``; ``m = (max - R)/(1 - R)`` makes it truce's
``max - (max - R) * t**(1/e)``. The negotiator offers the outcome with the lowest utility at or
above its aspiration (``worst_in`` of NegMAS's exact presorting inverse utility function) and
accepts an offer whose utility is at or above its aspiration. ``eps=0``: no tolerance either way.

``clock``: ``"truce"`` (the benchmark) puts NegMAS's curves on truce's clock: SAO step ``s`` is
round ``s``, at time ``s/(rounds - 1)``, and an offer is judged at the time it was made (truce's
responder answers within the round). NegMAS's own clock differs: relative time at step ``s`` is
``(s + 1)/(n_steps + 1)``, and the responder judges the offer one step later, at its own next
turn. The shim (``TruceClock``) only maps NegMAS's relative time back to the step and evaluates
the same ``PolyAspiration`` at truce's time; offering, accepting and the protocol are NegMAS's.
The mechanism gets ``rounds + 1`` steps so that the offer of the last round is answered.
``"negmas"`` uses the ``PolyAspiration`` on NegMAS's own clock with ``n_steps = rounds``
(for the record of how far the unaligned models are apart).

Output (JSON on stdout): ``{"negmas": version, "seconds": wall time of all negotiations,
"results": [[index or null, round or -1], ...]}``: the agreed grid index and the round
(0-based, truce's numbering) of the accepted offer.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import negmas
from negmas.negotiators.helpers import Aspiration, PolyAspiration
from negmas.outcomes import make_issue, make_os
from negmas.preferences import AffineUtilityFunction
from negmas.sao import SAOMechanism
from negmas.sao.negotiators import TimeBasedConcedingNegotiator


class TruceClock(Aspiration):
    """A NegMAS ``PolyAspiration`` read on truce's clock (round k at time k/(rounds - 1)).

    NegMAS passes the mechanism's relative time ``(step + 1)/(n_steps + 1)``; the step is
    recovered from it exactly (it is a ratio of small integers) and ``lag`` steps are taken off
    (1 for accepting: the offer being judged was made in the previous step).
    """

    def __init__(self, curve: PolyAspiration, rounds: int, n_steps: int, lag: int) -> None:
        self.curve = curve
        self.rounds = rounds
        self.n_steps = n_steps
        self.lag = lag

    def utility_at(self, t: float) -> float:
        step = round(t * (self.n_steps + 1)) - 1 - self.lag
        k = min(max(step, 0), self.rounds - 1)
        return self.curve.utility_at(k / (self.rounds - 1))


def negotiate(spec: dict[str, Any], clock: str) -> tuple[int | None, int]:
    """One negotiation: (agreed grid index or None, round of the accepted offer or -1)."""
    grid, rounds = int(spec["grid"]), int(spec["rounds"])
    issue = make_issue(grid, "ratio")  # values 0 .. grid - 1
    space = make_os([issue])
    n_steps = rounds + 1 if clock == "truce" else rounds
    mech = SAOMechanism(outcome_space=space, n_steps=n_steps, one_offer_per_step=True)
    step_u = 1.0 / (grid - 1)
    sides = {}
    for side, weight, bias in (("a", -step_u, 1.0), ("b", step_u, 0.0)):
        reserve, top = float(spec[f"reserve_{side}"]), float(spec[f"max_{side}"])
        ufun = AffineUtilityFunction(
            [weight], bias=bias, outcome_space=space, reserved_value=reserve
        )
        poly = PolyAspiration(
            (top - reserve) / (1.0 - reserve), 1.0 / float(spec[f"exponent_{side}"])
        )
        if clock == "truce":
            offering: Aspiration = TruceClock(poly, rounds, n_steps, lag=0)
            accepting: Aspiration = TruceClock(poly, rounds, n_steps, lag=1)
        else:
            offering = accepting = poly
        sides[side] = TimeBasedConcedingNegotiator(
            name=side,
            offering_curve=offering,
            accepting_curve=accepting,
            stochastic=False,
            eps=0.0,
            ufun=ufun,
        )
    first = spec.get("first", "a")
    for side in (first, "b" if first == "a" else "a"):
        mech.add(sides[side])
    state = mech.run()
    if state.agreement is None:
        return None, -1
    # the accepted offer is the last one made; its step is truce's round
    return int(state.agreement[0]), int(mech.extended_trace[-1][0])


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        with open(argv[1], encoding="utf-8") as f:
            data = json.load(f)
    else:
        data = json.load(sys.stdin)
    clock = data.get("clock", "truce")
    if clock not in ("truce", "negmas"):
        raise SystemExit(f"clock must be 'truce' or 'negmas', got {clock!r}")
    instances = data["instances"]
    results: list[list[int | None]] = []
    t0 = time.perf_counter()
    for spec in instances:
        index, k = negotiate(spec, clock)
        results.append([index, k])
    seconds = time.perf_counter() - t0
    out = {"negmas": negmas.__version__, "seconds": seconds, "results": results}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
