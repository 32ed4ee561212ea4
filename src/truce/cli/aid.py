"""`truce aid`: what an aid route can carry per variant, and what limits it (Typer + Rich).

``truce aid ROUTE`` is short for ``truce aid show ROUTE``; further subcommands (what-if, lanes)
can sit beside ``show``.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from truce.aid.ceiling import Ceiling
from truce.aid.report import MODEL_NOTE, DeliveredOut, SimulatedOut
from truce.aid.route import Route, fmt, load_route
from truce.app.aid import (
    aid_report_for,
    calibration_for,
    calibration_out,
    lanes_for,
    what_if_open,
)
from truce.app.aid_calendar import (
    aid_calendar_report,
    aid_explain,
    aid_fit_calendar,
    aid_on,
    report_out,
)
from truce.app.aid_schemas import CalendarDayOut, CalendarOut, EventOut
from truce.cli.common import app, err, out
from truce.errors import BadInput


class _DefaultToShow(TyperGroup):
    """A group whose first argument, when it is not a subcommand, is the route of ``show``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] != "--help":
            args = ["show", *args]
        return super().parse_args(ctx, args)


aid_app = typer.Typer(
    cls=_DefaultToShow,
    help="The aid route: ceilings (max trucks/day) and limiting nodes per variant. "
    "`truce aid ROUTE` is short for `truce aid show ROUTE`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def render_delivered(console: Console, rows: list[DeliveredOut]) -> None:
    """The delivered series against the commitment, day by day."""
    table = Table(title="Delivered against the commitment (terms' basis)", title_justify="left")
    for col in ("Day", "Date", "Trucks", "Commitment", "Status"):
        table.add_column(col, justify="left" if col in ("Date", "Status") else "right")
    for r in rows:
        table.add_row(
            str(r.day),
            r.date,
            "unknown" if r.trucks is None else str(r.trucks),
            str(r.commitment),
            r.status,
        )
    console.print(table)


def render_ceilings(
    console: Console,
    route: Route,
    results: list[Ceiling],
    simulated: dict[str, SimulatedOut] | None = None,
) -> None:
    """The ceilings table and, per variant, how its ceiling was reached."""
    described = {v.name: v.description or "" for v in route.variants}
    sims = simulated or {}
    console.print(f"[bold]{escape(route.route.name)}[/]")
    table = Table(title="Ceiling by variant (trucks/day)", title_justify="left")
    cols = (
        ["Variant", "Ceiling", "Limiting", "Method"]
        + (["Simulated (95% CI)"] if sims else [])
        + ["Description"]
    )
    for col in cols:
        table.add_column(
            col, justify="right" if col in ("Ceiling", "Simulated (95% CI)") else "left"
        )
    for c in results:
        sim = sims.get(c.variant)
        simulated_cell = (
            [f"{sim.mean:.1f} [{sim.low:.1f}, {sim.high:.1f}]" if sim else "-"] if sims else []
        )
        table.add_row(
            escape(c.variant),
            fmt(c.trucks_per_day),
            escape(", ".join(c.limiting) or "-"),
            c.method,
            *simulated_cell,
            escape(described.get(c.variant, "")),
        )
    console.print(table)
    for c in results:
        console.print(f"[bold]{escape(c.variant)}[/]: {fmt(c.trucks_per_day)} trucks/day")
        for line in c.explanation:
            console.print(f"  - {escape(line)}")
    console.print(f"[dim]{MODEL_NOTE}[/]")


@aid_app.command("show")
def show(
    route: Annotated[Path, typer.Argument(help="Route file (TOML).")],
    variant: Annotated[
        str | None, typer.Option("--variant", help="Only this variant. Default: every variant.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    simulate: Annotated[
        bool,
        typer.Option("--simulate/--no-simulate", help="Also run the queue simulation (SimPy)."),
    ] = True,
    days: Annotated[
        int, typer.Option("--days", min=2, help="Simulated days per replication.")
    ] = 10,
    replications: Annotated[int, typer.Option("--replications", min=2, help="Replications.")] = 6,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 0,
    ledger: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            help="A ledger directory, or a ledger file (.jsonl or .csv) with --terms: show "
            "delivered aid against the commitment.",
        ),
    ] = None,
    terms: Annotated[
        Path | None,
        typer.Option("--terms", help="The terms a ledger file is read with."),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also write the ceiling chart (PNG and SVG) into this folder; with --from/--to "
            "the calendar chart.",
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--on", help="The route on this date (its calendar): ceiling and events."),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="With --to: the calendar day by day from this date."),
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="The last date of --from.")] = None,
    fit: Annotated[
        Path | None,
        typer.Option(
            "--fit",
            help="Calendar fit file (default: route-calendar-fit.toml beside the route, if any).",
        ),
    ] = None,
    no_fit: Annotated[
        bool, typer.Option("--no-fit", help="Use the route file's figures only (no fit file).")
    ] = False,
) -> None:
    """Ceilings and limiting nodes per variant (the default: `truce aid ROUTE`); with --on or
    --from/--to, the route's calendar."""
    if on is not None or from_ is not None or to is not None:
        _calendar(
            route,
            on=on,
            from_=from_,
            to=to,
            fit=fit,
            use_fit=not no_fit,
            as_json=as_json,
            simulate=simulate,
            plot=plot,
            variant=variant,
            ledger=ledger,
        )
        return
    report = aid_report_for(
        route,
        variant=variant,
        simulate=simulate,
        days=days,
        replications=replications,
        seed=seed,
        ledger=ledger,
        terms=terms,
    )
    if plot is not None:
        from truce.aid.plot import plot_ceilings

        plot_ceilings(report.ceilings, plot, title=report.out.route)
    if as_json:
        sys.stdout.write(report.out.model_dump_json(indent=2) + "\n")
    else:
        sims = {v.name: v.simulated for v in report.out.variants if v.simulated is not None}
        render_ceilings(out, load_route(route), report.ceilings, sims if simulate else None)
        if report.out.delivered is not None:
            render_delivered(out, report.out.delivered)


@aid_app.command("calibrate")
def calibrate_cmd(
    route: Annotated[Path, typer.Argument(help="Route file (TOML).")],
    calibration: Annotated[
        Path | None,
        typer.Option(
            "--calibration",
            help="Calibration file (TOML): observed figures, periods and the parameters to fit. "
            "Default: calibration.toml beside the route file.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulations.")] = 0,
) -> None:
    """Fit the route's unverified parameters on the calibration file's fit periods; predict its
    hold-out periods without refitting."""
    import json

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from truce.aid.calibrate import render_calibration

    bar = Progress(
        TextColumn("calibrating"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task("calibrate", total=None)

    def tick(done: int, total: int) -> None:
        # started at the first step: an error reading or checking the files is printed alone
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        result = calibration_for(route, calibration, seed=seed, progress=tick)
    finally:
        if bar.live.is_started:  # stopping a bar that never started prints a blank line
            bar.stop()
    if as_json:
        sys.stdout.write(json.dumps(calibration_out(result).model_dump(), indent=2) + "\n")
    else:
        render_calibration(out, result)


def _parse_day(text: str, option: str = "--on") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"expected a date like 2023-12-17, got {text!r}", where=option) from None


def _calendar(
    route: Path,
    *,
    on: str | None,
    from_: str | None,
    to: str | None,
    fit: Path | None,
    use_fit: bool,
    as_json: bool,
    simulate: bool,
    plot: Path | None,
    variant: str | None,
    ledger: Path | None,
) -> None:
    """`truce aid ROUTE --on DATE` and `--from A --to B`."""
    import json

    if variant is not None or ledger is not None:
        raise BadInput(
            "--on and --from/--to show the route's calendar; they do not go with "
            + ("--variant" if variant is not None else "--ledger"),
            where="--on" if on is not None else "--from",
        )
    if on is not None:
        if from_ is not None or to is not None:
            raise BadInput("give --on, or --from and --to, not both", where="--on")
        day = aid_on(route, _parse_day(on), fit=fit, use_fit=use_fit)
        if as_json:
            sys.stdout.write(json.dumps(day.model_dump(mode="json"), indent=2) + "\n")
        else:
            render_day(out, day)
        return
    if from_ is None or to is None:
        raise BadInput("--from and --to go together", where="--to" if to is None else "--from")
    report, charts = aid_calendar_report(
        route,
        _parse_day(from_, "--from"),
        _parse_day(to, "--to"),
        fit=fit,
        use_fit=use_fit,
        simulate=simulate,
        plot=plot,
    )
    result = report_out(report, charts)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
    else:
        render_calendar(out, result)


def render_day(console: Console, day: CalendarDayOut) -> None:
    """One day of the calendar: the ceiling, what limits it, and the events in force."""
    console.print(
        f"[bold]{day.day.isoformat()}[/]: ceiling {fmt(day.ceiling)} trucks/day "
        f"({fmt(day.unchanged)} without the day's events)"
    )
    console.print(f"  {escape(day.why)}")
    if day.fitted:
        shown = ", ".join(
            f"{k} {'no limit' if v is None else fmt(v)}" for k, v in day.fitted.items()
        )
        console.print(f"  fitted values applied: {escape(shown)}")
    for e in day.events:
        console.print(f"  event ({escape(_when(e))}): {escape(e.effect)}")
        console.print(f"    source: {escape(e.source)}")
        if e.disputed:
            console.print(f"    disputed: {escape(e.disputed)}")
    for line in day.explanation:
        console.print(f"  - {escape(line)}")
    console.print(f"[dim]{MODEL_NOTE}[/]")


def _when(e: EventOut) -> str:
    from truce.aid.daily.days import when

    return when(e.on, e.until, e.weekdays)


def render_calendar(console: Console, c: CalendarOut) -> None:
    """The calendar day by day, why simulated and observed differ, and the hold-out."""
    console.print(f"[bold]{escape(c.route)}[/]: {c.start} to {c.end}")
    if c.fitted:
        shown = ", ".join(f"{k} {'no limit' if v is None else fmt(v)}" for k, v in c.fitted.items())
        console.print(
            f"fitted values ({escape(str(c.fit_file))}, from {c.fitted_from}): {escape(shown)}"
        )
    table = Table(title="By day (trucks/day)", title_justify="left")
    for col in ("Date", "Ceiling", "What limits", "Simulated [2.5-97.5%]", "Observed", "Differs"):
        table.add_column(
            col, justify="left" if col in ("Date", "What limits", "Differs") else "right"
        )
    for d in c.days:
        sim = (
            f"{d.simulated.mean:.1f} [{d.band[0]:.0f}, {d.band[1]:.0f}]"
            if d.simulated is not None and d.band is not None
            else "-"
        )
        what = ", ".join(f"{n} closed" for n in d.closed) or ", ".join(d.limiting) or "-"
        table.add_row(
            d.day.strftime("%a %Y-%m-%d"),
            fmt(d.ceiling),
            escape(what),
            sim,
            "-" if d.observed is None else str(d.observed),
            d.reason or "",
        )
    console.print(table)
    differs = [d for d in c.days if d.differs]
    if differs:
        console.print("[bold]Why they differ[/]")
        for d in differs:
            console.print(f"  {d.day}: {escape(str(d.differs))}")
    if c.events:
        console.print("[bold]Events[/]")
        for e in c.events:
            line = f"  [{e.index}] {_when(e)}: {e.effect} ({e.source.split(':', 1)[0]})"
            console.print(escape(line))
    h = c.holdout
    if h is not None:
        console.print(
            f"[bold]Hold-out {h.start} to {h.end}[/] (not read by the fit): observed "
            f"{h.observed:.1f}/day, simulated {h.simulated.mean:.1f} "
            f"[{h.simulated.low:.1f}, {h.simulated.high:.1f}], mean error {h.error:+.1%} "
            f"({'within' if h.within_goal else 'outside'} the {h.goal_mean_error:.0%} goal); "
            f"daily correlation {h.correlation:.2f} ({'meets' if h.correlation_met else 'below'} "
            f"the {h.goal_correlation:g} goal)"
        )
        for w in h.weeks:
            console.print(
                f"  week {w.start} to {w.end}: observed {w.observed:.1f}, simulated "
                f"{w.simulated:.1f}, error {w.error:+.1%}"
            )
    if c.charts:
        console.print(escape(_written(c.charts)))
    console.print(f"[dim]{escape(c.note)}[/]")


@aid_app.command("explain")
def explain_cmd(
    route: Annotated[Path, typer.Argument(help="Route file (TOML).")],
    day: Annotated[str, typer.Argument(help="The date, e.g. 2024-02-16.")],
    fit: Annotated[
        Path | None,
        typer.Option("--fit", help="Calendar fit file (default: the one beside the route)."),
    ] = None,
    no_fit: Annotated[
        bool, typer.Option("--no-fit", help="Use the route file's figures only.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """What limited the route on one day, and why simulated and observed differ that day."""
    import json

    result = aid_explain(route, _parse_day(day, "DATE"), fit=fit, use_fit=not no_fit)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
        return
    render_day(out, result.day)
    r = result.row
    if r is not None and r.simulated is not None and r.band is not None:
        out.print(
            f"  simulated {r.simulated.mean:.1f} [{r.band[0]:.0f}, {r.band[1]:.0f}]"
            + ("" if r.observed is None else f", observed {r.observed}")
            + (f" ({r.window})" if r.window else "")
        )
        if r.differs:
            out.print(f"  {escape(r.differs)}")


@aid_app.command("fit-calendar")
def fit_calendar_cmd(
    route: Annotated[Path, typer.Argument(help="Route file (TOML).")],
    fit: Annotated[
        Path | None,
        typer.Option("--fit", help="Calendar fit file (default: the one beside the route)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Rerun the calendar fit on its window; predict the hold-out with the values found."""
    import json

    result = aid_fit_calendar(route, fit)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
        return
    f = result.fit
    shown = ", ".join(f"{k} {'no limit' if v is None else fmt(v)}" for k, v in f.values.items())
    out.print(f"fitted on the fit window: {escape(shown)}")
    out.print(
        f"  RMS daily error {f.score:.1f} trucks/day; mean {f.simulated_mean:.1f} against "
        f"{f.observed_mean:.1f} observed ({f.error:+.1%}); {f.points} points, {f.seconds:.1f} s"
    )
    out.print(
        "  the committed values "
        + ("match" if result.matches_committed else "DIFFER: update [fitted] in the fit file")
    )
    h = result.holdout
    out.print(
        f"hold-out {h.start} to {h.end}: observed {h.observed:.1f}/day, simulated "
        f"{h.simulated.mean:.1f}, mean error {h.error:+.1%}; correlation {h.correlation:.2f}"
    )
    for w in h.weeks:
        out.print(
            f"  week {w.start} to {w.end}: {w.observed:.1f} vs {w.simulated:.1f} ({w.error:+.1%})"
        )
    out.print(f"[dim]{escape(result.note)}[/]")


def _written(paths: list[str]) -> str:
    return "wrote " + ", ".join(paths)


@aid_app.command("what-if")
def what_if_cmd(
    route: Annotated[Path, typer.Argument(help="Route file (TOML).")],
    open_: Annotated[str, typer.Option("--open", help="The node to open (its id).")],
    on: Annotated[str, typer.Option("--on", help="The date it opens, e.g. 2023-12-17.")],
    variant: Annotated[
        str | None, typer.Option("--variant", help="The variant (default: the first).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also write the step chart (PNG and SVG) into this folder."),
    ] = None,
) -> None:
    """The ceiling with a node opened from a date, against the node closed."""
    import json

    result = what_if_open(route, open_, _parse_day(on), variant, plot=plot)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(), indent=2, default=str) + "\n")
        return
    out.print(
        f"[bold]{escape(result.variant)}[/]: open {escape(result.node)} on {result.on}: "
        f"{fmt(result.before)} -> {fmt(result.after)} trucks/day"
    )
    table = Table(title="Ceiling by day (trucks/day)", title_justify="left")
    for col in ("Date", "Without", "With", "Limiting with"):
        table.add_column(col, justify="right" if col in ("Without", "With") else "left")
    for d in result.series:
        table.add_row(
            d.day.isoformat(),
            fmt(d.without_node),
            fmt(d.with_node),
            escape(", ".join(d.limiting_with) or "-"),
        )
    out.print(table)
    for line in result.explanation:
        out.print(f"  - {escape(line)}")
    if result.charts:
        out.print(escape(_written(result.charts)))
    out.print(f"[dim]{MODEL_NOTE}[/]")


@aid_app.command("lanes")
def lanes_cmd(
    route: Annotated[Path, typer.Argument(help="Route file (TOML).")],
    target: Annotated[float, typer.Option("--target", help="Trucks/day the ceiling should reach.")],
    variant: Annotated[
        str | None, typer.Option("--variant", help="The variant (default: the first).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Also write the lanes/hours chart (PNG, SVG) into this folder."
        ),
    ] = None,
) -> None:
    """The fewest lanes, or opening hours, per node for the ceiling to reach a target."""
    import json

    from truce.aid.whatif import fmt_hours

    result = lanes_for(route, target, variant, plot=plot)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(), indent=2) + "\n")
        return
    out.print(
        f"[bold]{escape(result.variant)}[/]: ceiling {fmt(result.ceiling)}, "
        f"target {fmt(result.target)} trucks/day"
    )
    table = Table(title="Lanes or hours for the target", title_justify="left")
    for col in ("Node", "Lanes", "Lanes needed", "Hours", "Hours needed", "Limited first by"):
        table.add_column(col, justify="left" if col in ("Node", "Limited first by") else "right")
    for n in result.nodes:
        table.add_row(
            escape(n.node),
            str(n.lanes),
            "-" if n.lanes_needed is None else str(n.lanes_needed),
            fmt_hours(n.hours),
            fmt_hours(n.hours_needed),
            escape(", ".join(dict.fromkeys([*n.blocked_by, *n.hours_blocked_by])) or "-"),
        )
    out.print(table)
    for line in result.explanation:
        out.print(f"  - {escape(line)}")
    if result.charts:
        out.print(escape(_written(result.charts)))
    out.print(f"[dim]{MODEL_NOTE}[/]")


app.add_typer(aid_app, name="aid")
