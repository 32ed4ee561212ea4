"""The agreement's pages: the overview, checking a list and recording an act, the findings, the
record, and the live stream the pages' script follows. Every page works without JavaScript (a
form posts, a link reloads); with it, ``live.js`` refreshes the main region as the record grows."""

from __future__ import annotations

import secrets
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from truce.api import parse_list
from truce.errors import BadInput, TruceError
from truce.service import routes, stream
from truce.service.dashboard import views
from truce.service.dashboard.web import (
    LedgerPath,
    Page,
    SignIn,
    Viewer,
    body_of,
    count,
    now_of,
    router,
    show,
    signed_in,
    state_at,
    viewer,
)
from truce.service.refusal import Refusal
from truce.service.schemas import AppendIn


@router.get("/agreements/{ledger_id}")
def overview(
    request: Request,
    v: Page,
    at: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    caller = v.caller
    now = now_of(request, caller, at)
    view = views.overview(caller, request, now, state_at(now, at), travelled=at is not None)
    return show(
        request,
        v,
        "overview.html.j2",
        now=now,
        refresh=True,
        **view,
    )


MAX_LIST_BYTES = 60_000
"""A list file's size at most (the service's request bodies are capped at 64 KiB)."""


@router.get("/agreements/{ledger_id}/check")
def check_form(
    request: Request,
    v: Page,
    at: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    caller = v.caller
    now = now_of(request, caller, at)
    return show(
        request,
        v,
        "check.html.j2",
        now=now,
        result=None,
        form={},
    )


@router.post("/agreements/{ledger_id}/check")
def check(
    request: Request,
    v: Page,
    csrf: Annotated[str, Form(max_length=200)] = "",
    live: Annotated[str, Form(max_length=12)] = "",
    bodies: Annotated[str, Form(max_length=12)] = "0",
    credit: Annotated[str, Form(max_length=12)] = "0",
    list_file: Annotated[UploadFile | None, File(alias="list")] = None,
    at: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Check a list given by its counts, or as a list file (CSV id,category[,status], or JSON
    Lines): the file's captives are checked one by one, as `truce check --list` does."""
    caller = v.caller
    v.check_csrf(csrf)
    now = now_of(request, caller, at)
    form = {"live": live, "bodies": bodies, "credit": credit}
    try:
        counts = {k: count(v, k) for k, v in form.items()}
        captives = None
        if list_file is not None and list_file.filename:
            name = Path(list_file.filename).name
            try:
                text = list_file.file.read(MAX_LIST_BYTES + 1).decode("utf-8")
            except UnicodeDecodeError:
                raise BadInput("not UTF-8 text", where=name) from None
            if len(text) > MAX_LIST_BYTES:
                raise BadInput(f"a list file is at most {MAX_LIST_BYTES} bytes", where=name)
            captives = [c.model_dump(mode="json") for c in parse_list(text, name)]
        result = views.check(
            caller,
            state_at(now, at),
            counts["live"],
            counts["bodies"],
            counts["credit"],
            captives,
        )
        error = None
    except TruceError as exc:
        result, error = None, exc
    return show(
        request,
        v,
        "check.html.j2",
        code=200 if error is None else 422,
        now=now,
        result=result,
        error=error,
        form=form,
    )


@router.get("/agreements/{ledger_id}/findings")
def findings(
    request: Request,
    v: Page,
    at: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    caller = v.caller
    now = now_of(request, caller, at)
    view = views.findings(caller, request, state_at(now, at))
    return show(
        request,
        v,
        "findings.html.j2",
        now=now,
        refresh=True,
        **view,
    )


@router.get("/agreements/{ledger_id}/log")
def log(
    request: Request,
    v: Page,
    type: Annotated[str | None, Query(max_length=64)] = None,
    party: Annotated[str | None, Query(max_length=64)] = None,
    day: Annotated[str | None, Query(max_length=6)] = None,
    after: Annotated[int | None, Query(ge=0, le=2**53)] = None,
    verify: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    caller = v.caller
    n = count(day, "day") if day else None  # an empty filter field is no filter
    view = views.log_page(caller, request, type or None, party or None, n or None, after)
    verified = views.verified(caller, run=verify == "1", run_async=body_of)
    return show(
        request,
        v,
        "log.html.j2",
        now=now_of(request, caller, None),
        verified=verified,
        refresh=True,
        filters={"type": type or "", "party": party or "", "day": day or ""},
        **view,
    )


@router.post("/agreements/{ledger_id}/record")
def record(
    request: Request,
    v: Annotated[Viewer, Depends(viewer("write"))],
    csrf: Annotated[str, Form(max_length=200)] = "",
    act: Annotated[str, Form(max_length=20)] = "",
    declared_by: Annotated[str, Form(max_length=64)] = "",
    live: Annotated[str, Form(max_length=12)] = "0",
    bodies: Annotated[str, Form(max_length=12)] = "0",
    credit: Annotated[str, Form(max_length=12)] = "0",
    for_day: Annotated[str, Form(max_length=6)] = "",
    list_id: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A party records its own act (its list, or its acceptance or rejection of a list); a
    mediator relays one for a party that has no key. Through the service's append."""
    caller = v.caller
    v.check_csrf(csrf)
    now = request.app.state.clock().astimezone(UTC)
    party = caller.role.id if caller.role.kind == "party" else declared_by
    recorder = f"{caller.role.kind}:{caller.role.id}" if caller.role.id else caller.role.kind
    ev: dict[str, Any] = {
        "id": f"web-{act}-{secrets.token_hex(6)}",
        "at": now.isoformat(),
        "recorded_at": now.isoformat(),
        "declared_by": party,
        "recorded_by": recorder.split(":", 1)[-1],
    }
    if act == "list":
        ev |= {
            "type": "list_announced",
            "live": count(live, "live"),
            "bodies": count(bodies, "bodies"),
            "credit": count(credit, "credit"),
        }
        if for_day.strip():
            ev["for_day"] = count(for_day, "for_day")
    elif act in ("accept", "reject"):
        ev |= {"type": f"list_{act}ed", "list": list_id}
    else:
        raise BadInput("expected the act: list, accept or reject", param="act")
    body_of(routes.append, caller, request, AppendIn.model_validate({"events": [{"event": ev}]}))
    return RedirectResponse(f"/agreements/{caller.served.id}?lang={v.lang}", status_code=303)


@router.get("/agreements/{ledger_id}/briefing.{fmt}")
def briefing(
    request: Request,
    v: Page,
    fmt: Annotated[str, routes.Path(pattern="^(html|pdf)$")],
    at: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The briefing to hand around (`truce report`), in the page's language, for this session's
    role: the service's own briefing, so below mediator nothing restricted and no personal data."""
    resp: Response = routes.briefing_of(v.caller, request, fmt, at, None, v.lang, False)
    resp.headers["Content-Disposition"] = f'inline; filename="briefing-{v.lang}.{fmt}"'
    return resp


@router.get("/agreements/{ledger_id}/live")
def live(
    request: Request, ledger_id: LedgerPath, after: Annotated[int, Query(ge=0, le=2**53)] = 0
) -> Response:
    """The service's event stream for this session, after the size the page showed (the
    page's script follows it; a reconnect resumes from Last-Event-ID)."""
    try:
        _, caller = signed_in(request, ledger_id)
    except SignIn:  # a stream is not a page: no redirect to the sign-in form
        raise Refusal(401, "unauthorized", "sign in again") from None
    last = request.headers.get("last-event-id")
    return stream.event_stream(caller, request, stream._seq(last) if last else after)
