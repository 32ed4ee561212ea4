"""Proof bundles a third party can check offline, holding only the log's public key.

An inclusion bundle says "this event is entry N of the log of size S with root R", with the
RFC 6962 audit path and, when one exists, the log's signed checkpoint of that size. A
consistency bundle says "the log of size M is a prefix of the log of size N".
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from truce.errors import BadInput, ProofError
from truce.ledger.directory import LedgerDir
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import merkle
from truce.ledger.log.leaf import decode_leaf

BUNDLE_VERSION = 1


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: object, what: str) -> bytes:
    if not isinstance(s, str):
        raise BadInput(f"{what}: expected base64 text")
    try:
        return base64.b64decode(s, validate=True)
    except ValueError:
        raise BadInput(f"{what}: not valid base64") from None


def _note_for(d: LedgerDir, size: int) -> str | None:
    for n, note in reversed(d.store.checkpoints()):
        if n == size:
            return note
    return None


def inclusion(d: LedgerDir, event_id: str, size: int | None = None) -> dict[str, Any]:
    """An inclusion bundle for a stored event (at the latest checkpoint's size by default)."""
    st = d.store.get(event_id)
    if st is None:
        raise BadInput(f"no event {event_id!r} in this ledger", where=str(d.path))
    tree = d.tree()
    if size is None:
        cps = [n for n, _ in d.store.checkpoints() if n >= st.seq]
        size = max(cps) if cps else tree.size
    if not st.seq <= size <= tree.size:
        raise BadInput(
            f"size must be between {st.seq} (the event's seq) and {tree.size}", param="size"
        )
    return {
        "truce_proof": BUNDLE_VERSION,
        "kind": "inclusion",
        "origin": d.origin,
        "seq": st.seq,
        "event_id": event_id,
        "leaf": _b64(st.leaf.data),
        "size": size,
        "root": _b64(tree.root(size)),
        "proof": [_b64(h) for h in tree.inclusion_proof(st.seq - 1, size)],
        "checkpoint": _note_for(d, size),
    }


def consistency(d: LedgerDir, old: int, new: int | None = None) -> dict[str, Any]:
    """A consistency bundle: the log at ``old`` entries is a prefix of the log at ``new``."""
    tree = d.tree()
    new = tree.size if new is None else new
    if not 0 < old <= new <= tree.size:
        raise BadInput(f"expected 0 < from <= size <= {tree.size}", param="from_size")
    return {
        "truce_proof": BUNDLE_VERSION,
        "kind": "consistency",
        "origin": d.origin,
        "old_size": old,
        "old_root": _b64(tree.root(old)),
        "size": new,
        "root": _b64(tree.root(new)),
        "proof": [_b64(h) for h in tree.consistency_proof(old, new)] if old < new else [],
        "checkpoint": _note_for(d, new),
    }


def check(bundle_text: str, log_key: Ed25519PublicKey | None) -> str:
    """Verify a bundle offline; return what it proves in one line, or raise ProofError."""
    try:
        b = json.loads(bundle_text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not a proof bundle: {exc.msg}") from None
    if not isinstance(b, dict) or b.get("truce_proof") != BUNDLE_VERSION:
        raise BadInput("not a truce proof bundle (truce_proof: 1)")
    root = _unb64(b.get("root"), "root")
    size = b.get("size")
    proof = [_unb64(h, "proof") for h in b.get("proof") or []]
    if not isinstance(size, int):
        raise BadInput("size: expected an integer")
    signed = ""
    if b.get("checkpoint"):
        note = cpt.parse_note(str(b["checkpoint"]))
        if note.checkpoint.size != size or note.checkpoint.root != root:
            raise ProofError("the checkpoint in the bundle is for another size or root")
        if note.checkpoint.origin != b.get("origin"):
            raise ProofError("the checkpoint in the bundle is for another log")
        if log_key is not None:
            cpt.log_signer(note, log_key)
            signed = ", signed by the log"
    elif log_key is not None:
        raise ProofError("the bundle carries no checkpoint to check the log key against")
    if b.get("kind") == "inclusion":
        data = _unb64(b.get("leaf"), "leaf")
        seq = b.get("seq")
        if not isinstance(seq, int):
            raise BadInput("seq: expected an integer")
        merkle.verify_inclusion(merkle.leaf_hash(data), seq - 1, size, proof, root)
        ev = decode_leaf(data, seq)["event"]
        if ev.get("id") != b.get("event_id"):
            raise ProofError("the leaf is not the event the bundle names")
        return f"event {ev.get('id')!r} is entry {seq} of {b['origin']} at size {size}{signed}"
    if b.get("kind") == "consistency":
        old = b.get("old_size")
        if not isinstance(old, int):
            raise BadInput("old_size: expected an integer")
        old_root = _unb64(b.get("old_root"), "old_root")
        if old == size:
            if old_root != root or proof:
                raise ProofError("same size, different root: two histories")
        else:
            merkle.verify_consistency(old, size, proof, old_root, root)
        return f"{b['origin']} at size {old} is a prefix of size {size}{signed}"
    raise BadInput("kind: expected inclusion or consistency")
