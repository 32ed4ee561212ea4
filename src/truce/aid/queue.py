"""The queue simulation of a route variant (SimPy): realised trucks per day, queues, waits.

The ceiling (``truce.aid.ceiling``) says what a variant could carry at most. This module says
what it carries when trucks arrive at random, wait in queues, are served one at a time per lane
during opening hours with a random service time, and are sometimes turned back:

- Trucks **arrive** at staging as a Poisson stream (``arrivals_per_day``) and/or wait there as a
  **backlog** at day 0. Each truck takes one of the variant's paths (for a route without
  [[path]] tables: every simple route from a staging node to a reception node) and **travels**
  each edge in ``km / kmh`` hours (0 when either is missing; roads have no queue).
- Each node on the path is a **station**: ``lanes`` servers (one ``simpy.Resource``), FIFO. A
  lane starts a truck only while the node is open (``[open, close)`` every day; trucks wait
  overnight); a service that has started runs to its end. A path that passes a node twice uses
  the same resource both times: the passes share the node's lanes (the shared crossing). There,
  by default, a truck on a later pass goes before trucks on an earlier pass (so that a queue on
  the way out does not hold up trucks on the way back in); ``later_pass_first = False`` keeps
  plain FIFO.
- **Service time**: mean ``service_minutes``, coefficient of variation ``service_cv`` (gamma by
  default, or lognormal; cv = 1 with gamma is exponential, cv = 0 is deterministic). A node with a
  stated ``capacity_trucks_per_day`` but no service time is served in the time that makes its
  lanes pass exactly that many accepted trucks a day over its opening hours; a node that states
  both is served as its service time says, and starts no more than
  ``capacity / (1 - reject_probability)`` trucks a day. A node with neither is passed without
  delay. An edge with ``capacity_trucks_per_day`` is a station too (one lane, always open,
  deterministic service of ``1440 / capacity`` minutes).
- After service a truck is **turned back** with the node's ``reject_probability``: it drives back
  to its staging node the way it came (or takes ``return_hours``) and starts again
  (``on_reject = "return"``), or leaves (``on_reject = "leave"``).
- **Routing** (several paths): ``"shortest-delay"`` sends each truck, when it sets off, on the
  path with the least expected delay: travel time plus, for each station on the path, the trucks
  already bound for it (and not yet past it) over its daily rate. A mapping of path id to share
  splits trucks at random instead.

Clock: minutes from 00:00 on day 0, in the route's local wall-clock time (daylight saving is
ignored). ``hours_per_day`` without ``open``/``close`` opens at 00:00 for that many hours.

Each replication has its own ``numpy`` generator from ``SeedSequence(seed).spawn(replications)``:
the same settings and seed give identical results, and the module reads no clock. The summary
gives the mean over replications with a 95% t-interval. SimPy and numpy are optional (the ``aid``
extra) and imported only when a simulation runs. These are model results from the route file's
figures, not findings about any party.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from truce.aid.route import Network, Node, Route, resolve
from truce.errors import BadInput, MissingExtra

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

DAY = 1440.0  # minutes
_EPS = 1e-9

OnReject = Literal["return", "leave"]
Distribution = Literal["gamma", "lognormal"]
Routing = Literal["shortest-delay"] | Mapping[str, float]


def _simpy() -> Any:
    try:
        import simpy
    except ImportError:
        raise MissingExtra("simpy", "aid") from None
    return simpy


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise MissingExtra("numpy", "aid") from None
    return numpy


# --- settings and stations ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSettings:
    """What to simulate: demand, horizon, replications and the modelling choices.

    Counts and rates are over the measured window, ``[warmup_days, days)``.
    """

    days: float = 30.0
    arrivals_per_day: float = 0.0  # Poisson arrivals at staging
    backlog: int = 0  # trucks waiting at staging at day 0
    warmup_days: float = 0.0
    replications: int = 20
    seed: int = 0
    on_reject: OnReject = "return"
    return_hours: float | None = None  # None: drive back the way it came
    default_cv: float = 1.0  # for nodes without service_cv
    distribution: Distribution = "gamma"
    routing: Routing = "shortest-delay"
    later_pass_first: bool = True  # at a node a path passes twice

    def check(self) -> None:
        """Raise BadInput when the settings cannot be simulated."""
        if not (self.days > 0 and math.isfinite(self.days)):
            raise BadInput(f"days must be a positive number, got {self.days!r}")
        if not 0 <= self.warmup_days < self.days:
            raise BadInput(
                f"warmup_days must be at least 0 and below days ({self.days:g}), "
                f"got {self.warmup_days!r}"
            )
        if not (self.arrivals_per_day >= 0 and math.isfinite(self.arrivals_per_day)):
            raise BadInput(f"arrivals_per_day must be 0 or more, got {self.arrivals_per_day!r}")
        if self.backlog < 0:
            raise BadInput(f"backlog must be 0 or more trucks, got {self.backlog!r}")
        if self.arrivals_per_day == 0 and self.backlog == 0:
            raise BadInput("no trucks to simulate: give arrivals_per_day or a backlog (or both)")
        if self.replications < 1:
            raise BadInput(f"replications must be at least 1, got {self.replications!r}")
        if self.on_reject not in ("return", "leave"):
            raise BadInput(f'on_reject must be "return" or "leave", got {self.on_reject!r}')
        if self.return_hours is not None and not self.return_hours >= 0:
            raise BadInput(f"return_hours must be 0 or more, got {self.return_hours!r}")
        if not self.default_cv >= 0:
            raise BadInput(f"default_cv must be 0 or more, got {self.default_cv!r}")
        if self.distribution not in ("gamma", "lognormal"):
            raise BadInput(
                f'distribution must be "gamma" or "lognormal", got {self.distribution!r}'
            )
        if isinstance(self.routing, str):
            if self.routing != "shortest-delay":
                raise BadInput(
                    f'routing must be "shortest-delay" or a mapping of path id to share, '
                    f"got {self.routing!r}"
                )
        elif any(not (w >= 0 and math.isfinite(w)) for w in self.routing.values()) or not any(
            w > 0 for w in self.routing.values()
        ):
            raise BadInput("routing shares must be 0 or more, and at least one above 0")


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
class _Leg:
    travel: float  # minutes to reach the station
    station: int  # index into the stations
    visit: int = 0  # earlier passes of this path through the station


@dataclass(frozen=True)
class _Path:
    id: str
    staging: str
    legs: tuple[_Leg, ...]
    travel_days: float
    passes: tuple[tuple[int, int], ...]  # (station, passes)


def _compile(net: Network, settings: QueueSettings) -> tuple[list[Station], list[_Path]]:
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

    paths: list[_Path] = []
    for pid, nodes in _paths(net):
        legs: list[_Leg] = [_Leg(0.0, station(nodes[0]))]
        travel = 0.0
        for a, b in pairwise(nodes):
            e = net.edges[f"{a}->{b}"]
            minutes = (e.hours or 0.0) * 60
            travel += minutes
            if e.capacity_trucks_per_day is not None:
                legs.append(_Leg(minutes, station(e.key)))
                minutes = 0.0
            legs.append(_Leg(minutes, station(b)))
        counts: dict[int, int] = {}
        for j, leg in enumerate(legs):
            legs[j] = _Leg(leg.travel, leg.station, counts.get(leg.station, 0))
            counts[leg.station] = counts.get(leg.station, 0) + 1
        paths.append(_Path(pid, nodes[0], tuple(legs), travel / DAY, tuple(counts.items())))
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


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRun:
    """One station in one replication, over the measured window. Waits run from arrival at the
    node to the start of service (overnight included); trucks still waiting at the end are not
    in them. Utilisation is lane-minutes serving over lane-minutes open (None: no lanes)."""

    id: str
    kind: str
    arrived: int
    served: int
    passed: int  # served and not turned back
    rejected: int
    passed_per_day: float
    queue_mean: float  # time-average trucks waiting (not in service)
    queue_p95: float  # time-weighted 95th percentile of trucks waiting
    wait_mean_hours: float | None
    wait_p95_hours: float | None
    utilisation: float | None
    queue_at_day_end: tuple[int, ...]  # trucks waiting at each midnight (whole run)


@dataclass(frozen=True)
class Replication:
    """One replication's results (rates over the measured window; daily series over the run)."""

    index: int
    received_per_day: float  # trucks that completed their path
    received_daily: tuple[int, ...]
    entered_per_day: dict[str, float]  # by node of kind "entry"
    entered_daily: dict[str, tuple[int, ...]]
    by_path_per_day: dict[str, float]  # received, by path taken
    nodes: dict[str, NodeRun]
    arrived: int  # new trucks (not the backlog)
    rejected: int
    returned: int
    left: int
    in_system: int  # trucks on the route at the end
    backlog_cleared_day: float | None  # when the last backlog truck was received or left


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its 95% t-interval (low = high = mean for one)."""

    mean: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class NodeSummary:
    """One station summarised over the replications (None where no replication had a value)."""

    id: str
    kind: str
    basis: str
    passed_per_day: Estimate
    rejected: Estimate
    queue_mean: Estimate
    queue_p95: Estimate
    wait_mean_hours: Estimate | None
    wait_p95_hours: Estimate | None
    utilisation: Estimate | None


@dataclass(frozen=True)
class Simulation:
    """A variant simulated: summaries over the replications, and each replication."""

    variant: str
    settings: QueueSettings
    stations: list[Station]
    paths: list[str]
    received_per_day: Estimate
    entered_per_day: dict[str, Estimate]
    by_path_per_day: dict[str, Estimate]
    nodes: dict[str, NodeSummary]
    rejected: Estimate
    returned: Estimate
    left: Estimate
    backlog_cleared_day: Estimate | None  # over the replications that cleared it
    backlog_uncleared: int  # replications that ended with backlog trucks on the route
    replications: list[Replication] = field(repr=False)


# --- the 95% t-interval -------------------------------------------------------------------------

# Student's t, 0.975 quantile, for 1 to 30 degrees of freedom.
_T975 = (
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
)


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish-Fisher expansion about the normal quantile (error < 1e-6 for df > 30).
    z = 1.959963984540054
    v = float(df)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / v + g2 / v**2 + g3 / v**3 + g4 / v**4


def estimate(values: Sequence[float]) -> Estimate:
    """The mean of ``values`` with a 95% t-interval."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = math.fsum(values) / n
    if n == 1:
        return Estimate(mean, mean, mean, 1)
    var = math.fsum((x - mean) ** 2 for x in values) / (n - 1)
    half = t975(n - 1) * math.sqrt(var / n)
    return Estimate(mean, mean - half, mean + half, n)


def _maybe(values: Sequence[float | None]) -> Estimate | None:
    got = [v for v in values if v is not None]
    return estimate(got) if got else None


# --- one replication ----------------------------------------------------------------------------


class _Draws:
    """Batched draws from the replication's generator, handed out one at a time."""

    __slots__ = ("_buf", "_fill", "_i")

    def __init__(self, fill: Callable[[int], Any]) -> None:
        self._fill = fill
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._fill(256).tolist()
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return v


class _State:
    """A station during a replication: its resource, draws and counters."""

    def __init__(
        self,
        st: Station,
        env: Any,
        rng: np.random.Generator,
        settings: QueueSettings,
        shared: bool,
    ) -> None:
        simpy = _simpy()
        self.st = st
        self.always_open = st.open_minute <= 0 and st.close_minute >= DAY
        self.closed = st.basis == "closed" or st.open_minutes <= 0
        self.delay = st.service_minutes is not None and not self.closed
        self.priority = shared and self.delay
        kind = simpy.PriorityResource if self.priority else simpy.Resource
        self.resource = kind(env, capacity=st.lanes) if self.delay else None
        self.pending = 0.0
        rate = st.served_per_day
        self.inv_rate = 0.0 if math.isinf(rate) else (math.inf if rate <= 0 else 1.0 / rate)
        mean = st.service_minutes or 0.0
        cv = st.service_cv
        self.service: Callable[[], float]
        if not self.delay or cv == 0:
            self.service = lambda: mean
        elif settings.distribution == "gamma":
            if cv == 1:
                self.service = _Draws(lambda k: rng.exponential(mean, k))
            else:
                shape, scale = 1 / cv**2, mean * cv**2
                self.service = _Draws(lambda k: rng.gamma(shape, scale, k))
        else:
            sigma = math.sqrt(math.log1p(cv**2))
            mu = math.log(mean) - sigma**2 / 2
            self.service = _Draws(lambda k: rng.lognormal(mu, sigma, k))
        self.uniform = _Draws(lambda k: rng.random(k)) if st.reject_probability > 0 else None
        # quota: trucks started, by day
        self.quota_used: dict[int, int] = {}
        # counters over the measured window
        self.arrived = 0
        self.served = 0
        self.passed = 0
        self.rejected = 0
        self.waits: list[float] = []
        self.busy = 0.0
        # queue length, integrated over the window, and at each midnight
        self.qlen = 0
        self.qlast = 0.0
        self.qtime: dict[int, float] = {}
        self.next_midnight = DAY
        self.day_end: list[int] = []

    def open_at(self, t: float) -> float:
        """The first time at or after ``t`` at which a lane may start a truck."""
        if self.always_open:
            return t
        o, c = self.st.open_minute, self.st.close_minute
        d, m = divmod(t, DAY)
        if m < o - _EPS:
            return d * DAY + o
        if m < c - _EPS:
            return t
        return (d + 1) * DAY + o

    def allowance(self, day: int) -> int:
        q = self.st.daily_quota
        assert q is not None
        return math.floor((day + 1) * q + _EPS) - math.floor(day * q + _EPS)

    def open_minutes_until(self, t: float) -> float:
        """Minutes open in [0, t)."""
        if self.always_open:
            return t
        o, c = self.st.open_minute, self.st.close_minute
        d, m = divmod(t, DAY)
        return d * (c - o) + min(max(m - o, 0.0), c - o)

    def queue(self, now: float, delta: int, w: float, end: float) -> None:
        a = self.qlast if self.qlast > w else w
        b = now if now < end else end
        if b > a:
            self.qtime[self.qlen] = self.qtime.get(self.qlen, 0.0) + (b - a)
        while self.next_midnight <= now:
            self.day_end.append(self.qlen)
            self.next_midnight += DAY
        self.qlen += delta
        self.qlast = now


def _run(
    stations: list[Station],
    paths: list[_Path],
    settings: QueueSettings,
    rng: np.random.Generator,
    index: int,
) -> Replication:
    simpy = _simpy()
    env = simpy.Environment()
    shared = (
        {i for p in paths for i, k in p.passes if k > 1} if settings.later_pass_first else set()
    )
    st = [_State(s, env, rng, settings, i in shared) for i, s in enumerate(stations)]
    w = settings.warmup_days * DAY
    end = settings.days * DAY
    ndays = math.ceil(settings.days - _EPS)
    entry_ids = [i for i, s in enumerate(stations) if s.kind == "entry"]
    entered_daily = {i: [0] * ndays for i in entry_ids}
    received_daily = [0] * ndays
    by_path = {p.id: 0 for p in paths}
    counts = {"received": 0, "arrived": 0, "rejected": 0, "returned": 0, "left": 0}
    backlog = {"left": settings.backlog, "cleared": -1.0}
    in_system = [0]
    on_return = settings.on_reject == "return"
    return_minutes = None if settings.return_hours is None else settings.return_hours * 60

    shares: list[float] | None = None
    pick = _Draws(lambda k: rng.random(k))
    if isinstance(settings.routing, Mapping):
        shares = [max(0.0, settings.routing.get(p.id, 0.0)) for p in paths]

    def choose(staging: str | None) -> _Path:
        options = [p for p in paths if staging is None or p.staging == staging] or paths
        if shares is not None:
            weights = [shares[paths.index(p)] for p in options]
            total = sum(weights)
            if total <= 0:
                weights, total = [1.0] * len(options), float(len(options))
            u = pick() * total
            for p, wt in zip(options, weights, strict=True):
                u -= wt
                if u < 0:
                    return p
            return options[-1]
        best = options[0]
        best_score = math.inf
        for p in options:
            score = p.travel_days
            for i, k in p.passes:
                inv = st[i].inv_rate
                if inv:
                    score += k * (st[i].pending + k) * inv
            if score < best_score:
                best, best_score = p, score
        return best

    def truck(is_backlog: bool) -> Generator[Any, Any, None]:
        staging: str | None = None
        while True:
            path = choose(staging)
            staging = path.staging
            for i, k in path.passes:
                st[i].pending += k
            travelled = 0.0
            turned_back = False
            for n, leg in enumerate(path.legs):
                if leg.travel > 0:
                    yield env.timeout(leg.travel)
                    travelled += leg.travel
                s = st[leg.station]
                now = env.now
                counted = w <= now < end
                if counted:
                    s.arrived += 1
                if s.delay or s.closed:
                    s.queue(now, 1, w, end)
                    if s.closed:
                        yield env.event()  # never served
                    if s.priority:
                        req = s.resource.request(priority=-leg.visit)  # type: ignore[union-attr]
                    else:
                        req = s.resource.request()  # type: ignore[union-attr]
                    yield req
                    while True:
                        t = s.open_at(env.now)
                        if s.st.daily_quota is not None:
                            day = int(t // DAY)
                            if s.quota_used.get(day, 0) >= s.allowance(day):
                                t = s.open_at((day + 1) * DAY)
                                yield env.timeout(t - env.now)
                                continue
                        if t > env.now:
                            yield env.timeout(t - env.now)
                            continue
                        break
                    start = env.now
                    if s.st.daily_quota is not None:
                        day = int(start // DAY)
                        s.quota_used[day] = s.quota_used.get(day, 0) + 1
                    s.queue(start, -1, w, end)
                    if w <= now < end:
                        s.waits.append(start - now)
                    duration = s.service()
                    a = start if start > w else w
                    b = min(start + duration, end)
                    if b > a:
                        s.busy += s.open_minutes_until(b) - s.open_minutes_until(a)
                    yield env.timeout(duration)
                    s.resource.release(req)  # type: ignore[union-attr]
                now = env.now
                counted = w <= now < end
                s.pending -= 1
                if counted:
                    s.served += 1
                if s.uniform is not None and s.uniform() < s.st.reject_probability:
                    if counted:
                        s.rejected += 1
                        counts["rejected"] += 1
                    for leg2 in path.legs[n + 1 :]:
                        st[leg2.station].pending -= 1
                    turned_back = True
                    break
                if counted:
                    s.passed += 1
                if leg.station in entered_daily and now < end:
                    entered_daily[leg.station][int(now // DAY)] += 1
            if not turned_back:
                now = env.now
                if now < end:
                    received_daily[int(now // DAY)] += 1
                    if now >= w:
                        counts["received"] += 1
                        by_path[path.id] += 1
                break
            if not on_return:
                if w <= env.now < end:
                    counts["left"] += 1
                break
            if w <= env.now < end:
                counts["returned"] += 1
            back = travelled if return_minutes is None else return_minutes
            if back > 0:
                yield env.timeout(back)
        in_system[0] -= 1
        if is_backlog:
            backlog["left"] -= 1
            if backlog["left"] == 0:
                backlog["cleared"] = env.now

    rate = settings.arrivals_per_day / DAY

    def arrivals() -> Generator[Any, Any, None]:
        gap = _Draws(lambda k: rng.exponential(1.0 / rate, k))
        while True:
            yield env.timeout(gap())
            if env.now >= end:
                return
            if env.now >= w:
                counts["arrived"] += 1
            in_system[0] += 1
            env.process(truck(False))

    for _ in range(settings.backlog):
        in_system[0] += 1
        env.process(truck(True))
    if rate > 0:
        env.process(arrivals())
    env.run(until=end)

    np_ = _numpy()
    span = (end - w) / DAY
    nodes: dict[str, NodeRun] = {}
    for s in st:
        s.queue(end, 0, w, end)
        total = math.fsum(s.qtime.values())
        qmean = math.fsum(k * v for k, v in s.qtime.items()) / total if total > 0 else 0.0
        qp95 = 0.0
        if total > 0:
            acc = 0.0
            for k in sorted(s.qtime):
                acc += s.qtime[k]
                if acc >= 0.95 * total - _EPS:
                    qp95 = float(k)
                    break
        waits = np_.asarray(s.waits, dtype=float) / 60 if s.waits else None
        lane_open = s.st.lanes * (s.open_minutes_until(end) - s.open_minutes_until(w))
        util = s.busy / lane_open if s.delay and lane_open > 0 else (0.0 if s.closed else None)
        nodes[s.st.id] = NodeRun(
            id=s.st.id,
            kind=s.st.kind,
            arrived=s.arrived,
            served=s.served,
            passed=s.passed,
            rejected=s.rejected,
            passed_per_day=s.passed / span,
            queue_mean=qmean,
            queue_p95=qp95,
            wait_mean_hours=float(waits.mean()) if waits is not None else None,
            wait_p95_hours=float(np_.percentile(waits, 95)) if waits is not None else None,
            utilisation=util,
            queue_at_day_end=tuple(s.day_end),
        )
    entered = {stations[i].id: nodes[stations[i].id].passed_per_day for i in entry_ids}
    return Replication(
        index=index,
        received_per_day=counts["received"] / span,
        received_daily=tuple(received_daily),
        entered_per_day=entered,
        entered_daily={stations[i].id: tuple(entered_daily[i]) for i in entry_ids},
        by_path_per_day={k: v / span for k, v in by_path.items()},
        nodes=nodes,
        arrived=counts["arrived"],
        rejected=counts["rejected"],
        returned=counts["returned"],
        left=counts["left"],
        in_system=in_system[0],
        backlog_cleared_day=backlog["cleared"] / DAY if backlog["cleared"] >= 0 else None,
    )


# --- running ------------------------------------------------------------------------------------


def stations(net: Network, settings: QueueSettings | None = None) -> list[Station]:
    """The stations a variant's simulation uses (nodes and capacitated edges on its paths)."""
    return _compile(net, settings or QueueSettings())[0]


def simulate(net: Network, settings: QueueSettings | None = None) -> Simulation:
    """Simulate a resolved variant ``settings.replications`` times and summarise."""
    settings = settings or QueueSettings()
    settings.check()
    _simpy()
    np_ = _numpy()
    sts, paths = _compile(net, settings)
    children = np_.random.SeedSequence(settings.seed).spawn(settings.replications)
    reps = [
        _run(sts, paths, settings, np_.random.default_rng(child), i)
        for i, child in enumerate(children)
    ]
    nodes: dict[str, NodeSummary] = {}
    for s in sts:
        runs = [r.nodes[s.id] for r in reps]
        nodes[s.id] = NodeSummary(
            id=s.id,
            kind=s.kind,
            basis=s.basis,
            passed_per_day=estimate([x.passed_per_day for x in runs]),
            rejected=estimate([float(x.rejected) for x in runs]),
            queue_mean=estimate([x.queue_mean for x in runs]),
            queue_p95=estimate([x.queue_p95 for x in runs]),
            wait_mean_hours=_maybe([x.wait_mean_hours for x in runs]),
            wait_p95_hours=_maybe([x.wait_p95_hours for x in runs]),
            utilisation=_maybe([x.utilisation for x in runs]),
        )
    cleared = [r.backlog_cleared_day for r in reps if r.backlog_cleared_day is not None]
    return Simulation(
        variant=net.variant,
        settings=settings,
        stations=sts,
        paths=[p.id for p in paths],
        received_per_day=estimate([r.received_per_day for r in reps]),
        entered_per_day={
            k: estimate([r.entered_per_day[k] for r in reps]) for k in reps[0].entered_per_day
        },
        by_path_per_day={
            k: estimate([r.by_path_per_day[k] for r in reps]) for k in reps[0].by_path_per_day
        },
        nodes=nodes,
        rejected=estimate([float(r.rejected) for r in reps]),
        returned=estimate([float(r.returned) for r in reps]),
        left=estimate([float(r.left) for r in reps]),
        backlog_cleared_day=estimate(cleared) if settings.backlog and cleared else None,
        backlog_uncleared=sum(
            1 for r in reps if settings.backlog and r.backlog_cleared_day is None
        ),
        replications=reps,
    )


def simulate_variant(
    route: Route, variant: str | None = None, settings: QueueSettings | None = None
) -> Simulation:
    """Resolve ``variant`` of ``route`` (default: the first) and simulate it."""
    return simulate(resolve(route, variant), settings)


def saturating_backlog(net: Network, days: float, margin: float = 1.25) -> int:
    """A day-0 backlog that keeps every path busy for ``days``: ``margin`` x days x the sum over
    the paths of the daily rate of each path's slowest station (at least 1 truck)."""
    sts, paths = _compile(net, QueueSettings(backlog=1))
    total = 0.0
    for p in paths:
        finite = [r for i, _ in p.passes if math.isfinite(r := sts[i].served_per_day)]
        total += min(finite, default=0.0)
    return max(1, math.ceil(margin * days * total))
