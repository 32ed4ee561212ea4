"""The fast event decoder (truce.ledger.fastparse) against pydantic, the definition of an event.

Whatever the fast path accepts, pydantic accepts with the same value (the same ``==``, JSON
and fields given); what it does not cover or accept goes to pydantic. Loading streamed gives
the same entries and the same replay as validating every line with pydantic (issue 18).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from tests.conftest import EXAMPLES, ROOT
from truce.app.deal_schemas import status_out
from truce.engine.state import replay
from truce.errors import LedgerError, TermsError
from truce.events import EVENT_ADAPTER, EVENT_MODELS, CaptivesReleased, Event, EventBase
from truce.history import History
from truce.ledger.fastparse import EMPTY, Fallback, FastEvents, fast_events
from truce.ledger.load import load_events_jsonl, read_events_jsonl
from truce.terms import Terms, load_terms

FAST = fast_events()
EXAMPLE_LINES = [
    line
    for p in sorted(EXAMPLES.glob("*/ledger.jsonl"))
    for line in p.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
BASES: list[dict[str, Any]] = [json.loads(line) for line in EXAMPLE_LINES]


def same(fast: Event, ref: Event) -> None:
    """The fast event is the pydantic event: equal, same JSON, same fields given, same type."""
    assert type(fast) is type(ref)
    assert fast == ref
    assert fast.model_dump_json() == ref.model_dump_json()
    assert fast.model_dump(mode="json", exclude_unset=True) == ref.model_dump(
        mode="json", exclude_unset=True
    )
    assert set(fast.model_fields_set) == set(ref.model_fields_set)
    for name in type(ref).model_fields:
        a, b = getattr(fast, name), getattr(ref, name)
        if hasattr(b, "utcoffset"):
            assert a.utcoffset() == b.utcoffset() and a.tzname() == b.tzname(), name


def check_line(line: str) -> Event | None:
    """Decode one line both ways; the fast path may refuse more, never accept more."""
    try:
        fast: Event | None = FAST.decode(line)
    except Fallback:
        fast = None
    try:
        ref: Event | None = EVENT_ADAPTER.validate_json(line)
    except ValidationError:
        ref = None
    if fast is not None:
        assert ref is not None, f"the fast path accepted what pydantic refuses: {line}"
        same(fast, ref)
    return fast


def test_every_event_type_is_covered_or_falls_back() -> None:
    assert set(FAST.covered) | set(FAST.why) == set(EVENT_MODELS)
    assert not set(FAST.covered) & set(FAST.why)
    # The types a big ledger is made of are decoded fast (else the fast path quietly left).
    assert {"captives_released", "prisoners_released", "credit_granted", "aid_delivered"} <= set(
        FAST.covered
    )
    assert "Any" in FAST.why["terms_set"]  # the terms document: pydantic reads it


def test_a_mapping_field_is_read_fast_and_checked_like_pydantic() -> None:
    """aid_delivered's ``parts`` (batch id -> trucks) is read by the fast path; a key that breaks
    the id pattern or a count out of range is refused by both paths."""
    base = {
        "id": "a1",
        "type": "aid_delivered",
        "at": "2025-01-20T10:00+02:00",
        "recorded_at": "2025-01-20T10:00+02:00",
        "declared_by": "qatar",
        "recorded_by": "t",
        "basis": "received",
        "trucks": 630,
    }
    ok = check_line(json.dumps(base | {"parts": {"fuel": 50, "north": 300}}))
    assert ok is not None and ok.parts == {"fuel": 50, "north": 300}  # type: ignore[union-attr]
    assert check_line(json.dumps(base | {"parts": {"Fuel!": 50}})) is None
    assert check_line(json.dumps(base | {"parts": {"fuel": -1}})) is None
    assert check_line(json.dumps(base | {"parts": {"fuel": "50"}})) is None


def test_example_lines_agree() -> None:
    decoded = [check_line(line) for line in EXAMPLE_LINES]
    assert sum(ev is not None for ev in decoded) >= len(EXAMPLE_LINES) - 5  # terms_set lines


@pytest.mark.parametrize(
    "stamp",
    [
        "2030-01-03T05:00:00Z",
        "2030-01-03t05:00:00z",
        "2030-01-03 05:00:00Z",
        "2030-01-03T05:00Z",
        "2030-01-03T05:00:00.1234567Z",
        "2030-01-03T05:00:00.9999995Z",
        "2030-01-03T05:00:00.5+02:00",
        "2030-01-03T05:00:00+0200",
        "2030-01-03T05:00:00-00:00",
        "2030-01-03T05:00:00+23:59",
        "2030-01-03T23:59:60Z",
        "2030-01-03T24:00:00Z",
        "2030-01-03T05:00:00,5Z",
        "2030-01-03T05:00:00",
        "1899-12-31T23:59:59Z",
        "3000-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
    ],
)
def test_times_agree(stamp: str) -> None:
    base = {**BASES[1], "at": stamp, "recorded_at": stamp}
    check_line(json.dumps(base))


def test_a_fraction_past_six_digits_goes_to_pydantic() -> None:
    """msgspec rounds it, pydantic truncates: such a line is pydantic's."""
    line = json.dumps({**BASES[1], "at": "2030-01-03T05:00:00.9999995Z"})
    with pytest.raises(Fallback):
        FAST.decode(line)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "2023-11-24T07:00:00+02:00",
            "2023-11-24",
            "framework",
            "live",
            "public",
            "e1",
            "qatar",
            "a\n",
            "",
        ]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(BASES),
    key=st.sampled_from(
        sorted({k for m in EVENT_MODELS.values() for k in m.model_fields} | {"other"})
    ),
    value=json_values,
    drop=st.booleans(),
)
def test_changed_lines_agree(base: dict[str, Any], key: str, value: Any, drop: bool) -> None:
    """A valid line with one key set to any JSON value, or removed: the fast path accepts
    only what pydantic accepts, with the same value."""
    obj = dict(base)
    if drop:
        obj.pop(key, None)
    else:
        obj[key] = value
    check_line(json.dumps(obj))


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt _][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{0,9})?)?"
        r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?\Z"
    )
)
def test_time_forms_agree(stamp: str) -> None:
    check_line(json.dumps({**BASES[1], "at": stamp}))


def test_a_new_optional_field_and_a_new_type() -> None:
    """The decoder is made from the models as they are: a field added to a model is decoded
    (or its model falls back), a new type is covered or falls back, never decoded wrongly."""

    class Released2(CaptivesReleased):
        witness: str | None = None
        count_checked: int = 0

    class Weighed(EventBase):
        type: Literal["weighed"]
        kilos: float = 0.0  # a type the fast path does not read: the model falls back

    models = {"captives_released": Released2, "weighed": Weighed}
    fast = FastEvents(models)
    assert set(fast.covered) == {"captives_released"} and "float" in fast.why["weighed"]
    line = json.dumps({**BASES[1], "type": "captives_released", "witness": "icrc"})
    ev = fast.decode(line)
    same(ev, TypeAdapter(Released2).validate_json(line))
    assert ev.witness == "icrc" and ev.count_checked == 0  # type: ignore[attr-defined]
    with pytest.raises(Fallback):
        fast.decode(json.dumps({**BASES[1], "type": "weighed", "kilos": 2.5}))


def test_a_shared_empty_list_refuses_changes() -> None:
    ev = FAST.decode(json.dumps({**BASES[1], "sources": []}))
    assert ev.sources == [] and ev.sources is EMPTY
    with pytest.raises(TypeError):
        ev.sources.append("x")
    assert EMPTY == []


# ---------------------------------------------------------------- loading


def pydantic_history(path: Path, terms: Terms | None) -> History:
    """The loader before the fast path: the whole text, every line validated by pydantic."""
    events: list[Event] = []
    origins: list[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line.strip():
            events.append(EVENT_ADAPTER.validate_json(line))
            origins.append(f"{path}:{n}")
    return History.of(events, [f"event:{e.id}" for e in events], origins)


def replayed(terms: Terms, h: History) -> str:
    """The status as JSON, or the refusal (terms with stages are not judged yet)."""
    try:
        return status_out(replay(terms, h)).model_dump_json()
    except TermsError as exc:
        return f"refused: {exc}"


def same_history(path: Path, terms: Terms) -> None:
    fast, ref = load_events_jsonl(path, terms), pydantic_history(path, terms)
    assert len(fast) == len(ref)
    for a, b in zip(fast, ref, strict=True):
        assert (a.seq, a.ref, a.origin, a.where, a.ts, a.rts) == (
            b.seq,
            b.ref,
            b.origin,
            b.where,
            b.ts,
            b.rts,
        )
        same(a.event, b.event)
    assert replayed(terms, fast) == replayed(terms, ref)
    events, lines = read_events_jsonl(path, terms)
    assert lines == [e.origin for e in ref] and events == [e.event for e in ref]


@pytest.mark.parametrize("example", ["gaza-2023", "gaza-2025"])
def test_examples_replay_as_before(example: str) -> None:
    same_history(EXAMPLES / example / "ledger.jsonl", load_terms(EXAMPLES / example / "terms.toml"))


def bench_module() -> Any:
    """benchmarks/engine.py, whose ledger the issue's figures are measured on."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "benchmarks/engine.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_the_benchmark_ledger_replays_as_before(tmp_path: Path) -> None:
    bench = bench_module()
    terms = bench.bench_terms()
    path = tmp_path / "ledger.jsonl"
    assert bench.write_ledger(path, terms, 3, per_day=1000) == 3000
    same_history(path, terms)


def test_a_generated_ledger_with_odd_lines_replays_as_before(tmp_path: Path) -> None:
    """Blank lines, CRLF, a byte order mark, offsets other than UTC, notes that look like keys,
    corrections, acts and lists: every entry and the replay as pydantic gives them."""
    terms = load_terms(EXAMPLES / "gaza-2023" / "terms.toml")
    lines = (EXAMPLES / "gaza-2023" / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        obj = json.loads(line)
        if obj["type"] == "captives_released" and i % 2:
            obj["note"] = 'said "x": 1'
            obj["sources"] = ["a", "b"]
        if obj["type"] != "terms_set" and i % 3 == 0:
            obj["recorded_at"] = obj["recorded_at"].replace("Z", "+00:00")
        out.append(json.dumps(obj))
        if i % 4 == 0:
            out.append("   ")
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(out).encode() + b"\r\n\r\n")
    same_history(path, terms)


def test_a_line_break_inside_a_line_counts_as_pydantic_numbered_it(tmp_path: Path) -> None:
    """A U+2028 in a line splits it, as ``str.splitlines`` does: the same line is named."""
    terms = load_terms(EXAMPLES / "gaza-2023" / "terms.toml")
    good = EXAMPLE_LINES[1]
    path = tmp_path / "l.jsonl"
    other = good.replace(json.loads(good)["id"], "other-id")
    path.write_text(f"{good}\n\u2028{other}\n{{bad\n", encoding="utf-8")
    with pytest.raises(LedgerError) as exc:
        load_events_jsonl(path, terms)
    assert exc.value.where == f"{path}:4"  # split at "\n" alone, it would be line 3


def test_not_utf8_later_in_the_file_is_said_before_a_bad_line(tmp_path: Path) -> None:
    """Reading the whole text first refused a file that is not UTF-8 before naming any bad
    line; streamed, the rest of the file is checked before the bad line is reported."""
    path = tmp_path / "l.jsonl"
    path.write_bytes(b"{not json}\n" + EXAMPLE_LINES[1].encode() + b"\n\xff\xfe\n")
    with pytest.raises(LedgerError, match="not UTF-8 text"):
        load_events_jsonl(path)
    path.write_bytes(b"{not json}\n" + EXAMPLE_LINES[1].encode() + b"\n")
    with pytest.raises(LedgerError, match="not valid JSON") as exc:
        load_events_jsonl(path)
    assert exc.value.where == f"{path}:1"


def test_a_repeated_key_is_refused_on_the_fast_path(tmp_path: Path) -> None:
    obj = json.loads(EXAMPLE_LINES[1])
    line = json.dumps(obj)[:-1] + f', "id": {json.dumps(obj["id"])}}}'
    FAST.decode(line)  # the decoder keeps the last, as every JSON parser does ...
    path = tmp_path / "l.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="written twice"):  # ... the loader counts the keys
        load_events_jsonl(path)


def test_a_repeated_key_in_a_captive_is_refused(tmp_path: Path) -> None:
    obj = {**BASES[1], "captives": [{"id": "c1"}], "live": 0, "bodies": 0}
    obj.pop("category", None)
    line = json.dumps(obj).replace('{"id": "c1"}', '{"id": "c1", "id": "c2"}')
    path = tmp_path / "l.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="written twice"):
        load_events_jsonl(path)


def test_stored_leaves_decode_as_the_careful_way(tmp_path: Path) -> None:
    """A directory's entries, decoded the fast way and the careful way: the same records."""
    from datetime import UTC, datetime

    from truce.ledger.directory import LedgerDir, _decode, decode
    from truce.ledger.record import record

    gaza = EXAMPLES / "gaza-2023"
    d = LedgerDir.init(tmp_path / "d", gaza / "terms.toml", at=datetime(2023, 11, 22, tzinfo=UTC))
    with d:
        events, origins = read_events_jsonl(gaza / "ledger.jsonl", d.terms)
        record(d, events, origins, clock=lambda: datetime(2023, 12, 2, tzinfo=UTC))
        stored = list(d.store.read())
        assert len(stored) == len(events) + 1
        fast_ok = 0
        for st in stored:
            try:
                FAST.leaf(st.leaf.data)
                fast_ok += 1
            except Fallback:
                pass
        assert fast_ok >= len(stored) - 5  # all but the terms_set events go the fast way
        for st in stored:
            fast, careful = decode(st, d.ledger_id), _decode(st, d.ledger_id)
            assert (fast.sig, fast.visibility, fast.stamp) == (
                careful.sig,
                careful.visibility,
                careful.stamp,
            )
            same(fast.event, careful.event)


@pytest.mark.parametrize(
    "event_id",
    ["e1", "E-1.2:3@x", "-x", "", "a b", "\u00e91", "\u0661\u0662", "ab\u0660", "a\n", "x" * 201],
)
def test_ids_agree(event_id: str) -> None:
    """An id's pattern is checked after decoding (letters and digits alone at once): the
    fast path takes the ids pydantic takes, no other."""
    fast = check_line(json.dumps({**BASES[1], "id": event_id}))
    assert (fast is not None) == (event_id in ("e1", "E-1.2:3@x"))


def test_which_patterns_take_every_ascii_letter_and_digit() -> None:
    from truce.ledger.fastparse import _takes_alnum

    assert _takes_alnum(r"^[A-Za-z0-9][A-Za-z0-9._:@-]*\Z")
    assert not _takes_alnum(r"^[a-z0-9][a-z0-9_-]*\Z")  # no capitals
    assert not _takes_alnum(r"^[0-9a-f]{64}\Z")
    assert not _takes_alnum(r"^[^A-Za-z0-9][A-Za-z0-9]*\Z")  # negated
    assert not _takes_alnum(r"^[0-A-Za-z][A-Za-z0-9]*\Z")  # 0 to A, "-", Z: no B to Y
    assert not _takes_alnum(r"^[A-Za-z0-9][A-Za-z0-9]*$")  # not anchored at the very end


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["2030-01-03T05:00:43.200000Z", "2030-01-03T05:00:43Z"]),
    st.lists(
        st.tuples(st.integers(0, 26), st.sampled_from(list("0123456789-T:.Z+,tzW _/\u0661"))),
        max_size=3,
    ),
)
def test_the_two_commonest_time_forms_agree(stamp: str, changes: list[tuple[int, str]]) -> None:
    """Those two forms are told by length and separators, not the regex: any character
    changed anywhere, the fast path still takes only what pydantic takes, as it reads it."""
    chars = list(stamp)
    for i, c in changes:
        if i < len(chars):
            chars[i] = c
    check_line(json.dumps({**BASES[1], "at": "".join(chars)}))
