"""The queue simulation of a route variant (SimPy): realised trucks per day, queues, waits.

The ceiling (``truce.aid.ceiling``) says what a variant could carry at most. This module says
what it carries when trucks arrive at random, wait in queues, are served one at a time per lane
during opening hours with a random service time, and are sometimes turned back:

- Trucks **arrive** at staging as a Poisson stream (``arrivals_per_day``) and/or wait there as a
  **backlog** at day 0. Each truck takes one of the variant's paths (for a route without
  [[path]] tables: every simple route from a staging node to a reception node) and **travels**
  each edge in ``km / kmh`` hours (0 when either is missing; roads have no queue).
- Each node on the path is a **station**: ``lanes`` servers (one ``simpy.Resource``), FIFO. A
  lane starts a truck only while the node is open (``[open, close)`` every day; trucks wait
  overnight); a service that has started runs to its end. A path that passes a node twice uses
  the same resource both times: the passes share the node's lanes (the shared crossing). There,
  by default, a truck on a later pass goes before trucks on an earlier pass (so that a queue on
  the way out does not hold up trucks on the way back in); ``later_pass_first = False`` keeps
  plain FIFO.
- **Service time**: mean ``service_minutes``, coefficient of variation ``service_cv`` (gamma by
  default, or lognormal; cv = 1 with gamma is exponential, cv = 0 is deterministic). A node with a
  stated ``capacity_trucks_per_day`` but no service time is served in the time that makes its
  lanes pass exactly that many accepted trucks a day over its opening hours; a node that states
  both is served as its service time says, and starts no more than
  ``capacity / (1 - reject_probability)`` trucks a day. A node with neither is passed without
  delay. An edge with ``capacity_trucks_per_day`` is a station too (one lane, always open,
  deterministic service of ``1440 / capacity`` minutes).
- After service a truck is **turned back** with the node's ``reject_probability``: it drives back
  to its staging node the way it came (or takes ``return_hours``) and starts again
  (``on_reject = "return"``), or leaves (``on_reject = "leave"``).
- **Routing** (several paths): ``"shortest-delay"`` sends each truck, when it sets off, on the
  path with the least expected delay: travel time plus, for each station on the path, the trucks
  already bound for it (and not yet past it) over its daily rate. A mapping of path id to share
  splits trucks at random instead.

Clock: minutes from 00:00 on day 0, in the route's local wall-clock time (daylight saving is
ignored). ``hours_per_day`` without ``open``/``close`` opens at 00:00 for that many hours.

Each replication has its own ``numpy`` generator from ``SeedSequence(seed).spawn(replications)``:
the same settings and seed give identical results, and the module reads no clock. The summary
gives the mean over replications with a 95% t-interval. SimPy and numpy are optional (the ``aid``
extra) and imported only when a simulation runs. These are model results from the route file's
figures, not findings about any party.

Modules: ``settings`` (``QueueSettings``), ``layout`` (stations and the paths trucks take),
``process`` (one replication, the SimPy processes), ``results`` (what a run returns), ``stats``
(the 95% t-interval) and ``run`` (``simulate``, ``saturating_backlog``). Every public name is
importable from ``truce.aid.queue``.
"""

from truce.aid.queue.layout import Station, station_of
from truce.aid.queue.results import NodeRun, NodeSummary, Replication, Simulation
from truce.aid.queue.run import saturating_backlog, simulate, simulate_variant, stations
from truce.aid.queue.settings import DAY, Distribution, OnReject, QueueSettings, Routing
from truce.aid.queue.stats import Estimate, estimate, t975

__all__ = [
    "DAY",
    "Distribution",
    "Estimate",
    "NodeRun",
    "NodeSummary",
    "OnReject",
    "QueueSettings",
    "Replication",
    "Routing",
    "Simulation",
    "Station",
    "estimate",
    "saturating_backlog",
    "simulate",
    "simulate_variant",
    "station_of",
    "stations",
    "t975",
]
