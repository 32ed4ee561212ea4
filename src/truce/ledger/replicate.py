"""Replicas: pull new entries from another copy of the same ledger, and compare two copies.

A copy accepts entries from a source only if the source's log, cut at our size, has our root
(nothing we hold was changed or dropped), and the source is consistent with every checkpoint we
hold. The leaves are stored byte for byte, so both copies keep the same roots.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from truce.errors import BadInput, IntegrityError
from truce.ledger import checkpoint as cpt
from truce.ledger import merkle
from truce.ledger.directory import (
    CONFIG,
    LOG_NAME,
    LOG_PUB,
    TERMS,
    LedgerDir,
    decode,
    open_store,
    write_config,
)


@dataclass(frozen=True)
class Comparison:
    """Where two copies stand: sizes, roots, and the first sequence number that differs."""

    size: int
    other_size: int
    common: int  # entries identical in both, from seq 1
    first_difference: int | None  # seq of the first differing entry, None if one is a prefix

    @property
    def relation(self) -> str:
        """identical | behind | ahead | diverged."""
        if self.first_difference is not None:
            return "diverged"
        if self.size == self.other_size:
            return "identical"
        return "behind" if self.size < self.other_size else "ahead"


def compare(a: LedgerDir, b: LedgerDir) -> Comparison:
    """Compare two copies entry by entry (by leaf hash) and say where they part."""
    if a.ledger_id != b.ledger_id:
        raise BadInput(f"different ledgers: {a.ledger_id!r} and {b.ledger_id!r}", where=str(b.path))
    ha = [s.hash for s in a.store.read()]
    hb = [s.hash for s in b.store.read()]
    common = 0
    for x, y in zip(ha, hb, strict=False):
        if x != y:
            return Comparison(len(ha), len(hb), common, common + 1)
        common += 1
    return Comparison(len(ha), len(hb), common, None)


def sync(d: LedgerDir, source: LedgerDir) -> int:
    """Pull entries we lack from ``source``; return how many were added. Refuses anything
    inconsistent with what we hold (our entries, our checkpoints)."""
    if d.ledger_id != source.ledger_id:
        raise BadInput(
            f"{source.path} holds ledger {source.ledger_id!r}, not {d.ledger_id!r}",
            where=str(source.path),
        )
    ours = d.store.head()
    src_hashes = [s.hash for s in source.store.read()]
    src_tree = merkle.Tree(src_hashes)
    if src_tree.size < ours.size:
        raise IntegrityError(
            f"the source has {src_tree.size} entries, fewer than our {ours.size}: it is "
            "behind or was cut short; nothing pulled",
            seq=src_tree.size + 1,
            kind="truncated",
        )
    if src_tree.root(ours.size) != ours.root:
        c = compare(d, source)
        raise IntegrityError(
            f"the source's history differs from ours at seq {c.first_difference}: refusing to "
            "pull from a copy that rewrote what we hold",
            seq=c.first_difference,
            kind="diverged",
        )
    log_pub = d.log_public_key()
    for size, note in d.store.checkpoints():
        cp = cpt.parse_note(note).checkpoint
        if size <= src_tree.size and src_tree.root(size) != cp.root:
            raise IntegrityError(
                f"the source's root at size {size} differs from our signed checkpoint",
                seq=size,
                kind="checkpoint",
            )
    new = list(source.store.read(ours.size + 1))
    for st in new:
        decode(st, d.ledger_id)  # every leaf must be a valid event of this ledger
    if new:
        d.store.append([st.leaf for st in new], expected_size=ours.size)
    for size, note in source.store.checkpoints():
        signed = cpt.parse_note(note)
        cpt.verify_signature(signed, LOG_NAME, log_pub)
        if signed.checkpoint.root == src_tree.root(size):
            d.store.add_checkpoint(size, note)
    d.refresh()
    return len(new)


def clone(source: LedgerDir, dest: Path, store: str = "sqlite") -> LedgerDir:
    """A new copy of ``source`` in ``dest`` (its own store; the log's public key, not its
    private key), filled by ``sync``. Each party can keep one and check the others with it."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BadInput("exists and is not an empty directory", where=str(dest))
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "keys").mkdir(mode=0o700)
    shutil.copyfile(source.path / TERMS, dest / TERMS)
    shutil.copyfile(source.path / LOG_PUB, dest / LOG_PUB)
    config = {"ledger_id": source.ledger_id, "origin": source.origin, "store": store}
    write_config(dest / CONFIG, config)
    st = open_store(dest, store, source.ledger_id)
    st.set_meta("ledger_id", source.ledger_id)
    st.set_meta("origin", source.origin)
    copy = LedgerDir(dest, config, st)
    sync(copy, source)
    return copy
