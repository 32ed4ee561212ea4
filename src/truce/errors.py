"""One exception tree for truce. Interfaces map these to exit codes and HTTP statuses in one place."""

from __future__ import annotations


class TruceError(Exception):
    """Base of every error truce raises on purpose."""

    exit_code = 1
    http_status = 500
    title = "Internal error"


class BadInput(TruceError):
    """The user's input (a file, an option, a proposal) is not acceptable; nothing was changed."""

    exit_code = 2
    http_status = 422
    title = "Bad input"

    def __init__(self, message: str, *, where: str | None = None, param: str | None = None) -> None:
        """``where``: the file, line or key path at fault; ``param``: the library parameter at
        fault (``as_party``, ``audience``), which each interface renders in its own terms
        (a flag for the CLI, a JSON pointer or query name for the service)."""
        self.message = message
        self.where = where
        self.param = param
        place = ": ".join(x for x in (where, param) if x)
        super().__init__(f"{place}: {message}" if place else message)


class TermsError(BadInput):
    """A terms file is missing, unreadable or does not match the terms schema."""

    title = "Invalid terms"


class LedgerError(BadInput):
    """A ledger file (events JSONL or day-summary CSV) is malformed or inconsistent."""

    title = "Invalid ledger"


class RouteError(BadInput):
    """An aid route file is missing, unreadable, does not match the route schema, or names
    nodes, edges, paths or variants it does not define."""

    title = "Invalid route"


class NotAllowed(BadInput):
    """The caller's role may not do this (a party appending another party's declaration)."""

    http_status = 403
    title = "Not allowed"


class NotFound(BadInput):
    """What was asked for does not exist (a tile past the checkpointed size)."""

    http_status = 404
    title = "Not found"


class ProposalError(BadInput):
    """A proposal cannot be evaluated as given (e.g. more credit than is creditable)."""

    title = "Invalid proposal"


class MissingExtra(TruceError):
    """An optional dependency is not installed; the message names the pip extra to install."""

    exit_code = 2
    http_status = 501
    title = "Missing optional dependency"

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"{module} is not installed: pip install 'truce[{extra}]'")


class DuplicateId(LedgerError):
    """An event id already stored with different content (a retry with the same content is fine)."""

    title = "Event id already used"


class ConflictError(TruceError):
    """Another writer appended first (the expected head no longer matches); nothing was changed.
    Re-read the ledger and try again."""

    exit_code = 4
    http_status = 409
    title = "Conflict"

    def __init__(self, message: str, *, current_size: int | None = None) -> None:
        self.current_size = current_size
        super().__init__(message)


class IntegrityError(TruceError):
    """Stored data, a proof, a signature or a checkpoint does not verify: something was changed,
    lost or forged. The message names the first bad sequence number or item."""

    exit_code = 3
    http_status = 409
    title = "Integrity check failed"

    def __init__(self, message: str, *, seq: int | None = None, kind: str = "integrity") -> None:
        self.seq = seq
        self.kind = kind
        super().__init__(message)


class ProofError(IntegrityError):
    """A Merkle inclusion or consistency proof does not verify."""

    title = "Proof does not verify"

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="proof")


class SignatureError(IntegrityError):
    """A signature or cosignature does not verify, or was made with a revoked or unknown key."""

    title = "Signature does not verify"

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        super().__init__(message, seq=seq, kind="signature")


class StoreError(TruceError):
    """The storage layer failed (disk full, I/O error, server unreachable). Nothing was
    acknowledged. If the failure came during the commit itself, the batch may or may not be
    stored: retrying with the same event ids is safe (a stored id answers with its entry)."""

    exit_code = 5
    http_status = 503
    title = "Storage unavailable"
