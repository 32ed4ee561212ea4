"""The results of the ledger use cases, as typed schemas: what `--json` prints, what the service
will return, what `truce schema NAME` shows."""

from __future__ import annotations

from typing import Any, Literal

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
    witnessed_by: list[str] = Field(
        description="The listed witnesses (DIR/witnesses.toml) whose cosignatures of the "
        "latest stored checkpoint verified."
    )
    witnesses: int = Field(description="How many witnesses the ledger lists.")
    quorum: int | None = Field(description="How many must cosign (null: none listed).")
    quorum_met: bool | None = Field(description="Whether the latest checkpoint has the quorum.")


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


class HeadOut(_Out):
    """A log's head: how many entries, and the Merkle root over them."""

    size: int = Field(description="Entries in the log.")
    root: str = Field(description="The Merkle root (base64).")


class InitOut(_Out):
    """A new ledger directory (`truce init`)."""

    ledger: str = Field(description="The new ledger's id.")
    directory: str = Field(description="Where it was made.")
    terms_digest: str = Field(description="The digest of the base terms it is bound to.")
    agreement: str = Field(description="The agreement's name, from the terms.")
    log_key: str = Field(description="The file holding the log's public key.")


class RecordOut(_Out):
    """What one append did (`truce record`): the entries added and the retries recognised."""

    added: list[int] = Field(description="The sequence numbers of the entries added, in order.")
    already: int = Field(description="Events already stored with the same content (retries).")
    head: HeadOut


class CheckpointOut(_Out):
    """A signed checkpoint (`truce checkpoint`), cosigned when a witness party cosigned it."""

    size: int = Field(description="The tree size the checkpoint is for.")
    note: str = Field(description="The signed note, as stored (C2SP checkpoint format).")
    cosigned_by: str | None = Field(description="The party that cosigned, if one did.")


class InclusionProof(_Out):
    """A proof that an event is an entry of the log at a size (`truce prove EVENT_ID`)."""

    truce_proof: int = Field(description="The bundle format's version (1).")
    kind: Literal["inclusion"]
    origin: str = Field(description="The log's origin line.")
    seq: int = Field(description="The entry's sequence number.")
    event_id: str
    leaf: str = Field(description="The entry's leaf (base64).")
    size: int
    root: str = Field(description="The Merkle root at size (base64).")
    proof: list[str] = Field(description="The RFC 6962 audit path (base64 hashes).")
    checkpoint: str | None = Field(description="The log's signed checkpoint of size, if any.")


class ConsistencyProof(_Out):
    """A proof that the log at one size is a prefix of it at a larger size (`prove --from`)."""

    truce_proof: int = Field(description="The bundle format's version (1).")
    kind: Literal["consistency"]
    origin: str = Field(description="The log's origin line.")
    old_size: int
    old_root: str = Field(description="The Merkle root at old_size (base64).")
    size: int
    root: str = Field(description="The Merkle root at size (base64).")
    proof: list[str] = Field(description="The RFC 6962 consistency proof (base64 hashes).")
    checkpoint: str | None = Field(description="The log's signed checkpoint of size, if any.")


ProofBundle = InclusionProof | ConsistencyProof
"""`truce prove`: one of the two bundles, told apart by ``kind``."""


class ProofCheckOut(_Out):
    """A proof bundle that verifies (`truce verify-proof`); one that does not is an error."""

    ok: bool = Field(True, description="Always true here.")
    proves: str = Field(description="What the bundle proves, in one line.")


WITHHELD = (
    "From a served ledger: the first seq the token's role may not read (a mediator-only list "
    "not yet public); the copy stops before it and catches up once it is public. Null: none."
)


class SyncOut(_Out):
    """What a pull from another copy did (`truce sync`)."""

    pulled: int = Field(description="Entries added to this copy.")
    head: HeadOut
    withheld_from: int | None = Field(None, description=WITHHELD)


class CopyOut(_Out):
    """A verified copy of a ledger (`truce clone`, `truce backup`)."""

    directory: str = Field(description="Where the copy is.")
    events: int = Field(description="Entries in the copy, all verified.")
    head: HeadOut
    withheld_from: int | None = Field(None, description=WITHHELD)


class KeyOut(_Out):
    """A new signing key (`truce keys new`): the public half to share, where both halves are."""

    party: str
    public_key: str = Field(description="ed25519:<base64>, to register with `truce keys add`.")
    key_id: str = Field(description="The key's id (16 hex digits), as signatures name it.")
    private_key_file: str
    public_key_file: str


class PersonOut(_Out):
    """One person registered: where in the file, the role, the pseudonym (no personal data)."""

    where: str = Field(description="The CSV file and line.")
    role: str = Field(description="captive | prisoner")
    pseudonym: str = Field(description="The only id the ledger may use for this person.")


class PeopleOut(_Out):
    """The people registered from one CSV file (`truce people add`), in file order."""

    people: list[PersonOut]


class ForgetOut(_Out):
    """A person forgotten (`truce forget`): key and personal fields destroyed."""

    person: str = Field(description="The pseudonym, which stays a valid id in the ledger.")
    at: str = Field(description="When it was forgotten (ISO 8601).")


SCHEMAS: dict[str, Any] = {
    "verify": VerifyOut,
    "compare": CompareOut,
    "log": LogEntry,
    "amend": AmendmentOut,
    "init": InitOut,
    "record": RecordOut,
    "checkpoint": CheckpointOut,
    "prove": ProofBundle,
    "sync": SyncOut,
    "clone": CopyOut,
    "backup": CopyOut,
    "keys-new": KeyOut,
    "people": PeopleOut,
    "forget": ForgetOut,
}
"""The ledger result schemas by command name (for `truce schema NAME`)."""
