"""Appending as a role (the service's writers): who may append what on top of the ledger's own
rules. A party appends only its own declarations, signed on its own machine where it has a key;
a mediator records its own declarations and relays a party's acts only where that party has no
key (the event shows the mediator as ``recorded_by``, the party as ``declared_by``). Every
append then takes exactly the path `truce record` takes (truce.ledger.record)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from truce.app.ledger import head_out
from truce.app.ledger_schemas import RecordOut
from truce.app.people import known_people
from truce.errors import LedgerError, NotAllowed
from truce.events import Event
from truce.ledger.directory import LedgerDir
from truce.ledger.load import parse_event
from truce.ledger.record import record
from truce.ledger.tokens import Role


def append_as(
    d: LedgerDir,
    events: list[dict[str, Any]],
    signatures: list[tuple[str, str] | None],
    *,
    role: Role,
    now: datetime,
    expected_size: int | None = None,
) -> RecordOut:
    """Check and append ``events`` (JSON objects; each may carry its party's signature: key id
    and base64) for ``role``, stamped ``now``; places are JSON pointers (/events/N)."""
    if role.kind not in ("party", "mediator") or role.id is None:
        raise NotAllowed(f"a {role.kind} token appends nothing")
    where = [f"/events/{i}" for i in range(len(events))]
    parsed: list[Event] = []
    for obj, w in zip(events, where, strict=True):
        parsed.append(parse_event(obj, w + "/event"))
    keyed = d.authority.keyed
    for ev, w in zip(parsed, where, strict=True):
        if ev.recorded_by != role.id:
            raise NotAllowed(
                f"recorded_by is {ev.recorded_by!r}: this token records as {role.id!r}",
                where=w + "/event/recorded_by",
            )
        if ev.declared_by == role.id:
            continue
        if role.kind == "party":
            raise NotAllowed(
                f"declared_by is {ev.declared_by!r}: a party's token appends only its own "
                f"declarations ({role.id!r})",
                where=w + "/event/declared_by",
            )
        if ev.declared_by in keyed:
            raise NotAllowed(
                f"{ev.declared_by!r} has a signing key: it records its own declarations, "
                "signed; a mediator relays only for parties without a key",
                where=w + "/event/declared_by",
            )
    sigs = [_signature(s, w) for s, w in zip(signatures, where, strict=True)]
    res = record(
        d,
        parsed,
        where,
        as_party=role.id if role.kind == "party" else None,
        known_people=known_people(d),
        clock=lambda: now,
        signatures=sigs if any(s is not None for s in sigs) else None,
        expected_size=expected_size,
    )
    return RecordOut(
        added=[st.seq for st in res.added], already=len(res.already), head=head_out(d.store.head())
    )


def _signature(sig: tuple[str, str] | None, where: str) -> tuple[str, bytes] | None:
    if sig is None:
        return None
    kid, value = sig
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise LedgerError("the signature is not base64", where=where + "/signature/value") from None
    return kid, raw
