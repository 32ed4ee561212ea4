"""Dashboard sessions: a sign-in with a token makes a session kept on the server (the token
never reaches the page's JavaScript or a URL); the browser holds only a random session id in an
HttpOnly, SameSite=Strict cookie (Secure over TLS). Every request checks the token again, so
revoking it ends the session. Forms carry the session's CSRF token."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "truce_session"
LOGIN_CSRF_COOKIE = "truce_login"
LANG_COOKIE = "truce_lang"


@dataclass
class Session:
    """One signed-in browser: the token it signed in with, the ledger, its CSRF token."""

    sid: str
    secret: str
    ledger_id: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    last_seen: float = field(default_factory=time.monotonic)

    def csrf_ok(self, sent: str | None) -> bool:
        """Whether a form's CSRF token is this session's."""
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


class Sessions:
    """The sessions of one process (in memory: a restart signs everyone out). Idle sessions
    expire; the oldest is forgotten first when there are too many."""

    def __init__(self, idle_seconds: float = 12 * 3600, limit: int = 10_000) -> None:
        self.idle = idle_seconds
        self.limit = limit
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, secret: str, ledger_id: str) -> Session:
        """A new session for a token that authenticated on ``ledger_id``."""
        s = Session(secrets.token_urlsafe(32), secret, ledger_id)
        with self._lock:
            if len(self._by_id) >= self.limit:
                oldest = min(self._by_id.values(), key=lambda x: x.last_seen)
                del self._by_id[oldest.sid]
            self._by_id[s.sid] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        """The live session with this id, touched; None if unknown or idle too long."""
        if not sid:
            return None
        with self._lock:
            s = self._by_id.get(sid)
            if s is None:
                return None
            now = time.monotonic()
            if now - s.last_seen > self.idle:
                del self._by_id[sid]
                return None
            s.last_seen = now
            return s

    def end(self, sid: str | None) -> None:
        """Sign a session out (logout, or its token no longer valid)."""
        if sid:
            with self._lock:
                self._by_id.pop(sid, None)
