"""Property tests for the engine: replay and check over generated terms and histories.

Terms vary the time zone (with daylight-saving changes near the start), the initial phase, the
per-day quota, body weights, surplus carrying, debts, fractional exchange ratios and category
overrides; histories mix releases by count and by id on every track, credits, prisoners, aid and
(sometimes) recorded extensions. See ``strategies.py``.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, note
from hypothesis import strategies as st

from truce.app.deal_schemas import check_out, status_out
from truce.engine.decide import Decision, check
from truce.engine.explain import resolve_ref
from truce.engine.results import State
from truce.engine.state import replay
from truce.events import CaptivesReleased, CreditGranted, Event
from truce.history import History
from truce.ledger.load import load_days_csv, load_events_jsonl

from .strategies import (
    DaySummary,
    Scenario,
    TermsInfo,
    day_of,
    day_summaries,
    in_gap,
    instants,
    property_test,
    proposals,
    scenarios,
)


def as_json(state: State) -> dict[str, Any]:
    return status_out(state).model_dump()


def utc(x: datetime | None) -> datetime | None:
    """An instant in UTC: aware datetimes sharing a tzinfo compare by wall-clock time, so
    instants are always compared in UTC."""
    return x.astimezone(UTC) if x is not None else None


def is_exact(x: object) -> bool:
    return isinstance(x, int | Fraction) and not isinstance(x, bool)


# -- an independent reference model -------------------------------------------------------------


@dataclass
class Reference:
    """What the terms say the figures are, computed directly from the generated events."""

    counted: Fraction = Fraction(0)
    prisoners_due: Fraction = Fraction(0)
    prisoners_released: int = 0
    outside: int = 0
    credits_used: int = 0
    day_counted: dict[int, Fraction] = field(default_factory=dict)
    day_due: dict[int, Fraction] = field(default_factory=dict)
    has_data: set[int] = field(default_factory=set)
    extension_days: int = 0
    recorded: bool = False
    pause_days: int = 0
    balance: Fraction = Fraction(0)


def reference(info: TermsInfo, events: list[Event], at: datetime | None) -> Reference:
    """The reference computation (Fractions throughout) over the events that happened by ``at``."""
    start = info.boundary(0)
    if at is None:
        # By instant: datetimes that share a ZoneInfo compare by wall clock, so in a repeated
        # hour (a daylight-saving fall-back) a plain max() picks the earlier instant.
        at = max((e.at for e in events), default=start, key=lambda t: t.timestamp())
    ref = Reference()
    w = info.weight

    def add(day: int, counted: Fraction, due: Fraction) -> None:
        ref.day_counted[day] = ref.day_counted.get(day, Fraction(0)) + counted
        ref.day_due[day] = ref.day_due.get(day, Fraction(0)) + due
        ref.counted += counted
        ref.prisoners_due += due

    for ev in events:
        if ev.at.timestamp() > at.timestamp():
            continue
        k = day_of(info.start, info.zone, ev.at)
        if isinstance(ev, CaptivesReleased):
            ref.has_data.add(k)
            if ev.captives is not None:
                people = [(c.category, c.status == "live") for c in ev.captives]
            else:
                people = [(ev.category, True)] * ev.live + [(ev.category, False)] * ev.bodies
            for cat, live in people:
                if ev.track == "framework" and info.covered(cat):
                    add(k, Fraction(1) if live else w, info.ratio(cat) if live else Fraction(0))
                elif ev.track == "outside":
                    ref.outside += 1
        elif isinstance(ev, CreditGranted):
            ref.has_data.add(ev.toward_day)
            ref.credits_used += ev.count
            due = (
                sum((info.ratio(scn_category(events, c)) for c in ev.captives), Fraction(0))
                if ev.captives
                else info.ratio_default * ev.count
            )
            add(ev.toward_day, Fraction(ev.count), due)
        elif ev.type == "prisoners_released":
            ref.prisoners_released += ev.count
        elif ev.type == "extension_agreed":
            ref.extension_days += ev.days
            ref.recorded = True

    # The pause: the initial phase judged at its deadline, then each later day in turn.
    per_day, n0 = info.per_day, info.initial_days
    inferred = not ref.recorded
    pause_days = n0 + ref.extension_days
    balance = Fraction(0)
    if at >= info.boundary(n0):
        surplus = sum((ref.day_counted.get(d, Fraction(0)) for d in range(1, n0 + 1)), Fraction(0))
        surplus -= info.initial_captives
        balance = max(surplus, 0) * info.carry + min(surplus, 0) * info.debt
        if inferred:
            grant = max(math.floor(balance / per_day), 0)
            pause_days += grant
            balance -= grant * per_day
    k = n0 + 1
    while info.boundary(k - 1).timestamp() <= at.timestamp():
        if k > pause_days and not (inferred and k == pause_days + 1 and k in ref.has_data):
            break
        available = balance + ref.day_counted.get(k, Fraction(0))
        grant = max(math.floor(available / per_day), 0)
        rest = available - grant * per_day
        balance = rest if info.carry else min(rest, Fraction(0))
        if inferred:
            pause_days += grant
        k += 1
    ref.pause_days = pause_days
    ref.balance = balance
    return ref


def scn_category(events: list[Event], captive_id: str) -> str | None:
    for ev in events:
        if isinstance(ev, CaptivesReleased) and ev.captives:
            for c in ev.captives:
                if c.id == captive_id:
                    return c.category
    raise AssertionError(f"credited captive {captive_id} was never released")


def all_refs(state: State, decision: Decision | None = None) -> list[str]:
    refs = [r for rs in state.trace.values() for r in rs]
    refs += [r for f in state.findings for r in f.trace]
    refs += [r for f in state.findings for r in state.why(f.why)]  # each finding in full
    refs += [r for d in state.days for r in d.trace]
    refs += [str(a["ref"]) for a in state.acts]
    refs += [r for d in state.disputed for r in (d.used, *d.set_aside)]
    if decision is not None:
        refs += [r for rs in decision.trace.values() for r in rs]
        refs += [i.ref for i in decision.ineligible]
    return refs


def reorder(events: list[Event], order: list[int]) -> list[Event]:
    """``events`` permuted by ``order``, then simultaneous events put back in their original
    relative order (the engine orders by time; appending order only breaks ties)."""
    slots: dict[float, list[int]] = {}
    for pos, i in enumerate(order):
        slots.setdefault(events[i].at.timestamp(), []).append(pos)
    out: list[Event | None] = [None] * len(order)
    for ts, positions in slots.items():
        same = [e for e in events if e.at.timestamp() == ts]
        for pos, e in zip(sorted(positions), same, strict=True):
            out[pos] = e
    return [e for e in out if e is not None]


# -- 1. determinism -----------------------------------------------------------------------------


@property_test(200, scenarios(), st.data())
def test_replay_is_deterministic(scn: Scenario, data: st.DataObject) -> None:
    """Replaying twice, or after appending the events in another order that keeps the order of
    simultaneous events, gives the same state."""
    history = scn.history()
    first = as_json(replay(scn.terms, history))
    assert as_json(replay(scn.terms, history)) == first
    assert as_json(replay(scn.terms, scn.history())) == first

    order = data.draw(st.permutations(range(len(scn.events))), label="append order")
    events = reorder(scn.events, order)
    note(f"append order: {[e.id for e in events]}")
    assert as_json(replay(scn.terms, History.of(events))) == first


# -- 2. monotonicity ----------------------------------------------------------------------------


@property_test(300, scenarios(extensions=False), st.data())
def test_one_more_release_never_shortens_the_pause(scn: Scenario, data: st.DataObject) -> None:
    """With inferred grants, one more covered live release inside the framework on a day within
    the pause never reduces pause_days, ends_at or counted (and adds exactly 1 to counted)."""
    info = scn.info
    at = data.draw(instants(scn), label="at")
    before = replay(scn.terms, scn.history(), at=at)
    assert before.basis == "inferred"
    last = min(before.pause_days, day_of(info.start, info.zone, at))
    day = data.draw(st.integers(1, last), label="release day")
    lo = info.boundary(day - 1)
    hi = min(info.boundary(day) - timedelta(seconds=1), at)
    when = lo + timedelta(seconds=data.draw(st.integers(0, int((hi - lo).total_seconds()))))
    covered = [None, *(c for c in info.category_ids() if info.covered(c))]
    extra = CaptivesReleased(
        id="extra-release",
        type="captives_released",
        at=when.astimezone(info.zone),
        recorded_at=when,
        declared_by="mediator",
        recorded_by="tests",
        live=1,
        category=data.draw(st.sampled_from(covered), label="category"),
    )
    after = replay(scn.terms, History.of([*scn.events, extra]), at=at)
    assert after.basis == "inferred"
    assert after.pause_days >= before.pause_days
    assert after.ends_at is not None and before.ends_at is not None
    assert utc(after.ends_at) >= utc(before.ends_at)
    assert after.counted == before.counted + 1


# -- 3. prefixes --------------------------------------------------------------------------------


@property_test(200, scenarios(), st.data())
def test_prefix_replay(scn: Scenario, data: st.DataObject) -> None:
    """extend(prefix) then extend(rest) equals building at once; replay(at=t) equals replaying
    only the events that happened by t."""
    events = scn.events
    n = len(events)
    how = data.draw(st.sampled_from(["time order", "shuffled", "rotated"]), label="append order")
    split = data.draw(st.integers(0, n), label="split")
    if how == "shuffled":
        events = reorder(events, data.draw(st.permutations(range(n)), label="order"))
    elif how == "rotated":  # each batch in time order, the second starting before the first ends
        events = reorder(events, [*range(n - split, n), *range(n - split)])
    head = {e.id for e in events[:split]}
    # A credit naming a release can only be appended once that release is in the history.
    assume(
        all(r in head for e in events[:split] if isinstance(e, CreditGranted) for r in e.releases)
    )
    stepwise = History()
    stepwise.extend(events[:split])
    stepwise.extend(events[split:])
    at_once = History.of(events)
    assert [(e.seq, e.ref, e.event, e.ts, e.rts) for e in stepwise] == [
        (e.seq, e.ref, e.event, e.ts, e.rts) for e in at_once
    ]
    expected = as_json(replay(scn.terms, scn.history()))
    assert as_json(replay(scn.terms, at_once)) == expected
    assert as_json(replay(scn.terms, stepwise)) == expected

    t = data.draw(instants(scn), label="t")
    upto = [e for e in scn.events if e.at.timestamp() <= t.timestamp()]
    full = as_json(replay(scn.terms, stepwise, at=t))
    assert as_json(replay(scn.terms, History.of(upto), at=t)) == full
    # t is an event's time: the default `at` is t (compared as instants, see reference()).
    if upto and max(e.at.timestamp() for e in upto) == t.timestamp():
        assert as_json(replay(scn.terms, History.of(upto))) == full


# -- 4. exact arithmetic ------------------------------------------------------------------------


@property_test(400, scenarios(), st.data())
def test_exact_arithmetic_matches_reference(scn: Scenario, data: st.DataObject) -> None:
    """counted, balance and prisoners due are ints or Fractions, never floats, and equal a direct
    computation with Fractions; pause_days and ends_at follow the rules as stated."""
    at = data.draw(st.one_of(st.none(), instants(scn)), label="at")
    state = replay(scn.terms, scn.history(), at=at)
    ref = reference(scn.info, scn.events, at)
    values = [state.counted, state.balance, state.prisoners_due]
    values += [d.counted for d in state.days] + [d.prisoners_due for d in state.days]
    assert all(is_exact(v) for v in values), [type(v) for v in values]
    assert state.counted == ref.counted
    assert state.prisoners_due == ref.prisoners_due
    assert state.prisoners_released == ref.prisoners_released
    assert state.creditable == ref.outside - ref.credits_used
    for row in state.days:
        assert row.counted == ref.day_counted.get(row.day, 0), row.day
        assert row.prisoners_due == ref.day_due.get(row.day, 0), row.day
    assert state.basis == ("recorded" if ref.recorded else "inferred")
    assert state.pause_days == ref.pause_days
    assert state.balance == ref.balance
    assert utc(state.ends_at) == scn.info.boundary(ref.pause_days)


# -- 5. every trace reference resolves ----------------------------------------------------------


@property_test(200, scenarios(), st.data())
def test_finding_traces_name_their_own_day(scn: Scenario, data: st.DataObject) -> None:
    """A captives or prisoners finding's trace names only events of its own day (the initial
    phase's finding: of the initial days; a credit: granted toward the day), all of them in its
    full trace (``State.why(finding.why)``), which adds the earlier days it depends on."""
    state = replay(scn.terms, scn.history(), at=data.draw(instants(scn), label="at"))
    info = scn.info
    day_of_event = {
        e.id: e.toward_day if isinstance(e, CreditGranted) else day_of(info.start, info.zone, e.at)
        for e in scn.events
    }
    n0 = info.initial_days
    assert [f.why for f in state.findings] == [
        f"finding:{n}" for n in range(1, len(state.findings) + 1)
    ]
    for f in state.findings:
        full = state.why(f.why)
        assert set(f.trace) <= set(full), f.why
        if f.kind not in ("captives", "prisoners"):
            assert f.trace == full, f.why
            continue
        initial = f.kind == "captives" and f.day == n0 and f.detail.startswith("days 1-")
        own = set(range(1, n0 + 1)) if initial else {f.day}
        for ref in f.trace:
            if ref.startswith("event:"):
                assert day_of_event[ref.removeprefix("event:")] in own, (f.why, f.detail, ref)


@property_test(200, scenarios(), st.data())
def test_state_and_count_check_traces_resolve(scn: Scenario, data: st.DataObject) -> None:
    history = scn.history()
    state = replay(scn.terms, history, at=data.draw(instants(scn), label="at"))
    proposal = data.draw(proposals(scn, state.creditable, listed=False), label="proposal")
    decision = check(state, proposal)
    for ref in all_refs(state, decision):
        resolve_ref(ref, scn.terms, history)


@property_test(150, scenarios(), st.data())
def test_listed_check_traces_resolve(scn: Scenario, data: st.DataObject) -> None:
    """A check of a list of captives by id (Proposal(captives=...) with its default source)."""
    history = scn.history()
    state = replay(scn.terms, history, at=data.draw(instants(scn), label="at"))
    proposal = data.draw(proposals(scn, state.creditable), label="proposal")
    decision = check(state, proposal)
    for ref in all_refs(state, decision):
        resolve_ref(ref, scn.terms, history)


# -- 6. a day-summary CSV and the equivalent events agree ---------------------------------------


def write_csv(summary: DaySummary, path: Path, blanks: list[bool]) -> None:
    cols = ["date", "live_released", "bodies_released", "outside_framework", "separate_track"]
    cols += ["credited", "prisoners_released", "aid_trucks"]
    cols += ["extension_days"] if summary.extension_column else []
    lines = [",".join(cols)]
    for row, blank in zip(summary.rows, blanks, strict=True):

        def cell(n: int, blank: bool = blank) -> str:
            return "" if (n == 0 and blank) else str(n)

        cells = [summary.info.day_date(row.day).isoformat()]
        cells += [cell(row.live), cell(row.bodies), cell(row.outside), cell(row.separate)]
        cells += [cell(row.credited), cell(row.prisoners)]
        cells += ["" if row.aid is None else str(row.aid)]
        cells += [cell(row.extension)] if summary.extension_column else []
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_jsonl(summary: DaySummary, path: Path, dated_aid: list[bool]) -> None:
    info = summary.info
    basis = info.raw.get("aid", {}).get("basis", "received")
    lines = []
    for row, dated in zip(summary.rows, dated_aid, strict=True):
        at = info.boundary(row.day - 1).astimezone(info.zone).isoformat()
        base = {"at": at, "recorded_at": at, "declared_by": "mediator", "recorded_by": "tests"}
        stem = f"d{row.day}"
        if row.live or row.bodies:
            lines.append(
                {"id": f"{stem}-fw", "type": "captives_released", "track": "framework"}
                | {"live": row.live, "bodies": row.bodies}
            )
        for n, track in ((row.outside, "outside"), (row.separate, "separate")):
            if n:
                lines.append(
                    {"id": f"{stem}-{track}", "type": "captives_released", "track": track}
                    | {"live": n}
                )
        if row.credited:
            lines.append(
                {"id": f"{stem}-credit", "type": "credit_granted"}
                | {"toward_day": row.day, "count": row.credited}
            )
        if row.prisoners:
            lines.append({"id": f"{stem}-prisoners", "type": "prisoners_released"})
            lines[-1]["count"] = row.prisoners
        if row.aid is not None:
            lines.append({"id": f"{stem}-aid", "type": "aid_delivered", "basis": basis})
            lines[-1]["trucks"] = row.aid
            if dated:
                lines[-1]["date"] = info.day_date(row.day).isoformat()
        if row.extension:
            lines.append({"id": f"{stem}-ext", "type": "extension_agreed", "days": row.extension})
        for obj in lines:
            obj.update({k: v for k, v in base.items() if k not in obj})
    path.write_text("".join(json.dumps(o) + "\n" for o in lines), encoding="utf-8")


def comparable(state: State) -> dict[str, Any]:
    """The status JSON without references (csv:<line> and event:<id> name the same rows)."""
    out = as_json(state)
    del out["trace"]
    for d in out["days"]:
        del d["trace"]
    for f in out["findings"]:
        del f["trace"]
    return out


@property_test(200, day_summaries(), st.data())
def test_csv_and_jsonl_agree(summary: DaySummary, data: st.DataObject) -> None:
    n = len(summary.rows)
    blanks = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="blank zeros")
    dated = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="aid dated")
    terms = summary.info.terms
    with tempfile.TemporaryDirectory() as tmp:
        write_csv(summary, Path(tmp) / "days.csv", blanks)
        write_jsonl(summary, Path(tmp) / "ledger.jsonl", dated)
        from_csv = replay(terms, load_days_csv(Path(tmp) / "days.csv", terms))
        from_jsonl = replay(terms, load_events_jsonl(Path(tmp) / "ledger.jsonl", terms))
    for name in ("pause_days", "ends_at", "basis", "counted", "balance", "creditable"):
        assert getattr(from_csv, name) == getattr(from_jsonl, name), name
    for name in ("prisoners_due", "prisoners_released"):
        assert getattr(from_csv, name) == getattr(from_jsonl, name), name
    assert [(d.day, d.counted) for d in from_csv.days] == [
        (d.day, d.counted) for d in from_jsonl.days
    ]
    assert comparable(from_csv) == comparable(from_jsonl)


def later_instants(scn: Scenario) -> st.SearchStrategy[datetime]:
    """Moments from the last initial day on, where a check is about an extension day."""
    return instants(scn, from_day=scn.info.initial_days)


def projection(info: TermsInfo, state: State, for_day: int) -> tuple[int, Fraction]:
    """The pause days and balance a check for ``for_day`` starts from. While the initial phase
    still runs (a check for the first day after it, before its deadline), it is judged as it
    would stand at the deadline with nothing more released."""
    per_day, n0 = info.per_day, info.initial_days
    if not (for_day == n0 + 1 and state.at.timestamp() < info.boundary(n0).timestamp()):
        return state.pause_days, state.balance
    surplus = sum((r.counted for r in state.days if r.day <= n0), Fraction(0))
    surplus -= info.initial_captives
    balance = max(surplus, 0) * info.carry + min(surplus, 0) * info.debt
    grant = max(math.floor(balance / per_day), 0) if state.basis == "inferred" else 0
    return state.pause_days + grant, balance - grant * per_day


# -- 8. check is consistent with itself and with replay -----------------------------------------


@property_test(500, st.one_of(scenarios(), scenarios(gap_end=True)), st.data())
def test_check_is_consistent(scn: Scenario, data: st.DataObject) -> None:
    """Outside the initial phase: the list counts what the terms say; meets_terms iff at least one
    more day; shortfall is 0 iff it meets; the end moves by exactly extension_days local calendar
    days (plus any days a still-pending initial phase would grant), at the same wall-clock time."""
    info = scn.info
    at = data.draw(st.one_of(instants(scn), later_instants(scn)), label="at")
    state = replay(scn.terms, scn.history(), at=at)
    proposal = data.draw(proposals(scn, state.creditable), label="proposal")
    decision = check(state, proposal)
    note(f"decision: {check_out(decision).model_dump_json()}")
    for v in (decision.available, decision.counted, decision.balance, decision.shortfall):
        assert is_exact(v), type(v)
    assert is_exact(decision.prisoners_due)
    assert utc(decision.current_end) == utc(state.ends_at) == info.boundary(state.pause_days)

    # What the list counts, and the prisoners it makes due.
    live, bodies, due = proposal.live, proposal.bodies, info.ratio_default * proposal.live
    if proposal.captives is not None:
        released = {
            c.id
            for e in scn.events
            if e.at.timestamp() <= at.timestamp() and isinstance(e, CaptivesReleased)
            for c in (e.captives or [])
        }
        seen: set[str] = set()
        for c in proposal.captives:
            ok = c.id not in seen and c.id not in released
            seen.add(c.id)
            if ok and info.covered(c.category):  # as in the ledger: no category counts
                live += c.status == "live"
                bodies += c.status == "body"
                due += info.ratio(c.category) * (c.status == "live")
    assert decision.counted == live + proposal.credit + info.weight * bodies
    assert decision.prisoners_due == due + info.ratio_default * proposal.credit

    if decision.for_day is None:  # the pause is over: nothing can extend it
        assert decision.meets_terms is False and decision.extension_days == 0
        assert utc(decision.ends_at) == utc(state.ends_at)
        return
    if decision.for_day <= info.initial_days:
        return
    per_day = info.per_day
    base_days, balance = projection(info, state, decision.for_day)
    assert decision.balance == balance
    row = state.row(decision.for_day)  # credits granted in advance toward the day checked
    recorded = row.counted if row is not None else 0
    assert decision.available == balance + recorded + decision.counted
    assert decision.extension_days == max(math.floor(decision.available / per_day), 0)
    assert decision.meets_terms == (decision.extension_days >= 1)
    assert (decision.shortfall == 0) == bool(decision.meets_terms)
    if not decision.meets_terms:
        assert decision.shortfall == per_day - decision.available
    nominal_end = info.start + timedelta(days=base_days)
    nominal_new = nominal_end + timedelta(days=decision.extension_days)
    assert decision.ends_at is not None
    assert utc(decision.ends_at) == utc(nominal_new.replace(tzinfo=info.zone, fold=0))
    local_new = decision.ends_at.astimezone(info.zone)
    assert local_new.date() == nominal_new.date()
    if not in_gap(nominal_new, info.zone):
        assert local_new.time() == nominal_end.time() == info.start.time()


@property_test(400, scenarios(extensions=False), st.data())
def test_check_predicts_replay(scn: Scenario, data: st.DataObject) -> None:
    """With inferred grants, recording a checked list's releases at the start of the day it is for
    and replaying there gives what check said: the same end, days and prisoners due."""
    info = scn.info
    at = data.draw(st.one_of(instants(scn), later_instants(scn)), label="at")
    known = [e for e in scn.events if e.at.timestamp() <= at.timestamp()]
    state = replay(scn.terms, History.of(known), at=at)
    proposal = data.draw(proposals(scn, state.creditable, listed=False), label="proposal")
    decision = check(state, proposal)
    assume(decision.for_day is not None and decision.for_day > info.initial_days)
    assert decision.for_day is not None
    day = decision.for_day
    # Credits granted in advance toward the day checked count with the list (no assume here).
    t = info.boundary(day - 1).astimezone(info.zone)
    base = {"at": t, "recorded_at": t, "declared_by": "mediator", "recorded_by": "tests"}
    added: list[Event] = []
    if proposal.live or proposal.bodies:
        added.append(
            CaptivesReleased(
                id="checked-list",
                type="captives_released",
                live=proposal.live,
                bodies=proposal.bodies,
                **base,
            )
        )
    if proposal.credit:
        added.append(
            CreditGranted(
                id="checked-credit",
                type="credit_granted",
                toward_day=day,
                count=proposal.credit,
                **base,
            )
        )
    assume(added)
    after = replay(scn.terms, History.of([*known, *added]), at=t)
    note(f"before: pause_days={state.pause_days} balance={state.balance} at={state.at}")
    note(f"after: pause_days={after.pause_days} balance={after.balance} at={after.at}")
    note(f"decision: {check_out(decision).model_dump_json()}")
    assert after.counted == state.counted + decision.counted
    assert after.prisoners_due == state.prisoners_due + decision.prisoners_due
    base_days, _ = projection(info, state, day)
    assert after.pause_days == base_days + decision.extension_days
    assert utc(after.ends_at) == utc(decision.ends_at)


@pytest.mark.parametrize("example", ["gaza-2023", "synthetic-london"])
def test_shipped_examples_traces_resolve(example: str) -> None:
    """The shipped examples, as a fixed point for the trace property."""
    from truce.ledger.load import load_ledger
    from truce.terms import load_terms

    root = Path(__file__).resolve().parents[2] / "examples" / example
    terms = load_terms(root / "terms.toml")
    ledgers = [root / name for name in ("days.csv", "ledger.jsonl") if (root / name).exists()]
    assert ledgers  # the examples' ledgers (other CSVs there are data, e.g. the aid series)
    for ledger in ledgers:
        history = load_ledger(ledger, terms)
        state = replay(terms, history)
        for ref in all_refs(state):
            resolve_ref(ref, terms, history)
