"""The storage contract (``tests/ledger/store_contract.py``), run unchanged against every store:
memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ledger.store_contract import StoreContract, leaf
from truce.errors import IntegrityError
from truce.ledger.store.contract import Ledger
from truce.ledger.store.memory import MemoryLedger
from truce.ledger.store.sql import SqlLedger
from truce.ledger.store.sqlite import SqliteLedger


class TestMemory(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[Ledger]:
        s = MemoryLedger()
        yield s
        s.close()


class TestSqlite(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Ledger]:
        s = SqliteLedger.open(tmp_path / "ledger.db")
        yield s
        s.close()


class TestPostgresql(StoreContract):
    @pytest.fixture
    def store(self, pg_url: str) -> Iterator[Ledger]:
        s = SqlLedger.open(pg_url, ledger=uuid.uuid4().hex)
        yield s
        s.close()


def test_memory_verify_names_a_changed_hash() -> None:
    """The generic checks catch a corrupt entry handed back by a store (memory: patched list)."""
    store = MemoryLedger()
    store.append([leaf(1), leaf(2), leaf(3)])
    entries = store._entries
    old = entries[1]
    entries[1] = type(old)(old.seq, leaf(2, "forged"), old.hash)
    with pytest.raises(IntegrityError) as exc:
        store.verify()
    assert exc.value.seq == 2
