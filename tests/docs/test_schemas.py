"""The JSON Schemas shipped in docs/schema/ are exactly what `truce schema` prints, and they
validate the bundled examples' shapes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, truce_exe
from truce.app.schemas import RESULTS


@pytest.mark.parametrize("kind", ["terms", "events", *RESULTS])
def test_shipped_schema_is_current(kind: str) -> None:
    out = subprocess.run(
        [truce_exe(), "schema", kind], capture_output=True, text=True, check=True
    ).stdout
    shipped = (ROOT / "docs" / "schema" / f"{kind}.schema.json").read_text()
    assert json.loads(out) == json.loads(shipped), (
        f"regenerate: truce schema {kind} > docs/schema/{kind}.schema.json"
    )


def test_events_schema_names_every_type() -> None:
    from truce.events import EVENT_TYPES

    text = (Path(ROOT) / "docs" / "schema" / "events.schema.json").read_text()
    for t in EVENT_TYPES:
        assert f'"{t}"' in text


def test_unknown_schema_is_bad_input() -> None:
    p = subprocess.run([truce_exe(), "schema", "nope"], capture_output=True, text=True)
    assert p.returncode == 2 and "expected one of terms, events, status, check" in p.stderr


def test_ledger_json_outputs_match_their_schemas(tmp_path: Path) -> None:
    """What `init`, `record`, `verify`, `compare`, `log`, `sync`, `clone` and `backup` print
    with --json is exactly a dump of their schema."""
    from truce.app.ledger_schemas import (
        CompareOut,
        CopyOut,
        InitOut,
        LogEntry,
        RecordOut,
        SyncOut,
        VerifyOk,
    )

    d = tmp_path / "gaza"
    g = ROOT / "examples" / "gaza-2023"

    def run(*args: object) -> str:
        return subprocess.run(
            [truce_exe(), *map(str, args)], capture_output=True, text=True, check=True
        ).stdout

    i = InitOut.model_validate_json(run("init", d, "--terms", g / "terms.toml", "--json"))
    assert (
        i.directory == str(d)
        and i.agreement == "Humanitarian pause and exchange, Gaza, November 2023"
    )
    r = RecordOut.model_validate_json(run("record", d, g / "ledger.jsonl", "--json"))
    assert (r.added, r.already, r.head.size) == (list(range(2, 44)), 0, 43)
    b = CopyOut.model_validate_json(run("backup", d, tmp_path / "b", "--json"))
    assert (b.events, b.head) == (43, r.head)
    k = CopyOut.model_validate_json(run("clone", d, tmp_path / "c", "--json"))
    assert (k.events, k.head) == (43, r.head)
    s = SyncOut.model_validate_json(run("sync", tmp_path / "c", d, "--json"))
    assert (s.pulled, s.head) == (0, r.head)

    v = VerifyOk.model_validate_json(run("verify", d, "--json"))
    assert (v.size, v.events, v.signed) == (43, 43, 0)
    c = CompareOut.model_validate_json(run("compare", d, d, "--json"))
    assert c.relation == "identical" and c.common == 43
    lines = run("log", d, "--json").splitlines()
    assert len(lines) == 43
    assert [LogEntry.model_validate_json(x).seq for x in lines] == list(range(1, 44))
