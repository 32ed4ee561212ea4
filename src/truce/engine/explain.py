"""Trace references: resolve each to what it points at, and render it in plain words (pure).

A reference is ``terms:<key path>`` (e.g. ``terms:extension.captives_per_day``,
``terms:category.women.prisoners_per_captive``), ``event:<id>``, ``csv:<line>`` (a day-summary
row) or ``list:<file>:<n>`` (the n-th entry of a proposed list).
"""

from __future__ import annotations

from typing import Any

from truce.exact import show
from truce.history import History
from truce.terms import Terms


class UnresolvedReference(LookupError):
    """A trace reference that points at nothing."""


def resolve_ref(ref: str, terms: Terms, history: History | None = None) -> Any:
    """What a reference points at: a terms value, an event, or a CSV row's events."""
    kind, _, rest = ref.partition(":")
    if kind == "terms":
        return _terms_value(terms, rest, ref)
    if kind == "event":
        entry = history.get(rest) if history is not None else None
        if entry is None:
            raise UnresolvedReference(ref)
        return entry.event
    if kind == "csv":
        rows = [e.event for e in (history or []) if e.ref == ref]
        if not rows:
            raise UnresolvedReference(ref)
        return rows
    if kind == "list":
        return rest
    raise UnresolvedReference(ref)


def _terms_value(terms: Terms, path: str, ref: str) -> Any:
    parts = path.split(".")
    if parts[0] == "stage" and len(parts) >= 2:  # stage.<id>[.batch.<id>|.commitment.<id>]...
        node_s: Any = next((s for s in terms.stages if s.id == parts[1]), None)
        if node_s is None:
            raise UnresolvedReference(ref)
        parts = parts[2:]
        if len(parts) >= 2 and parts[0] in ("batch", "commitment"):
            items = node_s.batches if parts[0] == "batch" else node_s.commitments
            node_s = next((x for x in items if x.id == parts[1]), None)
            if node_s is None:
                raise UnresolvedReference(ref)
            parts = parts[2:]
        for p in parts:
            if node_s is None or not hasattr(node_s, p):
                raise UnresolvedReference(ref)
            node_s = getattr(node_s, p)
        return node_s
    if parts[0] == "category" and len(parts) >= 2:
        cat = terms.category(parts[1])
        if cat is None:
            raise UnresolvedReference(ref)
        node: Any = cat
        parts = parts[2:]
    else:
        node = terms
    for p in parts:
        if not hasattr(node, p) or node is None:
            raise UnresolvedReference(ref)
        node = getattr(node, p)
    return node


def describe_ref(ref: str, terms: Terms, history: History | None = None) -> str:
    """One line saying what a reference is, for explanations."""
    value = resolve_ref(ref, terms, history)
    kind, _, rest = ref.partition(":")
    if kind == "terms":
        if isinstance(value, bool):
            shown: object = "true" if value else "false"
        elif isinstance(value, int) or hasattr(value, "numerator"):
            shown = show(value)
        else:
            shown = value
        if hasattr(value, "model_dump"):  # a whole table (a stage, a batch): its id and source
            shown = getattr(value, "id", None) or rest
            src = getattr(value, "source", None)
            return f"{rest} (terms{'; ' + src if src else ''})"
        if value is None:
            shown = "none"
        return f"{rest} = {shown} (terms)"
    if kind == "event":
        ev = value
        extra = ""
        if ev.type == "captives_released":
            n = len(ev.captives) if ev.captives is not None else ev.live + ev.bodies
            extra = f": {n} captive(s), {ev.track}"
        elif ev.type == "prisoners_released":
            extra = f": {ev.count} prisoner(s)"
        elif ev.type == "credit_granted":
            extra = f": {ev.count} toward day {ev.toward_day}"
        elif ev.type == "extension_agreed":
            extra = f": +{ev.days} day(s)"
        elif ev.type == "aid_delivered":
            extra = f": {ev.trucks} trucks {ev.basis}"
        if getattr(ev, "batch", None) is not None:
            extra += f" (batch {ev.batch})"
        src = f"; sources {', '.join(ev.sources)}" if ev.sources else ""
        return f"{ev.id} at {ev.at.isoformat()}, declared by {ev.declared_by}: {ev.type.replace('_', ' ')}{extra}{src}"
    if kind == "csv":
        return f"day-summary row at line {rest}"
    return f"proposed list entry {rest}"


def explain(refs: list[str], terms: Terms, history: History | None = None) -> list[str]:
    """The distinct references of a trace, each as a line of plain words, in first-seen order."""
    seen: dict[str, None] = dict.fromkeys(refs)
    return [describe_ref(r, terms, history) for r in seen]
