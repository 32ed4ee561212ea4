"""What a user reads after simulating terms with stages: per stage and per batch, both sides'
releases against what was due and by when, late and short batches per side, whether the next
stage opens, how long each stage lasted; and the all-at-once comparison. A due that is unknown
(no sourced price) is reported as unknown, with what was released against it."""

from __future__ import annotations

from typing import Any

import numpy as np

from truce.sim.staged import AllAtOnce, Plan, StagedResults, all_at_once, plan, simulate_staged
from truce.sim.staged_scenario import BatchLevers, StagedLoaded
from truce.sim.summary import _dist, _spec

KERNEL_NOTE = (
    "staged terms run on the NumPy kernel (vectorised over runs); there is no compiled kernel "
    "for them, and --kernel does not change that"
)
MODEL = (
    "with every lever at 0 each batch is handed over in full at its deadline, and the prisoners "
    "answering it are released in full at theirs: the schedule exactly",
    "a stage day is the local calendar day from the stage's start (as the terms count it)",
    "the receiver's deadline for a batch is the terms' prisoners_due_within_hours after the "
    "actual handover",
    'a due is unknown where a part of the batch has no price (a category priced "unknown" '
    "with no assumed price, bodies, captives of no given category): what the receiver releases "
    "for it is then unknown too",
    "no side reacts to the other's departures: each batch's levers are drawn on their own",
)
ALL_AT_ONCE = (
    "one exchange of every captive the stages schedule (conditional stages included), agreed "
    "unless either side ends the talks, drawn as at the first stage's next event (the same draw)",
    "handed over at the first batch's deadline, with the holder's draws for the first batch "
    "(delay, hold, under-delivery applied to every part); the prisoners due are the sum of each "
    "batch's due by the same rules, answered with the receiver's draws for the first batch",
)


def _maybe(x: np.ndarray) -> dict[str, float] | None:
    """A distribution over the runs where ``x`` is known (not NaN); None if it never is."""
    known = x[~np.isnan(x)]
    return _dist(known) if known.size else None


def _captives(p: Plan, handed: np.ndarray) -> dict[str, Any]:
    """Captives handed over (``handed``: [parts, runs]): living, bodies, not split, total."""
    living = p.living()
    return {
        "living": _dist((handed * living[:, None]).sum(axis=0)),
        "bodies": _dist(handed[-2]),
        "not_split": _dist(handed[-1]),
        "total": _dist(handed.sum(axis=0)),
    }


def _prisoners(due: np.ndarray, released: np.ndarray) -> dict[str, Any]:
    """Prisoners over batches (``due``, ``released``: [batches, runs], NaN unknown)."""
    unknown = np.isnan(due).any(axis=0)
    return {
        "due": _maybe(np.where(unknown, np.nan, np.nansum(due, axis=0))),
        "released": _maybe(np.where(unknown, np.nan, np.nansum(released, axis=0))),
        "due_unknown": float(unknown.mean()),
        "due_known_part": _dist(np.nansum(due, axis=0)),
        "released_known_part": _dist(np.nansum(released, axis=0)),
    }


def _sides(x: np.ndarray) -> dict[str, dict[str, float]]:
    """Batches per run per side (``x``: [2, batches, runs] or [2, runs])."""
    counts = x.sum(axis=1) if x.ndim == 3 else x.astype(int)
    return {"holder": _dist(counts[0]), "receiver": _dist(counts[1])}


def _levers(lev: BatchLevers) -> dict[str, Any]:
    """A side's levers as plain values (ranges as {low, high}; unset notes left out)."""
    return {
        k: _spec(getattr(lev, k)) for k in BatchLevers.model_fields if getattr(lev, k) is not None
    }


def assumptions(loaded: StagedLoaded) -> dict[str, Any]:
    """Every input the results rest on."""
    scn, terms = loaded.scenario, loaded.terms
    assumed = {a.category for a in scn.assumed_price}
    return {
        "terms": scn.scenario.terms,
        "holder": _levers(scn.levers.holder),
        "receiver": _levers(scn.levers.receiver),
        "batch_mix": {m.id: m.model_dump(mode="json", exclude_none=True) for m in scn.batch},
        "assumed_prices": {
            a.category: a.model_dump(mode="json", exclude_none=True) for a in scn.assumed_price
        },
        "unknown_prices": [
            c.id
            for c in terms.categories
            if c.prisoners_per_captive == "unknown" and c.id not in assumed
        ],
        "model": [*MODEL, KERNEL_NOTE],
    }


def summarise_staged(loaded: StagedLoaded, res: StagedResults, seed: int) -> dict[str, Any]:
    """The summary as plain data (the --json output of `truce simulate` for staged terms)."""
    p = plan(loaded)
    stages = []
    for k, st in enumerate(p.stages):
        began = res.began[k]
        idx = [j for j, b in enumerate(p.batches) if b.stage == k]
        upto = [j for j, b in enumerate(p.batches) if b.stage <= k]
        nxt = None
        if st.has_next:
            base = began.sum()
            ended = res.next_ended[k]

            def share(mask: np.ndarray, base: int = int(base)) -> float:
                return float(mask.sum() / base) if base else 0.0

            nxt = {
                "happened": share(began & ~ended.any(axis=0)),
                "holder_ended": share(ended[0]),
                "receiver_ended": share(ended[1]),
            }
        batches = []
        for j in idx:
            b = p.batches[j]
            batches.append(
                {
                    "id": b.id,
                    "due_by_hours": b.due_by,
                    "captives": {
                        "due": b.scheduled,
                        "released": _dist(res.handed[j].sum(axis=0)),
                        "late": float(res.late[0, j].mean()),
                        "short": float(res.short[0, j].mean()),
                    },
                    "prisoners": {
                        "due": _maybe(res.due[j]),
                        "due_unknown": float(np.isnan(res.due[j]).mean()),
                        "released": _maybe(res.released[j]),
                        "due_within_hours": b.within_hours,
                        "late": float(res.late[1, j].mean()),
                        "short": float(res.short[1, j].mean()),
                    },
                }
            )
        bfb = None
        if st.bodies_for_bodies is not None:
            bfb = {
                "received": _dist(res.bodies_received[k]),
                "due": _dist(res.bodies_due[k]),
                "returned": _dist(res.bodies_returned[k]),
                "holder_late": float(res.bodies_late[0, k].mean()),
                "holder_short": float(res.bodies_short[0, k].mean()),
                "receiver_late": float(res.bodies_late[1, k].mean()),
                "receiver_short": float(res.bodies_short[1, k].mean()),
            }
        stages.append(
            {
                "id": st.id,
                "conditional": st.conditional,
                "began": float(began.mean()),
                "days": _maybe(np.where(began, res.stage_hours[k] / 24, np.nan)),
                "next_event": nxt,
                "captives_by_end": _captives(p, res.handed[upto].sum(axis=0)),
                "batches": batches,
                "bodies_for_bodies": bfb,
            }
        )
    return {
        "scenario": loaded.scenario.scenario.name,
        "runs": res.runs,
        "seed": seed,
        "kernel": "numpy",
        "stages": stages,
        "captives_released": _captives(p, res.handed.sum(axis=0)),
        "prisoners": _prisoners(res.due, res.released),
        "batches_late": _sides(res.late),
        "batches_short": _sides(res.short),
        "assumptions": assumptions(loaded),
    }


def _outcome(p: Plan, res: StagedResults | AllAtOnce) -> dict[str, Any]:
    """The headline outcomes of one kind of deal, the same keys for both."""
    if isinstance(res, AllAtOnce):
        return {
            "captives_released": _captives(p, res.handed),
            "prisoners": _prisoners(res.due, res.released),
            "days": _dist(res.hours / 24),
            "batches_late": _sides(res.late),
            "batches_short": _sides(res.short),
            "stop_probability": float(1 - res.agreed.mean()),
        }
    starts = np.array([st.starts for st in p.stages])[:, None]
    last = np.where(res.began, starts + res.stage_hours, 0.0).max(axis=0)
    return {
        "captives_released": _captives(p, res.handed.sum(axis=0)),
        "prisoners": _prisoners(res.due, res.released),
        "days": _dist(last / 24),
        "batches_late": _sides(res.late),
        "batches_short": _sides(res.short),
        "stop_probability": float(1 - res.began.all(axis=0).mean()),
    }


def compare_staged(loaded: StagedLoaded, runs: int, seed: int, workers: int = 1) -> dict[str, Any]:
    """The staged deal against one all-at-once exchange, on the same runs and draws."""
    p = plan(loaded)
    staged = simulate_staged(loaded, runs, seed, workers=workers)
    once = all_at_once(loaded, runs, seed)
    return {
        "scenario": loaded.scenario.scenario.name,
        "runs": runs,
        "seed": seed,
        "kernel": "numpy",
        "staged": _outcome(p, staged),
        "all_at_once": _outcome(p, once) | {"assumptions": list(ALL_AT_ONCE)},
        "assumptions": assumptions(loaded),
    }
