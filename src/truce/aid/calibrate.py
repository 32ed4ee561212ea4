"""Calibration of a route's unverified parameters on observed periods, with hold-out checks.

The queue simulation (``truce.aid.queue``) run with a route file's figures reaches the ceilings;
observed receipts can be lower. This module fits parameters that no source gives on the fit
periods of a calibration file, and then predicts its hold-out periods without refitting. The
file (``truce.aid.calibration_file``; for the Gaza 2023 route ``examples/gaza-2023/
calibration.toml``, next to the route) holds every observed figure with its source, the periods,
the nodes the parameters set and the values tried; this module holds the method only:

- **Fitted parameters** (a grid, every point a short seeded simulation), each setting one node
  of the route (their names are the Gaza 2023 route's, kept as the report's keys):

  - ``nitzana_service_minutes``: a node's inspection time per truck per lane, in every period;
  - ``rafah_entry_capacity``: a node's trucks/day outside the pause;
  - ``reception_capacity``: a node's trucks/day in the pause (``None``: no limit), and
    ``reception_capacity_hostilities`` outside it (the second structure, below).

- **Fit periods**: each is one or more parts, an observed figure and the variant simulated for
  it (none: a day with nothing received); a period of several parts is compared as the
  day-weighted mean of its parts.
- **Hold-outs**: each is predicted with the best fit and compared with the observed figures,
  total received and the share via one entry node (goal: within 15%).
- **Demand**: in the file's pause variant, its day-0 backlog plus Poisson arrivals; in every
  other variant, a backlog that keeps every path busy (``saturating_backlog``). Each period is
  simulated with one day of warm-up first.
- **Structures**: reception has one capacity in the pause and after it (``ONE``), or another
  capacity outside the pause (``BY_CONDITIONS``).
- **Fit**: the score of a grid point is the root mean square of the relative errors of the fit
  periods; every point within ``tolerance`` of the best score is a *plausible set*, and for
  each the limiting nodes (stations whose lanes are busy at least ``busy`` of their open time, or
  else the busiest) are reported in every period.

Every evaluation uses the same seed (common random numbers), so the search is deterministic.
These are model results from the route file's figures and assumptions, not findings about any
party.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from truce.aid.calibration_file import CalibrationFile, FitPeriod, HoldoutPeriod
from truce.aid.queue import Estimate, QueueSettings, Simulation, saturating_backlog, simulate
from truce.aid.route import Network, Route, resolve, suggest
from truce.errors import BadInput
from truce.validation import format_loc

GOAL = 0.15  # the hold-out goal: relative error within 15% (issue 5, part 4)

# --- parameters and results ---------------------------------------------------------------------


ONE = "one reception capacity"
BY_CONDITIONS = "reception by conditions"


@dataclass(frozen=True)
class Params:
    """One point of the grid (a capacity None: no limit at reception). ``reception_capacity``
    holds in the pause, ``reception_capacity_hostilities`` outside it."""

    nitzana_service_minutes: float
    rafah_entry_capacity: float
    reception_capacity: float | None
    reception_capacity_hostilities: float | None

    @property
    def structure(self) -> str:
        """``ONE`` where both reception capacities are the same, else ``BY_CONDITIONS``."""
        return (
            ONE if self.reception_capacity == self.reception_capacity_hostilities else BY_CONDITIONS
        )


@dataclass(frozen=True)
class Grid:
    """The values tried for each parameter. Each ``reception_capacity`` is tried once with the
    same value outside the pause (structure ``ONE``) and once with each ``reception_hostilities``
    value (structure ``BY_CONDITIONS``). ``BY_CONDITIONS`` so has more points, so counts of
    plausible sets compare grids, not structures."""

    nitzana_service_minutes: tuple[float, ...]
    rafah_entry_capacity: tuple[float, ...]
    reception_capacity: tuple[float | None, ...]
    reception_hostilities: tuple[float, ...]

    @classmethod
    def of(cls, data: CalibrationFile) -> Grid:
        """The grid a calibration file gives (its parameters' ``grid`` values)."""
        p = data.parameters
        return cls(
            tuple(float(x) for x in p.nitzana_service_minutes.grid),
            tuple(float(x) for x in p.rafah_entry_capacity.grid),
            tuple(None if x is None else float(x) for x in p.reception_capacity.grid),
            tuple(float(x) for x in p.reception_capacity_hostilities.grid),
        )

    def points(self) -> list[Params]:
        """Every combination, in a fixed order (structure ``ONE`` first for each)."""
        return [
            Params(s, c, r, h)
            for s, c, r in product(
                self.nitzana_service_minutes, self.rafah_entry_capacity, self.reception_capacity
            )
            for h in (r, *(x for x in self.reception_hostilities if x != r))
        ]


@dataclass(frozen=True)
class PeriodFit:
    """Observed and simulated trucks/day over a fit period; ``error`` is (sim - obs) / obs."""

    period: str
    observed: float
    simulated: float
    error: float


@dataclass(frozen=True)
class Plausible:
    """A grid point within the tolerance of the best score, its limiting nodes per period
    (simulation: lanes busy at least ``busy`` of their open time), and its predictions of the
    hold-outs (period -> trucks/day received, mean over the replications)."""

    params: Params
    structure: str
    score: float
    fit: list[PeriodFit]
    holdouts: dict[str, float]
    limiting: dict[str, list[str]]


@dataclass(frozen=True)
class Holdout:
    """One hold-out period predicted with the best fit, not refitted, and the range the
    plausible sets predict, overall and by structure. ``via_kerem_shalom_*`` are the trucks via
    the hold-out's ``via_node`` (named for the Gaza 2023 route, kept as the JSON keys)."""

    period: str
    observed: float
    predicted: Estimate
    error: float  # (predicted - observed) / observed
    within_goal: bool  # |error| <= goal
    goal: float
    via_kerem_shalom_observed: float
    via_kerem_shalom_predicted: Estimate
    via_kerem_shalom_error: float
    plausible_range: tuple[float, float]  # predicted means over the plausible sets
    by_structure: dict[str, tuple[float, float]]  # the same range, per structure
    plausible_within_goal: int  # how many plausible sets predict within the goal


@dataclass(frozen=True)
class Calibration:
    """What ``calibrate`` found: model results, not findings about any party."""

    route: str
    parameters: dict[str, str]  # name -> why it is fitted
    structures: dict[str, str]  # name -> what it assumes
    demand: dict[str, str]
    grid: Grid
    best: Params
    score: float
    fit: list[PeriodFit]
    best_by_structure: dict[str, Params]
    holdouts: list[Holdout]  # in the calibration file's order
    tolerance: float
    plausible: list[Plausible]
    seed: int
    replications: int
    evaluations: int
    seconds: float
    note: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``reception_capacity`` null: no limit)."""
        return dataclasses.asdict(self)


WARM_UP = "1 day before each period (the route full at the start)"

NOTE = (
    "Model results from the route file's figures and the assumptions above, not findings about "
    "any party."
)


def demand(data: CalibrationFile) -> dict[str, str]:
    """How the demand of each period is described in the report."""
    pause = data.pause
    return {
        "pause": (
            f"backlog of {pause.backlog} trucks ({pause.backlog_source}) + Poisson arrivals at "
            f"{pause.arrivals_per_day:g}/day ({pause.arrivals_source})"
        ),
        **data.demand,
        "warm-up": WARM_UP,
    }


# --- simulating one period ----------------------------------------------------------------------


def _with(net: Network, node: str, **values: Any) -> Network:
    nodes = dict(net.nodes)
    nodes[node] = nodes[node].model_copy(update=values)
    return dataclasses.replace(net, nodes=nodes)


def apply(net: Network, params: Params, data: CalibrationFile) -> Network:
    """The variant with the parameters set on the file's nodes (the entry's capacity only
    outside the pause)."""
    p = data.parameters
    out = _with(net, p.nitzana_service_minutes.node, service_minutes=params.nitzana_service_minutes)
    if net.variant == data.pause.variant:
        return _with(
            out, p.reception_capacity.node, capacity_trucks_per_day=params.reception_capacity
        )
    out = _with(
        out,
        p.reception_capacity_hostilities.node,
        capacity_trucks_per_day=params.reception_capacity_hostilities,
    )
    return _with(
        out, p.rafah_entry_capacity.node, capacity_trucks_per_day=params.rafah_entry_capacity
    )


def _relevant(pause: bool, params: Params) -> tuple[float | None, ...]:
    """The parameter values a variant's simulation depends on (the memo key)."""
    if pause:
        return (params.nitzana_service_minutes, params.reception_capacity)
    return (
        params.nitzana_service_minutes,
        params.rafah_entry_capacity,
        params.reception_capacity_hostilities,
    )


def _settings(
    net: Network, days: int, replications: int, seed: int, data: CalibrationFile
) -> QueueSettings:
    total = days + 1  # one day of warm-up
    if net.variant == data.pause.variant:
        return QueueSettings(
            days=total,
            warmup_days=1,
            backlog=data.pause.backlog,
            arrivals_per_day=data.pause.arrivals_per_day,
            replications=replications,
            seed=seed,
        )
    return QueueSettings(
        days=total,
        warmup_days=1,
        backlog=saturating_backlog(net, total),
        replications=replications,
        seed=seed,
    )


def limiting_nodes(net: Network, sim: Simulation, busy: float = 0.95) -> list[str]:
    """On each path in use, the last station whose lanes were busy at least ``busy`` of their
    open time (mean over the replications): stations before it pass more than it takes, so the
    queue it keeps is what holds the path down. Where no station is that busy, the busiest."""
    util = {
        k: n.utilisation.mean
        for k, n in sim.nodes.items()
        if n.utilisation is not None and n.basis != "closed"
    }
    if not util:
        return []
    out: set[str] = set()
    for path in net.paths:
        for node in reversed(path.nodes):
            if util.get(node, 0.0) >= busy:
                out.add(node)
                break
    return sorted(out) or [max(util, key=lambda k: util[k])]


def check_route(route: Route, data: CalibrationFile) -> None:
    """Raise BadInput (naming the calibration file and key) where the file names a variant or
    node the route does not have, or trucks via a node that is not an entry."""
    names = route.variant_names()
    for loc, variant in data.variants():
        if variant not in names:
            raise BadInput(
                f"{format_loc(loc)}: calibration needs variant {variant!r}, which the route "
                f"does not have {suggest(variant, names)}",
                where=data.where,
            )
    kinds = {n.id: n.kind for n in route.nodes}
    for loc, node in data.nodes():
        if node not in kinds:
            raise BadInput(
                f"{format_loc(loc)}: calibration needs node {node!r}, which the route does not "
                f"have {suggest(node, kinds)}",
                where=data.where,
            )
    for i, h in enumerate(data.holdouts):
        if kinds[h.via_node] != "entry":
            raise BadInput(
                f"{format_loc(('holdout', i, 'via_node'))}: node {h.via_node!r} has kind "
                f'{kinds[h.via_node]!r}; trucks are counted via nodes of kind "entry"',
                where=data.where,
            )


class _Runner:
    def __init__(self, route: Route, data: CalibrationFile, replications: int, seed: int) -> None:
        check_route(route, data)
        self.data = data
        self.replications = replications
        self.seed = seed
        self.nets: dict[str, Network] = {}
        for _, variant in data.variants():
            if variant not in self.nets:
                self.nets[variant] = resolve(route, variant)
        self.runs = 0
        self._memo: dict[tuple[Any, ...], tuple[Simulation, list[str]]] = {}

    def sim(
        self, variant: str, days: int, params: Params, replications: int | None = None
    ) -> tuple[Simulation, list[str]]:
        """One period simulated (memoised: grid points that differ only in what this variant
        does not use share it; the seed is the same for all, so the result would be too)."""
        reps = replications or self.replications
        pause = variant == self.data.pause.variant
        key = (variant, days, reps, _relevant(pause, params))
        if key not in self._memo:
            net = apply(self.nets[variant], params, self.data)
            self.runs += 1
            s = simulate(net, _settings(net, days, reps, self.seed, self.data))
            self._memo[key] = (s, limiting_nodes(net, s))
        return self._memo[key]

    def fit(self, params: Params) -> tuple[list[PeriodFit], dict[str, list[str]]]:
        fits: list[PeriodFit] = []
        limiting: dict[str, list[str]] = {}
        for period in self.data.fit:
            fits.append(self._fit_period(period, params, limiting))
        return fits, limiting

    def _fit_period(
        self, period: FitPeriod, params: Params, limiting: dict[str, list[str]]
    ) -> PeriodFit:
        """Observed and simulated trucks/day over a fit period; the limiting nodes of each
        simulated part go into ``limiting``, by the part's period."""
        total = 0.0
        days = 0
        only: Simulation | None = None
        for part in period.parts:
            obs = self.data.observed[part.observed]
            days += obs.days
            if part.variant is None:
                continue
            s, lim = self.sim(part.variant, obs.days, params)
            total += obs.days * s.received_per_day.mean
            limiting[obs.period] = lim
            only = s
        simulated = (
            only.received_per_day.mean
            if len(period.parts) == 1 and only is not None
            else total / days
        )
        return _fit(self.data.period_of(period), self.data.observed_per_day(period), simulated)


def _fit(period: str, observed: float, simulated: float) -> PeriodFit:
    return PeriodFit(period, observed, simulated, (simulated - observed) / observed)


def _score(fits: Sequence[PeriodFit]) -> float:
    return math.sqrt(sum(f.error**2 for f in fits) / len(fits))


# --- the calibration ----------------------------------------------------------------------------


def calibrate(
    route: Route,
    data: CalibrationFile,
    *,
    grid: Grid | None = None,
    seed: int = 0,
    replications: int = 3,
    holdout_replications: int = 5,
    tolerance: float = 0.02,
    progress: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Fit ``grid`` (default: the file's) on the fit periods of ``data``, a calibration file;
    predict its hold-outs without refitting.

    ``tolerance``: a grid point is plausible when its score (RMS relative error over the fit
    periods) is at most the best score + ``tolerance``. ``progress(done, total)`` is called
    after each step (grid points, then hold-out predictions; the total grows once the plausible
    sets are known).
    """
    if replications < 2 or holdout_replications < 2:
        raise BadInput("calibration needs at least 2 replications (for the intervals)")
    if tolerance < 0:
        raise BadInput(f"tolerance must be 0 or more, got {tolerance!r}")
    started = time.perf_counter()
    grid = grid or Grid.of(data)
    runner = _Runner(route, data, replications, seed)
    scored: list[tuple[float, Params, list[PeriodFit], dict[str, list[str]]]] = []
    points = grid.points()
    tick = progress or (lambda done, total: None)
    for params in points:
        fits, limiting = runner.fit(params)
        scored.append((_score(fits), params, fits, limiting))
        tick(len(scored), len(points))
    best_score = min(s for s, *_ in scored)
    best = next(x for x in scored if x[0] == best_score)
    structures = {ONE: data.structures.one, BY_CONDITIONS: data.structures.by_conditions}
    best_by_structure = {
        st: min((x for x in scored if x[1].structure == st), key=lambda x: x[0])[1]
        for st in structures
        if any(x[1].structure == st for x in scored)
    }

    chosen = [x for x in scored if x[0] <= best_score + tolerance + 1e-12]
    total = len(points) + len(chosen) + 1
    plausible: list[Plausible] = []
    for score, params, fits, limiting in chosen:
        predictions: dict[str, float] = {}
        for h in data.holdouts:
            obs = data.observed[h.observed]
            s, lim = runner.sim(h.variant, obs.days, params)
            predictions[obs.period] = s.received_per_day.mean
            limiting = {**limiting, obs.period: lim}
        plausible.append(Plausible(params, params.structure, score, fits, predictions, limiting))
        tick(len(points) + len(plausible), total)
    plausible.sort(key=lambda p: p.score)

    holdouts = [
        _holdout(runner, best[1], h, holdout_replications, plausible, list(structures))
        for h in data.holdouts
    ]
    tick(total, total)
    return Calibration(
        route=route.route.name,
        parameters={
            name: getattr(data.parameters, name).why for name in type(data.parameters).model_fields
        },
        structures=structures,
        demand=demand(data),
        grid=grid,
        best=best[1],
        score=best_score,
        fit=best[2],
        best_by_structure=best_by_structure,
        holdouts=holdouts,
        tolerance=tolerance,
        plausible=plausible,
        seed=seed,
        replications=replications,
        evaluations=runner.runs,
        seconds=time.perf_counter() - started,
        note=NOTE,
    )


def _span(values: Sequence[float]) -> tuple[float, float]:
    return (min(values), max(values))


def _holdout(
    runner: _Runner,
    best: Params,
    period: HoldoutPeriod,
    replications: int,
    plausible: Sequence[Plausible],
    structures: Sequence[str],
) -> Holdout:
    hold = runner.data.observed[period.observed]
    hold_via = runner.data.observed[period.via]
    sim, _ = runner.sim(period.variant, hold.days, best, replications)
    predicted = sim.received_per_day
    via = sim.entered_per_day.get(period.via_node, Estimate(0.0, 0.0, 0.0, replications))
    error = (predicted.mean - hold.per_day) / hold.per_day
    means = [p.holdouts[hold.period] for p in plausible]
    return Holdout(
        period=hold.period,
        observed=hold.per_day,
        predicted=predicted,
        error=error,
        within_goal=abs(error) <= GOAL,
        goal=GOAL,
        via_kerem_shalom_observed=hold_via.per_day,
        via_kerem_shalom_predicted=via,
        via_kerem_shalom_error=(via.mean - hold_via.per_day) / hold_via.per_day,
        plausible_range=_span(means),
        by_structure={
            st: _span([p.holdouts[hold.period] for p in plausible if p.structure == st])
            for st in structures
            if any(p.structure == st for p in plausible)
        },
        plausible_within_goal=sum(abs(m - hold.per_day) / hold.per_day <= GOAL for m in means),
    )


# --- the report ---------------------------------------------------------------------------------


def _cap(x: float | None) -> str:
    return "no limit" if x is None else f"{x:g}"


def _params(p: Params) -> str:
    reception = _cap(p.reception_capacity)
    if p.structure == BY_CONDITIONS:
        reception += f" (pause), {_cap(p.reception_capacity_hostilities)} (from 1 Dec)"
    return (
        f"Nitzana {p.nitzana_service_minutes:g} min, Rafah {p.rafah_entry_capacity:g}/day, "
        f"reception {reception}"
    )


def render_calibration(console: Any, c: Calibration) -> None:
    """A short Rich report: the fit, the hold-outs, and the plausible sets."""
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]{escape(c.route)}[/]: calibration")
    console.print(f"Best fit: {escape(_params(c.best))} ({c.best.structure})")
    for st, params in c.best_by_structure.items():
        console.print(f"  best with {st}: {escape(_params(params))}")
    table = Table(title="Received trucks/day, observed and simulated", title_justify="left")
    for col in ("Period", "Observed", "Simulated (best fit)", "Error", "Plausible sets"):
        table.add_column(col, justify="left" if col == "Period" else "right")
    for f in c.fit:
        table.add_row(
            f"{f.period} (fit)", f"{f.observed:.1f}", f"{f.simulated:.1f}", f"{f.error:+.1%}", ""
        )
    for h in c.holdouts:
        p, k = h.predicted, h.via_kerem_shalom_predicted
        lo, hi = h.plausible_range
        table.add_row(
            f"{h.period} (hold-out)",
            f"{h.observed:.1f}",
            f"{p.mean:.1f} [{p.low:.1f}, {p.high:.1f}]",
            f"{h.error:+.1%}",
            f"{lo:.1f} to {hi:.1f}",
        )
        table.add_row(
            "  via Kerem Shalom",
            f"{h.via_kerem_shalom_observed:.1f}",
            f"{k.mean:.1f} [{k.low:.1f}, {k.high:.1f}]",
            f"{h.via_kerem_shalom_error:+.1%}",
            "",
        )
    console.print(table)
    for h in c.holdouts:
        verdict = "within" if h.within_goal else "outside"
        spans = "; ".join(f"{st} {lo:.1f} to {hi:.1f}" for st, (lo, hi) in h.by_structure.items())
        console.print(
            f"{h.period}: best-fit error {h.error:+.1%}, {verdict} the {h.goal:.0%} goal; "
            f"{h.plausible_within_goal} of {len(c.plausible)} plausible sets within it "
            f"({escape(spans)})."
        )
    plaus = Table(
        title=f"Plausible sets (score at most best + {c.tolerance:g}) and limiting nodes",
        title_justify="left",
    )
    periods = list(c.plausible[0].limiting) if c.plausible else []
    for col in ("Parameters", "Score", *(f"{h.period}" for h in c.holdouts)):
        plaus.add_column(col, justify="left" if col == "Parameters" else "right")
    plaus.add_column(f"Limiting ({'; '.join(periods)})")
    for s in c.plausible:
        lim = "; ".join(", ".join(v) for v in s.limiting.values())
        plaus.add_row(
            escape(_params(s.params)),
            f"{s.score:.3f}",
            *(f"{s.holdouts[h.period]:.1f}" for h in c.holdouts),
            escape(lim),
        )
    console.print(plaus)
    console.print(
        f"[dim]{c.evaluations} simulations, {c.replications} replications each, seed {c.seed}, "
        f"{c.seconds:.1f} s. {escape(c.note)}[/]"
    )
