"""The ledger's head as a reader checks it against the record: the verification result (what
`truce verify --json` prints) and the latest signed checkpoint note, the one a reader keeps and
later checks with `truce verify DIR --checkpoint FILE`. The briefings print both."""

from __future__ import annotations

from dataclasses import dataclass

from truce.app.ledger import verify_ledger
from truce.app.ledger_schemas import VerifyOut
from truce.app.opened import Ledger, opened


@dataclass(frozen=True)
class RecordHead:
    """A ledger directory's verification result and its latest checkpoint note (None: none
    signed yet)."""

    verification: VerifyOut
    checkpoint: str | None


def record_head(ledger: Ledger) -> RecordHead:
    """Verify a ledger directory (a failure is a result, not an exception) and read its latest
    checkpoint note."""
    with opened(ledger) as d:
        result = verify_ledger(d)
        notes = d.store.checkpoints()
        return RecordHead(result, notes[-1][1] if notes else None)


__all__ = ["RecordHead", "record_head"]
