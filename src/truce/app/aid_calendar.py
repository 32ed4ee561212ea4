"""The aid route calendar's use cases, one function each: a route file (and options) in, a typed
result out (``truce aid ROUTE --on DATE``, ``--from A --to B``, ``truce aid explain``, ``truce
aid fit-calendar``). Model results from the route file's figures and the fitted values, not
findings about any party.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from truce.aid.daily.compare import DayRow
from truce.aid.daily.days import CalendarDay, EventInForce, ceiling_on
from truce.aid.daily.fit import check_fit_route, fit_calendar, fitted_of, judge_holdout, predict
from truce.aid.daily.fit_file import CalendarFitFile, load_fit_file, observed_path
from truce.aid.daily.observed import read_observed
from truce.aid.daily.report import NOTE, CalendarReport, calendar_report, find_fit
from truce.aid.route import load_route
from truce.aid.route.calendar import check_in_calendar
from truce.app.aid_schemas import (
    CalendarDayOut,
    CalendarFitOut,
    CalendarOut,
    DayRowOut,
    EventOut,
    ExplainOut,
)
from truce.errors import BadInput


def _event(e: EventInForce) -> EventOut:
    return EventOut.model_validate(dataclasses.asdict(e))


def day_out(c: CalendarDay, fitted: dict[str, float | None]) -> CalendarDayOut:
    """The typed result of one calendar day."""
    data: dict[str, Any] = dataclasses.asdict(c)
    data["events"] = [_event(e) for e in c.events]
    return CalendarDayOut.model_validate({**data, "fitted": fitted})


def row_out(r: DayRow) -> DayRowOut:
    """The typed result of one day of the report."""
    data: dict[str, Any] = dataclasses.asdict(r)
    data["events"] = [e.index for e in r.events]
    return DayRowOut.model_validate(data)


def report_out(rep: CalendarReport, charts: list[Path]) -> CalendarOut:
    """The typed result of a calendar report."""
    events: dict[int, EventOut] = {}
    for r in rep.rows:
        for e in r.events:
            events.setdefault(e.index, _event(e))
    data: dict[str, Any] = dataclasses.asdict(rep)
    data.pop("rows")
    return CalendarOut.model_validate(
        {
            **data,
            "events": [events[k] for k in sorted(events)],
            "days": [row_out(r) for r in rep.rows],
            "charts": [str(p) for p in charts],
        }
    )


def _fit_for(route: Path, fit: Path | None, use_fit: bool) -> CalendarFitFile | None:
    return find_fit(route, fit) if use_fit else None


def aid_on(
    route: Path, day: date, *, fit: Path | None = None, use_fit: bool = True
) -> CalendarDayOut:
    """The route on ``day``: its ceiling, what limits it, and the events in force; with a fit
    file (``fit``, or route-calendar-fit.toml beside the route) its fitted values applied."""
    r = load_route(route)
    check_in_calendar(r, day, "on", str(route))
    f = _fit_for(route, fit, use_fit)
    if f is not None:
        check_fit_route(r, f)
    values = f.fitted_values() if f is not None else {}
    fitted = fitted_of(f, values) if f is not None else None
    c = ceiling_on(r, day, fitted, where=str(route))
    return day_out(c, values if fitted is not None and fitted.on(day) is not None else {})


def aid_calendar(
    route: Path,
    start: date,
    end: date,
    *,
    fit: Path | None = None,
    use_fit: bool = True,
    simulate: bool = True,
    replications: int | None = None,
    seed: int | None = None,
    plot: Path | None = None,
) -> CalendarOut:
    """Day by day from ``start`` to ``end``: the ceiling and what limits it, the daily queue
    model's received trucks (with the fit file's values), the observed series, why they differ,
    and the hold-out judged where the days cover it; with ``plot``, the chart."""
    return report_out(
        *aid_calendar_report(
            route,
            start,
            end,
            fit=fit,
            use_fit=use_fit,
            simulate=simulate,
            replications=replications,
            seed=seed,
            plot=plot,
        )
    )


def aid_calendar_report(
    route: Path,
    start: date,
    end: date,
    *,
    fit: Path | None = None,
    use_fit: bool = True,
    simulate: bool = True,
    replications: int | None = None,
    seed: int | None = None,
    plot: Path | None = None,
) -> tuple[CalendarReport, list[Path]]:
    """``aid_calendar`` as the aid model's dataclass (what the text report renders)."""
    r = load_route(route)
    rep = calendar_report(
        r,
        start,
        end,
        fit=_fit_for(route, fit, use_fit),
        simulate=simulate,
        replications=replications,
        seed=seed,
        where=str(route),
    )
    charts: list[Path] = []
    if plot is not None:
        from truce.aid.daily.plot import plot_calendar

        charts = plot_calendar(rep, plot)
    return rep, charts


def aid_explain(
    route: Path, day: date, *, fit: Path | None = None, use_fit: bool = True
) -> ExplainOut:
    """What limited ``day``: the route on it, and where a fit file applies, the simulated and
    observed counts and why they differ (the model run from the fit's first day)."""
    on = aid_on(route, day, fit=fit, use_fit=use_fit)
    f = _fit_for(route, fit, use_fit)
    row: DayRowOut | None = None
    if f is not None and f.fit.from_ <= day:
        r = load_route(route)
        rep = calendar_report(r, day, day, fit=f, where=str(route))
        row = row_out(rep.rows[0])
    return ExplainOut(day=on, row=row)


def aid_fit_calendar(
    route: Path,
    fit: Path | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> CalendarFitOut:
    """Rerun the calendar fit on its window, compare with the committed values, and predict the
    hold-out with the values found."""
    r = load_route(route)
    f = find_fit(route, fit)
    if f is None:
        raise BadInput(
            "no fit file beside the route: write route-calendar-fit.toml there (see "
            "examples/gaza-2023/route-calendar-fit.toml), or give one with --fit FILE",
            where=str(route.parent / "route-calendar-fit.toml"),
        )
    obs = read_observed(observed_path(f))
    res = fit_calendar(r, f, obs, where=str(route), progress=progress)
    committed = {k: (None if v == "none" else float(v)) for k, v in f.fitted.items()}
    hold = judge_holdout(f, obs, predict(r, f, res.values, where=str(route)))
    return CalendarFitOut.model_validate(
        {
            "fit_file": f.where,
            "fit": dataclasses.asdict(res),
            "committed": committed,
            "matches_committed": committed == res.values,
            "holdout": dataclasses.asdict(hold),
            "note": NOTE,
        }
    )


__all__ = [
    "aid_calendar",
    "aid_calendar_report",
    "aid_explain",
    "aid_fit_calendar",
    "aid_on",
    "load_fit_file",
]
