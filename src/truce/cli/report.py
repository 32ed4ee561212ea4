"""`truce report`: a briefing (HTML or PDF) of a ledger, from the same application functions
as `status`, `timetable`, `verify`, `simulate` and `aid` (a thin layer over truce.report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from truce.app import deal
from truce.app.ledger_schemas import VerifyFailed
from truce.cli.common import app, err, parse_time, remote
from truce.cli.deal import AsOfOpt, AtOpt, TermsOpt
from truce.errors import BadInput, IntegrityError
from truce.i18n import LANGUAGES, check_language


@app.command()
def report(
    ledger: Annotated[
        str,
        typer.Argument(
            help="Ledger directory (from `truce init`), a file: events (.jsonl) or a day "
            "summary (.csv), read with --terms; or a served ledger's URL (the server makes the "
            "briefing for the token in TRUCE_TOKEN)."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The briefing to write: a .html or .pdf file.")
    ],
    terms: TermsOpt = None,
    at: AtOpt = None,
    as_of: AsOfOpt = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="A scenario file for the ledger's terms: a simulated outlook (a model result) "
            "in an appendix.",
        ),
    ] = None,
    route: Annotated[
        Path | None,
        typer.Option("--route", help="An aid route file: the ceiling per variant in an appendix."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help=" | ".join(LANGUAGES))] = "en",
    include_personal: Annotated[
        bool,
        typer.Option(
            "--include-personal",
            help="Add the personal data kept for the people the record names (default: none).",
        ),
    ] = False,
) -> None:
    """A briefing people can hand around: where the pause stands, what is needed by when, the
    findings and the record's head on two pages, then appendices. Exit 3 (after writing it,
    with a banner) when the ledger directory does not verify."""
    from truce.report import Inputs, gather, output_format, render, write

    check_language(lang)
    fmt = output_format(out)
    client = remote(ledger)
    if client is not None:  # a served ledger: the server makes it, for this token's role
        if scenario is not None or route is not None:
            raise BadInput(
                "a served ledger's briefing has no --scenario or --route (run them on a copy: "
                "`truce clone URL DIR`)",
                param="scenario" if scenario is not None else "route",
            )
        with client:
            data = client.report(fmt, lang, at, as_of, include_personal)
        write(data, out)
        err.print(f"wrote {escape(str(out))} ({fmt}, {lang}) from {escape(ledger)}")
        return
    ledger_path = Path(ledger)
    d = deal.open_deal(ledger_path, terms)
    zone = d.terms.agreement.zone
    at_t, as_of_t = parse_time(at, zone, "--at"), parse_time(as_of, zone, "--as-of")
    b = gather(
        d,
        directory=ledger_path if ledger_path.is_dir() else None,
        inputs=Inputs(
            ledger=ledger_path.name,
            kind="directory" if ledger_path.is_dir() else "file",
            terms=None if terms is None else terms.name,
            scenario=None if scenario is None else scenario.name,
            route=None if route is None else route.name,
            at=at,
            as_of=as_of,
        ),
        at=at_t,
        as_of=as_of_t,
        scenario=scenario,
        route=route,
        include_personal=include_personal,
    )
    write(render(b, lang, fmt), out)
    err.print(f"wrote {escape(str(out))} ({fmt}, {lang})")
    v = b.verification
    if isinstance(v, VerifyFailed):
        raise IntegrityError(
            f"the briefing was written with a banner: {v.error}", seq=v.first_bad_seq, kind=v.kind
        )
