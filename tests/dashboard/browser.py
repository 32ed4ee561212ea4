"""Debian's Chromium driven by Playwright for Python (never a downloaded browser): a fresh
profile per context, the flags CI needs, and helpers the browser tests share."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".cache" / "axe" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SSE_SPY = """
(() => {
  window.__sse = [];
  const Orig = window.EventSource;
  window.EventSource = function (url, opts) {
    const src = new Orig(url, opts);
    for (const kind of ["append", "status", "message"]) {
      src.addEventListener(kind, (e) => window.__sse.push(kind + " " + e.data));
    }
    return src;
  };
  window.EventSource.prototype = Orig.prototype;
})();
"""
"""Keeps every message the page's event stream delivers, so a test can read them all."""


@contextmanager
def chromium(tmp: Path) -> Iterator[Any]:
    """A headless Chromium (Playwright gives each launch a fresh temporary profile)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: scripts/ensure-browser installs it (make test runs it)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, at: datetime, bypass_csp: bool = False) -> Any:
    """A tab in a new context (its own cookies: one person), its clock installed at ``at`` (it
    runs on from there), with the SSE spy. ``bypass_csp`` only to inject axe-core, which the
    pages' Content-Security-Policy refuses as an inline script."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # a script error fails the test that reads it (see no_script_errors)
    page.clock.install(time=at)
    page.add_init_script(SSE_SPY)
    return page


def sign_in(page: Any, base: str, token: str) -> None:
    """Through the sign-in form, typing the token as a person would."""
    page.goto(f"{base}/login")
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_url(f"{base}/agreements/**")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.x A/AA violations axe-core finds on the page."""
    page.add_script_tag(content=AXE.read_text())
    res = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: "tag",
             values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})).violations"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in res
        if v["impact"] in ("serious", "critical")
    ]


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot kept under test-artifacts/dashboard/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sse_messages(page: Any) -> list[str]:
    return list(page.evaluate("window.__sse || []"))


def dumps(x: Any) -> str:
    return json.dumps(x, ensure_ascii=False)


def no_script_errors(page: Any) -> None:
    """The page's script raised nothing."""
    assert not page.errors, page.errors


def wait_until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` in the page until it is true (Playwright's wait_for_function
    evaluates strings, which the pages' Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {expression}")
        page.wait_for_timeout(100)
