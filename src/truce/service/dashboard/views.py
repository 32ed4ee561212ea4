"""What each dashboard page shows, read only through the service's own route functions (the
same figures, the same redaction below mediator as the API gives the same token). Pure
shaping: no HTML here (the templates render it), no rule (the engine decides)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response

from truce.service import routes
from truce.service.access import Caller
from truce.service.dashboard import charts
from truce.service.schemas import CheckIn

ALERTS = ((timedelta(0), "over"), (timedelta(hours=1), "urgent"), (timedelta(hours=3), "soon"))
"""Countdown alert levels: past the end, under an hour, under three hours."""


def body(resp: Response) -> Any:
    """The JSON a route function answered."""
    return json.loads(bytes(resp.body))


@dataclass(frozen=True)
class Countdown:
    """Time left to a deadline, in whole minutes, and its alert level."""

    ends_at: datetime
    seconds: int
    level: str  # over | urgent | soon | calm

    @property
    def parts(self) -> tuple[int, int, int]:
        """(days, hours, minutes) left, a started minute counted; zeros once over."""
        m = -(-max(self.seconds, 0) // 60)
        return m // 1440, m % 1440 // 60, m % 60


def countdown(ends_at: datetime, now: datetime) -> Countdown:
    """From ``now`` to ``ends_at`` in absolute time (so a daylight-saving change in between
    counts the real hours: 23 or 25 on that night)."""
    left = ends_at - now
    level = "calm"
    for limit, name in ALERTS:
        if left <= limit:
            level = name
            break
    return Countdown(ends_at, int(left.total_seconds()), level)


def local(t: str | None, zone: ZoneInfo) -> datetime | None:
    """An ISO time from a result, in the agreement's zone."""
    return None if t is None else datetime.fromisoformat(t).astimezone(zone)


def overview(
    caller: Caller, request: Request, now: datetime, state_at: datetime, travelled: bool = False
) -> dict[str, Any]:
    """The overview: status, timetable, tonight's lists with their check, day charts.
    ``travelled``: ``now`` is a chosen past moment (``?at=``), so lists announced after it are
    left out; at the present, every list recorded is shown, whatever time it gives itself.
    The figures are as of ``state_at``; the countdown counts from ``now``."""
    at = state_at.isoformat()
    status = body(routes.status(caller, at=at, as_of=None))
    table = body(routes.timetable(caller, at=at, as_of=None))
    zone = caller.served.dir.terms.agreement.zone
    ends = local(status["ends_at"], zone)
    lists = pending_lists(caller, request, state_at, table.get("next_list_day"), travelled)
    return {
        "status": status,
        "timetable": table,
        "zone": zone,
        "ends_local": ends,
        "countdown": countdown(ends, now) if ends is not None and status["active"] else None,
        "list_by": local(table.get("next_list_by"), zone),
        "lists": lists,
        "charts": day_charts(status, table.get("aid_commitment")),
        "stages": stages(status, zone, now),
    }


def stages(status: dict[str, Any], zone: ZoneInfo, now: datetime) -> dict[str, Any] | None:
    """For phased terms (``phases`` in the status): each stage with its batches as the engine
    judged them, and the next deadline still pending (the earliest due_by of a batch side whose
    status is pending) with a countdown to it from ``now``; None for terms without stages."""
    phases = status.get("phases")
    if not phases:
        return None
    pending = []
    for p in phases:
        for b in [*p["batches"], *p["unscheduled"]]:
            b["rows"] = [
                (side, b[side], local(b[side]["due_by"], zone))
                for side in ("captives", "prisoners")
            ]
            for side, s, due_by in b["rows"]:
                if s["status"] == "pending" and due_by is not None:
                    pending.append(
                        {
                            "stage": p["id"],
                            "batch": b["id"],
                            "side": side,
                            "due": s["due_text"],
                            "due_by": due_by,
                        }
                    )
    nxt = min(pending, key=lambda x: x["due_by"], default=None)
    return {
        "phases": phases,
        "next": nxt,
        "countdown": None if nxt is None else countdown(nxt["due_by"], now),
    }


def pending_lists(
    caller: Caller, request: Request, now: datetime, day: int | None, travelled: bool
) -> list[dict[str, Any]]:
    """The lists the caller may see for the next pause day, recorded by ``now``, with what a
    check says of each (a list is pending until its day's release is recorded)."""
    if day is None:
        return []
    page = body(routes.events(caller, request, "list_announced", None, None, 0, 1000))
    out = []
    for e in page["items"]:
        ev = e["event"]
        if ev.get("for_day") != day or (travelled and datetime.fromisoformat(ev["at"]) > now):
            continue
        res = check(caller, now, ev.get("live") or 0, ev.get("bodies") or 0, ev.get("credit") or 0)
        zone = caller.served.dir.terms.agreement.zone
        out.append({"entry": e, "event": ev, "check": res, "at_local": local(ev["at"], zone)})
    return out


def check(
    caller: Caller,
    now: datetime,
    live: int,
    bodies: int,
    credit: int,
    captives: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the service's check answers at ``now`` for a list of these counts, or of these
    captives by id (then ``live`` is not used)."""
    proposal = CheckIn(
        live=None if captives is not None else live,
        bodies=bodies,
        credit=credit,
        captives=captives,
        at=now.isoformat(),
    )
    res: dict[str, Any] = body(routes.check(caller, proposal))
    res["ends_at_local"] = local(res["ends_at"], caller.served.dir.terms.agreement.zone)
    return res


PAGE = 200
"""Entries the ledger browser shows at once."""
VERIFY_AT_ONCE = 10_000
"""Up to this many entries the record page verifies on its own; beyond, when asked."""
ACTS = 200
"""The latest acts and claims the findings page lists (the record has them all)."""


def log_page(
    caller: Caller,
    request: Request,
    type_: str | None,
    party: str | None,
    day: int | None,
    after: int | None,
) -> dict[str, Any]:
    """The ledger browser: a page of the filtered log (by default the latest entries), the
    checkpoints and who cosigned them."""
    with caller.served.open() as d:
        size = len(d.all_records)
    if after is None:
        after = 0 if (type_ or party or day) else max(size - PAGE, 0)
    page = body(routes.events(caller, request, type_, party, day, after, PAGE))
    with caller.served.open() as d:
        cps = d.store.checkpoints()
        parties = sorted(d.terms.parties.ids())
    latest = cps[-1][0] if cps else 0
    return {
        "items": page["items"],
        "next_after": page["next_after_seq"],
        "earlier": max(after - PAGE, 0) if after > 0 else None,
        "checkpoint_size": latest,
        "checkpoints": [(size, note) for size, note in cps[-5:]],
        "parties": parties,
    }


def verified(caller: Caller, run: bool, run_async: Any) -> dict[str, Any] | None:
    """The service's verification of the whole record, kept until the log grows; None until
    someone asks for it (on a long ledger it re-derives every hash: seconds, not a page load)."""
    served = caller.served
    key = ("dash-verify", caller.audience)
    with served.open():
        done: dict[str, Any] | None = served.cache.get(key)
    if done is None and (run or served.size <= VERIFY_AT_ONCE):
        done = run_async(routes.verify, caller)
        with served.open():
            served.remember(key, done)
    return done


def findings(caller: Caller, request: Request, now: datetime) -> dict[str, Any]:
    """Findings with their explanations and traces; the declarations that differ side by side,
    each with who declared it and what (attributed: the engine says which one the terms'
    rule used, never which is true)."""
    status = body(routes.status(caller, at=now.isoformat(), as_of=None))
    zone = caller.served.dir.terms.agreement.zone
    for a in status["acts"][-ACTS:]:
        a["at_local"] = local(a["at"], zone)
    wanted = {r for d in status["disputed"] for r in [d["used"], *d["set_aside"]]}
    with caller.served.open() as d:
        view = routes.log_view(caller, d)  # the role's view, cached per log size
        by_ref = {f"event:{e['event']['id']}": e["event"] for e in view}
    by_ref = {k: v for k, v in by_ref.items() if k in wanted}
    disputes = []
    for d in status["disputed"]:
        rows = []
        for ref, used in [(d["used"], True)] + [(r, False) for r in d["set_aside"]]:
            ev = by_ref.get(ref)
            if ev is not None:
                figures = {k: v for k, v in ev.items() if isinstance(v, int) and k != "for_day"}
                rows.append({"event": ev, "used": used, "figures": figures})
        disputes.append({"reason": d["reason"], "act": d["act"], "rows": rows})
    acts = status["acts"]
    return {
        "status": status,
        "disputes": disputes,
        "acts": acts[-ACTS:],
        "earlier_acts": max(len(acts) - ACTS, 0),
    }


def day_charts(status: dict[str, Any], commitment: float | None) -> list[dict[str, Any]]:
    """The timeline (releases on each side, extensions), aid against the commitment, and the
    cumulative releases, each as an SVG with its data as a table."""
    days = status["days"]
    cats = [str(d["day"]) for d in days]
    captives = [d["counted"] for d in days]
    prisoners = [d["prisoners_released"] for d in days]
    granted = [d["days_granted"] for d in days]
    aid = [d["aid_trucks"] for d in days]
    return [
        {
            "id": "chart-releases",
            "title": "Releases and extensions by pause day",
            "svg": charts.bars(
                "chart-releases-title",
                cats,
                [
                    charts.Series("captives counted", captives, "s1"),
                    charts.Series("prisoners released", prisoners, "s2"),
                    charts.Series("days granted", granted, "s3"),
                ],
            ),
            "columns": ["captives counted", "prisoners released", "days granted"],
            "rows": list(zip(cats, captives, prisoners, granted, strict=True)),
        },
        {
            "id": "chart-aid",
            "title": "Aid trucks by pause day, against the commitment",
            "svg": charts.bars(
                "chart-aid-title",
                cats,
                [charts.Series("aid trucks", aid, "s4")],
                line=commitment,
                line_label="commitment",
            ),
            "columns": ["aid trucks"],
            "rows": [(c, "-" if a is None else a) for c, a in zip(cats, aid, strict=True)],
        },
        {
            "id": "chart-cumulative",
            "title": "Cumulative releases",
            "svg": charts.bars(
                "chart-cumulative-title",
                cats,
                [
                    charts.Series("captives counted", charts.cumulative(captives), "s1"),
                    charts.Series("prisoners released", charts.cumulative(prisoners), "s2"),
                ],
            ),
            "columns": ["captives counted", "prisoners released"],
            "rows": list(
                zip(
                    cats,
                    [int(x) for x in charts.cumulative(captives)],
                    [int(x) for x in charts.cumulative(prisoners)],
                    strict=True,
                )
            ),
        },
    ]
