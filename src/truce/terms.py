"""Terms of an agreement as data: pydantic models, TOML loading with plain-language errors, JSON Schema."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from truce.clock import is_in_gap, known_zone
from truce.errors import TermsError
from truce.exact import parse_exact, show
from truce.limits import (
    MAX_DUE_HOURS,
    MAX_EXACT_CHARS,
    MAX_FUEL_LITRES,
    MAX_PAUSE_DAYS,
    MAX_PEOPLE,
    MAX_RATIO,
    MAX_TRUCKS,
    year_in_range,
)
from truce.tomlfile import read_toml
from truce.validation import describe_validation_error

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


def _bounded_exact(value: Any) -> Fraction:
    """An exact number of at most MAX_EXACT_CHARS characters and at most MAX_RATIO (truce.limits):
    a ratio or weight beyond that is a typo, and a huge one makes exact arithmetic slow."""
    if isinstance(value, str) and len(value) > MAX_EXACT_CHARS:
        raise ValueError(
            f"this value is {len(value)} characters long; write it in at most {MAX_EXACT_CHARS}"
        )
    x = parse_exact(value, "this value")
    if x > MAX_RATIO:
        raise ValueError(f"this value must be <= {MAX_RATIO}")
    return x


Exact = Annotated[
    Fraction,
    BeforeValidator(_bounded_exact),
    PlainSerializer(lambda f: show(f), return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_RATIO},
                {
                    "type": "string",
                    "pattern": r"^\s*(\d+(\.\d+)?|\d+\s*/\s*\d+)\s*$",
                    "maxLength": MAX_EXACT_CHARS,
                },
            ],
            "description": 'An exact non-negative number: an integer or a string like "1/2" or "0.25".',
        }
    ),
]


class Sourced(BaseModel):
    """Every table may say where its terms come from and add a note (e.g. "stated by one party only")."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    source: str | None = Field(default=None, description="Where these terms come from.")
    note: str | None = Field(default=None, description="Anything a reader should know.")


def _parse_local_start(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f'expected a local date and time like "2023-11-24T07:00", got {value!r}'
            ) from None
    return value


class Agreement(Sourced):
    """What the agreement is called, where its clock runs, and when the pause starts."""

    name: str = Field(min_length=1)
    timezone: str = Field(description="IANA zone; all local times are wall-clock times in it.")
    start: Annotated[datetime | None, BeforeValidator(_parse_local_start)] = Field(
        default=None,
        description="Local wall-clock start of the pause (no UTC offset). Omit for an exchange with no pause.",
    )
    initial_days: int | None = Field(
        default=None, ge=1, le=MAX_PAUSE_DAYS, description="Days of the initial pause."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        return known_zone(v)

    @field_validator("start")
    @classmethod
    def _local(cls, v: datetime | None, info: ValidationInfo) -> datetime | None:
        if v is not None:
            year_in_range(v, "start")
        if v is not None and v.tzinfo is not None:
            raise ValueError(
                "start is a local wall-clock time in agreement.timezone: write it without a UTC "
                'offset, e.g. "2023-11-24T07:00"'
            )
        zone = info.data.get("timezone")
        if v is not None and zone is not None and is_in_gap(v, ZoneInfo(zone)):
            raise ValueError(
                f"{v:%Y-%m-%dT%H:%M} does not exist in {zone}: clocks go forward at that time "
                "(a daylight-saving gap); choose a time outside the gap"
            )
        return v

    @model_validator(mode="after")
    def _start_exists(self) -> Agreement:
        if (self.start is None) != (self.initial_days is None):
            raise ValueError(
                "start and initial_days go together: give both, or neither for an exchange with no pause"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The agreement's time zone."""
        return ZoneInfo(self.timezone)


class Party(Sourced):
    """A party: a stable slug id and a display name."""

    id: Slug
    name: str = Field(min_length=1)
    public_key: str | None = Field(default=None, description="Ed25519 public key (later use).")


class Parties(Sourced):
    """Who holds captives, who receives them, who mediates, and whose figures the engine uses."""

    holder: Party = Field(description="Releases captives.")
    receiver: Party = Field(description="Releases prisoners.")
    mediators: list[Party] = Field(default_factory=list)
    observers: list[Party] = Field(
        default_factory=list, description="Monitors who may declare figures (e.g. the ICRC)."
    )
    reference: Slug = Field(
        description="Whose figures the engine uses where declarations conflict."
    )
    assent: list[Slug] | None = Field(
        default=None,
        description="Who must assent before an amendment takes effect. "
        "Default: the holder, the receiver and the reference party.",
    )
    first_key: Literal["self", "reference", "either"] | None = Field(
        default=None,
        description="Who may register the first signing key of a party that has none: the "
        'party itself ("self"), the reference party ("reference"), or either (the default).',
    )

    @model_validator(mode="after")
    def _ids(self) -> Parties:
        ids = [p.id for p in self.all()]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"party ids must be unique; repeated: {', '.join(dup)}")
        if self.reference not in ids:
            raise ValueError(
                f"reference {self.reference!r} is not one of the parties ({', '.join(ids)})"
            )
        unknown = [a for a in self.assent or [] if a not in ids]
        if unknown:
            raise ValueError(
                f"assent names {', '.join(unknown)}, not one of the parties ({', '.join(ids)})"
            )
        if self.assent is not None and not self.assent:
            raise ValueError("assent must name at least one party (or be left out)")
        return self

    def must_assent(self) -> list[str]:
        """Who must assent to an amendment (the terms' list, else holder, receiver, reference)."""
        if self.assent is not None:
            return list(dict.fromkeys(self.assent))
        return list(dict.fromkeys([self.holder.id, self.receiver.id, self.reference]))

    def key_procedure(self) -> str:
        """Who may register a first key for a party that has none: self, reference or either."""
        return self.first_key or "either"

    def all(self) -> list[Party]:
        """Every party, in role order."""
        return [self.holder, self.receiver, *self.mediators, *self.observers]

    def ids(self) -> set[str]:
        """All party ids."""
        return {p.id for p in self.all()}


class Initial(Sourced):
    """The initial phase: how many counted captives are owed over the initial days."""

    captives: int = Field(ge=0, le=MAX_PEOPLE)
    shortfall: Literal["finding", "debt"] = Field(
        default="finding", description='"debt": an initial shortfall is owed on later days.'
    )


class Extension(Sourced):
    """How the pause is extended: one more day per captives_per_day counted captives."""

    captives_per_day: int = Field(ge=1, le=MAX_PEOPLE)
    body_weight: Exact = Field(default=Fraction(0), description="What one returned body counts.")
    carry_surplus: bool = Field(
        default=False, description="Counted captives beyond whole days carry forward."
    )


class Exchange(Sourced):
    """The exchange ratio and when prisoners fall due."""

    prisoners_per_captive: Exact
    prisoners_due_within_hours: int = Field(default=24, ge=0, le=MAX_DUE_HOURS)


class Category(Sourced):
    """A category of captives: whether the framework covers it, and its own ratio if any."""

    id: Slug
    name: str | None = None
    criteria: str | None = Field(default=None, description="Neutral, descriptive criteria.")
    counts: bool
    prisoners_per_captive: Exact | None = Field(
        default=None, description="Overrides the default ratio."
    )


class Aid(Sourced):
    """The aid commitment and which measure deliveries are compared on."""

    trucks_per_day: int = Field(ge=0, le=MAX_TRUCKS)
    fuel_litres_per_day: int | None = Field(default=None, ge=0, le=MAX_FUEL_LITRES)
    basis: Literal["received", "entered", "inspected", "dispatched"] = "received"


class Alternative(BaseModel):
    """Another terms file with another reading of a term the sources disagree on."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    file: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The other terms file, beside this one (a file name, no folder).",
    )
    note: str = Field(min_length=1, description="What it reads differently, and why.")
    source: str | None = Field(default=None, description="Where that reading comes from.")


class Terms(BaseModel):
    """One agreement, as a terms file encodes it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    agreement: Agreement
    parties: Parties
    initial: Initial | None = None
    extension: Extension | None = None
    exchange: Exchange
    categories: list[Category] = Field(default_factory=list, alias="category")
    aid: Aid | None = None
    alternatives: list[Alternative] = Field(
        default_factory=list,
        description="Other terms files shipped for readings the sources disagree on (named, "
        "not applied; left out of the digest: they do not change what these terms say).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Terms:
        has_pause = self.agreement.start is not None
        if has_pause and (self.extension is None or self.initial is None):
            raise ValueError("a pause (agreement.start) needs [initial] and [extension] tables")
        if not has_pause and self.extension is not None:
            raise ValueError(
                "[extension] needs a pause: give agreement.start and agreement.initial_days"
            )
        ids = [c.id for c in self.categories]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"category ids must be unique; repeated: {', '.join(dup)}")
        return self

    # -- lookups used by the engine -------------------------------------------------------------

    def category(self, cid: str | None) -> Category | None:
        """The category with this id, if the terms define it."""
        for c in self.categories:
            if c.id == cid:
                return c
        return None

    def category_counts(self, cid: str | None) -> bool:
        """Whether releases of this category count. No category given: counted (the declarer
        asserts an in-framework release); a category the terms do not define does not count."""
        if cid is None:
            return True
        c = self.category(cid)
        return bool(c and c.counts)

    def ratio(self, cid: str | None) -> Fraction:
        """Prisoners per counted captive of this category (override, else the default)."""
        c = self.category(cid)
        if c is not None and c.prisoners_per_captive is not None:
            return c.prisoners_per_captive
        return self.exchange.prisoners_per_captive

    def ratio_key(self, cid: str | None) -> str:
        """The terms key the ratio for this category comes from (for the trace)."""
        c = self.category(cid)
        if c is not None and c.prisoners_per_captive is not None:
            return f"terms:category.{c.id}.prisoners_per_captive"
        return "terms:exchange.prisoners_per_captive"

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form: binds a ledger to the exact terms. Keys added to
        the format later are left out while unset, so earlier terms keep their digest."""
        doc = self.model_dump(mode="json", by_alias=True)
        doc.pop("alternatives", None)  # names other files; says nothing of these terms
        for table, key in _LATER_KEYS:
            if doc.get(table, {}).get(key) is None:
                doc[table].pop(key, None)
        blob = json.dumps(doc, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


_LATER_KEYS = (("parties", "assent"), ("parties", "first_key"))
"""Keys added after ledgers were first bound to terms digests (left out of the digest when unset)."""


def parse_terms(data: dict[str, Any], where: str = "<terms>") -> Terms:
    """Validate a terms mapping; raise TermsError naming ``where`` and the key path."""
    try:
        return Terms.model_validate(data)
    except ValidationError as exc:
        raise TermsError(describe_validation_error(exc, Terms), where=where) from None


def load_terms(path: str | Path) -> Terms:
    """Read and validate a TOML terms file."""
    return parse_terms(read_toml(path, TermsError, "terms file"), where=str(path))


def terms_schema() -> dict[str, Any]:
    """JSON Schema of a terms file."""
    return Terms.model_json_schema(by_alias=True)
