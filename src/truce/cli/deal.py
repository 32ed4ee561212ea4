"""The deal commands: validate, schema, status, check, demo (thin layers over truce.app.deal)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from truce import api
from truce.app import deal
from truce.app.deal_schemas import StatusOut, WhyOut
from truce.cli.common import JsonOpt, app, emit_json, out, parse_time, remote
from truce.engine.decide import Proposal
from truce.errors import BadInput
from truce.render import render_decision, render_status, render_timetable
from truce.terms import load_terms, terms_schema

LedgerArg = Annotated[
    str,
    typer.Argument(
        help="Ledger directory (from `truce init`), a file: events (.jsonl) or a day summary "
        "(.csv), or a served ledger's URL (the token in TRUCE_TOKEN)."
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
def validate(
    terms: Annotated[Path, typer.Argument(help="Terms file (TOML).")], as_json: JsonOpt = False
) -> None:
    """Check a terms file and say what it encodes."""
    v = deal.validate_terms(terms)
    if as_json:
        emit_json(v)
        return
    out.print(f"{escape(str(terms))}: valid terms for [bold]{escape(v.agreement)}[/]")
    if v.start is not None and v.captives_per_day is not None and v.initial_captives is not None:
        start = v.start[:16].replace("T", " ")
        out.print(
            f"  pause from {start} {v.timezone}, {v.initial_days} "
            f"initial days for {v.initial_captives} counted captives; +1 day per {v.captives_per_day}"
        )
    out.print(
        f"  {v.prisoners_per_captive} prisoners per counted live captive; digest {v.digest[:16]}"
    )
    stages = load_terms(terms).stages
    if stages:
        parts = [
            f"{s.id} ({s.days} days" if s.days is not None else f"{s.id} ({s.hours} hours"
            for s in stages
        ]
        listed = ", ".join(
            f"{p}, {len(s.batches)} batch{'es' if len(s.batches) > 1 else ''})"
            if s.batches
            else f"{p})"
            for p, s in zip(parts, stages, strict=True)
        )
        out.print(f"  stages: {escape(listed)}")


@app.command()
def schema(
    what: Annotated[
        str,
        typer.Argument(
            help="terms | events, or a command whose --json it describes (status, check, verify, "
            "simulate, aid, ...: `truce schema nope` lists them all)"
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
    client = remote(ledger)
    result: StatusOut | WhyOut
    if client is not None:
        _no_terms_for_url(terms)
        with client:
            result = client.why(why, at, as_of) if why is not None else client.status(at, as_of)
    else:
        # --why reads every event behind a figure: a whole read serves it better
        latest = at is None and as_of is None and why is None
        with deal.reading(Path(ledger), terms, latest=latest) as d:
            zone = d.terms.agreement.zone
            at_t, as_of_t = parse_time(at, zone, "--at"), parse_time(as_of, zone, "--as-of")
            result = (
                deal.why(d, why, at_t, as_of_t)
                if why is not None
                else deal.status(d, at_t, as_of_t)
            )
    if as_json:
        emit_json(result)
    elif isinstance(result, WhyOut):
        out.print(f"[bold]{escape(result.name)}[/] comes from:")
        for line in result.lines:
            out.print(f"  - {escape(line)}")
    else:
        render_status(out, result)


def _no_terms_for_url(terms: Path | None) -> None:
    if terms is not None:
        raise BadInput("a served ledger carries its own terms", param="terms")


@app.command()
def timetable(
    ledger: LedgerArg,
    terms: TermsOpt = None,
    at: AtOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What is needed by when: the next list and its deadline, the handover window, prisoners
    still due, aid today against the commitment."""
    client = remote(ledger)
    if client is not None:
        _no_terms_for_url(terms)
        with client:
            t = client.timetable(at, as_of)
    else:
        with deal.reading(Path(ledger), terms, latest=at is None and as_of is None) as d:
            zone = d.terms.agreement.zone
            t = deal.timetable(d, parse_time(at, zone, "--at"), parse_time(as_of, zone, "--as-of"))
    if as_json:
        emit_json(t)
    else:
        render_timetable(out, t)


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
    captives = api.load_list(list_file) if list_file is not None else None
    client = remote(ledger)
    if client is not None:
        _no_terms_for_url(terms)
        body: dict[str, Any] = {
            "live": live,
            "bodies": bodies,
            "credit": credit,
            "at": at,
            "as_of": as_of,
        }
        if captives is not None:
            body["captives"] = [c.model_dump(mode="json") for c in captives]
        with client:
            result = client.check({k: v for k, v in body.items() if v is not None})
    else:
        if captives is not None:
            assert list_file is not None
            proposal = Proposal(
                bodies=bodies, credit=credit, captives=captives, source=f"list:{list_file.name}"
            )
        else:
            proposal = Proposal(live=live or 0, bodies=bodies, credit=credit)
        with deal.reading(Path(ledger), terms, latest=at is None and as_of is None) as d:
            zone = d.terms.agreement.zone
            result = deal.check(
                d,
                proposal,
                at=parse_time(at, zone, "--at"),
                as_of=parse_time(as_of, zone, "--as-of"),
            )
    if as_json:
        emit_json(result)
    else:
        render_decision(out, result)


@app.command()
def demo() -> None:
    """Replay the bundled 2023 Gaza example: the day-by-day table, findings, and the 30 Nov checks."""
    from truce.demo import run_demo

    run_demo(out)
