"""`truce demo`: the bundled 2023 example replayed end to end (the README's main job)."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console

from truce import api
from truce.app.deal_schemas import check_out, status_out
from truce.engine.decide import Proposal
from truce.errors import BadInput
from truce.examples import example_path
from truce.render import render_decision, render_status

CHECKS = (
    ("2023-11-30T05:00+02:00", Proposal(live=7, bodies=3), "a list of 7 live captives + 3 bodies"),
    (
        "2023-11-30T06:50+02:00",
        Proposal(live=8, credit=2),
        "8 live captives + 2 credited from 29 Nov",
    ),
)


def run_demo(console: Console) -> None:
    """Print the 2023 replay and the two checks of the night of 29-30 November."""
    terms, history = api.load(
        example_path("gaza-2023", "terms.toml"), example_path("gaza-2023", "ledger.jsonl")
    )
    console.print(
        "[dim]Replaying examples/gaza-2023 (sources: examples/gaza-2023/SOURCES.md; ids are pseudonymous).[/]"
    )
    render_status(console, status_out(api.status(terms, history)))
    console.print()
    for at, proposal, what in CHECKS:
        decision = api.check(terms, history, proposal, at=datetime.fromisoformat(at))
        render_decision(console, check_out(decision), title=f"Check at {at}: {what}")
    try:
        api.check(
            terms, history, Proposal(live=8, credit=4), at=datetime.fromisoformat(CHECKS[1][0])
        )
    except BadInput as exc:  # the refusal is the point of this line
        console.print(
            f"[bold]Check at {CHECKS[1][0]}: 8 live + 4 credited[/]\n  refused: {exc.message}"
        )
