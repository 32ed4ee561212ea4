"""Pause-day boundaries at local wall-clock time across daylight-saving changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from truce.clock import PauseCalendar, resolve_local

LONDON = ZoneInfo("Europe/London")
NY = ZoneInfo("America/New_York")


def test_boundaries_keep_local_time_across_spring_forward() -> None:
    cal = PauseCalendar(datetime(2025, 3, 27, 7, 0), LONDON)
    assert cal.boundary(0).isoformat() == "2025-03-27T07:00:00+00:00"
    assert cal.boundary(3).isoformat() == "2025-03-30T07:00:00+01:00"
    assert cal.boundary(7).isoformat() == "2025-04-03T07:00:00+01:00"
    # the day that contains the change is 23 hours long
    assert cal.boundary(3).timestamp() - cal.boundary(2).timestamp() == 23 * 3600


def test_half_open_days() -> None:
    cal = PauseCalendar(datetime(2023, 11, 24, 7, 0), ZoneInfo("Asia/Jerusalem"))
    at_seven = datetime.fromisoformat("2023-11-30T07:00+02:00")
    assert cal.day_of(at_seven) == 7
    assert cal.day_of(datetime.fromisoformat("2023-11-30T06:59:59+02:00")) == 6
    assert cal.day_of(datetime.fromisoformat("2023-11-24T06:59+02:00")) == 0
    assert cal.day_of(datetime.fromisoformat("2023-11-24T07:00+02:00")) == 1


def test_gap_moves_forward_and_is_reported() -> None:
    r = resolve_local(datetime(2025, 3, 30, 1, 30), LONDON)
    assert r.adjustment == "gap"
    assert r.instant.isoformat() == "2025-03-30T02:30:00+01:00"
    assert "moved forward" in (r.describe() or "")


def test_ambiguous_takes_earlier_instant() -> None:
    r = resolve_local(datetime(2025, 11, 2, 1, 30), NY)
    assert r.adjustment == "ambiguous"
    assert r.instant.utcoffset() is not None and r.instant.utcoffset().total_seconds() == -4 * 3600  # type: ignore[union-attr]
    assert "earlier instant" in (r.describe() or "")


def test_deadline_in_gap_for_later_day() -> None:
    # A 01:30 start: the deadline on the night clocks go forward does not exist and moves forward.
    cal = PauseCalendar(datetime(2025, 3, 28, 1, 30), LONDON)
    assert cal.resolved(2).adjustment == "gap"
    assert cal.boundary(2).isoformat() == "2025-03-30T02:30:00+01:00"
    assert cal.boundary(3).isoformat() == "2025-03-31T01:30:00+01:00"


def test_day_of_date_and_date_of() -> None:
    cal = PauseCalendar(datetime(2025, 3, 27, 7, 0), LONDON)
    assert cal.day_of_date(datetime(2025, 4, 1).date()) == 6
    assert cal.date_of(6).isoformat() == "2025-04-01"
