"""``check`` for phased terms (pure): would a list meet the next scheduled batch as encoded,
and what would be owed for it (prisoners by category: a fixed number, else price x count)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from truce.engine import rules
from truce.engine.decide import Decision, Ineligible, Proposal, _count_list
from truce.engine.results import State
from truce.engine.stage_results import BatchJudged, StageJudged
from truce.engine.trace import Trace
from truce.errors import ProposalError
from truce.exact import show

__all__ = ["BatchCheck", "check_batch"]


@dataclass(frozen=True)
class BatchCheck:
    """What a list would do for one scheduled batch."""

    stage: str
    batch: str
    due: int
    counted_before: int
    still_owed: int
    listed: int
    due_by: str
    meets_schedule: bool
    prisoners_due: Fraction | None  # None: a category priced "unknown"
    by_category: dict[str, dict[str, object]]


def _next_batch(state: State) -> tuple[StageJudged, BatchJudged]:
    assert state.stages is not None
    for st in state.stages.stages:
        if st.status in ("conditional", "ended"):
            continue
        for b in st.batches:
            if b.captives.status in ("pending", "short"):
                return st, b
    raise ProposalError(
        f"no scheduled batch is still open at {state.at.isoformat()}: every batch of the "
        "stages opened so far is met, late or past its stage"
    )


def check_batch(state: State, proposal: Proposal) -> Decision:
    """The next batch still owed at ``state.at`` (schedule order): would ``proposal`` meet it,
    and how many prisoners would be due for it."""
    terms = state.terms
    if proposal.credit:
        raise ProposalError("credits are for a daily pause; phased terms have none", param="credit")
    st, b = _next_batch(state)
    batch = next(x for s in terms.stages for x in s.batches if x.id == b.id)
    stage = next(s for s in terms.stages if s.id == st.id)
    ineligible: list[Ineligible] = []
    list_refs: list[str] = []
    by_category: dict[str, dict[str, object]] = {}
    prisoners: Fraction | None
    if proposal.captives is not None:
        live, bodies, _ = _count_list(state, proposal, ineligible, list_refs, _priced(terms))  # type: ignore[arg-type]
        counts: dict[str | None, int] = {}
        bad = {i.id for i in ineligible}
        for c in proposal.captives:
            if c.id not in bad and c.status == "live":
                counts[c.category] = counts.get(c.category, 0) + 1
    else:
        live, bodies = proposal.live, proposal.bodies
        counts = {None: live} if live else {}
    if batch.prisoners is not None:
        prisoners = Fraction(rules.batch_prisoners_due(True, batch.prisoners, 0))
        how = f"fixed by the terms at {batch.prisoners}"
    elif stage.prisoners is not None:
        prisoners, how = None, f"priced for the whole stage ({stage.prisoners})"
    else:
        prisoners = Fraction(0)
        parts = []
        for cat, n in sorted(counts.items(), key=lambda kv: kv[0] or ""):
            price = (
                batch.prisoners_per_captive
                if batch.prisoners_per_captive is not None
                else terms.price(cat)
            )
            key = cat or "(no category)"
            line = None if price is None else Fraction(rules.prisoners_due(n, price))
            by_category[key] = {
                "captives": n,
                "price": "unknown" if price is None else show(price),
                "due": line,
            }
            parts.append(f"{n} {key} x {'unknown' if price is None else show(price)}")
            prisoners = None if (prisoners is None or line is None) else prisoners + line
        how = " + ".join(parts) or "no living captives"
    listed = live + bodies
    due = int(b.captives.due or 0)
    before = b.captives.released
    owed = int(rules.still_owed(due, before))
    due_by = b.captives.due_by
    assert due_by is not None
    on_time = bool(rules.in_time(state.at.timestamp(), due_by.timestamp()))
    meets = bool(rules.batch_met(listed, owed)) and on_time
    check = BatchCheck(
        st.id,
        b.id,
        due,
        before,
        owed,
        listed,
        due_by.isoformat(),
        meets,
        prisoners,
        by_category,
    )
    p_text = "unknown" if prisoners is None else show(prisoners)

    def explain() -> list[str]:
        lines = [
            f"The next batch still owed at {state.at.isoformat()} is {b.id} of {st.id}: {due} "
            f"captive(s) due by {due_by.isoformat()}; {before} counted toward it so far, "
            f"{owed} still owed.",
            f"The list counts {listed} ({live} living, {bodies} bodies)"
            + (f"; {len(ineligible)} listed do not count" if ineligible else "")
            + ".",
            (
                f"It meets the schedule as encoded: {listed} >= {owed}"
                if meets
                else (
                    f"It does not meet the schedule as encoded: {listed} < {owed}"
                    if on_time
                    else f"The batch's deadline {due_by.isoformat()} has passed"
                )
            )
            + ".",
            f"Prisoners due for it: {how} = {p_text}"
            + (" (a category has no sourced price)" if prisoners is None else "")
            + ".",
        ]
        return lines

    def trace() -> Trace:
        t = Trace()
        t.put("batch", [f"terms:stage.{st.id}.batch.{b.id}", *b.captives.refs])
        t.put("prisoners_due", [terms.ratio_key(c) for c in counts] + list_refs)
        return t

    d = Decision(
        meets_terms=meets,
        for_day=None,
        for_date=None,
        available=Fraction(listed),
        counted=Fraction(listed),
        balance=Fraction(0),
        extension_days=0,
        shortfall=Fraction(rules.clamp0(owed - listed)),
        ends_at=state.ends_at,
        current_end=state.ends_at,
        prisoners_due=prisoners if prisoners is not None else Fraction(0),
        pause_active=state.active,
        ineligible=ineligible,
        explain=explain,
        trace=trace,
    )
    d.batch = check
    return d


class _Priced:
    """The terms for counting a list: an "unknown" price counts as 0 here (the batch check
    prices each category itself and says "unknown")."""

    def __init__(self, terms: object) -> None:
        self._t = terms

    def __getattr__(self, name: str) -> object:
        return getattr(self._t, name)

    def ratio(self, cid: str | None) -> Fraction:
        p = self._t.price(cid)  # type: ignore[attr-defined]
        return Fraction(0) if p is None else p


def _priced(terms: object) -> object:
    return _Priced(terms)
