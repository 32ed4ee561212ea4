"""The service's optional dependencies, checked once with an error naming the extra."""

from __future__ import annotations

import importlib.util

from truce.errors import MissingExtra


def require_fastapi() -> None:
    """Raise MissingExtra('service') unless FastAPI, uvicorn and prometheus-client import."""
    for module in ("fastapi", "uvicorn", "prometheus_client"):
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(module, "service")
