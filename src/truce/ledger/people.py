"""Personal data kept apart from the ledger, encrypted per person, so it can be crypto-shredded.

The ledger names captives and prisoners only by keyed pseudonyms (``p-...``). Names and other
personal fields live here, in ``people.db`` beside the ledger, each person's fields encrypted
with AES-256-GCM under that person's own random key. Forgetting a person deletes their key and
ciphertext (with ``secure_delete`` on, so the freed cells are zeroed), records only that they
were forgotten, then truncates the WAL and VACUUMs, so no copy survives in the database files
while the ledger, which holds only the pseudonym, still verifies.

Pseudonyms are HMAC-SHA256 of the normalised external reference under a secret kept in
``pseudonym.key`` (mode 0600, never overwritten): without the secret, a dictionary of names
maps to nothing.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import apsw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from truce.errors import BadInput, IntegrityError, StoreError

DB_NAME: Final = "people.db"
KEY_NAME: Final = "pseudonym.key"
SCHEMA_VERSION: Final = 1
ROLES: Final = ("captive", "prisoner")
SECRET_BYTES: Final = 32
NONCE_BYTES: Final = 12
BUSY_TIMEOUT_MS: Final = 10_000

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS person(
    pseudonym TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK(role IN ('captive','prisoner')),
    ciphertext BLOB NOT NULL,
    nonce BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS person_key(
    pseudonym TEXT PRIMARY KEY,
    key BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS forgotten(
    pseudonym TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta(
    key TEXT PRIMARY KEY,
    value TEXT
);
"""


def normalise_ref(external_ref: str) -> str:
    """Canonical form of an external reference (NFKC, casefolded, whitespace collapsed) so that
    trivially different spellings of one person give one pseudonym."""
    text = unicodedata.normalize("NFKC", external_ref)
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


def pseudonym(secret: bytes, role: str, external_ref: str) -> str:
    """Keyed pseudonym ``p-`` + 16 base32 chars: HMAC-SHA256(secret, role NUL normalised ref),
    so the same person always maps to the same id but names cannot be guessed back."""
    if role not in ROLES:
        raise BadInput(f"role must be one of {', '.join(ROLES)}, not {role!r}", where="role")
    if len(secret) < 16:
        raise BadInput("pseudonym secret is too short (need at least 16 bytes)")
    ref = normalise_ref(external_ref)
    if not ref:
        raise BadInput("external reference is empty", where="external_ref")
    digest = hmac.new(secret, (role + "\x00" + ref).encode("utf-8"), hashlib.sha256).digest()
    return "p-" + base64.b32encode(digest[:10]).decode("ascii").rstrip("=").lower()


def load_or_create_secret(path: Path) -> bytes:
    """Read the pseudonym secret, creating it (32 random bytes, mode 0600) only if absent; an
    existing secret is never overwritten, since every pseudonym depends on it."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    # Write the secret to a private temporary file first, then link it into place: the link
    # fails if another process won the race, and readers never see a half-written key.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, secrets.token_bytes(SECRET_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    """The secret's bytes, refusing a file that others can read or that has the wrong size."""
    fd = os.open(path, os.O_RDONLY)
    try:
        mode = os.fstat(fd).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BadInput(
                f"pseudonym secret is accessible to other users (mode {stat.S_IMODE(mode):o}); "
                "chmod 600 it",
                where=str(path),
            )
        data = b""
        while chunk := os.read(fd, 64):
            data += chunk
    finally:
        os.close(fd)
    if len(data) != SECRET_BYTES:
        raise BadInput(f"pseudonym secret must be {SECRET_BYTES} bytes", where=str(path))
    return data


def _fsync_dir(directory: Path) -> None:
    """Make a new directory entry durable (best effort where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class People:
    """The encrypted, erasable register of persons behind the ledger's pseudonyms."""

    def __init__(self, conn: apsw.Connection, secret: bytes, directory: Path) -> None:
        self._conn = conn
        self._secret = secret
        self.directory = directory

    @classmethod
    def open(cls, directory: Path) -> People:
        """Open (creating if absent) ``people.db`` and ``pseudonym.key`` in a ledger directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        secret = load_or_create_secret(directory / KEY_NAME)
        db_path = directory / DB_NAME
        # Pre-create the database file as 0600; SQLite gives -wal and -shm the same mode.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            conn = apsw.Connection(str(db_path))
        except apsw.Error as exc:
            raise StoreError(f"cannot open {db_path}: {exc}") from exc
        try:
            conn.set_busy_timeout(BUSY_TIMEOUT_MS)
            _configure(conn, db_path)
            people = cls(conn, secret, directory)
            people._ensure_schema(db_path)
        except BaseException:
            conn.close()
            raise
        return people

    # -- transactions -------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[apsw.Connection]:
        """One write transaction: BEGIN IMMEDIATE, COMMIT on success, ROLLBACK on any error."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except apsw.Error as exc:
            raise StoreError(f"cannot start a write on {DB_NAME}: {exc}") from exc
        try:
            yield conn
        except BaseException:
            with contextlib.suppress(apsw.Error):  # SQLite may already have rolled back
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except apsw.Error as exc:
            with contextlib.suppress(apsw.Error):
                conn.execute("ROLLBACK")
            raise StoreError(f"cannot commit to {DB_NAME}: {exc}") from exc

    def _ensure_schema(self, db_path: Path) -> None:
        """Create the tables on first use and refuse a database of another schema version."""
        with self._write() as conn:
            conn.execute(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            elif row[0] != str(SCHEMA_VERSION):
                raise BadInput(
                    f"unsupported people schema version {row[0]!r} (expected {SCHEMA_VERSION})",
                    where=str(db_path),
                )

    # -- operations ---------------------------------------------------------------------

    def pseudonym(self, role: str, external_ref: str) -> str:
        """The pseudonym this register's secret gives a person (without storing anything)."""
        return pseudonym(self._secret, role, external_ref)

    def add(self, role: str, external_ref: str, fields: dict[str, str]) -> str:
        """Store (or update) a person's fields encrypted under their own key; return the
        pseudonym the ledger should use for them."""
        pid = pseudonym(self._secret, role, external_ref)
        if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise BadInput("fields must map strings to strings", where="fields")
        plaintext = json.dumps(fields, ensure_ascii=True, sort_keys=True).encode("ascii")
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM forgotten WHERE pseudonym = ?", (pid,)).fetchone():
                raise BadInput(f"person {pid} was forgotten and cannot be added again")
            row = conn.execute("SELECT key FROM person_key WHERE pseudonym = ?", (pid,)).fetchone()
            key = _blob(row[0]) if row is not None else AESGCM.generate_key(bit_length=256)
            nonce = secrets.token_bytes(NONCE_BYTES)
            ciphertext = AESGCM(key).encrypt(nonce, plaintext, pid.encode("ascii"))
            if row is None:
                conn.execute("INSERT INTO person_key(pseudonym, key) VALUES (?, ?)", (pid, key))
            conn.execute(
                "INSERT INTO person(pseudonym, role, ciphertext, nonce) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(pseudonym) DO UPDATE SET ciphertext = excluded.ciphertext, "
                "nonce = excluded.nonce",
                (pid, role, ciphertext, nonce),
            )
        return pid

    def get(self, pseudonym: str) -> dict[str, str] | None:
        """A person's decrypted fields, or None when the pseudonym is unknown or forgotten."""
        row = self._conn.execute(
            "SELECT p.ciphertext, p.nonce, k.key FROM person AS p "
            "JOIN person_key AS k ON k.pseudonym = p.pseudonym WHERE p.pseudonym = ?",
            (pseudonym,),
        ).fetchone()
        if row is None:
            return None
        return _decrypt(pseudonym, _blob(row[0]), _blob(row[1]), _blob(row[2]))

    def forget(self, pseudonym: str, at: str) -> None:
        """Crypto-shred a person: delete key and ciphertext, keep only the fact and time of
        forgetting, then truncate the WAL and VACUUM so no copy stays in the files."""
        with self._write() as conn:
            known = conn.execute(
                "SELECT 1 FROM person WHERE pseudonym = ? UNION ALL "
                "SELECT 1 FROM person_key WHERE pseudonym = ?",
                (pseudonym, pseudonym),
            ).fetchone()
            already = conn.execute(
                "SELECT 1 FROM forgotten WHERE pseudonym = ?", (pseudonym,)
            ).fetchone()
            if known is None and already is None:
                raise BadInput(f"unknown person {pseudonym!r}", where="pseudonym")
            conn.execute("DELETE FROM person_key WHERE pseudonym = ?", (pseudonym,))
            conn.execute("DELETE FROM person WHERE pseudonym = ?", (pseudonym,))
            if already is None:
                conn.execute("INSERT INTO forgotten(pseudonym, at) VALUES (?, ?)", (pseudonym, at))
        # Forgetting an already forgotten person only re-runs this scrub (safe to retry).
        self._scrub()

    def _scrub(self) -> None:
        """Move everything out of the WAL and truncate it, rebuild the database without free
        pages, and truncate the WAL VACUUM wrote to."""
        self._checkpoint_truncate()
        try:
            self._conn.execute("VACUUM")
        except apsw.Error as exc:
            raise StoreError(f"VACUUM of {DB_NAME} failed: {exc}") from exc
        self._checkpoint_truncate()

    def _checkpoint_truncate(self) -> None:
        """Checkpoint the whole WAL into the database and truncate it to zero bytes."""
        try:
            row = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except apsw.Error as exc:
            raise StoreError(f"WAL checkpoint of {DB_NAME} failed: {exc}") from exc
        if row is None or row[0]:
            raise StoreError(
                f"WAL checkpoint of {DB_NAME} blocked by another connection; the person is "
                "forgotten but old pages may remain in the WAL until forget() is retried"
            )

    def forgotten(self) -> list[dict[str, str]]:
        """Which pseudonyms were forgotten and when (no personal data)."""
        rows = self._conn.execute(
            "SELECT pseudonym, at FROM forgotten ORDER BY pseudonym"
        ).fetchall()
        return [{"pseudonym": str(p), "at": str(a)} for p, a in rows]

    def export(self, include_personal: bool) -> list[dict[str, Any]]:
        """Every current person as pseudonym and role, with decrypted fields only if asked."""
        rows = self._conn.execute(
            "SELECT p.pseudonym, p.role, p.ciphertext, p.nonce, k.key FROM person AS p "
            "JOIN person_key AS k ON k.pseudonym = p.pseudonym ORDER BY p.pseudonym"
        ).fetchall()
        out: list[dict[str, Any]] = []
        for pid, role, ciphertext, nonce, key in rows:
            item: dict[str, Any] = {"pseudonym": str(pid), "role": str(role)}
            if include_personal:
                item["fields"] = _decrypt(str(pid), _blob(ciphertext), _blob(nonce), _blob(key))
            out.append(item)
        return out

    def close(self) -> None:
        """Close the database connection (safe to call twice)."""
        self._conn.close()

    def __enter__(self) -> People:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _configure(conn: apsw.Connection, db_path: Path) -> None:
    """WAL, full fsync, zeroing of deleted content, temporary data kept off disk."""
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()
    if mode is None or str(mode[0]).lower() != "wal":
        raise StoreError(f"{db_path}: cannot switch to WAL journal mode (got {mode!r})")
    conn.execute("PRAGMA synchronous=FULL")
    sync = conn.execute("PRAGMA synchronous").fetchone()
    if sync is None or sync[0] != 2:
        raise StoreError(f"{db_path}: synchronous=FULL did not take (got {sync!r})")
    conn.execute("PRAGMA secure_delete=ON")
    sd = conn.execute("PRAGMA secure_delete").fetchone()
    if sd is None or sd[0] != 1:
        raise StoreError(f"{db_path}: secure_delete=ON did not take (got {sd!r})")
    # VACUUM and sorts build temporary databases; keep them in memory, not in /tmp.
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA foreign_keys=ON")


def _decrypt(pid: str, ciphertext: bytes, nonce: bytes, key: bytes) -> dict[str, str]:
    """Decrypt and decode one person's fields; a failure means the stored data was altered."""
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, pid.encode("ascii"))
    except (InvalidTag, ValueError) as exc:
        raise IntegrityError(f"personal data of {pid} does not decrypt") from exc
    data = json.loads(plaintext)
    if not isinstance(data, dict):
        raise IntegrityError(f"personal data of {pid} is not an object")
    return {str(k): str(v) for k, v in data.items()}


def _blob(value: object) -> bytes:
    """A BLOB column's value as bytes; anything else means the table was tampered with."""
    if not isinstance(value, bytes):
        raise IntegrityError(f"{DB_NAME}: expected a BLOB, found {type(value).__name__}")
    return value
