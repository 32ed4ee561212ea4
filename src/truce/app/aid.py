"""The aid use cases, one function each: a route file (and options) in, a typed result out. The
CLI calls them today; the service and the dashboard will call the same functions. Model results
from the route file's figures, not findings about any party.

The results keep the figures exactly as the aid model computes them (no rounding here), so
`--json` prints what it printed before these schemas existed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truce.aid.report import AidOut, AidReport, aid_report
from truce.aid.route import load_route
from truce.app.aid_schemas import CalibrationOut, LanesOut, WhatIfOut
from truce.errors import BadInput

if TYPE_CHECKING:  # pragma: no cover
    from truce.aid.calibrate import Calibration


def aid_report_for(
    route: Path,
    *,
    variant: str | None = None,
    simulate: bool = True,
    days: int = 10,
    replications: int = 6,
    seed: int = 0,
    ledger: Path | None = None,
    terms: Path | None = None,
) -> AidReport:
    """``aid_show`` with the ceilings it came from (their explanations, for text and charts)."""
    if terms is not None and ledger is None:
        raise BadInput("the terms are read with a ledger file; give the ledger too", param="terms")
    return aid_report(
        load_route(route),
        variant=variant,
        simulate=simulate,
        days=days,
        replications=replications,
        seed=seed,
        ledger=ledger,
        terms=terms,
        where=str(route),
    )


def aid_show(
    route: Path,
    *,
    variant: str | None = None,
    simulate: bool = True,
    days: int = 10,
    replications: int = 6,
    seed: int = 0,
    ledger: Path | None = None,
    terms: Path | None = None,
) -> AidOut:
    """Per variant (or only ``variant``) the ceiling, its limiting nodes and, with ``simulate``,
    the simulated trucks/day; with ``ledger`` (a directory, or a file read with ``terms``) the
    delivered series against the commitment."""
    return aid_report_for(
        route,
        variant=variant,
        simulate=simulate,
        days=days,
        replications=replications,
        seed=seed,
        ledger=ledger,
        terms=terms,
    ).out


def what_if_open(
    route: Path, node: str, on: date, variant: str | None = None, *, plot: Path | None = None
) -> WhatIfOut:
    """The ceiling of ``variant`` (default: the first) with ``node`` opened from ``on``, against
    the node closed; with ``plot``, the step chart written into that folder."""
    from truce.aid.whatif import open_node

    result = open_node(load_route(route), node, on, variant)
    charts: list[Path] = []
    if plot is not None:
        from truce.aid.plot import plot_whatif

        charts = plot_whatif(result, plot)
    return WhatIfOut.model_validate(
        {
            **dataclasses.asdict(result),
            "step": result.step,
            "charts": [str(p) for p in charts],
        }
    )


def lanes_for(
    route: Path, target: float, variant: str | None = None, *, plot: Path | None = None
) -> LanesOut:
    """The fewest lanes, or opening hours, per node for the ceiling of ``variant`` (default: the
    first) to reach ``target`` trucks/day; with ``plot``, the chart written into that folder."""
    from truce.aid.whatif import lanes_for_target

    result = lanes_for_target(load_route(route), variant, target)
    charts: list[Path] = []
    if plot is not None:
        from truce.aid.plot import plot_lanes

        charts = plot_lanes(result, plot)
    return LanesOut.model_validate(
        {**dataclasses.asdict(result), "charts": [str(p) for p in charts]}
    )


def calibrate_route(
    route: Path,
    calibration: Path | None = None,
    *,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> CalibrationOut:
    """Fit the route's unverified parameters on the calibration file's fit periods (default:
    calibration.toml beside the route) and predict its hold-outs without refitting.

    The route and the file are read and checked against each other before the first step, so
    ``progress(done, total)`` is only called once the calibration runs. ``options`` go to
    ``truce.aid.calibrate.calibrate`` (``grid``, ``replications``, ...; default: the file's).
    """
    return calibration_out(
        calibration_for(route, calibration, seed=seed, progress=progress, **options)
    )


def calibration_out(c: Calibration) -> CalibrationOut:
    """The typed result of a calibration (the figures as computed)."""
    return CalibrationOut.model_validate(c.to_dict())


def calibration_for(
    route: Path,
    calibration: Path | None = None,
    *,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> Calibration:
    """``calibrate_route`` as the aid model's dataclass (what its text report renders)."""
    from truce.aid.calibrate import calibrate, check_route
    from truce.aid.calibration_file import load_calibration

    r = load_route(route)
    if calibration is None:
        calibration = route.parent / "calibration.toml"
        if not calibration.is_file():
            raise BadInput(
                "no calibration file beside the route: write calibration.toml there (see "
                "examples/gaza-2023/calibration.toml), or give one with --calibration FILE",
                where=str(calibration),
            )
    data = load_calibration(calibration)
    check_route(r, data)
    return calibrate(r, data=data, seed=seed, progress=progress, **options)
