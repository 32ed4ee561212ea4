"""A ledger of the bundled Gaza example, built once through the application functions and
copied for each test that changes it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from truce.app.ledger import record_events
from truce.app.ledger_admin import init_ledger

BUILT_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def built_gaza(tmp_path_factory: pytest.TempPathFactory, gaza_dir: Path) -> Path:
    d = tmp_path_factory.mktemp("app") / "gaza"
    init_ledger(d, gaza_dir / "terms.toml", now=BUILT_AT)
    record_events(d, gaza_dir / "ledger.jsonl", now=BUILT_AT)
    return d


@pytest.fixture
def gaza_ledger(built_gaza: Path, tmp_path: Path) -> Path:
    """A fresh copy of the 43-entry Gaza ledger (terms-1, then the example's 42 events)."""
    d = tmp_path / "gaza"
    shutil.copytree(built_gaza, d)
    return d
