"""The ledger's event types: one discriminated union on ``type``. Data only, no behaviour."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

from truce.limits import (
    MAX_FUEL_LITRES,
    MAX_LIST_ITEMS,
    MAX_PAUSE_DAYS,
    MAX_PEOPLE,
    MAX_TRUCKS,
    MAX_YEAR,
    MIN_YEAR,
    year_in_range,
)

EventId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$", max_length=200)]
PersonId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", max_length=100)]
Track = Literal["framework", "outside", "separate"]
BatchId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Side = Literal["holder", "receiver"]
Visibility = Literal["public", "parties", "mediator"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Captive(_Strict):
    """One captive in a release or a list: a pseudonymous id, a category, live or body."""

    id: PersonId
    category: str | None = None
    status: Literal["live", "body"] = "live"


class Prisoner(_Strict):
    """One prisoner in a release: a pseudonymous id and a category."""

    id: PersonId
    category: str | None = None


class Counts(_Strict):
    """Counts offered or committed where ids are not given."""

    live: int = Field(default=0, ge=0, le=MAX_PEOPLE)
    bodies: int = Field(default=0, ge=0, le=MAX_PEOPLE)
    credit: int = Field(default=0, ge=0, le=MAX_PEOPLE)


class EventBase(_Strict):
    """Fields every event has. ``act`` names the real-world act a declaration describes:
    declarations of one act by different parties are alternatives, resolved by the terms'
    reference party. ``supersedes`` names an event this one corrects (which then no longer counts)."""

    id: EventId
    at: AwareDatetime = Field(strict=False, description="When it happened, with UTC offset.")
    recorded_at: AwareDatetime = Field(
        strict=False, description="When it was recorded, with UTC offset."
    )
    declared_by: str = Field(min_length=1, description="The party id whose declaration this is.")
    recorded_by: str = Field(min_length=1)
    sources: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    supersedes: EventId | None = None
    act: str | None = None
    note: str | None = None
    visibility: Visibility | None = Field(
        default=None,
        description="Who may see it in exports: public, parties, or mediator only. Default by type: "
        "a list is mediator-only until a framework release the audience may see is recorded at "
        "or after the start of the day it is for (or its own time, without for_day); the rest "
        "public.",
    )

    @field_validator("at", "recorded_at")
    @classmethod
    def _in_range(cls, v: _dt.datetime) -> _dt.datetime:
        """Years 1900-2999 only (truce.limits): a time near year 9999 overflows in UTC. The
        bounds compared here first (a call fewer on every event read); the message is
        ``year_in_range``'s."""
        if not MIN_YEAR <= v.year <= MAX_YEAR:
            year_in_range(v)
        return v


class TermsAgreed(EventBase):
    """The parties agreed the terms (a party's act, recorded)."""

    type: Literal["terms_agreed"]
    terms_digest: str | None = Field(
        default=None,
        description="The digest of the terms agreed; naming a pending amendment's digest "
        "records this party's assent to it.",
    )
    retroactive: bool = Field(
        default=False,
        description="Assent to the amendment applying from its effective_at even to pause days "
        "that began before every assent was recorded.",
    )


class ListAnnounced(EventBase):
    """The holder's list of captives it would release on a pause day."""

    type: Literal["list_announced"]
    for_day: int | None = Field(default=None, ge=1, le=MAX_PAUSE_DAYS)
    captives: list[Captive] | None = Field(default=None, max_length=MAX_PEOPLE)
    live: int = Field(default=0, ge=0, le=MAX_PEOPLE)
    bodies: int = Field(default=0, ge=0, le=MAX_PEOPLE)
    credit: int = Field(default=0, ge=0, le=MAX_PEOPLE)


class ListAccepted(EventBase):
    """A party accepted a list (a recorded act; the engine never accepts anything)."""

    type: Literal["list_accepted"]
    list: EventId


class ListRejected(EventBase):
    """A party rejected a list (a recorded act; the engine never rejects anything)."""

    type: Literal["list_rejected"]
    list: EventId


class ExtensionAgreed(EventBase):
    """Extra pause days agreed, optionally for a recorded list or against a committed count."""

    type: Literal["extension_agreed"]
    days: int = Field(ge=1, le=MAX_PAUSE_DAYS)
    for_list: EventId | None = None
    committed: Counts | None = None


class CaptivesReleased(EventBase):
    """Captives released: by pseudonymous id, or as counts (optionally of one category)."""

    type: Literal["captives_released"]
    track: Track = "framework"
    captives: list[Captive] | None = Field(default=None, max_length=MAX_PEOPLE)
    live: int = Field(default=0, ge=0, le=MAX_PEOPLE)
    bodies: int = Field(default=0, ge=0, le=MAX_PEOPLE)
    category: str | None = None
    batch: BatchId | None = Field(
        default=None,
        description="The scheduled batch of the terms this release answers (terms with "
        "[[stage]] tables); left out: matched by the schedule (docs/semantics.md).",
    )

    @model_validator(mode="after")
    def _one_form(self) -> CaptivesReleased:
        if self.captives is not None and (self.live or self.bodies or self.category):
            raise ValueError(
                "give either 'captives' (a list of ids) or counts ('live', 'bodies'), not both"
            )
        if self.captives is None and not (self.live or self.bodies):
            raise ValueError(
                "a release needs 'captives' (a list of ids) or a positive 'live' or 'bodies'"
            )
        return self


class CreditGranted(EventBase):
    """Earlier outside-framework releases counted toward a pause day."""

    type: Literal["credit_granted"]
    toward_day: int = Field(ge=1, le=MAX_PAUSE_DAYS)
    count: int = Field(ge=1, le=MAX_PEOPLE)
    releases: list[EventId] = Field(
        default_factory=list, max_length=MAX_PEOPLE, description="The releases credited."
    )
    captives: list[PersonId] = Field(
        default_factory=list, max_length=MAX_PEOPLE, description="The captives credited."
    )

    @model_validator(mode="after")
    def _ids_match(self) -> CreditGranted:
        if self.captives and len(self.captives) != self.count:
            raise ValueError(f"count is {self.count} but {len(self.captives)} captives are listed")
        return self


class PrisonersReleased(EventBase):
    """Prisoners released by the receiver."""

    type: Literal["prisoners_released"]
    count: int = Field(ge=0, le=MAX_PEOPLE)
    prisoners: list[Prisoner] | None = Field(default=None, max_length=MAX_PEOPLE)
    batch: BatchId | None = Field(
        default=None,
        description="The scheduled batch of the terms these prisoners answer (terms with "
        "[[stage]] tables); left out: matched by the schedule (docs/semantics.md).",
    )

    @model_validator(mode="after")
    def _ids_match(self) -> PrisonersReleased:
        if self.prisoners is not None and len(self.prisoners) != self.count:
            raise ValueError(
                f"count is {self.count} but {len(self.prisoners)} prisoners are listed"
            )
        return self


class AidDelivered(EventBase):
    """Aid delivered on a day, on one basis (received, entered, inspected or dispatched)."""

    type: Literal["aid_delivered"]
    basis: Literal["received", "entered", "inspected", "dispatched"]
    trucks: int | None = Field(default=None, ge=0, le=MAX_TRUCKS)
    fuel_litres: int | None = Field(default=None, ge=0, le=MAX_FUEL_LITRES)
    date: _dt.date | None = Field(
        default=None, strict=False, description="Local calendar date the figure is for."
    )
    parts: dict[BatchId, Annotated[int, Field(ge=0, le=MAX_TRUCKS)]] | None = Field(
        default=None,
        max_length=MAX_LIST_ITEMS,
        description="Trucks of each part of an aid commitment (its part ids, e.g. fuel, north).",
    )

    @field_validator("date")
    @classmethod
    def _date_in_range(cls, v: _dt.date | None) -> _dt.date | None:
        if v is not None:
            year_in_range(v, "date")
        return v


class NamesGiven(EventBase):
    """The names of the captives of a scheduled batch, given as notice before the handover
    (by ids or as counts)."""

    type: Literal["names_given"]
    batch: BatchId = Field(description="The scheduled batch of the terms the names are for.")
    captives: list[PersonId] | None = Field(default=None, max_length=MAX_PEOPLE)
    live: int = Field(default=0, ge=0, le=MAX_PEOPLE)
    bodies: int = Field(default=0, ge=0, le=MAX_PEOPLE)

    @model_validator(mode="after")
    def _one_form(self) -> NamesGiven:
        if self.captives is not None and (self.live or self.bodies):
            raise ValueError("give either 'captives' (ids) or counts ('live', 'bodies'), not both")
        if self.captives is None and not (self.live or self.bodies):
            raise ValueError("names need 'captives' (ids) or a positive 'live' or 'bodies'")
        return self


class BodiesReturned(EventBase):
    """Bodies returned by either side outside a captives release (bodies for bodies): which
    side returns them, how many, and optionally the stage or batch they answer."""

    type: Literal["bodies_returned"]
    side: Side = Field(description="Who returns the bodies: the holder or the receiver.")
    count: int = Field(ge=1, le=MAX_PEOPLE)
    stage: BatchId | None = Field(default=None, description="The stage whose exchange it answers.")
    batch: BatchId | None = Field(default=None, description="The batch it answers, if any.")


class ReleaseHeldBack(EventBase):
    """A side held back the release answering a scheduled batch (a recorded act, attributed);
    the later release names the same batch."""

    type: Literal["release_held_back"]
    side: Side = Field(description="Who held the release back.")
    batch: BatchId
    held: int | None = Field(default=None, ge=0, le=MAX_PEOPLE, description="How many held back.")


class NextStageEvent(EventBase):
    """The agreed event that opens the stage after ``stage`` happened (e.g. talks began), as
    declared."""

    type: Literal["next_stage_event"]
    stage: BatchId = Field(description="The stage whose `next` this records.")


class Claim(EventBase):
    """A party's allegation, recorded neutrally and attributed; never adjudicated."""

    type: Literal["claim"]
    text: str = Field(min_length=1)
    concerns: list[str] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)


class TermsSet(EventBase):
    """The terms in force from ``effective_at``: the first is the base, later ones amendments."""

    type: Literal["terms_set"]
    effective_at: AwareDatetime = Field(strict=False)
    retroactive: bool = Field(
        default=False,
        description="The proposer asks for the amendment to apply from effective_at even to "
        "pause days that began before every assent was recorded (each assent must say so too).",
    )
    terms: dict[str, Any] = Field(description="The whole terms document, as JSON.")
    digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="Terms.digest() of ``terms``.")

    @field_validator("effective_at")
    @classmethod
    def _effective_in_range(cls, v: _dt.datetime) -> _dt.datetime:
        year_in_range(v)
        return v


class KeyAdded(EventBase):
    """A party's signing key, valid for events recorded after this one."""

    type: Literal["key_added"]
    party: str = Field(min_length=1)
    public_key: str = Field(pattern=r"^ed25519:[A-Za-z0-9+/=]{44}$")


class KeyRevoked(EventBase):
    """A party's signing key, no longer valid for events recorded after this one."""

    type: Literal["key_revoked"]
    party: str = Field(min_length=1)
    public_key: str = Field(pattern=r"^ed25519:[A-Za-z0-9+/=]{44}$")


class PauseEnded(EventBase):
    """The pause ended (as declared by the recording party)."""

    type: Literal["pause_ended"]


Event = Annotated[
    TermsAgreed
    | ListAnnounced
    | ListAccepted
    | ListRejected
    | ExtensionAgreed
    | CaptivesReleased
    | CreditGranted
    | PrisonersReleased
    | AidDelivered
    | Claim
    | PauseEnded
    | TermsSet
    | KeyAdded
    | KeyRevoked
    | NamesGiven
    | BodiesReturned
    | ReleaseHeldBack
    | NextStageEvent,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

EVENT_MODELS: dict[str, type[EventBase]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in (
        TermsAgreed,
        ListAnnounced,
        ListAccepted,
        ListRejected,
        ExtensionAgreed,
        CaptivesReleased,
        CreditGranted,
        PrisonersReleased,
        AidDelivered,
        Claim,
        PauseEnded,
        TermsSet,
        KeyAdded,
        KeyRevoked,
        NamesGiven,
        BodiesReturned,
        ReleaseHeldBack,
        NextStageEvent,
    )
}

EVENT_TYPES = (
    "terms_agreed",
    "list_announced",
    "list_accepted",
    "list_rejected",
    "extension_agreed",
    "captives_released",
    "credit_granted",
    "prisoners_released",
    "aid_delivered",
    "claim",
    "pause_ended",
    "terms_set",
    "key_added",
    "key_revoked",
    "names_given",
    "bodies_returned",
    "release_held_back",
    "next_stage_event",
)
