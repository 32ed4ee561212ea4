"""A node's daily capacity, where it comes from, and how figures are written."""

from __future__ import annotations

from truce.aid.route.schema import Node


def node_capacity(node: Node) -> float | None:
    """Trucks per day the node can pass: the stated capacity if given, else
    lanes x open hours x 60 / service_minutes x (1 - reject_probability); None means no limit."""
    if node.capacity_trucks_per_day is not None:
        return node.capacity_trucks_per_day
    hours = node.open_hours
    if node.service_minutes is None or hours is None:
        return None
    return node.lanes * hours * 60 / node.service_minutes * (1 - node.reject_probability)


def fmt(x: float) -> str:
    """A number as people write it: at most one decimal, thousands separated."""
    text = f"{round(x, 1):,.1f}"
    return text[:-2] if text.endswith(".0") else text


def capacity_basis(node: Node) -> str:
    """Where a node's capacity comes from, in words."""
    hours = node.open_hours
    formula = None
    if node.service_minutes is not None and hours is not None:
        formula = (
            f"{node.lanes} lane{'s' if node.lanes != 1 else ''} x {fmt(hours)} h x 60 / "
            f"{fmt(node.service_minutes)} min"
        )
        if node.reject_probability:
            formula += f" x (1 - {node.reject_probability:g})"
    if node.capacity_trucks_per_day is not None:
        if formula is None:
            return "stated"
        computed = node_capacity(node.model_copy(update={"capacity_trucks_per_day": None}))
        assert computed is not None
        return f"stated; {formula} would give {fmt(computed)}"
    return formula or "no capacity"
