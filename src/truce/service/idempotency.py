"""Idempotency-Key for appends (IETF draft-ietf-httpapi-idempotency-key-header): a retry with
the same key and body gets the first response; the same key with another body is 422; a retry
while the first is still running is 409. Kept per token, in this process, oldest forgotten
first (docs/service.md: what several processes would need)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from truce.service.refusal import Refusal


@dataclass
class Entry:
    """One key's request fingerprint and, once done, its response."""

    fingerprint: str
    status: int | None = None
    body: bytes | None = None
    media_type: str | None = None


class IdempotencyStore:
    """Bounded map (token, ledger, key) -> Entry."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str, str], Entry] = OrderedDict()
        self._lock = threading.Lock()

    def begin(self, scope: tuple[str, str, str], fingerprint: str) -> Entry | None:
        """None: go ahead (the key is now in flight). An Entry: its stored response. Refusal
        for another body (422) or a first request still running (409)."""
        with self._lock:
            e = self._entries.get(scope)
            if e is None:
                self._entries[scope] = Entry(fingerprint)
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
                return None
            if e.fingerprint != fingerprint:
                raise Refusal(
                    422,
                    "idempotency-mismatch",
                    "this Idempotency-Key was used with another request body",
                )
            if e.status is None:
                raise Refusal(
                    409,
                    "idempotency-in-flight",
                    "a request with this Idempotency-Key is still being processed; retry later",
                    headers={"Retry-After": "1"},
                )
            return e

    def finish(self, scope: tuple[str, str, str], status: int, body: bytes, media: str) -> None:
        """Keep the response for retries."""
        with self._lock:
            e = self._entries.get(scope)
            if e is not None:
                e.status, e.body, e.media_type = status, body, media

    def abandon(self, scope: tuple[str, str, str]) -> None:
        """Forget a key whose request failed in a way a retry may fix (a conflict, a 5xx)."""
        with self._lock:
            self._entries.pop(scope, None)
