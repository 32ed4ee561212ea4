"""Helpers shared by the benchmark scripts: the machine line, best-of timing, the smoke banner."""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# The first line every benchmark prints with ``--smoke`` (tests/benchmarks/test_smoke.py looks
# for it): smoke runs exist so CI notices a benchmark that no longer runs, not to measure.
SMOKE_BANNER = (
    "SMOKE RUN (--smoke): tiny sizes, one repetition; it only shows that every section runs, "
    "the numbers and ratios below mean nothing"
)


def describe(extra: str = "") -> str:
    """OS, CPU model, CPU count and Python; ``extra`` is appended (e.g. a library's version)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()} "
        f"({platform.python_implementation()}){extra}"
    )


def best(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """The shortest wall time of ``repeat`` calls (garbage collected before each), and the last
    call's result: the one timing helper the benchmark scripts share."""
    fastest, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        fastest = min(fastest, time.perf_counter() - t0)
    return fastest, out


@contextlib.contextmanager
def pg_server(given: str | None) -> Iterator[str]:
    """``given`` (a PostgreSQL URL) if set, else a throwaway server as the tests start one."""
    if given:
        yield given
        return
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.pgserver import PgServer

    with PgServer() as server:
        yield server.url
