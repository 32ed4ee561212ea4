"""Evaluate a proposal (a list for the next pause day) against a State (pure).

The numbers are computed at once; the explanation and trace are rendered only when asked for,
so checks stay fast when many are run against one state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from truce.clock import PauseCalendar
from truce.engine import rules
from truce.engine.results import State
from truce.engine.trace import Trace
from truce.errors import ProposalError
from truce.events import Captive
from truce.exact import show
from truce.limits import MAX_PAUSE_DAYS, MAX_PEOPLE
from truce.terms import Terms


@dataclass(frozen=True)
class Proposal:
    """A list for a pause day: counts, or pseudonymous captives with categories."""

    live: int = 0
    bodies: int = 0
    credit: int = 0
    captives: tuple[Captive, ...] | None = None
    source: str = "list:proposal"  # how to cite the list in the trace, e.g. "list:tonight.csv"

    def __post_init__(self) -> None:
        for name in ("live", "bodies", "credit"):
            if getattr(self, name) < 0:
                raise ProposalError(f"must be >= 0, got {getattr(self, name)}", param=name)
            if getattr(self, name) > MAX_PEOPLE:
                raise ProposalError(
                    f"must be <= {MAX_PEOPLE}, got {getattr(self, name)}", param=name
                )
        if self.captives is not None and len(self.captives) > MAX_PEOPLE:
            raise ProposalError(
                f"the list has {len(self.captives)} captives; at most {MAX_PEOPLE} are taken"
            )
        if self.captives is not None and (self.live or self.bodies):
            raise ProposalError("give either live/bodies counts or a list of captives, not both")


@dataclass
class Ineligible:
    """A listed captive that does not count, and why (in the terms' words)."""

    id: str
    reason: str
    ref: str


class Decision:
    """What a proposal would do under the terms as encoded; never an acceptance or rejection."""

    def __init__(
        self,
        *,
        meets_terms: bool | None,
        for_day: int | None,
        for_date: str | None,
        available: Fraction | int,
        counted: Fraction | int,
        balance: Fraction | int,
        extension_days: int,
        shortfall: Fraction | int,
        ends_at: datetime | None,
        current_end: datetime | None,
        prisoners_due: Fraction | int,
        pause_active: bool,
        ineligible: list[Ineligible],
        explain: Callable[[], list[str]],
        trace: Callable[[], Trace],
    ) -> None:
        self.meets_terms = meets_terms
        self.for_day = for_day
        self.for_date = for_date
        self.available = available
        self.counted = counted
        self.balance = balance
        self.extension_days = extension_days
        self.shortfall = shortfall
        self.ends_at = ends_at
        self.current_end = current_end
        self.prisoners_due = prisoners_due
        self.pause_active = pause_active
        self.ineligible = ineligible
        self._trace_fn = trace
        self._trace: Trace | None = None
        self._explain = explain
        self._explanation: list[str] | None = None
        self.batch: object | None = None  # phased terms: a stage_check.BatchCheck

    @property
    def trace(self) -> Trace:
        """Where each number comes from (built on first use)."""
        if self._trace is None:
            self._trace = self._trace_fn()
        return self._trace

    @property
    def explanation(self) -> list[str]:
        """Plain-language lines saying how each number came about (rendered on first use)."""
        if self._explanation is None:
            self._explanation = self._explain()
        return self._explanation


_CALENDARS: dict[tuple[datetime, str], PauseCalendar] = {}


def _calendar(terms: Terms) -> PauseCalendar:
    """One calendar per (start, zone), reused across checks."""
    assert terms.agreement.start is not None
    key = (terms.agreement.start, terms.agreement.timezone)
    cal = _CALENDARS.get(key)
    if cal is None:
        cal = _CALENDARS[key] = PauseCalendar(terms.agreement.start, terms.agreement.zone)
    return cal


def check(state: State, proposal: Proposal) -> Decision:
    """Would this list extend the pause, to when, and what would then be owed?"""
    terms = state.terms
    if state.stages is not None:  # phased terms: the next scheduled batch
        from truce.engine.stage_check import check_batch

        return check_batch(state, proposal)
    ext = terms.extension
    if ext is None or terms.agreement.start is None or state.ends_at is None:
        raise ProposalError(
            "these terms have no pause to extend (no agreement.start / [extension])"
        )
    if proposal.credit > state.creditable:
        raise ProposalError(
            f"a credit of {proposal.credit} is more than the {state.creditable} creditable: "
            f"{state.outside_released} released outside the framework by {state.at.isoformat()}, "
            f"{state.credits_used} already credited",
            param="credit",
        )
    cal = _calendar(terms)
    at_ts = state.at.timestamp()
    current = state.current_day if state.active else None
    for_day = (current if current is not None else max(cal.day_of_ts(at_ts), 0)) + 1
    terms = state.terms_for_day(for_day)  # an amendment in force by then applies
    ext = terms.extension
    assert ext is not None
    P = ext.captives_per_day
    w = _small(ext.body_weight)
    live, bodies, credit = proposal.live, proposal.bodies, proposal.credit
    ineligible: list[Ineligible] = []
    list_refs: list[str] = []
    if proposal.captives is not None:
        live, bodies, due = _count_list(state, proposal, ineligible, list_refs, terms)
    else:
        due = _small(terms.ratio(None)) * live
    due += _small(terms.ratio(None)) * credit
    counted = rules.counted(live, credit, bodies, w)
    what = _describe(live, bodies, credit, w)

    def trace() -> Trace:
        return _trace(state, terms, list_refs, bool(credit), for_day)

    ends_ts = state.ends_at.timestamp()
    ended = at_ts >= ends_ts or state.ended_at is not None
    n0 = terms.agreement.initial_days or 0

    if not state.active and ended:
        why = (
            f"the pause ended at {state.ended_at.isoformat()} (recorded)"
            if state.ended_at is not None
            else f"the pause ended at {state.ends_at.isoformat()}"
        )

        def explain_ended() -> list[str]:
            return [
                f"At {state.at.isoformat()} {why}: a list cannot extend it under the terms as encoded.",
                f"The list would count {show(counted)} ({what}).",
            ]

        return Decision(
            meets_terms=False,
            for_day=None,
            for_date=None,
            available=counted,
            counted=counted,
            balance=Fraction(0),
            extension_days=0,
            shortfall=Fraction(0),
            ends_at=state.ends_at,
            current_end=state.ends_at,
            prisoners_due=due,
            pause_active=False,
            ineligible=ineligible,
            explain=explain_ended,
            trace=trace,
        )

    for_date = cal.date_of(for_day)
    day_desc = f"day {for_day} ({for_date})"
    if for_day <= n0:
        so_far = sum((r.counted for r in state.days if r.day <= n0), Fraction(0))
        total = so_far + counted
        quota = terms.initial.captives if terms.initial else 0
        deadline = cal.boundary(n0)

        def explain_initial() -> list[str]:
            return [
                f"{day_desc} is in the initial phase (days 1-{n0}); the initial quota of {quota} is judged at {deadline.isoformat()}.",
                f"With this list ({what}) the initial days count {show(total)} of {quota}.",
            ]

        return Decision(
            meets_terms=(total >= quota) if for_day == n0 else None,
            for_day=for_day,
            for_date=for_date.isoformat(),
            available=total,
            counted=counted,
            balance=Fraction(0),
            extension_days=0,
            shortfall=Fraction(rules.clamp0(quota - total)),
            ends_at=state.ends_at,
            current_end=state.ends_at,
            prisoners_due=due,
            pause_active=state.active,
            ineligible=ineligible,
            explain=explain_initial,
            trace=trace,
        )

    balance: Fraction | int = _small(state.balance)
    pending_initial = ""
    initial_grant = 0
    if for_day == n0 + 1 and terms.initial is not None and at_ts < cal.boundary_ts(n0):
        # The initial phase is judged at its deadline, after this check: project it from what is
        # counted so far, as it would stand at the deadline with nothing more released.
        so_far = sum((r.counted for r in state.days if r.day <= n0), Fraction(0))
        surplus = rules.initial_surplus(so_far, terms.initial.captives)
        debt = terms.initial.shortfall == "debt"
        balance = _small(Fraction(rules.initial_balance(surplus, ext.carry_surplus, debt)))
        if state.basis == "inferred":
            initial_grant = int(rules.extension_days(balance, P))
            balance = rules.leftover(balance, initial_grant, P)
        pending_initial = (
            f"The initial phase is judged at {cal.boundary(n0).isoformat()}; with {show(so_far)} of "
            f"{terms.initial.captives} counted so far it would leave a balance of {show(balance)}"
            + (f" and grant {initial_grant} day(s)" if initial_grant else "")
            + "."
        )
    row = state.row(for_day)
    recorded = (
        _small(Fraction(row.counted)) if row is not None else 0
    )  # e.g. credits granted in advance
    available = balance + recorded + counted
    days = int(rules.extension_days(available, P))
    meets = days >= 1
    short = 0 if meets else rules.shortfall(available, P)
    base_days = state.pause_days + initial_grant
    if base_days + days > MAX_PAUSE_DAYS:
        raise ProposalError(
            f"this list would extend the pause to {base_days + days} days, more than the "
            f"{MAX_PAUSE_DAYS} days truce judges (see Limits in docs/ledger.md)"
        )
    new_end = cal.boundary(base_days + days) if meets else cal.boundary(base_days)

    def explain() -> list[str]:
        lines = [f"List for {day_desc}: {what}, counting {show(counted)}."]
        if pending_initial:
            lines.append(pending_initial)
        if recorded:
            lines.append(
                f"Already recorded toward {day_desc}: {show(recorded)} counted "
                f"({row.credited if row else 0} credited in advance)."
            )
        if balance:
            lines.append(
                f"Balance carried from earlier days: {show(balance)}; available {show(available)}."
            )
        if meets:
            lines.append(
                f"{show(available)} counted against {P} per day (terms:extension.captives_per_day): "
                f"meets the terms as encoded for {days} more day(s); the pause would end at {new_end.isoformat()}."
            )
        else:
            alt = (
                f" or {show(rules.bodies_needed(short, w))} bodies (each counts {show(w)})"
                if w > 0
                else ""
            )
            lines.append(
                f"{show(available)} counted against {P} per day: does not meet the terms as encoded; short by "
                f"{show(short)}: add {show(-((-short) // 1))} live captives{alt}. "
                f"The pause would still end at {new_end.isoformat()}."
            )
        if credit:
            lines.append(
                f"{credit} credited from {state.creditable} creditable outside-framework release(s)."
            )
        if bodies and w == 0:
            lines.append(f"{bodies} bodies count 0 each (terms:extension.body_weight = 0).")
        lines += [f"{bad.id} does not count: {bad.reason}." for bad in ineligible]
        lines.append(f"Prisoners due for this list: {show(due)} (ratio x (live + credited)).")
        return lines

    return Decision(
        meets_terms=meets,
        for_day=for_day,
        for_date=for_date.isoformat(),
        available=available,
        counted=counted,
        balance=balance,
        extension_days=days,
        shortfall=short,
        ends_at=new_end,
        current_end=state.ends_at,
        prisoners_due=due,
        pause_active=state.active,
        ineligible=ineligible,
        explain=explain,
        trace=trace,
    )


def _small(x: Fraction) -> Fraction | int:
    """An integral Fraction as an int: exact either way, and much faster to add and compare."""
    return x.numerator if x.denominator == 1 else x


def _count_list(
    state: State,
    proposal: Proposal,
    ineligible: list[Ineligible],
    list_refs: list[str],
    terms: Terms,
) -> tuple[int, int, Fraction | int]:
    """Count a list of captives under ``terms``: each counts, or is ineligible with the reason."""
    live, bodies = 0, 0
    due: Fraction | int = 0
    seen: set[str] = set()
    for n, c in enumerate(proposal.captives or (), start=1):
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
        elif c.category is not None and terms.category(c.category) is None:
            ineligible.append(Ineligible(c.id, f"category {c.category!r} is not in the terms", ref))
        elif not terms.category_counts(c.category):
            reason = f"category {c.category!r} is not covered by the framework (counts = false)"
            ineligible.append(Ineligible(c.id, reason, ref))
        elif c.status == "live":
            live += 1
            due += _small(terms.ratio(c.category))
        else:
            bodies += 1
    return live, bodies, due


def _trace(state: State, terms: Terms, list_refs: list[str], credited: bool, for_day: int) -> Trace:
    trace = Trace()
    trace.put(
        "available",
        lambda: [
            "terms:extension.body_weight",
            *state.trace.get("balance", []),
            *(row.trace if (row := state.row(for_day)) is not None else []),
            *list_refs,
        ],
    )
    trace.put("extension_days", ["terms:extension.captives_per_day", "terms:extension.body_weight"])
    trace.put(
        "ends_at", lambda: [*state.trace.get("ends_at", []), "terms:extension.captives_per_day"]
    )
    cats = [
        f"terms:category.{c.id}.prisoners_per_captive"
        for c in terms.categories
        if c.prisoners_per_captive is not None
    ]
    trace.put("prisoners_due", ["terms:exchange.prisoners_per_captive", *cats, *list_refs])
    trace.put("shortfall", ["terms:extension.captives_per_day"])
    if credited:
        trace.put("creditable", lambda: list(state.trace.get("creditable", [])))
    return trace


def _describe(live: int, bodies: int, credit: int, w: Fraction | int) -> str:
    parts = [f"{live} live"]
    if bodies:
        parts.append(f"{bodies} bodies x {show(w)}")
    if credit:
        parts.append(f"{credit} credited")
    return " + ".join(parts)
