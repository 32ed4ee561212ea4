"""Select the events that count and tally them per pause day (pure).

``select`` keeps what was recorded by ``as_of``, drops superseded events, resolves conflicting
declarations of one act by the terms' reference party, and keeps what happened by ``at``.
``tally`` then walks the events once, in time order, adding them up per pause day. The rules
are applied afterwards, day by day, in :mod:`truce.engine.judge`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from truce.clock import PauseCalendar
from truce.engine import rules
from truce.errors import LedgerError
from truce.events import (
    EVENT_MODELS,
    AidDelivered,
    CaptivesReleased,
    CreditGranted,
    ExtensionAgreed,
    ListAnnounced,
    PauseEnded,
    PrisonersReleased,
)
from truce.history import Entry, History
from truce.terms import Terms

TYPE_OF: dict[type, str] = {cls: tag for tag, cls in EVENT_MODELS.items()}
"""Each event class's ``type``."""


@dataclass(slots=True)
class DayTally:
    """What the events say about one pause day (indices point into the selected entries)."""

    live: int = 0  # live captives of covered categories released inside the framework
    bodies: int = 0  # bodies of covered categories released inside the framework
    not_covered: int = 0  # inside the framework but of a category the framework does not cover
    credited: int = 0
    outside: int = 0
    separate: int = 0
    live_by_category: dict[str | None, int] = field(default_factory=dict)
    credit_by_category: dict[str | None, int] = field(default_factory=dict)
    prisoners: int = 0
    last_release_ts: float | None = None
    last_credit_ts: float | None = None
    aid: int | None = None  # trucks of the terms' basis
    credit_refs: list[int] = field(default_factory=list)
    aid_refs: list[int] = field(default_factory=list)

    def has_releases(self) -> bool:
        """Whether any captive release or credit is recorded for this day."""
        return bool(
            self.live
            or self.bodies
            or self.not_covered
            or self.outside
            or self.separate
            or self.credited
        )


@dataclass
class Disputed:
    """Declarations of one act that differ: which was used, which were set aside, and why."""

    act: str
    used: str
    set_aside: list[str]
    reason: str


@dataclass
class Tally:
    """Everything the single pass over the events collects."""

    entries: list[Entry]
    disputes: list[Disputed]
    at_ts: float
    days: dict[int, DayTally] = field(default_factory=dict)
    released: dict[str, tuple[str | None, str, str]] = field(default_factory=dict)
    outside_total: int = 0
    credits_used: int = 0
    prisoners_total: int = 0
    prisoner_times: list[float] = field(default_factory=list)
    prisoner_cum: list[int] = field(default_factory=list)
    extensions: list[tuple[int, ExtensionAgreed]] = field(default_factory=list)
    lists: dict[str, int] = field(default_factory=dict)
    ended: Entry | None = None
    acts: list[int] = field(default_factory=list)
    ranges: dict[int, tuple[int, int]] = field(
        default_factory=dict
    )  # day -> [lo, hi) entry indices
    outside: set[str] = field(default_factory=set)  # ids of releases outside the framework

    def indices(self, day: int, kind: type) -> list[int]:
        """Indices of the events of one kind that happened during a day (entries are time-ordered)."""
        lo, hi = self.ranges.get(day, (0, 0))
        entries = self.entries
        tag = TYPE_OF[kind]  # compared by type name: a resumed entry knows it unread
        return [i for i in range(lo, hi) if entries[i].kind == tag]

    def release_indices(self, day: int) -> list[int]:
        """Releases that happened during a day, then credits granted toward it."""
        x = self.days.get(day)
        return self.indices(day, CaptivesReleased) + (x.credit_refs if x is not None else [])


def select(
    history: History, terms: Terms, at: datetime | None, as_of: datetime | None
) -> tuple[list[Entry], list[Disputed], float]:
    """The entries that count at ``at`` as known at ``as_of``, in time order, and the disputes."""
    entries = history.entries
    if as_of is not None:
        cut = as_of.timestamp()
        entries = [e for e in entries if e.rts <= cut]
    disputes: list[Disputed] = []
    if history.has_supersedes:
        superseded = {e.event.supersedes for e in entries if e.event.supersedes}
        if superseded:
            entries = [e for e in entries if e.event.id not in superseded]
    if history.has_acts:
        entries, disputes = _resolve_acts(entries, terms.parties.reference)
    if at is not None:
        at_ts = at.timestamp()
        if not entries or entries[-1].ts > at_ts or not history.in_time_order:
            entries = [e for e in entries if e.ts <= at_ts]
    elif not entries:
        at_ts = float("-inf")
    elif history.in_time_order:
        at_ts = entries[-1].ts
    else:
        at_ts = max(e.ts for e in entries)
    if not history.in_time_order:
        entries = sorted(entries, key=lambda e: e.ts)
    if disputes and at is not None:
        kept = {e.ref for e in entries}
        disputes = [d for d in disputes if d.used in kept]
    return entries, disputes, at_ts


def _resolve_acts(entries: list[Entry], reference: str) -> tuple[list[Entry], list[Disputed]]:
    acts: dict[str, list[Entry]] = {}
    for e in entries:
        if e.event.act is not None:
            acts.setdefault(e.event.act, []).append(e)
    drop: set[int] = set()
    disputes: list[Disputed] = []
    for act, group in acts.items():
        if len(group) < 2:
            continue
        by_ref = [e for e in group if e.event.declared_by == reference]
        if by_ref:
            used = max(by_ref, key=lambda e: (e.rts, e.seq))
            reason = f"declarations differ; the reference party ({reference}) figure is used"
        else:
            used = min(group, key=lambda e: (e.rts, e.seq))
            reason = (
                f"declarations differ and none is by the reference party ({reference}); "
                "the first recorded is used"
            )
        others = [e for e in group if e is not used]
        drop.update(id(e) for e in others)
        disputes.append(Disputed(act, used.ref, [e.ref for e in others], reason))
    if drop:
        entries = [e for e in entries if id(e) not in drop]
    return entries, disputes


def tally(
    terms: Terms,
    cal: PauseCalendar | None,
    entries: list[Entry],
    disputes: list[Disputed],
    at_ts: float,
) -> Tally:
    """One pass over time-ordered entries, adding them up per pause day."""
    tl = Tallier(terms, cal, disputes)
    tl.feed(entries, own=True)
    tl.t.at_ts = at_ts
    return tl.t


def _copy_day(x: DayTally) -> DayTally:
    return DayTally(
        x.live,
        x.bodies,
        x.not_covered,
        x.credited,
        x.outside,
        x.separate,
        dict(x.live_by_category),
        dict(x.credit_by_category),
        x.prisoners,
        x.last_release_ts,
        x.last_credit_ts,
        x.aid,
        list(x.credit_refs),
        list(x.aid_refs),
    )


class Tallier:
    """The tally's single pass, resumable: ``feed`` time-ordered entries, later more entries
    that come after them in time (an append at the end of the ledger).

    ``begin`` starts a batch that ``rollback`` undoes and ``commit`` keeps. A batch works on a
    new :class:`Tally` (the entry list, day and range maps copied, each day copied when first
    touched); the lists that only grow at the end (entries, prisoners, extensions, acts) and
    the captives released are shared, and ``rollback`` cuts them back. A ``State`` to keep
    takes its own copies of those (``Incremental.state``).
    """

    def __init__(self, terms: Terms, cal: PauseCalendar | None, disputes: list[Disputed]) -> None:
        self.terms = terms
        self.cal = cal
        self.t = Tally([], disputes, float("-inf"))
        self.basis_aid = terms.aid.basis if terms.aid else None
        self.covered_cache: dict[str | None, bool] = {}
        self.k = 0
        self.lo = 0
        self.next_ts = float("inf") if cal is None else float("-inf")
        self.cur = DayTally()  # replaced at the first event when there is a calendar
        if cal is None:
            self.t.days[0] = self.cur
        self._undo: tuple[Tally, int, int, float, DayTally, tuple[int, int, int, int]] | None = None
        self._fresh: set[int] = set()
        self._detached: set[str] | None = None  # outside_ids at ``begin``, once ``detach``ed

    @property
    def outside_ids(self) -> set[str]:
        """Ids of the releases outside the framework so far (for credits): the tally's."""
        return self.t.outside

    @outside_ids.setter
    def outside_ids(self, ids: set[str]) -> None:
        self.t.outside = ids

    @property
    def last_ts(self) -> float:
        """The time of the last entry fed (-inf: none)."""
        entries = self.t.entries
        return entries[-1].ts if entries else float("-inf")

    def begin(self) -> None:
        """Start a batch (see the class)."""
        assert self._undo is None, "a batch is already open"
        old = self.t
        self._undo = (
            old,
            self.k,
            self.lo,
            self.next_ts,
            self.cur,
            (len(old.entries), len(old.prisoner_times), len(old.extensions), len(old.acts)),
        )
        self.t = Tally(
            old.entries,
            old.disputes,
            old.at_ts,
            dict(old.days),
            old.released,
            old.outside_total,
            old.credits_used,
            old.prisoners_total,
            old.prisoner_times,
            old.prisoner_cum,
            old.extensions,
            dict(old.lists),
            old.ended,
            old.acts,
            dict(old.ranges),
            old.outside,
        )
        self._fresh = set()
        if self.t.days.get(self.k) is self.cur:
            self.cur = self.day_to_change(self.k)

    def commit(self) -> None:
        """Keep the batch."""
        self._undo = None
        self._fresh = set()
        self._detached = None

    def detach(self) -> None:
        """Give this batch its own copies of what batches share (the entry list, the captives
        released, the growing lists), so that it may take entries back (``truce.engine.rewind``)
        and ``rollback`` still restores the tally as it was at ``begin``. O(n) list copies, no
        per-event work."""
        assert self._undo is not None, "no batch is open"
        if self._detached is not None:
            return
        t = self.t
        t.entries = list(t.entries)
        t.released = dict(t.released)
        t.prisoner_times = list(t.prisoner_times)
        t.prisoner_cum = list(t.prisoner_cum)
        t.extensions = list(t.extensions)
        t.acts = list(t.acts)
        self._detached = self.outside_ids
        self.outside_ids = set(self.outside_ids)

    def rollback(self) -> None:
        """Undo the batch: the tally is again what it was at ``begin``."""
        assert self._undo is not None, "no batch is open"
        old, self.k, self.lo, self.next_ts, self.cur, (n, n_pr, n_ext, n_acts) = self._undo
        if self._detached is not None:  # the batch changed only its own copies
            self.outside_ids = self._detached
            self._detached = None
            self.t = old
            self._undo = None
            self._fresh = set()
            return
        released = old.released
        for en in self.t.entries[n:]:
            ev = en.event
            if type(ev) is CaptivesReleased:
                self.outside_ids.discard(ev.id)
                for c in ev.captives or ():
                    got = released.get(c.id)
                    if got is not None and got[2] == en.ref:
                        del released[c.id]
        del old.entries[n:]
        del old.prisoner_times[n_pr:]
        del old.prisoner_cum[n_pr:]
        del old.extensions[n_ext:]
        del old.acts[n_acts:]
        self.t = old
        self._undo = None
        self._fresh = set()

    def drop_day(self, k: int) -> None:
        """Remove day ``k`` from this batch's tally (a day only taken-back entries made)."""
        del self.t.days[k]
        self._fresh.discard(k)

    def day_to_change(self, k: int) -> DayTally:
        """Day ``k`` of this batch's tally, copied on its first touch."""
        days = self.t.days
        if k in self._fresh:
            return days[k]
        x = days.get(k)
        new = _copy_day(x) if x is not None else DayTally()
        days[k] = new
        self._fresh.add(k)
        return new

    def feed(self, new: list[Entry], own: bool = False) -> None:
        """Tally entries that come, in time, at or after everything fed so far.

        This is the hot loop of a replay: it keeps per-event work to a few attribute reads and
        integer additions; anything needed only for explanations is recovered later from each
        day's contiguous range of entries. ``own``: the list becomes the tally's own (no copy;
        only when nothing was fed yet).
        """
        out = self.t
        if own and not out.entries:
            out.entries = entries = new
            base = 0
        else:
            entries = out.entries
            base = len(entries)
            entries.extend(new)
        terms, cal = self.terms, self.cal
        days = out.days
        released = out.released
        ranges = out.ranges
        prisoner_times = out.prisoner_times
        prisoner_cum = out.prisoner_cum
        basis_aid = self.basis_aid
        covered_cache = self.covered_cache
        outside_ids = self.outside_ids
        outside_total, credits_used = out.outside_total, out.credits_used
        prisoners_total = out.prisoners_total
        cow = self.day_to_change if self._undo is not None else None

        k, lo, next_ts, cur = self.k, self.lo, self.next_ts, self.cur
        try:
            for i in range(base, len(entries)):
                en = entries[i]
                ts = en.ts
                if ts >= next_ts:
                    assert cal is not None
                    if i:
                        ranges[k] = (lo, i)
                    lo = i
                    k = cal.day_of_ts(ts)
                    next_ts = cal.boundary_ts(k)
                    cur = cow(k) if cow else (days.get(k) or days.setdefault(k, DayTally()))
                ev = en.event
                cls = ev.__class__
                if cls is CaptivesReleased:
                    track = ev.track  # type: ignore[union-attr]
                    if ev.captives is None:  # type: ignore[union-attr]
                        if track == "framework":
                            cat = ev.category  # type: ignore[union-attr]
                            cov = covered_cache.get(cat)
                            if cov is None:
                                cov = covered_cache[cat] = terms.category_counts(cat)
                            if cov:
                                n = ev.live  # type: ignore[union-attr]
                                cur.live += n
                                cur.bodies += ev.bodies  # type: ignore[union-attr]
                                if n:
                                    lbc = cur.live_by_category
                                    lbc[cat] = lbc.get(cat, 0) + n
                            else:
                                cur.not_covered += ev.live + ev.bodies  # type: ignore[union-attr]
                        elif track == "outside":
                            n = ev.live + ev.bodies  # type: ignore[union-attr]
                            cur.outside += n
                            outside_total += n
                            outside_ids.add(ev.id)
                        else:
                            cur.separate += ev.live + ev.bodies  # type: ignore[union-attr]
                    else:
                        outside_total += _count_ids(ev, en, cur, released, covered_cache, terms)  # type: ignore[arg-type]
                        if track == "outside":
                            outside_ids.add(ev.id)
                    if track == "framework":
                        if k < 1 and cal is not None:
                            raise LedgerError(
                                f"a release inside the framework at {ev.at.isoformat()} precedes the pause start "
                                f"{cal.start.isoformat()}",
                                where=en.where,
                            )
                        cur.last_release_ts = ts
                elif cls is PrisonersReleased:
                    cur.prisoners += ev.count  # type: ignore[union-attr]
                    prisoners_total += ev.count  # type: ignore[union-attr]
                    prisoner_times.append(ts)
                    prisoner_cum.append(prisoners_total)
                elif cls is CreditGranted:
                    assert isinstance(ev, CreditGranted)
                    pool = rules.creditable(outside_total, credits_used)
                    if ev.count > pool:
                        raise LedgerError(
                            f"credits {ev.count} but only {pool} outside-framework release(s) are creditable "
                            f"at {ev.at.isoformat()} ({outside_total} released outside the framework, "
                            f"{credits_used} already credited)",
                            where=en.where,
                        )
                    _check_credited(ev, en, outside_ids, released)
                    credits_used += ev.count
                    if cow is None:
                        t = days.get(ev.toward_day) or days.setdefault(ev.toward_day, DayTally())
                    else:
                        t = cow(ev.toward_day)
                        if ev.toward_day == k:
                            cur = t
                    t.credited += ev.count
                    if ev.captives:
                        for cid in ev.captives:
                            cat = released[cid][0]
                            t.credit_by_category[cat] = t.credit_by_category.get(cat, 0) + 1
                    else:
                        t.credit_by_category[None] = t.credit_by_category.get(None, 0) + ev.count
                    t.last_credit_ts = ts
                    t.credit_refs.append(i)
                elif cls is AidDelivered:
                    assert isinstance(ev, AidDelivered)
                    if ev.basis == basis_aid and ev.trucks is not None:
                        d = (
                            cal.day_of_date(ev.date)
                            if (cal is not None and ev.date is not None)
                            else k
                        )
                        if cow is None:
                            t = days.get(d) or days.setdefault(d, DayTally())
                        else:
                            t = cow(d)
                            if d == k:
                                cur = t
                        t.aid = (t.aid or 0) + ev.trucks
                        t.aid_refs.append(i)
                elif cls is ExtensionAgreed:
                    assert isinstance(ev, ExtensionAgreed)
                    out.extensions.append((i, ev))
                elif cls is ListAnnounced:
                    out.lists[ev.id] = i
                    out.acts.append(i)
                elif cls is PauseEnded:
                    if out.ended is None:
                        out.ended = en
                    out.acts.append(i)
                else:
                    out.acts.append(i)
        finally:
            self.k, self.lo, self.next_ts, self.cur = k, lo, next_ts, cur
            out.outside_total = outside_total
            out.credits_used = credits_used
            out.prisoners_total = prisoners_total
        if entries:
            ranges[k] = (lo, len(entries))


def _count_ids(
    ev: CaptivesReleased,
    en: Entry,
    cur: DayTally,
    released: dict[str, tuple[str | None, str, str]],
    covered_cache: dict[str | None, bool],
    terms: Terms,
) -> int:
    """Tally a release given as pseudonymous ids; returns how many were outside the framework."""
    track = ev.track
    outside = 0
    ref = en.ref  # one string for all its captives (an entry makes its reference when asked)
    for c in ev.captives or ():
        if c.id in released:
            raise LedgerError(
                f"captive {c.id!r} is released again (already released at {released[c.id][2]})",
                where=en.where,
            )
        released[c.id] = (c.category, track, ref)
        if track == "framework":
            cov = covered_cache.get(c.category)
            if cov is None:
                cov = covered_cache[c.category] = terms.category_counts(c.category)
            if not cov:
                cur.not_covered += 1
            elif c.status == "live":
                cur.live += 1
                cur.live_by_category[c.category] = cur.live_by_category.get(c.category, 0) + 1
            else:
                cur.bodies += 1
        elif track == "outside":
            cur.outside += 1
            outside += 1
        else:
            cur.separate += 1
    return outside


def _check_credited(
    ev: CreditGranted,
    en: Entry,
    outside_ids: set[str],
    released: dict[str, tuple[str | None, str, str]],
) -> None:
    """A credit names only earlier outside-framework releases and captives."""
    if ev.releases:
        for rid in ev.releases:
            if rid not in outside_ids:
                raise LedgerError(
                    f"releases names {rid!r}, which is not an earlier release outside the framework",
                    where=en.where,
                )
    for cid in ev.captives:
        info = released.get(cid)
        if info is None or info[1] != "outside":
            raise LedgerError(
                f"captive {cid!r} is credited but was not released outside the framework",
                where=en.where,
            )
