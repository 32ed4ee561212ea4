"""Select the events that count and tally them per pause day (pure).

``select`` keeps what was recorded by ``as_of``, drops superseded events, resolves conflicting
declarations of one act by the terms' reference party, and keeps what happened by ``at``.
``tally`` then walks the events once, in time order, adding them up per pause day. The rules
are applied afterwards, day by day, in :mod:`truce.engine.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from truce.engine import rules
from truce.engine.clock import PauseCalendar
from truce.errors import LedgerError
from truce.events import (
    AidDelivered,
    CaptivesReleased,
    CreditGranted,
    ExtensionAgreed,
    ListAnnounced,
    PauseEnded,
    PrisonersReleased,
)
from truce.ledger.history import Entry, History
from truce.terms import Terms


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
    refs: list[int] = field(default_factory=list)  # releases
    credit_refs: list[int] = field(default_factory=list)
    prisoner_refs: list[int] = field(default_factory=list)
    aid_refs: list[int] = field(default_factory=list)


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
    else:
        at_ts = max((e.ts for e in entries), default=float("-inf")) if entries else float("-inf")
    if not history.in_time_order:
        entries = sorted(entries, key=lambda e: e.ts)
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
    out = Tally(entries, disputes, at_ts)
    days = out.days
    released = out.released
    release_track: dict[str, str] = {}
    basis_aid = terms.aid.basis if terms.aid else None
    covered_cache: dict[str | None, bool] = {}
    outside_total = credits_used = prisoners_total = 0

    def covered(cid: str | None) -> bool:
        hit = covered_cache.get(cid)
        if hit is None:
            hit = covered_cache[cid] = terms.category_counts(cid)
        return hit

    def day_tally(d: int) -> DayTally:
        t = days.get(d)
        if t is None:
            t = days[d] = DayTally()
        return t

    k = 0
    next_ts = float("-inf")
    cur = day_tally(0) if cal is None else None
    for i, en in enumerate(entries):
        ev = en.event
        ts = en.ts
        if cal is not None and ts >= next_ts:
            k = cal.day_of_ts(ts)
            next_ts = cal.boundary_ts(k)
            cur = None
        if isinstance(ev, CaptivesReleased):
            if cur is None:
                cur = day_tally(k)
            t = cur
            track = ev.track
            release_track[ev.id] = track
            if ev.captives is not None:
                for c in ev.captives:
                    if c.id in released:
                        raise LedgerError(
                            f"captive {c.id!r} is released again (already released at {released[c.id][2]})",
                            where=en.where,
                        )
                    released[c.id] = (c.category, track, en.ref)
                    if track == "framework":
                        if covered(c.category):
                            if c.status == "live":
                                t.live += 1
                                t.live_by_category[c.category] = (
                                    t.live_by_category.get(c.category, 0) + 1
                                )
                            else:
                                t.bodies += 1
                        else:
                            t.not_covered += 1
                    elif track == "outside":
                        t.outside += 1
                        outside_total += 1
                    else:
                        t.separate += 1
            else:
                n = ev.live + ev.bodies
                if track == "framework":
                    cat = ev.category
                    if covered(cat):
                        t.live += ev.live
                        t.bodies += ev.bodies
                        if ev.live:
                            t.live_by_category[cat] = t.live_by_category.get(cat, 0) + ev.live
                    else:
                        t.not_covered += n
                elif track == "outside":
                    t.outside += n
                    outside_total += n
                else:
                    t.separate += n
            if track == "framework":
                if k < 1 and cal is not None:
                    raise LedgerError(
                        f"a release inside the framework at {ev.at.isoformat()} precedes the pause start "
                        f"{cal.start.isoformat()}",
                        where=en.where,
                    )
                t.last_release_ts = ts
            t.refs.append(i)
        elif isinstance(ev, PrisonersReleased):
            if cur is None:
                cur = day_tally(k)
            cur.prisoners += ev.count
            cur.prisoner_refs.append(i)
            prisoners_total += ev.count
            out.prisoner_times.append(ts)
            out.prisoner_cum.append(prisoners_total)
        elif isinstance(ev, CreditGranted):
            pool = rules.creditable(outside_total, credits_used)
            if ev.count > pool:
                raise LedgerError(
                    f"credits {ev.count} but only {pool} outside-framework release(s) are creditable "
                    f"at {ev.at.isoformat()} ({outside_total} released outside the framework, "
                    f"{credits_used} already credited)",
                    where=en.where,
                )
            for rid in ev.releases:
                if release_track.get(rid) != "outside":
                    raise LedgerError(
                        f"releases names {rid!r}, which is not an earlier release outside the framework",
                        where=en.where,
                    )
            credits_used += ev.count
            t = day_tally(ev.toward_day)
            t.credited += ev.count
            if ev.captives:
                for cid in ev.captives:
                    info = released.get(cid)
                    if info is None or info[1] != "outside":
                        raise LedgerError(
                            f"captive {cid!r} is credited but was not released outside the framework",
                            where=en.where,
                        )
                    t.credit_by_category[info[0]] = t.credit_by_category.get(info[0], 0) + 1
            else:
                t.credit_by_category[None] = t.credit_by_category.get(None, 0) + ev.count
            t.last_credit_ts = ts
            t.credit_refs.append(i)
        elif isinstance(ev, AidDelivered):
            if ev.basis == basis_aid and ev.trucks is not None:
                d = cal.day_of_date(ev.date) if (cal is not None and ev.date is not None) else k
                t = day_tally(d)
                t.aid = (t.aid or 0) + ev.trucks
                t.aid_refs.append(i)
        elif isinstance(ev, ExtensionAgreed):
            out.extensions.append((i, ev))
        elif isinstance(ev, ListAnnounced):
            out.lists[ev.id] = i
            out.acts.append(i)
        elif isinstance(ev, PauseEnded):
            if out.ended is None:
                out.ended = en
            out.acts.append(i)
        else:
            out.acts.append(i)
    out.outside_total = outside_total
    out.credits_used = credits_used
    out.prisoners_total = prisoners_total
    return out
