"""HTTP service latency on a real uvicorn server on loopback, beside a bare FastAPI route.

Run ``.venv/bin/python benchmarks/service.py`` (about 1 minute). ``--smoke`` runs every section
at a tiny size, once, in seconds (for CI: the numbers mean nothing); it measures PostgreSQL only
when given a server (``--pg-url`` or ``TRUCE_PG_URL``) and otherwise prints that it skipped it.

The server is a subprocess of this script (``--serve``): one process running two uvicorn servers
on 127.0.0.1, the truce app (``create_app`` over two ledger directories, rate limits raised out
of the way) and a bare FastAPI app with one GET and one POST route that do nothing. The client
(httpx, asyncio) runs in this process; both share the machine's CPUs.

(a) **Baseline**: the bare app's ``GET /bare`` (one request at a time) and ``POST /bare`` (a
    small JSON body parsed by a pydantic model, at the same rate as (b)), measured in the same
    run. Every latency below is printed with its ratio to the matching baseline.
(b) **POST /check** (a list for the next pause day, on the 2023 ledger) sent open-loop at
    ``--rate`` requests/s (default 200) for ``--seconds`` s: p50/p99 of each request's time from
    when it was sent; how far the sender fell behind its schedule is printed too.
(c) **GET /status**, one request at a time: on the 2023 example ledger (42 events) and on a
    ledger of ``--events`` entries (default 10,000: the 2023 events and synthetic claims,
    recorded through ``truce.ledger.record.record`` in batches of 1,000). Three ways each: a
    mediator's repeated request (the status is cached until the log grows), a reader's
    (the same, plus the reader's redaction), and a mediator's with a distinct ``?at=`` each
    time (no cache: the whole replay).
(d) **Stream fan-out**: ``--subscribers`` (default 100) ``GET .../stream`` subscribers (SSE,
    one httpx stream each, asyncio), then ``--appends`` appends of one claim each, one at a
    time: for each append, the time from sending the ``POST /events`` until each subscriber had
    its ``append`` frame; p50/p99 across subscribers per append, then summarised over appends.
(e) **PostgreSQL single-event appends**: ``record()`` of one claim on a ledger directory whose
    store is the server (``LedgerDir.init(..., store="postgresql+psycopg://...")``) beside a raw
    psycopg ``INSERT`` + ``COMMIT`` of a row of the same size into a table with the store's
    columns and keys, timed in alternating blocks on the same server in the same run. The ratio
    printed is raw time / truce time (truce's rate as a share of raw; target >= 0.5x,
    informational). The server is ``--pg-url`` or ``TRUCE_PG_URL``, else a throwaway one
    (``tests/pgserver.py``, as benchmarks/ledger.py starts it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from machine import (  # benchmarks/machine.py (this folder is on sys.path)
    SMOKE_BANNER,
    describe,
    pg_server,
)

ROOT = Path(__file__).resolve().parent.parent
GAZA = ROOT / "examples" / "gaza-2023"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BATCH = 1000
CHECK_BODY = {"live": 7, "bodies": 3, "at": "2023-11-30T05:00+02:00"}


# ---------------------------------------------------------------- ledgers


class Clock:
    """Log stamps one millisecond apart (ordered, never in the future of the next)."""

    def __init__(self, t: datetime = NOW) -> None:
        self.t = t

    def __call__(self) -> datetime:
        self.t += timedelta(milliseconds=1)
        return self.t


def claim(i: int, who: str = "hamas", recorded_by: str = "qatar") -> dict[str, Any]:
    return {
        "id": f"bench-claim-{i:06d}",
        "type": "claim",
        "at": "2023-11-28T12:00+02:00",
        "recorded_at": "2023-11-28T12:00+02:00",
        "declared_by": who,
        "recorded_by": recorded_by,
        "text": f"synthetic statement {i}",
    }


def build_ledger(path: Path, size: int | None, store: str = "sqlite") -> Path:
    """The 2023 example's terms and events; with ``size``, synthetic claims up to that many
    entries, recorded through ``record`` in batches of ``BATCH``."""
    from truce.events import EVENT_ADAPTER
    from truce.ledger.directory import LedgerDir
    from truce.ledger.record import record

    clock = Clock()
    with LedgerDir.init(path, GAZA / "terms.toml", at=NOW, store=store) as d:
        lines = (GAZA / "ledger.jsonl").read_text().splitlines()
        evs = [EVENT_ADAPTER.validate_python(json.loads(x)) for x in lines]
        record(d, evs, [f"seed:{e.id}" for e in evs], clock=clock)
        n, i = len(d.all_records), 0
        while size is not None and n < size:
            batch = []
            for _ in range(min(BATCH, size - n)):
                i += 1
                batch.append(EVENT_ADAPTER.validate_python(claim(i, ("hamas", "israel")[i % 2])))
            record(d, batch, [f"bench:{e.id}" for e in batch], clock=clock)
            n = len(d.all_records)
    return path


def new_token(path: Path, role: str) -> str:
    from truce.ledger.tokens import Role, TokenStore

    return TokenStore(path).new(Role.parse(role), None, NOW)[0]


def ledger_id(path: Path) -> str:
    from truce.ledger.directory import LedgerDir

    with LedgerDir.open(path) as d:
        return d.ledger_id


# ---------------------------------------------------------------- the server (a subprocess)


class BareBody(BaseModel):
    """The bare POST route's body: the shape of (b)'s check, parsed and nothing else."""

    live: int = 0
    bodies: int = 0
    at: str | None = None


def serve(spec: dict[str, Any]) -> None:
    """``--serve``: the truce app and the bare app, each on its own port, in this process."""
    import uvicorn
    from fastapi import FastAPI

    from truce.service.app import create_app
    from truce.service.settings import Settings

    bare = FastAPI()

    @bare.get("/bare")
    def get_bare() -> dict[str, bool]:
        return {"ok": True}

    @bare.post("/bare")
    def post_bare(body: BareBody) -> dict[str, int]:
        return {"live": body.live}

    app = create_app(
        spec["ledgers"], settings=Settings(rate=1e9, burst=10**9, max_subscribers=10_000)
    )
    servers = [
        uvicorn.Server(
            uvicorn.Config(a, host="127.0.0.1", port=p, log_level="warning", access_log=False)
        )
        for a, p in ((app, spec["port"]), (bare, spec["bare_port"]))
    ]

    async def both() -> None:
        await asyncio.gather(*(s.serve() for s in servers))

    asyncio.run(both())


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(ledgers: list[Path], log: Path) -> Iterator[tuple[str, str]]:
    """Start the server subprocess; the truce and bare base URLs once both answer."""
    spec = {"ledgers": [str(p) for p in ledgers], "port": free_port(), "bare_port": free_port()}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", json.dumps(spec)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base, bare = f"http://127.0.0.1:{spec['port']}", f"http://127.0.0.1:{spec['bare_port']}"
    try:
        deadline = time.monotonic() + 60
        for url in (f"{base}/healthz", f"{bare}/bare"):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited {proc.returncode}:\n{log.read_text()}")
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer {url}:\n{log.read_text()}")
                time.sleep(0.05)
        yield base, bare
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- measuring


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values``, in milliseconds."""
    s = sorted(values)
    return 1000 * s[min(len(s) - 1, max(0, round(q * len(s)) - 1))]


def show(name: str, lat: list[float], base: list[float] | None = None, note: str = "") -> None:
    out = f"{name}: p50 {pct(lat, 0.5):.2f} ms, p99 {pct(lat, 0.99):.2f} ms ({len(lat):,} requests"
    if base is not None:
        out += (
            f"; bare route p50 {pct(base, 0.5):.2f} ms, p99 {pct(base, 0.99):.2f} ms; "
            f"ratio p50 {pct(lat, 0.5) / pct(base, 0.5):.1f}x, "
            f"p99 {pct(lat, 0.99) / pct(base, 0.99):.1f}x"
        )
    print(out + ")" + (f" {note}" if note else ""), flush=True)


@dataclass
class Run:
    """Latencies of one series, and how late the sender was against its schedule."""

    latency: list[float]
    late: float = 0.0


async def sequential(
    client: httpx.AsyncClient, n: int, method: str, url: str | list[str], **kw: Any
) -> Run:
    """``n`` requests one after another (``url`` cycled when a list); each must be 2xx."""
    urls = url if isinstance(url, list) else [url]
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        r = await client.request(method, urls[i % len(urls)], **kw)
        lat.append(time.perf_counter() - t0)
        if not 200 <= r.status_code < 300:
            raise RuntimeError(f"{method} {urls[i % len(urls)]}: {r.status_code} {r.text[:300]}")
    return Run(lat)


async def at_rate(
    client: httpx.AsyncClient, rate: float, seconds: float, method: str, url: str, **kw: Any
) -> Run:
    """Open loop: request i is sent at start + i/rate whatever the earlier ones are doing."""
    n = max(1, int(rate * seconds))
    start = time.perf_counter() + 0.05
    lat: list[float] = [0.0] * n
    late = 0.0

    async def one(i: int) -> None:
        nonlocal late
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        t0 = time.perf_counter()
        late = max(late, t0 - due)
        r = await client.request(method, url, **kw)
        lat[i] = time.perf_counter() - t0
        if not 200 <= r.status_code < 300:
            raise RuntimeError(f"{method} {url}: {r.status_code} {r.text[:300]}")

    await asyncio.gather(*(one(i) for i in range(n)))
    return Run(lat, late)


def client(**kw: Any) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    return httpx.AsyncClient(timeout=60, limits=limits, **kw)


# ---------------------------------------------------------------- (a)-(c)


async def requests_sections(
    base: str,
    bare: str,
    ids: dict[str, str],
    auth: dict[str, dict[str, dict[str, str]]],
    args: Any,
) -> None:
    """(a), (b), (c). ``auth``: per ledger ("2023", "big"), headers per role."""
    small = ids["2023"]
    med, rdr = auth["2023"]["mediator"], auth["2023"]["reader"]
    async with client() as c:
        for _ in range(20):  # connections open, code paths warm
            await c.get(f"{bare}/bare")
            await c.post(f"{bare}/bare", json=CHECK_BODY)
            await c.post(f"{base}/v1/agreements/{small}/check", json=CHECK_BODY, headers=med)

        print("(a) bare FastAPI route (baseline), same server process:", flush=True)
        get_bare = await sequential(c, args.requests, "GET", f"{bare}/bare")
        show("    GET /bare, one at a time", get_bare.latency)
        post_bare = await at_rate(
            c, args.rate, args.seconds, "POST", f"{bare}/bare", json=CHECK_BODY
        )
        show(
            f"    POST /bare at {args.rate:g} requests/s for {args.seconds:g} s",
            post_bare.latency,
            note=f"sender at most {1000 * post_bare.late:.1f} ms behind schedule",
        )

        url = f"{base}/v1/agreements/{small}/check"
        chk = await at_rate(c, args.rate, args.seconds, "POST", url, json=CHECK_BODY, headers=rdr)
        show(
            f"(b) POST /check at {args.rate:g} requests/s for {args.seconds:g} s, 2023 ledger",
            chk.latency,
            post_bare.latency,
            note=f"sender at most {1000 * chk.late:.1f} ms behind schedule",
        )

        print("(c) GET /status, one at a time:", flush=True)
        for name, key, size in (
            ("2023 ledger", "2023", args.small_size),
            ("synthetic ledger", "big", args.events),
        ):
            url = f"{base}/v1/agreements/{ids[key]}/status"
            med, rdr = auth[key]["mediator"], auth[key]["reader"]
            t0 = time.perf_counter()
            r = await c.get(url, headers=med)
            first = time.perf_counter() - t0
            assert r.status_code == 200, r.text
            print(f"    {name} ({size:,} entries): first request {1000 * first:.1f} ms", flush=True)
            run = await sequential(c, args.requests, "GET", url, headers=med)
            show("      mediator, repeated (cached)", run.latency, get_bare.latency)
            await c.get(url, headers=rdr)
            run = await sequential(c, args.requests, "GET", url, headers=rdr)
            show("      reader, repeated (cached, redacted)", run.latency, get_bare.latency)
            distinct = [
                f"{url}?at=2023-11-30T05:{i // 60 % 60:02d}:{i % 60:02d}%2B02:00"
                for i in range(args.requests)
            ]
            run = await sequential(c, args.requests, "GET", distinct, headers=med)
            show("      mediator, distinct ?at= (uncached)", run.latency, get_bare.latency)


# ---------------------------------------------------------------- (d)


async def fanout(base: str, lid: str, tokens: dict[str, dict[str, str]], args: Any) -> None:
    url = f"{base}/v1/agreements/{lid}"
    arrived: dict[int, list[float]] = {}
    ready = 0
    all_ready = asyncio.Event()

    async def subscriber(c: httpx.AsyncClient, after: int) -> None:
        nonlocal ready
        headers = tokens["reader"] | {"Last-Event-ID": str(after)}
        async with c.stream("GET", f"{url}/stream", headers=headers) as resp:
            assert resp.status_code == 200, await resp.aread()
            event, seq = None, None
            async for line in resp.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("id: "):
                    seq = int(line[4:])
                elif line == "":
                    if event == "append" and seq is not None:
                        arrived.setdefault(seq, []).append(time.perf_counter())
                    elif event == "status" and ready < args.subscribers:
                        ready += 1
                        if ready == args.subscribers:
                            all_ready.set()
                    event, seq = None, None

    async with client() as subs, client() as writer:
        size = (await writer.get(url, headers=tokens["reader"])).json()["size"]
        tasks = [asyncio.create_task(subscriber(subs, size)) for _ in range(args.subscribers)]
        t0 = time.perf_counter()
        await asyncio.wait_for(all_ready.wait(), 120)
        print(
            f"(d) stream fan-out: {args.subscribers} subscribers connected in "
            f"{time.perf_counter() - t0:.2f} s; {args.appends} appends, one at a time",
            flush=True,
        )
        p50s, p99s, post = [], [], []
        for i in range(args.appends):
            body = {"events": [{"event": claim(900_000 + i, "hamas", "hamas")}]}
            t_send = time.perf_counter()
            r = await writer.post(f"{url}/events", json=body, headers=tokens["hamas"])
            post.append(time.perf_counter() - t_send)
            assert r.status_code == 201, r.text
            seq = r.json()["added"][0]
            deadline = time.monotonic() + 30
            while len(arrived.get(seq, [])) < args.subscribers:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"append {seq}: {len(arrived.get(seq, []))} deliveries")
                await asyncio.sleep(0.002)
            lat = [t - t_send for t in arrived[seq]]
            p50s.append(pct(lat, 0.5))
            p99s.append(pct(lat, 0.99))
            await asyncio.sleep(0.05)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    p50s.sort()
    p99s.sort()
    print(
        f"    delivery, send of POST /events -> append frame at each subscriber: "
        f"p50 across subscribers {p50s[len(p50s) // 2]:.1f} ms (median over appends; "
        f"{p50s[0]:.1f}-{p50s[-1]:.1f}), p99 across subscribers {p99s[len(p99s) // 2]:.1f} ms "
        f"(median over appends; worst {p99s[-1]:.1f})",
        flush=True,
    )
    show("    the POST /events itself (201)", post)


# ---------------------------------------------------------------- (e)


def postgres(url: str | None, n: int, block: int, tmp: Path) -> None:
    import psycopg

    from truce.events import EVENT_ADAPTER
    from truce.ledger.directory import LedgerDir, event_json
    from truce.ledger.log import merkle
    from truce.ledger.log.leaf import encode_leaf
    from truce.ledger.record import record

    tag = f"{os.getpid()}_{int(time.time())}"
    raw_table = f"truce_bench_raw_{tag}"
    with pg_server(url) as url:
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        conn = psycopg.connect(dsn, autocommit=True)
        version = conn.execute("SHOW server_version").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
        sync = conn.execute("SHOW synchronous_commit").fetchone()
        assert version is not None and fsync is not None and sync is not None
        print(
            f"(e) PostgreSQL {version[0]} (fsync={fsync[0]}, synchronous_commit={sync[0]}): "
            f"single-event appends, {n} each, alternating blocks of {block}",
            flush=True,
        )
        d = LedgerDir.init(tmp / "pg-ledger", GAZA / "terms.toml", at=NOW, store=url)
        lid = d.ledger_id
        try:
            conn.execute(
                f"CREATE TABLE {raw_table}(ledger varchar(200), seq bigint, event_id text NOT "
                "NULL, type text NOT NULL, party text NOT NULL, visibility text NOT NULL, "
                "data bytea NOT NULL, hash bytea NOT NULL, PRIMARY KEY (ledger, seq), "
                "UNIQUE (ledger, event_id))"
            )
            ins = (
                f"INSERT INTO {raw_table}(ledger, seq, event_id, type, party, visibility, data, "
                "hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            )
            clock = Clock()
            evs = [EVENT_ADAPTER.validate_python(claim(i)) for i in range(1, n + 1)]
            leaves = [encode_leaf(lid, event_json(e), "public", None, NOW) for e in evs]
            rows = [
                (
                    *("raw", i + 1, lf.event_id, lf.type, lf.party, lf.visibility, lf.data),
                    merkle.leaf_hash(lf.data),
                )
                for i, lf in enumerate(leaves)
            ]
            cur = conn.cursor()
            t_raw = t_ours = 0.0
            for a in range(0, n, block):
                b = min(a + block, n)
                t0 = time.perf_counter()
                for r in rows[a:b]:
                    with conn.transaction():
                        cur.execute(ins, r)
                t1 = time.perf_counter()
                for e in evs[a:b]:
                    record(d, [e], [f"bench:{e.id}"], clock=clock)
                t_raw += t1 - t0
                t_ours += time.perf_counter() - t1
            assert d.store.head().size == n + 1
            size = sum(len(lf.data) for lf in leaves) / n
            ratio = t_raw / t_ours
            print(
                f"    record() of one claim: {n / t_ours:,.0f} events/s ({1000 * t_ours / n:.2f} "
                f"ms each); raw psycopg INSERT + COMMIT of a {size:.0f}-byte row: "
                f"{n / t_raw:,.0f}/s ({1000 * t_raw / n:.2f} ms each); raw/truce (time) "
                f"{ratio:.2f}x [target >= 0.5x: {'PASS' if ratio >= 0.5 else 'MISS'}]",
                flush=True,
            )
        finally:
            d.close()
            conn.execute(f"DROP TABLE IF EXISTS {raw_table}")
            for table in ("truce_entry", "truce_head", "truce_meta", "truce_checkpoint"):
                with contextlib.suppress(psycopg.Error):
                    conn.execute(f"DELETE FROM {table} WHERE ledger = %s", (lid,))
            conn.close()


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    ap.add_argument("--rate", type=float, default=200.0, help="(b) requests/s (default 200)")
    ap.add_argument("--seconds", type=float, default=10.0, help="(b) seconds (default 10)")
    ap.add_argument("--requests", type=int, default=500, help="(a), (c): requests per series")
    ap.add_argument("--events", type=int, default=10_000, help="(c) the big ledger's entries")
    ap.add_argument("--subscribers", type=int, default=100, help="(d) stream subscribers")
    ap.add_argument("--appends", type=int, default=20, help="(d) appends delivered")
    ap.add_argument("--pg-appends", type=int, default=500, help="(e) appends on each side")
    ap.add_argument("--no-postgres", action="store_true", help="skip (e)")
    ap.add_argument(
        "--pg-url",
        default=os.environ.get("TRUCE_PG_URL"),
        help="PostgreSQL server for (e) (default TRUCE_PG_URL, else a throwaway one; smoke: skip)",
    )
    ap.add_argument(
        "--smoke", action="store_true", help="every section tiny, once, in seconds (CI)"
    )
    args = ap.parse_args(argv)
    if args.serve:
        serve(json.loads(args.serve))
        return 0
    if args.smoke:
        print(SMOKE_BANNER)
        args.seconds, args.requests, args.events = 0.5, 20, 2_000
        args.subscribers, args.appends, args.pg_appends = 10, 2, 10

    import fastapi
    import uvicorn

    print(
        "machine: "
        + describe(
            f"; FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}, "
            f"httpx {httpx.__version__}"
        ),
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="truce-bench-service-") as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        small = build_ledger(tmp / "gaza-2023", None)
        big = build_ledger(tmp / "big", args.events)
        args.small_size = len((GAZA / "ledger.jsonl").read_text().splitlines()) + 1
        print(
            f"ledgers: the 2023 example ({args.small_size} entries) and {args.events:,} entries "
            f"(built in {time.perf_counter() - t0:.1f} s, not timed below)",
            flush=True,
        )
        roles = {"mediator": "mediator:qatar", "reader": "reader", "hamas": "party:hamas"}
        auth = {  # a token belongs to one ledger directory
            key: {
                name: {"Authorization": f"Bearer {new_token(path, role)}"}
                for name, role in roles.items()
            }
            for key, path in (("2023", small), ("big", big))
        }
        ids = {"2023": ledger_id(small), "big": ledger_id(big)}
        with server([small, big], tmp / "server.log") as (base, bare):
            asyncio.run(requests_sections(base, bare, ids, auth, args))
            asyncio.run(fanout(base, ids["2023"], auth["2023"], args))
        if args.no_postgres:
            print("(e) PostgreSQL: skipped (--no-postgres)")
        elif args.smoke and not args.pg_url:
            print("(e) PostgreSQL: skipped (smoke run without --pg-url or TRUCE_PG_URL)")
        else:
            try:
                postgres(args.pg_url, args.pg_appends, max(1, min(50, args.pg_appends // 2)), tmp)
            except Exception as exc:  # a missing server is reported, not fatal ...
                if args.smoke:  # ... but a smoke run was given its server: a failure is real
                    raise
                print(f"(e) PostgreSQL: skipped ({type(exc).__name__}: {exc})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
