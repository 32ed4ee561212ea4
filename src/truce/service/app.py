"""``create_app``: the FastAPI application over a set of ledger directories, with an injectable
clock. Middleware (outermost first): security headers and metrics, body cap, timeout; errors of
every kind become problem details here, in one place."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from truce.errors import TruceError
from truce.service import problems
from truce.service.hub import Hub
from truce.service.idempotency import IdempotencyStore
from truce.service.ratelimit import RateLimiter
from truce.service.refusal import Refusal
from truce.service.schemas import Health
from truce.service.settings import Settings

log = logging.getLogger("truce.service")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


def utc_now() -> datetime:
    """The wall clock: the default ``clock``."""
    return datetime.now(UTC)


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413, by Content-Length before reading, and by
    counting chunks for bodies sent without one."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _send(scope, send, _too_large(self.limit))
            return
        seen, answered = 0, False

        async def counted() -> Message:
            nonlocal seen, answered
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    if not answered:
                        answered = True
                        await _send(scope, send, _too_large(self.limit))
                    return {"type": "http.disconnect"}
            return msg

        async def guarded(message: Message) -> None:
            if not answered:  # once refused, whatever the app says next goes nowhere
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not answered:
                raise


def _too_large(limit: int) -> Response:
    return problems.problem(
        413, "body-too-large", f"the request body is over the {limit} bytes this server accepts"
    )


async def _send(scope: Scope, send: Send, resp: Response) -> None:
    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await resp(scope, nothing, send)


def create_app(
    ledgers: Sequence[Path | str],
    *,
    clock: Callable[[], datetime] = utc_now,
    settings: Settings | None = None,
) -> FastAPI:
    """The service over these ledger directories (each under /v1/agreements/{its ledger id})."""
    from truce.service import routes, routes_jobs, routes_tlog, stream, witness
    from truce.service.jobs import JobManager

    settings = settings or Settings()
    hub = Hub([Path(p) for p in ledgers])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        hub.loop = asyncio.get_running_loop()
        yield
        app.state.jobs.close()
        hub.close()

    app = FastAPI(
        responses=problems.responses(400, 404, 413, 422, 429, 500, 503),
        title="truce",
        version="1",
        summary="One ledger of an exchange-for-pause agreement, shared over HTTP.",
        description="Routes, roles and limits: docs/service.md. Errors are RFC 9457 problem "
        "details with a stable type (/problems/NAME).",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.clock = clock
    app.state.settings = settings
    app.state.limiter = RateLimiter(settings.rate, settings.burst)
    app.state.idempotency = IdempotencyStore(settings.idempotency_keys)
    app.state.subscribers = 0
    app.state.jobs = JobManager(
        settings.scenarios,
        settings.routes,
        settings.job_workers,
        settings.job_queue,
        clock,
        backend=settings.job_backend,
        address=settings.ray_address,
    )
    registry = CollectorRegistry()
    requests = Counter(
        "truce_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
    )
    latency = Histogram(
        "truce_http_request_seconds", "Request latency", ["route"], registry=registry
    )
    Gauge("truce_stream_subscribers", "Open event streams", registry=registry).set_function(
        lambda: app.state.subscribers
    )
    Gauge("truce_ledgers", "Ledgers served", registry=registry).set(len(hub.ledgers))

    def render_error(exc: BaseException) -> Response:
        if isinstance(exc, Refusal):
            return problems.problem(
                exc.status, exc.name, exc.detail, headers=exc.headers, **exc.ext
            )
        if isinstance(exc, TruceError):
            return problems.from_error(exc)
        log.exception("internal error", exc_info=exc)
        return problems.problem(500, "internal", "an unexpected error; see the server's log")

    app.state.render_error = render_error
    from truce.service.dashboard import web

    @app.exception_handler(web.SignIn)
    async def on_sign_in(request: Request, exc: web.SignIn) -> Response:
        return web.to_login(request)

    @app.exception_handler(Refusal)
    async def on_refusal(request: Request, exc: Refusal) -> Response:
        return web.for_people(request, render_error(exc))

    @app.exception_handler(TruceError)
    async def on_truce(request: Request, exc: TruceError) -> Response:
        return web.for_people(request, render_error(exc))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(x) for x in first.get("loc", ())]
        pointer = "/" + "/".join(loc[1:]) if loc and loc[0] == "body" else None
        param = loc[-1] if loc and loc[0] in ("query", "path", "header") else None
        detail = f"{'.'.join(loc[1:]) or 'request'}: {first.get('msg', 'invalid')}"
        resp = problems.problem(422, "validation", detail, pointer=pointer, parameter=param)
        return web.for_people(request, resp)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> Response:
        name = {
            404: "not-found",
            405: "method-not-allowed",
            413: "body-too-large",
            415: "unsupported-media-type",
        }.get(exc.status_code, "bad-input")
        return problems.problem(
            exc.status_code, name, str(exc.detail), headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def on_other(request: Request, exc: Exception) -> Response:
        return render_error(exc)

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        t0 = time.perf_counter()
        try:
            if request.url.path.endswith("/stream"):
                resp = await call_next(request)
            else:
                resp = await asyncio.wait_for(call_next(request), settings.request_timeout)
        except TimeoutError:
            resp = problems.problem(503, "timeout", "the request took too long; retry later")
        r = request.scope.get("route")
        name = getattr(r, "path", "unmatched")
        requests.labels(request.method, name, str(resp.status_code)).inc()
        latency.labels(name).observe(time.perf_counter() - t0)
        for k, v in SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        return resp

    app.add_middleware(BodyLimit, limit=settings.max_body)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
        )

    @app.get("/healthz", openapi_extra={"x-access": "public"}, response_model=Health)
    def healthz() -> Health:
        """The process answers."""
        return Health(status="ok")

    @app.get("/readyz", openapi_extra={"x-access": "public"}, response_model=Health)
    def readyz() -> Health:
        """Every ledger's store answers."""
        for s in hub.ledgers.values():
            with s.open() as d:
                d.store.head()
        return Health(status="ready", ledgers=len(hub.ledgers))

    @app.get("/metrics", openapi_extra={"x-access": "public"}, response_class=Response)
    def metrics() -> Response:
        """Prometheus metrics (request counts and latencies by route, open streams)."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/problems/{name}", openapi_extra={"x-access": "public"}, response_class=JSONResponse)
    def problem_type(name: str) -> JSONResponse:
        """What a problem type means."""
        if name not in problems.DESCRIPTIONS:
            raise Refusal(404, "not-found", f"no problem type {name!r}")
        return JSONResponse(
            {"type": problems.BASE + name, "description": problems.DESCRIPTIONS[name]}
        )

    from truce.service.docs import mount_docs

    mount_docs(app)
    app.include_router(routes.router)
    from truce.service.dashboard import assets, model_pages, pages, signin
    from truce.service.dashboard.sessions import Sessions

    app.state.sessions = Sessions()
    _ = (assets, model_pages, pages, signin)  # their pages register on web.router on import
    app.include_router(web.router)
    app.include_router(witness.router)
    _ = (stream, routes_jobs, routes_tlog)  # their routes register on routes.router on import
    return app
