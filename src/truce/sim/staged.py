"""The staged kernel: terms with stages ([[stage]] tables) simulated batch by batch, NumPy over
runs (there is no compiled kernel for stages: the work is a few array operations per batch).

Every count goes through ``truce.engine.rules`` (batch_prisoners_due, stage_fixed_due,
prisoners_due, batch_met, in_time, pick), the functions the engine judges stages with.
Random numbers: per fixed-size chunk of runs (``CHUNK``, as the daily kernels), from
``SeedSequence(seed, spawn_key=(chunk, 5))``, in a fixed order: each side's levers per run, the
talks at each stage's ``next``, then per batch and side the delay, under-delivery and hold draws.
Every chunk is simulated whole, so run *i* depends on (seed, *i*) only, for any total and any
number of workers.

The model, per run:
1. stage 1 begins; a later stage begins if the stage before began and, where it is conditional,
   the event that opens it happened: at each stage with ``next``, either side may end the talks
   (its ``end_talks``), and then the event does not happen;
2. each batch of a stage that began is handed over by the holder at its deadline (the end of its
   day or window, its date, or its hours), later by ``delay_hours`` when it delays and by
   ``hold_days`` when it holds the batch back; when it under-delivers, each part of the batch
   (each category's living captives, bodies, captives not split) is rounded down to
   ``under_fraction`` of it;
3. the prisoners due for what was handed over: the batch's fixed number once it is handed over
   in full (``stage_fixed_due``, ``batch_prisoners_due``), else each category's price times its
   captives (``prisoners_due``); a stage's fixed price falls due with its last batch, once the
   stage's captives are handed over. A part with no price (a category priced "unknown" with no
   scenario assumption, bodies, captives whose category the terms and scenario do not give)
   makes the batch's due unknown (NaN): what the receiver releases for it is unknown too;
4. the receiver answers each batch by the terms' deadline (the batch's, stage's or exchange's
   ``prisoners_due_within_hours`` after the actual handover), with its own delay, hold and
   under-delivery (a share of the prisoners due not released);
5. a batch is late against its encoded deadline (``in_time``) and short when less than its due
   was released (``batch_met``), judged alike for both sides.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import numpy as np

from truce.clock import PauseCalendar
from truce.engine import rules
from truce.errors import BadInput
from truce.sim.core import CHUNK, _share, chunks
from truce.sim.staged_scenario import LEVERS, BatchLevers, StagedLoaded
from truce.terms import Batch, Deadline

SIDES = ("holder", "receiver")
EXTRA_PARTS = ("living-other", "bodies", "not-split")
"""Parts of a batch besides each category's living captives: living captives of no given
category, bodies, and captives the terms and the scenario do not split into living and bodies."""


@dataclass(frozen=True)
class PlanBatch:
    """One scheduled batch, as the simulator needs it."""

    id: str
    stage: int
    due_by: float  # hours from the stage's start
    parts: np.ndarray  # int64 [parts]: captives scheduled per part
    price: np.ndarray  # float [parts]: prisoners per captive; NaN where unknown
    fixed: int | None  # the batch's fixed number of prisoners
    stage_fixed: int | None  # the stage's fixed price, on its last batch only
    stage_required: int  # captives the stage's fixed price waits for
    required_living: bool  # whether it waits for living captives (else all captives)
    within_hours: float  # the receiver's deadline after the handover

    @property
    def scheduled(self) -> int:
        return int(self.parts.sum())


@dataclass(frozen=True)
class PlanStage:
    """One stage: its id, where it starts (hours from stage 1's start), its length, whether it
    is conditional, and whether it names what opens the next."""

    id: str
    starts: float
    hours: float
    conditional: bool
    has_next: bool
    bodies_for_bodies: PlanBodies | None = None


@dataclass(frozen=True)
class PlanBodies:
    """A stage's bodies for bodies: how many bodies the holder returns (None: those its batches
    schedule), by when (hours from the stage's start), and the receiver's ratio and deadline
    (hours from the stage's start, or ``within`` hours after the holder's last body)."""

    bodies: int | None
    holder_by: float
    per_body: float
    receiver_by: float | None
    within: float | None


@dataclass(frozen=True)
class Plan:
    """The terms' schedule, in hours, with each batch's parts and prices."""

    stages: list[PlanStage]
    batches: list[PlanBatch]
    parts: list[str]  # category ids, then EXTRA_PARTS

    def living(self) -> np.ndarray:
        """Which parts are living captives (0/1 per part)."""
        return np.array([1] * (len(self.parts) - 3) + [1, 0, 0])


def _hours(cal: PauseCalendar, d: Deadline | Batch) -> float:
    """Hours from the stage's start to a deadline (the end of its last day or date, or hours)."""
    last_day = getattr(d, "last_day", None) or d.day
    last_date = getattr(d, "last_date", None) or d.date
    if d.hours is not None:
        return float(d.hours)
    if last_date is not None:
        last_day = (last_date - cal.boundary(0).date()).days + 1
    assert last_day is not None
    return (cal.boundary(last_day) - cal.boundary(0)) / timedelta(hours=1)


def plan(loaded: StagedLoaded) -> Plan:
    """The schedule of ``loaded``'s terms in hours, with the scenario's assumed mixes and prices."""
    terms, scn = loaded.terms, loaded.scenario
    cats = [c.id for c in terms.categories]
    parts = [*cats, *EXTRA_PARTS]
    assumed = {a.category: a.prisoners_per_captive for a in scn.assumed_price}
    mixes = {m.id: m for m in scn.batch}
    zone = terms.agreement.zone
    spans = terms.stage_spans()
    t0 = spans[0][0]
    stages: list[PlanStage] = []
    batches: list[PlanBatch] = []
    exchange_within = float(terms.exchange.prisoners_due_within_hours)
    for k, (st, (begin, end)) in enumerate(zip(terms.stages, spans, strict=True)):
        stages.append(
            PlanStage(
                st.id,
                (begin - t0) / timedelta(hours=1),
                (end - begin) / timedelta(hours=1),
                st.conditional,
                st.next is not None,
            )
        )
        cal = PauseCalendar(begin.astimezone(zone).replace(tzinfo=None), zone)
        bfb = st.bodies_for_bodies
        if bfb is not None:
            rb = bfb.receiver_by
            stages[-1] = replace(
                stages[-1],
                bodies_for_bodies=PlanBodies(
                    bfb.bodies,
                    _hours(cal, bfb.holder_by),
                    float(bfb.returned_per_body),
                    None if rb.within_hours is not None else _hours(cal, rb),
                    None if rb.within_hours is None else float(rb.within_hours),
                ),
            )
        required = st.living if st.living is not None else st.captives
        if required is None:
            required = sum(b.total() for b in st.batches)
        for j, b in enumerate(st.batches):
            count = np.zeros(len(parts), dtype=np.int64)
            mix = mixes.get(b.id)
            by_cat = dict(b.by_category or {})
            bodies = b.bodies or 0
            if mix is not None:
                by_cat = dict(mix.by_category)
                bodies = mix.bodies if mix.bodies is not None else bodies
            if not by_cat and b.categories and len(b.categories) == 1:
                living = b.living if b.living is not None else b.total() - bodies
                by_cat = {b.categories[0]: living}
            for c, n in by_cat.items():
                count[cats.index(c)] = n
            named = sum(by_cat.values())
            if b.living is not None:
                count[-3] = b.living - named
                count[-2] = bodies
            else:
                count[-2] = bodies
            count[-1] = b.total() - int(count.sum())
            if st.prisoners is not None:
                price = np.zeros(len(parts))  # the stage's fixed price covers its release
            elif b.prisoners_per_captive is not None:
                price = np.full(len(parts), float(b.prisoners_per_captive))
            else:
                price = np.full(len(parts), np.nan)
                for i, c in enumerate(cats):
                    p = terms.price(c)
                    price[i] = float(p) if p is not None else assumed.get(c, np.nan)
                if st.bodies_for_bodies is not None:
                    price[-2] = 0.0  # bodies are answered by bodies there, as the engine reads it
            within = next(
                (
                    float(x)
                    for x in (b.prisoners_due_within_hours, st.prisoners_due_within_hours)
                    if x is not None
                ),
                exchange_within,
            )
            last = j == len(st.batches) - 1
            batches.append(
                PlanBatch(
                    b.id,
                    k,
                    _hours(cal, b),
                    count,
                    price,
                    b.prisoners,
                    st.prisoners if last else None,
                    int(required),
                    st.living is not None,
                    within,
                )
            )
    return Plan(stages, batches, parts)


@dataclass
class StagedResults:
    """Per-run outcomes of a staged simulation (runs on the last axis)."""

    began: np.ndarray  # bool [stages, runs]
    next_ended: np.ndarray  # bool [stages, 2, runs]: side ended the talks at the stage's next
    handed: np.ndarray  # int64 [batches, parts, runs]: captives handed over per part
    at_holder: np.ndarray  # float [batches, runs]: hours from stage 1's start
    at_receiver: np.ndarray  # float [batches, runs]
    due: np.ndarray  # float [batches, runs]: prisoners due (NaN: unknown)
    released: np.ndarray  # float [batches, runs]: prisoners released (NaN: unknown)
    late: np.ndarray  # bool [2, batches, runs]: per side, late against its deadline
    short: np.ndarray  # bool [2, batches, runs]: per side, less than due
    stage_hours: np.ndarray  # float [stages, runs]: hours from the stage's start to its last
    # handover (at least its length); 0 where it did not begin
    bodies_received: np.ndarray  # int64 [stages, runs]: bodies the holder handed over (stages
    # with bodies for bodies; 0 elsewhere)
    bodies_due: np.ndarray  # float [stages, runs]: bodies the receiver owes for them
    bodies_returned: np.ndarray  # float [stages, runs]
    bodies_late: np.ndarray  # bool [2, stages, runs]: per side, against its deadline
    bodies_short: np.ndarray  # bool [2, stages, runs]: per side

    @property
    def runs(self) -> int:
        return int(self.began.shape[-1])


def _draws(
    levers: BatchLevers, rng: np.random.Generator, n: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    values = {k: _share(getattr(levers, k), rng, n) for k in LEVERS}
    return values, _share(levers.end_talks, rng, n)


def _toward_stage(p: Plan, b: PlanBatch, handed: np.ndarray) -> np.ndarray:
    """What a batch's handover counts toward its stage's requirement: living captives where the
    stage calls for living ones, else all."""
    mask = p.living() if b.required_living else np.ones(len(p.parts), dtype=np.int64)
    return np.asarray((handed * mask[:, None]).sum(axis=0))


def batch_due(b: PlanBatch, handed: np.ndarray, stage_handed: np.ndarray) -> np.ndarray:
    """Prisoners due for what was handed over of batch ``b`` (``handed``: [parts, runs];
    ``stage_handed``: captives handed over in its stage so far, with it), by the engine's rules;
    NaN where a part with no price was handed over."""
    total = handed.sum(axis=0)
    known = np.nan_to_num(b.price)
    by_ratio = rules.prisoners_due(handed, known[:, None]).sum(axis=0).astype(float)
    unpriced = (handed * np.isnan(b.price)[:, None]).sum(axis=0)
    if b.fixed is not None:
        due = rules.batch_prisoners_due(
            True, rules.stage_fixed_due(total, b.scheduled, b.fixed), 0
        ).astype(float)
    else:
        due = np.where(unpriced > 0, np.nan, by_ratio)
    if b.stage_fixed is not None:
        due = rules.stage_fixed_due(stage_handed, b.stage_required, b.stage_fixed).astype(float)
    return np.asarray(due, dtype=float)


@dataclass
class StagedDraws:
    """A chunk's random draws, in their fixed order (shared by the staged deal and the
    all-at-once exchange it is compared with, run by run)."""

    levers: dict[str, dict[str, np.ndarray]]  # side -> lever -> [runs]
    end_talks: dict[str, np.ndarray]  # side -> [runs]
    u_end: np.ndarray  # [stages, 2, runs]
    u: np.ndarray  # [batches, 2, 3, runs]: delay, under-delivery, hold
    u_bodies: np.ndarray  # [stages, 3, runs]: the receiver's, for bodies for bodies


def staged_draws(loaded: StagedLoaded, p: Plan, seed: int, chunk: int, n: int) -> StagedDraws:
    """The draws of one chunk, from ``SeedSequence(seed, spawn_key=(chunk, 5))``."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(chunk, 5))))
    val, end = {}, {}
    for s in SIDES:
        val[s], end[s] = _draws(getattr(loaded.scenario.levers, s), rng, n)
    u_end = rng.random((len(p.stages), 2, n))
    u = rng.random((len(p.batches), 2, 3, n))
    return StagedDraws(val, end, u_end, u, rng.random((len(p.stages), 3, n)))


def _fires(d: StagedDraws, j: int, side: int) -> tuple[np.ndarray, ...]:
    """Whether batch ``j``'s delay, under-delivery and hold happen for ``side`` (0 holder)."""
    lev = d.levers[SIDES[side]]
    return tuple(d.u[j, side, i] < lev[key] for i, key in enumerate(LEVERS[::2]))


def simulate_staged_chunk(loaded: StagedLoaded, seed: int, chunk: int, n: int) -> StagedResults:
    """Simulate ``n`` runs of one chunk (see the module's docstring for the model)."""
    p = plan(loaded)
    d = staged_draws(loaded, p, seed, chunk, n)
    end, u_end = d.end_talks, d.u_end
    S, B, P = len(p.stages), len(p.batches), len(p.parts)
    began = np.zeros((S, n), dtype=bool)
    next_ended = np.zeros((S, 2, n), dtype=bool)
    for k, st in enumerate(p.stages):
        if k == 0:
            began[k] = True
        elif st.conditional:
            before = p.stages[k - 1]
            happened = ~next_ended[k - 1].any(axis=0) if before.has_next else True
            began[k] = began[k - 1] & happened
        else:
            began[k] = began[k - 1]
        if st.has_next:
            for i, s in enumerate(SIDES):
                next_ended[k, i] = began[k] & (u_end[k, i] < end[s])
    handed = np.zeros((B, P, n), dtype=np.int64)
    at_h = np.zeros((B, n))
    at_r = np.zeros((B, n))
    due = np.zeros((B, n))
    released = np.zeros((B, n))
    late = np.zeros((2, B, n), dtype=bool)
    short = np.zeros((2, B, n), dtype=bool)
    stage_hours = np.where(began, np.array([st.hours for st in p.stages])[:, None], 0.0)
    stage_handed = np.zeros((S, n), dtype=np.int64)
    for j, b in enumerate(p.batches):
        on = began[b.stage]
        start = p.stages[b.stage].starts
        h, r = d.levers["holder"], d.levers["receiver"]
        # The holder's handover.
        delayed, under, held = _fires(d, j, 0)
        parts = b.parts[:, None] * on
        cut = np.floor(parts * h["under_fraction"]).astype(np.int64)
        handed[j] = rules.pick(under, cut, parts)
        total = handed[j].sum(axis=0)
        when = b.due_by + delayed * h["delay_hours"] + held * h["hold_days"] * 24
        at_h[j] = start + when
        late[0, j] = on & ~rules.in_time(when, b.due_by)
        short[0, j] = on & ~rules.batch_met(total, b.scheduled)
        stage_handed[b.stage] += _toward_stage(p, b, handed[j])
        # What is due for it, and the receiver's answer.
        due[j] = np.where(on, batch_due(b, handed[j], stage_handed[b.stage]), 0.0)
        r_delayed, r_under, r_held = _fires(d, j, 1)
        r_due_by = when + b.within_hours
        r_when = r_due_by + r_delayed * r["delay_hours"] + r_held * r["hold_days"] * 24
        at_r[j] = start + r_when
        cut_r = np.floor(np.nan_to_num(due[j]) * r["under_fraction"])
        released[j] = np.where(np.isnan(due[j]), np.nan, rules.pick(r_under, cut_r, due[j]))
        owes = on & ((due[j] > 0) | np.isnan(due[j]))
        late[1, j] = owes & ~rules.in_time(r_when, r_due_by)
        short[1, j] = on & ~np.isnan(due[j]) & ~rules.batch_met(released[j], due[j])
        last = np.where(owes, np.maximum(when, r_when), when) * on
        stage_hours[b.stage] = np.maximum(stage_hours[b.stage], last)
    bodies = _bodies_for_bodies(p, d, began, handed, at_h, stage_hours)
    return StagedResults(
        began, next_ended, handed, at_h, at_r, due, released, late, short, stage_hours, *bodies
    )


def _bodies_for_bodies(
    p: Plan,
    d: StagedDraws,
    began: np.ndarray,
    handed: np.ndarray,
    at_h: np.ndarray,
    stage_hours: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Each stage's bodies for bodies: the bodies its batches handed over (the part known to be
    bodies), the receiver's due at the agreed ratio (``bodies_for_bodies_due``), and the
    receiver's return with its levers (drawn per stage); the holder is late when its last body
    comes after its deadline, short when fewer than the stage calls for came."""
    S, n = len(p.stages), began.shape[-1]
    received = np.zeros((S, n), dtype=np.int64)
    owed = np.zeros((S, n))
    returned = np.zeros((S, n))
    late = np.zeros((2, S, n), dtype=bool)
    short = np.zeros((2, S, n), dtype=bool)
    r = d.levers["receiver"]
    for k, st in enumerate(p.stages):
        bb = st.bodies_for_bodies
        if bb is None:
            continue
        on = began[k]
        idx = [j for j, b in enumerate(p.batches) if b.stage == k]
        got = handed[idx, -2].sum(axis=0) if idx else np.zeros(n, dtype=np.int64)
        expected = (
            bb.bodies if bb.bodies is not None else int(sum(p.batches[j].parts[-2] for j in idx))
        )
        with_bodies = handed[idx, -2] > 0 if idx else np.zeros((0, n), dtype=bool)
        at = at_h[idx] - st.starts if idx else np.zeros((0, n))
        last = np.where(with_bodies, at, 0.0).max(axis=0) if idx else np.zeros(n)
        received[k] = got
        owed[k] = rules.bodies_for_bodies_due(got, bb.per_body) * on
        late[0, k] = on & (got > 0) & ~rules.in_time(last, bb.holder_by)
        short[0, k] = on & ~rules.batch_met(got, expected)
        due_by = last + bb.within if bb.within is not None else np.full(n, bb.receiver_by)
        delayed, under, held = (d.u_bodies[k, i] < r[key] for i, key in enumerate(LEVERS[::2]))
        when = due_by + delayed * r["delay_hours"] + held * r["hold_days"] * 24
        cut = np.floor(owed[k] * r["under_fraction"])
        returned[k] = rules.pick(under, cut, owed[k])
        late[1, k] = on & (owed[k] > 0) & ~rules.in_time(when, due_by)
        short[1, k] = on & ~rules.batch_met(returned[k], owed[k])
        stage_hours[k] = np.maximum(stage_hours[k], np.where(owed[k] > 0, when, 0.0) * on)
    return received, owed, returned, late, short


@dataclass
class AllAtOnce:
    """Per-run outcomes of one all-at-once exchange of everything the stages schedule."""

    agreed: np.ndarray  # bool [runs]
    handed: np.ndarray  # int64 [parts, runs]
    due: np.ndarray  # float [batches, runs]: each batch's part of the due (NaN: unknown)
    released: np.ndarray  # float [batches, runs] (NaN: unknown)
    late: np.ndarray  # bool [2, runs]
    short: np.ndarray  # bool [2, runs]
    hours: np.ndarray  # float [runs]: from stage 1's start to the last handover (0: none)

    @property
    def runs(self) -> int:
        return int(self.agreed.shape[-1])


def all_at_once_chunk(loaded: StagedLoaded, seed: int, chunk: int, n: int) -> AllAtOnce:
    """Every captive the stages schedule (conditional stages too) in one exchange, on the same
    draws as the staged deal: agreed unless either side ends the talks at the first stage's
    ``next`` (the same draw), handed over at the first batch's deadline with the holder's
    draws for that batch, each batch's part cut alike when it under-delivers; the prisoners
    due are each batch's due by the same rules, answered by the receiver with its draws for
    the first batch, by the first batch's deadline after the handover."""
    p = plan(loaded)
    d = staged_draws(loaded, p, seed, chunk, n)
    nxt = [k for k, st in enumerate(p.stages) if st.has_next]
    agreed = np.ones(n, dtype=bool)
    if nxt:
        for i, s in enumerate(SIDES):
            agreed &= ~(d.u_end[nxt[0], i] < d.end_talks[s])
    first = p.batches[0]
    h, r = d.levers["holder"], d.levers["receiver"]
    delayed, under, held = _fires(d, 0, 0)
    handed = np.zeros((len(p.parts), n), dtype=np.int64)
    due = np.zeros((len(p.batches), n))
    stage_handed = np.zeros((len(p.stages), n), dtype=np.int64)
    scheduled = 0
    for j, b in enumerate(p.batches):
        parts = b.parts[:, None] * agreed
        got = rules.pick(under, np.floor(parts * h["under_fraction"]).astype(np.int64), parts)
        handed += got
        stage_handed[b.stage] += _toward_stage(p, b, got)
        due[j] = batch_due(b, got, stage_handed[b.stage])
        scheduled += b.scheduled
    when = first.due_by + delayed * h["delay_hours"] + held * h["hold_days"] * 24
    r_delayed, r_under, r_held = _fires(d, 0, 1)
    r_due_by = when + first.within_hours
    r_when = r_due_by + r_delayed * r["delay_hours"] + r_held * r["hold_days"] * 24
    cut = np.floor(np.nan_to_num(due) * r["under_fraction"])
    released = np.where(np.isnan(due), np.nan, rules.pick(r_under, cut, due))
    total = due.sum(axis=0)  # NaN where any batch's due is unknown
    owes = agreed & ((total > 0) | np.isnan(total))
    late = np.stack(
        [agreed & ~rules.in_time(when, first.due_by), owes & ~rules.in_time(r_when, r_due_by)]
    )
    short = np.stack(
        [
            agreed & ~rules.batch_met(handed.sum(axis=0), scheduled),
            agreed & ~np.isnan(total) & ~rules.batch_met(released.sum(axis=0), total),
        ]
    )
    hours = np.where(owes, np.maximum(when, r_when), when) * agreed
    return AllAtOnce(agreed, handed, due, released, late, short, hours)


def all_at_once(loaded: StagedLoaded, runs: int, seed: int) -> AllAtOnce:
    """The all-at-once exchange over ``runs`` runs (the staged deal's runs, draw for draw)."""
    parts = [all_at_once_chunk(loaded, seed, c, CHUNK) for c, _ in chunks(runs)]
    fields = AllAtOnce.__dataclass_fields__
    return AllAtOnce(
        **{
            f: np.concatenate(
                [getattr(x, f)[..., :n] for x, (_, n) in zip(parts, chunks(runs), strict=True)],
                axis=-1,
            )
            for f in fields
        }
    )


def _concat(parts: list[StagedResults]) -> StagedResults:
    """Join chunks in order (runs on the last axis)."""
    fields = StagedResults.__dataclass_fields__
    return StagedResults(
        **{f: np.concatenate([getattr(x, f) for x in parts], axis=-1) for f in fields}
    )


def _keep(res: StagedResults, n: int) -> StagedResults:
    """The first ``n`` runs."""
    fields = StagedResults.__dataclass_fields__
    return StagedResults(**{f: getattr(res, f)[..., :n] for f in fields})


def _job(path: str, seed: int, chunk: int, n: int) -> StagedResults:
    """A worker's job: load the scenario and simulate one chunk, keeping ``n`` runs."""
    from truce.sim.scenario import load_any

    loaded = load_any(Path(path))
    assert isinstance(loaded, StagedLoaded)
    return _keep(simulate_staged_chunk(loaded, seed, chunk, CHUNK), n)


def simulate_staged(
    loaded: StagedLoaded, runs: int, seed: int, *, workers: int = 1
) -> StagedResults:
    """Simulate ``runs`` runs; the result does not depend on the worker count."""
    if runs < 1:
        raise BadInput(f"runs must be at least 1, got {runs}", param="runs")
    jobs = chunks(runs)
    if workers <= 1 or len(jobs) == 1:
        parts = [_keep(simulate_staged_chunk(loaded, seed, c, CHUNK), n) for c, n in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_job, str(loaded.path), seed, c, n) for c, n in jobs]
            parts = [f.result() for f in futures]
    return _concat(parts)
