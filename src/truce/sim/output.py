"""Per-run results to Parquet or CSV: one row per run, one column per outcome and category."""

from __future__ import annotations

import csv
from pathlib import Path

from truce.errors import MissingExtra
from truce.sim.core import REASONS, Results
from truce.sim.scenario import Loaded


def columns(loaded: Loaded, res: Results) -> dict[str, list[object]]:
    """The per-run table as columns."""
    cols: dict[str, list[object]] = {
        "run": list(range(res.runs)),
        "pause_days": res.pause_days.tolist(),
        "prisoners_due": res.prisoners_due.tolist(),
        "prisoners_released": res.prisoners_released.tolist(),
        "aid_trucks": res.aid_trucks.tolist(),
        "stop_reason": [REASONS[i] for i in res.reason.tolist()],
    }
    for i, c in enumerate(loaded.order):
        cols[f"released_{c}"] = res.released[i].tolist()
    return cols


def write_results(loaded: Loaded, res: Results, path: Path) -> None:
    """Write the per-run table; the format follows the file's suffix."""
    write_columns(columns(loaded, res), path)


def write_columns(cols: dict[str, list[object]], path: Path) -> None:
    """Write a per-run table given as columns: CSV for a .csv file, else Parquet."""
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(cols)
            w.writerows(zip(*cols.values(), strict=True))
        return
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("pyarrow", "parquet") from exc
    pq.write_table(pa.table(cols), path)
