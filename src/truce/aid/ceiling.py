"""The ceiling of a route variant: the most trucks per day from staging to reception, and what
limits it.

Two methods, chosen per variant:

- **max-flow** (networkx): each node is split into ``in -> out`` with the node's capacity on that
  arc; edges join ``out`` to ``in``. Used for a route without [[path]] tables, and for paths that
  pass no node twice and do not cross into routes the file does not list.
- **lp** (SciPy ``linprog``): one variable per path (its trucks per day), one constraint per
  capacity: the sum over paths of (passes through the element x the path's flow) <= capacity.
  Needed when a path passes a node twice (out to inspection and back through the same gate):
  both passes use the same capacity, which plain max flow cannot express.

A node or edge is **limiting** if lowering its capacity by one truck a day would lower the
ceiling (for a capacity of 0: if raising it by one truck a day would raise the ceiling). Where
capacities tie, every tied one is named. These are model results from the route file's figures,
not findings about any party.

networkx and SciPy are optional (the ``aid`` extra) and imported only when a ceiling is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

from truce.aid.route.capacity import capacity_basis, fmt, node_capacity
from truce.aid.route.network import Network, resolve
from truce.aid.route.schema import Route, RoutePath
from truce.errors import MissingExtra, RouteError

#: Max flow runs on whole thousandths of a truck per day, so that it is exact.
SCALE = 1000
#: The step used to test whether a capacity limits the ceiling: one truck per day.
STEP = 1.0

Method = Literal["max-flow", "lp"]
_S = ("source",)
_T = ("sink",)


@dataclass(frozen=True)
class Ceiling:
    """The most trucks per day a variant can carry from staging to reception, and why.

    ``trucks_per_day`` is rounded to one decimal; ``limiting`` names nodes by id and edges as
    ``"from->to"``; ``explanation`` says, line by line, how the figure was reached.
    """

    variant: str
    trucks_per_day: float
    limiting: list[str]
    method: Method
    explanation: list[str]


def _networkx() -> Any:
    try:
        import networkx
    except ImportError:
        raise MissingExtra("networkx", "aid") from None
    return networkx


def _linprog() -> Any:
    try:
        from scipy.optimize import linprog
    except ImportError:
        raise MissingExtra("scipy", "aid") from None
    return linprog


# A solver: capacities by element -> (trucks per day, use of each capacitated element).
Solver = Callable[[dict[str, float]], tuple[float, dict[str, float]]]


def ceiling(route: Route, variant: str | None = None) -> Ceiling:
    """The ceiling of one variant (default: the first; "base" for a route without variants)."""
    return network_ceiling(resolve(route, variant))


def ceilings(route: Route) -> list[Ceiling]:
    """The ceiling of every variant, in file order."""
    return [ceiling(route, name) for name in route.variant_names()]


def network_ceiling(net: Network) -> Ceiling:
    """The ceiling of a resolved variant (``truce.aid.route.resolve``), with its explanation."""
    lines: list[str] = []
    if net.on is not None:
        lines.append(f"the route on {net.on.isoformat()}")
    elif net.route.changes:
        lines.append("the route as declared (no dated change applied)")
    lines.extend(f"applied {a}" for a in net.applied)
    caps, free = _capacities(net)
    method: Method
    if net.by_paths:
        lines.append(
            "paths in use: "
            + (", ".join(f"{p.id} ({p.show()})" for p in net.paths) if net.paths else "none")
        )
        if net.unused:
            lines.append("paths not in use: " + ", ".join(net.unused))
        reason = _needs_lp(net)
        if reason is None:
            method, solve = "max-flow", _max_flow_solver(net)
            lines.append(
                "method: maximum flow (networkx) over the paths' nodes and edges, each node split "
                "into in and out with its capacity between"
            )
        else:
            method, solve = "lp", _lp_solver(net.paths, caps)
            lines.append(f"method: linear program (SciPy) over the trucks on each path, {reason}")
    else:
        method, solve = "max-flow", _max_flow_solver(net)
        staging = [n.id for n in net.enabled_nodes() if n.kind == "staging"]
        reception = [n.id for n in net.enabled_nodes() if n.kind == "reception"]
        lines.append(
            f"network: {len(net.enabled_nodes())} nodes and {len(net.enabled_edges())} edges in "
            f"use, from staging ({', '.join(staging) or 'none'}) to reception "
            f"({', '.join(reception) or 'none'})"
        )
        lines.append(
            "method: maximum flow (networkx), each node split into in and out with its capacity "
            "between"
        )
    if caps:
        lines.append(
            "capacities (trucks/day): "
            + ", ".join(f"{e} {fmt(c)} ({_basis(net, e)})" for e, c in caps.items())
        )
    if free:
        lines.append("no capacity given (not limiting): " + ", ".join(free))

    value, used = solve(caps)
    tol = 1e-6 * max(1.0, value)
    if value <= tol and not caps:
        lines.append("no route from staging to reception is in use: the ceiling is 0")
        return Ceiling(net.variant, 0.0, [], method, lines)
    limiting: list[str] = []
    for e, cap in caps.items():
        if cap <= 0:
            raised, _ = solve({**caps, e: STEP})
            if raised > value + tol:
                limiting.append(e)
        elif used.get(e, 0.0) >= cap - STEP - tol:
            lowered, _ = solve({**caps, e: max(0.0, cap - STEP)})
            if lowered < value - tol:
                limiting.append(e)
    if method == "lp":
        plan = _lp_plan(net.paths, caps)
        lines.append("trucks/day by path in one best plan: " + plan)
    else:
        cut = _min_cut(net, caps)
        if cut:
            lines.append(
                "a minimum cut: "
                + " + ".join(f"{e} {fmt(caps[e])}" for e in cut)
                + f" = {fmt(sum(caps[e] for e in cut))}"
            )
    if caps:
        lines.append(
            "use of each capacity in that plan: "
            + ", ".join(f"{e} {fmt(used.get(e, 0.0))} of {fmt(c)}" for e, c in caps.items())
        )
    if limiting:
        lines.append(
            f"limiting: {', '.join(limiting)}: lowering "
            + ("its capacity" if len(limiting) == 1 else "the capacity of any one of them")
            + " by one truck a day lowers the ceiling"
        )
    else:
        lines.append("limiting: none (no route from staging to reception is in use)")
    payload = net.route.route.payload_tonnes_per_truck
    tonnes = (
        f" (about {fmt(round(value * payload))} t/day at {fmt(payload)} t per truck)"
        if payload
        else ""
    )
    lines.append(f"ceiling: {fmt(value)} trucks/day{tonnes}")
    return Ceiling(net.variant, round(value, 1), limiting, method, lines)


def ceiling_solver(net: Network) -> tuple[dict[str, float], Solver]:
    """The finite capacities of the elements in use (element -> trucks/day), and the solver the
    ceiling uses for this variant: call it with changed capacities for the ceiling they give
    (and the use of each element). Max flow, or the linear program where the paths need it."""
    caps, _ = _capacities(net)
    if net.by_paths and _needs_lp(net) is not None:
        return caps, _lp_solver(net.paths, caps)
    return caps, _max_flow_solver(net)


def _basis(net: Network, element: str) -> str:
    if element in net.nodes:
        return capacity_basis(net.nodes[element])
    return "stated"


def _elements(net: Network) -> tuple[list[str], list[str]]:
    """Nodes and edges in use (on a path in use, or enabled in a graph), in file order."""
    if net.by_paths:
        on_paths_nodes = {n for p in net.paths for n in p.nodes}
        on_paths_edges = {k for p in net.paths for k in p.edge_keys()}
        nodes = [n for n in net.nodes if n in on_paths_nodes]
        edges = [k for k in net.edges if k in on_paths_edges]
        return nodes, edges
    return [n.id for n in net.enabled_nodes()], [e.key for e in net.enabled_edges()]


def _capacities(net: Network) -> tuple[dict[str, float], list[str]]:
    """Finite capacities by element, and the elements in use without one."""
    nodes, edges = _elements(net)
    caps: dict[str, float] = {}
    free: list[str] = []
    for n in nodes:
        c = node_capacity(net.nodes[n])
        if c is None:
            free.append(n)
        else:
            caps[n] = c
    for k in edges:
        ce = net.edges[k].capacity_trucks_per_day
        if ce is not None:
            caps[k] = ce
    return caps, free


def _needs_lp(net: Network) -> str | None:
    """Why the listed paths need the linear program, or None when max flow is exact for them."""
    for p in net.paths:
        rep = p.repeated()
        if rep:
            shared = ", ".join(rep)
            capped = [n for n in rep if node_capacity(net.nodes[n]) is not None]
            note = (
                "" if capped else f" ({shared} has no capacity here, so the sharing does not bind)"
            )
            return (
                f"because path {p.id} passes {shared} twice and both passes share its "
                f"capacity{note}"
            )
    if not net.paths:
        return None
    nx = _networkx()
    graph = _graph(net, {})
    listed = {tuple(p.nodes) for p in net.paths}
    found = islice(nx.all_simple_paths(graph, _S, _T), len(listed) + 1)
    if sum(1 for _ in found) > len(listed):
        return (
            "because the listed paths meet and a maximum flow could also use routes the file "
            "does not list"
        )
    return None


def _graph(net: Network, caps: dict[str, float]) -> Any:
    """The split graph: S -> staging(in); n(in) -> n(out) [capacity]; u(out) -> v(in);
    reception(out) -> T. Capacities are in thousandths of a truck per day (integers)."""
    nx = _networkx()
    g = nx.DiGraph()
    g.add_node(_S)
    g.add_node(_T)
    nodes, edges = _elements(net)
    for n in nodes:
        attrs: dict[str, Any] = {"element": n}
        if n in caps:
            attrs["capacity"] = round(caps[n] * SCALE)
        g.add_edge(("in", n), ("out", n), **attrs)
    for k in edges:
        e = net.edges[k]
        attrs = {"element": k}
        if k in caps:
            attrs["capacity"] = round(caps[k] * SCALE)
        g.add_edge(("out", e.from_), ("in", e.to), **attrs)
    if net.by_paths:
        starts = {p.nodes[0] for p in net.paths}
        ends = {p.nodes[-1] for p in net.paths}
    else:
        starts = {n for n in nodes if net.nodes[n].kind == "staging"}
        ends = {n for n in nodes if net.nodes[n].kind == "reception"}
    for n in sorted(starts):
        g.add_edge(_S, ("in", n))
    for n in sorted(ends):
        g.add_edge(("out", n), _T)
    return g


def _max_flow_solver(net: Network) -> Solver:
    nx = _networkx()
    from networkx.algorithms.flow import edmonds_karp

    def solve(caps: dict[str, float]) -> tuple[float, dict[str, float]]:
        g = _graph(net, caps)
        try:
            # Edmonds-Karp: on these small graphs about 1.9x preflow-push, networkx's default
            value, flow = nx.maximum_flow(g, _S, _T, flow_func=edmonds_karp)
        except nx.NetworkXUnbounded:  # pragma: no cover - refused when the route is resolved
            raise RouteError(
                f"variant {net.variant!r}: the ceiling is unbounded (a route without capacities)"
            ) from None
        used: dict[str, float] = {}
        for u, v, data in g.edges(data=True):
            if "element" in data:
                used[data["element"]] = flow[u][v] / SCALE
        return value / SCALE, used

    return solve


def _min_cut(net: Network, caps: dict[str, float]) -> list[str]:
    """The elements on one minimum cut (the one nearest the staging areas)."""
    nx = _networkx()
    g = _graph(net, caps)
    _, (near, _far) = nx.minimum_cut(g, _S, _T)
    cut = {
        data["element"]
        for u, v, data in g.edges(data=True)
        if u in near and v not in near and "element" in data
    }
    return [e for e in caps if e in cut]


def _usage(paths: list[RoutePath], caps: dict[str, float]) -> list[list[int]]:
    """Passes of each path (columns) through each capacitated element (rows)."""
    rows = []
    for e in caps:
        rows.append([p.nodes.count(e) if "->" not in e else p.edge_keys().count(e) for p in paths])
    return rows


def _solve_lp(paths: list[RoutePath], caps: dict[str, float]) -> tuple[float, list[float]]:
    if not paths:
        return 0.0, []
    linprog = _linprog()
    res = linprog(
        c=[-1.0] * len(paths),
        A_ub=_usage(paths, caps) or None,
        b_ub=list(caps.values()) or None,
        bounds=[(0, None)] * len(paths),
        method="highs",
    )
    if res.status == 3:  # pragma: no cover - refused when the route is resolved
        raise RouteError("the ceiling is unbounded (a path without capacities)")
    if res.status != 0:  # pragma: no cover - the problem is always feasible (no flow)
        raise RuntimeError(f"linear program failed: {res.message}")
    return float(-res.fun), [float(x) for x in res.x]


def _lp_solver(paths: list[RoutePath], caps0: dict[str, float]) -> Solver:
    def solve(caps: dict[str, float]) -> tuple[float, dict[str, float]]:
        value, x = _solve_lp(paths, caps)
        rows = _usage(paths, caps)
        used = {
            e: sum(a * xi for a, xi in zip(row, x, strict=True))
            for e, row in zip(caps, rows, strict=True)
        }
        return value, used

    return solve


def _lp_plan(paths: list[RoutePath], caps: dict[str, float]) -> str:
    _, x = _solve_lp(paths, caps)
    return ", ".join(f"{p.id} {fmt(xi)}" for p, xi in zip(paths, x, strict=True))


def path_plan(net: Network) -> dict[str, float]:
    """Trucks/day on each path in use in one best plan (the linear program over the paths; a
    route with [[path]] tables only). Which of several best plans is returned is HiGHS's
    choice, the same every time."""
    if not net.by_paths:
        raise RouteError(f"variant {net.variant!r}: a plan by path needs [[path]] tables")
    caps, _ = _capacities(net)
    _, x = _solve_lp(net.paths, caps)
    return {p.id: xi for p, xi in zip(net.paths, x, strict=True)}
