"""Calibration of the Gaza 2023 route (truce.aid.calibrate) on a reduced grid: seeded and
deterministic, the fit periods reproduced, the hold-out error computed and set against the 15%
goal, and limiting nodes named for every plausible parameter set. Model results, not findings
about any party."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.aid.networks import edge, node, route
from tests.conftest import EXAMPLES
from truce.aid import calibrate as cal
from truce.aid.calibrate import GOAL, OBSERVED, SMALL_GRID, Calibration, Grid, calibrate
from truce.aid.route import load_route
from truce.errors import BadInput

pytest.importorskip("simpy")

ROUTE = EXAMPLES / "gaza-2023" / "route.toml"
ONE_POINT = Grid((34.0,), (105.0,), (175.0,))

# The fit periods are reproduced within this relative error by the best grid point.
FIT_TOLERANCE = 0.03


@pytest.fixture(scope="module")
def result() -> Calibration:
    return calibrate(load_route(ROUTE), grid=SMALL_GRID, seed=0)


def _without_clock(c: Calibration) -> dict[str, Any]:
    d = c.to_dict()
    d.pop("seconds")
    return d


def test_the_observed_table_is_the_research_file() -> None:
    # aid-crossings.md 2.4 (T3) and 2.5 (K5)
    assert OBSERVED["pause"].trucks == 1209
    assert OBSERVED["pause"].per_day == pytest.approx(172.7, abs=0.05)
    assert cal.early_december() == pytest.approx(95.9, abs=0.05)
    assert OBSERVED["dec-17-31"].per_day == pytest.approx(114.3, abs=0.05)
    assert OBSERVED["dec-17-31-ks"].per_day == pytest.approx(28.5, abs=0.05)


def test_same_seed_same_calibration_other_seed_other_numbers() -> None:
    route = load_route(ROUTE)
    quick: dict[str, Any] = {"grid": ONE_POINT, "replications": 2, "holdout_replications": 2}
    a = calibrate(route, seed=3, **quick)
    b = calibrate(route, seed=3, **quick)
    c = calibrate(route, seed=4, **quick)
    assert _without_clock(a) == _without_clock(b)
    assert a.fit != c.fit


def test_the_fit_reproduces_the_pause_and_early_december(result: Calibration) -> None:
    assert [f.period for f in result.fit] == ["24-30 Nov 2023", "1-16 Dec 2023"]
    for f in result.fit:
        assert abs(f.error) <= FIT_TOLERANCE, f
        assert f.error == pytest.approx((f.simulated - f.observed) / f.observed)
    assert result.best in SMALL_GRID.points()
    assert result.evaluations > len(SMALL_GRID.points())


def test_the_hold_out_error_is_computed_and_set_against_15_percent(result: Calibration) -> None:
    h = result.holdout
    assert h.period == "17-31 Dec 2023"
    assert h.observed == pytest.approx(114.27, abs=0.01)
    assert h.error == pytest.approx((h.predicted.mean - h.observed) / h.observed)
    assert h.predicted.low <= h.predicted.mean <= h.predicted.high
    # What the model gives, not refitted. On this reduced grid the best fit is Nitzana 34 min,
    # Rafah 105/day, reception 175/day: it predicts ~174.5/day against 114.3 observed, +52.8%,
    # far outside the goal (Kerem Shalom entry runs at its stated ~80/day, K4; observed on the
    # UNRWA basis: 28.5/day). The full grid gives +63.0% (docs/aid.md, Calibration).
    assert h.error == pytest.approx(0.528, abs=0.05)
    assert h.goal == GOAL == 0.15
    assert h.within_goal is (abs(h.error) <= 0.15)
    assert not h.within_goal
    assert h.via_kerem_shalom_predicted.mean == pytest.approx(80, abs=6)
    lo, hi = h.plausible_range
    assert lo <= hi


def test_every_plausible_set_names_its_limiting_nodes(result: Calibration) -> None:
    assert result.plausible
    assert result.plausible[0].params == result.best
    for p in result.plausible:
        assert p.score <= result.score + result.tolerance + 1e-9
        assert set(p.limiting) == {
            "24-30 Nov 2023",
            "2-11 Dec 2023",
            "12-16 Dec 2023",
            "17-31 Dec 2023",
        }
        for nodes in p.limiting.values():
            assert nodes
    # in early December the Rafah gate holds every plausible set down (a model result)
    assert all(p.limiting["2-11 Dec 2023"] == ["rafah-entry"] for p in result.plausible)


def test_the_json_is_the_dataclass(result: Calibration) -> None:
    d = json.loads(json.dumps(result.to_dict()))
    assert d["best"] == dataclasses.asdict(result.best)
    assert d["holdout"]["within_goal"] is False
    assert {"fit", "holdout", "plausible", "parameters", "demand", "note"} <= set(d)


def test_cli_calibrate_json_and_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from truce.aid.cli import aid_app

    real = cal.calibrate

    def quick(route: Any, **kw: Any) -> Calibration:
        return real(route, grid=ONE_POINT, replications=2, holdout_replications=2, **kw)

    monkeypatch.setattr(cal, "calibrate", quick)
    res = CliRunner().invoke(aid_app, ["calibrate", str(ROUTE), "--json", "--seed", "2"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["seed"] == 2
    assert d["best"]["reception_capacity"] == 175.0


def test_the_table_names_the_goal_and_the_plausible_sets(result: Calibration) -> None:
    console = Console(record=True, width=200)
    cal.render_calibration(console, result)
    text = console.export_text()
    assert "17-31 Dec 2023 (hold-out)" in text
    assert "outside the 15% goal" in text
    assert "Plausible sets" in text
    assert "not findings about any party" in text


def test_a_route_without_the_gaza_variants_is_refused() -> None:
    small = route([node("a", "staging"), node("b", "reception", cap=10)], [edge("a", "b")])
    with pytest.raises(BadInput, match="needs variant 'pause'"):
        calibrate(small, grid=ONE_POINT)
