"""Exact numbers: parse user-written quantities into Fractions and print them back without floats."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

_EXACT = re.compile(r"^\s*(\d+(\.\d+)?|\d+\s*/\s*\d+)\s*$")


def parse_exact(value: object, what: str = "value") -> Fraction:
    """Parse "0", "1/2", "0.25" or an int into a non-negative Fraction; floats are refused (inexact)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not true/false")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{what} must be >= 0, got {value}")
        return Fraction(value)
    if isinstance(value, Fraction):
        if value < 0:
            raise ValueError(f"{what} must be >= 0, got {value}")
        return value
    if isinstance(value, float):
        raise ValueError(
            f'{what} must be written as a string so it stays exact, e.g. "{value!r}" or "1/2"'
        )
    if isinstance(value, str) and _EXACT.match(value):
        text = value.replace(" ", "")
        if "/" in text:
            num, den = text.split("/")
            if int(den) == 0:
                raise ValueError(f"{what} has a zero denominator: {value!r}")
            return Fraction(int(num), int(den))
        return Fraction(Decimal(text))
    raise ValueError(
        f'{what} must be a non-negative exact number such as "0", "1/2" or "0.25", got {value!r}'
    )


def to_json_number(value: Fraction | int) -> int | float:
    """JSON rendering: integers stay integers; other values as decimals rounded to 6 places."""
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return int(value)
    return round(float(value), 6)


def show(value: Fraction | int) -> str:
    """Human rendering: 9/2 -> '4.5', 1/3 -> '1/3'; integers plainly."""
    f = Fraction(value)
    if f.denominator == 1:
        return str(f.numerator)
    d = Decimal(f.numerator) / Decimal(f.denominator)
    if Fraction(d) == f:
        return format(d.normalize(), "f")
    return f"{f.numerator}/{f.denominator}"
