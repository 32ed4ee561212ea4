"""Phased terms (issue 16, first slice): stages, scheduled batches, fixed prices, bodies for
bodies, other commitments. Every new table valid and invalid (the error names the key path, exit
2 through the CLI), the 2025 example's data, and the digests of existing terms unchanged. The
engine's judgement of stages is tested in tests/engine/test_stages_engine.py and
tests/cli/test_gaza2025.py."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, ROOT, truce_exe
from truce.errors import TermsError
from truce.ledger.load import load_ledger
from truce.terms import load_terms, parse_terms

G25 = EXAMPLES / "gaza-2025"

BASE: dict[str, Any] = {
    "agreement": {"name": "Synthetic phased deal", "timezone": "Europe/London"},
    "parties": {
        "holder": {"id": "holder", "name": "Holder"},
        "receiver": {"id": "receiver", "name": "Receiver"},
        "mediators": [{"id": "mediator", "name": "Mediator"}],
        "reference": "mediator",
    },
    "exchange": {"prisoners_per_captive": 0},
    "category": [
        {"id": "women", "counts": True, "prisoners_per_captive": 30},
        {"id": "men", "counts": True, "prisoners_per_captive": "unknown"},
    ],
    "stage": [
        {
            "id": "one",
            "start": "2025-10-24T12:00",
            "hours": 72,
            "captives": 14,
            "living": 10,
            "bodies": 4,
            "prisoners": 500,
            "source": "synthetic",
            "next": {"what": "talks begin", "by": {"hours": 48}},
            "batch": [{"id": "all-living", "hours": 72, "living": 10}],
            "bodies_for_bodies": {
                "bodies": 4,
                "returned_per_body": "15",
                "holder_by": {"hours": 72},
                "receiver_by": {"within_hours": 24},
            },
            "commitment": [
                {
                    "id": "aid",
                    "kind": "aid",
                    "what": "aid trucks",
                    "measure": "trucks",
                    "basis": "received",
                    "per_day": 600,
                    "part": [
                        {"id": "fuel", "what": "fuel trucks", "per_day": 50},
                        {"id": "north", "what": "trucks to the north", "per_day": 300},
                    ],
                },
                {
                    "id": "return",
                    "kind": "return",
                    "what": "return of displaced people",
                    "measure": "a monitor's declaration",
                    "by": {"date": "2025-10-26"},
                },
            ],
        },
        {
            "id": "two",
            "days": 3,
            "conditional": True,
            "batch": [
                {"id": "d1", "day": 1, "by_category": {"women": 2, "men": 1}},
                {"id": "d2", "day": 2, "last_day": 3, "captives": 3, "prisoners_per_captive": 1},
                {"id": "d3", "date": "2025-10-29", "captives": 1, "prisoners": 50},
            ],
        },
    ],
}


def _with(path: str, value: Any) -> dict[str, Any]:
    """BASE with the value at a dotted path (list positions from 1) set, or removed if None."""
    data = copy.deepcopy(BASE)
    keys = [int(k) - 1 if k.isdigit() else k for k in path.split(".")]
    node: Any = data
    for k in keys[:-1]:
        node = node[k]
    if value is None:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return data


def test_the_synthetic_phased_terms_are_valid() -> None:
    """Every new table at once: a 72-hour stage with a fixed price for its whole release, bodies
    for bodies at 15 per body (holder within the 72 hours, receiver within 24 hours of each),
    aid with parts, a return by a date; then a conditional three-day stage whose batches use a
    split by category, a window of days with a ratio of 1 (a one-for-one swap), and a date with a
    fixed price."""
    t = parse_terms(BASE)
    assert [s.id for s in t.stages] == ["one", "two"]
    assert t.stages[1].batches[0].total() == 3
    assert t.price("women") == 30 and t.price("men") is None
    (b1, e1), (b2, e2) = t.stage_spans()
    # Clocks go back at 02:00 on 26 Oct 2025 in London: 72 elapsed hours end at 11:00 local.
    assert b1.isoformat() == "2025-10-24T12:00:00+01:00"
    assert e1.isoformat() == "2025-10-27T11:00:00+00:00"
    # The next stage starts when this one ends, and its 3 days run on the local clock.
    assert b2 == e1 and e2.isoformat() == "2025-10-30T11:00:00+00:00"


def test_a_stage_in_days_keeps_its_local_end_across_a_clock_change() -> None:
    data = _with("stage", [{"id": "s", "start": "2025-03-29T07:00", "days": 2}])
    (begin, end) = parse_terms(data).stage_spans()[0]
    assert begin.isoformat() == "2025-03-29T07:00:00+00:00"
    assert end.isoformat() == "2025-03-31T07:00:00+01:00"  # 47 elapsed hours


BAD = [
    ("stage.1.days", 3, "stage[1]: days and hours are both set"),
    ("stage.1.hours", None, "stage[1]: give days or hours"),
    ("stage.1.start", None, "stage[1].start: required key is missing"),
    ("stage.1.start", "2025-03-30T01:30", "stage[1].start: 2025-03-30T01:30 does not exist"),
    ("stage.1.start", "2025-10-24T12:00+01:00", "stage[1].start: start is a local wall-clock"),
    ("stage.2.start", "2025-10-25T12:00", "stage[2].start: 2025-10-25T12:00 is before the stage"),
    ("stage.1.living", 20, "stage[1]: living + bodies = 24 is more than captives = 14"),
    ("stage.2.captives", 2, "stage[2].batch: the batches hand over 7 captives, more than"),
    ("stage.1.batch.1.hours", 73, "stage[1].batch[1].hours: 73 hours is outside the stage"),
    ("stage.2.batch.1.day", 4, "stage[2].batch[1].day: day 4 is outside the stage (days 1-3)"),
    ("stage.2.batch.2.last_day", 4, "stage[2].batch[2].last_day: day 4 is outside the stage"),
    ("stage.2.batch.2.last_day", 1, "stage[2].batch[2]: last_day needs day, and must not be"),
    ("stage.2.batch.3.date", "2025-10-31", "stage[2].batch[3].date: 2025-10-31 is outside"),
    ("stage.2.batch.3.date", "31 Oct", "stage[2].batch[3].date: expected a local date"),
    ("stage.2.batch.1.hours", 3, "stage[2].batch[1]: day and hours are both set"),
    ("stage.2.batch.1.day", None, "stage[2].batch[1]: give one of day, date or hours"),
    ("stage.2.batch.3.prisoners_per_captive", 2, "stage[2].batch[3]: prisoners (a fixed price)"),
    ("stage.1.batch.1.prisoners", 10, "stage[1].batch[1].prisoners: the stage has a fixed price"),
    ("stage.2.batch.1.by_category", {"girls": 1}, "stage[2].batch[1]: category 'girls' is not"),
    ("stage.2.batch.1.captives", 4, "stage[2].batch[1]: by_category adds up to 3, not captives"),
    ("stage.2.batch.3.captives", None, "stage[2].batch[3]: give captives (or living"),
    (
        "stage.2.batch.3.id",
        "d1",
        "stage[2].batch[3].id: 'd1' is already the id of stage[2].batch[1]",
    ),
    ("stage.2.id", "one", "stage[2].id: 'one' is already the id of stage[1]; stage ids"),
    (
        "stage.2.commitment",
        [{"id": "aid", "kind": "other", "what": "x", "measure": "y", "per_day": 1}],
        "stage[2].commitment[1].id: 'aid' is already the id of stage[1].commitment[1]",
    ),
    ("stage.1.next.by", {"day": 4}, "stage[1].next.by.day: day 4 is outside the stage"),
    ("stage.1.next.by", {}, "stage[1].next.by: give one of day, date, hours or within_hours"),
    ("stage.1.next.what", None, "stage[1].next.what: required key is missing"),
    ("stage.2.conditional", None, None),  # valid: not conditional
    ("stage.1.conditional", True, "stage[1].conditional: the first stage cannot be conditional"),
    ("stage.1.next", None, "stage[2].conditional: a conditional stage needs stage[1].next"),
    (
        "stage.1.bodies_for_bodies.holder_by",
        {"within_hours": 3},
        "stage[1].bodies_for_bodies.holder_by.within_hours: the holder's deadline",
    ),
    (
        "stage.1.bodies_for_bodies.receiver_by",
        {"day": 1, "hours": 3},
        "stage[1].bodies_for_bodies.receiver_by: day and hours are both set",
    ),
    (
        "stage.1.bodies_for_bodies.returned_per_body",
        0.5,
        "stage[1].bodies_for_bodies.returned_per_body: this value must be written as a string",
    ),
    ("stage.1.commitment.1.per_day", None, "stage[1].commitment[1]: give per_day (a daily"),
    (
        "stage.1.commitment.2.part",
        [{"id": "x", "what": "a part", "per_day": 1}],
        "stage[1].commitment[2]: part[1]: parts need the commitment's own per_day",
    ),
    ("stage.1.commitment.1.per_day", 200, "stage[1].commitment[1]: part[2].per_day: 300 is"),
    ("stage.1.commitment.2.by", None, "stage[1].commitment[2]: give per_day (a daily rate)"),
    ("stage.1.commitment.2.kind", "payment", "stage[1].commitment[2].kind: expected 'aid'"),
    ("stage.1.commitment.2.by", {"date": "2025-11-01"}, "stage[1].commitment[2].by.date:"),
    ("stage.1.commitment.1.part.2.id", "fuel", "stage[1].commitment[1]: part ids must be unique"),
    ("stage.1.batch.1.colour", "red", "stage[1].batch[1].colour: unknown key"),
    ("stage.1.length", 3, "stage[1].length: unknown key"),
    ("category.1.prisoners_per_captive", "lots", "category[1].prisoners_per_captive: this value"),
    ("agreement.start", "2025-10-24T12:00", "agreement: start and initial_days go together"),
]


@pytest.mark.parametrize(("path", "value", "expect"), BAD, ids=[f"{p}={v}" for p, v, _ in BAD])
def test_each_bad_value_is_refused_naming_the_key_path(path: str, value: Any, expect: str) -> None:
    data = _with(path, value)
    if expect is None:
        parse_terms(data)
        return
    with pytest.raises(TermsError) as caught:
        parse_terms(data, where="terms.toml")
    assert f"terms.toml: {expect}" in str(caught.value)


def test_a_daily_pause_and_stages_are_not_combined() -> None:
    gaza23 = tomllib.loads((EXAMPLES / "gaza-2023" / "terms.toml").read_text())
    gaza23["stage"] = [{"id": "s", "start": "2023-11-24T07:00", "days": 4}]
    with pytest.raises(TermsError, match=r"stage: \[\[stage\]\] tables cannot be combined"):
        parse_terms(gaza23)


def test_unknown_price_needs_stages() -> None:
    data = _with("stage", None)
    with pytest.raises(TermsError, match=r'category\[2\].prisoners_per_captive: "unknown" is for'):
        parse_terms(data)


def _toml(data: dict[str, Any]) -> str:
    """A small TOML writer for these fixtures (tables, arrays of tables, inline values)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return '"' + v.replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(v)

    return "\n".join(
        f"[{table}]\n" + "".join(f"{k} = {value(v)}\n" for k, v in body.items())
        if not isinstance(body, list)
        else "".join(
            f"[[{table}]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in item.items())
            for item in body
        )
        for table, body in data.items()
    )


@pytest.mark.parametrize(
    ("path", "value", "expect"),
    [
        ("stage.2.batch.1.day", 4, "stage[2].batch[1].day: day 4 is outside the stage"),
        ("stage.2.batch.3.prisoners_per_captive", 2, "prisoners (a fixed price) and"),
        ("stage.1.days", 3, "stage[1]: days and hours are both set"),
    ],
)
def test_the_cli_exits_2_naming_the_key(tmp_path: Path, path: str, value: Any, expect: str) -> None:
    terms = tmp_path / "terms.toml"
    terms.write_text(_toml(_with(path, value)))
    p = subprocess.run([truce_exe(), "validate", str(terms)], capture_output=True, text=True)
    assert p.returncode == 2, p.stdout
    assert expect in p.stderr


def test_the_cli_validates_the_synthetic_terms(tmp_path: Path) -> None:
    terms = tmp_path / "terms.toml"
    terms.write_text(_toml(BASE))
    assert load_terms(terms).digest() == parse_terms(BASE).digest()
    p = subprocess.run([truce_exe(), "validate", str(terms)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "stages: one (72 hours, 1 batch), two (3 days, 3 batches)" in p.stdout


# --- digests ------------------------------------------------------------------------------------

EXISTING = {
    "gaza-2023/terms.toml": "7a16d504a1634665c19ff67d7fed706774df943105544739ff387f7c695b959f",
    "gaza-2023/terms-aid-300.toml": "fffcae45bf47e630be4652d98ed4fce20508fd4ecdfcf479438fe571266f1e24",
    "gaza-2023/terms-renewed.toml": "e942eee6b77ff05002a209730f3cdbcbbfd96ceee6527036797dc3eae22c27ad",
    "synthetic-london/terms.toml": "0bdbac3d7d831a523a7bad2e5f88a1b08c6d4800f3ae3166532c522b0db9c106",
}


@pytest.mark.parametrize("name", sorted(EXISTING))
def test_existing_terms_keep_their_digest(name: str) -> None:
    """Computed with the code before stages existed: a terms file without stages leaves the new
    key out of its canonical form."""
    assert load_terms(EXAMPLES / name).digest() == EXISTING[name]


G25_DIGESTS = {
    "terms.toml": "bc42244262d486f02fd95478a37180e843101233b53288f909cfe6285efff959",
    "terms-schedule-a13.toml": "5881ce2710aed1d17940103b721a85000bb408645446cccf1a17047277644923",
}


@pytest.mark.parametrize("name", sorted(G25_DIGESTS))
def test_the_2025_terms_validate_with_a_stable_digest(name: str) -> None:
    p = subprocess.run(
        [truce_exe(), "validate", str(G25 / name)], capture_output=True, text=True, check=True
    )
    assert f"digest {G25_DIGESTS[name][:16]}" in p.stdout
    assert load_terms(G25 / name).digest() == G25_DIGESTS[name]


# --- the 2025 example ---------------------------------------------------------------------------


def test_the_2025_terms_encode_phase_1_as_sourced() -> None:
    t = load_terms(G25 / "terms.toml")
    one = t.stages[0]
    assert (one.id, one.days, one.captives, one.notice_hours) == ("phase-1", 42, 33, 24)
    begin, end = t.stage_spans()[0]
    assert begin.isoformat() == "2025-01-19T08:30:00+02:00"
    assert end.isoformat() == "2025-03-02T08:30:00+02:00"  # day 42 is 1 March
    assert [(b.day, b.last_day, b.captives) for b in one.batches] == [
        (1, None, 3),
        (7, None, 4),
        (14, None, 3),
        (21, None, 3),
        (28, None, 3),
        (35, None, 3),
        (36, 42, 14),
    ]
    assert sum(b.total() for b in one.batches) == 33
    assert {c.id: t.price(c.id) for c in t.categories} == {
        "women": 30,
        "children": 30,
        "female-soldiers": 50,
        "men-over-50": 30,
        "sick-wounded": None,
        "men": None,
    }
    # 1 civilian woman, 1 female soldier, 1 man over 50 (30 Jan): 30 + 50 + 30 = 110.
    assert sum(t.price(c) or 0 for c in ("women", "female-soldiers", "men-over-50")) == 110
    assert one.next is not None and one.next.by is not None and one.next.by.day == 16
    aid = one.commitments[0]
    assert (aid.per_day, [(p.id, p.per_day) for p in aid.parts]) == (
        600,
        [("fuel", 50), ("north", 300)],
    )
    assert t.stages[1].conditional and t.stages[1].days == 42
    assert [a.file for a in t.alternatives] == ["terms-schedule-a13.toml"]
    alt = load_terms(G25 / "terms-schedule-a13.toml")
    assert [(b.day, b.captives) for b in alt.stages[0].batches] == [(1, 3), (7, 4), (14, 13)]


def test_every_2025_table_carries_a_source_and_every_id_resolves() -> None:
    sources = (G25 / "SOURCES.md").read_text()
    for name in G25_DIGESTS:
        text = (G25 / name).read_text()
        data = tomllib.loads(text)
        tables = [data["agreement"], data["parties"], data["exchange"], *data["category"]]
        for st in data["stage"]:
            tables += [st, *st.get("batch", []), *st.get("commitment", [])]
            tables += [p for c in st.get("commitment", []) for p in c.get("part", [])]
        for table in tables:
            assert table.get("source"), (name, table)
        for sid in sorted(set(re.findall(r"\b(A\d+b?)\b", text))):
            assert f"**{sid}**" in sources, f"{sid} is cited in {name} but not in SOURCES.md"
    assert re.search(r"\bcategor", sources)
    for cid in ("women", "children", "female-soldiers", "men-over-50", "sick-wounded", "men"):
        assert load_terms(G25 / "terms.toml").category(cid) is not None


def test_the_2025_ledger_is_what_the_builder_writes_and_parses_under_its_terms() -> None:
    built = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_gaza2025_ledger.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert built == (G25 / "ledger.jsonl").read_text()
    history = load_ledger(G25 / "ledger.jsonl", load_terms(G25 / "terms.toml"))
    assert len(history.entries) == 30
    a36 = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_gaza2025_ledger.py"), "a36"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert a36 == (G25 / "ledger-a36.jsonl").read_text()


def test_the_2025_ledger_holds_phase_1_as_sourced() -> None:
    """25 living and 8 bodies (33) over phase 1, once the correction of 20 Feb applies; prisoners
    90 + 200 + 110 + 183 + 183 + 369 + 643 = 1,778 (A44); the 5 Thai nationals on the separate
    track; pseudonymous ids only; every event sourced, every source id in SOURCES.md."""
    lines = [json.loads(x) for x in (G25 / "ledger.jsonl").read_text().splitlines()]
    superseded = {e.get("supersedes") for e in lines}
    sources = (G25 / "SOURCES.md").read_text()
    living = bodies = 0
    prisoners: list[int] = []
    for e in lines:
        assert e["sources"], e["id"]
        for sid in e["sources"]:
            assert f"**{sid}**" in sources, (e["id"], sid)
        for c in e.get("captives") or []:
            assert re.fullmatch(r"g25-[cx]\d{3}", c["id"]), c["id"]
        if e["id"] in superseded:
            continue
        if e["type"] == "captives_released" and e.get("track", "framework") == "framework":
            living += sum(c["status"] == "live" for c in e["captives"])
            bodies += sum(c["status"] == "body" for c in e["captives"])
        if e["type"] == "prisoners_released":
            prisoners.append(e["count"])
    assert (living, bodies) == (25, 8)
    assert prisoners == [90, 200, 110, 183, 183, 369, 643] and sum(prisoners) == 1778
    thai = [e for e in lines if e.get("track") == "separate"]
    assert [(e["at"][:10], e["live"]) for e in thai] == [("2025-01-30", 5)]
