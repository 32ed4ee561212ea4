"""The dashboard's pages: server time per page and the browser's load timing, beside the bare
``/healthz`` route measured in the same run, on the 2023 ledger and a long ledger.

Run ``.venv/bin/python benchmarks/dashboard.py`` (a few minutes: building the 100,000-entry
ledger takes most of it). ``--smoke`` runs every section on a tiny ledger, once, in seconds
(for CI: the numbers mean nothing).

The app (``create_app`` over both ledgers, its clock stopped at 2023-11-30T06:00+02:00, so the
pause is running) is served by uvicorn on 127.0.0.1 in a thread of this process; the clients
(httpx, and Debian's Chromium through Playwright) run here too, on the same CPUs.

(a) **Server time per page**: one signed-in session (a mediator's), one request at a time:
    the first request after the log grew (nothing cached: the whole replay), then the median
    of ``--repeat`` repeated requests (cached per log size), for the overview, the check form,
    the findings and the record (ledger browser), each as a ratio to ``GET /healthz``.
(b) **Browser**: Chromium opens the overview (signed in), ``--repeat`` times: time to first
    contentful paint and to the load event (Navigation Timing), and the page's weight: the
    bytes of the HTML, CSS, JS and fonts it loaded (goal: under 500 KB; under 300 ms to first
    render on the 2023 ledger). Then **live**: ``--repeat`` appends of a claim through the API
    while the overview is open, each timed until the page has redrawn from the event stream.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from machine import SMOKE_BANNER, describe  # benchmarks/machine.py (this folder is on sys.path)
from service import build_ledger, claim, free_port, ledger_id, new_token

CUTOFF = datetime.fromisoformat("2023-11-30T06:00+02:00")
PAGES = ("", "/check", "/findings", "/log")
CHROMIUM = "/usr/bin/chromium"


@contextmanager
def serving(ledgers: list[Path]) -> Iterator[str]:
    """The app over ``ledgers`` on a uvicorn thread; its base URL."""
    import uvicorn

    from truce.service.app import create_app
    from truce.service.settings import Settings

    app = create_app(ledgers, clock=lambda: CUTOFF, settings=Settings(rate=1e6, burst=1_000_000))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        t.join(10)


def sign_in(c: httpx.Client, base: str, token: str) -> None:
    page = c.get(f"{base}/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    r = c.post(f"{base}/login", data={"token": token, "csrf": csrf.group(1)})
    assert r.status_code == 303, r.status_code


def timed(c: httpx.Client, url: str) -> float:
    t0 = time.perf_counter()
    r = c.get(url)
    dt = time.perf_counter() - t0
    assert r.status_code == 200, (url, r.status_code)
    return dt


def server_times(base: str, lid: str, token: str, label: str, repeat: int) -> None:
    with httpx.Client(timeout=600) as c:
        sign_in(c, base, token)
        health = statistics.median(timed(c, f"{base}/healthz") for _ in range(max(repeat, 3)))
        print(f"  GET /healthz (baseline): {health * 1e3:.2f} ms")
        for path in PAGES:
            url = f"{base}/agreements/{lid}{path}"
            first = timed(c, url)
            again = statistics.median(timed(c, url) for _ in range(repeat))
            name = path.strip("/") or "overview"
            print(
                f"  {label} {name:<8}: first {first * 1e3:8.1f} ms ({first / health:6.0f}x), "
                f"then {again * 1e3:7.1f} ms ({again / health:5.0f}x)"
            )


def browser(base: str, lid: str, token: str, label: str, repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        ctx = b.new_context()
        page = ctx.new_page()
        page.goto(f"{base}/login")
        page.fill("#token", token)
        page.press("#token", "Enter")
        page.wait_for_url(f"{base}/agreements/**")
        fcp: list[float] = []
        load: list[float] = []
        sizes: dict[str, int] = {}
        page.on("response", lambda r: sizes.__setitem__(r.url, len(_body(r))))
        for i in range(repeat):
            if i == 1:
                weight = sum(v for k, v in sizes.items() if "/live" not in k and "login" not in k)
            page.goto(f"{base}/agreements/{lid}", wait_until="load")
            t = page.evaluate(
                """() => { const n = performance.getEntriesByType("navigation")[0];
                 const p = performance.getEntriesByName("first-contentful-paint")[0];
                 return [p ? p.startTime : n.domContentLoadedEventEnd, n.loadEventEnd]; }"""
            )
            fcp.append(t[0])
            load.append(t[1])
        if repeat == 1:
            weight = sum(v for k, v in sizes.items() if "/live" not in k and "login" not in k)
        print(
            f"  {label} overview in Chromium: first contentful paint "
            f"{statistics.median(fcp):.0f} ms, load {statistics.median(load):.0f} ms (median of "
            f"{repeat}); page weight {weight / 1024:.0f} KB (HTML, CSS, JS, fonts)"
        )
        live: list[float] = []
        for i in range(repeat):  # an append through the API until the open page has redrawn
            before = page.evaluate("document.body.dataset.refreshed || ''")
            t0 = time.perf_counter()
            r = httpx.post(
                f"{base}/v1/agreements/{lid}/events",
                json={"events": [{"event": claim(900_000 + i)}]},
                headers={"Authorization": f"Bearer {token}"},
                timeout=600,
            )
            assert r.status_code == 201, r.text
            while page.evaluate("document.body.dataset.refreshed || ''") == before:
                page.wait_for_timeout(10)
                if time.perf_counter() - t0 > 120:
                    raise RuntimeError("the open page never redrew")
            live.append(time.perf_counter() - t0)
        b.close()
    print(
        f"  {label} live: an append through the API to the open overview redrawn: median "
        f"{statistics.median(live) * 1e3:.0f} ms, max {max(live) * 1e3:.0f} ms ({repeat} appends)"
    )


def _body(r: Any) -> bytes:
    try:
        return bytes(r.body())
    except Exception:  # a stream still open (the event stream)
        return b""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--events", type=int, default=100_000, help="the long ledger's entries")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if args.smoke:
        print(SMOKE_BANNER)
        args.events, args.repeat = 300, 1
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        small = build_ledger(Path(tmp) / "gaza", None)
        big = build_ledger(Path(tmp) / "long", args.events)
        print(f"ledgers built in {time.perf_counter() - t0:.1f} s")
        cases = [
            ("2023 ledger:", small),
            (f"{args.events:,}-entry ledger:", big),
        ]
        with serving([small, big]) as base:
            print("(a) server time per page (a mediator's session)")
            for label, path in cases:
                server_times(
                    base, ledger_id(path), new_token(path, "mediator:qatar"), label, args.repeat
                )
            print("(b) browser load timing and page weight")
            for label, path in cases:
                browser(
                    base, ledger_id(path), new_token(path, "mediator:qatar"), label, args.repeat
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
