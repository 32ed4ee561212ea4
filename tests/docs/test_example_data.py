"""The bundled example data: rebuilt from its audited source script, pseudonymous ids only."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.conftest import EXAMPLES, ROOT


def test_gaza_ledger_is_what_the_builder_writes() -> None:
    built = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_gaza_ledger.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert built == (EXAMPLES / "gaza-2023" / "ledger.jsonl").read_text()


def test_gaza_ids_are_pseudonymous_and_every_event_is_sourced() -> None:
    for line in (EXAMPLES / "gaza-2023" / "ledger.jsonl").read_text().splitlines():
        ev = json.loads(line)
        assert ev["sources"], ev["id"]
        for c in ev.get("captives") or []:
            cid = c if isinstance(c, str) else c["id"]
            assert re.fullmatch(r"g23-c\d{3}", cid), cid


def test_gaza_source_ids_resolve_in_sources_md() -> None:
    sources = (EXAMPLES / "gaza-2023" / "SOURCES.md").read_text()
    text = (EXAMPLES / "gaza-2023" / "ledger.jsonl").read_text() + (
        EXAMPLES / "gaza-2023" / "terms.toml"
    ).read_text()
    for sid in sorted(set(re.findall(r"\b([TDE]\d+[a-z]?)\b", text))):
        assert f"**{sid}**" in sources, f"{sid} is cited but not listed in SOURCES.md"


def test_every_terms_table_in_gaza_carries_a_source() -> None:
    import tomllib

    data = tomllib.loads((EXAMPLES / "gaza-2023" / "terms.toml").read_text())
    for table in ("agreement", "parties", "initial", "extension", "exchange", "aid"):
        assert data[table].get("source"), table
    for cat in data["category"]:
        assert cat.get("source"), cat["id"]
