"""Fault-injection harnesses for the SQLite store: power loss, I/O errors, kill -9, tampering."""

from __future__ import annotations

from tests.ledger.leaves import claim_leaf
from truce.ledger.store.contract import Leaf

PARTIES = ("mediator", "party-a", "party-b")
VISIBILITY = ("public", "parties", "mediator")


def claim(event_id: str, n: int = 0, text: str | None = None) -> Leaf:
    """A canonical claim leaf with the given id (party and visibility vary with ``n``)."""
    return claim_leaf(event_id, text or None, PARTIES[n % 3], VISIBILITY[(n // 3) % 3], "L-faults")
