"""What a calendar fit file is: the observed series, the fit and hold-out windows, the
parameters fitted (node, values tried, why) and the values the fit found (committed).

``truce aid ROUTE --from A --to B`` reads ``route-calendar-fit.toml`` beside the route (or the
file given with ``--fit``); ``truce.aid.daily.fit`` runs the fit. Validated like a route file:
unknown keys are errors, and errors name the file and the key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from truce.aid.calibration_file import _no_limit
from truce.aid.route.schema import Day
from truce.errors import BadInput
from truce.terms import Slug
from truce.tomlfile import read_toml
from truce.validation import describe_validation_error, format_loc

#: The default name of the fit file beside a route file.
FIT_FILE = "route-calendar-fit.toml"


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


class ObservedRef(_Table):
    """Where the observed daily series is, and which columns are trucks received."""

    file: str = Field(min_length=1, description="The CSV, relative to the fit file.")
    received: list[str] = Field(min_length=1, description="Columns summed: trucks received.")
    entries: dict[str, str] = Field(
        default_factory=dict, description="Entry node id -> the column of trucks received via it."
    )
    source: str = Field(min_length=1, description="Where the series comes from.")


class Window(_Table):
    """A span of days, inclusive."""

    from_: Day = Field(alias="from")
    until: Day


class FitWindow(Window):
    """The days fitted on, and how the simulation is run."""

    replications: int = Field(default=20, ge=2)
    seed: int = 0


class Holdout(Window):
    """The days predicted with the fitted values, never read by the fit; and the goals."""

    goal_mean_error: float = Field(gt=0, description="|mean error| within this (0.15: 15%).")
    goal_correlation: float = Field(ge=-1, le=1, description="Daily correlation at least this.")


class FitParameter(_Table):
    """A fitted capacity: the node whose trucks/day it sets, the values tried, and why."""

    node: Slug
    grid: Annotated[list[Annotated[float, Field(ge=0)] | None], BeforeValidator(_no_limit)] = Field(
        min_length=1, description='The values tried ("none": no limit).'
    )
    why: str = Field(min_length=1)


class CalendarFitFile(_Table):
    """One calendar fit file."""

    observed: ObservedRef
    fit: FitWindow
    holdout: Holdout
    parameters: dict[str, FitParameter] = Field(min_length=1)
    fitted: dict[str, float | str] = Field(
        default_factory=dict,
        description='The values the fit found, by parameter ("none": no limit); committed.',
    )
    note: str | None = None
    _where: str = PrivateAttr(default="<fit>")

    @property
    def where(self) -> str:
        """The file it was read from."""
        return self._where

    def fitted_values(self) -> dict[str, float | None]:
        """The committed fitted values ("none" as None); BadInput if any parameter lacks one."""
        out: dict[str, float | None] = {}
        for name in self.parameters:
            if name not in self.fitted:
                raise BadInput(
                    f"fitted: no value for {name!r}: run the fit (truce aid fit-calendar ROUTE) "
                    "and commit its values",
                    where=self.where,
                )
            v = self.fitted[name]
            out[name] = None if v == "none" else float(v)
        return out


def _check(data: CalendarFitFile, where: str) -> None:
    def fail(loc: tuple[int | str, ...], message: str) -> None:
        raise BadInput(f"{format_loc(loc)}: {message}", where=where)

    for name, w in (("fit", data.fit), ("holdout", data.holdout)):
        if w.until < w.from_:
            fail((name, "until"), f"until {w.until} is before from {w.from_}")
    if data.holdout.from_ <= data.fit.until and data.fit.from_ <= data.holdout.until:
        fail(("holdout", "from"), "the hold-out overlaps the fit window: they must not share days")
    for name, v in data.fitted.items():
        if name not in data.parameters:
            fail(
                ("fitted", name),
                f"no parameter {name!r} (expected one of: {', '.join(data.parameters)})",
            )
        if isinstance(v, str) and v != "none":
            fail(("fitted", name), f'expected a number or "none", got {v!r}')
    nodes = [p.node for p in data.parameters.values()]
    if len(set(nodes)) != len(nodes):
        fail(("parameters",), "two parameters set the same node")


def parse_fit_file(data: dict[str, Any], where: str = "<fit>") -> CalendarFitFile:
    """Validate a fit mapping; BadInput naming ``where`` and the key path."""
    try:
        out = CalendarFitFile.model_validate(data)
    except ValidationError as exc:
        raise BadInput(describe_validation_error(exc, CalendarFitFile), where=where) from None
    _check(out, where)
    out._where = where
    return out


def load_fit_file(path: str | Path) -> CalendarFitFile:
    """Read and validate a TOML calendar fit file."""
    return parse_fit_file(read_toml(path, BadInput, "fit file"), where=str(path))


def observed_path(fit: CalendarFitFile) -> Path:
    """The observed CSV, relative to the fit file."""
    return Path(fit.where).parent / fit.observed.file
