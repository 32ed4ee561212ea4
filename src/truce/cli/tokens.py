"""The token commands of `truce`: new, list, revoke. Access tokens let people use a served ledger
directory over HTTP, each in one role; the directory keeps only their hashes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter
from rich.markup import escape
from rich.table import Table

from truce.app.tokens import list_tokens, new_token, parse_duration, revoke_token
from truce.app.tokens_schemas import TokenOut
from truce.cli.common import JsonOpt, app, emit_json, err, now, out

DirArg = Annotated[Path, typer.Argument(help="Ledger directory (made by `truce init`).")]

token_app = typer.Typer(
    help="Access tokens for the ledger service: make one, list them, revoke one."
)
app.add_typer(token_app, name="token")


@token_app.command("new")
def token_new(
    directory: DirArg,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="party:ID (a party of the terms), mediator:ID, reader (the public record, "
            "read-only) or witness.",
        ),
    ],
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="Lifetime: 30d, 12h, 90m (default: until revoked)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a token: printed once, on stdout's first line; the directory keeps only its hash."""
    lifetime = parse_duration(expires) if expires is not None else None
    res = new_token(directory, role, expires=lifetime, now=now())
    if as_json:
        emit_json(res)
    else:
        sys.stdout.write(res.token + "\n")
        sys.stdout.flush()
    until = res.expires_at.isoformat() if res.expires_at else "never"
    err.print(f"token {res.id} for {escape(res.role)}, expires {until}: shown once, store it now")


@token_app.command("list")
def token_list(directory: DirArg, as_json: JsonOpt = False) -> None:
    """Every token of the directory (never a secret or hash), revoked and expired ones too."""
    tokens = list_tokens(directory, now())
    if as_json:
        sys.stdout.write(TypeAdapter(list[TokenOut]).dump_json(tokens, indent=2).decode() + "\n")
        return
    if not tokens:
        out.print("no tokens (make one with `truce token new DIR --role ROLE`)")
        return
    table = Table("id", "role", "created", "expires", "revoked", "active")
    for t in tokens:
        table.add_row(
            t.id,
            escape(t.role),
            t.created_at.isoformat(),
            t.expires_at.isoformat() if t.expires_at else "never",
            t.revoked_at.isoformat() if t.revoked_at else "",
            "yes" if t.active else "no",
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    directory: DirArg,
    token_id: Annotated[str, typer.Argument(help="The token's id (`truce token list`).")],
    as_json: JsonOpt = False,
) -> None:
    """Revoke a token: it stops working at once (revoking it again changes nothing)."""
    res = revoke_token(directory, token_id, now())
    if as_json:
        emit_json(res)
        return
    assert res.revoked_at is not None
    out.print(f"token {res.id} ({escape(res.role)}) revoked at {res.revoked_at.isoformat()}")
