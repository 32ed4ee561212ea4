"""Simulation and aid: the scenarios and routes the operator configured, run as jobs through the
service's own job routes, with a page that follows each job and shows its result."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from truce.service import routes, routes_jobs
from truce.service.dashboard import views
from truce.service.dashboard.web import (
    LedgerPath,
    SignIn,
    count,
    lang_of,
    now_of,
    page,
    router,
    signed_in,
    to_login,
)
from truce.service.jobs import JobIn
from truce.service.refusal import Refusal


@router.get("/agreements/{ledger_id}/model")
def model(
    request: Request,
    ledger_id: LedgerPath,
    route: Annotated[str | None, Query(max_length=64)] = None,
    lang: str | None = None,
) -> Response:
    """Simulation and aid: pick a configured scenario or route; a route's ceilings at once."""
    lang = lang_of(request, lang)
    try:
        s, caller = signed_in(request, ledger_id)
    except SignIn:
        return to_login(request)
    settings = request.app.state.settings
    ceilings = None
    if route:
        ceilings = views.body(routes_jobs.aid(caller, request, route, None))
    return page(
        request,
        "model.html.j2",
        lang,
        session=s,
        caller=caller,
        now=now_of(request, caller, None),
        scenarios=sorted(settings.scenarios),
        routes=sorted(settings.routes),
        route=route,
        ceilings=ceilings,
    )


@router.post("/agreements/{ledger_id}/jobs")
def start_job(
    request: Request,
    ledger_id: LedgerPath,
    csrf: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=10)] = "simulate",
    name: Annotated[str, Form(max_length=64)] = "",
    runs: Annotated[str, Form(max_length=8)] = "1000",
    seed: Annotated[str, Form(max_length=10)] = "0",
) -> Response:
    """Start a job through the service's own route; then its page follows it."""
    try:
        s, caller = signed_in(request, ledger_id)
    except SignIn:
        return to_login(request)
    if not s.csrf_ok(csrf):
        raise Refusal(403, "forbidden", "the form has expired; reload the page and try again")
    job = JobIn.model_validate(
        {"kind": kind, "name": name, "runs": count(runs, "runs"), "seed": count(seed, "seed")}
    )
    out = views.body(routes_jobs.submit_job(caller, request, job))
    return RedirectResponse(f"/agreements/{ledger_id}/jobs/{out['id']}", status_code=303)


@router.get("/agreements/{ledger_id}/jobs/{job_id}")
def job_page(
    request: Request,
    ledger_id: LedgerPath,
    job_id: Annotated[str, routes.Path(pattern=r"^[0-9a-f]{16}$")],
    lang: str | None = None,
) -> Response:
    """A job's progress (the page reloads itself while it runs), then its result."""
    lang = lang_of(request, lang)
    try:
        s, caller = signed_in(request, ledger_id)
    except SignIn:
        return to_login(request)
    state = views.body(routes_jobs.job_state(caller, request, job_id))
    result = None
    if state["status"] == "done":
        result = views.body(routes_jobs.job_summary(caller, request, job_id))
    return page(
        request,
        "job.html.j2",
        lang,
        session=s,
        caller=caller,
        now=now_of(request, caller, None),
        job=state,
        result=result,
    )


@router.get("/agreements/{ledger_id}/jobs/{job_id}/charts/{name}")
def job_chart(
    request: Request,
    ledger_id: LedgerPath,
    job_id: Annotated[str, routes.Path(pattern=r"^[0-9a-f]{16}$")],
    name: Annotated[str, routes.Path(max_length=100)],
) -> Response:
    """A finished simulation's chart, for this session."""
    try:
        _, caller = signed_in(request, ledger_id)
    except SignIn:
        return to_login(request)
    resp: Response = routes_jobs.job_chart(caller, request, job_id, name)
    return resp
