"""Access tokens for a served ledger directory, one function each: new, list, revoke. A token's
secret is returned once, by ``new_token``; the directory keeps only its hash
(``truce.ledger.tokens``). Party roles must name a party of the ledger's terms.

Time is an argument (``now``): the interface reads the clock, never these functions.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from truce.app.tokens_schemas import NewTokenOut, TokenOut
from truce.errors import BadInput
from truce.ledger.directory import LedgerDir
from truce.ledger.tokens import Role, Token, TokenStore
from truce.limits import MAX_TOKEN_DAYS

_DURATION = re.compile(r"([1-9][0-9]{0,6})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h`` or ``90m``: a whole, positive number of days, hours or minutes, at most
    ``MAX_TOKEN_DAYS`` days; anything else is BadInput (``param="expires"``)."""
    m = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None:
        shown = repr(text[:40]) if isinstance(text, str) else repr(text)
        raise BadInput(
            f"expected a duration like 30d, 12h or 90m (days, hours, minutes), got {shown}",
            param="expires",
        )
    delta = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    if delta > timedelta(days=MAX_TOKEN_DAYS):
        raise BadInput(f"at most {MAX_TOKEN_DAYS} days, got {text.strip()}", param="expires")
    return delta


def new_token(
    directory: Path, role_text: str, *, expires: timedelta | None, now: datetime
) -> NewTokenOut:
    """Make a token for ``role_text`` (``party:ID`` for a party the terms name, ``mediator:ID``,
    ``reader``, ``witness``) valid from ``now`` for ``expires`` (None: until revoked)."""
    role = Role.parse(role_text)
    with LedgerDir.open(directory) as d:
        if role.kind == "party":
            parties = d.terms.parties.ids()
            if role.id not in parties:
                raise BadInput(
                    f"{role.id!r} is not a party of this ledger's terms: expected one of "
                    f"{', '.join(sorted(parties))}",
                    param="role",
                )
    secret, token = TokenStore(directory).new(role, expires, now)
    return NewTokenOut(token=secret, **_out(token, now).model_dump())


def list_tokens(directory: Path, now: datetime) -> list[TokenOut]:
    """Every token of the directory, oldest first, revoked and expired ones included (``active``
    says which still work at ``now``)."""
    with LedgerDir.open(directory):
        pass
    return [_out(t, now) for t in TokenStore(directory).list()]


def revoke_token(directory: Path, token_id: str, now: datetime) -> TokenOut:
    """Revoke a token from ``now`` on (revoking it again changes nothing); an unknown id is
    BadInput (``param="token_id"``)."""
    with LedgerDir.open(directory):
        pass
    return _out(TokenStore(directory).revoke(token_id, now), now)


def _out(token: Token, now: datetime) -> TokenOut:
    return TokenOut(
        id=token.id,
        role=str(token.role),
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        active=token.active(now),
    )
