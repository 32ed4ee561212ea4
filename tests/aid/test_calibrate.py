"""Calibration of the Gaza 2023 route (truce.aid.calibrate, with examples/gaza-2023/
calibration.toml) on a reduced grid: seeded and deterministic, the fit periods reproduced, the
hold-out error computed and set against the 15% goal, and limiting nodes named for every
plausible parameter set; the calibration file read, checked, and used. Model results, not
findings about any party."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.aid.networks import edge, node, route
from tests.conftest import EXAMPLES
from truce.aid import calibrate as cal
from truce.aid.calibrate import (
    BY_CONDITIONS,
    GOAL,
    ONE,
    Calibration,
    Grid,
    Params,
    calibrate,
)
from truce.aid.calibration_file import load_calibration, parse_calibration
from truce.aid.route import load_route, resolve
from truce.errors import BadInput

pytest.importorskip("simpy")

ROUTE = EXAMPLES / "gaza-2023" / "route.toml"
CALIBRATION = EXAMPLES / "gaza-2023" / "calibration.toml"
DATA = load_calibration(CALIBRATION)
OBSERVED = DATA.observed
#: A small grid for quick checks.
SMALL_GRID = Grid((30.0, 34.0), (100.0, 105.0), (175.0, None), (105.0,))
ONE_POINT = Grid((34.0,), (105.0,), (175.0,), ())
DEC, JAN = "17-31 Dec 2023", "Jan 2024"

# The fit periods are reproduced within this relative error by the best grid point.
FIT_TOLERANCE = 0.03


@pytest.fixture(scope="module")
def result() -> Calibration:
    return calibrate(load_route(ROUTE), DATA, grid=SMALL_GRID, seed=0)


def _without_clock(c: Calibration) -> dict[str, Any]:
    d = c.to_dict()
    d.pop("seconds")
    return d


def test_the_observed_table_is_the_research_file() -> None:
    # aid-crossings.md 2.4 (T3) and 2.5 (K5)
    assert OBSERVED["pause"].trucks == 1209
    assert OBSERVED["pause"].per_day == pytest.approx(172.7, abs=0.05)
    assert DATA.observed_per_day(DATA.fit[1]) == pytest.approx(95.9, abs=0.05)  # 1-16 Dec
    assert OBSERVED["dec-17-31"].per_day == pytest.approx(114.3, abs=0.05)
    assert OBSERVED["dec-17-31-ks"].per_day == pytest.approx(28.5, abs=0.05)
    # the second hold-out: January 2024, 4,371 received, 2,347 via Kerem Shalom (2.5)
    assert (OBSERVED["jan-2024"].trucks, OBSERVED["jan-2024"].days) == (4371, 31)
    assert OBSERVED["jan-2024"].per_day == pytest.approx(141.0, abs=0.05)
    assert OBSERVED["jan-2024-ks"].trucks == 2347


def test_the_grid_holds_both_structures() -> None:
    points = SMALL_GRID.points()
    # 2 x 2 x 2, each once with one reception capacity and once with 105 from 1 Dec
    assert len(points) == 16
    assert sum(p.structure == ONE for p in points) == 8
    assert Params(34.0, 105.0, 175.0, 105.0).structure == BY_CONDITIONS
    assert Params(34.0, 105.0, None, None).structure == ONE
    # a hostilities value equal to the pause's is not tried twice
    assert len(Grid((30.0,), (100.0,), (105.0,), (105.0,)).points()) == 1


def test_the_pause_and_december_use_their_own_reception_capacity() -> None:
    route = load_route(ROUTE)
    params = Params(34.0, 105.0, 175.0, 110.0)
    pause = cal.apply(resolve(route, "pause"), params, DATA)
    dec = cal.apply(resolve(route, "ks-entry"), params, DATA)
    assert pause.nodes["gaza-reception"].capacity_trucks_per_day == 175.0
    assert dec.nodes["gaza-reception"].capacity_trucks_per_day == 110.0
    assert dec.nodes["rafah-entry"].capacity_trucks_per_day == 105.0
    assert pause.nodes["rafah-entry"].capacity_trucks_per_day == 200.0  # the pause's, not fitted


def test_same_seed_same_calibration_other_seed_other_numbers() -> None:
    route = load_route(ROUTE)
    quick: dict[str, Any] = {"grid": ONE_POINT, "replications": 2, "holdout_replications": 2}
    a = calibrate(route, DATA, seed=3, **quick)
    b = calibrate(route, DATA, seed=3, **quick)
    c = calibrate(route, DATA, seed=4, **quick)
    assert _without_clock(a) == _without_clock(b)
    assert a.fit != c.fit


def test_the_calibration_uses_the_figures_in_the_file() -> None:
    """The observed figures and the grid are the calibration file's: change one in the file and
    the fit changes with it."""
    route = load_route(ROUTE)
    quick: dict[str, Any] = {"grid": ONE_POINT, "replications": 2, "holdout_replications": 2}
    base = calibrate(route, DATA, **quick)
    raw = tomllib.loads(CALIBRATION.read_text(encoding="utf-8"))
    raw["observed"]["pause"]["trucks"] = 1400
    more = calibrate(route, parse_calibration(raw, where="changed.toml"), **quick)
    # the same simulations against another observed figure: another error and score
    assert more.fit[0].simulated == base.fit[0].simulated
    assert more.fit[0].observed == pytest.approx(200.0)
    assert more.fit[0].error == pytest.approx(base.fit[0].simulated / 200.0 - 1)
    assert more.fit[0].error != base.fit[0].error
    assert more.score != base.score
    assert more.fit[1] == base.fit[1]
    # without a grid, the file's is tried
    raw = tomllib.loads(CALIBRATION.read_text(encoding="utf-8"))
    for name, values in (
        ("nitzana_service_minutes", [34]),
        ("rafah_entry_capacity", [105]),
        ("reception_capacity", [175]),
        ("reception_capacity_hostilities", [105]),
    ):
        raw["parameters"][name]["grid"] = values
    own = calibrate(route, parse_calibration(raw), replications=2, holdout_replications=2)
    assert own.grid == Grid((34.0,), (105.0,), (175.0,), (105.0,))
    assert {p.params for p in own.plausible} <= set(own.grid.points())


def test_the_fit_reproduces_the_pause_and_early_december(result: Calibration) -> None:
    assert [f.period for f in result.fit] == ["24-30 Nov 2023", "1-16 Dec 2023"]
    for f in result.fit:
        assert abs(f.error) <= FIT_TOLERANCE, f
        assert f.error == pytest.approx((f.simulated - f.observed) / f.observed)
    assert result.best in SMALL_GRID.points()
    assert result.evaluations > len(SMALL_GRID.points())


def test_the_hold_outs_are_computed_and_set_against_15_percent(result: Calibration) -> None:
    dec, jan = result.holdouts
    assert (dec.period, jan.period) == (DEC, JAN)
    assert dec.observed == pytest.approx(114.27, abs=0.01)
    assert jan.observed == pytest.approx(141.0, abs=0.01)
    for h in result.holdouts:
        assert h.error == pytest.approx((h.predicted.mean - h.observed) / h.observed)
        assert h.predicted.low <= h.predicted.mean <= h.predicted.high
        assert h.goal == GOAL == 0.15
        assert h.within_goal is (abs(h.error) <= 0.15)
        means = [p.holdouts[h.period] for p in result.plausible]
        assert h.plausible_range == (min(means), max(means))
        assert h.plausible_within_goal == sum(abs(m / h.observed - 1) <= 0.15 for m in means)
    # What the model gives, not refitted (reduced grid, seed 0). The fit periods do not tell the
    # structures apart (both have plausible sets). With one reception capacity the model adds
    # Kerem Shalom's stated ~80/day (K4) to Rafah's ~105 and predicts ~175/day for 17-31 Dec,
    # +53%; with reception by conditions it predicts ~104-107/day, within the goal (that
    # structure was added after the first missed, so this is not a blind test). January 2024
    # (141.0/day) lies between the two: ~106 (-25%) and ~176 (+24%), neither within 15%.
    lo_one, hi_one = dec.by_structure[ONE]
    lo_cond, hi_cond = dec.by_structure[BY_CONDITIONS]
    assert 170 <= lo_one <= hi_one <= 182
    assert 100 <= lo_cond <= hi_cond <= 112
    assert dec.plausible_within_goal == sum(p.structure == BY_CONDITIONS for p in result.plausible)
    assert jan.plausible_within_goal == 0
    assert jan.by_structure[BY_CONDITIONS][1] < jan.observed < jan.by_structure[ONE][0]
    # Kerem Shalom runs at its stated ~80/day in both: 28.5 observed in Dec, 75.7 in Jan
    assert dec.via_kerem_shalom_predicted.mean == pytest.approx(80, abs=6)
    assert jan.via_kerem_shalom_error == pytest.approx(
        jan.via_kerem_shalom_predicted.mean / 75.71 - 1, abs=1e-3
    )


def test_every_plausible_set_names_its_limiting_nodes(result: Calibration) -> None:
    assert result.plausible
    assert result.plausible[0].params == result.best
    assert {p.structure for p in result.plausible} == {ONE, BY_CONDITIONS}
    for p in result.plausible:
        assert p.score <= result.score + result.tolerance + 1e-9
        assert p.structure == p.params.structure
        assert set(p.limiting) == {
            "24-30 Nov 2023",
            "2-11 Dec 2023",
            "12-16 Dec 2023",
            DEC,
            JAN,
        }
        for nodes in p.limiting.values():
            assert nodes
        # a model result: with reception by conditions, reception limits the hold-outs
        if p.structure == BY_CONDITIONS:
            assert p.limiting[DEC] == p.limiting[JAN] == ["gaza-reception"]
    # in early December the Rafah gate holds every plausible set down (a model result)
    assert all(p.limiting["2-11 Dec 2023"] == ["rafah-entry"] for p in result.plausible)
    for st, params in result.best_by_structure.items():
        assert params.structure == st


def test_the_json_is_the_dataclass(result: Calibration) -> None:
    d = json.loads(json.dumps(result.to_dict()))
    assert d["best"] == dataclasses.asdict(result.best)
    assert [h["period"] for h in d["holdouts"]] == [DEC, JAN]
    assert d["holdouts"][1]["within_goal"] is False
    assert set(d["structures"]) == {ONE, BY_CONDITIONS}
    assert {"fit", "holdouts", "plausible", "parameters", "demand", "note"} <= set(d)


def test_memoised_simulations_are_the_same_as_fresh_ones() -> None:
    route = load_route(ROUTE)
    grid = Grid((34.0,), (105.0,), (175.0, None), ())
    both = calibrate(route, DATA, grid=grid, replications=2, holdout_replications=2, tolerance=1.0)
    alone = calibrate(
        route,
        DATA,
        grid=Grid((34.0,), (105.0,), (None,), ()),
        replications=2,
        holdout_replications=2,
    )
    shared = next(p for p in both.plausible if p.params.reception_capacity is None)
    assert shared.fit == alone.plausible[0].fit
    assert shared.holdouts == alone.plausible[0].holdouts


def test_cli_calibrate_json_and_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from truce.cli.aid import aid_app

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
    assert "Jan 2024 (hold-out)" in text
    assert "outside the 15% goal" in text
    assert "reception by conditions" in text
    assert "Plausible sets" in text
    assert "not findings about any party" in text


def test_a_route_without_the_gaza_variants_is_refused() -> None:
    small = route([node("a", "staging"), node("b", "reception", cap=10)], [edge("a", "b")])
    with pytest.raises(BadInput, match="needs variant 'pause'"):
        calibrate(small, DATA, grid=ONE_POINT)
