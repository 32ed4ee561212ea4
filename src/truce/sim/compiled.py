"""The compiled simulator kernel (Numba): one run at a time, one day at a time, in machine code.

This is the only module that imports ``numba``; :mod:`truce.sim.core` imports it on demand and
falls back to its NumPy kernel where Numba is missing.

The rules stay one definition. The counting steps call ``truce.engine.rules`` compiled: each
rule function's own code object (``rules.extension_days.__code__``, ...) is wrapped in
``numba.njit``, with the calls between rules resolved to their compiled versions (see
:func:`_compile_rules`). Nothing here restates a rule; a change to ``rules.py`` changes this
kernel (and, through the cache fingerprint, its on-disk cache).

Random numbers: the per-run draws made before day 1 (captives alive, exchange ratios, the
levers' probabilities, the aid share, bargain breakdown) are the NumPy kernel's, from
``rng_for(seed, chunk)`` (:func:`truce.sim.core.draws`): the same for both kernels. The
day-by-day draws come from a SplitMix64 stream per run, seeded from
``SeedSequence(seed, spawn_key=(chunk, 2))`` and the run's position in its chunk, drawn only when
a step needs one. So run *i* depends on (seed, i) alone, whatever the total, the worker count
or the backend; it differs from the NumPy kernel's run *i*, which draws its days differently.

Compiled code is cached on disk (``cache=True``) in ``$TRUCE_NUMBA_CACHE_DIR``, else
``$NUMBA_CACHE_DIR/truce``, else ``$XDG_CACHE_HOME/truce/numba`` (``~/.cache/truce/numba``), in
a sub-folder named by a fingerprint of this file, ``truce/engine/rules.py`` and the Numba and
NumPy versions (Numba does not see changes to functions defined in other files); if none of
these can be written, the system temporary folder. The source tree is never written to, so a
read-only install works.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np

from truce.engine import rules

# The rules the kernel uses (every public function of truce.engine.rules is compiled, so a rule
# calling another resolves to the compiled one).


def _compile_rules() -> dict[str, Any]:
    """Every function of ``truce.engine.rules``, compiled by Numba from its own code object.

    The copies share one globals dictionary in which each rule name is bound to its compiled
    version, so ``extension_days`` calling ``clamp0`` calls the compiled ``clamp0``. The engine
    module itself is untouched (and never imports Numba)."""
    env: dict[str, Any] = dict(vars(rules))
    compiled: dict[str, Any] = {}
    for name, f in inspect.getmembers(rules, inspect.isfunction):
        if f.__module__ != rules.__name__:
            continue
        copy = types.FunctionType(f.__code__, env, f.__name__, f.__defaults__, f.__closure__)
        copy.__qualname__ = f.__qualname__
        compiled[name] = numba.njit(error_model="numpy")(copy)
    env.update(compiled)
    return compiled


RULES = _compile_rules()
_clamp0 = RULES["clamp0"]
_extension_days = RULES["extension_days"]
_leftover = RULES["leftover"]
_next_balance = RULES["next_balance"]
_initial_surplus = RULES["initial_surplus"]
_initial_balance = RULES["initial_balance"]
_prisoners_due = RULES["prisoners_due"]


def _fingerprint() -> str:
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(inspect.getsource(rules).encode())
    h.update(f"numba {numba.__version__} numpy {np.__version__}".encode())
    return h.hexdigest()[:16]


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


def cache_dir() -> Path | None:
    """Where the compiled kernel is cached (``None``: nowhere writable, compiled each process)."""
    fp = _fingerprint()
    bases: list[Path] = []
    if os.environ.get("TRUCE_NUMBA_CACHE_DIR"):
        bases.append(Path(os.environ["TRUCE_NUMBA_CACHE_DIR"]))
    if os.environ.get("NUMBA_CACHE_DIR"):
        bases.append(Path(os.environ["NUMBA_CACHE_DIR"]) / "truce")
    xdg = os.environ.get("XDG_CACHE_HOME")
    bases.append((Path(xdg) if xdg else Path.home() / ".cache") / "truce" / "numba")
    bases.append(Path(tempfile.gettempdir()) / f"truce-numba-{os.getuid()}")
    for base in bases:
        if _writable(base / fp):
            return base / fp
    return None


CACHE_DIR = cache_dir()


def _njit_cached(f: Callable[..., Any]) -> Any:
    """``numba.njit(cache=True)`` into :data:`CACHE_DIR` (Numba's documented ``CACHE_DIR``
    setting, set only while the dispatcher is made, so other Numba users are unaffected)."""
    if CACHE_DIR is None:
        return numba.njit(error_model="numpy")(f)
    config: Any = numba.config
    before = config.CACHE_DIR
    config.CACHE_DIR = str(CACHE_DIR)
    try:
        return numba.njit(cache=True, error_model="numpy")(f)
    finally:
        config.CACHE_DIR = before


# --- Random numbers: SplitMix64, one stream per run -------------------------------------------

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@numba.njit(inline="always")
def _mix(z: Any) -> Any:  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(inline="always")
def _uniform(state: Any) -> tuple[Any, float]:  # pragma: no cover - compiled
    """The next state and a uniform draw in [0, 1)."""
    state = state + _GAMMA
    return state, float(_mix(state) >> _S11) * _TO_UNIT


def _binomial_py(counts: np.ndarray, p: np.ndarray, key: Any) -> np.ndarray:  # pragma: no cover
    """Live captives per category and run: Binomial(counts[c], p[c, r]), each run with its own
    SplitMix64 stream. Small or extreme cases by summing Bernoulli draws, the rest by
    inversion on the smaller tail (exact, a handful of steps on average)."""
    C, n = p.shape
    out = np.empty((C, n), dtype=np.int64)
    for r in range(n):
        s = _mix(key ^ _mix(np.uint64(r) * _GAMMA + _GAMMA))
        for c in range(C):
            m = counts[c]
            pr = p[c, r]
            q = min(pr, 1.0 - pr)
            k = 0
            if m <= 16 or m * q > 200.0:
                for _ in range(m):
                    s, u = _uniform(s)
                    if u < pr:
                        k += 1
                out[c, r] = k
                continue
            s, u = _uniform(s)
            prob = (1.0 - q) ** m
            cdf = prob
            odds = q / (1.0 - q)
            while u >= cdf and k < m:
                prob *= (m - k) / (k + 1) * odds
                k += 1
                cdf += prob
            out[c, r] = k if q == pr else m - k
    return out


_binomial = _njit_cached(_binomial_py)


def binomial(counts: np.ndarray, p: np.ndarray, key: Any) -> np.ndarray:
    """Compiled binomial draws: ``counts`` int64 [C], ``p`` float64 [C, n]; int64 [C, n]."""
    return np.asarray(
        _binomial(
            np.ascontiguousarray(counts, dtype=np.int64),
            np.ascontiguousarray(p, dtype=np.float64),
            np.uint64(key),
        )
    )


# Lever rows in the policy arrays (truce.sim.core.LEVERS order).
_DELAY, _UNDER, _REJECT, _END, _AFTER = 0, 1, 2, 3, 4


def _chunk_py(
    alive: np.ndarray,  # int64 [C, n]
    ratio: np.ndarray,  # int64 [C, n]
    covered0: np.ndarray,  # bool [C]
    hp: np.ndarray,  # float64 [5, n], holder levers
    rp: np.ndarray,  # float64 [5, n], receiver levers
    breakdown: np.ndarray,  # float64 [n]
    key: Any,  # uint64
    H: int,
    n0: int,
    Q: int,
    P: int,
    carry: bool,
    debt: bool,
    quota: bool,
    size: int,
    on_end: bool,
    h_frac: float,
    r_frac: float,
    trace_run: int,
    out_pause: np.ndarray,
    out_released: np.ndarray,
    out_pdue: np.ndarray,
    out_prel: np.ndarray,
    out_reason: np.ndarray,
    out_stop: np.ndarray,
    out_bargained: np.ndarray,
    day_rel: np.ndarray,  # float64 [H]: releases per day, summed over runs
    day_pri: np.ndarray,
    tr_rel: np.ndarray,  # int64 [H, C]: the traced run's releases per day
    tr_pri: np.ndarray,  # int64 [H]
) -> None:  # pragma: no cover - compiled (the tests run it; coverage cannot see inside)
    """Every run of one chunk; the steps are numbered as in :mod:`truce.sim.core`."""
    C, n = alive.shape
    rem = np.empty(C, dtype=np.int64)
    cov = np.empty(C, dtype=np.bool_)
    barg = np.empty(C, dtype=np.bool_)
    rel = np.empty(C, dtype=np.int64)
    taken = np.empty(C, dtype=np.int64)
    for r in range(n):
        s = _mix(key ^ _mix(np.uint64(r) * _GAMMA + _GAMMA))
        for c in range(C):
            rem[c] = alive[c, r]
            cov[c] = covered0[c]
            barg[c] = False
            rel[c] = 0
        pause = n0
        balance = 0
        cum_init = 0
        pdue = 0
        prel = 0
        h_breach = False
        r_breach = False
        reason = 0
        stop = H + 1
        for k in range(1, H + 1):
            if k > pause + 1:
                reason, stop = 1, k
                break
            # 1. Ending the talks (the pause runs to its current end).
            s, u = _uniform(s)
            h_end = u < hp[_END, r]
            if not h_end and r_breach:
                s, u = _uniform(s)
                h_end = u < hp[_AFTER, r]
            if h_end:
                reason, stop = 2, k
                break
            s, u = _uniform(s)
            r_end = u < rp[_END, r]
            if not r_end and h_breach:
                s, u = _uniform(s)
                r_end = u < rp[_AFTER, r]
            if r_end:
                reason, stop = 3, k
                break
            # The holder's list size for the day.
            want = size
            if quota:
                want = _clamp0(-((cum_init - Q) // (n0 - k + 1))) if k <= n0 else P
            # 2. Too few live captives left in covered categories: bargain or end.
            total = 0
            cov_left = 0
            first = -1
            for c in range(C):
                total += rem[c]
                if cov[c]:
                    cov_left += rem[c]
                elif rem[c] > 0 and first < 0:
                    first = c
            if total == 0:
                reason, stop = 5, k
                break
            if cov_left < want and first >= 0:
                if on_end:
                    if cov_left == 0:
                        reason, stop = 6, k
                        break
                else:
                    s, u = _uniform(s)
                    if u < breakdown[r] or ratio[first, r] < 0:
                        reason, stop = 4, k
                        break
                    cov[first] = True
                    barg[first] = True
                    cov_left += rem[first]
            # 3. The holder's list, the receiver's answer, delivery.
            listed = min(want, cov_left)
            s, u = _uniform(s)
            rejected = u < rp[_REJECT, r]
            s, u = _uniform(s)
            delayed = u < hp[_DELAY, r]
            s, u = _uniform(s)
            x = 0 if rejected or delayed else listed
            if u < hp[_UNDER, r]:
                x = int(np.floor(x * h_frac))
            h_breach = (not rejected) and x < listed
            left = x
            due = 0
            day = 0
            for c in range(C):
                take = min(left, rem[c]) if cov[c] else 0
                taken[c] = take
                rem[c] -= take
                rel[c] += take
                left -= take
                day += take
                due += _prisoners_due(take, ratio[c, r])
            # 4. Counting, with the engine's rules (inferred basis).
            ended = False
            if k <= n0:
                cum_init += x
                if k == n0:
                    bal = _initial_balance(_initial_surplus(cum_init, Q), carry, debt)
                    g = _extension_days(bal, P)
                    balance = _leftover(bal, g, P)
                    pause += g
            else:
                avail = balance + x
                g = _extension_days(avail, P)
                balance = _next_balance(avail, g, P, carry)
                pause += g
                ended = k > pause  # the day is still settled below
            # 5. Prisoners at each category's exchange ratio.
            pdue += due
            owed = pdue - prel
            s, u = _uniform(s)
            p_rej = u < hp[_REJECT, r]
            s, u = _uniform(s)
            p_delay = u < rp[_DELAY, r]
            s, u = _uniform(s)
            give = 0 if p_rej or p_delay else owed
            if u < rp[_UNDER, r]:
                give = int(np.floor(give * r_frac))
            prel += give
            r_breach = (not p_rej) and give < owed
            day_rel[k - 1] += day
            day_pri[k - 1] += give
            if r == trace_run:
                for c in range(C):
                    tr_rel[k - 1, c] = taken[c]
                tr_pri[k - 1] = give
            if ended:
                reason, stop = 1, k
                break
        out_pause[r] = pause
        out_pdue[r] = pdue
        out_prel[r] = prel
        out_reason[r] = reason
        out_stop[r] = stop
        for c in range(C):
            out_released[c, r] = rel[c]
            out_bargained[c, r] = barg[c]


_chunk = _njit_cached(_chunk_py)


def compile_kernel() -> dict[str, Any]:
    """Compile the kernel (or load it from the disk cache) on a tiny input, now: the seconds it
    took, whether the disk cache supplied it, and where the cache lives."""
    hits = sum(_chunk.stats.cache_hits.values()) if CACHE_DIR else 0
    t0 = time.perf_counter()
    if not _chunk.signatures:
        C, n, H = 1, 1, 1
        z = np.zeros
        _chunk(
            z((C, n), np.int64),
            z((C, n), np.int64),
            z(C, np.bool_),
            z((5, n)),
            z((5, n)),
            z(n),
            np.uint64(1),
            H,
            0,
            0,
            1,
            True,
            True,
            True,
            1,
            True,
            0.5,
            0.5,
            -1,
            z(n, np.int64),
            z((C, n), np.int64),
            z(n, np.int64),
            z(n, np.int64),
            z(n, np.int8),
            z(n, np.int32),
            z((C, n), np.bool_),
            z(H),
            z(H),
            z((H, C), np.int64),
            z(H, np.int64),
        )
    if not _binomial.signatures:
        binomial(np.ones(1, np.int64), np.full((1, 1), 0.5), 1)
    seconds = time.perf_counter() - t0
    cached = CACHE_DIR is not None and sum(_chunk.stats.cache_hits.values()) > hits
    return {"seconds": seconds, "from_cache": cached, "cache_dir": CACHE_DIR}


def run_chunk(**arrays: Any) -> None:
    """Run the compiled kernel on one chunk (keyword arguments as :func:`_chunk_py` names)."""
    _chunk(*(arrays[name] for name in _ARGS))


_ARGS = tuple(inspect.signature(_chunk_py).parameters)
