"""Parameter sweeps: a grid (or random points) over any numeric scenario key, run as one job
with the same seed for every point, so points differ only by what was changed."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np

from truce.errors import BadInput
from truce.sim.core import Results
from truce.sim.run import simulate_many
from truce.sim.scenario import Loaded, load_scenario


def parse_vary(spec: str) -> tuple[str, list[float] | tuple[float, float]]:
    """``KEY=V1,V2,...`` (the values), ``KEY=LOW:HIGH:STEPS`` (evenly spaced) or
    ``KEY=LOW:HIGH`` (a range for random points)."""
    key, sep, values = spec.partition("=")
    if not sep or not key or not values:
        raise BadInput(f"expected KEY=V1,V2,... or KEY=LOW:HIGH:STEPS, got {spec!r}", param="vary")
    try:
        if ":" in values:
            parts = [float(x) for x in values.split(":")]
            if len(parts) == 2:
                return key, (parts[0], parts[1])
            if len(parts) == 3 and parts[2] >= 2 and parts[2] == int(parts[2]):
                return key, [float(x) for x in np.linspace(parts[0], parts[1], int(parts[2]))]
            raise ValueError
        return key, [float(x) for x in values.split(",")]
    except ValueError:
        raise BadInput(
            f"{spec!r}: values must be numbers: V1,V2,..., LOW:HIGH:STEPS (STEPS >= 2) or LOW:HIGH",
            param="vary",
        ) from None


def points(
    varies: list[tuple[str, list[float] | tuple[float, float]]], random: int | None, seed: int
) -> list[dict[str, float]]:
    """The sweep's points: the grid of listed values, or ``random`` points drawn uniformly."""
    if not varies:
        raise BadInput("give at least one KEY=... to vary", param="vary")
    if random is not None:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1 << 30,)))
        out = []
        for _ in range(random):
            p: dict[str, float] = {}
            for key, vals in varies:
                if isinstance(vals, tuple):
                    p[key] = round(float(rng.uniform(vals[0], vals[1])), 6)
                else:
                    p[key] = float(rng.choice(vals))
            out.append(p)
        return out
    ranged = [k for k, v in varies if isinstance(v, tuple)]
    if ranged:
        raise BadInput(
            f"{', '.join(ranged)}: LOW:HIGH is for random points; for a grid give LOW:HIGH:STEPS",
            param="vary",
        )
    keys = [k for k, _ in varies]
    grids = [v for _, v in varies if isinstance(v, list)]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grids)]


def run_sweep(
    path: Path,
    varies: list[tuple[str, list[float] | tuple[float, float]]],
    runs: int,
    seed: int,
    random: int | None = None,
    **kw: Any,
) -> tuple[list[Loaded], list[Results]]:
    """Load every point (each is validated like a scenario file) and simulate them together."""
    variants = [load_scenario(path, p) for p in points(varies, random, seed)]
    return variants, simulate_many(variants, runs, seed, **kw)


def table(variants: list[Loaded], results: list[Results]) -> list[dict[str, Any]]:
    """One row per point: what was set, and the headline outcomes."""
    rows = []
    for v, r in zip(variants, results, strict=True):
        stopped = (r.reason != 0) & (r.reason != 5)
        rows.append(
            {
                "point": v.overrides,
                "pause_days_mean": float(r.pause_days.mean()),
                "pause_days_p50": float(np.percentile(r.pause_days, 50)),
                "released_mean": float(r.released.sum(axis=0).mean()),
                "prisoners_mean": float(r.prisoners_released.mean()),
                "aid_trucks_mean": float(r.aid_trucks.mean()),
                "breakdown_probability": float(stopped.mean()),
            }
        )
    return rows


def heatmaps(rows: list[dict[str, Any]], directory: Path) -> list[Path]:
    """For a two-key grid: heat maps of mean pause days and of the breakdown probability."""
    keys = list(rows[0]["point"]) if rows else []
    if len(keys) != 2:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = sorted({r["point"][keys[0]] for r in rows})
    ys = sorted({r["point"][keys[1]] for r in rows})
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for metric, label in (
        ("pause_days_mean", "mean pause days"),
        ("breakdown_probability", "probability the talks stop"),
    ):
        grid = np.full((len(ys), len(xs)), np.nan)
        for r in rows:
            grid[ys.index(r["point"][keys[1]]), xs.index(r["point"][keys[0]])] = r[metric]
        fig, ax = plt.subplots(figsize=(6.5, 5))
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(xs)), [f"{x:g}" for x in xs])
        ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
        ax.set_xlabel(keys[0])
        ax.set_ylabel(keys[1])
        ax.set_title(label, fontsize=10)
        fig.colorbar(im, ax=ax)
        for ext in ("png", "svg"):
            p = directory / f"sweep-{metric.replace('_', '-')}.{ext}"
            fig.savefig(p, dpi=120, bbox_inches="tight")
            written.append(p)
        plt.close(fig)
    return written
