"""Small hand-checkable routes for the aid tests, built as mappings (as a TOML file would give)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from truce.aid.route import Route, parse_route


def node(nid: str, kind: str = "other", cap: float | None = None, **kw: Any) -> dict[str, Any]:
    """A node table; ``cap`` is capacity_trucks_per_day."""
    out: dict[str, Any] = {"id": nid, "name": nid.title(), "kind": kind, **kw}
    if cap is not None:
        out["capacity_trucks_per_day"] = cap
    return out


def edge(a: str, b: str, **kw: Any) -> dict[str, Any]:
    """An edge table from a to b."""
    return {"from": a, "to": b, **kw}


def route(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    paths: list[dict[str, Any]] | None = None,
    changes: list[dict[str, Any]] | None = None,
    variants: list[dict[str, Any]] | None = None,
    payload: float | None = None,
) -> Route:
    """A validated route from its tables."""
    data: dict[str, Any] = {
        "route": {"name": "test route", "timezone": "Asia/Jerusalem"},
        "node": nodes,
        "edge": edges,
    }
    if payload is not None:
        data["route"]["payload_tonnes_per_truck"] = payload
    for key, value in (("path", paths), ("change", changes), ("variant", variants)):
        if value is not None:
            data[key] = value
    return parse_route(data, where="test")


def chain(*caps: float | None) -> Route:
    """staging s -> n1 -> n2 ... -> reception r, node i with capacity caps[i] (None: no capacity)."""
    ids = [f"n{i + 1}" for i in range(len(caps))]
    nodes = [node("s", "staging"), *(node(i, cap=c) for i, c in zip(ids, caps, strict=True))]
    nodes.append(node("r", "reception"))
    order = ["s", *ids, "r"]
    return route(nodes, [edge(a, b) for a, b in pairwise(order)])
