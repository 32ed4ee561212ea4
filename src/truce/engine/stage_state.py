"""The ``State`` of phased terms (``[[stage]]`` tables): the stage engine's judgement, with the
top-level figures a status document has (pure).

For a phased deal the figures mean (docs/semantics.md): ``starts_at`` the first stage's start;
``ends_at`` the end of the last stage opened (a conditional stage opens only when an event
records what opens it); ``pause_days`` the stage days from ``starts_at`` to ``ends_at``;
``balance`` 0 (no per-day quota carries: what is owed is per batch, under ``phases``);
``counted`` the counted captives handed over in all stages; ``prisoners_due`` the sum of the
dues that are known (a note says when some are unknown).
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from truce.clock import PauseCalendar
from truce.engine.results import Finding, LazyActs, State
from truce.engine.stages import judge_stages
from truce.engine.tally import Tally
from truce.engine.trace import Trace
from truce.terms import Terms
from truce.versions import TermsBook

__all__ = ["staged_state"]


def staged_state(
    terms: Terms, t: Tally, as_of: datetime | None, book: TermsBook | None = None
) -> State:
    """The state of phased terms at ``t.at_ts`` (the tally keeps its checks: ids released
    once, credits within the pool)."""
    zone = terms.agreement.zone
    spans = terms.stage_spans()
    at_ts = t.at_ts if t.at_ts != float("-inf") else spans[0][0].timestamp()
    at = datetime.fromtimestamp(at_ts, zone)
    sj = judge_stages(terms, t.entries, at)
    opened = [s for s in sj.stages if s.status != "conditional"]
    starts_at = spans[0][0]
    ends_at = opened[-1].ends_at
    cal = PauseCalendar(starts_at.astimezone(zone).replace(tzinfo=None), zone)
    ended = t.ended
    pause_days = cal.day_of(ends_at) - 1
    active = starts_at <= at < ends_at and ended is None
    current = cal.day_of(at) if active else None
    findings: list[Finding] = []
    for f in sj.findings:
        fd = Finding(
            f.day,
            f.date,
            f.kind,
            f.status,
            f"{f.stage}: {f.detail}" if not f.detail.startswith(f.stage) else f.detail,
            f.refs,
        )
        fd.why = f"finding:{len(findings) + 1}"
        findings.append(fd)
    notes = list(sj.notes)
    if book is not None and len(book) > 1:
        notes.append(
            f"{len(book) - 1} terms amendment(s) recorded: phased terms are judged under the base "
            "terms only (amendments are not applied to stages yet)"
        )
    known = sum((s.prisoners_known_due for s in opened), Fraction(0))
    unknown = [s.id for s in opened if s.prisoners_due is None]
    if unknown:
        notes.append(
            f"prisoners_due ({known}) adds only the known dues: {', '.join(unknown)} "
            "include batches whose due is unknown (no sourced price); see phases"
        )
    trace = Trace()
    stage_keys = [f"terms:stage.{s.id}" for s in terms.stages]
    trace.put("starts_at", [stage_keys[0]])
    trace.put("ends_at", stage_keys[: len(opened)])
    trace.put("pause_days", stage_keys[: len(opened)])
    stream_refs = [r for s in sj.stages for b in [*s.batches, *s.unscheduled] for r in b.refs]
    trace.put("counted", stream_refs)
    trace.put(
        "prisoners_due",
        [r for s in sj.stages for b in [*s.batches, *s.unscheduled] for r in b.prisoners.refs],
    )
    prisoners_released = sum(s.prisoners_released for s in sj.stages)
    acts = LazyActs(t.entries, t.acts, cal)
    state = State(
        terms=terms,
        at=at,
        as_of=as_of,
        active=active,
        starts_at=starts_at,
        ends_at=ends_at,
        ended_at=ended.event.at if ended is not None else None,
        basis="none",
        pause_days=pause_days,
        current_day=current,
        counted=Fraction(sj.counted),
        balance=Fraction(0),
        creditable=t.outside_total - t.credits_used,
        credits_used=t.credits_used,
        outside_released=t.outside_total,
        prisoners_due=known,
        prisoners_released=max(prisoners_released, t.prisoners_total),
        days=[],
        findings=findings,
        disputed=t.disputes,
        lazy_acts=acts,
        notes=notes,
        trace=trace,
        entries=t.entries,
        released_ids=t.released,
        book=book,
        stages=sj,
    )
    return state
