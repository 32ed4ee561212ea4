"""The SQL store: the storage contract on PostgreSQL (the target) or any SQLAlchemy database.

One database holds many ledgers: every table has a ``ledger`` column. Appends to one ledger
serialise on its head row (``SELECT ... FOR UPDATE``), so commit order is sequence order and
the head, the frontier and the entries change together in one transaction. An append is
acknowledged only after its commit returns; PostgreSQL's defaults (``fsync``,
``synchronous_commit``) make that commit durable.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

try:
    from sqlalchemy import (
        BigInteger,
        Column,
        Connection,
        Engine,
        LargeBinary,
        MetaData,
        Row,
        String,
        Table,
        Text,
        UniqueConstraint,
        create_engine,
        event,
        insert,
        select,
        text,
        update,
    )
    from sqlalchemy.dialects import postgresql as pg_dialect
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.exc import IntegrityError as SqlIntegrityError
    from sqlalchemy.exc import SQLAlchemyError
except ImportError as exc:  # pragma: no cover - depends on the install
    from truce.errors import MissingExtra

    raise MissingExtra("sqlalchemy", "postgres") from exc

from truce.errors import StoreError
from truce.ledger.log import merkle
from truce.ledger.store.contract import Head, Leaf, Stored, check_entries, plan_append

COPY_MIN = 64  # rows from which an append uses COPY on PostgreSQL
PAGE = 5000  # rows per query when streaming entries
ID_CHUNK = 1000  # event ids per lookup query in an append
_LOCK_KEY = 0x7472756365  # pg_advisory_xact_lock key serialising table creation ("truce")

metadata = MetaData()

_PG_LOOKUP = text(
    "SELECT e.seq, e.event_id, e.type, e.party, e.visibility, e.data, e.hash "
    "FROM unnest(CAST(:ids AS text[])) AS u(id) CROSS JOIN LATERAL "
    "(SELECT * FROM truce_entry AS t WHERE t.ledger = :l AND t.event_id = u.id LIMIT 1) AS e"
)

entry_table = Table(
    "truce_entry",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("party", Text, nullable=False),
    Column("visibility", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    UniqueConstraint("ledger", "event_id", name="truce_entry_ledger_event_id"),
)

head_table = Table(
    "truce_head",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary, nullable=False),
    Column("frontier", LargeBinary, nullable=False),
)

meta_table = Table(
    "truce_meta",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

checkpoint_table = Table(
    "truce_checkpoint",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
)


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` / ``postgres://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _stored(row: Row[Any]) -> Stored:
    """A Stored entry from a ``truce_entry`` row."""
    leaf = Leaf(row.event_id, row.type, row.party, row.visibility, bytes(row.data))
    return Stored(int(row.seq), leaf, bytes(row.hash))


class SqlLedger:
    """A ledger store in SQL tables shared by many ledgers; PostgreSQL is the target."""

    def __init__(self, engine: Engine, ledger: str) -> None:
        self._engine = engine
        self._ledger = ledger
        self._where = engine.url.render_as_string(hide_password=True)

    @classmethod
    def open(cls, url: str, ledger: str = "default") -> SqlLedger:
        """Connect, create the tables if absent and the ledger's head row if new."""
        if not ledger or len(ledger) > 200:
            raise ValueError("a ledger name is 1 to 200 characters")
        try:
            engine = create_engine(normalise_url(url), pool_pre_ping=True)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the SQL store {url!r}: {exc}") from exc
        except ImportError as exc:
            raise StoreError(f"no database driver for {url!r}: {exc}") from exc
        if engine.dialect.name == "sqlite":
            _sqlite_immediate(engine)
        store = cls(engine, ledger)
        try:
            store._create()
        except BaseException:
            engine.dispose()
            raise
        return store

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Turn driver and server errors into StoreError; the contract's errors pass through."""
        try:
            yield
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            raise StoreError(
                f"{what} on ledger {self._ledger!r} at {self._where} failed: "
                f"{type(orig).__name__}: {str(orig).strip()}"
            ) from exc

    def _create(self) -> None:
        """Create missing tables (serialised between processes on PostgreSQL) and the head row."""
        for attempt in range(3):
            try:
                with self._guard("creating the tables"), self._engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                    metadata.create_all(conn)
                break
            except StoreError:
                if attempt == 2:
                    raise
        row = {
            "ledger": self._ledger,
            "size": 0,
            "root": merkle.EMPTY_ROOT,
            "frontier": merkle.encode_frontier([]),
        }
        with self._guard("creating the ledger's head"), self._engine.begin() as conn:
            name = conn.dialect.name
            if name in ("postgresql", "sqlite"):
                dialect = pg_dialect if name == "postgresql" else sqlite_dialect
                conn.execute(dialect.insert(head_table).values(row).on_conflict_do_nothing())
                return
            exists = conn.execute(
                select(head_table.c.ledger).where(head_table.c.ledger == self._ledger)
            ).first()
            if exists is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(head_table).values(row))
                except SqlIntegrityError:
                    pass  # another process created it first

    def append(self, leaves: Sequence[Leaf], expected_size: int | None = None) -> list[Stored]:
        """Store leaves atomically (all or none), acknowledged after commit; see ``plan_append``."""
        leaves = list(leaves)
        if not leaves:
            return []
        with self._guard("append"), self._engine.begin() as conn:
            head, frontier = self._read_head(conn, lock=True)
            ids = list(dict.fromkeys(lf.event_id for lf in leaves))
            existing: dict[str, Stored] = {}
            for i in range(0, len(ids), ID_CHUNK):
                for row in self._lookup(conn, ids[i : i + ID_CHUNK]):
                    existing[row.event_id] = _stored(row)
            plan = plan_append(leaves, expected_size, head, frontier, existing)
            if plan.new and conn.dialect.name == "postgresql" and len(plan.new) >= COPY_MIN:
                self._copy(conn, plan.new)
            elif plan.new:
                conn.execute(
                    insert(entry_table),
                    [
                        {
                            "ledger": self._ledger,
                            "seq": st.seq,
                            "event_id": st.leaf.event_id,
                            "type": st.leaf.type,
                            "party": st.leaf.party,
                            "visibility": st.leaf.visibility,
                            "data": st.leaf.data,
                            "hash": st.hash,
                        }
                        for st in plan.new
                    ],
                )
            if plan.new:
                conn.execute(
                    update(head_table)
                    .where(head_table.c.ledger == self._ledger)
                    .values(
                        size=plan.head.size,
                        root=plan.head.root,
                        frontier=merkle.encode_frontier(plan.frontier),
                    )
                )
        return plan.answer

    def _copy(self, conn: Connection, new: list[Stored]) -> None:
        """Insert many rows with PostgreSQL's COPY, inside the append's transaction (the same
        DBAPI connection): several times faster than a multi-row INSERT for large batches."""
        raw = conn.connection.driver_connection
        assert raw is not None
        columns = "ledger, seq, event_id, type, party, visibility, data, hash"
        with raw.cursor() as cur, cur.copy(f"COPY truce_entry ({columns}) FROM STDIN") as cp:
            for st in new:
                lf = st.leaf
                cp.write_row(
                    (
                        self._ledger,
                        st.seq,
                        lf.event_id,
                        lf.type,
                        lf.party,
                        lf.visibility,
                        lf.data,
                        st.hash,
                    )
                )

    def _lookup(self, conn: Connection, ids: list[str]) -> Iterator[Row[Any]]:
        """The stored rows for these event ids (at most ID_CHUNK of them)."""
        if conn.dialect.name == "postgresql":
            # One unique-index probe per id, whatever the table statistics say: with an
            # ``IN (...)`` list the planner may scan the whole ledger and filter (seen with
            # stale statistics after a fast import: quadratic time).
            return iter(conn.execute(_PG_LOOKUP, {"ids": ids, "l": self._ledger}))
        return iter(
            conn.execute(
                select(entry_table).where(
                    entry_table.c.ledger == self._ledger, entry_table.c.event_id.in_(ids)
                )
            )
        )

    def _pages(self, conn: Connection | None, start: int, stop: int | None) -> Iterator[Stored]:
        """Entries start <= seq < stop in pages of PAGE rows (keyset by seq); a fresh connection
        per page unless ``conn`` is given (one snapshot)."""
        cur = max(start, 1)
        while stop is None or cur < stop:
            q = select(entry_table).where(
                entry_table.c.ledger == self._ledger, entry_table.c.seq >= cur
            )
            if stop is not None:
                q = q.where(entry_table.c.seq < stop)
            q = q.order_by(entry_table.c.seq).limit(PAGE)
            with self._guard("read"):
                if conn is None:
                    with self._engine.connect() as c:
                        rows = c.execute(q).all()
                else:
                    rows = conn.execute(q).all()
            for row in rows:
                yield _stored(row)
            if len(rows) < PAGE:
                return
            cur = int(rows[-1].seq) + 1

    def read(self, start: int = 1, stop: int | None = None) -> Iterator[Stored]:
        """Entries with start <= seq < stop, in order, streamed page by page."""
        return self._pages(None, start, stop)

    def get(self, event_id: str) -> Stored | None:
        """The stored entry for an event id."""
        with self._guard("get"), self._engine.connect() as conn:
            row = conn.execute(
                select(entry_table).where(
                    entry_table.c.ledger == self._ledger, entry_table.c.event_id == event_id
                )
            ).first()
        return None if row is None else _stored(row)

    def _read_head(self, conn: Connection, lock: bool = False) -> tuple[Head, list[bytes]]:
        """The ledger's head and Merkle frontier (``lock``: FOR UPDATE, held until commit)."""
        q = select(head_table.c.size, head_table.c.root, head_table.c.frontier).where(
            head_table.c.ledger == self._ledger
        )
        row = conn.execute(q.with_for_update() if lock else q).one_or_none()
        if row is None:
            raise StoreError(f"ledger {self._ledger!r} has no head row at {self._where}")
        size = int(row.size)
        return Head(size, bytes(row.root)), merkle.decode_frontier(bytes(row.frontier), size)

    def head(self) -> Head:
        """The current size and root."""
        with self._guard("head"), self._engine.connect() as conn:
            return self._read_head(conn)[0]

    def verify(self) -> Head:
        """Re-derive every hash and the root from the stored bytes, in one consistent snapshot."""
        with self._guard("verify"), self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                head, frontier = self._read_head(conn)
                return check_entries(self._pages(conn, 1, None), head, frontier)

    def _upsert(self, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
        """Insert a row or overwrite its values."""
        with self._guard(f"writing {table.name}"), self._engine.begin() as conn:
            name = conn.dialect.name
            if name in ("postgresql", "sqlite"):
                dialect = pg_dialect if name == "postgresql" else sqlite_dialect
                stmt = dialect.insert(table).values({**keys, **values})
                conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=values))
                return
            cond = [table.c[k] == v for k, v in keys.items()]
            if conn.execute(update(table).where(*cond).values(values)).rowcount == 0:
                conn.execute(insert(table).values({**keys, **values}))

    def get_meta(self, key: str) -> str | None:
        """A ledger-wide setting."""
        with self._guard("get_meta"), self._engine.connect() as conn:
            value = conn.execute(
                select(meta_table.c.value).where(
                    meta_table.c.ledger == self._ledger, meta_table.c.key == key
                )
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        """Set a ledger-wide setting."""
        self._upsert(meta_table, {"ledger": self._ledger, "key": key}, {"value": value})

    def add_checkpoint(self, size: int, note: str) -> None:
        """Keep a signed checkpoint note (the newest per size wins)."""
        self._upsert(checkpoint_table, {"ledger": self._ledger, "size": size}, {"note": note})

    def checkpoints(self) -> list[tuple[int, str]]:
        """Stored checkpoint notes, oldest first."""
        with self._guard("checkpoints"), self._engine.connect() as conn:
            rows = conn.execute(
                select(checkpoint_table.c.size, checkpoint_table.c.note)
                .where(checkpoint_table.c.ledger == self._ledger)
                .order_by(checkpoint_table.c.size)
            ).all()
        return [(int(r.size), str(r.note)) for r in rows]

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()


def _sqlite_immediate(engine: Engine) -> None:
    """On SQLite take the write lock when a transaction begins (it has no FOR UPDATE), so
    concurrent appends wait for each other instead of failing with 'database is locked'."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
