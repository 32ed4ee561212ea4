"""Reading a route file: the schema, the references between tables, and every variant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from truce.aid.route.network import resolve
from truce.aid.route.schema import Route, check_references
from truce.errors import RouteError
from truce.tomlfile import read_toml
from truce.validation import describe_validation_error


def load_route(path: str | Path) -> Route:
    """Read and validate a TOML route file (structure, references, and every variant)."""
    return parse_route(read_toml(path, RouteError, "route file"), where=str(path))


def parse_route(data: dict[str, Any], where: str = "<route>") -> Route:
    """Validate a route mapping; raise RouteError naming ``where`` and the key path."""
    try:
        route = Route.model_validate(data)
    except ValidationError as exc:
        raise RouteError(describe_validation_error(exc, Route), where=where) from None
    check_references(route, where)
    for name in route.variant_names():
        resolve(route, name, where=where)
    return route
