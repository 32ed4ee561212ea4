"""The service's own refusals (401, 403, 404, 409, 413, 429, ...), raised anywhere in a request
and rendered as problem details by the one handler in ``app``."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A request the service refuses: HTTP ``status``, problem type ``name``, a ``detail``."""

    def __init__(
        self, status: int, name: str, detail: str, headers: dict[str, str] | None = None, **ext: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.name = name
        self.detail = detail
        self.headers = headers
        self.ext = ext
