"""What a user reads after a simulation: distributions with confidence intervals, releases by
category on each side, aid, the probability that the talks stop and why, and the assumptions."""

from __future__ import annotations

from typing import Any

import numpy as np

from truce.sim.core import REASONS, Results
from truce.sim.scenario import Bargain, Loaded, Policy, Prior, Range

Z95 = 1.959963984540054


def _dist(x: np.ndarray) -> dict[str, float]:
    """Mean with a 95% interval for the mean, and the 5th, 50th and 95th percentiles."""
    x = x.astype(float)
    mean = float(x.mean())
    half = Z95 * float(x.std(ddof=1)) / np.sqrt(x.size) if x.size > 1 else 0.0
    p05, p50, p95 = (float(v) for v in np.percentile(x, [5, 50, 95]))
    return {
        "mean": mean,
        "mean_low": mean - half,
        "mean_high": mean + half,
        "p05": p05,
        "p50": p50,
        "p95": p95,
    }


def policy_levers(p: Policy) -> dict[str, Any]:
    """A side's levers as plain values, for printing beside results."""
    return p.model_dump(mode="json", exclude_none=True)


def _spec(value: object) -> object:
    if isinstance(value, Bargain):
        return value.model_dump(mode="json")
    if isinstance(value, Range):
        return {"low": value.low, "high": value.high}
    if isinstance(value, Prior):
        from truce.sim.exchanges import ratio_prior

        return {
            "prior": [
                {
                    "id": r.id,
                    "exchange_ratio": {"low": r.ratio_a_per_b()[1], "high": r.ratio_a_per_b()[2]},
                    "weight": w,
                }
                for r, w in ratio_prior(value.prior, value.weights)
            ]
        }
    return value


def summarise(loaded: Loaded, res: Results, seed: int) -> dict[str, Any]:
    """The summary as plain data (the --json output)."""
    scn = loaded.scenario
    order = loaded.order
    n = res.runs
    stopped = (res.reason != 0) & (res.reason != 5)
    reasons = {
        REASONS[i]: float(np.mean(res.reason == i))
        for i in range(len(REASONS))
        if (res.reason == i).any()
    }
    values, counts = np.unique(res.pause_days, return_counts=True)
    pools = {p.category: p for p in scn.pool}
    return {
        "scenario": scn.scenario.name,
        "runs": n,
        "seed": seed,
        "kernel": res.kernel,
        "pause_days": _dist(res.pause_days)
        | {"distribution": {int(v): float(c) / n for v, c in zip(values, counts, strict=True)}},
        "released": {c: float(res.released[i].mean()) for i, c in enumerate(order)},
        "released_total": _dist(res.released.sum(axis=0)),
        "prisoners": _dist(res.prisoners_released) | {"due_mean": float(res.prisoners_due.mean())},
        "aid_trucks": _dist(res.aid_trucks),
        "breakdown_probability": float(stopped.mean()),
        "stop_reasons": reasons,
        "assumptions": {
            "terms": scn.scenario.terms,
            "horizon_days": scn.scenario.horizon_days,
            "on_exhausted": scn.scenario.on_exhausted,
            "bargain_breakdown": _spec(scn.scenario.bargain_breakdown),
            "pool": {
                c: {
                    "count": pools[c].count,
                    "alive": _spec(pools[c].alive),
                    "exchange_ratio": _spec(pools[c].ratio)
                    if pools[c].ratio is not None
                    else str(loaded.terms.ratio(c if loaded.terms.category(c) else None)),
                    "covered_by_terms": loaded.terms.category_counts(c)
                    and loaded.terms.category(c) is not None,
                }
                for c in order
            },
            "holder": policy_levers(scn.policy.holder),
            "receiver": policy_levers(scn.policy.receiver),
            "aid_delivered_fraction": _spec(scn.aid.delivered_fraction),
        },
    }
