"""The stage engine's judgement of what a stage commits to besides its batches: bodies for
bodies, other commitments (aid with parts, deadlines), and what opens the next stage (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from fractions import Fraction

from truce.engine import rules
from truce.engine.stage_match import Matched, StageWindows
from truce.engine.stage_results import Side, deadline, iso, reached_at, stage_days, status_of
from truce.exact import show
from truce.terms import Stage

__all__ = ["Find", "bodies_for_bodies", "commitments", "next_stage"]

Find = Callable[[datetime | None, str, str, str, list[str]], None]
"""Records a finding: (when, kind, status, detail, refs)."""


def bodies_for_bodies(
    find: Find, st: Stage, w: StageWindows, m: Matched, k: int, at: datetime
) -> dict[str, Side] | None:
    """Bodies for bodies: the holder's bodies (released as captives or returned) against its
    count and deadline; the receiver's, ``returned_per_body`` for each, against its deadline."""
    bx = st.bodies_for_bodies
    if bx is None:
        return None
    holder = sorted(m.bodies[k]["holder"])
    receiver = sorted(m.bodies[k]["receiver"])
    holder_n = sum(n for t, n, _ in holder if t <= at)
    receiver_n = sum(n for t, n, _ in receiver if t <= at)
    holder_due = bx.bodies
    h_by = deadline(w, bx.holder_by)
    refs_h = [f"terms:stage.{st.id}.bodies_for_bodies", *(r for _, _, r in holder)]
    if holder_due is None:
        h_side = Side(
            None,
            h_by,
            holder_n,
            "unknown" if holder_n == 0 else "met",
            f"{st.id}: the holder returns all bodies (no count in the terms); {holder_n} returned",
            refs_h,
        )
    else:
        reached = reached_at([(t, n) for t, n, _ in holder], holder_due)
        hs = status_of(reached if reached is None or reached <= at else None, h_by, at)
        h_side = Side(
            Fraction(holder_due),
            h_by,
            holder_n,
            hs,
            f"{st.id}: the holder returns {holder_due} bodies by {iso(h_by)}; {holder_n} returned",
            refs_h,
        )
        if hs in ("short", "late"):
            find(h_by, "bodies", hs, h_side.detail, refs_h)
    r_due = Fraction(rules.bodies_for_bodies_due(holder_n, bx.returned_per_body))
    last_h = holder[-1][0] if holder and holder[-1][0] <= at else None
    r_by = deadline(w, bx.receiver_by, after=last_h)
    reached = reached_at([(t, n) for t, n, _ in receiver], r_due)
    rs = status_of(reached if reached is None or reached <= at else None, r_by, at)
    if holder_n == 0 and receiver_n == 0:
        rs = "pending"
    refs_r = [
        f"terms:stage.{st.id}.bodies_for_bodies.returned_per_body",
        *(r for _, _, r in holder),
        *(r for _, _, r in receiver),
    ]
    r_side = Side(
        r_due,
        r_by,
        receiver_n,
        rs,
        f"{st.id}: {holder_n} bodies received x {show(bx.returned_per_body)} = {show(r_due)} due "
        f"from the receiver by {iso(r_by)}; {receiver_n} returned",
        refs_r,
    )
    if rs in ("short", "late"):
        find(r_by, "bodies", rs, r_side.detail, refs_r)
    return {"holder": h_side, "receiver": r_side}


def commitments(
    find: Find, st: Stage, w: StageWindows, m: Matched, at: datetime
) -> list[dict[str, object]]:
    """Each commitment: aid per stage day against its rate (and its parts'), days without a
    figure unknown; a deadline with no measurable figure pending, then unknown."""
    out: list[dict[str, object]] = []
    for c in st.commitments:
        refs = [f"terms:stage.{st.id}.commitment.{c.id}"]
        if c.kind == "aid" and c.per_day is not None:
            basis = c.basis or "received"
            days: dict[int, dict[str, int]] = defaultdict(dict)
            for d, trucks, parts, ref, b in m.aid:
                if b != basis:
                    continue
                k = w.cal.day_of_date(d)
                if 1 <= k <= stage_days(st):
                    row = days[k]
                    row["trucks"] = row.get("trucks", 0) + (trucks or 0)
                    for pid, n in (parts or {}).items():
                        row[pid] = row.get(pid, 0) + n
                    refs.append(ref)
            met = sum(1 for r in days.values() if rules.aid_met(r.get("trucks", 0), c.per_day))
            short = len(days) - met
            parts_short = {
                p.id: sum(
                    1 for r in days.values() if p.id in r and not rules.aid_met(r[p.id], p.per_day)
                )
                for p in c.parts
            }
            elapsed = min(w.cal.day_of(at), stage_days(st)) if at >= w.begin else 0
            unknown = max(elapsed - len(days), 0)
            status = (
                "unknown"
                if not days
                else ("short" if short or any(parts_short.values()) else "met")
            )
            detail = (
                f"{c.id}: {c.per_day} {c.measure} a day ({basis}); {len(days)} day(s) with a "
                f"figure: {met} met, {short} short; {unknown} elapsed day(s) with no figure (unknown)"
            )
            for p in c.parts:
                detail += f"; part {p.id} ({p.per_day} a day): {parts_short[p.id]} day(s) short"
            out.append(
                {
                    "id": c.id,
                    "kind": c.kind,
                    "status": status,
                    "detail": detail,
                    "days_met": met,
                    "days_short": short,
                    "days_unknown": unknown,
                }
            )
            if status == "short":
                find(at, "commitment", status, detail, refs)
            continue
        by = deadline(w, c.by) if c.by is not None else None
        status = "pending" if by is not None and at < by else "unknown"
        detail = (
            f"{c.id}: {c.what}"
            + (f", by {iso(by)}" if by else "")
            + (f"; judged on {c.measure}: the ledger records no figure for it")
        )
        out.append(
            {
                "id": c.id,
                "kind": c.kind,
                "status": status,
                "detail": detail,
                "due_by": iso(by) if by else None,
            }
        )
        if status == "unknown":
            find(by, "commitment", status, detail, refs)
    return out


def next_stage(
    find: Find, st: Stage, w: StageWindows, m: Matched, at: datetime
) -> dict[str, object] | None:
    """What opens the next stage: met or late once an event records it, else pending before
    its deadline and unknown after (the ledger does not say whether it happened)."""
    if st.next is None:
        return None
    by = deadline(w, st.next.by) if st.next.by is not None else None
    ev = m.next_events.get(st.id)
    refs = [f"terms:stage.{st.id}.next"]
    if ev is not None and ev[0] <= at:
        refs.append(ev[1])
        status = "met" if by is None or ev[0] <= by else "late"
        detail = f"{st.id}: {st.next.what}: recorded at {iso(ev[0])}" + (
            f" (due by {iso(by)})" if by else ""
        )
    else:
        status = "pending" if by is None or at < by else "unknown"
        detail = (
            f"{st.id}: {st.next.what}"
            + (f", due by {iso(by)}" if by else "")
            + (
                ": no event records it"
                + (" (the ledger does not say whether it happened)" if status == "unknown" else "")
            )
        )
    if status in ("late", "unknown"):
        find(by, "next", status, detail, refs)
    return {
        "what": st.next.what,
        "due_by": iso(by) if by else None,
        "status": status,
        "detail": detail,
    }
