"""Moved to :mod:`truce.clock` (the core layer); kept until every caller imports it there."""

from truce.clock import PauseCalendar, Resolved, is_in_gap, known_zone, resolve_local

__all__ = ["PauseCalendar", "Resolved", "is_in_gap", "known_zone", "resolve_local"]
