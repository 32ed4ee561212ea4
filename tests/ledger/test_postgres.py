"""The SQL store on a real PostgreSQL server: many writer processes, tampering through plain
SQL, and writers (and the server) killed with SIGKILL at random instants.

This file is also the writer program those tests start: ``python test_postgres.py burst|writer ...``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.ledger.leaves import claim_leaf
from truce.errors import ConflictError, IntegrityError, StoreError
from truce.ledger.store.contract import Leaf
from truce.ledger.store.sql import SqlLedger

HERE = Path(__file__).resolve()


def leaf(event_id: str, text: str | None = None, party: str = "mediator") -> Leaf:
    """A claim event as a leaf; ``text`` changes its content but not its id."""
    return claim_leaf(event_id, text or None, party, ledger="L-pg")


# -- the writer programs (run as subprocesses) ----------------------------------------------


def burst(url: str, ledger: str, worker: int, count: int, batch: int) -> None:
    """Append ``count`` events in batches, each conditional on the size just read; retry on
    ConflictError. Prints one JSON line: conflicts and seconds."""
    store = SqlLedger.open(url, ledger)
    t0 = time.perf_counter()
    conflicts = 0
    for j in range(0, count, batch):
        leaves = [leaf(f"w{worker}-{k}") for k in range(j, min(j + batch, count))]
        while True:
            try:
                store.append(leaves, expected_size=store.head().size)
                break
            except ConflictError:
                conflicts += 1
    store.close()
    print(json.dumps({"worker": worker, "conflicts": conflicts, "s": time.perf_counter() - t0}))


def writer(url: str, ledger: str, start: int, stop: int) -> None:
    """Append k<start>..k<stop-1> one at a time, printing ``ACK i seq`` after each commit;
    retry through store errors (a restarting server) for up to 60 s per event."""
    store = SqlLedger.open(url, ledger)
    print("READY", flush=True)
    for i in range(start, stop):
        deadline = time.monotonic() + 60
        while True:
            try:
                (st,) = store.append([leaf(f"k{i}")])
                break
            except StoreError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        print(f"ACK {i} {st.seq}", flush=True)
    store.close()


# -- the tests -------------------------------------------------------------------------------


def _spawn(*args: object, stdout: int | Path = subprocess.PIPE) -> subprocess.Popen[str]:
    out = open(stdout, "w") if isinstance(stdout, Path) else stdout  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ledger.test_postgres", *map(str, args)],
        cwd=HERE.parents[2],
        stdout=out,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_four_processes_append_10000_events_gap_free(pg_url: str) -> None:
    """4 processes x 2,500 events, each append (10 events: single events took ~105 s on a
    2-CPU machine) conditional on the size it read, retried on ConflictError."""
    ledger = uuid.uuid4().hex
    store = SqlLedger.open(pg_url, ledger)
    t0 = time.perf_counter()
    procs = [_spawn("burst", pg_url, ledger, w, 2500, 10) for w in range(4)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    wall = time.perf_counter() - t0
    conflicts = sum(r["conflicts"] for r in results)
    print(
        f"\n4 x 2500 events in appends of 10: {wall:.1f} s wall, {conflicts} conflicts, {results}"
    )
    seqs = [st.seq for st in store.read()]
    assert seqs == list(range(1, 10_001))
    ids = {st.leaf.event_id for st in store.read()}
    assert ids == {f"w{w}-{k}" for w in range(4) for k in range(2500)}
    assert store.head().size == 10_000
    assert store.verify().size == 10_000
    store.close()


def _run_sql(store: SqlLedger, sql: str, **params: object) -> None:
    from sqlalchemy import text

    with store._engine.begin() as conn:
        conn.execute(text(sql), {"l": store._ledger, **params})


def _tamper_cases() -> Iterator[tuple[str, Callable[[SqlLedger], None], int]]:
    forged = leaf("e5", "forged")
    from truce.ledger.log import merkle

    yield (
        "data",
        lambda s: _run_sql(
            s, "UPDATE truce_entry SET data=:d WHERE ledger=:l AND seq=5", d=forged.data
        ),
        5,
    )
    yield (
        "hash",
        lambda s: _run_sql(
            s, "UPDATE truce_entry SET hash=:h WHERE ledger=:l AND seq=5", h=bytes(32)
        ),
        5,
    )
    yield (
        "data-and-hash",
        lambda s: _run_sql(
            s,
            "UPDATE truce_entry SET data=:d, hash=:h WHERE ledger=:l AND seq=5",
            d=forged.data,
            h=merkle.leaf_hash(forged.data),
        ),
        1,  # localised by the stored frontier to seq 1-8 (10 = 8 + 2): the first of the range
    )
    yield (
        "party",
        lambda s: _run_sql(s, "UPDATE truce_entry SET party='israel' WHERE ledger=:l AND seq=5"),
        5,
    )
    yield ("delete", lambda s: _run_sql(s, "DELETE FROM truce_entry WHERE ledger=:l AND seq=5"), 5)
    yield (
        "swap",
        lambda s: _run_sql(
            s,
            "UPDATE truce_entry AS a SET data=b.data FROM truce_entry AS b "
            "WHERE a.ledger=:l AND b.ledger=:l AND a.seq + b.seq = 9 AND a.seq IN (4, 5)",
        ),
        4,
    )
    extra = leaf("e11")
    yield (
        "insert",
        lambda s: _run_sql(
            s,
            "INSERT INTO truce_entry VALUES (:l, 11, 'e11', 'claim', 'mediator', 'public', :d, :h)",
            d=extra.data,
            h=merkle.leaf_hash(extra.data),
        ),
        11,
    )


def test_tampering_through_plain_sql_is_caught(pg_url: str) -> None:
    """Changing, deleting, swapping or adding rows behind the store's back fails verify."""
    for name, tamper, seq in _tamper_cases():
        store = SqlLedger.open(pg_url, uuid.uuid4().hex)
        store.append([leaf(f"e{i}") for i in range(1, 11)])
        assert store.verify().size == 10
        tamper(store)
        try:
            store.verify()
        except IntegrityError as exc:
            assert exc.seq == seq, (name, exc.seq, str(exc))
        else:
            raise AssertionError(f"tampering ({name}) was not caught")
        finally:
            store.close()


def _wait_for(path: Path, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while what not in path.read_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what!r} in {path} after {timeout} s")
        time.sleep(0.01)


def _acks(path: Path) -> list[tuple[int, int]]:
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("ACK "):
            _, i, seq = line.split()
            out.append((int(i), int(seq)))
    return out


def test_sigkill_writers_and_server_lose_nothing_acknowledged(tmp_path: Path) -> None:
    """SIGKILL a one-at-a-time writer 20 times at random instants, and the server once."""
    from tests.pgserver import PgServer

    rng = random.Random(int(os.environ.get("TRUCE_KILL_SEED", "20240101")))
    with PgServer() as server:
        ledger = "kill"
        SqlLedger.open(server.url, ledger).close()
        acked: dict[int, int] = {}
        nxt = 0
        for run in range(21):
            log = tmp_path / f"writer-{run}.out"
            proc = _spawn("writer", server.url, ledger, nxt, 1_000_000, stdout=log)
            _wait_for(log, "READY")
            if run == 10:  # crash the server under the writer, then bring it back
                time.sleep(rng.uniform(0.05, 0.3))
                server.kill()
                time.sleep(0.3)
                server.start()
                before = len(_acks(log))
                deadline = time.monotonic() + 30
                while len(_acks(log)) < before + 5 and time.monotonic() < deadline:
                    time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.3))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            got = _acks(log)
            for i, seq in got:
                assert acked.setdefault(i, seq) == seq  # a retried id keeps its first seq
            if got:
                nxt = got[-1][0] + 1
        # One last writer runs to completion past the last acked id (retrying it first).
        log = tmp_path / "writer-final.out"
        final = _spawn("writer", server.url, ledger, nxt, nxt + 20, stdout=log)
        _, err = final.communicate(timeout=60)
        assert final.returncode == 0, err
        for i, seq in _acks(log):
            assert acked.setdefault(i, seq) == seq
        store = SqlLedger.open(server.url, ledger)
        entries = list(store.read())
        print(f"\n{len(acked)} acked, {len(entries)} stored across 21 writer kills + 1 server kill")
        assert [st.seq for st in entries] == list(range(1, nxt + 21))
        assert [st.leaf.event_id for st in entries] == [f"k{i}" for i in range(nxt + 20)]
        assert set(acked) == set(range(nxt + 20))
        assert all(entries[seq - 1].leaf.event_id == f"k{i}" for i, seq in acked.items())
        assert store.verify().size == nxt + 20
        store.close()


if __name__ == "__main__":
    mode, url, name, *rest = sys.argv[1:]
    if mode == "burst":
        burst(url, name, *map(int, rest))
    else:
        writer(url, name, *map(int, rest))
