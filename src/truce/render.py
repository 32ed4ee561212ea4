"""Rich renderings of the status and check results for the terminal (the CLI's human output).

They read only the result schemas (:class:`~truce.app.deal_schemas.StatusOut`,
:class:`~truce.app.deal_schemas.CheckOut`), never engine objects, so that a local ledger and a
remote service print alike. Exact numbers come from the schemas' ``*_text`` fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from truce.app.deal_schemas import CheckOut, DayOut, FindingOut, StatusOut, TimetableOut
from truce.app.stage_schemas import SideOut

_STYLE = {
    "met": "green",
    "over": "cyan",
    "short": "red",
    "late": "red",
    "pending": "yellow",
    "unknown": "dim",
}

# C0 controls (tab and newline included), DEL, C1 controls, the line and paragraph separators,
# and the bidirectional embedding, override and isolate controls.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    n = ord(m.group())
    return f"\\x{n:02x}" if n <= 0xFF else f"\\u{n:04x}"


def printable(text: str) -> str:
    """``text`` safe to print to a terminal: every control character is shown as an escape
    (ESC as ``\\x1b``, a newline as ``\\x0a``) so that recorded text can neither move the cursor,
    retitle the window nor clear the screen. For human output only: JSON keeps the exact text."""
    return _UNPRINTABLE.sub(_visible, text)


def safe(text: object) -> str:
    """Recorded text for Rich: control characters made visible, then markup escaped."""
    return escape(printable(str(text)))


def _print_acts(console: Console, s: StatusOut) -> None:
    """The recorded acts and claims, attributed (the same table for daily and phased deals)."""
    if not s.acts:
        return
    at = Table(title="Recorded acts and claims (attributed; not adjudicated)", title_justify="left")
    for col in ("At", "Declared by", "Type", "What"):
        at.add_column(col)
    for a in s.acts:
        at.add_row(
            safe(a["at"]),
            safe(a["declared_by"]),
            safe(str(a["type"]).replace("_", " ")),
            safe(a["what"]),
        )
    console.print(at)


def _st(status: str) -> str:
    return f"[{_STYLE.get(status, '')}]{status}[/]"


def render_status(console: Console, s: StatusOut) -> None:
    """The day-by-day table, the summary, findings, recorded acts and claims, and disputes."""
    console.print(f"[bold]{safe(s.agreement)}[/]")
    if s.phases is not None:
        _render_phases(console, s)
        return
    table = Table(title="Pause days", title_justify="left")
    heads = (
        "Day",
        "Date",
        "Live",
        "Bodies",
        "Credited",
        "Counted",
        "Outside",
        "Separate",
        "Pris. due",
        "Pris. rel.",
        f"Aid {s.aid_basis or ''}",
        "+Days",
    )
    for col in heads:
        table.add_column(col, justify="left" if col == "Date" else "right", no_wrap=True)
    for d, last in _runs(s.days, datetime.fromisoformat(s.at)):
        table.add_row(
            str(d.day) if last is None else f"{d.day}-{last.day}",
            d.date if last is None else f"{d.date} to {last.date}",
            str(d.live_released),
            str(d.bodies_released),
            str(d.credited),
            d.counted_text,
            str(d.outside_framework),
            str(d.separate_track),
            d.prisoners_due_text,
            str(d.prisoners_released),
            "unknown" if d.aid_trucks is None else str(d.aid_trucks),
            str(d.days_granted) if d.days_granted else "",
        )
    console.print(table)
    active = "active" if s.active else "not active"
    console.print(
        f"At {s.at}: pause {active}; {s.pause_days} pause days "
        f"(basis: {s.basis}), ending {s.ends_at or '-'}."
    )
    separate = sum(d.separate_track for d in s.days)
    console.print(
        f"Counted {s.counted_text}; balance {s.balance_text}; "
        f"released outside the framework {s.outside_released} ({s.credits_used} credited, "
        f"{s.creditable} creditable); separate track {separate}; "
        f"prisoners due {s.prisoners_due_text}, released {s.prisoners_released}."
    )
    ft = Table(title="Findings (against the terms as encoded)", title_justify="left")
    for col in ("Day", "Kind", "Status", "Detail"):
        ft.add_column(col)
    for day, kind, status, detail in _folded(s):
        ft.add_row(day, kind, _st(status), safe(detail))
    console.print(ft)
    _print_acts(console, s)
    for dis in s.disputed:
        console.print(
            f"[yellow]Disputed[/] {safe(dis.act)}: used {safe(dis.used)}; set aside {safe(', '.join(dis.set_aside))} ({safe(dis.reason)})."
        )
    for n in s.notes:
        console.print(f"[dim]Note:[/] {safe(n)}")


def _side(x: SideOut) -> str:
    due = "unknown" if x.due_text is None else x.due_text
    return f"{x.released}/{due} {_st(x.status)}"


def _render_phases(console: Console, s: StatusOut) -> None:
    """Phased terms: each stage and its batches, two-sided, then the findings and acts."""
    assert s.phases is not None
    console.print(
        f"At {s.at}: {'in force' if s.active else 'not in force'}; stages from {s.starts_at} to "
        f"{s.ends_at} ({s.pause_days} days); stage day {s.current_day or '-'}."
    )
    for p in s.phases:
        cap = "" if p.captives is None else f"; captives {_side(p.captives)}"
        due = "unknown" if p.prisoners_due_text is None else p.prisoners_due_text
        console.print(
            f"[bold]{safe(p.id)}[/] ({safe(p.name or '')}): {p.status}, {p.starts_at} to "
            f"{p.ends_at}; handed over {p.living} living + {p.bodies} bodies{cap}; prisoners "
            f"released {p.prisoners_released}, due {due} (known {p.prisoners_known_due})"
        )
        if not p.batches and not p.unscheduled:
            continue
        t = Table(title=f"{p.id}: batches (released/due, status)", title_justify="left")
        for col in ("Batch", "Window to", "Answering", "Captives", "Prisoners", "Names"):
            t.add_column(col)
        for b in [*p.batches, *p.unscheduled]:
            t.add_row(
                safe(b.id) + ("" if b.scheduled else " (unscheduled)"),
                (b.window_to or "-")[:16].replace("T", " "),
                str(b.answering),
                _side(b.captives) if b.scheduled else f"{b.captives.released} (off the schedule)",
                _side(b.prisoners),
                "-" if b.names is None else _st(b.names.status),
            )
        console.print(t)
        if p.next is not None:
            console.print(f"  next stage: {safe(p.next['detail'])} ({_st(str(p.next['status']))})")
        for c in p.commitments:
            console.print(f"  commitment {safe(c['detail'])} ({_st(str(c['status']))})")
    ft = Table(title="Findings (against the terms as encoded)", title_justify="left")
    for col in ("Day", "Kind", "Status", "Detail"):
        ft.add_column(col)
    for f in s.findings:
        ft.add_row(str(f.day or ""), f.kind, _st(f.status), safe(f.detail))
    console.print(ft)
    _print_acts(console, s)
    for n in s.notes:
        console.print(f"[dim]Note:[/] {safe(n)}")


def render_decision(console: Console, c: CheckOut, title: str | None = None) -> None:
    """The check's verdict against the terms as encoded, with its explanation lines."""
    if title:
        console.print(f"[bold]{safe(title)}[/]")
    if c.batch is not None:
        b = c.batch
        verdict = (
            f"[green]meets batch {safe(b.batch)} of {safe(b.stage)} as encoded[/]"
            if b.meets_schedule
            else f"[red]does not meet batch {safe(b.batch)} of {safe(b.stage)} as encoded[/]"
        )
        due = "unknown" if b.prisoners_due_text is None else b.prisoners_due_text
        console.print(f"  {verdict}; prisoners due for it {due}")
        for line in c.explanation:
            console.print(f"  - {safe(line)}")
        return
    if c.for_day is None:
        verdict = "[yellow]the pause has ended: a list cannot extend it[/]"
    elif c.meets_terms is None:
        verdict = "[yellow]not decided yet (initial phase)[/]"
    elif c.meets_terms and c.extension_days == 0:
        verdict = "[green]meets the initial quota as encoded[/]"
    elif c.meets_terms:
        verdict = f"[green]meets the terms as encoded[/]: +{c.extension_days} day(s), to {c.ends_at or '-'}"
    else:
        verdict = f"[red]does not meet the terms as encoded[/]: short by {c.shortfall_text}"
    console.print(f"  {verdict}; prisoners due {c.prisoners_due_text}")
    for line in c.explanation:
        console.print(f"  - {safe(line)}")


FOLD = 3
"""Consecutive days alike with nothing recorded are shown as one row from this many on."""


def _empty(d: DayOut) -> bool:
    # the exact texts, not the rounded numbers: a tiny fraction is not nothing
    return not (
        d.live_released
        or d.bodies_released
        or d.credited
        or d.counted_text != "0"
        or d.outside_framework
        or d.separate_track
        or d.not_covered
        or d.prisoners_due_text != "0"
        or d.prisoners_released
        or d.aid_trucks is not None
        or d.days_granted
    )


def _runs(days: list[DayOut], at: datetime) -> Iterator[tuple[DayOut, DayOut | None]]:
    """Each row, or (first, last) for a run of FOLD or more consecutive days with nothing
    recorded, in one phase, all begun by ``at`` or all still to come: a pause of years still to
    come is one line, not thousands."""

    def kind(d: DayOut) -> tuple[str, bool]:
        return d.phase, datetime.fromisoformat(d.starts) > at

    i = 0
    while i < len(days):
        j = i
        if _empty(days[i]):
            while (
                j + 1 < len(days)
                and days[j + 1].day == days[j].day + 1
                and kind(days[j + 1]) == kind(days[i])
                and _empty(days[j + 1])
            ):
                j += 1
        if j - i + 1 >= FOLD:
            yield days[i], days[j]
        else:
            for k in range(i, j + 1):
                yield days[k], None
        i = j + 1


_DAY = re.compile(r"^day (\d+): ")


def _folded(s: StatusOut) -> list[tuple[str, str, str, str]]:
    """(day, kind, status, detail) per finding, in order; a run of FOLD or more findings of one
    kind on consecutive days with nothing recorded that say the same but for the day becomes
    one, "days A-B: ...", placed where its first day's finding was."""

    rows = {d.day: d for d in s.days}

    def blank(f: FindingOut) -> bool:
        row = rows.get(f.day) if f.day is not None else None
        return f.day is not None and (row is None or _empty(row))

    runs: list[list[FindingOut]] = []
    last: dict[str, list[FindingOut]] = {}  # kind -> its open run
    for f in s.findings:
        run = last.get(f.kind)
        if (
            run is not None
            and f.day is not None
            and blank(f)
            and blank(run[-1])
            and run[-1].day == f.day - 1
            and run[-1].status == f.status
            and _DAY.sub("", run[-1].detail, count=1) == _DAY.sub("", f.detail, count=1)
            and _DAY.match(f.detail)
        ):
            run.append(f)
            continue
        run = [f]
        runs.append(run)
        last[f.kind] = run
    out: list[tuple[str, str, str, str]] = []
    for run in runs:
        if len(run) < FOLD:
            out += [(str(f.day or ""), f.kind, f.status, f.detail) for f in run]
            continue
        first, end = run[0], run[-1]
        rest = _DAY.sub("", first.detail, count=1)
        out.append(
            (
                f"{first.day}-{end.day}",
                first.kind,
                first.status,
                f"days {first.day}-{end.day}: {rest}",
            )
        )
    return out


def render_timetable(console: Console, t: TimetableOut) -> None:
    """What is needed by when, one line each (times as the terms' zone writes them)."""
    console.print(f"[bold]At {t.at}[/]: pause {'active' if t.active else 'not active'}")
    if t.current_day is not None:
        console.print(f"  handovers for day {t.current_day}: {t.handover_from} to {t.handover_to}")
        console.print(
            f"  next list (day {t.next_list_day}) by {t.next_list_by}: "
            f"{t.captives_needed_text} counted captives for one more day"
        )
    else:
        console.print(f"  pause end: {t.pause_ends or '-'}")
    console.print(f"  prisoners outstanding: {t.prisoners_outstanding_text}")
    for p in t.prisoners_pending:
        console.print(f"    day {p.day if p.day is not None else '-'}: {safe(p.detail)}")
    if t.aid_commitment is not None:
        today = "unknown" if t.aid_trucks_today is None else str(t.aid_trucks_today)
        console.print(
            f"  aid today: {today} trucks ({t.aid_basis}) against {t.aid_commitment} committed"
        )
