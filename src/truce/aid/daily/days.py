"""The ceiling on each day of a route's calendar, what limits it, and the events in force.

A day's ceiling is the ceiling (``truce.aid.ceiling``) of the route on that day
(``truce.aid.route.calendar.route_on``). Beside it: the ceiling of the route as it stands for
good that day (``unchanged``: without the day's events), the events in force with their sources
(and what the sources dispute), and in words what limits the day. Model results from the route
file's figures, not findings about any party.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from truce.aid.ceiling import Ceiling, network_ceiling
from truce.aid.route.calendar import Fitted, RouteDay, check_in_calendar, route_on
from truce.aid.route.capacity import fmt
from truce.aid.route.schema import WEEKDAYS, Change, Route
from truce.errors import BadInput

_DAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"),
        strict=True,
    )
)


@dataclass(frozen=True)
class EventInForce:
    """A calendar event in force on a day: its dates, effect, source and any dispute."""

    index: int  # its [[change]] index in the file (0-based)
    on: date
    until: date | None
    weekdays: list[str] | None
    effect: str
    source: str
    note: str | None
    disputed: str | None
    unquantified: bool

    @property
    def when(self) -> str:
        """Its days in words, e.g. "2024-02-08 to 2024-02-10" or "Saturdays from 2024-02-03"."""
        return when(self.on, self.until, self.weekdays)


@dataclass(frozen=True)
class CalendarDay:
    """One day: the ceiling, what limits it, and the ceiling without the day's events."""

    day: date
    ceiling: float
    limiting: list[str]
    unchanged: float  # the ceiling of the route as it stands for good that day
    closed: list[str]  # nodes in use for good that the day's events close
    events: list[EventInForce]
    why: str
    explanation: list[str]


def when(on: date, until: date | None, weekdays: list[str] | None) -> str:
    """An event's days in words."""
    if weekdays:
        names = ", ".join(_DAY_NAMES[w] for w in weekdays)
        span = f"from {on.isoformat()}" + (f" to {until.isoformat()}" if until else "")
        return f"{names} {span}"
    if until is None:
        return f"from {on.isoformat()}"
    if until == on:
        return on.isoformat()
    return f"{on.isoformat()} to {until.isoformat()}"


def effect_of(c: Change) -> str:
    """What a change does, in words."""
    if c.unquantified:
        return "recorded; no source gives a figure for its effect, so it changes nothing"
    parts: list[str] = []
    target = c.node if c.node is not None else c.edge
    if target is not None and c.set_ is not None:
        parts.extend(
            f"{target} {k} = {v:g}" if isinstance(v, (int, float)) else f"{target} {k} = {v}"
            for k, v in c.set_.items()
        )
    if c.disable:
        parts.append("closes " + ", ".join(c.disable))
    if c.enable:
        parts.append("opens " + ", ".join(c.enable))
    return "; ".join(parts)


def event_in_force(i: int, c: Change) -> EventInForce:
    """The record of change ``i`` as an event in force."""
    return EventInForce(
        index=i,
        on=c.on,
        until=c.until,
        weekdays=list(c.weekdays) if c.weekdays is not None else None,
        effect=effect_of(c),
        source=c.source or "",
        note=c.note,
        disputed=c.disputed,
        unquantified=c.unquantified,
    )


def _closed(rd: RouteDay) -> list[str]:
    used = {n for p in rd.lasting.paths for n in p.nodes}
    out = []
    for nid, node in rd.network.nodes.items():
        if nid not in used:
            continue
        cap = node.capacity_trucks_per_day
        if not node.enabled or (cap is not None and cap <= 0):
            out.append(nid)
    return out


def _why(
    ceiling: Ceiling, unchanged: Ceiling, closed: list[str], events: list[EventInForce]
) -> str:
    acting = [e for e in events if not e.unquantified]
    parts: list[str] = []
    if closed:
        parts.append("closed by the day's events: " + ", ".join(closed))
    if acting and ceiling.trucks_per_day < unchanged.trucks_per_day:
        parts.append(
            f"the events lower the ceiling from {fmt(unchanged.trucks_per_day)} to "
            f"{fmt(ceiling.trucks_per_day)} trucks/day"
        )
    elif acting:
        parts.append("the day's events do not lower the ceiling")
    if ceiling.trucks_per_day <= 0:
        parts.append("nothing can pass")
    elif ceiling.limiting:
        parts.append("limiting: " + ", ".join(ceiling.limiting))
    recorded = [e for e in events if e.unquantified]
    if recorded:
        parts.append(f"{len(recorded)} event(s) recorded without a figure")
    return "; ".join(parts) or "no limit"


class DayCeilings:
    """Ceilings by day, computed once per distinct route state (days with the same events in
    force and the same fitted values share it)."""

    def __init__(self, route: Route, where: str = "<route>") -> None:
        self.route = route
        self.where = where
        self._memo: dict[tuple[object, ...], tuple[Ceiling, Ceiling]] = {}

    def on(self, day: date, fitted: Fitted | None = None) -> CalendarDay:
        """The ceiling on ``day`` (any date; the calendar's span is checked by callers)."""
        overrides = fitted.on(day) if fitted is not None else None
        rd = route_on(self.route, day, overrides, where=self.where)
        okey = tuple(sorted((k, tuple(sorted(v.items()))) for k, v in (overrides or {}).items()))
        lasting_key = tuple(
            i for i, c in enumerate(self.route.changes) if not c.is_event and c.on <= day
        )
        key = (lasting_key, rd.key, okey)
        if key not in self._memo:
            self._memo[key] = (network_ceiling(rd.network), network_ceiling(rd.lasting))
        c, u = self._memo[key]
        events = [event_in_force(i, ch) for i, ch in rd.events]
        closed = _closed(rd)
        explanation = [line for line in c.explanation if not line.startswith("the route on")]
        return CalendarDay(
            day=day,
            ceiling=c.trucks_per_day + 0.0,
            limiting=list(c.limiting),
            unchanged=u.trucks_per_day,
            closed=closed,
            events=events,
            why=_why(c, u, closed, events),
            explanation=[f"the route on {day.isoformat()}", *explanation],
        )


def days_between(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end``, inclusive."""
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


def check_range(route: Route, start: date, end: date, where: str) -> None:
    """BadInput for --from after --to, or a date outside the calendar."""
    if end < start:
        raise BadInput(
            f"{start.isoformat()} is after --to {end.isoformat()}", where=where, param="from"
        )
    check_in_calendar(route, start, "from", where)
    check_in_calendar(route, end, "to", where)


def ceiling_on(
    route: Route, day: date, fitted: Fitted | None = None, *, where: str = "<route>"
) -> CalendarDay:
    """The ceiling on one day of the calendar (BadInput outside it)."""
    check_in_calendar(route, day, "on", where)
    return DayCeilings(route, where).on(day, fitted)


def ceiling_series(
    route: Route,
    start: date,
    end: date,
    fitted: Fitted | None = None,
    *,
    where: str = "<route>",
) -> list[CalendarDay]:
    """The ceiling on every day from ``start`` to ``end`` (inclusive)."""
    check_range(route, start, end, where)
    memo = DayCeilings(route, where)
    return [memo.on(d, fitted) for d in days_between(start, end)]
