"""The simulation kernels: :func:`simulate_chunk` runs one chunk with the compiled kernel
(``truce.sim.compiled``, Numba; the default where it is installed) or the NumPy kernel here
(NumPy over runs, the pause days as the loop). Both simulate the model below.

Every count goes through ``truce.engine.rules`` (the same functions the engine uses on scalars;
the compiled kernel calls them compiled), so the simulator never re-implements the terms.
Random numbers are drawn per fixed-size chunk of runs from ``SeedSequence(seed,
spawn_key=(chunk, ...))``: the same seed gives the same arrays on any backend and any number of
workers, for a given kernel (the two kernels draw differently; see ``truce.sim.compiled``).

One simulated day ``k`` (for each run still going):
1. either side may end the talks (its ``end_talks`` probability, or ``end_after_breach`` when
   the other side fell short the day before); the pause then runs to its current end;
2. when the live captives left in covered categories cannot fill the day's list, the next
   category in the holder's order is bargained (success with 1 - ``bargain_breakdown``), or,
   with ``on_exhausted = "end"``, the run ends once none is left;
3. the holder lists ``list_size`` live captives (``quota``: the initial quota spread over the
   initial days, then ``captives_per_day``), in its category order; the receiver may reject the
   list; the holder may delay (nothing released that day) or under-deliver (``under_fraction``);
4. the day is counted exactly as the engine does with no recorded extensions (the inferred basis):
   the initial phase judged at its last day, then each day's releases grant whole days;
5. prisoners fall due at each category's exchange ratio; the receiver releases what is owed
   unless the holder rejects its list, it delays, or under-delivers;
6. aid: the terms' trucks per day times the delivered share, on every pause day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

import numpy as np

from truce.engine import rules
from truce.errors import BadInput, MissingExtra
from truce.sim.scenario import Bargain, Loaded, Prior, Range

CHUNK = 1 << 14  # runs per chunk; every chunk is simulated whole, so run i is the same
# whatever the total number of runs
REASONS = (
    "horizon reached",
    "quota not met",
    "holder ended the talks",
    "receiver ended the talks",
    "bargaining broke down",
    "all captives released",
    "covered categories ran out",
)
LEVERS = ("delay", "under_delivery", "reject", "end_talks", "end_after_breach")


@dataclass
class Results:
    """Per-run outcomes of one chunk (or many, concatenated)."""

    pause_days: np.ndarray  # int32 [runs]
    released: np.ndarray  # int32 [categories, runs], live captives released
    prisoners_due: np.ndarray  # int64 [runs]
    prisoners_released: np.ndarray  # int64 [runs]
    aid_trucks: np.ndarray  # int64 [runs]
    reason: np.ndarray  # int8 [runs], index into REASONS
    stop_day: np.ndarray  # int32 [runs]: the day the run stopped (horizon + 1 if it did not)
    cum_released: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [days] sum over runs
    cum_prisoners: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [days] sum over runs
    kernel: str = "numpy"  # which kernel simulated these runs: "numba" or "numpy"

    @property
    def runs(self) -> int:
        return int(self.pause_days.shape[0])


@dataclass
class Trace:
    """One run's days, for materialising it as a ledger: per day, releases by category,
    prisoners released and aid trucks."""

    released: list[list[int]]  # [day][category]
    prisoners: list[int]
    aid: list[int]
    ratios: list[int]  # the run's ratio per category
    bargained: list[bool]  # categories covered by bargaining in this run


def concat(parts: list[Results]) -> Results:
    """Join chunks in order."""
    days = max((p.cum_released.shape[0] for p in parts), default=0)

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, (0, days - a.shape[0]))

    return Results(
        np.concatenate([p.pause_days for p in parts]),
        np.concatenate([p.released for p in parts], axis=1),
        np.concatenate([p.prisoners_due for p in parts]),
        np.concatenate([p.prisoners_released for p in parts]),
        np.concatenate([p.aid_trucks for p in parts]),
        np.concatenate([p.reason for p in parts]),
        np.concatenate([p.stop_day for p in parts]),
        sum((pad(p.cum_released) for p in parts), np.zeros(days)),
        sum((pad(p.cum_prisoners) for p in parts), np.zeros(days)),
        parts[0].kernel if parts else "numpy",
    )


KERNELS = ("numba", "numpy")


@cache
def numba_available() -> bool:
    """Whether the compiled kernel can be used (Numba installed and importable)."""
    try:
        import truce.sim.compiled  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_kernel(kernel: str | None) -> str:
    """The kernel to run: "numba" or "numpy"; ``None`` (or "auto") means numba where it is
    installed, else numpy. Asking for "numba" without Numba names the extra to install."""
    if kernel is None or kernel == "auto":
        return "numba" if numba_available() else "numpy"
    if kernel not in KERNELS:
        raise BadInput(f"expected one of {', '.join(KERNELS)}, got {kernel!r}", param="kernel")
    if kernel == "numba" and not numba_available():
        raise MissingExtra("numba", "sim")
    return kernel


def rng_for(seed: int, chunk: int) -> np.random.Generator:
    """The generator of one chunk: independent of how chunks are spread over workers."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(chunk,))))


def _share(value: float | Range, rng: np.random.Generator, n: int) -> np.ndarray:
    """A value per run: fixed, or drawn uniformly from {low, high}."""
    if isinstance(value, Range):
        return rng.uniform(value.low, value.high, n)
    return np.full(n, float(value))


def _ratio(
    spec: float | Range | Prior | Bargain | None,
    default: Fraction,
    rng: np.random.Generator,
    n: int,
) -> np.ndarray:
    """Exchange ratios per run, whole prisoners per captive (ranges, priors and bargains are
    rounded); -1 where a bargain finds no zone of agreement (it breaks down)."""
    if isinstance(spec, Bargain):
        from truce.sim.bargain import new_ratio

        hold, recv = spec.holder, spec.receiver
        r = new_ratio(
            spec.bargain,
            _share(recv.reservation, rng, n),  # side A: prefers fewer prisoners per captive
            _share(hold.reservation, rng, n),  # side B: prefers more
            lo=spec.lo,
            hi=spec.hi,
            power_a=recv.power,
            power_b=hold.power,
            delta_a=recv.patience,
            delta_b=hold.patience,
            concession_a=recv.concession,
            concession_b=hold.concession,
            first="a" if spec.first == "receiver" else "b",
        )
        return np.where(np.isnan(r), -1, np.rint(np.nan_to_num(r))).astype(np.int64)
    if spec is None:
        return np.full(n, int(default), dtype=np.int64)
    if isinstance(spec, Range):
        return np.rint(rng.uniform(spec.low, spec.high, n)).astype(np.int64)
    if isinstance(spec, Prior):
        from truce.sim.exchanges import ratio_prior

        rows = ratio_prior(spec.prior, spec.weights)
        # Prisoners per captive: persons released by side A per person released by side B.
        bounds = [r.ratio_a_per_b() for r, _ in rows]
        lows = np.array([b[1] if b[1] is not None else 0.0 for b in bounds])
        highs = np.array([b[2] if b[2] is not None else 0.0 for b in bounds])
        weights = np.array([w for _, w in rows], dtype=float)
        pick = rng.choice(len(rows), size=n, p=weights / weights.sum())
        return np.rint(rng.uniform(lows[pick], highs[pick])).astype(np.int64)
    return np.full(n, round(spec), dtype=np.int64)


@dataclass
class Draws:
    """What each run draws before day 1, in a fixed order (shared with the deal comparison, so
    both kinds of deal face the same captives alive and the same exchange ratios)."""

    alive: np.ndarray  # int64 [categories, runs]: live captives per category
    ratio: np.ndarray  # int64 [categories, runs]: prisoners per captive (-1: no bargain zone)
    covered: np.ndarray  # bool [categories, runs]: covered by the terms at the start
    holder: dict[str, np.ndarray]
    receiver: dict[str, np.ndarray]
    aid_frac: np.ndarray
    breakdown: np.ndarray


def draws(loaded: Loaded, rng: np.random.Generator, n: int, alive_key: int | None = None) -> Draws:
    """The per-run draws, in a fixed order. With ``alive_key`` (the compiled kernel), the
    captives alive are drawn by the compiled binomial from that key instead of from ``rng``;
    everything else is drawn from ``rng`` as for the NumPy kernel."""
    scn, terms = loaded.scenario, loaded.terms
    order = loaded.order
    pools = {p.category: p for p in scn.pool}
    counts = np.array([pools[c].count for c in order], dtype=np.int64)
    alive_p = np.stack([_share(pools[c].alive, rng, n) for c in order])
    if alive_key is None:
        alive = rng.binomial(counts[:, None], alive_p).astype(np.int64)
    else:
        from truce.sim.compiled import binomial

        alive = binomial(counts, alive_p, alive_key)
    ratio = np.stack(
        [
            _ratio(pools[c].ratio, terms.ratio(c if terms.category(c) else None), rng, n)
            for c in order
        ]
    )
    covered = np.array([terms.category_counts(c) and terms.category(c) is not None for c in order])
    return Draws(
        alive,
        ratio,
        np.repeat(covered[:, None], n, axis=1),
        {k: _share(getattr(scn.policy.holder, k), rng, n) for k in LEVERS},
        {k: _share(getattr(scn.policy.receiver, k), rng, n) for k in LEVERS},
        _share(scn.aid.delivered_fraction, rng, n),
        _share(scn.scenario.bargain_breakdown, rng, n),
    )


def chunk_draws(loaded: Loaded, seed: int, chunk: int, n: int, kernel: str) -> Draws:
    """A chunk's per-run draws as ``kernel`` ("numba" or "numpy") makes them: the NumPy
    kernel draws everything from ``rng_for(seed, chunk)``; the compiled one draws the captives
    alive with its compiled binomial, from ``SeedSequence(seed, spawn_key=(chunk, 3))``."""
    key = None
    if kernel == "numba":
        key = int(
            np.random.SeedSequence(seed, spawn_key=(chunk, 3)).generate_state(1, np.uint64)[0]
        )
    return draws(loaded, rng_for(seed, chunk), n, key)


@dataclass
class _Working:
    """The state of the runs still going, run axis last; stopped runs are dropped (compacted)
    once they are the majority, so later days cost only what is left."""

    ids: np.ndarray  # chunk positions of these runs
    remaining: np.ndarray
    covered: np.ndarray
    ratio: np.ndarray
    bargained: np.ndarray
    released: np.ndarray
    pause_days: np.ndarray
    balance: np.ndarray
    cum_init: np.ndarray
    pdue: np.ndarray
    prel: np.ndarray
    h_breach: np.ndarray
    r_breach: np.ndarray
    active: np.ndarray
    reason: np.ndarray
    stop_day: np.ndarray
    breakdown: np.ndarray
    hp: dict[str, np.ndarray]
    rp: dict[str, np.ndarray]

    def keep(self, mask: np.ndarray) -> _Working:
        """Only the runs where ``mask`` holds."""
        arrays = {
            name: value[..., mask]
            for name, value in self.__dict__.items()
            if not isinstance(value, dict)
        }
        hp = {k: v[mask] for k, v in self.hp.items()}
        rp = {k: v[mask] for k, v in self.rp.items()}
        return _Working(**arrays, hp=hp, rp=rp)


def simulate_chunk(
    loaded: Loaded,
    seed: int,
    chunk: int,
    n: int,
    trace_run: int | None = None,
    kernel: str | None = None,
) -> tuple[Results, Trace | None]:
    """Simulate ``n`` runs of one chunk; with ``trace_run``, also record that run's days.
    ``kernel``: "numba" (compiled, the default where Numba is installed) or "numpy"."""
    if resolve_kernel(kernel) == "numba":
        return _simulate_chunk_compiled(loaded, seed, chunk, n, trace_run)
    return _simulate_chunk_numpy(loaded, seed, chunk, n, trace_run)


def _simulate_chunk_numpy(
    loaded: Loaded, seed: int, chunk: int, n: int, trace_run: int | None = None
) -> tuple[Results, Trace | None]:
    """The NumPy kernel: every run at once, the days as the loop."""
    scn, terms = loaded.scenario, loaded.terms
    assert terms.initial is not None and terms.extension is not None
    rng = rng_for(seed, chunk)
    order = loaded.order
    C, H = len(order), scn.scenario.horizon_days
    n0 = terms.agreement.initial_days or 0
    Q = terms.initial.captives
    P = terms.extension.captives_per_day
    carry = terms.extension.carry_surplus
    debt = terms.initial.shortfall == "debt"
    d = draws(loaded, rng, n)
    trucks = terms.aid.trucks_per_day if terms.aid is not None else 0
    w = _Working(
        ids=np.arange(n),
        remaining=d.alive.copy(),
        covered=d.covered.copy(),
        ratio=d.ratio,
        bargained=np.zeros((C, n), dtype=bool),
        released=np.zeros((C, n), dtype=np.int64),
        pause_days=np.full(n, n0, dtype=np.int64),
        balance=np.zeros(n, dtype=np.int64),
        cum_init=np.zeros(n, dtype=np.int64),
        pdue=np.zeros(n, dtype=np.int64),
        prel=np.zeros(n, dtype=np.int64),
        h_breach=np.zeros(n, dtype=bool),
        r_breach=np.zeros(n, dtype=bool),
        active=np.ones(n, dtype=bool),
        reason=np.zeros(n, dtype=np.int8),
        stop_day=np.full(n, H + 1, dtype=np.int32),
        breakdown=d.breakdown,
        hp=d.holder,
        rp=d.receiver,
    )
    # Final values per run, written when a run leaves the working set.
    out_pause = np.full(n, n0, dtype=np.int64)
    out_released = np.zeros((C, n), dtype=np.int64)
    out_pdue = np.zeros(n, dtype=np.int64)
    out_prel = np.zeros(n, dtype=np.int64)
    out_reason = np.zeros(n, dtype=np.int8)
    out_stop = np.full(n, H + 1, dtype=np.int32)
    out_bargained = np.zeros((C, n), dtype=bool)
    cum_rel = np.zeros(H)
    cum_pri = np.zeros(H)
    gone_rel = 0.0  # releases by runs already dropped, for the day sums
    gone_pri = 0.0
    tr: Trace | None = None
    if trace_run is not None:
        tr = Trace([], [], [], [int(x) for x in d.ratio[:, trace_run]], [])

    def flush(v: _Working, mask: np.ndarray) -> None:
        at = v.ids[mask]
        out_pause[at] = v.pause_days[mask]
        out_released[:, at] = v.released[:, mask]
        out_pdue[at] = v.pdue[mask]
        out_prel[at] = v.prel[mask]
        out_reason[at] = v.reason[mask]
        out_stop[at] = v.stop_day[mask]
        out_bargained[:, at] = v.bargained[:, mask]

    for k in range(1, H + 1):
        m = w.ids.shape[0]
        if m >= 512 and 2 * int(w.active.sum()) < m:
            gone = ~w.active
            flush(w, gone)
            gone_rel += float(w.released[:, gone].sum())
            gone_pri += float(w.prel[gone].sum())
            w = w.keep(w.active)
            m = w.ids.shape[0]
        active = w.active

        def stop(mask: np.ndarray, why: int, v: _Working = w, k: int = k) -> None:
            hit = mask & v.active
            v.reason[hit] = why
            v.stop_day[hit] = k
            v.active[hit] = False

        hp, rp = w.hp, w.rp
        remaining, covered, ratio = w.remaining, w.covered, w.ratio
        u = rng.random((12, m))
        live = active & (k <= w.pause_days + 1)
        stop(active & ~live, 1)
        # 1. Ending the talks (the pause runs to its current end).
        h_end = live & ((u[0] < hp["end_talks"]) | (w.r_breach & (u[1] < hp["end_after_breach"])))
        r_end = live & ((u[2] < rp["end_talks"]) | (w.h_breach & (u[3] < rp["end_after_breach"])))
        stop(h_end, 2)
        stop(r_end & ~h_end, 3)
        live &= active
        # The holder's list size for the day.
        size = scn.policy.holder.list_size
        if size == "quota":
            if k <= n0:
                want = rules.clamp0(-((w.cum_init - Q) // (n0 - k + 1)))  # ceil(rest/days left)
            else:
                want = np.full(m, P, dtype=np.int64)
        else:
            want = np.full(m, int(size), dtype=np.int64)
        # 2. Too few live captives left in covered categories to fill the list: bargain over
        # the next category in the holder's order, or end.
        stop(live & (remaining.sum(axis=0) == 0), 5)
        live &= active
        cov_left = (remaining * covered).sum(axis=0)
        need = live & (cov_left < want) & (((~covered) & (remaining > 0)).any(axis=0))
        if need.any():
            if scn.scenario.on_exhausted == "end":
                stop(need & (cov_left == 0), 6)
            else:
                # The first uncovered category (holder's order) with captives left; a bargain
                # with no zone of agreement (ratio -1) breaks down like a failed one.
                todo = (~covered) & (remaining > 0)
                first = np.argmax(todo, axis=0)
                agreed = ratio[first, np.arange(m)] >= 0
                ok = need & (u[4] >= w.breakdown) & agreed
                stop(need & ~ok, 4)
                cols = np.nonzero(ok)[0]
                covered[first[cols], cols] = True
                w.bargained[first[cols], cols] = True
            live &= active
            cov_left = (remaining * covered).sum(axis=0)
        # 3. The holder's list, the receiver's answer, delivery.
        listed = np.minimum(want, cov_left) * live
        rejected = live & (u[5] < rp["reject"])
        delayed = live & (u[6] < hp["delay"])
        under = live & (u[7] < hp["under_delivery"])
        x = listed * ~(rejected | delayed)
        x = np.where(under, np.floor(x * scn.policy.holder.under_fraction).astype(np.int64), x)
        w.h_breach = live & ~rejected & (x < listed)
        left = x.copy()
        taken = np.zeros((C, m), dtype=np.int64)
        for c in range(C):
            take = np.minimum(left, remaining[c] * covered[c])
            taken[c] = take
            left -= take
        remaining -= taken
        w.released += taken
        # 4. Counting, with the engine's rules (inferred basis).
        if k <= n0:
            w.cum_init += x
            if k == n0:
                surplus = rules.initial_surplus(w.cum_init, Q)
                bal = rules.initial_balance(surplus, carry, debt)
                g = rules.extension_days(bal, P)
                w.balance = np.where(active, rules.leftover(bal, g, P), w.balance)
                w.pause_days += g * active
        else:
            avail = w.balance + x
            g = rules.extension_days(avail, P)
            w.balance = np.where(live, rules.next_balance(avail, g, P, carry), w.balance)
            w.pause_days += g * live
            stop(live & (k > w.pause_days), 1)
        # 5. Prisoners at each category's exchange ratio.
        w.pdue += rules.prisoners_due(taken, ratio).sum(axis=0)
        owed = w.pdue - w.prel
        p_rej = live & (u[8] < hp["reject"])
        p_delay = live & (u[9] < rp["delay"])
        p_under = live & (u[10] < rp["under_delivery"])
        give = owed * (live & ~(p_rej | p_delay))
        give = np.where(
            p_under, np.floor(give * scn.policy.receiver.under_fraction).astype(np.int64), give
        )
        w.prel += give
        w.r_breach = live & ~p_rej & (give < owed)
        cum_rel[k - 1] = gone_rel + w.released.sum()
        cum_pri[k - 1] = gone_pri + w.prel.sum()
        if tr is not None and trace_run is not None:
            pos = int(np.searchsorted(w.ids, trace_run))
            here = pos < m and w.ids[pos] == trace_run
            tr.released.append([int(v) for v in taken[:, pos]] if here else [0] * C)
            tr.prisoners.append(int(give[pos]) if here else 0)
        if not active.any():
            cum_rel[k:] = cum_rel[k - 1]
            cum_pri[k:] = cum_pri[k - 1]
            break
    flush(w, np.ones(w.ids.shape[0], dtype=bool))
    # 6. Aid: the delivered share of the commitment on every pause day.
    per_day = np.floor(trucks * d.aid_frac).astype(np.int64)
    aid = per_day * out_pause
    if tr is not None and trace_run is not None:
        tr.bargained = [bool(b) for b in out_bargained[:, trace_run]]
        tr.aid = [int(per_day[trace_run])] * int(out_pause[trace_run])
    res = Results(
        out_pause.astype(np.int32),
        out_released.astype(np.int32),
        out_pdue,
        out_prel,
        aid,
        out_reason,
        out_stop,
        cum_rel,
        cum_pri,
        "numpy",
    )
    return res, tr


def _simulate_chunk_compiled(
    loaded: Loaded, seed: int, chunk: int, n: int, trace_run: int | None = None
) -> tuple[Results, Trace | None]:
    """The compiled kernel (truce.sim.compiled): the same per-run draws as the NumPy kernel,
    then each run's days in machine code, with its own stream of day-by-day draws."""
    from truce.sim import compiled

    scn, terms = loaded.scenario, loaded.terms
    assert terms.initial is not None and terms.extension is not None
    C, H = len(loaded.order), scn.scenario.horizon_days
    d = chunk_draws(loaded, seed, chunk, n, "numba")
    key = np.random.SeedSequence(seed, spawn_key=(chunk, 2)).generate_state(1, np.uint64)[0]
    size = scn.policy.holder.list_size
    out_pause = np.empty(n, dtype=np.int64)
    out_released = np.empty((C, n), dtype=np.int64)
    out_bargained = np.empty((C, n), dtype=bool)
    out_pdue = np.empty(n, dtype=np.int64)
    out_prel = np.empty(n, dtype=np.int64)
    out_reason = np.empty(n, dtype=np.int8)
    out_stop = np.empty(n, dtype=np.int32)
    day_rel = np.zeros(H)
    day_pri = np.zeros(H)
    tr_rel = np.zeros((H, C), dtype=np.int64)
    tr_pri = np.zeros(H, dtype=np.int64)
    compiled.run_chunk(
        alive=np.ascontiguousarray(d.alive, dtype=np.int64),
        ratio=np.ascontiguousarray(d.ratio, dtype=np.int64),
        covered0=np.ascontiguousarray(d.covered[:, 0] if n else np.zeros(C, dtype=bool)),
        hp=np.ascontiguousarray(np.stack([d.holder[k] for k in LEVERS]), dtype=np.float64),
        rp=np.ascontiguousarray(np.stack([d.receiver[k] for k in LEVERS]), dtype=np.float64),
        breakdown=np.ascontiguousarray(d.breakdown, dtype=np.float64),
        key=np.uint64(key),
        H=int(H),
        n0=int(terms.agreement.initial_days or 0),
        Q=int(terms.initial.captives),
        P=int(terms.extension.captives_per_day),
        carry=bool(terms.extension.carry_surplus),
        debt=terms.initial.shortfall == "debt",
        quota=size == "quota",
        size=0 if size == "quota" else int(size),
        on_end=scn.scenario.on_exhausted == "end",
        h_frac=float(scn.policy.holder.under_fraction),
        r_frac=float(scn.policy.receiver.under_fraction),
        trace_run=-1 if trace_run is None else int(trace_run),
        out_pause=out_pause,
        out_released=out_released,
        out_pdue=out_pdue,
        out_prel=out_prel,
        out_reason=out_reason,
        out_stop=out_stop,
        out_bargained=out_bargained,
        day_rel=day_rel,
        day_pri=day_pri,
        tr_rel=tr_rel,
        tr_pri=tr_pri,
    )
    # 6. Aid: the delivered share of the commitment on every pause day.
    trucks = terms.aid.trucks_per_day if terms.aid is not None else 0
    per_day = np.floor(trucks * d.aid_frac).astype(np.int64)
    tr: Trace | None = None
    if trace_run is not None:
        days = min(int(out_stop.max()), H)  # the days the NumPy kernel's loop would have run
        tr = Trace(
            [[int(v) for v in row] for row in tr_rel[:days]],
            [int(v) for v in tr_pri[:days]],
            [int(per_day[trace_run])] * int(out_pause[trace_run]),
            [int(x) for x in d.ratio[:, trace_run]],
            [bool(b) for b in out_bargained[:, trace_run]],
        )
    res = Results(
        out_pause.astype(np.int32),
        out_released.astype(np.int32),
        out_pdue,
        out_prel,
        per_day * out_pause,
        out_reason,
        out_stop,
        np.cumsum(day_rel),
        np.cumsum(day_pri),
        "numba",
    )
    return res, tr


def chunks(runs: int) -> list[tuple[int, int]]:
    """(chunk index, runs kept from it) covering ``runs`` runs; each chunk is simulated whole."""
    return [(i, min(CHUNK, runs - i * CHUNK)) for i in range((runs + CHUNK - 1) // CHUNK)]


def keep(res: Results, n: int) -> Results:
    """The first ``n`` runs of a chunk's results (the last chunk of a run is cut short)."""
    if n == res.runs:
        return res
    return Results(
        res.pause_days[:n],
        res.released[:, :n],
        res.prisoners_due[:n],
        res.prisoners_released[:n],
        res.aid_trucks[:n],
        res.reason[:n],
        res.stop_day[:n],
        res.cum_released * (n / res.runs),
        res.cum_prisoners * (n / res.runs),
        res.kernel,
    )
