"""Evaluate a proposal (a list for the next pause day) against a State (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from truce.engine import rules
from truce.engine.clock import PauseCalendar
from truce.engine.state import State
from truce.engine.trace import Trace
from truce.errors import ProposalError
from truce.events import Captive
from truce.exact import show
from truce.terms import Terms


@dataclass(frozen=True)
class Proposal:
    """A list for a pause day: counts, or pseudonymous captives with categories."""

    live: int = 0
    bodies: int = 0
    credit: int = 0
    captives: tuple[Captive, ...] | None = None
    source: str = "proposal"  # how to cite the list in the trace, e.g. "list:tonight.csv"

    def __post_init__(self) -> None:
        for name in ("live", "bodies", "credit"):
            if getattr(self, name) < 0:
                raise ProposalError(f"--{name} must be >= 0, got {getattr(self, name)}")
        if self.captives is not None and (self.live or self.bodies):
            raise ProposalError("give either live/bodies counts or a list of captives, not both")


@dataclass
class Ineligible:
    """A listed captive that does not count, and why (in the terms' words)."""

    id: str
    reason: str
    ref: str


@dataclass
class Decision:
    """What a proposal would do under the terms as encoded; never an acceptance or rejection."""

    meets_terms: bool | None
    for_day: int | None
    for_date: str | None
    available: Fraction
    counted: Fraction
    balance: Fraction
    extension_days: int
    shortfall: Fraction
    ends_at: datetime | None
    current_end: datetime | None
    prisoners_due: Fraction
    pause_active: bool
    ineligible: list[Ineligible]
    explanation: list[str]
    trace: Trace = field(default_factory=Trace)


def check(state: State, proposal: Proposal) -> Decision:
    """Would this list extend the pause, to when, and what would then be owed?"""
    terms = state.terms
    if terms.extension is None or terms.agreement.start is None or state.ends_at is None:
        raise ProposalError(
            "these terms have no pause to extend (no agreement.start / [extension])"
        )
    P = terms.extension.captives_per_day
    w = terms.extension.body_weight
    cal = PauseCalendar(terms.agreement.start, terms.agreement.zone)
    base_day = max(cal.day_of(state.at), 0)
    for_day = base_day + 1 if base_day >= 1 else 1
    if proposal.credit > state.creditable:
        raise ProposalError(
            f"--credit {proposal.credit} is more than the {state.creditable} creditable: "
            f"{state.outside_released} released outside the framework by {state.at.isoformat()}, "
            f"{state.credits_used} already credited"
        )
    live, bodies, credit = proposal.live, proposal.bodies, proposal.credit
    ineligible: list[Ineligible] = []
    due = Fraction(0)
    list_refs: list[str] = []
    if proposal.captives is not None:
        seen: set[str] = set()
        for n, c in enumerate(proposal.captives, start=1):
            ref = f"{proposal.source}:{n}"
            list_refs.append(ref)
            if c.id in seen:
                ineligible.append(Ineligible(c.id, "listed twice", ref))
                continue
            seen.add(c.id)
            if c.id in state.released_ids:
                ineligible.append(
                    Ineligible(c.id, f"already released ({state.released_ids[c.id][2]})", ref)
                )
                continue
            if terms.category(c.category) is None:
                ineligible.append(
                    Ineligible(c.id, f"category {c.category!r} is not in the terms", ref)
                )
                continue
            if not terms.category_counts(c.category):
                ineligible.append(
                    Ineligible(
                        c.id,
                        f"category {c.category!r} is not covered by the framework (counts = false)",
                        ref,
                    )
                )
                continue
            if c.status == "live":
                live += 1
                due += terms.ratio(c.category)
            else:
                bodies += 1
    else:
        due += terms.ratio(None) * live
    due += terms.ratio(None) * credit
    counted = Fraction(rules.counted(live, credit, bodies, w))
    n0 = terms.agreement.initial_days or 0
    explanation: list[str] = []
    trace = Trace()
    trace.put(
        "available",
        lambda: ["terms:extension.body_weight", *state.trace.get("balance", []), *list_refs],
    )
    trace.put("extension_days", ["terms:extension.captives_per_day", "terms:extension.body_weight"])
    trace.put(
        "ends_at", lambda: [*state.trace.get("ends_at", []), "terms:extension.captives_per_day"]
    )
    trace.put(
        "prisoners_due",
        ["terms:exchange.prisoners_per_captive", *_category_keys(terms), *list_refs],
    )
    trace.put("shortfall", ["terms:extension.captives_per_day"])
    if proposal.credit:
        trace.put("creditable", lambda: list(state.trace.get("creditable", [])))
    day_desc = f"day {for_day} ({cal.date_of(for_day)})"
    what = _describe(live, bodies, credit, w)
    if not state.active:
        why = (
            f"the pause ended at {state.ended_at.isoformat()} (recorded)"
            if state.ended_at is not None
            else f"the pause ended at {state.ends_at.isoformat()}"
            if state.at.timestamp() >= state.ends_at.timestamp()
            else f"the pause has not started (it starts at {cal.start.isoformat()})"
        )
        ended = state.at.timestamp() >= state.ends_at.timestamp() or state.ended_at is not None
        if ended:
            explanation.append(
                f"At {state.at.isoformat()} {why}: a list cannot extend it under the terms as encoded."
            )
            explanation.append(f"The list would count {show(counted)} ({what}).")
            return Decision(
                False,
                None,
                None,
                counted,
                counted,
                Fraction(0),
                0,
                Fraction(0),
                state.ends_at,
                state.ends_at,
                due,
                False,
                ineligible,
                explanation,
                trace,
            )
    if for_day <= n0:
        counted_so_far = sum((r.counted for r in state.days if r.day <= n0), Fraction(0))
        total = counted_so_far + counted
        quota = terms.initial.captives if terms.initial else 0
        explanation.append(
            f"{day_desc} is in the initial phase (days 1-{n0}); the initial quota of {quota} is judged at {cal.boundary(n0).isoformat()}."
        )
        explanation.append(
            f"With this list ({what}) the initial days count {show(total)} of {quota}."
        )
        meets = (total >= quota) if for_day == n0 else None
        return Decision(
            meets,
            for_day,
            cal.date_of(for_day).isoformat(),
            total,
            counted,
            Fraction(0),
            0,
            Fraction(rules.clamp0(quota - total)),
            state.ends_at,
            state.ends_at,
            due,
            state.active,
            ineligible,
            explanation,
            trace,
        )
    available = state.balance + counted
    days = int(rules.extension_days(available, P))
    meets = days >= 1
    short = Fraction(rules.shortfall(available, P)) if not meets else Fraction(0)
    new_end = _add_days(cal, state.ends_at, state.pause_days, days) if meets else state.ends_at
    explanation.append(f"List for {day_desc}: {what}, counting {show(counted)}.")
    if state.balance:
        explanation.append(
            f"Balance carried from earlier days: {show(state.balance)}; available {show(available)}."
        )
    if meets:
        explanation.append(
            f"{show(available)} counted against {P} per day (terms:extension.captives_per_day): "
            f"meets the terms as encoded for {days} more day(s); the pause would end at {new_end.isoformat()}."
        )
    else:
        alt = ""
        if w > 0:
            alt = f" or {show(rules.bodies_needed(short, w))} bodies (each counts {show(w)})"
        explanation.append(
            f"{show(available)} counted against {P} per day: does not meet the terms as encoded; short by "
            f"{show(short)}: add {show(-((-short) // 1))} live captives{alt}. The pause would still end at {state.ends_at.isoformat()}."
        )
    if proposal.credit:
        explanation.append(
            f"{proposal.credit} credited from {state.creditable} creditable outside-framework release(s)."
        )
    if bodies and w == 0:
        explanation.append(f"{bodies} bodies count 0 each (terms:extension.body_weight = 0).")
    for bad in ineligible:
        explanation.append(f"{bad.id} does not count: {bad.reason}.")
    explanation.append(f"Prisoners due for this list: {show(due)} (ratio x (live + credited)).")
    return Decision(
        meets,
        for_day,
        cal.date_of(for_day).isoformat(),
        available,
        counted,
        state.balance,
        days,
        short,
        new_end,
        state.ends_at,
        due,
        state.active,
        ineligible,
        explanation,
        trace,
    )


def _category_keys(terms: Terms) -> list[str]:
    return [
        f"terms:category.{c.id}.prisoners_per_captive"
        for c in terms.categories
        if c.prisoners_per_captive is not None
    ]


def _add_days(cal: PauseCalendar, current: datetime, pause_days: int, days: int) -> datetime:
    """The end moves by whole calendar days at the same local wall-clock time."""
    return cal.boundary(pause_days + days)


def _describe(live: int, bodies: int, credit: int, w: Fraction) -> str:
    parts = [f"{live} live"]
    if bodies:
        parts.append(f"{bodies} bodies x {show(w)}")
    if credit:
        parts.append(f"{credit} credited")
    return " + ".join(parts)
