"""Charts of a simulation (matplotlib, Agg): pause-length distribution, cumulative releases,
and releases on each side against days. PNG and SVG each."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from truce.errors import MissingExtra
from truce.sim.core import Results
from truce.sim.scenario import Loaded


def charts(loaded: Loaded, res: Results, directory: Path) -> list[Path]:
    """Write the charts into ``directory``; return the files written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("matplotlib", "sim") from exc
    directory.mkdir(parents=True, exist_ok=True)
    name = loaded.scenario.scenario.name
    written: list[Path] = []

    def save(fig: object, stem: str) -> None:
        for ext in ("png", "svg"):
            p = directory / f"{stem}.{ext}"
            fig.savefig(p, dpi=120, bbox_inches="tight")  # type: ignore[attr-defined]
            written.append(p)
        plt.close(fig)  # type: ignore[arg-type]

    values, counts = np.unique(res.pause_days, return_counts=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(values, counts / res.runs, color="#4477aa")
    ax.set_xlabel("pause days")
    ax.set_ylabel("share of runs")
    ax.set_title(f"Pause length ({res.runs:,} runs)\n{name}", fontsize=10)
    save(fig, "pause-days")

    days = np.arange(1, res.cum_released.shape[0] + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(days, res.cum_released / res.runs, label="captives released (holder)", color="#4477aa")
    ax.plot(
        days, res.cum_prisoners / res.runs, label="prisoners released (receiver)", color="#ee6677"
    )
    ax.set_xlabel("day")
    ax.set_ylabel("cumulative, mean over runs")
    ax.set_yscale("symlog")
    ax.legend()
    ax.set_title(f"Releases on each side against days\n{name}", fontsize=10)
    save(fig, "releases-by-day")

    fig, ax = plt.subplots(figsize=(7, 4))
    means = res.released.mean(axis=1)
    ax.bar(loaded.order, means, color="#228833")
    ax.set_ylabel("captives released, mean per run")
    ax.set_title(f"Releases by category\n{name}", fontsize=10)
    save(fig, "releases-by-category")
    return written
