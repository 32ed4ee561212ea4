"""Four processes recording into one ledger directory at once, each append fully checked:
every acknowledged event stored exactly once, sequence numbers without gaps, the log verifies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from truce.ledger.directory import LedgerDir
from truce.ledger.verify import verify

from .test_directory_cli import ok


def _race(tmp_path: Path, gaza_dir: Path, writers: int, each: int) -> None:
    d = tmp_path / "gaza"
    ok("init", d, "--terms", gaza_dir / "terms.toml")
    ok("record", d, gaza_dir / "ledger.jsonl")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.ledger.dir_writer", str(d), str(w), str(each)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    acked: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=3000)
        assert p.returncode == 0, err
        acked += out.split()
    assert len(acked) == writers * each
    with LedgerDir.open(d) as led:
        rep = verify(led)
        seqs = [r.seq for r in led.all_records]
        ids = [r.event.id for r in led.all_records]
    assert rep.head.size == 43 + writers * each
    assert seqs == list(range(1, rep.head.size + 1))
    assert sorted(i for i in ids if i.startswith("w")) == sorted(acked)


def test_four_writers_on_one_directory(tmp_path: Path, gaza_dir: Path) -> None:
    _race(tmp_path, gaza_dir, 4, 100)


@pytest.mark.deep
@pytest.mark.timeout(3600)
def test_four_writers_x_2500_on_one_directory(tmp_path: Path, gaza_dir: Path) -> None:
    _race(tmp_path, gaza_dir, 4, 2500)
