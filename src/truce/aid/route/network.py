"""The route as it stands in one variant: what the model computes on.

``resolve`` applies the dated changes up to the variant's date, then the variant's own switches
and values, picks the paths in use, and refuses a variant whose ceiling would be unbounded. The
ceiling (``truce.aid.ceiling``) and the queue simulation (``truce.aid.queue``) read the result,
a ``Network``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from truce.aid.route.capacity import fmt, node_capacity
from truce.aid.route.schema import Change, Edge, Node, Route, RoutePath, set_values, suggest
from truce.errors import RouteError
from truce.validation import format_loc


@dataclass(frozen=True)
class Network:
    """A route as it stands in one variant: every node and edge after the changes and the
    variant's own switches and values, and (for a route with paths) the paths in use."""

    route: Route
    variant: str
    on: date | None
    nodes: dict[str, Node]
    edges: dict[str, Edge]
    paths: list[RoutePath]
    unused: list[str] = field(default_factory=list)  # "path-id (why not in use)"
    applied: list[str] = field(default_factory=list)  # what the changes and the variant did

    @property
    def by_paths(self) -> bool:
        """Whether trucks keep to listed paths (the route has [[path]] tables)."""
        return bool(self.route.paths)

    def enabled_nodes(self) -> list[Node]:
        """Nodes in use, in file order."""
        return [n for n in self.nodes.values() if n.enabled]

    def enabled_edges(self) -> list[Edge]:
        """Edges in use (both ends in use), in file order."""
        return [
            e
            for e in self.edges.values()
            if e.enabled and self.nodes[e.from_].enabled and self.nodes[e.to].enabled
        ]


def resolve(route: Route, variant: str | None = None, *, where: str = "<route>") -> Network:
    """The route as it stands in ``variant`` (default: the first variant, or "base")."""
    names = route.variant_names()
    name = names[0] if variant is None else variant
    if name not in names:
        raise RouteError(f"unknown variant {name!r} {suggest(name, names)}", where=where)
    index = next((i for i, v in enumerate(route.variants) if v.name == name), None)
    var = route.variants[index] if index is not None else None
    nodes = {n.id: n for n in route.nodes}
    edges = {e.key: e for e in route.edges}
    paths = {p.id: p for p in route.paths}
    applied: list[str] = []

    def switch(ref: str, on: bool) -> None:
        if ref in nodes:
            nodes[ref] = nodes[ref].model_copy(update={"enabled": on})
        elif ref in edges:
            edges[ref] = edges[ref].model_copy(update={"enabled": on})
        else:
            paths[ref] = paths[ref].model_copy(update={"enabled": on})

    on = var.on if var is not None else None
    if on is not None:
        # Calendar events (until, weekdays, unquantified) are the calendar's
        # (truce.aid.route.calendar): a variant is the route as it stands for good on its date.
        dated = sorted(enumerate(route.changes), key=lambda ic: (ic[1].on, ic[0]))
        for i, c in dated:
            if c.on > on or c.is_event:
                continue
            applied.append(apply_change(i, c, nodes, edges, switch, where))
    if var is not None and index is not None:
        for ref in var.enable:
            switch(ref, True)
        for ref in var.disable:
            switch(ref, False)
        for ref, values in var.set_.items():
            loc = ("variant", index, "set", ref)
            if ref in nodes:
                nodes[ref] = _as_node(set_values(nodes[ref], values, loc, where))
            else:
                edges[ref] = _as_edge(set_values(edges[ref], values, loc, where))
        if var.enable or var.disable or var.set_:
            applied.append(f"variant {name}: {_effects(var.set_, var.enable, var.disable)}")
    in_use: list[RoutePath] = []
    unused: list[str] = []
    chosen = var.paths if var is not None and var.paths is not None else list(paths)
    for j, pid in enumerate(chosen):
        p = paths[pid]
        why = _not_in_use(p, nodes, edges)
        if why is None:
            in_use.append(p)
            continue
        if var is not None and var.paths is not None and index is not None:
            raise RouteError(
                f"{format_loc(('variant', index, 'paths', j))}: path {pid!r} is not in use in "
                f"variant {name!r}: {why} (enable it in the variant, or with a [[change]] dated "
                "on or before the variant's date)",
                where=where,
            )
        unused.append(f"{pid} ({why})")
    network = Network(route, name, on, nodes, edges, in_use, unused, applied)
    _check_bounded(network, index, where)
    return network


def apply_change(
    i: int,
    c: Change,
    nodes: dict[str, Node],
    edges: dict[str, Edge],
    switch: Callable[[str, bool], None],
    where: str,
) -> str:
    """Apply change ``i`` to ``nodes`` and ``edges`` in place; what it did, in words."""
    target = c.node if c.node is not None else c.edge
    sets: dict[str, dict[str, Any]] = {}
    if target is not None and c.set_ is not None:
        sets[target] = c.set_
        loc: tuple[int | str, ...] = ("change", i, "set")
        if target in nodes:
            nodes[target] = _as_node(set_values(nodes[target], c.set_, loc, where))
        else:
            edges[target] = _as_edge(set_values(edges[target], c.set_, loc, where))
    for ref in c.enable:
        switch(ref, True)
    for ref in c.disable:
        switch(ref, False)
    return f"{c.on.isoformat()}: {_effects(sets, c.enable, c.disable)}"


def _as_node(x: Node | Edge) -> Node:
    assert isinstance(x, Node)
    return x


def _as_edge(x: Node | Edge) -> Edge:
    assert isinstance(x, Edge)
    return x


def _effects(sets: dict[str, dict[str, Any]], enable: list[str], disable: list[str]) -> str:
    parts = [
        f"{ref} {k} = {_show_value(v)}" for ref, values in sets.items() for k, v in values.items()
    ]
    if enable:
        parts.append("enable " + ", ".join(enable))
    if disable:
        parts.append("disable " + ", ".join(disable))
    return "; ".join(parts)


def _show_value(v: Any) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return fmt(v)
    return str(v)


def _not_in_use(p: RoutePath, nodes: dict[str, Node], edges: dict[str, Edge]) -> str | None:
    if not p.enabled:
        return "the path is not enabled"
    off = [n for n in dict.fromkeys(p.nodes) if not nodes[n].enabled]
    if off:
        return f"node {', '.join(off)} not enabled"
    off = [k for k in p.edge_keys() if not edges[k].enabled]
    if off:
        return f"edge {', '.join(off)} not enabled"
    return None


def _check_bounded(net: Network, index: int | None, where: str) -> None:
    """Refuse a variant whose ceiling would be unbounded: some route from staging to reception
    passes only nodes and edges without a capacity."""
    what = f"variant {net.variant!r}: " if index is not None else ""
    hint = (
        "state capacity_trucks_per_day (or service_minutes with opening hours) on at least one "
        "node on it, or a capacity on one of its edges"
    )
    if net.by_paths:
        for p in net.paths:
            capped = any(node_capacity(net.nodes[n]) is not None for n in p.nodes) or any(
                net.edges[k].capacity_trucks_per_day is not None for k in p.edge_keys()
            )
            if not capped:
                raise RouteError(
                    f"{what}path {p.id!r} ({p.show()}) has no capacity on any node or edge, "
                    f"so its ceiling is unbounded: {hint}",
                    where=where,
                )
        return
    # Graph: search staging -> reception over uncapacitated nodes and edges only.
    free = {n.id for n in net.enabled_nodes() if node_capacity(n) is None}
    succ: dict[str, list[str]] = {}
    for e in net.enabled_edges():
        if e.capacity_trucks_per_day is None:
            succ.setdefault(e.from_, []).append(e.to)
    start = [n.id for n in net.enabled_nodes() if n.kind == "staging" and n.id in free]
    back: dict[str, str | None] = {s: None for s in start}
    queue = list(start)
    while queue:
        u = queue.pop(0)
        if net.nodes[u].kind == "reception":
            chain = [u]
            while back[chain[-1]] is not None:
                chain.append(back[chain[-1]])  # type: ignore[arg-type]
            raise RouteError(
                f"{what}the route {' > '.join(reversed(chain))} has no capacity on any node or "
                f"edge, so the ceiling is unbounded: {hint}",
                where=where,
            )
        for v in succ.get(u, []):
            if v in free and v not in back:
                back[v] = u
                queue.append(v)
