"""Ceilings and limiting cuts on small networks whose answers can be checked by hand."""

from __future__ import annotations

import sys

import pytest

from tests.aid.networks import chain, edge, node, route
from truce.aid import ceiling, ceilings, node_capacity
from truce.aid.ceiling import _solve_lp
from truce.aid.route import resolve
from truce.errors import MissingExtra

# --- max flow ------------------------------------------------------------------------------------


def test_chain_with_a_bottleneck() -> None:
    """s -> 50 -> 30 -> 80 -> r: 30 trucks/day, limited by the 30 node only."""
    c = ceiling(chain(50, 30, 80))
    assert c.trucks_per_day == 30
    assert c.limiting == ["n2"]
    assert c.method == "max-flow"
    assert c.variant == "base"
    assert "a minimum cut: n2 30 = 30" in c.explanation


def test_chain_nodes_without_capacity_do_not_limit() -> None:
    c = ceiling(chain(None, 40, None))
    assert (c.trucks_per_day, c.limiting) == (40, ["n2"])
    assert any(
        line.startswith("no capacity given (not limiting): s, n1, n3, r") for line in c.explanation
    )


def test_two_parallel_crossings_add_up() -> None:
    """Two crossings side by side: 40 + 25 = 65, both limiting."""
    r = route(
        [node("s", "staging"), node("x", cap=40), node("y", cap=25), node("r", "reception")],
        [edge("s", "x"), edge("s", "y"), edge("x", "r"), edge("y", "r")],
    )
    c = ceiling(r)
    assert c.trucks_per_day == 65
    assert c.limiting == ["x", "y"]


def test_reception_downstream_of_parallel_crossings_limits() -> None:
    """40 + 25 = 65 could cross, but reception takes 50: only reception limits."""
    r = route(
        [node("s", "staging"), node("x", cap=40), node("y", cap=25), node("r", "reception", 50)],
        [edge("s", "x"), edge("s", "y"), edge("x", "r"), edge("y", "r")],
    )
    c = ceiling(r)
    assert (c.trucks_per_day, c.limiting) == (50, ["r"])


def test_one_crossing_saturated_the_other_not() -> None:
    """x (40) feeds a 30 gate; y (25) goes straight in: 30 + 25 = 55; x is not limiting."""
    r = route(
        [
            node("s", "staging"),
            node("x", cap=40),
            node("gate", cap=30),
            node("y", cap=25),
            node("r", "reception"),
        ],
        [edge("s", "x"), edge("x", "gate"), edge("gate", "r"), edge("s", "y"), edge("y", "r")],
    )
    c = ceiling(r)
    assert (c.trucks_per_day, c.limiting) == (55, ["gate", "y"])


def test_edge_capacity_is_named_from_to() -> None:
    r = route(
        [node("s", "staging"), node("a", cap=100), node("r", "reception")],
        [edge("s", "a", capacity_trucks_per_day=12), edge("a", "r")],
    )
    c = ceiling(r)
    assert (c.trucks_per_day, c.limiting) == (12, ["s->a"])


def test_two_staging_areas_and_two_receptions() -> None:
    r = route(
        [
            node("s1", "staging", 10),
            node("s2", "staging", 20),
            node("hub", cap=100),
            node("r1", "reception", 5),
            node("r2", "reception"),
        ],
        [edge("s1", "hub"), edge("s2", "hub"), edge("hub", "r1"), edge("hub", "r2")],
    )
    c = ceiling(r)
    assert (c.trucks_per_day, c.limiting) == (30, ["s1", "s2"])


def test_tied_capacities_in_series_are_both_named() -> None:
    c = ceiling(chain(200, 200))
    assert (c.trucks_per_day, c.limiting) == (200, ["n1", "n2"])


def test_within_one_truck_counts_as_limiting() -> None:
    """The test is "lowering by one truck a day lowers the ceiling": 200.5 behind 200 qualifies,
    202 does not."""
    assert ceiling(chain(200, 200.5)).limiting == ["n1", "n2"]
    assert ceiling(chain(200, 202)).limiting == ["n1"]


def test_closed_node_is_limiting() -> None:
    c = ceiling(chain(50, 0))
    assert (c.trucks_per_day, c.limiting) == (0, ["n2"])


def test_no_route_in_use_gives_zero() -> None:
    r = route(
        [node("s", "staging"), node("a", cap=10), node("r", "reception")],
        [edge("s", "a"), edge("a", "r")],
        paths=[{"id": "p", "nodes": ["s", "a", "r"]}],
        variants=[{"name": "closed", "disable": ["p"]}],
    )
    c = ceiling(r, "closed")
    assert (c.trucks_per_day, c.limiting) == (0, [])
    assert "paths not in use: p (the path is not enabled)" in c.explanation


def test_ceiling_is_rounded_to_one_decimal() -> None:
    """60 / 7 = 8.571...: shown and returned as 8.6."""
    r2 = route(
        [
            node("s", "staging"),
            node("g", hours_per_day=1, service_minutes=7),
            node("r", "reception"),
        ],
        [edge("s", "g"), edge("g", "r")],
    )
    c = ceiling(r2)
    assert c.trucks_per_day == 8.6
    assert c.explanation[-1] == "ceiling: 8.6 trucks/day"


def test_payload_turns_trucks_into_tonnes() -> None:
    r = route(
        [node("s", "staging"), node("g", cap=100), node("r", "reception")],
        [edge("s", "g"), edge("g", "r")],
        payload=17,
    )
    assert (
        ceiling(r).explanation[-1]
        == "ceiling: 100 trucks/day (about 1,700 t/day at 17 t per truck)"
    )


# --- a crossing passed twice: the linear program ------------------------------------------------


def _out_and_back(gate: float, inspection: float) -> list[dict[str, object]]:
    return [
        node("s", "staging"),
        node("gate", "entry", gate),
        node("insp", "inspection", inspection),
        node("r", "reception"),
    ]


OUT_AND_BACK_EDGES = [
    edge("s", "gate"),
    edge("gate", "insp"),
    edge("insp", "gate"),
    edge("gate", "r"),
]
OUT_AND_BACK_PATH = [{"id": "out-and-back", "nodes": ["s", "gate", "insp", "gate", "r"]}]


def test_shared_gate_passed_twice_halves_its_capacity() -> None:
    """Gate 100/day passed twice per truck: at most 50 trucks/day, though inspection takes 80."""
    c = ceiling(route(_out_and_back(100, 80), OUT_AND_BACK_EDGES, OUT_AND_BACK_PATH))
    assert c.method == "lp"
    assert (c.trucks_per_day, c.limiting) == (50, ["gate"])
    assert any("passes gate twice" in line for line in c.explanation)
    assert "trucks/day by path in one best plan: out-and-back 50" in c.explanation
    assert "use of each capacity in that plan: gate 100 of 100, insp 50 of 80" in c.explanation


def test_max_flow_overstates_when_the_two_passes_are_separate_nodes() -> None:
    """Model the two passes as two gates of 100 each and max flow says 80: the shared gate
    (the same gate passed twice) can do only 50."""
    separate = route(
        [
            node("s", "staging"),
            node("gate-out", "entry", 100),
            node("insp", "inspection", 80),
            node("gate-in", "entry", 100),
            node("r", "reception"),
        ],
        [
            edge("s", "gate-out"),
            edge("gate-out", "insp"),
            edge("insp", "gate-in"),
            edge("gate-in", "r"),
        ],
    )
    plain = ceiling(separate)
    shared = ceiling(route(_out_and_back(100, 80), OUT_AND_BACK_EDGES, OUT_AND_BACK_PATH))
    assert (plain.method, plain.trucks_per_day, plain.limiting) == ("max-flow", 80, ["insp"])
    assert (shared.method, shared.trucks_per_day) == ("lp", 50)


def test_shared_gate_not_binding_when_inspection_is_lower() -> None:
    c = ceiling(route(_out_and_back(100, 40), OUT_AND_BACK_EDGES, OUT_AND_BACK_PATH))
    assert (c.trucks_per_day, c.limiting) == (40, ["insp"])


def test_shared_gate_and_inspection_tied() -> None:
    c = ceiling(route(_out_and_back(100, 50), OUT_AND_BACK_EDGES, OUT_AND_BACK_PATH))
    assert (c.trucks_per_day, c.limiting) == (50, ["gate", "insp"])


def test_shared_gate_with_a_second_path_through_it_once() -> None:
    """Path A passes the gate twice, path B once: 2a + b <= 100, a <= 80 (inspection),
    b <= 30 (a second inspection). Best: b = 30, a = 35: 65; gate and insp-b limit."""
    nodes = [*_out_and_back(100, 80), node("insp-b", "inspection", 30)]
    edges = [*OUT_AND_BACK_EDGES, edge("s", "insp-b"), edge("insp-b", "gate")]
    paths = [*OUT_AND_BACK_PATH, {"id": "b", "nodes": ["s", "insp-b", "gate", "r"]}]
    c = ceiling(route(nodes, edges, paths))
    assert c.method == "lp"
    assert (c.trucks_per_day, c.limiting) == (65, ["gate", "insp-b"])


def test_paths_that_meet_use_the_lp() -> None:
    """Listed: s1 > m > a > r and s2 > m > b > r. Their union also holds s1 > m > b > r, which
    max flow would use (105); trucks keep to the listed paths: 10 + 5 = 15."""
    r = route(
        [
            node("s1", "staging", 100),
            node("s2", "staging", 5),
            node("m"),
            node("a", cap=10),
            node("b", cap=100),
            node("r", "reception"),
        ],
        [
            edge("s1", "m"),
            edge("s2", "m"),
            edge("m", "a"),
            edge("m", "b"),
            edge("a", "r"),
            edge("b", "r"),
        ],
        paths=[
            {"id": "p1", "nodes": ["s1", "m", "a", "r"]},
            {"id": "p2", "nodes": ["s2", "m", "b", "r"]},
        ],
    )
    c = ceiling(r)
    assert c.method == "lp"
    assert (c.trucks_per_day, c.limiting) == (15, ["s2", "a"])
    assert any("routes the file does not list" in line for line in c.explanation)
    # Without paths (any route through the network): max flow, 105.
    graph = route(
        [n.model_dump(by_alias=True) for n in r.nodes],
        [e.model_dump(by_alias=True) for e in r.edges],
    )
    assert (ceiling(graph).method, ceiling(graph).trucks_per_day) == ("max-flow", 105)


def test_disjoint_paths_use_max_flow_and_agree_with_the_lp() -> None:
    r = route(
        [node("s", "staging"), node("x", cap=40), node("y", cap=25), node("r", "reception")],
        [edge("s", "x"), edge("s", "y"), edge("x", "r"), edge("y", "r")],
        paths=[{"id": "px", "nodes": ["s", "x", "r"]}, {"id": "py", "nodes": ["s", "y", "r"]}],
    )
    c = ceiling(r)
    assert (c.method, c.trucks_per_day, c.limiting) == ("max-flow", 65, ["x", "y"])
    net = resolve(r)
    value, flows = _solve_lp(net.paths, {"x": 40.0, "y": 25.0})
    assert value == pytest.approx(65)
    assert flows == pytest.approx([40, 25])


# --- capacities from lanes, hours and service time -----------------------------------------------


def test_capacity_formula() -> None:
    """lanes x open hours x 60 / service_minutes x (1 - reject_probability)."""
    r = route(
        [
            node("s", "staging"),
            node(
                "g",
                lanes=2,
                open="08:00",
                close="16:00",
                service_minutes=12,
                reject_probability=0.1,
            ),
            node("r", "reception"),
        ],
        [edge("s", "g"), edge("g", "r")],
    )
    g = r.nodes[1]
    assert node_capacity(g) == pytest.approx(2 * 8 * 60 / 12 * 0.9)  # 72
    c = ceiling(r)
    assert (c.trucks_per_day, c.limiting) == (72, ["g"])
    assert (
        "capacities (trucks/day): g 72 (2 lanes x 8 h x 60 / 12 min x (1 - 0.1))" in c.explanation
    )


def test_capacity_formula_with_hours_per_day_and_24_00() -> None:
    r = route(
        [
            node("s", "staging"),
            node("a", hours_per_day=24, service_minutes=30),
            node(
                "b", lanes=3, open="12:00", close="24:00", service_minutes=60, reject_probability=1
            ),
            node("r", "reception"),
        ],
        [edge("s", "a"), edge("a", "b"), edge("b", "r")],
    )
    assert node_capacity(r.nodes[1]) == 48
    assert node_capacity(r.nodes[2]) == 0  # every truck turned back


def test_stated_capacity_wins_over_the_formula() -> None:
    r = route(
        [
            node("s", "staging"),
            node(
                "g",
                cap=200,
                lanes=10,
                open="08:00",
                close="18:00",
                service_minutes=30,
                reject_probability=0.05,
            ),
            node("r", "reception"),
        ],
        [edge("s", "g"), edge("g", "r")],
    )
    assert node_capacity(r.nodes[1]) == 200
    c = ceiling(r)
    assert c.trucks_per_day == 200
    assert any(
        "g 200 (stated; 10 lanes x 10 h x 60 / 30 min x (1 - 0.05) would give 190)" in line
        for line in c.explanation
    )


def test_no_capacity_without_service_time() -> None:
    assert node_capacity(chain(None, 5).nodes[1]) is None


# --- dated changes and variants ------------------------------------------------------------------


def _dated() -> object:
    return route(
        [
            node("s", "staging"),
            node("rafah", "entry", 100),
            node("ks", "entry", 80, enabled=False),
            node("r", "reception"),
        ],
        [edge("s", "rafah"), edge("rafah", "r"), edge("s", "ks"), edge("ks", "r")],
        changes=[
            {"on": "2023-11-24", "node": "rafah", "set": {"capacity_trucks_per_day": 200}},
            {"on": "2023-12-01", "node": "rafah", "set": {"capacity_trucks_per_day": 100}},
            {"on": "2023-12-17", "enable": "ks"},
        ],
        variants=[
            {"name": "before", "on": "2023-11-01"},
            {"name": "pause", "on": "2023-11-24"},
            {"name": "dec", "on": "2023-12-12"},
            {"name": "ks", "on": "2023-12-17"},
            {"name": "declared"},
            {"name": "lanes", "on": "2023-12-17", "set": {"ks": {"capacity_trucks_per_day": 150}}},
            {"name": "no-rafah", "on": "2023-12-17", "disable": ["rafah"]},
        ],
    )


def test_changes_apply_up_to_the_variant_date() -> None:
    got = {c.variant: (c.trucks_per_day, c.limiting) for c in ceilings(_dated())}  # type: ignore[arg-type]
    assert got == {
        "before": (100, ["rafah"]),
        "pause": (200, ["rafah"]),
        "dec": (100, ["rafah"]),
        "ks": (180, ["rafah", "ks"]),
        "declared": (100, ["rafah"]),
        "lanes": (250, ["rafah", "ks"]),
        "no-rafah": (80, ["ks"]),
    }


def test_explanation_lists_what_was_applied() -> None:
    c = ceiling(_dated(), "ks")  # type: ignore[arg-type]
    assert c.explanation[:4] == [
        "the route on 2023-12-17",
        "applied 2023-11-24: rafah capacity_trucks_per_day = 200",
        "applied 2023-12-01: rafah capacity_trucks_per_day = 100",
        "applied 2023-12-17: enable ks",
    ]


def test_set_hours_per_day_replaces_open_and_close() -> None:
    r = route(
        [
            node("s", "staging"),
            node(
                "g", open="08:00", close="16:00", service_minutes=60, assumption=["open", "close"]
            ),
            node("r", "reception"),
        ],
        [edge("s", "g"), edge("g", "r")],
        variants=[{"name": "base"}, {"name": "all-day", "set": {"g": {"hours_per_day": 24}}}],
    )
    assert [c.trucks_per_day for c in ceilings(r)] == [8, 24]
    net = resolve(r, "all-day")
    assert (net.nodes["g"].open, net.nodes["g"].close, net.nodes["g"].assumption) == (
        None,
        None,
        [],
    )


# --- optional dependencies -----------------------------------------------------------------------


def test_missing_networkx_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(
        MissingExtra, match=r"networkx is not installed: pip install 'truce\[aid\]'"
    ):
        ceiling(chain(10))


def test_missing_scipy_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    with pytest.raises(MissingExtra, match=r"scipy is not installed: pip install 'truce\[aid\]'"):
        ceiling(route(_out_and_back(100, 80), OUT_AND_BACK_EDGES, OUT_AND_BACK_PATH))


def test_loading_a_route_needs_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "networkx", None)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    r = route(_out_and_back(100, 80), OUT_AND_BACK_EDGES, OUT_AND_BACK_PATH)
    assert resolve(r).paths[0].repeated() == ["gate"]
