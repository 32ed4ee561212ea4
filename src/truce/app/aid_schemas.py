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
    "CalibrationOut",
    "DeliveredOut",
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
