"""The compiled (Numba) kernel against the NumPy kernel: the same model in distribution on every
example scenario, the engine's rules compiled from their one definition, the choice of kernel
and its fallback, and the on-disk cache."""

from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, truce_exe
from truce.engine import rules
from truce.engine.state import replay
from truce.errors import BadInput, MissingExtra
from truce.history import History
from truce.sim import core
from truce.sim.core import CHUNK, REASONS, Results
from truce.sim.materialise import run_events, run_terms, run_trace
from truce.sim.run import simulate
from truce.sim.scenario import Loaded, load_scenario

pytest.importorskip("numba")

from truce.sim import compiled  # after the skip: needs numba

GAZA = EXAMPLES / "gaza-2023"
SCENARIOS = sorted(p.name for p in GAZA.glob("scenario*.toml"))
RUNS = 8 * CHUNK  # per kernel and scenario: a few seconds in all
Z = 5.0  # standard errors: a real difference in the model shows far beyond this at RUNS


@cache
def both(name: str, overrides: tuple[tuple[str, float], ...] = ()) -> tuple[Results, Results]:
    L = load_scenario(GAZA / name, dict(overrides) or None)
    return simulate(L, RUNS, 2024, kernel="numba"), simulate(L, RUNS, 2024, kernel="numpy")


def z_score(a: np.ndarray, b: np.ndarray) -> float:
    """Difference of two sample means in standard errors (0 when both are constant and equal)."""
    a, b = a.astype(float), b.astype(float)
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    diff = float(a.mean() - b.mean())
    return diff / se if se else (0.0 if diff == 0 else math.inf)


def disagreements(a: Results, b: Results) -> list[str]:
    """What differs between two samples of runs beyond chance: means of every outcome (and of
    each category's releases), the share of runs stopping for each reason, and the whole
    distribution of pause days (a chi-square test over pooled lengths)."""
    out = []
    outcomes = {
        "pause days": (a.pause_days, b.pause_days),
        "captives released": (a.released.sum(axis=0), b.released.sum(axis=0)),
        "prisoners due": (a.prisoners_due, b.prisoners_due),
        "prisoners released": (a.prisoners_released, b.prisoners_released),
        "aid trucks": (a.aid_trucks, b.aid_trucks),
    }
    for i in range(a.released.shape[0]):
        outcomes[f"released[{i}]"] = (a.released[i], b.released[i])
    for i, why in enumerate(REASONS):
        outcomes[f"stop: {why}"] = (a.reason == i, b.reason == i)
    for name, (x, y) in outcomes.items():
        if abs(z := z_score(x, y)) > Z:
            out.append(f"{name}: z = {z:+.1f}")
    # Pause lengths: chi-square homogeneity test, lengths with few runs pooled into one bin.
    top = int(max(a.pause_days.max(), b.pause_days.max())) + 1
    ca = np.bincount(a.pause_days, minlength=top).astype(float)
    cb = np.bincount(b.pause_days, minlength=top).astype(float)
    keep = (ca + cb) >= 50
    ca = np.append(ca[keep], ca[~keep].sum())
    cb = np.append(cb[keep], cb[~keep].sum())
    used = (ca + cb) > 0
    ca, cb = ca[used], cb[used]
    if ca.size > 1:
        tot = ca + cb
        ea, eb = tot * ca.sum() / tot.sum(), tot * cb.sum() / tot.sum()
        chi2 = float(((ca - ea) ** 2 / ea).sum() + ((cb - eb) ** 2 / eb).sum())
        dof = ca.size - 1
        # Wilson-Hilferty: the chi-square quantile at z = Z standard errors.
        limit = dof * (1 - 2 / (9 * dof) + Z * math.sqrt(2 / (9 * dof))) ** 3
        if chi2 > limit:
            out.append(f"pause-days distribution: chi2 = {chi2:.0f} > {limit:.0f} ({dof} dof)")
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_compiled_and_numpy_kernels_agree_in_distribution(name: str) -> None:
    numba_res, numpy_res = both(name)
    assert (numba_res.kernel, numpy_res.kernel) == ("numba", "numpy")
    # Different random numbers (not the same arrays) ...
    if numba_res.pause_days.std() > 0:
        assert not np.array_equal(numba_res.pause_days, numpy_res.pause_days)
    # ... the same model.
    assert disagreements(numba_res, numpy_res) == []
    np.testing.assert_allclose(
        numba_res.cum_released / RUNS, numpy_res.cum_released / RUNS, rtol=0.05, atol=0.5
    )


def test_the_agreement_check_can_fail() -> None:
    """The check above has power: doubling one lever's probability (holder ends the talks,
    0.02 a day -> 0.04) is caught, on the same number of runs, with the same kernel."""
    base, _ = both("scenario.toml")
    changed, _ = both("scenario.toml", (("policy.holder.end_talks", 0.04),))
    found = disagreements(base, changed)
    assert any(f.startswith("stop: holder ended the talks") for f in found), found


# --- One definition of the rules --------------------------------------------------------------


def test_the_kernel_compiles_the_engines_rule_functions_themselves() -> None:
    """Every rule the kernel uses is ``numba.njit`` over the engine function's own code object:
    there is no second copy to drift."""
    engine = {
        name: f
        for name, f in inspect.getmembers(rules, inspect.isfunction)
        if f.__module__ == rules.__name__
    }
    assert set(compiled.RULES) == set(engine)
    for name, f in compiled.RULES.items():
        assert f.py_func.__code__ is engine[name].__code__, name
    used = {"extension_days", "leftover", "next_balance", "initial_surplus", "initial_balance"}
    source = inspect.getsource(compiled._chunk_py)
    for name in used | {"prisoners_due", "clamp0"}:
        assert f"_{name}(" in source, name
    # No rule arithmetic restated in the kernel: the counting lines call the compiled rules.
    assert "// P" not in source and "available" not in source


ints = st.integers(-10_000, 10_000)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(a=ints, d=ints, p=st.integers(1, 500), carry=st.booleans(), debt=st.booleans(), q=ints)
def test_compiled_rules_equal_the_engine_rules(
    a: int, d: int, p: int, carry: bool, debt: bool, q: int
) -> None:
    """Numba's integers (int64, floor division, booleans as 0/1) give the engine's answers."""
    R = compiled.RULES
    cases = [
        ("clamp0", (a,)),
        ("neg_part", (a,)),
        ("extension_days", (a, p)),
        ("leftover", (a, d, p)),
        ("next_balance", (a, d, p, carry)),
        ("initial_surplus", (a, q)),
        ("initial_balance", (a, carry, debt)),
        ("prisoners_due", (a, p)),
        ("day_met", (a, p)),
        ("shortfall", (a, p)),
        ("bodies_needed", (a, d % 4)),
        ("creditable", (a, d)),
        ("counted", (a, d, q, p)),
    ]
    for name, args in cases:
        assert R[name](*args) == getattr(rules, name)(*args), (name, args)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(name=st.sampled_from(SCENARIOS), run=st.integers(0, 2 * CHUNK - 1))
def test_engine_agrees_with_materialised_runs_of_the_numpy_kernel(name: str, run: int) -> None:
    """The fallback kernel, too, is the engine's rules: a run of it replayed as a ledger."""
    L = load_scenario(GAZA / name)
    res = numpy_results(name)
    tr = run_trace(L, 9, run, kernel="numpy")
    terms = run_terms(L, tr)
    state = replay(terms, History.of(run_events(L, tr, terms)))
    assert state.pause_days == res.pause_days[run]
    assert state.counted == int(res.released[:, run].sum())
    assert state.prisoners_released == int(res.prisoners_released[run])


@cache
def numpy_results(name: str) -> Results:
    return simulate(load_scenario(GAZA / name), 2 * CHUNK, 9, kernel="numpy")


def test_a_trace_is_its_runs_row() -> None:
    """The compiled kernel's trace of run i sums to run i's row of the results."""
    L: Loaded = load_scenario(GAZA / "scenario.toml")
    res = simulate(L, CHUNK + 10, 5)
    for run in (0, 17, CHUNK + 3):
        tr = run_trace(L, 5, run)
        assert sum(map(sum, tr.released)) == int(res.released[:, run].sum())
        assert sum(tr.prisoners) == int(res.prisoners_released[run])
        assert sum(tr.aid) == int(res.aid_trucks[run])


# --- Choosing a kernel ------------------------------------------------------------------------


def test_the_default_is_the_compiled_kernel_and_numpy_is_the_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert core.resolve_kernel(None) == "numba"
    assert core.resolve_kernel("numpy") == "numpy"
    with pytest.raises(BadInput, match="expected one of numba, numpy"):
        core.resolve_kernel("fortran")
    # Without Numba (its import fails): numpy by default, a clear error when asked for.
    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.setitem(sys.modules, "truce.sim.compiled", None)
    core.numba_available.cache_clear()
    try:
        assert core.resolve_kernel(None) == "numpy"
        with pytest.raises(
            MissingExtra, match=r"numba is not installed: pip install 'truce\[sim\]'"
        ):
            core.resolve_kernel("numba")
        res = simulate(load_scenario(GAZA / "scenario-pause.toml"), 100, 1)
        assert res.kernel == "numpy" and set(res.pause_days.tolist()) == {7}
    finally:
        monkeypatch.undo()
        core.numba_available.cache_clear()


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [truce_exe(), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=None if env is None else os.environ | env,
    )


def test_cli_kernel_option_and_json_field() -> None:
    scn = str(GAZA / "scenario.toml")
    p = _cli("simulate", scn, "--runs", "2000", "--json", "--kernel", "numpy")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["kernel"] == "numpy"
    same = simulate(load_scenario(GAZA / "scenario.toml"), 2000, 1, kernel="numpy")
    assert s["pause_days"]["mean"] == pytest.approx(float(same.pause_days.mean()))
    p = _cli("simulate", scn, "--runs", "2000")
    assert p.returncode == 0 and "numba kernel" in p.stdout, p.stderr
    p = _cli("simulate", scn, "--runs", "10", "--kernel", "fortran")
    assert p.returncode == 2 and "expected one of numba, numpy" in p.stderr


# --- The on-disk cache ------------------------------------------------------------------------

_PROBE = (
    "from truce.sim import compiled; import json; r = compiled.compile_kernel(); "
    "print(json.dumps({'from_cache': r['from_cache'], 'dir': str(r['cache_dir'])}))"
)


def test_compiled_code_is_cached_on_disk_outside_the_source_tree(tmp_path: Path) -> None:
    env = os.environ | {"TRUCE_NUMBA_CACHE_DIR": str(tmp_path)}
    first, second = (
        subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=300
        )
        for _ in range(2)
    )
    assert first.returncode == 0, first.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["dir"] == b["dir"] and Path(a["dir"]).parent == tmp_path
    assert not a["from_cache"] and b["from_cache"]
    assert list(Path(a["dir"]).rglob("*.nbi"))  # numba's index files
