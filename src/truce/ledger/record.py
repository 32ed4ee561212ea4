"""Appending events to a ledger directory: the one way in. Everything is checked first;
a rejected batch changes nothing, and a batch is stored only if nobody appended meanwhile."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truce.engine.state import replay
from truce.errors import ConflictError, DuplicateId, IntegrityError, LedgerError, SignatureError
from truce.events import Event, KeyAdded, KeyRevoked, TermsSet
from truce.ledger import signing
from truce.ledger.directory import LEDGER_TYPES, LedgerDir, event_json, terms_version
from truce.ledger.leaf import canonical, encode_leaf
from truce.ledger.load import IMPORTER, load_days_csv, read_events_jsonl
from truce.ledger.store import Leaf, Stored

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
    """A list is mediator-only by default (exports open it once its day has releases)."""
    if ev.visibility is not None:
        return ev.visibility
    return "mediator" if ev.type == "list_announced" else "public"


def keyring(d: LedgerDir) -> signing.Keyring:
    """Keys from the base terms and every key event stored so far."""
    initial: dict[str, list[str]] = {}
    for p in d.terms.parties.all():
        if p.public_key:
            initial.setdefault(p.id, []).append(p.public_key)
    ring = signing.Keyring(initial)
    for r in d.key_records:
        apply_key_event(ring, r.event, r.seq, where=f"seq {r.seq}")
    return ring


def apply_key_event(ring: signing.Keyring, ev: Event, seq: int, where: str) -> None:
    """Add or revoke a key; only the party itself or the terms' reference party may."""
    if isinstance(ev, KeyAdded | KeyRevoked):
        try:
            ring.apply(
                signing.KeyChange(
                    seq, ev.party, "add" if ev.type == "key_added" else "revoke", ev.public_key
                )
            )
        except LedgerError:
            raise
        except Exception as exc:  # BadInput from the keyring: name the line
            raise LedgerError(str(exc), where=where) from None


def record(
    d: LedgerDir,
    events: list[Event],
    origins: list[str],
    *,
    as_party: str | None = None,
    key: Ed25519PrivateKey | None = None,
    known_captives: set[str] | None = None,
) -> Recorded:
    """Check and append events; retried from scratch if another writer appended meanwhile."""
    for attempt in range(RETRIES):
        d.refresh()
        leaves, already = _prepare(d, events, origins, as_party, key, known_captives)
        size = d.all_records[-1].seq if d.all_records else 0
        try:
            stored = d.store.append(leaves, expected_size=size)
        except ConflictError:
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
    known_captives: set[str] | None,
) -> tuple[list[Leaf], list[Stored]]:
    terms = d.terms
    parties = terms.parties.ids() | {IMPORTER}
    if as_party is not None and as_party not in parties:
        raise LedgerError(
            f"{as_party!r} is not a party in the terms (expected one of: "
            f"{', '.join(sorted(parties))})",
            where="--as",
        )
    if key is not None and as_party is None:
        raise LedgerError("signing with --key needs --as PARTY", where="--key")
    by_id = {e.id: r for e in events if (r := d.record_of(e.id)) is not None}
    ring = keyring(d)
    kid = signing.key_id(key.public_key()) if key is not None else None
    seq = d.all_records[-1].seq if d.all_records else 0
    new: list[Event] = []
    new_origins: list[str] = []
    leaves: list[Leaf] = []
    already: list[Stored] = []
    start = _start_ts(d)
    for ev, where in zip(events, origins, strict=True):
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
        if as_party is not None and ev.declared_by != as_party:
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
        if known_captives is not None and ev.type == "captives_released" and ev.captives:
            for c in ev.captives:
                if c.id not in known_captives:
                    raise LedgerError(
                        f"captive {c.id!r} is not registered in this ledger's people records",
                        where=where,
                    )
        if isinstance(ev, KeyAdded | KeyRevoked) and ev.declared_by not in (
            ev.party,
            terms.parties.reference,
        ):
            raise LedgerError(
                f"a key of {ev.party!r} can be added or revoked only by {ev.party!r} or the "
                f"reference party {terms.parties.reference!r}",
                where=where,
            )
        if isinstance(ev, TermsSet):
            _check_amendment(d, ev, seq + 1, where)
        seq += 1
        body = event_json(ev)
        sig: tuple[str, bytes] | None = None
        if key is not None:
            assert kid is not None
            try:
                ring.valid(ev.declared_by, kid, seq)
            except SignatureError as exc:
                raise LedgerError(str(exc), where=where) from None
            sig = (kid, signing.sign_event(key, d.ledger_id, ev.type, ev.id, canonical(body)))
        elif ring.active(ev.declared_by, seq):
            raise LedgerError(
                f"party {ev.declared_by!r} has a registered signing key: sign with "
                f"--as {ev.declared_by} --key KEYFILE",
                where=where,
            )
        apply_key_event(ring, ev, seq, where)
        leaves.append(encode_leaf(d.ledger_id, body, default_visibility(ev), sig))
        new.append(ev)
        new_origins.append(where)
    if new:
        _check_rules(d, new, new_origins)
    return leaves, already


def _start_ts(d: LedgerDir) -> float | None:
    start = d.terms.agreement.start
    return start.replace(tzinfo=d.terms.agreement.zone).timestamp() if start else None


def _in_framework(ev: Event) -> bool:
    if ev.type == "captives_released":
        return ev.track == "framework"
    return ev.type in _NOT_BEFORE_START


def _check_amendment(d: LedgerDir, ev: TermsSet, seq: int, where: str) -> None:
    from truce.engine.versions import fixed_difference

    try:
        tv = terms_version(ev, seq, 0)
    except IntegrityError as exc:
        raise LedgerError(str(exc), where=where) from None
    why = fixed_difference(d.terms, tv.terms)
    if why is not None:
        raise LedgerError(why, where=where)
    last = d.versions[-1]
    if len(d.versions) > 1 and ev.effective_at.timestamp() < last.effective_at.timestamp():
        raise LedgerError(
            f"effective_at {ev.effective_at.isoformat()} is before the terms in force since "
            f"{last.effective_at.isoformat()} (version {last.version})",
            where=where,
        )


def _check_rules(d: LedgerDir, new: list[Event], origins: list[str]) -> None:
    """The whole ledger plus the new events must replay: references resolve, nobody is
    released twice, credits stay within what is creditable."""
    pairs = [(e, o) for e, o in zip(new, origins, strict=True) if e.type not in LEDGER_TYPES]
    h = d.history()  # a copy: extending it leaves the directory's cache untouched
    h.extend([e for e, _ in pairs], None, [o for _, o in pairs])
    replay(d.terms, h, amendments=d.amendments())
