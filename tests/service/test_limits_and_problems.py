"""Hardening: every error is problem+json with a stable type (never a stack trace), bodies are
capped before parsing, tokens are rate-limited, security headers are on every response."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.conftest import Clock, Served, make_tokens
from truce.service.app import SECURITY_HEADERS, create_app
from truce.service.settings import Settings


def _problem(r: object, status: int, name: str) -> dict[str, object]:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["type"] == f"/problems/{name}" and body["status"] == status
    assert "Traceback" not in r.text  # type: ignore[attr-defined]
    return body  # type: ignore[no-any-return]


def test_errors_are_problem_details(served: Served) -> None:
    c, h = served.client, served.auth("reader")
    _problem(c.get("/v1/agreements/nope", headers=h), 404, "not-found")
    _problem(c.get("/nowhere"), 404, "not-found")
    _problem(c.delete(served.url("/status"), headers=h), 405, "method-not-allowed")
    b = _problem(c.get(served.url("/status?at=yesterday"), headers=h), 422, "bad-input")
    assert b["pointer"] == "/at"
    b = _problem(c.get(served.url("/why/nothing"), headers=h), 422, "bad-input")
    assert "expected one of" in str(b["detail"])
    b = _problem(c.get(served.url("/events?limit=0"), headers=h), 422, "validation")
    assert b["parameter"] == "limit"
    b = _problem(
        c.post(served.url("/check"), json={"live": 8, "credit": 9}, headers=h),
        422,
        "invalid-proposal",
    )
    assert b["pointer"] == "/credit"
    bad = {"events": [{"event": {"id": "x", "type": "claim"}}]}
    b = _problem(
        c.post(served.url("/events"), json=bad, headers=served.auth("party:hamas")),
        422,
        "invalid-events",
    )
    assert str(b["pointer"]).startswith("/events/0/event")
    assert c.get("/problems/size-conflict").json()["description"]


def test_body_cap_before_parsing(served: Served) -> None:
    big = b'{"events": [' + b" " * (70 * 1024) + b"]}"
    r = served.client.post(
        served.url("/events"),
        content=big,
        headers=served.auth("party:hamas") | {"Content-Type": "application/json"},
    )
    _problem(r, 413, "body-too-large")

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"events": ['
        for _ in range(100):
            yield b" " * 1024
        yield b"]}"

    r = served.client.post(
        served.url("/events"),
        content=chunks(),
        headers=served.auth("party:hamas") | {"Content-Type": "application/json"},
    )
    _problem(r, 413, "body-too-large")


def test_rate_limit_per_token(built_ledger: Path, tmp_path: Path) -> None:
    p = tmp_path / "gaza"
    shutil.copytree(built_ledger, p)
    tokens = make_tokens(p)
    app = create_app([p], clock=Clock(), settings=Settings(rate=1, burst=3))
    with TestClient(app) as c:
        lid = next(iter(app.state.hub.ledgers))
        h = {"Authorization": f"Bearer {tokens['reader']}"}
        codes = [c.get(f"/v1/agreements/{lid}", headers=h).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        r = c.get(f"/v1/agreements/{lid}", headers=h)
        body = _problem(r, 429, "rate-limited")
        assert int(r.headers["retry-after"]) >= 1 and body["detail"]
        other = {"Authorization": f"Bearer {tokens['mediator:qatar']}"}
        assert c.get(f"/v1/agreements/{lid}", headers=other).status_code == 200


def test_security_headers_and_no_cors(served: Served) -> None:
    r = served.client.get(
        served.url("/status"), headers=served.auth("reader") | {"Origin": "https://evil.example"}
    )
    for k, v in SECURITY_HEADERS.items():
        assert r.headers[k] == v
    assert "access-control-allow-origin" not in r.headers
    assert served.client.get("/healthz").headers["x-frame-options"] == "DENY"


def test_tokens_wrong_expired_revoked(served: Served) -> None:
    from datetime import UTC, datetime, timedelta

    from truce.ledger.tokens import Role, TokenStore

    store = TokenStore(served.path)
    secret, _ = store.new(
        Role.parse("reader"), timedelta(hours=1), datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    )
    ok = served.client.get(served.url(), headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    served.clock.t += timedelta(hours=2)  # the service's clock passes the expiry
    _problem(
        served.client.get(served.url(), headers={"Authorization": f"Bearer {secret}"}),
        401,
        "unauthorized",
    )
    _problem(
        served.client.get(served.url(), headers={"Authorization": "Bearer " + "x" * 40}),
        401,
        "unauthorized",
    )
    mine = served.tokens["mediator:qatar"]
    store.revoke(mine.split("_")[1], served.clock.t)
    _problem(
        served.client.get(served.url(), headers={"Authorization": f"Bearer {mine}"}),
        401,
        "unauthorized",
    )


def test_docs_served_locally(served: Served) -> None:
    page = served.client.get("/docs")
    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.text and "cdn" not in page.text.lower()
    js = served.client.get("/docs/assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    doc = served.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_metrics_and_health(served: Served) -> None:
    served.client.get(served.url("/status"), headers=served.auth("reader"))
    text = served.client.get("/metrics").text
    assert (
        'truce_http_requests_total{method="GET",route="/v1/agreements/{ledger_id}/status",status="200"}'
        in text
    )
    assert served.client.get("/readyz").json() == {"status": "ready", "ledgers": 1}
