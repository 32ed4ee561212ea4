"""Take entries back out of a tally (pure): the inverse of :meth:`Tallier.feed` from an index on.

A correction or a late event changes the tally only from the pause day it touches. Instead of
tallying the whole history again, :func:`resume_point` finds the first entry it affects, rounded
down to the start of that entry's pause day, :func:`rewind` subtracts every entry from there
on (counts, per-category counts, credits, aid, prisoners, lists, acts), and the caller feeds the
changed tail again. Work is proportional to the entries from the touched day on, not to the
ledger. The result equals a full replay: tests/property/test_incremental.py checks it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

from truce.engine.tally import DayTally, Tallier, Tally
from truce.events import (
    AidDelivered,
    CaptivesReleased,
    CreditGranted,
    ListAnnounced,
    PauseEnded,
    PrisonersReleased,
)
from truce.history import Entry, History

__all__ = ["resume_point", "rewind"]


def _ts(en: Entry) -> float:
    return en.ts


def resume_point(
    tl: Tallier, history: History, new: Sequence[Entry], limit: float = 1.0
) -> tuple[int, list[Entry]] | None:
    """Where to take the tally back to for ``new`` entries (already in ``history``), and the
    entries to feed from there, in the order a full replay selects them. None where only a
    full re-tally is right (a declaration of a shared act, or a correction of one: they change
    which declarations count, over the whole ledger) or cheaper (taking back more than
    ``limit`` of the entries: taking one back costs about what tallying it does)."""
    entries = tl.t.entries
    drop: set[str] = set()
    for en in new:
        ev = en.event
        if ev.act is not None:
            return None
        if ev.supersedes:
            target = history.get(ev.supersedes)
            if target is None or target.event.act is not None:
                return None
            drop.add(ev.supersedes)
    p = len(entries)
    kept_new = [en for en in new if en.event.id not in drop]
    for en in kept_new:
        p = min(p, bisect_right(entries, en.ts, key=_ts))
    for eid in drop:
        target = history.get(eid)
        assert target is not None
        i = bisect_left(entries, target.ts, key=_ts)
        while i < len(entries) and entries[i].ts == target.ts and entries[i].event.id != eid:
            i += 1
        if i < len(entries) and entries[i].event.id == eid:
            p = min(p, i)
    cal = tl.cal
    if p < len(entries) and cal is not None:  # back to the start of that pause day
        day = cal.day_of_ts(entries[p].ts)
        p = bisect_left(entries, cal.boundary_ts(day - 1), key=_ts, hi=p)
    if len(entries) - p > limit * len(entries):
        return None
    tail = [en for en in entries[p:] if en.event.id not in drop] + kept_new
    tail.sort(key=_ts)  # stable: among equal times, history order (the new entries last)
    return p, tail


def rewind(tl: Tallier, p: int) -> None:
    """Make ``tl`` (inside a batch) what feeding only ``entries[:p]`` gave; ``p`` is the start
    of a pause day's range (any index where the terms have no pause calendar)."""
    if p >= len(tl.t.entries):
        return
    tl.detach()
    t = tl.t
    entries = t.entries
    n = len(entries)
    cal = tl.cal
    if cal is None:
        spans = [(0, p, n)]
    else:
        spans = sorted(
            ((d, lo, hi) for d, (lo, hi) in t.ranges.items() if lo >= p),
            key=lambda s: -s[1],
        )
    touched: set[int] = set()
    released = t.released
    outside_ids = tl.outside_ids
    n_pr = 0
    covered = tl.covered_cache
    terms = tl.terms
    for d, lo, hi in spans:
        cur = tl.day_to_change(d)
        touched.add(d)
        for i in range(hi - 1, lo - 1, -1):
            en = entries[i]
            ev: Any = en.event
            cls = ev.__class__
            if cls is CaptivesReleased:
                if ev.captives is None and ev.track == "framework":  # the common case, inline
                    cat = ev.category
                    cov = covered.get(cat)
                    if cov is None:
                        cov = covered[cat] = terms.category_counts(cat)
                    if cov:
                        cur.live -= ev.live
                        cur.bodies -= ev.bodies
                        if ev.live:
                            _dec(cur.live_by_category, cat, ev.live)
                    else:
                        cur.not_covered -= ev.live + ev.bodies
                    continue
                t.outside_total -= _take_release(tl, ev, cur, released)
                if ev.track == "outside":
                    outside_ids.discard(ev.id)
            elif cls is PrisonersReleased:
                cur.prisoners -= ev.count
                t.prisoners_total -= ev.count
                n_pr += 1
            elif cls is CreditGranted:
                _take_credit(tl, ev, i, touched)
            elif cls is AidDelivered:
                if ev.basis == tl.basis_aid and ev.trucks is not None:
                    a = cal.day_of_date(ev.date) if (cal is not None and ev.date) else d
                    x = tl.day_to_change(a)
                    touched.add(a)
                    x.aid = (x.aid or 0) - ev.trucks
                    assert x.aid_refs.pop() == i
                    if not x.aid_refs:
                        x.aid = None
            elif cls is ListAnnounced:
                del t.lists[ev.id]
            elif cls is PauseEnded and t.ended is en:
                t.ended = None
    _cut_lists(t, p, n_pr)
    if cal is None:
        tl.k, tl.lo, tl.next_ts = 0, 0, float("inf")
        tl.cur = tl.day_to_change(0)
        t.ranges.pop(0, None)
    else:
        for d, _, _ in spans:
            del t.ranges[d]
            t.days[d].last_release_ts = None  # set only by the day's own entries
        if p == 0:
            tl.k, tl.lo, tl.next_ts, tl.cur = 0, 0, float("-inf"), DayTally()
        else:
            k = cal.day_of_ts(entries[p - 1].ts)
            tl.k, tl.lo, tl.next_ts = k, t.ranges[k][0], cal.boundary_ts(k)
            tl.cur = tl.day_to_change(k)
            t.ranges[k] = (tl.lo, p)
    for d in touched:  # a day only the taken-back entries made is gone again
        if d not in t.ranges and _empty(t.days[d]) and not (cal is None and d == 0):
            tl.drop_day(d)
    del entries[p:]


def _take_release(
    tl: Tallier,
    ev: CaptivesReleased,
    cur: DayTally,
    released: dict[str, tuple[str | None, str, str]],
) -> int:
    """Subtract one release from its day; returns how many it added outside the framework."""
    track = ev.track
    if ev.captives is None:  # counts outside the framework (inside: inline in ``rewind``)
        if track == "outside":
            cur.outside -= ev.live + ev.bodies
            return ev.live + ev.bodies
        cur.separate -= ev.live + ev.bodies
        return 0
    outside = 0
    for c in ev.captives:
        del released[c.id]
        if track == "framework":
            cov = tl.covered_cache.get(c.category)
            if cov is None:
                cov = tl.covered_cache[c.category] = tl.terms.category_counts(c.category)
            if not cov:
                cur.not_covered -= 1
            elif c.status == "live":
                cur.live -= 1
                _dec(cur.live_by_category, c.category, 1)
            else:
                cur.bodies -= 1
        elif track == "outside":
            cur.outside -= 1
            outside += 1
        else:
            cur.separate -= 1
    return outside


def _take_credit(tl: Tallier, ev: CreditGranted, i: int, touched: set[int]) -> None:
    """Subtract a credit from the day it was granted toward."""
    t = tl.t
    t.credits_used -= ev.count
    x = tl.day_to_change(ev.toward_day)
    touched.add(ev.toward_day)
    x.credited -= ev.count
    if ev.captives:
        for cid in ev.captives:
            _dec(x.credit_by_category, t.released[cid][0], 1)
    else:
        _dec(x.credit_by_category, None, ev.count)
    assert x.credit_refs.pop() == i
    x.last_credit_ts = t.entries[x.credit_refs[-1]].ts if x.credit_refs else None


def _dec(counts: dict[str | None, int], key: str | None, n: int) -> None:
    left = counts[key] - n
    if left:
        counts[key] = left
    else:
        del counts[key]


def _cut_lists(t: Tally, p: int, n_pr: int) -> None:
    """Cut the lists that only grow at the end back to what entries[:p] added."""
    if n_pr:
        del t.prisoner_times[-n_pr:]
        del t.prisoner_cum[-n_pr:]
    while t.extensions and t.extensions[-1][0] >= p:
        t.extensions.pop()
    while t.acts and t.acts[-1] >= p:
        t.acts.pop()


def _empty(x: DayTally) -> bool:
    return not (
        x.has_releases()
        or x.prisoners
        or x.aid is not None
        or x.credit_refs
        or x.aid_refs
        or x.live_by_category
        or x.credit_by_category
    )
