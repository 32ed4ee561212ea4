"""How the simulation lays out a variant: a station per node (and per edge with a capacity),
and the legs of each path trucks may take."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

from truce.aid.queue.settings import DAY, QueueSettings
from truce.aid.route.network import Network
from truce.aid.route.schema import Node
from truce.errors import BadInput


@dataclass(frozen=True)
class Station:
    """How the simulation reads one node (or one edge with a capacity).

    ``service_minutes`` is None for a node passed without delay. ``basis`` says where the
    service time comes from: ``"service_minutes"``, ``"capacity"`` (derived from the stated
    capacity, lanes and hours), ``"none"`` (no delay) or ``"closed"`` (capacity 0).
    """

    id: str
    kind: str  # the node's kind, or "edge"
    lanes: int
    open_minute: float
    close_minute: float
    service_minutes: float | None
    service_cv: float
    reject_probability: float
    daily_quota: float | None  # most trucks started per day (stated capacity and service time)
    basis: str

    @property
    def open_minutes(self) -> float:
        """Minutes open per day."""
        return self.close_minute - self.open_minute

    @property
    def served_per_day(self) -> float:
        """Trucks the lanes can serve per day, busy all their open hours (inf: no delay)."""
        if self.basis == "closed":
            return 0.0
        if self.service_minutes is None:
            return math.inf
        rate = self.lanes * self.open_minutes / self.service_minutes
        return rate if self.daily_quota is None else min(rate, self.daily_quota)


def _window(node: Node) -> tuple[float, float]:
    if node.open is not None and node.close is not None:
        oh, om = node.open.split(":")
        ch, cm = node.close.split(":")
        return float(int(oh) * 60 + int(om)), float(int(ch) * 60 + int(cm))
    if node.hours_per_day is not None:
        return 0.0, node.hours_per_day * 60
    return 0.0, DAY


def station_of(node: Node, default_cv: float = 1.0) -> Station:
    """The station the simulation makes of a node."""
    o, c = _window(node)
    p = node.reject_probability
    cv = node.service_cv if node.service_cv is not None else default_cv
    cap = node.capacity_trucks_per_day
    quota: float | None = None
    if node.service_minutes is not None:
        mean: float | None = node.service_minutes
        basis = "service_minutes"
        if cap is not None:
            quota = cap / (1 - p) if p < 1 else cap
            if quota <= 0:
                basis = "closed"
    elif cap is not None:
        if cap <= 0:
            mean, basis = None, "closed"
        else:
            served = cap / (1 - p) if p < 1 else cap
            mean, basis = node.lanes * (c - o) / served, "capacity"
    else:
        mean, basis, cv = None, "none", 0.0
    return Station(node.id, node.kind, node.lanes, o, c, mean, cv, p, quota, basis)


def _edge_station(key: str, cap: float) -> Station:
    if cap <= 0:
        return Station(key, "edge", 1, 0.0, DAY, None, 0.0, 0.0, None, "closed")
    return Station(key, "edge", 1, 0.0, DAY, DAY / cap, 0.0, 0.0, None, "capacity")


def _paths(net: Network) -> list[tuple[str, list[str]]]:
    """(id, node ids) of the paths trucks may take."""
    if net.by_paths:
        return [(p.id, list(p.nodes)) for p in net.paths]
    succ: dict[str, list[str]] = {}
    for e in net.enabled_edges():
        succ.setdefault(e.from_, []).append(e.to)
    out: list[tuple[str, list[str]]] = []
    starts = [n.id for n in net.enabled_nodes() if n.kind == "staging"]
    limit = 64

    def walk(trail: list[str]) -> None:
        here = trail[-1]
        if net.nodes[here].kind == "reception":
            out.append((" > ".join(trail), list(trail)))
            if len(out) > limit:
                raise BadInput(
                    f"variant {net.variant!r}: more than {limit} routes from staging to "
                    "reception; list the ones trucks take as [[path]] tables"
                )
            return
        for nxt in succ.get(here, []):
            if nxt not in trail:
                walk([*trail, nxt])

    for s in starts:
        walk([s])
    return out


@dataclass(frozen=True)
class Leg:
    """One step of a path: travel to a station, then its queue and service."""

    travel: float  # minutes to reach the station
    station: int  # index into the stations
    visit: int = 0  # earlier passes of this path through the station


@dataclass(frozen=True)
class TruckPath:
    """A path as the simulation runs it: its legs, travel time, and passes per station."""

    id: str
    staging: str
    legs: tuple[Leg, ...]
    travel_days: float
    passes: tuple[tuple[int, int], ...]  # (station, passes)


def lay_out(net: Network, settings: QueueSettings) -> tuple[list[Station], list[TruckPath]]:
    """The stations of a variant and the paths trucks may take through them."""
    stations: list[Station] = []
    index: dict[str, int] = {}

    def station(key: str) -> int:
        if key not in index:
            if key in net.nodes:
                stations.append(station_of(net.nodes[key], settings.default_cv))
            else:
                cap = net.edges[key].capacity_trucks_per_day
                assert cap is not None
                stations.append(_edge_station(key, cap))
            index[key] = len(stations) - 1
        return index[key]

    paths: list[TruckPath] = []
    for pid, nodes in _paths(net):
        legs: list[Leg] = [Leg(0.0, station(nodes[0]))]
        travel = 0.0
        for a, b in pairwise(nodes):
            e = net.edges[f"{a}->{b}"]
            minutes = (e.hours or 0.0) * 60
            travel += minutes
            if e.capacity_trucks_per_day is not None:
                legs.append(Leg(minutes, station(e.key)))
                minutes = 0.0
            legs.append(Leg(minutes, station(b)))
        counts: dict[int, int] = {}
        for j, leg in enumerate(legs):
            legs[j] = Leg(leg.travel, leg.station, counts.get(leg.station, 0))
            counts[leg.station] = counts.get(leg.station, 0) + 1
        paths.append(TruckPath(pid, nodes[0], tuple(legs), travel / DAY, tuple(counts.items())))
    if isinstance(settings.routing, Mapping):
        ids = [p.id for p in paths]
        for pid in settings.routing:
            if pid not in ids:
                raise BadInput(
                    f"routing names path {pid!r}, which is not in use in variant "
                    f"{net.variant!r} (paths in use: {', '.join(ids) or 'none'})"
                )
    if not paths:
        raise BadInput(f"variant {net.variant!r}: no path from staging to reception is in use")
    return stations, paths
