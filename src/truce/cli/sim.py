"""`truce simulate`, `sweep` and `compare-deals`: thin layers over truce.sim."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from truce.cli.common import app, out, runs_bar
from truce.cli.sim_staged import render_staged, render_staged_comparison
from truce.errors import BadInput


@contextmanager
def bar_from_first_report(label: str, total: int, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar over runs that appears at the first report (so that a scenario file that
    does not load is reported before any bar)."""
    with ExitStack() as stack:
        advance: Callable[[int], None] | None = None

        def progress(n: int) -> None:
            nonlocal advance
            if advance is None:
                advance = stack.enter_context(runs_bar(label, total, quiet))
            advance(n)

        yield progress


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="KEY=V1,V2,... or KEY=LOW:HIGH:STEPS (grid), KEY=LOW:HIGH (with --random); "
            "e.g. policy.holder.delay=0:0.2:5, pool.women.alive=0.6,0.8,1",
        ),
    ],
    random: Annotated[
        int | None, typer.Option("--random", help="Random points instead of a grid.")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="Runs per point.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Fixes the randomness.")] = 1,
    backend: Annotated[str, typer.Option("--backend", help="local | ray")] = "local",
    workers: Annotated[int, typer.Option("--workers", help="Local worker processes.")] = 1,
    address: Annotated[
        str | None, typer.Option("--address", help="An existing Ray cluster.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Heat maps (for two keys) here.")
    ] = None,
    kernel: Annotated[
        str | None,
        typer.Option(
            "--kernel",
            help="numba (compiled; the default where Numba is installed) | numpy.",
        ),
    ] = None,
) -> None:
    """Vary scenario keys over a grid or at random, as one job with one seed; a table of
    outcomes per point, and heat maps when two keys vary."""
    from truce.app.sim import sweep_scenario, sweep_size

    total = runs * sweep_size(vary, random, seed)
    written: list[Path] = []
    with runs_bar("sweeping", total, quiet=as_json) as advance:
        result = sweep_scenario(
            scenario,
            vary,
            runs,
            seed,
            random,
            backend=backend,
            workers=workers,
            address=address,
            progress=advance,
            charts_dir=plot,
            on_charts=written.extend,
            kernel=kernel,
        )
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
        return
    rows = result.points
    keys = list(rows[0].point) if rows else []
    t = Table(*keys, "pause days", "released", "prisoners", "stop prob.")
    for r in rows:
        t.add_row(
            *(f"{r.point[k]:g}" for k in keys),
            f"{r.pause_days_mean:.2f}",
            f"{r.released_mean:.1f}",
            f"{r.prisoners_mean:,.0f}",
            f"{r.breakdown_probability:.1%}",
        )
    out.print(f"{len(rows)} points x {runs:,} runs, seed {seed} (the same runs at every point)")
    out.print(t)
    if written:
        out.print(f"charts: {', '.join(escape(str(p)) for p in written)}")


@app.command("compare-deals")
def compare_deals_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    runs: Annotated[int, typer.Option("--runs", help="Number of simulated runs.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Fixes the randomness.")] = 1,
    workers: Annotated[int, typer.Option("--workers", help="Local worker processes.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    kernel: Annotated[
        str | None,
        typer.Option(
            "--kernel",
            help="numba (compiled; the default where Numba is installed) | numpy.",
        ),
    ] = None,
) -> None:
    """One all-for-all exchange against the scenario's sequence of phased deals: releases on
    each side by category, pause days, aid, and how often each stops before the end."""
    from truce.app.sim import compare_deals, compare_staged_deals, is_staged

    if is_staged(scenario):
        staged = compare_staged_deals(scenario, runs, seed, workers=workers)
        c = staged.model_dump(mode="json")
        if as_json:
            sys.stdout.write(json.dumps(c, indent=2) + "\n")
        else:
            render_staged_comparison(out, c)
        return
    c = compare_deals(scenario, runs, seed, workers=workers, kernel=kernel).model_dump(mode="json")
    if as_json:
        sys.stdout.write(json.dumps(c, indent=2) + "\n")
    else:
        render_comparison(out, c)


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    runs: Annotated[int, typer.Option("--runs", help="Number of simulated runs.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Fixes the randomness.")] = 1,
    backend: Annotated[str, typer.Option("--backend", help="local | ray")] = "local",
    workers: Annotated[int, typer.Option("--workers", help="Local worker processes.")] = 1,
    address: Annotated[
        str | None, typer.Option("--address", help="An existing Ray cluster (ray backend).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write charts (PNG and SVG) here.")
    ] = None,
    results: Annotated[
        Path | None,
        typer.Option("--out", help="Write per-run results: .parquet or .csv."),
    ] = None,
    kernel: Annotated[
        str | None,
        typer.Option(
            "--kernel",
            help="numba (compiled; the default where Numba is installed) | numpy.",
        ),
    ] = None,
) -> None:
    """How a deal plays out under uncertainty: pause length, releases on each side, aid,
    and how often and why the talks stop, with the assumptions printed beside them."""
    from truce.app.sim import is_staged, simulate_scenario, simulate_staged_scenario

    if is_staged(scenario):
        if plot is not None or backend != "local":
            raise BadInput(
                "--plot and --backend ray are not available for terms with stages yet",
                where=str(scenario),
            )
        with bar_from_first_report("simulating", runs, quiet=as_json) as advance:
            staged = simulate_staged_scenario(
                scenario, runs, seed, workers=workers, progress=advance, results_file=results
            )
        doc = staged.model_dump(mode="json")
        if as_json:
            sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        else:
            render_staged(out, doc)
        return
    written: list[Path] = []
    with bar_from_first_report("simulating", runs, quiet=as_json) as advance:
        result = simulate_scenario(
            scenario,
            runs,
            seed,
            backend=backend,
            workers=workers,
            address=address,
            progress=advance,
            results_file=results,
            charts_dir=plot,
            on_charts=written.extend,
            kernel=kernel,
        )
    summary = result.model_dump(mode="json")
    if plot is not None and not as_json:
        out.print(f"charts: {', '.join(escape(str(p)) for p in written)}")
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        render(out, summary)


def render_comparison(out: Console, c: dict[str, Any]) -> None:
    """Phased deals and one all-for-all exchange side by side, assumptions underneath."""
    out.print(f"[bold]{escape(c['scenario'])}[/]: {c['runs']:,} runs, seed {c['seed']}")
    t = Table("mean (95% CI of mean)", "phased deals", "all-for-all exchange")

    def cell(d: dict[str, float]) -> str:
        return f"{d['mean']:,.1f} ({d['mean_low']:,.1f} - {d['mean_high']:,.1f})"

    ph, aa = c["phased"], c["all_for_all"]
    for key, label in (
        ("pause_days", "pause days"),
        ("released_total", "captives released (live)"),
        ("prisoners", "prisoners released"),
        ("aid_trucks", "aid trucks"),
    ):
        t.add_row(label, cell(ph[key]), cell(aa[key]))
    for cat in ph["released"]:
        t.add_row(f"  {escape(cat)}", f"{ph['released'][cat]:,.2f}", f"{aa['released'][cat]:,.2f}")
    t.add_row(
        "probability it stops before the end",
        f"{ph['stop_probability']:.1%}",
        f"{aa['stop_probability']:.1%}",
    )
    out.print(t)
    out.print(
        "[bold]assumptions[/]: the same runs (captives alive, exchange ratios) for both deals"
    )
    for line in aa["assumptions"]:
        out.print(f"  all-for-all: {escape(line)}")
    a = c["assumptions"]
    for cat, p in a["pool"].items():
        out.print(
            f"  {escape(cat)}: {p['count']} held, alive {escape(json.dumps(p['alive']))}, "
            f"exchange ratio {escape(json.dumps(p['exchange_ratio']))}"
        )


def render(out: Console, s: dict[str, Any]) -> None:
    """The summary as tables, assumptions beside the results."""
    out.print(
        f"[bold]{escape(s['scenario'])}[/]: {s['runs']:,} runs, seed {s['seed']}, "
        f"{s['kernel']} kernel"
    )
    t = Table("", "mean", "95% CI of mean", "p05", "p50", "p95")

    def row(name: str, d: dict[str, float]) -> None:
        t.add_row(
            name,
            f"{d['mean']:,.2f}",
            f"{d['mean_low']:,.2f} - {d['mean_high']:,.2f}",
            f"{d['p05']:,.0f}",
            f"{d['p50']:,.0f}",
            f"{d['p95']:,.0f}",
        )

    row("pause days", s["pause_days"])
    row("captives released (live)", s["released_total"])
    row("prisoners released", s["prisoners"])
    row("aid trucks", s["aid_trucks"])
    out.print(t)
    dist = sorted(s["pause_days"]["distribution"].items(), key=lambda kv: -kv[1])[:8]
    shares = ", ".join(f"{d} days {p:.1%}" for d, p in sorted(dist, key=lambda kv: int(kv[0])))
    out.print(f"share of runs by pause length (most frequent): {shares}")
    cats = ", ".join(f"{c} {v:,.2f}" for c, v in s["released"].items())
    out.print(f"captives released by category (mean): {escape(cats)}")
    out.print(f"probability the talks stop before the horizon: {s['breakdown_probability']:.1%}")
    for why, p in s["stop_reasons"].items():
        out.print(f"  {why}: {p:.1%}")
    a = s["assumptions"]
    out.print("[bold]assumptions[/] (the same levers for both sides):")
    out.print(
        f"  terms {escape(a['terms'])}, horizon {a['horizon_days']} days, when covered categories run out: {a['on_exhausted']}"
    )
    for c, p in a["pool"].items():
        out.print(
            f"  {escape(c)}: {p['count']} held, alive {escape(json.dumps(p['alive']))}, exchange ratio {escape(json.dumps(p['exchange_ratio']))}"
        )
    for side in ("holder", "receiver"):
        levers = {k: v for k, v in a[side].items() if k not in ("note", "source")}
        out.print(f"  {side}: {escape(json.dumps(levers))}")
