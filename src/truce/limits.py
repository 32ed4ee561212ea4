"""Bounds on the numbers, times and sizes truce accepts in events, terms, day summaries and options.

The engine's work must grow with the number of events, never with a number written inside one
(one ``extension_agreed`` with ``days: 2900000`` once made every command take minutes and
gigabytes). Each bound sits far above any real deal (the reference data in shared/data: pauses
of 7 and 42 + 42 days, at most a few thousand prisoners per exchange, 600 trucks a day) and low
enough that arithmetic on it stays cheap and every date it implies stays inside Python's
calendar. The pydantic models use these constants (so they appear in the JSON Schemas), and
docs/ledger.md ("Limits") and docs/terms.md list them for readers.
"""

from __future__ import annotations

from datetime import date, datetime

MAX_PAUSE_DAYS = 3_660
"""Days a pause may last in all (initial days plus every extension), and the largest pause day
an event may name (``for_day``, ``toward_day``, an extension's ``days``). Ten years and then
some: the longest pauses in the reference data run 7 days (Gaza 2023) and 42 + 42 days (Gaza
2025), and a ceasefire of years is not judged captive by captive, day by day."""

MAX_TOKEN_DAYS = 3_660
"""The longest a service token may be issued for (``--expires``)."""

MAX_PEOPLE = 1_000_000
"""People one event, list or term may count (live captives, bodies, credits, prisoners, the ids
in one list). The largest exchanges on record count thousands (4,765 prisoners in 1983, about
1,900 in Gaza phase 1 in 2025); a million is two hundred times that."""

MAX_TRUCKS = 100_000
"""Aid trucks in one ``aid_delivered`` event, or per day in the terms. The largest daily
commitment in the reference data is 600 trucks (Gaza 2025); this is over 150 times that."""

MAX_FUEL_LITRES = 1_000_000_000
"""Litres of fuel in one ``aid_delivered`` event, or per day in the terms. 130,000 litres a day
were agreed in 2023; a billion is over 7,000 times that."""

MAX_DUE_HOURS = 8_784
"""``prisoners_due_within_hours``: at most 366 days. Real terms say a day (24 hours); a longer
grace would push deadlines past any pause truce judges."""

MAX_RATIO = 100_000
"""``prisoners_per_captive`` and ``body_weight``: at most 100,000. The highest ratio on record is
1,027 prisoners for one captive (2011)."""

MAX_EXACT_CHARS = 40
"""Characters in an exact number written as text (``"1/3"``, ``"0.25"``): enough for any ratio
with a sensible number of decimals, short enough that exact arithmetic on it stays cheap."""

MAX_LEAF_BYTES = 65_535
"""The largest stored entry (an event with its signature and stamp, encoded): C2SP tlog-tiles
entry bundles prefix each entry with a 16-bit length. A list of captives that large is split
over several events."""

MAX_LIST_ITEMS = 1_000
"""Entries in a list of free text in an event (``sources``, ``concerns``)."""

MIN_YEAR = 1900
"""The earliest year of any time or date truce accepts (in events, terms and options)."""

MAX_YEAR = 2999
"""The latest year of any time or date truce accepts. With ``MIN_YEAR`` this keeps every time a
thousand years or more inside Python's calendar (years 1-9999), so converting a time to UTC,
adding a pause's days or a prisoner deadline, can never overflow."""

MAX_CELL_DIGITS = 15
"""Digits in a whole number in a day-summary CSV cell: more can only exceed every bound above."""


def year_in_range(value: datetime | date, what: str = "time") -> None:
    """Raise ValueError (for validators) unless ``value``'s year is MIN_YEAR..MAX_YEAR.

    The year is read as written (local): with offsets under a day, a time inside the range
    converts to UTC and back without overflowing."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(
            f"{what} {value.isoformat()} is out of range: truce takes years {MIN_YEAR} to "
            f"{MAX_YEAR}"
        )
