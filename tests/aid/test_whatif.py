"""What-if commands and charts: open a node from a date, lanes/hours for a target (part 6)."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.aid.networks import edge, node, route
from tests.conftest import EXAMPLES, truce_exe
from truce.aid import ceilings, load_route
from truce.aid.route import Route
from truce.aid.whatif import lanes_for_target, open_node
from truce.errors import BadInput, RouteError

ROUTE = EXAMPLES / "gaza-2023" / "route.toml"


def small() -> Route:
    """s > a > b > r (a: 1 lane x 10 h x 60 / 10 min = 60; b: 80), and s > g > r (g: 50,
    declared not enabled); from 15 Jan g's capacity is 70. Variant v is the route on 1 Jan."""
    return route(
        [
            node("s", "staging"),
            node("a", "inspection", lanes=1, hours_per_day=10.0, service_minutes=10.0),
            node("b", "entry", cap=80),
            node("g", "entry", cap=50),
            node("r", "reception"),
        ],
        [edge("s", "a"), edge("a", "b"), edge("b", "r"), edge("s", "g"), edge("g", "r")],
        paths=[
            {"id": "p1", "nodes": ["s", "a", "b", "r"]},
            {"id": "p2", "nodes": ["s", "g", "r"], "enabled": False},
        ],
        changes=[{"on": date(2024, 1, 15), "node": "g", "set": {"capacity_trucks_per_day": 70}}],
        variants=[{"name": "v", "on": date(2024, 1, 1)}],
    )


def test_open_node_steps_as_computed_by_hand() -> None:
    w = open_node(small(), "g", date(2024, 1, 10), "v")
    # Without g: 60 (a). With g from 10 Jan: 60 + 50 = 110; from 15 Jan 60 + 70 = 130.
    assert (w.before, w.after) == (60.0, 110.0)
    assert w.limiting_before == ["a"] and w.limiting_after == ["a", "g"]
    assert w.paths_opened == ["p2"] and w.step == 50.0
    assert len(w.series) == 29
    by_day = {d.day: (d.without_node, d.with_node) for d in w.series}
    assert by_day[date(2024, 1, 9)] == (60.0, 60.0)
    assert by_day[date(2024, 1, 10)] == (60.0, 110.0)
    assert by_day[date(2024, 1, 14)] == (60.0, 110.0)
    assert by_day[date(2024, 1, 15)] == (60.0, 130.0)
    assert any("raises the ceiling by 50" in line for line in w.explanation)


def test_lanes_and_hours_as_computed_by_hand() -> None:
    res = lanes_for_target(small(), "v", 75)
    assert res.ceiling == 60 and res.limiting == ["a"]
    assert res.skipped == ["s", "b", "r"]
    (a,) = res.nodes
    # 60 per lane at 10 h: 2 lanes give 120 >= 75 (b's 80 then limits, above 75).
    assert a.lanes_needed == 2
    # 1 lane: 6 trucks per hour open; 75 / 6 = 12.5 h.
    assert a.hours_needed == 12.5 and a.extra_hours == 2.5
    over = lanes_for_target(small(), "v", 90).nodes[0]
    assert over.lanes_needed is None and over.blocked_by == ["b"]
    assert over.hours_needed is None and over.hours_blocked_by == ["b"]


def test_a_stated_capacity_caps_the_lanes() -> None:
    r = route(
        [
            node("s", "staging"),
            node(
                "c",
                "inspection",
                cap=70,
                lanes=1,
                hours_per_day=10.0,
                service_minutes=10.0,
                reject_probability=0.5,
            ),
            node("r", "reception"),
        ],
        [edge("s", "c"), edge("c", "r")],
    )
    # 1 lane x 10 h x 60 / 10 x (1 - 0.5) = 30 per lane.
    c = lanes_for_target(r, None, 60).nodes[0]
    assert c.capacity == 30 and c.lanes_needed == 2 and c.hours_needed == 20
    c = lanes_for_target(r, None, 71).nodes[0]
    assert c.lanes_needed is None
    assert c.blocked_by == ["c (stated capacity 70 trucks/day)"]
    assert c.hours_blocked_by == ["c (stated capacity 70 trucks/day)"]


def test_shipped_route_opening_kerem_shalom_entry() -> None:
    w = open_node(load_route(ROUTE), "ks-entry", date(2023, 12, 17), "ks-inspection")
    assert (w.before, w.after) == (100.0, 180.0)
    assert w.limiting_before == ["rafah-entry"]
    assert w.limiting_after == ["ks-entry", "rafah-entry"]
    assert w.paths_opened == ["via-ks-entry"]
    assert {d.with_node for d in w.series if d.day < date(2023, 12, 17)} == {100.0}
    assert {d.with_node for d in w.series if d.day >= date(2023, 12, 17)} == {180.0}


def test_shipped_route_lanes_at_nitzana() -> None:
    r = load_route(ROUTE)
    (n,) = lanes_for_target(r, "pause", 150).nodes
    # 10 h x 60 / 30 min x 0.95 = 19 per lane: 8 lanes give 152; 150 / 19 h = 7 h 54 min.
    assert n.node == "nitzana" and n.lanes_needed == 8
    assert n.hours_needed == pytest.approx(474 / 60) and n.extra_hours == 0
    (n,) = lanes_for_target(r, "pause", 250).nodes
    assert n.lanes_needed is None
    assert n.blocked_by == ["nitzana (stated capacity 200 trucks/day)", "rafah-entry"]
    (n,) = lanes_for_target(r, "ks-inspection", 150).nodes
    assert n.blocked_by == ["rafah-entry"]


def test_bad_input_is_refused() -> None:
    r = small()
    with pytest.raises(RouteError, match="unknown node 'gg'"):
        open_node(r, "gg", date(2024, 1, 10), "v")
    with pytest.raises(RouteError, match="unknown variant"):
        open_node(r, "g", date(2024, 1, 10), "w")
    with pytest.raises(BadInput, match="positive"):
        lanes_for_target(r, "v", 0)


def _is_chart(p: Path, png: bool) -> bool:
    data = p.read_bytes()
    return bool(data) and (data[:8] == b"\x89PNG\r\n\x1a\n" if png else b"<svg" in data)


def test_charts_are_written(tmp_path: Path) -> None:
    import matplotlib  # noqa: F401  (the dev extra installs it: no skipping)

    from truce.aid.plot import plot_ceilings, plot_lanes, plot_whatif

    r = load_route(ROUTE)
    written = [
        *plot_ceilings(ceilings(r), tmp_path),
        *plot_whatif(open_node(r, "ks-entry", date(2023, 12, 17), "ks-inspection"), tmp_path),
        *plot_lanes(lanes_for_target(r, "pause", 250), tmp_path),
    ]
    names = sorted(p.name for p in written)
    assert names == [f"{s}.{e}" for s in ("ceiling", "lanes", "what-if") for e in ("png", "svg")]
    for p in written:
        assert _is_chart(p, p.suffix == ".png"), p


def _truce(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([truce_exe(), "aid", *args], capture_output=True, text=True)


def test_cli_json_and_plots(tmp_path: Path) -> None:
    import matplotlib  # noqa: F401  (the dev extra installs it: no skipping)

    res = _truce(
        "what-if", str(ROUTE), "--open", "ks-entry", "--on", "2023-12-17",
        "--variant", "ks-inspection", "--json", "--plot", str(tmp_path / "w"),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert {"variant", "node", "on", "before", "after", "step", "series", "explanation"} <= set(out)
    assert (out["before"], out["after"], out["step"]) == (100.0, 180.0, 80.0)
    assert (tmp_path / "w" / "what-if.png").stat().st_size > 0
    res = _truce(
        "lanes", str(ROUTE), "--target", "150", "--variant", "pause", "--json",
        "--plot", str(tmp_path / "l"),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["nodes"][0]["node"] == "nitzana" and out["nodes"][0]["lanes_needed"] == 8
    assert (tmp_path / "l" / "lanes.svg").stat().st_size > 0
    res = _truce(str(ROUTE), "--no-simulate", "--plot", str(tmp_path / "c"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "c" / "ceiling.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["what-if", "--open", "nope", "--on", "2023-12-17"], "unknown node 'nope'"),
        (["what-if", "--open", "ks-entry", "--on", "2023-12-32"], "expected a date"),
        (["lanes", "--target", "0"], "positive"),
        (["lanes", "--target", "100", "--variant", "nope"], "unknown variant"),
    ],
)
def test_cli_bad_input_exits_2(args: list[str], message: str) -> None:
    res = _truce(args[0], str(ROUTE), *args[1:])
    assert res.returncode == 2
    assert message in res.stderr
