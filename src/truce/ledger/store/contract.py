"""The storage contract every ledger store keeps (in-memory, SQLite, SQL servers).

A store holds leaves: the exact bytes that are hashed into the Merkle tree, each with a gap-free
sequence number from 1. Appends are atomic, optionally conditional on the expected size
(optimistic concurrency), and idempotent by event id: the same id with the same bytes returns
the stored entry, the same id with other bytes is refused. What the bytes mean (events,
signatures, visibility) is ``truce.ledger.log.leaf``'s business, not the store's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from truce.errors import ConflictError, DuplicateId, IntegrityError
from truce.ledger.log import merkle

SCHEMA_VERSION = 2


@dataclass(frozen=True, slots=True)
class Leaf:
    """One event ready to store: its id, type, declaring party, visibility and the hashed bytes."""

    event_id: str
    type: str
    party: str
    visibility: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored leaf: its sequence number (from 1) and its Merkle leaf hash."""

    seq: int
    leaf: Leaf
    hash: bytes


@dataclass(frozen=True, slots=True)
class Head:
    """The size of the log and the Merkle root over all its leaves."""

    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class Plan:
    """What one append will do: the entries to insert, and the answer in the caller's order."""

    new: list[Stored]
    answer: list[Stored]
    frontier: list[bytes]
    head: Head


@runtime_checkable
class Ledger(Protocol):
    """Append, read, head, verify: the whole storage contract (tests/ledger/store_contract.py)."""

    def append(self, leaves: Sequence[Leaf], expected_size: int | None = None) -> list[Stored]:
        """Store leaves atomically; return each one's stored entry, in the given order."""
        ...

    def read(self, start: int = 1, stop: int | None = None) -> Iterator[Stored]:
        """Entries with start <= seq < stop (stop None: to the end), in sequence order."""
        ...

    def get(self, event_id: str) -> Stored | None:
        """The stored entry for an event id, if any."""
        ...

    def head(self) -> Head:
        """The current size and root."""
        ...

    def verify(self) -> Head:
        """Re-derive every hash and the root from the stored bytes; raise IntegrityError naming
        the first bad sequence number; return the verified head."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A ledger-wide setting (ledger id, terms digest, schema version)."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a ledger-wide setting."""
        ...

    def add_checkpoint(self, size: int, note: str) -> None:
        """Keep a signed checkpoint note (the newest per size wins)."""
        ...

    def checkpoints(self) -> list[tuple[int, str]]:
        """Stored checkpoint notes as (size, note), oldest first."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


def plan_append(
    leaves: Sequence[Leaf],
    expected_size: int | None,
    head: Head,
    frontier: Sequence[bytes],
    existing: dict[str, Stored],
) -> Plan:
    """Decide an append inside the store's transaction, the same way for every store.

    ``existing`` holds the stored entries for those ids in ``leaves`` that are already stored.
    Ids stored with the same bytes are answered with the stored entry (an idempotent retry);
    other bytes under a stored id, or one id twice in the batch with different bytes, are
    refused; a stale ``expected_size`` is a conflict only when something new would be written.
    """
    answer: list[Stored | None] = []
    batch: dict[str, Stored] = {}
    new: list[Stored] = []
    size = head.size
    for leaf in leaves:
        old = existing.get(leaf.event_id) or batch.get(leaf.event_id)
        if old is not None:
            if old.leaf.data != leaf.data:
                where = f"seq {old.seq}" if old.seq <= head.size else "this batch"
                raise DuplicateId(
                    f"event id {leaf.event_id!r} is already used ({where}) with other content; "
                    "a correction is a new event that supersedes it"
                )
            answer.append(old)
            continue
        size += 1
        st = Stored(size, leaf, merkle.leaf_hash(leaf.data))
        batch[leaf.event_id] = st
        new.append(st)
        answer.append(st)
    if new and expected_size is not None and expected_size != head.size:
        raise ConflictError(
            f"the ledger has {head.size} entries, not the expected {expected_size}: "
            "another writer appended first; re-read and try again"
        )
    if not new:
        return Plan([], [a for a in answer if a is not None], list(frontier), head)
    fr = merkle.extend(frontier, head.size, (s.hash for s in new))
    return Plan(new, [a for a in answer if a is not None], fr, Head(size, merkle.frontier_root(fr)))


def check_entries(entries: Iterator[Stored], head: Head, frontier: Sequence[bytes]) -> Head:
    """Check stored entries against each other and the stored head: gap-free sequence numbers,
    each hash re-derived from its bytes, columns equal to what the bytes say, unique ids, and
    the root. Raise IntegrityError at the first bad one."""
    from truce.ledger.log.leaf import check_columns  # leaf.py builds on this module

    hashes: list[bytes] = []
    n = 0
    seen: set[str] = set()
    for st in entries:
        if st.seq != n + 1:
            raise IntegrityError(
                f"sequence jumps from {n} to {st.seq}: entries missing or reordered",
                seq=n + 1,
                kind="gap",
            )
        if merkle.leaf_hash(st.leaf.data) != st.hash:
            raise IntegrityError(
                f"seq {st.seq}: stored hash does not match the stored bytes",
                seq=st.seq,
                kind="hash",
            )
        check_columns(st)
        if st.leaf.event_id in seen:
            raise IntegrityError(
                f"seq {st.seq}: event id {st.leaf.event_id!r} appears twice", seq=st.seq, kind="dup"
            )
        seen.add(st.leaf.event_id)
        hashes.append(st.hash)
        n += 1
    if n != head.size:
        raise IntegrityError(
            f"the head says {head.size} entries but {n} are stored",
            seq=min(n, head.size) + 1,
            kind="size",
        )
    root = merkle.root(hashes)
    derived = merkle.extend([], 0, hashes)
    if list(frontier) == derived and root != head.root:
        raise IntegrityError(
            "the stored root was changed: the entries and the stored frontier agree with each "
            "other, not with it",
            seq=n or None,
            kind="root",
        )
    if root != head.root or list(frontier) != derived:
        lo, hi = _changed_range(n, list(frontier), derived)
        raise IntegrityError(
            f"the stored root does not match the root re-derived from the entries: an entry "
            f"in seq {lo}-{hi} was changed together with its hash",
            seq=lo,
            kind="root",
        )
    return Head(n, root)


def _changed_range(n: int, stored: list[bytes], derived: list[bytes]) -> tuple[int, int]:
    """The entries behind the first frontier hash that differs: each frontier hash is the root
    of a perfect subtree (sizes the set bits of n, largest first), so a change is localised."""
    start = 1
    bits = [1 << b for b in range(n.bit_length() - 1, -1, -1) if n >> b & 1]
    if len(stored) == len(derived) == len(bits):
        for width, a, b in zip(bits, stored, derived, strict=True):
            if a != b:
                return start, start + width - 1
            start += width
    return 1, max(n, 1)
