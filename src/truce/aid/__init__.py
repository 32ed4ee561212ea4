"""The aid model: a crossings route as data, and what it can carry.

- ``truce.aid.route``: the route file (TOML, validated), dated changes and named variants;
- ``truce.aid.ceiling``: the maximum trucks per day of a variant and what limits it (needs the
  ``aid`` extra: networkx and SciPy).
"""

from truce.aid.ceiling import Ceiling, ceiling, ceilings
from truce.aid.route import Network, Route, load_route, node_capacity, parse_route, resolve

__all__ = [
    "Ceiling",
    "Network",
    "Route",
    "ceiling",
    "ceilings",
    "load_route",
    "node_capacity",
    "parse_route",
    "resolve",
]
