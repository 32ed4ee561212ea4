"""Rich renderings of State and Decision for the terminal (the CLI's human output)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from truce.engine.decide import Decision
from truce.engine.state import State
from truce.exact import show

_STYLE = {"met": "green", "over": "cyan", "short": "red", "pending": "yellow", "unknown": "dim"}


def _st(status: str) -> str:
    return f"[{_STYLE.get(status, '')}]{status}[/]"


def render_status(console: Console, state: State) -> None:
    """The day-by-day table, the summary, findings, recorded acts and claims, and disputes."""
    t = state.terms
    console.print(f"[bold]{escape(t.agreement.name)}[/]")
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
    for d in state.days:
        table.add_row(
            str(d.day),
            d.date,
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
    for f in state.findings:
        ft.add_row(str(f.day or ""), f.kind, _st(f.status), escape(f.detail))
    console.print(ft)
    if state.acts:
        at = Table(
            title="Recorded acts and claims (attributed; not adjudicated)", title_justify="left"
        )
        for col in ("At", "Declared by", "Type", "What"):
            at.add_column(col)
        for a in state.acts:
            at.add_row(
                str(a["at"]),
                str(a["declared_by"]),
                str(a["type"]).replace("_", " "),
                escape(str(a["what"])),
            )
        console.print(at)
    for dis in state.disputed:
        console.print(
            f"[yellow]Disputed[/] {escape(dis.act)}: used {escape(dis.used)}; set aside {escape(', '.join(dis.set_aside))} ({escape(dis.reason)})."
        )
    for n in state.notes:
        console.print(f"[dim]Note:[/] {escape(n)}")


def render_decision(console: Console, d: Decision, title: str | None = None) -> None:
    """The check's verdict against the terms as encoded, with its explanation lines."""
    if title:
        console.print(f"[bold]{escape(title)}[/]")
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
        console.print(f"  - {escape(line)}")
