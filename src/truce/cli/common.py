"""What every `truce` command shares: the app, the consoles, JSON output, progress bars, and
reading a time from an option. Each command module registers its commands on ``app``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from truce.clock import in_zone
from truce.errors import BadInput, TruceError
from truce.limits import year_in_range

if TYPE_CHECKING:
    from truce.client import Client

app = typer.Typer(
    name="truce",
    help="Make exchange-for-pause agreements executable: terms, ledger, status and proposal checks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _width() -> int | None:
    """Tables need room: use the terminal's width, or 160 columns when output is not a terminal."""
    return None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "160"))


out = Console(highlight=False, soft_wrap=True, width=_width())
err = Console(stderr=True, highlight=False, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def now() -> datetime:
    """The wall clock, read here at the interface, never inside the engine."""
    return datetime.now(UTC).replace(microsecond=0)


def parse_time(value: str | None, zone: ZoneInfo, option: str) -> datetime | None:
    """An ISO 8601 time from an option; a time without offset is wall-clock time in ``zone``
    (the agreement's). Errors name the option."""
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(
            f"expected a date and time like 2023-11-30T05:00+02:00, got {value!r}", where=option
        ) from None
    try:
        year_in_range(dt)
    except ValueError as exc:
        raise BadInput(str(exc), where=option) from None
    return in_zone(dt, zone)


FLAGS: dict[str, str] = {
    "as_party": "--as",
    "from_size": "--from",
    "fmt": "--format",
    "list_file": "--list",
    "out_file": "--out",
    "token_id": "TOKEN_ID",
}
"""Library parameter names whose flag (or argument) is not ``--`` + the name, ``-`` for ``_``."""


def flag(param: str) -> str:
    """The command-line flag for a library parameter (``as_party`` -> ``--as``)."""
    return FLAGS.get(param, "--" + param.replace("_", "-"))


def error_text(exc: TruceError) -> str:
    """An error in the CLI's terms: a parameter at fault is named by its flag."""
    if isinstance(exc, BadInput) and exc.param is not None:
        place = f"{exc.where}: {flag(exc.param)}" if exc.where else flag(exc.param)
        return f"{place}: {exc.message}"
    return str(exc)


TargetArg = Annotated[
    str,
    typer.Argument(
        help="Ledger directory, or a served ledger's URL http(s)://HOST:PORT/v1/agreements/ID "
        "(the token in TRUCE_TOKEN)."
    ),
]


def remote(target: str) -> Client | None:
    """A client for a served ledger when ``target`` is a URL (token from TRUCE_TOKEN)."""
    from truce.client import Client, is_url

    if not is_url(target):
        return None
    return Client(target, os.environ.get("TRUCE_TOKEN"))


def emit_json(model: Any) -> None:
    """Print a result model as indented JSON on stdout."""
    sys.stdout.write(model.model_dump_json(indent=2) + "\n")


@contextmanager
def runs_bar(label: str, total: int, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar over runs on the terminal (stderr); yields the callback to advance it."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} runs"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=quiet and not err.is_terminal,
    ) as bar:
        task = bar.add_task("runs", total=total)
        yield lambda n: bar.advance(task, n)
