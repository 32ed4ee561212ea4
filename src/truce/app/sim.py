"""The simulator's use cases, one function each: plain typed arguments in, typed results out
(truce.app.sim_schemas). The CLI calls them today; the service and the briefings will call the
same functions.

The figures are those truce.sim computes, untouched: the schemas only type them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from truce.app.sim_schemas import CompareDealsOut, ExchangeRow, SimulateOut, SweepOut
from truce.app.sim_staged_schemas import CompareStagedOut, SimulateStagedOut
from truce.errors import BadInput

Progress = Callable[[int], None]
"""Called with the number of runs just finished."""

Charts = Callable[[list[Path]], None]
"""Called with the chart files written."""


def _with_day_keys(pause_days: dict[str, Any]) -> dict[str, Any]:
    """The pause-length distribution keyed by strings, as JSON prints it."""
    return pause_days | {"distribution": {str(k): v for k, v in pause_days["distribution"].items()}}


def simulate_scenario(
    path: Path,
    runs: int,
    seed: int,
    *,
    workers: int = 1,
    backend: str = "local",
    address: str | None = None,
    progress: Progress | None = None,
    results_file: Path | None = None,
    charts_dir: Path | None = None,
    on_charts: Charts | None = None,
    kernel: str | None = None,
) -> SimulateOut:
    """Simulate a scenario file ``runs`` times: pause length, releases on each side, aid, how
    often and why the talks stop, and the assumptions. ``progress`` is told 0 once the scenario
    has loaded, then the runs as they finish. Optionally write the per-run results
    (``results_file``: .parquet or .csv) and charts (``charts_dir``; ``on_charts`` is told
    which files were written). ``kernel``: "numba" or "numpy" (``None``: numba where
    installed)."""
    from truce.sim.run import simulate
    from truce.sim.scenario import load_scenario
    from truce.sim.summary import summarise

    loaded = load_scenario(path)
    if results_file is not None and results_file.suffix.lower() not in (".parquet", ".csv"):
        raise BadInput("expected a .parquet or .csv file", param="out")
    if progress is not None:
        progress(0)  # loaded: the runs start
    res = simulate(
        loaded,
        runs,
        seed,
        backend=backend,
        workers=workers,
        address=address,
        progress=progress,
        kernel=kernel,
    )
    doc = summarise(loaded, res, seed)
    if results_file is not None:
        from truce.sim.output import write_results

        write_results(loaded, res, results_file)
    if charts_dir is not None:
        from truce.sim.plot import charts

        written = charts(loaded, res, charts_dir)
        if on_charts is not None:
            on_charts(written)
    return SimulateOut.model_validate(doc | {"pause_days": _with_day_keys(doc["pause_days"])})


def scenario_terms_digest(path: Path) -> str:
    """The digest of the terms a scenario file names (a briefing checks it is its ledger's); a
    staged scenario's too (its terms have [[stage]] tables)."""
    from truce.sim.scenario import load_any

    return load_any(path).terms.digest()


def sweep_size(vary: list[str], random: int | None, seed: int) -> int:
    """How many points a sweep has (``vary`` as `truce sweep --vary` takes it)."""
    from truce.sim.sweep import parse_vary, points

    return len(points([parse_vary(v) for v in vary], random, seed))


def sweep_scenario(
    path: Path,
    vary: list[str],
    runs: int,
    seed: int,
    random: int | None = None,
    *,
    workers: int = 1,
    backend: str = "local",
    address: str | None = None,
    progress: Progress | None = None,
    charts_dir: Path | None = None,
    on_charts: Charts | None = None,
    kernel: str | None = None,
) -> SweepOut:
    """Vary scenario keys (``KEY=V1,V2,...``, ``KEY=LOW:HIGH:STEPS``, or ``KEY=LOW:HIGH`` with
    ``random`` points) as one job with one seed: the headline outcomes per point. Heat maps in
    ``charts_dir`` when two keys vary."""
    from truce.sim.sweep import heatmaps, parse_vary, run_sweep, table

    varies = [parse_vary(v) for v in vary]
    variants, results = run_sweep(
        path,
        varies,
        runs,
        seed,
        random,
        backend=backend,
        workers=workers,
        address=address,
        progress=progress,
        kernel=kernel,
    )
    rows = table(variants, results)
    if charts_dir is not None:
        written = heatmaps(rows, charts_dir)
        if on_charts is not None:
            on_charts(written)
    return SweepOut.model_validate(
        {"runs_per_point": runs, "seed": seed, "kernel": results[0].kernel, "points": rows}
    )


def compare_deals(
    path: Path, runs: int, seed: int, *, workers: int = 1, kernel: str | None = None
) -> CompareDealsOut:
    """One all-for-all exchange against the scenario's sequence of phased deals, on the same
    runs: releases, pause days, aid, and how often each stops before the end."""
    from truce.sim.compare import compare_deals as compare
    from truce.sim.scenario import load_scenario

    doc = compare(load_scenario(path), runs, seed, workers=workers, kernel=kernel)
    phased = doc["phased"] | {"pause_days": _with_day_keys(doc["phased"]["pause_days"])}
    return CompareDealsOut.model_validate(doc | {"phased": phased})


def is_staged(path: Path) -> bool:
    """Whether a scenario file's terms have stages ([[stage]] tables): `truce simulate` and
    `truce compare-deals` then run the staged model (a bad file is reported by the call that
    loads it)."""
    from truce.sim.scenario import ScenarioError, staged_terms
    from truce.tomlfile import read_toml

    try:
        doc = read_toml(path, ScenarioError, "scenario file")
    except BadInput:
        return False
    return staged_terms(doc, path) is not None


def _staged(path: Path) -> Any:
    from truce.sim.scenario import load_any
    from truce.sim.staged_scenario import StagedLoaded

    loaded = load_any(path)
    if not isinstance(loaded, StagedLoaded):
        raise BadInput("the scenario's terms have no [[stage]] tables", where=str(path))
    return loaded


def simulate_staged_scenario(
    path: Path,
    runs: int,
    seed: int,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    results_file: Path | None = None,
) -> SimulateStagedOut:
    """Simulate a scenario whose terms have stages ``runs`` times: per stage and batch, both
    sides' releases against what was due and by when, late and short batches, whether the next
    stage opens, how long each stage lasted, with the assumptions. NumPy kernel only.
    Optionally write the per-run results (``results_file``: .parquet or .csv)."""
    from truce.sim.staged import simulate_staged
    from truce.sim.staged_summary import summarise_staged

    loaded = _staged(path)
    if results_file is not None and results_file.suffix.lower() not in (".parquet", ".csv"):
        raise BadInput("expected a .parquet or .csv file", param="out")
    if progress is not None:
        progress(0)
    res = simulate_staged(loaded, runs, seed, workers=workers)
    if progress is not None:
        progress(runs)
    if results_file is not None:
        from truce.sim.output import write_columns
        from truce.sim.staged_output import staged_columns

        write_columns(staged_columns(loaded, res), results_file)
    return SimulateStagedOut.model_validate(summarise_staged(loaded, res, seed))


def compare_staged_deals(path: Path, runs: int, seed: int, *, workers: int = 1) -> CompareStagedOut:
    """The terms' stages against one all-at-once exchange of every captive they schedule, on
    the same runs and draws."""
    from truce.sim.staged_summary import compare_staged

    return CompareStagedOut.model_validate(compare_staged(_staged(path), runs, seed, workers))


def past_exchanges() -> list[ExchangeRow]:
    """The packaged, sourced table of past exchanges, with the derived A-per-B ratios."""
    from truce.sim.exchanges import load_exchanges

    return [ExchangeRow.model_validate(e.to_dict()) for e in load_exchanges()]
