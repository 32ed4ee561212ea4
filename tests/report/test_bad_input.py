"""Bad input to `truce report`: a clear error naming the flag, exit 2, and no file left behind
(not even a temporary one)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.report.conftest import G, report
from truce.errors import MissingExtra


def _nothing_written(folder: Path) -> None:
    assert list(folder.iterdir()) == [], list(folder.iterdir())


@pytest.mark.parametrize(
    ("args", "out", "flag", "says"),
    [
        (["--lang", "fr"], "b.html", "--lang", "expected one of en, ar, he, got 'fr'"),
        ([], "b.txt", "--out", "expected a file ending in .html or .pdf"),
        (
            ["--scenario", str(G / "scenario.toml")],
            "b.pdf",
            "--scenario",
            "the scenario simulates other terms than the ledger's",
        ),
    ],
)
def test_bad_input_names_the_flag_exits_2_and_writes_nothing(
    gaza_dir_ledger: Path, tmp_path: Path, args: list[str], out: str, flag: str, says: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    made = report(folder / out, gaza_dir_ledger, *args)
    assert made.code == 2, made.stderr
    message = " ".join(made.stderr.split())
    assert flag in message and says in message, message
    assert "Traceback" not in made.stderr
    _nothing_written(folder)


def test_a_missing_output_folder_is_bad_input(gaza_dir_ledger: Path, tmp_path: Path) -> None:
    made = report(tmp_path / "nowhere" / "b.html", gaza_dir_ledger)
    assert made.code == 2 and "--out" in made.stderr


def test_without_weasyprint_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from truce.report.pdf import render_pdf

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(MissingExtra, match=r"pip install 'truce\[report\]'"):
        render_pdf("<html></html>")
