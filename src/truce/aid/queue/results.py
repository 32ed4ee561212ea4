"""What a simulation returns: per station and replication, per replication, and summarised."""

from __future__ import annotations

from dataclasses import dataclass, field

from truce.aid.queue.layout import Station
from truce.aid.queue.settings import QueueSettings
from truce.aid.queue.stats import Estimate


@dataclass(frozen=True)
class NodeRun:
    """One station in one replication, over the measured window. Waits run from arrival at the
    node to the start of service (overnight included); trucks still waiting at the end are not
    in them. Utilisation is lane-minutes serving over lane-minutes open (None: no lanes)."""

    id: str
    kind: str
    arrived: int
    served: int
    passed: int  # served and not turned back
    rejected: int
    passed_per_day: float
    queue_mean: float  # time-average trucks waiting (not in service)
    queue_p95: float  # time-weighted 95th percentile of trucks waiting
    wait_mean_hours: float | None
    wait_p95_hours: float | None
    utilisation: float | None
    queue_at_day_end: tuple[int, ...]  # trucks waiting at each midnight (whole run)


@dataclass(frozen=True)
class Replication:
    """One replication's results (rates over the measured window; daily series over the run)."""

    index: int
    received_per_day: float  # trucks that completed their path
    received_daily: tuple[int, ...]
    entered_per_day: dict[str, float]  # by node of kind "entry"
    entered_daily: dict[str, tuple[int, ...]]
    by_path_per_day: dict[str, float]  # received, by path taken
    nodes: dict[str, NodeRun]
    arrived: int  # new trucks (not the backlog)
    rejected: int
    returned: int
    left: int
    in_system: int  # trucks on the route at the end
    backlog_cleared_day: float | None  # when the last backlog truck was received or left


@dataclass(frozen=True)
class NodeSummary:
    """One station summarised over the replications (None where no replication had a value)."""

    id: str
    kind: str
    basis: str
    passed_per_day: Estimate
    rejected: Estimate
    queue_mean: Estimate
    queue_p95: Estimate
    wait_mean_hours: Estimate | None
    wait_p95_hours: Estimate | None
    utilisation: Estimate | None


@dataclass(frozen=True)
class Simulation:
    """A variant simulated: summaries over the replications, and each replication."""

    variant: str
    settings: QueueSettings
    stations: list[Station]
    paths: list[str]
    received_per_day: Estimate
    entered_per_day: dict[str, Estimate]
    by_path_per_day: dict[str, Estimate]
    nodes: dict[str, NodeSummary]
    rejected: Estimate
    returned: Estimate
    left: Estimate
    backlog_cleared_day: Estimate | None  # over the replications that cleared it
    backlog_uncleared: int  # replications that ended with backlog trucks on the route
    replications: list[Replication] = field(repr=False)
