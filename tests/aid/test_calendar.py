"""The route calendar on small synthetic routes, each event kind computed by hand: an event
with `until`, with `weekdays`, a capacity change, a lanes change, a reception limit, and an
unquantified one; the daily queue model carrying a closed day's queue and draining it; and
the invariants (a day's ceiling never above the route's without its closing events; trucks
dispatched = received + waiting)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.aid.networks import edge, node, route
from truce.aid.ceiling import ceiling
from truce.aid.daily.days import ceiling_on, ceiling_series
from truce.aid.daily.queue import simulate_days
from truce.aid.route import Route
from truce.aid.route.calendar import Fitted, calendar_span
from truce.errors import BadInput, RouteError

SRC = "synthetic: invented for this test"


def two_gates(changes: list[dict[str, Any]], **gate: Any) -> Route:
    """depot -> gate (entry, 100/day: 2 lanes x 10 h x 60 / 12 min) -> camp, and
    depot -> side (entry, 50/day) -> camp; a lasting change gives side 60 from 3 Jan 2024."""
    g = {"lanes": 2, "open": "08:00", "close": "18:00", "service_minutes": 12, **gate}
    return route(
        [
            node("depot", "staging"),
            node("gate", "entry", **g),
            node("side", "entry", cap=50),
            node("camp", "reception"),
        ],
        [edge("depot", "gate"), edge("gate", "camp"), edge("depot", "side"), edge("side", "camp")],
        paths=[
            {"id": "main", "nodes": ["depot", "gate", "camp"]},
            {"id": "other", "nodes": ["depot", "side", "camp"]},
        ],
        changes=[
            {"on": "2024-01-03", "node": "side", "set": {"capacity_trucks_per_day": 60}},
            *changes,
        ],
        variants=[{"name": "v", "on": "2024-01-10"}],
    )


EVENTS: list[dict[str, Any]] = [
    {"on": "2024-01-10", "until": "2024-01-11", "disable": "gate", "source": SRC},
    {"on": "2024-01-01", "weekdays": ["sat"], "disable": "side", "source": SRC},
    {
        "on": "2024-01-15",
        "until": "2024-01-15",
        "node": "gate",
        "set": {"capacity_trucks_per_day": 30},
        "source": SRC,
    },
    {"on": "2024-01-22", "until": "2024-01-22", "node": "gate", "set": {"lanes": 1}, "source": SRC},
    {
        "on": "2024-01-25",
        "until": "2024-01-26",
        "node": "camp",
        "set": {"capacity_trucks_per_day": 70},
        "source": SRC,
        "disputed": "one source says 26 Jan only",
    },
    {"on": "2024-01-05", "unquantified": True, "source": SRC, "note": "no figure given"},
]


def test_each_event_kind_as_computed_by_hand() -> None:
    r = two_gates(EVENTS)
    by_day = {c.day: c for c in ceiling_series(r, date(2024, 1, 2), date(2024, 1, 26))}
    # before the lasting change: gate 100 + side 50
    assert by_day[date(2024, 1, 2)].ceiling == 150.0
    # from 3 Jan: 100 + 60; a plain Thursday
    assert by_day[date(2024, 1, 4)].ceiling == 160.0
    assert by_day[date(2024, 1, 4)].events == []
    # until: gate closed 10-11 Jan, side's 60 alone; back on 12 Jan
    for d in (10, 11):
        c = by_day[date(2024, 1, d)]
        assert (c.ceiling, c.limiting, c.closed, c.unchanged) == (60.0, ["side"], ["gate"], 160.0)
    assert by_day[date(2024, 1, 12)].ceiling == 160.0
    # weekdays: side closed on Saturdays (6, 13, 20 Jan), gate's 100 alone
    for d in (6, 13, 20):
        assert by_day[date(2024, 1, d)].ceiling == 100.0, d
        assert by_day[date(2024, 1, d)].closed == ["side"]
    assert by_day[date(2024, 1, 7)].ceiling == 160.0  # a Sunday
    # capacity change for one day: gate 30 + side 60
    assert by_day[date(2024, 1, 15)].ceiling == 90.0
    # lanes change: 1 lane x 10 h x 60 / 12 min = 50, + side 60
    c22 = by_day[date(2024, 1, 22)]
    assert c22.ceiling == 110.0 and c22.limiting == ["gate", "side"]
    # reception limit: camp 70 binds
    c25 = by_day[date(2024, 1, 25)]
    assert (c25.ceiling, c25.limiting) == (70.0, ["camp"])
    assert [e.disputed for e in c25.events if e.disputed] == ["one source says 26 Jan only"]
    # unquantified: in force from 5 Jan, listed, changes nothing
    c5 = by_day[date(2024, 1, 5)]
    assert c5.ceiling == 160.0
    assert [e.unquantified for e in c5.events] == [True]
    assert "recorded without a figure" in c5.why


def test_variants_apply_lasting_changes_only() -> None:
    # the variant is on 10 Jan, when the gate is closed by an event: a variant is the route as
    # it stands for good, so the event does not apply
    assert ceiling(two_gates(EVENTS), "v").trucks_per_day == 160.0


def test_fitted_values_come_before_the_days_events() -> None:
    r = two_gates(EVENTS)
    fitted = Fitted(date(2024, 1, 9), {"gate": {"capacity_trucks_per_day": 80}})
    assert ceiling_on(r, date(2024, 1, 8), fitted).ceiling == 160.0  # before the fit applies
    assert ceiling_on(r, date(2024, 1, 9), fitted).ceiling == 140.0  # 80 + 60
    assert ceiling_on(r, date(2024, 1, 10), fitted).ceiling == 60.0  # the event still closes it


def test_calendar_span_and_dates_outside_it() -> None:
    r = two_gates(EVENTS)
    assert calendar_span(r) == (date(2024, 1, 1), date(2024, 1, 26))
    with pytest.raises(BadInput, match="outside the route's calendar") as exc:
        ceiling_on(r, date(2023, 12, 31))
    assert exc.value.param == "on"
    with pytest.raises(BadInput, match="is after") as exc2:
        ceiling_series(r, date(2024, 1, 9), date(2024, 1, 2))
    assert exc2.value.param == "from"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"on": "2024-01-10", "until": "2024-01-09", "disable": "gate", "source": SRC},
            "before on",
        ),
        (
            {"on": "2024-01-10", "weekdays": ["saturday"], "disable": "gate", "source": SRC},
            "weekdays",
        ),
        ({"on": "2024-01-10", "until": "2024-01-11", "disable": "gate"}, "needs a source"),
        (
            {"on": "2024-01-10", "unquantified": True, "disable": "gate", "source": SRC},
            "changes nothing",
        ),
        ({"on": "2024-01-10", "weekdays": [], "disable": "gate", "source": SRC}, "at least one"),
    ],
)
def test_bad_events_name_the_change(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RouteError, match=message) as exc:
        two_gates([change])
    assert "change[2]" in str(exc.value)


def queue_route(changes: list[dict[str, Any]]) -> Route:
    """depot -> gate (entry, 100/day) -> camp (reception, 150/day)."""
    return route(
        [
            node("depot", "staging"),
            node("gate", "entry", cap=100),
            node("camp", "reception", cap=150),
        ],
        [edge("depot", "gate"), edge("gate", "camp")],
        paths=[{"id": "p", "nodes": ["depot", "gate", "camp"]}],
        changes=changes,
    )


def test_a_closed_day_carries_its_queue_and_a_reopened_node_drains_it() -> None:
    closed = {"on": "2024-01-10", "until": "2024-01-11", "disable": "camp", "source": SRC}
    r = queue_route([closed])
    sim = simulate_days(r, date(2024, 1, 9), date(2024, 1, 17), replications=2, noise=False)
    got = [int(d.received.mean) for d in sim.days]
    # The gate passes its 100 a day; camp is closed on 10-11 Jan, so 200 wait there. From 12 Jan
    # camp takes 150 a day (the waiting ones first): 150 x 4 drains the 200 by 15 Jan.
    assert got == [100, 0, 0, 150, 150, 150, 150, 100, 100]
    queued = [d.queued.get("camp", 0.0) for d in sim.days]
    assert queued == [0, 100, 200, 150, 100, 50, 0, 0, 0]
    run = sim.runs[0]
    assert sum(run.dispatched) == sum(run.received) + run.waiting_at_end == 900
    assert sim.days[1].entered == {"gate": pytest.approx(sim.days[1].entered["gate"])}
    assert sim.days[1].entered["gate"].mean == 100


def test_noise_gives_an_interval_around_the_capacity() -> None:
    sim = simulate_days(
        queue_route(
            [{"on": "2024-01-01", "until": "2024-01-01", "disable": "gate", "source": SRC}]
        ),
        date(2024, 1, 2),
        date(2024, 1, 31),
        replications=20,
        seed=1,
    )
    means = [d.received.mean for d in sim.days]
    assert 95 < sum(means) / len(means) < 101
    assert all(d.band[0] < d.band[1] for d in sim.days)
    assert (
        simulate_days(
            queue_route(
                [{"on": "2024-01-01", "until": "2024-01-01", "disable": "gate", "source": SRC}]
            ),
            date(2024, 1, 2),
            date(2024, 1, 31),
            replications=20,
            seed=1,
        )
        == sim
    )


# --- invariants -----------------------------------------------------------------------------------

caps = st.integers(min_value=0, max_value=300)
closing = st.fixed_dictionaries(
    {
        "target": st.sampled_from(["a", "b", "c", "camp"]),
        "start": st.integers(min_value=0, max_value=9),
        "length": st.integers(min_value=0, max_value=4),
        "kind": st.sampled_from(["disable", "lower", "sat"]),
        "factor": st.floats(min_value=0, max_value=1),
    }
)


def random_route(c: list[int], events: list[dict[str, Any]]) -> tuple[Route, Route]:
    """Two paths sharing reception: depot > a > b > camp and depot > c > camp; the route with
    closing events, and the same without them."""
    base = date(2024, 3, 1)
    current = dict(zip(["a", "b", "c", "camp"], c, strict=True))
    # two no-op lasting changes mark the calendar's span, 1-14 Mar 2024
    lasting: list[dict[str, Any]] = [
        {"on": "2024-03-01", "enable": "a"},
        {"on": "2024-03-14", "enable": "a"},
    ]
    changes = list(lasting)
    for e in events:
        on = base + timedelta(days=e["start"])
        ch: dict[str, Any] = {"on": on.isoformat(), "source": SRC}
        if e["kind"] == "sat":
            ch["weekdays"] = ["sat"]
        else:
            ch["until"] = (on + timedelta(days=e["length"])).isoformat()
        if e["kind"] == "lower":
            ch["node"] = e["target"]
            ch["set"] = {"capacity_trucks_per_day": current[e["target"]] * e["factor"]}
        else:
            ch["disable"] = e["target"]
        changes.append(ch)
    nodes = [
        node("depot", "staging"),
        node("a", "inspection", cap=current["a"]),
        node("b", "entry", cap=current["b"]),
        node("c", "entry", cap=current["c"]),
        node("camp", "reception", cap=current["camp"]),
    ]
    edges = [
        edge("depot", "a"),
        edge("a", "b"),
        edge("b", "camp"),
        edge("depot", "c"),
        edge("c", "camp"),
    ]
    paths = [
        {"id": "p1", "nodes": ["depot", "a", "b", "camp"]},
        {"id": "p2", "nodes": ["depot", "c", "camp"]},
    ]
    return route(nodes, edges, paths, changes), route(nodes, edges, paths, lasting)


@settings(max_examples=40, deadline=None)
@given(st.lists(caps, min_size=4, max_size=4), st.lists(closing, max_size=4))
def test_a_days_ceiling_never_exceeds_the_route_without_its_closing_events(
    c: list[int], events: list[dict[str, Any]]
) -> None:
    with_events, without = random_route(c, events)
    start, end = date(2024, 3, 1), date(2024, 3, 14)
    closed = ceiling_series(with_events, start, end)
    plain = {d.day: d.ceiling for d in ceiling_series(without, start, end)}
    for d in closed:
        assert d.ceiling <= d.unchanged + 1e-6
        assert d.unchanged == plain[d.day]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(caps, min_size=4, max_size=4),
    st.lists(closing, max_size=4),
    st.integers(min_value=0, max_value=10**6),
    st.booleans(),
)
def test_queue_conservation_dispatched_is_received_plus_waiting(
    c: list[int], events: list[dict[str, Any]], seed: int, noise: bool
) -> None:
    r, _ = random_route(c, events)
    sim = simulate_days(
        r, date(2024, 3, 1), date(2024, 3, 14), replications=2, seed=seed, noise=noise
    )
    for run in sim.runs:
        assert sum(run.dispatched) == sum(run.received) + run.waiting_at_end
        assert sum(run.queued[-1].values()) == run.waiting_at_end
        assert all(x >= 0 for x in run.received)
