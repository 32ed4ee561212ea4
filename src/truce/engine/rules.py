"""The counting rules: small pure functions over numbers.

Every function here works unchanged on Python scalars (int, Fraction) and element-wise on NumPy
arrays, so the engine (scalars, exact Fractions) and the simulator (arrays) share one copy of the
rules. Only arithmetic, comparison and floor division are used: no ``min``, ``max``, ``math.floor``
or branches on values. Booleans multiply as 0/1.
"""

from __future__ import annotations

from typing import Any, TypeVar

N = TypeVar("N")
Num = Any  # int | Fraction | numpy.ndarray: kept loose so both worlds type-check


def clamp0(x: Num) -> Num:
    """max(x, 0), element-wise."""
    return x * (x > 0)


def neg_part(x: Num) -> Num:
    """min(x, 0), element-wise."""
    return x * (x < 0)


def pick(cond: Num, if_true: Num, if_false: Num) -> Num:
    """if_true where cond else if_false, element-wise (cond is bool or a bool array)."""
    return if_true * cond + if_false * (1 - cond * 1)


def counted(live: Num, credited: Num, bodies: Num, body_weight: Num) -> Num:
    """What a day's releases count toward the quota: live in-framework captives of covered
    categories, plus credited earlier releases, plus bodies at their agreed weight."""
    return live + credited + body_weight * bodies


def extension_days(available: Num, captives_per_day: Num) -> Num:
    """Whole extra days that ``available`` counted captives justify (never negative)."""
    return clamp0(available // captives_per_day)


def leftover(available: Num, days: Num, captives_per_day: Num) -> Num:
    """Counted captives left after ``days`` whole days are paid for (negative = debt)."""
    return available - days * captives_per_day


def next_balance(available: Num, days: Num, captives_per_day: Num, carry_surplus: Num) -> Num:
    """The balance carried to the next day: the leftover if surplus carries; a debt always carries."""
    rest = leftover(available, days, captives_per_day)
    return pick(carry_surplus, rest, neg_part(rest))


def initial_surplus(counted_total: Num, initial_captives: Num) -> Num:
    """Counted over the initial days minus the initial quota (negative = shortfall)."""
    return counted_total - initial_captives


def initial_balance(surplus: Num, carry_surplus: Num, shortfall_is_debt: Num) -> Num:
    """The balance opened at the initial deadline: a surplus if it carries, a shortfall if it is a debt."""
    return clamp0(surplus) * carry_surplus + neg_part(surplus) * shortfall_is_debt


def day_met(available: Num, captives_per_day: Num) -> Num:
    """Whether a later pause day meets the per-day quota."""
    return available >= captives_per_day


def shortfall(available: Num, captives_per_day: Num) -> Num:
    """How many counted captives are missing for one more day (0 when met)."""
    return clamp0(captives_per_day - available)


def prisoners_due(captives: Num, ratio: Num) -> Num:
    """Prisoners owed for counted live (or credited) captives at an exchange ratio."""
    return captives * ratio


def bodies_needed(missing: Num, body_weight: Num) -> Num:
    """Bodies that would cover ``missing`` counted captives at ``body_weight`` (ceil); 0 if weight is 0."""
    safe = body_weight + (body_weight == 0)
    return -((-missing) // safe) * (body_weight > 0)


def creditable(outside_released: Num, credits_used: Num) -> Num:
    """Outside-framework releases that may still be credited."""
    return outside_released - credits_used


def aid_met(delivered: Num, per_day: Num) -> Num:
    """Whether the day's delivered aid (of the terms' basis) reaches the agreed volume."""
    return delivered >= per_day


# -- scheduled exchanges (stages and batches) -------------------------------------------------


def batch_prisoners_due(has_fixed: Num, fixed: Num, by_ratio: Num) -> Num:
    """Prisoners due for a batch: its fixed number where the terms fix one, else the sum of its
    captives' prices (``by_ratio``, from ``prisoners_due`` per category)."""
    return pick(has_fixed, fixed, by_ratio)


def stage_fixed_due(released: Num, required: Num, fixed: Num) -> Num:
    """A stage's fixed price ("N prisoners when all living captives are released"): due once the
    captives released reach what the stage calls for, else nothing yet."""
    return fixed * (released >= required)


def bodies_for_bodies_due(bodies_received: Num, returned_per_body: Num) -> Num:
    """Bodies the receiving side owes for the bodies it received, at the agreed ratio."""
    return bodies_received * returned_per_body


def still_owed(due: Num, released: Num) -> Num:
    """How many of a due are not yet released (0 when met or exceeded)."""
    return clamp0(due - released)


def batch_met(released: Num, due: Num) -> Num:
    """Whether what was released reaches what was due."""
    return released >= due


def in_time(done_at: Num, due_by: Num) -> Num:
    """Whether something done at ``done_at`` was done by ``due_by`` (both in one unit: hours
    from the stage's start in the simulator, instants' timestamps in the engine)."""
    return done_at <= due_by
