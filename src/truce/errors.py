"""One exception tree for truce. Interfaces map these to exit codes and HTTP statuses in one place."""

from __future__ import annotations


class TruceError(Exception):
    """Base of every error truce raises on purpose."""

    exit_code = 1
    http_status = 500
    title = "Internal error"


class BadInput(TruceError):
    """The user's input (a file, an option, a proposal) is not acceptable; nothing was changed."""

    exit_code = 2
    http_status = 422
    title = "Bad input"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class TermsError(BadInput):
    """A terms file is missing, unreadable or does not match the terms schema."""

    title = "Invalid terms"


class LedgerError(BadInput):
    """A ledger file (events JSONL or day-summary CSV) is malformed or inconsistent."""

    title = "Invalid ledger"


class RouteError(BadInput):
    """An aid route file is missing, unreadable, does not match the route schema, or names
    nodes, edges, paths or variants it does not define."""

    title = "Invalid route"


class ProposalError(BadInput):
    """A proposal cannot be evaluated as given (e.g. more credit than is creditable)."""

    title = "Invalid proposal"


class MissingExtra(TruceError):
    """An optional dependency is not installed; the message names the pip extra to install."""

    exit_code = 2
    http_status = 501
    title = "Missing optional dependency"

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"{module} is not installed: pip install 'truce[{extra}]'")
