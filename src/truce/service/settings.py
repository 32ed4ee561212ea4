"""What an operator configures for a served process: limits, and the scenarios and routes it
offers by name (a request never names a path)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from truce.service.witness import WitnessConfig


@dataclass(frozen=True)
class Settings:
    """Limits of one service process. Defaults suit one agreement room on one machine."""

    max_body: int = 64 * 1024
    """Request bodies above this many bytes are refused (413) before they are parsed."""
    max_page: int = 1000
    """The most events one page of ``GET .../events`` returns."""
    rate: float = 50.0
    """Requests per second a token may make on average (a token bucket) ..."""
    burst: int = 200
    """... and at once; beyond that 429 with Retry-After."""
    max_subscribers: int = 200
    """Open event streams per process; beyond that 503."""
    request_timeout: float = 30.0
    """Seconds a request may take before it is answered 503 (the work is not undone)."""
    stream_poll: float = 1.0
    """Seconds between checks of the store for appends by other processes (CLI writers)."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed by CORS; none by default (CORS off)."""
    idempotency_keys: int = 10_000
    """Idempotency records kept per process (the oldest are forgotten first)."""
    job_workers: int = 1
    """Threads running simulation and aid jobs (never a request's own thread)."""
    job_backend: str = "local"
    """Where simulation jobs run their chunks: "local" (the job's thread) or "ray"."""
    ray_address: str | None = None
    """The Ray cluster to use with ``job_backend = "ray"`` (None: start or join a local one)."""
    job_queue: int = 8
    """Jobs queued or running at once; beyond that 503."""
    scenarios: dict[str, Path] = field(default_factory=dict)
    """Simulation scenarios offered by name."""
    routes: dict[str, Path] = field(default_factory=dict)
    """Aid routes offered by name."""
    witness: WitnessConfig | None = None
    """Witness other logs' checkpoints (C2SP tlog-witness) at POST /witness/add-checkpoint."""
