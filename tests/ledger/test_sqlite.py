"""The SQLite store beyond the shared contract: the version gate, pragmas, migration from
schema v1, online backup, and tampering (G3/G4, G8)."""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import apsw
import pytest

from truce.errors import IntegrityError
from truce.ledger.log import merkle
from truce.ledger.log.leaf import leaf_of
from truce.ledger.store.contract import SCHEMA_VERSION
from truce.ledger.store.sqlite import SqliteLedger, journal_mode_for, sqlite_version

from .faults import claim
from .faults.harness import journal_mode
from .faults.tamper import EVENTS, MUTATIONS, bit_flips, build_reference, content

FIXTURE = Path(__file__).parent / "fixtures" / "ledger-v1.db"


@pytest.mark.parametrize(
    ("version", "mode"),
    [
        ((3, 40, 1), "delete"),
        ((3, 44, 5), "delete"),
        ((3, 44, 6), "wal"),
        ((3, 45, 0), "delete"),
        ((3, 50, 6), "delete"),
        ((3, 50, 7), "wal"),
        ((3, 51, 2), "delete"),
        ((3, 51, 3), "wal"),
        ((3, 52, 0), "wal"),
        ((3, 54, 1), "wal"),
        ((4, 0, 0), "wal"),
    ],
)
def test_journal_mode_gate(version: tuple[int, int, int], mode: str) -> None:
    assert journal_mode_for(version) == mode


def test_pragmas_after_open(tmp_path: Path) -> None:
    store = SqliteLedger.open(tmp_path / "ledger.db")
    try:
        conn = store._conn
        assert conn.execute("PRAGMA synchronous").fetchall() == [(2,)]
        assert conn.execute("PRAGMA foreign_keys").fetchall() == [(1,)]
        mode = journal_mode_for(sqlite_version())
        assert conn.execute("PRAGMA journal_mode").fetchall() == [(mode,)]
        assert store.journal_mode == mode
        assert conn.execute("PRAGMA user_version").fetchall() == [(SCHEMA_VERSION,)]
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    finally:
        store.close()


def test_fallback_to_rollback_journal(tmp_path: Path) -> None:
    with journal_mode("delete"):
        store = SqliteLedger.open(tmp_path / "ledger.db")
    try:
        assert store._conn.execute("PRAGMA journal_mode").fetchall() == [("delete",)]
        store.append([claim("a", 0)])
        assert store.verify().size == 1
    finally:
        store.close()


def test_refuses_an_unknown_schema(tmp_path: Path) -> None:
    conn = apsw.Connection(str(tmp_path / "x.db"))
    conn.execute("PRAGMA user_version = 9")
    conn.close()
    with pytest.raises(Exception, match="schema version 9"):
        SqliteLedger.open(tmp_path / "x.db")


def test_read_streams_in_pages(tmp_path: Path) -> None:
    store = SqliteLedger.open(tmp_path / "ledger.db")
    try:
        store.append([claim(f"r{i}", i) for i in range(2500)])
        assert [s.seq for s in store.read()] == list(range(1, 2501))
        assert [s.seq for s in store.read(999, 2002)] == list(range(999, 2002))
        assert store.verify().size == 2500
    finally:
        store.close()


def test_migrate_v1_fixture(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    shutil.copy(FIXTURE, db)
    conn = apsw.Connection(str(db))
    old_rows = conn.execute(
        "SELECT seq, event_id, type, party, data, hash FROM entry ORDER BY seq"
    ).fetchall()
    old_head = conn.execute("SELECT size, root FROM head").fetchall()[0]
    conn.close()
    assert len(old_rows) == 30
    store = SqliteLedger.open(db)
    try:
        got = list(store.read())
        assert [
            (s.seq, s.leaf.event_id, s.leaf.type, s.leaf.party, s.leaf.data, s.hash) for s in got
        ] == [tuple(r) for r in old_rows]
        assert [s.leaf.visibility for s in got] == [leaf_of(s.leaf.data).visibility for s in got]
        assert {s.leaf.visibility for s in got} == {"public", "parties", "mediator"}
        assert store.head().size == old_head[0]
        assert store.head().root == old_head[1]
        assert store.verify().root == old_head[1]
        assert store.get_meta("schema_version") == "2"
        assert store.get_meta("ledger_id") == "L-v1-fixture"
        assert store._conn.execute("PRAGMA user_version").fetchall() == [(2,)]
        store.add_checkpoint(30, "note")
        store.append([claim("after-migration", 1)])
        assert store.verify().size == 31
    finally:
        store.close()
    from truce.ledger.store.migrate import migrate_sqlite

    again = SqliteLedger.open(db)
    try:
        assert migrate_sqlite(again._conn) == 0  # a second open / migration is a no-op
        assert again.verify().size == 31
        assert again.checkpoints() == [(30, "note")]
    finally:
        again.close()


def test_migration_refuses_a_v1_file_that_does_not_verify(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    shutil.copy(FIXTURE, db)
    conn = apsw.Connection(str(db))
    conn.execute("UPDATE head SET root = zeroblob(32)")
    conn.close()
    with pytest.raises(IntegrityError, match="before migration"):
        SqliteLedger.open(db)
    conn = apsw.Connection(str(db))
    assert conn.execute("PRAGMA user_version").fetchall() == [(1,)]  # rolled back, untouched
    conn.close()


def test_backup_is_a_verified_copy(tmp_path: Path) -> None:
    store = SqliteLedger.open(tmp_path / "ledger.db")
    try:
        store.append([claim(f"b{i}", i) for i in range(300)])
        store.set_meta("ledger_id", "L-b")
        store.backup(tmp_path / "copy.db")
    finally:
        store.close()
    copy = SqliteLedger.open(tmp_path / "copy.db")
    try:
        assert copy.verify().size == 300
        assert copy.get_meta("ledger_id") == "L-b"
    finally:
        copy.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("tamper") / "reference.db"
    build_reference(db)
    return db


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_sql_tampering_is_detected(name: str, reference: Path, tmp_path: Path) -> None:
    edit, kind, seq = MUTATIONS[name]
    db = tmp_path / "ledger.db"
    shutil.copy(reference, db)
    old_head = content(reference)[1][0]
    conn = apsw.Connection(str(db))
    conn.execute("BEGIN")
    edit(conn)
    conn.execute("COMMIT")
    conn.close()
    with journal_mode("delete"):
        store = SqliteLedger.open(db)
    try:
        if not kind:  # truncation with a rewritten head: consistent, caught only by a checkpoint
            head = store.verify()
            assert head.size == EVENTS - 5
            assert head.root != old_head[2], "needs a checkpoint: the old root no longer matches"
            return
        with pytest.raises(IntegrityError) as exc:
            store.verify()
        assert (exc.value.kind, exc.value.seq) == (kind, seq), f"{name}: {exc.value}"
    finally:
        store.close()


def _flip_check(reference: Path, tmp_path: Path, offsets: list[int], seed: int) -> None:
    stats = bit_flips(reference, tmp_path, offsets, seed)
    print(
        f"bit flips seed={seed}: {stats.flips} flips, {stats.detected} detected, "
        f"{stats.unchanged} unchanged, {len(stats.undetected)} undetected, {stats.seconds:.1f} s"
    )
    assert stats.detected + stats.unchanged == stats.flips
    assert not stats.undetected, f"seed={seed}: undetected content changes {stats.undetected[:10]}"
    assert stats.detected > 0 and stats.unchanged > 0


def test_bit_flips_random_offsets(reference: Path, tmp_path: Path) -> None:
    seed = 20261128
    size = reference.stat().st_size
    offsets = random.Random(seed).choices(range(size), k=2000)
    _flip_check(reference, tmp_path, offsets, seed)


@pytest.mark.deep
def test_bit_flips_every_byte(reference: Path, tmp_path: Path) -> None:
    _flip_check(reference, tmp_path, list(range(reference.stat().st_size)), seed=7)


def test_sqlite_not_a_database_is_an_integrity_error(tmp_path: Path) -> None:
    """A file SQLite cannot read as a database is stored data that does not verify (exit 3),
    not a storage failure (exit 5): see tests/cli/test_hostile_input.py."""
    from truce.errors import IntegrityError

    (tmp_path / "notadb.db").write_bytes(b"this is not a database" * 100)
    t = time.perf_counter()
    with pytest.raises(IntegrityError, match="file is not a database"):
        SqliteLedger.open(tmp_path / "notadb.db")
    assert time.perf_counter() - t < 5
    assert merkle.EMPTY_ROOT  # the store module and merkle agree on the empty tree


def test_rollback_journal_fallback_syncs_the_directory(tmp_path: Path) -> None:
    """On a SQLite inside the WAL-reset bug range the gate picks a rollback journal; FULL does
    not sync the directory after the journal is unlinked, so the store asks for EXTRA (3)."""
    from unittest import mock

    with mock.patch("truce.ledger.store.sqlite.journal_mode_for", lambda version: "delete"):
        store = SqliteLedger.open(tmp_path / "ledger.db")
    try:
        assert store._conn.execute("PRAGMA journal_mode").fetchall() == [("delete",)]
        assert store._conn.execute("PRAGMA synchronous").fetchall() == [(3,)]
    finally:
        store.close()
