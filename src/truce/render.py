"""Rich renderings of State and Decision for the terminal (the CLI's human output)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from truce.engine.decide import Decision
from truce.engine.results import DayRow, Finding, State
from truce.exact import show

_STYLE = {"met": "green", "over": "cyan", "short": "red", "pending": "yellow", "unknown": "dim"}

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


def _st(status: str) -> str:
    return f"[{_STYLE.get(status, '')}]{status}[/]"


def render_status(console: Console, state: State) -> None:
    """The day-by-day table, the summary, findings, recorded acts and claims, and disputes."""
    t = state.terms
    console.print(f"[bold]{safe(t.agreement.name)}[/]")
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
        f"Aid {t.aid.basis if t.aid else ''}",
        "+Days",
    )
    for col in heads:
        table.add_column(col, justify="left" if col == "Date" else "right", no_wrap=True)
    for d, last in _runs(state.days, state.at):
        table.add_row(
            str(d.day) if last is None else f"{d.day}-{last.day}",
            d.date if last is None else f"{d.date} to {last.date}",
            str(d.live),
            str(d.bodies),
            str(d.credited),
            show(d.counted),
            str(d.outside),
            str(d.separate),
            show(d.prisoners_due),
            str(d.prisoners_released),
            "unknown" if d.aid is None else str(d.aid),
            str(d.granted) if d.granted else "",
        )
    console.print(table)
    active = "active" if state.active else "not active"
    console.print(
        f"At {state.at.isoformat()}: pause {active}; {state.pause_days} pause days "
        f"(basis: {state.basis}), ending {state.ends_at.isoformat() if state.ends_at else '-'}."
    )
    separate = sum(d.separate for d in state.days)
    console.print(
        f"Counted {show(state.counted)}; balance {show(state.balance)}; "
        f"released outside the framework {state.outside_released} ({state.credits_used} credited, "
        f"{state.creditable} creditable); separate track {separate}; "
        f"prisoners due {show(state.prisoners_due)}, released {state.prisoners_released}."
    )
    ft = Table(title="Findings (against the terms as encoded)", title_justify="left")
    for col in ("Day", "Kind", "Status", "Detail"):
        ft.add_column(col)
    for day, kind, status, detail in _folded(state):
        ft.add_row(day, kind, _st(status), safe(detail))
    console.print(ft)
    if state.acts:
        at = Table(
            title="Recorded acts and claims (attributed; not adjudicated)", title_justify="left"
        )
        for col in ("At", "Declared by", "Type", "What"):
            at.add_column(col)
        for a in state.acts:
            at.add_row(
                safe(a["at"]),
                safe(a["declared_by"]),
                safe(str(a["type"]).replace("_", " ")),
                safe(a["what"]),
            )
        console.print(at)
    for dis in state.disputed:
        console.print(
            f"[yellow]Disputed[/] {safe(dis.act)}: used {safe(dis.used)}; set aside {safe(', '.join(dis.set_aside))} ({safe(dis.reason)})."
        )
    for n in state.notes:
        console.print(f"[dim]Note:[/] {safe(n)}")


def render_decision(console: Console, d: Decision, title: str | None = None) -> None:
    """The check's verdict against the terms as encoded, with its explanation lines."""
    if title:
        console.print(f"[bold]{safe(title)}[/]")
    if d.for_day is None:
        verdict = "[yellow]the pause has ended: a list cannot extend it[/]"
    elif d.meets_terms is None:
        verdict = "[yellow]not decided yet (initial phase)[/]"
    elif d.meets_terms and d.extension_days == 0:
        verdict = "[green]meets the initial quota as encoded[/]"
    elif d.meets_terms:
        verdict = f"[green]meets the terms as encoded[/]: +{d.extension_days} day(s), to {d.ends_at.isoformat() if d.ends_at else '-'}"
    else:
        verdict = f"[red]does not meet the terms as encoded[/]: short by {show(d.shortfall)}"
    console.print(f"  {verdict}; prisoners due {show(d.prisoners_due)}")
    for line in d.explanation:
        console.print(f"  - {safe(line)}")


FOLD = 3
"""Consecutive days alike with nothing recorded are shown as one row from this many on."""


def _empty(d: DayRow) -> bool:
    return not (
        d.live
        or d.bodies
        or d.credited
        or d.counted
        or d.outside
        or d.separate
        or d.not_covered
        or d.prisoners_due
        or d.prisoners_released
        or d.aid is not None
        or d.granted
    )


def _runs(days: list[DayRow], at: datetime) -> Iterator[tuple[DayRow, DayRow | None]]:
    """Each row, or (first, last) for a run of FOLD or more consecutive days with nothing
    recorded, in one phase, all begun by ``at`` or all still to come: a pause of years still to
    come is one line, not thousands."""

    def kind(d: DayRow) -> tuple[str, bool]:
        return d.phase, d.starts > at

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


def _folded(state: State) -> list[tuple[str, str, str, str]]:
    """(day, kind, status, detail) per finding, in order; a run of FOLD or more findings of one
    kind on consecutive days with nothing recorded that say the same but for the day becomes
    one, "days A-B: ...", placed where its first day's finding was."""

    def blank(f: Finding) -> bool:
        row = state.row(f.day) if f.day is not None else None
        return f.day is not None and (row is None or _empty(row))

    runs: list[list[Finding]] = []
    last: dict[str, list[Finding]] = {}  # kind -> its open run
    for f in state.findings:
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
