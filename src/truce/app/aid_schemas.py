"""The results of the aid use cases, as typed schemas: what `truce aid ... --json` prints, what the
service will return, what `truce schema NAME` shows. Model results from the route file's figures,
not findings about any party.

`truce aid show` prints ``AidOut`` (defined beside ``aid_report`` in truce.aid.report, reused
here). Fields are declared in the order the JSON has always had its keys.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from truce.aid.report import AidOut, DeliveredOut, SimulatedOut, VariantOut


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- truce aid what-if ----------------------------------------------------------------------------


class DayCeilingOut(_Out):
    """The ceiling on one day, with and without the node opened."""

    day: date = Field(description="The date.")
    with_node: float = Field(description="Ceiling (trucks/day) with the node opened from the date.")
    without_node: float = Field(description="Ceiling (trucks/day) with the node closed.")
    limiting_with: list[str] = Field(description="What limits the ceiling with the node.")
    limiting_without: list[str] = Field(description="What limits the ceiling without the node.")


class WhatIfOut(_Out):
    """`truce aid what-if --json`: the ceiling with a node opened from a date, against the node
    closed on every date."""

    variant: str = Field(description="The variant looked at.")
    node: str = Field(description="The node opened (its id).")
    on: date = Field(description="The date it opens.")
    paths_opened: list[str] = Field(
        description="Paths through the node that the file declares disabled, opened with it."
    )
    before: float = Field(description="Ceiling (trucks/day) on the date without the node.")
    after: float = Field(description="Ceiling (trucks/day) on the date with the node.")
    limiting_before: list[str] = Field(description="What limits the ceiling without the node.")
    limiting_after: list[str] = Field(description="What limits the ceiling with the node.")
    series: list[DayCeilingOut] = Field(
        description="The ceiling day by day around the date, with and without the node."
    )
    explanation: list[str] = Field(description="How the result was reached, one line a step.")
    step: float = Field(description="After minus before (trucks/day, 1 decimal).")
    charts: list[str] = Field(description="Chart files written (with --plot; else empty).")


# --- truce aid lanes ------------------------------------------------------------------------------


class NodeNeedOut(_Out):
    """One node with lanes, hours and a service time: what it carries now, and the fewest lanes
    or hours for the target (null: none reaches it; see ``blocked_by``)."""

    node: str = Field(description="The node (its id).")
    lanes: int = Field(description="Its lanes now.")
    hours: float = Field(description="Its opening hours a day now.")
    service_minutes: float = Field(description="Minutes to serve one truck in one lane.")
    reject_probability: float = Field(description="Share of trucks turned back.")
    stated: float | None = Field(description="Its stated capacity_trucks_per_day (null: none).")
    capacity: float = Field(
        description="Its capacity now: lanes x hours x 60 / service_minutes x "
        "(1 - reject_probability), capped by the stated capacity."
    )
    lanes_needed: int | None = Field(
        description="The fewest lanes (at its hours) for the target; null: no number reaches it."
    )
    hours_needed: float | None = Field(
        description="The fewest hours a day (whole minutes, at its lanes) for the target; "
        "null: no hours up to 24 reach it."
    )
    extra_hours: float | None = Field(
        description="hours_needed minus hours (0 if not more); null with hours_needed."
    )
    blocked_by: list[str] = Field(
        description="What limits first when lanes alone cannot reach the target."
    )
    hours_blocked_by: list[str] = Field(
        description="What limits first when hours alone cannot reach the target."
    )
    explanation: list[str] = Field(description="How the figures were reached, one line a step.")


class LanesOut(_Out):
    """`truce aid lanes --json`: per node, the fewest lanes or opening hours for the ceiling to
    reach a target."""

    variant: str = Field(description="The variant looked at.")
    target: float = Field(description="The target ceiling (trucks/day).")
    ceiling: float = Field(description="The ceiling now (trucks/day).")
    limiting: list[str] = Field(description="What limits the ceiling now.")
    nodes: list[NodeNeedOut] = Field(
        description="Each node on the variant's paths with lanes, hours and a service time."
    )
    skipped: list[str] = Field(
        description="Nodes on the paths without lanes, hours and a service time."
    )
    explanation: list[str] = Field(description="How the result was reached, one line a step.")
    charts: list[str] = Field(description="Chart files written (with --plot; else empty).")


# --- truce aid calibrate --------------------------------------------------------------------------


class ParamsOut(_Out):
    """One point of the grid (a reception capacity null: no limit at reception)."""

    nitzana_service_minutes: float = Field(description="Minutes to inspect one truck at Nitzana.")
    rafah_entry_capacity: float = Field(description="Trucks/day through the Rafah entry.")
    reception_capacity: float | None = Field(
        description="Trucks/day received in Gaza during the pause (null: no limit)."
    )
    reception_capacity_hostilities: float | None = Field(
        description="Trucks/day received in Gaza outside the pause (null: no limit)."
    )


class GridOut(_Out):
    """The values tried for each parameter."""

    nitzana_service_minutes: list[float] = Field(description="Values of nitzana_service_minutes.")
    rafah_entry_capacity: list[float] = Field(description="Values of rafah_entry_capacity.")
    reception_capacity: list[float | None] = Field(
        description="Values of reception_capacity (null: no limit)."
    )
    reception_hostilities: list[float] = Field(
        description="Values of reception_capacity_hostilities tried beside each reception_capacity."
    )


class PeriodFitOut(_Out):
    """Observed and simulated trucks/day over a fit period."""

    period: str = Field(description="The period's name.")
    observed: float = Field(description="Trucks/day observed.")
    simulated: float = Field(description="Trucks/day simulated (mean over the replications).")
    error: float = Field(description="(simulated - observed) / observed.")


class EstimateOut(_Out):
    """A mean over replications with its 95% t-interval."""

    mean: float = Field(description="The mean.")
    low: float = Field(description="Lower end of the 95% interval.")
    high: float = Field(description="Upper end of the 95% interval.")
    n: int = Field(description="Replications.")


class HoldoutOut(_Out):
    """A hold-out period predicted with the best fit, not refitted, and the range the plausible
    sets predict."""

    period: str = Field(description="The period's name.")
    observed: float = Field(description="Trucks/day observed.")
    predicted: EstimateOut = Field(description="Trucks/day predicted with the best fit.")
    error: float = Field(description="(predicted - observed) / observed.")
    within_goal: bool = Field(description="Whether |error| is within the goal.")
    goal: float = Field(description="The goal for |error|.")
    via_kerem_shalom_observed: float = Field(
        description="Trucks/day observed via the hold-out's via_node."
    )
    via_kerem_shalom_predicted: EstimateOut = Field(
        description="Trucks/day predicted via the hold-out's via_node."
    )
    via_kerem_shalom_error: float = Field(description="(predicted - observed) / observed there.")
    plausible_range: tuple[float, float] = Field(
        description="Lowest and highest mean predicted by the plausible sets."
    )
    by_structure: dict[str, tuple[float, float]] = Field(
        description="The same range per structure."
    )
    plausible_within_goal: int = Field(description="Plausible sets that predict within the goal.")


class PlausibleOut(_Out):
    """A grid point within the tolerance of the best score."""

    params: ParamsOut = Field(description="The parameters.")
    structure: str = Field(description="Its structure (one reception capacity, or by conditions).")
    score: float = Field(description="RMS relative error over the fit periods.")
    fit: list[PeriodFitOut] = Field(description="Each fit period.")
    holdouts: dict[str, float] = Field(
        description="Hold-out period -> trucks/day predicted (mean over the replications)."
    )
    limiting: dict[str, list[str]] = Field(
        description="Period -> the nodes limiting in the simulation."
    )


class CalibrationOut(_Out):
    """`truce aid calibrate --json`: the fit of the route's unverified parameters and the
    hold-outs predicted without refitting. Model results, not findings about any party."""

    route: str = Field(description="The route's name.")
    parameters: dict[str, str] = Field(description="Parameter fitted -> why it is fitted.")
    structures: dict[str, str] = Field(description="Structure -> what it assumes.")
    demand: dict[str, str] = Field(description="Period (or warm-up) -> its demand, in words.")
    grid: GridOut = Field(description="The values tried.")
    best: ParamsOut = Field(description="The best grid point.")
    score: float = Field(description="Its score: RMS relative error over the fit periods.")
    fit: list[PeriodFitOut] = Field(description="The fit periods with the best point.")
    best_by_structure: dict[str, ParamsOut] = Field(description="Structure -> its best point.")
    holdouts: list[HoldoutOut] = Field(
        description="Each hold-out, in the calibration file's order."
    )
    tolerance: float = Field(description="Score above the best within which a point is plausible.")
    plausible: list[PlausibleOut] = Field(description="The plausible points, best first.")
    seed: int = Field(description="Seed of the simulations.")
    replications: int = Field(description="Replications per grid point.")
    evaluations: int = Field(description="Simulations run.")
    seconds: float = Field(description="Wall time of the calibration.")
    note: str = Field(description="What these results are.")


__all__ = [
    "AidOut",
    "CalendarDayOut",
    "CalendarFitOut",
    "CalendarOut",
    "CalibrationOut",
    "DeliveredOut",
    "ExplainOut",
    "LanesOut",
    "SimulatedOut",
    "VariantOut",
    "WhatIfOut",
]

SCHEMAS: dict[str, Any] = {
    "aid": AidOut,
    "aid-what-if": WhatIfOut,
    "aid-lanes": LanesOut,
    "aid-calibrate": CalibrationOut,
}


# --- the route calendar (truce aid --on / --from --to, explain, fit-calendar) ----------------------


class EventOut(_Out):
    """A calendar event in force on a day, as the route file gives it."""

    index: int = Field(description="Its [[change]] index in the route file (0-based).")
    on: date = Field(description="The first date it holds.")
    until: date | None = Field(description="The last date it holds (null: for good).")
    weekdays: list[str] | None = Field(description="Only on these weekdays (null: every day).")
    effect: str = Field(description="What it does, in words.")
    source: str = Field(description="Where it comes from.")
    note: str | None = Field(description="The route file's note.")
    disputed: str | None = Field(description="What the sources disagree on (null: nothing).")
    unquantified: bool = Field(description="Recorded without a figure: changes nothing.")


class CalendarDayOut(_Out):
    """`truce aid ROUTE --on DATE --json`: the route on one day, its ceiling and what limits it."""

    day: date = Field(description="The date.")
    ceiling: float = Field(description="Most trucks/day the route can carry that day.")
    limiting: list[str] = Field(description="Nodes and edges whose capacity limits it.")
    unchanged: float = Field(description="The ceiling without the day's events.")
    closed: list[str] = Field(description="Nodes the day's events close.")
    events: list[EventOut] = Field(description="Events in force that day.")
    why: str = Field(description="What limits the day, in words.")
    explanation: list[str] = Field(description="How the ceiling was reached, one line a step.")
    fitted: dict[str, float | None] = Field(
        description="Fitted values applied (parameter -> trucks/day; null: no limit)."
    )


class DayRowOut(_Out):
    """One day of the calendar report."""

    day: date = Field(description="The date.")
    window: str | None = Field(description='"fit", "hold-out" or null.')
    ceiling: float = Field(description="Most trucks/day the route can carry that day.")
    limiting: list[str] = Field(description="What limits the ceiling.")
    unchanged: float = Field(description="The ceiling without the day's events.")
    closed: list[str] = Field(description="Nodes the day's events close.")
    events: list[int] = Field(description="Indexes of the events in force (see `events`).")
    limits: str = Field(description="What limits the day, in words.")
    simulated: EstimateOut | None = Field(
        description="Trucks received (mean over replications, 95% t-interval); null: not run."
    )
    band: tuple[float, float] | None = Field(
        description="2.5 and 97.5 percentiles of the replications' counts that day."
    )
    entered: dict[str, float] = Field(description="Simulated mean trucks via each entry node.")
    queued: dict[str, float] = Field(description="Simulated mean trucks waiting at day's end.")
    observed: int | None = Field(description="Trucks received, observed (null: no series).")
    observed_entries: dict[str, int] = Field(description="Observed trucks via each entry node.")
    reason: str | None = Field(
        description="disputed | unquantified | unexplained: why observed lies outside the band."
    )
    differs: str | None = Field(description="Why simulated and observed differ, in words.")


class WeekErrorOut(_Out):
    """One week of the hold-out."""

    start: date = Field(description="First day (a Sunday, or the window's first day).")
    end: date = Field(description="Last day.")
    observed: float = Field(description="Observed mean trucks/day received.")
    simulated: float = Field(description="Simulated mean trucks/day received.")
    error: float = Field(description="(simulated - observed) / observed.")


class CalendarHoldoutOut(_Out):
    """The hold-out predicted with the fitted values, never read by the fit."""

    start: date = Field(description="First day.")
    end: date = Field(description="Last day.")
    observed: float = Field(description="Observed mean trucks/day received.")
    simulated: EstimateOut = Field(description="Simulated mean trucks/day (over replications).")
    error: float = Field(description="(simulated - observed) / observed.")
    within_goal: bool = Field(description="Whether |error| is within goal_mean_error.")
    goal_mean_error: float = Field(description="The goal for |error|.")
    weeks: list[WeekErrorOut] = Field(description="The error by week.")
    correlation: float = Field(description="Pearson correlation of simulated and observed days.")
    goal_correlation: float = Field(description="The goal for the correlation.")
    correlation_met: bool = Field(description="Whether the correlation reaches its goal.")
    entries: dict[str, tuple[float, float]] = Field(
        description="Entry node -> (observed, simulated) mean trucks/day via it."
    )


class CalendarOut(_Out):
    """`truce aid ROUTE --from A --to B --json`: the route day by day: what it could carry, what
    the daily queue model says it carried, what was observed, and why they differ."""

    route: str = Field(description="The route's name.")
    start: date = Field(description="First day.")
    end: date = Field(description="Last day.")
    fit_file: str | None = Field(description="The fit file applied (null: none).")
    fitted: dict[str, float | None] = Field(description="Fitted values applied.")
    fitted_from: date | None = Field(description="The date the fitted values apply from.")
    observed_source: str | None = Field(description="Where the observed series comes from.")
    events: list[EventOut] = Field(description="Every event in force on some day shown.")
    days: list[DayRowOut] = Field(description="Each day.")
    holdout: CalendarHoldoutOut | None = Field(
        description="The hold-out judged (where the days cover it and a fit file is applied)."
    )
    replications: int = Field(description="Replications of the daily queue model.")
    seed: int = Field(description="Its seed.")
    charts: list[str] = Field(description="Chart files written (with --plot; else empty).")
    note: str = Field(description="What these results are.")


class ExplainOut(_Out):
    """`truce aid explain ROUTE DATE --json`: what limited that day."""

    day: CalendarDayOut = Field(description="The route on the day.")
    row: DayRowOut | None = Field(
        description="Simulated and observed that day, where a fit file is applied; else null."
    )


class FitOut(_Out):
    """What the calendar fit found on its window."""

    values: dict[str, float | None] = Field(description="Parameter -> fitted trucks/day.")
    score: float = Field(description="RMS daily error over the fit window (trucks/day).")
    observed_mean: float = Field(description="Observed mean trucks/day over the fit window.")
    simulated_mean: float = Field(description="Simulated mean trucks/day there.")
    error: float = Field(description="(simulated - observed) / observed there.")
    points: int = Field(description="Grid points tried.")
    seconds: float = Field(description="Wall time of the fit.")


class CalendarFitOut(_Out):
    """`truce aid fit-calendar ROUTE --json`: the fit rerun, against the committed values, and the
    hold-out predicted with the values found."""

    fit_file: str = Field(description="The fit file.")
    fit: FitOut = Field(description="What the fit found.")
    committed: dict[str, float | None] = Field(description="The fit file's [fitted] values.")
    matches_committed: bool = Field(description="Whether the fit found the committed values.")
    holdout: CalendarHoldoutOut = Field(description="The hold-out predicted with the values found.")
    note: str = Field(description="What these results are.")


SCHEMAS.update(
    {
        "aid-on": CalendarDayOut,
        "aid-calendar": CalendarOut,
        "aid-explain": ExplainOut,
        "aid-fit-calendar": CalendarFitOut,
    }
)
