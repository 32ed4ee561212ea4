"""Moved to :mod:`truce.history` (the model layer); kept until every caller imports it there."""

from truce.history import Entry, History

__all__ = ["Entry", "History"]
