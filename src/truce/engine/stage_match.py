"""Which scheduled batch each event answers (pure): the stage engine's matching rule.

A release naming ``batch`` answers that batch (an id the terms do not define is a finding; the
release still counts toward its stage). A captives release without it answers the batch whose
window contains it, else none: it is an unscheduled handover of its stage (the stage whose span
contains it; before the first, the first; after the last, the last). A prisoners release
without ``batch`` answers the earliest handover before it (a batch or an unscheduled handover)
whose prisoners are still outstanding, else the latest handover before it. Only the framework
track of covered categories counts; ``outside`` and ``separate`` releases are counted apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from truce.clock import PauseCalendar, resolve_local
from truce.engine import rules
from truce.events import (
    AidDelivered,
    BodiesReturned,
    CaptivesReleased,
    NamesGiven,
    NextStageEvent,
    PrisonersReleased,
    ReleaseHeldBack,
)
from truce.history import Entry
from truce.terms import Batch, Terms

if TYPE_CHECKING:
    from truce.engine.stage_results import StageFinding

__all__ = ["Group", "Handover", "Matched", "StageWindows", "match"]


@dataclass(frozen=True)
class Handover:
    """Counted captives of one release event."""

    ref: str
    at: datetime
    living: int
    bodies: int
    living_by_category: dict[str | None, int]


@dataclass(frozen=True)
class PrisonersIn:
    """A prisoners release answering a group."""

    ref: str
    at: datetime
    count: int


@dataclass
class Group:
    """The handovers answering one batch (or one unscheduled handover), and what answers them."""

    id: str
    batch: Batch | None
    handovers: list[Handover] = field(default_factory=list)
    prisoners: list[PrisonersIn] = field(default_factory=list)
    names: list[tuple[datetime, str]] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)  # (plain words, ref)

    @property
    def answering(self) -> int:
        return sum(h.living + h.bodies for h in self.handovers)

    @property
    def living(self) -> int:
        return sum(h.living for h in self.handovers)

    @property
    def bodies(self) -> int:
        return sum(h.bodies for h in self.handovers)

    @property
    def living_by_category(self) -> dict[str | None, int]:
        c: Counter[str | None] = Counter()
        for h in self.handovers:
            c.update(h.living_by_category)
        return dict(c)

    @property
    def first_handover(self) -> datetime | None:
        return self.handovers[0].at if self.handovers else None

    @property
    def last_handover(self) -> datetime | None:
        return self.handovers[-1].at if self.handovers else None

    def outstanding(self, terms: Terms) -> bool:
        """Whether prisoners answering it may still be owed: a known price not yet reached, or
        an unknown one with nothing released yet."""
        if not self.handovers:
            return False
        released = sum(p.count for p in self.prisoners)
        b = self.batch
        if b is not None and b.prisoners is not None:
            return not rules.batch_met(released, b.prisoners)
        due = Fraction(0)
        for cat, n in self.living_by_category.items():
            price = (
                b.prisoners_per_captive
                if b is not None and b.prisoners_per_captive is not None
                else terms.price(cat)
            )
            if price is None:
                return released == 0
            due += rules.prisoners_due(n, price)
        return not rules.batch_met(released, due)


class StageWindows:
    """A stage's span, its local-day calendar, and each batch's handover window."""

    def __init__(self, terms: Terms, k: int, begin: datetime, end: datetime) -> None:
        self.zone: ZoneInfo = terms.agreement.zone
        self.begin, self.end = begin, end
        self.cal = PauseCalendar(begin.astimezone(self.zone).replace(tzinfo=None), self.zone)
        self.windows: dict[str, tuple[datetime, datetime]] = {}
        for b in terms.stages[k].batches:
            if b.day is not None:
                w = (self.cal.boundary(b.day - 1), self.cal.boundary(b.last_day or b.day))
            elif b.date is not None:
                w = (self.date_start(b.date), self.date_end(b.last_date or b.date))
            else:
                w = (
                    begin,
                    (begin.astimezone(UTC) + timedelta(hours=b.hours or 0)).astimezone(self.zone),
                )
            self.windows[b.id] = w

    def date_start(self, d: date) -> datetime:
        return resolve_local(datetime.combine(d, time()), self.zone).instant

    def date_end(self, d: date) -> datetime:
        """The end of a local date (the next local midnight, DST-safe)."""
        return self.date_start(d + timedelta(days=1))


@dataclass
class Matched:
    """The events sorted to stages and batches."""

    windows: list[StageWindows]
    groups: list[dict[str, Group]]
    streams: list[list[Handover]]  # every counted handover of each stage, in time order
    unmatched_prisoners: dict[int, int]
    bodies: list[dict[str, list[tuple[datetime, int, str]]]]
    next_events: dict[str, tuple[datetime, str]]
    aid: list[tuple[date, int | None, dict[str, int] | None, str, str]]
    findings: list[StageFinding]
    notes: list[str]
    counted: int = 0
    outside: int = 0
    separate: int = 0
    not_covered: int = 0


def _fits(b: Batch, h: Handover) -> bool:
    """Whether a handover is of the kind a batch calls for: a batch of living captives only
    (``living`` without ``captives`` or ``bodies``) takes no bodies, and the reverse."""
    if b.captives is not None or b.by_category is not None:
        return True
    if b.living is not None and b.bodies is None:
        return h.bodies == 0
    if b.bodies is not None and b.living is None:
        return h.living == 0
    return True


def _by_window(
    batches: list[Batch], w: StageWindows, t: datetime, h: Handover, groups: dict[str, Group]
) -> Batch | None:
    """The batch an untagged handover at ``t`` answers: of the batches whose window contains
    it, the first of its kind not yet full, else the first of its kind, else none."""
    inside = [x for x in batches if w.windows[x.id][0] <= t < w.windows[x.id][1] and _fits(x, h)]
    for x in inside:
        g = groups.get(x.id)
        if g is None or g.answering < x.total():
            return x
    return inside[0] if inside else None


def _stage_at(windows: list[StageWindows], t: datetime) -> int:
    for k, w in enumerate(windows):
        if t < w.end:
            return k
    return len(windows) - 1


def match(terms: Terms, entries: list[Entry], at: datetime) -> Matched:
    """Sort the selected entries (time-ordered, none after ``at``) to stages and batches."""
    from truce.engine.stage_results import StageFinding

    spans = terms.stage_spans()
    windows = [StageWindows(terms, k, b, e) for k, (b, e) in enumerate(spans)]
    where: dict[str, tuple[int, Batch]] = {}
    for k, st in enumerate(terms.stages):
        for x in st.batches:
            where[x.id] = (k, x)
    stage_ids = {st.id: k for k, st in enumerate(terms.stages)}
    n = len(terms.stages)
    m = Matched(
        windows,
        [{} for _ in range(n)],
        [[] for _ in range(n)],
        {},
        [{"holder": [], "receiver": []} for _ in range(n)],
        {},
        [],
        [],
        [],
    )
    order: list[tuple[int, Group]] = []  # every group with a handover, in handover order

    def group(k: int, gid: str, b: Batch | None) -> Group:
        g = m.groups[k].get(gid)
        if g is None:
            g = m.groups[k][gid] = Group(gid, b)
        return g

    def unknown_batch(en: Entry, bid: str, k: int) -> None:
        st = terms.stages[k]
        m.findings.append(
            StageFinding(
                st.id,
                windows[k].cal.day_of(en.event.at),
                en.event.at.astimezone(windows[k].zone).date().isoformat(),
                "batch",
                "unknown",
                f"{en.ref.removeprefix('event:')} names batch {bid!r}, which the terms do not define "
                f"(batches: {', '.join(where) or 'none'}): it answers no batch",
                [en.ref],
            )
        )

    b: Batch | None
    zone = terms.agreement.zone
    for en in entries:
        ev = en.event
        t = ev.at.astimezone(zone)  # deadlines derived from it read in the agreement's zone
        if isinstance(ev, CaptivesReleased):
            items: list[tuple[str | None, str]]
            if ev.captives is not None:
                items = [(c.category, c.status) for c in ev.captives]
            else:
                items = [(ev.category, "live")] * ev.live + [(ev.category, "body")] * ev.bodies
            if ev.track != "framework":
                if ev.track == "outside":
                    m.outside += len(items)
                else:
                    m.separate += len(items)
                continue
            covered = [(c, s) for c, s in items if terms.category_counts(c)]
            m.not_covered += len(items) - len(covered)
            if not covered:
                continue
            living = Counter(c for c, s in covered if s == "live")
            h = Handover(
                en.ref, t, sum(living.values()), len(covered) - sum(living.values()), dict(living)
            )
            m.counted += len(covered)
            if ev.batch is not None and ev.batch in where:
                k, b = where[ev.batch]
                g = group(k, ev.batch, b)
            else:
                k = _stage_at(windows, t)
                if ev.batch is not None:
                    unknown_batch(en, ev.batch, k)
                    b = None
                else:
                    b = _by_window(terms.stages[k].batches, windows[k], t, h, m.groups[k])
                g = (
                    group(k, b.id, b)
                    if b is not None
                    else group(k, en.ref.removeprefix("event:"), None)
                )
            if not g.handovers:
                order.append((k, g))
            g.handovers.append(h)
            m.streams[k].append(h)
        elif isinstance(ev, PrisonersReleased):
            p = PrisonersIn(en.ref, t, ev.count)
            if ev.batch is not None and ev.batch in where:
                k, b = where[ev.batch]
                group(k, b.id, b).prisoners.append(p)
                continue
            if ev.batch is not None:
                unknown_batch(en, ev.batch, _stage_at(windows, t))
            before = [
                (k, g) for k, g in order if g.first_handover is not None and g.first_handover <= t
            ]
            pick = next(((k, g) for k, g in before if g.outstanding(terms)), None) or (
                before[-1] if before else None
            )
            if pick is None:
                k = _stage_at(windows, t)
                m.unmatched_prisoners[k] = m.unmatched_prisoners.get(k, 0) + ev.count
                m.notes.append(
                    f"{en.ref.removeprefix('event:')}: {ev.count} prisoners released before any "
                    "handover: they answer no batch (counted in the stage's total)"
                )
            else:
                pick[1].prisoners.append(p)
        elif isinstance(ev, NamesGiven):
            if ev.batch in where:
                k, b = where[ev.batch]
                group(k, b.id, b).names.append((t, en.ref))
            else:
                unknown_batch(en, ev.batch, _stage_at(windows, t))
        elif isinstance(ev, ReleaseHeldBack):
            if ev.batch in where:
                k, b = where[ev.batch]
                what = "prisoners" if ev.side == "receiver" else "captives"
                count = f"{ev.held} " if ev.held is not None else ""
                group(k, b.id, b).held.append(
                    (
                        f"{ev.declared_by} records {count}{what} of {b.id} held back by the "
                        f"{ev.side} at {t.isoformat()} ({en.ref.removeprefix('event:')})",
                        en.ref,
                    )
                )
            else:
                unknown_batch(en, ev.batch, _stage_at(windows, t))
        elif isinstance(ev, BodiesReturned):
            if ev.stage is not None and ev.stage in stage_ids:
                k = stage_ids[ev.stage]
            elif ev.batch is not None and ev.batch in where:
                k = where[ev.batch][0]
            else:
                k = _stage_at(windows, t)
            m.bodies[k][ev.side].append((t, ev.count, en.ref))
        elif isinstance(ev, NextStageEvent):
            if ev.stage in stage_ids and ev.stage not in m.next_events:
                m.next_events[ev.stage] = (t, en.ref)
        elif isinstance(ev, AidDelivered):
            d = ev.date or t.astimezone(windows[0].zone).date()
            m.aid.append((d, ev.trucks, ev.parts, en.ref, ev.basis))
    # bodies handed over as captives count for bodies for bodies too (the holder's side)
    for k in range(n):
        for h in m.streams[k]:
            if h.bodies:
                m.bodies[k]["holder"].append((h.at, h.bodies, h.ref))
    if m.separate:
        m.notes.append(f"{m.separate} captive(s) released on the separate track: not counted")
    if m.outside:
        m.notes.append(f"{m.outside} captive(s) released outside the framework: not counted")
    if m.not_covered:
        m.notes.append(
            f"{m.not_covered} captive(s) of categories the framework does not cover: not counted"
        )
    _ = at
    return m
