"""The `phases` of `status --json` for phased terms (``[[stage]]`` tables): each stage with its
scheduled batches, each batch two-sided (captives, prisoners), as pydantic models."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pydantic import BaseModel, Field

from truce.engine.stage_results import BatchJudged, Side, StageJudged, StagesJudged
from truce.exact import show, to_json_number

Number = int | float


class SideOut(BaseModel):
    """One side of a batch: what was due and by when, what was released, and the status."""

    due: Number | None = Field(description="null: unknown (no sourced price), or not fixed yet.")
    due_text: str | None = Field(description="Exact, as the tables print it; null as `due`.")
    due_by: str | None
    released: int
    status: str = Field(description="met | short | late | pending | unknown")
    detail: str
    trace: list[str]


class NoticeOut(BaseModel):
    """The names' notice for a batch."""

    hours: int
    due_by: str | None = Field(description="`hours` before the first handover answering it.")
    given_at: str | None
    status: str = Field(description="met | late | pending | unknown (no names recorded)")
    detail: str
    trace: list[str]


class BatchOut(BaseModel):
    """A scheduled batch (`scheduled` true) or a handover answering none (false)."""

    id: str
    scheduled: bool
    window_from: str | None = Field(description="When its handover window opens.")
    window_to: str | None = Field(description="When it closes: the captives' due_by.")
    captives: SideOut = Field(
        description="The holder's side, judged on the running total through the schedule: "
        "`released` is what counts toward this batch."
    )
    prisoners: SideOut = Field(description="The receiver's side, for the captives answering it.")
    answering: int = Field(description="Captives that answer it (the `batch` field or the window).")
    living: int
    bodies: int
    by_category: dict[str, dict[str, Any]] = Field(
        description="Living captives answering it, by category: count, price, due (null: unknown)."
    )
    names: NoticeOut | None
    held_back: list[str] = Field(description="Recorded holds of its release, in plain words.")
    trace: list[str]


class PhaseOut(BaseModel):
    """One stage of a phased agreement (the sources' phase)."""

    id: str
    name: str | None
    starts_at: str
    ends_at: str
    status: str = Field(
        description="ahead | running | ended | conditional (not opened as recorded)"
    )
    days: int
    current_day: int | None
    captives: SideOut | None = Field(
        description="What the stage calls for in all, if the terms say."
    )
    prisoners: SideOut | None = Field(
        description="The stage's fixed price for its whole release, if the terms fix one."
    )
    prisoners_due: Number | None = Field(
        description="Sum of the batches' dues; null if any is unknown."
    )
    prisoners_due_text: str | None
    prisoners_known_due: Number
    prisoners_released: int
    living: int = Field(description="Counted living captives handed over in the stage.")
    bodies: int = Field(description="Counted bodies handed over in the stage.")
    batches: list[BatchOut]
    unscheduled: list[BatchOut] = Field(description="Handovers in no batch's window naming none.")
    bodies_for_bodies: dict[str, SideOut] | None
    commitments: list[dict[str, Any]]
    next: dict[str, Any] | None = Field(description="What opens the next stage, and its status.")


class BatchCheckOut(BaseModel):
    """`check` for phased terms: the next batch still owed, and what the list does for it."""

    stage: str
    batch: str
    due: int = Field(description="Captives the batch calls for.")
    counted_before: int = Field(description="Captives already counted toward it.")
    still_owed: int
    listed: int = Field(description="Captives on the list that count.")
    due_by: str
    meets_schedule: bool
    prisoners_due: Number | None = Field(description="For the list; null: a price is unknown.")
    prisoners_due_text: str | None
    by_category: dict[str, dict[str, Any]]


def batch_check_out(c: Any) -> BatchCheckOut | None:
    """The JSON view of a stage_check.BatchCheck (None for terms without stages)."""
    if c is None:
        return None
    return BatchCheckOut(
        stage=c.stage,
        batch=c.batch,
        due=c.due,
        counted_before=c.counted_before,
        still_owed=c.still_owed,
        listed=c.listed,
        due_by=c.due_by,
        meets_schedule=c.meets_schedule,
        prisoners_due=_n(c.prisoners_due),
        prisoners_due_text=None if c.prisoners_due is None else show(c.prisoners_due),
        by_category={
            k: {"captives": v["captives"], "price": v["price"], "due": _n(v["due"])}
            for k, v in c.by_category.items()
        },
    )


def _n(x: Fraction | None) -> Number | None:
    return None if x is None else to_json_number(x)


def _iso(t: Any) -> str | None:
    return None if t is None else t.isoformat()


def side_out(s: Side) -> SideOut:
    return SideOut(
        due=_n(s.due),
        due_text=None if s.due is None else show(s.due),
        due_by=_iso(s.due_by),
        released=s.released,
        status=s.status,
        detail=s.detail,
        trace=list(dict.fromkeys(s.refs)),
    )


def batch_out(b: BatchJudged) -> BatchOut:
    return BatchOut(
        id=b.id,
        scheduled=b.scheduled,
        window_from=_iso(b.window[0]) if b.window else None,
        window_to=_iso(b.window[1]) if b.window else None,
        captives=side_out(b.captives),
        prisoners=side_out(b.prisoners),
        answering=b.answering,
        living=b.living,
        bodies=b.bodies,
        by_category={
            k: {
                "captives": v["captives"],
                "price": v["price"],
                "due": _n(v["due"]),  # type: ignore[arg-type]
            }
            for k, v in b.by_category.items()
        },
        names=None
        if b.names is None
        else NoticeOut(
            hours=b.names.hours,
            due_by=_iso(b.names.due_by),
            given_at=_iso(b.names.given_at),
            status=b.names.status,
            detail=b.names.detail,
            trace=b.names.refs,
        ),
        held_back=b.held_back,
        trace=list(dict.fromkeys(b.refs)),
    )


def phase_out(s: StageJudged) -> PhaseOut:
    return PhaseOut(
        id=s.id,
        name=s.name,
        starts_at=s.starts_at.isoformat(),
        ends_at=s.ends_at.isoformat(),
        status=s.status,
        days=s.days,
        current_day=s.current_day,
        captives=None if s.captives is None else side_out(s.captives),
        prisoners=None if s.prisoners is None else side_out(s.prisoners),
        prisoners_due=_n(s.prisoners_due),
        prisoners_due_text=None if s.prisoners_due is None else show(s.prisoners_due),
        prisoners_known_due=to_json_number(s.prisoners_known_due),
        prisoners_released=s.prisoners_released,
        living=s.living,
        bodies=s.bodies,
        batches=[batch_out(b) for b in s.batches],
        unscheduled=[batch_out(b) for b in s.unscheduled],
        bodies_for_bodies=None
        if s.bodies_for_bodies is None
        else {k: side_out(v) for k, v in s.bodies_for_bodies.items()},
        commitments=s.commitments,
        next=s.next,
    )


def phases_out(sj: StagesJudged | None) -> list[PhaseOut] | None:
    """The `phases` list of a status document (None for terms without stages)."""
    return None if sj is None else [phase_out(s) for s in sj.stages]
