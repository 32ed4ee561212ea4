"""The ledgers a process serves, each held open with a lock, its cached views, and the
notifications its event streams wait on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from truce.ledger.directory import LedgerDir
from truce.ledger.tokens import TokenStore


class Served:
    """One ledger directory held open by the service. Every use takes ``lock`` (the store
    connection and the cached replay are not shared between threads at once) and reads what
    other writers appended first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dir = LedgerDir.open(path)
        self.id = self.dir.ledger_id
        self.lock = threading.RLock()
        self.tokens = TokenStore(path)
        self.cache: dict[Any, Any] = {}
        self._cache_size = -1
        self.changed = asyncio.Event()
        self.size = 0
        self.closed = False

    @contextmanager
    def open(self) -> Iterator[LedgerDir]:
        """The directory, current, under the lock; cached views are dropped when it grew.
        A ledger closed at an app's shutdown opens again at its next use."""
        with self.lock:
            if self.closed:
                self.dir = LedgerDir.open(self.path)
                self.closed = False
            self.dir.refresh()
            self.size = len(self.dir.all_records)
            if self.size != self._cache_size:
                self.cache.clear()
                self._cache_size = self.size
            yield self.dir

    def remember(self, key: Any, value: Any) -> Any:
        """Cache a view of the current ledger (bounded: requests choose the keys)."""
        if len(self.cache) >= 256:
            self.cache.clear()
        self.cache[key] = value
        return value

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.dir.close()
                self.closed = True


class Hub:
    """Every served ledger by id."""

    def __init__(self, paths: list[Path]) -> None:
        self.ledgers: dict[str, Served] = {}
        for p in paths:
            s = Served(Path(p))
            self.ledgers[s.id] = s
        self.loop: asyncio.AbstractEventLoop | None = None

    def get(self, ledger_id: str) -> Served | None:
        return self.ledgers.get(ledger_id)

    def notify(self, served: Served) -> None:
        """Wake the ledger's streams (from any thread)."""
        loop = self.loop
        if loop is None:
            return

        def wake() -> None:
            served.changed.set()
            served.changed = asyncio.Event()

        loop.call_soon_threadsafe(wake)

    def close(self) -> None:
        for s in self.ledgers.values():
            s.close()
