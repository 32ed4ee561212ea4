"""Simulation and aid: the scenarios and routes the operator configured, run as jobs through the
service's own job routes, with a page that follows each job and shows its result."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from truce.service import routes, routes_jobs
from truce.service.dashboard import views
from truce.service.dashboard.web import Page, count, now_of, router, show
from truce.service.jobs import JobIn


@router.get("/agreements/{ledger_id}/model")
def model(
    request: Request,
    v: Page,
    route: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Simulation and aid: pick a configured scenario or route; a route's ceilings at once."""
    caller = v.caller
    settings = request.app.state.settings
    ceilings = None
    if route:
        ceilings = views.body(routes_jobs.aid(caller, request, route, None))
    return show(
        request,
        v,
        "model.html.j2",
        now=now_of(request, caller, None),
        scenarios=sorted(settings.scenarios),
        routes=sorted(settings.routes),
        route=route,
        ceilings=ceilings,
    )


@router.post("/agreements/{ledger_id}/jobs")
def start_job(
    request: Request,
    v: Page,
    csrf: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=10)] = "simulate",
    name: Annotated[str, Form(max_length=64)] = "",
    runs: Annotated[str, Form(max_length=8)] = "1000",
    seed: Annotated[str, Form(max_length=10)] = "0",
) -> Response:
    """Start a job through the service's own route; then its page follows it."""
    caller = v.caller
    v.check_csrf(csrf)
    job = JobIn.model_validate(
        {"kind": kind, "name": name, "runs": count(runs, "runs"), "seed": count(seed, "seed")}
    )
    out = views.body(routes_jobs.submit_job(caller, request, job))
    return RedirectResponse(f"/agreements/{caller.served.id}/jobs/{out['id']}", status_code=303)


@router.get("/agreements/{ledger_id}/jobs/{job_id}")
def job_page(
    request: Request,
    v: Page,
    job_id: Annotated[str, routes.Path(pattern=r"^[0-9a-f]{16}$")],
) -> Response:
    """A job's progress (the page reloads itself while it runs), then its result."""
    caller = v.caller
    state = views.body(routes_jobs.job_state(caller, request, job_id))
    result = None
    if state["status"] == "done":
        result = views.body(routes_jobs.job_summary(caller, request, job_id))
    return show(
        request,
        v,
        "job.html.j2",
        now=now_of(request, caller, None),
        job=state,
        result=result,
    )


@router.get("/agreements/{ledger_id}/jobs/{job_id}/charts/{name}")
def job_chart(
    request: Request,
    v: Page,
    job_id: Annotated[str, routes.Path(pattern=r"^[0-9a-f]{16}$")],
    name: Annotated[str, routes.Path(max_length=100)],
) -> Response:
    """A finished simulation's chart, for this session."""
    caller = v.caller
    resp: Response = routes_jobs.job_chart(caller, request, job_id, name)
    return resp
