"""What lets others check the log without trusting whoever holds it, one function each: signed
checkpoints, a witness party's cosignature, and proof bundles checked offline.

Time is an argument (``now``): the interface reads the clock, never these functions.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from truce.app.ledger_schemas import (
    CheckpointOut,
    ConsistencyProof,
    InclusionProof,
    ProofCheckOut,
)
from truce.app.opened import Ledger, opened
from truce.errors import BadInput, IntegrityError
from truce.ledger import proofs
from truce.ledger.directory import LedgerDir
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import signing


def make_checkpoint(directory: Ledger) -> CheckpointOut:
    """Sign the log's current size and root with the log key, and store the note."""
    with opened(directory) as d:
        tree = d.tree()
        signed = cpt.sign_checkpoint(
            cpt.Checkpoint(d.origin, tree.size, tree.root()), d.origin, d.log_private_key()
        )
        note = cpt.format_note(signed)
        d.store.add_checkpoint(tree.size, note)
        return CheckpointOut(size=tree.size, note=note, cosigned_by=None)


def log_vkey(directory: Ledger) -> str:
    """The log's signed-note verifier key (its name is the origin), as generic C2SP tools and
    witnesses are configured with."""
    with opened(directory) as d:
        return cpt.vkey(d.origin, d.log_public_key())


Post = Callable[[str, str], tuple[int, str]]
"""Send a body to a URL, return (HTTP status, text): the interface's HTTP client."""


def witness_checkpoint(directory: Ledger, witnesses: Sequence[str], post: Post) -> CheckpointOut:
    """Sign a checkpoint at the current size and ask each witness (a C2SP tlog-witness
    ``add-checkpoint`` URL) to cosign it, with the consistency proof from the size it last
    cosigned (learnt from its 409 answer); store the note with every cosignature received.
    A witness that refuses is an IntegrityError naming it and its answer (nothing stored)."""
    with opened(directory) as d:
        made = make_checkpoint(d)
        signed = cpt.parse_note(made.note)
        tree = d.tree()
        size = signed.checkpoint.size
        lines: list[str] = []
        names: list[str] = []
        for url in witnesses:
            old, proof = 0, list[bytes]()
            for _ in range(2):
                body = f"old {old}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof)
                status, text = post(url, body + "\n" + made.note)
                if status == 409 and text.strip().isdigit() and int(text) != old:
                    old = int(text)
                    if old > size:
                        break
                    proof = tree.consistency_proof(old, size) if 0 < old < size else []
                    continue
                break
            if status != 200:
                raise IntegrityError(
                    f"witness {url} refused the checkpoint at size {size} (HTTP {status}): "
                    f"{text.strip()[:300]}",
                    kind="witness",
                )
            got = [x for x in text.splitlines() if x.startswith(cpt.SIG_LINE_PREFIX)]
            lines += got
            names += [x[len(cpt.SIG_LINE_PREFIX) :].split(" ", 1)[0] for x in got]
        note = made.note + "".join(x + "\n" for x in lines)
        cpt.parse_note(note)  # still a well-formed signed note
        d.store.add_checkpoint(size, note)
        return CheckpointOut(size=size, note=note, cosigned_by=", ".join(names) or None)


def cosign_checkpoint(
    directory: Path,
    cosign: str,
    *,
    key: Ed25519PrivateKey | None,
    now: datetime,
    state: Path | None = None,
) -> CheckpointOut:
    """Cosign the latest checkpoint as the witness party ``cosign``, with a key registered to
    it: only when the checkpoint extends the last one this party cosigned (its state file,
    DIR/witness/PARTY.json by default). Stores the cosigned note; a refusal stores nothing."""
    if key is None:
        raise BadInput("cosigning needs the cosigning party's private key", param="key")
    with LedgerDir.open(directory) as d:
        tree = d.tree()
        cps = d.store.checkpoints()
        if not cps:
            raise BadInput("no checkpoint to cosign: the log has signed none yet")
        check_cosigner(d, cosign, key, tree.size + 1)
        size, note = cps[-1]
        signed = cpt.parse_note(note)
        path = state or d.path / "witness" / f"{cosign}.json"
        path.parent.mkdir(exist_ok=True)
        w = cpt.Witness(path, cosign, key)
        last = w.latest(d.origin)
        old = last[0] if last else 0
        proof = tree.consistency_proof(old, size) if 0 < old < size else []
        cosigned = w.add_checkpoint(
            signed, None, d.log_public_key(), old, proof, int(now.timestamp())
        )
        text = cpt.format_note(cosigned)
        d.store.add_checkpoint(size, text)
        return CheckpointOut(size=size, note=text, cosigned_by=cosign)


def check_cosigner(d: LedgerDir, party: str, key: Ed25519PrivateKey, seq: int) -> None:
    """A cosignature is made only by a party, with a key registered to it and valid at ``seq``."""
    ids = d.terms.parties.ids()
    if party not in ids:
        raise BadInput(
            f"{party!r} is not a party in the terms (expected one of: {', '.join(sorted(ids))})",
            param="cosign",
        )
    kid = signing.key_id(key.public_key())
    active = d.authority.ring.active(party, seq)
    if kid not in active:
        have = f"its keys: {', '.join(active)}" if active else "it has no registered key"
        raise BadInput(
            f"key {kid} is not a registered key of {party!r} ({have}); nothing stored",
            param="key",
        )


def prove_inclusion(directory: Ledger, event_id: str, size: int | None = None) -> InclusionProof:
    """A bundle proving a stored event is an entry of the log at ``size`` (by default the
    latest checkpoint's size that holds it), with the signed checkpoint of that size if any."""
    with opened(directory) as d:
        return InclusionProof.model_validate(proofs.inclusion(d, event_id, size))


def prove_consistency(
    directory: Ledger, from_size: int, size: int | None = None
) -> ConsistencyProof:
    """A bundle proving the log at ``from_size`` entries is a prefix of the log at ``size``
    (by default its current size), with the signed checkpoint of that size if any."""
    with opened(directory) as d:
        return ConsistencyProof.model_validate(proofs.consistency(d, from_size, size))


def verify_proof_bundle(bundle: str, log_key: Ed25519PublicKey | None = None) -> ProofCheckOut:
    """Check a proof bundle (its JSON text) offline, without the ledger; with the log's public
    key, its checkpoint's signature too. One that does not verify raises ProofError."""
    return ProofCheckOut(ok=True, proves=proofs.check(bundle, log_key))


__all__ = [
    "check_cosigner",
    "cosign_checkpoint",
    "make_checkpoint",
    "prove_consistency",
    "prove_inclusion",
    "verify_proof_bundle",
]
