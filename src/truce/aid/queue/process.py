"""One replication of the queue simulation: the SimPy processes of trucks and stations."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

from truce.aid.queue.layout import Station, TruckPath
from truce.aid.queue.results import NodeRun, Replication
from truce.aid.queue.settings import DAY, QueueSettings
from truce.errors import MissingExtra

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

_EPS = 1e-9


def require_simpy() -> Any:
    """The simpy module, or MissingExtra naming the ``aid`` extra."""
    try:
        import simpy
    except ImportError:
        raise MissingExtra("simpy", "aid") from None
    return simpy


def require_numpy() -> Any:
    """The numpy module, or MissingExtra naming the ``aid`` extra."""
    try:
        import numpy
    except ImportError:
        raise MissingExtra("numpy", "aid") from None
    return numpy


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
        simpy = require_simpy()
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


def run_replication(
    stations: list[Station],
    paths: list[TruckPath],
    settings: QueueSettings,
    rng: np.random.Generator,
    index: int,
) -> Replication:
    simpy = require_simpy()
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

    def choose(staging: str | None) -> TruckPath:
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

    np_ = require_numpy()
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
