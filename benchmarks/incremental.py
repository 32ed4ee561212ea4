"""Incremental state: judging an append from the state before it, by where the append lands.

Run ``.venv/bin/python benchmarks/incremental.py`` (100 pause days x 1,000 events = 100,000) or
``--days N``; ``--smoke`` runs every section on 2 days once, in seconds (for CI). The ledger is
benchmarks/engine.py's synthetic one. Each figure is the median of ``--repeat`` calls of
``Incremental.check`` (what ``record`` judges before it stores an event; nothing is kept), and
each is printed as a ratio to the baseline measured in the same run: tallying the whole history
again (what every correction or late event cost before the tally could be taken back).

1. an event at the end (tallied on its own);
2. a correction of an event of the last pause day (the tally is taken back to that day's start);
3. a late event dated in the middle of the ledger (taken back to its day);
4. a correction of an event of day 1 (taken back to the start: about the baseline).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from engine import PER_DAY, bench_terms, build_events  # benchmarks/engine.py (same folder)
from machine import SMOKE_BANNER, describe  # benchmarks/machine.py
from truce.engine.incremental import Incremental
from truce.events import CaptivesReleased, Event
from truce.terms import Terms


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def release_on(events: list[Event], day_start: int, per_day: int) -> CaptivesReleased:
    """The first framework release among one day's events."""
    for ev in events[day_start : day_start + per_day]:
        if isinstance(ev, CaptivesReleased) and ev.track == "framework" and ev.live:
            return ev
    raise AssertionError("no framework release on that day")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--days", type=int, default=100, help="pause days of 1,000 events")
    ap.add_argument("--repeat", type=int, default=9, help="calls per timing, median kept")
    ap.add_argument("--smoke", action="store_true", help="2 days, each timing once")
    args = ap.parse_args(argv)
    if args.smoke:
        print(SMOKE_BANNER, flush=True)
        args.days, args.repeat = 2, 1
    print(describe(), flush=True)
    terms: Terms = bench_terms()
    events = build_events(terms, args.days)
    n = len(events)
    print(f"ledger: {args.days} pause days x {PER_DAY} events = {n:,} events", flush=True)
    inc = Incremental(terms)
    inc.extend(events)
    inc.state()

    def full() -> None:  # the same history, tallied from the start
        Incremental(terms, history=inc.history).state()

    base = median_ms(full, max(1, args.repeat // 3))
    print(f"baseline: select, tally and judge the whole history: {base:,.1f} ms", flush=True)

    last = events[-1]
    at_end = last.model_copy(update={"id": "bench-end"})
    fix_last = release_on(events, n - PER_DAY, PER_DAY)
    fix_last = fix_last.model_copy(update={"id": "bench-fix-last", "supersedes": fix_last.id})
    mid = events[n // 2 + PER_DAY // 3].model_copy(update={"id": "bench-late"})
    first = release_on(events, 0, PER_DAY)
    fix_first = first.model_copy(update={"id": "bench-fix-first", "supersedes": first.id})
    cases = [
        ("(1) an event at the end", at_end),
        ("(2) a correction of an event of the last day", fix_last),
        ("(3) a late event dated mid-ledger", mid),
        ("(4) a correction of an event of day 1", fix_first),
    ]
    for title, ev in cases:
        ms = median_ms(lambda ev=ev: inc.check([ev]), args.repeat)
        print(f"{title}: {ms:,.2f} ms ({ms / base:.3f}x the baseline)", flush=True)
    print(
        f"(kept state: {inc.fast} tallied on their own, {inc.resumed} taken back to a day, "
        f"{inc.full} tallied from the start)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
