"""The stage engine: judge phased terms (``[[stage]]`` tables) against the events (pure).

``judge_stages(terms, entries, at)`` says, per stage, when it starts and ends and whether it has
begun; per scheduled batch, what was due and by when on each side (captives handed over by the
holder, prisoners released by the receiver), what was released, and whether that is met, short,
late, pending or unknown; the names' notice; bodies for bodies; the other commitments; and what
opens the next stage. The counting rules are those of :mod:`truce.engine.rules`; the matching of
releases to batches is :mod:`truce.engine.stage_match`. docs/semantics.md states every rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

from truce.engine import rules
from truce.engine.stage_match import Group, Handover, StageWindows, match
from truce.engine.stage_results import (
    BatchJudged,
    Notice,
    Side,
    StageFinding,
    StageJudged,
    StagesJudged,
    hours_after,
    iso,
    price_text,
    reached_at,
    stage_days,
    status_of,
)
from truce.engine.stage_terms import bodies_for_bodies, commitments, next_stage
from truce.exact import show
from truce.history import Entry
from truce.terms import Batch, Stage, Terms

__all__ = ["BatchJudged", "Side", "StageFinding", "StageJudged", "StagesJudged", "judge_stages"]


class _StageJudge:
    """Judges one stage (the windows and groups come from :func:`stage_match.match`)."""

    def __init__(self, terms: Terms, st: Stage, w: StageWindows, at: datetime) -> None:
        self.terms, self.st, self.w, self.at = terms, st, w, at
        self.findings: list[StageFinding] = []

    def day(self, t: datetime | None) -> tuple[int | None, str | None]:
        """The stage day and local date of an instant (None for none)."""
        if t is None:
            return None, None
        k = self.w.cal.day_of(t)
        return k, t.astimezone(self.w.zone).date().isoformat()

    def find(
        self, t: datetime | None, kind: str, status: str, detail: str, refs: list[str]
    ) -> None:
        """Record a finding of this stage."""
        k, d = self.day(t)
        self.findings.append(StageFinding(self.st.id, k, d, kind, status, detail, refs))

    # -- captives, cumulative through the schedule -------------------------------------------

    def captives_sides(self, groups: dict[str, Group], stream: list[Handover]) -> list[Side]:
        """Each batch's captives side: batch k is met when the counted captives handed over in
        the stage reach the schedule's running total through k by k's deadline."""
        series = [(h.at, h.living + h.bodies) for h in stream]
        out: list[Side] = []
        cum_due = 0
        released_total = sum(n for t, n in series if t <= self.at)
        for b in self.st.batches:
            due = b.total()
            before = cum_due
            cum_due += due
            win = self.w.windows[b.id]
            reached = reached_at(series, cum_due)
            if reached is not None and reached > self.at:
                reached = None
            status = status_of(reached, win[1], self.at)
            counted = int(rules.clamp0(released_total - before))
            counted = counted - int(rules.clamp0(counted - due))
            g = groups.get(b.id)
            refs = [h.ref for h in g.handovers] if g else []
            owed = rules.still_owed(cum_due, released_total)
            detail = (
                f"{b.id}: {due} captive(s) due by {iso(win[1])} (stage day "
                f"{self.w.cal.day_of(win[1]) - 1}); with the batches before it, {cum_due} in all; "
                f"{released_total} handed over in the stage by {iso(self.at)}"
            )
            if status in ("met", "late"):
                detail += f"; the running total reached {cum_due} at {iso(reached)}"
            elif owed:
                detail += f"; {owed} still owed"
            if g is not None and g.answering:
                detail += f"; {g.answering} answer it ({', '.join(dict.fromkeys(refs))})"
            out.append(
                Side(
                    Fraction(due),
                    win[1],
                    counted,
                    status,
                    detail,
                    [f"terms:stage.{self.st.id}.batch.{b.id}", *refs],
                )
            )
            if status in ("short", "late"):
                self.find(win[1], "captives", status, detail, out[-1].refs)
        return out

    # -- prisoners answering a batch or an unscheduled handover ---------------------------------

    def prisoners_side(
        self, b: Batch | None, g: Group | None
    ) -> tuple[Side, dict[str, dict[str, object]]]:
        """The receiver's side of a batch (or of an unscheduled handover), and its due by
        category: fixed, else price x count of the living captives answering it."""
        st, terms = self.st, self.terms
        breakdown: dict[str, dict[str, object]] = {}
        hours = (
            (b.prisoners_due_within_hours if b is not None else None)
            or st.prisoners_due_within_hours
            or terms.exchange.prisoners_due_within_hours
        )
        refs = [f"terms:stage.{st.id}.prisoners_due_within_hours"]
        rel_events = [(p.at, p.count, p.ref) for p in (g.prisoners if g else []) if p.at <= self.at]
        released = sum(n for _, n, _ in rel_events)
        refs += [r for _, _, r in rel_events]
        name = b.id if b is not None else (g.id if g else "-")
        refs += [h.ref for h in (g.handovers if g else []) if h.at <= self.at]
        last = g.last_handover if g else None
        if last is None:
            return Side(
                None,
                None,
                released,
                "pending",
                f"{name}: nothing handed over yet; its prisoners fall due {hours} h after the handover",
                refs,
            ), breakdown
        due_by = hours_after(last, hours)
        due: Fraction | None
        if b is not None and b.prisoners is not None:
            due = Fraction(rules.batch_prisoners_due(True, b.prisoners, 0))
            how = f"fixed by the terms at {b.prisoners}"
            refs.append(f"terms:stage.{st.id}.batch.{b.id}.prisoners")
        elif st.prisoners is not None:
            due = None
            how = f"priced for the whole stage ({st.prisoners} prisoners), not per batch"
        else:
            assert g is not None
            total: Fraction | None = Fraction(0)
            parts = []
            for cat, n in sorted(g.living_by_category.items(), key=lambda kv: kv[0] or ""):
                if b is not None and b.prisoners_per_captive is not None:
                    price: Fraction | None = b.prisoners_per_captive
                else:
                    price = terms.price(cat)
                key = cat or "(no category)"
                line_due = None if price is None else Fraction(rules.prisoners_due(n, price))
                breakdown[key] = {"captives": n, "price": price_text(price), "due": line_due}
                parts.append(f"{n} {key} x {price_text(price)}")
                refs.append(terms.ratio_key(cat))
                total = None if (total is None or line_due is None) else total + line_due
            answered_by_bodies = st.bodies_for_bodies is not None
            if g.bodies and b is not None and b.prisoners_per_captive is not None:
                line_due = Fraction(rules.prisoners_due(g.bodies, b.prisoners_per_captive))
                breakdown["bodies"] = {
                    "captives": g.bodies,
                    "price": price_text(b.prisoners_per_captive),
                    "due": line_due,
                }
                parts.append(f"{g.bodies} bodies x {price_text(b.prisoners_per_captive)}")
                total = None if total is None else total + line_due
            elif g.bodies and not answered_by_bodies:
                # No price for bodies is encoded: their due is unknown, never taken as 0.
                breakdown["bodies"] = {"captives": g.bodies, "price": "unknown", "due": None}
                parts.append(f"{g.bodies} bodies x unknown")
                total = None
            due = total
            how = (" + ".join(parts) or "no living captives") + (
                f" = {show(due)}" if due is not None else " = unknown"
            )
            if g.bodies and answered_by_bodies and "bodies" not in breakdown:
                how += (
                    f"; {g.bodies} bodies are answered by bodies (bodies_for_bodies), not prisoners"
                )
        series = [(t, n) for t, n, _ in sorted(rel_events)]
        if due is None:
            # The amount is unknown, its deadline is not: a release answering it that came
            # only after the deadline is late; anything else cannot be judged.
            by_deadline = sum(
                n for t, n in series if rules.in_time(t.timestamp(), due_by.timestamp())
            )
            past = not rules.in_time(self.at.timestamp(), due_by.timestamp())
            if st.prisoners is not None:  # judged once, for the whole stage
                status = "unknown"
            elif released and not by_deadline:
                status = "late"
            elif not released and not past:
                status = "pending"
            else:
                status = "unknown"
            detail = (
                f"{name}: prisoners due unknown ({how}) by {iso(due_by)}, {hours} h after the "
                f"handover at {iso(last)}; {released} released against it"
            )
            if status == "late":
                detail += f", none by the deadline (first at {iso(series[0][0])})"
        else:
            reached = reached_at(series, due)
            status = status_of(reached, due_by, self.at)
            if rules.batch_met(0, due) and reached is None:
                status = "met"
            detail = (
                f"{name}: {show(due)} prisoners due ({how}) by {iso(due_by)}, {hours} h after "
                f"the handover at {iso(last)}; {released} released"
            )
            if status == "late":
                detail += f", reaching the due at {iso(reached)}"
            owed = rules.still_owed(due, released)
            if owed and status != "met":
                detail += f"; {show(Fraction(owed))} still owed"
        if g is not None and g.held:
            detail += "; " + "; ".join(h for h, _ in g.held)
            refs += [r for _, r in g.held]
        side = Side(due, due_by, released, status, detail, refs)
        if status in ("short", "late") or (
            status == "unknown" and released and st.prisoners is None
        ):
            self.find(due_by, "prisoners", status, detail, refs)
        return side, breakdown

    def stage_prisoners(self, groups: dict[str, Group], stream: list[Handover]) -> Side:
        """A stage's fixed price for its whole release ("N prisoners when all living captives
        are released", ``stage_fixed_due``): due once the captives it calls for (its living
        ones, where the terms say how many) are handed over, within the stage's hours."""
        st, terms = self.st, self.terms
        assert st.prisoners is not None
        living_only = st.living is not None
        required = (
            st.living
            if st.living is not None
            else st.captives
            if st.captives is not None
            else sum(b.total() for b in st.batches)
        )
        series = [(h.at, h.living if living_only else h.living + h.bodies) for h in stream]
        handed = sum(n for t, n in series if t <= self.at)
        due = Fraction(rules.stage_fixed_due(handed, required, st.prisoners))
        hours = st.prisoners_due_within_hours or terms.exchange.prisoners_due_within_hours
        rel = sorted((p.at, p.count, p.ref) for g in groups.values() for p in g.prisoners)
        released = sum(n for _, n, _ in rel)
        refs = [f"terms:stage.{st.id}.prisoners", *(r for _, _, r in rel)]
        what = "living captives" if living_only else "captives"
        done = reached_at(series, required)
        if done is None or done > self.at:
            detail = (
                f"{st.id}: {st.prisoners} prisoners fall due once all {required} {what} are "
                f"handed over ({handed} so far); {released} released"
            )
            return Side(due, None, released, "pending", detail, refs)
        due_by = hours_after(done, hours)
        got = reached_at([(t, n) for t, n, _ in rel], st.prisoners)
        status = status_of(got if got is not None and got <= self.at else None, due_by, self.at)
        detail = (
            f"{st.id}: {st.prisoners} prisoners due (fixed for the stage's whole release) by "
            f"{iso(due_by)}, {hours} h after the last of the {required} {what} at {iso(done)}; "
            f"{released} released"
        )
        side = Side(due, due_by, released, status, detail, refs)
        if status in ("short", "late"):
            self.find(due_by, "prisoners", status, detail, refs)
        return side

    def notice(self, b: Batch, g: Group | None) -> Notice | None:
        """The names' notice for a batch, where the terms set one."""
        hours = b.notice_hours if b.notice_hours is not None else self.st.notice_hours
        if hours is None:
            return None
        first = g.first_handover if g else None
        names = [n for n in (g.names if g else []) if n[0] <= self.at]
        refs = [f"terms:stage.{self.st.id}.notice_hours", *(r for _, r in names)]
        given = names[0][0] if names else None
        due_by = first - timedelta(hours=hours) if first is not None else None
        if given is None:
            status = "unknown" if first is not None else "pending"
            detail = f"{b.id}: names due {hours} h before the handover; no names recorded" + (
                " (the ledger does not say when they came)" if first is not None else ""
            )
        elif first is None:
            status = "pending"
            detail = f"{b.id}: names given at {iso(given)}; no handover yet"
        else:
            assert due_by is not None
            status = "met" if given <= due_by else "late"
            detail = (
                f"{b.id}: names due by {iso(due_by)} ({hours} h before the handover at "
                f"{iso(first)}); given at {iso(given)}"
            )
        n = Notice(hours, due_by, given, status, detail, refs)
        if status == "late":
            self.find(given, "notice", status, detail, refs)
        return n

    def schedule_findings(self, b: Batch | None, g: Group) -> None:
        """The same rule for the holder's schedule as for the receiver's: handovers beyond a
        batch's count, or in no batch's window, are findings (``over``)."""
        refs = [h.ref for h in g.handovers]
        if b is None:
            h = g.handovers[0]
            k, d = self.day(h.at)
            self.find(
                h.at,
                "schedule",
                "over",
                f"{h.ref.removeprefix('event:')}: {g.answering} captive(s) handed over on stage "
                f"day {k} ({d}), in no batch's window and naming none: off the schedule as "
                "encoded (counted toward the stage's captives)",
                refs,
            )
            return
        due = b.total()
        if g.answering > due:
            self.find(
                g.last_handover,
                "schedule",
                "over",
                f"{b.id}: {g.answering} captives answer it against {due} scheduled "
                f"({g.answering - due} beyond the batch, counted toward later batches)",
                refs,
            )
        win = self.w.windows[b.id]
        early = [h for h in g.handovers if h.at < win[0]]
        if early:
            self.find(
                early[0].at,
                "schedule",
                "over",
                f"{b.id}: {sum(h.living + h.bodies for h in early)} captive(s) handed over "
                f"before its window opens at {iso(win[0])}",
                [h.ref for h in early],
            )


def judge_stages(terms: Terms, entries: list[Entry], at: datetime) -> StagesJudged:
    """Every stage of ``terms`` at ``at`` from the selected entries (time-ordered, by ``at``)."""
    m = match(terms, entries, at)
    stages: list[StageJudged] = []
    findings: list[StageFinding] = list(m.findings)
    prior_opened = True
    for k, st in enumerate(terms.stages):
        w = m.windows[k]
        sj = _StageJudge(terms, st, w, at)
        groups = m.groups[k]
        opened = (
            k == 0 or not st.conditional or m.next_events.get(terms.stages[k - 1].id) is not None
        )
        opened = opened and prior_opened
        prior_opened = opened
        if not opened:
            status = "conditional"
        elif at < w.begin:
            status = "ahead"
        elif at < w.end:
            status = "running"
        else:
            status = "ended"
        sides = sj.captives_sides(groups, m.streams[k]) if opened else []
        batches: list[BatchJudged] = []
        for j, b in enumerate(st.batches):
            g = groups.get(b.id)
            pside, breakdown = sj.prisoners_side(b, g)
            cside = (
                sides[j]
                if sides
                else Side(
                    Fraction(b.total()),
                    w.windows[b.id][1],
                    0,
                    "pending",
                    f"{b.id}: the stage has not opened",
                    [],
                )
            )
            if g is not None:
                sj.schedule_findings(b, g)
            batches.append(
                BatchJudged(
                    b.id,
                    True,
                    w.windows[b.id],
                    cside,
                    pside,
                    g.answering if g else 0,
                    g.living if g else 0,
                    g.bodies if g else 0,
                    breakdown,
                    sj.notice(b, g),
                    [h for h, _ in g.held] if g else [],
                    [h.ref for h in g.handovers] if g else [],
                )
            )
        unscheduled: list[BatchJudged] = []
        for gid, g in groups.items():
            if g.batch is not None:
                continue
            pside, breakdown = sj.prisoners_side(None, g)
            sj.schedule_findings(None, g)
            csd = Side(
                Fraction(0),
                None,
                g.answering,
                "met",
                f"{gid}: handed over outside the schedule",
                [h.ref for h in g.handovers],
            )
            unscheduled.append(
                BatchJudged(
                    gid,
                    False,
                    None,
                    csd,
                    pside,
                    g.answering,
                    g.living,
                    g.bodies,
                    breakdown,
                    None,
                    [h for h, _ in g.held],
                    [h.ref for h in g.handovers],
                )
            )
        stage_side = None
        stream = [(h.at, h.living + h.bodies) for h in m.streams[k]]
        released_total = sum(n for t, n in stream if t <= at)
        if st.captives is not None and opened:
            reached = reached_at(stream, st.captives)
            status_c = status_of(reached, w.end, at)
            detail = (
                f"{st.id}: {st.captives} captives due by the stage's end {iso(w.end)}; "
                f"{released_total} counted handed over by {iso(at)}"
            )
            stage_side = Side(
                Fraction(st.captives),
                w.end,
                released_total,
                status_c,
                detail,
                [f"terms:stage.{st.id}.captives", *(h.ref for h in m.streams[k])],
            )
            if status_c in ("short", "late"):
                sj.find(w.end, "captives", status_c, detail, stage_side.refs)
        known = Fraction(0)
        any_unknown = False
        prisoners_released = 0
        for bj in [*batches, *unscheduled]:
            if bj.prisoners.due is None:
                any_unknown = any_unknown or bj.answering > 0 or st.prisoners is not None
            else:
                known += bj.prisoners.due
            prisoners_released += bj.prisoners.released
        prisoners_released += m.unmatched_prisoners.get(k, 0)
        stage_prisoners = None
        if st.prisoners is not None and opened:
            stage_prisoners = sj.stage_prisoners(groups, m.streams[k])
            known, any_unknown = stage_prisoners.due or Fraction(0), False
        bfb = bodies_for_bodies(sj.find, st, w, m, k, at) if opened else None
        commits = commitments(sj.find, st, w, m, at) if opened else []
        nxt = next_stage(sj.find, st, w, m, at) if opened else None
        days = stage_days(st)
        cur = w.cal.day_of(at) if status == "running" else None
        stages.append(
            StageJudged(
                st.id,
                st.name,
                w.begin,
                w.end,
                status,
                days,
                cur,
                stage_side,
                stage_prisoners,
                None if any_unknown else known,
                known,
                prisoners_released,
                sum(h.living for h in m.streams[k] if h.at <= at),
                sum(h.bodies for h in m.streams[k] if h.at <= at),
                batches,
                unscheduled,
                bfb,
                commits,
                nxt,
                sj.findings,
            )
        )
        findings += sorted(sj.findings, key=lambda f: (f.date is None, f.date or ""))
    notes = list(m.notes)
    findings.sort(key=lambda f: (f.date is None, f.date or ""))  # in time order, stable
    return StagesJudged(
        at, stages, findings, notes, m.counted, m.outside, m.separate, m.not_covered
    )
