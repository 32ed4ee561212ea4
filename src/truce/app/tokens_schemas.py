"""The results of the token use cases (`truce token new|list|revoke`), as typed schemas: what
`--json` prints and what the service will return. Never a token's hash; its secret only once,
in ``NewTokenOut``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TokenOut(BaseModel):
    """One access token of a ledger directory, as listed."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The token's id (12 hex digits; also inside the secret).")
    role: str = Field(description="party:ID, mediator:ID, reader or witness.")
    created_at: datetime
    expires_at: datetime | None = Field(description="When it stops working; null: never.")
    revoked_at: datetime | None = Field(description="When it was revoked; null: not revoked.")
    active: bool = Field(description="Neither revoked nor expired, as of the listing.")


class NewTokenOut(TokenOut):
    """A token just made, with its secret: shown this once, never stored."""

    token: str = Field(description="The secret (truce_<id>_...), to send as a bearer token.")


SCHEMAS: dict[str, Any] = {
    "token-new": NewTokenOut,
    "token-list": list[TokenOut],
    "token-revoke": TokenOut,
}
"""The token result schemas by command name (for `truce schema NAME`)."""
