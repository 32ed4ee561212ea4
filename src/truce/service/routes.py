"""Every route: parse, authenticate, call one ``truce.app`` function, present (redacted below
mediator). A route is declared with ``route(...)``, which fixes its access level in one place
for the check, the OpenAPI document (``x-access``) and the role x route test."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPBearer

from truce.api import parse_captives
from truce.app import deal, ledger, proofs
from truce.app.append import append_as
from truce.app.deal_schemas import CheckOut, StatusOut, TimetableOut, WhyOut, status_out
from truce.app.ledger_schemas import (
    ConsistencyProof,
    InclusionProof,
    RecordOut,
    VerifyFailed,
    VerifyOk,
)
from truce.clock import in_zone
from truce.engine.decide import Proposal
from truce.engine.results import State
from truce.errors import BadInput
from truce.ledger.authority import LEDGER_TYPES
from truce.ledger.export import visible
from truce.service import problems
from truce.service.access import Caller, authenticate, log_restricted_read
from truce.service.redact import Redactor, secrets_for
from truce.service.refusal import Refusal
from truce.service.schemas import (
    AgreementOut,
    AppendIn,
    CheckIn,
    EventsPage,
    TermsOut,
)

LEDGER_ID = r"^[A-Za-z0-9._-]{1,64}$"
bearer_scheme = HTTPBearer(auto_error=False, description="A token from `truce token new`.")
router = APIRouter(
    prefix="/v1", responses=problems.responses(400, 401, 403, 404, 409, 413, 422, 429, 500, 503)
)

LedgerId = Annotated[str, Path(pattern=LEDGER_ID, description="The agreement's ledger id.")]


def caller_for(access: str) -> Callable[..., Caller]:
    """The dependency that authenticates a ledger route of this access level."""

    def dep(
        request: Request,
        ledger_id: LedgerId,
        _: Annotated[Any, Depends(bearer_scheme)] = None,
    ) -> Caller:
        served = request.app.state.hub.get(ledger_id)
        if served is None:
            raise Refusal(404, "not-found", f"no agreement {ledger_id!r} is served here")
        return authenticate(request, served, access, request.app.state.clock())

    return dep


def route(method: str, path: str, access: str, **kw: Any) -> Callable[[Any], Any]:
    """Declare a route with its access level."""
    extra = kw.pop("openapi_extra", {}) | {"x-access": access}
    return router.api_route(path, methods=[method], openapi_extra=extra, **kw)


def time_param(value: str | None, name: str, caller: Caller) -> datetime | None:
    """A time query parameter (ISO 8601) in the agreement's zone; BadInput naming it."""
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"expected an ISO 8601 time, got {value!r}", param=name) from None
    return in_zone(t, caller.served.dir.terms.agreement.zone)


def _default_at(caller: Caller, d: Any, at: datetime | None) -> datetime | None:
    """Below mediator, "now" defaults to the latest event the role may see, so the time of a
    restricted event does not show through the status's ``at``."""
    if at is not None or caller.sees_all:
        return at
    key = ("default-at", caller.audience)
    if key not in caller.served.cache:
        shown = visible(d.all_records, caller.audience)
        latest = max((r.event.at for r in shown if r.event.type not in LEDGER_TYPES), default=None)
        caller.served.remember(key, latest)
    return caller.served.cache[key]  # type: ignore[no-any-return]


def present(caller: Caller, value: Any, status: int = 200) -> JSONResponse:
    """A result as JSON for the caller: below mediator, restricted ids and contents redacted."""
    data = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
    if not caller.sees_all:
        data = _redactor(caller).value(data)
    return JSONResponse(data, status_code=status)


def _redactor(caller: Caller) -> Redactor:
    s = caller.served
    key = ("redactor", caller.audience)
    with s.open() as d:
        r: Redactor | None = s.cache.get(key)
        if r is None:
            r = Redactor(secrets_for(d.all_records, caller.audience))
            s.remember(key, r)
    return r


async def _locked(caller: Caller, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Run blocking library work in a worker thread, holding the ledger's lock."""

    def run() -> Any:
        with caller.served.open() as d:
            return fn(d, *args, **kw)

    return await anyio.to_thread.run_sync(run)


# -- agreements and terms ---------------------------------------------------------------------


@router.get("/agreements", openapi_extra={"x-access": "token"}, response_model=list[AgreementOut])
def agreements(
    request: Request, _: Annotated[Any, Depends(bearer_scheme)] = None
) -> list[AgreementOut]:
    """The agreements this token may read (a token belongs to one ledger directory)."""
    hub = request.app.state.hub
    now = request.app.state.clock()
    out = []
    for served in hub.ledgers.values():
        try:
            authenticate(request, served, "read", now)
        except Refusal as r:
            if r.status == 429:
                raise
            continue
        with served.open() as d:
            out.append(
                AgreementOut(
                    id=served.id,
                    name=d.terms.agreement.name,
                    size=len(d.all_records),
                    terms_digest=d.base.digest,
                    terms_versions=len(d.versions),
                )
            )
    if not out:
        raise Refusal(
            401,
            "unauthorized",
            "a valid token is needed: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": 'Bearer realm="truce"'},
        )
    return out


@route("GET", "/agreements/{ledger_id}", "read", response_model=AgreementOut)
def agreement(caller: Annotated[Caller, Depends(caller_for("read"))]) -> JSONResponse:
    """One agreement: its name, log size and terms."""
    with caller.served.open() as d:
        return present(
            caller,
            AgreementOut(
                id=caller.served.id,
                name=d.terms.agreement.name,
                size=len(d.all_records),
                terms_digest=d.base.digest,
                terms_versions=len(d.versions),
            ),
        )


@route("GET", "/agreements/{ledger_id}/terms", "read", response_model=TermsOut)
def terms(caller: Annotated[Caller, Depends(caller_for("read"))]) -> JSONResponse:
    """The base terms, the versions in force and the amendments awaiting assent."""
    with caller.served.open() as d:
        auth = d.authority
        return present(
            caller,
            TermsOut(
                terms=d.terms.model_dump(mode="json", by_alias=True, exclude_none=True),
                digest=d.base.digest,
                versions=[
                    {
                        "version": v.version,
                        "effective_at": v.effective_at.isoformat() if v.effective_at else None,
                        "ref": v.ref,
                        "digest": v.terms.digest(),
                    }
                    for v in d.versions
                ],
                pending=[
                    {
                        "id": p.event.id,
                        "digest": p.terms.digest(),
                        "waiting_for": auth.waiting_for(p),
                    }
                    for p in auth.pending
                ],
            ),
        )


# -- events -----------------------------------------------------------------------------------


@route("GET", "/agreements/{ledger_id}/events", "read", response_model=EventsPage)
def events(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    request: Request,
    type: Annotated[str | None, Query(max_length=64)] = None,
    party: Annotated[str | None, Query(max_length=64)] = None,
    day: Annotated[int | None, Query(ge=1, le=3660, description="Pause day (from 1).")] = None,
    after_seq: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 100,
) -> JSONResponse:
    """The log as the caller's role may see it, a page at a time."""
    limit = min(limit, request.app.state.settings.max_page)
    with caller.served.open() as d:
        view = log_view(caller, d)
        start = bisect.bisect_right([e["seq"] for e in view], after_seq)
        entries = [
            e
            for e in view[start:]
            if (type is None or e["event"]["type"] == type)
            and (party is None or e["event"]["declared_by"] == party)
        ]
        if day is not None:
            times = [datetime.fromisoformat(e["event"]["at"]) for e in entries]
            days = deal.pause_days_of(d, times)
            entries = [e for e, k in zip(entries, days, strict=True) if k == day]
    page = entries[:limit]
    log_restricted_read(caller, f"events after {after_seq}")
    nxt = page[-1]["seq"] if len(entries) > limit else None
    return JSONResponse(EventsPage(items=page, next_after_seq=nxt).model_dump(mode="json"))


def log_view(caller: Caller, d: Any) -> list[dict[str, Any]]:
    """The whole log as the caller's role may see it (redacted below mediator), as JSON
    objects; computed once per ledger size and role, shared by pages and streams."""
    served = caller.served
    key = ("log-view", caller.audience)
    view: list[dict[str, Any]] | None = served.cache.get(key)
    if view is None:
        entries = [
            e.model_dump(mode="json") for e in ledger.log_entries(d, audience=caller.audience)
        ]
        view = entries if caller.sees_all else _redactor(caller).value(entries)
        served.remember(key, view)
    return view


def _append_and_checkpoint(d: Any, *args: Any, **kw: Any) -> RecordOut:
    """Append, then sign a checkpoint at the new size when the log grew: the tiles a reader
    follows (.../tlog/) exist at every size the service appended to."""
    res = append_as(d, *args, **kw)
    if res.added:
        proofs.make_checkpoint(d)
    return res


def _fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@route(
    "POST",
    "/agreements/{ledger_id}/events",
    "write",
    response_model=RecordOut,
    status_code=201,
    openapi_extra={
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
                "description": "A retry with the same key and body returns the first result.",
            }
        ]
    },
)
async def append(
    caller: Annotated[Caller, Depends(caller_for("write"))],
    request: Request,
    body: AppendIn,
) -> Response:
    """Append one event or a batch, through exactly the path `truce record` takes."""
    key = request.headers.get("idempotency-key")
    store = request.app.state.idempotency
    scope = (caller.token_id, caller.served.id, key or "")
    if key is not None:
        if not 1 <= len(key) <= 255:
            raise BadInput("Idempotency-Key must be 1 to 255 characters", param="Idempotency-Key")
        done = store.begin(scope, _fingerprint(await request.body()))
        if done is not None:
            assert done.status is not None and done.body is not None
            return Response(done.body, status_code=done.status, media_type=done.media_type)
    try:
        now = request.app.state.clock()
        res = await _locked(
            caller,
            _append_and_checkpoint,
            [e.event for e in body.events],
            [
                None if e.signature is None else (e.signature.key, e.signature.value)
                for e in body.events
            ],
            role=caller.role,
            now=now,
            expected_size=body.expected_size,
        )
    except BaseException as exc:
        if key is not None:
            if isinstance(exc, BadInput | Refusal):  # a refusal is an answer: keep it for retries
                resp = request.app.state.render_error(exc)
                store.finish(scope, resp.status_code, bytes(resp.body), resp.media_type or "")
            else:
                store.abandon(scope)
        raise
    request.app.state.hub.notify(caller.served)
    resp = present(caller, res, status=201)
    if key is not None:
        store.finish(scope, 201, bytes(resp.body), "application/json")
    return resp


# -- the deal: status, why, check -------------------------------------------------------------


@route("GET", "/agreements/{ledger_id}/status", "read", response_model=StatusOut)
def status(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    at: Annotated[str | None, Query(max_length=64)] = None,
    as_of: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The state of the pause (the schema of `truce status --json`), from the whole record."""
    at_t, as_of_t = time_param(at, "at", caller), time_param(as_of, "as_of", caller)
    with caller.served.open() as d:
        at_t = _default_at(caller, d, at_t)
        key = ("status-body", caller.audience, at_t, as_of_t)
        body: bytes | None = caller.served.cache.get(key)
        if body is None:  # the document is large on a long ledger: rendered once per size
            body = bytes(present(caller, status_out(_state(caller, d, at_t, as_of_t))).body)
            caller.served.remember(key, body)
    return Response(body, media_type="application/json")


def _state(caller: Caller, d: Any, at: datetime | None, as_of: datetime | None) -> State:
    """The engine's state at (at, as_of), computed once per ledger size."""
    key = ("state", at, as_of)
    st: State | None = caller.served.cache.get(key)
    if st is None:
        st = deal.state(deal.of_ledger(d), at, as_of)
        caller.served.remember(key, st)
    return st


@route("GET", "/agreements/{ledger_id}/timetable", "read", response_model=TimetableOut)
def timetable(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    at: Annotated[str | None, Query(max_length=64)] = None,
    as_of: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    """What is needed by when: the next list and its deadline, the handover window, prisoners
    still due, aid today against the commitment."""
    at_t, as_of_t = time_param(at, "at", caller), time_param(as_of, "as_of", caller)
    with caller.served.open() as d:
        at_t = _default_at(caller, d, at_t)
        out = deal.timetable_state(_state(caller, d, at_t, as_of_t))
    return present(caller, out)


@route("GET", "/agreements/{ledger_id}/why/{name}", "read", response_model=WhyOut)
def why(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    name: Annotated[str, Path(max_length=64)],
    at: Annotated[str | None, Query(max_length=64)] = None,
    as_of: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    """The references behind one figure of the status (or finding:N), in plain words."""
    at_t, as_of_t = time_param(at, "at", caller), time_param(as_of, "as_of", caller)
    with caller.served.open() as d:
        at_t = _default_at(caller, d, at_t)
        out = deal.why(deal.of_ledger(d), name, at_t, as_of_t)
    return present(caller, out)


@route("POST", "/agreements/{ledger_id}/check", "read", response_model=CheckOut)
def check(caller: Annotated[Caller, Depends(caller_for("read"))], body: CheckIn) -> JSONResponse:
    """Would this list for the next pause day meet the terms as encoded? (Nothing is stored.)"""
    if (body.live is None) == (body.captives is None):
        raise BadInput("give either live (with bodies, credit) or captives", param="live")
    if body.captives is not None:
        captives = parse_captives((f"/captives/{i}", c) for i, c in enumerate(body.captives))
        proposal = Proposal(bodies=body.bodies, credit=body.credit, captives=captives)
    else:
        proposal = Proposal(live=body.live or 0, bodies=body.bodies, credit=body.credit)
    at_t, as_of_t = time_param(body.at, "at", caller), time_param(body.as_of, "as_of", caller)
    with caller.served.open() as d:
        at_t = _default_at(caller, d, at_t)
        out = deal.check_state(_state(caller, d, at_t, as_of_t), proposal)
    return present(caller, out)


# -- the log: verify, checkpoint, proofs -------------------------------------------------------


@route("GET", "/agreements/{ledger_id}/verify", "read", response_model=VerifyOk | VerifyFailed)
async def verify(caller: Annotated[Caller, Depends(caller_for("read"))]) -> JSONResponse:
    """Re-derive every hash, signature and checkpoint (a failure is a result, not an error)."""
    return present(caller, await _locked(caller, ledger.verify_ledger))


@route(
    "GET",
    "/agreements/{ledger_id}/checkpoint",
    "read",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def checkpoint(caller: Annotated[Caller, Depends(caller_for("read"))]) -> PlainTextResponse:
    """The latest checkpoint as a C2SP signed note (text/plain)."""
    with caller.served.open() as d:
        cps = d.store.checkpoints()
    if not cps:
        raise Refusal(404, "not-found", "no checkpoint yet: `truce checkpoint DIR` signs one")
    return PlainTextResponse(cps[-1][1])


@route(
    "GET",
    "/agreements/{ledger_id}/proofs/inclusion/{event_id}",
    "read",
    response_model=InclusionProof,
)
def inclusion(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    event_id: Annotated[str, Path(max_length=200)],
    size: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> JSONResponse:
    """A bundle proving an event is in the log (check offline: `truce verify-proof`)."""
    with caller.served.open() as d:
        hidden = not caller.sees_all and event_id in _redactor(caller).secrets
        if hidden:
            raise Refusal(404, "not-found", "no such event in the record this token may see")
        return present(caller, proofs.prove_inclusion(d, event_id, size))


@route("GET", "/agreements/{ledger_id}/proofs/consistency", "read", response_model=ConsistencyProof)
def consistency(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    from_size: Annotated[int, Query(alias="from", ge=1, le=2**53)],
    size: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> JSONResponse:
    """A bundle proving the log at ``from`` entries is a prefix of the log at ``size``."""
    with caller.served.open() as d:
        return present(caller, proofs.prove_consistency(d, from_size, size))


# -- exports ----------------------------------------------------------------------------------

_MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv", "days": "text/csv"}


@route(
    "GET",
    "/agreements/{ledger_id}/export",
    "read",
    response_class=PlainTextResponse,
    responses={200: {"content": {m: {} for m in set(_MEDIA.values())}}},
)
def export(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    format: Annotated[str, Query(pattern="^(jsonl|csv|days)$")] = "jsonl",
    include_personal: bool = False,
) -> Response:
    """The events (jsonl, csv) or the day summary (days) with the audience of the caller's role;
    personal data only to a mediator who asks for it."""
    if include_personal and not caller.sees_all:
        raise Refusal(403, "forbidden", "personal data goes only to mediators")
    with caller.served.open() as d:
        text = ledger.export_ledger(
            d, fmt=format, audience=caller.audience, include_personal=include_personal
        )
    assert text is not None
    if include_personal:
        log_restricted_read(caller, "export with personal data")
    if not caller.sees_all:
        text = _redactor(caller).text(text)
    return Response(text, media_type=_MEDIA[format])


# -- briefings --------------------------------------------------------------------------------

_BRIEFING_MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _configured(offered: dict[str, Any], name: str | None, what: str) -> Any:
    """The file of a scenario or route the operator configured by ``name`` (None: none)."""
    if name is None:
        return None
    if name not in offered:
        listed = ", ".join(sorted(offered)) or "none configured"
        raise Refusal(404, "not-found", f"no {what} named {name!r} here (offered: {listed})")
    return offered[name]


def briefing_of(
    caller: Caller,
    request: Request,
    fmt: str,
    at: str | None,
    as_of: str | None,
    lang: str,
    include_personal: bool,
    scenario: str | None = None,
    route_name: str | None = None,
) -> Response:
    """A briefing of the served ledger, as `truce report` makes it from a directory (with a
    configured scenario's outlook and a configured route's ceilings, by name): below mediator,
    restricted ids and contents redacted and no personal data; rendered once per ledger size,
    role and options."""
    from truce.report import Briefing, Inputs, gather, render

    if include_personal and not caller.sees_all:
        raise Refusal(403, "forbidden", "personal data goes only to mediators")
    settings = request.app.state.settings
    scenario_file = _configured(settings.scenarios, scenario, "scenario")
    route_file = _configured(settings.routes, route_name, "route")
    at_t, as_of_t = time_param(at, "at", caller), time_param(as_of, "as_of", caller)
    served = caller.served
    with served.open() as d:
        at_t = _default_at(caller, d, at_t)
        latest = tuple(d.store.checkpoints()[-1:])  # a new cosignature: a new briefing
        key = (
            "briefing",
            fmt,
            caller.audience,
            at_t,
            as_of_t,
            lang,
            include_personal,
            latest,
            scenario,
            route_name,
        )
        body: bytes | None = served.cache.get(key)
        size = served.size
        if body is None:
            b = gather(
                deal.of_ledger(d),
                directory=d,
                inputs=Inputs(
                    ledger=served.id,
                    kind="directory",
                    terms=None,
                    scenario=scenario,
                    route=route_name,
                    at=at,
                    as_of=as_of,
                ),
                at=at_t,
                as_of=as_of_t,
                scenario=scenario_file,
                route=route_file,
                include_personal=include_personal,
            )
            if not caller.sees_all:
                b = Briefing.model_validate(_redactor(caller).value(b.model_dump(mode="json")))
    if body is None:  # laid out without the ledger's lock: a PDF takes a second or more
        body = render(b, lang, fmt)
        with served.open():
            if served.size == size:  # not grown meanwhile: still the briefing of this size
                served.remember(key, body)
    if include_personal:
        log_restricted_read(caller, f"briefing ({fmt}) with personal data")
    return Response(body, media_type=_BRIEFING_MEDIA[fmt])


_LANG = Query(pattern="^(en|ar|he)$", description="en | ar | he")
_NAMED = Query(max_length=64, description="A scenario the operator configured, by name.")


@route(
    "GET",
    "/agreements/{ledger_id}/report.html",
    "read",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def report_html(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    request: Request,
    at: Annotated[str | None, Query(max_length=64)] = None,
    as_of: Annotated[str | None, Query(max_length=64)] = None,
    lang: Annotated[str, _LANG] = "en",
    include_personal: bool = False,
    scenario: Annotated[str | None, _NAMED] = None,
    route_name: Annotated[str | None, Query(alias="route", max_length=64)] = None,
) -> Response:
    """The briefing as one self-contained HTML page (docs/report.md); personal data only to a
    mediator who asks for it; a configured scenario's outlook and route's ceilings by name."""
    return briefing_of(
        caller, request, "html", at, as_of, lang, include_personal, scenario, route_name
    )


@route(
    "GET",
    "/agreements/{ledger_id}/report.pdf",
    "read",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def report_pdf(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    request: Request,
    at: Annotated[str | None, Query(max_length=64)] = None,
    as_of: Annotated[str | None, Query(max_length=64)] = None,
    lang: Annotated[str, _LANG] = "en",
    include_personal: bool = False,
    scenario: Annotated[str | None, _NAMED] = None,
    route_name: Annotated[str | None, Query(alias="route", max_length=64)] = None,
) -> Response:
    """The briefing as PDF (docs/report.md); personal data only to a mediator who asks."""
    return briefing_of(
        caller, request, "pdf", at, as_of, lang, include_personal, scenario, route_name
    )
