"""Appending events to a ledger directory: the one way in. Everything is checked first;
a rejected batch changes nothing, and a batch is stored only if nobody appended meanwhile."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truce.engine.state import replay
from truce.errors import ConflictError, DuplicateId, LedgerError
from truce.events import Event
from truce.ledger.authority import LEDGER_TYPES, Authority
from truce.ledger.directory import LedgerDir, event_json
from truce.ledger.load import IMPORTER, load_days_csv, read_events_jsonl
from truce.ledger.log import signing
from truce.ledger.log.leaf import canonical, encode_leaf
from truce.ledger.store.contract import Leaf, Stored
from truce.limits import MAX_LEAF_BYTES

# Releases and aid inside the framework happen during the pause; announcements, lists,
# credits, claims and key or terms events may come before it.
_NOT_BEFORE_START = ("prisoners_released", "aid_delivered", "extension_agreed")
RETRIES = 200


@dataclass(frozen=True)
class Recorded:
    """What a record call did: entries added, and ids that were already stored (retries)."""

    added: list[Stored]
    already: list[Stored]


def read_file(d: LedgerDir, path: Path) -> tuple[list[Event], list[str]]:
    """Events from a JSONL events file or a day-summary CSV, each with its file:line."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return read_events_jsonl(path, d.terms)
    if suffix == ".csv":
        h = load_days_csv(path, d.terms)
        return [e.event for e in h.entries], [e.origin for e in h.entries]
    raise LedgerError(
        f"unknown format {suffix or '(no extension)'!r}: expected .jsonl (events) or .csv "
        "(day summary)",
        where=str(path),
    )


def default_visibility(ev: Event) -> str:
    """A list is mediator-only by default (exports open it as ``export.visible`` says), and so
    are names given as notice for a batch (open them with an explicit ``visibility``);
    everything else is public."""
    if ev.visibility is not None:
        return ev.visibility
    return "mediator" if ev.type in ("list_announced", "names_given") else "public"


def utc_now() -> datetime:
    """The wall clock in UTC: the log's stamp for entries appended now."""
    return datetime.now(UTC)


def record(
    d: LedgerDir,
    events: list[Event],
    origins: list[str],
    *,
    as_party: str | None = None,
    key: Ed25519PrivateKey | None = None,
    known_people: dict[str, set[str]] | None = None,
    clock: Callable[[], datetime] = utc_now,
    signatures: list[tuple[str, bytes] | None] | None = None,
    expected_size: int | None = None,
) -> Recorded:
    """Check and append events, each stamped by the log with ``clock()`` (never earlier than the
    entry before it); retried from scratch if another writer appended meanwhile.

    ``signatures`` (one per event, made by the declaring party on its own machine: key id and
    signature bytes) are checked against the party's registered keys instead of signing here
    with ``key``. With ``expected_size``, the batch is stored only onto a log of that size
    (ConflictError otherwise, no retry): a writer that read the ledger at that size says so."""
    if signatures is not None and (key is not None or len(signatures) != len(events)):
        raise LedgerError("give one signature per event, or a key to sign with", param="key")
    for attempt in range(RETRIES):
        d.refresh()
        size = d.size()
        if expected_size is not None and expected_size != size:
            raise ConflictError(
                f"the log has {size} entries, not the {expected_size} expected",
                current_size=size,
            )
        leaves, already = _prepare(
            d, events, origins, as_party, key, known_people, clock, signatures
        )
        try:
            stored = d.store.append(leaves, expected_size=size)
        except ConflictError:
            if expected_size is not None:
                d.refresh()
                now_size = d.size()
                raise ConflictError(
                    f"another writer appended first: the log has {now_size} entries, not the "
                    f"{expected_size} expected",
                    current_size=now_size,
                ) from None
            time.sleep(random.uniform(0, 0.002) * min(attempt + 1, 10))  # let the others through
            continue
        d.refresh()
        return Recorded(stored, already)
    raise ConflictError(f"other writers kept appending; gave up after {RETRIES} tries")


def _prepare(
    d: LedgerDir,
    events: list[Event],
    origins: list[str],
    as_party: str | None,
    key: Ed25519PrivateKey | None,
    known_people: dict[str, set[str]] | None,
    clock: Callable[[], datetime],
    signatures: list[tuple[str, bytes] | None] | None = None,
) -> tuple[list[Leaf], list[Stored]]:
    terms = d.terms
    parties = terms.parties.ids() | {IMPORTER}
    if as_party is not None and as_party not in parties:
        raise LedgerError(
            f"{as_party!r} is not a party in the terms (expected one of: "
            f"{', '.join(sorted(parties))})",
            param="as_party",
        )
    if key is not None and as_party is None:
        raise LedgerError("a signed batch names its declaring party", param="as_party")
    if key is not None and as_party == IMPORTER:
        raise LedgerError("the importer has no key: it signs nothing", param="key")
    by_id = {e.id: r for e in events if (r := d.record_of(e.id)) is not None}
    auth = d.authority.fork()  # a trial copy: what the store holds, then the new entries
    kid = signing.key_id(key.public_key()) if key is not None else None
    last = d.last_record()
    seq = last.seq if last is not None else 0
    stamp = clock()
    if last is not None and last.stamp is not None and stamp < last.stamp:
        stamp = last.stamp  # another writer's clock ran ahead: the log's time never goes back
    new: list[Event] = []
    new_origins: list[str] = []
    leaves: list[Leaf] = []
    already: list[Stored] = []
    start = _start_ts(d)
    given = signatures if signatures is not None else [None] * len(events)
    for ev, where, given_sig in zip(events, origins, given, strict=True):
        old = by_id.get(ev.id)
        if old is not None:
            if canonical(event_json(old.event)) != canonical(event_json(ev)):
                raise DuplicateId(
                    f"event id {ev.id!r} is already stored (seq {old.seq}) with other content; "
                    "a correction is a new event with 'supersedes'",
                    where=where,
                )
            already.append(old.stored)
            continue
        if as_party == IMPORTER:
            if ev.recorded_by != IMPORTER:
                raise LedgerError(
                    f"recorded_by is {ev.recorded_by!r}: an import names the importer as "
                    "recorded_by and keeps each event's declared_by",
                    where=where,
                )
        elif as_party is not None and ev.declared_by != as_party:
            raise LedgerError(
                f"declared_by is {ev.declared_by!r} but this batch is recorded as {as_party!r}",
                where=where,
            )
        if start is not None and _in_framework(ev) and ev.at.timestamp() < start:
            raise LedgerError(
                f"a {ev.type.replace('_', ' ')} inside the framework cannot precede the pause "
                f"start ({d.terms.agreement.start:%Y-%m-%d %H:%M} {d.terms.agreement.timezone}); "
                "record it with track = 'outside' or fix 'at'",
                where=where,
            )
        if known_people is not None:
            _check_people(ev, known_people, where)
        seq += 1
        body = event_json(ev)
        sig = given_sig
        if key is not None:
            assert kid is not None
            sig = (kid, signing.sign_event(key, d.ledger_id, ev.type, ev.id, canonical(body)))
        auth.admit(seq, ev, sig, stamp, where, check_signature=signatures is not None)
        leaf = encode_leaf(d.ledger_id, body, default_visibility(ev), sig, stamp)
        if len(leaf.data) > MAX_LEAF_BYTES:
            raise LedgerError(
                f"this event is {len(leaf.data):,} bytes stored; an entry is at most "
                f"{MAX_LEAF_BYTES:,} (the tlog-tiles format): split it over several events",
                where=where,
            )
        leaves.append(leaf)
        new.append(ev)
        new_origins.append(where)
    if new:
        check_rules(d, auth, new, new_origins, [stamp] * len(new))
    return leaves, already


def _check_people(ev: Event, known: dict[str, set[str]], where: str) -> None:
    """Where the ledger keeps personal data apart, every captive and prisoner id it names is a
    registered pseudonym (so `forget` can reach the person, and no name slips in as an id)."""
    ids: list[tuple[str, str]] = []
    if ev.type in ("captives_released", "list_announced") and ev.captives:
        ids = [("captive", c.id) for c in ev.captives]
    elif ev.type == "credit_granted" or (ev.type == "names_given" and ev.captives):
        ids = [("captive", c) for c in ev.captives or []]
    elif ev.type == "prisoners_released" and ev.prisoners:
        ids = [("prisoner", p.id) for p in ev.prisoners]
    for role, pid in ids:
        if pid not in known.get(role, set()):
            raise LedgerError(
                f"{role} {pid!r} is not registered in this ledger's people records "
                "(register people with `truce people add`; the ledger names them by pseudonym)",
                where=where,
            )


def _start_ts(d: LedgerDir) -> float | None:
    start = d.terms.agreement.start
    return start.replace(tzinfo=d.terms.agreement.zone).timestamp() if start else None


def _in_framework(ev: Event) -> bool:
    if ev.type == "captives_released":
        return ev.track == "framework"
    return ev.type in _NOT_BEFORE_START


def check_rules(
    d: LedgerDir,
    auth: Authority,
    new: list[Event],
    origins: list[str],
    stamps: list[datetime | None],
) -> None:
    """The whole ledger plus the new events must replay, under the terms versions in force
    after them: references resolve, corrections follow the rules, nobody is released twice,
    credits stay within what is creditable. (``record`` and ``sync`` both call this.)"""
    keep = [i for i, e in enumerate(new) if e.type not in LEDGER_TYPES]
    events = [new[i] for i in keep]
    where = [origins[i] for i in keep]
    known = [None if (t := stamps[i]) is None else t.timestamp() for i in keep]
    inc = d.engine()
    if inc.terms is None:  # an empty clone: its terms come with this batch
        h = d.history()
        h.extend(events, None, where, known)
        replay(auth.terms, h, amendments=auth.amendments())
        return
    # Judged from the state before the batch: only what the batch touches is tallied again
    # (truce.engine.incremental), and the directory's state is left as it was.
    inc.check(events, None, where, known, auth.amendments())
