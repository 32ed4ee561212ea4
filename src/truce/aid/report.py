"""What `truce aid ROUTE` reports, as data: per variant the ceiling, its limiting nodes and the
simulated trucks/day, and with a ledger the delivered series against the commitment.

The CLI prints it (``truce aid ROUTE [--json]``); the same ``aid_report`` is the one call a service
or dashboard panel needs. Model results from the route file's figures, not findings about any
party.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from truce.aid.ceiling import Ceiling, ceiling
from truce.aid.route import Route, resolve
from truce.engine.state import replay
from truce.errors import BadInput
from truce.ledger.load import load_ledger
from truce.terms import Terms, load_terms

if TYPE_CHECKING:  # pragma: no cover
    from truce.history import History

MODEL_NOTE = "Model results from the route file's figures, not findings about any party."


class SimulatedOut(BaseModel):
    """Simulated trucks/day with an interval (computed by the queue simulation)."""

    mean: float = Field(description="Mean trucks/day received over the replications (1 decimal).")
    low: float = Field(description="Lower end of the 95% interval (1 decimal).")
    high: float = Field(description="Upper end of the 95% interval (1 decimal).")


class VariantOut(BaseModel):
    """One variant of the route."""

    name: str = Field(description="The variant's name.")
    ceiling: float = Field(description="Most trucks/day from staging to reception (1 decimal).")
    limiting: list[str] = Field(
        description='Nodes (ids) and edges ("from->to") whose capacity limits the ceiling.'
    )
    method: Literal["max-flow", "lp"] = Field(
        description="How the ceiling was computed: maximum flow, or a linear program over the paths."
    )
    simulated: SimulatedOut | None = Field(
        default=None, description="Simulated trucks/day (null: not simulated)."
    )


class DeliveredOut(BaseModel):
    """Aid delivered on one pause day (of the terms' basis) against the commitment."""

    day: int = Field(description="The pause day (1 = the first).")
    date: str = Field(description="Its date (YYYY-MM-DD).")
    trucks: int | None = Field(
        description="Trucks recorded on the terms' basis; null: not recorded."
    )
    commitment: int = Field(description="The committed trucks/day (the terms' [aid]).")
    basis: str = Field(description="What the terms count as delivered (their [aid] basis).")
    status: str = Field(
        description="met | short | over | pending | unknown (the engine's aid finding)"
    )


class AidOut(BaseModel):
    """`truce aid ROUTE --json`."""

    route: str = Field(description="The route's name.")
    variants: list[VariantOut] = Field(description="Each variant asked for, in the file's order.")
    delivered: list[DeliveredOut] | None = Field(
        default=None,
        description="With --ledger and --terms: the delivered series against the commitment.",
    )


def _read_ledger(ledger: Path, terms_path: Path | None) -> tuple[Terms, History]:
    """A ledger directory (its own terms; a ``terms_path`` must match them), or a terms file and
    a ledger file (JSONL events or day-summary CSV), read as ``truce status`` reads them."""
    if ledger.is_dir():
        from truce.ledger.directory import LedgerDir

        with LedgerDir.open(ledger, terms_path) as d:
            return d.terms, d.history()
    if terms_path is None:
        raise BadInput(
            "a ledger file needs --terms FILE (a ledger directory carries its own terms)",
            where=str(ledger),
        )
    terms = load_terms(terms_path)
    return terms, load_ledger(ledger, terms)


def delivered_series(ledger: Path, terms_path: Path | None = None) -> list[DeliveredOut]:
    """The engine's aid findings for each pause day: delivered (terms' basis) vs the commitment.
    ``ledger`` is a ledger directory (its own terms) or a ledger file read with ``terms_path``."""
    terms, history = _read_ledger(Path(ledger), None if terms_path is None else Path(terms_path))
    # The whole ledger is replayed before anything else, so an inconsistency anywhere in it is
    # reported first, naming its file and line.
    state = replay(terms, history)
    if terms.aid is None:
        raise BadInput(
            "the terms have no [aid] commitment to compare deliveries with",
            where=str(terms_path or ledger),
        )
    status = {f.day: f.status for f in state.findings if f.kind == "aid"}
    return [
        DeliveredOut(
            day=d.day,
            date=d.date,
            trucks=d.aid,
            commitment=terms.aid.trucks_per_day,
            basis=terms.aid.basis,
            status=status.get(d.day, "unknown"),
        )
        for d in state.days
        if d.day in status
    ]


def aid_out(
    route: Route, results: list[Ceiling], simulated: dict[str, SimulatedOut] | None = None
) -> AidOut:
    """The JSON shape of `truce aid`."""
    sims = simulated or {}
    return AidOut(
        route=route.route.name,
        variants=[
            VariantOut(
                name=c.variant,
                ceiling=c.trucks_per_day,
                limiting=c.limiting,
                method=c.method,
                simulated=sims.get(c.variant),
            )
            for c in results
        ],
    )


def simulate_ceilings(
    route: Route, names: list[str], days: int, replications: int, seed: int
) -> dict[str, SimulatedOut]:
    """Trucks/day received per variant from the queue simulation, with a backlog large enough
    that no path runs dry (so the figure is what the route can carry, not what was sent)."""
    from truce.aid.queue import QueueSettings, saturating_backlog, simulate

    out: dict[str, SimulatedOut] = {}
    for name in names:
        net = resolve(route, name)
        settings = QueueSettings(
            days=days,
            warmup_days=1,
            backlog=saturating_backlog(net, days),
            replications=replications,
            seed=seed,
        )
        est = simulate(net, settings).received_per_day
        out[name] = SimulatedOut(
            mean=round(est.mean, 1), low=round(est.low, 1), high=round(est.high, 1)
        )
    return out


@dataclass(frozen=True)
class AidReport:
    """The JSON shape (``out``) and the ceilings it came from (with their explanations)."""

    out: AidOut
    ceilings: list[Ceiling]


def aid_report(
    route: Route,
    *,
    variant: str | None = None,
    simulate: bool = True,
    days: int = 10,
    replications: int = 6,
    seed: int = 0,
    ledger: Path | None = None,
    terms: Path | None = None,
    where: str = "<route>",
) -> AidReport:
    """Ceilings (and, with ``simulate``, simulated trucks/day) for ``variant`` or every variant;
    with ``ledger`` (a directory, or a file read with ``terms``) the delivered series."""
    names = route.variant_names()
    if variant is not None and variant not in names:
        raise BadInput(
            f"unknown variant {variant!r} in {where} (expected one of: {', '.join(names)})",
            param="variant",
        )
    chosen = [variant] if variant is not None else names
    results = [ceiling(route, name) for name in chosen]
    delivered = delivered_series(ledger, terms) if ledger is not None else None
    sims = simulate_ceilings(route, chosen, days, replications, seed) if simulate else None
    out = aid_out(route, results, sims)
    out.delivered = delivered
    return AidReport(out, results)
