"""The simulator: the 2023 special case, agreement with the engine on materialised runs,
reproducibility across workers and chunks, the CLI, and bad scenario files."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, truce_exe
from truce.engine.state import replay
from truce.history import History
from truce.sim.core import CHUNK, REASONS, Results, numba_available
from truce.sim.materialise import run_events, run_terms, run_trace
from truce.sim.run import simulate
from truce.sim.scenario import Loaded, load_scenario
from truce.sim.summary import summarise

GAZA = EXAMPLES / "gaza-2023"
BAD = Path(__file__).parent / "fixtures" / "bad"
RUNS = 4000


@cache
def loaded(name: str) -> Loaded:
    return load_scenario(GAZA / name)


@cache
def results(name: str, seed: int = 7) -> Results:
    return simulate(loaded(name), RUNS, seed)


def test_the_2023_pause_is_the_deterministic_special_case() -> None:
    """All levers at zero, the 80 captives the deal counted: 7 days, 240 prisoners, every run."""
    res = simulate(loaded("scenario-pause.toml"), 1000, 3)
    assert set(res.pause_days.tolist()) == {7}
    assert res.released.sum(axis=0).tolist() == [80] * 1000
    assert set(res.prisoners_released.tolist()) == {240}
    assert set(res.prisoners_due.tolist()) == {240}
    assert {REASONS[i] for i in res.reason.tolist()} == {"all captives released"}
    # The days: 13 + 13 + 12 + 12 = 50 in the initial four, then 10 a day.
    tr = run_trace(loaded("scenario-pause.toml"), 3, 0)
    assert [sum(d) for d in tr.released] == [13, 13, 12, 12, 10, 10, 10, 0]


def test_share_of_runs_ending_on_day_7_under_stated_priors() -> None:
    s = summarise(
        loaded("scenario-pause-uncertain.toml"), results("scenario-pause-uncertain.toml"), 7
    )
    share7 = s["pause_days"]["distribution"].get(7, 0.0)
    assert 0.0 < share7 < 1.0  # neither certain nor impossible under these priors
    assert sum(s["pause_days"]["distribution"].values()) == pytest.approx(1.0)


SCENARIOS = ("scenario.toml", "scenario-bargain.toml", "scenario-pause-uncertain.toml")


@settings(max_examples=25, deadline=None, derandomize=True)
@given(name=st.sampled_from(SCENARIOS), run=st.integers(0, RUNS - 1))
def test_engine_agrees_with_any_materialised_run(name: str, run: int) -> None:
    """One set of rules: the engine, reading a run as a ledger, finds the same pause length,
    counted captives and prisoners due as the simulator."""
    L = loaded(name)
    res = results(name)
    tr = run_trace(L, 7, run)
    terms = run_terms(L, tr)
    state = replay(terms, History.of(run_events(L, tr, terms)))
    assert state.pause_days == res.pause_days[run]
    assert state.counted == int(res.released[:, run].sum())
    assert state.prisoners_due == int(res.prisoners_due[run])
    assert state.prisoners_released == int(res.prisoners_released[run])


def test_materialised_runs_cover_every_stop_reason_seen() -> None:
    """The property test above samples runs; make sure the interesting ones exist."""
    res = results("scenario.toml")
    seen = {REASONS[i] for i in np.unique(res.reason).tolist()}
    assert {"quota not met", "bargaining broke down", "holder ended the talks"} <= seen
    assert (res.pause_days > 5).any()


def _same(a: Results, b: Results) -> None:
    for field in (
        "pause_days",
        "released",
        "prisoners_due",
        "prisoners_released",
        "aid_trucks",
        "reason",
    ):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


@pytest.mark.parametrize("kernel", ["numba", "numpy"] if numba_available() else ["numpy"])
def test_same_seed_same_arrays_across_workers_and_chunks(kernel: str) -> None:
    L = loaded("scenario.toml")
    runs = CHUNK + 1500  # two chunks, the second partial
    one = simulate(L, runs, 11, kernel=kernel)
    assert one.kernel == kernel
    two = simulate(L, runs, 11, workers=2, kernel=kernel)
    _same(one, two)
    again = simulate(L, runs, 11, kernel=kernel)
    _same(one, again)
    other = simulate(L, runs, 12, kernel=kernel)
    assert not np.array_equal(one.pause_days, other.pause_days)
    # A prefix of runs is the same whatever the total: chunks are seeded by index and
    # simulated whole, so (seed, run index) alone determines a run.
    first = simulate(L, 1500, 11, kernel=kernel)
    for field in ("pause_days", "prisoners_released", "reason"):
        assert np.array_equal(getattr(first, field), getattr(one, field)[:1500]), field
    assert np.array_equal(first.released, one.released[:, :1500])


def test_ray_backend_without_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the extra installed (an import of ray fails), the error names the extra."""
    import sys

    from truce.errors import MissingExtra

    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` raise ImportError
    with pytest.raises(MissingExtra, match=r"truce\[ray\]"):
        simulate(loaded("scenario.toml"), 10, 1, backend="ray")


def run(*args: str | Path) -> tuple[int, str, str]:
    p = subprocess.run([truce_exe(), *map(str, args)], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_cli_json_summary_and_outputs(tmp_path: Path) -> None:
    code, out, err = run(
        "simulate",
        GAZA / "scenario.toml",
        "--runs",
        "3000",
        "--seed",
        "5",
        "--json",
        "--plot",
        tmp_path / "charts",
        "--out",
        tmp_path / "runs.parquet",
    )
    assert code == 0, err
    s = json.loads(out)
    assert (s["runs"], s["seed"]) == (3000, 5)
    assert {"mean", "p05", "p50", "p95"} <= set(s["pause_days"])
    assert set(s["released"]) == {"children", "women", "men-75plus", "men-under-75"}
    assert "mean" in s["prisoners"] and 0 <= s["breakdown_probability"] <= 1
    prior = s["assumptions"]["pool"]["men-under-75"]["exchange_ratio"]["prior"]
    assert [p["id"] for p in prior] == [
        "2023-11-israel-hamas-pause",
        "1985-israel-pflp-gc",
        "2011-israel-hamas",
    ]
    assert [p["weight"] for p in prior] == [0.5, 0.25, 0.25]
    for stem in ("pause-days", "releases-by-day", "releases-by-category"):
        assert (tmp_path / "charts" / f"{stem}.png").stat().st_size > 1000
        assert (tmp_path / "charts" / f"{stem}.svg").exists()
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "runs.parquet")
    assert table.num_rows == 3000
    same = simulate(loaded("scenario.toml"), 3000, 5)
    assert table.column("pause_days").to_pylist() == same.pause_days.tolist()
    code, text, _ = run("simulate", GAZA / "scenario-pause.toml", "--runs", "100")
    assert code == 0 and "pause days" in text and "assumptions" in text


EXPECTED = {
    "alive-above-one.toml": "pool[1].alive: must be between 0 and 1, got 1.5",
    "duplicate-category.toml": "pool categories must be unique; repeated: women",
    "missing-terms.toml": "no-such-terms.toml: file not found",
    "negative-count.toml": "pool[1].count: must be >= 0, got -1",
    "no-pool.toml": "pool: required key is missing",
    "not-toml.toml": "line 1, column 10: not valid TOML",
    "order-unknown-category.toml": "policy.receiver.order names nobody, not in the pool (women)",
    "prior-weights-mismatch.toml": "pool[1].ratio: 1 rows but 2 weights",
    "probability-above-one.toml": "policy.holder.delay: must be between 0 and 1, got 2",
    "range-missing-high.toml": "aid.delivered_fraction: a {low, high} table: high: required key is missing",
    "range-reversed.toml": "pool[1].alive: a {low, high} table: low (0.9) is above high (0.5)",
    "uncovered-without-ratio.toml": "pool[1]: category 'soldiers' is not in the terms: give its 'ratio'",
    "unknown-lever.toml": "policy.holder.lever: unknown key",
    "unknown-prior.toml": "pool[1].ratio: ids: unknown exchange id(s): no-such-exchange",
    "zero-horizon.toml": "scenario.horizon_days: must be >= 1, got 0",
}


def test_every_bad_fixture_has_an_expected_message() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in BAD.glob("*.toml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_scenario_files_are_refused_clearly(name: str) -> None:
    code, out, err = run("simulate", BAD / name, "--runs", "10")
    assert code == 2, (out, err)
    assert EXPECTED[name] in err
    assert err.startswith("error: ")


def test_compare_deals_uses_the_same_runs_for_both_kinds_of_deal() -> None:
    from truce.sim.compare import compare_deals

    # The 2023 pause: every covered captive alive, nothing to bargain, nothing breaks down.
    c = compare_deals(loaded("scenario-pause.toml"), 500, 2)
    assert (
        c["phased"]["released"] == c["all_for_all"]["released"] == {"women": 42.0, "children": 38.0}
    )
    assert c["phased"]["prisoners"]["mean"] == c["all_for_all"]["prisoners"]["mean"] == 240.0
    assert c["all_for_all"]["stop_probability"] == 0.0
    assert c["all_for_all"]["pause_days"]["mean"] == 30.0  # the horizon
    # With bargaining: the all-for-all exchange stops exactly when its single bargain fails.
    c = compare_deals(loaded("scenario-bargain.toml"), 3000, 2)
    assert 0 < c["all_for_all"]["stop_probability"] < 1
    assert c["all_for_all"]["assumptions"] and c["assumptions"]["pool"]


def test_compare_deals_cli_json() -> None:
    code, out, err = run("compare-deals", GAZA / "scenario.toml", "--runs", "2000", "--json")
    assert code == 0, err
    c = json.loads(out)
    assert set(c) >= {"phased", "all_for_all", "assumptions", "runs", "seed"}
    for kind in ("phased", "all_for_all"):
        assert {"pause_days", "released", "prisoners", "aid_trucks", "stop_probability"} <= set(
            c[kind]
        )
    assert "price" not in out.lower()
