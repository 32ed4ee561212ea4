"""Past hostage / prisoner / POW exchanges: the packaged, sourced table and a prior over ratios.

The table is ``truce/data/exchanges.csv``; its sources and the points where they disagree are in
``truce/data/exchanges.SOURCES.md`` (both taken from ``shared/data/gaza-2023-facts.md``, section
4). Counts are living persons released by each side; ``ratio`` is derived:
``released_by_b / released_by_a``. Every row is validated when it is read: a bad value raises
:class:`truce.errors.BadInput` naming the line and the column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from truce.errors import BadInput

DATA_FILE = "exchanges.csv"
SOURCES_FILE = "exchanges.SOURCES.md"

COLUMNS: tuple[str, ...] = (
    "id",
    "facts_row",
    "name",
    "year",
    "dates",
    "side_a",
    "side_b",
    "mediation",
    "released_by_a",
    "released_by_a_low",
    "released_by_a_high",
    "released_by_b",
    "released_by_b_low",
    "released_by_b_high",
    "bodies_by_a",
    "bodies_by_b",
    "ratio",
    "ratio_low",
    "ratio_high",
    "category_notes",
    "uncertainty",
    "sources",
)

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = r"\d{4}-\d{2}(?:-\d{2})?"
_DATES = re.compile(rf"^{_DATE}(?:/{_DATE})?$")
_SOURCE_ID = re.compile(r"^[A-Z][0-9]+[a-z]?$")
_INT = re.compile(r"^[0-9]+$")
# Ratios are stored with 6 significant digits.
_RATIO_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Exchange:
    """One past exchange (one row of exchanges.csv). Counts are living persons released."""

    id: str
    facts_row: int
    name: str
    year: int
    dates: str
    side_a: str
    side_b: str
    mediation: str
    released_by_a: int | None
    released_by_a_low: int | None
    released_by_a_high: int | None
    released_by_b: int | None
    released_by_b_low: int | None
    released_by_b_high: int | None
    bodies_by_a: int | None
    bodies_by_b: int | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    category_notes: str
    uncertainty: str
    sources: tuple[str, ...]

    @property
    def uncertain(self) -> bool:
        """True where the facts file records a dispute, a range or an approximation."""
        return bool(self.uncertainty)

    def bounds_a(self) -> tuple[int | None, int | None]:
        """Lowest and highest count released by side A (None: not known)."""
        return _bounds(self.released_by_a, self.released_by_a_low, self.released_by_a_high)

    def bounds_b(self) -> tuple[int | None, int | None]:
        """Lowest and highest count released by side B (None: not known)."""
        return _bounds(self.released_by_b, self.released_by_b_low, self.released_by_b_high)

    def ratio_a_per_b(self) -> tuple[float | None, float | None, float | None]:
        """The facts file's way round: persons released by A per person released by B, as
        (point, low, high); None where undefined (B released no one) or a figure is unknown."""
        a, b = self.released_by_a, self.released_by_b
        a_lo, a_hi = self.bounds_a()
        b_lo, b_hi = self.bounds_b()
        return _quotient(a, b), _quotient(a_lo, b_hi), _quotient(a_hi, b_lo)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready object: every column, plus the derived A-per-B ratio and the flag."""
        point, low, high = self.ratio_a_per_b()
        return {
            "id": self.id,
            "facts_row": self.facts_row,
            "name": self.name,
            "year": self.year,
            "dates": self.dates,
            "side_a": self.side_a,
            "side_b": self.side_b,
            "mediation": self.mediation,
            "released_by_a": self.released_by_a,
            "released_by_a_low": self.released_by_a_low,
            "released_by_a_high": self.released_by_a_high,
            "released_by_b": self.released_by_b,
            "released_by_b_low": self.released_by_b_low,
            "released_by_b_high": self.released_by_b_high,
            "bodies_by_a": self.bodies_by_a,
            "bodies_by_b": self.bodies_by_b,
            "ratio": self.ratio,
            "ratio_low": self.ratio_low,
            "ratio_high": self.ratio_high,
            "ratio_a_per_b": _round6(point),
            "ratio_a_per_b_low": _round6(low),
            "ratio_a_per_b_high": _round6(high),
            "category_notes": self.category_notes,
            "uncertainty": self.uncertainty,
            "uncertain": self.uncertain,
            "sources": list(self.sources),
        }


def _bounds(point: int | None, low: int | None, high: int | None) -> tuple[int | None, int | None]:
    return (low if low is not None else point, high if high is not None else point)


def _quotient(num: int | None, den: int | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return num / den


def _round6(x: float | None) -> float | None:
    return None if x is None else float(f"{x:.6g}")


class _Row:
    """Reads the typed cells of one CSV record, raising BadInput that names line and column."""

    def __init__(self, record: dict[str, str], where: str, line: int) -> None:
        self.record = record
        self.where = where
        self.line = line

    def bad(self, column: str, message: str) -> BadInput:
        return BadInput(message, where=f"{self.where} line {self.line}, column {column}")

    def text(self, column: str, *, required: bool = True) -> str:
        value = (self.record.get(column) or "").strip()
        if required and not value:
            raise self.bad(column, "must not be empty")
        return value

    def count(self, column: str) -> int | None:
        value = self.text(column, required=False)
        if not value:
            return None
        if not _INT.match(value):
            raise self.bad(column, f"expected a whole number of persons or a blank, got {value!r}")
        return int(value)

    def number(self, column: str) -> float | None:
        value = self.text(column, required=False)
        if not value:
            return None
        try:
            x = float(value)
        except ValueError:
            raise self.bad(column, f"expected a number or a blank, got {value!r}") from None
        if not math.isfinite(x) or x < 0:
            raise self.bad(column, f"expected a finite number >= 0, got {value!r}")
        return x


def _check_range(
    row: _Row, side: str, point: int | None, low: int | None, high: int | None
) -> None:
    col = f"released_by_{side}"
    if low is not None and high is not None and low > high:
        raise row.bad(f"{col}_low", f"low {low} is above high {high}")
    if point is not None and low is not None and point < low:
        raise row.bad(col, f"{point} is below {col}_low {low}")
    if point is not None and high is not None and point > high:
        raise row.bad(col, f"{point} is above {col}_high {high}")
    if point is None and low is None and high is None:
        return
    if low is not None and low == high and point in (None, low):
        raise row.bad(f"{col}_low", "low and high are equal: give the single figure in " + col)


def _check_ratio(row: _Row, column: str, stored: float | None, expected: float | None) -> None:
    if expected is None:
        if stored is not None:
            raise row.bad(column, f"must be blank (undefined for these counts), got {stored}")
        return
    if stored is None:
        raise row.bad(column, f"missing: the counts give {expected:.6g}")
    if abs(stored - expected) > _RATIO_TOLERANCE * max(expected, 1e-12):
        raise row.bad(column, f"{stored} does not match the counts ({expected:.6g})")


def _parse_row(row: _Row) -> Exchange:
    ident = row.text("id")
    if not _ID.match(ident):
        raise row.bad("id", f"expected a slug like 2011-israel-hamas, got {ident!r}")
    facts_row = row.count("facts_row")
    if facts_row is None or facts_row < 1:
        raise row.bad("facts_row", "expected the row number (#) in the facts file's section 4")
    year_text = row.text("year")
    if not _INT.match(year_text) or not 1900 <= int(year_text) <= 2100:
        raise row.bad("year", f"expected a year like 2011, got {year_text!r}")
    year = int(year_text)
    dates = row.text("dates")
    if not _DATES.match(dates):
        raise row.bad("dates", f"expected YYYY-MM[-DD] or a range START/END, got {dates!r}")
    if int(dates[:4]) != year:
        raise row.bad("year", f"{year} does not match the start of dates {dates!r}")

    a, a_lo, a_hi = (row.count(f"released_by_a{s}") for s in ("", "_low", "_high"))
    b, b_lo, b_hi = (row.count(f"released_by_b{s}") for s in ("", "_low", "_high"))
    _check_range(row, "a", a, a_lo, a_hi)
    _check_range(row, "b", b, b_lo, b_hi)
    uncertainty = row.text("uncertainty", required=False)
    if not uncertainty:
        for side, point, low, high in (("a", a, a_lo, a_hi), ("b", b, b_lo, b_hi)):
            if point is None:
                raise row.bad(
                    "uncertainty",
                    f"released_by_{side} is blank: say why (no count in the facts file)",
                )
            if low is not None or high is not None:
                raise row.bad(
                    "uncertainty",
                    f"released_by_{side} has a low/high: say which source gives which",
                )

    ratio = row.number("ratio")
    ratio_low = row.number("ratio_low")
    ratio_high = row.number("ratio_high")
    a_min, a_max = _bounds(a, a_lo, a_hi)
    b_min, b_max = _bounds(b, b_lo, b_hi)
    _check_ratio(row, "ratio", ratio, _quotient(b, a))
    _check_ratio(row, "ratio_low", ratio_low, _quotient(b_min, a_max))
    _check_ratio(row, "ratio_high", ratio_high, _quotient(b_max, a_min))

    sources = tuple(row.text("sources").split())
    for sid in sources:
        if not _SOURCE_ID.match(sid):
            raise row.bad("sources", f"expected source ids like 'H3 H4', got {sid!r}")
    if len(set(sources)) != len(sources):
        raise row.bad("sources", "a source id is listed twice")

    return Exchange(
        id=ident,
        facts_row=facts_row,
        name=row.text("name"),
        year=year,
        dates=dates,
        side_a=row.text("side_a"),
        side_b=row.text("side_b"),
        mediation=row.text("mediation", required=False),
        released_by_a=a,
        released_by_a_low=a_lo,
        released_by_a_high=a_hi,
        released_by_b=b,
        released_by_b_low=b_lo,
        released_by_b_high=b_hi,
        bodies_by_a=row.count("bodies_by_a"),
        bodies_by_b=row.count("bodies_by_b"),
        ratio=ratio,
        ratio_low=ratio_low,
        ratio_high=ratio_high,
        category_notes=row.text("category_notes"),
        uncertainty=uncertainty,
        sources=sources,
    )


def parse_exchanges(text: str, where: str = DATA_FILE) -> list[Exchange]:
    """Parse and validate the exchanges table from CSV text (``where`` names it in errors)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BadInput(f"missing columns: {', '.join(missing)}", where=f"{where} line 1")
    extra = [c for c in header if c not in COLUMNS]
    if extra:
        raise BadInput(f"unknown columns: {', '.join(extra)}", where=f"{where} line 1")
    rows: list[Exchange] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            raise BadInput(
                "more cells than columns", where=f"{where} line {line}, column {COLUMNS[-1]}"
            )
        row = _Row(record, where, line)
        exchange = _parse_row(row)
        if exchange.id in seen:
            raise row.bad("id", f"{exchange.id!r} is already used on line {seen[exchange.id]}")
        seen[exchange.id] = line
        rows.append(exchange)
    if not rows:
        raise BadInput("no exchanges", where=where)
    return rows


@lru_cache(maxsize=1)
def _packaged() -> tuple[Exchange, ...]:
    text = (files("truce") / "data" / DATA_FILE).read_text(encoding="utf-8")
    return tuple(parse_exchanges(text, DATA_FILE))


def load_exchanges() -> list[Exchange]:
    """The packaged table of past exchanges (truce/data/exchanges.csv), validated."""
    return list(_packaged())


def sources_text() -> str:
    """The packaged source list (truce/data/exchanges.SOURCES.md)."""
    return (files("truce") / "data" / SOURCES_FILE).read_text(encoding="utf-8")


def has_ratio(exchange: Exchange) -> bool:
    """True where the row gives a positive ratio interval (both bounds known, above zero)."""
    return (
        exchange.ratio_low is not None
        and exchange.ratio_high is not None
        and exchange.ratio_low > 0
    )


def ratio_prior(
    ids: list[str] | None = None, weights: list[float] | None = None
) -> list[tuple[Exchange, float]]:
    """The rows a simulator uses as a prior over exchange ratios, with normalised weights.

    ``ids`` None: every row with a positive ratio interval (see :func:`has_ratio`), in table
    order; rows where one side released no living person, or where a count is unknown, are left
    out. Named ids must exist and have a ratio interval. ``weights`` None: equal weights; else one
    finite weight >= 0 per row used, not all zero. Callers should print the rows and weights used.
    """
    table = load_exchanges()
    by_id = {e.id: e for e in table}
    if ids is None:
        chosen = [e for e in table if has_ratio(e)]
    else:
        if not ids:
            raise BadInput("no exchange ids given", where="ids")
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise BadInput(
                f"unknown exchange id(s): {', '.join(unknown)} (known: {', '.join(by_id)})",
                where="ids",
            )
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise BadInput(f"exchange id(s) given twice: {', '.join(dupes)}", where="ids")
        chosen = [by_id[i] for i in ids]
        no_ratio = [e.id for e in chosen if e.ratio_low is None or e.ratio_high is None]
        if no_ratio:
            raise BadInput(
                f"no exchange ratio interval for: {', '.join(no_ratio)} (a count is unknown)",
                where="ids",
            )
    if weights is None:
        raw = [1.0] * len(chosen)
    else:
        if len(weights) != len(chosen):
            raise BadInput(
                f"{len(weights)} weight(s) for {len(chosen)} exchange(s): "
                f"{', '.join(e.id for e in chosen)}",
                where="weights",
            )
        raw = [float(w) for w in weights]
        for i, w in enumerate(raw):
            if not math.isfinite(w) or w < 0:
                raise BadInput(
                    f"weight {w} for {chosen[i].id} must be finite and >= 0", where="weights"
                )
    total = math.fsum(raw)
    if total <= 0:
        raise BadInput("weights are all zero", where="weights")
    return [(e, w / total) for e, w in zip(chosen, raw, strict=True)]
