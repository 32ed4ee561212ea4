"""Schema migrations for the SQLite store, each in one transaction that checks it lost nothing.

Schema v1 (the first release): ``entry`` without ``visibility``, ``head`` without ``frontier``,
no ``checkpoint`` table. v2 adds them. A migration refuses to commit unless the row count and
the Merkle root are the same before and after.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apsw

from truce.errors import IntegrityError
from truce.ledger.log import merkle
from truce.ledger.log.leaf import leaf_of
from truce.ledger.store.contract import SCHEMA_VERSION

PAGE = 1000

SCHEMA_V1 = """
CREATE TABLE entry(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  party TEXT NOT NULL,
  data BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE TABLE head(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  root BLOB NOT NULL
);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES ('schema_version', '1');
PRAGMA user_version = 1;
"""

_V1_TO_V2 = """
CREATE TABLE entry_v2(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  party TEXT NOT NULL,
  visibility TEXT NOT NULL,
  data BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE TABLE head_v2(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  frontier BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoint(size INTEGER PRIMARY KEY, note TEXT NOT NULL);
"""


def _scalar(conn: apsw.Connection, sql: str) -> Any:
    rows = conn.execute(sql).fetchall()
    return rows[0][0] if rows else None


def _pages(conn: apsw.Connection, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``sql`` (which takes ``seq >= ?`` and ``LIMIT ?`` parameters) a page at a time."""
    nxt = 1
    while True:
        page = [tuple(r) for r in conn.execute(sql, (nxt, PAGE))]
        if page:
            yield page
        if len(page) < PAGE:
            return
        nxt = int(page[-1][0]) + 1


def _count_and_root(conn: apsw.Connection, table: str) -> tuple[int, list[bytes]]:
    hashes: list[bytes] = []
    n = 0
    sql = f"SELECT seq, hash FROM {table} WHERE seq >= ? ORDER BY seq LIMIT ?"
    frontier: list[bytes] = []
    for page in _pages(conn, sql):
        hashes = [bytes(r[1]) for r in page]
        frontier = merkle.extend(frontier, n, hashes)
        n += len(page)
    return n, frontier


def migrate_sqlite(conn: apsw.Connection) -> int:
    """Bring a v1 ledger database up to v2 in one ``BEGIN IMMEDIATE`` transaction; return the
    number of entries carried over (0 when another process migrated it first)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _scalar(conn, "PRAGMA user_version")
        if version == SCHEMA_VERSION:
            conn.execute("COMMIT")
            return 0
        if version != 1:
            raise IntegrityError(
                f"cannot migrate schema version {version} to {SCHEMA_VERSION}", kind="schema"
            )
        try:
            rows = _v1_to_v2(conn)
        except ValueError as exc:  # a stored hash of the wrong length
            raise IntegrityError(
                f"v1 ledger is malformed; not migrating: {exc}", kind="hash"
            ) from exc
        conn.execute("COMMIT")
        return rows
    except BaseException:
        if not conn.get_autocommit():
            conn.execute("ROLLBACK")
        raise


def _v1_to_v2(conn: apsw.Connection) -> int:
    head: list[Any] = conn.execute("SELECT size, root FROM head WHERE id = 1").fetchall()
    if not head:
        raise IntegrityError("v1 ledger has no head row; not migrating", kind="head")
    size, root = int(head[0][0]), bytes(head[0][1])
    count = int(_scalar(conn, "SELECT count(*) FROM entry"))
    n, frontier = _count_and_root(conn, "entry")
    if count != size or n != size or merkle.frontier_root(frontier) != root:
        raise IntegrityError(
            f"v1 ledger does not verify before migration (head {size}, rows {count}); not migrating",
            kind="root",
        )
    conn.execute(_V1_TO_V2)
    sql = "SELECT seq, event_id, type, party, data, hash FROM entry WHERE seq >= ? ORDER BY seq LIMIT ?"
    for page in _pages(conn, sql):
        conn.executemany(
            "INSERT INTO entry_v2(seq, event_id, type, party, visibility, data, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (seq, eid, typ, party, leaf_of(bytes(data), int(seq)).visibility, data, h)
                for seq, eid, typ, party, data, h in page
            ],
        )
    conn.execute(
        "INSERT INTO head_v2(id, size, root, frontier) VALUES (1, ?, ?, ?)",
        (size, root, merkle.encode_frontier(frontier)),
    )
    conn.execute(
        "DROP TABLE entry; ALTER TABLE entry_v2 RENAME TO entry;"
        "DROP TABLE head; ALTER TABLE head_v2 RENAME TO head;"
        "INSERT INTO meta(key, value) VALUES ('schema_version', '2') "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value;"
        f"PRAGMA user_version = {SCHEMA_VERSION};"
    )
    after_count = int(_scalar(conn, "SELECT count(*) FROM entry"))
    after_n, after_frontier = _count_and_root(conn, "entry")
    after_head: list[Any] = conn.execute(
        "SELECT size, root, frontier FROM head WHERE id = 1"
    ).fetchall()
    if (
        after_count != count
        or after_n != count
        or merkle.frontier_root(after_frontier) != root
        or [(int(after_head[0][0]), bytes(after_head[0][1]))] != [(size, root)]
        or bytes(after_head[0][2]) != merkle.encode_frontier(frontier)
    ):
        raise IntegrityError(
            f"migration changed the ledger (rows {count} -> {after_count}); rolled back",
            kind="root",
        )
    return count
