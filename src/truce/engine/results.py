"""What the engine returns: a pause's ``State``, its day rows and its findings (plain data).

The judge (:mod:`truce.engine.judge`) computes them; :func:`truce.engine.state.replay` is the
entry point. Traces are built lazily (:mod:`truce.engine.trace`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from truce.clock import PauseCalendar
from truce.engine.tally import Disputed
from truce.engine.trace import LazyRefs, Refs, Thunk, Trace
from truce.history import Entry
from truce.terms import Terms
from truce.versions import TermsBook

if TYPE_CHECKING:
    from truce.engine.stage_results import StagesJudged

__all__ = ["FINDING_KEY", "DayRow", "Disputed", "Finding", "LazyActs", "State"]

FINDING_KEY = "finding"
"""``finding:<n>``: the key that names the n-th finding (from 1) for ``State.why``."""


class Finding:
    """An obligation met or not (``met|short|over|pending|unknown``), explained and traced.

    ``trace`` names only the finding's own day (for the initial phase: its days): the terms keys
    and the events recorded that day, so a status document grows with the ledger, not with its
    square. ``full_trace`` is everything the finding was computed from (e.g. the releases of
    every earlier day a cumulative prisoners finding adds up), built on request;
    ``why`` (``finding:<n>``) names it for ``State.why`` and ``truce status --why``.
    """

    __slots__ = ("_full", "_trace", "date", "day", "detail", "kind", "status", "why")

    def __init__(
        self,
        day: int | None,
        date: str | None,
        kind: str,
        status: str,
        detail: str,
        trace: Refs | Thunk,
        full: Refs | Thunk | None = None,
    ) -> None:
        self.day = day
        self.date = date
        self.kind = kind  # captives | prisoners | aid | extension
        self.status = status
        self.detail = detail
        self._trace = LazyRefs(trace)
        self._full = self._trace if full is None else LazyRefs(full)
        self.why = ""  # "finding:<n>", its place in State.findings (set by the judge)

    @property
    def trace(self) -> Refs:
        """The references of this finding's own day: its terms keys and that day's events."""
        return self._trace.get()

    @property
    def full_trace(self) -> Refs:
        """Every reference behind this finding, earlier days included (built on first use)."""
        return self._full.get()

    def as_dict(self) -> dict[str, object]:
        """Plain fields, the own-day trace and the ``why`` key included."""
        return {
            "day": self.day,
            "date": self.date,
            "kind": self.kind,
            "status": self.status,
            "detail": self.detail,
            "trace": self.trace,
            "why": self.why,
        }


@dataclass
class DayRow:
    """One pause day as the day-by-day table shows it."""

    day: int
    date: str
    starts: datetime
    ends: datetime
    live: int
    bodies: int
    credited: int
    counted: Fraction
    outside: int
    separate: int
    not_covered: int
    prisoners_due: Fraction
    prisoners_released: int
    aid: int | None
    granted: int  # days granted on this day (recorded extensions, or inferred)
    phase: str  # initial | extension | beyond
    lazy_trace: LazyRefs
    terms_version: int = 1  # the terms version in force when the day began

    @property
    def trace(self) -> Refs:
        """The events and rows behind this day's figures."""
        return self.lazy_trace.get()


@dataclass
class State:
    """The state of a pause at ``at`` given what was recorded by ``as_of``; every figure traced."""

    terms: Terms
    at: datetime
    as_of: datetime | None
    active: bool
    starts_at: datetime | None
    ends_at: datetime | None
    ended_at: datetime | None
    basis: str  # recorded | inferred | none
    pause_days: int
    current_day: int | None
    counted: Fraction
    balance: Fraction
    creditable: int
    credits_used: int
    outside_released: int
    prisoners_due: Fraction
    prisoners_released: int
    days: list[DayRow]
    findings: list[Finding]
    disputed: list[Disputed]
    lazy_acts: LazyActs  # recorded acts and claims, in plain words (rendered on first use)
    notes: list[str]
    trace: Trace
    entries: list[Entry]  # the events the state was folded from, in time order
    released_ids: dict[str, tuple[str | None, str, str]]  # captive id -> (category, track, ref)
    book: TermsBook | None = None  # the terms versions (None: the base terms only)
    stages: StagesJudged | None = None  # phased terms: the stage engine's judgement

    @property
    def acts(self) -> list[dict[str, object]]:
        """Recorded acts and claims, attributed, in plain words (never judged)."""
        return self.lazy_acts.get()

    def terms_for_day(self, day: int) -> Terms:
        """The terms in force when pause day ``day`` begins (amendments apply from their time)."""
        if self.book is None or len(self.book) == 1 or self.starts_at is None:
            return self.terms
        cal = PauseCalendar(self.terms.agreement.start, self.terms.agreement.zone)  # type: ignore[arg-type]
        return self.book.at(cal.boundary_ts(max(day, 1) - 1))

    def why(self, key: str) -> Refs:
        """The references behind a figure (a key of ``trace``, e.g. ``pause_days``) or behind a
        finding in full (``finding:<n>``, the n-th finding from 1, as its ``why`` names it).
        Raises KeyError for any other key."""
        if key in self.trace:
            return self.trace[key]
        kind, _, n = key.partition(":")
        if (
            kind == FINDING_KEY
            and n.isascii()
            and n.isdigit()
            and 1 <= int(n) <= len(self.findings)
        ):
            return self.findings[int(n) - 1].full_trace
        raise KeyError(key)

    def row(self, day: int) -> DayRow | None:
        """The table row of one pause day, if the state has it (e.g. credits granted in advance)."""
        index = self.__dict__.get("_rows_by_day")
        if index is None:
            index = self.__dict__["_rows_by_day"] = {r.day: r for r in self.days}
        return index.get(day)


class LazyActs:
    """The acts list, built when first asked for: checks that only need the judgement (such as
    validating an append) never pay for it."""

    __slots__ = ("_cal", "_done", "_entries", "_indices")

    def __init__(self, entries: list[Entry], indices: list[int], cal: PauseCalendar | None) -> None:
        self._entries, self._indices, self._cal = entries, indices, cal
        self._done: list[dict[str, object]] | None = None

    def get(self) -> list[dict[str, object]]:
        if self._done is None:
            self._done = [_act(self._entries[i], self._cal) for i in self._indices]
        return self._done


def _act(en: Entry, cal: PauseCalendar | None) -> dict[str, object]:
    """A recorded act or claim, attributed, in plain words (never judged)."""
    ev = en.event
    day = cal.day_of_ts(en.ts) if cal is not None else None
    what = ""
    if ev.type == "claim":
        what = ev.text
    elif ev.type == "list_announced":
        parts = [f"{len(ev.captives)} listed" if ev.captives is not None else f"{ev.live} live"]
        if ev.bodies:
            parts.append(f"{ev.bodies} bodies")
        if ev.credit:
            parts.append(f"{ev.credit} credited")
        what = (f"for day {ev.for_day}: " if ev.for_day else "") + " + ".join(parts)
    elif ev.type in ("list_accepted", "list_rejected"):
        what = f"list {ev.list}"
    elif ev.type == "names_given":
        n = len(ev.captives) if ev.captives is not None else ev.live + ev.bodies
        what = f"names of {n} for batch {ev.batch}"
    elif ev.type == "release_held_back":
        held = f"{ev.held} " if ev.held is not None else ""
        what = f"{held}held back by the {ev.side} (batch {ev.batch})"
    elif ev.type == "bodies_returned":
        what = f"{ev.count} bodies returned by the {ev.side}"
    elif ev.type == "next_stage_event":
        what = f"what opens the stage after {ev.stage}"
    else:
        what = ev.type.replace("_", " ")
    return {
        "day": day if day is not None and day >= 1 else None,
        "at": ev.at.isoformat(),
        "type": ev.type,
        "declared_by": ev.declared_by,
        "what": what,
        "note": ev.note,
        "ref": en.ref,
    }
