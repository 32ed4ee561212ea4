"""Per-run results of a staged simulation as a table: one row per run; per stage whether it
began and how many days it lasted; per batch both sides (captives handed over, prisoners due and
released, empty where the due is unknown, late and short)."""

from __future__ import annotations

import math

from truce.sim.staged import StagedResults, plan
from truce.sim.staged_scenario import StagedLoaded


def _known(values: list[float]) -> list[object]:
    """NaN (an unknown due) as an empty cell."""
    return [None if math.isnan(v) else v for v in values]


def staged_columns(loaded: StagedLoaded, res: StagedResults) -> dict[str, list[object]]:
    """The per-run table as columns (stage and batch ids from the terms)."""
    p = plan(loaded)
    cols: dict[str, list[object]] = {"run": list(range(res.runs))}
    for k, st in enumerate(p.stages):
        cols[f"{st.id}.began"] = res.began[k].tolist()
        cols[f"{st.id}.days"] = (res.stage_hours[k] / 24).tolist()
    for j, b in enumerate(p.batches):
        cols[f"{b.id}.captives"] = res.handed[j].sum(axis=0).tolist()
        cols[f"{b.id}.prisoners_due"] = _known(res.due[j].tolist())
        cols[f"{b.id}.prisoners_released"] = _known(res.released[j].tolist())
        for i, side in enumerate(("holder", "receiver")):
            cols[f"{b.id}.{side}_late"] = res.late[i, j].tolist()
            cols[f"{b.id}.{side}_short"] = res.short[i, j].tolist()
    return cols
