"""Every message the dashboard shows is in the catalogues: English, and a translation in Arabic
and Hebrew with the same fields (tools/dashboard_messages.py lists them from the templates)."""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("babel")

from truce.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from dashboard_messages import messages  # noqa: E402


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("lang", ["ar", "he"])
def test_every_dashboard_message_is_translated_with_its_fields(lang: str) -> None:
    english = catalogue("en").entries
    entries = catalogue(lang).entries
    for msg in messages():
        assert msg in english, f"not in the English catalogue: {msg!r}"
        entry = entries.get(msg)
        assert entry is not None and entry.text, f"{lang}: no translation of {msg!r}"
        assert _fields(entry.text) == _fields(msg), (lang, msg, entry.text)


def test_the_message_list_tool_agrees() -> None:
    p = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "dashboard_messages.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("lang", ["en", "ar", "he"])
def test_no_ruled_out_word_in_the_dashboards_own_voice(lang: str) -> None:
    """The glossary's ruled-out words (the briefings' test's list) in no dashboard message."""
    import re

    from tests.report.test_languages import RULED_OUT

    entries = catalogue(lang).entries
    for msg in messages():
        text = msg if lang == "en" else entries[msg].text
        hit = re.search(RULED_OUT[lang], text, re.IGNORECASE)
        assert hit is None, (lang, msg, hit.group(0) if hit else None)
