"""Tampering at the store level (G3/G4): SQL edits through a plain apsw connection, and
single-bit flips in the database file."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apsw

from truce.ledger.log import merkle
from truce.ledger.store.contract import Leaf
from truce.ledger.store.sqlite import SqliteLedger

from . import claim
from .harness import journal_mode

EVENTS = 60


def build_reference(db: Path) -> None:
    """A 60-event ledger (3 parties, 3 visibilities) in one file (rollback journal, no WAL)."""
    with journal_mode("delete"):
        store = SqliteLedger.open(db)
        try:
            store.set_meta("ledger_id", "L-faults")
            for i in range(0, EVENTS, 6):
                store.append([claim(f"t{j}", j) for j in range(i, i + 6)])
        finally:
            store.close()


def content(db: Path) -> tuple[Any, ...]:
    """Every stored row and the head, read with a plain connection (what 'content' means)."""
    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        rows = conn.execute(
            "SELECT seq, event_id, type, party, visibility, data, hash FROM entry ORDER BY seq"
        ).fetchall()
        head = conn.execute("SELECT id, size, root, frontier FROM head").fetchall()
        return tuple(rows), tuple(head)
    finally:
        conn.close()


def _rehash_head(conn: apsw.Connection) -> None:
    hashes = [bytes(r[0]) for r in conn.execute("SELECT hash FROM entry ORDER BY seq")]
    conn.execute(
        "UPDATE head SET size = ?, root = ?, frontier = ?",
        (len(hashes), merkle.root(hashes), merkle.encode_frontier(merkle.extend([], 0, hashes))),
    )


def _leaf_row(lf: Leaf) -> tuple[str, str, str, str, bytes]:
    return lf.event_id, lf.type, lf.party, lf.visibility, lf.data


def _truncate_and_rehash(conn: apsw.Connection, keep: int) -> None:
    conn.execute("DELETE FROM entry WHERE seq > ?", (keep,))
    _rehash_head(conn)


def _forged() -> bytes:
    return claim("t30", 30, text="forged").data


MUTATIONS: dict[str, tuple[Callable[[apsw.Connection], None], str, int | None]] = {
    # name: (edit, expected IntegrityError kind, expected seq; None kind = needs a checkpoint)
    "update data": (
        lambda c: c.execute("UPDATE entry SET data = ? WHERE seq = 31", (_forged(),)),
        "hash",
        31,
    ),
    "update hash": (
        lambda c: c.execute("UPDATE entry SET hash = zeroblob(32) WHERE seq = 31"),
        "hash",
        31,
    ),
    "update data+hash": (
        lambda c: c.execute(
            "UPDATE entry SET data = ?, hash = ? WHERE seq = 31",
            (_forged(), merkle.leaf_hash(_forged())),
        ),
        "root",
        1,  # localised by the stored frontier: seq 1-32 (60 = 32 + 16 + 8 + 4)
    ),
    "update type": (
        lambda c: c.execute("UPDATE entry SET type = 'release' WHERE seq = 31"),
        "column",
        31,
    ),
    "update party": (
        lambda c: c.execute("UPDATE entry SET party = 'party-x' WHERE seq = 31"),
        "column",
        31,
    ),
    "update visibility": (
        lambda c: c.execute(
            "UPDATE entry SET visibility = CASE visibility WHEN 'public' THEN 'mediator' "
            "ELSE 'public' END WHERE seq = 31"
        ),
        "column",
        31,
    ),
    "update event_id": (
        lambda c: c.execute("UPDATE entry SET event_id = 'tX' WHERE seq = 31"),
        "column",
        31,
    ),
    "delete middle": (lambda c: c.execute("DELETE FROM entry WHERE seq = 31"), "gap", 31),
    "delete tail": (lambda c: c.execute("DELETE FROM entry WHERE seq > 55"), "size", 56),
    "delete tail + rewrite head": (
        lambda c: _truncate_and_rehash(c, 55),
        "",
        None,
    ),
    "swap data": (
        lambda c: c.execute(
            "UPDATE entry SET data = CASE seq WHEN 11 THEN (SELECT data FROM entry WHERE seq = 21) "
            "ELSE (SELECT data FROM entry WHERE seq = 11) END WHERE seq IN (11, 21)"
        ),
        "hash",
        11,
    ),
    "swap rows": (
        lambda c: c.execute(
            "UPDATE entry SET seq = -seq WHERE seq IN (11, 21);"
            "UPDATE entry SET seq = CASE seq WHEN -11 THEN 21 ELSE 11 END WHERE seq IN (-11, -21)"
        ),
        "root",
        1,  # seq 1-32
    ),
    "insert row": (
        lambda c: c.execute(
            "INSERT INTO entry VALUES (61, ?, ?, ?, ?, ?, ?)",
            (*_leaf_row(claim("t61", 61)), merkle.leaf_hash(claim("t61", 61).data)),
        ),
        "size",
        61,
    ),
    "update head root": (lambda c: c.execute("UPDATE head SET root = zeroblob(32)"), "root", 60),
}


@dataclass
class FlipStats:
    """Outcomes of single-bit flips."""

    flips: int = 0
    detected: int = 0
    unchanged: int = 0
    undetected: list[str] = field(default_factory=list)
    seconds: float = 0.0


def bit_flips(reference: Path, work: Path, offsets: Iterable[int], seed: int) -> FlipStats:
    """Flip one bit at each byte offset (bit chosen by ``seed``); classify each outcome."""
    rng = random.Random(seed)
    original = reference.read_bytes()
    want = content(reference)
    stats = FlipStats()
    t0 = time.perf_counter()
    db = work / "flip.db"
    with journal_mode("delete"):
        for off in offsets:
            bit = rng.randrange(8)
            data = bytearray(original)
            data[off] ^= 1 << bit
            for p in work.glob("flip.db*"):
                p.unlink()
            db.write_bytes(data)
            stats.flips += 1
            try:
                store = SqliteLedger.open(db)
                try:
                    store.verify()
                finally:
                    store.close()
            except Exception:
                stats.detected += 1
                continue
            try:
                same = content(db) == want
            except apsw.Error:
                same = False
            if same:
                stats.unchanged += 1
            else:
                stats.undetected.append(f"seed={seed} offset={off} bit={bit}")
    stats.seconds = time.perf_counter() - t0
    return stats
