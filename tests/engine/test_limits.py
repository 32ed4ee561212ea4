"""Bounds and hostile input, in process (issue 10): the limits in truce.limits, the engine's work
growing with the number of events and never with a number inside one, the duplicate-key check on
every JSONL line, ASCII-only day-summary cells, dates inside the calendar, control characters made
visible, and stored data of the wrong type. The exit statuses are checked through the CLI in
tests/cli/test_hostile_input.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apsw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from tests.conftest import EXAMPLES
from tests.engine.helpers import E, make_terms
from truce import api, clock
from truce.app.deal_schemas import status_out
from truce.engine.decide import Proposal, check
from truce.engine.state import replay
from truce.errors import BadInput, IntegrityError, LedgerError, ProposalError, TermsError
from truce.events import EVENT_ADAPTER, Event
from truce.history import History
from truce.ledger.load import _cell_int, check_no_repeats, load_events_jsonl, parse_event
from truce.ledger.log import checkpoint as cpt
from truce.ledger.store.contract import Leaf
from truce.ledger.store.sqlite import SqliteLedger
from truce.limits import (
    MAX_FUEL_LITRES,
    MAX_PAUSE_DAYS,
    MAX_PEOPLE,
    MAX_TRUCKS,
    MAX_YEAR,
    MIN_YEAR,
)
from truce.render import printable, render_status
from truce.terms import load_terms, terms_schema
from truce.tomlfile import read_toml

GAZA = EXAMPLES / "gaza-2023"
GAZA_TERMS = load_terms(GAZA / "terms.toml")


def _ext(days: int, id_: str = "long", at: str = "2023-11-30T08:00+02:00") -> Event:
    return EVENT_ADAPTER.validate_python(
        {
            "id": id_,
            "type": "extension_agreed",
            "at": at,
            "recorded_at": at,
            "declared_by": "qatar",
            "recorded_by": "t",
            "days": days,
        }
    )


def _gaza(*more: Event) -> History:
    h = load_events_jsonl(GAZA / "ledger.jsonl", GAZA_TERMS)
    h.extend(more)
    return h


# -- the bounds are in the schemas ---------------------------------------------------------------


def _unbounded(schema: Any, path: str = "", arrays: bool = True) -> Iterator[str]:
    """Paths of integer schemas without a maximum (and of arrays without maxItems)."""
    if isinstance(schema, dict):
        if schema.get("type") == "integer" and "maximum" not in schema:
            yield path
        if arrays and schema.get("type") == "array" and "maxItems" not in schema:
            yield path
        for k, v in schema.items():
            yield from _unbounded(v, f"{path}.{k}", arrays)
    elif isinstance(schema, list):
        for i, v in enumerate(schema):
            yield from _unbounded(v, f"{path}[{i}]", arrays)


def test_every_count_and_list_in_an_event_is_bounded() -> None:
    assert list(_unbounded(EVENT_ADAPTER.json_schema())) == []


def test_every_count_in_the_terms_is_bounded() -> None:
    """(Lists of parties and categories are written by hand in a terms file: not bounded.)"""
    assert list(_unbounded(terms_schema(), arrays=False)) == []


def test_the_limits_in_the_event_schema() -> None:
    defs = EVENT_ADAPTER.json_schema()["$defs"]
    assert defs["ExtensionAgreed"]["properties"]["days"]["maximum"] == MAX_PAUSE_DAYS == 3660
    assert defs["CreditGranted"]["properties"]["toward_day"]["maximum"] == 3660
    assert defs["PrisonersReleased"]["properties"]["count"]["maximum"] == MAX_PEOPLE == 1_000_000
    trucks = defs["AidDelivered"]["properties"]["trucks"]["anyOf"][0]
    assert trucks["maximum"] == MAX_TRUCKS == 100_000
    fuel = defs["AidDelivered"]["properties"]["fuel_litres"]["anyOf"][0]
    assert fuel["maximum"] == MAX_FUEL_LITRES == 1_000_000_000
    assert (MIN_YEAR, MAX_YEAR) == (1900, 2999)


# -- F12: the engine's work follows the events, not a number inside one --------------------------


class _Counter:
    """Counts the wall-clock boundaries the calendar works out (its only per-day work)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0
        real = clock.resolve_local

        def counted(local: datetime, zone: Any) -> clock.Resolved:
            self.n += 1
            return real(local, zone)

        monkeypatch.setattr(clock, "resolve_local", counted)


def test_longest_pause_has_one_row_per_day(monkeypatch: pytest.MonkeyPatch) -> None:
    c = _Counter(monkeypatch)
    state = replay(GAZA_TERMS, _gaza(_ext(3653)))
    assert state.pause_days == 3660
    assert state.ends_at == datetime.fromisoformat("2033-12-01T07:00:00+02:00")
    assert len(state.days) == 3660
    assert len(state.findings) == 23  # days judged up to the last event only
    assert c.n <= 3 * 3660


def test_a_late_release_adds_one_row_not_one_per_day_between(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A release dated 2999 used to make a row for every day since 2023 (356,151 rows)."""
    late = E(
        "captives_released", "late", "2999-01-01T12:00+02:00", "qatar", live=1, track="outside"
    )
    c = _Counter(monkeypatch)
    state = replay(GAZA_TERMS, _gaza(late))
    assert [r.day for r in state.days] == [1, 2, 3, 4, 5, 6, 7, 356151]
    assert state.days[-1].phase == "beyond"
    assert c.n < 100


def test_extensions_together_past_the_longest_pause_are_refused() -> None:
    with pytest.raises(LedgerError) as err:
        replay(GAZA_TERMS, _gaza(_ext(3000, "a"), _ext(3000, "b", "2023-11-30T09:00+02:00")))
    assert str(err.value) == (
        "event:b: with this extension the pause would last 6007 days, more than the 3660 days "
        "truce judges (see Limits in docs/ledger.md)"
    )


def test_inferred_days_past_the_longest_pause_are_refused() -> None:
    terms = make_terms()  # 2 initial days, +1 day per 3 counted; grants inferred
    big = E("captives_released", "big", "2025-01-12T10:00", by="m", live=MAX_PEOPLE)
    with pytest.raises(LedgerError) as err:
        replay(terms, History.of([big]))
    assert str(err.value) == (
        "event:big: with the days inferred the pause would last 333335 days, more than the "
        "3660 days truce judges (see Limits in docs/ledger.md)"
    )


def test_a_list_that_would_pass_the_longest_pause_is_refused() -> None:
    state = replay(GAZA_TERMS, _gaza(_ext(3600)), at=datetime(2023, 11, 30, 10, tzinfo=UTC))
    with pytest.raises(ProposalError, match="this list would extend the pause to 3707 days"):
        check(state, Proposal(live=1000))
    with pytest.raises(ProposalError, match=r"live: must be <= 1000000, got 1000001"):
        Proposal(live=MAX_PEOPLE + 1)


_KINDS = ["extension", "release", "outside", "credit", "prisoners", "aid", "list", "claim"]


@st.composite
def _events(draw: st.DrawFn) -> list[Event]:
    """Up to eight events of any kind, every number within the limits, at any time in range
    (framework releases after the pause start, and an outside release first to credit)."""
    out = [E("captives_released", "o0", "2024-06-01T12:00", by="m", live=5, track="outside")]
    for i in range(1, draw(st.integers(2, 9))):
        kind = draw(st.sampled_from(_KINDS))
        year = draw(st.sampled_from([1900, 2025, 2025, 2025, 2100, 2999]))
        day = draw(st.integers(11, 28))
        at = f"{year}-01-{day:02d}T{draw(st.integers(0, 23)):02d}:00"
        n = draw(st.sampled_from([1, 2, 3, 1000, MAX_PEOPLE]))
        kw: dict[str, Any] = {}
        if kind == "extension":
            days = draw(st.sampled_from([1, 2, 100, 1000, MAX_PAUSE_DAYS - 2, MAX_PAUSE_DAYS]))
            kind, kw = "extension_agreed", {"days": days}
        elif kind == "release":
            at = f"2025-01-{day:02d}T12:00"
            kind, kw = "captives_released", {"live": n}
        elif kind == "outside":
            kind, kw = "captives_released", {"live": n, "track": "outside"}
        elif kind == "credit":
            kw = {"count": 1, "toward_day": draw(st.sampled_from([1, 5, 3000, MAX_PAUSE_DAYS]))}
            kind = "credit_granted"
        elif kind == "prisoners":
            kind, kw = "prisoners_released", {"count": n}
        elif kind == "aid":
            kw = {"basis": "received", "trucks": draw(st.integers(0, MAX_TRUCKS))}
            kw["date"] = f"{draw(st.sampled_from([1900, 2025, 2999]))}-01-{day:02d}"
            kind = "aid_delivered"
        elif kind == "list":
            kind, kw = "list_announced", {"for_day": draw(st.integers(1, MAX_PAUSE_DAYS))}
        else:
            kind, kw = "claim", {"text": "x"}
        out.append(E(kind, f"e{i}", at, by="m", **kw))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_events())
def test_work_is_bounded_by_the_events_and_the_longest_pause(events: list[Event]) -> None:
    """Whatever numbers the events carry (within the limits), the replay makes at most one row
    per pause day (at most MAX_PAUSE_DAYS) plus one per event, and works out a bounded number of
    day boundaries: nothing proportional to a count, a day number or a date."""
    with pytest.MonkeyPatch.context() as mp:
        c = _Counter(mp)
        try:
            state = replay(make_terms(), History.of(events))
        except LedgerError:
            return  # refused (a credit beyond the pool, a pause past the limit): also bounded
        assert state.pause_days <= MAX_PAUSE_DAYS
        assert len(state.days) <= state.pause_days + len(events)
        assert len(state.findings) <= 3 * (state.pause_days + 1) + 2 * len(events)
        assert c.n <= 4 * (MAX_PAUSE_DAYS + 10 * len(events))


def test_status_folds_days_alike_with_nothing_recorded() -> None:
    state = replay(GAZA_TERMS, _gaza(_ext(3653)), at=datetime(2033, 11, 19, 22, tzinfo=UTC))
    console = Console(record=True, width=200, file=open("/dev/null", "w"))  # noqa: SIM115
    render_status(console, status_out(state))
    text = console.export_text()
    assert (
        "│ 8-3648 │ captives  │ short   │ days 8-3648: 0 of 10 counted; 10 short of one more day"
        in text
    )
    assert (
        "│ 8-3649 │ aid       │ unknown │ days 8-3649: no received figure recorded (commitment 200 trucks)"
        in text
    )
    assert "│ 3649   │ captives  │ pending │ day 3649: 0 of 10 counted so far" in text
    assert "│ 3650-3660 │ 2033-11-20 to 2033-11-30 │" in text
    assert len(text.splitlines()) < 80


# -- duplicate keys, deep JSON and huge numbers in a JSONL line ----------------------------------

_CLAIM: dict[str, Any] = {
    "id": "c1",
    "type": "claim",
    "at": "2023-11-30T08:00+02:00",
    "recorded_at": "2023-11-30T08:00+02:00",
    "declared_by": "qatar",
    "recorded_by": "t",
    "text": "x",
}


def _read(tmp_path: Path, line: str) -> list[Event]:
    p = tmp_path / "l.jsonl"
    p.write_text(line + "\n")
    return [e.event for e in load_events_jsonl(p).entries]


@pytest.mark.parametrize(
    "line, key",
    [
        ('{"id": "a", ' + json.dumps(_CLAIM)[1:], "id"),
        (json.dumps(_CLAIM)[:-1] + ', "text" : "y"}', "text"),
        (json.dumps(_CLAIM)[:-1] + ',\t"text"\t:\t"y"}', "text"),
        (json.dumps(_CLAIM)[:-1] + ', "te\\u0078t": "x"}', "text"),
        (
            json.dumps({**_CLAIM, "type": "captives_released", "captives": [{"id": "c", "id ": 1}]})
            .replace('"id ": 1', '"id": "c"')
            .replace('"text": "x", ', ""),
            "id",
        ),
    ],
    ids=["top", "spaces", "tabs", "escaped", "nested"],
)
def test_a_key_written_twice_is_refused(tmp_path: Path, line: str, key: str) -> None:
    with pytest.raises(LedgerError) as err:
        _read(tmp_path, line)
    assert str(err.value) == (
        f"{tmp_path / 'l.jsonl'}:1: key {key!r} is written twice in one object: each key may "
        "appear once"
    )


def test_key_ends_inside_text_are_not_taken_for_repeats(tmp_path: Path) -> None:
    tricky = {**_CLAIM, "text": 'he said "stop": no', "note": '": " :\t"x" :'}
    assert [e.id for e in _read(tmp_path, json.dumps(tricky))] == ["c1"]
    assert [
        e.id for e in _read(tmp_path, json.dumps(tricky, indent=None, separators=(",", ":")))
    ] == ["c1"]


_WS = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def _json_lines(draw: st.DrawFn) -> tuple[str, bool]:
    """A valid event written with random whitespace around colons; maybe a key written twice
    (with the same value, so that only the duplicate check can tell)."""
    ev = dict(_CLAIM)
    ev["sources"] = draw(st.lists(st.sampled_from(['a": b', "x", '"', ":"]), max_size=3))
    ev["note"] = draw(st.sampled_from([None, '"k": 1', "plain"]))
    if ev["note"] is None:
        del ev["note"]
    keys = list(ev)
    dup = draw(st.sampled_from([None, *keys]))

    def member(k: str) -> str:
        return f"{json.dumps(k)}{draw(_WS)}:{draw(_WS)}{json.dumps(ev[k])}"

    parts = [member(k) for k in keys] + ([member(dup)] if dup else [])
    return "{" + ", ".join(parts) + "}", dup is not None


@settings(max_examples=150, deadline=None)
@given(_json_lines())
def test_the_cheap_check_finds_exactly_the_repeated_keys(case: tuple[str, bool]) -> None:
    line, repeated = case
    event = EVENT_ADAPTER.validate_json(line)
    if repeated:
        with pytest.raises(LedgerError, match="is written twice in one object"):
            check_no_repeats(line, event, "l:1")
    else:
        check_no_repeats(line, event, "l:1")


def test_deep_json_in_a_dict_field_is_refused(tmp_path: Path) -> None:
    terms_set = {**_CLAIM, "type": "terms_set", "effective_at": _CLAIM["at"], "digest": "0" * 64}
    del terms_set["text"]
    line = json.dumps(terms_set)[:-1] + ', "terms": ' + '{"a": ' * 5000 + "1" + "}" * 5001
    with pytest.raises(LedgerError, match=r"l.jsonl:1: the JSON is nested more than 200 levels"):
        _read(tmp_path, line)


def test_a_big_count_is_shown_briefly() -> None:
    with pytest.raises(LedgerError) as err:
        parse_event(
            {**_CLAIM, "type": "prisoners_released", "count": 10**4000, "text": None}, "l:1"
        )
    assert "count: must be <= 1000000, got 100000000000... (a number of 4001 digits)" in str(
        err.value
    )


# -- times inside the calendar ------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("at", "9999-12-31T23:59:59-05:00", "at: time 9999-12-31T23:59:59-05:00 is out of range"),
        ("at", "1899-12-31T23:00:00+00:00", "at: time 1899-12-31T23:00:00+00:00 is out of range"),
        ("recorded_at", "3000-01-01T00:00:00+00:00", "recorded_at: time 3000-01-01T00:00:00+00:00"),
    ],
)
def test_event_times_out_of_range(field: str, value: str, message: str) -> None:
    with pytest.raises(LedgerError) as err:
        parse_event({**_CLAIM, field: value}, "l:1")
    assert (
        str(err.value)
        == f"l:1: {message}"
        + ("" if message.endswith("range") else " is out of range")
        + ": truce takes years 1900 to 2999"
    )


def test_aid_date_and_effective_at_out_of_range() -> None:
    aid = {**_CLAIM, "type": "aid_delivered", "basis": "received", "date": "9999-01-01"}
    del aid["text"]
    with pytest.raises(LedgerError, match=r"date: date 9999-01-01 is out of range"):
        parse_event(aid, "l:1")
    ts = {**_CLAIM, "type": "terms_set", "effective_at": "0001-01-01T00:00+05:00"}
    ts |= {"terms": {}, "digest": "0" * 64}
    del ts["text"]
    with pytest.raises(LedgerError, match=r"effective_at: time 0001-01-01T00:00:00\+05:00 is out"):
        parse_event(ts, "l:1")


def test_api_times_out_of_range() -> None:
    h = _gaza()
    with pytest.raises(BadInput, match="time 9999-12-31T23:00:00 is out of range"):
        api.status(GAZA_TERMS, h, at=datetime(9999, 12, 31, 23))


# -- the day summary and the terms file ---------------------------------------------------------


@pytest.mark.parametrize(
    "cell, message",
    [
        ("１２", "expected a whole number written with the digits 0-9 only, got '１２'"),
        ("1_000", "expected a whole number written with the digits 0-9 only, got '1_000'"),
        ("+5", "expected a whole number written with the digits 0-9 only, got '+5'"),
        ("1e3", "expected a whole number written with the digits 0-9 only, got '1e3'"),
        ("٣", "expected a whole number written with the digits 0-9 only, got '٣'"),
        ("-5", "must be >= 0, got -5"),
        ("1000001", "must be <= 1000000, got 1000001"),
        ("9" * 5000, "a number of 5000 digits; at most 1000000 is taken"),
    ],
)
def test_day_cells_take_ascii_digits_within_the_limits(cell: str, message: str) -> None:
    with pytest.raises(LedgerError) as err:
        _cell_int({"live_released": cell}, "live_released", "d.csv:3")
    assert str(err.value) == f"d.csv:3: column live_released: {message}"


def test_day_cells_bounds_by_column() -> None:
    assert _cell_int({"aid_trucks": " 100000 "}, "aid_trucks", "w") == 100_000
    with pytest.raises(LedgerError, match="column extension_days: must be <= 3660, got 3661"):
        _cell_int({"extension_days": "3661"}, "extension_days", "w")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "a = 1\nb = " + "7" * 5000 + "\n",
            "line 2: a number too long to read (thousands of digits)",
        ),
        (
            "a = 1\nb = " + "[" * 100_000 + "]" * 100_000 + "\n",
            "line 2: arrays or tables nested too deeply",
        ),
        (
            "b = " + "{c = " * 100_000 + "1" + "}" * 100_000 + "\n",
            "line 1: arrays or tables nested too deeply",
        ),
    ],
    ids=["digits", "arrays", "inline-tables"],
)
def test_terms_files_the_parser_cannot_hold(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "t.toml"
    p.write_text(text)
    with pytest.raises(TermsError) as err:
        read_toml(p, TermsError, "terms file")
    assert str(err.value).startswith(f"{p}: {message}")


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "initial_days = 4",
            "initial_days = 3661",
            "agreement.initial_days: must be <= 3660, got 3661",
        ),
        ("captives_per_day = 10", "captives_per_day = 1000001", "must be <= 1000000, got 1000001"),
        (
            "prisoners_per_captive = 3",
            'prisoners_per_captive = "100001"',
            "this value must be <= 100000",
        ),
        (
            "prisoners_per_captive = 3",
            'prisoners_per_captive = "1/' + "3" * 45 + '"',
            "write it in at most 40",
        ),
        ("prisoners_due_within_hours = 24", "prisoners_due_within_hours = 8785", "must be <= 8784"),
        (
            "trucks_per_day = 200",
            "trucks_per_day = 100001",
            "aid.trucks_per_day: must be <= 100000",
        ),
    ],
)
def test_terms_bounds(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = (GAZA / "terms.toml").read_text()
    assert old in text
    p = tmp_path / "terms.toml"
    p.write_text(text.replace(old, new))
    with pytest.raises(TermsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_terms(p)


# -- what is printed for humans -----------------------------------------------------------------


def test_printable_makes_every_control_character_visible() -> None:
    assert printable("a\x1b]0;owned\x07b") == "a\\x1b]0;owned\\x07b"
    assert printable("\x1b[2J\t\n\r\x00\x7f\x9b") == "\\x1b[2J\\x09\\x0a\\x0d\\x00\\x7f\\x9b"
    assert printable("\u202eevil\u2028") == "\\u202eevil\\u2028"
    assert printable("plain, ünïcode – ok \\x1b") == "plain, ünïcode – ok \\x1b"


# -- stored data of the wrong type -------------------------------------------------------------


def test_a_retyped_column_names_the_seq_and_the_types(tmp_path: Path) -> None:
    store = SqliteLedger.open(tmp_path / "l.db")
    store.append([Leaf(f"e{i}", "claim", "p", "public", b"{}") for i in range(1, 4)])
    store.close()
    c = apsw.Connection(str(tmp_path / "l.db"))
    c.execute("UPDATE entry SET visibility = x'00' WHERE seq = 2")
    c.close()
    store = SqliteLedger.open(tmp_path / "l.db")
    try:
        with pytest.raises(IntegrityError) as err:
            list(store.read())
        assert (str(err.value), err.value.seq, err.value.kind) == (
            "seq 2: stored visibility is BLOB, expected TEXT",
            2,
            "column",
        )
    finally:
        store.close()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"[" * 100_000 + b"]" * 100_000, "witness state is not valid JSON"),
        (b"1" * 5000, "witness state is not valid JSON"),
        (b'{"o": []}', "witness state must map origin -> object"),
    ],
)
def test_witness_state_garbage(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "w.json"
    p.write_bytes(content)
    with pytest.raises(IntegrityError) as err:
        cpt.read_witness_state(p)
    assert str(err.value) == f"{p}: {message}"


def test_a_proposed_list_nested_too_deeply(tmp_path: Path) -> None:
    p = tmp_path / "list.jsonl"
    p.write_text('{"id": "c-1"}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ProposalError) as err:
        api.load_list(p)
    assert str(err.value) == (f"{p}:2: JSON nested too deeply or with a number too long to read")
