"""The one way tests make leaves: a claim event, canonically encoded."""

from __future__ import annotations

from truce.ledger.log.leaf import encode_leaf
from truce.ledger.store.contract import Leaf


def claim_leaf(
    event_id: str,
    text: str | None = None,
    party: str = "mediator",
    visibility: str = "public",
    ledger: str = "L-test",
) -> Leaf:
    """A claim as a leaf; ``text`` (default ``claim <id>``) changes the bytes, not the id."""
    event = {
        "id": event_id,
        "type": "claim",
        "at": "2023-11-24T16:00:00+02:00",
        "recorded_at": "2023-11-24T16:00:00+02:00",
        "declared_by": party,
        "recorded_by": party,
        "text": f"claim {event_id}" if text is None else text,
    }
    return encode_leaf(ledger, event, visibility)
