"""What a calibration file is: the observed figures, the periods, and the parameters to fit.

``truce aid calibrate ROUTE`` reads ``calibration.toml`` beside the route file (or the file given
with ``--calibration``); ``truce.aid.calibrate`` runs the fit. The file holds every figure and
period of the calibration, each observed figure with its source, so the method itself holds no
data: the Gaza 2023 one is ``examples/gaza-2023/calibration.toml``.

Validated like a route file: unknown keys are errors, types are strict, and errors name the file
and the key path. References inside the file (observed keys) are checked here; references to
the route (variants, nodes) are checked when the calibration runs, since the two files are read
apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from truce.aid.route.schema import suggest
from truce.errors import BadInput
from truce.terms import Slug
from truce.tomlfile import read_toml
from truce.validation import describe_validation_error, format_loc

#: The demand descriptions the calibration writes itself (``[demand]`` may not use these keys).
OWN_DEMAND = ("pause", "warm-up")


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


class Observed(_Table):
    """Trucks received over a period, and where the figure comes from."""

    period: str = Field(min_length=1, description='The period in words, e.g. "24-30 Nov 2023".')
    days: int = Field(ge=1, description="Calendar days in the period.")
    trucks: int = Field(ge=0, description="Trucks received over the period.")
    source: str = Field(min_length=1, description="Where the figure comes from.")

    @property
    def per_day(self) -> float:
        """Trucks per calendar day."""
        return self.trucks / self.days


class Part(_Table):
    """One observed figure of a fit period and the variant simulated for it."""

    observed: str = Field(description="A key of [observed].")
    variant: Slug | None = Field(
        default=None, description="The route's variant; none: not simulated (0 received)."
    )


class FitPeriod(_Table):
    """A period the parameters are fitted on: one part, or several compared as their
    day-weighted mean."""

    period: str | None = Field(
        default=None,
        min_length=1,
        description="The period in words (default: the one part's period).",
    )
    parts: list[Part] = Field(min_length=1)


class HoldoutPeriod(_Table):
    """A period predicted with the best fit, without refitting."""

    observed: str = Field(description="A key of [observed]: trucks received.")
    via: str = Field(description="A key of [observed]: the trucks of it via ``via_node``.")
    via_node: Slug = Field(description='An entry node of the route (kind = "entry").')
    variant: Slug = Field(description="The route's variant it is simulated with.")


def _no_limit(value: Any) -> Any:
    """The text "none" in a capacity grid means no limit."""
    if not isinstance(value, list):
        return value
    out = []
    for v in value:
        if isinstance(v, str) and v != "none":
            raise ValueError(f'expected numbers or "none" (no limit), got {v!r}')
        out.append(None if v == "none" else v)
    return out


NonNegative = Annotated[float, Field(ge=0)]


class _Fitted(_Table):
    node: Slug = Field(description="The route's node whose value the parameter sets.")
    why: str = Field(min_length=1, description="Why it is fitted (no source gives it).")


class Parameter(_Fitted):
    """A fitted capacity (trucks/day): the node it sets, the values tried, and why."""

    grid: list[NonNegative] = Field(min_length=1, description="The values tried.")


class ServiceParameter(_Fitted):
    """A fitted service time: minutes per truck per lane, above 0."""

    grid: list[Annotated[float, Field(gt=0)]] = Field(min_length=1, description="The values tried.")


class NoLimitParameter(_Fitted):
    """A fitted capacity whose grid may hold "none" (no limit)."""

    grid: Annotated[list[NonNegative | None], BeforeValidator(_no_limit)] = Field(
        min_length=1, description='The values tried ("none": no limit).'
    )


class Parameters(_Table):
    """The four fitted parameters (the names are the Gaza 2023 route's, kept as the report's
    keys): a service time in every period, the entry's capacity outside the pause, and the
    reception's capacity in the pause and outside it."""

    nitzana_service_minutes: ServiceParameter = Field(
        description="The service_minutes of its node, in every period."
    )
    rafah_entry_capacity: Parameter = Field(
        description="The capacity of its node outside the pause."
    )
    reception_capacity: NoLimitParameter = Field(
        description='The capacity of its node in the pause ("none": no limit).'
    )
    reception_capacity_hostilities: Parameter = Field(
        description="The capacity of its node outside the pause, in the structure by conditions."
    )


class Pause(_Table):
    """The variant run under the pause's conditions and demand; every other variant is run
    with a saturating backlog."""

    variant: Slug
    backlog: int = Field(ge=0, description="Trucks waiting at staging at day 0.")
    backlog_source: str = Field(min_length=1)
    arrivals_per_day: float = Field(ge=0, description="Poisson arrivals at staging.")
    arrivals_source: str = Field(min_length=1)
    note: str | None = None


class Structures(_Table):
    """What each model structure assumes, in words (for the report)."""

    one: str = Field(min_length=1, description="One reception capacity.")
    by_conditions: str = Field(min_length=1, description="Reception by conditions.")


class CalibrationFile(_Table):
    """One calibration file."""

    observed: dict[str, Observed] = Field(min_length=1)
    fit: list[FitPeriod] = Field(min_length=1)
    holdouts: list[HoldoutPeriod] = Field(alias="holdout", min_length=1)
    parameters: Parameters
    pause: Pause
    structures: Structures
    demand: dict[str, Annotated[str, Field(min_length=1)]] = Field(
        default_factory=dict,
        description="How the demand outside the pause is described in the report, by name.",
    )
    _where: str = PrivateAttr(default="<calibration>")

    @property
    def where(self) -> str:
        """The file it was read from (for error messages)."""
        return self._where

    def period_of(self, fit: FitPeriod) -> str:
        """A fit period's name: its own, or its one part's."""
        return fit.period or self.observed[fit.parts[0].observed].period

    def observed_per_day(self, fit: FitPeriod) -> float:
        """Observed trucks per calendar day over a fit period (all its parts)."""
        parts = [self.observed[p.observed] for p in fit.parts]
        return sum(p.trucks for p in parts) / sum(p.days for p in parts)

    def variants(self) -> list[tuple[tuple[int | str, ...], str]]:
        """(key path, variant) of every variant the file names, in file order."""
        out: list[tuple[tuple[int | str, ...], str]] = []
        for i, f in enumerate(self.fit):
            for j, part in enumerate(f.parts):
                if part.variant is not None:
                    out.append((("fit", i, "parts", j, "variant"), part.variant))
        for i, h in enumerate(self.holdouts):
            out.append((("holdout", i, "variant"), h.variant))
        out.append((("pause", "variant"), self.pause.variant))
        return out

    def nodes(self) -> list[tuple[tuple[int | str, ...], str]]:
        """(key path, node id) of every node the file names, in file order."""
        out: list[tuple[tuple[int | str, ...], str]] = [
            (("parameters", name, "node"), getattr(self.parameters, name).node)
            for name in Parameters.model_fields
        ]
        for i, h in enumerate(self.holdouts):
            out.append((("holdout", i, "via_node"), h.via_node))
        return out


def _check_references(data: CalibrationFile, where: str) -> None:
    def fail(loc: tuple[int | str, ...], message: str) -> NoReturn:
        raise BadInput(f"{format_loc(loc)}: {message}", where=where)

    keys = list(data.observed)

    def known(loc: tuple[int | str, ...], key: str) -> None:
        if key not in keys:
            fail(loc, f"unknown observed period {key!r} {suggest(key, keys)}")

    for i, f in enumerate(data.fit):
        for j, part in enumerate(f.parts):
            known(("fit", i, "parts", j, "observed"), part.observed)
        if f.period is None and len(f.parts) > 1:
            fail(
                ("fit", i, "period"),
                "a fit period of several parts needs a name: add period = "
                '"..." (e.g. "1-16 Dec 2023")',
            )
    for i, h in enumerate(data.holdouts):
        known(("holdout", i, "observed"), h.observed)
        known(("holdout", i, "via"), h.via)
        if data.observed[h.via].days != data.observed[h.observed].days:
            fail(
                ("holdout", i, "via"),
                f"{h.via!r} covers {data.observed[h.via].days} days and {h.observed!r} "
                f"{data.observed[h.observed].days}: the trucks via a node are a share of the "
                "same period",
            )
    for key in data.demand:
        if key in OWN_DEMAND:
            fail(
                ("demand", key),
                f"the report writes the {key!r} demand itself (from [pause] and the warm-up); "
                "use another name",
            )


def parse_calibration(data: dict[str, Any], where: str = "<calibration>") -> CalibrationFile:
    """Validate a calibration mapping; raise BadInput naming ``where`` and the key path."""
    try:
        out = CalibrationFile.model_validate(data)
    except ValidationError as exc:
        raise BadInput(describe_validation_error(exc, CalibrationFile), where=where) from None
    _check_references(out, where)
    out._where = where
    return out


def load_calibration(path: str | Path) -> CalibrationFile:
    """Read and validate a TOML calibration file."""
    return parse_calibration(read_toml(path, BadInput, "calibration file"), where=str(path))


__all__ = [
    "CalibrationFile",
    "FitPeriod",
    "HoldoutPeriod",
    "Observed",
    "Parameter",
    "Parameters",
    "Part",
    "Pause",
    "Structures",
    "load_calibration",
    "parse_calibration",
]
