"""The judge: fold a tally through the rules, day by day, into a ``State`` (pure).

The initial phase is judged at its last deadline, each later day on ``available = balance +
counted(day)``, prisoners cumulatively against their deadlines, aid per day on the terms' basis,
and each recorded extension against its list. The rules themselves are in
:mod:`truce.engine.rules`; traces are built lazily (:mod:`truce.engine.trace`).
"""

from __future__ import annotations

import bisect
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from truce.clock import PauseCalendar
from truce.engine import rules
from truce.engine.results import FINDING_KEY, DayRow, Finding, LazyActs, State
from truce.engine.tally import DayTally, Tally
from truce.engine.trace import LazyRefs, Refs, Thunk, Trace
from truce.errors import LedgerError
from truce.events import CaptivesReleased, ListAnnounced, PrisonersReleased
from truce.exact import show
from truce.history import Entry
from truce.limits import MAX_PAUSE_DAYS
from truce.terms import Terms
from truce.versions import TermsBook

__all__ = ["Judge"]

_KIND_ORDER = ("captives", "extension", "prisoners", "aid")


class _Totals(NamedTuple):
    counted: Fraction
    creditable: int
    credits_used: int
    outside_released: int
    prisoners_due: Fraction
    prisoners_released: int


class Judge:
    """Applies the rules to a Tally; one instance per replay."""

    def __init__(
        self,
        terms: Terms,
        cal: PauseCalendar | None,
        t: Tally,
        as_of: datetime | None,
        book: TermsBook | None = None,
    ) -> None:
        self.terms = terms
        self.book = book or TermsBook(terms)
        self.cal = cal
        self.t = t
        self.as_of = as_of
        self.at_ts = t.at_ts
        self.at = datetime.fromtimestamp(t.at_ts, terms.agreement.zone)
        self.empty = DayTally()
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.trace = Trace()
        self.w = terms.extension.body_weight if terms.extension else Fraction(0)
        self._due: dict[int, Fraction] = {}
        self._counted: dict[int, Fraction] = {}

    # -- small helpers ------------------------------------------------------------------------

    def version(self, d: int) -> int:
        """The terms version in force when pause day ``d`` began (1: the base terms)."""
        if len(self.book) == 1 or self.cal is None:
            return 1
        return self.book.version_at(self.cal.boundary_ts(max(d, 1) - 1))

    def tv(self, d: int) -> Terms:
        """The terms in force when pause day ``d`` began."""
        return self.book.terms[self.version(d) - 1]

    def weight(self, d: int) -> Fraction:
        """Body weight on day ``d``."""
        ext = self.tv(d).extension
        return ext.body_weight if ext is not None else Fraction(0)

    def amended(self, d: int) -> str:
        """' under terms version N (ref)' for a day judged under an amendment, else ''."""
        v = self.version(d)
        return f" (terms version {v}, {self.book.refs[v - 1]})" if v > 1 else ""

    def day(self, d: int) -> DayTally:
        return self.t.days.get(d, self.empty)

    def counted(self, d: int) -> Fraction:
        hit = self._counted.get(d)
        if hit is None:
            x = self.day(d)
            w = self.weight(d)
            hit = self._counted[d] = Fraction(rules.counted(x.live, x.credited, x.bodies, w))
        return hit

    def due(self, d: int) -> Fraction:
        """Prisoners due for day d: each counted live captive and credit at its category's ratio."""
        hit = self._due.get(d)
        if hit is None:
            x = self.day(d)
            hit = Fraction(0)
            for cat, n in (*x.live_by_category.items(), *x.credit_by_category.items()):
                hit += rules.prisoners_due(n, self.tv(d).ratio(cat))
            self._due[d] = hit
        return hit

    def refs_of_days(self, lo: int, hi: int) -> Thunk:
        """A thunk: references of the releases and credits on days lo..hi."""
        t = self.t
        entries = t.entries
        days = t.days

        def refs() -> Refs:
            out: Refs = []
            for d in sorted(x for x in days if lo <= x <= hi):
                out += [entries[i].ref for i in t.release_indices(d)]
            return out

        return refs

    def _refs_of(self, indices: list[int]) -> Thunk:
        entries = self.t.entries
        return lambda: [entries[i].ref for i in indices]

    def ref(self, i: int) -> str:
        return self.t.entries[i].ref

    def where_day(self, d: int) -> str:
        """Where to point an error about day ``d`` (up to it): its last release, else the day."""
        for x in sorted((x for x in self.t.days if x <= d), reverse=True):
            found = self.t.release_indices(x)
            if found:
                return self.t.entries[max(found)].where
        return f"day {d}"

    def date(self, d: int) -> str | None:
        return self.cal.date_of(d).isoformat() if self.cal is not None and d >= 1 else None

    def ratio_keys(self) -> Refs:
        keys = ["terms:exchange.prisoners_per_captive"]
        keys += [
            f"terms:category.{c.id}.prisoners_per_captive"
            for c in self.terms.categories
            if c.prisoners_per_captive is not None
        ]
        return keys

    # -- the judgement --------------------------------------------------------------------------

    def state(self) -> State:
        terms, t, cal = self.terms, self.t, self.cal
        counted_total = sum((self.counted(d) for d in t.days if d >= 1 or cal is None), Fraction(0))
        due_total = sum((self.due(d) for d in t.days), Fraction(0))
        self._global_traces()
        ended = t.ended
        base = _Totals(
            counted_total,
            t.outside_total - t.credits_used,
            t.credits_used,
            t.outside_total,
            due_total,
            t.prisoners_total,
        )
        if (
            cal is None
            or terms.initial is None
            or terms.extension is None
            or terms.agreement.initial_days is None
        ):
            self._prisoners()
            return self._make(False, None, None, ended, "none", 0, None, Fraction(0), [], base)

        pause_days, basis, granted_on, balance = self._days()
        self._extensions()
        self._prisoners()
        self._aid(pause_days)
        for k in (0, pause_days):
            adj = cal.resolved(k).describe()
            if adj:
                self.notes.append(adj)
        starts_at = cal.boundary(0)
        ends_at = cal.boundary(pause_days)
        active = cal.boundary_ts(0) <= self.at_ts < cal.boundary_ts(pause_days) and ended is None
        current = cal.day_of_ts(self.at_ts) if active else None
        rows = self._rows(pause_days, granted_on)
        return self._make(
            active,
            starts_at,
            ends_at,
            ended,
            basis,
            pause_days,
            current,
            balance,
            rows,
            base,
        )

    def _make(
        self,
        active: bool,
        starts_at: datetime | None,
        ends_at: datetime | None,
        ended: Entry | None,
        basis: str,
        pause_days: int,
        current: int | None,
        balance: Fraction,
        rows: list[DayRow],
        base: _Totals,
    ) -> State:
        self.findings.sort(key=lambda f: ((f.day or 0), _KIND_ORDER.index(f.kind)))
        for n, f in enumerate(self.findings, 1):
            f.why = f"{FINDING_KEY}:{n}"
        t = self.t
        return State(
            terms=self.terms,
            at=self.at,
            as_of=self.as_of,
            active=active,
            starts_at=starts_at,
            ends_at=ends_at,
            ended_at=ended.event.at if ended is not None else None,
            basis=basis,
            pause_days=pause_days,
            current_day=current,
            counted=base.counted,
            balance=balance,
            creditable=base.creditable,
            credits_used=base.credits_used,
            outside_released=base.outside_released,
            prisoners_due=base.prisoners_due,
            prisoners_released=base.prisoners_released,
            days=rows,
            findings=self.findings,
            disputed=t.disputes,
            lazy_acts=LazyActs(t.entries, t.acts, self.cal),
            notes=self.notes,
            trace=self.trace,
            entries=t.entries,
            released_ids=t.released,
            book=self.book,
        )

    def _global_traces(self) -> None:
        t, tr = self.t, self.trace
        hi = max(t.days, default=0)
        if self.terms.extension is not None:
            tr.put("counted", lambda: ["terms:extension.body_weight", *self.refs_of_days(1, hi)()])
        tr.put("prisoners_due", lambda: [*self.ratio_keys(), *self.refs_of_days(0, hi)()])
        tr.put(
            "prisoners_released",
            lambda: [self.ref(i) for d in sorted(t.days) for i in t.indices(d, PrisonersReleased)],
        )

        def creditable() -> Refs:
            out = []
            for d in sorted(t.days):
                out += [
                    self.ref(i)
                    for i in t.indices(d, CaptivesReleased)
                    if t.entries[i].id in t.outside
                ]
                out += [self.ref(i) for i in t.days[d].credit_refs]
            return out

        tr.put("creditable", creditable)

    def _days(self) -> tuple[int, str, dict[int, int], Fraction]:
        """Walk the pause days: initial phase, then each later day. Returns the schedule."""
        terms, cal, t = self.terms, self.cal, self.t
        assert cal is not None and terms.initial is not None and terms.extension is not None
        n0 = terms.agreement.initial_days or 0
        P = terms.extension.captives_per_day
        carry = terms.extension.carry_surplus
        at_ts = self.at_ts
        basis = "recorded" if t.extensions else "inferred"
        pause_days = n0
        granted_on: dict[int, int] = {}
        ext_refs: Refs = []
        for i, ev in t.extensions:
            d = cal.day_of_ts(t.entries[i].ts)
            granted_on[d] = granted_on.get(d, 0) + ev.days
            pause_days += ev.days
            ext_refs.append(self.ref(i))
            if pause_days > MAX_PAUSE_DAYS:
                raise _too_long(pause_days, "with this extension", t.entries[i].where)
        grant_days: list[int] = []  # days whose counted captives granted days (inferred)

        # Initial phase, judged at its last deadline.
        init_counted = sum((self.counted(d) for d in range(1, n0 + 1)), Fraction(0))
        init_keys = [
            "terms:initial.captives",
            "terms:agreement.initial_days",
            "terms:extension.body_weight",
        ]
        init_thunk = self.refs_of_days(1, n0)
        balance = Fraction(0)
        bal_from = n0 + 1  # the first day whose counted captives the balance still carries
        if at_ts >= cal.boundary_ts(n0):
            surplus = rules.initial_surplus(init_counted, terms.initial.captives)
            balance = Fraction(
                rules.initial_balance(surplus, carry, terms.initial.shortfall == "debt")
            )
            status = "met" if surplus == 0 else ("over" if surplus > 0 else "short")
            detail = f"days 1-{n0}: {show(init_counted)} of {terms.initial.captives} counted"
            if surplus < 0:
                debt = terms.initial.shortfall == "debt"
                detail += f"; short by {show(-surplus)}" + (
                    " (owed as a debt on later days)" if debt else ""
                )
            elif surplus > 0:
                detail += f"; {show(surplus)} beyond the initial quota" + (
                    " carried forward" if carry else " (not carried: carry_surplus is false)"
                )
            keys = [*init_keys, "terms:initial.shortfall", "terms:extension.carry_surplus"]
            self.findings.append(
                Finding(
                    n0, self.date(n0), "captives", status, detail, lambda: [*keys, *init_thunk()]
                )
            )
            if basis == "inferred":
                g = int(rules.extension_days(balance, P))
                if g:
                    pause_days += g
                    if pause_days > MAX_PAUSE_DAYS:
                        raise _too_long(pause_days, "with the days inferred", self.where_day(n0))
                    granted_on[n0] = granted_on.get(n0, 0) + g
                    grant_days.extend(range(1, n0 + 1))
                    balance = Fraction(rules.leftover(balance, g, P))
            if balance != 0:
                bal_from = 1
        else:
            detail = f"days 1-{n0}: {show(init_counted)} of {terms.initial.captives} counted so far; judged at {cal.boundary(n0).isoformat()}"
            self.findings.append(
                Finding(
                    n0,
                    self.date(n0),
                    "captives",
                    "pending",
                    detail,
                    lambda: [*init_keys, *init_thunk()],
                )
            )

        # Later days: each judged on available = balance + counted(day).
        day_keys = [
            "terms:extension.captives_per_day",
            "terms:extension.body_weight",
            "terms:extension.carry_surplus",
        ]
        k = n0 + 1
        while cal.boundary_ts(k - 1) <= at_ts:
            x = self.day(k)
            has_data = x.has_releases()
            ext_k = self.tv(k).extension
            assert ext_k is not None
            P, carry = ext_k.captives_per_day, ext_k.carry_surplus
            if k > pause_days and not (basis == "inferred" and k == pause_days + 1 and has_data):
                break
            c = self.counted(k)
            available = balance + c
            g = int(rules.extension_days(available, P))
            balance = Fraction(rules.next_balance(available, g, P, carry))
            lo = min(bal_from, k)
            thunk = self.refs_of_days(lo, k)
            if basis == "inferred" and g:
                pause_days += g
                if pause_days > MAX_PAUSE_DAYS:
                    raise _too_long(pause_days, "with the days inferred", self.where_day(k))
                granted_on[k] = granted_on.get(k, 0) + g
                grant_days.extend(range(lo, k + 1))
            done = at_ts >= cal.boundary_ts(k)
            detail = f"day {k}: {show(available)} of {P} counted{self.amended(k)}"
            if rules.day_met(available, P):
                status = "met"
            elif done:
                status = "short"
                detail += f"; {show(rules.shortfall(available, P))} short of one more day"
            else:
                status = "pending"
                detail += " so far"
            if available > c:
                detail += f" ({show(c)} this day + {show(available - c)} balance)"
            elif available < c:
                detail += f" ({show(c)} this day - {show(c - available)} owed from earlier days)"
            own = _prefixed(day_keys, self.refs_of_days(k, k))
            full = _prefixed(day_keys, thunk) if lo < k else None  # + the days the balance carries
            self.findings.append(Finding(k, self.date(k), "captives", status, detail, own, full))
            bal_from = lo if balance != 0 else k + 1
            k += 1
        judged_through = k - 1

        for d in sorted(
            d
            for d, x in t.days.items()
            if d > pause_days and x.has_releases() and cal.boundary_ts(d - 1) <= at_ts
        ):
            self.notes.append(
                f"releases recorded on day {d} ({cal.date_of(d)}), after the pause end as {basis}; not counted toward extensions"
            )

        all_grants = sorted(set(grant_days))
        entries = t.entries
        days = t.days

        def pause_trace() -> Refs:
            out = ["terms:agreement.start", "terms:agreement.initial_days", *ext_refs]
            if all_grants:
                out += [
                    "terms:extension.captives_per_day",
                    "terms:extension.body_weight",
                    "terms:extension.carry_surplus",
                ]
                for d in all_grants:
                    x = days.get(d)
                    if x is not None:
                        out += [entries[i].ref for i in t.release_indices(d)]
            return out

        self.trace.put("pause_days", pause_trace)
        self.trace.put("ends_at", lambda: [*pause_trace(), "terms:agreement.timezone"])
        self.trace.put(
            "active",
            lambda: [
                *pause_trace(),
                "terms:agreement.timezone",
                *([t.ended.ref] if t.ended else []),
            ],
        )
        bal_lo = bal_from
        bal_thunk = self.refs_of_days(bal_lo, judged_through)
        self.trace.put(
            "balance", lambda: [*init_keys, "terms:initial.shortfall", *day_keys, *bal_thunk()]
        )
        return pause_days, basis, granted_on, balance

    def _extensions(self) -> None:
        """Each recorded extension against the list (or committed counts) it was agreed for."""
        terms, t, cal = self.terms, self.t, self.cal
        assert cal is not None and terms.extension is not None
        for i, ev in t.extensions:
            d = cal.day_of_ts(t.entries[i].ts)
            ext_d = self.tv(d).extension
            assert ext_d is not None
            need = ev.days * ext_d.captives_per_day
            w = self.weight(d)
            tr = [self.ref(i), "terms:extension.captives_per_day", "terms:extension.body_weight"]
            offered: Fraction | None = None
            if ev.for_list is not None and ev.for_list in t.lists:
                le = t.entries[t.lists[ev.for_list]].event
                assert isinstance(le, ListAnnounced)
                offered = _list_counted(terms, le, w)
                tr.append(self.ref(t.lists[ev.for_list]))
                what = f"list {ev.for_list}"
            elif ev.for_list is not None:
                what = f"list {ev.for_list} (not recorded by {self.at.isoformat()})"
            elif ev.committed is not None:
                c = ev.committed
                offered = Fraction(rules.counted(c.live, c.credit, c.bodies, w))
                what = "the committed counts"
            else:
                what = "no list or committed counts recorded"
            if offered is None:
                self.findings.append(
                    Finding(
                        d,
                        self.date(d),
                        "extension",
                        "unknown",
                        f"extension of {ev.days} day(s) recorded; {what}",
                        tr,
                    )
                )
            else:
                status = "met" if offered >= need else "short"
                detail = f"extension of {ev.days} day(s) recorded for {what}, counting {show(offered)}; the terms as encoded call for {need}"
                self.findings.append(Finding(d, self.date(d), "extension", status, detail, tr))

    def _prisoners(self) -> None:
        """Cumulative prisoners due vs released, judged at each day's deadline (releases + grace)."""
        terms, t, cal = self.terms, self.t, self.cal
        grace = terms.exchange.prisoners_due_within_hours * 3600
        keys = [*self.ratio_keys(), "terms:exchange.prisoners_due_within_hours"]
        days = [d for d in sorted(t.days) if self.due(d) != 0]
        anchors: list[float] = []
        for d in days:
            x = t.days[d]
            anchor = x.last_release_ts
            if anchor is None:
                start = cal.boundary_ts(d - 1) if cal is not None else 0.0
                anchor = max(start, x.last_credit_ts or start)
            anchors.append(anchor)
        # Due arising by time T: prefix sums over anchors sorted by time.
        order = sorted(range(len(days)), key=lambda j: anchors[j])
        sorted_anchor_ts = [anchors[j] for j in order]
        due_prefix: list[Fraction] = []
        run = Fraction(0)
        for j in order:
            run += self.due(days[j])
            due_prefix.append(run)
        due_cum = Fraction(0)
        for j, d in enumerate(days):
            due_cum += self.due(d)
            deadline = anchors[j] + (
                grace if d < 1 else self.tv(d).exchange.prisoners_due_within_hours * 3600
            )
            done = self.at_ts >= deadline
            cut = min(deadline, self.at_ts)
            n = bisect.bisect_right(t.prisoner_times, cut)
            released_cum = t.prisoner_cum[n - 1] if n else 0
            m = bisect.bisect_right(sorted_anchor_ts, cut)
            due_by_cut = due_prefix[m - 1] if m else Fraction(0)
            if released_cum < due_cum:
                status = "short" if done else "pending"
            elif released_cum > max(due_by_cut, due_cum):
                status = "over"
            else:
                status = "met"
            when = datetime.fromtimestamp(deadline, terms.agreement.zone)
            head = f"day {d}: " if cal is not None else ""
            detail = f"{head}{show(due_cum)} due cumulatively by {when.isoformat()}; {released_cum} released by then"
            if status == "met" and released_cum > due_cum:
                detail += " (the excess answers later days' releases)"
            thunk = self.refs_of_days(0, d)

            def refs(th: Thunk = thunk, cut: float = cut) -> Refs:
                """In full: every release and credit up to day d, every prisoner release by the cut."""
                pr = [
                    self.ref(i)
                    for x in sorted(t.days)
                    for i in t.indices(x, PrisonersReleased)
                    if t.entries[i].ts <= cut
                ]
                return [*keys, *th(), *pr]

            def own(d: int = d, cut: float = cut) -> Refs:
                """Day d's own: its releases and credits, its prisoner releases by the cut."""
                pr = [
                    self.ref(i) for i in t.indices(d, PrisonersReleased) if t.entries[i].ts <= cut
                ]
                return [*keys, *self.refs_of_days(d, d)(), *pr]

            label = d if cal is not None else None
            self.findings.append(
                Finding(label, self.date(d), "prisoners", status, detail, own, refs)
            )

    def _aid(self, pause_days: int) -> None:
        """Aid per pause day begun: delivered (of the terms' basis) against the commitment."""
        terms, cal = self.terms, self.cal
        if terms.aid is None or cal is None:
            return
        for d in range(1, pause_days + 1):
            if cal.boundary_ts(d - 1) > self.at_ts:
                break
            aid = self.tv(d).aid
            if aid is None:
                continue
            target = aid.trucks_per_day
            x = self.day(d)
            tr = _prefixed(
                ["terms:aid.trucks_per_day", "terms:aid.basis"], self._refs_of(x.aid_refs)
            )
            if x.aid is None:
                detail = (
                    f"day {d}: no {terms.aid.basis} figure recorded (commitment {target} trucks)"
                )
                self.findings.append(Finding(d, self.date(d), "aid", "unknown", detail, tr))
                continue
            done = self.at_ts >= cal.boundary_ts(d)
            if x.aid == target:
                status = "met"
            elif x.aid > target:
                status = "over"
            else:
                status = "short" if done else "pending"
            self.findings.append(
                Finding(
                    d,
                    self.date(d),
                    "aid",
                    status,
                    f"day {d}: {x.aid} trucks {terms.aid.basis} of {target}{self.amended(d)}",
                    tr,
                )
            )

    def _rows(self, pause_days: int, granted_on: dict[int, int]) -> list[DayRow]:
        cal = self.cal
        assert cal is not None
        n0 = self.terms.agreement.initial_days or 0
        rows: list[DayRow] = []
        # One row per pause day (at most MAX_PAUSE_DAYS), and one per later day with releases:
        # never one per day of a gap without events, however late a release is dated.
        wanted = set(range(1, pause_days + 1))
        wanted.update(d for d, x in self.t.days.items() if d > pause_days and x.has_releases())
        for d in sorted(wanted):
            x = self.day(d)
            future = cal.boundary_ts(d - 1) > self.at_ts
            if d <= n0:
                phase = "initial"
            elif d <= pause_days:
                phase = "extension"
            else:
                # After the end: credited in advance toward a day not yet begun, or releases
                # recorded after the pause ended.
                phase = "ahead" if future else "beyond"
            rows.append(
                DayRow(
                    d,
                    cal.date_of(d).isoformat(),
                    cal.boundary(d - 1),
                    cal.boundary(d),
                    x.live,
                    x.bodies,
                    x.credited,
                    self.counted(d),
                    x.outside,
                    x.separate,
                    x.not_covered,
                    self.due(d),
                    x.prisoners,
                    x.aid,
                    granted_on.get(d, 0),
                    phase,
                    LazyRefs(self.refs_of_days(d, d)),
                    self.version(d),
                )
            )
        return rows


def _too_long(days: int, how: str, where: str) -> LedgerError:
    """The error for a pause longer than truce judges (truce.limits.MAX_PAUSE_DAYS)."""
    return LedgerError(
        f"{how} the pause would last {days} days, more than the {MAX_PAUSE_DAYS} days truce "
        "judges (see Limits in docs/ledger.md)",
        where=where,
    )


def _prefixed(keys: Refs, thunk: Thunk) -> Thunk:
    """A thunk: terms keys, then the references another thunk gives."""
    return lambda: [*keys, *thunk()]


def _list_counted(terms: Terms, ev: ListAnnounced, w: Fraction) -> Fraction:
    """What a recorded list counts: covered live + credit + weighted bodies."""
    live, bodies = ev.live, ev.bodies
    for c in ev.captives or ():
        if terms.category_counts(c.category):
            if c.status == "live":
                live += 1
            else:
                bodies += 1
    return Fraction(rules.counted(live, ev.credit, bodies, w))
