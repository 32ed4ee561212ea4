"""Load, bounded, on loopback: ``CLIENTS`` client threads against a real uvicorn server (the
``live`` fixture) for a fixed time, mixing reads (status, a page of events, now and then a
verify), checks and appends (unique claims declared by party:hamas and party:israel, each with
its own Idempotency-Key, a few re-sent with the same key as a client retrying would).

Asserted: no errors (any non-2xx, or a failed request, is one), no appended event lost or
stored twice (every 201's events appear exactly once, at the sequence numbers it returned, in
the mediator's walk of ``GET /events``, and the count matches), idempotent retries answered
with the first response, and the log verifies afterwards. Latencies are printed per kind (p50,
p99), never asserted. The ``deep`` run is the same code for ``DEEP_DURATION`` seconds.

The clients share the process (and the GIL) with the server, as the ``live`` fixture runs it:
latencies here include that contention. Rates stay well inside the fixture's limits (10,000
requests a second per token)."""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.service.conftest import Live
from truce.app.ledger import verify_ledger

CLIENTS = 20
DURATION = 8.0
"""Seconds of load in CI."""
DEEP_DURATION = 30.0
"""Seconds of load under ``-m deep``."""
RETRY_SHARE = 0.05
"""Share of appends re-sent with the same Idempotency-Key and body."""
READ_ROLES = ("reader", "witness", "party:hamas", "party:israel", "mediator:qatar")


def claim(event_id: str, who: str, i: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "claim",
        "at": "2023-11-30T07:00+02:00",
        "recorded_at": "2023-11-30T07:00+02:00",
        "declared_by": who,
        "recorded_by": who,
        "text": f"load statement {i}",
    }


@dataclass
class Tally:
    """What the clients saw, shared between their threads (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    appended: dict[str, int] = field(default_factory=dict)
    """Event id -> the seq its 201 returned."""
    retries: int = 0

    def took(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latency[kind].append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def client(live: Live, n: int, until: float, tally: Tally) -> None:
    """One client: requests of a random kind, one after another, until ``until``."""
    rnd = random.Random(n)
    i = 0
    with httpx.Client(timeout=60) as c:

        def call(kind: str, method: str, url: str, **kw: Any) -> httpx.Response | None:
            t0 = time.perf_counter()
            try:
                r = c.request(method, url, **kw)
            except httpx.HTTPError as exc:
                tally.error(f"{kind}: {type(exc).__name__}: {exc}")
                return None
            tally.took(kind, time.perf_counter() - t0)
            if not 200 <= r.status_code < 300:
                tally.error(f"{kind} {method} {url}: {r.status_code} {r.text[:300]}")
                return None
            return r

        while time.monotonic() < until:
            x = rnd.random()
            role = rnd.choice(READ_ROLES)
            if x < 0.02:
                call("verify", "GET", live.url("/verify"), headers=live.auth(role))
            elif x < 0.30:
                call("status", "GET", live.url("/status"), headers=live.auth(role))
            elif x < 0.50:
                after = rnd.randrange(0, 60)
                call(
                    "events",
                    "GET",
                    live.url(f"/events?after_seq={after}&limit=100"),
                    headers=live.auth(role),
                )
            elif x < 0.70:
                body = {
                    "live": rnd.randrange(0, 20),
                    "bodies": rnd.randrange(0, 3),
                    "at": "2023-11-30T05:00+02:00",
                }
                call("check", "POST", live.url("/check"), json=body, headers=live.auth(role))
            else:
                i += 1
                who = rnd.choice(("hamas", "israel"))
                eid = f"load-{who}-{n}-{i}"
                headers = live.auth(f"party:{who}") | {"Idempotency-Key": uuid.uuid4().hex}
                body = {"events": [{"event": claim(eid, who, i)}]}
                r = call("append", "POST", live.url("/events"), json=body, headers=headers)
                if r is None:
                    continue
                added = r.json()["added"]
                if len(added) != 1:
                    tally.error(f"append {eid}: 201 with added={added}")
                    continue
                with tally.lock:
                    tally.appended[eid] = added[0]
                if rnd.random() < RETRY_SHARE:
                    again = call("append", "POST", live.url("/events"), json=body, headers=headers)
                    with tally.lock:
                        tally.retries += 1
                    if again is not None and again.content != r.content:
                        tally.error(f"retry of {eid}: {again.text[:200]} != {r.text[:200]}")


def walk(live: Live) -> list[tuple[int, str]]:
    """(seq, event id) of every entry, as the mediator pages through ``GET /events``."""
    out: list[tuple[int, str]] = []
    after = 0
    with httpx.Client(timeout=60) as c:
        while True:
            r = c.get(
                live.url(f"/events?after_seq={after}&limit=1000"),
                headers=live.auth("mediator:qatar"),
            )
            assert r.status_code == 200, r.text
            page = r.json()
            out += [(e["seq"], e["event"]["id"]) for e in page["items"]]
            if page["next_after_seq"] is None:
                return out
            after = page["next_after_seq"]


def ms(values: list[float], q: float) -> float:
    """The q-quantile of ``values`` in milliseconds (nearest rank)."""
    s = sorted(values)
    return 1000 * s[min(len(s) - 1, max(0, round(q * len(s)) - 1))]


def run_load(live: Live, duration: float) -> None:
    size0 = httpx.get(live.url(), headers=live.auth("reader")).json()["size"]
    tally = Tally()
    until = time.monotonic() + duration
    t0 = time.perf_counter()
    threads = [
        threading.Thread(target=client, args=(live, n, until, tally), daemon=True)
        for n in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 120)
    elapsed = time.perf_counter() - t0
    assert not any(t.is_alive() for t in threads), "a client did not finish"

    total = sum(len(v) for v in tally.latency.values())
    print(
        f"\nload: {CLIENTS} clients, {elapsed:.1f} s, {total:,} requests "
        f"({total / elapsed:,.0f}/s), {len(tally.appended):,} events appended, "
        f"{tally.retries} idempotent retries, {len(tally.errors)} errors"
    )
    for kind in sorted(tally.latency):
        lat = tally.latency[kind]
        print(
            f"  {kind:<7} {len(lat):>6,}  p50 {ms(lat, 0.5):7.1f} ms  p99 {ms(lat, 0.99):7.1f} ms"
            f"  max {1000 * max(lat):7.1f} ms  mean {1000 * statistics.fmean(lat):7.1f} ms"
        )
    assert not tally.errors, f"{len(tally.errors)} errors, first: {tally.errors[:5]}"
    assert tally.appended, "no append landed"

    entries = walk(live)
    seqs = [s for s, _ in entries]
    assert seqs == sorted(set(seqs)), "the walk repeated or reordered entries"
    ids = Counter(eid for _, eid in entries)
    at = dict((eid, s) for s, eid in entries)
    twice = [eid for eid, k in ids.items() if k > 1]
    assert not twice, f"stored more than once: {twice[:10]}"
    lost = [eid for eid in tally.appended if eid not in ids]
    assert not lost, f"answered 201 but not in the log: {lost[:10]}"
    moved = [eid for eid, s in tally.appended.items() if at[eid] != s]
    assert not moved, f"not at the seq their 201 returned: {moved[:10]}"
    ours = [eid for eid in ids if eid.startswith("load-")]
    assert len(ours) == len(tally.appended), (len(ours), len(tally.appended))
    assert len(entries) == size0 + len(tally.appended)
    assert verify_ledger(live.path).ok


@pytest.mark.timeout(240)
def test_load(live: Live) -> None:
    run_load(live, DURATION)


@pytest.mark.deep
@pytest.mark.timeout(600)
def test_load_deep(live: Live) -> None:
    run_load(live, DEEP_DURATION)
