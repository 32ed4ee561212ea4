"""The event builder the example-ledger scripts share (tools/build_gaza_ledger.py and
tools/build_gaza2025_ledger.py): each event in the examples' shape, with its sources."""

from __future__ import annotations

TZ = "+02:00"
RECORDED_BY = "truce-example"

events: list[dict[str, object]] = []
"""The events built so far, in the order built (a script sorts or prints them)."""


def ev(
    id_: str,
    type_: str,
    at: str,
    by: str,
    sources: list[str],
    rec: str | None = None,
    note: str | None = None,
    **kw: object,
) -> dict[str, object]:
    """Add an event at local time ``at`` (``rec``: when it was recorded, if later), declared by
    ``by`` and recorded by the examples' recorder; ``kw`` are its type's own fields."""
    e: dict[str, object] = {
        "id": id_,
        "type": type_,
        "at": at + TZ,
        "recorded_at": (rec or at) + TZ,
        "declared_by": by,
        "recorded_by": RECORDED_BY,
        "sources": sources,
    }
    if note:
        e["note"] = note
    e.update(kw)
    events.append(e)
    return e
