"""Small builders for terms and events used by unit tests."""

from __future__ import annotations

from typing import Any

from truce.events import EVENT_ADAPTER, Event
from truce.history import History
from truce.terms import Terms, parse_terms


def make_terms(**over: Any) -> Terms:
    """A small pause: 2 initial days for 6 captives, +1 day per 3, ratio 3, London clock."""
    data: dict[str, Any] = {
        "agreement": {
            "name": "unit",
            "timezone": "Europe/London",
            "start": "2025-01-10T07:00",
            "initial_days": 2,
        },
        "parties": {
            "holder": {"id": "h", "name": "Holder"},
            "receiver": {"id": "r", "name": "Receiver"},
            "mediators": [{"id": "m", "name": "Mediator"}],
            "observers": [{"id": "o", "name": "Observer"}],
            "reference": "m",
        },
        "initial": {"captives": 6},
        "extension": {"captives_per_day": 3, "body_weight": "0", "carry_surplus": False},
        "exchange": {"prisoners_per_captive": 3, "prisoners_due_within_hours": 24},
        "category": [
            {"id": "women", "counts": True},
            {"id": "children", "counts": True, "prisoners_per_captive": 4},
            {"id": "men", "counts": False},
        ],
        "aid": {"trucks_per_day": 100, "basis": "received"},
    }
    for key, value in over.items():
        section, _, field = key.partition("__")
        if field:
            data[section][field] = value
        else:
            data[section] = value
    return parse_terms(data)


def E(
    type_: str, id_: str, at: str, by: str = "m", recorded: str | None = None, **kw: Any
) -> Event:
    """An event; ``at`` is local London time written like '2025-01-10T16:00' (offset added)."""
    at_full = at if "+" in at[10:] else at + "+00:00"
    rec = recorded or at
    rec_full = rec if "+" in rec[10:] else rec + "+00:00"
    obj = {
        "id": id_,
        "type": type_,
        "at": at_full,
        "recorded_at": rec_full,
        "declared_by": by,
        "recorded_by": "test",
        **kw,
    }
    return EVENT_ADAPTER.validate_python(obj)


def hist(*events: Event) -> History:
    return History.of(events)
