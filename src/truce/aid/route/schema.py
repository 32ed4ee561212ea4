"""What a route file is: nodes, edges, paths, dated changes and named variants (pydantic).

A route file (TOML) is validated like a terms file: unknown keys are errors, types are strict,
and every table may say where its values come from (``source``), add a ``note``, and mark values
that are not sourced (``assumption``). Errors name the file and the key path.

This module is the schema and its checks (references between tables, values a ``set`` table may
change). The route as it stands in a variant, which the model computes on, is
``truce.aid.route.network``; reading a file is ``truce.aid.route.load``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date, time
from itertools import pairwise
from typing import Annotated, Any, Literal, NoReturn, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from truce.clock import known_zone
from truce.errors import RouteError
from truce.terms import Slug
from truce.validation import describe_error, format_loc

NodeKind = Literal["staging", "inspection", "entry", "reception", "other"]
#: Weekdays as a [[change]]'s ``weekdays`` names them (Monday first, as ``date.weekday()``).
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)

#: Node keys a ``set`` table (in a [[change]] or a [[variant]]) may change.
NODE_SETTABLE = (
    "capacity_trucks_per_day",
    "lanes",
    "open",
    "close",
    "hours_per_day",
    "service_minutes",
    "service_cv",
    "reject_probability",
)
#: Edge keys a ``set`` table may change.
EDGE_SETTABLE = ("km", "kmh", "capacity_trucks_per_day")

_OWN_KEYS = ("source", "note", "assumption")


def _time_of_day(value: Any) -> Any:
    """A TOML local time (08:00:00) is accepted as well as the text "08:00"."""
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise ValueError(f"expected a time of day in whole minutes, got {value.isoformat()}")
        return value.strftime("%H:%M")
    return value


def _date(value: Any) -> Any:
    """A TOML date (2023-12-12) is accepted as well as the text "2023-12-12"."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date like 2023-12-12, got {value!r}") from None
    return value


def _id_list(value: Any) -> Any:
    """One id may be written as text instead of a list of one."""
    return [value] if isinstance(value, str) else value


def _assumption(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ValueError(
        "expected true, false or a list of this table's keys whose values are assumptions, "
        'e.g. ["lanes", "service_minutes"]'
    )


TimeOfDay = Annotated[str, BeforeValidator(_time_of_day)]
Day = Annotated[date, BeforeValidator(_date)]
IdList = Annotated[list[str], BeforeValidator(_id_list)]


def minutes_of(hhmm: str) -> int:
    """Minutes after midnight of a validated "HH:MM" (24:00 is 1440)."""
    hh, mm = hhmm.split(":")
    return int(hh) * 60 + int(mm)


class Documented(BaseModel):
    """Every table may say where its values come from, add a note, and mark assumptions."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    source: str | None = Field(default=None, description="Where these values come from.")
    note: str | None = Field(default=None, description="Anything a reader should know.")
    assumption: Annotated[bool | list[str], BeforeValidator(_assumption)] = Field(
        default=False,
        description=(
            "true: the values in this table are assumptions, not sourced; or a list of the "
            "keys whose values are assumptions. Say why in note."
        ),
    )

    @model_validator(mode="after")
    def _assumed_keys_exist(self) -> Documented:
        if isinstance(self.assumption, list):
            keys = [
                info.alias or name
                for name, info in type(self).model_fields.items()
                if name not in _OWN_KEYS
            ]
            for key in self.assumption:
                if key not in keys:
                    raise ValueError(
                        f"assumption names {key!r}, which is not a key of this table "
                        f"(expected some of: {', '.join(keys)})"
                    )
                name = next(n for n, i in type(self).model_fields.items() if key in (n, i.alias))
                if getattr(self, name) is None:
                    raise ValueError(
                        f"assumption names {key!r}, but this table does not give a value for it"
                    )
        return self

    def assumed(self, key: str) -> bool:
        """Whether the value of ``key`` in this table is marked as an assumption."""
        if isinstance(self.assumption, bool):
            return self.assumption
        return key in self.assumption


class RouteInfo(Documented):
    """What the route is called, where its clock runs, and the payload of one truck."""

    name: str = Field(min_length=1)
    timezone: str = Field(description="IANA zone; opening hours are wall-clock times in it.")
    payload_tonnes_per_truck: float | None = Field(
        default=None, gt=0, description="Tonnes carried by one truck, to turn trucks into tonnes."
    )
    calendar_from: Day | None = Field(
        default=None,
        description="First date the calendar covers (default: the earliest [[change]]).",
    )
    calendar_until: Day | None = Field(
        default=None,
        description="Last date the calendar covers (default: the latest on or until of a change).",
    )

    @model_validator(mode="after")
    def _calendar_order(self) -> RouteInfo:
        a, b = self.calendar_from, self.calendar_until
        if a is not None and b is not None and b < a:
            raise ValueError(
                f"calendar_until {b.isoformat()} is before calendar_from {a.isoformat()}"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        return known_zone(v)


class Node(Documented):
    """A place trucks pass: a staging area, an inspection point, an entry gate, a reception point."""

    id: Slug
    name: str = Field(min_length=1)
    kind: NodeKind
    capacity_trucks_per_day: float | None = Field(
        default=None, ge=0, description="A stated capacity: trucks that pass per day."
    )
    lanes: int = Field(default=1, ge=1, description="Trucks served at the same time.")
    open: TimeOfDay | None = Field(default=None, description='Opening time, "HH:MM".')
    close: TimeOfDay | None = Field(
        default=None, description='Closing time, "HH:MM" (may be "24:00").'
    )
    hours_per_day: float | None = Field(
        default=None, gt=0, le=24, description="Open hours per day (instead of open/close)."
    )
    service_minutes: float | None = Field(
        default=None, gt=0, description="Mean service time per truck per lane, in minutes."
    )
    service_cv: float | None = Field(
        default=None, ge=0, description="Coefficient of variation of the service time."
    )
    reject_probability: float = Field(
        default=0.0, ge=0, le=1, description="Share of trucks turned back here."
    )
    enabled: bool = Field(default=True, description="Whether the node is in use as declared.")

    @field_validator("open", "close")
    @classmethod
    def _hhmm(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return v
        ok = len(v) == 5 and v[2] == ":" and v[:2].isdigit() and v[3:].isdigit()
        in_day = ok and int(v[:2]) <= 23 and int(v[3:]) <= 59
        if in_day or (v == "24:00" and info.field_name == "close"):
            return v
        raise ValueError(
            f'{v!r} is not a time of day: expected "HH:MM" from "00:00" to "23:59" '
            '("24:00" is allowed for close)'
        )

    @model_validator(mode="after")
    def _hours(self) -> Node:
        who = f"node {self.id!r}"
        if (self.open is None) != (self.close is None):
            raise ValueError(f"open and close go together ({who}): give both, or neither")
        if self.open is not None and self.hours_per_day is not None:
            raise ValueError(
                f"give opening hours either as open and close or as hours_per_day, not both ({who})"
            )
        if (
            self.open is not None
            and self.close is not None
            and minutes_of(self.close) <= minutes_of(self.open)
        ):
            raise ValueError(
                f"close {self.close!r} is not after open {self.open!r} ({who}): opening hours "
                "must lie within one day (for a node open past midnight use hours_per_day)"
            )
        if (
            self.service_minutes is not None
            and self.capacity_trucks_per_day is None
            and self.open_hours is None
        ):
            raise ValueError(
                f"service_minutes gives a daily capacity only with opening hours ({who}): add "
                "open and close (or hours_per_day), or state capacity_trucks_per_day"
            )
        return self

    @property
    def open_hours(self) -> float | None:
        """Hours open per day, from open/close or hours_per_day (None if not given)."""
        if self.open is not None and self.close is not None:
            return (minutes_of(self.close) - minutes_of(self.open)) / 60
        return self.hours_per_day


class Edge(Documented):
    """A road between two nodes: distance, convoy speed, and an optional capacity."""

    from_: Slug = Field(alias="from")
    to: Slug
    km: float | None = Field(default=None, ge=0, description="Distance in km.")
    kmh: float | None = Field(default=None, gt=0, description="Convoy speed in km/h.")
    capacity_trucks_per_day: float | None = Field(
        default=None, ge=0, description="A stated capacity of the road: trucks per day."
    )
    enabled: bool = Field(default=True, description="Whether the edge is in use as declared.")

    @property
    def key(self) -> str:
        """How variants and changes name this edge: ``"from->to"``."""
        return f"{self.from_}->{self.to}"

    @property
    def hours(self) -> float | None:
        """Travel time in hours (km / kmh), if both are given."""
        if self.km is None or self.kmh is None:
            return None
        return self.km / self.kmh


class RoutePath(Documented):
    """A way trucks go, as node ids in order from staging to reception; a node may repeat."""

    id: Slug
    name: str | None = None
    nodes: list[Slug] = Field(min_length=2)
    enabled: bool = Field(default=True, description="Whether the path is in use as declared.")

    def edge_keys(self) -> list[str]:
        """The edges the path uses, in order, as ``"from->to"``."""
        return [f"{a}->{b}" for a, b in pairwise(self.nodes)]

    def repeated(self) -> list[str]:
        """Nodes the path passes more than once, in order of first pass."""
        seen: list[str] = []
        out: list[str] = []
        for n in self.nodes:
            if n in seen and n not in out:
                out.append(n)
            seen.append(n)
        return out

    def show(self) -> str:
        """The path as ``a > b > c``."""
        return " > ".join(self.nodes)


class Change(Documented):
    """A dated change: set values on one node or edge, and/or enable or disable elements.

    Without ``until`` or ``weekdays`` it holds from ``on`` for good (a *lasting* change, what
    variants apply). With them it is a calendar *event*: it holds only on its days (``on`` to
    ``until``, on ``weekdays`` if given), and the route reverts after it. ``unquantified``
    records a sourced event that no source gives a figure for: shown, but it changes nothing.
    """

    on: Day = Field(description="The date from which the change holds.")
    until: Day | None = Field(
        default=None, description="The last date the change holds (inclusive); none: for good."
    )
    weekdays: list[Weekday] | None = Field(
        default=None, description='Only on these weekdays, e.g. ["sat"]; none: every day.'
    )
    node: Slug | None = Field(default=None, description="The node that `set` changes.")
    edge: str | None = Field(default=None, description='The edge that `set` changes, "from->to".')
    set_: dict[str, Any] | None = Field(default=None, alias="set")
    enable: IdList = Field(default_factory=list, description="Node, edge or path ids.")
    disable: IdList = Field(default_factory=list, description="Node, edge or path ids.")
    unquantified: bool = Field(
        default=False,
        description="A sourced event without a figure for its effect: recorded, changes nothing.",
    )
    disputed: str | None = Field(
        default=None, min_length=1, description="What the sources disagree on, in words."
    )

    @model_validator(mode="after")
    def _effect(self) -> Change:
        if self.node is not None and self.edge is not None:
            raise ValueError("a change sets values on one node or one edge: give node or edge")
        target = self.node is not None or self.edge is not None
        if self.set_ is not None and not target:
            raise ValueError('set needs node = "<node id>" or edge = "<from>-><to>"')
        if target and self.set_ is None:
            raise ValueError("node or edge needs a set table with the values that change")
        effect = self.set_ is not None or bool(self.enable) or bool(self.disable)
        if self.unquantified and effect:
            raise ValueError(
                "an unquantified event changes nothing: drop set, enable and disable, or "
                "unquantified"
            )
        if not effect and not self.unquantified:
            raise ValueError("a change needs an effect: set (with node or edge), enable or disable")
        if self.until is not None and self.until < self.on:
            raise ValueError(
                f"until {self.until.isoformat()} is before on {self.on.isoformat()}: an event "
                "holds from on to until, inclusive"
            )
        if self.weekdays is not None and not self.weekdays:
            raise ValueError('weekdays needs at least one day, e.g. ["sat"]')
        if self.is_event and not self.source:
            raise ValueError(
                "a calendar event (until, weekdays or unquantified) needs a source: where the "
                "dates and values come from"
            )
        return self

    @property
    def is_event(self) -> bool:
        """Whether this is a calendar event (holds on some days only, or changes nothing)."""
        return self.until is not None or self.weekdays is not None or self.unquantified

    def holds_on(self, day: date) -> bool:
        """Whether the change is in force on ``day``."""
        if day < self.on or (self.until is not None and day > self.until):
            return False
        return self.weekdays is None or WEEKDAYS[day.weekday()] in self.weekdays


class Variant(Documented):
    """A named configuration: the route on a date, with optional paths, switches and values."""

    name: Slug
    description: str | None = None
    on: Day | None = Field(
        default=None, description="Apply every [[change]] dated on or before this date."
    )
    paths: IdList | None = Field(default=None, description="Use only these paths.")
    enable: IdList = Field(default_factory=list)
    disable: IdList = Field(default_factory=list)
    set_: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        alias="set",
        description='Values by node id or edge "from->to", e.g. set.rafah = { lanes = 2 }.',
    )


class Route(BaseModel):
    """One route file."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    route: RouteInfo
    nodes: list[Node] = Field(alias="node", min_length=1)
    edges: list[Edge] = Field(default_factory=list, alias="edge")
    paths: list[RoutePath] = Field(default_factory=list, alias="path")
    changes: list[Change] = Field(default_factory=list, alias="change")
    variants: list[Variant] = Field(default_factory=list, alias="variant")

    def variant_names(self) -> list[str]:
        """The variants in file order; a route without [[variant]] has one, "base"."""
        return [v.name for v in self.variants] or ["base"]


# --- checks ---------------------------------------------------------------------------------------


def suggest(word: str, known: Iterable[str]) -> str:
    """ "(did you mean ...? expected one of: ...)" for an unknown ``word``."""
    known = list(known)
    close = difflib.get_close_matches(word, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"({hint}expected one of: {', '.join(known)})"


def check_references(route: Route, where: str) -> None:
    """Raise RouteError (naming ``where`` and the key path) where a table names a node, edge,
    path or variant the route does not define, or an id is used twice."""

    def fail(loc: tuple[int | str, ...], message: str) -> NoReturn:
        raise RouteError(f"{format_loc(loc)}: {message}", where=where)

    node_ids: list[str] = []
    for i, n in enumerate(route.nodes):
        if n.id in node_ids:
            fail(("node", i, "id"), f"node id {n.id!r} is used twice; node ids must be unique")
        node_ids.append(n.id)
    kind_of = {n.id: n.kind for n in route.nodes}
    for needed in ("staging", "reception"):
        if needed not in kind_of.values():
            fail(("node",), f'the route needs at least one node with kind = "{needed}"')
    edge_keys: list[str] = []
    for i, e in enumerate(route.edges):
        for end, value in (("from", e.from_), ("to", e.to)):
            if value not in node_ids:
                fail(("edge", i, end), f"unknown node {value!r} {suggest(value, node_ids)}")
        if e.from_ == e.to:
            fail(("edge", i), f"an edge from {e.from_!r} to itself: from and to must differ")
        if e.key in edge_keys:
            fail(("edge", i), f"edge {e.key!r} is given twice")
        edge_keys.append(e.key)
    path_ids: list[str] = []
    for i, p in enumerate(route.paths):
        if p.id in path_ids or p.id in node_ids:
            fail(("path", i, "id"), f"path id {p.id!r} is already used by another path or node")
        path_ids.append(p.id)
        for j, nid in enumerate(p.nodes):
            if nid not in node_ids:
                fail(("path", i, "nodes", j), f"unknown node {nid!r} {suggest(nid, node_ids)}")
        for a, b in pairwise(p.nodes):
            if f"{a}->{b}" not in edge_keys:
                fail(
                    ("path", i, "nodes"),
                    f"path {p.id!r} goes from {a!r} to {b!r}, but no [[edge]] joins them "
                    f'(add one with from = "{a}", to = "{b}")',
                )
        if kind_of[p.nodes[0]] != "staging":
            fail(("path", i, "nodes"), f"path {p.id!r} must start at a staging node")
        if kind_of[p.nodes[-1]] != "reception":
            fail(("path", i, "nodes"), f"path {p.id!r} must end at a reception node")
    names: list[str] = []
    for i, v in enumerate(route.variants):
        if v.name in names:
            fail(("variant", i, "name"), f"variant name {v.name!r} is used twice")
        names.append(v.name)
        if v.paths is not None:
            if not route.paths:
                fail(("variant", i, "paths"), "the route has no [[path]] tables to choose from")
            for j, pid in enumerate(v.paths):
                if pid not in path_ids:
                    fail(
                        ("variant", i, "paths", j),
                        f"unknown path {pid!r} {suggest(pid, path_ids)}",
                    )
    known = [*node_ids, *edge_keys, *path_ids]
    for table, items in (("change", route.changes), ("variant", route.variants)):
        for i, item in enumerate(items):
            for verb in ("enable", "disable"):
                for j, ref in enumerate(getattr(item, verb)):
                    if ref not in known:
                        fail(
                            (table, i, verb, j),
                            f"unknown node, edge or path {ref!r} {suggest(ref, known)}",
                        )
    nodes = {n.id: n for n in route.nodes}
    edges = {e.key: e for e in route.edges}
    for i, c in enumerate(route.changes):
        if c.node is not None and c.node not in node_ids:
            fail(("change", i, "node"), f"unknown node {c.node!r} {suggest(c.node, node_ids)}")
        if c.edge is not None and c.edge not in edge_keys:
            fail(("change", i, "edge"), f"unknown edge {c.edge!r} {suggest(c.edge, edge_keys)}")
        # The values a change sets must suit its node or edge even if no variant reaches its date.
        if c.set_ is not None:
            target = nodes[c.node] if c.node is not None else edges[str(c.edge)]
            set_values(target, c.set_, ("change", i, "set"), where)
    for i, v in enumerate(route.variants):
        for ref in v.set_:
            if ref not in node_ids and ref not in edge_keys:
                fail(
                    ("variant", i, "set", ref),
                    f"unknown node or edge {ref!r} {suggest(ref, [*node_ids, *edge_keys])}",
                )


def set_values(
    element: Node | Edge, values: dict[str, Any], loc: tuple[int | str, ...], where: str
) -> Node | Edge:
    """``element`` with the keys of a ``set`` table (at ``loc``) changed and validated again;
    RouteError for a key that cannot be set or a value that does not fit."""
    allowed = NODE_SETTABLE if isinstance(element, Node) else EDGE_SETTABLE
    for key in values:
        if key not in allowed:
            what = f"node {element.id!r}" if isinstance(element, Node) else f"edge {element.key!r}"
            raise RouteError(
                f"{format_loc((*loc, key))}: {key!r} cannot be set on {what} "
                f"{suggest(key, allowed)}",
                where=where,
            )
    data = element.model_dump(by_alias=True)
    cleared: set[str] = set(values)
    if "hours_per_day" in values:
        cleared |= {"open", "close"}
        data["open"] = data["close"] = None
    if "open" in values or "close" in values:
        cleared.add("hours_per_day")
        data["hours_per_day"] = None
    if isinstance(data["assumption"], list):
        # Values set here come from the change or variant, which carries its own source.
        data["assumption"] = [k for k in data["assumption"] if k not in cleared]
    data.update(values)
    try:
        return type(element).model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        text = describe_error(err, type(element), loc)
        if not err["loc"]:
            text = f"{format_loc(loc)}: {text}"
        raise RouteError(text, where=where) from None
