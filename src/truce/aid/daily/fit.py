"""The calendar fit: capacities no source gives, fitted on a window of the observed daily series,
and a hold-out window predicted with them, never read by the fit.

- **Parameters**: each sets the ``capacity_trucks_per_day`` of one node from the fit window's
  first day on (after the lasting changes, before the day's events: an event still closes it).
- **Score**: the root mean square, over the fit window's days, of simulated (mean over the
  replications) minus observed trucks received. Every grid point is run with the same seed
  (common random numbers), so the search is deterministic; ties go to the first point in grid
  order. Only the fit window's rows are read: the hold-out cannot move the fit.
- **Hold-out**: the model is run from the fit window's first day through the hold-out with the
  fitted values (queues carry over), and the hold-out's days are compared with the observed:
  mean error, error by week (Sunday to Saturday, clipped to the window), and the correlation
  of simulated and observed daily counts.

Model results from the route file's figures and the fitted values, not findings about any party.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import product

from truce.aid.daily.days import days_between
from truce.aid.daily.fit_file import CalendarFitFile
from truce.aid.daily.observed import ObservedSeries
from truce.aid.daily.queue import DailySimulation, simulate_days
from truce.aid.queue.stats import Estimate, estimate
from truce.aid.route.calendar import Fitted
from truce.aid.route.schema import Route
from truce.errors import BadInput

Values = dict[str, float | None]


@dataclass(frozen=True)
class FitResult:
    """What the fit found: the values, their score, and the fit window's means."""

    values: Values
    score: float  # RMS daily error, trucks/day
    observed_mean: float
    simulated_mean: float
    error: float  # (simulated - observed) / observed over the fit window
    points: int
    seconds: float


@dataclass(frozen=True)
class WeekError:
    """One week of the hold-out (Sunday to Saturday, clipped to the window)."""

    start: date
    end: date
    observed: float  # mean trucks/day
    simulated: float
    error: float


@dataclass(frozen=True)
class HoldoutResult:
    """The hold-out predicted with the fitted values, and how far off it is."""

    start: date
    end: date
    observed: float  # mean trucks/day received
    simulated: Estimate  # mean trucks/day, over the replications' window means
    error: float
    within_goal: bool
    goal_mean_error: float
    weeks: list[WeekError]
    correlation: float
    goal_correlation: float
    correlation_met: bool
    entries: dict[str, tuple[float, float]] = field(default_factory=dict)  # node -> (obs, sim)


def fitted_of(fit: CalendarFitFile, values: Values) -> Fitted:
    """The fitted values as the calendar applies them (node capacities from the fit start)."""
    return Fitted(
        fit.fit.from_,
        {fit.parameters[k].node: {"capacity_trucks_per_day": v} for k, v in values.items()},
    )


def check_fit_route(route: Route, fit: CalendarFitFile) -> None:
    """BadInput naming the fit file's key where it names a node the route does not have."""
    from truce.aid.route.schema import suggest

    ids = [n.id for n in route.nodes]
    named = [(("parameters", k, "node"), p.node) for k, p in fit.parameters.items()]
    named += [(("observed", "entries", n), n) for n in fit.observed.entries]
    for loc, nid in named:
        if nid not in ids:
            raise BadInput(
                f"{'.'.join(map(str, loc))}: the route has no node {nid!r} {suggest(nid, ids)}",
                where=fit.where,
            )


def observed_daily(fit: CalendarFitFile, obs: ObservedSeries, start: date, end: date) -> list[int]:
    """Trucks received on each day from ``start`` to ``end``; BadInput where a day has no row
    or the file lacks a column the fit file names."""
    for col in [*fit.observed.received, *fit.observed.entries.values()]:
        if col not in obs.columns:
            raise BadInput(
                f"observed.received: the series has no column {col!r} "
                f"(it has: {', '.join(obs.columns)})",
                where=fit.where,
            )
    out: list[int] = []
    for d in days_between(start, end):
        v = obs.total(fit.observed.received, d)
        if v is None:
            raise BadInput(f"no row for {d.isoformat()}", where=obs.where)
        out.append(v)
    return out


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson's correlation (0 where either series is constant)."""
    mx, my = _mean(xs), _mean(ys)
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    return 0.0 if sxx <= 0 or syy <= 0 else sxy / math.sqrt(sxx * syy)


def grid_points(fit: CalendarFitFile) -> list[Values]:
    """Every combination of the parameters' grids, in file order."""
    names = list(fit.parameters)
    return [
        dict(zip(names, combo, strict=True))
        for combo in product(*(fit.parameters[n].grid for n in names))
    ]


def fit_calendar(
    route: Route,
    fit: CalendarFitFile,
    obs: ObservedSeries,
    *,
    points: list[Values] | None = None,
    where: str = "<route>",
    progress: Callable[[int, int], None] | None = None,
) -> FitResult:
    """Try every grid point (or ``points``) on the fit window; the best by RMS daily error."""
    t0 = time.perf_counter()
    check_fit_route(route, fit)
    start, end = fit.fit.from_, fit.fit.until
    observed = observed_daily(fit, obs, start, end)
    tried = points if points is not None else grid_points(fit)
    best: tuple[float, Values, float] | None = None
    for k, values in enumerate(tried):
        sim = simulate_days(
            route,
            start,
            end,
            fitted=fitted_of(fit, values),
            replications=fit.fit.replications,
            seed=fit.fit.seed,
            where=where,
        )
        means = [d.received.mean for d in sim.days]
        score = math.sqrt(_mean([(s - o) ** 2 for s, o in zip(means, observed, strict=True)]))
        if best is None or score < best[0] - 1e-9:
            best = (score, values, _mean(means))
        if progress is not None:
            progress(k + 1, len(tried))
    assert best is not None
    score, values, sim_mean = best
    obs_mean = _mean(observed)
    return FitResult(
        values=values,
        score=score,
        observed_mean=obs_mean,
        simulated_mean=sim_mean,
        error=(sim_mean - obs_mean) / obs_mean,
        points=len(tried),
        seconds=time.perf_counter() - t0,
    )


def predict(
    route: Route, fit: CalendarFitFile, values: Values, *, where: str = "<route>"
) -> DailySimulation:
    """The model run from the fit window's first day through the hold-out's last with
    ``values``: queues carry over from the fit window into the hold-out."""
    return simulate_days(
        route,
        fit.fit.from_,
        fit.holdout.until,
        fitted=fitted_of(fit, values),
        replications=fit.fit.replications,
        seed=fit.fit.seed,
        where=where,
    )


def weeks_of(start: date, end: date) -> list[tuple[date, date]]:
    """Sunday-to-Saturday weeks covering ``start`` to ``end``, clipped to it."""
    out: list[tuple[date, date]] = []
    d = start
    while d <= end:
        sat = d + timedelta(days=(5 - d.weekday()) % 7)
        out.append((d, min(sat, end)))
        d = min(sat, end) + timedelta(days=1)
    return out


def judge_holdout(fit: CalendarFitFile, obs: ObservedSeries, sim: DailySimulation) -> HoldoutResult:
    """Compare the hold-out's days of ``sim`` with the observed series."""
    start, end = fit.holdout.from_, fit.holdout.until
    observed = observed_daily(fit, obs, start, end)
    by_day = {d.day: d for d in sim.days}
    missing = [d for d in days_between(start, end) if d not in by_day]
    if missing:
        raise BadInput(f"the simulation does not cover {missing[0].isoformat()}")
    days = days_between(start, end)
    means = [by_day[d].received.mean for d in days]
    index = {d.day: j for j, d in enumerate(sim.days)}
    per_rep = [_mean([float(r.received[index[d]]) for d in days]) for r in sim.runs]
    simulated = estimate(per_rep)
    obs_mean = _mean(observed)
    error = (simulated.mean - obs_mean) / obs_mean
    weeks: list[WeekError] = []
    for a, b in weeks_of(start, end):
        js = [k for k, d in enumerate(days) if a <= d <= b]
        o = _mean([observed[k] for k in js])
        s = _mean([means[k] for k in js])
        weeks.append(WeekError(a, b, o, s, (s - o) / o if o else math.inf))
    r = correlation(means, [float(x) for x in observed])
    entries: dict[str, tuple[float, float]] = {}
    for node, col in fit.observed.entries.items():
        o_vals = [obs.columns[col][d] for d in days]
        s_vals = [by_day[d].entered[node].mean if node in by_day[d].entered else 0.0 for d in days]
        entries[node] = (_mean([float(v) for v in o_vals]), _mean(s_vals))
    return HoldoutResult(
        start=start,
        end=end,
        observed=obs_mean,
        simulated=simulated,
        error=error,
        within_goal=abs(error) <= fit.holdout.goal_mean_error,
        goal_mean_error=fit.holdout.goal_mean_error,
        weeks=weeks,
        correlation=r,
        goal_correlation=fit.holdout.goal_correlation,
        correlation_met=r >= fit.holdout.goal_correlation,
        entries=entries,
    )
