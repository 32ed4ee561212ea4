"""The `truce` command line: a thin presenter over the library.

One module per command group, each registering its commands on the one ``app`` from
``truce.cli.common`` (consoles, JSON output, progress bars and time options live there):
``deal`` (validate, schema, status, check, demo), ``ledger`` (ledger directories), ``sim``
(simulate, sweep, compare-deals), ``exchanges`` (history), ``aid``, ``report`` (briefings). A new command goes in the
module of its group; a new group is a new module imported below.
"""

from __future__ import annotations

import os
import sys

from rich.markup import escape

from truce.cli import aid, deal, exchanges, ledger, report, serve, sim, tokens  # noqa: F401  (registers the commands)
from truce.cli.common import app, err, error_text
from truce.errors import TruceError
from truce.exit_codes import exit_code_for
from truce.render import printable

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app, mapping errors to exit statuses in one place.

    Usage errors (unknown option, missing argument) are handled by Typer itself: exit status 2.
    """
    try:
        app()
    except TruceError as exc:
        err.print(f"[red]error:[/] {escape(printable(error_text(exc)))}")
        sys.exit(exit_code_for(exc))
    except Exception as exc:  # anything unexpected is an internal error
        if os.environ.get("TRUCE_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/] {type(exc).__name__}: {escape(printable(str(exc)))} "
            "(set TRUCE_DEBUG=1 for a traceback)"
        )
        sys.exit(exit_code_for(exc))
