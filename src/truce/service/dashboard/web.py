"""What every dashboard page shares: the router (not part of the API: no page is in the
OpenAPI document), the page's language, rendering, the session behind a page and the time a
page is computed at. The pages themselves: signin.py, pages.py, model_pages.py, assets.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.from_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truce.clock import in_zone
from truce.errors import BadInput
from truce.i18n import LANGUAGES, translator
from truce.service import routes
from truce.service.access import Caller, authenticate
from truce.service.dashboard import render, views
from truce.service.dashboard.sessions import COOKIE, LANG_COOKIE, Session
from truce.service.refusal import Refusal

router = APIRouter(include_in_schema=False)
LedgerPath = Annotated[str, routes.Path(pattern=routes.LEDGER_ID)]


def lang_of(request: Request, lang: str | None) -> str:
    """The page's language: ``?lang=``, else the remembered choice, else the browser's."""
    if lang in LANGUAGES:
        return lang
    kept = request.cookies.get(LANG_COOKIE)
    if kept in LANGUAGES:
        return kept
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def page(
    request: Request,
    template: str,
    lang: str,
    code: int = 200,
    session: Session | None = None,
    caller: Caller | None = None,
    **ctx: Any,
) -> HTMLResponse:
    """Render a page; remember ``?lang=`` in a cookie (the viewer's choice)."""
    html = render.page(
        template,
        translator(lang),
        csrf=session.csrf if session else None,
        caller=caller,
        size=caller.served.size if caller else 0,
        query=keep(request),
        path=request.url.path,
        **ctx,
    )
    resp = HTMLResponse(html, status_code=code)
    if request.query_params.get("lang") in LANGUAGES:
        resp.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            httponly=True,
            samesite="strict",
            secure=secure(request),
        )
    return resp


def show(request: Request, v: Viewer, template: str, code: int = 200, **ctx: Any) -> HTMLResponse:
    """A page for its signed-in viewer."""
    return page(request, template, v.lang, code, session=v.session, caller=v.caller, **ctx)


def keep(request: Request) -> str:
    """The query a link keeps (``at``), so moving between pages stays at the same time."""
    at = request.query_params.get("at")
    return "?" + urlencode({"at": at}) if at else ""


def sessions_of(request: Request) -> Any:
    return request.app.state.sessions


class SignIn(Exception):
    """No live session for this page: go to the sign-in form (the app answers it with
    ``to_login``)."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person behind a page: the session, the caller its token stands for, and
    the page's language."""

    session: Session
    caller: Caller
    lang: str

    def check_csrf(self, sent: str) -> None:
        """Refuse a form whose CSRF token is not this session's."""
        if not self.session.csrf_ok(sent):
            raise Refusal(403, "forbidden", "the form has expired; reload the page and try again")


def viewer(access: str = "read") -> Callable[..., Viewer]:
    """The dependency of a page of this access level: its viewer, or SignIn."""

    def dep(request: Request, ledger_id: LedgerPath, lang: str | None = None) -> Viewer:
        s, caller = signed_in(request, ledger_id, access)
        return Viewer(s, caller, lang_of(request, lang))

    return dep


Page = Annotated[Viewer, Depends(viewer("read"))]
"""A page any signed-in role may see."""


def signed_in(request: Request, ledger_id: str, access: str = "read") -> tuple[Session, Caller]:
    """The session and the caller it stands for; its token is checked again on every request
    (revoking the token ends the session)."""
    sessions = sessions_of(request)
    s: Session | None = sessions.get(request.cookies.get(COOKIE))
    if s is None:
        raise SignIn
    served = request.app.state.hub.get(ledger_id)
    if served is None or s.ledger_id != ledger_id:
        raise Refusal(404, "not-found", f"no agreement {ledger_id!r} for this session")
    try:
        caller = authenticate(request, served, access, request.app.state.clock(), s.secret)
    except Refusal as r:
        if r.status == 401:
            sessions.end(s.sid)
            raise SignIn from None
        raise
    return s, caller


def now_of(request: Request, caller: Caller, at: str | None) -> datetime:
    """``?at=`` (event time, read as the API reads it) or the server's clock, in the
    agreement's zone."""
    t = routes.time_param(at, "at", caller)
    return (
        t
        if t is not None
        else in_zone(request.app.state.clock(), caller.served.dir.terms.agreement.zone)
    )


def state_at(now: datetime, at: str | None) -> datetime:
    """The time the pages' figures are computed at: ``?at=`` as given, else the clock to the
    minute, so the service's cache of states serves a minute's requests (the countdown itself
    counts from the exact time)."""
    return now if at else now.replace(second=0, microsecond=0)


def for_people(request: Request, problem: Response) -> Response:
    """A problem on a dashboard page as a page (its status, its words), for a person; the API
    keeps its problem details."""
    path = request.url.path
    if not (path.startswith("/agreements/") or path in ("/login", "/logout")):
        return problem
    data = json.loads(bytes(problem.body))
    lang = lang_of(request, request.query_params.get("lang"))
    return page(
        request,
        "error.html.j2",
        lang,
        problem.status_code,
        title=data.get("title", ""),
        detail=data.get("detail", ""),
    )


def to_login(request: Request) -> RedirectResponse:
    """To the sign-in form, which comes back to this page afterwards."""
    return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)


def count(text: str, name: str) -> int:
    text = text.strip() or "0"
    if not text.isdigit() or len(text) > 6:
        raise BadInput(f"expected a whole number from 0 to 999999, got {text!r}", param=name)
    return int(text)


def body_of(fn: Any, *args: Any) -> Any:
    """The JSON of an async route function, run to completion from this worker thread."""
    return views.body(anyio.from_thread.run(fn, *args))
