"""Simulator throughput: the compiled (Numba) and NumPy kernels beside a per-run Python loop of
the same model, and the Ray backend on one and two CPUs.

Run ``.venv/bin/python benchmarks/simulate.py`` (1,000,000 runs; a ~10-second Ray job) or add
``--quick`` (100,000 runs; a ~2-second Ray job). ``--smoke`` runs every section at a tiny size,
once (for CI: the numbers mean nothing), and starts one Ray cluster (2 CPUs) instead of two:
starting one takes Ray about 5 s. See benchmarks/README.md for the figures.

(a) ``simulate`` on examples/gaza-2023/scenario.toml, local backend, 1 and 2 worker processes,
    with the default kernel (compiled, Numba, where installed) and beside it the NumPy kernel,
    and :func:`loop_model`: the same model written as a plain loop (one run at a time, Python
    ints and floats, a ``random.Random`` per run), timed on a subset of runs. They draw
    different random numbers, so they are compared in distribution: the means of pause days,
    live captives released and prisoners released must agree within a few standard errors.
    The compiled kernel's JIT compile time is reported apart: compiled in a fresh process with
    an empty cache, then loaded from that disk cache by another fresh process, and what this
    process paid (before any timing).
(b) Ray: the same job on a local cluster of 1 CPU and of 2 CPUs; the time to start a cluster,
    the first (cold) tiny job, and the wall time of a tiny job on a warm cluster (the per-job
    overhead).

Goals are printed as PASS/MISS, informational only (exit 0 either way).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from machine import (
    SMOKE_BANNER,
    best,
    describe,
)  # benchmarks/machine.py (this folder is on sys.path)
from truce.sim.core import CHUNK, REASONS, Results, resolve_kernel
from truce.sim.run import simulate
from truce.sim.scenario import Loaded, Prior, Range, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "examples" / "gaza-2023" / "scenario.toml"
LEVERS = ("delay", "under_delivery", "reject", "end_talks", "end_after_breach")


# --- The baseline: the same model, one run at a time, in plain Python -------------------------


def loop_model(loaded: Loaded) -> Callable[[random.Random], tuple[int, int, int, int, int, int]]:
    """A function simulating one run with ``rnd``: (pause days, live captives released,
    prisoners due, prisoners released, aid trucks, stop reason). The day logic is
    ``truce.sim.core.simulate_chunk``'s, step for step, for a single run; only the constants
    of the scenario are prepared here, once."""
    from truce.sim.exchanges import ratio_prior

    scn, terms = loaded.scenario, loaded.terms
    assert terms.initial is not None and terms.extension is not None
    order = loaded.order
    pools = {p.category: p for p in scn.pool}
    C, H = len(order), scn.scenario.horizon_days
    n0 = terms.agreement.initial_days or 0
    Q = terms.initial.captives
    P = terms.extension.captives_per_day
    carry = terms.extension.carry_surplus
    debt = terms.initial.shortfall == "debt"
    counts = [pools[c].count for c in order]
    alive_spec = [pools[c].alive for c in order]
    covered0 = [bool(terms.category_counts(c) and terms.category(c) is not None) for c in order]
    # Ratio specs: ("fixed", value) | ("range", low, high) | ("prior", [(low, high)], [weight]).
    ratio_spec: list[tuple[Any, ...]] = []
    for c in order:
        spec = pools[c].ratio
        if spec is None:
            ratio_spec.append(("fixed", int(terms.ratio(c if terms.category(c) else None))))
        elif isinstance(spec, Range):
            ratio_spec.append(("range", spec.low, spec.high))
        elif isinstance(spec, Prior):
            rows = ratio_prior(spec.prior, spec.weights)
            bounds = [r.ratio_a_per_b() for r, _ in rows]
            ratio_spec.append(
                (
                    "prior",
                    [(b[1] or 0.0, b[2] or 0.0) for b in bounds],
                    [w for _, w in rows],
                )
            )
        elif isinstance(spec, int | float):
            ratio_spec.append(("fixed", round(spec)))
        else:  # a bargaining model: not in the benchmark scenario, not in this baseline
            raise NotImplementedError(f"loop baseline: ratio {type(spec).__name__} of {c!r}")
    holder, receiver = scn.policy.holder, scn.policy.receiver
    h_spec = [getattr(holder, k) for k in LEVERS]
    r_spec = [getattr(receiver, k) for k in LEVERS]
    aid_spec = scn.aid.delivered_fraction
    breakdown_spec = scn.scenario.bargain_breakdown
    trucks = terms.aid.trucks_per_day if terms.aid is not None else 0
    size = holder.list_size
    bargain = scn.scenario.on_exhausted == "bargain"
    h_frac, r_frac = holder.under_fraction, receiver.under_fraction

    def share(spec: float | Range, rnd: random.Random) -> float:
        return rnd.uniform(spec.low, spec.high) if isinstance(spec, Range) else float(spec)

    def run(rnd: random.Random) -> tuple[int, int, int, int, int, int]:
        # Per-run draws.
        remaining = []
        for count, spec in zip(counts, alive_spec, strict=True):
            p = share(spec, rnd)
            remaining.append(sum(1 for _ in range(count) if rnd.random() < p))
        ratio = []
        for r in ratio_spec:
            if r[0] == "fixed":
                ratio.append(r[1])
            elif r[0] == "range":
                ratio.append(round(rnd.uniform(r[1], r[2])))
            else:
                low, high = rnd.choices(r[1], weights=r[2])[0]
                ratio.append(round(rnd.uniform(low, high)))
        covered = list(covered0)
        h_delay, h_under, h_reject, h_end_p, h_after = (share(s, rnd) for s in h_spec)
        r_delay, r_under, r_reject, r_end_p, r_after = (share(s, rnd) for s in r_spec)
        aid_frac = share(aid_spec, rnd)
        breakdown = share(breakdown_spec, rnd)

        pause_days = n0
        balance = cum_init = 0
        released = 0
        pdue = prel = 0
        h_breach = r_breach = False
        reason = 0  # horizon reached
        for k in range(1, H + 1):
            if k > pause_days + 1:
                reason = 1  # quota not met
                break
            # 1. Ending the talks.
            h_end = rnd.random() < h_end_p or (r_breach and rnd.random() < h_after)
            r_end = rnd.random() < r_end_p or (h_breach and rnd.random() < r_after)
            if h_end:
                reason = 2
                break
            if r_end:
                reason = 3
                break
            # The list size.
            if size == "quota":
                want = max(0, -((cum_init - Q) // (n0 - k + 1))) if k <= n0 else P
            else:
                want = int(size)
            # 2. Too few covered captives left: bargain over the next category, or end.
            if sum(remaining) == 0:
                reason = 5
                break
            cov_left = sum(r for r, cv in zip(remaining, covered, strict=True) if cv)
            if cov_left < want and any(
                r > 0 and not cv for r, cv in zip(remaining, covered, strict=True)
            ):
                if not bargain:
                    if cov_left == 0:
                        reason = 6
                        break
                else:
                    if rnd.random() < breakdown:
                        reason = 4
                        break
                    for c in range(C):
                        if remaining[c] > 0 and not covered[c]:
                            covered[c] = True
                            break
                    cov_left = sum(r for r, cv in zip(remaining, covered, strict=True) if cv)
            # 3. The list, the answer, delivery.
            listed = min(want, cov_left)
            rejected = rnd.random() < r_reject
            delayed = rnd.random() < h_delay
            x = 0 if rejected or delayed else listed
            if rnd.random() < h_under:
                x = math.floor(x * h_frac)
            h_breach = not rejected and x < listed
            left = x
            due = 0
            for c in range(C):
                if covered[c] and left:
                    take = min(left, remaining[c])
                    remaining[c] -= take
                    left -= take
                    released += take
                    due += take * ratio[c]
            # 4. Counting (the engine's rules, inferred basis).
            ended = False
            if k <= n0:
                cum_init += x
                if k == n0:
                    surplus = cum_init - Q
                    bal = max(surplus, 0) * carry + min(surplus, 0) * debt
                    g = max(bal // P, 0)
                    balance = bal - g * P
                    pause_days += g
            else:
                avail = balance + x
                g = max(avail // P, 0)
                rest = avail - g * P
                balance = rest if carry else min(rest, 0)
                pause_days += g
                if k > pause_days:
                    reason, ended = 1, True  # the day is still settled below
            # 5. Prisoners.
            pdue += due
            owed = pdue - prel
            p_rej = rnd.random() < h_reject
            p_delay = rnd.random() < r_delay
            give = 0 if p_rej or p_delay else owed
            if rnd.random() < r_under:
                give = math.floor(give * r_frac)
            prel += give
            r_breach = not p_rej and give < owed
            if ended:
                break
        # 6. Aid.
        aid = math.floor(trucks * aid_frac) * pause_days
        return pause_days, released, pdue, prel, aid, reason

    return run


def run_loop(loaded: Loaded, runs: int, seed: int) -> list[tuple[int, int, int, int, int, int]]:
    model = loop_model(loaded)
    return [model(random.Random((seed << 32) | i)) for i in range(runs)]


# --- Timing helpers ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def agree(
    name: str, a: np.ndarray, b: np.ndarray, labels: tuple[str, str] = ("loop", "kernel")
) -> bool:
    """Means of two samples within 4 standard errors of their difference."""
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    z = (a.mean() - b.mean()) / se if se else 0.0
    ok = bool(abs(z) < 4)
    print(
        f"    {name:<22} {labels[0]} {a.mean():>12,.3f}   {labels[1]} {b.mean():>12,.3f}   "
        f"z = {z:+.2f}  {'agree' if ok else 'DISAGREE'}"
    )
    return ok


_PROBE = (
    "import json, time; t = time.perf_counter(); from truce.sim import compiled; "
    "i = time.perf_counter() - t; r = compiled.compile_kernel(); "
    "print(json.dumps({'import': i, 'seconds': r['seconds'], 'from_cache': r['from_cache']}))"
)


def compile_times() -> None:
    """The compiled kernel's JIT cost, apart from any run: a fresh process with an empty cache
    (compiles), another with that cache (loads), and this process (before any timing)."""
    from truce.sim import compiled

    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"TRUCE_NUMBA_CACHE_DIR": tmp}
        cold, warm = (
            json.loads(
                subprocess.run(
                    [sys.executable, "-c", _PROBE],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                ).stdout
            )
            for _ in range(2)
        )
    here = compiled.compile_kernel()
    print(
        f"  numba kernel: compile {cold['seconds']:.2f} s in a fresh process (empty cache; "
        f"import numba {cold['import']:.2f} s), load from the disk cache {warm['seconds']:.2f} s "
        f"(from cache: {warm['from_cache']}); this process {here['seconds']:.2f} s "
        f"(from cache: {here['from_cache']}); cache: {here['cache_dir']}"
    )


# --- The benchmark ----------------------------------------------------------------------------


def bench_kernel(loaded: Loaded, runs: int, loop_runs: int, seed: int, smoke: bool) -> float:
    """Section (a): the kernels on 1 and 2 workers beside the loop; the default's 1-worker
    runs/s."""
    print(f"\n(a) kernel vs per-run Python loop, {SCENARIO.relative_to(ROOT)}")
    kernel = resolve_kernel(None)
    if kernel == "numba":
        compile_times()
    else:
        print("  numba kernel: not installed (pip install 'truce[sim]'): the NumPy kernel only")
    repeat = 1 if smoke else 2 if runs >= 500_000 else 3
    t1, res = best(lambda: simulate(loaded, runs, seed), repeat)
    t2, res2 = best(lambda: simulate(loaded, runs, seed, workers=2), repeat)
    assert np.array_equal(res.pause_days, res2.pause_days)
    tl, rows = best(lambda: run_loop(loaded, loop_runs, seed))
    k1, k2, lp = runs / t1, runs / t2, loop_runs / tl
    print(
        f"  kernel, 1 worker : {runs:>9,} runs in {t1:7.3f} s = {k1:>12,.0f} runs/s (best of {repeat}; {kernel})"
    )
    print(
        f"  kernel, 2 workers: {runs:>9,} runs in {t2:7.3f} s = {k2:>12,.0f} runs/s (best of {repeat}, pool start included; {kernel})"
    )
    resn = res
    if kernel == "numba":
        n1, resn = best(lambda: simulate(loaded, runs, seed, kernel="numpy"), repeat)
        n2, _ = best(lambda: simulate(loaded, runs, seed, workers=2, kernel="numpy"), repeat)
        print(
            f"  numpy kernel, 1 worker : {runs:>9,} runs in {n1:7.3f} s = {runs / n1:>12,.0f} runs/s"
        )
        print(
            f"  numpy kernel, 2 workers: {runs:>9,} runs in {n2:7.3f} s = {runs / n2:>12,.0f} runs/s"
        )
        print(f"  numba / numpy kernel   : {n1 / t1:8.2f}x (1 worker), {n2 / t2:.2f}x (2 workers)")
    print(f"  Python loop      : {loop_runs:>9,} runs in {tl:7.3f} s = {lp:>12,.0f} runs/s")
    print(f"  kernel 1 worker / loop : {k1 / lp:8.1f}x   goal >= 300x: {verdict(k1 / lp >= 300)}")
    print(f"  kernel 2 workers / loop: {k2 / lp:8.1f}x   (loop on 1 core)")
    print(f"  2 workers / 1 worker   : {t1 / t2:8.2f}x")
    print(f"  kernel, 2 workers >= 1,500,000 runs/s: {verdict(k2 >= 1_500_000)}")
    loop = np.array(rows, dtype=np.float64)
    print(f"  same model? means over {loop_runs:,} loop runs vs {runs:,} kernel runs:")
    ok = all(
        [
            agree("pause days", loop[:, 0], res.pause_days),
            agree("captives released", loop[:, 1], res.released.sum(axis=0)),
            agree("prisoners released", loop[:, 3], res.prisoners_released),
            agree("aid trucks", loop[:, 4], res.aid_trucks),
        ]
    )
    shares_l = np.bincount(loop[:, 5].astype(int), minlength=len(REASONS)) / loop_runs
    shares_k = np.bincount(res.reason, minlength=len(REASONS)) / runs
    for i, why in enumerate(REASONS):
        if shares_l[i] or shares_k[i]:
            print(f"    stop: {why:<26} loop {shares_l[i]:6.1%}   kernel {shares_k[i]:6.1%}")
    print(f"  loop and kernel agree in distribution: {verdict(ok)}")
    if kernel == "numba":
        labels = ("numba", "numpy")
        print(f"  same model? numba vs numpy kernel means over {runs:,} runs each:")
        both = all(
            [
                agree("pause days", res.pause_days, resn.pause_days, labels),
                agree(
                    "captives released",
                    res.released.sum(axis=0),
                    resn.released.sum(axis=0),
                    labels,
                ),
                agree(
                    "prisoners released", res.prisoners_released, resn.prisoners_released, labels
                ),
                agree("aid trucks", res.aid_trucks, resn.aid_trucks, labels),
            ]
        )
        print(f"  numba and numpy kernels agree in distribution: {verdict(both)}")
    return k1


def ray_job(loaded: Loaded, runs: int, seed: int) -> Results:
    return simulate(loaded, runs, seed, backend="ray")


def bench_ray(loaded: Loaded, rate: float, seconds: float, seed: int, smoke: bool) -> None:
    """Section (b): the same job on Ray clusters of 1 and 2 CPUs (smoke: 2 only)."""
    try:
        import ray
    except ImportError:
        print("\n(b) Ray: not installed (pip install 'truce[ray]'), skipped")
        return
    runs = max(2, round(rate * seconds / CHUNK)) * CHUNK
    print(f"\n(b) Ray {ray.__version__}: {runs:,} runs ({runs // CHUNK} chunks of {CHUNK:,})")
    t_local, ref = best(lambda: simulate(loaded, runs, seed))
    print(f"  local backend, 1 worker (baseline): {t_local:7.3f} s")
    tries = 1 if smoke else 5
    tiny_local = min(best(lambda: simulate(loaded, 100, seed))[0] for _ in range(tries))
    print(
        f"  local backend, tiny job (100 runs = one whole chunk simulated): {tiny_local * 1000:.1f} ms"
    )
    times = {}
    for cpus in (2,) if smoke else (1, 2):
        t0 = time.perf_counter()
        ray.init(
            num_cpus=cpus,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
        start = time.perf_counter() - t0
        cold, _ = best(partial(ray_job, loaded, CHUNK * cpus, seed))  # starts the worker(s)
        tiny = min(best(lambda: ray_job(loaded, 100, seed))[0] for _ in range(tries))
        t, res = best(lambda: ray_job(loaded, runs, seed))
        assert np.array_equal(res.pause_days, ref.pause_days)
        assert np.array_equal(res.released, ref.released)
        times[cpus] = t
        print(
            f"  Ray, {cpus} CPU{'s' if cpus > 1 else ' '}: start {start:5.2f} s; first job "
            f"({cpus} chunk{'s' if cpus > 1 else ''}) {cold:5.2f} s; tiny job (100 runs) "
            f"warm {tiny * 1000:6.1f} ms ({(tiny - tiny_local) * 1000:+.1f} ms vs local); the job {t:7.3f} s = {runs / t:>10,.0f} runs/s "
            f"({t / t_local:.2f}x the local time)"
        )
        ray.shutdown()
    if 1 in times:
        r = times[1] / times[2]
        print(f"  Ray 2 CPUs / 1 CPU: {r:.2f}x   goal >= 1.8x: {verdict(r >= 1.8)}")
    else:
        print("  Ray 2 CPUs / 1 CPU: not measured (smoke run: one cluster)")
    print("  (same arrays as the local backend: checked)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100,000 runs, a ~2 s Ray job")
    ap.add_argument("--runs", type=int, help="kernel runs (default 1,000,000; quick 100,000)")
    ap.add_argument("--loop-runs", type=int, help="Python loop runs (default 5,000; quick 1,000)")
    ap.add_argument("--ray-seconds", type=float, help="size of the Ray job (default 10; quick 2)")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="every section tiny, once; one Ray cluster (CI; numbers meaningless)",
    )
    a = ap.parse_args(argv)
    if a.smoke:
        print(SMOKE_BANNER)
        a.runs, a.loop_runs, a.ray_seconds = a.runs or 2_000, a.loop_runs or 200, 0.01
    runs = a.runs or (100_000 if a.quick else 1_000_000)
    loop_runs = a.loop_runs or (1_000 if a.quick else 5_000)
    seconds = a.ray_seconds or (2.0 if a.quick else 10.0)
    try:
        import ray

        extra = f"; ray {ray.__version__}"
    except ImportError:
        extra = ""
    try:
        import numba

        extra += f"; numba {numba.__version__}"
    except ImportError:
        pass
    print(describe(f"; numpy {np.__version__}{extra}"))
    print(f"load average at start: {os.getloadavg()[0]:.1f} (other processes share these CPUs)")
    loaded = load_scenario(SCENARIO)
    rate = bench_kernel(loaded, runs, loop_runs, a.seed, a.smoke)
    if not a.no_ray:
        bench_ray(loaded, rate, seconds, a.seed, a.smoke)
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
