"""The results of the simulator's use cases, as typed schemas: what `truce simulate`, `sweep`,
`compare-deals` and `history` print with ``--json``, what the service will return, what
`truce schema NAME` shows.

Figures are plain floats, exactly as computed (never rounded here). Keys that vary with the
scenario (captive categories, pause lengths, swept keys) are open ``dict[str, ...]`` maps; the
stop reasons are a closed vocabulary.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

Kernel = Literal["numba", "numpy"]
"""The simulator kernels (truce.sim.core.KERNELS)."""

StopReason = Literal[
    "horizon reached",
    "quota not met",
    "holder ended the talks",
    "receiver ended the talks",
    "bargaining broke down",
    "all captives released",
    "covered categories ran out",
]
"""Why a simulated run stopped (truce.sim.core.REASONS)."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _OmitNone(_Out):
    """A model whose unset optional keys are left out of the dump (not printed as null)."""

    @model_serializer(mode="wrap")
    def _omit_none(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class Dist(_Out):
    """A quantity over the runs: its mean with a 95% interval for the mean, and percentiles."""

    mean: float = Field(description="Mean over the runs.")
    mean_low: float = Field(description="Lower end of the 95% confidence interval of the mean.")
    mean_high: float = Field(description="Upper end of the 95% confidence interval of the mean.")
    p05: float = Field(description="5th percentile over the runs.")
    p50: float = Field(description="Median over the runs.")
    p95: float = Field(description="95th percentile over the runs.")


class PauseDays(Dist):
    """Pause length in days over the runs, with the share of runs for each length."""

    distribution: dict[str, float] = Field(
        description="Share of runs (0 to 1) by pause length in days (the key), lengths that "
        "occurred only, shortest first."
    )


class Prisoners(Dist):
    """Prisoners released per run, and how many the terms called for."""

    due_mean: float = Field(description="Mean prisoners due under the terms per run.")


class Interval(_Out):
    """A value drawn uniformly per run between ``low`` and ``high``."""

    low: float = Field(description="Lowest value.")
    high: float = Field(description="Highest value.")


class PriorRow(_Out):
    """One past exchange (a `truce history` row) in an exchange-ratio prior."""

    id: str = Field(description="Row id of `truce history`.")
    exchange_ratio: Interval = Field(
        description="The row's exchange ratio (persons released by side A per one by side B), "
        "low to high."
    )
    weight: float = Field(description="The row's weight in the prior (weights sum to 1).")


class PriorSpec(_Out):
    """An exchange ratio drawn per run from past exchanges, with weights."""

    prior: list[PriorRow] = Field(description="The rows used and their weights.")


class SourcedInterval(_Out):
    """A range ``low`` to ``high``, with its source as the scenario gives it (null: none)."""

    low: float = Field(description="Lowest value.")
    high: float = Field(description="Highest value.")
    source: str | None = Field(description="Where the range comes from, if the scenario says.")


class SideBargainSpec(_Out):
    """One side's part in bargaining a new exchange ratio."""

    reservation: float | SourcedInterval = Field(
        description="Holder: the lowest ratio it accepts; receiver: the highest."
    )
    patience: float = Field(description="Discount factor per round (rubinstein).")
    concession: float = Field(description="Concession exponent: < 1 holds out, > 1 concedes early.")
    power: float = Field(description="Utility curvature (nash).")


class BargainSpec(_Out):
    """An exchange ratio set per run by a bargaining model."""

    bargain: Literal["nash", "rubinstein", "concession"] = Field(description="The model.")
    holder: SideBargainSpec = Field(
        description="The holder's reservation and bargaining parameters."
    )
    receiver: SideBargainSpec = Field(
        description="The receiver's reservation and bargaining parameters."
    )
    lo: float = Field(description="Lowest ratio on the table.")
    hi: float = Field(description="Highest ratio on the table.")
    first: Literal["holder", "receiver"] = Field(
        description="Who makes the first offer (rubinstein, concession)."
    )


class PoolAssumption(_Out):
    """One category of captives still held, as the scenario assumes it."""

    count: int = Field(description="Captives of this category held at the start.")
    alive: float | Interval = Field(
        description="Probability each is alive: a number, or drawn per run from {low, high}."
    )
    exchange_ratio: str | float | Interval | PriorSpec | BargainSpec = Field(
        description='Prisoners per captive: the terms\' ratio as a string (e.g. "3") where the '
        "scenario gives none, else the scenario's number, range, prior over past exchanges, "
        "or bargaining model."
    )
    covered_by_terms: bool = Field(description="Whether the terms count this category.")


class LeverRange(_OmitNone):
    """A probability drawn per run between ``low`` and ``high`` (source only where given)."""

    low: float = Field(description="Lowest probability.")
    high: float = Field(description="Highest probability.")
    source: str | None = Field(default=None, description="Left out where the scenario gives none.")


class PolicyLevers(_OmitNone):
    """One side's levers, as the scenario sets them (keys the scenario leaves unset are left
    out: order, source, note)."""

    list_size: int | Literal["quota"] = Field(
        description='Captives offered per day: a number, or "quota" (what the terms call for).'
    )
    order: list[str] | None = Field(
        default=None, description="Categories in the order this side releases them."
    )
    delay: float | LeverRange = Field(description="Probability per day that it delays.")
    under_delivery: float | LeverRange = Field(
        description="Probability per day that it under-delivers."
    )
    under_fraction: float = Field(description="Share of the list delivered when it under-delivers.")
    reject: float | LeverRange = Field(
        description="Probability per day that it rejects the other's list."
    )
    end_talks: float | LeverRange = Field(description="Probability per day that it ends the talks.")
    end_after_breach: float | LeverRange = Field(
        description="Probability it ends the talks on a day after the other fell short."
    )
    source: str | None = Field(default=None, description="Where the levers come from.")
    note: str | None = Field(
        default=None, description="A note on the levers, if the scenario gives one."
    )


class Assumptions(_Out):
    """The scenario's assumptions, printed beside every result."""

    terms: str = Field(description="The terms file, relative to the scenario file.")
    horizon_days: int = Field(description="Days simulated at most.")
    on_exhausted: Literal["bargain", "end"] = Field(
        description="When the covered categories run out: bargain a ratio for the next, or end."
    )
    bargain_breakdown: float | Interval = Field(
        description="Probability that bargaining over a category breaks down."
    )
    pool: dict[str, PoolAssumption] = Field(description="Captives held, by category.")
    holder: PolicyLevers = Field(description="The holder's levers.")
    receiver: PolicyLevers = Field(description="The receiver's levers.")
    aid_delivered_fraction: float | Interval = Field(
        description="Share of the terms' daily aid commitment delivered on each pause day."
    )


class SimulateOut(_Out):
    """`truce simulate --json`: how a deal plays out over many simulated runs."""

    scenario: str = Field(description="The scenario's name.")
    runs: int = Field(description="Runs simulated.")
    seed: int = Field(description="The seed (fixes the randomness).")
    kernel: Kernel = Field(
        description="The simulator kernel that ran: numba (compiled, the default where Numba "
        "is installed) or numpy. Seeded figures differ between the two (not in distribution)."
    )
    pause_days: PauseDays = Field(description="Pause days per run.")
    released: dict[str, float] = Field(
        description="Mean live captives released per run, by category (the scenario's order)."
    )
    released_total: Dist = Field(description="Live captives released per run, all categories.")
    prisoners: Prisoners = Field(description="Prisoners released per run.")
    aid_trucks: Dist = Field(description="Aid trucks delivered per run.")
    breakdown_probability: float = Field(
        description="Share of runs in which the talks stop before the horizon (other than by "
        "releasing every captive)."
    )
    stop_reasons: dict[StopReason, float] = Field(
        description="Share of runs by why they stopped (reasons that occurred only)."
    )
    assumptions: Assumptions = Field(description="The scenario's assumptions.")


class SweepPoint(_Out):
    """One point of a sweep: what was set, and the headline outcomes."""

    point: dict[str, float] = Field(description="The scenario keys set at this point (dotted).")
    pause_days_mean: float = Field(description="Mean pause days.")
    pause_days_p50: float = Field(description="Median pause days.")
    released_mean: float = Field(description="Mean live captives released per run.")
    prisoners_mean: float = Field(description="Mean prisoners released per run.")
    aid_trucks_mean: float = Field(description="Mean aid trucks delivered per run.")
    breakdown_probability: float = Field(
        description="Share of runs in which the talks stop before the horizon."
    )


class SweepOut(_Out):
    """`truce sweep --json`: outcomes per point, every point on the same runs."""

    runs_per_point: int = Field(description="Runs simulated at each point.")
    seed: int = Field(description="The seed, the same for every point.")
    kernel: Kernel = Field(
        description="The simulator kernel that ran: numba (compiled, the default where Numba "
        "is installed) or numpy. Seeded figures differ between the two (not in distribution)."
    )
    points: list[SweepPoint] = Field(description="One row per point, in grid (or drawing) order.")


class PhasedOut(_Out):
    """The scenario's sequence of phased deals, simulated day by day."""

    pause_days: PauseDays = Field(description="Pause days per run.")
    released: dict[str, float] = Field(description="Mean live captives released, by category.")
    released_total: Dist = Field(description="Live captives released per run, all categories.")
    prisoners: Prisoners = Field(description="Prisoners released per run.")
    aid_trucks: Dist = Field(description="Aid trucks delivered per run.")
    stop_probability: float = Field(description="Share of runs stopped before the end.")
    stop_reasons: dict[StopReason, float] = Field(
        description="Share of runs by why they stopped (reasons that occurred only)."
    )


class AllForAllOut(_Out):
    """One all-for-all exchange over the same runs."""

    pause_days: Dist = Field(
        description="Pause days per run (the whole horizon where the bargain is reached, else 0)."
    )
    released: dict[str, float] = Field(description="Mean live captives released, by category.")
    released_total: Dist = Field(description="Live captives released per run, all categories.")
    prisoners: Dist = Field(description="Prisoners released per run.")
    aid_trucks: Dist = Field(description="Aid trucks delivered per run.")
    stop_probability: float = Field(description="Share of runs in which no bargain is reached.")
    assumptions: list[str] = Field(description="What the all-for-all exchange assumes, in words.")


class CompareDealsOut(_Out):
    """`truce compare-deals --json`: phased deals and one all-for-all exchange on the same runs."""

    scenario: str = Field(description="The scenario's name.")
    runs: int = Field(description="Runs simulated (the same runs for both deals).")
    seed: int = Field(description="The seed (fixes the randomness).")
    kernel: Kernel = Field(
        description="The simulator kernel that ran: numba (compiled, the default where Numba "
        "is installed) or numpy. Seeded figures differ between the two (not in distribution)."
    )
    phased: PhasedOut = Field(description="The scenario's phased deals.")
    all_for_all: AllForAllOut = Field(description="One all-for-all exchange.")
    assumptions: Assumptions = Field(description="The scenario's assumptions.")


class ExchangeRow(_Out):
    """One past exchange (a row of truce/data/exchanges.csv). Counts are living persons."""

    id: str = Field(description="Row id (what scenario priors name).")
    facts_row: int = Field(description="Row of the facts file's table (section 4).")
    name: str = Field(description="The exchange, in words.")
    year: int = Field(description="Year of the exchange.")
    dates: str = Field(description="YYYY-MM[-DD], or a span FROM/TO.")
    side_a: str = Field(description="Side A, as the facts file names it.")
    side_b: str = Field(description="Side B, as the facts file names it.")
    mediation: str = Field(description="Who mediated (empty: not recorded).")
    released_by_a: int | None = Field(description="Persons released by side A (null: no figure).")
    released_by_a_low: int | None = Field(
        description="Lowest count released by side A, where sources differ."
    )
    released_by_a_high: int | None = Field(
        description="Highest count released by side A, where sources differ."
    )
    released_by_b: int | None = Field(description="Persons released by side B (null: no figure).")
    released_by_b_low: int | None = Field(
        description="Lowest count released by side B, where sources differ."
    )
    released_by_b_high: int | None = Field(
        description="Highest count released by side B, where sources differ."
    )
    bodies_by_a: int | None = Field(description="Bodies returned by side A.")
    bodies_by_b: int | None = Field(description="Bodies returned by side B.")
    ratio: float | None = Field(description="released_by_b / released_by_a, as stored.")
    ratio_low: float | None = Field(description="Lowest stored ratio (B per A).")
    ratio_high: float | None = Field(description="Highest stored ratio (B per A).")
    ratio_a_per_b: float | None = Field(
        description="Persons released by A per one by B (6 significant digits); null where "
        "undefined or unknown."
    )
    ratio_a_per_b_low: float | None = Field(
        description="Lowest A-per-B ratio over the counts' ranges (6 significant digits)."
    )
    ratio_a_per_b_high: float | None = Field(
        description="Highest A-per-B ratio over the counts' ranges (6 significant digits)."
    )
    category_notes: str = Field(description="Who was released, in words.")
    uncertainty: str = Field(description="Disputes, ranges or approximations (empty: none).")
    uncertain: bool = Field(description="Whether the uncertainty column is non-empty.")
    sources: list[str] = Field(description="Source ids in truce/data/exchanges.SOURCES.md.")


HistoryOut = list[ExchangeRow]
"""`truce history --json`: every row, oldest first."""


SCHEMAS: dict[str, Any] = {
    "simulate": SimulateOut,
    "sweep": SweepOut,
    "compare-deals": CompareDealsOut,
    "history": HistoryOut,
}
"""The simulator's result schemas by command name (for `truce schema NAME`)."""
