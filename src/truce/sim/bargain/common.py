"""Shared pieces of the bargaining models: array types, input validation and each side's utility.

The issue is one number, the exchange ratio ``r`` in ``[lo, hi]``. The two sides are named
neutrally and have the same levers: **side A** prefers a lower ratio, **side B** a higher one.
A side's utility is a power of its own share of the range, ``u_A(r) = ((hi - r)/(hi - lo))**p_A``
and ``u_B(r) = ((r - lo)/(hi - lo))**p_B`` with ``0 < p <= 1`` (``p = 1``: linear; ``p < 1``:
concave); ``utilities`` computes both.

The validators raise :class:`truce.errors.BadInput` naming the argument, the rule and the first
value that breaks it; the numeric ones refuse NaN and infinities first.
"""

from __future__ import annotations

from typing import Literal

from truce.errors import BadInput, MissingExtra

try:
    import numpy as np
    import numpy.typing as npt
except ImportError:  # pragma: no cover - the sim extra is missing
    raise MissingExtra("numpy", "sim") from None

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
ArrayLike = float | int | Floats | list[float] | tuple[float, ...]
Side = Literal["a", "b"]


# --- validation --------------------------------------------------------------------------------


def _arr(name: str, value: ArrayLike) -> Floats:
    """The input as a float64 array; refuses NaN and infinities so later checks are meaningful."""
    out = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise BadInput(f"{name} must be a finite number, got {_first_bad(out, ~np.isfinite(out))}")
    return out


def _first_bad(values: Floats, bad: Bools) -> str:
    """The first offending value (and its index for arrays), for error messages."""
    if values.ndim == 0:
        return repr(float(values))
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = index[0] if len(index) == 1 else index
    return f"{float(values[index])!r} at index {where}"


def _require(name: str, values: Floats, ok: Bools, rule: str) -> None:
    """Raise BadInput naming the rule and the first value that breaks it."""
    if not np.all(ok):
        raise BadInput(f"{name} must be {rule}, got {_first_bad(values, ~ok)}")


def _open_unit(name: str, value: ArrayLike) -> Floats:
    """A value strictly between 0 and 1 (a discount factor, a weight)."""
    out = _arr(name, value)
    _require(name, out, (out > 0) & (out < 1), "in the open interval (0, 1)")
    return out


def _positive(name: str, value: ArrayLike) -> Floats:
    """A strictly positive value (a cost, a value, a rate, an exponent)."""
    out = _arr(name, value)
    _require(name, out, out > 0, "positive (> 0)")
    return out


def _power(name: str, value: ArrayLike) -> Floats:
    """A utility exponent: 0 < p <= 1 keeps utilities concave, so each model has one solution."""
    out = _arr(name, value)
    _require(name, out, (out > 0) & (out <= 1), "in (0, 1] (1: linear utility, < 1: concave)")
    return out


def _range(lo: ArrayLike, hi: ArrayLike) -> tuple[Floats, Floats]:
    """The ratio range [lo, hi]; lo must be below hi."""
    lo_a, hi_a = _arr("lo", lo), _arr("hi", hi)
    ok = np.broadcast_to(lo_a < hi_a, np.broadcast_shapes(lo_a.shape, hi_a.shape))
    if not np.all(ok):
        bad = np.argwhere(~ok)
        idx = tuple(int(i) for i in bad[0]) if ok.ndim else ()
        lo_v = float(np.broadcast_to(lo_a, ok.shape)[idx])
        hi_v = float(np.broadcast_to(hi_a, ok.shape)[idx])
        raise BadInput(
            f"lo must be less than hi, got lo={lo_v!r} > hi={hi_v!r}"
            if lo_v > hi_v
            else f"lo must be less than hi, got lo = hi = {lo_v!r}"
        )
    return lo_a, hi_a


def _side(first: str) -> Side:
    """The first mover, 'a' or 'b'."""
    if first not in ("a", "b"):
        raise BadInput(f"first must be 'a' or 'b', got {first!r}")
    return "a" if first == "a" else "b"


def _count(name: str, value: int, minimum: int) -> int:
    """A whole number of rounds or contests, at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise BadInput(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _scalar(values: Floats) -> float:
    """A 0-d result as a Python float."""
    return float(values.reshape(-1)[0])


# --- utilities ---------------------------------------------------------------------------------


def utilities(
    ratio: ArrayLike,
    lo: ArrayLike = 0.0,
    hi: ArrayLike = 1.0,
    power_a: ArrayLike = 1.0,
    power_b: ArrayLike = 1.0,
) -> tuple[Floats, Floats]:
    """Each side's utility at a ratio (A's falls and B's rises with r), for checks and reports."""
    lo_a, hi_a = _range(lo, hi)
    r = _arr("ratio", ratio)
    span = hi_a - lo_a
    s_a = np.clip((hi_a - r) / span, 0.0, 1.0)
    s_b = np.clip((r - lo_a) / span, 0.0, 1.0)
    return (
        np.asarray(s_a ** _power("power_a", power_a), dtype=np.float64),
        np.asarray(s_b ** _power("power_b", power_b), dtype=np.float64),
    )
