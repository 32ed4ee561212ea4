"""Reading events into an ordered history (JSON Lines or a day-summary CSV)."""

from truce.ledger.history import Entry, History
from truce.ledger.load import load_days_csv, load_events_jsonl, load_ledger

__all__ = ["Entry", "History", "load_days_csv", "load_events_jsonl", "load_ledger"]
