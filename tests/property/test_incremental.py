"""Incremental state (issue 18): appends judged from the state before them equal a full replay.

Random append sequences (events in batches, in time order or late, with corrections that
``supersede`` earlier events, disputed declarations of one act, and terms amendments) go into
:class:`truce.engine.incremental.Incremental` one batch at a time. After each batch its
``trial`` (what ``record`` judges) and, once kept, its ``state`` (what status and check read)
must equal ``replay`` of the whole history: the same status JSON, the same traces, the same
error for a batch the rules refuse. A ledger directory's ``record`` is checked the same way.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import note
from hypothesis import strategies as st

from truce.app.deal_schemas import status_out
from truce.engine.freeze import freeze, thaw
from truce.engine.incremental import Incremental
from truce.engine.results import State
from truce.engine.state import replay
from truce.errors import LedgerError
from truce.events import CaptivesReleased, Event
from truce.history import History
from truce.ledger.load import load_events_jsonl
from truce.terms import Terms, load_terms, parse_terms
from truce.versions import Amendment

from .strategies import Scenario, property_test, scenarios

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "gaza-2023"


def as_json(state: State) -> dict[str, Any]:
    return status_out(state).model_dump()


def traces(state: State) -> dict[str, list[str]]:
    """Every trace of the state, resolved (the figures' and each finding's own and full)."""
    out = {name: list(state.why(name)) for name in state.trace}
    for n in range(1, len(state.findings) + 1):
        out[f"finding:{n}"] = list(state.why(f"finding:{n}"))
    return out


def same(got: State, want: State) -> None:
    assert as_json(got) == as_json(want)
    assert traces(got) == traces(want)
    assert got.released_ids == want.released_ids
    assert [e.ref for e in got.entries] == [e.ref for e in want.entries]


def amended(terms: Terms, effective_at: datetime, n: int) -> Amendment:
    """Terms with a higher per-day quota (or the same terms where they have none)."""
    raw = terms.model_dump(mode="json", by_alias=True, exclude_none=True)
    if "extension" in raw:
        raw["extension"]["captives_per_day"] = int(raw["extension"]["captives_per_day"]) + n
    return Amendment(effective_at, parse_terms(raw), f"event:amend-{n}", None)


@st.composite
def plans(draw: st.DrawFn, events: list[Event]) -> list[tuple[str, Any]]:
    """Batches of ``events`` (in a drawn order: some come late), with corrections, disputed
    declarations and amendments between them. Each op: ("events", [...]) or ("amend", k)."""
    order = draw(st.permutations(range(len(events)))) if draw(st.booleans()) else None
    evs = [events[i] for i in order] if order is not None else list(events)
    if order is None and draw(st.booleans()):  # mostly in order, a few late
        for _ in range(draw(st.integers(0, 3))):
            if len(evs) > 1:
                i = draw(st.integers(1, len(evs) - 1))
                j = draw(st.integers(0, i))
                evs.insert(j, evs.pop(i))
    ops: list[tuple[str, Any]] = []
    i = 0
    fixes = 0
    while i < len(evs):
        n = draw(st.integers(1, 3))
        batch = list(evs[i : i + n])
        i += n
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(["correct", "dispute", "amend", "none"]))
            done = [e for op, es in ops if op == "events" for e in es]
            if kind == "amend":
                ops.append(("amend", len([o for o in ops if o[0] == "amend"]) + 1))
            elif kind in ("correct", "dispute") and done:
                # Often the latest event: its correction then comes at the end, in time.
                target = draw(st.sampled_from(done[-1:] if draw(st.booleans()) else done))
                fixes += 1
                upd: dict[str, Any] = {"id": f"fix-{fixes}"}
                if kind == "correct":
                    upd["supersedes"] = target.id
                    if draw(st.booleans()):
                        upd["at"] = target.at + timedelta(minutes=draw(st.integers(-90, 180)))
                else:
                    upd["act"] = target.act or f"act-{fixes}"
                    upd["declared_by"] = draw(st.sampled_from(["holder", "receiver", "mediator"]))
                if isinstance(target, CaptivesReleased) and target.captives is None:
                    upd["live"] = target.live + draw(st.integers(-1, 2)) if target.live else 1
                fix = target.model_copy(update=upd)
                if draw(st.booleans()):
                    batch.append(fix)
                else:  # on its own, before the batch
                    ops.append(("events", [fix]))
        ops.append(("events", batch))
    return ops


def refrozen(inc: Incremental, terms: Terms, amendments: list[Amendment]) -> Incremental:
    """``inc`` frozen, through msgpack as a snapshot file holds it, and thawed: its events
    are loaded again only when read."""
    events = [en.event for en in inc.history.entries]
    data = msgspec.msgpack.decode(msgspec.msgpack.encode(freeze(inc, list(range(len(events))))))
    out = thaw(data, terms, amendments, events.__getitem__, None)
    out.resume_limit = inc.resume_limit
    return out


def run_plan(
    terms: Terms, ops: list[tuple[str, Any]], start: datetime, refreeze: bool = False
) -> Incremental:
    """Apply the plan to an Incremental and, side by side, to a plain history replayed whole.
    ``refreeze``: after every batch kept, go on from its frozen and thawed copy."""
    inc = Incremental(terms)
    inc.resume_limit = 1.0  # take back as far as needed: every resume is checked, none skipped
    kept: list[Event] = []
    amendments: list[Amendment] = []
    for step, (op, arg) in enumerate(ops):
        batch: list[Event] = []
        amends = amendments
        if op == "amend":
            amends = [*amendments, amended(terms, start + timedelta(days=arg), arg)]
        else:
            batch = arg
        note(f"step {step}: {op} {[e.id for e in batch] if batch else arg}")
        want: State | None = None
        error: str | None = None
        try:
            h = History.of([*kept, *batch])
            want = replay(terms, h, amendments=amends)
        except LedgerError as exc:
            error = f"{exc} @ {exc.where}"
        try:
            got = inc.trial(batch, amendments=amends)
        except LedgerError as exc:
            assert error == f"{exc} @ {exc.where}"
        else:
            assert error is None, f"the full replay refused: {error}"
            assert want is not None
            same(got, want)
        # What was there is untouched by the trial.
        if kept:
            same(inc.state(), replay(terms, History.of(kept), amendments=amendments))
        if error is None:
            inc.extend(batch, amendments=amends)
            kept += batch
            amendments = amends
            assert want is not None
            same(inc.state(), want)
            if refreeze:
                inc = refrozen(inc, terms, amendments)
                same(inc.state(), want)
    return inc


def _start(terms: Terms) -> datetime:
    s = terms.agreement.start
    return s.replace(tzinfo=terms.agreement.zone) if s else datetime(2030, 1, 1, tzinfo=UTC)


@property_test(40, scenarios(max_events=14), st.data())
def test_incremental_equals_replay_synthetic(scn: Scenario, data: st.DataObject) -> None:
    ops = data.draw(plans(scn.events), label="plan")
    run_plan(scn.terms, ops, _start(scn.terms))


EXAMPLE_TERMS = load_terms(EXAMPLE / "terms.toml")
EXAMPLE_EVENTS = [e.event for e in load_events_jsonl(EXAMPLE / "ledger.jsonl", EXAMPLE_TERMS)]


@property_test(15, st.data())
def test_incremental_equals_replay_gaza_2023(data: st.DataObject) -> None:
    ops = data.draw(plans(EXAMPLE_EVENTS), label="plan")
    run_plan(EXAMPLE_TERMS, ops, _start(EXAMPLE_TERMS))


@property_test(25, scenarios(max_events=14), st.data())
def test_thawed_state_equals_replay_synthetic(scn: Scenario, data: st.DataObject) -> None:
    """A snapshot's state (frozen, written, thawed with its events not yet read) goes on as
    the state it froze: every later batch is judged as a full replay judges it."""
    ops = data.draw(plans(scn.events), label="plan")
    run_plan(scn.terms, ops, _start(scn.terms), refreeze=True)


@property_test(10, st.data())
def test_thawed_state_equals_replay_gaza_2023(data: st.DataObject) -> None:
    ops = data.draw(plans(EXAMPLE_EVENTS), label="plan")
    run_plan(EXAMPLE_TERMS, ops, _start(EXAMPLE_TERMS), refreeze=True)


def test_every_field_is_frozen() -> None:
    """``freeze`` names every field of the tally and the day tally: a field added to either
    and not to the snapshot fails here, not in a resumed ledger."""
    import dataclasses
    import inspect

    from truce.engine import freeze as fz
    from truce.engine.tally import DayTally, Tally

    src = inspect.getsource(fz)
    for f in dataclasses.fields(Tally):
        assert f'"{f.name}"' in src or f"{f.name}=" in src or f"t.{f.name}" in src, f.name
    day = set(fz._DAY) | {"live_by_category", "credit_by_category"}
    assert day == {f.name for f in dataclasses.fields(DayTally)}
    tl = Incremental(EXAMPLE_TERMS)
    tl.extend(EXAMPLE_EVENTS)
    tallier = vars(tl._tally())  # what thaw must set (covered_cache refills itself)
    kept = {
        "terms",
        "cal",
        "t",
        "basis_aid",
        "covered_cache",
        "k",
        "lo",
        "next_ts",
        "cur",
        "_undo",
        "_fresh",
        "_detached",
    }
    assert set(tallier) == kept, set(tallier) ^ kept


def test_a_thawed_append_at_the_end_reads_no_old_event() -> None:
    """Thawed, the example's state judges a new event at the end without making any stored
    release again: the judge reads only the extensions, the lists they name and the end."""
    inc = Incremental(EXAMPLE_TERMS)
    inc.extend(EXAMPLE_EVENTS[:-1])
    thawed = refrozen(inc, EXAMPLE_TERMS, [])
    thawed.check([EXAMPLE_EVENTS[-1]])
    thawed.extend([EXAMPLE_EVENTS[-1]])
    loaded = [en for en in thawed.history.entries[:-1] if getattr(en, "loaded", True)]
    kinds = {en.event.type for en in loaded}
    assert kinds <= {"extension_agreed", "list_announced", "pause_ended"}, kinds
    assert len(loaded) == 4, [en.ref for en in loaded]
    same(thawed.state(), replay(EXAMPLE_TERMS, History.of(EXAMPLE_EVENTS)))


def test_in_order_appends_take_the_fast_path() -> None:
    """Appending the example's events one at a time, in order, tallies each on its own; one
    that comes late or corrects resumes from the pause day it touches; only a declaration of a
    shared act re-tallies from the start."""
    inc = Incremental(EXAMPLE_TERMS)
    late = acts = 0
    last = float("-inf")
    for ev in EXAMPLE_EVENTS:
        ts = ev.at.timestamp()
        acts += ev.act is not None
        late += ev.act is None and (ts < last or bool(ev.supersedes))
        last = max(last, ts)
        inc.extend([ev])
        inc.state()
    same(inc.state(), replay(EXAMPLE_TERMS, History.of(EXAMPLE_EVENTS)))
    assert inc.full <= 1 + acts
    assert inc.fast + inc.resumed + inc.full == len(EXAMPLE_EVENTS)


def test_a_correction_resumes_from_the_day_it_touches() -> None:
    """A correction of a day-3 release re-tallies from day 3, not from the start: day 1's
    tally is the very same object (day 2's is copied before it is resumed), and the state
    equals a full replay."""
    inc = Incremental(EXAMPLE_TERMS)
    inc.resume_limit = 1.0  # the example is small: day 3 is more than half of it
    inc.extend(EXAMPLE_EVENTS)
    inc.state()
    day1 = inc._tally().t.days[1]
    cal = inc._calendar()
    assert cal is not None
    target = next(
        e
        for e in EXAMPLE_EVENTS
        if isinstance(e, CaptivesReleased)
        and e.track == "framework"
        and cal.day_of_ts(e.at.timestamp()) == 3
        and e.act is None
    )
    fix = target.model_copy(update={"id": "fix-day-3", "supersedes": target.id})
    full = inc.full
    inc.extend([fix])
    assert (inc.full, inc.resumed) == (full, 1)
    assert inc._tally().t.days[1] is day1
    same(inc.state(), replay(EXAMPLE_TERMS, History.of([*EXAMPLE_EVENTS, fix])))


def test_record_judges_from_the_kept_state() -> None:
    """A ledger directory records the example's events one by one: each append is judged
    incrementally, a refused one leaves the kept state as it was, and status reads it."""
    from truce.app import deal
    from truce.ledger.directory import LedgerDir
    from truce.ledger.record import record

    with tempfile.TemporaryDirectory() as tmp:
        d = LedgerDir.init(
            Path(tmp) / "l", EXAMPLE / "terms.toml", at=datetime(2023, 11, 22, 8, tzinfo=UTC)
        )
        try:
            clock = lambda: datetime(2023, 12, 2, tzinfo=UTC)  # noqa: E731
            for ev in EXAMPLE_EVENTS[:20]:
                record(d, [ev], [ev.id], clock=clock)
            before = as_json(deal.state(deal.of_ledger(d)))
            bad = EXAMPLE_EVENTS[1].model_copy(update={"id": "again"})  # releases them twice
            try:
                record(d, [bad], ["again"], clock=clock)
            except LedgerError as exc:
                assert "released again" in str(exc)
            else:
                raise AssertionError("a second release of the same captives was recorded")
            assert as_json(deal.state(deal.of_ledger(d))) == before
            for ev in EXAMPLE_EVENTS[20:]:
                record(d, [ev], [ev.id], clock=clock)
            inc = d.engine()
            assert inc.fast > 0
            same(deal.state(deal.of_ledger(d)), replay(d.terms, d.history()))
        finally:
            d.close()
