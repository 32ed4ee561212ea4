"""`truce verify`: re-derive everything a ledger directory claims and name the first bad item.

Checked, in order: the store (every hash, the root, gap-free sequence, columns = hashed bytes,
SQLite's own integrity check); every leaf decodes to a valid event of this ledger in canonical
form; the first event sets the terms and the directory's terms file matches; every signature
with the key valid at its position, and every event of a party with a key is signed; the whole
history replays under the rules; every checkpoint (stored, in files given, held by witnesses)
is signed by the log and matches the root of the log at its size. A log cut short or
rewritten after a checkpoint is caught here even when every remaining row is intact.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from truce.engine.state import replay
from truce.errors import BadInput, IntegrityError, LedgerError, SignatureError
from truce.ledger.authority import Authority, Refused
from truce.ledger.directory import TERMS, LedgerDir
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import signing
from truce.ledger.store.contract import Head
from truce.ledger.witnesses import load_witnesses
from truce.terms import load_terms


@dataclass
class Report:
    """What verify checked: the head, counts, and the checkpoints it compared against."""

    head: Head
    events: int = 0
    signed: int = 0
    checkpoints: list[str] = field(default_factory=list)
    cosigners: set[str] = field(default_factory=set)
    unverified: set[str] = field(default_factory=set)  # cosigners with no registered key
    witnessed_by: list[str] = field(default_factory=list)  # listed witnesses on the latest
    witnesses: int = 0  # how many the ledger lists (DIR/witnesses.toml)
    quorum: int | None = None  # how many must cosign the latest checkpoint


def verify(d: LedgerDir, extra: list[Path] | None = None) -> Report:
    """Verify a ledger directory; raise IntegrityError naming the first bad sequence number."""
    head = d.store.verify()
    d.reload()
    recs = d.all_records  # decodes every leaf: ledger id, validity, canonical form
    if not recs or recs[0].event.type != "terms_set":
        raise IntegrityError("seq 1 must set the terms (terms_set)", seq=1, kind="terms")
    terms_file = d.path / TERMS
    report = Report(head, events=len(recs))
    auth = Authority(d.ledger_id)
    for r in recs:
        try:
            auth.admit(r.seq, r.event, r.sig, r.stamp, f"seq {r.seq}")
        except Refused as exc:
            raise IntegrityError(str(exc), seq=r.seq, kind=exc.kind) from None
        if r.sig is not None:
            report.signed += 1
    base = auth.versions[0]
    if not terms_file.exists():
        raise IntegrityError(
            f"{terms_file} is missing: the directory's copy of the terms set at seq 1 "
            "(restore it from a copy, or export it from seq 1)",
            seq=1,
            kind="terms",
        )
    try:
        digest = load_terms(terms_file).digest()
    except BadInput as exc:
        raise IntegrityError(f"{terms_file}: {exc}", kind="terms") from None
    if digest != base.digest:
        raise IntegrityError(
            f"{terms_file} differs from the terms set at seq 1 (digest {digest[:16]} vs "
            f"{base.digest[:16]})",
            seq=1,
            kind="terms",
        )
    ring = auth.ring
    try:
        replay(d.terms, d.history())
    except LedgerError as exc:
        raise IntegrityError(f"the stored events break the rules: {exc}", kind="rules") from None
    _checkpoints(d, head, report, extra or [], ring)
    return report


def _checkpoints(
    d: LedgerDir, head: Head, report: Report, extra: list[Path], ring: signing.Keyring
) -> None:
    """Every checkpoint we hold must be signed by the log and agree with the log's root."""
    tree = d.tree()
    log_pub = d.log_public_key()
    notes: list[tuple[str, str]] = [
        (f"stored checkpoint {n}", note) for n, note in d.store.checkpoints()
    ]
    for p in extra:
        try:
            notes.append((str(p), p.read_text()))
        except OSError as exc:
            raise BadInput(f"cannot read: {exc.strerror}", where=str(p)) from None
    for p in sorted((d.path / "witness").glob("*.json")) if (d.path / "witness").is_dir() else []:
        entry = cpt.read_witness_state(p).get(d.origin)
        if entry is not None:
            notes.append((f"witness state {p.name}", cpt.witness_note(entry, d.origin, p)))
    parties = {p.id: p for p in d.terms.parties.all()}
    listed = load_witnesses(d.path)
    named = listed.by_name() if listed is not None else {}
    if listed is not None:
        report.witnesses, report.quorum = len(listed.witnesses), listed.quorum
    latest = -1
    for label, text in notes:
        signed = cpt.parse_note(text)
        cp = signed.checkpoint
        if cp.origin != d.origin:
            raise IntegrityError(
                f"{label}: for log {cp.origin!r}, not {d.origin!r}", kind="checkpoint"
            )
        signer = cpt.log_signer(signed, log_pub)
        if cp.size > head.size:
            raise IntegrityError(
                f"{label}: the log had {cp.size} entries when it was signed but holds only "
                f"{head.size} now: entries {head.size + 1}..{cp.size} were removed",
                seq=head.size + 1,
                kind="truncated",
            )
        if tree.root(cp.size) != cp.root:
            raise IntegrityError(
                f"{label}: the log's root at size {cp.size} differs from the signed one: "
                f"history was rewritten (an entry at or before seq {cp.size} changed)",
                seq=cp.size,
                kind="rewritten",
            )
        witnessed = set()
        for sig in signed.signatures:
            if sig.name == signer:
                continue
            if sig.name in named:
                if not _cosigned(signed, sig.name, named[sig.name].key):
                    raise SignatureError(
                        f"{label}: cosignature of witness {sig.name!r} does not verify"
                    )
                witnessed.add(sig.name)
                continue
            if sig.name not in parties:
                report.unverified.add(sig.name)
                continue
            keys = [
                ring.valid(sig.name, kid, at)
                for at in (cp.size, head.size + 1)
                for kid in ring.active(sig.name, at)
            ]
            if not keys:
                report.unverified.add(sig.name)
                continue
            if not any(_cosigned(signed, sig.name, k) for k in keys):
                raise SignatureError(f"{label}: cosignature of {sig.name!r} does not verify")
            report.cosigners.add(sig.name)
        report.checkpoints.append(f"{label}: size {cp.size} ok")
        if label.startswith("stored") and cp.size >= latest:  # the latest stored checkpoint
            if cp.size > latest:
                report.witnessed_by = []
            latest = cp.size
            report.witnessed_by = sorted(set(report.witnessed_by) | witnessed)


def _cosigned(signed: cpt.SignedCheckpoint, name: str, key: Ed25519PublicKey) -> bool:
    try:
        cpt.verify_cosignature(signed, name, key)
    except (SignatureError, BadInput):
        return False
    return True


def head_text(head: Head) -> str:
    """A head as one line: size and base64 root."""
    return f"size {head.size}, root {base64.b64encode(head.root).decode()}"


__all__ = ["Report", "head_text", "verify"]
