"""Property tests for the counting rules: one copy of each rule serves scalars and NumPy arrays.

Every public function in :mod:`truce.engine.rules` applied to NumPy arrays must equal the same
function applied element by element to Python scalars (ints, bools, Fractions, floats), and on
exact scalars each rule must agree with its plain-Python meaning (max, min, floor, ceil).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

from truce.engine import rules

from .strategies import property_test

INT = st.integers(-(10**6), 10**6)
NONNEG = st.integers(0, 10**6)
POS = st.integers(1, 60)
BOOL = st.booleans()
FRACTIONS = [
    Fraction(0),
    Fraction(1, 2),
    Fraction(1, 3),
    Fraction(1, 4),
    Fraction(1),
    Fraction(3, 2),
]
FLOATS = [0.0, 0.5, 0.25, 1.0, 1.5, 3.0]

# Argument kinds for each rule. "weight": a body weight or exchange ratio (Fraction, float or int).
SIGNATURES: dict[str, tuple[str, ...]] = {
    "clamp0": ("int",),
    "neg_part": ("int",),
    "pick": ("bool", "int", "int"),
    "counted": ("nonneg", "nonneg", "nonneg", "weight"),
    "extension_days": ("int", "pos"),
    "leftover": ("int", "nonneg", "pos"),
    "next_balance": ("int", "nonneg", "pos", "bool"),
    "initial_surplus": ("int", "nonneg"),
    "initial_balance": ("int", "bool", "bool"),
    "day_met": ("int", "pos"),
    "shortfall": ("int", "pos"),
    "prisoners_due": ("nonneg", "weight"),
    "bodies_needed": ("nonneg", "weight"),
    "creditable": ("nonneg", "nonneg"),
    "aid_met": ("nonneg", "nonneg"),
    "batch_prisoners_due": ("bool", "nonneg", "nonneg"),
    "stage_fixed_due": ("nonneg", "nonneg", "nonneg"),
    "bodies_for_bodies_due": ("nonneg", "weight"),
    "still_owed": ("int", "int"),
    "batch_met": ("nonneg", "nonneg"),
    "in_time": ("int", "int"),
}
KIND = {"int": INT, "nonneg": NONNEG, "pos": POS, "bool": BOOL}


def public_rules() -> list[str]:
    return sorted(
        name
        for name, obj in vars(rules).items()
        if inspect.isfunction(obj) and obj.__module__ == rules.__name__ and not name.startswith("_")
    )


def test_every_rule_has_a_signature() -> None:
    """A new rule must be added to SIGNATURES so the array property covers it."""
    assert public_rules() == sorted(SIGNATURES)
    for name, kinds in SIGNATURES.items():
        assert len(inspect.signature(getattr(rules, name)).parameters) == len(kinds), name


@st.composite
def rule_call(draw: st.DrawFn, kinds: tuple[str, ...]) -> tuple[list[Any], list[list[Any]], int]:
    """Arguments for one rule: each either a NumPy array (length n) or a scalar broadcast over it.

    Returns the array-form arguments, the per-element scalar arguments, and n.
    """
    n = draw(st.integers(1, 8))
    arrays: list[Any] = []
    columns: list[list[Any]] = []
    as_array = [draw(st.booleans()) for _ in kinds]
    if not any(as_array):
        as_array[draw(st.integers(0, len(kinds) - 1))] = True
    for kind, is_array in zip(kinds, as_array, strict=True):
        if kind == "weight":
            flavour = draw(st.sampled_from(["fraction", "float", "int"]))
            pool = {
                "fraction": st.sampled_from(FRACTIONS),
                "float": st.sampled_from(FLOATS),
                "int": st.integers(0, 5),
            }[flavour]
        else:
            pool = KIND[kind]
        if is_array:
            values = draw(st.lists(pool, min_size=n, max_size=n))
            if kind == "weight" and flavour == "fraction":
                arr = np.empty(n, dtype=object)
                arr[:] = values
            elif kind == "bool":
                arr = np.array(values, dtype=bool)
            elif kind == "weight" and flavour == "float":
                arr = np.array(values, dtype=np.float64)
            else:
                arr = np.array(values, dtype=np.int64)
            arrays.append(arr)
            columns.append(arr.tolist())  # back to Python scalars (int, bool, float, Fraction)
        else:
            value = draw(pool)
            arrays.append(value)
            columns.append([value] * n)
    scalars = [list(row) for row in zip(*columns, strict=True)]
    return arrays, scalars, n


def as_list(result: Any, n: int) -> list[Any]:
    out = np.asarray(result)
    assert out.shape == (n,), f"expected shape ({n},), got {out.shape}"
    return out.tolist()


@property_test(100, data=st.data())
@pytest.mark.parametrize("name", sorted(SIGNATURES))  # below, so the deep twin has it too
def test_rule_on_arrays_equals_rule_per_element(name: str, data: st.DataObject) -> None:
    fn: Callable[..., Any] = getattr(rules, name)
    arrays, scalars, n = data.draw(rule_call(SIGNATURES[name]), label="arguments")
    vectorised = as_list(fn(*arrays), n)
    elementwise = [fn(*args) for args in scalars]
    for i, (a, b) in enumerate(zip(vectorised, elementwise, strict=True)):
        assert a == b, f"{name}{tuple(scalars[i])}: array gives {a!r}, scalars give {b!r}"


EXACT = st.one_of(INT, st.fractions(min_value=-1000, max_value=1000, max_denominator=12))
WEIGHTS = st.sampled_from(FRACTIONS)


@property_test(
    400, x=EXACT, y=EXACT, p=POS, days=st.integers(0, 50), w=WEIGHTS, c=BOOL, d=BOOL, m=EXACT
)
def test_rules_mean_what_they_say_on_exact_scalars(
    x: Any, y: Any, p: int, days: int, w: Fraction, c: bool, d: bool, m: Any
) -> None:
    """On exact scalars the branch-free rules equal their plain meaning, and stay exact."""
    assert rules.clamp0(x) == max(x, 0)
    assert rules.neg_part(x) == min(x, 0)
    assert rules.pick(c, x, y) == (x if c else y)
    assert rules.extension_days(x, p) == max(math.floor(Fraction(x) / p), 0)
    assert rules.leftover(x, days, p) == x - days * p
    g = max(math.floor(Fraction(x) / p), 0)
    assert rules.next_balance(x, g, p, c) == (x - g * p if c else min(x - g * p, 0))
    assert rules.initial_balance(x, c, d) == (max(x, 0) if c else 0) + (min(x, 0) if d else 0)
    assert rules.day_met(x, p) == (x >= p)
    assert rules.shortfall(x, p) == max(p - x, 0)
    assert rules.prisoners_due(days, w) == days * w
    assert rules.counted(days, p, days, w) == days + p + w * days
    missing = abs(m)
    expected = math.ceil(Fraction(missing) / w) if w > 0 else 0
    assert rules.bodies_needed(missing, w) == expected
    for value in (
        rules.clamp0(x),
        rules.neg_part(x),
        rules.extension_days(x, p),
        rules.next_balance(x, g, p, c),
        rules.initial_balance(x, c, d),
        rules.shortfall(x, p),
        rules.counted(days, p, days, w),
        rules.bodies_needed(missing, w),
    ):
        assert isinstance(value, int | Fraction) and not isinstance(value, float), repr(value)
