"""What-if questions on an aid route: open a node from a date; lanes or hours for a target.

Pure functions: they return dataclasses with an ``explanation`` (one line per step) and print
nothing. Both use the ceiling of ``truce.aid.ceiling``; these are model results from the route
file's figures, not findings about any party.

- :func:`open_node`: the route with a node opened from a date (a dated change that enables the
  node and the paths through it that the file declares ``enabled = false``), compared with the
  same route with the node closed on every date. Gives the ceiling before and after, what
  limits each, and a day-by-day series around the date showing the step.
- :func:`lanes_for_target`: for each node on the variant's paths that has lanes, opening hours
  and a service time, the fewest lanes, and separately the fewest opening hours, at which the
  ceiling reaches a target; or what limits first. A node's capacity is lanes x hours x 60 /
  service_minutes x (1 - reject_probability), capped by its stated capacity_trucks_per_day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from truce.aid.ceiling import Ceiling, ceiling_solver, network_ceiling
from truce.aid.route.capacity import fmt
from truce.aid.route.network import Network, resolve
from truce.aid.route.schema import Change, Node, Route, Variant, suggest
from truce.errors import BadInput, RouteError

#: Days shown before and after the date of a what-if.
WINDOW_DAYS = 14
_TOL = 1e-6


# --- open a node from a date --------------------------------------------------------------------


@dataclass(frozen=True)
class DayCeiling:
    """The ceiling on one day, with and without the node opened."""

    day: date
    with_node: float
    without_node: float
    limiting_with: list[str]
    limiting_without: list[str]


@dataclass(frozen=True)
class WhatIfOpen:
    """`open_node`: the ceiling without the node and with it opened from ``on``."""

    variant: str
    node: str
    on: date
    paths_opened: list[str]
    before: float  # without the node, on ``on``
    after: float  # with the node, on ``on``
    limiting_before: list[str]
    limiting_after: list[str]
    series: list[DayCeiling]
    explanation: list[str] = field(default_factory=list)

    @property
    def step(self) -> float:
        """After minus before (trucks/day)."""
        return round(self.after - self.before, 1)


def _check_node(route: Route, node: str) -> None:
    ids = [n.id for n in route.nodes]
    if node not in ids:
        raise RouteError(f"unknown node {node!r} {suggest(node, ids)}", param="open")


def _check_variant(route: Route, variant: str | None) -> str:
    names = route.variant_names()
    name = names[0] if variant is None else variant
    if name not in names:
        raise RouteError(f"unknown variant {name!r} {suggest(name, names)}", param="variant")
    return name


def _closed(route: Route, node: str) -> Route:
    """The route with ``node`` closed on every date: declared disabled, enabled by nothing."""
    nodes = [n.model_copy(update={"enabled": False}) if n.id == node else n for n in route.nodes]
    changes = [
        c.model_copy(update={"enable": [r for r in c.enable if r != node]}) for c in route.changes
    ]
    variants = [
        v.model_copy(update={"enable": [r for r in v.enable if r != node]}) for v in route.variants
    ]
    return route.model_copy(update={"nodes": nodes, "changes": changes, "variants": variants})


def _on_day(route: Route, name: str, day: date) -> Route:
    """The route with variant ``name`` taken on ``day`` (a route without variants gets one)."""
    if not route.variants:
        base = Variant.model_validate({"name": name, "on": day})
        return route.model_copy(update={"variants": [base]})
    variants = [v.model_copy(update={"on": day}) if v.name == name else v for v in route.variants]
    return route.model_copy(update={"variants": variants})


def open_node(
    route: Route, node: str, on: date, variant: str | None = None, window: int = WINDOW_DAYS
) -> WhatIfOpen:
    """The ceiling of ``variant`` with ``node`` opened from ``on``, against the node closed.

    The variant keeps its paths, switches and values; its date is replaced by each day looked at.
    Opening enables the node and the paths through it declared ``enabled = false`` (paths the
    file opens later); the route's own dated changes still apply on their dates.
    """
    _check_node(route, node)
    name = _check_variant(route, variant)
    closed = _closed(route, node)
    paths_opened = [p.id for p in route.paths if node in p.nodes and not p.enabled]
    opening = Change.model_validate(
        {
            "on": on,
            "enable": [node, *paths_opened],
            "note": f"what-if: {node} opens on {on.isoformat()}",
        }
    )
    opened = closed.model_copy(update={"changes": [*closed.changes, opening]})

    cache: dict[tuple[str, frozenset[int]], Ceiling] = {}

    def at(which: str, r: Route, day: date) -> Ceiling:
        key = (which, frozenset(i for i, c in enumerate(r.changes) if c.on <= day))
        if key not in cache:
            rr = _on_day(r, name, day)
            cache[key] = network_ceiling(resolve(rr, name, where="what-if"))
        return cache[key]

    series: list[DayCeiling] = []
    for k in range(-window, window + 1):
        day = on + timedelta(days=k)
        w, wo = at("with", opened, day), at("without", closed, day)
        series.append(DayCeiling(day, w.trucks_per_day, wo.trucks_per_day, w.limiting, wo.limiting))
    before, after = at("without", closed, on), at("with", opened, on)
    lines = [
        f"variant {name}, taken on each day from {series[0].day.isoformat()} to "
        f"{series[-1].day.isoformat()}",
        f"without: {node} closed on every date (not enabled, and no change enables it)",
        f"with: a change on {on.isoformat()} enables {node}"
        + (
            f" and the paths through it declared not enabled: {', '.join(paths_opened)}"
            if paths_opened
            else ""
        ),
        f"on {on.isoformat()} without {node}: {fmt(before.trucks_per_day)} trucks/day, limiting "
        + (", ".join(before.limiting) or "none"),
        f"on {on.isoformat()} with {node}: {fmt(after.trucks_per_day)} trucks/day, limiting "
        + (", ".join(after.limiting) or "none"),
    ]
    diff = after.trucks_per_day - before.trucks_per_day
    lines.append(
        f"opening {node} on {on.isoformat()} "
        + (
            f"raises the ceiling by {fmt(diff)} trucks/day"
            if diff > 0
            else "does not raise the ceiling"
            if diff == 0
            else f"lowers the ceiling by {fmt(-diff)} trucks/day"
        )
    )
    steps = [
        f"{b.day.isoformat()} {fmt(a.with_node)} -> {fmt(b.with_node)}"
        for a, b in pairwise(series)
        if a.with_node != b.with_node
    ]
    if steps:
        lines.append("steps in the series with the node: " + ", ".join(steps))
    lines.extend(f"with: {x}" for x in after.explanation)
    return WhatIfOpen(
        variant=name,
        node=node,
        on=on,
        paths_opened=paths_opened,
        before=before.trucks_per_day,
        after=after.trucks_per_day,
        limiting_before=before.limiting,
        limiting_after=after.limiting,
        series=series,
        explanation=lines,
    )


# --- lanes and hours for a target ---------------------------------------------------------------


@dataclass(frozen=True)
class NodeNeed:
    """What one node needs for the ceiling to reach the target (None: it cannot)."""

    node: str
    lanes: int
    hours: float
    service_minutes: float
    reject_probability: float
    stated: float | None
    capacity: float  # now: min(stated, formula)
    lanes_needed: int | None
    hours_needed: float | None  # whole minutes, in hours
    extra_hours: float | None  # hours_needed - hours, 0 if not more
    blocked_by: list[str]  # what limits first when lanes (or hours) alone cannot reach the target
    hours_blocked_by: list[str]
    explanation: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LanesForTarget:
    """`lanes_for_target`: per adjustable node, the lanes and hours for the target."""

    variant: str
    target: float
    ceiling: float
    limiting: list[str]
    nodes: list[NodeNeed]
    skipped: list[str]  # nodes on the paths without lanes, hours and service time
    explanation: list[str] = field(default_factory=list)


def _per_lane_hour(n: Node) -> float:
    assert n.service_minutes is not None
    return 60 / n.service_minutes * (1 - n.reject_probability)


def _cap(n: Node, lanes: float, hours: float) -> float:
    formula = lanes * hours * _per_lane_hour(n)
    return formula if n.capacity_trucks_per_day is None else min(n.capacity_trucks_per_day, formula)


def _with_cap(net: Network, node: str, lanes: int, hours: float) -> Network:
    n = net.nodes[node]
    upd: dict[str, Any] = {"lanes": lanes}
    if n.open is not None:
        upd.update(open=None, close=None)
    upd["hours_per_day"] = hours
    upd["capacity_trucks_per_day"] = _cap(n, lanes, hours)
    return replace(net, nodes={**net.nodes, node: n.model_copy(update=upd)})


def _blockers(net: Network, node: str, lanes: int, hours: float) -> list[str]:
    c = network_ceiling(_with_cap(net, node, lanes, hours))
    n = net.nodes[node]
    out = []
    for e in c.limiting:
        if e != node:
            out.append(e)
        elif n.capacity_trucks_per_day is not None and n.capacity_trucks_per_day <= _cap(
            n.model_copy(update={"capacity_trucks_per_day": None}), lanes, hours
        ):
            out.append(f"{node} (stated capacity {fmt(n.capacity_trucks_per_day)} trucks/day)")
        else:
            out.append(f"{node} ({lanes} lanes open {fmt(hours)} h)")
    return out


def lanes_for_target(route: Route, variant: str | None, target: float) -> LanesForTarget:
    """For each node on the variant's paths with lanes, hours and a service time: the fewest
    lanes (at its hours), and the fewest hours a day (at its lanes), for a ceiling of ``target``
    trucks/day; or the elements that limit first."""
    if not target > 0 or math.isinf(target):
        raise BadInput(
            f"the target must be a positive number of trucks/day, got {target:g}", param="target"
        )
    name = _check_variant(route, variant)
    net = resolve(route, name)
    now = network_ceiling(net)
    caps, solve = ceiling_solver(net)
    if net.by_paths:
        on_paths = list(dict.fromkeys(n for p in net.paths for n in p.nodes))
    else:
        on_paths = [n.id for n in net.enabled_nodes()]
    nodes = [net.nodes[n] for n in net.nodes if n in on_paths]
    lines = [
        f"variant {name}: ceiling now {fmt(now.trucks_per_day)} trucks/day, limiting "
        + (", ".join(now.limiting) or "none"),
        f"target: {fmt(target)} trucks/day",
        "a node's capacity: lanes x hours x 60 / service_minutes x (1 - reject_probability), "
        "capped by its stated capacity_trucks_per_day",
    ]
    needs: list[NodeNeed] = []
    skipped: list[str] = []

    def value(node: str, c: float) -> float:
        v, _ = solve({**caps, node: c})
        return float(v)

    for n in nodes:
        hours = n.open_hours
        if n.service_minutes is None or hours is None:
            skipped.append(n.id)
            continue
        rate = _per_lane_hour(n)
        passes = max((p.nodes.count(n.id) for p in net.paths), default=1) if net.by_paths else 1
        # Lanes: with capacity >= passes x target the node's own formula cannot hold the target.
        top = max(n.lanes, math.ceil(passes * target / (hours * rate) - _TOL))
        lanes_needed: int | None = None
        blocked: list[str] = []
        if value(n.id, _cap(n, top, hours)) >= target - _TOL:
            lo, hi = 1, top
            while lo < hi:
                mid = (lo + hi) // 2
                if value(n.id, _cap(n, mid, hours)) >= target - _TOL:
                    hi = mid
                else:
                    lo = mid + 1
            lanes_needed = lo
        else:
            blocked = _blockers(net, n.id, top, hours)
        # Hours: at the node's lanes, up to 24 h a day.
        hours_needed: float | None = None
        hours_blocked: list[str] = []
        if value(n.id, _cap(n, n.lanes, 24.0)) >= target - _TOL:
            lo_h, hi_h = 0.0, 24.0
            for _ in range(60):
                mid_h = (lo_h + hi_h) / 2
                if value(n.id, _cap(n, n.lanes, mid_h)) >= target - _TOL:
                    hi_h = mid_h
                else:
                    lo_h = mid_h
            minutes = math.ceil(hi_h * 60 - 1e-6)
            hours_needed = minutes / 60
        else:
            hours_blocked = _blockers(net, n.id, n.lanes, 24.0)
        extra = None if hours_needed is None else max(0.0, hours_needed - hours)
        cap_now = _cap(n, n.lanes, hours)
        what = (
            f"{n.id}: {n.lanes} lanes x {fmt(hours)} h x 60 / {fmt(n.service_minutes)} min"
            + (f" x (1 - {n.reject_probability:g})" if n.reject_probability else "")
            + f" = {fmt(n.lanes * hours * rate)}"
            + (
                f", capped at the stated {fmt(n.capacity_trucks_per_day)}"
                if n.capacity_trucks_per_day is not None
                else ""
            )
            + (f"; each truck passes it {passes} times" if passes > 1 else "")
        )
        nl = [what]
        nl.append(
            f"{n.id}: fewest lanes for {fmt(target)}: {lanes_needed}"
            if lanes_needed is not None
            else f"{n.id}: no number of lanes reaches {fmt(target)}: limited first by "
            + ", ".join(blocked)
        )
        nl.append(
            f"{n.id}: fewest hours a day at {n.lanes} lanes: {fmt_hours(hours_needed)} "
            f"({fmt_hours(extra)} more than {fmt(hours)} h)"
            if hours_needed is not None and extra is not None
            else f"{n.id}: no opening hours (up to 24 h) at {n.lanes} lanes reach {fmt(target)}: "
            "limited first by " + ", ".join(hours_blocked)
        )
        lines.extend(nl)
        needs.append(
            NodeNeed(
                node=n.id,
                lanes=n.lanes,
                hours=hours,
                service_minutes=n.service_minutes,
                reject_probability=n.reject_probability,
                stated=n.capacity_trucks_per_day,
                capacity=round(cap_now, 1),
                lanes_needed=lanes_needed,
                hours_needed=hours_needed,
                extra_hours=extra,
                blocked_by=blocked,
                hours_blocked_by=hours_blocked,
                explanation=nl,
            )
        )
    if skipped:
        lines.append(
            "no lanes, hours and service time (not adjustable here): " + ", ".join(skipped)
        )
    if not needs:
        lines.append("no node on the variant's paths has lanes, hours and a service time")
    return LanesForTarget(
        variant=name,
        target=target,
        ceiling=now.trucks_per_day,
        limiting=now.limiting,
        nodes=needs,
        skipped=skipped,
        explanation=lines,
    )


def fmt_hours(h: float | None) -> str:
    """Hours as ``7 h 54 min`` (whole minutes)."""
    if h is None:
        return "-"
    m = round(h * 60)
    return f"{m // 60} h {m % 60:02d} min" if m % 60 else f"{m // 60} h"


__all__ = [
    "DayCeiling",
    "LanesForTarget",
    "NodeNeed",
    "WhatIfOpen",
    "lanes_for_target",
    "open_node",
]
