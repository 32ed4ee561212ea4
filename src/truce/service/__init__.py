"""The shared service: one process serving ledger directories over HTTP (FastAPI), so parties,
mediators, monitors and readers work on one record. Routes parse, call ``truce.app`` and return
its schemas; access, limits, idempotency and the event stream live here (docs/service.md).

``create_app`` is imported on first use, so ``import truce.service`` without the ``service``
extra names the extra to install."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from truce.service.app import create_app
    from truce.service.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from truce.service.deps import require_fastapi

        require_fastapi()
        from truce.service.app import create_app

        return create_app
    if name == "Settings":
        from truce.service.settings import Settings

        return Settings
    raise AttributeError(name)
