"""The bytes that are hashed: one event, its ledger, visibility and signature, canonically encoded.

A leaf is the canonical JSON (sorted keys, no spaces, UTF-8; RFC 8785 for the values events use:
strings, integers, booleans, null) of::

    {"event": {...}, "ledger": "<ledger id>", "sig": null | {"key": "<key id>", "value": "<b64>"},
     "t": "2026-12-06T01:40:00.123456Z", "v": 2, "visibility": "public" | "parties" | "mediator"}

``t`` is the log's own stamp: when the entry was appended (UTC, microseconds), never earlier
than the entry before it. ``--as-of`` reads it, so an answer as of a moment cannot change
later. Version-1 leaves (written before stamps) have no ``t``; they are still read.

Personal data never enters a leaf: captives and prisoners appear only as pseudonymous ids.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

from truce.errors import IntegrityError
from truce.ledger.store.contract import Leaf, Stored

LEAF_VERSION = 2
VISIBILITIES = ("public", "parties", "mediator")
_KEYS = {
    1: {"event", "ledger", "sig", "v", "visibility"},
    2: {"event", "ledger", "sig", "t", "v", "visibility"},
}
LEAF_KEYS = _KEYS  # the keys of a leaf, by version
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_stamp(t: datetime) -> str:
    """A log stamp as stored: UTC, microseconds, ``Z``."""
    return t.astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: object, seq: int | None = None) -> datetime:
    """A stored stamp back to an aware datetime; anything but the exact stored form is refused."""
    try:
        if not (isinstance(text, str) and _STAMP_SHAPE.fullmatch(text)):
            raise ValueError
        return datetime.fromisoformat(text)  # the exact shape is checked above (fast path)
    except ValueError:
        raise IntegrityError(
            f"seq {seq}: the log stamp {text!r} is not a time in the stored form "
            "(YYYY-MM-DDTHH:MM:SS.ffffffZ)",
            seq=seq,
            kind="body",
        ) from None


_STAMP_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", re.ASCII)


def canonical(obj: Any) -> bytes:
    """One byte string per JSON value: sorted keys, no whitespace, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode_leaf(
    ledger_id: str,
    event: dict[str, Any],
    visibility: str = "public",
    sig: tuple[str, bytes] | None = None,
    stamp: datetime | None = None,
) -> Leaf:
    """The leaf for an event given as its JSON mapping (``model_dump(mode="json")``), stamped
    with the log's append time (version 2); without a stamp, a version-1 leaf (old ledgers and
    test vectors)."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")
    obj: dict[str, Any] = {
        "event": event,
        "ledger": ledger_id,
        "sig": None
        if sig is None
        else {"key": sig[0], "value": base64.b64encode(sig[1]).decode("ascii")},
        "v": 1 if stamp is None else LEAF_VERSION,
        "visibility": visibility,
    }
    if stamp is not None:
        obj["t"] = format_stamp(stamp)
    return Leaf(
        str(event["id"]), str(event["type"]), str(event["declared_by"]), visibility, canonical(obj)
    )


def decode_leaf(data: bytes, seq: int | None = None) -> dict[str, Any]:
    """Parse leaf bytes, checking they are exactly the canonical encoding of a version-1 leaf."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError, TypeError):
        raise IntegrityError(
            f"seq {seq}: stored bytes are not JSON", seq=seq, kind="body"
        ) from None
    if (
        not isinstance(obj, dict)
        or type(obj.get("v")) is not int
        or obj["v"] not in _KEYS
        or set(obj) != _KEYS[obj["v"]]
        or not isinstance(obj["event"], dict)
        or not isinstance(obj["ledger"], str)
        or obj["visibility"] not in VISIBILITIES
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
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, RecursionError):
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
