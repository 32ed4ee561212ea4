"""Every benchmark's ``--smoke`` run: it exits 0 and prints each section it measures.

CI runs these (they are part of ``make test``) so that a benchmark that no longer runs, or a
section that silently stops running, fails here instead of the next time someone measures. Each
script runs in a subprocess, as ``make bench`` runs it. Timings are printed, never asserted.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"
BANNER = "SMOKE RUN (--smoke)"  # the first line of every smoke run (benchmarks/machine.py)


def smoke(script: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``benchmarks/<script> --smoke *args``; its stdout, once it exited 0 with the banner."""
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--smoke", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=240,
        check=False,
    )
    shown = f"--- stdout\n{proc.stdout[-6000:]}\n--- stderr\n{proc.stderr[-6000:]}"
    assert proc.returncode == 0, f"{script} --smoke exited {proc.returncode}\n{shown}"
    first = proc.stdout.splitlines()[0] if proc.stdout else ""
    assert first.startswith(BANNER), f"{script}: first line is not the smoke banner\n{shown}"
    return proc.stdout


def assert_sections(out: str, titles: list[str]) -> None:
    """Every title appears in the output (so each section ran and printed its figure)."""
    missing = [t for t in titles if t not in out]
    assert not missing, f"sections missing: {missing}\n{out}"


def test_engine() -> None:
    out = smoke("engine.py")
    assert_sections(
        out,
        [
            "ledger: 2 pause days x 1000 events = 2,000 events",
            "build events (from validated prototypes)",
            "History.of(events)",
            "(a) replay(terms, history)",
            "(b) bare loop: per-day counters",
            "of (a): select()",
            "of (a): tally()",
            "(c) check(state, Proposal(live=10)), 2,000-event state",
            "(d) load_events_jsonl, 2,000 lines",
            "baseline: pydantic on each line (the loader before)",
            "(e) fresh process: load_events_jsonl, 2,000 lines",
            "(e) fresh process, 2,000 events loaded and replayed: peak RSS",
            "replay / bare loop:",
            "replay: ",
            "checks: ",
            "peak RSS:",
        ],
    )


def test_incremental() -> None:
    out = smoke("incremental.py")
    assert_sections(
        out,
        [
            "ledger: 2 pause days x 1000 events = 2,000 events",
            "baseline: select, tally and judge the whole history",
            "(1) an event at the end",
            "(2) a correction of an event of the last day",
            "(3) a late event dated mid-ledger",
            "(4) a correction of an event of day 1",
            "taken back to a day",
        ],
    )


def test_aid() -> None:
    out = smoke("aid.py")
    assert_sections(
        out,
        [
            "(a) simulation, 10-node route, 2 days",
            "(b) bare SimPy loop, same size",
            "simulation / bare loop:",
            "(c) ceilings/s: 10-node route (max flow)",
            "ks-entry (LP)",
            "(d) ks-entry: 3 days x 2 replications",
            "received/day:",
            "rejected ",
            "(e) calendar 2023-12-01 to 2023-12-07 (7 days): ceiling series",
        ],
    )


def test_ledger(request: pytest.FixtureRequest) -> None:
    """PostgreSQL through the session's server (``pg_url``) when the suite has one."""
    try:
        pg_url: str | None = request.getfixturevalue("pg_url")
    except Exception:  # no server here: the smoke run must say it skipped the section
        pg_url = None
    out = smoke("ledger.py", *(["--pg-url", pg_url] if pg_url else []))
    sqlite_and_rest = [
        "(1a) SQLite append, 1 event per transaction (20)",
        "(1b) SQLite append, 1,000 events per transaction (2,000)",
        "(3) hash+Merkle verify: leaf_hash + merkle.root (2,000 leaves)",
        "store.check_entries on in-memory entries",
        "SqliteLedger.verify() on the 2,000-event file",
        "(6) record one event, 200-event ledger",
        "(6) record one event, 2,000-event ledger",
        "(6) record one event, 2,000 / 200 events",
        "(7) truce record, new process, 200-event ledger",
        "(7) truce record, new process, 2,500-event ledger",
        "read every entry and wrote the snapshot",
        "(7) truce record, new process, 2,500 / 200 events",
        "(4) signing.verify_event",
        "(5) merkle.Tree build (2,000 leaves)",
        "inclusion_proof + verify_inclusion",
        "consistency_proof + verify_consistency",
    ]
    if pg_url:
        postgres = [
            "(2a) PostgreSQL append, 1 event per transaction (20)",
            "(2b) PostgreSQL append, 1,000 events per transaction (2,000)",
            "SqlLedger.verify() on those 2,000 events",
        ]
    else:
        postgres = ["(2) PostgreSQL: skipped (smoke run without --pg-url or TRUCE_PG_URL)"]
    assert_sections(out, sqlite_and_rest + postgres)


def test_service(request: pytest.FixtureRequest) -> None:
    """A real uvicorn server (a subprocess of the script); PostgreSQL (e) through the session's
    server (``pg_url``) when the suite has one."""
    try:
        pg_url: str | None = request.getfixturevalue("pg_url")
    except Exception:  # no server here: the smoke run must say it skipped the section
        pg_url = None
    out = smoke("service.py", *(["--pg-url", pg_url] if pg_url else []))
    sections = [
        "(a) bare FastAPI route (baseline), same server process:",
        "    GET /bare, one at a time: p50 ",
        "    POST /bare at 200 requests/s for ",
        "(b) POST /check at 200 requests/s for ",
        "(c) GET /status, one at a time:",
        "    2023 ledger (43 entries): first request ",
        "    synthetic ledger (2,000 entries): first request ",
        "      mediator, repeated (cached): p50 ",
        "      reader, repeated (cached, redacted): p50 ",
        "      mediator, distinct ?at= (uncached): p50 ",
        "(d) stream fan-out: 10 subscribers connected in ",
        "    delivery, send of POST /events -> append frame at each subscriber: p50 ",
        "    the POST /events itself (201): p50 ",
    ]
    if pg_url:
        postgres = ["(e) PostgreSQL ", "    record() of one claim: ", "raw/truce (time) "]
    else:
        postgres = ["(e) PostgreSQL: skipped (smoke run without --pg-url or TRUCE_PG_URL)"]
    assert_sections(out, sections + postgres)


def test_simulate() -> None:
    out = smoke("simulate.py")
    kernel = [
        "(a) kernel vs per-run Python loop",
        "kernel, 1 worker :",
        "kernel, 2 workers:",
        "Python loop      :",
        "kernel 1 worker / loop :",
        "2 workers / 1 worker   :",
        "kernel, 2 workers >= 1,500,000 runs/s:",
        "same model? means over 200 loop runs vs 2,000 kernel runs",
        "loop and kernel agree in distribution:",
    ]
    if importlib.util.find_spec("numba") is None:
        kernel += ["numba kernel: not installed"]
    else:
        kernel += [
            "numba kernel: compile",
            "numpy kernel, 1 worker :",
            "numpy kernel, 2 workers:",
            "numba / numpy kernel   :",
            "same model? numba vs numpy kernel means over 2,000 runs each",
            "numba and numpy kernels agree in distribution:",
        ]
    if importlib.util.find_spec("ray") is None:
        ray = ["(b) Ray: not installed"]
    else:
        ray = [
            "local backend, 1 worker (baseline):",
            "local backend, tiny job (100 runs",
            "Ray, 2 CPUs: start",
            "Ray 2 CPUs / 1 CPU: not measured (smoke run: one cluster)",
            "(same arrays as the local backend: checked)",
        ]
    assert_sections(out, kernel + ray)


TRUCE_SIDE = [
    "10 instances (seed 2023)",
    "truce concession_batch:",
    "truce concession_loop:",
    "truce batch / loop:",
]
NEGMAS_SIDE = [
    "SAO: ",
    "agreements: truce ",
    "same agreement: ",
    "negotiations/s, truce batch / NegMAS:",
]


def test_negotiation() -> None:
    """As found: NegMAS's environment is used if it exists, else the run says it skipped it."""
    out = smoke("negotiation.py")
    if "NegMAS comparison: skipped (" in out:
        assert_sections(out, TRUCE_SIDE)
    else:
        assert_sections(out, TRUCE_SIDE + NEGMAS_SIDE)


def test_negotiation_compares_through_a_stand_in(tmp_path: Path) -> None:
    """The comparison's plumbing (subprocess, JSON, comparison, report) with a stand-in for
    the NegMAS interpreter, so it runs where NegMAS is not installed (it never is in CI)."""
    stand_in = tmp_path / "stand_in.py"
    stand_in.write_text(
        "import json, sys\n"
        "if sys.argv[1] == '-c':\n"
        "    print('stand-in')\n"
        "    raise SystemExit(0)\n"
        "rows = json.load(sys.stdin)['instances']\n"
        "print(json.dumps({'negmas': 'stand-in', 'seconds': 1.0,\n"
        "                  'results': [[None, -1] for _ in rows]}))\n",
        encoding="utf-8",
    )
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{stand_in}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    out = smoke("negotiation.py", env={"TRUCE_NEGMAS_PYTHON": str(python)})
    assert "NegMAS comparison: skipped" not in out
    assert_sections(out, [*TRUCE_SIDE, "NegMAS stand-in SAO: 1.0 s", *NEGMAS_SIDE])


def test_dashboard() -> None:
    """Server time per page and Chromium's load timing (scripts/ensure-browser installs it)."""
    out = smoke("dashboard.py")
    assert_sections(
        out,
        [
            "(a) server time per page (a mediator's session)",
            "GET /healthz (baseline):",
            "2023 ledger: overview: first",
            "300-entry ledger: log     : first",
            "(b) browser load timing and page weight",
            "2023 ledger: overview in Chromium: first contentful paint",
            "page weight",
            "2023 ledger: live: an append through the API to the open overview redrawn",
        ],
    )


def test_report() -> None:
    out = smoke("report.py")
    assert_sections(
        out,
        [
            "(a) 2023 ledger (43 entries, a directory), en, best of 1:",
            "(a) 2023 ledger (43 entries, a directory), ar, best of 1:",
            "gather (status, timetable, verify):",
            "HTML (",
            "PDF (",
            "to HTML: ",
            "goal, 2023 briefing in HTML under 1 s: ",
            "goal, 2023 briefing in PDF under 5 s: ",
            "(b) synthetic ledger: 2 pause days x 1,000 events = 2,000 events, best of 1:",
            "gather (status, timetable):",
        ],
    )
