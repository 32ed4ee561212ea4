"""An aid route as data: nodes, edges, paths, dated changes and named variants.

- ``truce.aid.route.schema``: what a route file is (pydantic models and the checks between
  tables); errors name the file and the key path;
- ``truce.aid.route.capacity``: a node's daily capacity and where it comes from;
- ``truce.aid.route.network``: the route as it stands in one variant (``resolve`` ->
  ``Network``), what the ceiling and the queue simulation compute on;
- ``truce.aid.route.load``: reading and validating a route file (``load_route``);
- ``truce.aid.route.calendar``: the route on one calendar day (``route_on``): lasting changes,
  fitted values, then the day's events.

Every public name is importable from ``truce.aid.route``. None needs an optional dependency;
the ceiling (max flow / linear program) is in ``truce.aid.ceiling``.
"""

from truce.aid.route.capacity import capacity_basis, fmt, node_capacity
from truce.aid.route.load import load_route, parse_route
from truce.aid.route.network import Network, resolve
from truce.aid.route.schema import (
    EDGE_SETTABLE,
    NODE_SETTABLE,
    Change,
    Day,
    Documented,
    Edge,
    IdList,
    Node,
    NodeKind,
    Route,
    RouteInfo,
    RoutePath,
    TimeOfDay,
    Variant,
    check_references,
    minutes_of,
    set_values,
    suggest,
)

__all__ = [
    "EDGE_SETTABLE",
    "NODE_SETTABLE",
    "Change",
    "Day",
    "Documented",
    "Edge",
    "IdList",
    "Network",
    "Node",
    "NodeKind",
    "Route",
    "RouteInfo",
    "RoutePath",
    "TimeOfDay",
    "Variant",
    "capacity_basis",
    "check_references",
    "fmt",
    "load_route",
    "minutes_of",
    "node_capacity",
    "parse_route",
    "resolve",
    "set_values",
    "suggest",
]
