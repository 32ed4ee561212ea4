"""The results of simulating terms with stages ([[stage]] tables), as typed schemas: what
`truce simulate` and `truce compare-deals` print with ``--json`` for a staged scenario
(`truce schema simulate-staged`, `truce schema compare-deals-staged`).

Figures are plain floats, exactly as computed. A due with no sourced price is ``null`` (never a
number the terms do not give), with the share of runs where it is unknown beside it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from truce.app.sim_schemas import Dist, Interval, _OmitNone, _Out


class Captives(_Out):
    """Captives handed over per run: living, bodies, those the terms and the scenario do not
    split into living and bodies, and all."""

    living: Dist = Field(description="Living captives.")
    bodies: Dist = Field(description="Bodies.")
    not_split: Dist = Field(description="Captives not split into living and bodies.")
    total: Dist = Field(description="All captives.")


class PrisonersTotal(_Out):
    """Prisoners per run over the batches: due and released where every due is known, and the
    part that is known."""

    due: Dist | None = Field(
        description="Prisoners due per run, over the runs where every batch's due is known "
        "(null: in none)."
    )
    released: Dist | None = Field(
        description="Prisoners released per run, over the same runs (null: in none)."
    )
    due_unknown: float = Field(
        description="Share of runs in which some batch's due is unknown (no sourced price)."
    )
    due_known_part: Dist = Field(description="Prisoners due for the batches with a known due.")
    released_known_part: Dist = Field(
        description="Prisoners released for the batches with a known due."
    )


class PerSide(_Out):
    """A count per run for each side."""

    holder: Dist = Field(description="The holder's batches (captives).")
    receiver: Dist = Field(description="The receiver's batches (prisoners answering them).")


class BatchCaptives(_Out):
    """The holder's side of a batch."""

    due: int = Field(description="Captives the batch hands over, as the terms schedule it.")
    released: Dist = Field(description="Captives handed over per run.")
    late: float = Field(description="Share of runs in which it is late against its deadline.")
    short: float = Field(description="Share of runs in which fewer than due are handed over.")


class BatchPrisoners(_Out):
    """The receiver's side of a batch."""

    due: Dist | None = Field(
        description="Prisoners due per run, over the runs where it is known (null: never)."
    )
    due_unknown: float = Field(description="Share of runs in which the due is unknown.")
    released: Dist | None = Field(
        description="Prisoners released per run where the due is known (null: never)."
    )
    due_within_hours: float = Field(
        description="The terms' deadline: hours after the actual handover."
    )
    late: float = Field(description="Share of runs in which the release is late.")
    short: float = Field(description="Share of runs in which fewer than due are released.")


class BatchOut(_Out):
    """One scheduled batch, two-sided."""

    id: str = Field(description="The batch's id in the terms.")
    due_by_hours: float = Field(description="The holder's deadline, hours from the stage's start.")
    captives: BatchCaptives = Field(description="The holder's side.")
    prisoners: BatchPrisoners = Field(description="The receiver's side.")


class NextEvent(_Out):
    """What opens the next stage, over the runs where this stage began."""

    happened: float = Field(description="Share in which it happened (neither side ended talks).")
    holder_ended: float = Field(description="Share in which the holder ended the talks.")
    receiver_ended: float = Field(description="Share in which the receiver ended the talks.")


class BodiesForBodiesOut(_Out):
    """A stage's bodies for bodies, both sides, per run."""

    received: Dist = Field(description="Bodies the holder handed over (parts known as bodies).")
    due: Dist = Field(description="Bodies the receiver owes for them, at the agreed ratio.")
    returned: Dist = Field(description="Bodies the receiver returned.")
    holder_late: float = Field(description="Share of runs: the holder's last body was late.")
    holder_short: float = Field(description="Share of runs: fewer bodies than the stage calls for.")
    receiver_late: float = Field(description="Share of runs: the receiver's return was late.")
    receiver_short: float = Field(description="Share of runs: fewer returned than due.")


class StageOut(_Out):
    """One stage of the terms, over the runs."""

    id: str = Field(description="The stage's id in the terms.")
    conditional: bool = Field(
        description="Whether it begins only if the stage before's next event happens."
    )
    began: float = Field(description="Share of runs in which it began.")
    days: Dist | None = Field(
        description="Days from its start to its last handover (at least its length), over the "
        "runs in which it began (null: none)."
    )
    next_event: NextEvent | None = Field(description="Its next event, if the terms name one.")
    captives_by_end: Captives = Field(
        description="Captives handed over in this stage and those before it, per run."
    )
    batches: list[BatchOut] = Field(description="Its scheduled batches, in order.")
    bodies_for_bodies: BodiesForBodiesOut | None = Field(
        description="Its bodies for bodies, if the terms give one."
    )


class StagedLevers(_OmitNone):
    """One side's per-batch levers, as the scenario sets them."""

    delay: float | Interval = Field(description="Probability per batch that it is late.")
    delay_hours: float | Interval = Field(description="How late, in hours.")
    under_delivery: float | Interval = Field(description="Probability per batch of a shortfall.")
    under_fraction: float | Interval = Field(description="Share handed over when short.")
    hold: float | Interval = Field(description="Probability per batch that it holds it back.")
    hold_days: float | Interval = Field(description="Days it holds it back.")
    end_talks: float | Interval = Field(
        description="Probability it ends the talks at a next event."
    )
    source: str | None = Field(default=None, description="Where the levers come from.")
    note: str | None = Field(default=None, description="A note on the levers.")


class StagedAssumptions(_Out):
    """Every input of a staged simulation."""

    terms: str = Field(description="The terms file, relative to the scenario file.")
    holder: StagedLevers = Field(description="The holder's levers.")
    receiver: StagedLevers = Field(description="The receiver's levers.")
    batch_mix: dict[str, dict[str, Any]] = Field(
        description="Assumed mixes (living by category, bodies) for batches the terms give only "
        "a count for, by batch id, with source and note."
    )
    assumed_prices: dict[str, dict[str, Any]] = Field(
        description='Assumed prices for categories the terms price "unknown", with notes.'
    )
    unknown_prices: list[str] = Field(
        description='Categories priced "unknown" with no assumption: their dues stay unknown.'
    )
    model: list[str] = Field(description="What the model assumes, in words.")


class SimulateStagedOut(_Out):
    """`truce simulate --json` for a scenario whose terms have stages."""

    scenario: str = Field(description="The scenario's name.")
    runs: int = Field(description="Runs simulated.")
    seed: int = Field(description="The seed (fixes the randomness).")
    kernel: Literal["numpy"] = Field(description="Staged terms run on the NumPy kernel.")
    stages: list[StageOut] = Field(description="Per stage and batch.")
    captives_released: Captives = Field(description="Captives handed over per run, all stages.")
    prisoners: PrisonersTotal = Field(description="Prisoners per run, all batches.")
    batches_late: PerSide = Field(description="Late batches per run, per side.")
    batches_short: PerSide = Field(description="Short batches per run, per side.")
    assumptions: StagedAssumptions = Field(description="The scenario's assumptions.")


class DealOutcome(_Out):
    """The headline outcomes of one kind of deal."""

    captives_released: Captives = Field(description="Captives handed over per run.")
    prisoners: PrisonersTotal = Field(description="Prisoners per run.")
    days: Dist = Field(description="Days from stage 1's start to the last handover.")
    batches_late: PerSide = Field(description="Late batches per run, per side.")
    batches_short: PerSide = Field(description="Short batches per run, per side.")
    stop_probability: float = Field(
        description="Staged: share of runs in which a stage never began; all at once: share in "
        "which the exchange is not agreed."
    )


class AllAtOnceOut(DealOutcome):
    """One all-at-once exchange of every captive the stages schedule, on the same draws."""

    assumptions: list[str] = Field(description="What the all-at-once exchange assumes, in words.")


class CompareStagedOut(_Out):
    """`truce compare-deals --json` for a scenario whose terms have stages."""

    scenario: str = Field(description="The scenario's name.")
    runs: int = Field(description="Runs simulated (the same runs and draws for both deals).")
    seed: int = Field(description="The seed (fixes the randomness).")
    kernel: Literal["numpy"] = Field(description="Staged terms run on the NumPy kernel.")
    staged: DealOutcome = Field(description="The terms' stages, batch by batch.")
    all_at_once: AllAtOnceOut = Field(description="One all-at-once exchange.")
    assumptions: StagedAssumptions = Field(description="The scenario's assumptions.")


SCHEMAS: dict[str, Any] = {
    "simulate-staged": SimulateStagedOut,
    "compare-deals-staged": CompareStagedOut,
}
"""The staged simulator's result schemas by name (for `truce schema NAME`)."""
