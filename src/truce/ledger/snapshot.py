"""A ledger directory's snapshot of its engine state (``DIR/engine.snapshot``): a cache that
lets a new process append without decoding and re-tallying every stored event.

It holds the frozen engine state (``truce.engine.freeze``: numbers, strings, lists, maps, in
msgpack; never a pickle, so reading it runs no code) after the first ``size`` entries, keyed by
the Merkle root of those entries. A process that reads it first recomputes that root from the
stored leaf bytes themselves: a ledger rewritten anywhere before ``size`` cannot match, and its
snapshot is ignored. It is also keyed by the code (a hash of truce's own source files), so a
snapshot written by another version is ignored too. A missing, unreadable or mismatched
snapshot only costs time: the ledger is then read whole, as without one. Deleting it is always
safe; ``truce verify`` never reads it (it replays every entry).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from truce.engine.freeze import FORMAT

NAME = "engine.snapshot"
MIN_ENTRIES = 2_000
"""Smaller ledgers are read whole (a fraction of a second): no snapshot is written."""
STALE = 1_000
"""A snapshot this many entries behind the ledger is written again (the entries after a
snapshot are decoded and tallied on every open)."""


@cache
def fingerprint() -> str:
    """The code a snapshot was written by: the frozen form's version and a hash of every
    Python source file of the package, its version among them (any change to how events
    are read or counted makes older snapshots unusable)."""
    h = hashlib.sha256(f"truce snapshot format {FORMAT}\n".encode())
    root = Path(__file__).resolve().parent.parent  # the truce package
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """A snapshot as read: the entries it covers, their root, and the frozen engine."""

    size: int
    root: bytes
    engine: dict[str, Any]


class _File(msgspec.Struct, forbid_unknown_fields=True):
    fingerprint: str
    ledger_id: str
    size: int
    root: bytes
    engine: bytes  # msgpack of the frozen engine
    digest: bytes  # its SHA-256: a file damaged on disk is ignored, not thawed


def read(directory: Path, ledger_id: str) -> Snapshot | None:
    """The directory's snapshot, or None where there is none, it cannot be read, or it was
    written by other code or for another ledger (it is then left for ``write`` to replace)."""
    try:
        raw = (directory / NAME).read_bytes()
    except OSError:
        return None
    try:
        f = msgspec.msgpack.decode(raw, type=_File)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if f.fingerprint != fingerprint() or f.ledger_id != ledger_id or f.size < 1:
        return None
    if hashlib.sha256(f.engine).digest() != f.digest:
        return None
    try:
        engine = msgspec.msgpack.decode(f.engine, type=dict[str, Any])
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return Snapshot(f.size, f.root, engine)


def write(directory: Path, ledger_id: str, size: int, root: bytes, engine: dict[str, Any]) -> None:
    """Write a snapshot whole (a temporary file renamed over the old one: a reader sees the
    old or the new, never half of one); failing to write leaves the old one or none."""
    body = msgspec.msgpack.encode(engine)
    data = msgspec.msgpack.encode(
        _File(fingerprint(), ledger_id, size, root, body, hashlib.sha256(body).digest())
    )
    tmp = directory / f".{NAME}.{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, directory / NAME)
    except OSError:
        tmp.unlink(missing_ok=True)


def drop(directory: Path) -> None:
    """Remove the snapshot (e.g. after a restore from a backup)."""
    (directory / NAME).unlink(missing_ok=True)


__all__ = ["MIN_ENTRIES", "NAME", "STALE", "Snapshot", "drop", "fingerprint", "read", "write"]
