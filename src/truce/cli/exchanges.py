"""`truce history`: the sourced table of past exchanges (Typer + Rich)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from truce.cli.common import app, out
from truce.sim.exchanges import DATA_FILE, SOURCES_FILE, Exchange, load_exchanges

FOOTER = (
    f"Data: truce/data/{DATA_FILE}; sources, and where they disagree: "
    f"truce/data/{SOURCES_FILE} (from shared/data/gaza-2023-facts.md, section 4). "
    "Counts are living persons released; exchange ratios are derived from the reported counts."
)


def _n(x: int) -> str:
    return f"{x:,}"


def _released(side: str, point: int | None, low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        span = f"{_n(low)}–{_n(high)}"
        figure = f"{_n(point)} ({span})" if point is not None else span
    elif point is not None:
        figure = _n(point)
        if low is not None:
            figure += f" (at least {_n(low)})"
        if high is not None:
            figure += f" (up to {_n(high)})"
    elif low is not None:
        figure = f"not given (at least {_n(low)})"
    elif high is not None:
        figure = f"not given (up to {_n(high)})"
    else:
        figure = "not given"
    return f"{side}: {figure}"


def released_cell(e: Exchange, side: str) -> str:
    """What one side released: living persons (a range where sources differ), plus bodies."""
    if side == "a":
        text = _released(e.side_a, e.released_by_a, e.released_by_a_low, e.released_by_a_high)
        bodies = e.bodies_by_a
    else:
        text = _released(e.side_b, e.released_by_b, e.released_by_b_low, e.released_by_b_high)
        bodies = e.bodies_by_b
    if bodies:
        text += f" + {_n(bodies)} bodies"
    return text


def _r(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def ratio_cell(e: Exchange) -> str:
    """The exchange ratio as the facts file quotes it: persons released by A per one by B."""
    point, low, high = e.ratio_a_per_b()
    if e.released_by_b == 0 and e.released_by_a is not None:
        return f"undefined ({_n(e.released_by_a)} : 0 living)"
    spread = low is not None and high is not None and f"{low:.2f}" != f"{high:.2f}"
    if point is not None:
        text = f"{_r(point)} : 1"
        if spread and low is not None and high is not None:
            text += f" ({_r(low)}–{_r(high)})"
        return text
    if low is not None and high is not None:
        return f"{_r(low)}–{_r(high)} : 1"
    if high is not None:
        return f"up to {_r(high)} : 1"
    if low is not None:
        return f"at least {_r(low)} : 1"
    return "not given"


def render_history(console: Console, rows: list[Exchange]) -> None:
    """The table of past exchanges and the footer naming where the data comes from."""
    table = Table(
        title="Past exchanges (living persons released; exchange ratio = side A per side B)",
        title_justify="left",
    )
    for col in ("Name", "Year", "Released by side A", "Released by side B"):
        table.add_column(col, justify="right" if col == "Year" else "left")
    table.add_column("Exchange ratio (A : B)", justify="right")
    table.add_column("Uncertain", justify="left")
    table.add_column("Sources", justify="left")
    for e in rows:
        table.add_row(
            escape(e.name),
            str(e.year),
            escape(released_cell(e, "a")),
            escape(released_cell(e, "b")),
            escape(ratio_cell(e)),
            "yes" if e.uncertain else "-",
            escape(" ".join(e.sources)),
        )
    console.print(table)
    flagged = [e.id for e in rows if e.uncertain]
    if flagged:
        console.print(
            escape(
                f"Uncertain ({len(flagged)}): see the uncertainty column (--json) and "
                f"{SOURCES_FILE}: {', '.join(flagged)}"
            )
        )
    console.print(f"[dim]{escape(FOOTER)}[/]")


@app.command("history")
def history(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list of rows instead of the table.")
    ] = False,
) -> None:
    """Past hostage / prisoner / POW exchanges, with sourced counts and exchange ratios."""
    if as_json:
        from truce.app.sim import past_exchanges

        data = [e.model_dump(mode="json") for e in past_exchanges()]
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    render_history(out, load_exchanges())
