"""Sweeps: a grid or random points over scenario keys, as one job with one seed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

from tests.conftest import EXAMPLES, truce_exe
from truce.sim.run import simulate
from truce.sim.scenario import load_scenario
from truce.sim.sweep import parse_vary, points, run_sweep

SCENARIO = EXAMPLES / "gaza-2023" / "scenario.toml"


def run(*args: str | Path) -> tuple[int, str, str]:
    p = subprocess.run([truce_exe(), *map(str, args)], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_grid_points_and_parsing() -> None:
    assert parse_vary("a.b=0:1:3") == ("a.b", [0.0, 0.5, 1.0])
    assert parse_vary("a.b=0.1,0.2") == ("a.b", [0.1, 0.2])
    assert parse_vary("a.b=0:1") == ("a.b", (0.0, 1.0))
    grid = points([("x", [1.0, 2.0]), ("y", [3.0, 4.0, 5.0])], None, 1)
    assert len(grid) == 6 and grid[0] == {"x": 1.0, "y": 3.0} and grid[-1] == {"x": 2.0, "y": 5.0}
    rnd = points([("x", (0.0, 0.2))], 5, 9)
    assert len(rnd) == 5 and all(0.0 <= p["x"] <= 0.2 for p in rnd)
    assert rnd == points([("x", (0.0, 0.2))], 5, 9)  # seeded


def test_each_point_is_the_scenario_with_that_change_and_workers_agree() -> None:
    varies = [parse_vary("policy.holder.delay=0,0.2"), parse_vary("pool.women.alive=0.5,1")]
    variants, results = run_sweep(SCENARIO, varies, 3000, 4)
    assert [v.overrides for v in variants] == [
        {"policy.holder.delay": 0.0, "pool.women.alive": 0.5},
        {"policy.holder.delay": 0.0, "pool.women.alive": 1.0},
        {"policy.holder.delay": 0.2, "pool.women.alive": 0.5},
        {"policy.holder.delay": 0.2, "pool.women.alive": 1.0},
    ]
    alone = simulate(
        load_scenario(SCENARIO, {"policy.holder.delay": 0.2, "pool.women.alive": 1.0}), 3000, 4
    )
    assert np.array_equal(alone.pause_days, results[3].pause_days)
    assert np.array_equal(alone.released, results[3].released)
    _, parallel = run_sweep(SCENARIO, varies, 3000, 4, workers=2)
    for a, b in zip(results, parallel, strict=True):
        assert np.array_equal(a.pause_days, b.pause_days)
    # More delay by the holder, fewer women alive: shorter pauses on the same runs.
    assert results[1].pause_days.mean() > results[3].pause_days.mean()
    assert results[1].pause_days.mean() > results[0].pause_days.mean()


def test_cli_grid_json_and_heat_maps(tmp_path: Path) -> None:
    code, out, err = run(
        "sweep",
        SCENARIO,
        "--vary",
        "policy.holder.end_talks=0:0.1:3",
        "--vary",
        "policy.receiver.end_talks=0:0.1:3",
        "--runs",
        "3000",
        "--json",
        "--plot",
        tmp_path,
    )
    assert code == 0, err
    doc = json.loads(out)
    rows = doc["points"]
    assert len(rows) == 9 and doc["runs_per_point"] == 3000
    by = {
        (r["point"]["policy.holder.end_talks"], r["point"]["policy.receiver.end_talks"]): r
        for r in rows
    }
    assert by[(0.0, 0.0)]["pause_days_mean"] > by[(0.1, 0.1)]["pause_days_mean"]
    for stem in ("sweep-pause-days-mean", "sweep-breakdown-probability"):
        assert (tmp_path / f"{stem}.png").stat().st_size > 1000


def test_cli_refuses_bad_sweeps_clearly() -> None:
    code, _, err = run("sweep", SCENARIO, "--vary", "pool.nobody.alive=0.5,1", "--runs", "10")
    assert code == 2 and "no pool category 'nobody'" in err
    code, _, err = run("sweep", SCENARIO, "--vary", "policy.holder.delay=0,2", "--runs", "10")
    assert code == 2 and "policy.holder.delay=2.0" in err and "must be between 0 and 1" in err
    code, _, err = run("sweep", SCENARIO, "--vary", "policy.holder.delay=0:1", "--runs", "10")
    assert code == 2 and "random points" in err
    code, _, err = run("sweep", SCENARIO, "--vary", "policy.holder.delay=a,b", "--runs", "10")
    assert code == 2 and "values must be numbers" in err
