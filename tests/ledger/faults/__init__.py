"""Fault-injection harnesses for the SQLite store: power loss, I/O errors, kill -9, tampering."""

from __future__ import annotations

from truce.ledger.leaf import encode_leaf
from truce.ledger.store import Leaf

PARTIES = ("mediator", "party-a", "party-b")
VISIBILITY = ("public", "parties", "mediator")


def claim(event_id: str, n: int = 0, text: str | None = None) -> Leaf:
    """A canonical claim leaf with the given id (party and visibility vary with ``n``)."""
    party = PARTIES[n % 3]
    event = {
        "id": event_id,
        "type": "claim",
        "at": "2023-11-24T16:00:00+02:00",
        "recorded_at": "2023-11-24T16:00:00+02:00",
        "declared_by": party,
        "recorded_by": party,
        "text": text or f"claim {event_id}",
    }
    return encode_leaf("L-faults", event, VISIBILITY[(n // 3) % 3])
