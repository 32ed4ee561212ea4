"""Who may call what. Every route declares one access level (``route`` below sets both the
check and the ``x-access`` the OpenAPI document and the role x route test read):

- ``public``: no token (health, the problem catalogue, the API description);
- ``read``: any valid token for the ledger (a reader sees the public record only);
- ``write``: a party (events it declares itself) or a mediator (relaying for parties without a
  key; shown as recorded by the mediator);
- ``mediator``: mediators only (personal data, the audit log).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from truce.ledger.tokens import Role
from truce.service.hub import Served
from truce.service.ratelimit import retry_after
from truce.service.refusal import Refusal

ACCESS = ("public", "read", "write", "mediator")
audit = logging.getLogger("truce.service.audit")


def allows(access: str, role: Role) -> bool:
    """Whether a role may use a route of this access level."""
    if access in ("public", "read"):
        return True
    if access == "write":
        return role.kind in ("party", "mediator")
    if access == "mediator":
        return role.kind == "mediator"
    raise ValueError(f"unknown access level {access!r}")


@dataclass(frozen=True)
class Caller:
    """An authenticated request on one ledger."""

    token_id: str
    role: Role
    served: Served

    @property
    def audience(self) -> str:
        """The export audience of the role: what it may see."""
        return self.role.audience

    @property
    def sees_all(self) -> bool:
        return self.role.audience == "mediator"


def bearer(request: Request) -> str | None:
    """The token in ``Authorization: Bearer TOKEN``, if any."""
    h = request.headers.get("authorization", "")
    scheme, _, value = h.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def authenticate(
    request: Request, served: Served, access: str, now: datetime, secret: str | None = None
) -> Caller:
    """The caller of a ledger route, or a Refusal: 401 without a valid token for this ledger,
    403 when its role may not, 429 beyond its rate. The token is the bearer's, or ``secret``
    (a dashboard session's, kept on the server)."""
    secret = secret or bearer(request)
    token = served.tokens.authenticate(secret, now) if secret else None
    if token is None:
        raise Refusal(
            401,
            "unauthorized",
            "a valid token for this agreement is needed: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": 'Bearer realm="truce"'},
        )
    if not allows(access, token.role):
        raise Refusal(403, "forbidden", f"a {token.role.kind} token may not do this")
    limiter = request.app.state.limiter
    wait = limiter.take(token.id)
    if wait > 0:
        raise Refusal(
            429,
            "rate-limited",
            f"too many requests for this token; retry in {retry_after(wait)} s",
            headers={"Retry-After": retry_after(wait)},
        )
    return Caller(token.id, token.role, served)


def log_restricted_read(caller: Caller, what: str) -> None:
    """Reads of restricted data are audit-logged (who, which ledger, what)."""
    if caller.sees_all:
        audit.info(
            "restricted read: token %s (%s) on %s: %s",
            caller.token_id,
            caller.role,
            caller.served.id,
            what,
        )
