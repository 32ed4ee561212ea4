"""Personal data: none in a briefing unless asked for (--include-personal), and the briefing
says which; with and without, the outputs differ exactly in the personal fields."""

from __future__ import annotations

import re
from pathlib import Path

from tests.report.conftest import PERSONAL_VALUES, report, section

PERSONAL = re.compile(r"\n?<(section|p) [^>]*data-personal[^>]*>.*?</\1>", flags=re.S)
"""An element marked as personal (the statement on the summary, the appendix), and its line."""


def test_personal_data_only_when_asked_and_said_either_way(
    personal_ledger: Path, tmp_path: Path
) -> None:
    without = report(tmp_path / "without.html", personal_ledger)
    with_ = report(tmp_path / "with.html", personal_ledger, "--include-personal")
    assert without.code == with_.code == 0, (without.stderr, with_.stderr)
    plain, personal = without.out.read_bytes(), with_.out.read_bytes()
    for value in PERSONAL_VALUES:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert value.encode(encoding) not in plain, value
    summary = section(without.html, "summary")
    assert "Personal data: none. People are named by pseudonym only." in summary
    assert "The ledger keeps personal data apart; --include-personal adds it." in summary
    # with it: the three people the record names, not the one it does not
    people = section(with_.html, "appendix-personal")
    for value in PERSONAL_VALUES[:3] + PERSONAL_VALUES[4:7]:
        assert value in people, value
    assert "Named Nowhere Delta" not in with_.html and "1970-07-08" not in with_.html
    assert "Personal data: included (--include-personal), for 3 people" in section(
        with_.html, "summary"
    )
    # the two differ exactly in the elements marked as personal
    assert PERSONAL.sub("", without.html) == PERSONAL.sub("", with_.html)
    assert len(PERSONAL.findall(without.html)) == 1 and len(PERSONAL.findall(with_.html)) == 2
    assert plain != personal


def test_no_personal_field_in_the_default_pdf(personal_ledger: Path, tmp_path: Path) -> None:
    made = report(tmp_path / "b.pdf", personal_ledger)
    assert made.code == 0, made.stderr
    text = made.pdf_text()
    raw = made.out.read_bytes()
    for value in PERSONAL_VALUES:
        assert value not in text and value.encode() not in raw, value
    assert "Personal data: none." in text
