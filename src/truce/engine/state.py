"""Fold a history of events over the terms into the state of the pause (pure).

Steps: keep what was recorded by ``as_of``; drop superseded events; resolve conflicting
declarations of one act by the reference party; keep what happened by ``at``; tally each pause
day; then walk the days applying the rules in :mod:`truce.engine.rules`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

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

Refs = list[str]


@dataclass(slots=True)
class DayTally:
    """What the events say about one pause day (indices point into the folded entries)."""

    live: int = 0  # live captives of covered categories released inside the framework
    bodies: int = 0  # bodies of covered categories released inside the framework
    not_covered: int = 0  # inside the framework but of a category the framework does not cover
    credited: int = 0
    outside: int = 0
    separate: int = 0
    due: Fraction = Fraction(0)  # prisoners due for this day's counted live captives and credits
    prisoners: int = 0
    last_release_ts: float | None = None
    last_credit_ts: float | None = None
    aid: int | None = None  # trucks of the terms' basis
    refs: list[int] = field(default_factory=list)
    credit_refs: list[int] = field(default_factory=list)
    prisoner_refs: list[int] = field(default_factory=list)
    aid_refs: list[int] = field(default_factory=list)


@dataclass
class Finding:
    """An obligation met or not, with its explanation and the references that produced it."""

    day: int | None
    date: str | None
    kind: str  # captives | prisoners | aid | extension
    status: str  # met | short | over | pending | unknown
    detail: str
    trace: Refs


@dataclass
class DayRow:
    """One pause day as the day-by-day table shows it."""

    day: int
    date: str
    starts: datetime
    ends: datetime
    live: int
    bodies: int
    credited: int
    counted: Fraction
    outside: int
    separate: int
    not_covered: int
    prisoners_due: Fraction
    prisoners_released: int
    aid: int | None
    granted: int  # days granted on this day (recorded extensions, or inferred)
    phase: str  # initial | extension | beyond
    trace: Refs


@dataclass
class Disputed:
    """A declaration the engine did not use because another party's figure for the act was used."""

    act: str
    used: str
    set_aside: list[str]
    reason: str


@dataclass
class State:
    """The state of a pause at ``at`` given what was recorded by ``as_of``; every figure traced."""

    terms: Terms
    at: datetime
    as_of: datetime | None
    active: bool
    starts_at: datetime | None
    ends_at: datetime | None
    ended_at: datetime | None
    basis: str  # recorded | inferred | none
    pause_days: int
    current_day: int | None
    counted: Fraction
    balance: Fraction
    creditable: int
    credits_used: int
    outside_released: int
    prisoners_due: Fraction
    prisoners_released: int
    days: list[DayRow]
    findings: list[Finding]
    disputed: list[Disputed]
    acts: list[dict[str, object]]
    notes: list[str]
    trace: dict[str, Refs]
    entries: list[Entry]  # the events the state was folded from, in time order
    released_ids: dict[str, tuple[str | None, str, str]]  # captive id -> (category, track, ref)
    last_day_with_data: int


def select(
    history: History, terms: Terms, at: datetime | None, as_of: datetime | None
) -> tuple[list[Entry], list[Disputed], float]:
    """The entries that count at ``at`` as known at ``as_of``, in time order, and the disputes set aside."""
    entries = history.entries
    if as_of is not None:
        cut = as_of.timestamp()
        entries = [e for e in entries if e.rts <= cut]
    superseded = {e.event.supersedes for e in entries if e.event.supersedes}
    if superseded:
        entries = [e for e in entries if e.event.id not in superseded]
    disputes: list[Disputed] = []
    acts: dict[str, list[Entry]] = {}
    for e in entries:
        if e.event.act is not None:
            acts.setdefault(e.event.act, []).append(e)
    drop: set[int] = set()
    for act, group in acts.items():
        if len(group) < 2:
            continue
        ref_party = terms.parties.reference
        by_ref = [e for e in group if e.event.declared_by == ref_party]
        if by_ref:
            used = max(by_ref, key=lambda e: (e.rts, e.seq))
            reason = f"declarations differ; the reference party ({ref_party}) figure is used"
        else:
            used = min(group, key=lambda e: (e.rts, e.seq))
            reason = (
                f"declarations differ and none is by the reference party ({ref_party}); "
                "the first recorded is used"
            )
        others = [e for e in group if e is not used]
        drop.update(id(e) for e in others)
        disputes.append(Disputed(act, used.ref, [e.ref for e in others], reason))
    if drop:
        entries = [e for e in entries if id(e) not in drop]
    at_ts = (
        at.timestamp() if at is not None else max((e.ts for e in entries), default=float("-inf"))
    )
    entries = [e for e in entries if e.ts <= at_ts]
    entries.sort(key=lambda e: e.ts)
    return entries, disputes, at_ts


def replay(
    terms: Terms,
    history: History,
    at: datetime | None = None,
    as_of: datetime | None = None,
) -> State:
    """The state at ``at`` (default: the latest event) from what was recorded by ``as_of``."""
    entries, disputes, at_ts = select(history, terms, at, as_of)
    return fold(terms, entries, disputes, at_ts, as_of)


def fold(
    terms: Terms,
    entries: list[Entry],
    disputes: list[Disputed],
    at_ts: float,
    as_of: datetime | None,
) -> State:
    """Tally time-ordered entries into pause days, then apply the rules day by day."""
    zone = terms.agreement.zone
    start_local = terms.agreement.start
    cal = PauseCalendar(start_local, zone) if start_local is not None else None
    if at_ts == float("-inf"):
        at_ts = cal.boundary_ts(0) if cal else 0.0
    at = datetime.fromtimestamp(at_ts, zone)

    tallies: dict[int, DayTally] = {}
    released: dict[str, tuple[str | None, str, str]] = {}
    release_track: dict[str, str] = {}
    prisoner_times: list[float] = []
    prisoner_cum: list[int] = []
    prisoners_total = 0
    outside_total = 0
    credits_used = 0
    extensions: list[tuple[int, ExtensionAgreed]] = []
    lists: dict[str, int] = {}
    ended: Entry | None = None
    acts: list[dict[str, object]] = []
    basis_aid = terms.aid.basis if terms.aid else None
    counts_cache: dict[str | None, bool] = {}
    ratio_cache: dict[str | None, Fraction] = {}

    def covered(cid: str | None) -> bool:
        hit = counts_cache.get(cid)
        if hit is None:
            hit = counts_cache[cid] = terms.category_counts(cid)
        return hit

    def ratio(cid: str | None) -> Fraction:
        hit = ratio_cache.get(cid)
        if hit is None:
            hit = ratio_cache[cid] = terms.ratio(cid)
        return hit

    k = 0
    next_ts = float("-inf")
    for i, en in enumerate(entries):
        ev = en.event
        ts = en.ts
        if cal is not None and ts >= next_ts:
            k = cal.day_of_ts(ts)
            next_ts = cal.boundary_ts(k)
        if isinstance(ev, CaptivesReleased):
            tally = tallies.get(k)
            if tally is None:
                tally = tallies[k] = DayTally()
            track = ev.track
            release_track[ev.id] = track
            if ev.captives is not None:
                for c in ev.captives:
                    if c.id in released:
                        raise LedgerError(
                            f"captive {c.id!r} is released again (already released in {released[c.id][2]})",
                            where=en.ref,
                        )
                    released[c.id] = (c.category, track, en.ref)
                    if track == "framework":
                        if covered(c.category):
                            if c.status == "live":
                                tally.live += 1
                                tally.due += ratio(c.category)
                            else:
                                tally.bodies += 1
                        else:
                            tally.not_covered += 1
                    elif track == "outside":
                        tally.outside += 1
                    else:
                        tally.separate += 1
                n_live, n_bodies = 0, 0
            else:
                n_live, n_bodies = ev.live, ev.bodies
                if track == "framework":
                    if covered(ev.category):
                        tally.live += n_live
                        tally.bodies += n_bodies
                        tally.due += ratio(ev.category) * n_live
                    else:
                        tally.not_covered += n_live + n_bodies
                elif track == "outside":
                    tally.outside += n_live + n_bodies
                else:
                    tally.separate += n_live + n_bodies
            if track == "framework":
                if cal is not None and k < 1:
                    raise LedgerError(
                        f"a release inside the framework at {ev.at.isoformat()} precedes the pause start "
                        f"{cal.start.isoformat()}",
                        where=en.ref,
                    )
                tally.last_release_ts = ts
            elif track == "outside":
                outside_total += len(ev.captives) if ev.captives is not None else n_live + n_bodies
            tally.refs.append(i)
        elif isinstance(ev, PrisonersReleased):
            tally = tallies.get(k)
            if tally is None:
                tally = tallies[k] = DayTally()
            tally.prisoners += ev.count
            tally.prisoner_refs.append(i)
            prisoners_total += ev.count
            prisoner_times.append(ts)
            prisoner_cum.append(prisoners_total)
        elif isinstance(ev, CreditGranted):
            pool = rules.creditable(outside_total, credits_used)
            if ev.count > pool:
                raise LedgerError(
                    f"credits {ev.count} but only {pool} outside-framework release(s) are creditable "
                    f"at {ev.at.isoformat()} ({outside_total} released outside the framework, "
                    f"{credits_used} already credited)",
                    where=en.ref,
                )
            for rid in ev.releases:
                if release_track.get(rid) != "outside":
                    raise LedgerError(
                        f"releases names {rid!r}, which is not an earlier release outside the framework",
                        where=en.ref,
                    )
            credits_used += ev.count
            day = ev.toward_day
            tally = tallies.get(day)
            if tally is None:
                tally = tallies[day] = DayTally()
            tally.credited += ev.count
            if ev.captives:
                for cid in ev.captives:
                    info = released.get(cid)
                    if info is None or info[1] != "outside":
                        raise LedgerError(
                            f"captive {cid!r} is credited but was not released outside the framework",
                            where=en.ref,
                        )
                    tally.due += ratio(info[0])
            else:
                tally.due += ratio(None) * ev.count
            tally.last_credit_ts = ts
            tally.credit_refs.append(i)
        elif isinstance(ev, AidDelivered):
            if ev.basis == basis_aid and ev.trucks is not None:
                day = cal.day_of_date(ev.date) if (cal is not None and ev.date is not None) else k
                tally = tallies.get(day)
                if tally is None:
                    tally = tallies[day] = DayTally()
                tally.aid = (tally.aid or 0) + ev.trucks
                tally.aid_refs.append(i)
        elif isinstance(ev, ExtensionAgreed):
            extensions.append((i, ev))
        elif isinstance(ev, ListAnnounced):
            lists[ev.id] = i
            acts.append(_act(en, k))
        elif isinstance(ev, PauseEnded):
            if ended is None:
                ended = en
            acts.append(_act(en, k))
        else:
            acts.append(_act(en, k))

    return _schedule(
        terms,
        cal,
        entries,
        tallies,
        extensions,
        lists,
        disputes,
        acts,
        at,
        at_ts,
        as_of,
        ended,
        released,
        outside_total,
        credits_used,
        prisoners_total,
        prisoner_times,
        prisoner_cum,
    )


def _act(en: Entry, day: int) -> dict[str, object]:
    ev = en.event
    what = ""
    if ev.type == "claim":
        what = ev.text
    elif ev.type == "list_announced":
        n = len(ev.captives) if ev.captives is not None else ev.live
        parts = [f"{n} listed" if ev.captives is not None else f"{ev.live} live"]
        if ev.bodies:
            parts.append(f"{ev.bodies} bodies")
        if ev.credit:
            parts.append(f"{ev.credit} credited")
        what = (f"for day {ev.for_day}: " if ev.for_day else "") + " + ".join(parts)
    elif ev.type in ("list_accepted", "list_rejected"):
        what = f"list {ev.list}"
    elif ev.type == "terms_agreed":
        what = "terms agreed"
    elif ev.type == "pause_ended":
        what = "pause ended"
    return {
        "day": day if day >= 1 else None,
        "at": ev.at.isoformat(),
        "type": ev.type,
        "declared_by": ev.declared_by,
        "what": what,
        "note": ev.note,
        "ref": en.ref,
    }


def _status(value: Fraction | int, target: Fraction | int, over_is: str, done: bool) -> str:
    if value == target:
        return "met"
    if value > target:
        return over_is
    return "short" if done else "pending"


def _schedule(
    terms: Terms,
    cal: PauseCalendar | None,
    entries: list[Entry],
    tallies: dict[int, DayTally],
    extensions: list[tuple[int, ExtensionAgreed]],
    lists: dict[str, int],
    disputes: list[Disputed],
    acts: list[dict[str, object]],
    at: datetime,
    at_ts: float,
    as_of: datetime | None,
    ended: Entry | None,
    released: dict[str, tuple[str | None, str, str]],
    outside_total: int,
    credits_used: int,
    prisoners_total: int,
    prisoner_times: list[float],
    prisoner_cum: list[int],
) -> State:
    refs = [e.ref for e in entries]
    findings: list[Finding] = []
    notes: list[str] = []
    trace: dict[str, Refs] = {}
    days: list[DayRow] = []
    w = terms.extension.body_weight if terms.extension else Fraction(0)
    grace = terms.exchange.prisoners_due_within_hours * 3600
    empty = DayTally()
    last_data = max((d for d, t in tallies.items() if t.refs or t.credit_refs), default=0)

    def counted_of(t: DayTally) -> Fraction:
        return Fraction(rules.counted(t.live, t.credited, t.bodies, w))

    def day_refs(t: DayTally) -> Refs:
        return [refs[i] for i in t.refs + t.credit_refs]

    due_total = sum((t.due for t in tallies.values()), Fraction(0))
    counted_total = sum((counted_of(t) for d, t in tallies.items() if d >= 1), Fraction(0))
    trace["counted"] = (
        ["terms:extension.body_weight", *(r for d in sorted(tallies) for r in day_refs(tallies[d]))]
        if terms.extension
        else []
    )
    trace["prisoners_due"] = [
        "terms:exchange.prisoners_per_captive",
        *(
            f"terms:category.{c.id}.prisoners_per_captive"
            for c in terms.categories
            if c.prisoners_per_captive is not None
        ),
        *(r for d in sorted(tallies) for r in day_refs(tallies[d])),
    ]
    trace["prisoners_released"] = [
        refs[i] for d in sorted(tallies) for i in tallies[d].prisoner_refs
    ]
    trace["creditable"] = [
        refs[i]
        for d in sorted(tallies)
        for i in tallies[d].refs
        if isinstance(entries[i].event, CaptivesReleased)
        and getattr(entries[i].event, "track", None) == "outside"
    ] + [refs[i] for d in sorted(tallies) for i in tallies[d].credit_refs]

    if (
        cal is None
        or terms.initial is None
        or terms.extension is None
        or terms.agreement.initial_days is None
    ):
        _prisoner_findings(
            terms, None, tallies, refs, findings, at_ts, grace, prisoner_times, prisoner_cum
        )
        return State(
            terms,
            at,
            as_of,
            False,
            None,
            None,
            ended.event.at if ended else None,
            "none",
            0,
            None,
            counted_total,
            Fraction(0),
            outside_total - credits_used,
            credits_used,
            outside_total,
            due_total,
            prisoners_total,
            [],
            findings,
            disputes,
            acts,
            notes,
            trace,
            entries,
            released,
            last_data,
        )

    P = terms.extension.captives_per_day
    carry = terms.extension.carry_surplus
    n0 = terms.agreement.initial_days
    basis = "recorded" if extensions else "inferred"
    pause_days = n0
    ext_by_day: dict[int, int] = {}
    ext_refs: list[str] = []
    for i, ev in extensions:
        d = cal.day_of_ts(entries[i].ts)
        ext_by_day[d] = ext_by_day.get(d, 0) + ev.days
        pause_days += ev.days
        ext_refs.append(refs[i])
    days_trace: Refs = ["terms:agreement.start", "terms:agreement.initial_days", *ext_refs]
    granted_on: dict[int, int] = dict(ext_by_day) if basis == "recorded" else {}

    # Initial phase, judged at its last deadline.
    deadline_ts = cal.boundary_ts(n0)
    init_counted = sum((counted_of(tallies.get(d, empty)) for d in range(1, n0 + 1)), Fraction(0))
    init_refs = [r for d in range(1, n0 + 1) for r in day_refs(tallies.get(d, empty))]
    balance = Fraction(0)
    balance_trace: Refs = []
    init_trace = [
        "terms:initial.captives",
        "terms:agreement.initial_days",
        "terms:extension.body_weight",
        *init_refs,
    ]
    if at_ts >= deadline_ts:
        surplus = rules.initial_surplus(init_counted, terms.initial.captives)
        balance = Fraction(rules.initial_balance(surplus, carry, terms.initial.shortfall == "debt"))
        status = "met" if surplus == 0 else ("over" if surplus > 0 else "short")
        detail = f"days 1-{n0}: {_n(init_counted)} of {terms.initial.captives} counted"
        if surplus < 0:
            detail += f"; short by {_n(-surplus)}" + (
                " (owed as a debt on later days)" if terms.initial.shortfall == "debt" else ""
            )
        elif surplus > 0:
            detail += f"; {_n(surplus)} beyond the initial quota" + (
                " carried forward" if carry else " (not carried: carry_surplus is false)"
            )
        findings.append(
            Finding(
                n0,
                cal.date_of(n0).isoformat(),
                "captives",
                status,
                detail,
                [*init_trace, "terms:initial.shortfall", "terms:extension.carry_surplus"],
            )
        )
        balance_trace = [*init_trace, "terms:extension.carry_surplus", "terms:initial.shortfall"]
        if basis == "inferred":
            g = int(rules.extension_days(balance, P))
            if g:
                pause_days += g
                granted_on[n0] = granted_on.get(n0, 0) + g
                balance = Fraction(rules.leftover(balance, g, P))
                days_trace += [*init_trace, "terms:extension.captives_per_day"]
    else:
        findings.append(
            Finding(
                n0,
                cal.date_of(n0).isoformat(),
                "captives",
                "pending",
                f"days 1-{n0}: {_n(init_counted)} of {terms.initial.captives} counted so far; judged at {cal.boundary(n0).isoformat()}",
                init_trace,
            )
        )

    # Later days: each judged on available = balance + counted(day).
    k = n0 + 1
    while True:
        if cal.boundary_ts(k - 1) > at_ts:
            break
        tally = tallies.get(k, empty)
        has_data = bool(tally.refs or tally.credit_refs)
        if k > pause_days and not (basis == "inferred" and k == pause_days + 1 and has_data):
            break
        c = counted_of(tally)
        available = balance + c
        g = int(rules.extension_days(available, P))
        balance = Fraction(rules.next_balance(available, g, P, carry))
        day_trace = [
            "terms:extension.captives_per_day",
            "terms:extension.body_weight",
            *day_refs(tally),
            *balance_trace,
        ]
        balance_trace = [*day_trace, "terms:extension.carry_surplus"]
        if basis == "inferred" and g:
            pause_days += g
            granted_on[k] = granted_on.get(k, 0) + g
            days_trace += day_trace
        done = at_ts >= cal.boundary_ts(k)
        if rules.day_met(available, P):
            status = "met"
            detail = f"day {k}: {_n(available)} of {P} counted"
        else:
            status = "short" if done else "pending"
            detail = f"day {k}: {_n(available)} of {P} counted" + (
                f"; {_n(rules.shortfall(available, P))} short of one more day"
                if done
                else " so far"
            )
        if available > c:
            detail += f" ({_n(c)} this day + {_n(available - c)} balance)"
        elif available < c:
            detail += f" ({_n(c)} this day - {_n(c - available)} owed from earlier days)"
        findings.append(
            Finding(k, cal.date_of(k).isoformat(), "captives", status, detail, day_trace)
        )
        k += 1
    judged_through = k - 1

    beyond = [
        d
        for d in tallies
        if d > pause_days and (tallies[d].refs) and cal.boundary_ts(d - 1) <= at_ts
    ]
    for d in sorted(beyond):
        notes.append(
            f"releases recorded on day {d} ({cal.date_of(d)}), after the pause end as {basis}; not counted toward extensions"
        )

    # Extension findings: a recorded extension against the list it was for.
    for i, ev in extensions:
        need = ev.days * P
        lst = ev.for_list
        committed = ev.committed
        d = cal.day_of_ts(entries[i].ts)
        tr = [refs[i], "terms:extension.captives_per_day", "terms:extension.body_weight"]
        if lst is not None and lst in lists:
            le = entries[lists[lst]].event
            offered = _list_counted(terms, le, w)
            tr.append(refs[lists[lst]])
            what = f"list {lst}"
        elif lst is not None:
            offered = None
            what = f"list {lst} (not recorded by {at.isoformat()})"
        elif committed is not None:
            offered = Fraction(rules.counted(committed.live, committed.credit, committed.bodies, w))
            what = "the committed counts"
        else:
            offered = None
            what = "no list or committed counts recorded"
        if offered is None:
            findings.append(
                Finding(
                    d,
                    cal.date_of(d).isoformat() if d >= 1 else None,
                    "extension",
                    "unknown",
                    f"extension of {ev.days} day(s) recorded; {what}",
                    tr,
                )
            )
        else:
            st = "met" if offered >= need else "short"
            detail = f"extension of {ev.days} day(s) recorded for {what}, counting {_n(offered)}; the terms as encoded call for {need}"
            findings.append(
                Finding(
                    d, cal.date_of(d).isoformat() if d >= 1 else None, "extension", st, detail, tr
                )
            )

    _prisoner_findings(
        terms, cal, tallies, refs, findings, at_ts, grace, prisoner_times, prisoner_cum
    )

    # Aid per pause day begun.
    if terms.aid is not None:
        target = terms.aid.trucks_per_day
        for d in range(1, pause_days + 1):
            if cal.boundary_ts(d - 1) > at_ts:
                break
            tally = tallies.get(d, empty)
            tr = ["terms:aid.trucks_per_day", "terms:aid.basis", *(refs[i] for i in tally.aid_refs)]
            if tally.aid is None:
                findings.append(
                    Finding(
                        d,
                        cal.date_of(d).isoformat(),
                        "aid",
                        "unknown",
                        f"day {d}: no {terms.aid.basis} figure recorded (commitment {target} trucks)",
                        tr,
                    )
                )
            else:
                done = at_ts >= cal.boundary_ts(d)
                st = _status(tally.aid, target, "over", done)
                findings.append(
                    Finding(
                        d,
                        cal.date_of(d).isoformat(),
                        "aid",
                        st,
                        f"day {d}: {tally.aid} trucks {terms.aid.basis} of {target}",
                        tr,
                    )
                )

    findings.sort(
        key=lambda f: ((f.day or 0), ("captives", "extension", "prisoners", "aid").index(f.kind))
    )
    ends_at = cal.boundary(pause_days)
    for kk in (0, pause_days):
        adj = cal.resolved(kk).describe()
        if adj:
            notes.append(adj)
    starts_at = cal.boundary(0)
    ended_at = ended.event.at if ended is not None else None
    active = starts_at.timestamp() <= at_ts < ends_at.timestamp() and ended is None
    current = cal.day_of_ts(at_ts) if active else None
    trace["pause_days"] = days_trace
    trace["ends_at"] = [*days_trace, "terms:agreement.timezone"]
    trace["active"] = [*trace["ends_at"], *([ended.ref] if ended else [])]
    trace["balance"] = balance_trace
    last_row = max(pause_days, min(last_data, judged_through + 1) if last_data else 0)
    for d in range(1, max(last_row, last_data) + 1):
        if cal.boundary_ts(d - 1) > at_ts and d > pause_days:
            break
        t = tallies.get(d, empty)
        days.append(
            DayRow(
                d,
                cal.date_of(d).isoformat(),
                cal.boundary(d - 1),
                cal.boundary(d),
                t.live,
                t.bodies,
                t.credited,
                counted_of(t),
                t.outside,
                t.separate,
                t.not_covered,
                t.due,
                t.prisoners,
                t.aid,
                granted_on.get(d, 0),
                "initial" if d <= n0 else ("extension" if d <= pause_days else "beyond"),
                day_refs(t),
            )
        )
    return State(
        terms,
        at,
        as_of,
        active,
        starts_at,
        ends_at,
        ended_at,
        basis,
        pause_days,
        current,
        counted_total,
        balance,
        outside_total - credits_used,
        credits_used,
        outside_total,
        due_total,
        prisoners_total,
        days,
        findings,
        disputes,
        acts,
        notes,
        trace,
        entries,
        released,
        last_data,
    )


def _prisoner_findings(
    terms: Terms,
    cal: PauseCalendar | None,
    tallies: dict[int, DayTally],
    refs: list[str],
    findings: list[Finding],
    at_ts: float,
    grace: int,
    prisoner_times: list[float],
    prisoner_cum: list[int],
) -> None:
    """Cumulative prisoners due vs released, judged at each day's deadline (releases + grace)."""
    due_cum = Fraction(0)
    tr: Refs = ["terms:exchange.prisoners_per_captive", "terms:exchange.prisoners_due_within_hours"]
    tr += [
        f"terms:category.{c.id}.prisoners_per_captive"
        for c in terms.categories
        if c.prisoners_per_captive is not None
    ]
    anchors: list[tuple[float, Fraction]] = []  # (when each day's due arises, its amount)
    days = [d for d in sorted(tallies) if tallies[d].due != 0]
    for d in days:
        t = tallies[d]
        anchor = t.last_release_ts
        if anchor is None:
            base = cal.boundary_ts(d - 1) if cal is not None else 0.0
            anchor = max(base, t.last_credit_ts or base)
        anchors.append((anchor, t.due))
    for d, (anchor, due) in zip(days, anchors, strict=True):
        t = tallies[d]
        due_cum += due
        deadline = anchor + grace
        done = at_ts >= deadline
        cut = min(deadline, at_ts)
        j = bisect.bisect_right(prisoner_times, cut)
        released_cum = prisoner_cum[j - 1] if j else 0
        # Everything due by the cut, including later days whose releases came before it.
        due_by_cut = sum((a for when, a in anchors if when <= cut), Fraction(0))
        tr = [*tr, *(refs[i] for i in t.refs + t.credit_refs + t.prisoner_refs)]
        if released_cum < due_cum:
            status = "short" if done else "pending"
        elif released_cum > max(due_by_cut, due_cum):
            status = "over"
        else:
            status = "met"
        when = datetime.fromtimestamp(deadline, terms.agreement.zone)
        detail = f"day {d}: {_n(due_cum)} due cumulatively by {when.isoformat()}; {released_cum} released by then"
        if status == "met" and released_cum > due_cum:
            detail += " (the excess answers later days' releases)"
        date = cal.date_of(d).isoformat() if cal is not None else None
        findings.append(Finding(d, date, "prisoners", status, detail, list(tr)))


def _list_counted(terms: Terms, ev: object, w: Fraction) -> Fraction:
    """What a recorded list counts: covered live + credit + weighted bodies."""
    captives = getattr(ev, "captives", None)
    live = getattr(ev, "live", 0)
    bodies = getattr(ev, "bodies", 0)
    credit = getattr(ev, "credit", 0)
    if captives:
        for c in captives:
            if terms.category_counts(c.category):
                if c.status == "live":
                    live += 1
                else:
                    bodies += 1
    return Fraction(rules.counted(live, credit, bodies, w))


def _n(x: Fraction | int) -> str:
    from truce.exact import show

    return show(x)
