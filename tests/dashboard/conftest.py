"""The dashboard over the served 2023 ledger (the events recorded by 2023-11-30T06:00+02:00),
with the server's clock stopped at that moment, signed in through the real form."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("babel")

from fastapi.testclient import TestClient

from tests.service.conftest import (  # noqa: F401
    CUTOFF,
    GAZA,
    built_ledger,
    make_tokens,
    running,
)
from truce.service.app import create_app
from truce.service.settings import Settings


class StoppedClock:
    """The server's clock, stopped at a moment (moved by the test when it must)."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@dataclass
class Dash:
    path: Path
    ledger_id: str
    tokens: dict[str, str]
    app: object
    clock: StoppedClock

    def client(self) -> TestClient:
        return TestClient(self.app)  # type: ignore[arg-type]

    def url(self, rest: str = "") -> str:
        return f"/agreements/{self.ledger_id}{rest}"


def sign_in(client: TestClient, token: str) -> TestClient:
    """Sign in through the form, as a browser does (the form's CSRF token, then the cookie)."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    r = client.post("/login", data={"token": token, "csrf": csrf.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def text_of(html: str) -> str:
    """The visible words of a page, tags and extra spaces removed."""
    no_tags = re.sub(
        r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    )
    return re.sub(r"\s+", " ", no_tags)


@pytest.fixture
def dash(built_ledger: Path, tmp_path: Path) -> Iterator[Dash]:  # noqa: F811
    p = tmp_path / "gaza"
    shutil.copytree(built_ledger, p)
    tokens = make_tokens(p)
    clock = StoppedClock(CUTOFF)
    settings = Settings(rate=10_000, burst=10_000, stream_poll=0.2)
    app = create_app([p], clock=clock, settings=settings)
    with TestClient(app):
        yield Dash(p, next(iter(app.state.hub.ledgers)), tokens, app, clock)


@dataclass
class LiveDash:
    base: str
    ledger_id: str
    tokens: dict[str, str]
    path: Path
    clock: StoppedClock

    def url(self, rest: str = "") -> str:
        return f"{self.base}/agreements/{self.ledger_id}{rest}"

    def api(self, rest: str = "") -> str:
        return f"{self.base}/v1/agreements/{self.ledger_id}{rest}"

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def live_dash(built_ledger: Path, tmp_path: Path) -> Iterator[LiveDash]:  # noqa: F811
    """The app on a real uvicorn server on loopback, its clock stopped at 06:00 on 30 Nov."""
    p = tmp_path / "gaza"
    shutil.copytree(built_ledger, p)
    tokens = make_tokens(p)
    clock = StoppedClock(CUTOFF)
    app = create_app(
        [p], clock=clock, settings=Settings(rate=10_000, burst=10_000, stream_poll=0.2)
    )
    with running(app) as base:
        yield LiveDash(base, next(iter(app.state.hub.ledgers)), tokens, p, clock)
