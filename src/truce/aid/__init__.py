"""The aid model: a crossings route as data, and what it can carry.

- ``truce.aid.route``: the route file (TOML, validated: ``route.schema``), and the route as it
  stands in a variant (``route.network``);
- ``truce.aid.ceiling``: the maximum trucks per day of a variant and what limits it (needs the
  ``aid`` extra: networkx and SciPy);
- ``truce.aid.queue``: the queue simulation (SimPy); ``truce.aid.calibrate``: its calibration on
  observed periods, read from a calibration file (``truce.aid.calibration_file``);
- ``truce.aid.whatif``, ``truce.aid.report``, ``truce.aid.plot``: what-if questions, the report
  of ``truce aid`` as data, and the charts;
- ``truce.aid.route.calendar`` and ``truce.aid.daily``: the route's calendar day by day (the
  route on a day, its ceiling, the daily queue model, the fit on an observed daily series and the
  hold-out, the calendar chart).
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
