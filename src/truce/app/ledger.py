"""The ledger use cases, one function each: plain typed arguments in, typed results out. The CLI
calls them today; the service, the dashboard and the briefings will call the same functions.

Time is an argument (``now``): the interface reads the clock, never these functions.
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truce.app.ledger_schemas import (
    AmendmentOut,
    CompareOut,
    HeadOut,
    KeyOut,
    LogEntry,
    RecordOut,
    VerifyFailed,
    VerifyOk,
    VerifyOut,
)
from truce.app.opened import Ledger, opened
from truce.errors import BadInput, IntegrityError
from truce.events import EVENT_ADAPTER, TermsAgreed, TermsSet
from truce.ledger.directory import LedgerDir, event_json
from truce.ledger.export import export, visible
from truce.ledger.log.leaf import format_stamp
from truce.ledger.record import read_file, record
from truce.ledger.replicate import compare
from truce.ledger.store.contract import Head
from truce.ledger.verify import verify
from truce.terms import load_terms


def verify_ledger(directory: Ledger, checkpoints: list[Path] | None = None) -> VerifyOut:
    """Re-derive every hash, signature and checkpoint of a ledger directory; a ledger that does
    not verify is a ``VerifyFailed`` naming the first bad item (not an exception)."""
    with opened(directory) as d:
        try:
            rep = verify(d, checkpoints or [])
        except IntegrityError as exc:
            return VerifyFailed(
                ok=False, ledger=d.ledger_id, error=str(exc), first_bad_seq=exc.seq, kind=exc.kind
            )
        return VerifyOk(
            ok=True,
            ledger=d.ledger_id,
            size=rep.head.size,
            root=base64.b64encode(rep.head.root).decode(),
            events=rep.events,
            signed=rep.signed,
            checkpoints=rep.checkpoints,
            cosigners=sorted(rep.cosigners),
            unverified_cosigners=sorted(rep.unverified),
            witnessed_by=rep.witnessed_by,
            witnesses=rep.witnesses,
            quorum=rep.quorum,
            quorum_met=None if rep.quorum is None else len(rep.witnessed_by) >= rep.quorum,
        )


def compare_ledgers(directory: Path, other: Path) -> CompareOut:
    """Where two copies of one ledger stand: identical, behind, ahead or diverged, and where."""
    with LedgerDir.open(directory) as d, LedgerDir.open(other) as o:
        c = compare(d, o)
        return CompareOut(
            relation=c.relation,
            size=c.size,
            other_size=c.other_size,
            common=c.common,
            first_difference=c.first_difference,
        )


def head_out(head: Head) -> HeadOut:
    """A store's head as a result: size and base64 root."""
    return HeadOut(size=head.size, root=base64.b64encode(head.root).decode())


def record_events(
    directory: Path,
    file: Path,
    *,
    now: datetime,
    as_party: str | None = None,
    key: Ed25519PrivateKey | None = None,
) -> RecordOut:
    """Append the events of a file (JSONL events or a day-summary CSV), each stamped ``now``:
    the one way to append. The whole file is checked first (the ledger's rules, signatures,
    and the people registered in people.db where the ledger keeps them): a bad file changes
    nothing. Events already stored with the same content are counted, not added (retries)."""
    from truce.app.people import known_people

    with LedgerDir.open(directory, resume=True) as d:
        events, origins = read_file(d, file)
        res = record(
            d,
            events,
            origins,
            as_party=as_party,
            key=key,
            known_people=known_people(d),
            clock=lambda: now,
        )
        d.keep_snapshot()  # the next process resumes from here (truce.ledger.snapshot)
        return RecordOut(
            added=[st.seq for st in res.added],
            already=len(res.already),
            head=head_out(d.store.head()),
        )


def export_ledger(
    directory: Ledger,
    *,
    fmt: str = "jsonl",
    audience: str = "public",
    include_personal: bool = False,
    out: Path | None = None,
) -> str | None:
    """The events (jsonl, csv, parquet) or the day summary (days) an audience may see, as text,
    or None when written to ``out`` (which Parquet, being binary, needs)."""
    with opened(directory) as d:
        return export(d, fmt, audience, include_personal, out)


def log_entries(
    directory: Ledger,
    *,
    type_: str | None = None,
    party: str | None = None,
    since: int = 1,
    audience: str = "mediator",
) -> list[LogEntry]:
    """The stored entries an audience may see, filtered by type, declaring party and seq."""
    with opened(directory) as d:
        return [
            LogEntry(
                seq=r.seq,
                visibility=r.visibility,
                signed_with=r.sig[0] if r.sig else None,
                logged_at=None if r.stamp is None else format_stamp(r.stamp),
                event=event_json(r.event),
            )
            for r in visible(d.all_records, audience)
            if r.seq >= since
            and (type_ is None or r.event.type == type_)
            and (party is None or r.event.declared_by == party)
        ]


def propose_amendment(
    directory: Path,
    terms_path: Path,
    *,
    effective_at: datetime,
    as_party: str,
    now: datetime,
    key: Ed25519PrivateKey | None = None,
    retroactive: bool = False,
    source: str | None = None,
) -> AmendmentOut:
    """Propose amended terms (the whole terms file) from ``effective_at``; the proposer's own
    assent where it is one of the parties who must assent (docs/ledger.md, who may do what)."""
    t = load_terms(terms_path)
    with LedgerDir.open(directory) as d:
        n = sum(r.event.type == "terms_set" for r in d.all_records) + 1
        ev = TermsSet(
            id=f"terms-{n}",
            type="terms_set",
            at=effective_at,
            recorded_at=now,
            effective_at=effective_at,
            retroactive=retroactive,
            declared_by=as_party,
            recorded_by=as_party,
            terms=t.model_dump(mode="json", by_alias=True, exclude_none=True),
            digest=t.digest(),
            sources=[source] if source else [],
            note=f"amended terms from {terms_path.name}",
        )
        res = record(d, [ev], [str(terms_path)], as_party=as_party, key=key, clock=lambda: now)
        return amendment_state(d, ev.id, res.added[0].seq, t.digest())


def assent_to_amendment(
    directory: Path,
    amendment: str,
    *,
    as_party: str,
    now: datetime,
    key: Ed25519PrivateKey | None = None,
    retroactive: bool = False,
) -> AmendmentOut:
    """Record a party's assent to a pending amendment (a terms_agreed naming its digest)."""
    with LedgerDir.open(directory) as d:
        pending = [p for p in d.authority.pending if p.event.id == amendment]
        if not pending:
            ids = ", ".join(p.event.id for p in d.authority.pending) or "none"
            raise BadInput(
                f"no amendment {amendment!r} awaits assent (pending: {ids})", where="amendment"
            )
        p = pending[0]
        if as_party in p.assents:
            raise BadInput(f"{as_party!r} has already assented to {amendment!r}", where="as_party")
        digest = p.terms.digest()
        ev = TermsAgreed(
            id=f"assent-{amendment}-{as_party}",
            type="terms_agreed",
            at=now,
            recorded_at=now,
            declared_by=as_party,
            recorded_by=as_party,
            terms_digest=digest,
            retroactive=retroactive,
            note=f"assent to the amendment {amendment}",
        )
        res = record(d, [ev], ["assent"], as_party=as_party, key=key, clock=lambda: now)
        return amendment_state(d, amendment, res.added[0].seq, digest)


def amendment_state(d: LedgerDir, event_id: str, seq: int, digest: str) -> AmendmentOut:
    """An amendment's standing: in force (as which version, from when) or waiting for whom."""
    for v in d.versions:
        if v.ref == f"event:{event_id}":
            return AmendmentOut(
                amendment=event_id,
                seq=seq,
                digest=digest,
                in_force_as=v.version,
                effective_at=v.effective_at.isoformat(),
                waiting_for=[],
            )
    waiting = next(
        (d.authority.waiting_for(p) for p in d.authority.pending if p.event.id == event_id), []
    )
    return AmendmentOut(
        amendment=event_id,
        seq=seq,
        digest=digest,
        in_force_as=None,
        effective_at=None,
        waiting_for=waiting,
    )


def change_key(
    directory: Path,
    kind: str,
    party: str,
    public_key: str,
    *,
    as_party: str,
    now: datetime,
    key: Ed25519PrivateKey | None = None,
) -> int:
    """Add or revoke a party's signing key (``kind``: key_added | key_revoked); returns its seq.
    Who may is the ledger's rule (docs/ledger.md), enforced when it is recorded."""
    from truce.ledger.log import signing

    signing.parse_public_key(public_key)
    with LedgerDir.open(directory) as d:
        ev = EVENT_ADAPTER.validate_python(
            {
                "id": f"{kind}-{party}-{len(d.all_records) + 1}",
                "type": kind,
                "at": now,
                "recorded_at": now,
                "declared_by": as_party,
                "recorded_by": as_party,
                "party": party,
                "public_key": public_key,
            }
        )
        res = record(d, [ev], ["keys"], as_party=as_party, key=key, clock=lambda: now)
        return res.added[0].seq


def new_key(party: str, out: Path, passphrase: bytes | None) -> KeyOut:
    """Make an Ed25519 key pair for a party: the private key in ``out`` (PKCS8, mode 0600,
    encrypted with ``passphrase`` if given), the public key beside it in ``out``.pub. Refuses to
    overwrite either file."""
    from truce.ledger.log import signing

    k = signing.new_key()
    pub_file = out.with_name(out.name + ".pub")
    if pub_file.exists():
        raise BadInput("already exists; refusing to overwrite it", where=str(pub_file))
    signing.save_private_key(out, k, passphrase)
    pub = signing.public_key_text(k.public_key())
    pub_file.write_text(pub + "\n")
    return KeyOut(
        party=party,
        public_key=pub,
        key_id=signing.key_id(k.public_key()),
        private_key_file=str(out),
        public_key_file=str(pub_file),
    )


__all__ = [
    "amendment_state",
    "assent_to_amendment",
    "change_key",
    "compare_ledgers",
    "export_ledger",
    "head_out",
    "log_entries",
    "new_key",
    "propose_amendment",
    "record_events",
    "verify_ledger",
]
