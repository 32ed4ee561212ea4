"""Incremental state: a history and its tally kept together, so that an append is judged from
the state before it (pure).

``replay`` selects, tallies and judges the whole history every time. :class:`Incremental` keeps
the history and a resumable tally (:class:`truce.engine.tally.Tallier`): events appended after
everything already tallied (the usual case, a new event at the end) are tallied on their own,
and only the judgement of the days (per pause day, not per event) is redone. A correction or a
late event dated before the last one takes the tally back to the start of the pause day it
touches (:mod:`truce.engine.rewind`) and tallies from there. A declaration of a shared act, an
amendment of the terms, or a change reaching back over more than ``resume_limit`` of the
ledger re-tallies the history from the start, as ``replay`` does. Either way the state is the
one ``replay(terms, history)`` gives: tests/property checks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from truce.clock import PauseCalendar
from truce.engine.judge import Judge
from truce.engine.results import State
from truce.engine.rewind import resume_point, rewind
from truce.engine.tally import Tallier, select
from truce.errors import LedgerError
from truce.events import Event
from truce.history import History
from truce.terms import Terms
from truce.versions import Amendment, TermsBook

__all__ = ["Incremental"]


def _same(a: Sequence[Amendment], b: Sequence[Amendment]) -> bool:
    return len(a) == len(b) and all(
        x is y
        or (
            x.ref == y.ref
            and x.effective_at == y.effective_at
            and x.recorded_at == y.recorded_at
            and (x.terms is y.terms or x.terms == y.terms)
        )
        for x, y in zip(a, b, strict=True)
    )


class Incremental:
    """A history (owned: extend it only through this object) and its state, kept up to date.

    ``extend`` appends for good; ``trial`` judges a batch as if appended and leaves everything
    as it was. ``fast``, ``resumed`` and ``full`` count how each batch was tallied (for tests
    and benchmarks). ``resume_limit``: the share of the tallied entries a correction or a late
    event may take back (more is tallied from the start, which costs about the same per entry).
    """

    resume_limit = 0.5

    def __init__(self, terms: Terms | None, history: History | None = None) -> None:
        self.terms = terms
        self.history = history if history is not None else History()
        self._tl: Tallier | None = None  # None: re-tally from the start when next needed
        self._cal: PauseCalendar | None = None
        self._book: TermsBook | None = None
        self.fast = 0
        self.resumed = 0
        self.full = 0

    # -- reading -------------------------------------------------------------------------

    def state(self) -> State:
        """The state at the latest event, as ``replay(terms, history)`` gives it (its
        ``released_ids`` and ``entries`` are copies: later appends leave it as it is)."""
        tl = self._tally()
        return self._judge(tl, snapshot=True)

    # -- appending -----------------------------------------------------------------------

    def extend(
        self,
        events: Iterable[Event],
        refs: Iterable[str] | None = None,
        origins: Iterable[str] | None = None,
        known_at: Iterable[float | None] | None = None,
        amendments: Sequence[Amendment] | None = None,
    ) -> None:
        """Append for good (what a store already holds). A history that breaks the rules
        raises and changes nothing; a tally that fails is left to fail again in ``state``,
        as ``replay`` would."""
        undo = self._apply(events, refs, origins, known_at, amendments, strict=False)
        if undo is None:
            return
        try:
            self._tally()
        except LedgerError:
            self._tl = None  # the stored history does not replay: ``state`` says why
            return
        self._keep(undo)

    def trial(
        self,
        events: Iterable[Event],
        refs: Iterable[str] | None = None,
        origins: Iterable[str] | None = None,
        known_at: Iterable[float | None] | None = None,
        amendments: Sequence[Amendment] | None = None,
    ) -> State:
        """The state with ``events`` appended (raises what ``replay`` would raise); the history
        and its state are then as they were."""
        st = self._trial(events, refs, origins, known_at, amendments, snapshot=True)
        assert st is not None
        return st

    def check(
        self,
        events: Iterable[Event],
        refs: Iterable[str] | None = None,
        origins: Iterable[str] | None = None,
        known_at: Iterable[float | None] | None = None,
        amendments: Sequence[Amendment] | None = None,
    ) -> None:
        """``trial`` for its refusal only: raises what ``replay`` would raise, builds no state
        to keep (so it copies nothing the size of the ledger)."""
        self._trial(events, refs, origins, known_at, amendments, snapshot=False)

    def _trial(
        self,
        events: Iterable[Event],
        refs: Iterable[str] | None,
        origins: Iterable[str] | None,
        known_at: Iterable[float | None] | None,
        amendments: Sequence[Amendment] | None,
        snapshot: bool,
    ) -> State | None:
        self._tally()  # what is already there is tallied for good, outside the trial
        undo = self._apply(events, refs, origins, known_at, amendments)
        try:
            tl = self._tally()
            st = self._judge(tl, snapshot=snapshot)
            return st if snapshot else None
        finally:
            if undo is not None:
                self._undo(undo)

    # -- inside ----------------------------------------------------------------------------

    def _apply(
        self,
        events: Iterable[Event],
        refs: Iterable[str] | None,
        origins: Iterable[str] | None,
        known_at: Iterable[float | None] | None,
        amendments: Sequence[Amendment] | None,
        strict: bool = True,
    ) -> tuple[object, Tallier | None, bool, TermsBook | None] | None:
        h = self.history
        mark = h.mark()
        n = len(h)
        h.extend(events, refs, origins, known_at)  # raises before changing anything
        new = h.entries[n:]
        changed = amendments is not None and not _same(amendments, h.amendments)
        if not new and not changed:
            return None
        if changed:
            assert amendments is not None
            h.amendments = list(amendments)
        tl = self._tl
        resume = None if tl is None or changed else resume_point(tl, h, new, self.resume_limit)
        if resume is not None:
            assert tl is not None
            p, tail = resume
            tl.begin()
            try:
                if p < len(tl.t.entries):
                    rewind(tl, p)
                    self.resumed += 1
                else:
                    self.fast += 1
                tl.feed(tail)
            except LedgerError:
                tl.rollback()
                if not strict:  # kept: ``state`` re-tallies and names the error
                    self._tl = None
                    return None
                h.rollback(mark)
                raise
            return (mark, tl, True, self._book)
        self._tl = None  # re-tallied from the start by ``_tally``
        book = self._book
        if changed:
            self._book = None
        return (mark, tl, False, book)

    def _keep(self, undo: tuple[object, Tallier | None, bool, TermsBook | None]) -> None:
        _, tl, fast, _ = undo
        if fast:
            assert tl is not None
            tl.commit()

    def _undo(self, undo: tuple[object, Tallier | None, bool, TermsBook | None]) -> None:
        mark, tl, fast, book = undo
        if fast:
            assert tl is not None
            tl.rollback()
        else:
            self._tl = tl
        self._book = book
        self.history.rollback(mark)  # type: ignore[arg-type]

    def _tally(self) -> Tallier:
        tl = self._tl
        if tl is not None:
            return tl
        terms = self._terms()
        entries, disputes, _ = select(self.history, terms, None, None)
        tl = Tallier(terms, self._calendar(), disputes)
        tl.feed(list(entries))
        self.full += 1
        self._tl = tl
        return tl

    def _terms(self) -> Terms:
        if self.terms is None:
            raise LedgerError("the ledger has no terms: it cannot be judged")
        return self.terms

    def _calendar(self) -> PauseCalendar | None:
        if self._cal is None:
            start = self._terms().agreement.start
            if start is not None:
                self._cal = PauseCalendar(start, self._terms().agreement.zone)
        return self._cal

    def _judge(self, tl: Tallier, snapshot: bool) -> State:
        terms = self._terms()
        cal = self._calendar()
        t = tl.t
        # The latest event's time (entries are in time order), as ``select`` gives it.
        empty = cal.boundary_ts(0) if cal else 0.0
        t.at_ts = t.entries[-1].ts if t.entries else empty
        if self._book is None:
            self._book = TermsBook(terms, self.history.amendments)
        if snapshot:
            # Later batches copy the day maps before changing them, but add to the end of
            # these: the state keeps its own copies (O(n), only for a state to keep).
            t = replace(
                t,
                entries=list(t.entries),
                released=dict(t.released),
                prisoner_times=list(t.prisoner_times),
                prisoner_cum=list(t.prisoner_cum),
                extensions=list(t.extensions),
                acts=list(t.acts),
                outside=set(t.outside),
            )
        if terms.stages:  # phased terms: the stage engine (issue 16)
            from truce.engine.stage_state import staged_state

            return staged_state(terms, t, None, self._book)
        return Judge(terms, cal, t, None, self._book).state()
