"""Terms of an agreement as data: pydantic models, TOML loading with plain-language errors, JSON Schema."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
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

from truce.clock import PauseCalendar, is_in_gap, known_zone, resolve_local
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


def _price_or_unknown(value: Any) -> Fraction | str:
    """An exact ratio, or the word "unknown" (no sourced price; terms with [[stage]] tables)."""
    if value == "unknown":
        return "unknown"
    return _bounded_exact(value)


def _show_price(value: Fraction | str) -> str:
    return value if isinstance(value, str) else show(value)


Price = Annotated[
    Fraction | Literal["unknown"],
    BeforeValidator(_price_or_unknown),
    PlainSerializer(_show_price, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_RATIO},
                {
                    "type": "string",
                    "pattern": r"^\s*(\d+(\.\d+)?|\d+\s*/\s*\d+)\s*$",
                    "maxLength": MAX_EXACT_CHARS,
                },
                {"const": "unknown"},
            ],
            "description": 'An exact non-negative number (an integer or a string like "1/2"), or '
            '"unknown" where no source gives a price (terms with [[stage]] tables only).',
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
    prisoners_per_captive: Price | None = Field(
        default=None,
        description='Overrides the default ratio; "unknown" where no source gives one (terms '
        "with [[stage]] tables only).",
    )


class Aid(Sourced):
    """The aid commitment and which measure deliveries are compared on."""

    trucks_per_day: int = Field(ge=0, le=MAX_TRUCKS)
    fuel_litres_per_day: int | None = Field(default=None, ge=0, le=MAX_FUEL_LITRES)
    basis: Literal["received", "entered", "inspected", "dispatched"] = "received"


def _parse_local_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f'expected a local date like "2025-02-22", got {value!r}') from None
    return value


LocalDate = Annotated[date, BeforeValidator(_parse_local_date)]
LocalStart = Annotated[datetime, BeforeValidator(_parse_local_start)]
Count = Annotated[int, Field(ge=0, le=MAX_PEOPLE)]
StageDay = Annotated[int, Field(ge=1, le=MAX_PAUSE_DAYS)]
Hours = Annotated[int, Field(ge=0, le=MAX_DUE_HOURS)]


def _one_of(model: BaseModel, keys: tuple[str, ...], what: str) -> list[str]:
    """The keys of ``keys`` that are set; more than one is an error naming them."""
    given = [k for k in keys if getattr(model, k) is not None]
    if len(given) > 1:
        raise ValueError(f"{' and '.join(given)} are both set: {what} is given by one of them")
    return given


class Deadline(BaseModel):
    """When something falls due, counted from its stage's start: by the end of a stage day, by a
    local date, a number of elapsed hours after the stage starts, or within hours of the other
    side's handover (a response deadline)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    day: StageDay | None = Field(default=None, description="By the end of this stage day (from 1).")
    date: LocalDate | None = Field(default=None, description="By the end of this local date.")
    hours: Hours | None = Field(default=None, description="Elapsed hours from the stage's start.")
    within_hours: Hours | None = Field(
        default=None, description="Elapsed hours after the other side's handover it answers."
    )

    @model_validator(mode="after")
    def _one(self) -> Deadline:
        given = _one_of(self, ("day", "date", "hours", "within_hours"), "a deadline")
        if not given:
            raise ValueError("give one of day, date, hours or within_hours")
        return self


class NextStage(Sourced):
    """What opens the next stage: an agreed event (e.g. talks beginning) and its deadline."""

    what: str = Field(min_length=1, description='The agreed event, e.g. "talks on phase 2 begin".')
    by: Deadline | None = Field(default=None, description="Its deadline, if the terms give one.")


class Batch(Sourced):
    """A scheduled handover within a stage: when, how many (living captives, bodies), of which
    categories, the names' notice period, and its price if fixed."""

    id: Slug
    day: StageDay | None = Field(default=None, description="On this stage day (from 1).")
    last_day: StageDay | None = Field(
        default=None, description="With day: a window of stage days, day to last_day."
    )
    date: LocalDate | None = Field(default=None, description="On this local date.")
    last_date: LocalDate | None = Field(
        default=None, description="With date: a window of local dates."
    )
    hours: Hours | None = Field(
        default=None, description="Within this many elapsed hours of the stage's start."
    )
    captives: Count | None = Field(
        default=None, description="Captives handed over in this batch, living and bodies together."
    )
    living: Count | None = Field(default=None, description="Of which living.")
    bodies: Count | None = Field(default=None, description="Of which bodies.")
    categories: list[Slug] | None = Field(
        default=None, description="The categories the batch's captives come from."
    )
    by_category: dict[Slug, Count] | None = Field(
        default=None, description="How many living captives of each category."
    )
    prisoners: Count | None = Field(
        default=None, description="A fixed number of prisoners released for this batch."
    )
    prisoners_per_captive: Exact | None = Field(
        default=None, description="This batch's own ratio (e.g. 1 for a one-for-one swap)."
    )
    notice_hours: Hours | None = Field(
        default=None, description="Names due this many hours before the handover."
    )
    prisoners_due_within_hours: Hours | None = Field(
        default=None, description="Hours after the batch's handover its prisoners fall due."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Batch:
        when = _one_of(self, ("day", "date", "hours"), "a batch's time")
        if not when:
            raise ValueError("give one of day, date or hours: when the batch is handed over")
        if self.last_day is not None and (self.day is None or self.last_day < self.day):
            raise ValueError("last_day needs day, and must not be before it")
        if self.last_date is not None and (self.date is None or self.last_date < self.date):
            raise ValueError("last_date needs date, and must not be before it")
        if self.prisoners is not None and self.prisoners_per_captive is not None:
            raise ValueError(
                "prisoners (a fixed price) and prisoners_per_captive (a ratio) are both set for "
                "the same captives: give one"
            )
        if all(getattr(self, k) is None for k in ("captives", "living", "bodies", "by_category")):
            raise ValueError(
                "give captives (or living, bodies, by_category): how many the batch hands over"
            )
        parts = (self.living or 0) + (self.bodies or 0)
        if self.captives is not None and parts > self.captives:
            raise ValueError(f"living + bodies = {parts} is more than captives = {self.captives}")
        if self.by_category and self.captives is not None:
            total = sum(self.by_category.values())
            if total != self.captives:
                raise ValueError(f"by_category adds up to {total}, not captives = {self.captives}")
        return self

    def total(self) -> int:
        """Captives handed over in the batch, living and bodies (its count, else the sum by
        category, else living + bodies)."""
        if self.captives is not None:
            return self.captives
        if self.by_category:
            return sum(self.by_category.values())
        return (self.living or 0) + (self.bodies or 0)


class BodyExchange(Sourced):
    """Bodies exchanged for bodies: how many the holder returns, how many the receiver returns
    for each, and each side's deadline."""

    bodies: Count | None = Field(default=None, description="Bodies the holder returns (none: all).")
    returned_per_body: Exact = Field(
        description="Bodies the receiver returns for each body it receives."
    )
    holder_by: Deadline = Field(description="The holder's deadline.")
    receiver_by: Deadline = Field(description="The receiver's deadline.")


class CommitmentPart(Sourced):
    """A part of a commitment with its own rate (e.g. fuel trucks, trucks to a region)."""

    id: Slug
    what: str = Field(min_length=1)
    per_day: Count = Field(description="Units a day for this part.")
    region: str | None = Field(default=None, description="Where this part goes, if named.")


class Commitment(Sourced):
    """A commitment other than a release (aid, a withdrawal, a return of displaced people), with
    a deadline or a daily rate and the measure it is judged on."""

    id: Slug
    kind: Literal["aid", "withdrawal", "return", "other"]
    what: str = Field(min_length=1, description="What is committed, in neutral words.")
    measure: str = Field(min_length=1, description='What it is judged on, e.g. "trucks".')
    basis: Literal["received", "entered", "inspected", "dispatched"] | None = Field(
        default=None, description="For aid: which measure of deliveries it is compared on."
    )
    per_day: Count | None = Field(default=None, description="A daily rate.")
    by: Deadline | None = Field(default=None, description="A deadline.")
    parts: list[CommitmentPart] = Field(default_factory=list, alias="part")

    @model_validator(mode="after")
    def _consistent(self) -> Commitment:
        if self.per_day is None and self.by is None:
            raise ValueError("give per_day (a daily rate) or by (a deadline), or both")
        for k, part in enumerate(self.parts, start=1):
            if self.per_day is None:
                raise ValueError(f"part[{k}]: parts need the commitment's own per_day")
            if part.per_day > self.per_day:
                raise ValueError(
                    f"part[{k}].per_day: {part.per_day} is more than the commitment's "
                    f"per_day = {self.per_day}"
                )
        ids = [p.id for p in self.parts]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"part ids must be unique; repeated: {', '.join(dup)}")
        return self


class Stage(Sourced):
    """One stage of a phased agreement (called a "phase" in the sources; "stage" here, so it does
    not clash with the per-day `phase` of status rows): its length, what it calls for, its
    scheduled batches, prices, bodies for bodies, other commitments, and what opens the next."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    id: Slug
    name: str | None = None
    start: LocalStart | None = Field(
        default=None,
        description="Local wall-clock start (no UTC offset); required for the first stage, "
        "default for later ones: when the stage before ends.",
    )
    days: StageDay | None = Field(default=None, description="Length in stage days (local clock).")
    hours: Annotated[int, Field(ge=1, le=MAX_DUE_HOURS)] | None = Field(
        default=None, description="Length in elapsed hours."
    )
    conditional: bool = Field(
        default=False, description="Begins only if what the stage before names in next happens."
    )
    captives: Count | None = Field(
        default=None, description="Captives the stage calls for, living and bodies together."
    )
    living: Count | None = Field(default=None, description="Of which living.")
    bodies: Count | None = Field(default=None, description="Of which bodies.")
    prisoners: Count | None = Field(
        default=None, description="A fixed number of prisoners for the stage's whole release."
    )
    notice_hours: Hours | None = Field(
        default=None, description="Names due this many hours before each batch (default)."
    )
    prisoners_due_within_hours: Hours | None = Field(
        default=None,
        description="Hours after a batch's handover its prisoners fall due (default for batches; "
        "else exchange.prisoners_due_within_hours).",
    )
    next: NextStage | None = Field(default=None, description="What opens the next stage.")
    batches: list[Batch] = Field(default_factory=list, alias="batch")
    bodies_for_bodies: BodyExchange | None = None
    commitments: list[Commitment] = Field(default_factory=list, alias="commitment")

    @field_validator("start")
    @classmethod
    def _local(cls, v: datetime | None) -> datetime | None:
        if v is not None:
            year_in_range(v, "start")
            if v.tzinfo is not None:
                raise ValueError(
                    "start is a local wall-clock time in agreement.timezone: write it without a "
                    'UTC offset, e.g. "2025-01-19T08:30"'
                )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Stage:
        if not _one_of(self, ("days", "hours"), "a stage's length"):
            raise ValueError("give days or hours: how long the stage lasts")
        if self.captives is not None and (self.living or 0) + (self.bodies or 0) > self.captives:
            raise ValueError(
                f"living + bodies = {(self.living or 0) + (self.bodies or 0)} is more than "
                f"captives = {self.captives}"
            )
        return self


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
    stages: list[Stage] = Field(
        default_factory=list,
        alias="stage",
        description="Stages in sequence (the sources' phases), each with its scheduled batches, "
        "judged by the stage engine (status --json `phases`; docs/semantics.md).",
    )
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
        if not self.stages:
            for k, c in enumerate(self.categories, start=1):
                if c.prisoners_per_captive == "unknown":
                    raise ValueError(
                        f'category[{k}].prisoners_per_captive: "unknown" is for terms with '
                        "[[stage]] tables; the daily engine needs a price for every category"
                    )
        else:
            _check_stages(self)
        return self

    def stage_spans(self) -> list[tuple[datetime, datetime]]:
        """Each stage's start and end instants (aware, in the agreement's zone): a stage without
        its own start begins when the stage before ends; days run on the local clock (a day
        that contains a clock change is 23 or 25 hours long), hours are elapsed hours."""
        zone = self.agreement.zone
        spans: list[tuple[datetime, datetime]] = []
        for st in self.stages:
            if st.start is not None:
                local = st.start
            else:
                local = spans[-1][1].astimezone(zone).replace(tzinfo=None)
            if st.days is not None:
                cal = PauseCalendar(local, zone)
                spans.append((cal.boundary(0), cal.boundary(st.days)))
            else:
                begin = resolve_local(local, zone).instant
                # Elapsed hours: add them in UTC (aware arithmetic in one zone is wall-clock).
                end = begin.astimezone(UTC) + timedelta(hours=st.hours or 0)
                spans.append((begin, end.astimezone(zone)))
        return spans

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
        """Prisoners per counted captive of this category (override, else the default). Only
        terms with [[stage]] tables may say "unknown", and the daily engine refuses those."""
        price = self.price(cid)
        if price is None:
            raise TermsError(f"category {cid!r} has no known price (prisoners_per_captive)")
        return price

    def ratio_key(self, cid: str | None) -> str:
        """The terms key the ratio for this category comes from (for the trace)."""
        c = self.category(cid)
        if c is not None and c.prisoners_per_captive is not None:
            return f"terms:category.{c.id}.prisoners_per_captive"
        return "terms:exchange.prisoners_per_captive"

    def price(self, cid: str | None) -> Fraction | None:
        """Prisoners per counted captive of this category; None where the terms say "unknown"."""
        c = self.category(cid)
        if c is not None and c.prisoners_per_captive is not None:
            return None if isinstance(c.prisoners_per_captive, str) else c.prisoners_per_captive
        return self.exchange.prisoners_per_captive

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form: binds a ledger to the exact terms. Keys added to
        the format later are left out while unset, so earlier terms keep their digest."""
        doc = self.model_dump(mode="json", by_alias=True)
        doc.pop("alternatives", None)  # names other files; says nothing of these terms
        if not doc.get("stage"):
            doc.pop("stage", None)  # added with issue 16: left out while there are none
        for table, key in _LATER_KEYS:
            if doc.get(table, {}).get(key) is None:
                doc[table].pop(key, None)
        blob = json.dumps(doc, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


def _check_stages(t: Terms) -> None:
    """Cross-table rules of phased terms; each message starts with the key path at fault."""
    if t.agreement.start is not None or t.initial is not None or t.extension is not None:
        raise ValueError(
            "stage: [[stage]] tables cannot be combined with a daily pause (agreement.start, "
            "[initial], [extension]): the first stage's start is the agreement's start"
        )
    zone = t.agreement.zone
    if t.stages[0].start is None:
        raise ValueError("stage[1].start: required key is missing (the first stage's start)")
    for k, st in enumerate(t.stages, start=1):
        if st.start is not None and is_in_gap(st.start, zone):
            raise ValueError(
                f"stage[{k}].start: {st.start:%Y-%m-%dT%H:%M} does not exist in {t.agreement.timezone}: "
                "clocks go forward at that time (a daylight-saving gap); choose a time outside the gap"
            )
    cats = {c.id for c in t.categories}
    seen: dict[str, str] = {}
    for k, st in enumerate(t.stages, start=1):
        items = [(f"stage[{k}]", st.id, "stage")]
        items += [(f"stage[{k}].batch[{j}]", b.id, "batch") for j, b in enumerate(st.batches, 1)]
        items += [
            (f"stage[{k}].commitment[{j}]", c.id, "commitment")
            for j, c in enumerate(st.commitments, 1)
        ]
        for path, ident, kind in items:
            first = seen.setdefault(f"{kind}:{ident}", path)
            if first != path:
                raise ValueError(
                    f"{path}.id: {ident!r} is already the id of {first}; {kind} ids must be unique"
                )
    spans = t.stage_spans()
    for k, (st, (begin, end)) in enumerate(zip(t.stages, spans, strict=True), start=1):
        where = f"stage[{k}]"
        if k > 1 and begin < spans[k - 2][1]:
            raise ValueError(
                f"{where}.start: {st.start:%Y-%m-%dT%H:%M} is before the stage before ends "
                f"({spans[k - 2][1].isoformat()}): stages run in sequence"
            )
        length = f"days 1-{st.days}" if st.days is not None else f"{st.hours} hours"
        last_day = st.days if st.days is not None else -(-(st.hours or 0) // 24)
        max_hours = (st.days or 0) * 24 if st.days is not None else st.hours or 0
        first_date = begin.astimezone(zone).date()
        last_date = (end.astimezone(zone) - timedelta(microseconds=1)).date()
        if st.prisoners is not None:
            for j, b in enumerate(st.batches, start=1):
                for key in ("prisoners", "prisoners_per_captive"):
                    if getattr(b, key) is not None:
                        raise ValueError(
                            f"{where}.batch[{j}].{key}: the stage has a fixed price for its "
                            f"whole release ({where}.prisoners = {st.prisoners}); a batch of it "
                            "cannot have its own price as well"
                        )
        total = 0
        for j, b in enumerate(st.batches, start=1):
            bw = f"{where}.batch[{j}]"
            for key in ("day", "last_day"):
                v = getattr(b, key)
                if v is not None and v > last_day:
                    raise ValueError(f"{bw}.{key}: day {v} is outside the stage ({length})")
            if b.hours is not None and b.hours > max_hours:
                raise ValueError(f"{bw}.hours: {b.hours} hours is outside the stage ({length})")
            for key in ("date", "last_date"):
                v = getattr(b, key)
                if v is not None and not first_date <= v <= last_date:
                    raise ValueError(
                        f"{bw}.{key}: {v.isoformat()} is outside the stage ({first_date.isoformat()}"
                        f" to {last_date.isoformat()})"
                    )
            for cid in [*(b.categories or []), *(b.by_category or {})]:
                if cid not in cats:
                    raise ValueError(
                        f"{bw}: category {cid!r} is not defined (expected one of: "
                        f"{', '.join(sorted(cats)) or 'no [[category]] tables'})"
                    )
            total += b.total()
        if st.captives is not None and total > st.captives:
            raise ValueError(
                f"{where}.batch: the batches hand over {total} captives, more than "
                f"{where}.captives = {st.captives}"
            )
        deadlines: list[tuple[str, Deadline | None]] = [
            (f"{where}.next.by", st.next.by if st.next else None)
        ]
        if st.bodies_for_bodies is not None:
            deadlines += [
                (f"{where}.bodies_for_bodies.holder_by", st.bodies_for_bodies.holder_by),
                (f"{where}.bodies_for_bodies.receiver_by", st.bodies_for_bodies.receiver_by),
            ]
            if st.bodies_for_bodies.holder_by.within_hours is not None:
                raise ValueError(
                    f"{where}.bodies_for_bodies.holder_by.within_hours: the holder's deadline "
                    "is counted from the stage's start (day, date or hours), not from a handover"
                )
        deadlines += [
            (f"{where}.commitment[{j}].by", c.by) for j, c in enumerate(st.commitments, 1)
        ]
        for path, d in deadlines:
            if d is None:
                continue
            if d.day is not None and d.day > last_day:
                raise ValueError(f"{path}.day: day {d.day} is outside the stage ({length})")
            if d.hours is not None and d.hours > max_hours:
                raise ValueError(f"{path}.hours: {d.hours} hours is outside the stage ({length})")
            if d.date is not None and not first_date <= d.date <= last_date:
                raise ValueError(
                    f"{path}.date: {d.date.isoformat()} is outside the stage "
                    f"({first_date.isoformat()} to {last_date.isoformat()})"
                )
        if st.conditional and k == 1:
            raise ValueError(f"{where}.conditional: the first stage cannot be conditional")
        if st.conditional and t.stages[k - 2].next is None:
            raise ValueError(
                f"{where}.conditional: a conditional stage needs stage[{k - 1}].next "
                "(what opens it)"
            )


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
