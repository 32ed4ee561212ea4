"""The shipped route, examples/gaza-2023/route.toml: it loads, every variant has a ceiling with a
named limiting node, and every value has a source or is marked as an assumption."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, ROOT, truce_exe
from truce.aid import ceiling, ceilings, load_route, resolve

ROUTE = EXAMPLES / "gaza-2023" / "route.toml"

EXPECTED = {
    # variant: (ceiling, limiting, method)
    "pre-war": (600, ["ks-entry", "rafah-entry"], "max-flow"),
    "oct-nov": (100, ["rafah-entry"], "lp"),
    "pause": (200, ["nitzana", "rafah-entry"], "lp"),
    "ks-inspection": (100, ["rafah-entry"], "lp"),
    "ks-entry": (180, ["ks-entry", "rafah-entry"], "lp"),
}


def test_shipped_route_loads_with_the_research_variants() -> None:
    r = load_route(ROUTE)
    assert r.variant_names() == list(EXPECTED)
    assert r.route.payload_tonnes_per_truck == 17


def test_every_variant_has_a_ceiling_and_a_named_limiting_node() -> None:
    r = load_route(ROUTE)
    got = {c.variant: (c.trucks_per_day, c.limiting, c.method) for c in ceilings(r)}
    assert got == EXPECTED
    node_ids = {n.id for n in r.nodes}
    for c in ceilings(r):
        assert c.limiting and set(c.limiting) <= node_ids


def test_the_nitzana_route_passes_rafah_twice() -> None:
    r = load_route(ROUTE)
    net = resolve(r, "oct-nov")
    assert [p.id for p in net.paths] == ["via-nitzana"]
    assert net.paths[0].repeated() == ["rafah-eg"]
    c = ceiling(r, "oct-nov")
    assert any("passes rafah-eg twice" in line for line in c.explanation)


def test_kerem_shalom_inspection_adds_nothing_entry_adds_its_capacity() -> None:
    """The direction of the Dec 2023 series (aid-crossings.md 2.5): inspection at Kerem Shalom
    did not raise the ceiling; direct entry did."""
    by = {c.variant: c.trucks_per_day for c in ceilings(load_route(ROUTE))}
    assert by["ks-inspection"] == by["oct-nov"]
    assert by["ks-entry"] > by["ks-inspection"]


def _tables(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [("route", data["route"])]
    for key in ("node", "edge", "path", "change", "variant"):
        for i, t in enumerate(data.get(key, []), start=1):
            out.append((f"{key}[{i}]", t))
    return out


def test_every_table_has_a_source_and_assumptions_have_notes() -> None:
    data = tomllib.loads(ROUTE.read_text(encoding="utf-8"))
    for where, table in _tables(data):
        assert table.get("source"), f"{where} has no source"
        if table.get("assumption"):
            assert table.get("note"), f"{where} marks an assumption without a note saying why"


def test_every_number_is_sourced_or_marked() -> None:
    """A table whose numbers are not all assumptions must have a source with an id from
    aid-crossings.md (a letter and a digit, like C1) or a section number, or a URL."""
    data = tomllib.loads(ROUTE.read_text(encoding="utf-8"))
    cited = re.compile(r"\b[A-Z]\d\b|https?://|aid-crossings\.md \d")
    for where, table in _tables(data):
        numbers = [
            k for k, v in table.items() if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        numbers += [f"set.{k}" for k in table.get("set", {}) if isinstance(table.get("set"), dict)]
        assumed = table.get("assumption")
        unsourced = [
            k
            for k in numbers
            if not (assumed is True or (isinstance(assumed, list) and k in assumed))
        ]
        if unsourced:
            assert cited.search(table.get("source", "")), (
                f"{where}: {unsourced} without a cited source"
            )


def test_no_person_names() -> None:
    """Officials named in the research file are not copied into the example."""
    text = ROUTE.read_text(encoding="utf-8")
    for name in ("Tetro", "Laerke", "Van Hollen", "Griffiths", "Moshe", "Jens"):
        assert name not in text


def test_cli_prints_the_ceilings_as_json() -> None:
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("TRUCE_DEBUG", None)
    proc = subprocess.run(
        [truce_exe(), "aid", str(ROUTE), "--json", "--no-simulate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"route", "variants", "delivered"}
    assert out["delivered"] is None  # only with --ledger and --terms
    for v in out["variants"]:
        assert set(v) == {"name", "ceiling", "limiting", "method", "simulated"}
        assert v["simulated"] is None
    got = {v["name"]: (v["ceiling"], v["limiting"], v["method"]) for v in out["variants"]}
    assert got == EXPECTED


@pytest.mark.parametrize("args", [["aid"], ["aid", "show"]])
def test_cli_human_output_for_one_variant(args: list[str]) -> None:
    env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1"}
    proc = subprocess.run(
        [truce_exe(), *args, str(ROUTE), "--variant", "pause"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "Ceiling by variant (trucks/day)" in text
    assert re.search(r"│ pause\s+│\s+200 │ nitzana, rafah-entry\s+│ lp ", text), text
    assert "oct-nov" not in text  # only the variant asked for
    assert "  - ceiling: 200 trucks/day (about 3,400 t/day at 17 t per truck)" in text
    assert "not findings about any party" in text


def test_cli_reports_simulated_trucks_within_the_ceiling() -> None:
    """`truce aid --json` gives each variant's simulated mean and interval, seeded and
    reproducible, and never above the ceiling beyond noise."""
    import json
    import subprocess

    from tests.conftest import truce_exe

    args = [
        truce_exe(),
        "aid",
        str(ROUTE),
        "--json",
        "--days",
        "6",
        "--replications",
        "3",
        "--variant",
        "pause",
    ]
    first = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    again = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    assert first == again
    (v,) = first["variants"]
    sim = v["simulated"]
    assert v["name"] == "pause" and v["ceiling"] == 200
    assert sim["low"] <= sim["mean"] <= sim["high"]
    assert 0.8 * v["ceiling"] <= sim["mean"] <= 1.02 * v["ceiling"]


def test_cli_sets_the_delivered_series_against_the_commitment() -> None:
    import json
    import subprocess

    from tests.conftest import truce_exe

    gaza = EXAMPLES / "gaza-2023"
    args = [truce_exe(), "aid", str(ROUTE), "--json", "--no-simulate", "--variant", "pause"]
    args += ["--ledger", str(gaza / "ledger.jsonl"), "--terms", str(gaza / "terms.toml")]
    out = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    rows = out["delivered"]
    assert [r["trucks"] for r in rows] == [200, 199, 201, 106, 300, 104, 99]
    assert [r["status"] for r in rows] == [
        "met",
        "short",
        "over",
        "short",
        "over",
        "short",
        "short",
    ]
    assert {r["commitment"] for r in rows} == {200} and {r["basis"] for r in rows} == {"received"}
    lone = subprocess.run(args[:-2], capture_output=True, text=True)
    assert lone.returncode == 2 and "a ledger file needs --terms FILE" in lone.stderr
    no_ledger = subprocess.run([*args[:-4], "--terms", args[-1]], capture_output=True, text=True)
    assert (
        no_ledger.returncode == 2
        and "--terms: the terms are read with a ledger file" in no_ledger.stderr
    )


def test_cli_reads_the_delivered_series_from_a_ledger_directory(tmp_path: Path) -> None:
    """`--ledger DIR` (issue 5): a ledger directory carries its own terms."""
    import json
    import subprocess

    from tests.conftest import truce_exe

    gaza = EXAMPLES / "gaza-2023"
    d = tmp_path / "ledger"
    for cmd in (["init", str(d), "--terms", str(gaza / "terms.toml")], ["record", str(d)]):
        extra = [str(gaza / "ledger.jsonl")] if cmd[0] == "record" else []
        subprocess.run([truce_exe(), *cmd, *extra], capture_output=True, text=True, check=True)
    args = [truce_exe(), "aid", str(ROUTE), "--json", "--no-simulate", "--variant", "pause"]
    out = json.loads(
        subprocess.run(
            [*args, "--ledger", str(d)], capture_output=True, text=True, check=True
        ).stdout
    )
    assert [r["trucks"] for r in out["delivered"]] == [200, 199, 201, 106, 300, 104, 99]
    table = subprocess.run(
        [truce_exe(), "aid", str(ROUTE), "--no-simulate", "--variant", "pause", "--ledger", str(d)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "160", "NO_COLOR": "1"},
    ).stdout
    assert "Delivered against the commitment (terms' basis)" in table
