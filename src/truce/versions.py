"""Terms versions: the base terms and amendments, each in force from its effective time.

A pause day is judged under the version in force when the day began (its ratio, captives per
day, body weight, carry, grace hours and aid commitment). What fixes the calendar and the
parties (agreement, parties, initial phase, which categories count) cannot be amended: a
different deal is a new ledger.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from truce.terms import Terms

FIXED = ("agreement", "parties", "initial")


@dataclass(frozen=True)
class Amendment:
    """Terms in force from ``effective_at``; ``ref`` is the event that set them."""

    effective_at: datetime
    terms: Terms
    ref: str
    recorded_at: datetime | None = None  # amendments recorded after ``as_of`` are not known yet


def fixed_difference(base: Terms, new: Terms) -> str | None:
    """What an amendment changes that cannot be amended, in words; None if it may apply."""
    a = base.model_dump(mode="json", by_alias=True)
    b = new.model_dump(mode="json", by_alias=True)
    for part in FIXED:
        if a.get(part) != b.get(part):
            return (
                f"[{part}] differs from the base terms; it cannot be amended (start a new ledger)"
            )
    if {c.id: c.counts for c in base.categories} != {c.id: c.counts for c in new.categories}:
        return "the categories or which of them count differ; they cannot be amended"
    if (base.extension is None) != (new.extension is None):
        return "an amendment cannot add or remove the [extension] table"
    return None


class TermsBook:
    """Which version is in force at a time: version 1 is the base, from the beginning."""

    def __init__(self, base: Terms, amendments: Sequence[Amendment] = ()) -> None:
        ordered = sorted(amendments, key=lambda a: a.effective_at.timestamp())
        self.terms: list[Terms] = [base, *(a.terms for a in ordered)]
        self.refs: list[str] = ["", *(a.ref for a in ordered)]
        self.effective: list[datetime | None] = [None, *(a.effective_at for a in ordered)]
        self._ts = [a.effective_at.timestamp() for a in ordered]

    def __len__(self) -> int:
        return len(self.terms)

    def version_at(self, ts: float) -> int:
        """The version number (from 1) in force at POSIX time ``ts``."""
        return bisect.bisect_right(self._ts, ts) + 1

    def at(self, ts: float) -> Terms:
        """The terms in force at POSIX time ``ts``."""
        return self.terms[self.version_at(ts) - 1]
