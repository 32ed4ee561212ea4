"""The deal commands: validate, schema, status, check, demo (thin layers over truce.api)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from truce import api
from truce.cli.common import JsonOpt, app, emit_json, out, parse_time
from truce.engine.decide import Proposal
from truce.engine.explain import explain
from truce.errors import BadInput
from truce.exact import show
from truce.outputs import CheckOut, StatusOut, check_out, status_out
from truce.render import render_decision, render_status
from truce.terms import load_terms, terms_schema

LedgerArg = Annotated[
    Path,
    typer.Argument(
        help="Ledger directory (from `truce init`), or a file: events (.jsonl) or a day summary (.csv)."
    ),
]
TermsOpt = Annotated[
    Path | None,
    typer.Option(
        "--terms",
        help="Terms file (TOML); a ledger directory has its own (a different one is an error).",
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="Event time (ISO 8601; without an offset: local time in the agreement's zone). Default: the latest event.",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Record time: use only what was recorded by then. Default: everything."
    ),
]


@app.command()
def validate(terms: Annotated[Path, typer.Argument(help="Terms file (TOML).")]) -> None:
    """Check a terms file and say what it encodes."""
    t = load_terms(terms)
    out.print(f"{escape(str(terms))}: valid terms for [bold]{escape(t.agreement.name)}[/]")
    if t.agreement.start is not None and t.extension is not None and t.initial is not None:
        out.print(
            f"  pause from {t.agreement.start:%Y-%m-%d %H:%M} {t.agreement.timezone}, {t.agreement.initial_days} "
            f"initial days for {t.initial.captives} counted captives; +1 day per {t.extension.captives_per_day}"
        )
    out.print(
        f"  {show(t.exchange.prisoners_per_captive)} prisoners per counted live captive; digest {t.digest()[:16]}"
    )


@app.command()
def schema(
    what: Annotated[
        str,
        typer.Argument(
            help="terms | events | status | check | verify | compare | log | amend | simulate | "
            "sweep | compare-deals | history | aid | aid-what-if | aid-lanes | aid-calibrate"
        ),
    ] = "terms",
) -> None:
    """Print a JSON Schema: of a terms file, a ledger event, or a command's JSON output."""
    from pydantic import TypeAdapter

    from truce.app.schemas import RESULTS
    from truce.events import EVENT_ADAPTER

    schemas: dict[str, Any] = {
        "terms": terms_schema,
        "events": lambda: EVENT_ADAPTER.json_schema(),
        "status": lambda: StatusOut.model_json_schema(),
        "check": lambda: CheckOut.model_json_schema(),
    }
    for name, shape in RESULTS.items():
        schemas[name] = lambda shape=shape: TypeAdapter(shape).json_schema()
    if what not in schemas:
        raise BadInput(
            f"unknown schema {what!r}: expected one of {', '.join(schemas)}", where="schema"
        )
    sys.stdout.write(json.dumps(schemas[what](), indent=2) + "\n")


@app.command()
def status(
    ledger: LedgerArg,
    terms: TermsOpt = None,
    at: AtOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    why: Annotated[
        str | None,
        typer.Option(
            "--why",
            help="Explain one figure from its trace (pause_days, ends_at, counted, prisoners_due, ...) or one finding in full (finding:N, as its `why` names it).",
        ),
    ] = None,
) -> None:
    """The state of the pause: when it ends, what was counted, who owes what, and why."""
    t, h = api.load(terms, ledger)
    state = api.status(
        t,
        h,
        at=parse_time(at, t.agreement.zone, "--at"),
        as_of=parse_time(as_of, t.agreement.zone, "--as-of"),
    )
    if why is not None:
        try:
            refs = state.why(why)
        except KeyError:
            findings = f", or finding:1 to finding:{n}" if (n := len(state.findings)) else ""
            raise BadInput(
                f"no trace for {why!r}: expected one of {', '.join(sorted(state.trace))}{findings}",
                where="--why",
            ) from None
        out.print(f"[bold]{escape(why)}[/] comes from:")
        for line in explain(refs, t, h):
            out.print(f"  - {escape(line)}")
        return
    if as_json:
        emit_json(status_out(state))
    else:
        render_status(out, state)


@app.command()
def check(
    ledger: LedgerArg,
    terms: TermsOpt = None,
    at: AtOpt = None,
    as_of: AsOfOpt = None,
    live: Annotated[int | None, typer.Option("--live", help="Live captives on the list.")] = None,
    bodies: Annotated[int, typer.Option("--bodies", help="Bodies on the list.")] = 0,
    credit: Annotated[
        int, typer.Option("--credit", help="Earlier outside-framework releases to credit.")
    ] = 0,
    list_file: Annotated[
        Path | None, typer.Option("--list", help="A list file: CSV id,category[,status] or JSONL.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Would this list for the next pause day meet the terms as encoded, and what would follow?"""
    if (live is None) == (list_file is None):
        raise BadInput(
            "give either --live N (with optional --bodies, --credit) or --list FILE", where="check"
        )
    t, h = api.load(terms, ledger)
    if list_file is not None:
        proposal = Proposal(
            bodies=bodies,
            credit=credit,
            captives=api.load_list(list_file),
            source=f"list:{list_file.name}",
        )
    else:
        proposal = Proposal(live=live or 0, bodies=bodies, credit=credit)
    decision = api.check(
        t,
        h,
        proposal,
        at=parse_time(at, t.agreement.zone, "--at"),
        as_of=parse_time(as_of, t.agreement.zone, "--as-of"),
    )
    if as_json:
        emit_json(check_out(decision))
    else:
        render_decision(out, decision)


@app.command()
def demo() -> None:
    """Replay the bundled 2023 Gaza example: the day-by-day table, findings, and the 30 Nov checks."""
    from truce.demo import run_demo

    run_demo(out)
