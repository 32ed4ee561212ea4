"""Fault injection on the SQLite store: simulated power loss (G6), I/O errors (G7), kill -9
(G5) and multi-process optimistic concurrency. Seeds are fixed and printed on failure."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from truce.ledger.store.sqlite import SqliteLedger

from .faults import crash
from .faults.harness import io_errors, power_loss


def _power(
    tmp: Path,
    seed: int,
    trials: int,
    synchronous: str,
    mode: str | None,
    durable_unlink: bool = True,
) -> None:
    s = power_loss(
        tmp, seed, trials, synchronous=synchronous, mode=mode, durable_unlink=durable_unlink
    )
    print(
        f"power loss seed={seed} sync={synchronous} mode={mode} durable_unlink={durable_unlink}: "
        f"{s.trials} trials, "
        f"{s.acked_events} acked, {s.lost_acked} lost acked, {s.unacked_extra} extra, {s.broken} broken"
    )
    assert s.trials == trials
    assert s.lost_acked == 0 and s.broken == 0 and s.unacked_extra == 0, (
        f"seed={seed}: {s.failures[:5]}"
    )


def test_power_loss_shipped_config(tmp_path: Path) -> None:
    _power(tmp_path, seed=6, trials=1000, synchronous="FULL", mode=None)


def test_power_loss_rollback_journal(tmp_path: Path) -> None:
    _power(tmp_path, seed=66, trials=200, synchronous="FULL", mode="delete")


def test_power_loss_shipped_config_unlinks_not_durable(tmp_path: Path) -> None:
    """Even if an unlink without a directory sync is lost, the switch to WAL sticks (it is made
    with synchronous=EXTRA) and no acknowledged append is lost."""
    _power(tmp_path, seed=7, trials=200, synchronous="FULL", mode=None, durable_unlink=False)


def test_power_loss_rollback_journal_extra_unlinks_not_durable(tmp_path: Path) -> None:
    """With a rollback journal, only synchronous=EXTRA survives losing an unsynced unlink."""
    _power(tmp_path, seed=77, trials=200, synchronous="EXTRA", mode="delete", durable_unlink=False)


def test_power_loss_control_normal_loses_acked(tmp_path: Path) -> None:
    """The harness bites: WAL + synchronous=NORMAL loses acknowledged appends."""
    seed = 606
    s = power_loss(tmp_path, seed, 100, synchronous="NORMAL", mode="wal")
    print(f"control seed={seed}: {s.lost_acked}/{s.trials} trials lost acknowledged appends")
    assert s.lost_acked >= s.trials // 4, f"seed={seed}: control lost only {s.lost_acked}"


@pytest.mark.deep
@pytest.mark.parametrize("mode", [None, "delete"])
def test_power_loss_deep(tmp_path: Path, mode: str | None) -> None:
    _power(tmp_path, seed=60606, trials=5000, synchronous="FULL", mode=mode)


@pytest.mark.deep
def test_power_loss_deep_unlinks_not_durable(tmp_path: Path) -> None:
    _power(tmp_path, seed=70707, trials=5000, synchronous="FULL", mode=None, durable_unlink=False)


@pytest.mark.parametrize("mode", ["wal", "delete"])
def test_io_errors(tmp_path: Path, mode: str) -> None:
    s = io_errors(tmp_path, events=10, mode=mode)
    print(
        f"I/O errors mode={mode}: {s.cases} cases, {s.failed_appends} failed appends, "
        f"{s.indeterminate} indeterminate (persistent fault at the commit sync), {len(s.bad)} bad"
    )
    assert s.cases > 40 and s.failed_appends > 0
    assert not s.bad, s.bad[:5]


def _crash(tmp: Path, seed: int, events: int, kills: int) -> None:
    db = tmp / "ledger.db"
    SqliteLedger.open(db).close()
    # Kill often enough that the kills are done long before the writers are, even on a fast
    # machine (50 kills at ~25 ms apart take ~1.3 s; 4 x 1,500 appends take several seconds).
    r = crash.run(db, seed, writers=4, events=events, kills=kills, gap=(0.005, 0.045))
    acked = [a for ids in r.acked.values() for a in ids]
    store = SqliteLedger.open(db)
    try:
        head = store.verify()  # integrity_check, hashes, root
        ids = [s.leaf.event_id for s in store.read()]
        seqs = [s.seq for s in store.read()]
    finally:
        store.close()
    print(
        f"crash seed={seed}: {r.kills} kills, {len(acked)} acked, {head.size} stored, {r.seconds:.1f} s"
    )
    where = f"seed={seed}"
    assert not r.bad_exits, f"{where}: {r.bad_exits}"
    assert r.kills >= kills, where
    assert len(ids) == len(set(ids)), f"{where}: duplicate ids"
    assert seqs == list(range(1, len(seqs) + 1)), f"{where}: seq not gap-free"
    assert set(acked) <= set(ids), f"{where}: lost {sorted(set(acked) - set(ids))[:10]}"
    assert len(ids) == 4 * events, where  # every writer finished


def test_kill9_writers(tmp_path: Path) -> None:
    _crash(tmp_path, seed=5, events=2500, kills=50)


@pytest.mark.deep
@pytest.mark.parametrize("seed", [51, 52, 53])
def test_kill9_writers_deep(tmp_path: Path, seed: int) -> None:
    _crash(tmp_path, seed=seed, events=8000, kills=200)


def test_four_processes_conditional_appends(tmp_path: Path) -> None:
    """4 processes x 2,500 single-event appends, each at the size it read, retrying on
    conflict: exactly 10,000 events, gap-free, verifying."""
    db = tmp_path / "ledger.db"
    SqliteLedger.open(db).close()
    r = crash.run(db, seed=0, writers=4, events=2500, kills=0, conditional=True)
    store = SqliteLedger.open(db)
    try:
        assert store.verify().size == 10_000
        assert [s.seq for s in store.read()] == list(range(1, 10_001))
        assert {s.leaf.event_id for s in store.read()} == {
            f"w{w}-{i}" for w in range(4) for i in range(2500)
        }
    finally:
        store.close()
    print(f"concurrency: 10,000 conditional appends by 4 processes in {r.seconds:.1f} s")
    assert not r.bad_exits, r.bad_exits
    assert sum(len(v) for v in r.acked.values()) == 10_000


def test_backup_while_other_processes_append(tmp_path: Path) -> None:
    """Online backups taken while two writer processes append all open and verify (G17)."""
    db = tmp_path / "ledger.db"
    SqliteLedger.open(db).close()
    procs = [crash._spawn(db, w, 0, 5000, tmp_path / f"w{w}.log", False) for w in range(2)]
    sizes = []
    store = SqliteLedger.open(db)
    try:
        deadline = time.monotonic() + 60
        while store.head().size < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
        for b in range(10):
            time.sleep(0.05)
            dest = tmp_path / f"backup{b}.db"
            store.backup(dest)  # opens and verifies the copy
            copy = SqliteLedger.open(dest)
            try:
                sizes.append(copy.verify().size)
            finally:
                copy.close()
    finally:
        store.close()
        for p in procs:
            p.wait(timeout=120)
    print(f"backups under load: sizes {sizes}")
    assert all(p.returncode == 0 for p in procs)
    assert sizes == sorted(sizes) and 50 <= sizes[0] < 10_000, sizes  # taken mid-append
