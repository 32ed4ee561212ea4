"""Moved to :mod:`truce.versions` (the model layer); kept until every caller imports it there."""

from truce.versions import FIXED, Amendment, TermsBook, fixed_difference

__all__ = ["FIXED", "Amendment", "TermsBook", "fixed_difference"]
