"""A simulation job of a staged scenario (the 2025 example's scenario.toml, whose terms have
stages), over loopback HTTP on a real server: it runs the staged model and its summary is the
application layer's (``simulate_staged_scenario``, same runs and seed) exactly; the per-run file
comes back; the dashboard's job page shows it with the prisoners' due unknown where the terms
give no price. A daily scenario's job keeps its shape (tests/service/test_jobs.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

import httpx

from tests.conftest import EXAMPLES
from tests.dashboard.conftest import sign_in, text_of
from tests.service.conftest import NOW, Clock, make_tokens, running
from truce.app.sim import simulate_staged_scenario
from truce.ledger.directory import LedgerDir
from truce.ledger.load import read_events_jsonl
from truce.ledger.record import record
from truce.service.app import create_app
from truce.service.settings import Settings
from truce.terms import load_terms

G25 = EXAMPLES / "gaza-2025"
RUNS, SEED = 500, 3


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, dict[str, str]]]:
    d: Path = tmp_path_factory.mktemp("g25jobs") / "g25"
    with LedgerDir.init(d, G25 / "terms.toml", at=NOW) as ld:
        evs, _ = read_events_jsonl(G25 / "ledger.jsonl", load_terms(G25 / "terms.toml"))
        record(ld, evs, [f"seed:{e.id}" for e in evs], clock=Clock())
    tokens = make_tokens(d)
    settings = Settings(scenarios={"phase-1": G25 / "scenario.toml"}, rate=10_000, burst=10_000)
    app = create_app([d], clock=Clock(), settings=settings)
    with running(app) as base:
        yield app, f"{base}/v1/agreements/{next(iter(app.state.hub.ledgers))}", tokens


def _wait(c: httpx.Client, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        st: dict[str, Any] = c.get(url).json()
        if st["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def test_a_staged_job_gives_the_app_layers_summary(served: tuple[Any, str, dict[str, str]]) -> None:
    _, base, tokens = served
    with httpx.Client(headers={"Authorization": f"Bearer {tokens['reader']}"}, timeout=60) as c:
        r = c.post(
            f"{base}/jobs", json={"kind": "simulate", "name": "phase-1", "runs": RUNS, "seed": SEED}
        )
        assert r.status_code == 202, r.text
        jid = r.json()["id"]
        st = _wait(c, f"{base}/jobs/{jid}")
        assert (st["status"], st["done"], st["total"]) == ("done", RUNS, RUNS), st
        summary = c.get(f"{base}/jobs/{jid}/summary").json()
        runs = c.get(f"{base}/jobs/{jid}/runs")
    direct = simulate_staged_scenario(G25 / "scenario.toml", RUNS, SEED).model_dump(mode="json")
    assert summary == direct
    assert summary["kernel"] == "numpy" and [s["id"] for s in summary["stages"]] == [
        "phase-1",
        "phase-2",
    ]
    assert summary["prisoners"]["released"] is None  # a due the terms do not price stays unknown
    assert runs.status_code == 200 and len(runs.text.strip().splitlines()) == RUNS + 1


def test_the_dashboards_job_page_shows_a_staged_summary(
    served: tuple[Any, str, dict[str, str]],
) -> None:
    app, base, tokens = served
    lid = base.rsplit("/", 1)[1]
    from fastapi.testclient import TestClient

    with TestClient(app) as tc:
        client = sign_in(tc, tokens["mediator:qatar"])
        model = client.get(f"/agreements/{lid}/model?lang=en")
        csrf = model.text.split('name="csrf" value="')[1].split('"')[0]
        r = client.post(
            f"/agreements/{lid}/jobs",
            data={"csrf": csrf, "kind": "simulate", "name": "phase-1", "runs": "200", "seed": "1"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        deadline = time.monotonic() + 120
        while True:
            words = text_of(client.get(r.headers["location"]).text)
            if "Running:" not in words or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    direct = simulate_staged_scenario(G25 / "scenario.toml", 200, 1)
    cap = direct.captives_released.total
    assert f"Captives handed over {cap.mean:.2f} {cap.mean_low:.2f} – {cap.mean_high:.2f}" in words
    assert "Prisoners released unknown" in words
    assert "Stage phase-2 began (share of runs)" in words
