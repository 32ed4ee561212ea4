"""Jobs (simulations and the aid queue model, run off the request path) and the aid report of a
configured route (its ceilings, without the queue simulation, which is a job)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from truce.app.aid import aid_show
from truce.app.aid_schemas import AidOut
from truce.app.sim_schemas import SimulateOut
from truce.app.sim_staged_schemas import SimulateStagedOut
from truce.service.access import Caller
from truce.service.jobs import Job, JobIn, JobOut
from truce.service.refusal import Refusal
from truce.service.routes import caller_for, present, route

JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


@route("POST", "/agreements/{ledger_id}/jobs", "read", response_model=JobOut, status_code=202)
def submit_job(
    caller: Annotated[Caller, Depends(caller_for("read"))], request: Request, body: JobIn
) -> JSONResponse:
    """Run a configured scenario's simulation (or a route's queue model) as a job; poll it."""
    job = request.app.state.jobs.submit(caller.served.id, caller.token_id, body)
    return present(caller, job.out(), status=202)


@route("GET", "/agreements/{ledger_id}/jobs/{job_id}", "read", response_model=JobOut)
def job_state(
    caller: Annotated[Caller, Depends(caller_for("read"))], request: Request, job_id: JobId
) -> JSONResponse:
    """A job's progress and state."""
    return present(caller, _job(request, caller, job_id).out())


@route("DELETE", "/agreements/{ledger_id}/jobs/{job_id}", "read", response_model=JobOut)
def cancel_job(
    caller: Annotated[Caller, Depends(caller_for("read"))], request: Request, job_id: JobId
) -> JSONResponse:
    """Cancel a job (it stops at its next chunk of runs); a finished job stays as it is."""
    job = _job(request, caller, job_id)
    job.cancel.set()
    if job.status == "queued":
        job.status = "cancelled"
    return present(caller, job.out())


def _job(request: Request, caller: Caller, job_id: str) -> Job:
    return request.app.state.jobs.get(  # type: ignore[no-any-return]
        caller.served.id, job_id, caller.token_id, caller.sees_all
    )


def _done(request: Request, caller: Caller, job_id: str) -> Job:
    job = _job(request, caller, job_id)
    if job.status != "done":
        raise Refusal(409, "job-not-done", f"job {job_id} is {job.status}")
    return job


@route(
    "GET",
    "/agreements/{ledger_id}/jobs/{job_id}/summary",
    "read",
    response_model=SimulateOut | SimulateStagedOut | AidOut,
)
def job_summary(
    caller: Annotated[Caller, Depends(caller_for("read"))], request: Request, job_id: JobId
) -> JSONResponse:
    """The finished job's result: a simulation's summary (`truce schema simulate`; for a
    scenario whose terms have stages, `truce schema simulate-staged`) or an aid queue model's
    (`truce schema aid`)."""
    job = _done(request, caller, job_id)
    return present(caller, job.result)


@route(
    "GET",
    "/agreements/{ledger_id}/jobs/{job_id}/charts/{name}",
    "read",
    response_class=FileResponse,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
def job_chart(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    request: Request,
    job_id: JobId,
    name: Annotated[str, Path(max_length=100)],
) -> Response:
    """One chart (SVG or PNG) of a finished simulation, by a name its state lists."""
    job = _done(request, caller, job_id)
    if name not in job.charts:
        raise Refusal(404, "not-found", f"no chart {name!r} for this job")
    media = "image/svg+xml" if name.endswith(".svg") else "image/png"
    return FileResponse(job.folder / "charts" / name, media_type=media)


@route(
    "GET",
    "/agreements/{ledger_id}/jobs/{job_id}/runs",
    "read",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def job_runs(
    caller: Annotated[Caller, Depends(caller_for("read"))], request: Request, job_id: JobId
) -> Response:
    """The per-run results of a finished simulation (CSV)."""
    job = _done(request, caller, job_id)
    path = job.folder / "runs.csv"
    if not path.exists():
        raise Refusal(404, "not-found", "this job has no per-run file")
    return FileResponse(path, media_type="text/csv", filename=f"{job_id}-runs.csv")


@route("GET", "/agreements/{ledger_id}/aid", "read", response_model=AidOut)
def aid(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    request: Request,
    route_name: Annotated[str, Query(alias="route", max_length=64)],
    variant: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    """A configured route's ceilings per variant and what limits them (the queue simulation is
    a job: POST .../jobs with kind "aid")."""
    routes = request.app.state.settings.routes
    if route_name not in routes:
        offered = ", ".join(sorted(routes)) or "none configured"
        raise Refusal(404, "not-found", f"no route named {route_name!r} here (offered: {offered})")
    return present(caller, aid_show(routes[route_name], variant=variant, simulate=False))
