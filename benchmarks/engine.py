"""Engine throughput: replay of a synthetic ledger, a bare-loop floor, proposal checks, JSON parsing.

Run ``.venv/bin/python benchmarks/engine.py`` (1,000,000 events) or add ``--quick`` (100,000);
``--smoke`` runs every section on 2,000 events once, in seconds (for CI: the numbers mean nothing).
See benchmarks/README.md for what each figure means and the figures measured so far.

The ledger is synthetic but shaped like a real one: ``DAYS`` pause days of ``PER_DAY`` events
(mostly counted releases inside the framework, some outside it, some bodies and uncovered
categories, prisoner releases, aid, credits within the creditable pool, a few claims). The terms
are the Gaza 2023 example with the start moved and the quotas set so that each day's releases
earn exactly one more day: the pause is extended day after day and every event falls inside it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from machine import SMOKE_BANNER, describe  # benchmarks/machine.py (this folder is on sys.path)
from truce.clock import PauseCalendar
from truce.engine.decide import Proposal, check
from truce.engine.state import State, replay
from truce.events import EVENT_ADAPTER, Event
from truce.ledger import Entry, History, load_events_jsonl
from truce.ledger.load import check_no_repeats
from truce.terms import Terms, parse_terms

ROOT = Path(__file__).resolve().parent.parent
TERMS_FILE = ROOT / "examples" / "gaza-2023" / "terms.toml"
PER_DAY = 1000
START = "2030-01-03T07:00"  # local time in the terms' zone (Asia/Jerusalem: DST days included)

# One day's events, by kind: (kind, how many). Counted per day = 560 live + 40 credited = 600.
DAY_MIX: list[tuple[str, int]] = [
    ("live_women", 280),  # captives_released, framework, live=1, covered category
    ("live_children", 280),
    ("bodies", 20),  # framework bodies (body_weight 0 in these terms)
    ("men", 40),  # framework, category not covered
    ("outside", 60),  # outside the framework (creditable later)
    ("credit", 40),  # credit_granted, count=1, toward the current day
    ("prisoners8", 200),  # prisoners_released count=8
    ("prisoners10", 20),  # prisoners_released count=10 (200*8 + 20*10 = 1800 = 3 x 600)
    ("aid", 50),  # aid_delivered, received, 4 trucks (200 = the daily target)
    ("claim", 10),
]
COUNTED_PER_DAY = 600
assert sum(n for _, n in DAY_MIX) == PER_DAY


def bench_terms() -> Terms:
    """The Gaza example terms, moved and re-quoted so that every day earns exactly one more day."""
    data = tomllib.loads(TERMS_FILE.read_text(encoding="utf-8"))
    data["agreement"]["start"] = START
    data["agreement"]["initial_days"] = 1
    data["initial"]["captives"] = COUNTED_PER_DAY
    data["extension"]["captives_per_day"] = COUNTED_PER_DAY
    return parse_terms(data, where="benchmark terms")


def day_pattern(seed: int = 1) -> list[str]:
    """A fixed interleaving of one day's kinds in which every credit is covered by the pool."""
    kinds = [k for k, n in DAY_MIX for _ in range(n)]
    rng = random.Random(seed)
    while True:
        rng.shuffle(kinds)
        outside = credits = 0
        ok = True
        for k in kinds:  # even on day 1 (empty pool), credits never exceed outside releases
            if k == "outside":
                outside += 1
            elif k == "credit":
                credits += 1
                if credits > outside:
                    ok = False
                    break
        if ok:
            return list(kinds)


# Each kind as a user would write it (fields that differ from the defaults). ``id``, ``at``,
# ``recorded_at`` (and ``toward_day``, and a claim's ``declared_by``) are set per event.
KINDS: dict[str, dict[str, Any]] = {
    "live_women": {
        "type": "captives_released",
        "declared_by": "qatar",
        "track": "framework",
        "live": 1,
        "category": "women",
    },
    "live_children": {
        "type": "captives_released",
        "declared_by": "qatar",
        "track": "framework",
        "live": 1,
        "category": "children",
    },
    "bodies": {
        "type": "captives_released",
        "declared_by": "qatar",
        "track": "framework",
        "bodies": 1,
        "category": "women",
    },
    "men": {
        "type": "captives_released",
        "declared_by": "qatar",
        "track": "framework",
        "live": 1,
        "category": "men",
    },
    "outside": {"type": "captives_released", "declared_by": "hamas", "track": "outside", "live": 1},
    "credit": {"type": "credit_granted", "declared_by": "qatar", "toward_day": 1, "count": 1},
    "prisoners8": {"type": "prisoners_released", "declared_by": "israel", "count": 8},
    "prisoners10": {"type": "prisoners_released", "declared_by": "israel", "count": 10},
    "aid": {"type": "aid_delivered", "declared_by": "unrwa", "basis": "received", "trucks": 4},
    "claim": {"type": "claim", "declared_by": "hamas", "text": "a violation is alleged"},
}
assert set(KINDS) == {k for k, _ in DAY_MIX}
PROTOTYPE = {
    "id": "prototype",
    "at": "2030-01-03T05:00:00Z",
    "recorded_at": "2030-01-03T05:00:00Z",
    "recorded_by": "bench",
}


def _maker(mapping: dict[str, Any]) -> Callable[..., Event]:
    """A fast constructor for one kind: ``make(id=..., at=...)`` is the event
    ``EVENT_ADAPTER.validate_python({**mapping, id=..., at=...})`` would give, without
    validating each (several times faster than validation or ``model_construct``).

    The fields come from a prototype the library validates, so a field added to the events
    later is set here with its default (the benchmark cannot drift from the models); each
    kind's first event is checked against full validation in :func:`build_events`.
    """
    proto = EVENT_ADAPTER.validate_python({**PROTOTYPE, **mapping})
    cls = type(proto)
    base = dict(proto.__dict__)
    base_set = frozenset(proto.model_fields_set)
    lists = tuple(k for k, v in base.items() if isinstance(v, list))  # fresh per event
    extra, private = proto.__pydantic_extra__, proto.__pydantic_private__
    new = object.__new__
    put = object.__setattr__

    def make(**values: Any) -> Event:
        fields = {**base, **values}
        for k in lists:
            fields[k] = list(fields[k])
        fields_set = set(base_set)
        fields_set.update(values)
        m = new(cls)
        put(m, "__dict__", fields)
        put(m, "__pydantic_fields_set__", fields_set)
        put(m, "__pydantic_extra__", extra)
        put(m, "__pydantic_private__", private)
        return m

    return make


def build_events(terms: Terms, days: int, per_day: int = PER_DAY) -> list[Event]:
    """``days`` x ``per_day`` events of :data:`KINDS`, with aware UTC ``at``/``recorded_at``,
    built from validated prototypes (see :func:`_maker`); each kind's first event is checked
    equal to what validating its JSON mapping gives."""
    assert terms.agreement.start is not None
    cal = PauseCalendar(terms.agreement.start, terms.agreement.zone)
    bounds = [cal.boundary_ts(k) for k in range(days + 1)]
    pattern = day_pattern()
    if per_day != PER_DAY:
        pattern = [pattern[i % PER_DAY] for i in range(per_day)]
    fromts = datetime.fromtimestamp
    makers = {kind: _maker(mapping) for kind, mapping in KINDS.items()}
    events: list[Event] = []
    append = events.append
    checked: set[str] = set()
    n = 0
    for day in range(1, days + 1):
        t0 = bounds[day - 1]
        step = (bounds[day] - t0) / per_day
        for j, kind in enumerate(pattern):
            n += 1
            at = fromts(round(t0 + (j + 0.5) * step, 3), UTC)
            values: dict[str, Any] = {"id": f"e{n}", "at": at, "recorded_at": at}
            if kind == "credit":
                values["toward_day"] = day
            elif kind == "claim":
                values["declared_by"] = "hamas" if n % 2 else "israel"
            ev = makers[kind](**values)
            if kind not in checked:
                checked.add(kind)
                ref = EVENT_ADAPTER.validate_python({**PROTOTYPE, **KINDS[kind], **values})
                assert ev == ref and ev.model_fields_set == ref.model_fields_set, kind
            append(ev)
    return events


def write_ledger(path: Path, terms: Terms, days: int, per_day: int = PER_DAY) -> int:
    """The same ledger as :func:`build_events`, written straight to a JSON Lines file as a user
    would write it (no event objects made: the million-event file costs no memory here)."""
    assert terms.agreement.start is not None
    cal = PauseCalendar(terms.agreement.start, terms.agreement.zone)
    bounds = [cal.boundary_ts(k) for k in range(days + 1)]
    pattern = day_pattern()
    fromts = datetime.fromtimestamp
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for day in range(1, days + 1):
            t0 = bounds[day - 1]
            step = (bounds[day] - t0) / per_day
            for j, kind in enumerate(pattern):
                n += 1
                at = fromts(round(t0 + (j + 0.5) * step, 3), UTC).isoformat()
                at = at.replace("+00:00", "Z")
                obj = {**KINDS[kind], "id": f"e{n}", "at": at, "recorded_at": at}
                obj["recorded_by"] = "bench"
                if kind == "credit":
                    obj["toward_day"] = day
                elif kind == "claim":
                    obj["declared_by"] = "hamas" if n % 2 else "israel"
                f.write(json.dumps(obj))
                f.write("\n")
    return n


def fresh_process_child(path: Path, days: int) -> int:
    """Run in a fresh process (``--rss-child``): load the ledger file, replay it, check the
    replay as (a) does, and print the times and the peak RSS as one JSON line."""
    terms = bench_terms()
    t0 = time.perf_counter()
    history = load_events_jsonl(path, terms)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    state = replay(terms, history)
    t_replay = time.perf_counter() - t0
    assert state.pause_days == days and state.counted == COUNTED_PER_DAY * days, state.counted
    assert len(state.entries) == days * PER_DAY
    out = {"events": len(history), "load_s": t_load, "replay_s": t_replay, "rss_mib": rss_mib()}
    hwm = Path("/proc/self/status")  # Linux: this process's own peak, whatever its parent's
    if hwm.is_file():
        for line in hwm.read_text().splitlines():
            if line.startswith("VmHWM:"):
                out["hwm_mib"] = int(line.split()[1]) / 1024
    print(json.dumps(out))
    return 0


def fresh_process(path: Path, days: int) -> dict[str, Any]:
    """(e): ``fresh_process_child`` in a new interpreter (its RSS is its own)."""
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(path), "--days", str(days)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def baseline_fold(entries: list[Entry], bounds: list[float]) -> dict[int, list[int]]:
    """The floor for a pure-Python fold: per-day counters, nothing traced, nothing checked.

    Per day: [live, bodies, outside, prisoners, credited, aid trucks]. The day is found by
    comparing the precomputed timestamp to the next boundary (bisect only when crossing one).
    """
    days: dict[int, list[int]] = {}
    k = -1
    nxt = float("-inf")
    row: list[int] = []
    inf = float("inf")
    for en in entries:
        ts = en.ts
        if ts >= nxt:
            k = bisect_right(bounds, ts)
            nxt = bounds[k] if k < len(bounds) else inf
            row = days.get(k) or days.setdefault(k, [0, 0, 0, 0, 0, 0])
        ev: Any = en.event
        t = ev.type
        if t == "captives_released":
            if ev.track == "framework":
                row[0] += ev.live
                row[1] += ev.bodies
            else:
                row[2] += ev.live + ev.bodies
        elif t == "prisoners_released":
            row[3] += ev.count
        elif t == "credit_granted":
            row[4] += ev.count
        elif t == "aid_delivered":
            row[5] += ev.trucks
    return days


def best_of(fn: Callable[[], Any], repeat: int, budget: float = 20.0) -> tuple[float, Any, int]:
    """The best wall time of up to ``repeat`` runs, the last result, and the runs made.

    GC is collected before each run and left enabled during it. Once the runs so far have taken
    ``budget`` seconds no more are started (best of 3 only where that is cheap).
    """
    best = float("inf")
    result = None
    spent = 0.0
    runs = 0
    while runs < repeat and (runs == 0 or spent < budget):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        spent += dt
        runs += 1
        best = min(best, dt)
    return best, result, runs


def calls_per_second(fn: Callable[[], Any], most: int, min_time: float = 1.0) -> tuple[float, int]:
    """Call ``fn`` until ``most`` calls or ``min_time`` seconds, whichever comes first."""
    calls = 0
    t0 = time.perf_counter()
    elapsed = 0.0
    while calls < most and (elapsed < min_time or calls == 0):
        fn()
        calls += 1
        elapsed = time.perf_counter() - t0
    return calls / elapsed, calls


def phases(
    terms: Terms, cal: PauseCalendar, history: History, repeat: int, budget: float
) -> list[tuple[str, float, int]]:
    """Time replay's internal phases where the engine exposes them: select and tally."""
    try:
        from truce.engine.tally import select, tally
    except ImportError:
        return []
    t_sel, sel, r1 = best_of(lambda: select(history, terms, None, None), repeat, budget)
    entries, disputes, at_ts = sel
    del sel
    t_tal, _, r2 = best_of(lambda: tally(terms, cal, entries, disputes, at_ts), repeat, budget)
    return [("select()", t_sel, r1), ("tally()", t_tal, r2)]


def machine() -> str:
    return describe()


def engine_source() -> str:
    """Where the engine was imported from, and the checkout's revision (for the README table)."""
    import truce

    where = Path(truce.__file__).resolve().parent
    rev = ""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        rev = out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return f"{where} (checkout {rev or 'unknown'})"


def profile(label: str, fn: Callable[[], Any], top: int = 20) -> None:
    """cProfile one call of ``fn``: the ``top`` functions by own time."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    print(f"\n--- profile: {label} (top {top} by tottime) ---")
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(top)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_time(fn: Callable[[], Any]) -> float:
    """The CPU time of one call (on a shared machine, steadier than wall time)."""
    gc.collect()
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s" if seconds > 0 else "inf"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100,000 events instead of 1,000,000")
    ap.add_argument("--days", type=int, help=f"pause days of {PER_DAY} events (overrides --quick)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing, best kept (default 3)")
    ap.add_argument(
        "--budget", type=float, default=20.0, help="no further repeats once a timing took this (s)"
    )
    ap.add_argument("--checks", type=int, default=20_000, help="most proposal checks per run")
    ap.add_argument("--check-days", type=int, default=100, help="days in the checks' ledger")
    ap.add_argument("--parse-events", type=int, default=100_000, help="JSONL lines to parse")
    ap.add_argument("--skip-parse", action="store_true", help="skip the JSON parse figure")
    ap.add_argument("--no-phases", action="store_true", help="skip timing select()/tally() apart")
    ap.add_argument(
        "--profile", action="store_true", help="also print cProfile's top 20 for replay and check"
    )
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="every section at 2 days x 1,000 events, once, in seconds (numbers meaningless)",
    )
    ap.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--skip-fresh", action="store_true", help="skip (e), the fresh-process load")
    args = ap.parse_args(argv)
    if args.rss_child is not None:
        return fresh_process_child(args.rss_child, args.days)
    check_seconds = 1.0
    if args.smoke:
        print(SMOKE_BANNER)
        args.days = args.days or 2
        args.repeat, args.check_days, args.checks, check_seconds = 1, 2, 200, 0.05
    days = args.days or (100 if args.quick else 1000)
    n = days * PER_DAY
    rows: list[tuple[str, float, str, int]] = []

    print(f"machine: {machine()}")
    print(f"engine: {engine_source()}")
    print(f"ledger: {days} pause days x {PER_DAY} events = {n:,} events")
    sys.stdout.flush()

    # (e) first, while this process is small: a child's ru_maxrss starts from its parent's.
    fresh: dict[str, Any] | None = None
    if not args.skip_fresh:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ledger.jsonl"
            write_ledger(path, bench_terms(), days)
            fresh = fresh_process(path, days)
        print(
            f"(e) fresh process: loaded in {fresh['load_s']:.2f} s, replayed in "
            f"{fresh['replay_s']:.2f} s, peak RSS {fresh['rss_mib']:,.0f} MiB",
            flush=True,
        )

    terms = bench_terms()
    assert terms.agreement.start is not None
    gc.disable()  # building the synthetic events is not the engine: keep GC out of it
    t0 = time.perf_counter()
    events = build_events(terms, days)
    t_build = time.perf_counter() - t0
    gc.enable()
    t0 = time.perf_counter()
    history = History.of(events)
    t_history = time.perf_counter() - t0
    del events
    rows.append(("build events (from validated prototypes)", t_build, rate(n, t_build), 1))
    rows.append(("History.of(events)", t_history, rate(n, t_history), 1))
    if fresh is not None:
        rows.append(
            (
                f"(e) fresh process: load_events_jsonl, {n:,} lines",
                fresh["load_s"],
                rate(n, fresh["load_s"]),
                1,
            )
        )
        rows.append(
            ("    then replay(terms, history)", fresh["replay_s"], rate(n, fresh["replay_s"]), 1)
        )
    print(f"built in {t_build:.2f} s, History.of in {t_history:.2f} s")
    sys.stdout.flush()

    # (a) replay.
    t_replay, state, runs = best_of(lambda: replay(terms, history), args.repeat, args.budget)
    assert isinstance(state, State)
    # Sanity: day 1 meets the initial quota, each later day earns one more: all days inside.
    assert state.pause_days == days, (state.pause_days, days)
    assert state.active and state.current_day == days, (state.active, state.current_day)
    assert state.counted == COUNTED_PER_DAY * days, state.counted
    assert state.prisoners_due == state.prisoners_released == 3 * COUNTED_PER_DAY * days
    assert state.creditable == 20 * days, state.creditable  # 60 outside - 40 credited a day
    assert len(state.entries) == n
    del state
    rows.append(("(a) replay(terms, history)", t_replay, rate(n, t_replay), runs))
    print(f"replay {t_replay:.3f} s")
    sys.stdout.flush()

    # (b) the bare-loop floor over the same entries.
    cal = PauseCalendar(terms.agreement.start, terms.agreement.zone)
    bounds = [cal.boundary_ts(k) for k in range(days + 2)]
    t_base, tally, runs = best_of(lambda: baseline_fold(history.entries, bounds), args.repeat)
    assert tally[1] == tally[days] == [600, 20, 60, 1800, 40, 200], (tally[1], tally[days])
    del tally
    rows.append(("(b) bare loop: per-day counters", t_base, rate(n, t_base), runs))

    # replay's phases, apart (internal functions: skipped if the engine's layout changes).
    if not args.no_phases:
        timed = phases(terms, cal, history, args.repeat, args.budget)
        if not timed:
            print("phases: skipped (truce.engine.tally has no select/tally)")
        for name, secs, runs in timed:
            # select() hands back the history's own list when nothing is filtered: no rate.
            shown = rate(n, secs) if secs >= 1e-3 else "(no copy)"
            rows.append((f"    of (a): {name}", secs, shown, runs))
            print(f"{name} {secs:.3f} s")
        sys.stdout.flush()

    # (c) proposal checks against a smaller ledger's state.
    cdays = args.check_days
    small = History.of(build_events(terms, cdays))
    small_state = replay(terms, small)
    proposal = Proposal(live=10)
    decision = check(small_state, proposal)
    assert decision.for_day == cdays + 1 and decision.meets_terms is False, decision
    best_cps = 0.0
    for _ in range(args.repeat):
        gc.collect()
        cps, _calls = calls_per_second(
            lambda: check(small_state, proposal), args.checks, check_seconds
        )
        best_cps = max(best_cps, cps)
    rows.append(
        (
            f"(c) check(state, Proposal(live=10)), {cdays * PER_DAY:,}-event state",
            1 / best_cps,
            f"{best_cps:,.0f}/s",
            args.repeat,
        )
    )

    # (d) JSON Lines parsing, for context (not part of replay), beside its baseline: pydantic
    # validating each line (what the loader did before the fast path), in the same run.
    t_base_parse = 0.0
    if not args.skip_parse:
        m = min(args.parse_events, len(small.entries))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ledger.jsonl"
            with path.open("w", encoding="utf-8") as f:
                for en in small.entries[:m]:
                    f.write(json.dumps(en.event.model_dump(mode="json", exclude_none=True)))
                    f.write("\n")
            t_parse, parsed, runs = best_of(lambda: load_events_jsonl(path, terms), args.repeat)
            assert len(parsed) == m
            del parsed

            def loader_before() -> History:
                """The loader's steps before the fast path: the whole text, pydantic on each
                line, the repeated-key check, History.of with ``file:line`` strings (today's
                History; the collector left running, as it was)."""
                text = path.read_text(encoding="utf-8-sig")
                events, origins = [], []
                for k, line in enumerate(text.splitlines(), start=1):
                    if line.strip():
                        ev = EVENT_ADAPTER.validate_json(line)
                        check_no_repeats(line, ev, f"{path}:{k}")
                        events.append(ev)
                        origins.append(f"{path}:{k}")
                return History.of(events, [f"event:{e.id}" for e in events], origins)

            t_base_parse, _, runs_b = best_of(loader_before, args.repeat)
            cpu_new, cpu_base = (
                cpu_time(lambda: load_events_jsonl(path, terms)),
                cpu_time(loader_before),
            )
        rows.append((f"(d) load_events_jsonl, {m:,} lines", t_parse, rate(m, t_parse), runs))
        rows.append(
            (
                "    baseline: pydantic on each line (the loader before)",
                t_base_parse,
                rate(m, t_base_parse),
                runs_b,
            )
        )
        rows.append(("(d) the same, CPU time of one run", cpu_new, rate(m, cpu_new), 1))
        rows.append(("    baseline, CPU time of one run", cpu_base, rate(m, cpu_base), 1))

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'figure':<{width}}  {'best time':>12}  {'rate':>14}  runs")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 14}  ----")
    for name, secs, r, runs in rows:
        shown = f"{secs * 1e6:.1f} us" if secs < 0.01 else f"{secs:.3f} s"
        print(f"{name:<{width}}  {shown:>12}  {r:>14}  {runs:>4}")
    print()
    print(f"replay / bare loop: {t_replay / t_base:.1f}x the floor's time")
    print(f"replay: {n / t_replay / 1e6:.3f}x the goal of 1,000,000 events/s")
    print(f"checks: {best_cps / 1e5:.4f}x the goal of 100,000 checks/s")
    if not args.skip_parse:
        print(
            f"parse: {t_base_parse / t_parse:.2f}x the loader before (wall), "
            f"{cpu_base / cpu_new:.2f}x (CPU time)"
        )
        print(
            f"parse: {m / t_parse / 2e5:.3f}x the goal of 200,000 lines/s (wall), "
            f"{m / cpu_new / 2e5:.3f}x (CPU time)"
        )
    if fresh is not None:
        print(
            f"(e) fresh process, {n:,} events loaded and replayed: peak RSS (ru_maxrss) "
            f"{fresh['rss_mib']:,.0f} MiB, VmHWM {fresh.get('hwm_mib', float('nan')):,.0f} MiB "
            f"[goal < 600 MiB: {'PASS' if fresh['rss_mib'] < 600 else 'MISS'}]"
        )
    print(f"peak RSS: {rss_mib():,.0f} MiB (this process: events built in memory)")

    if args.profile:
        profile(f"replay, {n:,} events", lambda: replay(terms, history))

        def many_checks() -> None:
            for _ in range(10_000):
                check(small_state, proposal)

        profile("10,000 checks", many_checks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
