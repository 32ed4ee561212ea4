"""An observed daily series (CSV): trucks received per day, by column, with its source.

The file's leading ``#`` lines say where the figures come from (kept as ``source``); then a header
``date,<column>,...`` and one row per day (``YYYY-MM-DD`` and whole numbers). Which columns make
up "received" is the fit file's choice, so one file can carry several bases.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from truce.errors import BadInput


@dataclass(frozen=True)
class ObservedSeries:
    """Counts by column and day, and the file's own note on its source."""

    columns: dict[str, dict[date, int]]
    source: str
    where: str

    def total(self, columns: list[str], day: date) -> int | None:
        """The sum of ``columns`` on ``day`` (None where a column has no row for it)."""
        vals = [self.columns[c].get(day) for c in columns]
        if any(v is None for v in vals):
            return None
        return sum(v for v in vals if v is not None)


def read_observed(path: str | Path) -> ObservedSeries:
    """Read an observed daily CSV; BadInput naming the file and line where a row is bad."""
    p = Path(path)
    where = str(p)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadInput(f"cannot read the observed series: {exc.strerror}", where=where) from None
    notes = [ln[1:].strip() for ln in lines if ln.startswith("#")]
    body = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")]
    if not body:
        raise BadInput("no header row: expected date,<column>,...", where=where)
    head_line, head = body[0]
    names = next(csv.reader([head]))
    if not names or names[0] != "date" or len(names) < 2:
        raise BadInput(
            f"line {head_line}: the header must be date,<column>,..., got {head!r}", where=where
        )
    columns: dict[str, dict[date, int]] = {n: {} for n in names[1:]}
    for line_no, text in body[1:]:
        row = next(csv.reader([text]))
        if len(row) != len(names):
            raise BadInput(
                f"line {line_no}: {len(row)} fields, the header has {len(names)}", where=where
            )
        try:
            day = date.fromisoformat(row[0])
        except ValueError:
            raise BadInput(
                f"line {line_no}: expected a date like 2024-02-01, got {row[0]!r}", where=where
            ) from None
        for name, cell in zip(names[1:], row[1:], strict=True):
            try:
                value = int(cell)
            except ValueError:
                raise BadInput(
                    f"line {line_no}: {name}: expected a whole number, got {cell!r}", where=where
                ) from None
            if day in columns[name]:
                raise BadInput(f"line {line_no}: {row[0]} is given twice", where=where)
            columns[name][day] = value
    return ObservedSeries(columns, " ".join(notes), where)
