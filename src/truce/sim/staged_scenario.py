"""Scenario files for terms with stages ([[stage]] tables: phases and their scheduled batches):
the same levers for both sides, per scheduled batch (delay, under-delivery, holding back a
release, ending the talks), and the assumptions the terms leave open (a batch's mix of
categories, a price where the terms say "unknown"), each labelled as an assumption.

A staged scenario has no pool, no daily policy, no horizon: the terms' schedule is the plan,
and the levers say how each side departs from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from truce.sim.scenario import Range, ScenarioError, Share, _number, _plain, _Strict
from truce.terms import Slug, Terms
from truce.validation import describe_validation_error


def _as_amount(v: object) -> float | Range:
    """A non-negative amount (hours, days): a number, or a table {low, high} drawn per run."""
    if isinstance(v, dict):
        try:
            r = Range.model_validate(v)
        except ValidationError as exc:
            raise ValueError(f"a {{low, high}} table: {_plain(exc)}") from None
        if r.low < 0:
            raise ValueError(f"cannot be negative, got low = {r.low}")
        return r
    x = _number(v, "a number, or a table {low, high}")
    if x < 0:
        raise ValueError(f"cannot be negative, got {v}")
    return x


Amount = Annotated[
    float | Range,
    PlainValidator(_as_amount),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "object"}]}),
]

LEVERS = ("delay", "delay_hours", "under_delivery", "under_fraction", "hold", "hold_days")
"""A side's per-batch levers, in the order they are drawn per run."""


class BatchLevers(_Strict):
    """One side's levers for every scheduled batch it owes (the same keys for both sides): the
    holder's batches of captives, the receiver's prisoners answering them."""

    delay: Share = Field(default=0.0, description="Probability per batch that it is late.")
    delay_hours: Amount = Field(default=24.0, description="How late, in hours, when it is.")
    under_delivery: Share = Field(
        default=0.0, description="Probability per batch that it hands over only a share."
    )
    under_fraction: Share = Field(
        default=0.5, description="The share handed over (of each part, rounded down)."
    )
    hold: Share = Field(
        default=0.0, description="Probability per batch that it holds the release back."
    )
    hold_days: Amount = Field(default=5.0, description="How many days it holds it back.")
    end_talks: Share = Field(
        default=0.0,
        description="Probability, at each stage with a `next`, that this side ends the talks: "
        "the event that opens the next stage does not happen, so a conditional stage never "
        "begins.",
    )
    source: str | None = None
    note: str | None = None


class Levers(_Strict):
    """The holder's and the receiver's levers."""

    holder: BatchLevers = BatchLevers()
    receiver: BatchLevers = BatchLevers()


class BatchMix(_Strict):
    """An assumption about a batch the terms give only a count for: its living captives by
    category and its bodies (the rest stay "not split")."""

    id: Slug
    by_category: dict[Slug, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    bodies: int | None = Field(default=None, ge=0, description="Bodies (default: the terms').")
    source: str | None = None
    note: str = Field(min_length=1, description="Why this mix (it is an assumption).")


class AssumedPrice(_Strict):
    """An assumed price for a category the terms price "unknown", labelled as an assumption and
    printed with every result."""

    category: Slug
    prisoners_per_captive: float = Field(ge=0)
    source: str | None = None
    note: str = Field(min_length=1, description="Why this price (it is an assumption).")


class StagedHead(_Strict):
    """What the scenario is and which terms (with stages) it runs under."""

    name: str = Field(min_length=1)
    terms: str = Field(description="Terms file with [[stage]] tables, relative to this file.")
    source: str | None = None
    note: str | None = None


class StagedScenario(_Strict):
    """A whole scenario file for terms with stages."""

    scenario: StagedHead
    levers: Levers = Levers()
    batch: list[BatchMix] = Field(default_factory=list)
    assumed_price: list[AssumedPrice] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> StagedScenario:
        for what, ids in (
            ("batch ids", [b.id for b in self.batch]),
            ("assumed_price categories", [a.category for a in self.assumed_price]),
        ):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"{what} must be unique; repeated: {', '.join(dup)}")
        return self


class StagedLoaded(BaseModel):
    """A staged scenario with its terms, checked against each other."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    scenario: StagedScenario
    terms: Terms
    path: Path


def load_staged(doc: dict[str, Any], terms: Terms, path: Path) -> StagedLoaded:
    """Validate a staged scenario document against its terms (already loaded); errors name
    the file and the key."""
    try:
        scn = StagedScenario.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(
            describe_validation_error(exc, StagedScenario)
            + " (a scenario for terms with [[stage]] tables: see docs/simulate.md)",
            where=str(path),
        ) from None
    batches = {b.id: b for st in terms.stages for b in st.batches}
    cats = {c.id for c in terms.categories}
    for i, mix in enumerate(scn.batch, start=1):
        where = f"{path}: batch[{i}]"
        b = batches.get(mix.id)
        if b is None:
            raise ScenarioError(
                f"no batch {mix.id!r} in the terms (have: {', '.join(batches)})", where=where
            )
        unknown = [c for c in mix.by_category if c not in cats]
        if unknown:
            raise ScenarioError(
                f"category {', '.join(unknown)} is not in the terms ({', '.join(sorted(cats))})",
                where=f"{where}.by_category",
            )
        outside = [c for c in mix.by_category if b.categories and c not in b.categories]
        if outside:
            raise ScenarioError(
                f"category {', '.join(outside)} is not among the batch's categories in the terms "
                f"({', '.join(b.categories or [])})",
                where=f"{where}.by_category",
            )
        if b.by_category:
            raise ScenarioError(
                "the terms already give this batch's categories (by_category): an assumption "
                "cannot replace them",
                where=f"{where}.by_category",
            )
        if b.bodies is not None and mix.bodies is not None:
            raise ScenarioError(
                "the terms already give this batch's bodies: an assumption cannot replace them",
                where=f"{where}.bodies",
            )
        living = sum(mix.by_category.values())
        if b.living is not None and living > b.living:
            raise ScenarioError(
                f"{living} living captives assumed, more than the batch's living = {b.living}",
                where=f"{where}.by_category",
            )
        n = living + (mix.bodies if mix.bodies is not None else b.bodies or 0)
        if n > b.total():
            raise ScenarioError(
                f"{n} captives assumed, more than the {b.total()} the batch hands over",
                where=where,
            )
    for i, a in enumerate(scn.assumed_price, start=1):
        c = terms.category(a.category)
        if c is None or c.prisoners_per_captive != "unknown":
            raise ScenarioError(
                f'category {a.category!r} is not priced "unknown" in the terms: an assumed '
                "price is only for a price no source gives",
                where=f"{path}: assumed_price[{i}].category",
            )
    return StagedLoaded(scenario=scn, terms=terms, path=path)
