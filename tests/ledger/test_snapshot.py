"""The engine snapshot (issue 18): a new process appends from a verified snapshot of the
engine state, without decoding and re-tallying every stored event, and judges exactly as a
full read does. A snapshot that does not match the stored bytes, the code, or the ledger is
ignored (the ledger is then read whole).

The thresholds are lowered (``MIN_ENTRIES``, ``STALE``) so the 2023 example's ledger, with its
lists, extensions, credits and corrections, exercises them in a second or two.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apsw
import pytest
from hypothesis import strategies as st

from truce.app import deal
from truce.app.deal_schemas import status_out
from truce.app.ledger import record_events
from truce.errors import LedgerError
from truce.events import Event
from truce.history import LazyEntry
from truce.ledger import snapshot
from truce.ledger.directory import LedgerDir, event_json
from truce.ledger.load import load_events_jsonl
from truce.ledger.log import merkle
from truce.terms import load_terms

from ..property.strategies import property_test
from ..property.test_incremental import plans

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "gaza-2023"
TERMS = load_terms(EXAMPLE / "terms.toml")
EVENTS = [e.event for e in load_events_jsonl(EXAMPLE / "ledger.jsonl", TERMS)]
START = datetime(2023, 11, 22, 8, tzinfo=UTC)
CLOCK = datetime(2023, 12, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "MIN_ENTRIES", 6)
    monkeypatch.setattr(snapshot, "STALE", 4)


def new_dir(tmp: Path, name: str) -> Path:
    LedgerDir.init(tmp / name, EXAMPLE / "terms.toml", at=START).close()
    return tmp / name


def put(path: Path, evs: list[Event], tmp: Path) -> str:
    """Record events through the app layer (what `truce record` runs); the outcome."""
    f = tmp / "batch.jsonl"
    f.write_text("".join(json.dumps(event_json(e)) + "\n" for e in evs))
    try:
        res = record_events(path, f, now=CLOCK)
    except LedgerError as exc:
        return f"refused: {exc}"
    return f"added {len(res.added)}"


def status(path: Path) -> dict[str, Any]:
    with LedgerDir.open(path) as d:
        return status_out(deal.state(deal.of_ledger(d))).model_dump()


def test_a_resumed_ledger_judges_as_a_full_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example's events recorded one by one into two directories, one keeping snapshots
    and one not: every append (the refused ones too) has the same outcome, and status reads
    the same, while the snapshot is written again each time it falls STALE entries behind."""
    kept, plain = new_dir(tmp_path, "kept"), new_dir(tmp_path, "plain")
    resumed: list[bool] = []
    real = LedgerDir._resume

    def spy(self: LedgerDir) -> Any:
        got = real(self)
        resumed.append(got is not None)
        return got

    monkeypatch.setattr(LedgerDir, "_resume", spy)
    again = EVENTS[1].model_copy(update={"id": "again"})  # releases the same captives again
    fix = EVENTS[3].model_copy(update={"id": "fix-3", "supersedes": EVENTS[3].id})
    plan = [[e] for e in EVENTS[:12]] + [[again], [fix]] + [[e] for e in EVENTS[12:]]
    written = []
    for batch in plan:
        before = (kept / snapshot.NAME).stat().st_mtime_ns if (kept / snapshot.NAME).exists() else 0
        snapshot.MIN_ENTRIES = 10**9  # type: ignore[misc]
        want = put(plain, batch, tmp_path)
        snapshot.MIN_ENTRIES = 6  # type: ignore[misc]
        got = put(kept, batch, tmp_path)
        assert got.replace(str(kept.name), "X") == want.replace(str(plain.name), "X")
        after = (kept / snapshot.NAME).stat().st_mtime_ns if (kept / snapshot.NAME).exists() else 0
        written.append(after != before)
    assert "refused" in put(kept, [again], tmp_path)
    assert not (plain / snapshot.NAME).exists()
    assert sum(written) >= 5
    assert sum(resumed) >= len(plan) - 8, resumed
    a, b = status(kept), status(plain)
    assert a == b


def test_a_resumed_append_at_the_end_reads_no_old_release(tmp_path: Path) -> None:
    """Resumed from a snapshot, the directory hashes the stored entries but decodes only
    those that govern it, the last one and any after the snapshot; judging an append at the
    end reads no stored release."""
    path = new_dir(tmp_path, "l")
    for e in EVENTS[:20]:
        put(path, [e], tmp_path)
    assert (path / snapshot.NAME).exists()
    with LedgerDir.open(path, resume=True) as d:
        inc = d.engine()
        assert "_resumed" in d.__dict__ and "all_records" not in d.__dict__
        nxt = EVENTS[20]
        inc.check([nxt])
        lazy = [en for en in inc.history.entries if isinstance(en, LazyEntry)]
        assert len(lazy) >= 10
        read = {en.event.type for en in lazy if en.loaded}
        assert "captives_released" not in read and "prisoners_released" not in read


def _sizes(path: Path) -> tuple[int, int]:
    with LedgerDir.open(path) as d:
        snap = snapshot.read(path, d.ledger_id)
        assert snap is not None
        return snap.size, d.store.head().size


def _resumed(path: Path) -> bool:
    with LedgerDir.open(path, resume=True) as d:
        d.authority  # noqa: B018
        return "_resumed" in d.__dict__


def _rewrite(path: Path, seq: int) -> None:
    """Edit a stored entry consistently (its bytes and its hash), as an operator rewriting
    history would: the snapshot's root, recomputed from the bytes, no longer matches."""
    db = apsw.Connection(str(path / "ledger.db"))
    try:
        with db:
            row = db.execute("select data from entry where seq = ?", (seq,)).fetchone()
            data = bytes(row[0])
            new = data.replace(b'"recorded_by":"', b'"recorded_by":"x', 1)
            assert new != data
            db.execute(
                "update entry set data = ?, hash = ? where seq = ?",
                (new, merkle.leaf_hash(new), seq),
            )
    finally:
        db.close()


def _ledger(tmp_path: Path) -> Path:
    path = new_dir(tmp_path, "l")
    for e in EVENTS[:12]:
        put(path, [e], tmp_path)
    assert _resumed(path)
    return path


def test_a_rewritten_entry_voids_the_snapshot(tmp_path: Path) -> None:
    path = _ledger(tmp_path)
    size, _ = _sizes(path)
    _rewrite(path, size - 2)
    assert not _resumed(path)


def test_a_damaged_snapshot_is_ignored(tmp_path: Path) -> None:
    path = _ledger(tmp_path)
    raw = bytearray((path / snapshot.NAME).read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (path / snapshot.NAME).write_bytes(bytes(raw))
    assert not _resumed(path)
    (path / snapshot.NAME).write_bytes(b"\x93not a snapshot")
    assert not _resumed(path)


def test_a_snapshot_of_other_code_or_another_ledger_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _ledger(tmp_path)
    other = new_dir(tmp_path, "other")
    (other / snapshot.NAME).write_bytes((path / snapshot.NAME).read_bytes())
    assert not _resumed(other)
    monkeypatch.setattr(snapshot, "fingerprint", lambda: "another version")
    assert not _resumed(path)


def test_a_snapshot_beyond_the_ledger_is_ignored(tmp_path: Path) -> None:
    """A ledger restored from an older backup is shorter than its snapshot."""
    path = _ledger(tmp_path)
    _, head = _sizes(path)
    with LedgerDir.open(path) as d:
        snap = snapshot.read(path, d.ledger_id)
        assert snap is not None
        snapshot.write(path, d.ledger_id, head + 1, snap.root, snap.engine)
    assert not _resumed(path)


def test_entries_after_the_snapshot_are_read_and_judged(tmp_path: Path) -> None:
    """Entries appended after the snapshot (by a process that did not rewrite it) are decoded
    and tallied on open; a release of captives released in one of them is refused."""
    path = _ledger(tmp_path)
    size, _ = _sizes(path)
    snapshot.STALE = 10**9  # type: ignore[misc]
    for e in EVENTS[12:16]:
        assert put(path, [e], tmp_path).startswith("added")
    assert _sizes(path)[0] == size
    released = next(e for e in EVENTS[12:16] if e.type == "captives_released")
    again = released.model_copy(update={"id": "again", "at": released.at + timedelta(hours=1)})
    assert "released again" in put(path, [again], tmp_path)
    snapshot.STALE = 4  # type: ignore[misc]


def test_a_postgresql_store_resumes_too(tmp_path: Path, pg_url: str) -> None:
    """The snapshot lives in the directory whatever the store: a ledger on PostgreSQL resumes
    from it, and reads as the same events recorded on SQLite without one."""
    path = tmp_path / "pg"
    LedgerDir.init(path, EXAMPLE / "terms.toml", at=START, store=pg_url).close()
    plain = new_dir(tmp_path, "plain")
    for e in EVENTS[:16]:
        assert put(path, [e], tmp_path).startswith("added")
    assert _resumed(path)
    snapshot.MIN_ENTRIES = 10**9  # type: ignore[misc]
    for e in EVENTS[:16]:
        put(plain, [e], tmp_path)
    snapshot.MIN_ENTRIES = 6  # type: ignore[misc]
    assert status(path) == status(plain)


def test_status_timetable_and_check_read_the_snapshot(tmp_path: Path) -> None:
    """At the latest event, `status`, `timetable` and `check` of a directory resume from its
    snapshot too (deal.reading): the same results as a whole read, with no stored release
    decoded (their traces name events by id and type, which the snapshot keeps)."""
    from truce.app.deal import reading
    from truce.engine.decide import Proposal

    path = _ledger(tmp_path)
    for e in EVENTS[12:20]:
        put(path, [e], tmp_path)
    proposal = Proposal(live=10, bodies=0, credit=0)
    with reading(path, latest=True) as dl:
        got = (deal.status(dl), deal.timetable(dl), deal.check(dl, proposal))
        assert dl.live is not None
        lazy = [en for en in dl.live.history.entries if isinstance(en, LazyEntry)]
        assert len(lazy) >= 10
        read = {en.kind for en in lazy if en.loaded}
        assert "captives_released" not in read and "prisoners_released" not in read, read
    full = deal.open_deal(path)
    assert got == (deal.status(full), deal.timetable(full), deal.check(full, proposal))


@property_test(6, st.data())
def test_random_appends_through_snapshots_judge_as_a_full_read(data: st.DataObject) -> None:
    """Random batches of the example's events (some late, some corrected, some declared
    again by another party) recorded into a directory that keeps snapshots at drawn
    thresholds and into one that keeps none: every outcome and the final status agree."""
    ops = [arg for op, arg in data.draw(plans(EVENTS), label="plan") if op == "events"]
    least = data.draw(st.integers(2, 12), label="MIN_ENTRIES")
    stale = data.draw(st.integers(1, 6), label="STALE")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        kept, plain = new_dir(tmp_path, "kept"), new_dir(tmp_path, "plain")
        for batch in ops:
            snapshot.MIN_ENTRIES, snapshot.STALE = 10**9, 10**9  # type: ignore[misc]
            want = put(plain, batch, tmp_path)
            snapshot.MIN_ENTRIES, snapshot.STALE = least, stale  # type: ignore[misc]
            got = put(kept, batch, tmp_path)
            assert got.replace("kept", "X") == want.replace("plain", "X")
        assert status(kept) == status(plain)


def test_a_phased_deal_resumes_and_reads_its_events_a_page_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 2025 phased deal: the stage engine reads every event, so a resumed directory
    reads them from the store a page at a time, and judges as a whole read does."""
    ex = ROOT / "examples" / "gaza-2025"
    terms = load_terms(ex / "terms.toml")
    evs = [e.event for e in load_events_jsonl(ex / "ledger.jsonl", terms)]
    start = datetime(2025, 1, 17, tzinfo=UTC)
    for name in ("kept", "plain"):
        LedgerDir.init(tmp_path / name, ex / "terms.toml", at=start).close()
    kept, plain = tmp_path / "kept", tmp_path / "plain"
    monkeypatch.setattr("truce.ledger.directory.LAZY_PAGE", 4)
    reads: list[bool] = []  # per event read: whether the page already held it
    real = LedgerDir._load_event

    def spy(self: LedgerDir, seq: int) -> Event:
        reads.append(seq in self.__dict__.get("_page", {}))
        return real(self, seq)

    monkeypatch.setattr(LedgerDir, "_load_event", spy)
    clock = datetime(2025, 3, 10, tzinfo=UTC)
    for e in evs:
        f = tmp_path / "e.jsonl"
        f.write_text(json.dumps(event_json(e)) + "\n")
        snapshot.MIN_ENTRIES = 10**9  # type: ignore[misc]
        record_events(plain, f, now=clock)
        snapshot.MIN_ENTRIES = 6  # type: ignore[misc]
        record_events(kept, f, now=clock)
    assert _resumed(kept)
    assert sum(reads) > len(reads) / 2, reads  # most events came with an earlier one's page
    with LedgerDir.open(kept, resume=True) as d:
        st = deal.state(deal.of_ledger(d))
        got = status_out(st).model_dump()
    assert got == status(plain)
    assert got["phases"]
