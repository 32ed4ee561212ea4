"""The storage contract as a test suite, for every store: a store's test module subclasses
``StoreContract`` and gives it a ``store`` fixture that yields a fresh, empty store (and closes
it afterwards). ``tests/ledger/test_contract.py`` runs it on the memory, SQLite and PostgreSQL
stores; a new backend's tests do the same::

    from tests.ledger.store_contract import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self, tmp_path: Path) -> Iterator[Ledger]:
            s = MyLedger.open(tmp_path / "ledger.db")
            yield s
            s.close()
"""

from __future__ import annotations

import threading

import pytest

from tests.ledger.leaves import claim_leaf
from truce.errors import ConflictError, DuplicateId
from truce.ledger.log import merkle
from truce.ledger.store.contract import Head, Leaf, Ledger


def leaf(i: int, text: str | None = None, party: str = "mediator") -> Leaf:
    """A claim event as a leaf; ``text`` changes its content but not its id."""
    return claim_leaf(f"e{i}", text or f"claim {i}", party)


class StoreContract:
    """Every test a store must pass. A subclass, named ``Test...`` so that pytest collects it,
    provides the ``store`` fixture; this class itself is not collected."""

    def test_empty(self, store: Ledger) -> None:
        assert store.head() == Head(0, merkle.EMPTY_ROOT)
        assert list(store.read()) == []
        assert store.verify() == Head(0, merkle.EMPTY_ROOT)
        assert store.get("nope") is None

    def test_append_assigns_gap_free_sequence_and_root(self, store: Ledger) -> None:
        out = store.append([leaf(1), leaf(2)])
        assert [s.seq for s in out] == [1, 2]
        out2 = store.append([leaf(3)], expected_size=2)
        assert [s.seq for s in out2] == [3]
        got = list(store.read())
        assert [s.seq for s in got] == [1, 2, 3]
        assert [s.leaf for s in got] == [leaf(1), leaf(2), leaf(3)]
        want = merkle.root([merkle.leaf_hash(leaf(i).data) for i in (1, 2, 3)])
        assert store.head() == Head(3, want)
        assert store.verify() == Head(3, want)
        assert [s.seq for s in store.read(2)] == [2, 3]
        assert [s.seq for s in store.read(1, 3)] == [1, 2]
        assert store.get("e2") == got[1]

    def test_idempotent_retry_returns_stored_entry(self, store: Ledger) -> None:
        first = store.append([leaf(1), leaf(2)])
        again = store.append([leaf(2), leaf(1)], expected_size=0)  # stale size, but nothing new
        assert again == [first[1], first[0]]
        assert store.head().size == 2
        mixed = store.append([leaf(1), leaf(3)])
        assert [s.seq for s in mixed] == [1, 3]
        assert store.head().size == 3

    def test_same_id_other_content_refused_and_nothing_written(self, store: Ledger) -> None:
        store.append([leaf(1)])
        before = store.head()
        with pytest.raises(DuplicateId, match="e1"):
            store.append([leaf(2), leaf(1, "changed")])
        assert store.head() == before
        assert store.get("e2") is None
        with pytest.raises(DuplicateId):
            store.append([leaf(5), leaf(5, "other")])
        assert store.head() == before

    def test_stale_expected_size_is_a_conflict_and_writes_nothing(self, store: Ledger) -> None:
        store.append([leaf(1)])
        with pytest.raises(ConflictError, match="expected 0"):
            store.append([leaf(2)], expected_size=0)
        assert store.head().size == 1
        assert store.get("e2") is None

    def test_empty_append_is_a_no_op(self, store: Ledger) -> None:
        assert store.append([]) == []
        assert store.head().size == 0

    def test_meta_and_checkpoints(self, store: Ledger) -> None:
        assert store.get_meta("ledger_id") is None
        store.set_meta("ledger_id", "L1")
        store.set_meta("ledger_id", "L2")
        assert store.get_meta("ledger_id") == "L2"
        store.add_checkpoint(2, "note-2")
        store.add_checkpoint(1, "note-1")
        store.add_checkpoint(2, "note-2b")
        assert store.checkpoints() == [(1, "note-1"), (2, "note-2b")]

    def test_many_appends_match_a_reference_tree(self, store: Ledger) -> None:
        hashes: list[bytes] = []
        n = 0
        for batch in (1, 2, 3, 5, 8, 13, 1, 1):
            leaves = [leaf(n + k) for k in range(batch)]
            store.append(leaves, expected_size=n)
            hashes.extend(merkle.leaf_hash(x.data) for x in leaves)
            n += batch
            assert store.head() == Head(n, merkle.root(hashes))
        assert store.verify().size == n

    def test_large_batches(self, store: Ledger) -> None:
        """Batches big enough for a store's bulk path (COPY on PostgreSQL) keep the head right."""
        first = [leaf(i) for i in range(150)]
        second = [leaf(i) for i in range(150, 400)]
        assert [s.seq for s in store.append(first, expected_size=0)] == list(range(1, 151))
        assert [s.seq for s in store.append(second, expected_size=150)] == list(range(151, 401))
        hashes = [merkle.leaf_hash(x.data) for x in first + second]
        assert store.head() == Head(400, merkle.root(hashes))
        assert store.append([*second[:100], leaf(400)])[-1].seq == 401  # retries + one new
        assert store.verify().size == 401

    def test_concurrent_appends_with_optimistic_retry(self, store: Ledger) -> None:
        """4 threads x 25 appends, each conditional on the size it read: no gaps, nothing lost."""
        errors: list[BaseException] = []

        def writer(w: int) -> None:
            try:
                for i in range(25):
                    lf = leaf(w * 1000 + i)
                    while True:
                        try:
                            store.append([lf], expected_size=store.head().size)
                            break
                        except ConflictError:
                            continue
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert [s.seq for s in store.read()] == list(range(1, 101))
        assert {s.leaf.event_id for s in store.read()} == {
            f"e{w * 1000 + i}" for w in range(4) for i in range(25)
        }
        assert store.verify().size == 100
