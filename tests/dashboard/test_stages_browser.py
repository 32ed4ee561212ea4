"""The overview of the 2025 example (phased terms) in a real browser (Debian's Chromium through
Playwright) against the app on loopback, the server's and the page's clock at 2025-02-10 12:00
(+02:00): the countdown to the next deadline (day-35's captives, 2025-02-23 08:30) ticks in the
page's script with no error, and axe-core finds no serious or critical WCAG violation, in
English, Arabic and Hebrew, at 1280 and 390 px (nothing wider than a 390 px screen)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.dashboard.browser import (
    axe_violations,
    chromium,
    no_script_errors,
    open_page,
    shot,
    sign_in,
)
from tests.dashboard.conftest import StoppedClock
from tests.service.conftest import NOW, Clock, make_tokens, running
from truce.ledger.directory import LedgerDir
from truce.ledger.load import read_events_jsonl
from truce.ledger.record import record
from truce.service.app import create_app
from truce.service.settings import Settings
from truce.terms import load_terms

pytestmark = pytest.mark.browser

G25 = EXAMPLES / "gaza-2025"
AT = datetime.fromisoformat("2025-02-10T12:00+02:00")


@pytest.fixture
def live25(tmp_path: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    d = tmp_path / "g25"
    with LedgerDir.init(d, G25 / "terms.toml", at=NOW) as ld:
        evs, _ = read_events_jsonl(G25 / "ledger.jsonl", load_terms(G25 / "terms.toml"))
        record(ld, evs, [f"seed:{e.id}" for e in evs], clock=Clock())
    tokens = make_tokens(d)
    app = create_app([d], clock=StoppedClock(AT), settings=Settings(rate=10_000, burst=10_000))
    with running(app) as base:
        yield base, next(iter(app.state.hub.ledgers)), tokens


def test_the_staged_overview_counts_down_and_passes_axe(
    live25: tuple[str, str, dict[str, str]], tmp_path: Path
) -> None:
    base, lid, tokens = live25
    found: dict[str, Any] = {}
    with chromium(tmp_path) as ctx:
        page = open_page(ctx, AT, bypass_csp=True)
        sign_in(page, base, tokens["reader"])
        for lang in ("en", "ar", "he"):
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}/agreements/{lid}?lang={lang}")
            assert page.text_content("#ends-local") == "08:30"
            assert "06:30 UTC" in page.text_content("#ends-utc")
            if lang == "en":
                assert page.text_content("#countdown").strip() == "12 d 20 h 30 min left"
                assert "day-35" in page.text_content("#next-deadline")
                assert page.text_content("#batch-day-35-prisoners") is not None
            found[lang] = axe_violations(page)
            no_script_errors(page)
            shot(page, f"{lang}-stages-overview-1280")
            page.set_viewport_size({"width": 390, "height": 900})
            # usable at 390 px: nothing wider than the screen
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 390, (lang, wide)
            shot(page, f"{lang}-stages-overview-390")
    assert found == {"en": [], "ar": [], "he": []}, found
