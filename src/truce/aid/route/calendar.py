"""The route on one calendar day: lasting changes, then fitted values, then the day's events.

A route file's dated ``[[change]]`` tables are its calendar. A change without ``until`` or
``weekdays`` holds for good from its date (what variants apply); one with them is an *event*
that holds on its days only. ``route_on`` gives, for one day, the route as it stands for good
(``lasting``) and the route with that day's events applied (``network``), so that the ceiling
and the daily queue model can say what the day's events took away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from truce.aid.route.network import (
    Network,
    _check_bounded,
    _not_in_use,
    apply_change,
)
from truce.aid.route.schema import Change, Edge, Node, Route, RoutePath, set_values
from truce.errors import BadInput

#: Values set on nodes by id, e.g. fitted capacities: ``{"rafah-entry": {"capacity...": 90}}``.
Overrides = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Fitted:
    """Values fitted to data (by node id), set from ``since`` on: after the lasting changes and
    before the day's events, so an event still closes a node whose capacity was fitted."""

    since: date
    values: Overrides

    def on(self, day: date) -> Overrides | None:
        """The values in force on ``day`` (None before ``since``)."""
        return self.values if day >= self.since else None


@dataclass(frozen=True)
class RouteDay:
    """The route on one day: as it stands for good, and with the day's events applied."""

    day: date
    lasting: Network
    network: Network
    events: tuple[tuple[int, Change], ...]  # (index in the file, change) in force on the day
    paths: dict[str, RoutePath]  # every path as it stands on the day (enabled or not)

    @property
    def key(self) -> tuple[int, ...]:
        """The events in force (by index): days with the same key have the same route."""
        return tuple(i for i, _ in self.events)


def day_key(route: Route, day: date) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """What the route on ``day`` depends on: the lasting changes dated on or before it and the
    events in force (by index). Days with the same key have the same route."""
    lasting = tuple(i for i, c in enumerate(route.changes) if not c.is_event and c.on <= day)
    events = tuple(i for i, c in enumerate(route.changes) if c.is_event and c.holds_on(day))
    return lasting, events


def calendar_span(route: Route) -> tuple[date, date] | None:
    """The first and last dates the calendar covers: ``[route] calendar_from`` and
    ``calendar_until``, or else the earliest change and the latest ``on``/``until``."""
    info = route.route
    ons = [c.on for c in route.changes]
    ends = [c.until or c.on for c in route.changes]
    first = info.calendar_from or (min(ons) if ons else None)
    last = info.calendar_until or (max(ends) if ends else None)
    if first is None or last is None:
        return None
    return first, last


def check_in_calendar(route: Route, day: date, param: str, where: str) -> None:
    """BadInput naming ``param`` where ``day`` lies outside the route's calendar."""
    span = calendar_span(route)
    if span is None:
        raise BadInput(
            "the route has no dated [[change]] tables, so no calendar to look up", where=where
        )
    first, last = span
    if not first <= day <= last:
        raise BadInput(
            f"{day.isoformat()} is outside the route's calendar ({first.isoformat()} to "
            f"{last.isoformat()})",
            where=where,
            param=param,
        )


def route_on(
    route: Route, day: date, overrides: Overrides | None = None, *, where: str = "<route>"
) -> RouteDay:
    """The route on ``day``: every lasting change dated on or before it (file order within a
    date), then ``overrides`` (values by node id), then the events in force that day."""
    nodes = {n.id: n for n in route.nodes}
    edges = {e.key: e for e in route.edges}
    paths = {p.id: p for p in route.paths}

    def switch(ref: str, on: bool) -> None:
        if ref in nodes:
            nodes[ref] = nodes[ref].model_copy(update={"enabled": on})
        elif ref in edges:
            edges[ref] = edges[ref].model_copy(update={"enabled": on})
        else:
            paths[ref] = paths[ref].model_copy(update={"enabled": on})

    dated = sorted(enumerate(route.changes), key=lambda ic: (ic[1].on, ic[0]))
    applied: list[str] = []
    for i, c in dated:
        if c.on <= day and not c.is_event:
            applied.append(apply_change(i, c, nodes, edges, switch, where))
    for ref, values in (overrides or {}).items():
        target = nodes[ref]
        node = set_values(target, dict(values), ("overrides", ref), where)
        assert isinstance(node, Node)
        nodes[ref] = node
        shown = ", ".join(f"{k} = {'none' if v is None else f'{v:g}'}" for k, v in values.items())
        applied.append(f"fitted: {ref} {shown}")
    lasting = _network(route, day, dict(nodes), dict(edges), dict(paths), list(applied), where)
    events: list[tuple[int, Change]] = []
    for i, c in dated:
        if c.is_event and c.holds_on(day):
            events.append((i, c))
            if not c.unquantified:
                applied.append("event " + apply_change(i, c, nodes, edges, switch, where))
    network = _network(route, day, nodes, edges, paths, applied, where)
    return RouteDay(day, lasting, network, tuple(events), dict(paths))


def _network(
    route: Route,
    day: date,
    nodes: dict[str, Node],
    edges: dict[str, Edge],
    paths: dict[str, RoutePath],
    applied: list[str],
    where: str,
) -> Network:
    in_use: list[RoutePath] = []
    unused: list[str] = []
    for pid, p in paths.items():
        why = _not_in_use(p, nodes, edges)
        if why is None:
            in_use.append(p)
        else:
            unused.append(f"{pid} ({why})")
    net = Network(route, day.isoformat(), day, nodes, edges, in_use, unused, applied)
    _check_bounded(net, None, where)
    return net
