"""Running the simulation of a variant: replications, their summary, and a saturating backlog."""

from __future__ import annotations

import math

from truce.aid.queue.layout import Station, lay_out
from truce.aid.queue.process import require_numpy, require_simpy, run_replication
from truce.aid.queue.results import NodeSummary, Simulation
from truce.aid.queue.settings import QueueSettings
from truce.aid.queue.stats import estimate, estimate_or_none
from truce.aid.route.network import Network, resolve
from truce.aid.route.schema import Route


def stations(net: Network, settings: QueueSettings | None = None) -> list[Station]:
    """The stations a variant's simulation uses (nodes and capacitated edges on its paths)."""
    return lay_out(net, settings or QueueSettings())[0]


def simulate(net: Network, settings: QueueSettings | None = None) -> Simulation:
    """Simulate a resolved variant ``settings.replications`` times and summarise."""
    settings = settings or QueueSettings()
    settings.check()
    require_simpy()
    np_ = require_numpy()
    sts, paths = lay_out(net, settings)
    children = np_.random.SeedSequence(settings.seed).spawn(settings.replications)
    reps = [
        run_replication(sts, paths, settings, np_.random.default_rng(child), i)
        for i, child in enumerate(children)
    ]
    nodes: dict[str, NodeSummary] = {}
    for s in sts:
        runs = [r.nodes[s.id] for r in reps]
        nodes[s.id] = NodeSummary(
            id=s.id,
            kind=s.kind,
            basis=s.basis,
            passed_per_day=estimate([x.passed_per_day for x in runs]),
            rejected=estimate([float(x.rejected) for x in runs]),
            queue_mean=estimate([x.queue_mean for x in runs]),
            queue_p95=estimate([x.queue_p95 for x in runs]),
            wait_mean_hours=estimate_or_none([x.wait_mean_hours for x in runs]),
            wait_p95_hours=estimate_or_none([x.wait_p95_hours for x in runs]),
            utilisation=estimate_or_none([x.utilisation for x in runs]),
        )
    cleared = [r.backlog_cleared_day for r in reps if r.backlog_cleared_day is not None]
    return Simulation(
        variant=net.variant,
        settings=settings,
        stations=sts,
        paths=[p.id for p in paths],
        received_per_day=estimate([r.received_per_day for r in reps]),
        entered_per_day={
            k: estimate([r.entered_per_day[k] for r in reps]) for k in reps[0].entered_per_day
        },
        by_path_per_day={
            k: estimate([r.by_path_per_day[k] for r in reps]) for k in reps[0].by_path_per_day
        },
        nodes=nodes,
        rejected=estimate([float(r.rejected) for r in reps]),
        returned=estimate([float(r.returned) for r in reps]),
        left=estimate([float(r.left) for r in reps]),
        backlog_cleared_day=estimate(cleared) if settings.backlog and cleared else None,
        backlog_uncleared=sum(
            1 for r in reps if settings.backlog and r.backlog_cleared_day is None
        ),
        replications=reps,
    )


def simulate_variant(
    route: Route, variant: str | None = None, settings: QueueSettings | None = None
) -> Simulation:
    """Resolve ``variant`` of ``route`` (default: the first) and simulate it."""
    return simulate(resolve(route, variant), settings)


def saturating_backlog(net: Network, days: float, margin: float = 1.25) -> int:
    """A day-0 backlog that keeps every path busy for ``days``: ``margin`` x days x the sum over
    the paths of the daily rate of each path's slowest station (at least 1 truck)."""
    sts, paths = lay_out(net, QueueSettings(backlog=1))
    total = 0.0
    for p in paths:
        finite = [r for i, _ in p.passes if math.isfinite(r := sts[i].served_per_day)]
        total += min(finite, default=0.0)
    return max(1, math.ceil(margin * days * total))
