"""The ledger: reading events from files, and ledger directories (store, log, authority).

Names are loaded on first use (PEP 562): importing ``truce.ledger.log.merkle`` alone stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from truce.history import Entry, History
    from truce.ledger.load import load_days_csv, load_events_jsonl, load_ledger

_WHERE = {
    "Entry": "truce.history",
    "History": "truce.history",
    "load_days_csv": "truce.ledger.load",
    "load_events_jsonl": "truce.ledger.load",
    "load_ledger": "truce.ledger.load",
}

__all__ = [
    "Entry",
    "History",
    "load_days_csv",
    "load_events_jsonl",
    "load_ledger",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module the first time it is asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'truce.ledger' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
