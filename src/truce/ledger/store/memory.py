"""The in-memory store: the storage contract with nothing on disk (tests, dry runs, what-ifs)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from truce.ledger.log import merkle
from truce.ledger.store.contract import Head, Leaf, Stored, check_entries, plan_append


class MemoryLedger:
    """A ledger store held in lists and dicts; thread-safe; lost when the process ends."""

    def __init__(self) -> None:
        self._entries: list[Stored] = []
        self._by_id: dict[str, Stored] = {}
        self._frontier: list[bytes] = []
        self._head = Head(0, merkle.EMPTY_ROOT)
        self._meta: dict[str, str] = {}
        self._checkpoints: dict[int, str] = {}
        self._lock = threading.Lock()

    def append(self, leaves: Sequence[Leaf], expected_size: int | None = None) -> list[Stored]:
        """Store leaves atomically (all or none); see ``store.plan_append`` for the rules."""
        with self._lock:
            existing = {lf.event_id: s for lf in leaves if (s := self._by_id.get(lf.event_id))}
            plan = plan_append(leaves, expected_size, self._head, self._frontier, existing)
            for st in plan.new:
                self._entries.append(st)
                self._by_id[st.leaf.event_id] = st
            self._frontier, self._head = plan.frontier, plan.head
            return plan.answer

    def read(self, start: int = 1, stop: int | None = None) -> Iterator[Stored]:
        """Entries with start <= seq < stop, in order."""
        with self._lock:
            snapshot = self._entries[max(start, 1) - 1 : None if stop is None else max(stop - 1, 0)]
        return iter(snapshot)

    def get(self, event_id: str) -> Stored | None:
        """The stored entry for an event id."""
        return self._by_id.get(event_id)

    def head(self) -> Head:
        """The current size and root."""
        return self._head

    def verify(self) -> Head:
        """Re-derive hashes and the root from the stored bytes."""
        with self._lock:
            entries, head, frontier = list(self._entries), self._head, list(self._frontier)
        return check_entries(iter(entries), head, frontier)

    def get_meta(self, key: str) -> str | None:
        """A ledger-wide setting."""
        return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        """Set a ledger-wide setting."""
        self._meta[key] = value

    def add_checkpoint(self, size: int, note: str) -> None:
        """Keep a signed checkpoint note."""
        self._checkpoints[size] = note

    def checkpoints(self) -> list[tuple[int, str]]:
        """Stored checkpoint notes, oldest first."""
        return sorted(self._checkpoints.items())

    def close(self) -> None:
        """Nothing to release."""
