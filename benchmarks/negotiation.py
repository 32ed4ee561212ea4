"""Bargaining vs NegMAS: the same time-based concession negotiations in truce and in NegMAS.

Run ``.venv/bin/python benchmarks/negotiation.py`` (2,000 instances, about 3 minutes: NegMAS
takes most of it) or add ``--quick`` (200). NegMAS must be installed in its own environment,
``.venv-negmas`` (NegMAS is AGPL: a benchmark-only tool, never a dependency of truce)::

    python3 -m venv .venv-negmas
    .venv-negmas/bin/pip install -r benchmarks/requirements-negmas.txt

The benchmark fails (exit status 1) if that environment or NegMAS is missing. ``--negmas-python``
or ``TRUCE_NEGMAS_PYTHON`` names another interpreter that has NegMAS.

``--smoke`` runs 10 instances, once (for CI: the numbers mean nothing). It runs truce's side
always, and the NegMAS comparison only if the NegMAS interpreter exists and imports ``negmas``
(the same probe as the full run); otherwise it prints that it skipped it and exits 0.

Each instance is a bilateral negotiation over the exchange ratio in ``[lo, hi]``, discretised
for NegMAS to ``--grid`` equally spaced ratios (default 10,001). Side A's utility is linear and
falls with the ratio, side B's rises; each side has a reservation utility, an opening utility
(``max``) and a concession exponent ``e``, and targets ``max - (max - reserve) * t**(1/e)``
over ``--rounds`` rounds (default 100), proposers alternating from ``first``.

- truce: ``truce.sim.bargain.concession_batch`` over all instances at once (one call per first
  mover), best of ``--repeat`` runs; ``concession_loop`` (plain Python) for context.
- NegMAS: benchmarks/negmas_side.py in the NegMAS environment, one ``SAOMechanism`` per instance
  between two ``TimeBasedConcedingNegotiator`` s (see that file for how they are aligned).

Agreements are the same when both sides break down, or both agree on ratios at most one grid
step apart (NegMAS offers the grid ratio at or just above the proposer's target, truce the
target itself). Goals (informational: PASS/MISS, exit 0 either way): the same agreement on at
least 99% of instances and at least 10,000x NegMAS's negotiations per second.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from machine import (
    SMOKE_BANNER,
    best,
    describe,
)  # benchmarks/machine.py (this folder is on sys.path)
from truce.sim.bargain import Concession, concession_batch, concession_loop

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
NEGMAS_VENV = ROOT / ".venv-negmas"
SETUP = (
    "python3 -m venv .venv-negmas && "
    ".venv-negmas/bin/pip install -r benchmarks/requirements-negmas.txt"
)
GOAL_AGREE = 0.99
GOAL_RATIO = 10_000.0
COLUMNS = ("lo", "hi", "reserve_a", "reserve_b", "exponent_a", "exponent_b", "max_a", "max_b")


def sample(n: int, seed: int) -> dict[str, Any]:
    """``n`` seeded instances: ranges, reserves, maxima, exponents (log-uniform) and first movers.

    Reserves are drawn up to 0.7, so about 1 instance in 6 has reserves summing above 1: nothing
    to agree on, a breakdown in both models. Half the instances open below the best outcome.
    """
    rng = np.random.default_rng(seed)
    lo = rng.uniform(0.0, 5.0, n)
    hi = lo + rng.uniform(1.0, 20.0, n)
    reserve_a = rng.uniform(0.0, 0.7, n)
    reserve_b = rng.uniform(0.0, 0.7, n)
    max_a = np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0.75, 1.0, n))
    max_b = np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0.75, 1.0, n))
    exponent_a = np.exp(rng.uniform(np.log(0.2), np.log(5.0), n))
    exponent_b = np.exp(rng.uniform(np.log(0.2), np.log(5.0), n))
    first_a = rng.random(n) < 0.5
    return {
        "lo": lo,
        "hi": hi,
        "reserve_a": reserve_a,
        "reserve_b": reserve_b,
        "exponent_a": exponent_a,
        "exponent_b": exponent_b,
        "max_a": max_a,
        "max_b": max_b,
        "first_a": first_a,
    }


def run_truce(
    inst: dict[str, Any], rounds: int, solver: Callable[..., Concession] = concession_batch
) -> tuple[np.ndarray, np.ndarray]:
    """Agreement round and ratio per instance: one call per first mover (``first`` is a scalar)."""
    n = inst["lo"].size
    rounds_out = np.full(n, -1, dtype=np.int64)
    ratio_out = np.full(n, np.nan)
    for first, mask in (("a", inst["first_a"]), ("b", ~inst["first_a"])):
        c = solver(
            inst["reserve_a"][mask],
            inst["reserve_b"][mask],
            inst["exponent_a"][mask],
            inst["exponent_b"][mask],
            max_a=inst["max_a"][mask],
            max_b=inst["max_b"][mask],
            lo=inst["lo"][mask],
            hi=inst["hi"][mask],
            rounds=rounds,
            first=first,
        )
        rounds_out[mask] = c.round
        ratio_out[mask] = c.ratio
    return rounds_out, ratio_out


def find_negmas(given: str | None) -> tuple[Path, str | None]:
    """The NegMAS environment's interpreter (``given``, else ``TRUCE_NEGMAS_PYTHON``, else
    .venv-negmas/bin/python) and why it cannot be used (None: it exists and imports negmas)."""
    path = Path(given or os.environ.get("TRUCE_NEGMAS_PYTHON") or NEGMAS_VENV / "bin" / "python")
    if not path.exists():
        return path, f"no NegMAS environment: {path} does not exist"
    probe = subprocess.run(
        [str(path), "-c", "import negmas; print(negmas.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return path, f"NegMAS is not installed for {path}"
    return path, None


def no_negmas(problem: str) -> None:
    """Say what is missing and how to make it, and exit with status 1 (the full run needs it)."""
    print(
        f"FAIL: {problem}. This benchmark needs NegMAS in a separate environment",
        file=sys.stderr,
    )
    print(
        f"(AGPL: benchmark only, never a truce dependency). Create it with:\n  {SETUP}",
        file=sys.stderr,
    )
    raise SystemExit(1)


def run_negmas(
    python: Path, inst: dict[str, Any], rounds: int, grid: int, clock: str
) -> dict[str, Any]:
    """Run every instance through benchmarks/negmas_side.py; its JSON reply."""
    rows = [
        {
            **{k: float(inst[k][i]) for k in COLUMNS},
            "grid": grid,
            "rounds": rounds,
            "first": "a" if inst["first_a"][i] else "b",
        }
        for i in range(inst["lo"].size)
    ]
    proc = subprocess.run(
        [str(python), str(HERE / "negmas_side.py")],
        input=json.dumps({"clock": clock, "instances": rows}),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(proc.stderr[-4000:], file=sys.stderr)
        print("FAIL: benchmarks/negmas_side.py failed", file=sys.stderr)
        raise SystemExit(1)
    reply: dict[str, Any] = json.loads(proc.stdout)
    return reply


def compare(
    inst: dict[str, Any],
    grid: int,
    rounds: int,
    t_round: np.ndarray,
    t_ratio: np.ndarray,
    results: list[Any],
) -> dict[str, Any]:
    """Agreement between the two: same outcome within one grid step, or both break down."""
    n_round = np.array([k for _, k in results], dtype=np.int64)
    index = np.array([np.nan if i is None else i for i, _ in results], dtype=np.float64)
    step = (inst["hi"] - inst["lo"]) / (grid - 1)
    n_ratio = inst["lo"] + step * index
    t_deal, n_deal = t_round >= 0, n_round >= 0
    with np.errstate(invalid="ignore"):
        close = np.abs(t_ratio - n_ratio) <= step * (1 + 1e-9)
    same = (~t_deal & ~n_deal) | (t_deal & n_deal & close)
    # truce's acceptance margin in the agreement round: the responder's utility of the offer
    # minus its target. NegMAS's proposer rounds its offer to the grid in its own favour, by up
    # to one grid step of utility, so a margin below that can put NegMAS's agreement later.
    k = np.maximum(t_round, 0) / (rounds - 1)
    target_a = inst["max_a"] - (inst["max_a"] - inst["reserve_a"]) * k ** (1 / inst["exponent_a"])
    target_b = inst["max_b"] - (inst["max_b"] - inst["reserve_b"]) * k ** (1 / inst["exponent_b"])
    margin = 1.0 - target_a - target_b  # linear utilities: the same whoever proposes
    explained = ~same & t_deal & (margin < 1.0 / (grid - 1))
    return {
        "same": same,
        "same_round": t_round == n_round,
        "t_deals": int(t_deal.sum()),
        "n_deals": int(n_deal.sum()),
        "later": int((t_deal & n_deal & (n_round > t_round)).sum()),
        "earlier": int((t_deal & n_deal & (n_round < t_round)).sum()),
        "only_truce": int((t_deal & ~n_deal).sum()),
        "only_negmas": int((~t_deal & n_deal).sum()),
        "explained": int(explained.sum()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 instances (about 20 s)")
    ap.add_argument("-n", "--instances", type=int, default=None, help="instances (default 2,000)")
    ap.add_argument("--grid", type=int, default=10_001, help="ratios in NegMAS's outcome space")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--repeat", type=int, default=5, help="truce runs per timing, best kept")
    ap.add_argument(
        "--clock",
        choices=("truce", "negmas"),
        default="truce",
        help="NegMAS on truce's clock (the benchmark) or on its own (to see the difference)",
    )
    ap.add_argument("--negmas-python", default=None, help="interpreter with NegMAS installed")
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="10 instances, once; NegMAS only if its environment exists (CI; numbers meaningless)",
    )
    args = ap.parse_args(argv)
    if args.smoke:
        print(SMOKE_BANNER)
        args.instances, args.repeat = args.instances or 10, 1
    n = args.instances or (200 if args.quick else 2_000)
    python, problem = find_negmas(args.negmas_python)
    if problem is not None and not args.smoke:
        no_negmas(problem)
    inst = sample(n, args.seed)
    print(f"machine: {describe()}")
    print(
        f"{n:,} instances (seed {args.seed}), {args.rounds} rounds, NegMAS grid of {args.grid:,} "
        f"ratios, NegMAS clock: {args.clock}"
    )

    t_batch, (t_round, t_ratio) = best(lambda: run_truce(inst, args.rounds), args.repeat)
    t_loop, (l_round, l_ratio) = best(
        lambda: run_truce(inst, args.rounds, concession_loop), max(1, min(args.repeat, 3))
    )
    assert np.array_equal(t_round, l_round) and np.allclose(t_ratio, l_ratio, equal_nan=True)
    rate_batch, rate_loop = n / t_batch, n / t_loop
    print(f"truce concession_batch: {t_batch * 1e3:.2f} ms: {rate_batch:,.0f} negotiations/s")
    print(f"truce concession_loop:  {t_loop * 1e3:.1f} ms: {rate_loop:,.0f} negotiations/s")
    print(f"  (truce batch / loop: {rate_batch / rate_loop:,.1f}x; same agreements: checked)")
    sys.stdout.flush()
    if problem is not None:  # only a smoke run gets here
        print(f"NegMAS comparison: skipped ({problem}; to run it: {SETUP})")
        return 0

    reply = run_negmas(python, inst, args.rounds, args.grid, args.clock)
    t_negmas = float(reply["seconds"])
    cmp = compare(inst, args.grid, args.rounds, t_round, t_ratio, reply["results"])
    rate_negmas = n / t_negmas
    agree = float(cmp["same"].mean())
    ratio = rate_batch / rate_negmas
    print(f"NegMAS {reply['negmas']} SAO: {t_negmas:.1f} s: {rate_negmas:,.1f} negotiations/s")
    print(
        f"agreements: truce {cmp['t_deals']:,}, NegMAS {cmp['n_deals']:,} of {n:,}; "
        f"NegMAS later {cmp['later']}, earlier {cmp['earlier']}, only truce "
        f"{cmp['only_truce']}, only NegMAS {cmp['only_negmas']}; same round "
        f"{float(cmp['same_round'].mean()):.2%}"
    )
    print(
        f"same agreement: {int(cmp['same'].sum()):,}/{n:,} = {agree:.2%} "
        f"[goal >= {GOAL_AGREE:.0%}: {'PASS' if agree >= GOAL_AGREE else 'MISS'}]"
    )
    print(
        f"  differences where truce's acceptance margin is below one grid step (the grid's "
        f"rounding): {cmp['explained']} of {n - int(cmp['same'].sum())}"
    )
    print(
        f"negotiations/s, truce batch / NegMAS: {ratio:,.0f}x "
        f"[goal >= {GOAL_RATIO:,.0f}x: {'PASS' if ratio >= GOAL_RATIO else 'MISS'}]"
    )
    print(f"  (truce loop / NegMAS: {rate_loop / rate_negmas:,.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
