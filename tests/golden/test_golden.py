"""Golden outputs: the stdout of every command with ``--json`` on the bundled examples, byte for
byte, so a refactor that should change nothing provably changes nothing.

What varies from run to run is normalised first: ledger ids, roots and keys, log stamps,
cosignature times, temporary paths, timings. A change on purpose rewrites the files with
``TRUCE_UPDATE_GOLDEN=1 pytest tests/golden`` in its own commit, with a CHANGELOG line.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, truce_exe

HERE = Path(__file__).resolve().parent / "expected"
G = EXAMPLES / "gaza-2023"
G25 = EXAMPLES / "gaza-2025"
L = EXAMPLES / "synthetic-london"
G25 = EXAMPLES / "gaza-2025"
ROUTE = G / "route.toml"

CASES: dict[str, list[str]] = {
    "status-file": ["status", str(G / "ledger.jsonl"), "--terms", str(G / "terms.toml"), "--json"],
    "status-file-at": [
        "status",
        str(G / "ledger.jsonl"),
        "--terms",
        str(G / "terms.toml"),
        "--at",
        "2023-11-27T12:00",
        "--as-of",
        "2023-11-27T12:00",
        "--json",
    ],
    "status-csv": ["status", str(L / "days.csv"), "--terms", str(L / "terms.toml"), "--json"],
    "status-gaza2025": [
        "status",
        str(G25 / "ledger.jsonl"),
        "--terms",
        str(G25 / "terms.toml"),
        "--json",
    ],
    "status-gaza2025-a36-at": [
        "status",
        str(G25 / "ledger-a36.jsonl"),
        "--terms",
        str(G25 / "terms.toml"),
        "--at",
        "2025-02-24T12:00",
        "--json",
    ],
    "status-dir": ["status", "{dir}", "--json"],
    "check-file": [
        "check",
        str(G / "ledger.jsonl"),
        "--terms",
        str(G / "terms.toml"),
        "--at",
        "2023-11-30T06:50+02:00",
        "--live",
        "8",
        "--credit",
        "2",
        "--json",
    ],
    "check-dir": ["check", "{dir}", "--at", "2023-11-30T06:50", "--live", "7", "--json"],
    "verify": ["verify", "{dir}", "--json"],
    "init": ["init", "{dir}-init", "--terms", str(G / "terms.toml"), "--json"],
    "record": ["record", "{dir}", str(G / "ledger.jsonl"), "--json"],  # a retry: nothing added
    "sync": ["sync", "{dir}", "{dir}", "--json"],
    "clone": ["clone", "{dir}", "{dir}-clone", "--json"],
    "backup": ["backup", "{dir}", "{dir}-backup", "--json"],
    "compare": ["compare", "{dir}", "{dir}", "--json"],
    "log": ["log", "{dir}", "--from", "30", "--json"],
    "log-public": ["log", "{dir}", "--audience", "public", "--type", "list_announced", "--json"],
    "simulate": ["simulate", str(G / "scenario.toml"), "--runs", "3000", "--seed", "7", "--json"],
    "simulate-pause": [
        "simulate",
        str(G / "scenario-pause.toml"),
        "--runs",
        "500",
        "--json",
    ],
    "compare-deals": ["compare-deals", str(G / "scenario.toml"), "--runs", "2000", "--json"],
    "simulate-staged": ["simulate", str(G25 / "scenario.toml"), "--runs", "2000", "--json"],
    "compare-deals-staged": [
        "compare-deals",
        str(G25 / "scenario.toml"),
        "--runs",
        "2000",
        "--json",
    ],
    "sweep": [
        "sweep",
        str(G / "scenario.toml"),
        "--vary",
        "pool.women.alive=0.6,1",
        "--runs",
        "1000",
        "--json",
    ],
    "history": ["history", "--json"],
    "aid-show": ["aid", "show", str(ROUTE), "--json", "--no-simulate"],
    "aid-show-simulated": [
        "aid",
        "show",
        str(ROUTE),
        "--variant",
        "pause",
        "--json",
        "--days",
        "4",
        "--replications",
        "2",
    ],
    "aid-ledger": [
        "aid",
        "show",
        str(ROUTE),
        "--variant",
        "pause",
        "--no-simulate",
        "--ledger",
        str(G / "ledger.jsonl"),
        "--terms",
        str(G / "terms.toml"),
        "--json",
    ],
    "aid-what-if": [
        "aid",
        "what-if",
        str(ROUTE),
        "--open",
        "ks-entry",
        "--on",
        "2023-12-17",
        "--variant",
        "ks-inspection",
        "--json",
    ],
    "aid-lanes": ["aid", "lanes", str(ROUTE), "--target", "250", "--variant", "pause", "--json"],
    "schema-terms": ["schema", "terms"],
    "schema-events": ["schema", "events"],
    "validate": ["validate", str(G / "terms.toml"), "--json"],
    "why-finding": [
        "status",
        str(G / "ledger.jsonl"),
        "--terms",
        str(G / "terms.toml"),
        "--why",
        "finding:1",
        "--json",
    ],
    "timetable": [
        "timetable",
        str(G / "ledger.jsonl"),
        "--terms",
        str(G / "terms.toml"),
        "--at",
        "2023-11-30T05:00+02:00",
        "--json",
    ],
    "schema-status": ["schema", "status"],
    "schema-check": ["schema", "check"],
}

_NORMALISE = [
    (re.compile(r"truce-[0-9a-f]{16}"), "truce-<ledger>"),
    (re.compile(r"[A-Za-z0-9+/]{43}="), "<b64>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"), "<stamp>"),
    (re.compile(r'"(seconds|elapsed_s|wall_s|runs_per_second|compile_s)": [0-9.e+-]+'), r'"\1": 0'),
]


def normalise(text: str, tmp: Path) -> str:
    text = text.replace(str(tmp), "<tmp>").replace(str(G.parent.parent), "<repo>")
    for pattern, repl in _NORMALISE:
        text = pattern.sub(repl, text)
    return text


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("golden") / "gaza"
    for args in (
        ["init", str(d), "--terms", str(G / "terms.toml")],
        ["record", str(d), str(G / "ledger.jsonl")],
    ):
        subprocess.run([truce_exe(), *args], check=True, capture_output=True, timeout=120)
    return d


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_output(name: str, ledger: Path) -> None:
    args = [a.replace("{dir}", str(ledger)) for a in CASES[name]]
    env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1"}
    p = subprocess.run([truce_exe(), *args], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    got = normalise(p.stdout, ledger.parent)
    path = HERE / f"{name}.out"
    if os.environ.get("TRUCE_UPDATE_GOLDEN"):
        HERE.mkdir(exist_ok=True)
        path.write_text(got)
    assert path.exists(), f"no golden for {name}: run with TRUCE_UPDATE_GOLDEN=1"
    assert got == path.read_text(), f"{name}: output differs from {path}"


def test_every_json_command_has_a_golden() -> None:
    """The list above covers each command that prints JSON (a new one must be added)."""
    commands = {" ".join(a for a in c[:2] if not a.startswith(("/", "{"))) for c in CASES.values()}
    for needed in (
        "status",
        "check",
        "validate",
        "timetable",
        "verify",
        "init",
        "record",
        "sync",
        "clone",
        "backup",
        "compare",
        "log",
        "simulate",
        "compare-deals",
        "sweep",
        "history",
        "aid show",
        "aid what-if",
        "aid lanes",
    ):
        assert any(c == needed or c.startswith(needed + " ") for c in commands), needed
