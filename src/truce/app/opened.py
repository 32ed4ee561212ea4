"""Use cases take a ledger as a path (the CLI: opened and closed per call) or as an open
``LedgerDir`` (the service, which holds its ledgers open): ``opened`` serves both."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from truce.ledger.directory import LedgerDir

Ledger = Path | LedgerDir
"""A ledger directory's path, or the directory already open."""


@contextmanager
def opened(ledger: Ledger) -> Iterator[LedgerDir]:
    """The open directory: opened here (and closed after) when given a path."""
    if isinstance(ledger, LedgerDir):
        ledger.refresh()
        yield ledger
        return
    with LedgerDir.open(ledger) as d:
        yield d
