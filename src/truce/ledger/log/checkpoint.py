"""Signed checkpoints of the ledger's Merkle tree (C2SP tlog-checkpoint over signed-note),
witness cosignatures (C2SP tlog-cosignature, Ed25519 cosignature/v1) and a file-backed witness
that cosigns a checkpoint only if it is a consistent extension of what it saw before
(C2SP tlog-witness semantics).

The pure functions here take time as an argument and read no clock; only `Witness` touches
the disk, and it persists its new state before it returns a cosignature.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from truce.errors import (
    BadInput,
    ConflictError,
    IntegrityError,
    ProofError,
    SignatureError,
    StoreError,
)
from truce.ledger.log import merkle
from truce.ledger.log.signing import raw_public_key

__all__ = [
    "COSIGNATURE_HEADER",
    "Checkpoint",
    "NoteSignature",
    "SignedCheckpoint",
    "Witness",
    "WitnessConflict",
    "cosign",
    "cosignature_key_hash",
    "format_note",
    "note_key_hash",
    "parse_note",
    "read_witness_state",
    "sign_checkpoint",
    "verify_cosignature",
    "verify_signature",
    "witness_note",
]

ED25519_NOTE_TYPE = 0x01
ED25519_COSIGNATURE_TYPE = 0x04
COSIGNATURE_HEADER = b"cosignature/v1\n"
SIG_LINE_PREFIX = "\u2014 "  # em dash + space, as in C2SP signed-note
MAX_TIMESTAMP = 2**63 - 1
MAX_SIZE = 2**63 - 1
MAX_NOTE_CHARS = 1 << 20
MAX_SIGNATURES = 100
_HASH_LEN = 32
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")


# ---------------------------------------------------------------- data


def _check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise BadInput(f"{what} must be a non-empty string")
    if "+" in name or any(ch.isspace() for ch in name):
        raise BadInput(f"{what} {name!r} must not contain spaces, newlines or '+'")


@dataclass(frozen=True)
class Checkpoint:
    """A log's claim: the tree for `origin` has `size` leaves and this 32-byte root hash."""

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin:
            raise BadInput(f"checkpoint origin must be one non-empty line, got {self.origin!r}")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise BadInput(f"checkpoint size must be an integer, got {self.size!r}")
        if not 0 <= self.size <= MAX_SIZE:
            raise BadInput(f"checkpoint size {self.size} is out of range")
        if not isinstance(self.root, bytes) or len(self.root) != _HASH_LEN:
            raise BadInput(f"checkpoint root must be {_HASH_LEN} bytes")

    def body(self) -> bytes:
        """The note body every signature covers: origin, size and base64 root, one per line."""
        root = base64.b64encode(self.root).decode("ascii")
        return f"{self.origin}\n{self.size}\n{root}\n".encode()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the signer's name, its 4-byte key hash and the signature bytes
    (64 for a log signature; 8-byte timestamp + 64 for a cosignature)."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        """This signature as a note line, without the final newline."""
        value = base64.b64encode(self.key_hash + self.signature).decode("ascii")
        return f"{SIG_LINE_PREFIX}{self.name} {value}"


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with its signature lines, in order (unknown signers are kept as they are)."""

    checkpoint: Checkpoint
    signatures: tuple[NoteSignature, ...]


# ---------------------------------------------------------------- key hashes


def note_key_hash(name: str, pub: Ed25519PublicKey) -> bytes:
    """Signed-note key hash of an Ed25519 log key: sha256(name, newline, 0x01, key)[:4]."""
    return _key_hash(name, ED25519_NOTE_TYPE, pub)


def cosignature_key_hash(name: str, pub: Ed25519PublicKey) -> bytes:
    """Key hash of an Ed25519 cosigner key (type byte 0x04 per C2SP tlog-cosignature)."""
    return _key_hash(name, ED25519_COSIGNATURE_TYPE, pub)


def _key_hash(name: str, type_byte: int, pub: Ed25519PublicKey) -> bytes:
    data = name.encode() + b"\n" + bytes([type_byte]) + raw_public_key(pub)
    return hashlib.sha256(data).digest()[:4]


def _cosigned_message(time: int, body: bytes) -> bytes:
    return COSIGNATURE_HEADER + b"time " + str(time).encode() + b"\n" + body


# ---------------------------------------------------------------- sign and verify


def sign_checkpoint(cp: Checkpoint, name: str, key: Ed25519PrivateKey) -> SignedCheckpoint:
    """The log's signature on a checkpoint, as a one-signature note."""
    _check_name(name, "key name")
    sig = NoteSignature(name, note_key_hash(name, key.public_key()), key.sign(cp.body()))
    return SignedCheckpoint(cp, (sig,))


LEGACY_LOG_NAME = "log"
"""The key name truce logs signed checkpoints under before they used the origin."""


def log_signer(signed: SignedCheckpoint, pub: Ed25519PublicKey) -> str:
    """The key name the log signed this checkpoint under, checking the signature: the origin
    (C2SP tlog-checkpoint: the log's key name SHOULD be its origin), or ``log``, the name
    earlier truce checkpoints carry. SignatureError if neither verifies."""
    try:
        verify_signature(signed, signed.checkpoint.origin, pub)
        return signed.checkpoint.origin
    except SignatureError:
        if not any(s.name == LEGACY_LOG_NAME for s in signed.signatures):
            raise
    verify_signature(signed, LEGACY_LOG_NAME, pub)
    return LEGACY_LOG_NAME


def vkey(name: str, pub: Ed25519PublicKey) -> str:
    """The signed-note verifier key (``name+hash+base64(0x01 || key)``) that generic note and
    tlog tools are configured with."""
    raw = bytes([ED25519_NOTE_TYPE]) + raw_public_key(pub)
    return f"{name}+{note_key_hash(name, pub).hex()}+{base64.b64encode(raw).decode()}"


def cosign(
    signed: SignedCheckpoint, name: str, key: Ed25519PrivateKey, time: int
) -> SignedCheckpoint:
    """Add (or replace) this cosigner's timestamped cosignature line; `time` is POSIX seconds."""
    _check_name(name, "cosigner name")
    if isinstance(time, bool) or not isinstance(time, int) or not 0 <= time <= MAX_TIMESTAMP:
        raise BadInput(f"cosignature time must be an integer in [0, 2^63-1], got {time!r}")
    kh = cosignature_key_hash(name, key.public_key())
    sig = key.sign(_cosigned_message(time, signed.checkpoint.body()))
    line = NoteSignature(name, kh, time.to_bytes(8, "big") + sig)
    others = tuple(s for s in signed.signatures if not (s.name == name and s.key_hash == kh))
    return SignedCheckpoint(signed.checkpoint, (*others, line))


def _signatures_by(signed: SignedCheckpoint, name: str, kh: bytes, what: str) -> list[bytes]:
    """The signature bytes of the lines by (``name``, key hash ``kh``); SignatureError if none."""
    sigs = [s.signature for s in signed.signatures if s.name == name and s.key_hash == kh]
    if not sigs:
        raise SignatureError(
            f"checkpoint of {signed.checkpoint.origin!r} has no {what} by {name!r} with that key"
        )
    return sigs


def _does_not_verify(signed: SignedCheckpoint, name: str, what: str) -> SignatureError:
    return SignatureError(
        f"{what} by {name!r} on checkpoint of {signed.checkpoint.origin!r} does not verify"
    )


def verify_signature(signed: SignedCheckpoint, name: str, pub: Ed25519PublicKey) -> None:
    """Check the log's signature by (`name`, `pub`); raises SignatureError if absent or bad."""
    body = signed.checkpoint.body()
    for sig in _signatures_by(signed, name, note_key_hash(name, pub), "signature"):
        if len(sig) == 64:
            try:
                pub.verify(sig, body)
                return
            except InvalidSignature:
                pass
    raise _does_not_verify(signed, name, "signature")


def verify_cosignature(signed: SignedCheckpoint, name: str, pub: Ed25519PublicKey) -> int:
    """Check the cosignature by (`name`, `pub`) and return its timestamp; raises SignatureError."""
    body = signed.checkpoint.body()
    for sig in _signatures_by(signed, name, cosignature_key_hash(name, pub), "cosignature"):
        if len(sig) != 72:
            continue
        time = int.from_bytes(sig[:8], "big")
        if time > MAX_TIMESTAMP:
            continue
        try:
            pub.verify(sig[8:], _cosigned_message(time, body))
            return time
        except InvalidSignature:
            pass
    raise _does_not_verify(signed, name, "cosignature")


# ---------------------------------------------------------------- text form


def format_note(signed: SignedCheckpoint) -> str:
    """The signed-note text: body, a blank line, then one signature line each."""
    if not signed.signatures:
        raise BadInput("a signed note needs at least one signature")
    lines = "".join(s.line() + "\n" for s in signed.signatures)
    return signed.checkpoint.body().decode() + "\n" + lines


def _b64_strict(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise BadInput(f"{what} is not valid base64: {text[:60]!r}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise BadInput(f"{what} is not canonical base64: {text[:60]!r}")
    return raw


def parse_note(text: str) -> SignedCheckpoint:
    """Parse a checkpoint note strictly (exact layout, canonical numbers and base64); signature
    lines of unknown keys are kept but not verified. Raises BadInput naming the problem."""
    if not isinstance(text, str):
        raise BadInput("checkpoint note must be text")
    if len(text) > MAX_NOTE_CHARS:
        raise BadInput(f"checkpoint note is longer than {MAX_NOTE_CHARS} characters")
    if "\r" in text:
        raise BadInput("checkpoint note must use \\n line endings, found \\r")
    if not text.endswith("\n"):
        raise BadInput("checkpoint note must end with a newline")
    sep = text.find("\n\n")
    if sep < 0:
        raise BadInput("checkpoint note has no blank line between body and signatures")
    body_text, sig_text = text[: sep + 1], text[sep + 2 :]
    body_lines = body_text[:-1].split("\n")
    if len(body_lines) != 3:
        raise BadInput(
            f"checkpoint body must have exactly 3 lines (origin, size, root), got {len(body_lines)}"
        )
    origin, size_text, root_text = body_lines
    if not origin:
        raise BadInput("checkpoint origin line is empty")
    if len(size_text) > 19 or not _SIZE_RE.fullmatch(size_text):
        raise BadInput(
            f"checkpoint size {size_text!r} must be a non-negative decimal without leading zeros"
        )
    size = int(size_text)
    if size > MAX_SIZE:
        raise BadInput(f"checkpoint size {size_text} is larger than 2^63-1")
    root = _b64_strict(root_text, "checkpoint root")
    if len(root) != _HASH_LEN:
        raise BadInput(f"checkpoint root decodes to {len(root)} bytes, expected {_HASH_LEN}")
    sig_lines = sig_text[:-1].split("\n") if sig_text else []
    if not sig_lines:
        raise BadInput("checkpoint note has no signature lines")
    if len(sig_lines) > MAX_SIGNATURES:
        raise BadInput(f"checkpoint note has more than {MAX_SIGNATURES} signature lines")
    sigs: list[NoteSignature] = []
    for i, line in enumerate(sig_lines, start=1):
        where = f"signature line {i}"
        if not line.startswith(SIG_LINE_PREFIX):
            raise BadInput(f"{where} must start with an em dash and a space: {line[:40]!r}")
        parts = line[len(SIG_LINE_PREFIX) :].split(" ")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise BadInput(f"{where} must be '\u2014 <name> <base64>': {line[:60]!r}")
        name, value = parts
        if "+" in name or any(ch.isspace() for ch in name):
            raise BadInput(f"{where}: key name {name!r} must not contain spaces or '+'")
        raw = _b64_strict(value, where)
        if len(raw) < 5:
            raise BadInput(f"{where}: signature is too short ({len(raw)} bytes)")
        sigs.append(NoteSignature(name, raw[:4], raw[4:]))
    return SignedCheckpoint(Checkpoint(origin, size, root), tuple(sigs))


# ---------------------------------------------------------------- witness


class WitnessConflict(ConflictError):
    """The checkpoint does not follow what the witness has stored (HTTP 409); `known_size` is
    the size the witness holds for the origin (0 when it holds none), as tlog-witness returns."""

    def __init__(self, message: str, *, known_size: int) -> None:
        self.known_size = known_size
        super().__init__(message)


class Witness:
    """A party that cosigns a log's checkpoints only when each is a consistent extension of
    the last one it cosigned; its state (origin -> size, root, note) lives in one JSON file and
    every update is made under an exclusive lock and persisted before a cosignature is returned."""

    def __init__(self, path: str | os.PathLike[str], name: str, key: Ed25519PrivateKey) -> None:
        _check_name(name, "witness name")
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.name = name
        self.key = key

    def state(self) -> dict[str, dict[str, Any]]:
        """The stored state (origin -> {"size", "root", "note"}); empty when there is no file."""
        return self._read()

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        """The (size, root) last cosigned for `origin`, or None."""
        entry = self._read().get(origin)
        return None if entry is None else _entry(entry, origin, self.path)

    def add_checkpoint(
        self,
        signed: SignedCheckpoint,
        log_name: str | None,
        log_pub: Ed25519PublicKey,
        old_size: int,
        proof: Sequence[bytes],
        now: int,
    ) -> SignedCheckpoint:
        """Verify the log's signature and that the checkpoint extends the stored one (by a
        consistency proof from `old_size`), persist it, and return it with this witness's
        cosignature. Raises SignatureError, WitnessConflict (409) or ProofError (422).
        ``log_name`` None: the log's key name is its origin (or the legacy ``log``)."""
        if log_name is None:
            log_signer(signed, log_pub)
        else:
            verify_signature(signed, log_name, log_pub)
        cp = signed.checkpoint
        if isinstance(old_size, bool) or not isinstance(old_size, int) or old_size < 0:
            raise BadInput(f"old size must be a non-negative integer, got {old_size!r}")
        if cp.size == 0 and cp.root != merkle.EMPTY_ROOT:
            raise ProofError("a checkpoint of size 0 must carry the empty-tree root")
        proof = list(proof)
        with self._locked():
            state = self._read()
            entry = state.get(cp.origin)
            if entry is None:
                if old_size != 0:
                    raise WitnessConflict(
                        f"witness holds no checkpoint of {cp.origin!r}; old size must be 0, "
                        f"got {old_size}",
                        known_size=0,
                    )
                if proof:
                    raise ProofError("a first checkpoint (old size 0) takes an empty proof")
            else:
                known_size, known_root = _entry(entry, cp.origin, self.path)
                if old_size != known_size:
                    raise WitnessConflict(
                        f"old size {old_size} does not match the witness's size {known_size} "
                        f"for {cp.origin!r}",
                        known_size=known_size,
                    )
                if cp.size < known_size:
                    raise WitnessConflict(
                        f"checkpoint size {cp.size} is smaller than the witness's size "
                        f"{known_size} for {cp.origin!r}: the log was truncated",
                        known_size=known_size,
                    )
                if cp.size == known_size:
                    if cp.root != known_root:
                        raise WitnessConflict(
                            f"same size, different root: the log presented two histories "
                            f"of {cp.origin!r} at size {cp.size}",
                            known_size=known_size,
                        )
                    if proof:
                        raise ProofError("a checkpoint of the same size takes an empty proof")
                elif known_size == 0:
                    if proof:
                        raise ProofError("a proof from size 0 must be empty")
                else:
                    merkle.verify_consistency(known_size, cp.size, proof, known_root, cp.root)
            cosigned = cosign(signed, self.name, self.key, now)
            state[cp.origin] = {
                "size": cp.size,
                "root": base64.b64encode(cp.root).decode("ascii"),
                "note": format_note(cosigned),
            }
            self._write(state)
        return cosigned

    # -- storage

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _read(self) -> dict[str, dict[str, Any]]:
        return read_witness_state(self.path)

    def _write(self, state: dict[str, dict[str, Any]]) -> None:
        directory = self.path.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(state, sort_keys=True, indent=1).encode() + b"\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except BaseException as e:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            if isinstance(e, OSError):
                raise StoreError(f"{self.path}: cannot persist witness state: {e}") from e
            raise


def read_witness_state(path: Path) -> dict[str, dict[str, Any]]:
    """A witness's state file (origin -> {"size", "root", "note"}); {} when there is none.
    Anything else than a JSON object of objects is an IntegrityError naming the file: not
    JSON, not UTF-8, nested or numbered beyond what the parser reads, or of another shape."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the witness state: {exc.strerror}") from None
    try:
        state = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # JSONDecodeError is a ValueError
        raise IntegrityError(f"{path}: witness state is not valid JSON", kind="witness") from None
    if not isinstance(state, dict) or not all(isinstance(v, dict) for v in state.values()):
        raise IntegrityError(f"{path}: witness state must map origin -> object", kind="witness")
    return state


def witness_note(entry: dict[str, Any], origin: str, path: Path) -> str:
    """The checkpoint note a witness state holds for ``origin``: text that parses as a note,
    else an IntegrityError naming the file (stored data, not the user's input)."""
    note = entry.get("note")
    if not isinstance(note, str):
        raise IntegrityError(
            f"{path}: witness state for {origin!r} has no checkpoint note (text)", kind="witness"
        )
    try:
        parse_note(note)
    except BadInput as exc:
        raise IntegrityError(
            f"{path}: witness state for {origin!r}: {exc}", kind="witness"
        ) from None
    return note


def _entry(entry: dict[str, Any], origin: str, path: Path) -> tuple[int, bytes]:
    size, root_text = entry.get("size"), entry.get("root")
    if (
        isinstance(size, bool)
        or not isinstance(size, int)
        or size < 0
        or not isinstance(root_text, str)
    ):
        raise IntegrityError(f"{path}: witness state for {origin!r} is malformed")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError(f"{path}: witness state root for {origin!r} is not base64") from None
    if len(root) != _HASH_LEN:
        raise IntegrityError(f"{path}: witness state root for {origin!r} is not {_HASH_LEN} bytes")
    return size, root
