"""One all-for-all exchange set against the scenario's sequence of phased deals.

Both face the same runs: the same captives alive, the same exchange ratio per category, the
same chance that a bargain breaks down (the draws are shared, run by run). The phased sequence
is the scenario simulated day by day. The all-for-all exchange is one bargain over every
category at once: it is reached unless that bargain breaks down (the scenario's
``bargain_breakdown``) or a bargaining model finds no zone of agreement for some category; if
reached, every live captive is released against the prisoners their exchange ratios call for,
and the pause (a ceasefire) lasts the whole horizon. Those are assumptions, printed beside the
results; they are not predictions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from truce.sim.core import CHUNK, chunk_draws, chunks, resolve_kernel
from truce.sim.run import simulate
from truce.sim.scenario import Loaded
from truce.sim.summary import _dist, summarise

ASSUMPTIONS_ALL_FOR_ALL = (
    "one bargain over every category at once: reached with probability 1 - bargain_breakdown "
    "(drawn per run as for the phased deals), and only if every bargaining model finds a zone "
    "of agreement",
    "if reached: every live captive released against the prisoners their categories' exchange "
    "ratios call for, and a pause for the whole horizon with the scenario's aid",
)


def all_for_all(loaded: Loaded, runs: int, seed: int, kernel: str | None = None) -> dict[str, Any]:
    """The all-for-all exchange over the same runs (same seeds, same draws, as ``kernel``
    draws them) as the phased one."""
    kern = resolve_kernel(kernel)
    order = loaded.order
    terms = loaded.terms
    trucks = terms.aid.trucks_per_day if terms.aid is not None else 0
    H = loaded.scenario.scenario.horizon_days
    released, prisoners, days, aid, agreed = [], [], [], [], []
    for chunk, n in chunks(runs):
        d = chunk_draws(loaded, seed, chunk, CHUNK, kern)
        # A separate stream for the single bargain, so the shared draws stay identical.
        u = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(chunk, 1)))
        ).random(CHUNK)
        ok = (u >= d.breakdown) & (d.ratio >= 0).all(axis=0)
        rel = d.alive * ok
        released.append(rel[:, :n])
        prisoners.append((rel * np.maximum(d.ratio, 0)).sum(axis=0)[:n])
        days.append((H * ok)[:n])
        aid.append((np.floor(trucks * d.aid_frac).astype(np.int64) * H * ok)[:n])
        agreed.append(ok[:n])
    rel_all = np.concatenate(released, axis=1)
    ok_all = np.concatenate(agreed)
    return {
        "pause_days": _dist(np.concatenate(days)),
        "released": {c: float(rel_all[i].mean()) for i, c in enumerate(order)},
        "released_total": _dist(rel_all.sum(axis=0)),
        "prisoners": _dist(np.concatenate(prisoners)),
        "aid_trucks": _dist(np.concatenate(aid)),
        "stop_probability": float(1 - ok_all.mean()),
        "assumptions": list(ASSUMPTIONS_ALL_FOR_ALL),
    }


def compare_deals(loaded: Loaded, runs: int, seed: int, **kw: Any) -> dict[str, Any]:
    """Both kinds of deal, side by side, with the scenario's assumptions."""
    res = simulate(loaded, runs, seed, **kw)  # res.kernel: the kernel kw chose
    phased = summarise(loaded, res, seed)
    return {
        "scenario": phased["scenario"],
        "runs": runs,
        "seed": seed,
        "kernel": phased["kernel"],
        "phased": {
            "pause_days": phased["pause_days"],
            "released": phased["released"],
            "released_total": phased["released_total"],
            "prisoners": phased["prisoners"],
            "aid_trucks": phased["aid_trucks"],
            "stop_probability": phased["breakdown_probability"],
            "stop_reasons": phased["stop_reasons"],
        },
        "all_for_all": all_for_all(loaded, runs, seed, res.kernel),
        "assumptions": phased["assumptions"],
    }
