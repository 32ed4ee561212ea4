"""What is needed by when, from a state: the next list and the time it must come by to extend
the pause, the handover window of the current day, prisoners still due, and aid today against
the commitment. Pure: a view of the state, with the counting rules of ``rules``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from truce.engine import rules
from truce.engine.results import State


@dataclass(frozen=True)
class Timetable:
    """The deadlines and quantities a mediator's staff track through the night."""

    at: datetime
    active: bool
    current_day: int | None
    handover_from: datetime | None  # the current pause day's window for releases
    handover_to: datetime | None
    pause_ends: datetime | None
    next_list_day: int | None  # the day a list now would be for
    next_list_by: datetime | None  # before the pause ends: after, a list extends nothing
    captives_needed: Fraction | None  # counted captives for one more day, after the balance
    prisoners_outstanding: Fraction  # due by now, less released (never negative)
    prisoners_pending: list[tuple[int | None, str]]  # (day, detail) of pending/short findings
    aid_trucks_today: int | None
    aid_commitment: int | None
    aid_basis: str | None


def timetable(state: State) -> Timetable:
    """The timetable at ``state.at``."""
    t = state.terms
    # Phased terms have no daily list to extend: their deadlines are per batch (status phases).
    day = state.current_day if state.active and state.stages is None else None
    row = next((d for d in state.days if d.day == day), None) if day is not None else None
    ext = state.terms_for_day(day + 1).extension if day is not None else None
    needed = (
        Fraction(rules.shortfall(state.balance, ext.captives_per_day)) if ext is not None else None
    )
    pending = [
        (f.day, f.detail)
        for f in state.findings
        if f.kind == "prisoners" and f.status in ("pending", "short")
    ]
    return Timetable(
        at=state.at,
        active=state.active,
        current_day=day,
        handover_from=row.starts if row is not None else None,
        handover_to=row.ends if row is not None else None,
        pause_ends=state.ends_at,
        next_list_day=day + 1 if day is not None else None,
        next_list_by=state.ends_at if day is not None else None,
        captives_needed=needed,
        prisoners_outstanding=Fraction(
            rules.clamp0(state.prisoners_due - state.prisoners_released)
        ),
        prisoners_pending=pending,
        aid_trucks_today=row.aid if row is not None else None,
        aid_commitment=t.aid.trucks_per_day if t.aid is not None else None,
        aid_basis=t.aid.basis if t.aid is not None else None,
    )
