"""Briefings from `truce serve`: ``GET .../report.html`` and ``.../report.pdf``, the same
briefing as `truce report` of the directory; below mediator nothing restricted and no personal
data (asking for it is refused)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.report.conftest import PERSONAL_VALUES, SECRET, copy_ledger, section
from tests.service.conftest import built_ledger, make_tokens  # noqa: F401
from truce.service.app import create_app
from truce.service.settings import Settings


class _Clock:
    def __call__(self) -> datetime:
        return datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def app(
    personal_ledger: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, str, dict[str, str]]]:
    p = copy_ledger(personal_ledger, tmp_path_factory.mktemp("served-report") / "synthetic")
    tokens = make_tokens(p)
    a = create_app([p], clock=_Clock(), settings=Settings(rate=10_000, burst=10_000))
    with TestClient(a) as client:
        yield client, f"/v1/agreements/{next(iter(a.state.hub.ledgers))}", tokens


def _get(app: tuple[TestClient, str, dict[str, str]], role: str, rest: str) -> httpx.Response:
    client, base, tokens = app
    return client.get(base + rest, headers={"Authorization": f"Bearer {tokens[role]}"})


def test_a_reader_gets_the_public_briefing(app: tuple[TestClient, str, dict[str, str]]) -> None:
    r = _get(app, "reader", "/report.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "Personal data: none." in section(html, "summary")
    for secret in (*SECRET, *PERSONAL_VALUES):
        assert secret not in html, secret
    refused = _get(app, "reader", "/report.html?include_personal=true")
    assert refused.status_code == 403


def test_a_mediator_sees_the_whole_record_and_may_ask_for_personal_data(
    app: tuple[TestClient, str, dict[str, str]],
) -> None:
    html = _get(app, "mediator:qatar", "/report.html").text
    assert SECRET[0] in html and "Synthetic Person Alpha" not in html
    personal = _get(app, "mediator:qatar", "/report.html?include_personal=true&lang=he")
    assert personal.status_code == 200
    assert "Synthetic Person Alpha" in personal.text and 'dir="rtl"' in personal.text
    pdf = _get(app, "party:hamas", "/report.pdf?lang=ar&at=2023-11-25T12:00")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    bad = _get(app, "reader", "/report.html?lang=fr")
    assert bad.status_code == 422


def test_truce_report_of_a_url_fetches_the_served_briefing(
    personal_ledger: Path, tmp_path: Path
) -> None:
    """`truce report URL -o FILE`: the server makes the briefing for the token's role (a reader:
    nothing restricted); refusals come back as the CLI's errors, and nothing is left behind."""
    import os
    import subprocess

    from tests.conftest import truce_exe
    from tests.service.conftest import running

    p = copy_ledger(personal_ledger, tmp_path / "synthetic")
    tokens = make_tokens(p)
    a = create_app([p], clock=_Clock(), settings=Settings(rate=10_000, burst=10_000))
    with running(a) as base:
        url = f"{base}/v1/agreements/{next(iter(a.state.hub.ledgers))}"
        env = {**os.environ, "TRUCE_TOKEN": tokens["reader"]}
        out = tmp_path / "briefing.html"
        r = subprocess.run(
            [truce_exe(), "report", url, "-o", str(out), "--lang", "ar"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert r.returncode == 0, r.stderr
        html = out.read_text()
        assert '<html lang="ar" dir="rtl">' in html
        for secret in (*SECRET, *PERSONAL_VALUES):
            assert secret not in html, secret
        refused = subprocess.run(
            [truce_exe(), "report", url, "-o", str(tmp_path / "p.html"), "--include-personal"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert refused.returncode == 2 and not (tmp_path / "p.html").exists(), refused.stderr
        assert "personal data" in refused.stderr, refused.stderr


def test_a_configured_scenario_and_route_by_name(
    built_ledger: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """``?scenario=NAME&route=NAME``: the outlook and the aid ceilings of what the operator
    configured (a request never names a path); an unknown name is 404 naming what is offered."""
    import shutil

    from tests.service.conftest import GAZA

    p = tmp_path / "gaza"
    shutil.copytree(built_ledger, p)
    tokens = make_tokens(p)
    settings = Settings(
        rate=10_000,
        burst=10_000,
        scenarios={"pause": GAZA / "scenario-pause.toml"},
        routes={"gaza-2023": GAZA / "route.toml"},
    )
    a = create_app([p], clock=_Clock(), settings=settings)
    with TestClient(a) as client:
        base = f"/v1/agreements/{next(iter(a.state.hub.ledgers))}"
        h = {"Authorization": f"Bearer {tokens['reader']}"}
        r = client.get(base + "/report.html?scenario=pause&route=gaza-2023", headers=h)
        assert r.status_code == 200, r.text
        assert 'id="appendix-outlook"' in r.text and 'id="appendix-aid"' in r.text
        assert "rafah" in section(r.text, "appendix-aid").lower()  # ceilings, what limits them
        plain = client.get(base + "/report.html", headers=h).text
        assert 'id="appendix-outlook"' not in plain and 'id="appendix-aid"' not in plain
        bad = client.get(base + "/report.html?scenario=../../etc/passwd", headers=h)
        assert bad.status_code == 404 and "offered: pause" in bad.json()["detail"]
