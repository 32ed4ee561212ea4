"""Charts of the aid route (matplotlib, Agg backend: files only, no display).

Each function writes one chart as PNG and SVG into a directory and returns the paths written.
matplotlib is optional (the ``aid`` extra) and imported only inside these functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from truce.aid.ceiling import Ceiling
from truce.aid.route import fmt
from truce.aid.whatif import LanesForTarget, WhatIfOpen
from truce.errors import MissingExtra

NOTE = "Model results from the route file's figures, not findings about any party."


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise MissingExtra("matplotlib", "aid") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, out_dir: str | Path, stem: str) -> list[Path]:
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    fig.text(0.01, 0.01, NOTE, fontsize=7, color="grey")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    paths = [d / f"{stem}.png", d / f"{stem}.svg"]
    for p in paths:
        fig.savefig(p)
    plt.close(fig)
    return paths


def plot_ceilings(results: list[Ceiling], out_dir: str | Path, title: str = "") -> list[Path]:
    """Bar chart: the ceiling of each variant, each bar labelled with its limiting elements."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(results) + 2), 4.5))
    names = [c.variant for c in results]
    values = [c.trucks_per_day for c in results]
    bars = ax.bar(names, values, color="#4c72b0")
    top = max(values, default=0.0) or 1.0
    for bar, c in zip(bars, results, strict=True):
        label = f"{fmt(c.trucks_per_day)}\n" + ("\n".join(c.limiting) or "-")
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height() + top * 0.01,
            label,
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_ylim(0, top * 1.35)
    ax.set_ylabel("ceiling (trucks/day)")
    ax.set_title(title or "Ceiling by variant (labels: ceiling and limiting nodes)", fontsize=10)
    ax.tick_params(axis="x", labelrotation=20)
    return _save(plt, fig, out_dir, "ceiling")


def plot_whatif(result: WhatIfOpen, out_dir: str | Path) -> list[Path]:
    """Step chart: the ceiling day by day with and without the node opened."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    days = [d.day for d in result.series]
    ax.step(days, [d.without_node for d in result.series], where="post", label="without", lw=2)
    ax.step(
        days,
        [d.with_node for d in result.series],
        where="post",
        label=f"with {result.node} from {result.on.isoformat()}",
        lw=2,
        ls="--",
    )
    ax.axvline(result.on, color="grey", lw=1, ls=":")
    ax.annotate(
        f"{fmt(result.before)} -> {fmt(result.after)}",
        (result.on, result.after),
        textcoords="offset points",
        xytext=(5, 5),
        fontsize=9,
    )
    ax.set_ylim(0, max([d.with_node for d in result.series] + [1.0]) * 1.2)
    ax.set_ylabel("ceiling (trucks/day)")
    ax.set_title(f"What if {result.node} opens on {result.on.isoformat()} ({result.variant})")
    ax.legend(loc="lower right")
    fig.autofmt_xdate()
    return _save(plt, fig, out_dir, "what-if")


def plot_lanes(result: LanesForTarget, out_dir: str | Path) -> list[Path]:
    """Bars per node: lanes now and needed; hours now and needed (none: cannot)."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 4.5))
    names = [n.node for n in result.nodes]
    x = list(range(len(names)))
    w = 0.38
    ax1.bar([i - w / 2 for i in x], [n.lanes for n in result.nodes], w, label="now")
    ax1.bar(
        [i + w / 2 for i in x],
        [n.lanes_needed or 0 for n in result.nodes],
        w,
        label="needed",
    )
    ax2.bar([i - w / 2 for i in x], [n.hours for n in result.nodes], w, label="now")
    ax2.bar(
        [i + w / 2 for i in x],
        [n.hours_needed or 0 for n in result.nodes],
        w,
        label="needed",
    )
    for i, n in enumerate(result.nodes):
        if n.lanes_needed is None:
            ax1.text(i + w / 2, 0, "cannot:\n" + "\n".join(n.blocked_by), fontsize=7, ha="center")
        if n.hours_needed is None:
            ax2.text(
                i + w / 2, 0, "cannot:\n" + "\n".join(n.hours_blocked_by), fontsize=7, ha="center"
            )
    for ax, what in ((ax1, "lanes"), (ax2, "hours open a day")):
        ax.set_xticks(x, names)
        ax.set_ylabel(what)
        ax.legend()
    ax2.set_ylim(0, 24.5)
    fig.suptitle(
        f"For {fmt(result.target)} trucks/day ({result.variant}; now {fmt(result.ceiling)})",
        fontsize=10,
    )
    return _save(plt, fig, out_dir, "lanes")
