"""The results of the ledger use cases, as typed schemas: what `--json` prints, what the service
will return, what `truce schema NAME` shows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VerifyOk(_Out):
    """A ledger directory that verifies: its head, what was checked, who cosigned."""

    ok: bool = Field(True, description="Always true here.")
    ledger: str = Field(description="The ledger id.")
    size: int = Field(description="Entries in the log.")
    root: str = Field(description="The Merkle root (base64).")
    events: int
    signed: int = Field(description="Entries signed by a party.")
    checkpoints: list[str] = Field(description="Each checkpoint checked, in words.")
    cosigners: list[str] = Field(description="Parties whose cosignatures were checked.")
    unverified_cosigners: list[str] = Field(
        description="Cosignatures by names with no registered key (not checked)."
    )


class VerifyFailed(_Out):
    """A ledger directory that does not verify: the first bad item, and what kind of fault."""

    ok: bool = Field(False, description="Always false here.")
    ledger: str
    error: str = Field(description="What does not verify, in words.")
    first_bad_seq: int | None = Field(description="The first bad sequence number, when known.")
    kind: str = Field(description="The kind of fault (hash, root, signature, rules, ...).")


VerifyOut = VerifyOk | VerifyFailed
"""`truce verify --json`: one of the two shapes, told apart by ``ok``."""


class CompareOut(_Out):
    """Where two copies of a ledger stand."""

    relation: str = Field(description="identical | behind | ahead | diverged")
    size: int
    other_size: int
    common: int = Field(description="Entries identical in both, from seq 1.")
    first_difference: int | None = Field(description="The first differing seq, if diverged.")


class LogEntry(_Out):
    """One stored entry as `truce log --json` prints it (one per line)."""

    seq: int
    visibility: str
    signed_with: str | None = Field(description="The signing key id, if signed.")
    logged_at: str | None = Field(description="The log's stamp (UTC), if the leaf has one.")
    event: dict[str, Any] = Field(description="The event, as recorded.")


class AmendmentOut(_Out):
    """An amendment after a proposal or an assent: in force, or still waiting for parties."""

    amendment: str = Field(description="The amendment's event id (terms-N).")
    seq: int = Field(description="Where the proposal or assent was stored.")
    digest: str = Field(description="The amended terms' digest.")
    in_force_as: int | None = Field(description="Its terms version number once in force.")
    effective_at: str | None = Field(description="From when it applies, once in force.")
    waiting_for: list[str] = Field(description="Parties whose assent is still needed.")


SCHEMAS: dict[str, Any] = {
    "verify": VerifyOut,
    "compare": CompareOut,
    "log": LogEntry,
    "amend": AmendmentOut,
}
"""The ledger result schemas by command name (for `truce schema NAME`)."""
