"""Role x route: every route the app declares has an access level, and every role gets what
that level says, on every route: success where allowed, 403 where not, 401 without a token.
A new route without an access rule or a sample request here fails this test."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from tests.service.conftest import ROLES, Served
from truce.app.proofs import make_checkpoint
from truce.ledger.directory import LedgerDir
from truce.ledger.tokens import Role
from truce.service.access import ACCESS, allows

Request = tuple[str, dict[str, Any]]

ACTOR = {"party:hamas": "hamas", "party:israel": "israel", "mediator:qatar": "qatar"}


def _claim(role: str) -> dict[str, Any]:
    who = ACTOR.get(role, "qatar")
    return {
        "id": f"claim-{who}-matrix",
        "type": "claim",
        "at": "2023-11-30T07:00+02:00",
        "recorded_at": "2023-11-30T07:00+02:00",
        "declared_by": who,
        "recorded_by": who,
        "text": "a statement for the record",
    }


_JOBS: dict[tuple[int, str], str] = {}


def _job(s: Served, role: str) -> str:
    """A finished simulation job of this served app, submitted by ``role`` (a job is its
    submitter's, and the mediators')."""
    key = (id(s.client.app), role)
    if key not in _JOBS:
        r = s.client.post(
            s.url("/jobs"),
            json={"kind": "simulate", "name": "pause", "runs": 20},
            headers=s.auth(role),
        )
        jid = r.json()["id"]
        deadline = time.monotonic() + 60
        while s.client.get(s.url(f"/jobs/{jid}"), headers=s.auth(role)).json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        _JOBS[key] = jid
    return _JOBS[key]


def _chart(s: Served, role: str) -> str:
    st = s.client.get(s.url(f"/jobs/{_job(s, role)}"), headers=s.auth(role)).json()
    return s.url(f"/jobs/{_job(s, role)}/charts/{st['charts'][0]}")


def _latest_note(s: Served) -> str:
    with LedgerDir.open(s.path) as d:
        return d.store.checkpoints()[-1][1]


SAMPLES: dict[tuple[str, str], Callable[[Served, str], Request]] = {
    ("POST", "/v1/agreements/{ledger_id}/jobs"): lambda s, r: (
        s.url("/jobs"),
        {"json": {"kind": "simulate", "name": "pause", "runs": 10}},
    ),
    ("GET", "/v1/agreements/{ledger_id}/jobs/{job_id}"): lambda s, r: (
        s.url(f"/jobs/{_job(s, r)}"),
        {},
    ),
    ("DELETE", "/v1/agreements/{ledger_id}/jobs/{job_id}"): lambda s, r: (
        s.url(f"/jobs/{_job(s, r)}"),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/jobs/{job_id}/summary"): lambda s, r: (
        s.url(f"/jobs/{_job(s, r)}/summary"),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/jobs/{job_id}/charts/{name}"): lambda s, r: (
        _chart(s, r),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/jobs/{job_id}/runs"): lambda s, r: (
        s.url(f"/jobs/{_job(s, r)}/runs"),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/aid"): lambda s, r: (s.url("/aid?route=gaza-2023"), {}),
    ("GET", "/v1/agreements"): lambda s, r: ("/v1/agreements", {}),
    ("GET", "/v1/agreements/{ledger_id}"): lambda s, r: (s.url(), {}),
    ("GET", "/v1/agreements/{ledger_id}/terms"): lambda s, r: (s.url("/terms"), {}),
    ("GET", "/v1/agreements/{ledger_id}/events"): lambda s, r: (s.url("/events?limit=5"), {}),
    ("POST", "/v1/agreements/{ledger_id}/events"): lambda s, r: (
        s.url("/events"),
        {"json": {"events": [{"event": _claim(r)}]}},
    ),
    ("GET", "/v1/agreements/{ledger_id}/status"): lambda s, r: (s.url("/status"), {}),
    ("GET", "/v1/agreements/{ledger_id}/timetable"): lambda s, r: (
        s.url("/timetable?at=2023-11-30T05:00%2B02:00"),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/why/{name}"): lambda s, r: (s.url("/why/pause_days"), {}),
    ("POST", "/v1/agreements/{ledger_id}/check"): lambda s, r: (
        s.url("/check"),
        {"json": {"live": 7, "bodies": 3, "at": "2023-11-30T05:00+02:00"}},
    ),
    ("GET", "/v1/agreements/{ledger_id}/verify"): lambda s, r: (s.url("/verify"), {}),
    ("GET", "/v1/agreements/{ledger_id}/checkpoint"): lambda s, r: (s.url("/checkpoint"), {}),
    ("GET", "/v1/agreements/{ledger_id}/proofs/inclusion/{event_id}"): lambda s, r: (
        s.url("/proofs/inclusion/d1-release"),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/proofs/consistency"): lambda s, r: (
        s.url("/proofs/consistency?from=3"),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/export"): lambda s, r: (s.url("/export?format=csv"), {}),
    ("GET", "/v1/agreements/{ledger_id}/report.html"): lambda s, r: (s.url("/report.html"), {}),
    ("GET", "/v1/agreements/{ledger_id}/report.pdf"): lambda s, r: (
        s.url("/report.pdf?lang=he"),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/stream"): lambda s, r: (s.url("/stream"), {}),
    ("GET", "/healthz"): lambda s, r: ("/healthz", {}),
    ("GET", "/v1/agreements/{ledger_id}/files/{name}"): lambda s, r: (
        s.url("/files/log.pub"),
        {},
    ),
    ("POST", "/witness/add-checkpoint"): lambda s, r: (
        "/witness/add-checkpoint",
        {"content": "old 0\n\n" + _latest_note(s)},
    ),
    ("GET", "/v1/agreements/{ledger_id}/tlog/checkpoint"): lambda s, r: (
        s.url("/tlog/checkpoint"),
        {},
    ),
    ("GET", "/v1/agreements/{ledger_id}/tlog/tile/{path}"): lambda s, r: (
        s.url("/tlog/tile/0/000.p/2"),
        {},
    ),
    ("GET", "/readyz"): lambda s, r: ("/readyz", {}),
    ("GET", "/metrics"): lambda s, r: ("/metrics", {}),
    ("GET", "/problems/{name}"): lambda s, r: ("/problems/size-conflict", {}),
}
"""One valid request per route (the stream is asked for its first bytes only)."""


def _routes(served: Served) -> list[tuple[str, str, str]]:
    """The app's route table as it publishes it (OpenAPI): method, path, x-access."""
    doc = served.client.app.openapi()  # type: ignore[attr-defined]
    return [
        (method.upper(), path, op.get("x-access"))
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    ]


def test_every_route_declares_access_and_has_a_sample(served: Served) -> None:
    routes = _routes(served)
    assert len(routes) >= len(SAMPLES) - 1
    for method, path, access in routes:
        assert access in (*ACCESS, "token"), f"{method} {path}: no x-access"
        assert (method, path) in SAMPLES, f"{method} {path}: add a sample request to SAMPLES"


def _call(served: Served, method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
    if url.endswith("/stream"):
        with served.client.stream(method, url, headers=headers) as resp:
            first = next(resp.iter_bytes()) if resp.status_code == 200 else resp.read()
            return SimpleNamespace(
                status_code=resp.status_code,
                headers=resp.headers,
                text=first.decode(),
                json=lambda: json.loads(first),
            )
    return served.client.request(method, url, headers=headers, **kw)


@pytest.mark.parametrize("role", [*ROLES, None])
def test_role_by_route(served: Served, role: str | None) -> None:
    """Each cell: allowed -> 2xx; refused -> 403 (a role) or 401 (no token); problem+json."""
    make_checkpoint(served.path)  # the checkpoint route answers with the latest one
    for method, path, access in _routes(served):
        url, kw = SAMPLES[(method, path)](served, role or "reader")
        headers = served.auth(role) if role else {}
        resp = _call(served, method, url, headers, **kw)
        where = f"{role} {method} {path}: {resp.status_code} {resp.text[:300]}"
        if access == "public":
            assert resp.status_code < 300, where
        elif role is None:
            assert resp.status_code == 401, where
            assert resp.headers["content-type"].startswith("application/problem+json"), where
            assert resp.json()["type"] == "/problems/unauthorized", where
        elif access == "token" or allows(access, Role.parse(role)):
            assert resp.status_code < 300, where
        else:
            assert resp.status_code == 403, where
            assert resp.json()["type"] == "/problems/forbidden", where
