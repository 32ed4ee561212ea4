"""Shared fixtures, and a per-suite timing summary printed at the end of every run."""

from __future__ import annotations

import os
import shutil
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
_durations: dict[str, float] = defaultdict(float)
_counts: dict[str, int] = defaultdict(int)


def truce_exe() -> str:
    """The installed `truce` console script next to this interpreter (falls back to PATH)."""
    here = Path(sys.executable).parent / "truce"
    return str(here) if here.exists() else (shutil.which("truce") or "truce")


@pytest.fixture(scope="session")
def gaza_dir() -> Path:
    return EXAMPLES / "gaza-2023"


@pytest.fixture(scope="session")
def london_dir() -> Path:
    return EXAMPLES / "synthetic-london"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    rel = Path(report.fspath)
    parts = rel.parts
    suite = "/".join(parts[:2]) if len(parts) > 1 and parts[0] == "tests" else parts[0]
    _durations[suite] += report.duration
    if report.when == "call":
        _counts[suite] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _durations:
        return
    terminalreporter.write_sep("-", "per-suite timings")
    for suite in sorted(_durations):
        terminalreporter.write_line(
            f"{suite:<28} {_counts[suite]:>5} tests {_durations[suite]:>8.1f} s"
        )
    terminalreporter.write_line(
        f"{'total':<28} {sum(_counts.values()):>5} tests {sum(_durations.values()):>8.1f} s"
    )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A real PostgreSQL server on loopback for the session (or TRUCE_PG_URL's server)."""
    given = os.environ.get("TRUCE_PG_URL")
    if given:
        yield given
        return
    from .pgserver import PgServer

    with PgServer() as server:
        yield server.url
