"""Signing in with a token (kept on the server, in a session) and out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from truce.service.dashboard.sessions import COOKIE, LOGIN_CSRF_COOKIE
from truce.service.dashboard.web import lang_of, page, router, secure, sessions_of
from truce.service.refusal import Refusal


@router.get("/")
def home(request: Request) -> Response:
    s = sessions_of(request).get(request.cookies.get(COOKIE))
    return RedirectResponse(f"/agreements/{s.ledger_id}" if s else "/login", status_code=303)


def _login_page(
    request: Request, lang: str, code: int = 200, error: str | None = None, after: str = ""
) -> Response:
    """The sign-in form with a fresh CSRF token, bound to the browser by a cookie."""
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html.j2", lang, code, login_csrf=token, error=error, after=after)
    resp.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request)
    )
    return resp


@router.get("/login")
def login_form(
    request: Request,
    lang: str | None = None,
    next: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    return _login_page(request, lang_of(request, lang), after=next)


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    after: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """A session for a token valid on one of the served agreements; then the page asked for
    (only a page of that agreement), else its overview."""
    lang = lang_of(request, None)
    kept = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not kept or not secrets.compare_digest(kept, csrf):
        return _login_page(request, lang, 403, "expired form", after)
    now = request.app.state.clock()
    for served in request.app.state.hub.ledgers.values():
        if served.tokens.authenticate(token.strip(), now) is not None:
            s = sessions_of(request).new(token.strip(), served.id)
            home = f"/agreements/{served.id}"
            ok = after == home or (after.startswith(home + "/") and ".." not in after)
            resp = RedirectResponse(after if ok else home, status_code=303)
            resp.set_cookie(COOKIE, s.sid, httponly=True, samesite="strict", secure=secure(request))
            resp.delete_cookie(LOGIN_CSRF_COOKIE)
            return resp
    return _login_page(request, lang, 401, "bad token", after)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    s = sessions_of(request).get(request.cookies.get(COOKIE))
    if s is not None and not s.csrf_ok(csrf):
        raise Refusal(403, "forbidden", "the form has expired; reload the page and try again")
    sessions_of(request).end(request.cookies.get(COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp
