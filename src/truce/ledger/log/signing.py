"""Ed25519 keys and domain-separated event signatures, and a keyring that knows which key was
valid for which party at which ledger position.

Plain Ed25519 has no context string, so every signed event message starts with a fixed domain
prefix and commits to the ledger id, the event type and the event id: a signature made for one
ledger, type or id never verifies for another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from truce.errors import BadInput, SignatureError

__all__ = [
    "EVENT_DOMAIN",
    "PUBLIC_KEY_PREFIX",
    "KeyChange",
    "Keyring",
    "canonical_json",
    "event_message",
    "key_id",
    "load_private_key",
    "new_key",
    "parse_public_key",
    "public_key_text",
    "raw_public_key",
    "save_private_key",
    "sign_event",
    "verify_event",
]

PUBLIC_KEY_PREFIX = "ed25519:"
EVENT_DOMAIN = b"truce-event-v1\x00"
_PUBLIC_KEY_LEN = 32
_SIGNATURE_LEN = 64


# ---------------------------------------------------------------- public keys


def raw_public_key(pub: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key (what key ids and note key hashes are computed over)."""
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(pub: Ed25519PublicKey) -> str:
    """The text form `ed25519:<base64 of 32 raw bytes>` used in terms files and key events."""
    return PUBLIC_KEY_PREFIX + base64.b64encode(raw_public_key(pub)).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """Parse `ed25519:<base64>` into a public key, with an error that says what is wrong."""
    if not isinstance(text, str):
        raise BadInput(f"public key must be a string, got {type(text).__name__}")
    if not text.startswith(PUBLIC_KEY_PREFIX):
        shown = text[:20] + ("..." if len(text) > 20 else "")
        raise BadInput(f"public key {shown!r} must start with {PUBLIC_KEY_PREFIX!r}")
    b64 = text[len(PUBLIC_KEY_PREFIX) :]
    try:
        raw = base64.b64decode(b64.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise BadInput(
            f"public key {text!r} is not valid base64 after {PUBLIC_KEY_PREFIX!r}"
        ) from None
    if len(raw) != _PUBLIC_KEY_LEN:
        raise BadInput(
            f"public key {text!r} decodes to {len(raw)} bytes; an Ed25519 key has {_PUBLIC_KEY_LEN}"
        )
    if base64.b64encode(raw).decode("ascii") != b64:
        raise BadInput(f"public key {text!r} is not in canonical base64")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise BadInput(f"public key {text!r} is not a valid Ed25519 point") from None


def key_id(pub: Ed25519PublicKey) -> str:
    """A short stable name for a key: the first 16 hex chars of sha256 of its raw bytes."""
    return hashlib.sha256(raw_public_key(pub)).hexdigest()[:16]


# ---------------------------------------------------------------- private keys


def new_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key from the OS random source."""
    return Ed25519PrivateKey.generate()


def save_private_key(
    path: str | os.PathLike[str], key: Ed25519PrivateKey, passphrase: bytes | None
) -> None:
    """Write a PKCS8 PEM key file readable by its owner only (0600), encrypted when given a
    passphrase; refuses to overwrite an existing file so a key is never lost by accident."""
    p = Path(path)
    if passphrase is not None and len(passphrase) == 0:
        raise BadInput(
            "an empty passphrase would not protect the key; pass None for no encryption",
            where=str(p),
        )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase is not None
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    try:
        fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise BadInput("key file already exists; refusing to overwrite it", where=str(p)) from None
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(pem)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        p.unlink(missing_ok=True)
        raise
    os.close(fd)


def load_private_key(path: str | os.PathLike[str], passphrase: bytes | None) -> Ed25519PrivateKey:
    """Read a PEM Ed25519 private key, refusing an unencrypted file that others can read and
    naming the file in every error (missing, wrong passphrase, not an Ed25519 key)."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY)
    except FileNotFoundError:
        raise BadInput("key file does not exist", where=str(p)) from None
    except OSError as e:
        raise BadInput(f"cannot open key file: {e.strerror}", where=str(p)) from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        data = f.read()
    encrypted = (
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data or b"Proc-Type: 4,ENCRYPTED" in data
    )
    if not encrypted and stat.S_IMODE(mode) & 0o077:
        raise BadInput(
            f"unencrypted key file is accessible by group/others (mode {stat.S_IMODE(mode):03o}); "
            f"run: chmod 600 {p}",
            where=str(p),
        )
    if encrypted and passphrase is None:
        raise BadInput("key file is encrypted; a passphrase is needed", where=str(p))
    try:
        key = serialization.load_pem_private_key(data, passphrase if encrypted else None)
    except ValueError:
        if encrypted:
            raise BadInput("wrong passphrase (or damaged key file)", where=str(p)) from None
        raise BadInput("not a PEM private key file", where=str(p)) from None
    except (TypeError, UnsupportedAlgorithm) as e:
        raise BadInput(f"cannot load key: {e}", where=str(p)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput(f"key file holds a {type(key).__name__}, not an Ed25519 key", where=str(p))
    return key


# ---------------------------------------------------------------- event signatures


def canonical_json(obj: Any) -> bytes:
    """Deterministic JSON bytes (sorted keys, no spaces, UTF-8) so signer and verifier agree."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def event_message(ledger_id: str, event_type: str, event_id: str, body: bytes) -> bytes:
    """The exact bytes an event signature covers: a domain prefix plus canonical JSON binding
    ledger, type, id and the sha256 of the body, so signatures cannot be replayed elsewhere."""
    digest = hashlib.sha256(body).hexdigest()
    fields = {"ledger": ledger_id, "type": event_type, "id": event_id, "digest": digest}
    return EVENT_DOMAIN + canonical_json(fields)


def sign_event(
    key: Ed25519PrivateKey, ledger_id: str, event_type: str, event_id: str, body: bytes
) -> bytes:
    """Sign an event body for one ledger, type and id (64 bytes; deterministic for equal input)."""
    return key.sign(event_message(ledger_id, event_type, event_id, body))


def verify_event(
    pub: Ed25519PublicKey,
    signature: bytes,
    ledger_id: str,
    event_type: str,
    event_id: str,
    body: bytes,
) -> None:
    """Check an event signature; raises SignatureError unless `pub` signed exactly this event."""
    if len(signature) != _SIGNATURE_LEN:
        raise SignatureError(
            f"signature on event {event_id!r} has {len(signature)} bytes, expected {_SIGNATURE_LEN}"
        )
    try:
        pub.verify(signature, event_message(ledger_id, event_type, event_id, body))
    except InvalidSignature:
        raise SignatureError(
            f"signature on event {event_id!r} ({event_type}) by key {key_id(pub)} does not verify"
        ) from None


# ---------------------------------------------------------------- keyring


@dataclass(frozen=True)
class KeyChange:
    """One key event in ledger order: `party` adds or revokes a key at ledger position `seq`."""

    seq: int
    party: str
    action: Literal["add", "revoke"]
    public_key: str


@dataclass
class _KeyState:
    party: str
    pub: Ed25519PublicKey
    valid_from: int  # first seq at which the key may sign
    revoked_at: int | None  # first seq at which it may no longer sign


class Keyring:
    """Which key was valid for which party at which ledger position (pure data, no I/O).

    Keys from the terms are valid from seq 0; a key added at seq N is valid for positions after
    N; a key revoked at seq R is valid only for positions before R. A revoked key cannot be
    added again (a compromised key stays compromised)."""

    def __init__(
        self,
        initial: Mapping[str, Sequence[str]] | None = None,
        changes: Iterable[KeyChange | tuple[int, str, str, str]] = (),
    ) -> None:
        self._keys: dict[str, _KeyState] = {}
        self._last_seq = -1
        for party, texts in (initial or {}).items():
            if isinstance(texts, str):
                raise BadInput(f"keys of party {party!r} must be a list of public keys")
            for text in texts:
                self._add(party, text, valid_from=0, where=f"initial keys of {party!r}")
        for change in changes:
            c = change if isinstance(change, KeyChange) else _as_change(change)
            self.apply(c)

    def apply(self, change: KeyChange) -> None:
        """Record one key event; they must come in ledger order."""
        where = f"key change at seq {change.seq}"
        if isinstance(change.seq, bool) or not isinstance(change.seq, int) or change.seq < 0:
            raise BadInput(f"seq must be a non-negative integer, got {change.seq!r}", where=where)
        if change.seq < self._last_seq:
            raise BadInput(f"key changes out of order (after seq {self._last_seq})", where=where)
        self._last_seq = change.seq
        if change.action == "add":
            self._add(change.party, change.public_key, valid_from=change.seq + 1, where=where)
        elif change.action == "revoke":
            pub = parse_public_key(change.public_key)
            kid = key_id(pub)
            state = self._keys.get(kid)
            if state is None:
                raise BadInput(f"cannot revoke unknown key {kid}", where=where)
            if state.party != change.party:
                raise BadInput(
                    f"party {change.party!r} cannot revoke key {kid} of party {state.party!r}",
                    where=where,
                )
            if state.revoked_at is not None:
                raise BadInput(
                    f"key {kid} was already revoked at seq {state.revoked_at}", where=where
                )
            state.revoked_at = change.seq
        else:
            raise BadInput(f"action must be 'add' or 'revoke', got {change.action!r}", where=where)

    def _add(self, party: str, text: str, *, valid_from: int, where: str) -> None:
        if not isinstance(party, str) or not party:
            raise BadInput("party must be a non-empty string", where=where)
        pub = parse_public_key(text)
        kid = key_id(pub)
        old = self._keys.get(kid)
        if old is not None:
            if old.party != party:
                raise BadInput(f"key {kid} already belongs to party {old.party!r}", where=where)
            if old.revoked_at is not None:
                raise BadInput(
                    f"key {kid} was revoked at seq {old.revoked_at}; use a new key", where=where
                )
            raise BadInput(f"key {kid} of party {party!r} is already active", where=where)
        self._keys[kid] = _KeyState(party=party, pub=pub, valid_from=valid_from, revoked_at=None)

    def copy(self) -> Keyring:
        """An independent copy (later changes to either leave the other as it was)."""
        out = Keyring()
        out._keys = {
            k: _KeyState(s.party, s.pub, s.valid_from, s.revoked_at) for k, s in self._keys.items()
        }
        out._last_seq = self._last_seq
        return out

    def valid(self, party: str, kid: str, seq: int) -> Ed25519PublicKey:
        """The public key `kid` if it could sign for `party` at ledger position `seq`; raises
        SignatureError naming why not (unknown, another party's, not yet added, revoked)."""
        state = self._keys.get(kid)
        if state is None:
            raise SignatureError(f"unknown key {kid} (party {party!r})", seq=seq)
        if state.party != party:
            raise SignatureError(
                f"key {kid} belongs to party {state.party!r}, not {party!r}", seq=seq
            )
        if seq < state.valid_from:
            raise SignatureError(
                f"key {kid} of party {party!r} was added at seq {state.valid_from - 1}, "
                f"after seq {seq}",
                seq=seq,
            )
        if state.revoked_at is not None and seq >= state.revoked_at:
            raise SignatureError(
                f"key {kid} of party {party!r} was revoked at seq {state.revoked_at}", seq=seq
            )
        return state.pub

    def party_of(self, kid: str) -> str | None:
        """The party a key id belongs to, or None if the keyring never saw it."""
        state = self._keys.get(kid)
        return state.party if state else None

    def active(self, party: str, seq: int) -> list[str]:
        """Key ids that may sign for `party` at position `seq`, sorted."""
        return sorted(
            kid
            for kid, s in self._keys.items()
            if s.party == party
            and s.valid_from <= seq
            and (s.revoked_at is None or seq < s.revoked_at)
        )


def _as_change(t: tuple[int, str, str, str]) -> KeyChange:
    if len(t) != 4:
        raise BadInput(f"key change must be (seq, party, action, public_key), got {t!r}")
    seq, party, action, text = t
    if action not in ("add", "revoke"):
        raise BadInput(
            f"action must be 'add' or 'revoke', got {action!r}", where=f"key change at seq {seq}"
        )
    kind: Literal["add", "revoke"] = "add" if action == "add" else "revoke"
    return KeyChange(seq=seq, party=party, action=kind, public_key=text)
