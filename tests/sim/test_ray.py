"""The Ray backend: the same arrays as the local backend (one or two workers) for the same seed,
progress reported as tasks finish, and the CLI's summary unchanged by `--backend ray`."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import EXAMPLES, truce_exe
from truce.sim.core import CHUNK, Results
from truce.sim.run import simulate
from truce.sim.scenario import load_scenario

ray = pytest.importorskip("ray")

SCENARIO = EXAMPLES / "gaza-2023" / "scenario.toml"
RUNS = 2 * CHUNK + 100  # three chunks, the last partial
FIELDS = (
    "pause_days",
    "released",
    "prisoners_due",
    "prisoners_released",
    "aid_trucks",
    "reason",
    "stop_day",
    "cum_released",
    "cum_prisoners",
)


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    """One small local cluster for the module (the backend reuses an initialised Ray)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def _same(a: Results, b: Results) -> None:
    assert a.runs == b.runs
    for field in FIELDS:
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype, field
        assert np.array_equal(x, y), field


def test_ray_gives_the_local_arrays_for_the_same_seed() -> None:
    loaded = load_scenario(SCENARIO)
    done: list[int] = []
    on_ray = simulate(loaded, RUNS, 11, backend="ray", progress=done.append)
    local = simulate(loaded, RUNS, 11)
    two = simulate(loaded, RUNS, 11, workers=2)
    assert on_ray.runs == RUNS
    _same(on_ray, local)
    _same(local, two)
    # Progress: one call per chunk as its task finishes, every run counted once.
    assert sorted(done) == sorted([CHUNK, CHUNK, 100])
    other = simulate(loaded, RUNS, 12, backend="ray")
    assert not np.array_equal(other.pause_days, on_ray.pause_days)
    # Either kernel, the one the driver chose runs in every task.
    assert on_ray.kernel == local.kernel == "numba"
    numpy_on_ray = simulate(loaded, RUNS, 11, backend="ray", kernel="numpy")
    assert numpy_on_ray.kernel == "numpy"
    _same(numpy_on_ray, simulate(loaded, RUNS, 11, kernel="numpy"))


def _summary(*extra: str) -> dict[str, object]:
    p = subprocess.run(
        [truce_exe(), "simulate", str(SCENARIO), "--runs", "3000", "--seed", "5", "--json", *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    out: dict[str, object] = json.loads(p.stdout)
    return out


def test_cli_ray_summary_equals_the_local_one() -> None:
    """The CLI starts (and, exiting, stops) its own local Ray."""
    assert _summary("--backend", "ray") == _summary()


def test_a_sweep_on_ray_equals_the_local_one() -> None:
    from truce.sim.sweep import parse_vary, run_sweep

    varies = [parse_vary("policy.holder.delay=0,0.2")]
    _, local = run_sweep(SCENARIO, varies, 2000, 3)
    _, remote = run_sweep(SCENARIO, varies, 2000, 3, backend="ray")
    for a, b in zip(local, remote, strict=True):
        assert np.array_equal(a.pause_days, b.pause_days)
        assert np.array_equal(a.released, b.released)


def test_a_service_job_on_ray_equals_the_local_summary(tmp_path: Path) -> None:
    """`truce serve --ray`: a simulation job's chunks run on Ray; the summary is the local one."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from truce.app.sim import simulate_scenario
    from truce.ledger.directory import LedgerDir
    from truce.ledger.tokens import Role, TokenStore
    from truce.service.app import create_app
    from truce.service.settings import Settings

    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    d = tmp_path / "gaza"
    LedgerDir.init(d, EXAMPLES / "gaza-2023" / "terms.toml", at=now).close()
    token = TokenStore(d).new(Role.parse("reader"), None, now)[0]
    settings = Settings(scenarios={"s": SCENARIO}, job_backend="ray")
    app = create_app([d], clock=lambda: now, settings=settings)
    with TestClient(app) as c:
        base = f"/v1/agreements/{next(iter(app.state.hub.ledgers))}"
        h = {"Authorization": f"Bearer {token}"}
        jid = c.post(
            base + "/jobs",
            json={"kind": "simulate", "name": "s", "runs": RUNS, "seed": 5},
            headers=h,
        ).json()["id"]
        deadline = time.monotonic() + 120
        while (st := c.get(f"{base}/jobs/{jid}", headers=h).json())["status"] not in (
            "done",
            "failed",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert st["status"] == "done" and st["done"] == RUNS, st
        summary = c.get(f"{base}/jobs/{jid}/summary", headers=h).json()
    local = simulate_scenario(SCENARIO, RUNS, 5).model_dump(mode="json")
    assert summary == local
