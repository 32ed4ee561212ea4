"""The simulator's use cases called in-process, as the service will call them: typed results
whose dumps are exactly what `--json` prints (the golden files), figures untouched."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, truce_exe
from truce.app.sim import compare_deals, past_exchanges, simulate_scenario, sweep_scenario
from truce.app.sim_schemas import CompareDealsOut, ExchangeRow, SimulateOut, SweepOut
from truce.errors import BadInput
from truce.sim.run import simulate
from truce.sim.scenario import load_scenario
from truce.sim.summary import summarise

GAZA = EXAMPLES / "gaza-2023"
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "expected"


def printed(model: SimulateOut | SweepOut | CompareDealsOut) -> str:
    return json.dumps(model.model_dump(mode="json"), indent=2) + "\n"


def test_the_2023_pause_is_exact() -> None:
    s = simulate_scenario(GAZA / "scenario-pause.toml", 500, 1)
    assert isinstance(s, SimulateOut)
    assert (s.runs, s.seed, s.pause_days.mean, s.pause_days.distribution) == (
        500,
        1,
        7.0,
        {"7": 1.0},
    )
    assert s.released == {"women": 42.0, "children": 38.0}
    assert (s.prisoners.mean, s.prisoners.due_mean, s.aid_trucks.mean) == (240.0, 240.0, 1400.0)
    assert s.breakdown_probability == 0.0
    assert s.stop_reasons == {"all captives released": 1.0}
    assert s.assumptions.on_exhausted == "end" and s.assumptions.holder.note is None
    assert printed(s) == (GOLDEN / "simulate-pause.out").read_text()


def test_simulate_fixed_seed_matches_the_golden_figures() -> None:
    s = simulate_scenario(GAZA / "scenario.toml", 3000, 7)
    assert s.pause_days.mean == 2.315
    assert s.pause_days.mean_low == 2.242958537897773
    assert s.prisoners.p95 == 5751.099999999967
    assert s.breakdown_probability == 0.9973333333333333
    assert s.stop_reasons["bargaining broke down"] == 0.397
    assert list(s.pause_days.distribution)[:3] == ["1", "2", "3"]
    assert printed(s) == (GOLDEN / "simulate.out").read_text()


@pytest.mark.parametrize(
    "name", ["scenario-bargain.toml", "scenario-pause-uncertain.toml", "scenario.toml"]
)
def test_the_model_dump_is_the_simulators_document(name: str) -> None:
    """Every shape of assumption (numbers, ranges, priors, bargaining models, levers with and
    without notes) comes through the model unchanged, key for key and in order."""
    loaded = load_scenario(GAZA / name)
    doc = summarise(loaded, simulate(loaded, 300, 3), 3)
    s = simulate_scenario(GAZA / name, 300, 3)
    assert json.dumps(s.model_dump(mode="json"), indent=2) == json.dumps(doc, indent=2)


def test_sweep_and_compare_deals_match_the_golden_files() -> None:
    sw = sweep_scenario(GAZA / "scenario.toml", ["pool.women.alive=0.6,1"], 1000, 1)
    assert [p.point for p in sw.points] == [{"pool.women.alive": 0.6}, {"pool.women.alive": 1.0}]
    assert sw.points[0].pause_days_mean == 2.071 and sw.points[1].prisoners_mean == 1447.744
    assert printed(sw) == (GOLDEN / "sweep.out").read_text()
    c = compare_deals(GAZA / "scenario.toml", 2000, 1)
    assert c.phased.pause_days.mean == 2.321 and c.phased.stop_probability == 0.997
    assert c.all_for_all.pause_days.mean == 55.62 and c.all_for_all.pause_days.p50 == 90.0
    assert printed(c) == (GOLDEN / "compare-deals.out").read_text()


def test_past_exchanges_match_the_golden_file() -> None:
    rows = past_exchanges()
    first = rows[0]
    assert isinstance(first, ExchangeRow) and first.id == "1983-israel-fatah"
    assert (first.ratio_a_per_b, first.ratio_a_per_b_low, first.ratio_a_per_b_high) == (
        None,
        766.667,
        794.167,
    )
    text = json.dumps([r.model_dump(mode="json") for r in rows], indent=2, ensure_ascii=False)
    assert text + "\n" == (GOLDEN / "history.out").read_text()


def test_a_results_file_must_be_parquet_or_csv(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"parquet or \.csv"):
        simulate_scenario(GAZA / "scenario-pause.toml", 10, 1, results_file=tmp_path / "x.txt")


def test_charts_are_reported(tmp_path: Path) -> None:
    written: list[Path] = []
    sweep_scenario(
        GAZA / "scenario.toml",
        ["pool.women.alive=0.6,1", "policy.holder.delay=0,0.1"],
        50,
        1,
        charts_dir=tmp_path,
        on_charts=written.extend,
    )
    assert written and all(p.exists() for p in written)


def test_cli_json_validates_against_the_models() -> None:
    def run(*args: object) -> str:
        return subprocess.run(
            [truce_exe(), *map(str, args)], capture_output=True, text=True, check=True
        ).stdout

    bargain = GAZA / "scenario-bargain.toml"
    s = SimulateOut.model_validate_json(run("simulate", bargain, "--runs", "200", "--json"))
    assert s.runs == 200 and s.assumptions.pool["men-75plus"].exchange_ratio is not None
    sw = SweepOut.model_validate_json(
        run("sweep", bargain, "--vary", "policy.holder.delay=0:0.2:3", "--runs", "100", "--json")
    )
    assert len(sw.points) == 3 and sw.runs_per_point == 100
    c = CompareDealsOut.model_validate_json(
        run("compare-deals", bargain, "--runs", "200", "--json")
    )
    assert c.runs == 200 and len(c.all_for_all.assumptions) == 2
    rows = json.loads(run("history", "--json"))
    assert [ExchangeRow.model_validate(r).id for r in rows] == [r.id for r in past_exchanges()]
