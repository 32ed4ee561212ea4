"""The bytes that are hashed: one event, its ledger, visibility and signature, canonically encoded.

A leaf is the canonical JSON (sorted keys, no spaces, UTF-8; RFC 8785 for the values events use:
strings, integers, booleans, null) of::

    {"event": {...}, "ledger": "<ledger id>", "sig": null | {"key": "<key id>", "value": "<b64>"},
     "v": 1, "visibility": "public" | "parties" | "mediator"}

Personal data never enters a leaf: captives and prisoners appear only as pseudonymous ids.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from truce.errors import IntegrityError
from truce.ledger.store import Leaf, Stored

LEAF_VERSION = 1
VISIBILITIES = ("public", "parties", "mediator")


def canonical(obj: Any) -> bytes:
    """One byte string per JSON value: sorted keys, no whitespace, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode_leaf(
    ledger_id: str,
    event: dict[str, Any],
    visibility: str = "public",
    sig: tuple[str, bytes] | None = None,
) -> Leaf:
    """The leaf for an event given as its JSON mapping (``model_dump(mode="json")``)."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")
    obj = {
        "event": event,
        "ledger": ledger_id,
        "sig": None
        if sig is None
        else {"key": sig[0], "value": base64.b64encode(sig[1]).decode("ascii")},
        "v": LEAF_VERSION,
        "visibility": visibility,
    }
    return Leaf(
        str(event["id"]), str(event["type"]), str(event["declared_by"]), visibility, canonical(obj)
    )


def decode_leaf(data: bytes, seq: int | None = None) -> dict[str, Any]:
    """Parse leaf bytes, checking they are exactly the canonical encoding of a version-1 leaf."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise IntegrityError(
            f"seq {seq}: stored bytes are not JSON", seq=seq, kind="body"
        ) from None
    if (
        not isinstance(obj, dict)
        or obj.get("v") != LEAF_VERSION
        or set(obj) != {"event", "ledger", "sig", "v", "visibility"}
        or not isinstance(obj["event"], dict)
        or canonical(obj) != data
    ):
        raise IntegrityError(
            f"seq {seq}: stored bytes are not a canonical leaf", seq=seq, kind="body"
        )
    return obj


def leaf_of(data: bytes, seq: int | None = None) -> Leaf:
    """The Leaf (id, type, party, visibility) that the stored bytes say they are."""
    obj = decode_leaf(data, seq)
    ev = obj["event"]
    try:
        return Leaf(str(ev["id"]), str(ev["type"]), str(ev["declared_by"]), obj["visibility"], data)
    except KeyError as exc:
        raise IntegrityError(
            f"seq {seq}: stored event has no {exc.args[0]!r}", seq=seq, kind="body"
        ) from None


def check_columns(st: Stored) -> None:
    """The stored columns (id, type, party, visibility) must be what the hashed bytes say.
    (A light parse: the canonical form itself is checked when events are decoded.)"""
    try:
        obj = json.loads(st.leaf.data)
        ev = obj["event"]
        have = (ev["id"], ev["type"], ev["declared_by"], obj["visibility"])
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        raise IntegrityError(
            f"seq {st.seq}: stored bytes are not a leaf", seq=st.seq, kind="body"
        ) from None
    for name, value in zip(("event_id", "type", "party", "visibility"), have, strict=True):
        if value != getattr(st.leaf, name):
            raise IntegrityError(
                f"seq {st.seq}: stored {name} {getattr(st.leaf, name)!r} differs from the "
                f"hashed record ({value!r})",
                seq=st.seq,
                kind="column",
            )
