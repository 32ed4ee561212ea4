"""Loading JSON Lines a block of lines at a time (truce.ledger.load, issue 18) gives what reading
a line at a time with pydantic gave: the same entries, or the same error naming the same line,
whatever the block size and wherever a block ends (inside a line, inside a UTF-8 character).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from truce.errors import LedgerError
from truce.history import History
from truce.ledger import load
from truce.ledger.fastparse import fast_events
from truce.ledger.load import IMPORTER, _slow_line, load_events_jsonl, read_events_jsonl
from truce.terms import Terms, load_terms

TERMS = load_terms(EXAMPLES / "gaza-2023" / "terms.toml")
SIMPLE = [  # events that refer to no other: any of them may be on any line
    obj
    for line in (EXAMPLES / "gaza-2023" / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
    for obj in [json.loads(line)]
    if obj["type"] in ("captives_released", "prisoners_released", "aid_delivered", "claim")
    and "supersedes" not in obj
]


def reference(path: Path, terms: Terms | None) -> History:
    """The loader before blocks: the whole text, each line by pydantic (the fast path's
    errors are pydantic's), the keys counted on each line, then the History."""
    text = path.read_bytes().decode("utf-8-sig")
    known = terms.parties.ids() | {IMPORTER} if terms is not None else None
    events, origins = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line or line.isspace():
            continue
        where = f"{path}:{n}"
        event = _slow_line(line, where)
        if known is not None and event.declared_by not in known:
            raise LedgerError(
                f"declared_by {event.declared_by!r} is not a party in the terms "
                f"(expected one of: {', '.join(sorted(known))})",
                where=where,
            )
        events.append(event)
        origins.append(where)
    return History.of(events, None, origins)


def outcome(load_it: Any) -> Any:
    """The entries a load gives (all that a reader sees of them), or its error."""
    try:
        h = load_it()
    except LedgerError as exc:
        return ("error", exc.message, exc.where)
    return [(e.seq, e.ref, e.origin, e.where, e.ts, e.rts, e.event) for e in h]


def line_of(kind: str, i: int, obj: dict[str, Any]) -> str:
    """One line of the given kind (``i`` makes its id unique)."""
    o = {**obj, "id": f"x{i}"}
    if kind == "ok":
        return json.dumps(o)
    if kind == "compact":
        return json.dumps(o, separators=(",", ":"))
    if kind == "spaced":  # a space before each colon: the key ends are looked for with spaces
        return json.dumps(o, separators=(", ", " : "))
    if kind == "tabs":
        return json.dumps(o, separators=(",\t", ":\t"))
    if kind == "repeated":
        return json.dumps(o)[:-1] + f', "id": "y{i}"}}'
    if kind == "repeated_spaced":
        return json.dumps(o, separators=(", ", " : "))[:-1] + f', "id" : "y{i}"}}'
    if kind == "repeated_one_spaced":  # one key end fewer '":', one more for the repeat
        return json.dumps(o)[:-1].replace('"id": ', '"id" : ', 1) + f', "id": "y{i}"}}'
    if kind == "repeated_one_tabbed":
        return json.dumps(o)[:-1].replace('"id": ', '"id"\t: ', 1) + f', "id": "y{i}"}}'
    if kind == "note_colon":  # '":' inside a string: more key ends than keys, nothing wrong
        return json.dumps({**o, "note": 'said "x": 1'})
    if kind == "bad_json":
        return '{"id": "x' + str(i)
    if kind == "unknown_party":
        return json.dumps({**o, "declared_by": "nobody"})
    if kind == "same_id":
        return json.dumps({**o, "id": "x0"})
    if kind == "blank":
        return ""
    if kind == "spaces":
        return "   "
    raise AssertionError(kind)


GOOD = ["ok", "ok", "ok", "compact", "spaced", "tabs", "note_colon", "blank", "spaces"]
BAD = [
    "repeated",
    "repeated_spaced",
    "repeated_one_spaced",
    "repeated_one_tabbed",
    "bad_json",
    "unknown_party",
    "same_id",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from(GOOD + BAD), min_size=1, max_size=40),
    objs=st.lists(st.sampled_from(SIMPLE), min_size=40, max_size=40),
    block=st.sampled_from([1, 2, 7, 64, 300, 1000, 1 << 16]),
    crlf=st.booleans(),
    bom=st.booleans(),
    with_terms=st.booleans(),
)
def test_blocks_read_as_lines_did(
    tmp_path_factory: pytest.TempPathFactory,
    kinds: list[str],
    objs: list[dict[str, Any]],
    block: int,
    crlf: bool,
    bom: bool,
    with_terms: bool,
) -> None:
    """Any mix of good and bad lines, any block size: the same entries or the same error."""
    path = tmp_path_factory.mktemp("blocks") / "l.jsonl"
    text = ("\r\n" if crlf else "\n").join(line_of(k, i, objs[i]) for i, k in enumerate(kinds))
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    terms = TERMS if with_terms else None
    with mock.patch.object(load, "_BLOCK", block):
        got = outcome(lambda: load_events_jsonl(path, terms))
        events, lines = read_events_jsonl(path, terms) if isinstance(got, list) else ([], [])
    assert got == outcome(lambda: reference(path, terms))
    if isinstance(got, list):
        assert events == [e[-1] for e in got] and lines == [e[2] for e in got]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def good_lines(n: int) -> list[str]:
    return [line_of("ok", i, SIMPLE[i % len(SIMPLE)]) for i in range(n)]


def test_a_bad_line_in_the_middle_of_a_block_is_named(tmp_path: Path) -> None:
    lines = good_lines(1000)
    lines[499] = "{not json"
    path = write(tmp_path / "l.jsonl", lines)
    with pytest.raises(LedgerError, match="not valid JSON") as exc:
        load_events_jsonl(path)
    assert exc.value.where == f"{path}:500"


def test_a_repeated_key_before_a_bad_line_of_the_same_block_is_named_first(
    tmp_path: Path,
) -> None:
    """Keys are counted once per block, after its lines; an error further on in the block
    still comes second, as reading a line at a time had it."""
    lines = good_lines(100)
    lines[29] = line_of("repeated", 29, SIMPLE[0])
    lines[49] = "{not json"
    path = write(tmp_path / "l.jsonl", lines)
    assert path.stat().st_size < load._BLOCK  # one block
    with pytest.raises(LedgerError, match="written twice") as exc:
        load_events_jsonl(path)
    assert exc.value.where == f"{path}:30"


@pytest.mark.parametrize(
    "kind", ["repeated", "repeated_spaced", "repeated_one_spaced", "repeated_one_tabbed"]
)
def test_a_repeated_key_is_refused_in_a_block_of_good_lines(tmp_path: Path, kind: str) -> None:
    lines = good_lines(600)  # more than one block
    lines[450] = line_of(kind, 450, SIMPLE[1])
    path = write(tmp_path / "l.jsonl", lines)
    assert path.stat().st_size > load._BLOCK
    with pytest.raises(LedgerError, match="'id' is written twice") as exc:
        load_events_jsonl(path)
    assert exc.value.where == f"{path}:451"


def test_a_line_longer_than_a_block(tmp_path: Path) -> None:
    lines = good_lines(3)
    obj = json.loads(lines[1])
    obj["sources"] = ["s" * 1000] * 100  # 100 kB
    lines[1] = json.dumps(obj)
    lines.append("{not json")
    path = write(tmp_path / "l.jsonl", lines)
    with pytest.raises(LedgerError) as exc:
        load_events_jsonl(path)
    assert exc.value.where == f"{path}:4"
    assert len(load_events_jsonl(write(path, lines[:3]))) == 3


def test_not_utf8_in_a_line_a_block_cut_is_still_said(tmp_path: Path) -> None:
    """The start of a line read with a block, decoded with the next, is checked too."""
    path = tmp_path / "l.jsonl"
    path.write_bytes(b"{bad\n" + b'{"id": "' + b"a" * 200 + b'\xff"}\n')
    with mock.patch.object(load, "_BLOCK", 100), pytest.raises(LedgerError) as exc:
        load_events_jsonl(path)
    assert exc.value.message == "not UTF-8 text"


def test_a_character_a_block_cuts_is_read_whole(tmp_path: Path) -> None:
    """A block ends at a line's end: a two-byte character across a block's end is no fault,
    and the bad line is the one named."""
    path = tmp_path / "l.jsonl"
    path.write_bytes(b"{bad\n" + ('{"id": "' + "\u00e9" * 200 + '"}\n').encode())
    for block in (1, 2, 3, 50, 51):
        with mock.patch.object(load, "_BLOCK", block), pytest.raises(LedgerError) as exc:
            load_events_jsonl(path)
        assert exc.value.where == f"{path}:1", block


def test_decoded_values_are_shared() -> None:
    """A Literal's value is msgspec's one string; ``recorded_at`` written as ``at`` is
    ``at``'s object (no second datetime)."""
    fast = fast_events()
    a, b = (fast.decode(line_of("ok", i, SIMPLE[0])) for i in (1, 2))
    assert a.type == "captives_released" and a.track is b.track
    obj = {**SIMPLE[0], "recorded_at": SIMPLE[0]["at"]}
    c = fast.decode(json.dumps(obj))
    assert c.recorded_at is c.at


@given(
    st.text(alphabet=st.sampled_from(list('ab {}"\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\xe9')))
)
def test_lines_split_as_splitlines_splits(text: str) -> None:
    assert load._split(text) == text.splitlines()
