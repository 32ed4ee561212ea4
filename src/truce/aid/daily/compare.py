"""The calendar day by day: what the route could carry (the ceiling), what the model says it
carried (the daily queue model) and what was observed, and why they differ where they do.

A day *differs* where the observed count lies outside the simulated 2.5-97.5% band. The reason
given is, in order: a dispute among the sources about an event in force that day; events in force
that no source puts a figure on; or else that no event in the route file explains it. Model
results from the route file's figures, not findings about any party.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from truce.aid.daily.days import CalendarDay, EventInForce
from truce.aid.daily.queue import DaySim
from truce.aid.queue.stats import Estimate
from truce.aid.route.capacity import fmt

Reason = Literal["disputed", "unquantified", "unexplained"]


@dataclass(frozen=True)
class DayRow:
    """One day: the ceiling and what limits it, simulated and observed, and why they differ."""

    day: date
    ceiling: float
    limiting: list[str]
    unchanged: float
    closed: list[str]
    events: list[EventInForce]
    limits: str
    simulated: Estimate | None
    band: tuple[float, float] | None
    entered: dict[str, float]
    queued: dict[str, float]
    observed: int | None
    observed_entries: dict[str, int]
    window: str | None  # "fit", "hold-out" or None
    reason: Reason | None  # why observed lies outside the band (None: it does not, or no data)
    differs: str | None


def _short(source: str) -> str:
    return source.split(":", 1)[0].strip()


def why_differs(
    observed: int, band: tuple[float, float], ceiling: float, events: list[EventInForce]
) -> tuple[Reason | None, str | None]:
    """Why ``observed`` lies outside ``band`` (None, None where it does not)."""
    lo, hi = band
    if lo <= observed <= hi:
        return None, None
    side = "below" if observed < lo else "above"
    text = f"observed {observed} {side} the simulated range [{fmt(lo)}, {fmt(hi)}]"
    if observed > ceiling:
        text += f" and above the day's ceiling of {fmt(ceiling)}"
    disputed = [e for e in events if e.disputed]
    if disputed:
        return "disputed", text + "; disputed: " + " | ".join(
            f"{e.when}: {e.disputed}" for e in disputed
        )
    recorded = [e for e in events if e.unquantified]
    if recorded and side == "below":
        return "unquantified", text + "; in force without a figure for their effect: " + "; ".join(
            f"{_short(e.source)} ({e.when})" for e in recorded
        )
    return "unexplained", text + "; no event in the route file explains it"


def day_row(
    c: CalendarDay,
    sim: DaySim | None,
    observed: int | None,
    observed_entries: dict[str, int],
    window: str | None,
) -> DayRow:
    """One day's row from its ceiling, simulation and observed count."""
    reason: Reason | None = None
    differs: str | None = None
    if sim is not None and observed is not None:
        reason, differs = why_differs(observed, sim.band, c.ceiling, c.events)
    return DayRow(
        day=c.day,
        ceiling=c.ceiling,
        limiting=c.limiting,
        unchanged=c.unchanged,
        closed=c.closed,
        events=c.events,
        limits=c.why,
        simulated=sim.received if sim is not None else None,
        band=sim.band if sim is not None else None,
        entered={k: v.mean for k, v in sim.entered.items()} if sim is not None else {},
        queued=dict(sim.queued) if sim is not None else {},
        observed=observed,
        observed_entries=observed_entries,
        window=window,
        reason=reason,
        differs=differs,
    )
