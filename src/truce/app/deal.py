"""The deal use cases: validate terms, open a deal (terms and its events), its status, the
reasons behind a figure, and a check of a proposed list. Typed results out; time is an argument.

``open_deal`` reads once; the other functions take the ``Deal`` so an interface that holds a
ledger open (the service) calls them without reading files again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from truce import api
from truce.app.deal_schemas import (
    CheckOut,
    StatusOut,
    TimetableOut,
    ValidateOut,
    WhyOut,
    check_out,
    status_out,
    timetable_out,
)
from truce.clock import PauseCalendar
from truce.engine.decide import Decision, Proposal
from truce.engine.decide import check as engine_check
from truce.engine.explain import explain
from truce.engine.incremental import Incremental
from truce.engine.results import State
from truce.engine.timetable import timetable as engine_timetable
from truce.errors import BadInput
from truce.exact import show
from truce.history import History
from truce.ledger.directory import LedgerDir
from truce.terms import Terms, load_terms


@dataclass(frozen=True)
class Deal:
    """An agreement's terms and the events recorded under them."""

    terms: Terms
    history: History
    live: Incremental | None = None  # a ledger directory's kept state (latest, as known now)


def validate_terms(path: Path) -> ValidateOut:
    """Check a terms file (TermsError naming the key path if not) and say what it encodes."""
    t = load_terms(path)
    a = t.agreement
    return ValidateOut(
        file=str(path),
        agreement=a.name,
        digest=t.digest(),
        timezone=a.timezone,
        start=None if a.start is None else a.start.isoformat(),
        initial_days=a.initial_days,
        initial_captives=None if t.initial is None else t.initial.captives,
        captives_per_day=None if t.extension is None else t.extension.captives_per_day,
        prisoners_per_captive=show(t.exchange.prisoners_per_captive),
    )


def open_deal(ledger: Path, terms: Path | None = None) -> Deal:
    """A ledger directory (its own terms; ``terms`` must match them), or a terms file and an
    events file (JSONL or day-summary CSV); replayed once, so any inconsistency is named now."""
    t, h = api.load(terms, ledger)
    return Deal(t, h)


@contextmanager
def reading(ledger: Path, terms: Path | None = None, *, latest: bool = False) -> Iterator[Deal]:
    """``open_deal`` for the span of a ``with`` block. With ``latest`` (a status, timetable or
    check at the latest event, as known now), a ledger directory's kept state is used, resumed
    from its engine snapshot where one serves (docs/store.md): one tally instead of two
    replays, and with a snapshot no old event is decoded unless asked for, so the deal must
    not be used after the block."""
    if latest and ledger.is_dir():
        with LedgerDir.open(ledger, terms, resume=True) as d:
            yield of_ledger(d)
        return
    yield open_deal(ledger, terms)


def of_ledger(d: LedgerDir) -> Deal:
    """The deal of an open ledger directory (its base terms; amendments ride in the history)."""
    inc = d.engine()
    return Deal(d.terms, inc.history.copy(), inc)


def pause_days_of(d: LedgerDir, times: list[datetime]) -> list[int | None]:
    """The pause day (from 1) each time falls in; None before the start or for terms without
    a pause."""
    start = d.terms.agreement.start
    if start is None:
        return [None] * len(times)
    cal = PauseCalendar(start, d.terms.agreement.zone)
    return [k if (k := cal.day_of(t)) >= 1 else None for t in times]


def state(deal: Deal, at: datetime | None = None, as_of: datetime | None = None) -> State:
    """The engine's state at ``at`` (default: the latest event) as known at ``as_of``; a time
    without an offset is in the agreement's zone. The latest state of a ledger directory is
    the one it keeps (``LedgerDir.engine``), not a replay."""
    if at is None and as_of is None and deal.live is not None:
        return deal.live.state()
    return api.status(deal.terms, deal.history, at=at, as_of=as_of)


def status(deal: Deal, at: datetime | None = None, as_of: datetime | None = None) -> StatusOut:
    """The state of the pause as its JSON result (what `status --json` prints)."""
    return status_out(state(deal, at, as_of))


def why(deal: Deal, name: str, at: datetime | None = None, as_of: datetime | None = None) -> WhyOut:
    """The references behind one figure (a key of the status trace) or one finding in full
    (``finding:<n>``); any other name is BadInput listing those there are."""
    st = state(deal, at, as_of)
    try:
        refs = st.why(name)
    except KeyError:
        findings = f", or finding:1 to finding:{n}" if (n := len(st.findings)) else ""
        raise BadInput(
            f"no trace for {name!r}: expected one of {', '.join(sorted(st.trace))}{findings}",
            param="why",
        ) from None
    return WhyOut(
        name=name, refs=list(dict.fromkeys(refs)), lines=explain(refs, deal.terms, deal.history)
    )


def timetable(
    deal: Deal, at: datetime | None = None, as_of: datetime | None = None
) -> TimetableOut:
    """What is needed by when at ``at``: the next list and its deadline, the handover window,
    prisoners still due, aid today against the commitment."""
    return timetable_state(state(deal, at, as_of))


def timetable_state(st: State) -> TimetableOut:
    """``timetable`` of a state already computed (an interface that caches states)."""
    return timetable_out(engine_timetable(st))


def decide(
    deal: Deal, proposal: Proposal, at: datetime | None = None, as_of: datetime | None = None
) -> Decision:
    """Would ``proposal`` (the list for the next pause day) meet the terms as encoded?"""
    if at is None and as_of is None and deal.live is not None:
        return engine_check(deal.live.state(), proposal)
    return api.check(deal.terms, deal.history, proposal, at=at, as_of=as_of)


def check_state(st: State, proposal: Proposal) -> CheckOut:
    """``check`` on a state already computed (an interface that caches states, the service)."""
    return check_out(engine_check(st, proposal))


def check(
    deal: Deal, proposal: Proposal, at: datetime | None = None, as_of: datetime | None = None
) -> CheckOut:
    """``decide`` as its JSON result (what `check --json` prints)."""
    return check_out(decide(deal, proposal, at, as_of))


__all__ = [
    "Deal",
    "check",
    "check_state",
    "decide",
    "of_ledger",
    "open_deal",
    "pause_days_of",
    "reading",
    "state",
    "status",
    "timetable",
    "validate_terms",
    "why",
]
