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

    def indices(self, day: int, kind: type) -> list[int]:
        """Indices of the events of one kind that happened during a day (entries are time-ordered)."""
        lo, hi = self.ranges.get(day, (0, 0))
        entries = self.entries
        return [i for i in range(lo, hi) if type(entries[i].event) is kind]

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
    """One pass over time-ordered entries, adding them up per pause day.

    This is the hot loop of a replay: it keeps per-event work to a few attribute reads and
    integer additions; anything needed only for explanations is recovered later from each
    day's contiguous range of entries.
    """
    out = Tally(entries, disputes, at_ts)
    days = out.days
    released = out.released
    ranges = out.ranges
    prisoner_times = out.prisoner_times
    prisoner_cum = out.prisoner_cum
    basis_aid = terms.aid.basis if terms.aid else None
    covered_cache: dict[str | None, bool] = {}
    outside_ids: set[str] = set()  # ids of releases outside the framework so far (for credits)
    outside_total = credits_used = prisoners_total = 0

    k = 0
    lo = 0
    next_ts = float("inf") if cal is None else float("-inf")
    cur = DayTally()  # replaced at the first event when there is a calendar
    if cal is None:
        days[0] = cur
    for i, en in enumerate(entries):
        ts = en.ts
        if ts >= next_ts:
            assert cal is not None
            if i:
                ranges[k] = (lo, i)
            lo = i
            k = cal.day_of_ts(ts)
            next_ts = cal.boundary_ts(k)
            cur = days.get(k) or days.setdefault(k, DayTally())
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
            t = days.get(ev.toward_day) or days.setdefault(ev.toward_day, DayTally())
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
                d = cal.day_of_date(ev.date) if (cal is not None and ev.date is not None) else k
                t = days.get(d) or days.setdefault(d, DayTally())
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
    if entries:
        ranges[k] = (lo, len(entries))
    out.outside_total = outside_total
    out.credits_used = credits_used
    out.prisoners_total = prisoners_total
    return out


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
    for c in ev.captives or ():
        if c.id in released:
            raise LedgerError(
                f"captive {c.id!r} is released again (already released at {released[c.id][2]})",
                where=en.where,
            )
        released[c.id] = (c.category, track, en.ref)
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
