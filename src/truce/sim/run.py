"""Running a scenario: chunks of runs on this machine (one or more worker processes) or on a Ray
cluster. Chunks are seeded by their index, so every backend and worker count gives the same
arrays for the same seed."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from truce.errors import BadInput, MissingExtra
from truce.sim.core import CHUNK, Results, chunks, concat, keep, simulate_chunk
from truce.sim.scenario import Loaded, load_scenario

BACKENDS = ("local", "ray")
Progress = Callable[[int], None]  # called with the runs just finished


def _one(path: str, seed: int, chunk: int, n: int) -> Results:
    """A worker's job: load the scenario (cheap) and simulate one chunk."""
    return keep(simulate_chunk(load_scenario(Path(path)), seed, chunk, CHUNK)[0], n)


def simulate(
    loaded: Loaded,
    runs: int,
    seed: int,
    *,
    backend: str = "local",
    workers: int = 1,
    address: str | None = None,
    progress: Progress | None = None,
) -> Results:
    """Simulate ``runs`` runs; the result does not depend on the backend or worker count."""
    if runs < 1:
        raise BadInput(f"runs must be at least 1, got {runs}", where="--runs")
    if backend not in BACKENDS:
        raise BadInput(f"expected one of {', '.join(BACKENDS)}, got {backend!r}", where="--backend")
    jobs = chunks(runs)
    if backend == "ray":
        return _ray(loaded, seed, jobs, address, progress)
    if workers <= 1 or len(jobs) == 1:
        parts = []
        for chunk, n in jobs:
            parts.append(keep(simulate_chunk(loaded, seed, chunk, CHUNK)[0], n))
            if progress:
                progress(n)
        return concat(parts)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_one, str(loaded.path), seed, c, n) for c, n in jobs]
        out = []
        for f, (_, n) in zip(futures, jobs, strict=True):
            out.append(f.result())
            if progress:
                progress(n)
    return concat(out)


def _ray(
    loaded: Loaded,
    seed: int,
    jobs: list[tuple[int, int]],
    address: str | None,
    progress: Progress | None,
) -> Results:
    try:
        import ray
    except ImportError as exc:
        raise MissingExtra("ray", "ray") from exc
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(_one)
    refs = [remote.remote(str(loaded.path), seed, c, n) for c, n in jobs]
    out = []
    for ref, (_, n) in zip(refs, jobs, strict=True):
        out.append(ray.get(ref))
        if progress:
            progress(n)
    return concat(out)
