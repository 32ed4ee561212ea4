"""The calendar report: every day from one date to another, with the fit applied where a fit
file is given, and the hold-out judged where the days cover it. What ``truce aid ROUTE --from A
--to B`` prints, as data. Model results, not findings about any party.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from truce.aid.daily.compare import DayRow, day_row
from truce.aid.daily.days import DayCeilings, check_range, days_between
from truce.aid.daily.fit import HoldoutResult, Values, check_fit_route, fitted_of, judge_holdout
from truce.aid.daily.fit_file import FIT_FILE, CalendarFitFile, load_fit_file, observed_path
from truce.aid.daily.observed import ObservedSeries, read_observed
from truce.aid.daily.queue import simulate_days
from truce.aid.route.schema import Route

NOTE = "Model results from the route file's figures and the fitted values, not findings about any party."
PLAIN_NOTE = "Model results from the route file's figures, not findings about any party."


@dataclass(frozen=True)
class CalendarReport:
    """Days from ``start`` to ``end``; ``fitted`` the values applied (empty: none)."""

    route: str
    start: date
    end: date
    rows: list[DayRow]
    fit_file: str | None
    fitted: Values
    fitted_from: date | None
    observed_source: str | None
    holdout: HoldoutResult | None
    replications: int
    seed: int
    note: str = NOTE


def find_fit(route_path: Path, fit: Path | None) -> CalendarFitFile | None:
    """The fit file given, or ``route-calendar-fit.toml`` beside the route if there is one."""
    if fit is not None:
        return load_fit_file(fit)
    beside = route_path.parent / FIT_FILE
    return load_fit_file(beside) if beside.is_file() else None


def _window(fit: CalendarFitFile | None, d: date) -> str | None:
    if fit is None:
        return None
    if fit.fit.from_ <= d <= fit.fit.until:
        return "fit"
    if fit.holdout.from_ <= d <= fit.holdout.until:
        return "hold-out"
    return None


def calendar_report(
    route: Route,
    start: date,
    end: date,
    *,
    fit: CalendarFitFile | None = None,
    simulate: bool = True,
    replications: int | None = None,
    seed: int | None = None,
    where: str = "<route>",
) -> CalendarReport:
    """Ceilings, simulated and observed counts for each day from ``start`` to ``end``."""
    check_range(route, start, end, where)
    if fit is not None:
        check_fit_route(route, fit)
    values: Values = fit.fitted_values() if fit is not None else {}
    fitted = fitted_of(fit, values) if fit is not None else None
    reps = replications or (fit.fit.replications if fit is not None else 20)
    sd = seed if seed is not None else (fit.fit.seed if fit is not None else 0)
    obs: ObservedSeries | None = read_observed(observed_path(fit)) if fit is not None else None
    memo = DayCeilings(route, where)
    dates = days_between(start, end)
    sims = {}
    holdout: HoldoutResult | None = None
    if simulate:
        run_from = min(start, fit.fit.from_) if fit is not None else start
        run_to = (
            max(end, fit.holdout.until)
            if fit is not None and start <= fit.holdout.until and end >= fit.holdout.from_
            else end
        )
        sim = simulate_days(
            route, run_from, run_to, fitted=fitted, replications=reps, seed=sd, where=where
        )
        sims = {d.day: d for d in sim.days}
        if (
            fit is not None
            and obs is not None
            and run_to >= fit.holdout.until
            and run_from <= fit.holdout.from_
        ):
            holdout = judge_holdout(fit, obs, sim)
    rows: list[DayRow] = []
    for d in dates:
        c = memo.on(d, fitted)
        observed = (
            obs.total(fit.observed.received, d) if fit is not None and obs is not None else None
        )
        entries: dict[str, int] = {}
        if fit is not None and obs is not None:
            for node, col in fit.observed.entries.items():
                v = obs.columns.get(col, {}).get(d)
                if v is not None:
                    entries[node] = v
        rows.append(day_row(c, sims.get(d), observed, entries, _window(fit, d)))
    return CalendarReport(
        route=route.route.name,
        start=start,
        end=end,
        rows=rows,
        fit_file=fit.where if fit is not None else None,
        fitted=values,
        fitted_from=fit.fit.from_ if fit is not None else None,
        observed_source=fit.observed.source if fit is not None else None,
        holdout=holdout,
        replications=reps,
        seed=sd,
        note=NOTE if fit is not None else PLAIN_NOTE,
    )
