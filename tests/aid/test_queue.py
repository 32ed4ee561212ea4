"""The queue simulation (truce.aid.queue): M/M/c and M/G/1 closed forms, opening hours,
seeded reproducibility, the shared crossing, rejections, and the shipped Gaza route."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from typing import Any

import numpy  # noqa: F401  (the dev extra installs the aid dependencies: no skipping)
import pytest
import simpy  # noqa: F401

from tests.aid.networks import edge, node, route
from tests.conftest import EXAMPLES
from truce.aid.queue import (
    QueueSettings,
    estimate,
    saturating_backlog,
    simulate,
    simulate_variant,
    station_of,
    stations,
    t975,
)
from truce.aid.route import Network, load_route, resolve
from truce.errors import BadInput, MissingExtra

ROUTE = EXAMPLES / "gaza-2023" / "route.toml"


def one_node(**q: Any) -> Network:
    """staging s -> q -> reception r, no travel; q's keys as given."""
    r = route(
        [node("s", "staging"), node("q", "inspection", **q), node("r", "reception")],
        [edge("s", "q"), edge("q", "r")],
    )
    return resolve(r)


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c (same time unit as 1/lam), by Erlang's C formula."""
    a = lam / mu
    rho = a / c
    below = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (below + top)
    return p_wait / (c * mu - lam)


# --- closed forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(("lanes", "days"), [(1, 400), (3, 150)])
def test_mmc_wait_and_utilisation_match_erlang_c(lanes: int, days: int) -> None:
    mu = 24.0  # per day: 60-minute service
    lam = 0.7 * lanes * mu
    net = one_node(lanes=lanes, open="00:00", close="24:00", service_minutes=60, service_cv=1.0)
    sim = simulate(
        net,
        QueueSettings(days=days, warmup_days=5, arrivals_per_day=lam, replications=16, seed=11),
    )
    q = sim.nodes["q"]
    wq_hours = erlang_c_wait(lam, mu, lanes) * 24
    assert q.wait_mean_hours is not None
    got = q.wait_mean_hours
    # about 3% standard error here; 10% is more than three of them
    assert abs(got.mean - wq_hours) / wq_hours < 0.10, (got, wq_hours)
    half = got.high - got.mean
    assert abs(got.mean - wq_hours) < 2 * half, (got, wq_hours)
    assert q.utilisation is not None
    assert q.utilisation.mean == pytest.approx(lam / (lanes * mu), abs=0.015)
    # Little's law for the queue: Lq = lambda x Wq
    assert q.queue_mean.mean == pytest.approx(lam / 24 * got.mean, rel=0.05)
    assert sim.received_per_day.mean == pytest.approx(lam, rel=0.02)


@pytest.mark.parametrize("distribution", ["gamma", "lognormal"])
def test_mg1_wait_matches_pollaczek_khinchine(distribution: str) -> None:
    cv, mu = 0.5, 24.0
    lam = 0.7 * mu
    net = one_node(open="00:00", close="24:00", service_minutes=60, service_cv=cv)
    sim = simulate(
        net,
        QueueSettings(
            days=300,
            warmup_days=5,
            arrivals_per_day=lam,
            replications=10,
            seed=5,
            distribution=distribution,  # type: ignore[arg-type]
        ),
    )
    rho = lam / mu
    wq_hours = rho * (1 + cv**2) / (2 * mu * (1 - rho)) * 24
    q = sim.nodes["q"]
    assert q.wait_mean_hours is not None
    assert abs(q.wait_mean_hours.mean - wq_hours) / wq_hours < 0.10


# --- opening hours, deterministic service, quotas -----------------------------------------------


def test_deterministic_service_in_opening_hours_passes_exactly_16_a_day() -> None:
    net = one_node(lanes=1, open="08:00", close="16:00", service_minutes=30, service_cv=0)
    sim = simulate(net, QueueSettings(days=5, backlog=500, replications=2, seed=1))
    for rep in sim.replications:
        assert rep.received_daily == (16, 16, 16, 16, 16)
        q = rep.nodes["q"]
        assert q.utilisation == pytest.approx(1.0)
        # trucks wait overnight: the first waits 8 h, the last of day 5 waits 4 days 15.5 h
        assert q.queue_at_day_end == (500 - 16, 500 - 32, 500 - 48, 500 - 64, 500 - 80)
    assert sim.received_per_day == estimate([16.0, 16.0])
    assert sim.received_per_day.low == sim.received_per_day.high == 16
    assert sim.backlog_cleared_day is None
    assert sim.backlog_uncleared == 2


def test_a_stated_capacity_caps_the_trucks_started_per_day() -> None:
    # lanes x hours x 60 / service would be 16 a day; the stated capacity is 10
    net = one_node(
        capacity_trucks_per_day=10,
        open="08:00",
        close="16:00",
        service_minutes=30,
        service_cv=0,
    )
    sim = simulate(net, QueueSettings(days=4, backlog=100, replications=1))
    assert sim.replications[0].received_daily == (10, 10, 10, 10)


def test_a_capacity_without_service_time_gives_the_service_time() -> None:
    n = resolve(route([node("s", "staging", cap=120), node("r", "reception")], [edge("s", "r")]))
    st = station_of(n.nodes["s"])
    assert (st.basis, st.service_minutes, st.served_per_day) == ("capacity", 12.0, 120.0)
    sim = simulate(n, QueueSettings(days=3, backlog=1000, replications=1, default_cv=0))
    # one lane, 12 minutes a truck from 00:00: the 120th of a day is through at midnight
    assert sim.replications[0].received_daily == (119, 120, 120)
    free = station_of(n.nodes["r"])
    assert free.basis == "none" and math.isinf(free.served_per_day)


def test_the_backlog_clears_and_travel_takes_km_over_kmh() -> None:
    r = route(
        [
            node("s", "staging"),
            node("q", "entry", hours_per_day=24, service_minutes=60, service_cv=0),
            node("r", "reception"),
        ],
        [edge("s", "q", km=70, kmh=35), edge("q", "r")],
    )
    sim = simulate(resolve(r), QueueSettings(days=3, backlog=24, replications=1))
    rep = sim.replications[0]
    # 2 h on the road, then 24 trucks of 1 h each, through at 03:00, 04:00, ..., 26:00
    assert rep.backlog_cleared_day == pytest.approx(26 / 24)
    assert rep.received_daily == (21, 3, 0)
    assert rep.entered_per_day == {"q": 8.0}
    assert sim.backlog_cleared_day is not None
    assert sim.backlog_cleared_day.mean == pytest.approx(26 / 24)
    assert rep.nodes["q"].wait_mean_hours == pytest.approx(sum(range(24)) / 24)


# --- seeds --------------------------------------------------------------------------------------


def test_same_seed_same_results_other_seed_other_results() -> None:
    net = resolve(load_route(ROUTE), "ks-entry")
    settings = QueueSettings(days=4, arrivals_per_day=150, backlog=200, replications=3, seed=7)
    a = simulate(net, settings)
    b = simulate(net, settings)
    assert a == b
    assert [r.received_daily for r in a.replications] == [r.received_daily for r in b.replications]
    c = simulate(net, replace(settings, seed=8))
    assert [r.received_daily for r in a.replications] != [r.received_daily for r in c.replications]
    # the replications of a seed do not depend on how many there are
    two = simulate(net, replace(settings, replications=2))
    assert two.replications == a.replications[:2]
    # and differ from one another
    assert a.replications[0].received_daily != a.replications[1].received_daily


# --- the shared crossing ------------------------------------------------------------------------


def shared_route(passes: int) -> Network:
    """s > x > y (> x) > r: x passes 100 trucks/day (1 lane, 14.4 min, deterministic)."""
    nodes = [
        node("s", "staging"),
        node("x", "other", hours_per_day=24, service_minutes=14.4, service_cv=0),
        node("y", "inspection"),
        node("r", "reception"),
    ]
    if passes == 2:
        edges = [edge("s", "x"), edge("x", "y"), edge("y", "x"), edge("x", "r")]
        path = ["s", "x", "y", "x", "r"]
    else:
        edges = [edge("s", "x"), edge("x", "y"), edge("y", "r")]
        path = ["s", "x", "y", "r"]
    return resolve(route(nodes, edges, paths=[{"id": "p", "nodes": path}]))


def test_a_path_through_a_node_twice_halves_what_it_passes() -> None:
    settings = QueueSettings(days=6, backlog=2000, replications=1)
    once = simulate(shared_route(1), settings)
    twice = simulate(shared_route(2), settings)
    assert once.received_per_day.mean == pytest.approx(100, abs=1)
    assert twice.received_per_day.mean == pytest.approx(50, abs=1)
    # both passes are served by the one node: it serves 100 a day either way
    assert twice.nodes["x"].passed_per_day.mean == pytest.approx(100, abs=1)
    # plain FIFO: the way-back passes queue behind the whole backlog, so almost nothing arrives
    fifo = simulate(shared_route(2), replace(settings, later_pass_first=False))
    assert fifo.received_per_day.mean < 5


# --- rejections ---------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.3])
def test_the_accepted_share_is_one_minus_the_reject_probability(p: float) -> None:
    net = one_node(
        lanes=2, hours_per_day=24, service_minutes=10, service_cv=1, reject_probability=p
    )
    sim = simulate(
        net, QueueSettings(days=30, arrivals_per_day=200, replications=4, on_reject="leave")
    )
    served = sum(r.nodes["q"].served for r in sim.replications)
    passed = sum(r.nodes["q"].passed for r in sim.replications)
    assert passed / served == pytest.approx(1 - p, abs=0.015)
    assert sim.left.mean == pytest.approx(sim.rejected.mean)
    assert sim.returned.mean == 0
    assert sim.received_per_day.mean == pytest.approx(200 * (1 - p), rel=0.03)


def test_rejected_trucks_return_to_staging_and_come_back() -> None:
    net = one_node(hours_per_day=24, service_minutes=10, service_cv=0, reject_probability=0.25)
    sim = simulate(net, QueueSettings(days=20, arrivals_per_day=60, replications=3, seed=2))
    assert sim.returned.mean == sim.rejected.mean > 0
    assert sim.left.mean == 0
    # every truck is received in the end: what arrives is what gets through
    assert sim.received_per_day.mean == pytest.approx(60, rel=0.05)
    served = sum(r.nodes["q"].served for r in sim.replications)
    rejected = sum(r.nodes["q"].rejected for r in sim.replications)
    assert rejected / served == pytest.approx(0.25, abs=0.02)


# --- the shipped route --------------------------------------------------------------------------


def test_every_shipped_variant_simulates_within_its_ceiling() -> None:
    import importlib

    ceiling_mod = importlib.import_module("truce.aid.ceiling")

    r = load_route(ROUTE)
    for name in r.variant_names():
        net = resolve(r, name)
        days = 8
        settings = QueueSettings(
            days=days, warmup_days=1, backlog=saturating_backlog(net, days), replications=4
        )
        sim = simulate_variant(r, name, settings)
        got = sim.received_per_day
        limit = ceiling_mod.ceiling(r, name).trucks_per_day
        assert got.mean > 0.8 * limit, (name, got, limit)
        assert got.low <= limit * 1.02, (name, got, limit)
        assert sum(e.mean for e in sim.entered_per_day.values()) == pytest.approx(got.mean)
        for n in sim.nodes.values():
            if n.utilisation is not None:
                assert 0 <= n.utilisation.mean <= 1 + 1e-9


def test_stations_of_the_shipped_route() -> None:
    net = resolve(load_route(ROUTE), "oct-nov")
    by_id = {s.id: s for s in stations(net)}
    assert list(by_id) == ["arish", "rafah-eg", "nitzana", "rafah-entry", "gaza-reception"]
    nitzana = by_id["nitzana"]
    assert (nitzana.lanes, nitzana.open_minute, nitzana.close_minute) == (10, 480, 1080)
    assert nitzana.basis == "service_minutes"
    assert nitzana.served_per_day == pytest.approx(200)
    assert by_id["rafah-entry"].service_minutes == pytest.approx(14.4)


# --- settings, intervals, the missing extra -----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"backlog": 0, "arrivals_per_day": 0}, "no trucks"),
        ({"days": 0}, "days must be"),
        ({"warmup_days": 10}, "warmup_days"),
        ({"replications": 0}, "replications"),
        ({"on_reject": "vanish"}, "on_reject"),
        ({"routing": {"nowhere": 1.0}}, "routing names path 'nowhere'"),
        ({"routing": {"p": 0.0}}, "at least one above 0"),
    ],
)
def test_bad_settings_are_refused(change: dict[str, Any], words: str) -> None:
    base = {"days": 2, "backlog": 5, "replications": 1}
    with pytest.raises(BadInput, match=words):
        simulate(shared_route(1), QueueSettings(**{**base, **change}))


def test_routing_shares_split_trucks_between_paths() -> None:
    r = load_route(ROUTE)
    net = resolve(r, "pre-war")
    sim = simulate(
        net,
        QueueSettings(
            days=10,
            arrivals_per_day=300,
            replications=2,
            routing={"pre-war-rafah": 1, "pre-war-kerem-shalom": 2},
        ),
    )
    by_path = sim.by_path_per_day
    assert by_path["pre-war-rafah"].mean == pytest.approx(100, rel=0.1)
    assert by_path["pre-war-kerem-shalom"].mean == pytest.approx(200, rel=0.1)


def test_t_quantiles_and_intervals() -> None:
    import scipy.stats as stats

    for df in (1, 2, 5, 19, 30, 31, 40, 100, 1000):
        assert t975(df) == pytest.approx(float(stats.t.ppf(0.975, df)), abs=1e-6)
    e = estimate([1.0, 2.0, 3.0])
    assert (e.mean, e.n) == (2.0, 3)
    assert e.high - e.mean == pytest.approx(t975(2) * 1 / math.sqrt(3))
    assert estimate([4.0]) == estimate([4.0])


def test_without_simpy_the_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "simpy", None)
    with pytest.raises(MissingExtra, match=r"simpy.*truce\[aid\]"):
        simulate(shared_route(1), QueueSettings(days=1, backlog=1, replications=1))
