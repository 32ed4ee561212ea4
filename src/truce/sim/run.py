"""Running a scenario: chunks of runs on this machine (one or more worker processes) or on a Ray
cluster. Chunks are seeded by their index, so every backend and worker count gives the same
arrays for the same seed."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from truce.errors import BadInput, MissingExtra
from truce.sim.core import CHUNK, Results, chunks, concat, keep, simulate_chunk
from truce.sim.scenario import Loaded, load_scenario

BACKENDS = ("local", "ray")
Progress = Callable[[int], None]  # called with the runs just finished


def _one(
    path: str, seed: int, chunk: int, n: int, overrides: dict[str, float] | None = None
) -> Results:
    """A worker's job: load the scenario (cheap) and simulate one chunk."""
    loaded = load_scenario(Path(path), overrides)
    return keep(simulate_chunk(loaded, seed, chunk, CHUNK)[0], n)


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
    return simulate_many(
        [loaded], runs, seed, backend=backend, workers=workers, address=address, progress=progress
    )[0]


def simulate_many(
    variants: list[Loaded],
    runs: int,
    seed: int,
    *,
    backend: str = "local",
    workers: int = 1,
    address: str | None = None,
    progress: Progress | None = None,
) -> list[Results]:
    """Several scenario variants (a sweep) as one job: every (variant, chunk) is a task, all
    with the same seed, so the variants differ only by what was changed."""
    if runs < 1:
        raise BadInput(f"runs must be at least 1, got {runs}", param="runs")
    if backend not in BACKENDS:
        raise BadInput(f"expected one of {', '.join(BACKENDS)}, got {backend!r}", param="backend")
    jobs = [(v, c, n) for v in range(len(variants)) for c, n in chunks(runs)]
    if backend == "ray":
        parts = _ray(variants, seed, jobs, address, progress)
    elif workers <= 1 or len(jobs) == 1:
        parts = []
        for v, chunk, n in jobs:
            parts.append(keep(simulate_chunk(variants[v], seed, chunk, CHUNK)[0], n))
            if progress:
                progress(n)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(_one, str(variants[v].path), seed, c, n, variants[v].overrides)
                for v, c, n in jobs
            ]
            parts = []
            for f, (_, _, n) in zip(futures, jobs, strict=True):
                parts.append(f.result())
                if progress:
                    progress(n)
    per = len(chunks(runs))
    return [concat(parts[i * per : (i + 1) * per]) for i in range(len(variants))]


def _ray(
    variants: list[Loaded],
    seed: int,
    jobs: list[tuple[int, int, int]],
    address: str | None,
    progress: Progress | None,
) -> list[Results]:
    """Chunks as Ray tasks, gathered in chunk order (so the arrays are the local backend's).

    With ``address``, connect to that cluster (every node must be able to read the scenario file
    and its terms at the same path, and import ``truce``); without, start a local cluster with one
    CPU per core, no dashboard, warnings only. If Ray is already initialised in this process, that
    connection is used as it is (``address`` is then ignored). A cluster started here is left
    running for later calls in the same process (starting one takes seconds); Ray stops it when
    the process exits, or call ``ray.shutdown()``.
    """
    try:
        import ray
    except ImportError as exc:
        raise MissingExtra("ray", "ray") from exc
    if not ray.is_initialized():
        if address:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        else:
            ray.init(
                num_cpus=os.cpu_count() or 1,
                include_dashboard=False,
                logging_level=logging.WARNING,
                log_to_driver=False,
            )
    remote = _remote_one()
    index = {
        remote.remote(str(variants[v].path.resolve()), seed, c, n, variants[v].overrides): i
        for i, (v, c, n) in enumerate(jobs)
    }
    out: list[Results | None] = [None] * len(jobs)
    pending = list(index)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            i = index[ref]
            out[i] = ray.get(ref)
            if progress:
                progress(jobs[i][2])
    return [r for r in out if r is not None]


@cache
def _remote_one() -> Any:
    """``_one`` as a Ray remote function, made once (Ray re-exports it to a new cluster)."""
    import ray

    return ray.remote(_one)
