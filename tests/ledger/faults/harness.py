"""In-process fault harnesses (power loss G6, I/O errors G7) over ``SqliteLedger``."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from truce.errors import StoreError
from truce.ledger.store.sqlite import SqliteLedger

from . import claim
from .vfs import FaultVFS, PowerLoss, PowerLossVFS


@contextmanager
def journal_mode(mode: str | None) -> Iterator[None]:
    """Force the journal mode the store picks (None: the runtime gate decides)."""
    if mode is None:
        yield
        return
    with mock.patch("truce.ledger.store.sqlite.journal_mode_for", lambda version: mode):
        yield


@dataclass
class Workload:
    """What a writer managed before it was stopped: acknowledged ids and the one in flight."""

    acked: list[str] = field(default_factory=list)
    in_flight: str | None = None
    failed: list[str] = field(default_factory=list)


def _close(store: SqliteLedger | None) -> None:
    if store is not None:
        with suppress(Exception):  # closing a store whose disk has gone away
            store.close()


def write_events(db: Path, vfs: str, n: int, synchronous: str, stop_on_error: bool) -> Workload:
    """Open the store on ``vfs`` and append events ``p0..p{n-1}`` one at a time."""
    w = Workload()
    store: SqliteLedger | None = None
    try:
        for i in range(n):
            eid = f"p{i}"
            try:
                if store is None:
                    store = SqliteLedger.open(db, synchronous=synchronous, vfs=vfs)
                store.append([claim(eid, i)])
                w.acked.append(eid)
            except StoreError:
                w.failed.append(eid)
                if stop_on_error:
                    w.in_flight = eid
                    break
    finally:
        _close(store)
    return w


@dataclass
class PowerLossStats:
    """Counts over a power-loss run."""

    trials: int = 0
    lost_acked: int = 0  # trials that lost at least one acknowledged event
    unacked_extra: int = 0  # trials holding an unacknowledged event other than the one in flight
    broken: int = 0  # trials where the recovered store would not open/verify
    acked_events: int = 0
    failures: list[str] = field(default_factory=list)


_PL_VFS: PowerLossVFS | None = None


def _pl_vfs() -> PowerLossVFS:
    global _PL_VFS
    if _PL_VFS is None:
        _PL_VFS = PowerLossVFS()
    return _PL_VFS


def power_loss(
    tmp: Path,
    seed: int,
    trials: int,
    events: int = 8,
    synchronous: str = "FULL",
    mode: str | None = None,
    durable_unlink: bool = True,
) -> PowerLossStats:
    """Run ``trials`` power cuts at random write/sync operations; recover each and check it."""
    vfs = _pl_vfs()
    rng = random.Random(seed)
    stats = PowerLossStats()
    with journal_mode(mode):
        calib = tmp / "calibrate"
        calib.mkdir()
        vfs.state = PowerLoss(None, random.Random(0))
        write_events(calib / "ledger.db", vfs.vfsname, events, synchronous, True)
        total = vfs.state.ops
        shutil.rmtree(calib)
        for t in range(trials):
            run, after = tmp / f"t{t}", tmp / f"t{t}-after"
            run.mkdir()
            after.mkdir()
            cut = rng.randint(1, total)
            vfs.state = PowerLoss(cut, random.Random(rng.getrandbits(64)))
            vfs.state.durable_unlink = durable_unlink
            w = write_events(run / "ledger.db", vfs.vfsname, events, synchronous, True)
            vfs.state.write_to(after)
            stats.trials += 1
            stats.acked_events += len(w.acked)
            where = f"seed={seed} trial={t} cut={cut}/{total} acked={len(w.acked)}"
            try:
                store = SqliteLedger.open(after / "ledger.db")
                try:
                    store.verify()
                    ids = [s.leaf.event_id for s in store.read()]
                finally:
                    store.close()
            except Exception as exc:
                stats.broken += 1
                stats.failures.append(f"{where}: recovery failed: {exc!r}")
                if set(w.acked):
                    stats.lost_acked += 1
                continue
            finally:
                shutil.rmtree(run)
            missing = [a for a in w.acked if a not in ids]
            extra = [x for x in ids if x not in w.acked and x != w.in_flight]
            if missing:
                stats.lost_acked += 1
                stats.failures.append(f"{where}: lost acknowledged {missing}")
            if extra:
                stats.unacked_extra += 1
                stats.failures.append(f"{where}: unacknowledged events present {extra}")
            shutil.rmtree(after)
    return stats


@dataclass
class IoErrStats:
    """Counts over an I/O-error run."""

    cases: int = 0
    failed_appends: int = 0
    indeterminate: int = 0  # persistent fault at the commit sync: the in-flight append is stored
    bad: list[str] = field(default_factory=list)


_IO_VFS: FaultVFS | None = None


def io_errors(tmp: Path, events: int = 10, mode: str | None = None) -> IoErrStats:
    """For every k, fail the k-th write/sync once and from k on; after clearing the fault the
    store must verify and hold exactly the acknowledged events."""
    global _IO_VFS
    if _IO_VFS is None:
        _IO_VFS = FaultVFS()
    vfs = _IO_VFS
    stats = IoErrStats()
    with journal_mode(mode):
        calib = tmp / "calibrate"
        calib.mkdir()
        vfs.fault = type(vfs.fault)(k=10**9)
        write_events(calib / "ledger.db", vfs.vfsname, events, "FULL", False)
        total = vfs.fault.ops
        for persist in (False, True):
            for k in range(1, total + 2):
                d = tmp / f"{'persist' if persist else 'once'}-{k}"
                d.mkdir()
                vfs.fault = type(vfs.fault)(k=k, persist=persist)
                w = write_events(d / "ledger.db", vfs.vfsname, events, "FULL", False)
                vfs.fault = type(vfs.fault)()
                stats.cases += 1
                stats.failed_appends += len(w.failed)
                where = f"mode={mode} k={k}/{total} persist={persist} failed={w.failed}"
                try:
                    store = SqliteLedger.open(d / "ledger.db")
                    try:
                        store.verify()
                        ids = [s.leaf.event_id for s in store.read()]
                    finally:
                        store.close()
                except Exception as exc:
                    stats.bad.append(f"{where}: reopen/verify failed: {exc!r}")
                    continue
                if persist and w.failed and ids == [*w.acked, w.failed[0]]:
                    stats.indeterminate += 1  # the failed COMMIT's frames were written, sync failed
                elif ids != w.acked:
                    stats.bad.append(f"{where}: stored {ids} != acknowledged {w.acked}")
                shutil.rmtree(d)
    return stats
