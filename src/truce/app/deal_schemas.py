"""The deal commands' results: `validate`, `status`, `status --why` and `check` (pydantic
models, so `truce schema` can print them and the service can return them)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pydantic import BaseModel, Field

from truce.app.stage_schemas import BatchCheckOut, PhaseOut, batch_check_out, phases_out
from truce.engine.decide import Decision
from truce.engine.results import State
from truce.engine.timetable import Timetable
from truce.exact import show, to_json_number

Number = int | float


def _exact(name: str) -> Any:
    """The field beside a number that carries it exactly, as the tables print it."""
    return Field(
        description=f"Exact, as the tables print it (4.5, 1/3): `{name}` is rounded to 6 places."
    )


class FindingOut(BaseModel):
    """An obligation met or not."""

    day: int | None
    date: str | None
    kind: str = Field(description="captives | prisoners | aid | extension")
    status: str = Field(description="met | short | over | pending | unknown")
    detail: str
    trace: list[str] = Field(
        description="The finding's own day (for the initial phase: its days): the terms keys and "
        "that day's events. Earlier days it depends on are in its `why` expansion."
    )
    why: str = Field(
        description="finding:<n>: `truce status --why finding:<n>` (same --at/--as-of) lists "
        "every reference behind the finding, earlier days included."
    )


class DayOut(BaseModel):
    """One pause day."""

    day: int
    date: str
    starts: str
    ends: str
    phase: str = Field(
        description="initial | extension | beyond (after the pause end) | ahead (not begun, credited in advance)"
    )
    live_released: int
    bodies_released: int
    credited: int
    counted: Number
    counted_text: str = _exact("counted")
    outside_framework: int
    separate_track: int
    not_covered: int
    prisoners_due: Number
    prisoners_due_text: str = _exact("prisoners_due")
    prisoners_released: int
    aid_trucks: int | None
    days_granted: int
    terms_version: int = Field(description="The terms version in force when the day began.")
    trace: list[str]


class DisputedOut(BaseModel):
    """Declarations of one act that differ, and which was used."""

    act: str
    used: str
    set_aside: list[str]
    reason: str


class StatusOut(BaseModel):
    """The state of the pause at `at`, as known at `as_of`."""

    agreement: str
    at: str
    as_of: str | None
    active: bool
    starts_at: str | None
    ends_at: str | None
    ended_at: str | None
    basis: str = Field(description="recorded | inferred | none: where granted days come from")
    pause_days: int
    current_day: int | None
    counted: Number
    counted_text: str = _exact("counted")
    balance: Number
    balance_text: str = _exact("balance")
    creditable: int
    outside_released: int = Field(
        description="Captives released outside the framework (credited or not)."
    )
    credits_used: int = Field(
        description="Outside-framework releases already credited to a pause day."
    )
    prisoners_due: Number
    prisoners_due_text: str = _exact("prisoners_due")
    prisoners_released: int
    aid_basis: str | None = Field(
        description="The aid figure the terms judge (e.g. received); null: the terms have no aid."
    )
    days: list[DayOut]
    findings: list[FindingOut]
    disputed: list[DisputedOut]
    acts: list[dict[str, Any]]
    notes: list[str]
    terms_versions: list[dict[str, Any]] = Field(
        description="The terms versions: 1 is the base; later ones are amendments, each with "
        "its effective time and the event that set it."
    )
    trace: dict[str, list[str]]
    phases: list[PhaseOut] | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="Terms with stages only (absent otherwise): each stage with its scheduled "
        "batches, each batch two-sided (captives, prisoners): {due, due_by, released, status}.",
    )


class IneligibleOut(BaseModel):
    """A listed captive that does not count."""

    id: str
    reason: str
    ref: str


class CheckOut(BaseModel):
    """What a proposed list would do under the terms as encoded."""

    meets_terms: bool | None
    for_day: int | None
    for_date: str | None
    available: Number
    available_text: str = _exact("available")
    counted: Number
    counted_text: str = _exact("counted")
    balance: Number
    balance_text: str = _exact("balance")
    extension_days: int
    shortfall: Number
    shortfall_text: str = _exact("shortfall")
    ends_at: str | None = Field(
        description="The new end if the list meets the terms, else the current end."
    )
    current_end: str | None
    prisoners_due: Number
    prisoners_due_text: str = _exact("prisoners_due")
    pause_active: bool
    ineligible: list[IneligibleOut]
    explanation: list[str]
    trace: dict[str, list[str]]
    batch: BatchCheckOut | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="Terms with stages only (absent otherwise): the next scheduled batch still "
        "owed, whether the list meets it, and the prisoners due for it by category.",
    )


def _versions(state: State) -> list[dict[str, Any]]:
    book = state.book
    if book is None:
        return [{"version": 1, "effective_at": None, "ref": None}]
    return [
        {
            "version": i + 1,
            "effective_at": None if eff is None else eff.isoformat(),
            "ref": ref or None,
        }
        for i, (eff, ref) in enumerate(zip(book.effective, book.refs, strict=True))
    ]


def _n(x: Fraction | int) -> Number:
    return to_json_number(x)


def _iso(x: Any) -> str | None:
    return x.isoformat() if x is not None else None


def status_out(state: State) -> StatusOut:
    """The JSON view of a State."""
    return StatusOut(
        agreement=state.terms.agreement.name,
        at=state.at.isoformat(),
        as_of=_iso(state.as_of),
        active=state.active,
        starts_at=_iso(state.starts_at),
        ends_at=_iso(state.ends_at),
        ended_at=_iso(state.ended_at),
        basis=state.basis,
        pause_days=state.pause_days,
        current_day=state.current_day,
        counted=_n(state.counted),
        counted_text=show(state.counted),
        balance=_n(state.balance),
        balance_text=show(state.balance),
        creditable=state.creditable,
        outside_released=state.outside_released,
        credits_used=state.credits_used,
        prisoners_due=_n(state.prisoners_due),
        prisoners_due_text=show(state.prisoners_due),
        prisoners_released=state.prisoners_released,
        aid_basis=state.terms.aid.basis if state.terms.aid else None,
        days=[
            DayOut(
                day=d.day,
                date=d.date,
                starts=d.starts.isoformat(),
                ends=d.ends.isoformat(),
                phase=d.phase,
                live_released=d.live,
                bodies_released=d.bodies,
                credited=d.credited,
                counted=_n(d.counted),
                counted_text=show(d.counted),
                outside_framework=d.outside,
                separate_track=d.separate,
                not_covered=d.not_covered,
                prisoners_due=_n(d.prisoners_due),
                prisoners_due_text=show(d.prisoners_due),
                prisoners_released=d.prisoners_released,
                aid_trucks=d.aid,
                days_granted=d.granted,
                terms_version=d.terms_version,
                trace=d.trace,
            )
            for d in state.days
        ],
        findings=[FindingOut.model_validate(f.as_dict()) for f in state.findings],
        disputed=[DisputedOut(**d.__dict__) for d in state.disputed],
        acts=state.acts,
        notes=state.notes,
        terms_versions=_versions(state),
        trace=dict(state.trace),
        phases=phases_out(state.stages),
    )


def check_out(d: Decision) -> CheckOut:
    """The JSON view of a Decision."""
    return CheckOut(
        meets_terms=d.meets_terms,
        for_day=d.for_day,
        for_date=d.for_date,
        available=_n(d.available),
        available_text=show(d.available),
        counted=_n(d.counted),
        counted_text=show(d.counted),
        balance=_n(d.balance),
        balance_text=show(d.balance),
        extension_days=d.extension_days,
        shortfall=_n(d.shortfall),
        shortfall_text=show(d.shortfall),
        ends_at=_iso(d.ends_at),
        current_end=_iso(d.current_end),
        prisoners_due=_n(d.prisoners_due),
        prisoners_due_text=show(d.prisoners_due),
        pause_active=d.pause_active,
        ineligible=[IneligibleOut(**i.__dict__) for i in d.ineligible],
        explanation=d.explanation,
        trace=dict(d.trace),
        batch=batch_check_out(d.batch),
    )


class ValidateOut(BaseModel):
    """What a valid terms file encodes, in brief."""

    file: str
    agreement: str
    digest: str
    timezone: str
    start: str | None = Field(description="Local wall-clock start of the pause, in `timezone`.")
    initial_days: int | None
    initial_captives: int | None
    captives_per_day: int | None = Field(description="Counted captives for one more pause day.")
    prisoners_per_captive: str = Field(description="Exact, as written: 3, 1/2, 2.5.")


class WhyOut(BaseModel):
    """The references behind one figure or finding, each in plain words."""

    name: str = Field(description="The figure (a key of the status trace) or finding:<n>.")
    refs: list[str] = Field(description="The references (terms keys, event ids), first seen first.")
    lines: list[str] = Field(description="Each reference as a line of plain words.")


class PendingOut(BaseModel):
    """A prisoners finding not yet met."""

    day: int | None
    detail: str


class TimetableOut(BaseModel):
    """What is needed by when, at ``at``: the next list, the handover window, prisoners still
    due, aid today against the commitment. Deadlines as the terms encode them."""

    at: str
    active: bool
    current_day: int | None
    handover_from: str | None = Field(description="The current pause day's start.")
    handover_to: str | None = Field(description="The current pause day's end.")
    pause_ends: str | None
    next_list_day: int | None = Field(description="The pause day a list now would be for.")
    next_list_by: str | None = Field(
        description="A list must come before the pause ends to extend it."
    )
    captives_needed: Number | None = Field(
        description="Counted captives the next list needs for one more day, after the balance."
    )
    captives_needed_text: str | None
    prisoners_outstanding: Number = Field(description="Due by now, less released.")
    prisoners_outstanding_text: str
    prisoners_pending: list[PendingOut]
    aid_trucks_today: int | None
    aid_commitment: int | None = Field(description="Trucks a day the terms commit to.")
    aid_basis: str | None


def timetable_out(t: Timetable) -> TimetableOut:
    """The JSON view of a Timetable."""
    return TimetableOut(
        at=t.at.isoformat(),
        active=t.active,
        current_day=t.current_day,
        handover_from=_iso(t.handover_from),
        handover_to=_iso(t.handover_to),
        pause_ends=_iso(t.pause_ends),
        next_list_day=t.next_list_day,
        next_list_by=_iso(t.next_list_by),
        captives_needed=None if t.captives_needed is None else _n(t.captives_needed),
        captives_needed_text=None if t.captives_needed is None else show(t.captives_needed),
        prisoners_outstanding=_n(t.prisoners_outstanding),
        prisoners_outstanding_text=show(t.prisoners_outstanding),
        prisoners_pending=[PendingOut(day=d, detail=x) for d, x in t.prisoners_pending],
        aid_trucks_today=t.aid_trucks_today,
        aid_commitment=t.aid_commitment,
        aid_basis=t.aid_basis,
    )


SCHEMAS: dict[str, Any] = {
    "status": StatusOut,
    "check": CheckOut,
    "validate": ValidateOut,
    "why": WhyOut,
    "timetable": TimetableOut,
}
"""Command name -> the type its `--json` output is a dump of."""
