"""The JSON Schemas shipped in docs/schema/ are exactly what `truce schema` prints, and they
validate the bundled examples' shapes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, truce_exe


@pytest.mark.parametrize("kind", ["terms", "events", "status", "check"])
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
