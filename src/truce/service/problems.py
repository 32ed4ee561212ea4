"""Every error as RFC 9457 problem details (``application/problem+json``) with a stable
``type``, in one place: the library's exceptions, the service's own refusals, and anything
unexpected (a 500 that names no internals). A parameter at fault is named by a JSON pointer."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from truce.errors import (
    BadInput,
    ConflictError,
    DuplicateId,
    IntegrityError,
    LedgerError,
    MissingExtra,
    NotAllowed,
    NotFound,
    ProofError,
    ProposalError,
    RouteError,
    SignatureError,
    StoreError,
    TermsError,
    TruceError,
)

MEDIA_TYPE = "application/problem+json"
BASE = "/problems/"
"""Problem types are URI references relative to the server; GET /problems/NAME describes one."""

TYPES: dict[type[TruceError], str] = {
    DuplicateId: "duplicate-id",
    NotAllowed: "forbidden",
    NotFound: "not-found",
    TermsError: "invalid-terms",
    LedgerError: "invalid-events",
    RouteError: "invalid-route",
    ProposalError: "invalid-proposal",
    BadInput: "bad-input",
    SignatureError: "signature",
    ProofError: "proof",
    IntegrityError: "integrity",
    ConflictError: "size-conflict",
    StoreError: "storage-unavailable",
    MissingExtra: "missing-extra",
}
"""Most specific first: the first class an exception is an instance of names its type."""

DESCRIPTIONS: dict[str, str] = {
    "bad-input": "A parameter or body is not acceptable; nothing was changed.",
    "invalid-terms": "A terms document does not match the terms schema.",
    "invalid-events": "An event is malformed or breaks the ledger's rules; nothing was stored.",
    "invalid-route": "An aid route is malformed or names what it does not define.",
    "invalid-proposal": "A proposed list cannot be evaluated as given.",
    "duplicate-id": "An event id is already stored with other content.",
    "signature": "A signature does not verify or its key is not valid for the party.",
    "proof": "A proof does not verify.",
    "integrity": "Stored data does not verify.",
    "size-conflict": "The log is not the size the request expected; re-read and retry.",
    "storage-unavailable": "The store failed; retrying with the same event ids is safe.",
    "missing-extra": "An optional dependency is not installed on the server.",
    "unauthorized": "No valid token (Authorization: Bearer TOKEN).",
    "forbidden": "The token's role may not do this.",
    "not-found": "No such resource (or not one this token may see).",
    "method-not-allowed": "The resource does not take this method.",
    "validation": "The request does not match the route's schema.",
    "body-too-large": "The request body is larger than the server accepts.",
    "rate-limited": "Too many requests for this token; retry after the given seconds.",
    "idempotency-mismatch": "The Idempotency-Key was used before with another request body.",
    "idempotency-in-flight": "A request with this Idempotency-Key is still being processed.",
    "too-many-streams": "The server has as many event streams open as it allows.",
    "timeout": "The request took longer than the server allows.",
    "too-many-jobs": "The job queue is full; retry later.",
    "job-not-done": "The job has not finished (see its status).",
    "unsupported-media-type": "The request body must be JSON.",
    "internal": "An unexpected error; the server's log has the details.",
}


class Problem(BaseModel):
    """RFC 9457 problem details, with the library's place (``pointer``/``where``) when known."""

    type: str = Field(description="A stable URI reference: /problems/NAME.")
    title: str
    status: int
    detail: str
    pointer: str | None = Field(
        None, description="JSON pointer to the request member at fault (RFC 6901)."
    )
    where: str | None = Field(None, description="The file, line or key path at fault.")
    current_size: int | None = Field(None, description="size-conflict: the log's size now.")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these statuses: problem details (application/problem+json)."""
    schema = Problem.model_json_schema()
    return {
        s: {"description": HTTPStatus(s).phrase, "content": {MEDIA_TYPE: {"schema": schema}}}
        for s in statuses
    }


def problem(
    status: int, name: str, detail: str, *, headers: dict[str, str] | None = None, **ext: Any
) -> JSONResponse:
    """A problem+json response of type ``/problems/NAME``."""
    body: dict[str, Any] = {
        "type": BASE + name,
        "title": DESCRIPTIONS.get(name, name).rstrip("."),
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in ext.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def name_of(exc: TruceError) -> str:
    """The problem type's name for a library exception."""
    for cls, name in TYPES.items():
        if isinstance(exc, cls):
            return name
    return "internal"


def from_error(exc: TruceError, pointers: dict[str, str] | None = None) -> JSONResponse:
    """A library exception as problem details: its message, its place as a JSON pointer (a
    parameter ``p`` is ``/p`` unless the route maps it), and the statuses of truce.errors."""
    status = exc.http_status
    ext: dict[str, Any] = {}
    detail = str(exc)
    if isinstance(exc, BadInput):
        detail = exc.message
        if exc.param is not None:
            ext["pointer"] = (pointers or {}).get(exc.param, "/" + exc.param)
        if exc.where is not None:
            if exc.where.startswith("/"):
                ext["pointer"] = exc.where  # an event in the request: /events/2
            else:
                ext["where"] = exc.where
    if isinstance(exc, IntegrityError) and exc.seq is not None:
        ext["seq"] = exc.seq
    if isinstance(exc, ConflictError):
        ext["current_size"] = exc.current_size
    if isinstance(exc, LedgerError) and getattr(exc, "kind", None) == "signature":
        ext["reason"] = "signature"
    return problem(status, name_of(exc), detail, **ext)
