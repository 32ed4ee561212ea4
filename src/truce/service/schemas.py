"""The service's own request and response shapes; results of use cases are truce.app's schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignatureIn(_In):
    """A party's Ed25519 signature over one event, made on its own machine
    (``truce.ledger.log.signing.sign_event``: ledger id, type, id and the canonical body)."""

    key: str = Field(description="The signing key's id.", max_length=64)
    value: str = Field(description="The 64-byte signature, base64.", max_length=128)


class SignedEvent(_In):
    """One event to append, and its signature where the declaring party has a key."""

    event: dict[str, Any] = Field(description="The event (schema: `truce schema events`).")
    signature: SignatureIn | None = None


class AppendIn(_In):
    """One event or a batch, appended together or not at all."""

    events: list[SignedEvent] = Field(min_length=1, max_length=1000)
    expected_size: int | None = Field(
        None,
        ge=0,
        description="The log's size the writer read; stale -> 409 size-conflict. Absent: the "
        "server checks and retries as `truce record` does.",
    )


class CheckIn(_In):
    """A proposed list for the next pause day: counts, or the captives by id."""

    live: int | None = Field(None, ge=0, description="Live captives on the list.")
    bodies: int = Field(0, ge=0)
    credit: int = Field(0, ge=0, description="Earlier outside-framework releases to credit.")
    captives: list[dict[str, Any]] | None = Field(
        None, max_length=10_000, description="The list by id: {id, category[, status]}."
    )
    at: str | None = Field(None, description="Event time (ISO 8601); default the latest event.")
    as_of: str | None = Field(None, description="Record time: only what was recorded by then.")


class AgreementOut(BaseModel):
    """One served agreement."""

    id: str = Field(description="The ledger id (the path segment of its routes).")
    name: str
    size: int = Field(description="Entries in its log (public by design).")
    terms_digest: str
    terms_versions: int


class EventsPage(BaseModel):
    """A page of the log as the caller's role may see it."""

    items: list[dict[str, Any]] = Field(description="Entries: seq, visibility, event, ...")
    next_after_seq: int | None = Field(
        description="Pass as after_seq for the next page; null at the end."
    )


class TermsOut(BaseModel):
    """The terms in force and how they changed."""

    terms: dict[str, Any] = Field(description="The base terms (schema: `truce schema terms`).")
    digest: str
    versions: list[dict[str, Any]] = Field(
        description="Each version: number, effective time, the event that set it."
    )
    pending: list[dict[str, Any]] = Field(
        description="Proposed amendments awaiting assent: id, digest, who must still assent."
    )


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    ledgers: int | None = None
