"""Schemathesis against the service, from its own OpenAPI document: cases generated for every
operation (valid and invalid inputs: schemathesis's examples, coverage and fuzzing phases), sent
to a real uvicorn server on loopback over a fresh copy of the 2023 ledger for this module
(appends land in it), with a mediator's token. Every response is checked:

- no 5xx (``not_a_server_error``);
- documented: its status code, media type and body schema (``status_code_conformance``,
  ``content_type_conformance``, ``response_schema_conformance``); problem details included, so
  a route whose error statuses are not declared in its ``responses`` fails here;
- auth: schemathesis's ``ignored_auth`` re-sends the first successful case of each operation
  without a token and with a wrong one; and every case schemathesis itself sends without the
  ``Authorization`` header (its negative cases drop the security parameter) must be refused with
  401 on a route that declares one (``token_enforced`` below).

The document gets a few ``example`` values (a claim to append, an event id, a figure's name, a
configured scenario and route, the fixture's finished job) so each operation has a successful
case, and the auth check runs on every one of them (asserted at the end, with the count of cases
sent: at least ``MIN_CASES`` in the CI run); a new route without one fails there until it gets
one. Simulation jobs the fuzzer submits are capped at ``MAX_RUNS`` runs. The ``deep`` twin sends
``DEEP_FACTOR`` times as many cases per operation. ``GET .../stream`` is read to its first event
(``max-stream-events``)."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.result import Err

from tests.service.conftest import GAZA, Clock, free_port, make_tokens
from truce.app.proofs import make_checkpoint
from truce.service.app import create_app
from truce.service.settings import Settings

MIN_CASES = 2_000
"""Cases the CI run must send, all operations together (asserted at the end)."""
EXAMPLES = 120
"""Hypothesis examples per operation in CI (operations with small input spaces use fewer; the
coverage phase adds its own cases)."""
DEEP_FACTOR = 10

CLAIM = {
    "id": "schemathesis-claim-1",
    "type": "claim",
    "at": "2023-11-30T07:00+02:00",
    "recorded_at": "2023-11-30T07:00+02:00",
    "declared_by": "qatar",
    "recorded_by": "qatar",
    "text": "a statement for the record",
}


JOB_ID = "0" * 16
"""Stands for the job the fixture ran (``send`` puts its id in its place)."""
CHART = "placeholder.svg"
"""Stands for one of that job's charts."""
MAX_RUNS = 200
"""Simulation jobs the fuzzer submits are capped at this many runs (its cases may ask 10**6)."""


def document() -> dict[str, Any]:
    """The app's OpenAPI document (it does not depend on which ledgers are served), with an
    example for the inputs random data practically never gets right."""
    doc: dict[str, Any] = create_app([]).openapi()
    paths = doc["paths"]
    lid = "/v1/agreements/{ledger_id}"
    examples = {
        (f"{lid}/why/{{name}}", "name"): "pause_days",
        (f"{lid}/proofs/inclusion/{{event_id}}", "event_id"): "d1-release",
        (f"{lid}/proofs/consistency", "from"): 3,
        (f"{lid}/aid", "route"): "gaza-2023",
        (f"{lid}/jobs/{{job_id}}", "job_id"): JOB_ID,
        (f"{lid}/jobs/{{job_id}}/summary", "job_id"): JOB_ID,
        (f"{lid}/jobs/{{job_id}}/runs", "job_id"): JOB_ID,
        (f"{lid}/jobs/{{job_id}}/charts/{{name}}", "job_id"): JOB_ID,
        (f"{lid}/jobs/{{job_id}}/charts/{{name}}", "name"): CHART,
        ("/problems/{name}", "name"): "size-conflict",
        (f"{lid}/tlog/tile/{{path}}", "path"): "0/000.p/2",
        (f"{lid}/files/{{name}}", "name"): "terms.toml",
        (f"{lid}/report.html", "lang"): "ar",
        (f"{lid}/report.pdf", "lang"): "he",
    }
    for (path, name), value in examples.items():
        for op in paths.get(path, {}).values():
            for p in op.get("parameters", []):
                if p["name"] == name:
                    p["example"] = value
    bodies = {
        f"{lid}/events": {"events": [{"event": CLAIM}]},
        f"{lid}/check": {"live": 7, "bodies": 3},
        f"{lid}/jobs": {"kind": "simulate", "name": "pause", "runs": 20, "seed": 1},
    }
    for path, value in bodies.items():
        if path in paths:
            paths[path]["post"]["requestBody"]["content"]["application/json"]["example"] = value
    return doc


CONFIG = schemathesis.Config.from_dict({"max-stream-events": 1})
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)


def operations() -> dict[str, str]:
    """Each operation of the document, by label, with its access level (``x-access``); an
    operation schemathesis cannot load fails here."""
    out = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        op = result.ok()
        out[op.label] = op.definition.raw.get("x-access", "?")
    return out


OPERATIONS = operations()

statuses: dict[str, Counter[int]] = defaultdict(Counter)
"""Statuses of the CI test's cases, per operation (printed at the end)."""
sent: Counter[str] = Counter()
"""Cases sent by the CI test, per operation."""
failed: set[str] = set()
"""Operations with a failing case (their runs stopped there)."""
valid_tokens: set[str] = set()


@schemathesis.check
def token_enforced(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request without a valid token is refused (401) on a route that declares a token."""
    if case.operation.definition.raw.get("x-access", "public") == "public":
        return None
    sent_auth = response.request.headers.get("Authorization", "")
    if sent_auth in valid_tokens:
        return None
    assert response.status_code == 401, (
        f"{case.operation.label} without a valid token answered {response.status_code}: "
        f"{response.text[:300]}"
    )
    return None


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.ignored_auth,
    token_enforced,
]


@dataclass
class Target:
    base_url: str
    ledger_id: str
    headers: dict[str, str]
    session: requests.Session
    job_id: str
    chart: str


@pytest.fixture(scope="module")
def target(built_ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The app on a real uvicorn server on loopback for this module, over a fresh copy of the
    2023 ledger with a checkpoint, offering the example's scenario and route, with one finished
    simulation job; and a mediator's token."""
    import uvicorn

    p = tmp_path_factory.mktemp("schemathesis") / "gaza"
    shutil.copytree(built_ledger, p)
    make_checkpoint(p)
    token = make_tokens(p)["mediator:qatar"]
    headers = {"Authorization": f"Bearer {token}"}
    valid_tokens.add(headers["Authorization"])
    app = create_app(
        [p],
        clock=Clock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        settings=Settings(
            rate=1e9,
            burst=10**9,
            stream_poll=0.05,
            scenarios={"pause": GAZA / "scenario-pause.toml"},
            routes={"gaza-2023": GAZA / "route.toml"},
            job_queue=1_000,  # the fuzzer never fills it: a full queue's 503 is by design
        ),
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    lid = next(iter(app.state.hub.ledgers))
    base = f"http://127.0.0.1:{port}"
    try:
        with requests.Session() as session:
            job_id, chart = finished_job(session, f"{base}/v1/agreements/{lid}", headers)
            yield Target(base, lid, headers, session, job_id, chart)
    finally:
        server.should_exit = True
        thread.join(10)


def finished_job(session: requests.Session, url: str, headers: dict[str, str]) -> tuple[str, str]:
    """A small simulation job, run to the end: its id and its first chart's name."""
    body: dict[str, Any] = {"kind": "simulate", "name": "pause", "runs": 50, "seed": 7}
    r = session.post(f"{url}/jobs", json=body, headers=headers, timeout=30)
    assert r.status_code == 202, r.text
    job = r.json()
    deadline = time.monotonic() + 120
    while job["status"] not in ("done", "failed", "cancelled"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = session.get(f"{url}/jobs/{job['id']}", headers=headers, timeout=30).json()
    assert job["status"] == "done" and job["charts"], job
    return job["id"], job["charts"][0]


def send(case: Any, target: Target) -> int:
    """One case, on the served ledger, with the mediator's token (schemathesis leaves it out of
    the cases that test a missing ``Authorization``); every check run on the response."""
    path = case.path_parameters or {}
    if "ledger_id" in path:
        path["ledger_id"] = target.ledger_id
    if path.get("job_id") == JOB_ID:
        path["job_id"] = target.job_id
    if path.get("name") == CHART:
        path["name"] = target.chart
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("runs"), int) and body["runs"] > MAX_RUNS:
        body["runs"] = MAX_RUNS
    response = case.call_and_validate(
        base_url=target.base_url,
        session=target.session,
        headers=target.headers,
        checks=CHECKS,
        timeout=30,
    )
    return int(response.status_code)


FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
DEEP = settings(FAST, max_examples=EXAMPLES * DEEP_FACTOR, derandomize=False)


@schema.parametrize()
@FAST
def test_api(case: Any, target: Target) -> None:
    label = case.operation.label
    sent[label] += 1
    try:
        statuses[label][send(case, target)] += 1
    except BaseException:
        failed.add(label)
        raise


@pytest.mark.deep
@pytest.mark.timeout(3600)
@schema.parametrize()
@DEEP
def test_api_deep(case: Any, target: Target) -> None:
    send(case, target)


def test_enough_cases_were_sent() -> None:
    """The CI run above (when all its operations ran) sent at least MIN_CASES cases, and each
    operation that declares a token had a successful case (so ``ignored_auth`` probed it)."""
    if set(sent) != set(OPERATIONS):
        pytest.skip(f"{len(sent)} of {len(OPERATIONS)} operations ran in this session")
    if failed:
        pytest.skip(f"{len(failed)} operations failed above (their cases stopped there)")
    total = sum(sent.values())
    print(f"\nschemathesis: {total:,} cases over {len(OPERATIONS)} operations")
    for label in sorted(statuses):
        print(f"  {label}: {sent[label]} cases, statuses {dict(sorted(statuses[label].items()))}")
    assert total >= MIN_CASES, dict(sent)
    unprobed = [
        label
        for label, access in OPERATIONS.items()
        if access != "public" and not any(200 <= s < 300 for s in statuses[label])
    ]
    assert not unprobed, (
        f"no successful case, so no auth probe, for {unprobed}: give them an example in "
        "document() (or what they need in the target fixture)"
    )
