"""`status --json` grows linearly with the ledger (issue 11, item 8): a finding's trace names only
its own day's terms keys and events; what it also depends on from earlier days is expanded on
request (``State.why("finding:<n>")``, ``truce status --why finding:<n>``). No timings: sizes and
counts only."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

import pytest

from tests.conftest import EXAMPLES, truce_exe
from tests.engine.helpers import E, make_terms
from truce.app.deal_schemas import status_out
from truce.engine.results import State
from truce.engine.state import replay
from truce.events import Event
from truce.history import History

START = datetime(2025, 1, 10, 7, 0)  # the unit terms' start (Europe/London, UTC in January)
TERMS_KEYS = 4  # at most this many terms keys in a prisoners or captives finding here


def ledger(n_events: int, days: int) -> tuple[History, dict[str, int]]:
    """``n_events`` over ``days`` pause days of the unit terms: each day one release of 3 live
    women (which earns the next day), the rest many small prisoner releases (one prisoner each),
    spread evenly over the days. Also: each event id -> its pause day."""
    per_day = n_events // days - 1
    assert per_day >= 1 and (per_day + 1) * days == n_events
    events: list[Event] = []
    day_of: dict[str, int] = {}
    for d in range(1, days + 1):
        t0 = START + timedelta(days=d - 1, hours=1)
        events.append(E("captives_released", f"r{d}", t0.isoformat(), live=3, category="women"))
        day_of[f"r{d}"] = d
        for j in range(per_day):
            at = (t0 + timedelta(hours=1, seconds=j)).isoformat()
            events.append(E("prisoners_released", f"p{d}-{j}", at, count=1))
            day_of[f"p{d}-{j}"] = d
    return History.of(events), day_of


def status_json(state: State) -> str:
    """What `truce status --json` prints."""
    return status_out(state).model_dump_json(indent=2)


def assert_own_day(state: State, day_of: dict[str, int]) -> None:
    """Each finding's trace: only events of its own day (the initial phase: the initial days),
    and no more than that day's events plus a few terms keys."""
    n0 = state.terms.agreement.initial_days or 0
    per_day: dict[int, int] = {}
    for d in day_of.values():
        per_day[d] = per_day.get(d, 0) + 1
    for f in state.findings:
        assert f.day is not None
        own = range(1, n0 + 1) if f.kind == "captives" and f.day == n0 else [f.day]
        events = [r.removeprefix("event:") for r in f.trace if r.startswith("event:")]
        assert all(day_of[e] in own for e in events), (f.why, f.detail)
        assert len(f.trace) <= sum(per_day.get(d, 0) for d in own) + TERMS_KEYS, f.why


@pytest.mark.parametrize(
    ("small", "large"),
    [((1_000, 10), (4_000, 10)), ((1_000, 10), (4_000, 40))],
    ids=["more-events-a-day", "more-days"],
)
def test_status_json_grows_linearly(small: tuple[int, int], large: tuple[int, int]) -> None:
    """Four times the events (on the same days, or on four times the days) makes the document
    at most about four times as long. With every earlier release in each prisoners finding's
    trace it grew with events x days: 16 times for four times the days."""
    terms = make_terms()
    sizes = []
    for n, days in (small, large):
        history, day_of = ledger(n, days)
        state = replay(terms, history)
        assert state.pause_days >= days  # every day is a pause day, judged
        assert len([f for f in state.findings if f.kind == "prisoners"]) == days
        assert_own_day(state, day_of)
        sizes.append(len(status_json(state)))
    assert sizes[1] / sizes[0] < 5, sizes


def test_a_finding_expands_in_full_on_request() -> None:
    """``State.why(finding.why)`` is the finding's full trace: for a cumulative prisoners finding,
    every earlier release and prisoner release as well as its own day's."""
    history, day_of = ledger(200, 5)
    state = replay(make_terms(), history)
    assert [f.why for f in state.findings] == [
        f"finding:{n}" for n in range(1, 1 + len(state.findings))
    ]
    last = [f for f in state.findings if f.kind == "prisoners"][-1]
    assert last.day == 5
    full = state.why(last.why)
    assert full == last.full_trace
    assert set(last.trace) < set(full)
    assert {f"event:{e}" for e in day_of} <= set(full)  # every release and prisoner release
    assert {r for r in last.trace if r.startswith("event:")} == {
        f"event:{e}" for e, d in day_of.items() if d == 5
    }
    assert state.why("pause_days") == state.trace["pause_days"]
    for bad in ("finding:0", f"finding:{len(state.findings) + 1}", "finding:x", "finding:", "nope"):
        with pytest.raises(KeyError):
            state.why(bad)


def test_status_why_finding_on_the_command_line() -> None:
    """`truce status --why finding:<n>` explains a finding in full; another key is refused,
    naming the figures and the range of findings."""
    g = EXAMPLES / "gaza-2023"
    base = [truce_exe(), "status", str(g / "ledger.jsonl"), "--terms", str(g / "terms.toml")]
    p = subprocess.run([*base, "--why", "finding:9"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "finding:9 comes from:"
    assert any(line.startswith("  - d1-prisoners at ") for line in lines)  # an earlier day's
    p = subprocess.run([*base, "--why", "finding:99"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "no trace for 'finding:99'" in p.stderr
    assert "or finding:1 to finding:20" in p.stderr
