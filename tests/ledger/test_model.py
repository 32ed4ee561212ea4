"""A stateful model test of the ledger stores (reliability goal G10).

Hypothesis drives random sequences of appends (fresh leaves, idempotent replays, conflicting
replays, stale ``expected_size``), checkpoints, range reads, verifies and, for SQLite, closing
and reopening the file, against a plain Python list that says what the log must hold. After
every step the store must agree with the model: the same head (size and Merkle root), the same
entries, every checkpoint taken so far still consistent with the current tree and correctly
signed, and a stored leaf provably included.

The fast variants run in CI (derandomized, so a failure is reproducible); the ``deep``
variants (1,000 examples x 50 steps each) are a soak run: ``pytest -m deep tests/ledger``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.ledger.leaves import claim_leaf
from truce.errors import ConflictError, DuplicateId
from truce.ledger.log import merkle
from truce.ledger.log.checkpoint import (
    Checkpoint,
    format_note,
    parse_note,
    sign_checkpoint,
    verify_signature,
)
from truce.ledger.log.leaf import VISIBILITIES, decode_leaf
from truce.ledger.log.signing import new_key
from truce.ledger.store.contract import Head, Leaf, Ledger, Stored
from truce.ledger.store.memory import MemoryLedger
from truce.ledger.store.sqlite import SqliteLedger

LEDGER_ID = "L-model"
ORIGIN = "truce.test/model"
LOG_NAMES = ("truce-log", "truce-log-b")  # two log keys: a re-signed size replaces the note
LOG_KEYS: dict[str, Ed25519PrivateKey] = {name: new_key() for name in LOG_NAMES}
PARTIES = ("mediator", "party-a", "party-b")

texts = st.text(max_size=12)
visibilities = st.sampled_from(VISIBILITIES)
parties = st.sampled_from(PARTIES)


def make_leaf(event_id: str, text: str, party: str, visibility: str) -> Leaf:
    """A claim event as a leaf; any argument changes the bytes, only ``event_id`` the id."""
    return claim_leaf(event_id, text, party, visibility, LEDGER_ID)


def other_content(lf: Leaf, text: str) -> Leaf:
    """A leaf with the same event id as ``lf`` but other bytes."""
    cand = make_leaf(lf.event_id, text, lf.party, lf.visibility)
    if cand.data == lf.data:
        cand = make_leaf(lf.event_id, text + "!", lf.party, lf.visibility)
    assert cand.event_id == lf.event_id and cand.data != lf.data
    return cand


class LedgerMachine(RuleBasedStateMachine):
    """The model: ``self.entries`` is the log as it must be; ``self.notes`` the checkpoints."""

    def __init__(self) -> None:
        super().__init__()
        self.store: Ledger = self.open_store()
        self.entries: list[Stored] = []
        self.tree = merkle.Tree()  # the model's tree, grown with self.entries
        self.by_id: dict[str, Stored] = {}
        self.notes: dict[int, tuple[str, str]] = {}  # size -> (log key name, note text)
        self.next_id = 1
        self.steps = 0

    # -- the store under test (subclasses) ------------------------------------------------

    def open_store(self) -> Ledger:
        raise NotImplementedError

    def teardown(self) -> None:
        self.store.close()

    # -- helpers --------------------------------------------------------------------------

    def fresh(self, text: str, party: str, visibility: str) -> Leaf:
        lf = make_leaf(f"e{self.next_id}", text, party, visibility)
        self.next_id += 1
        return lf

    def record(self, new: list[Stored]) -> None:
        """Add entries the store just acknowledged to the model."""
        self.entries.extend(new)
        self.by_id.update((s.leaf.event_id, s) for s in new)
        self.tree.append(s.hash for s in new)

    def hashes(self) -> list[bytes]:
        return [s.hash for s in self.entries]

    def model_head(self) -> Head:
        return Head(len(self.entries), merkle.root(self.hashes()))

    def stale(self, data: st.DataObject) -> int:
        n = len(self.entries)
        return data.draw(st.integers(0, n + 3).filter(lambda k: k != n), label="stale")

    def expect_unchanged(self, head: Head) -> None:
        assert self.store.head() == head == self.model_head()

    # -- rules ----------------------------------------------------------------------------

    @initialize(count=st.integers(0, 70), batch=st.integers(1, 16))
    def preload(self, count: int, batch: int) -> None:
        """Start from a log of up to 70 leaves, so trees of many shapes are reached."""
        leaves = [self.fresh(f"pre {i}", PARTIES[i % 3], "public") for i in range(count)]
        for i in range(0, count, batch):
            chunk = leaves[i : i + batch]
            n = len(self.entries)
            out = self.store.append(chunk, expected_size=n)
            want = [Stored(n + k + 1, lf, merkle.leaf_hash(lf.data)) for k, lf in enumerate(chunk)]
            assert out == want
            self.record(want)

    @rule(
        data=st.data(),
        count=st.integers(1, 8),
        mode=st.sampled_from(["none", "correct", "stale"]),
    )
    def append_new(self, data: st.DataObject, count: int, mode: str) -> None:
        """A batch of new leaves, unconditional, with the right size, or with a stale size."""
        leaves = [
            self.fresh(data.draw(texts), data.draw(parties), data.draw(visibilities))
            for _ in range(count)
        ]
        n = len(self.entries)
        if mode == "stale":
            before = self.store.head()
            with pytest.raises(ConflictError):
                self.store.append(leaves, expected_size=self.stale(data))
            self.expect_unchanged(before)
            for lf in leaves:
                assert self.store.get(lf.event_id) is None
            return
        expected = n if mode == "correct" else None
        out = self.store.append(leaves, expected_size=expected)
        want = [Stored(n + i + 1, lf, merkle.leaf_hash(lf.data)) for i, lf in enumerate(leaves)]
        assert out == want
        self.record(want)

    @precondition(lambda self: self.entries)
    @rule(
        data=st.data(),
        new=st.integers(0, 3),
        mode=st.sampled_from(["none", "correct", "stale"]),
    )
    def append_mixed(self, data: st.DataObject, new: int, mode: str) -> None:
        """Stored leaves replayed (any order, maybe twice) mixed with new ones: replays answer
        with the stored entry and its original seq; a stale size fails only if something is new."""
        n = len(self.entries)
        replays = data.draw(st.lists(st.sampled_from(self.entries), min_size=1, max_size=4))
        fresh = [
            self.fresh(data.draw(texts), data.draw(parties), data.draw(visibilities))
            for _ in range(new)
        ]
        batch: list[Leaf | Stored] = data.draw(st.permutations([*replays, *fresh]))
        leaves = [b.leaf if isinstance(b, Stored) else b for b in batch]
        expected = {"none": None, "correct": n, "stale": self.stale(data)}[mode]
        if mode == "stale" and fresh:
            before = self.store.head()
            with pytest.raises(ConflictError):
                self.store.append(leaves, expected_size=expected)
            self.expect_unchanged(before)
            return
        out = self.store.append(leaves, expected_size=expected)
        want: list[Stored] = []
        seq = n
        for b in batch:
            if isinstance(b, Stored):
                want.append(b)
            else:
                seq += 1
                st_new = Stored(seq, b, merkle.leaf_hash(b.data))
                want.append(st_new)
                self.record([st_new])
        assert out == want

    @precondition(lambda self: self.entries)
    @rule(data=st.data(), stale=st.booleans())
    def replay_one(self, data: st.DataObject, stale: bool) -> None:
        """One stored leaf again: idempotent, even with a stale expected size."""
        old = data.draw(st.sampled_from(self.entries))
        before = self.store.head()
        expected = self.stale(data) if stale else None
        assert self.store.append([old.leaf], expected_size=expected) == [old]
        self.expect_unchanged(before)

    @rule(data=st.data(), twice=st.booleans())
    def new_leaf_twice_in_batch(self, data: st.DataObject, twice: bool) -> None:
        """One new id twice in a batch: same bytes is stored once; other bytes is refused."""
        lf = self.fresh(data.draw(texts), data.draw(parties), data.draw(visibilities))
        n = len(self.entries)
        if twice:
            st_new = Stored(n + 1, lf, merkle.leaf_hash(lf.data))
            assert self.store.append([lf, lf]) == [st_new, st_new]
            self.record([st_new])
            return
        before = self.store.head()
        with pytest.raises(DuplicateId):
            self.store.append([lf, other_content(lf, data.draw(texts))])
        self.expect_unchanged(before)
        assert self.store.get(lf.event_id) is None

    @precondition(lambda self: self.entries)
    @rule(data=st.data(), new=st.integers(0, 3), stale=st.booleans())
    def conflicting_replay(self, data: st.DataObject, new: int, stale: bool) -> None:
        """A stored id with other bytes (alone or among new leaves): DuplicateId, nothing
        written, the stored entry unchanged."""
        old = data.draw(st.sampled_from(self.entries))
        how = data.draw(st.sampled_from(["text", "visibility", "party"]))
        if how == "text":
            bad = other_content(old.leaf, data.draw(texts))
        else:
            text = parse_text(old.leaf)
            vis = old.leaf.visibility
            party = old.leaf.party
            if how == "visibility":
                vis = data.draw(st.sampled_from([v for v in VISIBILITIES if v != vis]))
            else:
                party = data.draw(st.sampled_from([p for p in PARTIES if p != party]))
            bad = make_leaf(old.leaf.event_id, text, party, vis)
        assert bad.data != old.leaf.data
        fresh = [
            self.fresh(data.draw(texts), data.draw(parties), data.draw(visibilities))
            for _ in range(new)
        ]
        leaves = data.draw(st.permutations([bad, *fresh]))
        before = self.store.head()
        expected = self.stale(data) if stale else len(self.entries)
        with pytest.raises((DuplicateId, ConflictError)) as exc:
            self.store.append(leaves, expected_size=expected)
        if not stale:
            assert exc.type is DuplicateId
        self.expect_unchanged(before)
        assert self.store.get(old.leaf.event_id) == old
        for lf in fresh:
            assert self.store.get(lf.event_id) is None

    @rule(data=st.data())
    def empty_append(self, data: st.DataObject) -> None:
        """An empty batch is a no-op whatever the expected size."""
        before = self.store.head()
        expected = data.draw(st.none() | st.integers(0, len(self.entries) + 3))
        assert self.store.append([], expected_size=expected) == []
        self.expect_unchanged(before)

    @rule(name=st.sampled_from(LOG_NAMES))
    def checkpoint(self, name: str) -> None:
        """Sign the current size and root with a log key and keep the note in the store."""
        head = self.store.head()
        signed = sign_checkpoint(Checkpoint(ORIGIN, head.size, head.root), name, LOG_KEYS[name])
        note = format_note(signed)
        self.store.add_checkpoint(head.size, note)
        self.notes[head.size] = (name, note)

    @precondition(lambda self: self.entries)
    @rule(data=st.data(), name=st.sampled_from(LOG_NAMES))
    def checkpoint_past(self, data: st.DataObject, name: str) -> None:
        """Re-sign a past size (from the model's tree): the newest note for a size wins."""
        size = data.draw(st.integers(0, len(self.entries)))
        tree = self.tree
        signed = sign_checkpoint(Checkpoint(ORIGIN, size, tree.root(size)), name, LOG_KEYS[name])
        note = format_note(signed)
        self.store.add_checkpoint(size, note)
        self.notes[size] = (name, note)

    @rule()
    def verify(self) -> None:
        assert self.store.verify() == self.model_head()

    @rule(start=st.integers(-1, 40), stop=st.none() | st.integers(-1, 40))
    def read_range(self, start: int, stop: int | None) -> None:
        got = list(self.store.read(start, stop))
        want = [s for s in self.entries if start <= s.seq and (stop is None or s.seq < stop)]
        assert got == want

    @precondition(lambda self: self.entries)
    @rule(data=st.data())
    def prove_inclusion(self, data: st.DataObject) -> None:
        """A drawn stored leaf, fetched by id, is in the tree at the store's head."""
        old = data.draw(st.sampled_from(self.entries))
        got = self.store.get(old.leaf.event_id)
        assert got == old == self.by_id[old.leaf.event_id]
        self.check_inclusion(got.seq - 1)

    @rule()
    def get_unknown(self) -> None:
        assert self.store.get(f"e{self.next_id}") is None
        assert self.store.get("nope") is None

    # -- invariants -----------------------------------------------------------------------

    def check_inclusion(self, index: int) -> None:
        head = self.store.head()
        tree = self.tree
        stored = next(iter(self.store.read(index + 1, index + 2)))
        proof = tree.inclusion_proof(index, head.size)
        merkle.verify_inclusion(stored.hash, index, head.size, proof, head.root)
        assert stored.hash == merkle.leaf_hash(stored.leaf.data)

    @invariant()
    def head_matches_model(self) -> None:
        assert self.store.head() == self.model_head()

    @invariant()
    def entries_match_model(self) -> None:
        assert list(self.store.read()) == self.entries

    @invariant()
    def checkpoints_consistent_and_signed(self) -> None:
        assert self.store.checkpoints() == sorted((k, v[1]) for k, v in self.notes.items())
        tree = self.tree
        head = self.store.head()
        for size, note in self.store.checkpoints():
            name, _ = self.notes[size]
            signed = parse_note(note)
            verify_signature(signed, name, LOG_KEYS[name].public_key())
            cp = signed.checkpoint
            assert (cp.origin, cp.size) == (ORIGIN, size)
            if size == 0:
                assert cp.root == merkle.EMPTY_ROOT
                continue
            proof = tree.consistency_proof(size, head.size)
            merkle.verify_consistency(size, head.size, proof, cp.root, head.root)

    @invariant()
    def some_leaf_is_included(self) -> None:
        self.steps += 1
        n = len(self.entries)
        if n:
            self.check_inclusion((self.steps * 7919) % n)  # a different leaf each step
            self.check_inclusion(n - 1)


def parse_text(lf: Leaf) -> str:
    """The ``text`` field of a leaf made by ``make_leaf``."""
    return str(decode_leaf(lf.data)["event"]["text"])


class MemoryMachine(LedgerMachine):
    def open_store(self) -> Ledger:
        return MemoryLedger()


class SqliteMachine(LedgerMachine):
    def open_store(self) -> Ledger:
        self.tmp = Path(tempfile.mkdtemp(prefix="truce-model-"))
        self.path = self.tmp / "ledger.db"
        return SqliteLedger.open(self.path)

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @rule()
    def reopen(self) -> None:
        """Close the file and open it again: everything committed is still there."""
        self.store.close()
        self.store = SqliteLedger.open(self.path)


def _settings(examples: int, steps: int, *, derandomize: bool) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        derandomize=derandomize,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


FAST = {
    MemoryMachine: _settings(100, 40, derandomize=True),
    SqliteMachine: _settings(40, 30, derandomize=True),
}
DEEP = _settings(1000, 50, derandomize=False)
MACHINES = {"memory": MemoryMachine, "sqlite": SqliteMachine}


@pytest.mark.parametrize("kind", sorted(MACHINES))
def test_store_follows_model(kind: str) -> None:
    machine = MACHINES[kind]
    run_state_machine_as_test(machine, settings=FAST[machine])


@pytest.mark.deep
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("kind", sorted(MACHINES))
def test_store_follows_model_deep(kind: str) -> None:
    run_state_machine_as_test(MACHINES[kind], settings=DEEP)
