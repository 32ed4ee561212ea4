"""The daily queue model: the route's calendar run day by day, with queues carried over.

The SimPy simulation (``truce.aid.queue``) runs one variant, minute by minute. Over a calendar the
route changes by the day, and the observed series is daily, so this model steps a day at a time:

- **Dispatch**: each day every path in use receives, at staging, the trucks of one best plan of
  the route *as it stands for good* that day (``path_plan`` of ``RouteDay.lasting``): senders keep
  sending at the usual rate while an event closes a crossing (queues were reported throughout,
  aid-capacities-2023-24.md). Fractions carry to the next day, so the long-run rate is the plan's.
- **Stations**: every node and edge with a capacity on the paths. On a day a station serves a
  Poisson number of trucks with mean its capacity on that day (the count a busy station with
  exponential service times, the SimPy model's default, passes in a day); 0 if an event closes
  it; nodes without a capacity pass every truck. Rejections are in the capacity, as in the ceiling.
- **Queues**: trucks that a station does not serve wait in its queue, by path and position. Each
  day the trucks already waiting are served first (split among paths in proportion to their
  queues), then the day's new arrivals in path order; a truck may pass several stations in a day.
  A closed day carries its queue; a reopened crossing drains it as fast as its capacity allows.
- **Replications**: one ``numpy`` generator each from ``SeedSequence(seed).spawn(n)``; the same
  seed gives the same series. Per day: the mean over replications with a 95% t-interval, and
  the 2.5-97.5 percentile band of the replications (where one day is expected to fall).

Conservation holds per replication: trucks dispatched = trucks received + trucks waiting at the
end. Model results from the route file's figures, not findings about any party.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from truce.aid.ceiling import path_plan
from truce.aid.daily.days import days_between
from truce.aid.queue.process import require_numpy
from truce.aid.queue.stats import Estimate, estimate
from truce.aid.route.calendar import Fitted, Overrides, RouteDay, day_key, route_on
from truce.aid.route.capacity import node_capacity
from truce.aid.route.network import Network
from truce.aid.route.schema import Route
from truce.errors import BadInput

_INF = math.inf


@dataclass(frozen=True)
class DaySim:
    """One day over the replications: trucks received and entered by entry node."""

    day: date
    received: Estimate  # mean with its 95% t-interval
    band: tuple[float, float]  # 2.5 and 97.5 percentiles over the replications
    entered: dict[str, Estimate]  # by node of kind "entry"
    queued: dict[str, float]  # mean trucks waiting at each station at the day's end
    dispatched: float  # mean trucks sent from staging that day


@dataclass(frozen=True)
class DailyRun:
    """One replication: daily counts and the totals that conservation ties together."""

    received: tuple[int, ...]
    entered: dict[str, tuple[int, ...]]
    queued: tuple[dict[str, int], ...]
    dispatched: tuple[int, ...]
    waiting_at_end: int


@dataclass(frozen=True)
class DailySimulation:
    """The daily queue model over ``days``: per day, and each replication."""

    days: list[DaySim]
    runs: list[DailyRun]
    replications: int
    seed: int


@dataclass(frozen=True)
class _Day:
    """What a replication needs from one calendar day (shared by days with the same route)."""

    plan: dict[str, float]  # path -> trucks/day dispatched
    caps: dict[str, float]  # station -> capacity today (inf: no limit; 0: closed)
    moving: frozenset[str]  # paths whose trucks may move today


def _stations(net: Network) -> dict[str, float]:
    caps: dict[str, float] = {}
    for p in net.route.paths:
        for n in p.nodes:
            node = net.nodes[n]
            cap = node_capacity(node)
            caps[n] = 0.0 if not node.enabled else (_INF if cap is None else cap)
        for k in p.edge_keys():
            e = net.edges[k]
            if e.capacity_trucks_per_day is not None or not e.enabled:
                caps[k] = 0.0 if not e.enabled else e.capacity_trucks_per_day or 0.0
    return caps


def _moving(rd: RouteDay) -> frozenset[str]:
    """Paths whose trucks may move today: the path and its edges enabled (a closed node is a
    station with capacity 0, where they wait)."""
    edges = rd.network.edges
    return frozenset(
        pid
        for pid, p in rd.paths.items()
        if p.enabled and all(edges[k].enabled for k in p.edge_keys())
    )


def _okey(values: Overrides | None) -> tuple[object, ...]:
    return tuple(sorted((k, tuple(sorted(v.items()))) for k, v in (values or {}).items()))


def plan(route: Route, dates: list[date], fitted: Fitted | None, where: str) -> list[_Day]:
    """What each day needs: the dispatch plan, station capacities and paths that move; computed
    once per distinct route state."""
    memo: dict[tuple[object, ...], _Day] = {}
    out: list[_Day] = []
    for d in dates:
        overrides = fitted.on(d) if fitted is not None else None
        key = (day_key(route, d), _okey(overrides))
        if key not in memo:
            rd = route_on(route, d, overrides, where=where)
            memo[key] = _Day(
                path_plan(rd.lasting) if rd.lasting.paths else {},
                _stations(rd.network),
                _moving(rd),
            )
        out.append(memo[key])
    return out


def _split(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder; ties to the first)."""
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    if total >= whole:
        return list(weights)
    raw = [total * w / whole for w in weights]
    out = [int(r) for r in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


def simulate_days(
    route: Route,
    start: date,
    end: date,
    *,
    fitted: Fitted | None = None,
    replications: int = 20,
    seed: int = 0,
    where: str = "<route>",
    noise: bool = True,
) -> DailySimulation:
    """Run the daily queue model from ``start`` to ``end`` (inclusive); queues start empty.
    ``noise = False`` serves exactly each station's capacity (rounded down) every day, for
    checks by hand."""
    if not route.paths:
        raise BadInput(
            "the daily queue model needs [[path]] tables: the ways trucks go", where=where
        )
    if replications < 2:
        raise BadInput(f"replications must be at least 2, got {replications}", param="replications")
    np_ = require_numpy()
    dates = days_between(start, end)
    plan_days = plan(route, dates, fitted, where)
    kinds = {n.id: n.kind for n in route.nodes}
    entries = sorted({n for p in route.paths for n in p.nodes if kinds[n] == "entry"})
    children = np_.random.SeedSequence(seed).spawn(replications)
    runs = [_run(route, plan_days, np_.random.default_rng(c), noise) for c in children]
    out: list[DaySim] = []
    for j, d in enumerate(dates):
        vals = [float(r.received[j]) for r in runs]
        lo, hi = (float(x) for x in np_.percentile(vals, [2.5, 97.5]))
        stations = sorted({k for r in runs for k in r.queued[j]})
        out.append(
            DaySim(
                day=d,
                received=estimate(vals),
                band=(lo, hi),
                entered={e: estimate([float(r.entered[e][j]) for r in runs]) for e in entries},
                queued={
                    s: math.fsum(r.queued[j].get(s, 0) for r in runs) / len(runs) for s in stations
                },
                dispatched=math.fsum(r.dispatched[j] for r in runs) / len(runs),
            )
        )
    return DailySimulation(out, runs, replications, seed)


class _Replication:
    """One replication: the queues by (path, position), stepped a day at a time."""

    def __init__(self, route: Route, days: int, rng: Any, noise: bool = True) -> None:
        self.noise = noise
        self.nodes = {p.id: list(p.nodes) for p in route.paths}
        self.edge_into = {
            p.id: [None, *(f"{a}->{b}" for a, b in pairwise(p.nodes))] for p in route.paths
        }
        kinds = {n.id: n.kind for n in route.nodes}
        self.is_entry = {n: k == "entry" for n, k in kinds.items()}
        self.entries = sorted({n for p in route.paths for n in p.nodes if self.is_entry[n]})
        self.rng = rng
        self.queue: dict[tuple[str, int], int] = {}
        self.carry = dict.fromkeys(self.nodes, 0.0)
        self.entered = {e: [0] * days for e in self.entries}
        self.received: list[int] = []
        self.queued: list[dict[str, int]] = []
        self.dispatched: list[int] = []

    def _stations(self, g: tuple[str, int], day: _Day) -> list[str]:
        """The stations a truck clears at position ``g[1]`` of path ``g[0]``: the edge into it
        (where it has a capacity), then the node."""
        pid, k = g
        edge = self.edge_into[pid][k]
        out = [edge] if edge is not None and edge in day.caps else []
        out.append(self.nodes[pid][k])
        return out

    def _serve(
        self,
        j: int,
        day: _Day,
        budget: dict[str, float],
        pool: dict[tuple[str, int], int],
        onward: dict[tuple[str, int], int],
    ) -> int:
        """Serve the groups in ``pool`` whose path moves today, station by station, in
        proportion to their trucks; served trucks go to ``onward`` (or are received). Returns
        the trucks received."""
        got = 0
        by_gate: dict[str, list[tuple[str, int]]] = {}
        for g in sorted(pool):
            if g[0] in day.moving and pool[g] > 0:
                by_gate.setdefault("|".join(self._stations(g, day)), []).append(g)
        for groups in by_gate.values():
            stations = self._stations(groups[0], day)
            room = min(budget.get(s, _INF) for s in stations)
            want = [pool[g] for g in groups]
            take = want if math.isinf(room) else _split(int(room), want)
            for g, t in zip(groups, take, strict=True):
                if t <= 0:
                    continue
                pool[g] -= t
                for s in stations:
                    budget[s] = budget.get(s, _INF) - t
                pid, k = g
                node = self.nodes[pid][k]
                if self.is_entry[node]:
                    self.entered[node][j] += t
                if k + 1 >= len(self.nodes[pid]):
                    got += t
                else:
                    onward[(pid, k + 1)] = onward.get((pid, k + 1), 0) + t
        for g in [g for g, n in pool.items() if n <= 0]:
            del pool[g]
        return got

    def step(self, j: int, day: _Day) -> None:
        """Day ``j``: dispatch, serve the waiting trucks, then sweep the day's new ones."""
        budget: dict[str, float] = {}
        for s, cap in day.caps.items():
            if math.isinf(cap):
                budget[s] = cap
            else:
                draw = self.rng.poisson(cap) if self.noise else math.floor(cap + 1e-9)
                budget[s] = float(draw) if cap > 0 else 0.0
        fresh: dict[tuple[str, int], int] = {}
        sent = 0
        for pid, rate in day.plan.items():
            want = rate + self.carry[pid]
            n = math.floor(want + 1e-9)
            self.carry[pid] = max(0.0, want - n)
            if n > 0:
                fresh[(pid, 0)] = n
                sent += n
        onward: dict[tuple[str, int], int] = {}
        got = self._serve(j, day, budget, self.queue, onward)
        for g, n in onward.items():
            fresh[g] = fresh.get(g, 0) + n
        while True:
            onward = {}
            got += self._serve(j, day, budget, fresh, onward)
            if not onward:
                break
            for g, n in onward.items():
                fresh[g] = fresh.get(g, 0) + n
        for g, n in fresh.items():
            if n > 0:
                self.queue[g] = self.queue.get(g, 0) + n
        at: dict[str, int] = {}
        for (pid, k), n in self.queue.items():
            node = self.nodes[pid][k]
            at[node] = at.get(node, 0) + n
        self.received.append(got)
        self.dispatched.append(sent)
        self.queued.append(at)

    def result(self) -> DailyRun:
        """What the replication gives."""
        return DailyRun(
            received=tuple(self.received),
            entered={e: tuple(v) for e, v in self.entered.items()},
            queued=tuple(self.queued),
            dispatched=tuple(self.dispatched),
            waiting_at_end=sum(self.queue.values()),
        )


def _run(route: Route, plan_days: list[_Day], rng: Any, noise: bool) -> DailyRun:
    """One replication over the days."""
    rep = _Replication(route, len(plan_days), rng, noise)
    for j, day in enumerate(plan_days):
        rep.step(j, day)
    return rep.result()
