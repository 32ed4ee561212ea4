"""Unit tests for each counting rule, on scalars (exact) and NumPy arrays."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from truce.engine import rules


def test_counted_scalar_exact() -> None:
    assert rules.counted(8, 2, 3, Fraction(0)) == 10
    assert rules.counted(1, 0, 2, Fraction(1, 2)) == 2
    assert rules.counted(2, 1, 1, Fraction(1, 2)) == Fraction(7, 2)


def test_counted_array() -> None:
    out = rules.counted(np.array([8, 1]), np.array([2, 0]), np.array([3, 2]), 0.5)
    assert out.tolist() == [11.5, 2.0]


def test_extension_days_floor_and_never_negative() -> None:
    assert rules.extension_days(Fraction(9, 2), 4) == 1
    assert rules.extension_days(Fraction(9), 4) == 2
    assert rules.extension_days(Fraction(3), 4) == 0
    assert rules.extension_days(Fraction(-5), 4) == 0
    assert rules.extension_days(np.array([9, 3, -5, 20]), 4).tolist() == [2, 0, 0, 5]


def test_next_balance_carry_and_debt() -> None:
    # carry: the remainder goes forward
    assert rules.next_balance(Fraction(9), 2, 4, True) == 1
    # no carry: the remainder is dropped ...
    assert rules.next_balance(Fraction(9), 2, 4, False) == 0
    # ... but a debt always carries
    assert rules.next_balance(Fraction(-3), 0, 4, False) == -3
    arr = rules.next_balance(
        np.array([9, 3, -2]), np.array([2, 0, 0]), 4, np.array([True, False, False])
    )
    assert arr.tolist() == [1, 0, -2]


def test_initial_balance() -> None:
    assert rules.initial_surplus(14, 12) == 2
    assert rules.initial_balance(2, True, False) == 2
    assert rules.initial_balance(2, False, False) == 0
    assert rules.initial_balance(-3, True, False) == 0
    assert rules.initial_balance(-3, False, True) == -3


def test_shortfall_and_bodies_needed() -> None:
    assert rules.shortfall(7, 10) == 3
    assert rules.shortfall(12, 10) == 0
    assert rules.bodies_needed(Fraction(2), Fraction(1, 2)) == 4
    assert rules.bodies_needed(Fraction(3), Fraction(2, 3)) == 5  # ceil(4.5)
    assert rules.bodies_needed(3, 0) == 0


def test_prisoners_and_credit_pool() -> None:
    assert rules.prisoners_due(10, 3) == 30
    assert rules.prisoners_due(3, Fraction(3, 2)) == Fraction(9, 2)
    assert rules.creditable(3, 2) == 1


def test_day_met_and_aid() -> None:
    assert rules.day_met(10, 10) and not rules.day_met(Fraction(19, 2), 10)
    assert rules.aid_met(200, 200) and not rules.aid_met(199, 200)
    assert rules.aid_met(np.array([199, 200, 300]), 200).tolist() == [False, True, True]


def test_pick_clamp() -> None:
    assert rules.clamp0(-2) == 0 and rules.clamp0(Fraction(3, 2)) == Fraction(3, 2)
    assert rules.neg_part(-2) == -2 and rules.neg_part(2) == 0
    assert rules.pick(True, 5, 7) == 5 and rules.pick(False, 5, 7) == 7
    assert rules.pick(np.array([True, False]), np.array([5, 5]), np.array([7, 7])).tolist() == [
        5,
        7,
    ]


def test_scheduled_exchange_rules() -> None:
    """The stage rules on the 2025 figures: a batch of one civilian woman (30), one female
    soldier (50) and one man over 50 (30, derived) is owed 110 unless a fixed number is set."""
    by_ratio = rules.prisoners_due(1, 30) + rules.prisoners_due(1, 50) + rules.prisoners_due(1, 30)
    assert by_ratio == 110
    assert rules.batch_prisoners_due(False, 0, by_ratio) == 110
    assert rules.batch_prisoners_due(True, 200, by_ratio) == 200
    assert rules.stage_fixed_due(24, 25, 1000) == 0
    assert rules.stage_fixed_due(25, 25, 1000) == 1000
    assert rules.bodies_for_bodies_due(4, 15) == 60
    assert rules.still_owed(110, 90) == 20
    assert rules.still_owed(110, 120) == 0
    assert rules.batch_met(110, 110) and not rules.batch_met(109, 110)
    assert rules.in_time(24, 24) and not rules.in_time(25, 24)
