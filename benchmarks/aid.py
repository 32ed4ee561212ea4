"""Aid model throughput: the queue simulation beside a bare SimPy loop, ceilings, a Dec 2023 run.

Run ``.venv/bin/python benchmarks/aid.py`` (about 1-2 minutes) or add ``--quick``; ``--smoke``
runs every section at a tiny size, once, in seconds (for CI: the numbers mean nothing).

(a) **Queue simulation, 10-node route**: a chain of 10 nodes (staging, 8 stations, reception),
    every node a station open 24 h with 4 lanes and exponential 8-minute service (720 trucks/day
    each), Poisson arrivals of 500 trucks/day. A *truck-day* is one truck of one simulated day's
    arrivals taken through the whole route, so truck-days/s is trucks through all 10 nodes per
    second of wall time.
(b) **Bare SimPy loop** of the same size in the same run: the same 10 ``simpy.Resource`` s, lanes,
    arrivals and service times (``random.expovariate``), with no opening hours, no statistics, no
    routing. "simulation / bare loop" is how many times the bare loop's time the simulation takes.
(c) **Ceilings/s**: ``truce.aid.ceiling.ceiling`` of the 10-node route (max flow) and of the
    shipped ``ks-entry`` variant (linear program), including the limiting-node checks.
(d) **Dec 2023**: the shipped ``ks-entry`` variant (from 17 Dec 2023) for 90 days, 20
    replications: trucks arrive at 200/day (the pause commitment) on top of a day-0 backlog of 500
    (the trucks Egypt moved to the Rafah waiting area before the pause, aid-crossings.md 2.2).
(e) **The route calendar, Dec 2023 - Feb 2024** (91 days): the ceiling series (the route on each
    day, each distinct day's ceiling computed once) and the daily queue model with the committed
    fitted values (20 replications), as ``truce aid ROUTE --from 2023-12-01 --to 2024-02-29`` runs
    them; ``--smoke``: 1-7 Dec 2023, 2 replications.

Every timing is ``time.perf_counter``, best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Generator
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import simpy

from machine import (
    SMOKE_BANNER,
    best,
    describe,
)  # benchmarks/machine.py (this folder is on sys.path)
from truce.aid.queue import QueueSettings, simulate
from truce.aid.route import Network, Route, load_route, parse_route, resolve

ROOT = Path(__file__).resolve().parent.parent
ROUTE_FILE = ROOT / "examples" / "gaza-2023" / "route.toml"
NODES = 10
LANES = 4
SERVICE_MIN = 8.0
ARRIVALS = 500.0


def chain_route() -> Route:
    ids = [f"n{i}" for i in range(NODES)]
    kinds = ["staging", *["other"] * (NODES - 2), "reception"]
    nodes = [
        {
            "id": nid,
            "name": nid,
            "kind": kind,
            "lanes": LANES,
            "hours_per_day": 24,
            "service_minutes": SERVICE_MIN,
            "service_cv": 1.0,
        }
        for nid, kind in zip(ids, kinds, strict=True)
    ]
    edges = [{"from": a, "to": b} for a, b in pairwise(ids)]
    data = {"route": {"name": "bench", "timezone": "UTC"}, "node": nodes, "edge": edges}
    return parse_route(data, where="bench")


def bare_loop(days: float, seed: int) -> int:
    """The same queueing network in plain SimPy: trucks through, no statistics."""
    rnd = random.Random(seed)
    env = simpy.Environment()
    res = [simpy.Resource(env, capacity=LANES) for _ in range(NODES)]
    done = [0]
    end = days * 1440

    def truck() -> Generator[Any, Any, None]:
        for r in res:
            with r.request() as req:
                yield req
                yield env.timeout(rnd.expovariate(1 / SERVICE_MIN))
        done[0] += 1

    def source() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(rnd.expovariate(ARRIVALS / 1440))
            env.process(truck())

    env.process(source())
    env.run(until=end)
    return done[0]


def per_second(fn: Callable[[], Any], seconds: float) -> float:
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return n / dt


def machine() -> str:
    return describe("; SimPy " + simpy.__version__)


def show_dec(net: Network, days: int, reps: int) -> None:
    settings = QueueSettings(
        days=days, arrivals_per_day=200, backlog=500, replications=reps, seed=2023
    )
    t = time.perf_counter()
    sim = simulate(net, settings)
    dt = time.perf_counter() - t
    trucks = sum(sum(r.received_daily) for r in sim.replications)
    print(
        f"(d) {net.variant}: {days} days x {reps} replications in {dt:.2f} s "
        f"({trucks:,} trucks received, {days * reps / dt:,.0f} simulated days/s)"
    )

    def iv(e: Any, unit: str = "", places: int = 1) -> str:
        return f"{e.mean:.{places}f}{unit} [{e.low:.{places}f}, {e.high:.{places}f}]"

    print(f"    received/day: {iv(sim.received_per_day)}")
    for k, e in sim.entered_per_day.items():
        print(f"    entered via {k}/day: {iv(e)}")
    for k, e in sim.by_path_per_day.items():
        print(f"    path {k}/day: {iv(e)}")
    for n in sim.nodes.values():
        if n.utilisation is None:
            continue
        assert n.wait_mean_hours is not None and n.wait_p95_hours is not None
        print(
            f"    {n.id}: utilisation {iv(n.utilisation, places=3)}, queue {iv(n.queue_mean)} "
            f"(p95 {n.queue_p95.mean:.0f}), wait {iv(n.wait_mean_hours, ' h')} "
            f"(p95 {n.wait_p95_hours.mean:.1f} h)"
        )
    print(
        f"    rejected {iv(sim.rejected)} per run, all returned to staging; backlog cleared "
        + (
            f"on day {iv(sim.backlog_cleared_day)}"
            if sim.backlog_cleared_day is not None
            else "in no replication"
        )
        + (f" ({sim.backlog_uncleared} did not clear)" if sim.backlog_uncleared else "")
    )


def show_calendar(gaza: Route, smoke: bool, repeat: int) -> None:
    from truce.aid.daily.days import ceiling_series
    from truce.aid.daily.fit import fitted_of
    from truce.aid.daily.fit_file import load_fit_file
    from truce.aid.daily.queue import simulate_days

    fit = load_fit_file(ROUTE_FILE.parent / "route-calendar-fit.toml")
    fitted = fitted_of(fit, fit.fitted_values())
    start, end = date(2023, 12, 1), date(2023, 12, 7) if smoke else date(2024, 2, 29)
    reps = 2 if smoke else 20
    ndays = (end - start).days + 1
    t_c, series = best(lambda: ceiling_series(gaza, start, end, fitted), repeat)
    t_q, sim = best(
        lambda: simulate_days(gaza, start, end, fitted=fitted, replications=reps, seed=0), repeat
    )
    print(
        f"(e) calendar {start} to {end} ({ndays} days): ceiling series {t_c:.2f} s "
        f"({ndays / t_c:,.0f} days/s); daily queue model x {reps} replications {t_q:.2f} s "
        f"({ndays * reps / t_q:,.0f} replication-days/s; mean received "
        f"{sum(d.received.mean for d in sim.days) / ndays:.1f}/day, {len(series)} days)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (about 20 s)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing, best kept")
    ap.add_argument(
        "--smoke", action="store_true", help="every section tiny, once, in seconds (CI)"
    )
    args = ap.parse_args(argv)
    if args.smoke:
        print(SMOKE_BANNER)
    days = 2 if args.smoke else 20 if args.quick else 100
    repeat = 1 if args.quick or args.smoke else args.repeat
    print(f"machine: {machine()}")

    net = resolve(chain_route())
    settings = QueueSettings(days=days, arrivals_per_day=ARRIVALS, replications=1, seed=1)
    t_sim, sim = best(lambda: simulate(net, settings), repeat)
    through = sum(sim.replications[0].received_daily)
    t_bare, bare = best(lambda: bare_loop(days, 1), repeat)
    print(
        f"(a) simulation, {NODES}-node route, {days} days at {ARRIVALS:.0f} trucks/day: "
        f"{t_sim:.2f} s, {through:,} trucks through: {through / t_sim:,.0f} truck-days/s "
        f"({through * NODES / t_sim:,.0f} node visits/s)"
    )
    print(
        f"(b) bare SimPy loop, same size: {t_bare:.2f} s, {bare:,} trucks through: "
        f"{bare / t_bare:,.0f} truck-days/s"
    )
    print(f"    simulation / bare loop: {(t_sim / through) / (t_bare / bare):.2f}x (per truck)")

    try:
        from truce.aid.ceiling import ceiling
    except ImportError as exc:  # pragma: no cover - the aid extra is missing
        print(f"(c) ceilings: skipped ({exc})")
    else:
        chain = chain_route()
        gaza = load_route(ROUTE_FILE)
        secs = 0.05 if args.smoke else 1.0 if args.quick else 3.0
        print(
            f"(c) ceilings/s: {NODES}-node route (max flow) "
            f"{per_second(lambda: ceiling(chain), secs):,.0f}/s; "
            f"ks-entry (LP) {per_second(lambda: ceiling(gaza, 'ks-entry'), secs):,.1f}/s"
        )

    gaza = load_route(ROUTE_FILE)
    if args.smoke:
        dec_days, dec_reps = 3, 2
    else:
        dec_days, dec_reps = (30, 5) if args.quick else (90, 20)
    show_dec(resolve(gaza, "ks-entry"), dec_days, dec_reps)
    show_calendar(gaza, args.smoke, repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
