"""Simulation and aid-queue jobs: long work never runs inside a request. A job is submitted by
the name of a scenario or route the operator configured (never a path from the request), runs on
a bounded pool of worker threads, reports progress, can be cancelled (it stops at the next chunk
of runs), and keeps its summary, charts and per-run file in its own folder until the process
ends or the oldest jobs are forgotten."""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from truce.errors import TruceError
from truce.service.refusal import Refusal

Status = Literal["queued", "running", "done", "failed", "cancelled"]


class JobIn(BaseModel):
    """A job to run: a configured scenario's simulation, or a configured route's queue model."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["simulate", "aid"]
    name: str = Field(max_length=64, description="The scenario or route, as the operator named it.")
    runs: int = Field(1000, ge=1, le=1_000_000, description="simulate: the number of runs.")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    variant: str | None = Field(None, max_length=64, description="aid: one variant, or all.")
    days: int = Field(10, ge=1, le=60, description="aid: simulated days.")


class JobOut(BaseModel):
    """A job's state; its result once done (``.../summary``: SimulateOut, SimulateStagedOut for
    a scenario whose terms have stages, or AidOut), ``error`` if it failed."""

    id: str
    kind: str
    name: str
    status: Status
    done: int = Field(description="Runs finished (simulate), or 0/1.")
    total: int
    created_at: str
    finished_at: str | None
    error: str | None
    charts: list[str] = Field(description="Chart files (SVG, PNG) to fetch, once done.")
    has_runs: bool = Field(description="Whether the per-run CSV can be fetched.")


def _staged(path: Path) -> bool:
    """Whether a configured scenario's terms have stages ([[stage]] tables)."""
    from truce.app.sim import is_staged

    return is_staged(path)


class Cancelled(Exception):
    """Raised inside a job's progress callback once it is cancelled."""


@dataclass
class Job:
    id: str
    ledger: str
    token: str
    spec: JobIn
    created_at: datetime
    folder: Path
    status: Status = "queued"
    done: int = 0
    total: int = 1
    finished_at: datetime | None = None
    error: str | None = None
    result: Any = None
    charts: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)

    def out(self) -> JobOut:
        return JobOut(
            id=self.id,
            kind=self.spec.kind,
            name=self.spec.name,
            status=self.status,
            done=self.done,
            total=self.total,
            created_at=self.created_at.isoformat(),
            finished_at=None if self.finished_at is None else self.finished_at.isoformat(),
            error=self.error,
            charts=self.charts,
            has_runs=(self.folder / "runs.csv").exists() and self.status == "done",
        )


class JobManager:
    """Submitted jobs, a bounded pool running them, and at most ``keep`` remembered."""

    def __init__(
        self,
        scenarios: dict[str, Path],
        routes: dict[str, Path],
        workers: int,
        queue: int,
        clock: Any,
        keep: int = 100,
        backend: str = "local",
        address: str | None = None,
    ) -> None:
        self.scenarios, self.routes, self.clock = scenarios, routes, clock
        self.backend, self.address = backend, address
        self.queue, self.keep = queue, keep
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="truce-job")
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.lock = threading.Lock()
        self.root = Path(tempfile.mkdtemp(prefix="truce-jobs-"))

    def submit(self, ledger: str, token: str, spec: JobIn) -> Job:
        names = self.scenarios if spec.kind == "simulate" else self.routes
        if spec.name not in names:
            offered = ", ".join(sorted(names)) or "none configured"
            raise Refusal(
                404, "not-found", f"no {spec.kind} named {spec.name!r} here (offered: {offered})"
            )
        with self.lock:
            active = sum(j.status in ("queued", "running") for j in self.jobs.values())
            if active >= self.queue:
                raise Refusal(
                    503,
                    "too-many-jobs",
                    "the job queue is full; retry later",
                    headers={"Retry-After": "10"},
                )
            jid = uuid.uuid4().hex[:16]
            folder = self.root / jid
            folder.mkdir(parents=True)  # the root again after an app's shutdown removed it
            job = Job(jid, ledger, token, spec, self.clock(), folder)
            job.total = spec.runs if spec.kind == "simulate" else 1
            self.jobs[jid] = job
            while len(self.jobs) > self.keep:
                _, old = self.jobs.popitem(last=False)
                old.cancel.set()
                shutil.rmtree(old.folder, ignore_errors=True)
        self.pool.submit(self._run, job, names[spec.name])
        return job

    def get(self, ledger: str, jid: str, token: str, sees_all: bool) -> Job:
        """A job of this agreement, for the token that submitted it (or a mediator)."""
        job = self.jobs.get(jid)
        if job is None or job.ledger != ledger or not (sees_all or job.token == token):
            raise Refusal(404, "not-found", f"no job {jid!r} of this token's")
        return job

    def _run(self, job: Job, path: Path) -> None:
        if job.cancel.is_set():
            job.status = "cancelled"
            return
        job.status = "running"

        def progress(n: int) -> None:
            if job.cancel.is_set():
                raise Cancelled
            job.done += n

        try:
            if job.spec.kind == "simulate" and _staged(path):
                from truce.app.sim import simulate_staged_scenario

                # staged terms run on the NumPy kernel in the job's thread (no backend, no charts)
                job.result = simulate_staged_scenario(
                    path,
                    job.spec.runs,
                    job.spec.seed,
                    progress=progress,
                    results_file=job.folder / "runs.csv",
                )
            elif job.spec.kind == "simulate":
                from truce.app.sim import simulate_scenario

                job.result = simulate_scenario(
                    path,
                    job.spec.runs,
                    job.spec.seed,
                    backend=self.backend,
                    address=self.address,
                    progress=progress,
                    results_file=job.folder / "runs.csv",
                    charts_dir=job.folder / "charts",
                    on_charts=lambda files: job.charts.extend(f.name for f in files),
                )
            else:
                from truce.app.aid import aid_show

                job.result = aid_show(
                    path,
                    variant=job.spec.variant,
                    simulate=True,
                    days=job.spec.days,
                    seed=job.spec.seed,
                )
                job.done = 1
            job.status = "done"
        except Cancelled:
            job.status = "cancelled"
        except TruceError as exc:
            job.status, job.error = "failed", str(exc)
        except Exception as exc:  # a job's failure is its result, never the server's
            job.status, job.error = "failed", f"internal error: {type(exc).__name__}"
        finally:
            job.finished_at = self.clock()

    def close(self) -> None:
        for j in self.jobs.values():
            j.cancel.set()
        self.pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.root, ignore_errors=True)
