"""Pause-day arithmetic in local wall-clock time (pure: the zone and start are arguments).

Day k runs from start + (k-1) calendar days to start + k calendar days at the same local time,
half-open. A local time that falls in a daylight-saving gap moves forward by the gap; an
ambiguous one (clocks go back) takes the earlier instant. Both are reported, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def known_zone(name: str) -> str:
    """``name`` if it is an IANA zone this machine knows; else ValueError (for validators)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: expected an IANA zone name such as "
            '"Asia/Jerusalem" or "Europe/London"'
        ) from None
    return name


@dataclass(frozen=True, slots=True)
class Resolved:
    """A local wall-clock time resolved to an instant, with what had to be decided to do so."""

    instant: datetime  # aware, in the agreement's zone
    local: datetime  # the naive wall-clock time asked for
    adjustment: str | None  # "gap" | "ambiguous" | None

    def describe(self) -> str | None:
        """A sentence for the trace when the wall-clock time needed a decision."""
        if self.adjustment == "gap":
            return (
                f"{self.local:%Y-%m-%d %H:%M} does not exist locally (clocks go forward); "
                f"moved forward to {self.instant.isoformat()}"
            )
        if self.adjustment == "ambiguous":
            return (
                f"{self.local:%Y-%m-%d %H:%M} occurs twice locally (clocks go back); "
                f"the earlier instant {self.instant.isoformat()} is used"
            )
        return None


def resolve_local(local: datetime, zone: ZoneInfo) -> Resolved:
    """Turn a naive local wall-clock time into an aware instant in ``zone``."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    roundtrip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if roundtrip != local:
        # In a gap, fold=0 uses the offset before the change: that is "moved forward by the gap".
        moved = first.astimezone(UTC).astimezone(zone)
        return Resolved(moved, local, "gap")
    if first.utcoffset() != second.utcoffset():
        return Resolved(first, local, "ambiguous")
    return Resolved(first, local, None)


def is_in_gap(local: datetime, zone: ZoneInfo) -> bool:
    """Whether a naive local time does not exist in ``zone`` (a spring-forward gap)."""
    return resolve_local(local, zone).adjustment == "gap"


class PauseCalendar:
    """Boundaries of pause days for one agreement: day k is [boundary(k-1), boundary(k))."""

    def __init__(self, start_local: datetime, zone: ZoneInfo) -> None:
        self.start_local = start_local
        self.zone = zone
        self._cache: dict[int, Resolved] = {}
        self._ts: dict[int, float] = {}
        self.start = self.boundary(0)

    def resolved(self, k: int) -> Resolved:
        """The resolved instant at which day k ends (k = 0: the start)."""
        hit = self._cache.get(k)
        if hit is None:
            hit = resolve_local(self.start_local + timedelta(days=k), self.zone)
            self._cache[k] = hit
        return hit

    def boundary(self, k: int) -> datetime:
        """The instant day k ends and day k+1 begins; boundary(0) is the pause start."""
        return self.resolved(k).instant

    def boundary_ts(self, k: int) -> float:
        """boundary(k) as POSIX seconds (cached; used by the fold's hot loop)."""
        ts = self._ts.get(k)
        if ts is None:
            ts = self.boundary(k).timestamp()
            self._ts[k] = ts
        return ts

    def day_of_ts(self, ts: float) -> int:
        """The pause day containing POSIX time ``ts`` (<= 0 before the start)."""
        k = int((ts - self.boundary_ts(0)) // 86400) + 1
        while ts < self.boundary_ts(k - 1):
            k -= 1
        while ts >= self.boundary_ts(k):
            k += 1
        return k

    def day_of(self, instant: datetime) -> int:
        """The pause day containing ``instant`` (<= 0 before the start)."""
        return self.day_of_ts(instant.timestamp())

    def day_of_date(self, local_date: date) -> int:
        """The pause day that starts on a local calendar date."""
        return (local_date - self.start_local.date()).days + 1

    def date_of(self, k: int) -> date:
        """The local date on which day k starts."""
        return (self.start_local + timedelta(days=k - 1)).date()


def in_zone(t: datetime, zone: ZoneInfo) -> datetime:
    """A time without a UTC offset is wall-clock time in ``zone`` (the agreement's); one with an
    offset stays as it is. The one place this rule is written."""
    return t.replace(tzinfo=zone) if t.tzinfo is None else t
