"""The state of a pause: ``replay`` a history under its terms (pure).

``replay`` = select the events that count (``tally.select``), add them up per pause day
(``tally.tally``), then judge the days (:class:`truce.engine.judge.Judge`). The types it returns
live in :mod:`truce.engine.results`; they are imported here too, so ``from truce.engine.state
import State, replay`` keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from truce.clock import PauseCalendar
from truce.engine.judge import Judge
from truce.engine.results import DayRow, Finding, State
from truce.engine.tally import Disputed, select, tally
from truce.history import History
from truce.terms import Terms
from truce.versions import Amendment, TermsBook

__all__ = ["DayRow", "Disputed", "Finding", "State", "replay"]


def replay(
    terms: Terms,
    history: History,
    at: datetime | None = None,
    as_of: datetime | None = None,
    amendments: Sequence[Amendment] | None = None,
) -> State:
    """The state at ``at`` (default: the latest event) from what was recorded by ``as_of``;
    each pause day is judged under the terms version in force when it began (amendments:
    default those the history carries)."""
    if amendments is None:
        amendments = history.amendments
    if as_of is not None:
        cut = as_of.timestamp()
        amendments = [
            a for a in amendments if a.recorded_at is None or a.recorded_at.timestamp() <= cut
        ]
    entries, disputes, at_ts = select(history, terms, at, as_of)
    start = terms.agreement.start
    cal = PauseCalendar(start, terms.agreement.zone) if start is not None else None
    if at_ts == float("-inf"):
        at_ts = cal.boundary_ts(0) if cal else 0.0
    book = TermsBook(terms, amendments)
    if terms.stages:  # phased terms: the stage engine (truce.engine.stages)
        from truce.engine.stage_state import staged_state

        return staged_state(terms, tally(terms, None, entries, disputes, at_ts), as_of, book)
    return Judge(terms, cal, tally(terms, cal, entries, disputes, at_ts), as_of, book).state()
