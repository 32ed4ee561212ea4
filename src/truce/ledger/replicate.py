"""Replicas: pull new entries from another copy of the same ledger, and compare two copies.

A copy accepts entries from a source only if the source's log, cut at our size, has our root
(nothing we hold was changed or dropped), and the source is consistent with every checkpoint we
hold. The leaves are stored byte for byte, so both copies keep the same roots.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from truce.errors import BadInput, IntegrityError, LedgerError, SignatureError
from truce.ledger.authority import Refused
from truce.ledger.directory import (
    CONFIG,
    LOG_PUB,
    TERMS,
    LedgerDir,
    Record,
    decode,
    open_store,
    write_config,
)
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import merkle
from truce.ledger.record import check_rules


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
    return compare_hashes([s.hash for s in a.store.read()], [s.hash for s in b.store.read()])


def compare_hashes(ha: list[bytes], hb: list[bytes]) -> Comparison:
    """Where two lists of leaf hashes part."""
    common = 0
    for x, y in zip(ha, hb, strict=False):
        if x != y:
            return Comparison(len(ha), len(hb), common, common + 1)
        common += 1
    return Comparison(len(ha), len(hb), common, None)


Seen = tuple[list[bytes], list[tuple[int, str]]]
"""What a source shows beyond the entries it lets us read: every leaf hash of its log and its
signed checkpoints (a served log whose role withholds some entries)."""


def sync(d: LedgerDir, source: LedgerDir, seen: Seen | None = None) -> int:
    """Pull entries we lack from ``source``; return how many were added. Refuses anything
    inconsistent with what we hold (our entries, our checkpoints). With ``seen``, the source's
    log is judged by its hashes and checkpoints there, and its store may hold only a prefix."""
    if d.ledger_id != source.ledger_id:
        raise BadInput(
            f"{source.path} holds ledger {source.ledger_id!r}, not {d.ledger_id!r}",
            where=str(source.path),
        )
    if seen is None:
        seen = ([s.hash for s in source.store.read()], source.store.checkpoints())
    src_hashes, src_checkpoints = seen
    _split_view(d, dict(src_checkpoints), str(source.path))
    ours = d.store.head()
    src_tree = merkle.Tree(src_hashes)
    if src_tree.size < ours.size:
        raise IntegrityError(
            f"the source has {src_tree.size} entries, fewer than our {ours.size}: it is "
            "behind or was cut short; nothing pulled",
            seq=src_tree.size + 1,
            kind="truncated",
        )
    if src_tree.root(ours.size) != ours.root:
        c = compare_hashes([s.hash for s in d.store.read()], src_hashes)
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
    notes: list[tuple[int, str]] = []
    for size, note in src_checkpoints:  # checked before anything is written
        signed = cpt.parse_note(note)
        cpt.log_signer(signed, log_pub)
        if signed.checkpoint.origin != d.origin:
            raise IntegrityError(
                f"the source's checkpoint at size {size} is for log {signed.checkpoint.origin!r}, "
                f"not {d.origin!r}; nothing pulled",
                kind="checkpoint",
            )
        if size > src_tree.size or signed.checkpoint.root != src_tree.root(size):
            raise IntegrityError(
                f"the source's checkpoint at size {size} does not match the source's log; "
                "nothing pulled",
                seq=min(size, src_tree.size),
                kind="checkpoint",
            )
        notes.append((size, note))
    new = list(source.store.read(ours.size + 1))
    admit(d, [decode(st, d.ledger_id) for st in new])
    if new:
        d.store.append([st.leaf for st in new], expected_size=ours.size)
    for size, note in notes:
        if size <= ours.size + len(new):  # a checkpoint past a withheld entry is not ours
            d.store.add_checkpoint(size, note)
    d.refresh()
    return len(new)


def admit(d: LedgerDir, new: list[Record]) -> None:
    """Pulled entries pass exactly the checks ``record`` makes on an append (who may declare,
    sign, correct, amend and change keys; log stamps; the engine's rules over the whole
    ledger), with every signature verified; the first bad one is named and nothing is kept."""
    if not new:
        return
    auth = d.authority.fork()
    stamps = [r.stamp for r in new]
    for r in new:
        try:
            auth.admit(r.seq, r.event, r.sig, r.stamp, f"seq {r.seq}")
        except Refused as exc:
            raise IntegrityError(
                f"the source's entry breaks the ledger's rules: {exc}; nothing pulled",
                seq=r.seq,
                kind=exc.kind,
            ) from None
    try:
        check_rules(d, auth, [r.event for r in new], [f"seq {r.seq}" for r in new], stamps)
    except LedgerError as exc:
        raise IntegrityError(
            f"the source's entries break the rules: {exc}; nothing pulled",
            seq=_seq_in(exc.where, new),
            kind="rules",
        ) from None


def _seq_in(where: str | None, new: list[Record]) -> int | None:
    """The seq an engine error names in its place ("seq N"), else the first pulled entry's."""
    m = re.match(r"seq (\d+)", where or "")
    return int(m.group(1)) if m else new[0].seq


def _split_view(d: LedgerDir, theirs: dict[int, str], where: str) -> None:
    """Two checkpoints for one size with different roots, both signed by the log's key: the log
    showed two histories (a split view). Reported with both notes, before anything else."""
    log_pub = d.log_public_key()
    for size, note in d.store.checkpoints():
        other = theirs.get(size)
        if other is None:
            continue
        a, b = cpt.parse_note(note), cpt.parse_note(other)
        if a.checkpoint.root == b.checkpoint.root:
            continue
        try:
            cpt.log_signer(b, log_pub)
        except SignatureError:
            continue  # not the log's: the other checks refuse it
        raise IntegrityError(
            f"split view: the log signed two different checkpoints for size {size}, so it showed "
            f"two histories; ours:\n{note}theirs ({where}):\n{other}",
            seq=size,
            kind="split-view",
        )


def clone(
    source: LedgerDir,
    dest: Path,
    store: str = "sqlite",
    files: dict[str, bytes] | None = None,
    seen: Seen | None = None,
) -> LedgerDir:
    """A new copy of ``source`` in ``dest`` (its own store; the log's public key, not its
    private key), filled by ``sync``, so every entry is checked as ``record`` checks an append.
    Built beside ``dest`` and moved into place only when complete: a refused or interrupted
    clone leaves nothing behind. Each party can keep one and check the others with it.
    ``files`` (the terms file and the log's public key, by name) stand in for the source's own
    when it is not a directory (a served ledger); ``seen`` is as for ``sync``."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BadInput("exists and is not an empty directory", where=str(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.clone-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        (work / "keys").mkdir(mode=0o700)
        for name in (TERMS, str(LOG_PUB)):
            if files is not None:
                (work / name).write_bytes(files[name])
            else:
                shutil.copyfile(source.path / name, work / name)
        config = {"ledger_id": source.ledger_id, "origin": source.origin, "store": store}
        write_config(work / CONFIG, config)
        st = open_store(work, store, source.ledger_id)
        st.set_meta("ledger_id", source.ledger_id)
        st.set_meta("origin", source.origin)
        with LedgerDir(work, config, st) as copy:
            sync(copy, source, seen)
        if dest.exists():
            dest.rmdir()
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return LedgerDir.open(dest)
