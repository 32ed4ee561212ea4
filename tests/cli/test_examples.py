"""The two bundled examples, asserted exactly through the CLI (--json) and the Python API."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import truce
from tests.conftest import truce_exe


def run(*args: str) -> tuple[int, str, str]:
    p = subprocess.run([truce_exe(), *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def run_json(*args: str) -> dict[str, Any]:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def _findings(data: dict[str, Any], kind: str) -> list[tuple[int, str]]:
    return [(f["day"], f["status"]) for f in data["findings"] if f["kind"] == kind]


# --- 2023 Gaza: the public record ----------------------------------------------------------


@pytest.fixture(scope="module")
def gaza_status(gaza_dir: Path) -> dict[str, Any]:
    return run_json(
        "status", str(gaza_dir / "ledger.jsonl"), "--terms", str(gaza_dir / "terms.toml")
    )


def test_gaza_pause_days_and_end(gaza_status: dict[str, Any]) -> None:
    assert gaza_status["pause_days"] == 7
    assert gaza_status["ends_at"] == "2023-12-01T07:00:00+02:00"
    assert gaza_status["basis"] == "recorded"
    assert gaza_status["active"] is False


def test_gaza_extensions_recorded(gaza_status: dict[str, Any]) -> None:
    granted = {d["date"]: d["days_granted"] for d in gaza_status["days"] if d["days_granted"]}
    assert granted == {"2023-11-27": 2, "2023-11-29": 1}
    assert "event:ext-1" in gaza_status["trace"]["pause_days"]
    assert "event:ext-2" in gaza_status["trace"]["pause_days"]


def test_gaza_counted_per_day(gaza_status: dict[str, Any]) -> None:
    assert [d["counted"] for d in gaza_status["days"]] == [13, 13, 13, 11, 10, 10, 10]
    last = gaza_status["days"][-1]
    assert (last["live_released"], last["credited"]) == (8, 2)
    assert gaza_status["counted"] == 80


def test_gaza_prisoners(gaza_status: dict[str, Any]) -> None:
    assert gaza_status["prisoners_due"] == 240
    assert gaza_status["prisoners_released"] == 240
    assert [d["prisoners_released"] for d in gaza_status["days"]] == [39, 39, 39, 33, 30, 30, 30]
    assert all(s == "met" for _, s in _findings(gaza_status, "prisoners"))


def test_gaza_outside_and_separate(gaza_status: dict[str, Any]) -> None:
    assert sum(d["outside_framework"] for d in gaza_status["days"]) == 3
    assert sum(d["credited"] for d in gaza_status["days"]) == 2
    assert gaza_status["creditable"] == 1
    assert sum(d["separate_track"] for d in gaza_status["days"]) == 24


def test_gaza_no_captive_shortfall(gaza_status: dict[str, Any]) -> None:
    assert _findings(gaza_status, "captives") == [(4, "met"), (5, "met"), (6, "met"), (7, "met")]
    assert _findings(gaza_status, "extension") == [(4, "met"), (6, "met")]


def test_gaza_aid_findings_on_received_series(gaza_status: dict[str, Any]) -> None:
    assert [d["aid_trucks"] for d in gaza_status["days"]] == [200, 199, 201, 106, 300, 104, 99]
    assert _findings(gaza_status, "aid") == [
        (1, "met"),
        (2, "short"),
        (3, "over"),
        (4, "short"),
        (5, "over"),
        (6, "short"),
        (7, "short"),
    ]


def test_gaza_disputed_day1_prisoners_use_reference(gaza_status: dict[str, Any]) -> None:
    (d,) = gaza_status["disputed"]
    assert d["used"] == "event:d1-prisoners"
    assert d["set_aside"] == ["event:d1-prisoners-icrc"]
    assert gaza_status["days"][0]["prisoners_released"] == 39


def test_gaza_claims_attributed_not_adjudicated(gaza_status: dict[str, Any]) -> None:
    claims = [a for a in gaza_status["acts"] if a["type"] == "claim"]
    assert {c["declared_by"] for c in claims} == {"israel", "hamas"}
    text = json.dumps(gaza_status["findings"]).lower()
    assert "accepted" not in text and "rejected" not in text


def test_gaza_check_0500_short_by_3(gaza_dir: Path) -> None:
    d = run_json(
        "check",
        str(gaza_dir / "ledger.jsonl"),
        "--terms",
        str(gaza_dir / "terms.toml"),
        "--at",
        "2023-11-30T05:00+02:00",
        "--live",
        "7",
        "--bodies",
        "3",
    )
    assert d["meets_terms"] is False
    assert d["available"] == 7
    assert d["shortfall"] == 3
    assert d["extension_days"] == 0
    assert d["for_day"] == 7
    assert d["ends_at"] == "2023-11-30T07:00:00+02:00"
    assert d["pause_active"] is True
    assert any("short by 3" in line for line in d["explanation"])


def test_gaza_check_0650_one_day(gaza_dir: Path) -> None:
    d = run_json(
        "check",
        str(gaza_dir / "ledger.jsonl"),
        "--terms",
        str(gaza_dir / "terms.toml"),
        "--at",
        "2023-11-30T06:50+02:00",
        "--live",
        "8",
        "--credit",
        "2",
    )
    assert d["meets_terms"] is True
    assert d["extension_days"] == 1
    assert d["ends_at"] == "2023-12-01T07:00:00+02:00"
    assert d["prisoners_due"] == 30
    assert d["shortfall"] == 0


def test_gaza_check_credit_4_refused(gaza_dir: Path) -> None:
    code, out, err = run(
        "check",
        str(gaza_dir / "ledger.jsonl"),
        "--terms",
        str(gaza_dir / "terms.toml"),
        "--at",
        "2023-11-30T06:50+02:00",
        "--live",
        "8",
        "--credit",
        "4",
        "--json",
    )
    assert code == 2
    assert out == ""
    assert "3 creditable" in err and "Traceback" not in err


def test_gaza_csv_agrees_with_jsonl(gaza_dir: Path, gaza_status: dict[str, Any]) -> None:
    csv = run_json("status", str(gaza_dir / "days.csv"), "--terms", str(gaza_dir / "terms.toml"))
    for key in (
        "pause_days",
        "ends_at",
        "basis",
        "counted",
        "prisoners_due",
        "prisoners_released",
        "creditable",
    ):
        assert csv[key] == gaza_status[key], key
    assert [d["counted"] for d in csv["days"]] == [d["counted"] for d in gaza_status["days"]]
    assert [d["aid_trucks"] for d in csv["days"]] == [d["aid_trucks"] for d in gaza_status["days"]]


def test_gaza_aid_300_reading(gaza_dir: Path) -> None:
    d = run_json(
        "status", str(gaza_dir / "ledger.jsonl"), "--terms", str(gaza_dir / "terms-aid-300.toml")
    )
    assert _findings(d, "aid") == [(i, "met" if i == 5 else "short") for i in range(1, 8)]
    assert d["pause_days"] == 7


# --- synthetic London: DST, half-weight bodies, carried surplus, inferred grants -------------


@pytest.fixture(scope="module")
def london_status(london_dir: Path) -> dict[str, Any]:
    return run_json(
        "status", str(london_dir / "days.csv"), "--terms", str(london_dir / "terms.toml")
    )


def test_london_status(london_status: dict[str, Any]) -> None:
    assert london_status["pause_days"] == 7
    assert london_status["basis"] == "inferred"
    assert london_status["ends_at"] == "2025-04-03T07:00:00+01:00"
    assert london_status["prisoners_due"] == 140
    assert london_status["creditable"] == 1
    assert london_status["balance"] == 1
    assert [d["days_granted"] for d in london_status["days"]][3:6] == [1, 1, 2]
    assert [d["counted"] for d in london_status["days"]][:6] == [5, 4, 5, 2, 4, 9]
    first = next(f for f in london_status["findings"] if f["kind"] == "captives")
    assert (first["day"], first["status"]) == (3, "over")
    assert first["detail"].startswith(
        "days 1-3: 14 of 12 counted; 2 beyond the initial quota carried forward"
    )


def test_london_check_meets(london_dir: Path) -> None:
    d = run_json(
        "check",
        str(london_dir / "days.csv"),
        "--terms",
        str(london_dir / "terms.toml"),
        "--live",
        "2",
        "--bodies",
        "1",
        "--credit",
        "1",
    )
    assert d["meets_terms"] is True
    assert d["available"] == 4.5
    assert d["extension_days"] == 1
    assert d["ends_at"] == "2025-04-04T07:00:00+01:00"
    assert d["prisoners_due"] == 15


def test_london_check_short(london_dir: Path) -> None:
    d = run_json(
        "check",
        str(london_dir / "days.csv"),
        "--terms",
        str(london_dir / "terms.toml"),
        "--live",
        "1",
    )
    assert d["meets_terms"] is False
    assert d["shortfall"] == 2
    assert any("add 2 live captives or 4 bodies" in line for line in d["explanation"])


def test_london_check_credit_2_refused(london_dir: Path) -> None:
    code, _, err = run(
        "check",
        str(london_dir / "days.csv"),
        "--terms",
        str(london_dir / "terms.toml"),
        "--live",
        "1",
        "--credit",
        "2",
    )
    assert code == 2
    assert "1 creditable" in err


# --- the same through the Python API ---------------------------------------------------------


def test_api_gaza(gaza_dir: Path) -> None:
    terms, history = truce.load(gaza_dir / "terms.toml", gaza_dir / "ledger.jsonl")
    state = truce.status(terms, history)
    assert state.pause_days == 7
    assert state.ends_at == datetime.fromisoformat("2023-12-01T07:00+02:00")
    assert state.counted == 80 and isinstance(state.counted, Fraction)
    d = truce.check(
        terms,
        history,
        truce.Proposal(live=8, credit=2),
        at=datetime.fromisoformat("2023-11-30T06:50+02:00"),
    )
    assert (d.meets_terms, d.extension_days, d.prisoners_due) == (True, 1, 30)
    with pytest.raises(truce.ProposalError, match="3 creditable"):
        truce.check(
            terms,
            history,
            truce.Proposal(live=8, credit=4),
            at=datetime.fromisoformat("2023-11-30T06:50+02:00"),
        )


def test_api_london(london_dir: Path) -> None:
    terms, history = truce.load(london_dir / "terms.toml", london_dir / "days.csv")
    state = truce.status(terms, history)
    assert (state.pause_days, state.basis, state.prisoners_due, state.creditable) == (
        7,
        "inferred",
        140,
        1,
    )
    assert state.ends_at is not None and state.ends_at.isoformat() == "2025-04-03T07:00:00+01:00"
    d = truce.check(terms, history, truce.Proposal(live=2, bodies=1, credit=1))
    assert d.available == Fraction(9, 2)
    assert d.ends_at is not None and d.ends_at.isoformat() == "2025-04-04T07:00:00+01:00"


def test_demo_prints_table_and_checks() -> None:
    code, out, err = run("demo")
    assert code == 0, err
    assert "2023-12-01T07:00:00+02:00" in out
    assert "short by 3" in out
    assert "3 creditable" in out
    for counted in ("13", "11", "10"):
        assert counted in out


def test_gaza_check_after_credit_recorded_in_advance(gaza_dir: Path) -> None:
    """At 06:56 the credit of 2 toward day 7 is already recorded: 8 live are enough."""
    d = run_json(
        "check",
        str(gaza_dir / "ledger.jsonl"),
        "--terms",
        str(gaza_dir / "terms.toml"),
        "--at",
        "2023-11-30T06:56+02:00",
        "--live",
        "8",
    )
    assert (d["meets_terms"], d["available"], d["counted"], d["extension_days"]) == (True, 10, 8, 1)
    assert any("credited in advance" in line for line in d["explanation"])
