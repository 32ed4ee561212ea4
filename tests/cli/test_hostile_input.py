"""Hostile input through the CLI (issue 10, "the ledger's authority": bounds and hostile input).

Each case reproduces one report and asserts the refusal: the documented exit status (2: bad
input, nothing changed; 3: stored data does not verify), a message that names the file, line or
field and what was expected, and nothing changed. Exit status 1 (internal error) must never
appear. In-process checks of the same code are in tests/engine/test_limits.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw
import pytest

from tests.conftest import EXAMPLES, truce_exe

GAZA = EXAMPLES / "gaza-2023"
TERMS = GAZA / "terms.toml"
ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
ENV.pop("TRUCE_DEBUG", None)


def run(*args: str | Path) -> tuple[int, str, str]:
    p = subprocess.run(
        [truce_exe(), *map(str, args)], capture_output=True, text=True, timeout=120, env=ENV
    )
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, p.stdout, p.stderr


def run_bytes(*args: str | Path) -> tuple[int, bytes]:
    """Run and return stdout as bytes (to look for raw control characters)."""
    p = subprocess.run([truce_exe(), *map(str, args)], capture_output=True, timeout=120, env=ENV)
    return p.returncode, p.stdout


def event(**kw: Any) -> dict[str, Any]:
    """A valid claim for the 2023 terms, with ``kw`` laid over it."""
    base = {
        "id": "x1",
        "type": "claim",
        "at": "2023-11-30T08:00+02:00",
        "recorded_at": "2023-11-30T08:00+02:00",
        "declared_by": "qatar",
        "recorded_by": "desk-a",
        "text": "a claim",
    }
    return {**base, **kw}


def gaza_plus(tmp_path: Path, line: str, name: str = "ledger.jsonl") -> tuple[Path, int]:
    """The 2023 ledger with one more line; the path and that line's number."""
    text = (GAZA / "ledger.jsonl").read_text()
    p = tmp_path / name
    p.write_text(text + line + "\n")
    return p, len(text.splitlines()) + 1


def head(d: Path) -> tuple[int, bytes]:
    c = apsw.Connection(str(d / "ledger.db"))
    size, root = next(c.execute("SELECT size, root FROM head"))
    c.close()
    return int(size), bytes(root)


def sql(d: Path, statement: str) -> None:
    c = apsw.Connection(str(d / "ledger.db"))
    c.execute(statement)
    c.close()


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def gaza_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile") / "gaza"
    assert run("init", d, "--terms", TERMS)[0] == 0
    code, _out, err = run("record", d, GAZA / "ledger.jsonl")
    assert code == 0, err
    return d


@pytest.fixture
def ledger(gaza_ledger: Path, tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "copy"
    shutil.copytree(gaza_ledger, d)
    yield d


# -- 1. F12: a number inside an event must not set the engine's work ---------------------------


def extension(days: int, id: str = "x1") -> str:
    """An extension_agreed line for the 2023 terms."""
    ev = event(id=id, type="extension_agreed", days=days)
    del ev["text"]
    return json.dumps(ev)


def test_huge_extension_is_refused_by_status(tmp_path: Path) -> None:
    p, n = gaza_plus(tmp_path, extension(2900000))
    code, out, err = run("status", p, "--terms", TERMS, "--json")
    assert (code, out) == (2, "")
    assert err.strip() == f"error: {p}:{n}: days: must be <= 3660, got 2900000"


def test_huge_extension_is_refused_by_record_and_changes_nothing(
    ledger: Path, tmp_path: Path
) -> None:
    p = tmp_path / "ext.jsonl"
    p.write_text(extension(2900000) + "\n")
    before = head(ledger)
    code, _out, err = run("record", ledger, p)
    assert code == 2
    assert err.strip() == f"error: {p}:1: days: must be <= 3660, got 2900000"
    assert head(ledger) == before


def test_extensions_beyond_the_longest_pause_are_refused(tmp_path: Path) -> None:
    """Each within the bound, together past it: the replay names the extension that tips it."""
    p, n = gaza_plus(tmp_path, extension(3660, "long"))
    code, _out, err = run("status", p, "--terms", TERMS)
    assert code == 2
    assert err.strip() == (
        f"error: {p}:{n} (event:long): with this extension the pause would last 3667 days, "
        "more than the 3660 days truce judges (see Limits in docs/ledger.md)"
    )


def test_longest_pause_shows_its_days_to_come_as_one_row(tmp_path: Path) -> None:
    p, _ = gaza_plus(tmp_path, extension(3653, "long"))  # 7 + 3653 = 3660, the most
    code, out, err = run("status", p, "--terms", TERMS)
    assert code == 0, err
    assert "3660 pause days (basis: recorded), ending 2033-12-01T07:00:00+02:00" in out
    rows = [ln.split("│")[1:3] for ln in out.splitlines() if " to 20" in ln]
    assert [[c.strip() for c in r] for r in rows] == [["9-3660", "2023-12-02 to 2033-11-30"]]
    assert len(out.splitlines()) < 80


# -- 2. JSON nested 100,000 deep --------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "line, column",
    [
        (json.dumps(event())[:-1] + f', "note": {DEEP}}}', 380),
        (
            json.dumps(
                event(type="terms_set", effective_at="2023-11-30T08:00+02:00", digest="0" * 64)
            )[:-1]
            + ', "terms": '
            + '{"a": ' * 100_000
            + "1"
            + "}" * 100_000
            + "}",
            None,
        ),
        (DEEP, 202),
    ],
    ids=["in-a-field", "in-terms", "top-level"],
)
def test_deep_json_is_refused_naming_the_line(
    tmp_path: Path, line: str, column: int | None
) -> None:
    p, n = gaza_plus(tmp_path, line)
    code, _out, err = run("status", p, "--terms", TERMS)
    assert code == 2
    assert err.startswith(
        f"error: {p}:{n}: the JSON is nested more than 200 levels deep (at column "
    )
    if column is not None:
        assert err.strip().endswith(f"(at column {column})")


def test_deep_json_is_refused_by_record(ledger: Path, tmp_path: Path) -> None:
    p = tmp_path / "deep.jsonl"
    p.write_text(json.dumps(event()) + "\n" + DEEP + "\n")
    before = head(ledger)
    code, _out, err = run("record", ledger, p)
    assert code == 2
    assert err.strip() == (
        f"error: {p}:2: the JSON is nested more than 200 levels deep (at column 202)"
    )
    assert head(ledger) == before


# -- 3. numbers of 5,000 digits -----------------------------------------------------------------


def test_5000_digit_number_in_json(tmp_path: Path) -> None:
    ev = event(type="prisoners_released", count=0)
    del ev["text"]
    p, n = gaza_plus(tmp_path, json.dumps(ev).replace('"count": 0', '"count": ' + "7" * 5000))
    code, _out, err = run("status", p, "--terms", TERMS)
    assert code == 2
    assert err.startswith(
        f"error: {p}:{n}: the JSON has a number too long to read (thousands of digits)"
    )


def test_5000_digit_number_in_the_day_csv(tmp_path: Path) -> None:
    p = tmp_path / "days.csv"
    rows = (EXAMPLES / "synthetic-london" / "days.csv").read_text().splitlines()
    rows[2] = rows[2].replace(",4,", "," + "4" * 5000 + ",", 1)
    p.write_text("\n".join(rows) + "\n")
    code, _out, err = run("status", p, "--terms", EXAMPLES / "synthetic-london" / "terms.toml")
    assert code == 2
    assert err.strip() == (
        f"error: {p}:3: column live_released: a number of 5000 digits; at most 1000000 is taken"
    )


def test_5000_digit_number_in_terms(tmp_path: Path) -> None:
    p = tmp_path / "terms.toml"
    p.write_text(TERMS.read_text().replace("initial_days = 4", "initial_days = " + "4" * 5000))
    code, _out, err = run("validate", p)
    assert code == 2
    assert err.strip() == f"error: {p}: line 8: a number too long to read (thousands of digits)"


# -- 4. dates past year 9999, and so early that arithmetic overflows ----------------------------


@pytest.mark.parametrize(
    "at", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"], ids=["late", "early"]
)
def test_event_time_out_of_range(tmp_path: Path, at: str) -> None:
    p, n = gaza_plus(tmp_path, json.dumps(event(at=at)))
    code, _out, err = run("status", p, "--terms", TERMS)
    assert code == 2
    assert err.strip() == (
        f"error: {p}:{n}: at: time {at} is out of range: truce takes years 1900 to 2999"
    )


@pytest.mark.parametrize("option", ["--at", "--as-of"])
def test_option_time_out_of_range(option: str) -> None:
    code, _out, err = run(
        "status", GAZA / "ledger.jsonl", "--terms", TERMS, option, "9999-12-31T23:59:59-05:00"
    )
    assert code == 2
    assert err.strip() == (
        f"error: {option}: time 9999-12-31T23:59:59-05:00 is out of range: truce takes years "
        "1900 to 2999"
    )


def test_terms_start_out_of_range(tmp_path: Path) -> None:
    p = tmp_path / "terms.toml"
    p.write_text(TERMS.read_text().replace('"2023-11-24T07:00"', '"9999-12-31T23:00"'))
    code, _out, err = run("validate", p)
    assert code == 2
    assert err.strip() == (
        f"error: {p}: agreement.start: start 9999-12-31T23:00:00 is out of range: truce takes "
        "years 1900 to 2999"
    )


# -- 5. a key written twice -------------------------------------------------------------------


def test_repeated_key_is_refused_by_status(tmp_path: Path) -> None:
    p, n = gaza_plus(tmp_path, json.dumps(event())[:-1] + ', "id": "b"}')
    code, _out, err = run("status", p, "--terms", TERMS)
    assert code == 2
    assert err.strip() == (
        f"error: {p}:{n}: key 'id' is written twice in one object: each key may appear once"
    )


def test_repeated_key_is_refused_by_record(ledger: Path, tmp_path: Path) -> None:
    p = tmp_path / "dup.jsonl"
    p.write_text(
        json.dumps(event()).replace('"text": "a claim"', '"text": "a", "text" : "b"') + "\n"
    )
    before = head(ledger)
    code, _out, err = run("record", ledger, p)
    assert code == 2
    assert err.strip() == (
        f"error: {p}:1: key 'text' is written twice in one object: each key may appear once"
    )
    assert head(ledger) == before


# -- 6. the day CSV takes ASCII digits only -----------------------------------------------------


@pytest.mark.parametrize("cell", ["１２", "1_000"])
def test_day_csv_takes_ascii_digits_only(tmp_path: Path, cell: str) -> None:
    p = tmp_path / "days.csv"
    rows = (EXAMPLES / "synthetic-london" / "days.csv").read_text().splitlines()
    rows[2] = rows[2].replace(",4,", f",{cell},", 1)
    p.write_text("\n".join(rows) + "\n")
    code, _out, err = run("status", p, "--terms", EXAMPLES / "synthetic-london" / "terms.toml")
    assert code == 2
    assert err.strip() == (
        f"error: {p}:3: column live_released: expected a whole number written with the digits "
        f"0-9 only, got {cell!r}"
    )


# -- 7. terminal escapes in recorded text -------------------------------------------------------

HOSTILE = "\x1b]0;owned\x07\x1b[2J hi\tthere\nagain\x9b"


def test_status_shows_control_characters_visibly(tmp_path: Path) -> None:
    p, _ = gaza_plus(tmp_path, json.dumps(event(text=HOSTILE, act="a\x1b[31m")))
    code, raw = run_bytes("status", p, "--terms", TERMS)
    assert code == 0
    assert b"\x1b" not in raw and b"\x07" not in raw and "\x9b".encode() not in raw
    assert "\\x1b]0;owned\\x07\\x1b[2J hi\\x09there\\x0aagain\\x9b" in raw.decode()
    code, raw = run_bytes("status", p, "--terms", TERMS, "--json")
    acts = json.loads(raw)["acts"]
    assert [a["what"] for a in acts if a["ref"] == "event:x1"] == [HOSTILE]


def test_log_shows_control_characters_visibly(ledger: Path, tmp_path: Path) -> None:
    p = tmp_path / "claim.jsonl"
    p.write_text(json.dumps(event(text=HOSTILE, recorded_by="desk\x1b[2J")) + "\n")
    assert run("record", ledger, p)[0] == 0
    code, raw = run_bytes("log", ledger, "--type", "claim")
    assert code == 0
    assert b"\x1b" not in raw and b"\x07" not in raw
    assert "text=\\x1b]0;owned\\x07\\x1b[2J hi\\x09there\\x0aagain\\x9b" in raw.decode()
    code, raw = run_bytes("log", ledger, "--type", "claim", "--json")
    assert json.loads(raw.splitlines()[-1])["event"]["text"] == HOSTILE


# -- 8. a damaged or retyped ledger.db ----------------------------------------------------------


def _damage_random(d: Path) -> None:
    (d / "ledger.db").write_bytes(bytes(range(256)) * 400)


def _damage_truncated(d: Path) -> None:
    data = (d / "ledger.db").read_bytes()
    (d / "ledger.db").write_bytes(data[:5000])


def _damage_empty(d: Path) -> None:
    (d / "ledger.db").write_bytes(b"")


DAMAGE = {
    "random-bytes": (_damage_random, "SQLite reports a damaged database while opening"),
    "truncated": (_damage_truncated, "SQLite reports a damaged database while opening"),
    "empty": (_damage_empty, "ledger.db is empty (0 bytes): the store was truncated"),
}


@pytest.mark.parametrize(
    "damage, command",
    [
        *(("random-bytes", c) for c in ("verify", "status", "log", "record")),
        ("truncated", "verify"),
        ("truncated", "record"),
        ("empty", "status"),
        ("empty", "verify"),
    ],
)
def test_damaged_store_is_exit_3(ledger: Path, damage: str, command: str) -> None:
    for extra in ("ledger.db-wal", "ledger.db-shm"):
        (ledger / extra).unlink(missing_ok=True)
    fn, message = DAMAGE[damage]
    fn(ledger)
    before = digest(ledger / "ledger.db")
    args: list[str | Path] = [command, ledger]
    if command == "record":
        args.append(GAZA / "ledger.jsonl")
    code, _out, err = run(*args)
    assert code == 3, err
    assert message in err
    assert digest(ledger / "ledger.db") == before


@pytest.mark.parametrize(
    "statement, message",
    [
        (
            "UPDATE entry SET data = 1000000000000 WHERE seq = 3",
            "seq 3: stored data is INTEGER, expected BLOB",
        ),
        (
            "UPDATE entry SET hash = 'abc' WHERE seq = 5",
            "seq 5: stored hash is TEXT, expected BLOB",
        ),
        ("UPDATE head SET size = 'many'", "the head row: stored size is TEXT, expected INTEGER"),
    ],
    ids=["data-integer", "hash-text", "head-size-text"],
)
@pytest.mark.parametrize("command", ["verify", "record"])
def test_retyped_column_is_exit_3(ledger: Path, statement: str, message: str, command: str) -> None:
    sql(ledger, statement)
    args: list[str | Path] = [command, ledger]
    if command == "record":
        args.append(GAZA / "ledger.jsonl")
    code, _out, err = run(*args)
    assert code == 3, err
    assert err.strip() == f"error: {message}"


def test_retyped_data_is_exit_3_for_status_and_log(ledger: Path) -> None:
    sql(ledger, "UPDATE entry SET data = 1000000000000 WHERE seq = 3")
    for command in ("status", "log"):
        code, _out, err = run(command, ledger)
        assert (code, err.strip()) == (3, "error: seq 3: stored data is INTEGER, expected BLOB")


# -- 9. a garbage witness file -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not json{", "witness state is not valid JSON"),
        (b"[1, 2]", "witness state must map origin -> object"),
        (DEEP.encode(), "witness state is not valid JSON"),
        (b"\xff\xfe", "witness state is not valid JSON"),
    ],
    ids=["not-json", "a-list", "deep", "not-utf8"],
)
def test_garbage_witness_file_is_exit_3(ledger: Path, content: bytes, message: str) -> None:
    (ledger / "witness").mkdir()
    (ledger / "witness" / "icrc.json").write_bytes(content)
    code, _out, err = run("verify", ledger)
    assert code == 3
    assert err.strip() == f"error: {ledger / 'witness' / 'icrc.json'}: {message}"


def test_witness_entry_without_a_note_is_exit_3(ledger: Path) -> None:
    origin = next(
        ln.split('"')[1]
        for ln in (ledger / "ledger.toml").read_text().splitlines()
        if ln.startswith("origin")
    )
    (ledger / "witness").mkdir()
    w = ledger / "witness" / "icrc.json"
    w.write_text(json.dumps({origin: {"size": 3, "note": 5}}))
    code, _out, err = run("verify", ledger)
    assert code == 3
    assert err.strip() == f"error: {w}: witness state for {origin!r} has no checkpoint note (text)"
    w.write_text(json.dumps({origin: {"size": 3, "note": "garbage"}}))
    code, _out, err = run("verify", ledger)
    assert code == 3
    assert err.strip() == (
        f"error: {w}: witness state for {origin!r}: checkpoint note must end with a newline"
    )
