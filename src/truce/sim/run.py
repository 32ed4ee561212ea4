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
from truce.sim.core import CHUNK, Results, chunks, concat, keep, resolve_kernel, simulate_chunk
from truce.sim.scenario import Loaded, load_scenario

BACKENDS = ("local", "ray")
Progress = Callable[[int], None]  # called with the runs just finished


def _batch(
    path: str,
    seed: int,
    todo: list[tuple[int, int]],
    overrides: dict[str, float] | None,
    kernel: str,
) -> list[Results]:
    """A worker's job: load the scenario once and simulate some (chunk, runs kept) of it."""
    loaded = load_scenario(Path(path), overrides)
    return [keep(simulate_chunk(loaded, seed, c, CHUNK, kernel=kernel)[0], n) for c, n in todo]


def _batch_size(jobs: int, workers: int) -> int:
    """Chunks per task: at most 8, and at least 4 tasks per worker so all stay busy to the end
    (a compiled chunk takes milliseconds; a task costs about that to schedule)."""
    return max(1, min(8, jobs // (4 * workers)))


def _batches(jobs: list[tuple[int, int, int]], size: int) -> list[list[tuple[int, int, int]]]:
    """Consecutive (variant, chunk, runs) jobs in groups of at most ``size``, one variant each."""
    out: list[list[tuple[int, int, int]]] = []
    for job in jobs:
        if out and len(out[-1]) < size and out[-1][0][0] == job[0]:
            out[-1].append(job)
        else:
            out.append([job])
    return out


def simulate(
    loaded: Loaded,
    runs: int,
    seed: int,
    *,
    backend: str = "local",
    workers: int = 1,
    address: str | None = None,
    progress: Progress | None = None,
    kernel: str | None = None,
) -> Results:
    """Simulate ``runs`` runs; the result does not depend on the backend or worker count.
    ``kernel``: "numba" (compiled) or "numpy"; ``None``: numba where it is installed."""
    return simulate_many(
        [loaded],
        runs,
        seed,
        backend=backend,
        workers=workers,
        address=address,
        progress=progress,
        kernel=kernel,
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
    kernel: str | None = None,
) -> list[Results]:
    """Several scenario variants (a sweep) as one job: every (variant, chunk) is a task, all
    with the same seed, so the variants differ only by what was changed. The kernel is chosen
    here, once, and every worker (process or Ray task) runs that one."""
    if runs < 1:
        raise BadInput(f"runs must be at least 1, got {runs}", param="runs")
    if backend not in BACKENDS:
        raise BadInput(f"expected one of {', '.join(BACKENDS)}, got {backend!r}", param="backend")
    kern = resolve_kernel(kernel)
    jobs = [(v, c, n) for v in range(len(variants)) for c, n in chunks(runs)]
    if backend == "ray":
        parts = _ray(variants, seed, jobs, address, progress, kern)
    elif workers <= 1 or len(jobs) == 1:
        parts = []
        for v, chunk, n in jobs:
            parts.append(keep(simulate_chunk(variants[v], seed, chunk, CHUNK, kernel=kern)[0], n))
            if progress:
                progress(n)
    else:
        if kern == "numba":
            from truce.sim.compiled import compile_kernel

            compile_kernel()  # once, here: forked workers inherit it (others load the cache)
        # A task is a few chunks of one variant (the scenario loaded once per task), enough
        # tasks for every worker to stay busy to the end.
        batches = _batches(jobs, _batch_size(len(jobs), workers))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(
                    _batch,
                    str(variants[b[0][0]].path),
                    seed,
                    [(c, n) for _, c, n in b],
                    variants[b[0][0]].overrides,
                    kern,
                )
                for b in batches
            ]
            parts = []
            for f, b in zip(futures, batches, strict=True):
                parts.extend(f.result())
                if progress:
                    progress(sum(n for _, _, n in b))
    per = len(chunks(runs))
    return [concat(parts[i * per : (i + 1) * per]) for i in range(len(variants))]


def _ray(
    variants: list[Loaded],
    seed: int,
    jobs: list[tuple[int, int, int]],
    address: str | None,
    progress: Progress | None,
    kernel: str,
) -> list[Results]:
    """Chunks as Ray tasks (a few chunks of one variant each), gathered in chunk order (so the
    arrays are the local backend's).

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
    remote = _remote_batch()
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]
    batches = _batches(jobs, _batch_size(len(jobs), cpus))
    index = {
        remote.remote(
            str(variants[b[0][0]].path.resolve()),
            seed,
            [(c, n) for _, c, n in b],
            variants[b[0][0]].overrides,
            kernel,
        ): i
        for i, b in enumerate(batches)
    }
    out: list[list[Results] | None] = [None] * len(batches)
    pending = list(index)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            i = index[ref]
            out[i] = ray.get(ref)
            if progress:
                progress(sum(n for _, _, n in batches[i]))
    return [r for part in out if part is not None for r in part]


@cache
def _remote_batch() -> Any:
    """``_batch`` as a Ray remote function, made once (Ray re-exports it to a new cluster)."""
    import ray

    return ray.remote(_batch)
