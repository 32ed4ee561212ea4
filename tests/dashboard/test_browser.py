"""The dashboard in a real browser (Debian's Chromium through Playwright) against `truce serve`
on loopback, over the 2023 ledger as recorded by 2023-11-30T06:00+02:00, the server's clock and
the page's clock at that moment."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.dashboard.browser import (
    axe_violations,
    chromium,
    no_script_errors,
    open_page,
    shot,
    sign_in,
    sse_messages,
    wait_until,
)
from tests.dashboard.conftest import CUTOFF, LiveDash, StoppedClock
from tests.service.conftest import list_7b, running

pytestmark = pytest.mark.browser


def test_overview_and_checking_a_list_with_the_keyboard_alone(
    live_dash: LiveDash, tmp_path: Path
) -> None:
    with chromium(tmp_path) as ctx:
        page = open_page(ctx, CUTOFF)
        sign_in(page, live_dash.base, live_dash.tokens["mediator:qatar"])
        assert page.text_content("#countdown").strip() == "1 h 00 min left"
        assert page.text_content("#ends-local") == "07:00"
        assert "05:00 UTC" in page.text_content("#ends-utc")
        assert page.text_content("#days-granted") == "day 6 of 6 granted"
        assert page.text_content("#counted") == "70"
        assert "Less than one hour" in page.text_content(".alert")
        viewer = page.text_content("#ends-viewer")
        assert "07:00" in viewer or "05:00" in viewer, viewer  # the browser's zone (UTC here)

        # To the check form and through it, by keyboard alone.
        _tab_to(page, 'a[href$="/check"]')
        page.keyboard.press("Enter")
        page.wait_for_url("**/check")
        _tab_to(page, "#live")
        page.keyboard.type("7")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # past the help text's field to bodies
        _tab_to(page, "#bodies")
        page.keyboard.press("Control+A")
        page.keyboard.type("3")
        page.keyboard.press("Enter")
        page.wait_for_selector(".result")
        answer = page.text_content("#check-answer")
        assert "does not meet the terms as encoded" in answer
        assert "3 short" in answer

        _tab_to(page, "#live")
        page.keyboard.press("Control+A")
        page.keyboard.type("8")
        _tab_to(page, "#bodies")
        page.keyboard.press("Control+A")
        page.keyboard.type("0")
        _tab_to(page, "#credit")
        page.keyboard.press("Control+A")
        page.keyboard.type("2")
        page.keyboard.press("Enter")
        page.wait_for_selector(".result.meets")
        answer = page.text_content("#check-answer")
        assert "meets the terms as encoded" in answer and "does not" not in answer
        assert "+1 day(s)" in answer and "1 December 2023, 07:00" in answer
        due = page.text_content("#check-answer .figures div:nth-child(2) dd")
        assert due == "30"
        shot(page, "check-en-1280")
        no_script_errors(page)


def _tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus (a keyboard user's way there)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_restricted_list_reaches_the_mediator_live_and_never_the_reader(
    live_dash: LiveDash, tmp_path: Path
) -> None:
    with chromium(tmp_path) as ctx:
        mediator = open_page(ctx, CUTOFF)
        sign_in(mediator, live_dash.base, live_dash.tokens["mediator:qatar"])
        reader = open_page(ctx, CUTOFF)  # another context: another person's cookies
        seen: list[str] = []
        reader.on("response", lambda r: seen.append(_body(r)))
        sign_in(reader, live_dash.base, live_dash.tokens["reader"])
        assert reader.query_selector("#h-record") is None
        reader.goto(live_dash.url("/check"))
        assert reader.query_selector("#h-record") is None  # no append controls for a reader
        assert reader.query_selector("text=Record this act") is None
        reader.goto(live_dash.url())
        wait_until(reader, "window.__sse.length > 0")

        # The holder's liaison submits its 06:30 list for day 7, restricted, through the API.
        t0 = time.monotonic()
        r = httpx.post(
            live_dash.api("/events"),
            json={"events": [{"event": list_7b()}]},
            headers=live_dash.auth("party:hamas"),
        )
        assert r.status_code == 201, r.text
        mediator.wait_for_selector("#list-list-7b", timeout=10_000)
        latency = time.monotonic() - t0
        assert "pending" in mediator.text_content("#list-list-7b")
        assert "8 live, 0 bodies, 2 credited" in mediator.text_content("#list-list-7b")
        reader.wait_for_timeout(1500)  # the stream had time to tell the reader, were it to
        reader.reload()
        for path in ("", "/findings", "/log", "/check"):
            reader.goto(live_dash.url(path))
        received = seen + sse_messages(reader) + [reader.content()]
        for secret in ("list-7b", "8 living captives", "D7b"):
            assert not any(secret in x for x in received), secret
        print(f"live update reached the open page in {latency:.2f} s")


def _body(response: Any) -> str:
    try:
        return str(response.text())
    except Exception:  # a stream, or a redirect without a body
        return ""


def test_the_countdown_across_a_daylight_saving_change(tmp_path: Path) -> None:
    """synthetic-london starts 27 Mar 2025 07:00 (GMT) for 3 days: it ends 30 Mar 07:00 BST,
    which is 06:00 UTC, 23 hours after 29 Mar 07:00 GMT (the clocks go forward that night)."""
    from tests.conftest import EXAMPLES
    from truce.ledger.directory import LedgerDir
    from truce.ledger.tokens import Role, TokenStore
    from truce.service.app import create_app
    from truce.service.settings import Settings

    d = tmp_path / "london"
    src = EXAMPLES / "synthetic-london"
    at = datetime.fromisoformat("2025-03-29T07:00+00:00")
    with LedgerDir.init(d, src / "terms.toml", at=at):
        pass
    token = TokenStore(d).new(Role.parse("reader"), None, at)[0]
    app = create_app([d], clock=StoppedClock(at), settings=Settings(rate=10_000, burst=10_000))
    with running(app) as base, chromium(tmp_path) as ctx:
        page = open_page(ctx, at)
        sign_in(page, base, token)
        assert page.text_content("#countdown").strip() == "23 h 00 min left"
        assert page.text_content("#ends-local") == "07:00"
        assert "06:00 UTC" in page.text_content("#ends-utc")
        page.clock.run_for(3 * 3600 * 1000)  # the page's clock runs on; the script recounts
        wait_until(
            page, "document.getElementById('countdown').textContent.trim() === '20 h 00 min left'"
        )


@pytest.mark.parametrize("lang", ["ar", "he"])
def test_arabic_and_hebrew_render_right_to_left_with_the_same_figures(
    live_dash: LiveDash, tmp_path: Path, lang: str
) -> None:
    with chromium(tmp_path) as ctx:
        page = open_page(ctx, CUTOFF)
        sign_in(page, live_dash.base, live_dash.tokens["mediator:qatar"])
        page.goto(live_dash.url(f"?lang={lang}"))
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.get_attribute("html", "lang") == lang
        assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
        assert page.text_content("#ends-local") == "07:00"
        assert page.text_content("#counted") == "70"
        assert "6" in page.text_content("#days-granted")
        assert page.text_content("#prisoners-due") == "210"
        assert "1" in page.text_content("#countdown") and "00" in page.text_content("#countdown")
        assert page.query_selector(".notice") is not None  # awaits review by native speakers
        page.goto(live_dash.url("/findings"))  # the choice is remembered without ?lang=
        assert page.get_attribute("html", "lang") == lang


def test_no_serious_accessibility_violation_on_any_page_in_any_language(
    live_dash: LiveDash, tmp_path: Path
) -> None:
    """axe-core on every page, in English, Arabic and Hebrew, at 1280 and 390 px; the
    screenshots are kept as test artifacts."""
    found: dict[str, list[dict[str, Any]]] = {}
    with chromium(tmp_path) as ctx:
        page = open_page(ctx, CUTOFF, bypass_csp=True)
        page.goto(f"{live_dash.base}/login")
        found["login"] = axe_violations(page)
        sign_in(page, live_dash.base, live_dash.tokens["mediator:qatar"])
        for lang in ("en", "ar", "he"):
            for path in ("", "/check", "/findings", "/log"):
                page.goto(live_dash.url(f"{path}?lang={lang}"))
                if path == "/check":
                    page.fill("#live", "7")
                    page.fill("#bodies", "3")
                    page.click("#check-form button")
                    page.wait_for_selector(".result")
                name = f"{lang}{path.replace('/', '-') or '-overview'}"
                found[name] = axe_violations(page)
                for width in (1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    shot(page, f"{name}-{width}")
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    if wide > width:  # usable at 390 px: nothing wider than the screen
                        found.setdefault(name, []).append({"id": "overflow", "width": wide})
                page.set_viewport_size({"width": 1280, "height": 900})
    bad = {k: v for k, v in found.items() if v}
    assert not bad, bad
