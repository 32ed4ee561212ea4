"""Hypothesis strategies for truce's property tests: terms, event histories and day summaries.

Everything here is built from the public inputs (a terms mapping for ``parse_terms`` and the event
classes in :mod:`truce.events`). The pause-day arithmetic the generators need (where day k starts
and ends) is computed here with ``zoneinfo`` directly, not with the engine's clock, so that the
reference computations in the tests stay independent of the code under test.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truce.engine.decide import Proposal
from truce.events import (
    AidDelivered,
    Captive,
    CaptivesReleased,
    Counts,
    CreditGranted,
    Event,
    ExtensionAgreed,
    PrisonersReleased,
)
from truce.history import History
from truce.terms import Terms, parse_terms

# -- test budgets -------------------------------------------------------------------------------

DEEP_FACTOR = 20  # the deep twin of each property runs this many times the fast examples


def property_test(examples: int, *strategies: Any, **kw_strategies: Any) -> Callable[..., Any]:
    """``@given(...)`` with ``max_examples=examples`` and ``deadline=None``.

    Also defines, in the calling module, a twin ``<name>_deep`` with ``DEEP_FACTOR`` times the
    examples, marked ``deep`` (deselected by default; run with ``pytest -m deep``).
    """

    def wrap(body: Callable[..., Any]) -> Callable[..., Any]:
        def make(n: int) -> Callable[..., Any]:
            return settings(
                max_examples=n,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )(given(*strategies, **kw_strategies)(body))

        deep = pytest.mark.timeout(3600)(pytest.mark.deep(make(examples * DEEP_FACTOR)))
        vars(sys.modules[body.__module__])[f"{body.__name__}_deep"] = deep
        return make(examples)

    return wrap


# -- time zones and the pause calendar (independent of truce.clock) ----------------------

# Zones with daylight-saving changes (and UTC as a control), each with dates of clock changes.
ZONES: dict[str, list[date]] = {
    "Europe/London": [date(2024, 3, 31), date(2024, 10, 27), date(2025, 3, 30), date(2025, 10, 26)],
    "America/New_York": [date(2024, 3, 10), date(2024, 11, 3), date(2025, 3, 9), date(2025, 11, 2)],
    "Asia/Jerusalem": [date(2023, 10, 29), date(2024, 3, 29), date(2024, 10, 27)],
    "Australia/Sydney": [date(2024, 4, 7), date(2024, 10, 6)],
    "UTC": [date(2025, 1, 1)],
}
# Wall-clock start times, including ones inside the gap / repeated hour of some zones above.
TIMES = [time(0, 0), time(0, 30), time(1, 0), time(1, 30), time(2, 0), time(2, 30), time(7, 0)]
TIMES += [time(12, 0), time(23, 30)]
CHANGE_TIMES = [time(1, 30), time(2, 30)]  # inside the gap or repeated hour in the zones above
# A day clocks go forward, and a wall-clock time that does not exist on it.
SPRING_FORWARD = {
    "Europe/London": (date(2025, 3, 30), time(1, 30)),
    "America/New_York": (date(2025, 3, 9), time(2, 30)),
    "Asia/Jerusalem": (date(2024, 3, 29), time(2, 30)),
    "Australia/Sydney": (date(2024, 10, 6), time(2, 30)),
}

BODY_WEIGHTS = ["0", "1/2", "1/3", "0.25", "1"]
RATIOS: list[int | str] = [1, 3, "3/2", "0.5", "2/3"]
CATEGORIES = [("women", True), ("children", True), ("men", False)]
PARTIES = ["holder", "receiver", "mediator"]
AID_BASES = ["received", "entered", "inspected", "dispatched"]


def exact(value: int | str) -> Fraction:
    """A terms number as written (int, "3/2", "0.25") as a Fraction."""
    return Fraction(value)


def in_gap(local: datetime, zone: ZoneInfo) -> bool:
    """Whether a naive wall-clock time does not exist in ``zone``."""
    aware = local.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local


def boundary(start_local: datetime, zone: ZoneInfo, k: int) -> datetime:
    """The instant (in UTC) at which pause day k ends: start + k calendar days, local wall-clock.

    A wall-clock time in a gap moves forward by the gap (fold=0 applies the offset in force before
    the change); a repeated one takes the earlier instant.
    """
    return (start_local + timedelta(days=k)).replace(tzinfo=zone, fold=0).astimezone(UTC)


def day_of(start_local: datetime, zone: ZoneInfo, instant: datetime) -> int:
    """The pause day containing ``instant`` (by scanning boundaries; <= 0 before the start)."""
    k = 1
    while instant < boundary(start_local, zone, k - 1):
        k -= 1
    while instant >= boundary(start_local, zone, k):
        k += 1
    return k


# -- terms --------------------------------------------------------------------------------------


@st.composite
def terms_dicts(
    draw: st.DrawFn, *, aid: bool | None = None, gap_end: bool = False
) -> dict[str, Any]:
    """A terms mapping with a pause, starting near a daylight-saving change."""
    initial_days = draw(st.integers(1, 5))
    if gap_end:
        # Clocks go forward on the day the initial phase ends or just after, and the pause
        # starts at a wall-clock time inside that day's gap: the end of the pause falls in it.
        zone = draw(st.sampled_from(sorted(SPRING_FORWARD)))
        change, clock = SPRING_FORWARD[zone]
        day0 = change - timedelta(days=initial_days + draw(st.sampled_from([0, 0, 1, 2])))
    else:
        zone = draw(st.sampled_from(sorted(ZONES)))
        # A few days either side of a clock change, or so that the change falls on the day the
        # initial phase ends or just after (where the pause end and extensions are computed).
        offset = st.one_of(st.integers(-6, 3), st.integers(0, 2).map(lambda j: -initial_days - j))
        day0 = draw(st.sampled_from(ZONES[zone])) + timedelta(days=draw(offset))
        # Half the time in the hour skipped or repeated on a clock-change day.
        clock = draw(st.one_of(st.sampled_from(CHANGE_TIMES), st.sampled_from(TIMES)))
    start = datetime.combine(day0, clock)
    if in_gap(start, ZoneInfo(zone)):
        start += timedelta(hours=1)  # every gap in ZONES is one hour long
    per_day = draw(st.integers(1, 12))
    categories = []
    for cid, counts in CATEGORIES:
        if draw(st.booleans()):
            cat: dict[str, Any] = {"id": cid, "counts": counts}
            override = draw(st.sampled_from([None, 1, "3/2", "5/2", 4]))
            if override is not None:
                cat["prisoners_per_captive"] = override
            categories.append(cat)
    data: dict[str, Any] = {
        "agreement": {
            "name": "property test",
            "timezone": zone,
            "start": start.isoformat(timespec="minutes"),
            "initial_days": initial_days,
        },
        "parties": {
            "holder": {"id": "holder", "name": "Holder"},
            "receiver": {"id": "receiver", "name": "Receiver"},
            "mediators": [{"id": "mediator", "name": "Mediator"}],
            "reference": "mediator",
        },
        "initial": {
            "captives": draw(st.integers(0, 2 * per_day * initial_days + 3)),
            "shortfall": draw(st.sampled_from(["finding", "debt"])),
        },
        "extension": {
            "captives_per_day": per_day,
            "body_weight": draw(st.sampled_from(BODY_WEIGHTS)),
            "carry_surplus": draw(st.booleans()),
        },
        "exchange": {
            "prisoners_per_captive": draw(st.sampled_from(RATIOS)),
            "prisoners_due_within_hours": draw(st.sampled_from([0, 6, 24, 48])),
        },
        "category": categories,
    }
    if aid if aid is not None else draw(st.booleans()):
        data["aid"] = {
            "trucks_per_day": draw(st.integers(0, 300)),
            "basis": draw(st.sampled_from(AID_BASES)),
        }
    return data


@dataclass
class TermsInfo:
    """What the tests need to know about generated terms, read from the mapping (not the model)."""

    raw: dict[str, Any]
    terms: Terms
    zone: ZoneInfo
    start: datetime  # naive local
    initial_days: int
    per_day: int
    initial_captives: int
    debt: bool
    carry: bool
    weight: Fraction
    ratio_default: Fraction

    @classmethod
    def of(cls, raw: dict[str, Any]) -> TermsInfo:
        terms = parse_terms(raw)
        ag = raw["agreement"]
        return cls(
            raw,
            terms,
            ZoneInfo(ag["timezone"]),
            datetime.fromisoformat(ag["start"]),
            ag["initial_days"],
            raw["extension"]["captives_per_day"],
            raw["initial"]["captives"],
            raw["initial"]["shortfall"] == "debt",
            raw["extension"]["carry_surplus"],
            exact(raw["extension"]["body_weight"]),
            exact(raw["exchange"]["prisoners_per_captive"]),
        )

    def category_ids(self) -> list[str]:
        return [c["id"] for c in self.raw["category"]]

    def covered(self, cid: str | None) -> bool:
        """No category: counted; a category the terms define: its ``counts``; else not counted."""
        if cid is None:
            return True
        return any(c["id"] == cid and c["counts"] for c in self.raw["category"])

    def ratio(self, cid: str | None) -> Fraction:
        for c in self.raw["category"]:
            if c["id"] == cid and "prisoners_per_captive" in c:
                return exact(c["prisoners_per_captive"])
        return self.ratio_default

    def boundary(self, k: int) -> datetime:
        return boundary(self.start, self.zone, k)

    def day_date(self, k: int) -> date:
        return (self.start + timedelta(days=k - 1)).date()


# -- event histories ----------------------------------------------------------------------------


@dataclass
class Scenario:
    """Generated terms and events (in time order), with the pause day each event was placed on."""

    info: TermsInfo
    events: list[Event]
    days: list[int]  # day each event happens on (for credits: the day it is granted on)
    horizon: int
    captive_categories: dict[str, str | None] = field(default_factory=dict)

    @property
    def terms(self) -> Terms:
        return self.info.terms

    def history(self) -> History:
        return History.of(self.events)

    def __repr__(self) -> str:  # readable falsifying examples
        lines = [f"Scenario(terms={self.info.raw!r}, events=["]
        lines += [f"    {e.model_dump(mode='json', exclude_defaults=True)!r}," for e in self.events]
        return "\n".join([*lines, "])"])

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


EVENT_KINDS = [
    "framework",
    "framework",
    "framework_ids",
    "outside",
    "outside_ids",
    "separate",
    "credit",
    "credit",
    "prisoners",
    "aid",
]


def _category(draw: st.DrawFn, info: TermsInfo) -> str | None:
    return draw(st.sampled_from([None, None, *info.category_ids(), "unlisted"]))


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    extensions: bool | None = None,
    max_events: int = 12,
    aid: bool | None = None,
    gap_end: bool = False,
) -> Scenario:
    """Terms and a history of events inside the first ``initial_days + 0..4`` pause days.

    ``extensions``: True to allow extension_agreed events, False to forbid them (inferred basis),
    None to choose at random. ``gap_end``: the pause's initial end falls in a daylight-saving gap.
    """
    info = TermsInfo.of(draw(terms_dicts(aid=aid, gap_end=gap_end)))
    horizon = info.initial_days + draw(st.integers(0, 4))
    with_ext = draw(st.booleans()) if extensions is None else extensions
    kinds = EVENT_KINDS + (["extension"] if with_ext else [])
    n = draw(st.integers(0, max_events))
    placed: list[tuple[datetime, int, str]] = []
    for _ in range(n):
        k = draw(st.integers(1, horizon))
        part = draw(st.one_of(st.just(0), st.integers(0, 1440), st.just(1440)))
        b0, b1 = info.boundary(k - 1), info.boundary(k)
        length = int((b1 - b0).total_seconds())
        at = b0 + timedelta(seconds=min(part * length // 1440, length - 1))
        placed.append((at, k, draw(st.sampled_from(kinds))))
    placed.sort(key=lambda p: p[0])  # stable: equal instants keep their drawn order

    events: list[Event] = []
    days: list[int] = []
    cats: dict[str, str | None] = {}
    outside_events: list[str] = []
    uncredited: list[str] = []  # captives released by id outside the framework, not yet credited
    pool = 0  # outside releases not yet credited
    next_captive = 0

    def captives() -> list[Captive]:
        nonlocal next_captive
        out = []
        for _ in range(draw(st.integers(1, 4))):
            next_captive += 1
            cid = f"c{next_captive:03d}"
            cat = _category(draw, info)
            cats[cid] = cat
            status = draw(st.sampled_from(["live", "live", "body"]))
            out.append(Captive(id=cid, category=cat, status=status))
        return out

    for i, (at, k, kind) in enumerate(placed):
        local = at.astimezone(info.zone)
        base: dict[str, Any] = {
            "id": f"e{i:02d}-{kind}",
            "at": local,
            "recorded_at": local + timedelta(minutes=draw(st.integers(0, 180))),
            "declared_by": draw(st.sampled_from(PARTIES)),
            "recorded_by": "tests",
        }
        ev: Event
        if kind in ("framework", "outside", "separate"):
            track = kind
            live = draw(st.integers(0, 6))
            bodies = draw(st.integers(0, 3))
            if live + bodies == 0:
                live = 1
            cat = _category(draw, info) if track == "framework" else None
            ev = CaptivesReleased(
                type="captives_released",
                track=track,
                live=live,
                bodies=bodies,
                category=cat,
                **base,
            )
            if track == "outside":
                pool += live + bodies
                outside_events.append(ev.id)
        elif kind in ("framework_ids", "outside_ids"):
            track = kind.removesuffix("_ids")
            listed = captives()
            ev = CaptivesReleased(type="captives_released", track=track, captives=listed, **base)
            if track == "outside":
                pool += len(listed)
                outside_events.append(ev.id)
                uncredited += [c.id for c in listed]
        elif kind == "credit":
            if pool == 0:
                continue
            count = draw(st.integers(1, pool))
            form = draw(st.sampled_from(["count", "releases", "captives"]))
            extra: dict[str, Any] = {}
            if form == "releases":
                extra["releases"] = [draw(st.sampled_from(outside_events))]
            elif form == "captives" and len(uncredited) >= count:
                chosen = draw(st.permutations(uncredited))[:count]
                uncredited = [c for c in uncredited if c not in chosen]
                extra["captives"] = chosen
            ev = CreditGranted(
                type="credit_granted",
                toward_day=draw(st.integers(1, horizon)),
                count=count,
                **extra,
                **base,
            )
            pool -= count
        elif kind == "prisoners":
            ev = PrisonersReleased(
                type="prisoners_released", count=draw(st.integers(0, 40)), **base
            )
        elif kind == "aid":
            ev = AidDelivered(
                type="aid_delivered",
                basis=draw(st.sampled_from(AID_BASES)),
                trucks=draw(st.one_of(st.none(), st.integers(0, 400))),
                date=draw(st.sampled_from([None, info.day_date(k)])),
                **base,
            )
        else:
            committed = draw(
                st.one_of(
                    st.none(),
                    st.builds(
                        Counts,
                        live=st.integers(0, 30),
                        bodies=st.integers(0, 5),
                        credit=st.integers(0, 5),
                    ),
                )
            )
            ev = ExtensionAgreed(
                type="extension_agreed", days=draw(st.integers(1, 3)), committed=committed, **base
            )
        events.append(ev)
        days.append(k)
    return Scenario(info, events, days, horizon, cats)


@st.composite
def instants(draw: st.DrawFn, scn: Scenario, from_day: int = 1) -> datetime:
    """A moment to replay at, from the start of ``from_day``: an event's time, a day boundary,
    or any time up to the end of the day after the horizon."""
    info = scn.info
    lo, hi = info.boundary(from_day - 1), info.boundary(scn.horizon + 1)
    choices = [st.integers(from_day - 1, scn.horizon + 1).map(info.boundary)]
    if any(e.at.timestamp() >= lo.timestamp() for e in scn.events):
        choices.append(
            st.sampled_from([e.at for e in scn.events if e.at.timestamp() >= lo.timestamp()])
        )
    secs = int((hi - lo).total_seconds())
    choices.append(st.integers(0, secs).map(lambda s: lo + timedelta(seconds=s)))
    return draw(st.one_of(choices)).astimezone(info.zone)


# -- day summaries (CSV rows) -------------------------------------------------------------------


@dataclass
class DayRowSpec:
    """One row of a day-summary CSV."""

    day: int
    live: int
    bodies: int
    outside: int
    separate: int
    credited: int
    prisoners: int
    aid: int | None
    extension: int


@dataclass
class DaySummary:
    info: TermsInfo
    rows: list[DayRowSpec]
    extension_column: bool

    def __repr__(self) -> str:
        rows = "\n".join(f"    {r!r}," for r in self.rows)
        return (
            f"DaySummary(terms={self.info.raw!r}, extension_column={self.extension_column},"
            f" rows=[\n{rows}\n])"
        )

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


@st.composite
def day_summaries(draw: st.DrawFn) -> DaySummary:
    info = TermsInfo.of(draw(terms_dicts()))
    horizon = info.initial_days + draw(st.integers(0, 4))
    days = sorted(draw(st.sets(st.integers(1, horizon), max_size=horizon)))
    extension_column = draw(st.booleans())
    rows = []
    pool = 0
    for k in days:
        outside = draw(st.integers(0, 4))
        pool += outside
        credited = draw(st.integers(0, pool))
        pool -= credited
        rows.append(
            DayRowSpec(
                day=k,
                live=draw(st.integers(0, 14)),
                bodies=draw(st.integers(0, 3)),
                outside=outside,
                separate=draw(st.integers(0, 3)),
                credited=credited,
                prisoners=draw(st.integers(0, 40)),
                aid=draw(st.one_of(st.none(), st.integers(0, 400))),
                extension=draw(st.integers(0, 2)) if extension_column else 0,
            )
        )
    return DaySummary(info, rows, extension_column)


# -- proposals ----------------------------------------------------------------------------------


@st.composite
def proposals(draw: st.DrawFn, scn: Scenario, creditable: int, *, listed: bool = True) -> Proposal:
    """A list for the next day: counts, or (if ``listed``) pseudonymous captives by id."""
    per_day = scn.info.per_day
    credit = draw(st.integers(0, creditable))
    if listed and draw(st.booleans()):
        released = sorted(scn.captive_categories)
        ids = st.one_of(
            st.integers(1, 30).map(lambda n: f"p{n:03d}"),
            *([st.sampled_from(released)] if released else []),
        )
        listed_captives = draw(
            st.lists(
                st.builds(
                    Captive,
                    id=ids,
                    category=st.sampled_from([None, *scn.info.category_ids(), "unlisted"]),
                    status=st.sampled_from(["live", "live", "body"]),
                ),
                max_size=2 * per_day,
            )
        )
        return Proposal(credit=credit, captives=tuple(listed_captives))
    return Proposal(
        live=draw(st.integers(0, 2 * per_day + 1)),
        bodies=draw(st.integers(0, 4)),
        credit=credit,
    )
