"""What the stage engine returns (plain data), and the small time rules it judges with.

:mod:`truce.engine.stages` computes these; docs/semantics.md ("Stages, phases and scheduled
batches") says what each field means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from truce.engine import rules
from truce.exact import show
from truce.terms import Deadline, Stage

if TYPE_CHECKING:
    from truce.engine.stage_match import StageWindows

__all__ = [
    "BatchJudged",
    "Notice",
    "Side",
    "StageFinding",
    "StageJudged",
    "StagesJudged",
    "deadline",
    "hours_after",
    "iso",
    "price_text",
    "reached_at",
    "stage_days",
    "status_of",
]


@dataclass(frozen=True)
class Side:
    """One side of a batch: what was due and by when, what was released, and the status."""

    due: Fraction | None  # None: unknown (no sourced price) or not yet fixed (nothing handed over)
    due_by: datetime | None
    released: int
    status: str  # met | short | late | pending | unknown
    detail: str
    refs: list[str]


@dataclass(frozen=True)
class Notice:
    """The names' notice for a batch: due ``hours`` before the handover."""

    hours: int
    due_by: datetime | None
    given_at: datetime | None
    status: str
    detail: str
    refs: list[str]


@dataclass
class BatchJudged:
    """A scheduled batch (or a handover answering none: ``scheduled`` False), judged."""

    id: str
    scheduled: bool
    window: tuple[datetime, datetime] | None
    captives: Side
    prisoners: Side
    answering: int  # captives that answer it (by the ``batch`` field or the schedule)
    living: int
    bodies: int
    by_category: dict[str, dict[str, object]]
    names: Notice | None
    held_back: list[str]  # plain-words lines of recorded holds
    refs: list[str]


@dataclass(frozen=True)
class StageFinding:
    """A stage finding: kind, status, plain-words detail, and the references behind it."""

    stage: str
    day: int | None
    date: str | None
    kind: str  # captives | prisoners | notice | schedule | bodies | commitment | next | batch
    status: str
    detail: str
    refs: list[str]


@dataclass
class StageJudged:
    """One stage at ``at``."""

    id: str
    name: str | None
    starts_at: datetime
    ends_at: datetime
    status: str  # ahead | running | ended | conditional (not opened as recorded)
    days: int  # stage days (hours-stages: rounded up)
    current_day: int | None
    captives: Side | None  # what the stage calls for in all (``captives``), cumulative
    prisoners: Side | None  # the stage's fixed price for its whole release, if the terms fix one
    prisoners_due: Fraction | None  # sum of the batches' dues; None if any is unknown
    prisoners_known_due: Fraction  # sum of the known dues only
    prisoners_released: int
    living: int  # counted living captives handed over in the stage
    bodies: int  # counted bodies handed over in the stage
    batches: list[BatchJudged]
    unscheduled: list[BatchJudged]
    bodies_for_bodies: dict[str, Side] | None
    commitments: list[dict[str, object]]
    next: dict[str, object] | None
    findings: list[StageFinding] = field(default_factory=list)


@dataclass
class StagesJudged:
    """Every stage at ``at``, with the findings in stage order and notes."""

    at: datetime
    stages: list[StageJudged]
    findings: list[StageFinding]
    notes: list[str]
    counted: int
    outside: int
    separate: int
    not_covered: int


def stage_days(st: Stage) -> int:
    """A stage's length in stage days (a stage in hours: rounded up)."""
    return st.days if st.days is not None else -(-(st.hours or 0) // 24)


def iso(t: datetime | None) -> str:
    """An instant in ISO 8601, or "-"."""
    return t.isoformat() if t is not None else "-"


def hours_after(t: datetime, h: int) -> datetime:
    """``t`` plus ``h`` elapsed hours (in UTC, then back in its zone: DST-safe)."""
    return (t.astimezone(UTC) + timedelta(hours=h)).astimezone(t.tzinfo)


def deadline(w: StageWindows, d: Deadline, after: datetime | None = None) -> datetime | None:
    """When a deadline falls: the end of a stage day, the end of a local date, elapsed hours
    from the stage's start, or (``within_hours``) elapsed hours after ``after`` (None if no
    handover yet)."""
    if d.day is not None:
        return w.cal.boundary(d.day)
    if d.date is not None:
        return w.date_end(d.date)
    if d.hours is not None:
        return hours_after(w.begin, d.hours)
    if after is None:
        return None
    return hours_after(after, d.within_hours or 0)


def status_of(reached: datetime | None, due_by: datetime | None, at: datetime) -> str:
    """met / late / short / pending from when a due was reached and its deadline (``in_time``)."""
    if reached is not None:
        if due_by is None or rules.in_time(reached.timestamp(), due_by.timestamp()):
            return "met"
        return "late"
    if due_by is not None and not rules.in_time(at.timestamp(), due_by.timestamp()):
        # at is past the deadline
        return "short"
    return "pending"


def reached_at(series: list[tuple[datetime, int]], due: Fraction | int) -> datetime | None:
    """The first time a running total reaches ``due`` (``batch_met``); None if it has not."""
    total = 0
    if rules.batch_met(0, due):
        return series[0][0] if series else None
    for t, n in series:
        total += n
        if rules.batch_met(total, due):
            return t
    return None


def price_text(p: Fraction | None) -> str:
    """An exact price as written, or "unknown"."""
    return "unknown" if p is None else show(p)
