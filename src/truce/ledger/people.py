"""Personal data kept apart from the ledger, encrypted per person, so it can be crypto-shredded.

The ledger names captives and prisoners only by keyed pseudonyms (``p-...``). Names and other
personal fields live here, in ``people.db`` beside the ledger, each person's fields encrypted
with AES-256-GCM under that person's own random key. Forgetting a person deletes their key and
ciphertext (with ``secure_delete`` on, so the freed cells are zeroed), records only that they
were forgotten, then truncates the WAL and VACUUMs, so no copy survives in the database files
while the ledger, which holds only the pseudonym, still verifies.

Each row's role and pseudonym are bound to its ciphertext: the AEAD's associated data is an
HMAC of both under the pseudonym secret, so a row whose role or pseudonym was changed in the
database (even re-encrypted with the stored per-person key) no longer decrypts. Schema version
1 bound only the pseudonym; such a database is re-encrypted in the new form when first opened.

Pseudonyms are HMAC-SHA256 of the normalised external reference under a secret kept in
``pseudonym.key`` (mode 0600, never overwritten): without the secret, a dictionary of names
maps to nothing.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import apsw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from truce.errors import BadInput, IntegrityError, StoreError

DB_NAME: Final = "people.db"
KEY_NAME: Final = "pseudonym.key"
SCHEMA_VERSION: Final = 2
_AAD_CONTEXT: Final = b"truce people.db v2\x00"
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


def row_aad(secret: bytes, role: str, pid: str) -> bytes:
    """The associated data that binds a row's role and pseudonym to its ciphertext: an HMAC
    under the pseudonym secret, so that without the secret no other binding can be made."""
    msg = _AAD_CONTEXT + role.encode("utf-8") + b"\x00" + pid.encode("utf-8")
    return hmac.new(secret, msg, hashlib.sha256).digest()


@dataclass(frozen=True)
class PersonRow:
    """One person read from a people CSV: role, external reference, other fields, file:line."""

    role: str
    ref: str
    fields: dict[str, str]
    where: str


def read_people_csv(path: Path) -> list[PersonRow]:
    """Read and check a whole people CSV (header ``role,ref[,field...]``) before anything is
    stored; the first bad row is BadInput naming file:line and what was expected."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", where=str(path)) from None
    except UnicodeDecodeError:
        raise BadInput("expected UTF-8 text", where=str(path)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[PersonRow] = []
    try:
        header = next(reader, None)
        if not header or not {"role", "ref"} <= set(header):
            raise BadInput("expected a header with columns role,ref[,field...]", where=str(path))
        where = f"{path}:{reader.line_num}"
        if any(not name for name in header):
            raise BadInput("expected a name for every column of the header", where=where)
        if len(set(header)) != len(header):
            dup = sorted({n for n in header if header.count(n) > 1})
            raise BadInput(f"column {dup[0]!r} appears twice in the header", where=where)
        for cells in reader:
            where = f"{path}:{reader.line_num}"
            if not cells:
                continue  # a blank line
            if len(cells) != len(header):
                raise BadInput(
                    f"expected {len(header)} cells ({','.join(header)}), found {len(cells)}",
                    where=where,
                )
            row = dict(zip(header, cells, strict=True))
            if row["role"] not in ROLES:
                raise BadInput(
                    f"role must be one of {', '.join(ROLES)}, not {row['role']!r}", where=where
                )
            if not normalise_ref(row["ref"]):
                raise BadInput("expected a reference in column ref, found none", where=where)
            fields = {k: v for k, v in row.items() if k not in ("role", "ref") and v}
            out.append(PersonRow(row["role"], row["ref"], fields, where))
    except csv.Error as exc:
        raise BadInput(f"not valid CSV: {exc}", where=f"{path}:{reader.line_num}") from None
    return out


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
        """Create the tables on first use, bring a version-1 database to the current form, and
        refuse a database of any other schema version."""
        with self._write() as conn:
            conn.execute(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            elif row[0] == "1":
                self._upgrade_from_v1(conn)
            elif row[0] != str(SCHEMA_VERSION):
                raise BadInput(
                    f"unsupported people schema version {row[0]!r} (expected {SCHEMA_VERSION})",
                    where=str(db_path),
                )

    def _upgrade_from_v1(self, conn: apsw.Connection) -> None:
        """Re-encrypt every row of a version-1 database (associated data: the pseudonym only)
        with its role and pseudonym bound, in the open transaction: all rows or none. A row
        that does not decrypt in the old form is an IntegrityError naming its pseudonym."""
        rows = conn.execute(
            "SELECT p.pseudonym, p.role, p.ciphertext, p.nonce, k.key FROM person AS p "
            "JOIN person_key AS k ON k.pseudonym = p.pseudonym"
        ).fetchall()
        for pid, role, ciphertext, nonce, key in rows:
            pid, role, key = str(pid), str(role), _blob(key)
            plaintext = _open(pid, key, _blob(nonce), _blob(ciphertext), pid.encode("utf-8"))
            fresh = secrets.token_bytes(NONCE_BYTES)
            sealed = AESGCM(key).encrypt(fresh, plaintext, row_aad(self._secret, role, pid))
            conn.execute(
                "UPDATE person SET ciphertext = ?, nonce = ? WHERE pseudonym = ?",
                (sealed, fresh, pid),
            )
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
        )

    # -- operations ---------------------------------------------------------------------

    def pseudonym(self, role: str, external_ref: str) -> str:
        """The pseudonym this register's secret gives a person (without storing anything)."""
        return pseudonym(self._secret, role, external_ref)

    def add(self, role: str, external_ref: str, fields: dict[str, str]) -> str:
        """Store (or update) a person's fields encrypted under their own key; return the
        pseudonym the ledger should use for them."""
        with self._write() as conn:
            return self._add(conn, role, external_ref, fields)

    def add_all(self, people: Iterable[PersonRow]) -> list[str]:
        """Store every person read from a file in one transaction: if one cannot be stored
        (BadInput naming its file:line), none is. Returns their pseudonyms in order."""
        out: list[str] = []
        with self._write() as conn:
            for p in people:
                try:
                    out.append(self._add(conn, p.role, p.ref, p.fields))
                except BadInput as exc:
                    raise BadInput(str(exc), where=p.where) from None
        return out

    def _add(
        self, conn: apsw.Connection, role: str, external_ref: str, fields: dict[str, str]
    ) -> str:
        """Add or update one person inside the caller's write transaction."""
        pid = pseudonym(self._secret, role, external_ref)
        if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise BadInput("fields must map strings to strings", where="fields")
        plaintext = json.dumps(fields, ensure_ascii=True, sort_keys=True).encode("ascii")
        if conn.execute("SELECT 1 FROM forgotten WHERE pseudonym = ?", (pid,)).fetchone():
            raise BadInput(f"person {pid} was forgotten and cannot be added again")
        stored = conn.execute("SELECT role FROM person WHERE pseudonym = ?", (pid,)).fetchone()
        if stored is not None and stored[0] != role:
            raise IntegrityError(
                f"{DB_NAME}: person {pid} is stored with role {stored[0]!r}, but the pseudonym "
                f"is a {role}'s: the row was altered"
            )
        row = conn.execute("SELECT key FROM person_key WHERE pseudonym = ?", (pid,)).fetchone()
        key = _blob(row[0]) if row is not None else AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, row_aad(self._secret, role, pid))
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
        """A person's decrypted fields, or None when the pseudonym is unknown or forgotten;
        IntegrityError when the row (its role included) does not verify."""
        row = self._conn.execute(
            "SELECT p.role, p.ciphertext, p.nonce, k.key FROM person AS p "
            "JOIN person_key AS k ON k.pseudonym = p.pseudonym WHERE p.pseudonym = ?",
            (pseudonym,),
        ).fetchone()
        if row is None:
            return None
        role, ciphertext, nonce, key = row
        return self._decrypt(pseudonym, str(role), _blob(ciphertext), _blob(nonce), _blob(key))

    def _decrypt(
        self, pid: str, role: str, ciphertext: bytes, nonce: bytes, key: bytes
    ) -> dict[str, str]:
        """One person's fields, checked against the role and pseudonym the row claims."""
        return _decode(pid, _open(pid, key, nonce, ciphertext, row_aad(self._secret, role, pid)))

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

    def export(self, include_personal: bool, only: set[str] | None = None) -> list[dict[str, Any]]:
        """Every current person (or only those whose pseudonyms are in ``only``) as pseudonym
        and role, with decrypted fields only if asked. Every row returned is decrypted, so a
        role changed in the database is an IntegrityError even when fields are not asked for."""
        rows = self._conn.execute(
            "SELECT p.pseudonym, p.role, p.ciphertext, p.nonce, k.key FROM person AS p "
            "JOIN person_key AS k ON k.pseudonym = p.pseudonym ORDER BY p.pseudonym"
        ).fetchall()
        out: list[dict[str, Any]] = []
        for pid, role, ciphertext, nonce, key in rows:
            if only is not None and pid not in only:
                continue
            fields = self._decrypt(str(pid), str(role), _blob(ciphertext), _blob(nonce), _blob(key))
            item: dict[str, Any] = {"pseudonym": str(pid), "role": str(role)}
            if include_personal:
                item["fields"] = fields
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


def _open(pid: str, key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Decrypt one person's fields; a failure means the row (fields, role or pseudonym) was
    altered, and is an IntegrityError naming the pseudonym."""
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError) as exc:
        raise IntegrityError(
            f"{DB_NAME}: personal data of {pid} does not verify (its fields, role or "
            "pseudonym were altered)"
        ) from exc


def _decode(pid: str, plaintext: bytes) -> dict[str, str]:
    """Decode one person's decrypted fields (a JSON object of strings)."""
    try:
        data = json.loads(plaintext)
    except ValueError as exc:
        raise IntegrityError(f"personal data of {pid} is not JSON") from exc
    if not isinstance(data, dict):
        raise IntegrityError(f"personal data of {pid} is not an object")
    return {str(k): str(v) for k, v in data.items()}


def _blob(value: object) -> bytes:
    """A BLOB column's value as bytes; anything else means the table was tampered with."""
    if not isinstance(value, bytes):
        raise IntegrityError(f"{DB_NAME}: expected a BLOB, found {type(value).__name__}")
    return value
