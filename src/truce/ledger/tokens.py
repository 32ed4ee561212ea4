"""Access tokens for a served ledger directory: who may use it over HTTP, in which role.

A token is a secret ``truce_<id>_<43 url-safe characters>`` shown once when it is made; the
directory keeps only the SHA-256 of the whole secret, in ``DIR/tokens.json`` (mode 0600)::

    {"version": 1, "tokens": [{"id": "3f9c0a1b2c4d", "role": "party:hamas",
      "created_at": "...", "expires_at": null, "revoked_at": null, "sha256": "..."}]}

Writers hold ``DIR/tokens.lock`` (``fcntl.flock``) while they read, change and rewrite the file,
and replace it atomically (a temporary file, then ``os.replace``), so two processes never lose a
token and a reader never sees half a file. Each version is stamped with a strictly later
``mtime_ns`` than the one before, so ``(inode, mtime_ns, size)`` names one version: the parsed
file is cached on it, and ``authenticate`` costs a ``stat`` and a hash per request.

Roles (``Role.parse``): ``party:ID`` (a party the terms name: the application layer checks
that), ``mediator:ID`` (a label), ``reader`` (the public record, read-only) and ``witness``
(cosigns checkpoints). Clones and backups of a directory do not carry its tokens.

Time is an argument (``now``, timezone-aware): the interface reads the clock.
"""

from __future__ import annotations

import builtins
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from truce.errors import BadInput, IntegrityError

TOKENS = "tokens.json"
LOCK = "tokens.lock"
PREFIX = "truce_"
ID_HEX = 12
SECRET_BYTES = 32

RoleKind = Literal["party", "mediator", "reader", "witness"]
KINDS: tuple[RoleKind, ...] = ("party", "mediator", "reader", "witness")
_WITH_ID = ("party", "mediator")
_PARTY_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # a party id in the terms (truce.terms.Slug)
_LABEL = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_TOKEN_ID = re.compile(r"[0-9a-f]{12}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SECRET = re.compile(r"truce_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")
_SECRET_LEN = len(PREFIX) + ID_HEX + 1 + 43
_AUDIENCE = {"party": "parties", "mediator": "mediator", "reader": "public", "witness": "public"}
_ROLE_HELP = "expected party:ID, mediator:ID, reader or witness"


def _shown(text: str) -> str:
    """A piece of user input for a message: quoted, at most 70 characters."""
    return repr(text if len(text) <= 70 else text[:67] + "...")


@dataclass(frozen=True)
class Role:
    """What a token may do: ``party:ID``, ``mediator:ID``, ``reader`` or ``witness``."""

    kind: RoleKind
    id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise BadInput(f"{_ROLE_HELP}, got {_shown(str(self.kind))}", param="role")
        if self.kind in _WITH_ID:
            pattern, what = (_PARTY_ID, "party id") if self.kind == "party" else (_LABEL, "label")
            if not self.id:
                raise BadInput(f"{self.kind} needs an id: {self.kind}:ID", param="role")
            if not pattern.fullmatch(self.id):
                raise BadInput(
                    f"{self.kind}:ID: {_shown(self.id)} is not a {what} (lower-case letters, "
                    f"digits and {'_ -' if self.kind == 'party' else '_ . -'}, starting with a "
                    "letter or digit, at most 64 characters)",
                    param="role",
                )
        elif self.id is not None:
            raise BadInput(f"{self.kind} takes no id, got {self.kind}:{self.id}", param="role")

    @classmethod
    def parse(cls, text: str) -> Role:
        """``party:ID``, ``mediator:ID``, ``reader`` or ``witness``; anything else is BadInput
        (``param="role"``)."""
        if not isinstance(text, str) or not text:
            raise BadInput(f"{_ROLE_HELP}, got nothing", param="role")
        kind, sep, ident = text.partition(":")
        if kind not in KINDS:
            raise BadInput(f"{_ROLE_HELP}, got {_shown(text)}", param="role")
        return cls(kind, ident if sep else None)

    def __str__(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    @property
    def audience(self) -> str:
        """The export audience (truce.ledger.export.AUDIENCES) whose view this role reads."""
        return _AUDIENCE[self.kind]

    @property
    def may_write(self) -> bool:
        """Whether the role may append (a party its own events, a mediator relayed acts)."""
        return self.kind in _WITH_ID


@dataclass(frozen=True)
class Token:
    """One stored token: never its secret, only the SHA-256 (hex) of it."""

    id: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    hash: str

    def active(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": str(self.role),
            "created_at": _stamp(self.created_at),
            "expires_at": _stamp(self.expires_at) if self.expires_at else None,
            "revoked_at": _stamp(self.revoked_at) if self.revoked_at else None,
            "sha256": self.hash,
        }


class TokenStore:
    """The tokens of one ledger directory (``DIR/tokens.json``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / TOKENS
        self.lock_path = self.directory / LOCK
        self._cache: tuple[tuple[int, int, int], dict[str, Token]] | None = None

    def new(self, role: Role, expires: timedelta | None, now: datetime) -> tuple[str, Token]:
        """Make a token for ``role``, valid from ``now`` for ``expires`` (None: until revoked).
        Returns the secret (show it once; it is not kept) and the stored token."""
        _aware(now)
        if expires is not None and expires <= timedelta(0):
            raise BadInput("a token must expire after it is made", param="expires")
        with self._locked() as tokens:
            token_id = secrets.token_hex(ID_HEX // 2)
            while token_id in tokens:
                token_id = secrets.token_hex(ID_HEX // 2)
            secret = f"{PREFIX}{token_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
            token = Token(
                id=token_id,
                role=role,
                created_at=now,
                expires_at=now + expires if expires is not None else None,
                revoked_at=None,
                hash=_digest(secret),
            )
            tokens[token_id] = token
        return secret, token

    def list(self) -> builtins.list[Token]:
        """Every token ever made here, revoked and expired ones included, oldest first."""
        return builtins.list(self._read().values())

    def get(self, token_id: str) -> Token | None:
        """The token with this id, if there is one."""
        return self._read().get(token_id)

    def revoke(self, token_id: str, now: datetime) -> Token:
        """Revoke a token from ``now`` on (a token already revoked keeps its first time)."""
        _aware(now)
        with self._locked() as tokens:
            token = tokens.get(token_id)
            if token is None:
                raise BadInput(
                    f"no token {_shown(token_id)} in this directory (`truce token list`)",
                    param="token_id",
                )
            if token.revoked_at is None:
                token = tokens[token_id] = replace(token, revoked_at=now)
        return token

    def authenticate(self, secret: object, now: datetime) -> Token | None:
        """The active token whose secret this is, or None (unknown, wrong, expired, revoked, or
        not a token at all: never an error for what a client sends)."""
        _aware(now)
        if not isinstance(secret, str) or len(secret) != _SECRET_LEN:
            return None
        m = _SECRET.fullmatch(secret)
        if m is None:
            return None
        token = self._read().get(m.group(1))
        if token is None:
            return None
        if not hmac.compare_digest(_digest(secret), token.hash):
            return None
        return token if token.active(now) else None

    def _read(self) -> dict[str, Token]:
        """The parsed file (not to be changed), cached on (inode, mtime_ns, size)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return {}
        cached = self._cache
        if cached is not None and cached[0] == (st.st_ino, st.st_mtime_ns, st.st_size):
            return cached[1]
        with open(self.path, "rb") as f:
            st = os.fstat(f.fileno())
            tokens = _parse(f.read(), self.path)
        self._cache = ((st.st_ino, st.st_mtime_ns, st.st_size), tokens)
        return tokens

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Token]]:
        """Hold the lock; yield the tokens as stored now, read afresh, to change in place; write
        them back atomically if the block finishes without an error."""
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                with open(self.path, "rb") as f:
                    before = os.fstat(f.fileno()).st_mtime_ns
                    tokens = dict(_parse(f.read(), self.path))
            except FileNotFoundError:
                before, tokens = 0, {}
            yield tokens
            self._write(tokens, max(time.time_ns(), before + 1))
        finally:
            os.close(fd)  # releases the lock

    def _write(self, tokens: dict[str, Token], mtime_ns: int) -> None:
        data = (
            json.dumps(
                {"version": 1, "tokens": [t.to_json() for t in tokens.values()]}, indent=1
            ).encode()
            + b"\n"
        )
        tmp = self.directory / f".{TOKENS}.{secrets.token_hex(8)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                os.fchmod(fd, 0o600)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            # A strictly later mtime than the version it replaces: the readers' cache key.
            os.utime(tmp, ns=(mtime_ns, mtime_ns))
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        dfd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def _parse(data: bytes, path: Path) -> dict[str, Token]:
    """tokens.json, checked: anything unexpected is an IntegrityError naming the file."""

    def bad(what: str) -> IntegrityError:
        return IntegrityError(f"{path}: {what}", kind="tokens")

    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"not valid JSON: {exc}") from None
    if (
        not isinstance(doc, dict)
        or doc.get("version") != 1
        or not isinstance(doc.get("tokens"), builtins.list)
    ):
        raise bad('expected {"version": 1, "tokens": [...]}')
    out: dict[str, Token] = {}
    for i, item in enumerate(doc["tokens"]):
        try:
            if not isinstance(item, dict):
                raise ValueError("not an object")
            token_id, digest = item["id"], item["sha256"]
            if not (isinstance(token_id, str) and _TOKEN_ID.fullmatch(token_id)):
                raise ValueError(f"bad id {token_id!r}")
            if not (isinstance(digest, str) and _SHA256.fullmatch(digest)):
                raise ValueError("bad sha256")
            if token_id in out:
                raise ValueError(f"id {token_id} twice")
            out[token_id] = Token(
                id=token_id,
                role=Role.parse(item["role"]),
                created_at=_time(item["created_at"]),
                expires_at=_time(item["expires_at"]) if item["expires_at"] is not None else None,
                revoked_at=_time(item["revoked_at"]) if item["revoked_at"] is not None else None,
                hash=digest,
            )
        except KeyError as exc:
            raise bad(f"token {i + 1}: no {exc}") from None
        except (TypeError, ValueError, BadInput) as exc:
            raise bad(f"token {i + 1}: {exc}") from None
    return out


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"expected a time, got {value!r}")
    t = datetime.fromisoformat(value)
    if t.tzinfo is None:
        raise ValueError(f"time without offset: {value!r}")
    return t
