"""Ledger throughput: appends on SQLite and PostgreSQL, hash+Merkle verify, signatures, proofs.

Run ``.venv/bin/python benchmarks/ledger.py`` (1,000,000 events; a few minutes) or add
``--quick`` (100,000). ``--no-postgres`` skips the PostgreSQL figures; otherwise the server is
``--pg-url`` or ``TRUCE_PG_URL`` if given, else a throwaway one started the way the tests start
theirs (``tests/pgserver.py``: initdb in a temporary directory, as the ``postgres`` user when
root). ``--smoke`` runs every section on 2,000 events, once, in seconds (for CI: the numbers mean
nothing); it uses PostgreSQL only when given a server (``--pg-url`` or ``TRUCE_PG_URL``) and
otherwise prints that it skipped it.

Every figure is printed beside a baseline measured in the same run, as a ratio:

1. **SQLite appends** (``SqliteLedger``, WAL, ``synchronous=FULL`` as shipped): (a) one event per
   append, each its own fsync'd transaction, beside a raw apsw ``INSERT`` of the same row in its
   own ``BEGIN IMMEDIATE``/``COMMIT`` on a file with the same pragmas and table (the two timed in
   alternating blocks of 100); (b) appends of 1,000 events beside a raw ``executemany`` of the
   same rows, 1,000 per transaction.
2. **PostgreSQL appends** (``SqlLedger``): the same two, beside raw psycopg on a table with the
   same columns and keys.
3. **Hash+Merkle verify**: ``merkle.leaf_hash`` of every leaf + ``merkle.root`` (the hashing in
   ``store.check_entries``) beside plain ``hashlib.sha256`` over the same bytes; also
   ``check_entries`` on in-memory entries (adds re-parsing each leaf to re-check its columns) and
   the whole ``SqliteLedger.verify()`` (adds reading and ``PRAGMA integrity_check``).
4. **Signature verify**: ``signing.verify_event`` beside ``cryptography``'s own
   ``Ed25519PublicKey.verify`` on the same messages.
5. **Proofs**: ``merkle.Tree`` inclusion and consistency proofs, made and verified, beside the
   bare SHA-256 node hashes a verifier must do for the same proofs.
6. **Record**: ``truce.ledger.record.record`` of one event on a ledger directory (the 2023
   example's terms) of 1,000 and of 100,000 events (``--record-events``), opened and read once:
   the median of ``--record-appends`` appends each, and the ratio (issue 18's goal: <= 5x).
7. **``truce record`` in a new process** on the same two sizes, as a user at a shell runs it:
   the first record on the big ledger reads every entry and writes the engine snapshot, the
   next ``--cli-runs`` resume from it; the ratio of the medians (issue 18's goal: <= 5x).

Leaves are canonical leaves (``truce.ledger.log.leaf.encode_leaf``) of ``captives_released`` events
naming 10 captives, unsigned, stamped with the log's time (version 2, as ``record`` writes them;
about 525 bytes each), built before any timing. The goals (informational:
PASS/MISS is printed, the exit status is 0 either way) are the issue's, for a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apsw

from machine import (
    SMOKE_BANNER,
    best,
    describe,
    pg_server,
)  # benchmarks/machine.py (this folder is on sys.path)
from truce.events import EVENT_ADAPTER
from truce.ledger.directory import LedgerDir, event_json
from truce.ledger.log import merkle, signing
from truce.ledger.log.leaf import canonical, encode_leaf
from truce.ledger.record import default_visibility
from truce.ledger.store.contract import Head, Leaf, Stored, check_entries
from truce.ledger.store.sqlite import SCHEMA, SqliteLedger, journal_mode_for, sqlite_version

ROOT = Path(__file__).resolve().parent.parent
LEDGER_ID = "gaza-2023-bench"
BATCH = 1000

GOAL_APPEND = 50_000  # events/s, batched, with hashing and the Merkle update
GOAL_VERIFY = 500_000  # events/s, leaf hashes + root
GOAL_SIG = 0.8  # of the library's own Ed25519 verify rate


# ---------------------------------------------------------------- data


def print_ratio(what: str, sizes: tuple[int, int], medians: list[float]) -> None:
    """The big ledger's cost over the small one's, against the issue's goal (<= 5x)."""
    ratio = medians[1] / medians[0]
    print(
        f"{what}, {sizes[1]:,} / {sizes[0]:,} events: {ratio:.2f}x "
        f"[goal <= 5x: {'PASS' if ratio <= 5 else 'MISS'}]",
        flush=True,
    )


def cli_cpu(cmd: list[str]) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one command in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def bench_record_cli(tmp: Path, sizes: tuple[int, int], runs: int) -> None:
    """(7) ``truce record`` of one event in a new process, as a user at a shell runs it, on a
    small and a big ledger directory (``record_ledger``). The first record on the big one
    reads every entry and writes the engine snapshot (``truce.ledger.snapshot``); the ones
    after resume from it. CPU time of the child (user + system; steadier than wall time on a
    shared machine), the median of ``runs`` records each; the issue's goal is big / small
    <= 5x."""
    try:
        from truce.ledger import snapshot

        name, least = snapshot.NAME, snapshot.MIN_ENTRIES
    except ImportError:  # a version before the snapshot, run as the baseline
        name, least = "engine.snapshot", 10**12

    medians: list[float] = []
    for size in sizes:
        path = tmp / f"cli-{size}"
        record_ledger(path, size)
        cmd = [sys.executable, "-m", "truce", "record", str(path)]
        times: list[tuple[float, float]] = []
        first: tuple[float, float] | None = None
        for j in range(runs + 1):
            f = tmp / f"cli-event-{size}-{j}.jsonl"
            f.write_text(json.dumps(event(size + 1 + j)) + "\n")
            got = cli_cpu([*cmd, str(f)])
            if j == 0:
                first = got
            else:
                times.append(got)
        assert first is not None
        times.sort()
        med = times[len(times) // 2]
        medians.append(med[0])
        how = (
            "read every entry and wrote the snapshot"
            if (path / name).exists()
            else f"no snapshot below {least:,} entries"
            if least < 10**12
            else "this version keeps no snapshot"
        )
        print(
            f"(7) truce record, new process, {size:,}-event ledger: {med[0]:.2f} s CPU "
            f"({med[1]:.2f} s wall; median of {runs}); the first record: {first[0]:.2f} s CPU "
            f"({how})",
            flush=True,
        )
    print_ratio("(7) truce record, new process", sizes, medians)


def event_time(n: int) -> int:
    """Event ``n``'s time, POSIX seconds: from 2030-01-03, a release every 7 s."""
    return 1_893_654_000 + n * 7


def event(n: int) -> dict[str, Any]:
    """A ``captives_released`` event naming 10 captives, as its JSON mapping, in the form the
    ledger hashes (``event_json``: defaults left out; :func:`check_event_shape` checks it)."""
    t = event_time(n)
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    rec = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t + 300))
    return {
        "id": f"rel-{n:07d}",
        "type": "captives_released",
        "at": at,
        "recorded_at": rec,
        "declared_by": "qatar",
        "recorded_by": "mediator-desk",
        "sources": [f"icrc-handover-{n // 10:06d}"],
        "captives": [{"id": f"c{(n * 10 + i) % 10_000_000:07d}"} for i in range(10)],
    }


def stamp(n: int) -> datetime:
    """Event ``n``'s log stamp (when it was appended): 301 s after the event."""
    return datetime.fromtimestamp(event_time(n) + 301, UTC)


def build_leaves(n: int) -> list[Leaf]:
    """``n`` leaves, encoded as ``record`` encodes them (visibility ``public``: see
    :func:`check_event_shape`), without validating each event (that would take longer than
    most of the timings)."""
    gc.disable()
    try:
        return [encode_leaf(LEDGER_ID, event(i), "public", None, stamp(i)) for i in range(1, n + 1)]
    finally:
        gc.enable()


def check_event_shape() -> None:
    """The benchmark's events are valid, already in the form the ledger hashes, and public by
    default, so :func:`build_leaves` makes the leaves ``record`` would (checked, not timed)."""
    for i in (1, 2, 10, 11):
        ev = EVENT_ADAPTER.validate_python(event(i))
        assert event_json(ev) == event(i), (event_json(ev), event(i))
        assert default_visibility(ev) == "public"


# ---------------------------------------------------------------- output


def fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:,.2f}"


def line(
    name: str,
    value: float,
    unit: str,
    base: tuple[str, float] | None = None,
    goal: tuple[str, float, float] | None = None,
    note: str = "",
) -> None:
    """``name: value unit (baseline value unit, ratio x) [goal: PASS/MISS]``.

    ``goal`` is (shown goal, the measured quantity to compare, its threshold).
    """
    out = f"{name}: {fmt(value)} {unit}"
    if base is not None:
        bname, bval = base
        out += f" ({bname} {fmt(bval)} {unit}, ratio {value / bval:.2f}x)"
    if goal is not None:
        shown, got, want = goal
        out += f" [goal {shown}: {'PASS' if got >= want else 'MISS'}]"
    if note:
        out += f" {note}"
    print(out, flush=True)


def cycle_rate(fn: Callable[[int], Any], items: int, min_time: float, repeat: int) -> float:
    """Best calls/s of ``fn(i)`` for i cycling over ``range(items)``, each run >= min_time s."""
    rates = []
    for _ in range(repeat):
        gc.collect()
        calls = 0
        t0 = time.perf_counter()
        elapsed = 0.0
        while elapsed < min_time:
            for i in range(items):
                fn(i)
            calls += items
            elapsed = time.perf_counter() - t0
        rates.append(calls / elapsed)
    return max(rates)


def alternate(
    raw: Callable[[int, int], None], ours: Callable[[int, int], None], total: int, block: int = 100
) -> tuple[float, float]:
    """Time ``raw(a, b)`` and ``ours(a, b)`` over [0, total) in alternating blocks, so that
    disk contention from elsewhere on a shared machine falls on both alike; the summed times."""
    t_raw = t_ours = 0.0
    gc.collect()
    for a in range(0, total, block):
        b = min(a + block, total)
        t0 = time.perf_counter()
        raw(a, b)
        t1 = time.perf_counter()
        ours(a, b)
        t_raw += t1 - t0
        t_ours += time.perf_counter() - t1
    return t_raw, t_ours


# ---------------------------------------------------------------- SQLite


def raw_sqlite(path: Path) -> apsw.Connection:
    """A file with the ledger's schema and pragmas, for raw inserts."""
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA synchronous=EXTRA")
    conn.execute(f"PRAGMA journal_mode={journal_mode_for(sqlite_version())}")
    conn.execute("PRAGMA synchronous=2")  # FULL, as SqliteLedger.open
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("BEGIN")
    conn.execute(SCHEMA)
    conn.execute("COMMIT")
    return conn


_INSERT = (
    "INSERT INTO entry(seq, event_id, type, party, visibility, data, hash) VALUES (?,?,?,?,?,?,?)"
)


def rows_of(leaves: list[Leaf], hashes: list[bytes]) -> list[tuple[Any, ...]]:
    return [
        (i + 1, lf.event_id, lf.type, lf.party, lf.visibility, lf.data, h)
        for i, (lf, h) in enumerate(zip(leaves, hashes, strict=True))
    ]


def bench_sqlite(tmp: Path, leaves: list[Leaf], hashes: list[bytes], single: int) -> Path:
    """Step 1; returns the path of the batched ledger (for verify)."""
    n = len(leaves)
    rows = rows_of(leaves, hashes)

    # (a) single events, one transaction each.
    raw = raw_sqlite(tmp / "raw-single.db")

    led = SqliteLedger.open(tmp / "ledger-single.db")

    def raw_single(a: int, b: int) -> None:
        for r in rows[a:b]:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(_INSERT, r)
            raw.execute("COMMIT")

    def led_single(a: int, b: int) -> None:
        for lf in leaves[a:b]:
            led.append([lf])

    t_raw, t_led = alternate(raw_single, led_single, single)
    raw.close()
    assert led.head().size == single
    led.close()
    line(
        f"(1a) SQLite append, 1 event per transaction ({single:,})",
        single / t_led,
        "events/s",
        ("raw apsw INSERT + COMMIT", single / t_raw),
    )

    # (b) batches of BATCH.
    raw = raw_sqlite(tmp / "raw-batch.db")

    def raw_batch() -> None:
        for i in range(0, n, BATCH):
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany(_INSERT, rows[i : i + BATCH])
            raw.execute("COMMIT")

    t_raw, _ = best(raw_batch)
    raw.close()
    rows.clear()
    path = tmp / "ledger-batch.db"
    led = SqliteLedger.open(path)

    def led_batch() -> None:
        for i in range(0, n, BATCH):
            led.append(leaves[i : i + BATCH])

    t_led, _ = best(led_batch)
    head = led.head()
    assert head.size == n and head.root == merkle.root(hashes)
    led.close()
    rate = n / t_led
    line(
        f"(1b) SQLite append, {BATCH:,} events per transaction ({n:,})",
        rate,
        "events/s",
        ("raw apsw executemany", n / t_raw),
        (f">= {GOAL_APPEND:,} events/s", rate, GOAL_APPEND),
    )
    return path


# ---------------------------------------------------------------- PostgreSQL


def pg_version(conn: Any) -> str:
    return str(conn.execute("SHOW server_version").fetchone()[0])


def bench_postgres(leaves: list[Leaf], hashes: list[bytes], single: int, url: str | None) -> str:
    """Step 2 on the server at ``url`` (None: a throwaway one); returns the server version."""
    import psycopg

    from truce.ledger.store.sql import SqlLedger

    n = len(leaves)
    tag = f"{os.getpid()}_{int(time.time())}"
    raw_table = f"truce_bench_raw_{tag}"
    with pg_server(url) as url:
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        conn = psycopg.connect(dsn, autocommit=True)
        version = pg_version(conn)
        fsync = conn.execute("SHOW fsync").fetchone()
        sync = conn.execute("SHOW synchronous_commit").fetchone()
        assert fsync is not None and sync is not None
        print(f"PostgreSQL {version} (fsync={fsync[0]}, synchronous_commit={sync[0]})", flush=True)
        conn.execute(
            f"CREATE TABLE {raw_table}(ledger varchar(200), seq bigint, event_id text NOT NULL, "
            "type text NOT NULL, party text NOT NULL, visibility text NOT NULL, "
            "data bytea NOT NULL, hash bytea NOT NULL, PRIMARY KEY (ledger, seq), "
            "UNIQUE (ledger, event_id))"
        )
        ins = (
            f"INSERT INTO {raw_table}(ledger, seq, event_id, type, party, visibility, data, hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        )
        names = [f"bench-single-{tag}", f"bench-batch-{tag}"]
        try:

            def rows(ledger: str, k: int) -> list[tuple[Any, ...]]:
                return [
                    (ledger, i + 1, lf.event_id, lf.type, lf.party, lf.visibility, lf.data, h)
                    for i, (lf, h) in enumerate(zip(leaves[:k], hashes[:k], strict=True))
                ]

            # (a) single events.
            rs = rows("single", single)
            cur = conn.cursor()

            led = SqlLedger.open(url, ledger=names[0])

            def raw_single(a: int, b: int) -> None:
                for r in rs[a:b]:
                    with conn.transaction():
                        cur.execute(ins, r)

            def led_single(a: int, b: int) -> None:
                for lf in leaves[a:b]:
                    led.append([lf])

            t_raw, t_led = alternate(raw_single, led_single, single)
            assert led.head().size == single
            led.close()
            line(
                f"(2a) PostgreSQL append, 1 event per transaction ({single:,})",
                single / t_led,
                "events/s",
                ("raw psycopg INSERT + COMMIT", single / t_raw),
            )

            # (b) batches.
            rb = rows("batch", n)

            def raw_batch() -> None:
                for i in range(0, n, BATCH):
                    with conn.transaction():
                        cur.executemany(ins, rb[i : i + BATCH])

            t_raw, _ = best(raw_batch)
            rb.clear()
            led = SqlLedger.open(url, ledger=names[1])

            def led_batch() -> None:
                for i in range(0, n, BATCH):
                    led.append(leaves[i : i + BATCH])

            t_led, _ = best(led_batch)
            assert led.head().size == n
            rate = n / t_led
            line(
                f"(2b) PostgreSQL append, {BATCH:,} events per transaction ({n:,})",
                rate,
                "events/s",
                ("raw psycopg executemany", n / t_raw),
                (f">= {GOAL_APPEND:,} events/s", rate, GOAL_APPEND),
            )
            t_ver, h = best(led.verify)
            assert h.size == n
            led.close()
            line(
                f"     SqlLedger.verify() on those {n:,} events",
                n / t_ver,
                "events/s",
                note="(reads, hashes, re-checks columns, root)",
            )
        finally:
            conn.execute(f"DROP TABLE IF EXISTS {raw_table}")
            for name in names:  # a given server keeps its other ledgers
                for table in ("truce_entry", "truce_head", "truce_meta", "truce_checkpoint"):
                    with contextlib.suppress(psycopg.Error):
                        conn.execute(f"DELETE FROM {table} WHERE ledger = %s", (name,))
            conn.close()
    return version


# ---------------------------------------------------------------- verify, signatures, proofs


def bench_verify(leaves: list[Leaf], hashes: list[bytes], db: Path | None, repeat: int) -> None:
    """Step 3."""
    n = len(leaves)
    datas = [lf.data for lf in leaves]
    sha = hashlib.sha256
    leaf_hash = merkle.leaf_hash

    def raw() -> list[bytes]:
        return [sha(d).digest() for d in datas]

    def ours() -> bytes:
        return merkle.root([leaf_hash(d) for d in datas])

    t_raw, _ = best(raw, repeat)
    t_ours, root = best(ours, repeat)
    assert root == merkle.root(hashes)
    rate = n / t_ours
    line(
        f"(3) hash+Merkle verify: leaf_hash + merkle.root ({n:,} leaves)",
        rate,
        "events/s",
        ("raw hashlib.sha256", n / t_raw),
        (f">= {GOAL_VERIFY:,} events/s", rate, GOAL_VERIFY),
    )

    entries = [Stored(i + 1, lf, h) for i, (lf, h) in enumerate(zip(leaves, hashes, strict=True))]
    head = Head(n, root)
    frontier = merkle.extend([], 0, hashes)
    t_chk, h = best(lambda: check_entries(iter(entries), head, frontier), min(repeat, 2))
    assert h == head
    entries.clear()
    line(
        "     store.check_entries on in-memory entries",
        n / t_chk,
        "events/s",
        ("raw hashlib.sha256", n / t_raw),
        (f">= {GOAL_VERIFY:,} events/s", n / t_chk, GOAL_VERIFY),
        "(+ parses each leaf to re-check its columns, frontier)",
    )
    if db is not None:
        led = SqliteLedger.open(db)
        t_ver, h = best(led.verify)
        assert h == head
        led.close()
        line(
            f"     SqliteLedger.verify() on the {n:,}-event file",
            n / t_ver,
            "events/s",
            ("raw hashlib.sha256", n / t_raw),
            (f">= {GOAL_VERIFY:,} events/s", n / t_ver, GOAL_VERIFY),
            "(+ integrity_check, reading)",
        )


def bench_signatures(count: int, min_time: float, repeat: int) -> None:
    """Step 4."""
    key = signing.new_key()
    pub = key.public_key()
    bodies = [canonical(event(i)) for i in range(1, count + 1)]
    ids = [f"rel-{i:07d}" for i in range(1, count + 1)]
    sigs = [
        signing.sign_event(key, LEDGER_ID, "captives_released", eid, b)
        for eid, b in zip(ids, bodies, strict=True)
    ]
    msgs = [
        signing.event_message(LEDGER_ID, "captives_released", eid, b)
        for eid, b in zip(ids, bodies, strict=True)
    ]
    verify = pub.verify
    verify_event = signing.verify_event

    def raw(i: int) -> None:
        verify(sigs[i], msgs[i])

    def ours(i: int) -> None:
        verify_event(pub, sigs[i], LEDGER_ID, "captives_released", ids[i], bodies[i])

    r_raw = cycle_rate(raw, count, min_time, repeat)
    r_ours = cycle_rate(ours, count, min_time, repeat)
    mean = sum(len(m) for m in msgs) / count
    body = sum(len(b) for b in bodies) / count
    line(
        f"(4) signing.verify_event ({body:.0f}-byte bodies, {mean:.0f}-byte messages)",
        r_ours,
        "verifies/s",
        ("Ed25519PublicKey.verify", r_raw),
        (f">= {GOAL_SIG:.1f}x the library", r_ours / r_raw, GOAL_SIG),
    )


def bench_proofs(hashes: list[bytes], count: int, min_time: float, repeat: int) -> None:
    """Step 5."""
    n = len(hashes)
    t_tree, tree = best(lambda: merkle.Tree(hashes))
    root = tree.root()
    line(f"(5) merkle.Tree build ({n:,} leaves)", n / t_tree, "leaves/s")
    rnd = random.Random(5)
    idx = [rnd.randrange(n) for _ in range(count)]
    sizes = [rnd.randrange(1, n) for _ in range(count)]
    roots1 = [tree.root(s) for s in sizes]
    node = merkle.node_hash
    inc_len = [len(tree.inclusion_proof(i)) for i in idx]
    con_len = [len(tree.consistency_proof(s)) for s in sizes]
    h32 = hashes[0]

    def inclusion(k: int) -> None:
        i = idx[k]
        merkle.verify_inclusion(hashes[i], i, n, tree.inclusion_proof(i), root)

    def consistency(k: int) -> None:
        s = sizes[k]
        merkle.verify_consistency(s, n, tree.consistency_proof(s), roots1[k], root)

    def floor(lengths: list[int]) -> Callable[[int], None]:
        def run(k: int) -> None:
            r = h32
            for _ in range(lengths[k]):
                r = node(r, h32)

        return run

    for name, fn, lengths in (
        ("inclusion_proof + verify_inclusion", inclusion, inc_len),
        ("consistency_proof + verify_consistency", consistency, con_len),
    ):
        r_base = cycle_rate(floor(lengths), count, min_time, repeat)
        r = cycle_rate(fn, count, min_time, repeat)
        mean = sum(lengths) / count
        line(
            f"    {name} ({n:,}-leaf tree, {mean:.1f} hashes a proof)",
            r,
            "proofs/s",
            ("the verifier's node hashes alone", r_base),
        )


# ---------------------------------------------------------------- main


# ---------------------------------------------------------------- record


def record_ledger(path: Path, size: int) -> None:
    """A ledger directory on the 2023 example's terms holding ``size`` benchmark events (their
    leaves appended straight to its store, as ``record`` would have stored them)."""
    d = LedgerDir.init(
        path, ROOT / "examples/gaza-2023/terms.toml", at=datetime(2023, 11, 22, tzinfo=UTC)
    )
    try:
        gc.disable()
        for a in range(1, size + 1, 10_000):
            b = min(a + 10_000, size + 1)
            leaves = [
                encode_leaf(d.ledger_id, event(i), "public", None, stamp(i)) for i in range(a, b)
            ]
            d.store.append(leaves, expected_size=a)  # the terms_set entry is seq 1
    finally:
        gc.enable()
        d.close()


def bench_record(tmp: Path, sizes: tuple[int, int], appends: int) -> None:
    """(6) A single-event ``record`` on a small and a big ledger directory, each opened and
    read once (as the service holds it): the median of ``appends`` appends, and the first
    append of a freshly opened directory (it reads and replays the whole ledger once)."""
    from truce.ledger.record import record

    medians = []
    for size in sizes:
        path = tmp / f"record-{size}"
        record_ledger(path, size)
        t0 = time.perf_counter()
        d = LedgerDir.open(path)
        nxt = size + 1
        ev = EVENT_ADAPTER.validate_python(event(nxt))
        record(d, [ev], ["bench"], clock=lambda n=nxt: stamp(n))
        first = time.perf_counter() - t0
        times = []
        for j in range(appends):
            n = size + 2 + j
            ev = EVENT_ADAPTER.validate_python(event(n))
            gc.collect()
            t0 = time.perf_counter()
            record(d, [ev], ["bench"], clock=lambda n=n: stamp(n))
            times.append(time.perf_counter() - t0)
        d.close()
        times.sort()
        med = times[len(times) // 2]
        medians.append(med)
        print(
            f"(6) record one event, {size:,}-event ledger: {med * 1e3:,.2f} ms "
            f"(median of {appends}; best {times[0] * 1e3:,.2f} ms; first append after opening, "
            f"reads and replays the ledger: {first:,.2f} s)",
            flush=True,
        )
    print_ratio("(6) record one event", sizes, medians)


def run_postgres(
    args: argparse.Namespace, leaves: list[Leaf], hashes: list[bytes], single: int
) -> None:
    """Step 2 where a server is given or can be started (a smoke run needs one given)."""
    if args.no_postgres:
        print("(2) PostgreSQL: skipped (--no-postgres)")
    elif args.smoke and not args.pg_url:
        print("(2) PostgreSQL: skipped (smoke run without --pg-url or TRUCE_PG_URL)")
    else:
        try:
            bench_postgres(leaves, hashes, single, args.pg_url)
        except Exception as exc:  # a missing server is reported, not fatal ...
            if args.smoke:  # ... but a smoke run was given its server: a failure is real
                raise
            print(f"(2) PostgreSQL: skipped ({type(exc).__name__}: {exc})", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100,000 events instead of 1,000,000")
    ap.add_argument("--events", type=int, help="events for batched appends, verify and proofs")
    ap.add_argument("--single", type=int, help="single-event appends (default 2,000; quick 500)")
    ap.add_argument(
        "--pg-events", type=int, help="events for PostgreSQL batches (default --events)"
    )
    ap.add_argument(
        "--record-events", type=int, default=100_000, help="the big ledger of (6) (default 100,000)"
    )
    ap.add_argument(
        "--record-appends", type=int, default=30, help="single-event records timed in (6)"
    )
    ap.add_argument(
        "--cli-runs", type=int, default=5, help="`truce record` processes timed in (7) (default 5)"
    )
    ap.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL figures")
    ap.add_argument(
        "--only",
        type=int,
        action="append",
        choices=range(1, 8),
        help="run only this section (1-7; may be given more than once)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs per in-memory timing, best kept")
    ap.add_argument("--dir", type=Path, help="where the SQLite files go (default: a temp dir)")
    ap.add_argument(
        "--pg-url",
        default=os.environ.get("TRUCE_PG_URL"),
        help="PostgreSQL server to use (default TRUCE_PG_URL, else a throwaway one; smoke: skip)",
    )
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="every section on 2,000 events, once, in seconds (CI; numbers meaningless)",
    )
    args = ap.parse_args(argv)
    only = set(args.only or range(1, 8))
    if args.smoke:
        print(SMOKE_BANNER)
        args.events, args.single, args.repeat = args.events or 2_000, args.single or 20, 1
    n = args.events or (100_000 if args.quick else 1_000_000)
    single = args.single or (500 if args.quick else 2_000)
    pg_n = min(args.pg_events or n, n)
    min_time = 0.02 if args.smoke else 0.5 if args.quick else 1.0
    calls = 50 if args.smoke else 1000  # signatures verified, proofs made, per cycle

    import cryptography

    ver = ".".join(map(str, sqlite_version()))
    print(
        "machine: "
        + describe(
            f"; SQLite {ver} (apsw {apsw.apsw_version()}, journal_mode "
            f"{journal_mode_for(sqlite_version())}, synchronous FULL); "
            f"cryptography {cryptography.__version__}"
        )
    )
    check_event_shape()
    if not only & {1, 2, 3, 5}:
        n = single = 1  # sections 4, 6 and 7 build what they need
    t_build, leaves = best(lambda: build_leaves(max(n, single)))
    size = sum(len(lf.data) for lf in leaves) / len(leaves)
    hashes = [merkle.leaf_hash(lf.data) for lf in leaves]
    print(
        f"leaves: {len(leaves):,} captives_released leaves of {size:.0f} bytes on average "
        f"(built in {t_build:.1f} s, not timed below)",
        flush=True,
    )

    with contextlib.ExitStack() as stack:
        if args.dir is not None:
            args.dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix="truce-bench-", dir=args.dir))
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="truce-bench-")))
        print(f"SQLite files in {tmp}", flush=True)
        db = bench_sqlite(tmp, leaves[:n], hashes[:n], single) if 1 in only else None
        if 2 in only:
            run_postgres(args, leaves[:pg_n], hashes[:pg_n], single)
        if 3 in only:
            bench_verify(leaves[:n], hashes[:n], db, args.repeat)
        small, big = (200, 2_000) if args.smoke else (1_000, args.record_events)
        if 6 in only:
            bench_record(tmp, (small, big), 3 if args.smoke else args.record_appends)
        cli_big = 2_500 if args.smoke else args.record_events
        if 7 in only:
            bench_record_cli(tmp, (small, cli_big), 1 if args.smoke else args.cli_runs)
    if 4 in only:
        bench_signatures(calls, min_time, args.repeat)
    if 5 in only:
        bench_proofs(hashes[:n], 2 * calls, min_time, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
