"""The SQLite store (via apsw): the storage contract on one local file, durable on power loss.

Every write is ``BEGIN IMMEDIATE`` ... ``COMMIT`` with ``synchronous=FULL``; an append returns
only after ``COMMIT`` returned. WAL is used only on SQLite builds without the WAL-reset bug
(``journal_mode_for``); older builds fall back to a rollback journal. SQLite errors surface as
``StoreError`` (the storage failed, nothing was acknowledged) or, when ``verify`` finds a
damaged file, ``IntegrityError``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import apsw

from truce.errors import IntegrityError, StoreError
from truce.ledger.log import merkle
from truce.ledger.store.contract import (
    SCHEMA_VERSION,
    Head,
    Leaf,
    Stored,
    check_entries,
    plan_append,
)

PAGE = 1000  # rows fetched per query when streaming entries
ID_CHUNK = 500  # event ids per ``IN (...)`` lookup (well under SQLite's variable limit)
BUSY_TIMEOUT_MS = 10_000
SYNC_LEVELS = {"OFF": 0, "NORMAL": 1, "FULL": 2, "EXTRA": 3}

SCHEMA = f"""
CREATE TABLE entry(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  party TEXT NOT NULL,
  visibility TEXT NOT NULL,
  data BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE TABLE head(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  frontier BLOB NOT NULL
);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE checkpoint(size INTEGER PRIMARY KEY, note TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
PRAGMA user_version = {SCHEMA_VERSION};
"""

_COLS = "seq, event_id, type, party, visibility, data, hash"


def journal_mode_for(version: tuple[int, int, int]) -> str:
    """The journal mode to use on this SQLite version: WAL only where the WAL-reset bug is fixed
    (3.51.3+, and the 3.44.6 / 3.50.7 backports), else the rollback journal."""
    major, minor, patch = version
    if (major, minor, patch) >= (3, 51, 3):
        return "wal"
    if (major, minor) == (3, 44) and patch >= 6:
        return "wal"
    if (major, minor) == (3, 50) and patch >= 7:
        return "wal"
    return "delete"


def sqlite_version() -> tuple[int, int, int]:
    """The version of the SQLite library apsw runs on, as (major, minor, patch)."""
    parts = [int(p) for p in apsw.sqlite_lib_version().split(".")[:3]]
    parts += [0] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def _store_error(exc: apsw.Error, doing: str) -> StoreError | IntegrityError:
    """A StoreError that says what failed and SQLite's own words for it; a file SQLite finds
    damaged, or not a database at all, is an IntegrityError (the stored data does not verify)."""
    kind = type(exc).__name__.removesuffix("Error").lower() or "sqlite"
    if isinstance(exc, apsw.CorruptError | apsw.NotADBError):
        return IntegrityError(
            f"SQLite reports a damaged database while {doing} ({kind}): {exc}", kind="sqlite"
        )
    return StoreError(f"SQLite store failed while {doing} ({kind}): {exc}")


_SQL_TYPES = {int: "INTEGER", str: "TEXT", bytes: "BLOB", float: "REAL", type(None): "NULL"}
_ENTRY_TYPES = (int, str, str, str, str, bytes, bytes)  # the columns of _COLS, in order


def _typed(
    values: Sequence[Any], types: Sequence[type], names: str, where: str, seq: int | None = None
) -> None:
    """Every value is of its column's type, or an IntegrityError names the column and both
    types: SQLite lets a row hold any type in any column (``int("x")`` or ``bytes(10**12)``
    must never run on what a hostile UPDATE left behind)."""
    for value, want, name in zip(values, types, names.split(", "), strict=True):
        if type(value) is not want:
            got = _SQL_TYPES.get(type(value), type(value).__name__)
            raise IntegrityError(
                f"{where}: stored {name} is {got}, expected {_SQL_TYPES[want]}",
                seq=seq,
                kind="column",
            )


def _row(r: Sequence[Any]) -> Stored:
    if tuple(map(type, r)) != _ENTRY_TYPES:
        seq = r[0] if type(r[0]) is int else None
        _typed(r, _ENTRY_TYPES, _COLS, "an entry" if seq is None else f"seq {seq}", seq)
    return Stored(r[0], Leaf(r[1], r[2], r[3], r[4], r[5]), r[6])


class SqliteLedger:
    """A ledger store in one SQLite file, opened with apsw; one connection per instance.

    Safe for threads (a lock serialises use of the connection) and for many processes on the
    same file (SQLite's locks, ``BEGIN IMMEDIATE``, a 10 s busy timeout). Do not carry an open
    instance across ``fork()``: open one in each process.
    """

    def __init__(self, conn: apsw.Connection, path: Path, journal_mode: str) -> None:
        self._conn = conn
        self.path = path
        self.journal_mode = journal_mode
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path, *, synchronous: str = "FULL", vfs: str | None = None) -> SqliteLedger:
        """Open (creating if absent, migrating a v1 file) the ledger database at ``path``."""
        level = SYNC_LEVELS.get(synchronous.upper())
        if level is None:
            raise ValueError(
                f"synchronous must be one of {sorted(SYNC_LEVELS)}, not {synchronous!r}"
            )
        try:
            conn = apsw.Connection(
                str(path),
                flags=apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE,
                vfs=vfs,
            )
        except apsw.Error as exc:
            raise _store_error(exc, f"opening {path}") from exc
        try:
            conn.set_busy_timeout(BUSY_TIMEOUT_MS)
            want = journal_mode_for(sqlite_version())
            # Switching a new or rollback-journal file to WAL commits by unlinking a journal;
            # EXTRA syncs the directory after that unlink, so a power cut cannot bring the old
            # journal back and roll the switch (and every WAL commit after it) away.
            conn.execute("PRAGMA synchronous=EXTRA")
            mode = str(_scalar(conn, f"PRAGMA journal_mode={want}")).lower()
            if mode != want:
                raise StoreError(f"{path}: journal_mode is {mode!r}, could not set {want!r}")
            if want == "delete" and level == SYNC_LEVELS["FULL"]:
                # A rollback journal is committed by unlinking it: FULL does not sync the
                # directory, and a power-loss test lost the last acknowledged commit in 35 of
                # 300 cuts; EXTRA does, and lost none. The fallback therefore asks for EXTRA.
                level = SYNC_LEVELS["EXTRA"]
            conn.execute(f"PRAGMA synchronous={level}")
            got = _scalar(conn, "PRAGMA synchronous")
            if got != level:
                raise StoreError(f"{path}: synchronous is {got}, not {level} ({synchronous})")
            conn.execute("PRAGMA foreign_keys=ON")
            if _scalar(conn, "PRAGMA foreign_keys") != 1:
                raise StoreError(f"{path}: foreign_keys could not be switched on")
            _ensure_schema(conn, path)
        except apsw.Error as exc:
            _quiet_close(conn)
            raise _store_error(exc, f"opening {path}") from exc
        except BaseException:
            _quiet_close(conn)
            raise
        return cls(conn, path, mode)

    # -- writes -------------------------------------------------------------------------------

    def append(self, leaves: Sequence[Leaf], expected_size: int | None = None) -> list[Stored]:
        """Store leaves atomically in one ``BEGIN IMMEDIATE`` transaction; return only after
        ``COMMIT`` (see ``store.plan_append`` for idempotency and conflicts)."""
        if not leaves:
            return []
        with self._lock, self._write("appending") as cur:
            head, frontier = self._head_frontier(cur)
            existing = self._existing(cur, [lf.event_id for lf in leaves])
            plan = plan_append(leaves, expected_size, head, frontier, existing)
            if plan.new:
                cur.executemany(
                    f"INSERT INTO entry({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            s.seq,
                            s.leaf.event_id,
                            s.leaf.type,
                            s.leaf.party,
                            s.leaf.visibility,
                            s.leaf.data,
                            s.hash,
                        )
                        for s in plan.new
                    ],
                )
                cur.execute(
                    "UPDATE head SET size = ?, root = ?, frontier = ? WHERE id = 1",
                    (plan.head.size, plan.head.root, merkle.encode_frontier(plan.frontier)),
                )
        return plan.answer

    def set_meta(self, key: str, value: str) -> None:
        """Set a ledger-wide setting."""
        with self._lock, self._write("setting meta") as cur:
            cur.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def add_checkpoint(self, size: int, note: str) -> None:
        """Keep a signed checkpoint note (the newest per size wins)."""
        with self._lock, self._write("adding a checkpoint") as cur:
            cur.execute(
                "INSERT INTO checkpoint(size, note) VALUES (?, ?) "
                "ON CONFLICT(size) DO UPDATE SET note = excluded.note",
                (size, note),
            )

    # -- reads --------------------------------------------------------------------------------

    def read(self, start: int = 1, stop: int | None = None) -> Iterator[Stored]:
        """Entries with start <= seq < stop (stop None: to the end), streamed in pages."""
        nxt = max(start, 1)
        end = (1 << 62) if stop is None else stop
        while nxt < end:
            with self._lock:
                page = self._page(nxt, end)
            yield from page
            if len(page) < PAGE:
                return
            nxt = page[-1].seq + 1

    def get(self, event_id: str) -> Stored | None:
        """The stored entry for an event id, if any."""
        with self._lock:
            try:
                rows = self._conn.execute(
                    f"SELECT {_COLS} FROM entry WHERE event_id = ?", (event_id,)
                ).fetchall()
            except apsw.Error as exc:
                raise _store_error(exc, "reading an entry") from exc
        return _row(rows[0]) if rows else None

    def head(self) -> Head:
        """The current size and root."""
        with self._lock:
            try:
                rows: list[Any] = self._conn.execute(
                    "SELECT size, root FROM head WHERE id = 1"
                ).fetchall()
            except apsw.Error as exc:
                raise _store_error(exc, "reading the head") from exc
        if not rows:
            raise IntegrityError("the head row is missing", kind="head")
        _typed(rows[0], (int, bytes), "size, root", "the head row")
        return Head(rows[0][0], rows[0][1])

    def verify(self) -> Head:
        """``PRAGMA integrity_check`` then re-derive every hash and the root from the stored
        bytes, all in one read transaction (a consistent snapshot)."""
        with self._lock:
            try:
                bad = [str(r[0]) for r in self._conn.execute("PRAGMA integrity_check")]
                if bad != ["ok"]:
                    raise IntegrityError(
                        "SQLite integrity_check failed: " + "; ".join(bad[:5]), kind="sqlite"
                    )
                self._conn.execute("BEGIN")
                try:
                    head, frontier = self._head_frontier(self._conn.cursor())
                    return check_entries(self._snapshot_entries(), head, frontier)
                finally:
                    if not self._conn.get_autocommit():
                        self._conn.execute("COMMIT")  # read-only: just ends the snapshot
            except (apsw.CorruptError, apsw.NotADBError) as exc:
                raise IntegrityError(
                    f"SQLite reports a damaged database: {exc}", kind="sqlite"
                ) from exc
            except apsw.Error as exc:
                raise _store_error(exc, "verifying") from exc

    def get_meta(self, key: str) -> str | None:
        """A ledger-wide setting (ledger id, terms digest, schema version)."""
        with self._lock:
            try:
                rows = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchall()
            except apsw.Error as exc:
                raise _store_error(exc, "reading meta") from exc
        if not rows:
            return None
        _typed(rows[0], (str,), "value", f"meta {key!r}")
        return str(rows[0][0])

    def checkpoints(self) -> list[tuple[int, str]]:
        """Stored checkpoint notes as (size, note), oldest first."""
        with self._lock:
            try:
                rows: list[Any] = self._conn.execute(
                    "SELECT size, note FROM checkpoint ORDER BY size"
                ).fetchall()
            except apsw.Error as exc:
                raise _store_error(exc, "reading checkpoints") from exc
        for r in rows:
            _typed(r, (int, str), "size, note", "a checkpoint row")
        return [(s, n) for s, n in rows]

    def backup(self, dest: Path, pages_per_step: int = 256) -> None:
        """Copy the database to ``dest`` with SQLite's online backup API (safe while other
        processes append), then open the copy and verify it."""
        try:
            dest_conn = apsw.Connection(str(dest))
        except apsw.Error as exc:
            raise _store_error(exc, f"creating the backup {dest}") from exc
        try:
            with self._lock, dest_conn.backup("main", self._conn, "main") as b:
                while not b.done:
                    b.step(pages_per_step)
            dest_conn.execute("PRAGMA journal_mode=delete")
        except apsw.Error as exc:
            raise _store_error(exc, f"backing up to {dest}") from exc
        finally:
            dest_conn.close()
        copy = SqliteLedger.open(dest)
        try:
            copy.verify()
        finally:
            copy.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            try:
                self._conn.close()
            except apsw.Error as exc:
                raise _store_error(exc, "closing") from exc

    # -- internals ----------------------------------------------------------------------------

    def _write(self, doing: str) -> _WriteTxn:
        return _WriteTxn(self._conn, doing)

    def _head_frontier(self, cur: apsw.Cursor) -> tuple[Head, list[bytes]]:
        rows: list[Any] = cur.execute(
            "SELECT size, root, frontier FROM head WHERE id = 1"
        ).fetchall()
        if not rows:
            raise IntegrityError("the head row is missing", kind="head")
        _typed(rows[0], (int, bytes, bytes), "size, root, frontier", "the head row")
        size, root, blob = rows[0][0], rows[0][1], rows[0][2]
        try:
            frontier = list(merkle.decode_frontier(blob, size))
        except (ValueError, IntegrityError) as exc:  # merkle raises ProofError (an IntegrityError)
            raise IntegrityError(f"the stored frontier is malformed: {exc}", kind="root") from exc
        return Head(size, root), frontier

    def _existing(self, cur: apsw.Cursor, ids: list[str]) -> dict[str, Stored]:
        uniq = list(dict.fromkeys(ids))
        found: dict[str, Stored] = {}
        for i in range(0, len(uniq), ID_CHUNK):
            chunk = uniq[i : i + ID_CHUNK]
            marks = ",".join("?" * len(chunk))
            for r in cur.execute(f"SELECT {_COLS} FROM entry WHERE event_id IN ({marks})", chunk):
                st = _row(r)
                found[st.leaf.event_id] = st
        return found

    def _page(self, nxt: int, end: int) -> list[Stored]:
        try:
            return [
                _row(r)
                for r in self._conn.execute(
                    f"SELECT {_COLS} FROM entry WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?",
                    (nxt, end, PAGE),
                )
            ]
        except apsw.Error as exc:
            raise _store_error(exc, "reading entries") from exc

    def _snapshot_entries(self) -> Iterator[Stored]:
        """All entries, paged, inside the caller's open transaction (lock held)."""
        nxt = 1
        while True:
            page = self._page(nxt, 1 << 62)
            yield from page
            if len(page) < PAGE:
                return
            nxt = page[-1].seq + 1


class _WriteTxn:
    """``BEGIN IMMEDIATE`` on enter; ``COMMIT`` on a clean exit, else ``ROLLBACK``; SQLite
    errors become StoreError, contract errors (conflict, duplicate id) pass unchanged."""

    def __init__(self, conn: apsw.Connection, doing: str) -> None:
        self._conn = conn
        self._doing = doing

    def __enter__(self) -> apsw.Cursor:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except apsw.Error as exc:
            raise _store_error(exc, self._doing) from exc
        return self._conn.cursor()

    def __exit__(
        self, etype: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if etype is None:
            try:
                self._conn.execute("COMMIT")
                return
            except apsw.Error as err:
                self._rollback()
                raise _store_error(
                    err,
                    f"{self._doing} (COMMIT failed: the write may or may not be stored; "
                    "retrying with the same event ids is safe)",
                ) from err
        self._rollback()
        if isinstance(exc, apsw.Error):
            raise _store_error(exc, self._doing) from exc

    def _rollback(self) -> None:
        try:
            if not self._conn.get_autocommit():
                self._conn.execute("ROLLBACK")
        except apsw.Error:
            pass  # the transaction is gone either way; the original error is what matters


def _quiet_close(conn: apsw.Connection) -> None:
    with contextlib.suppress(apsw.Error):  # already failing; the first error is what to report
        conn.close()


def _scalar(conn: apsw.Connection, sql: str) -> Any:
    rows = conn.execute(sql).fetchall()
    return rows[0][0] if rows else None


def _ensure_schema(conn: apsw.Connection, path: Path) -> None:
    """Create the v2 schema in an empty file, migrate a v1 file, refuse anything else."""
    from truce.ledger.store.migrate import migrate_sqlite

    version = _scalar(conn, "PRAGMA user_version")
    if version == SCHEMA_VERSION:
        return
    if version == 1:
        migrate_sqlite(conn)
        return
    if version != 0:
        raise StoreError(
            f"{path}: schema version {version} is not supported (this is {SCHEMA_VERSION})"
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _scalar(conn, "PRAGMA user_version")
        if version == 0:
            if _scalar(conn, "SELECT count(*) FROM sqlite_schema") != 0:
                raise StoreError(f"{path}: not a truce ledger (tables present, no schema version)")
            conn.execute(SCHEMA)
            conn.execute(
                "INSERT INTO head(id, size, root, frontier) VALUES (1, 0, ?, ?)",
                (merkle.EMPTY_ROOT, merkle.encode_frontier([])),
            )
        conn.execute("COMMIT")
    except BaseException:
        if not conn.get_autocommit():
            conn.execute("ROLLBACK")
        raise
    if version == 1:  # another process wrote a v1 file meanwhile: unlikely, handled anyway
        migrate_sqlite(conn)
