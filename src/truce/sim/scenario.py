"""Scenario files (TOML): the terms a simulation runs under, the captives still held by category,
each side's policy levers (the same levers for both), what happens when the categories the deal
covers run out, the aid delivered, the horizon. Validated like terms, with plain-language errors.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from truce.errors import BadInput
from truce.terms import Slug, Terms, load_terms
from truce.tomlfile import read_toml
from truce.validation import describe_validation_error

if TYPE_CHECKING:
    from truce.sim.staged_scenario import StagedLoaded


class ScenarioError(BadInput):
    """A scenario file is missing, unreadable or does not match the scenario schema."""

    title = "Invalid scenario"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """A value drawn uniformly per run between ``low`` and ``high`` (inclusive)."""

    low: float
    high: float
    source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


class Prior(_Strict):
    """An exchange ratio drawn per run from rows of the historical exchanges table (truce
    history), with weights; every output lists the rows used and their weights."""

    prior: list[str] = Field(min_length=1, description="Row ids of `truce history`.")
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Prior:
        if self.weights is not None and len(self.weights) != len(self.prior):
            raise ValueError(
                f"{len(self.prior)} rows but {len(self.weights)} weights: give one weight per row"
            )
        return self


class SideBargain(_Strict):
    """One side's part in bargaining a new exchange ratio (the same fields for both sides)."""

    reservation: float | Range = Field(
        description="Holder: the lowest ratio it accepts; receiver: the highest. A number or {low, high}."
    )
    patience: float = Field(
        default=0.95, gt=0.0, lt=1.0, description="Discount factor per round (rubinstein)."
    )
    concession: float = Field(
        default=1.0, gt=0.0, description="Concession exponent: < 1 holds out, > 1 concedes early."
    )
    power: float = Field(default=1.0, gt=0.0, le=1.0, description="Utility curvature (nash).")


class Bargain(_Strict):
    """An exchange ratio set per run by a bargaining model (truce.sim.bargain): Nash bargaining,
    Rubinstein alternating offers, or time-based concession toward a deadline. No zone of
    agreement (the holder's reservation above the receiver's) means the bargaining breaks down."""

    bargain: Literal["nash", "rubinstein", "concession"]
    holder: SideBargain
    receiver: SideBargain
    lo: float = Field(default=0.0, ge=0.0, description="Lowest ratio on the table.")
    hi: float = Field(gt=0.0, description="Highest ratio on the table.")
    first: Literal["holder", "receiver"] = Field(
        default="holder", description="Who makes the first offer (rubinstein, concession)."
    )

    @model_validator(mode="after")
    def _inside(self) -> Bargain:
        if self.lo >= self.hi:
            raise ValueError(f"lo ({self.lo}) must be below hi ({self.hi})")
        for side in ("holder", "receiver"):
            r = getattr(self, side).reservation
            low, high = (r.low, r.high) if isinstance(r, Range) else (r, r)
            if low < self.lo or high > self.hi:
                raise ValueError(
                    f"{side}.reservation must lie within [lo, hi] = [{self.lo}, {self.hi}]"
                )
        return self


def _plain(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(x) for x in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        msg = "required key is missing" if e["type"] == "missing" else msg
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def _number(v: object, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"expected {what}, got {v!r}")
    return float(v)


def _as_share(v: object) -> float | Range:
    """A probability or share: a number from 0 to 1, or a table {low, high} drawn per run."""
    if isinstance(v, dict):
        try:
            r = Range.model_validate(v)
        except ValidationError as exc:
            raise ValueError(f"a {{low, high}} table: {_plain(exc)}") from None
        if not (r.low >= 0 and r.high <= 1):
            raise ValueError(f"low and high must be between 0 and 1, got {r.low} and {r.high}")
        return r
    x = _number(v, "a number from 0 to 1, or a table {low, high}")
    if not 0 <= x <= 1:
        raise ValueError(f"must be between 0 and 1, got {v}")
    return x


def _as_ratio(v: object) -> float | Range | Prior | Bargain | None:
    """An exchange ratio: a number, a table {low, high}, {prior = [...], weights = [...]}, or
    {bargain = "nash" | "rubinstein" | "concession", holder = {...}, receiver = {...}, hi = ...}."""
    if v is None:
        return None
    if isinstance(v, dict):
        model: type[Range] | type[Prior] | type[Bargain] = (
            Prior if "prior" in v else Bargain if "bargain" in v else Range
        )
        try:
            r = model.model_validate(v)
        except ValidationError as exc:
            raise ValueError(f"{_plain(exc)}") from None
        if isinstance(r, Range) and r.low < 0:
            raise ValueError(f"an exchange ratio cannot be negative, got low = {r.low}")
        return r
    x = _number(v, "a number, a table {low, high}, or a table {prior = [...]}")
    if x < 0:
        raise ValueError(f"an exchange ratio cannot be negative, got {v}")
    return x


_SHARE_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 1},
        {"type": "object", "properties": {"low": {"type": "number"}, "high": {"type": "number"}}},
    ]
}
Share = Annotated[float | Range, PlainValidator(_as_share), WithJsonSchema(_SHARE_SCHEMA)]
RatioSpec = Annotated[
    float | Range | Prior | Bargain | None,
    PlainValidator(_as_ratio),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "object"}, {"type": "null"}]}),
]


class Pool(_Strict):
    """Captives of one category still held: how many, the probability each is alive (which the
    holder may not disclose), and the exchange ratio that would apply to them."""

    category: Slug
    count: int = Field(ge=0)
    alive: Share = Field(description="Probability each is alive: a number, or {low, high}.")
    ratio: RatioSpec = Field(
        default=None,
        description="Prisoners per captive of this category: the terms' ratio if covered and "
        "not given; for a category the terms do not cover, what a bargain would set.",
    )
    criteria: str | None = None
    source: str | None = None
    note: str | None = None


class Policy(_Strict):
    """One side's levers, the same for both sides: what it offers per day, in which order, and
    the probability per day that it delays, under-delivers, rejects the other's list, or ends
    the talks (also after the other side fell short)."""

    list_size: int | Literal["quota"] = Field(
        default="quota", description='Per day: a number, or "quota" (what the terms call for).'
    )
    order: list[Slug] | None = Field(
        default=None, description="Categories in the order this side releases them."
    )
    delay: Share = 0.0
    under_delivery: Share = 0.0
    under_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        default=0.5, description="Share of the list delivered when it under-delivers."
    )
    reject: Share = 0.0
    end_talks: Share = 0.0
    end_after_breach: Share = Field(
        default=0.0,
        description="Probability it ends the talks on a day after the other fell short.",
    )
    source: str | None = None
    note: str | None = None


class Policies(_Strict):
    """The holder's and the receiver's levers."""

    holder: Policy = Policy()
    receiver: Policy = Policy()


class AidPlan(_Strict):
    """The share of the terms' daily aid commitment delivered on each pause day."""

    delivered_fraction: Share = 1.0
    source: str | None = None
    note: str | None = None


class ScenarioHead(_Strict):
    """What the scenario is, which terms it runs under, from when, for how long."""

    name: str = Field(min_length=1)
    terms: str = Field(description="Terms file, relative to the scenario file.")
    start: datetime | None = Field(
        default=None, description="Local start of the simulated pause (default: the terms')."
    )
    horizon_days: int = Field(default=60, ge=1, le=3650)
    on_exhausted: Literal["bargain", "end"] = Field(
        default="bargain",
        description="When the covered categories run out: bargain a ratio for the next one, or end.",
    )
    bargain_breakdown: Share = Field(
        default=0.0, description="Probability that bargaining over a new category breaks down."
    )
    source: str | None = None
    note: str | None = None


class Scenario(_Strict):
    """A whole scenario file."""

    scenario: ScenarioHead
    pool: list[Pool] = Field(min_length=1)
    policy: Policies = Policies()
    aid: AidPlan = AidPlan()

    @model_validator(mode="after")
    def _unique(self) -> Scenario:
        ids = [p.category for p in self.pool]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"pool categories must be unique; repeated: {', '.join(dup)}")
        for side in ("holder", "receiver"):
            order = getattr(self.policy, side).order
            if order is not None:
                unknown = [c for c in order if c not in ids]
                if unknown:
                    raise ValueError(
                        f"policy.{side}.order names {', '.join(unknown)}, not in the pool "
                        f"({', '.join(ids)})"
                    )
        return self


class Loaded(BaseModel):
    """A scenario with its terms, resolved and checked against each other."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    scenario: Scenario
    terms: Terms
    path: Path
    overrides: dict[str, float] = {}  # dotted keys set on top of the file (sweeps)

    @property
    def order(self) -> list[str]:
        """Categories in the holder's release order (pool order for those it does not name)."""
        named = self.scenario.policy.holder.order or []
        return [*named, *(p.category for p in self.scenario.pool if p.category not in named)]


def parse_scenario(data: dict[str, object], where: str) -> Scenario:
    """Validate a scenario mapping; errors name ``where`` and the key path."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, Scenario), where=where) from None


def set_key(doc: dict[str, Any], key: str, value: object) -> None:
    """Set a dotted key in a scenario document: ``policy.holder.delay``, ``aid.delivered_fraction``;
    a pool entry is named by its category: ``pool.women.alive``."""
    parts = key.split(".")
    node: Any = doc
    if parts[0] == "pool":
        if len(parts) != 3:
            raise ScenarioError("expected pool.CATEGORY.FIELD", where=key)
        for entry in doc.get("pool", []):
            if isinstance(entry, dict) and entry.get("category") == parts[1]:
                entry[parts[2]] = value
                return
        cats = [e.get("category") for e in doc.get("pool", []) if isinstance(e, dict)]
        raise ScenarioError(
            f"no pool category {parts[1]!r} (have: {', '.join(map(str, cats))})", where=key
        )
    for part in parts[:-1]:
        if not isinstance(node, dict):
            raise ScenarioError(f"{part!r} is not a table", where=key)
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        raise ScenarioError("not a key of a table", where=key)
    node[parts[-1]] = value


def load_scenario(path: str | Path, overrides: dict[str, float] | None = None) -> Loaded:
    """Read a scenario file (with dotted keys overridden, for sweeps) and the terms it names;
    check the two fit together."""
    p = Path(path)
    doc = read_toml(p, ScenarioError, "scenario file")
    if staged_terms(doc, p) is not None:
        raise ScenarioError(
            "the terms this scenario names have stages ([[stage]] tables): `truce simulate` and "
            "`truce compare-deals` run them (docs/simulate.md); this command does not yet",
            where=f"{p}: scenario.terms",
        )
    for key, value in (overrides or {}).items():
        set_key(doc, key, value)
    where = str(p) + (
        " with " + ", ".join(f"{k}={v}" for k, v in overrides.items()) if overrides else ""
    )
    scn = parse_scenario(doc, where)
    terms = load_terms(p.parent / scn.scenario.terms)
    if terms.agreement.start is None or terms.extension is None or terms.initial is None:
        raise ScenarioError(
            f"terms {scn.scenario.terms!r} have no pause to simulate (agreement.start, "
            "[initial], [extension])",
            where=f"{p}: scenario.terms",
        )
    covered = {c.id for c in terms.categories if c.counts}
    for i, pool in enumerate(scn.pool):
        if terms.category(pool.category) is None and terms.categories and pool.ratio is None:
            raise ScenarioError(
                f"category {pool.category!r} is not in the terms: give its 'ratio' (what a "
                "bargain would set)",
                where=f"{p}: pool[{i + 1}]",
            )
        if pool.category not in covered and pool.ratio is None:
            raise ScenarioError(
                f"category {pool.category!r} is not covered by the terms: give its 'ratio' (what "
                "a bargain would set)",
                where=f"{p}: pool[{i + 1}]",
            )
        if isinstance(pool.ratio, Prior):
            from truce.sim.exchanges import ratio_prior

            try:
                ratio_prior(pool.ratio.prior, pool.ratio.weights)
            except BadInput as exc:
                raise ScenarioError(str(exc), where=f"{p}: pool[{i + 1}].ratio") from None
    return Loaded(scenario=scn, terms=terms, path=p, overrides=dict(overrides or {}))


def staged_terms(doc: dict[str, Any], p: Path) -> Terms | None:
    """The terms a scenario document names, where they load and have [[stage]] tables; else
    None (a daily-pause scenario, or one whose errors ``load_scenario`` reports in its order)."""
    head = doc.get("scenario")
    name = head.get("terms") if isinstance(head, dict) else None
    if not isinstance(name, str) or not (p.parent / name).is_file():
        return None
    try:
        terms = load_terms(p.parent / name)
    except BadInput:
        return None
    return terms if terms.stages else None


def load_any(path: str | Path) -> Loaded | StagedLoaded:
    """Read a scenario file of either kind: a staged scenario where the terms it names have
    [[stage]] tables, else a daily-pause scenario (``load_scenario``, errors unchanged)."""
    p = Path(path)
    doc = read_toml(p, ScenarioError, "scenario file")
    terms = staged_terms(doc, p)
    if terms is not None:
        from truce.sim.staged_scenario import load_staged

        return load_staged(doc, terms, p)
    return load_scenario(p)
