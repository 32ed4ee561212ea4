"""Jobs: a configured scenario's simulation runs off the request path, reports progress, and
leaves its summary, charts and per-run file; a cancelled job stops; names outside the operator's
configuration are refused. The aid report of a configured route, without the queue model."""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import GAZA, Clock, make_tokens
from truce.app.sim import simulate_scenario
from truce.service.app import create_app
from truce.service.settings import Settings


@pytest.fixture
def jobs(built_ledger: Path, tmp_path: Path) -> Iterator[tuple[TestClient, str, dict[str, str]]]:
    p = tmp_path / "gaza"
    shutil.copytree(built_ledger, p)
    tokens = make_tokens(p)
    settings = Settings(
        scenarios={"pause": GAZA / "scenario-pause.toml"},
        routes={"gaza-2023": GAZA / "route.toml"},
        job_queue=2,
    )
    app = create_app([p], clock=Clock(), settings=settings)
    with TestClient(app) as c:
        yield c, f"/v1/agreements/{next(iter(app.state.hub.ledgers))}", tokens


def _wait(c: TestClient, url: str, h: dict[str, str], until: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        st = c.get(url, headers=h).json()
        if st["status"] in until or time.monotonic() > deadline:
            return st  # type: ignore[no-any-return]
        time.sleep(0.05)


def test_simulation_job(jobs: tuple[TestClient, str, dict[str, str]]) -> None:
    c, base, tok = jobs
    h = {"Authorization": f"Bearer {tok['reader']}"}
    r = c.post(
        base + "/jobs",
        json={"kind": "simulate", "name": "pause", "runs": 2000, "seed": 7},
        headers=h,
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["total"] == 2000 and job["status"] in ("queued", "running", "done")
    st = _wait(c, f"{base}/jobs/{job['id']}", h, {"done", "failed"})
    assert st["status"] == "done" and st["done"] == 2000, st
    summary = c.get(f"{base}/jobs/{job['id']}/summary", headers=h).json()
    # The same seed gives the same summary as the library call.
    direct = simulate_scenario(GAZA / "scenario-pause.toml", 2000, 7).model_dump(mode="json")
    assert summary["pause_days"] == direct["pause_days"]
    svgs = [n for n in st["charts"] if n.endswith(".svg")]
    assert svgs and all(n.endswith((".svg", ".png")) for n in st["charts"])
    svg = c.get(f"{base}/jobs/{job['id']}/charts/{svgs[0]}", headers=h)
    assert svg.status_code == 200 and svg.text.lstrip().startswith(("<?xml", "<svg"))
    runs = c.get(f"{base}/jobs/{job['id']}/runs", headers=h)
    assert runs.status_code == 200 and len(list(csv.reader(io.StringIO(runs.text)))) == 2001
    # A job is its submitter's (and the mediators'); a chart is fetched only by a listed name.
    other = {"Authorization": f"Bearer {tok['party:hamas']}"}
    assert c.get(f"{base}/jobs/{job['id']}", headers=other).status_code == 404
    med = {"Authorization": f"Bearer {tok['mediator:qatar']}"}
    assert c.get(f"{base}/jobs/{job['id']}", headers=med).json()["status"] == "done"
    assert c.get(f"{base}/jobs/{job['id']}/charts/..%2Fruns.csv", headers=h).status_code == 404


def test_cancel_and_refusals(jobs: tuple[TestClient, str, dict[str, str]]) -> None:
    c, base, tok = jobs
    h = {"Authorization": f"Bearer {tok['reader']}"}
    # The one worker is busy with a first job, so the second waits in the queue when it is
    # cancelled (the compiled kernel runs a million runs in well under a second: a running job
    # could finish before the cancel arrives).
    first, second = (
        c.post(
            base + "/jobs", json={"kind": "simulate", "name": "pause", "runs": 1_000_000}, headers=h
        ).json()["id"]
        for _ in range(2)
    )
    c.delete(f"{base}/jobs/{second}", headers=h)
    c.delete(f"{base}/jobs/{first}", headers=h)
    st = _wait(c, f"{base}/jobs/{second}", h, {"cancelled", "done", "failed"})
    assert st["status"] == "cancelled" and st["done"] < 1_000_000
    jid = second
    assert c.get(f"{base}/jobs/{jid}/summary", headers=h).json()["type"] == "/problems/job-not-done"
    bad = c.post(base + "/jobs", json={"kind": "simulate", "name": "../../etc/passwd"}, headers=h)
    assert bad.status_code == 404 and "offered: pause" in bad.json()["detail"]
    assert (
        c.post(
            base + "/jobs", json={"kind": "simulate", "name": "pause", "path": "/x"}, headers=h
        ).status_code
        == 422
    )


def test_aid_report_of_a_configured_route(jobs: tuple[TestClient, str, dict[str, str]]) -> None:
    c, base, tok = jobs
    h = {"Authorization": f"Bearer {tok['reader']}"}
    r = c.get(base + "/aid?route=gaza-2023", headers=h)
    assert r.status_code == 200, r.text
    from truce.app.aid import aid_show

    assert r.json() == aid_show(GAZA / "route.toml", simulate=False).model_dump(mode="json")
    assert c.get(base + "/aid?route=elsewhere", headers=h).status_code == 404
