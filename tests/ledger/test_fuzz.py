"""The fuzz targets (atheris, coverage-guided) run: a short smoke run in CI, a million
executions each in the deep tier. Any crash, hang, or accepted forged proof fails the run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

TARGETS = ("fuzz_proofs.py", "fuzz_parsers.py")


def _fuzz(target: str, runs: int, tmp: str) -> None:
    p = subprocess.run(
        [
            sys.executable,
            str(ROOT / "fuzz" / target),
            f"-runs={runs}",
            "-seed=1",
            f"-artifact_prefix={tmp}/",
            "-max_total_time=1800",
        ],
        capture_output=True,
        text=True,
        timeout=2400,
        cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    assert f"Done {runs} runs" in p.stderr


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_smoke(target: str, tmp_path: object) -> None:
    _fuzz(target, 20_000, str(tmp_path))


@pytest.mark.deep
@pytest.mark.timeout(3000)
@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_a_million(target: str, tmp_path: object) -> None:
    _fuzz(target, 1_000_000, str(tmp_path))
