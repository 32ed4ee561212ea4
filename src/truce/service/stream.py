"""Server-sent events: each append (``event: append``, ``id``: its seq) as the caller's role may
see it, and ``event: status`` when the pause's headline figures change. Resumable: a client that
reconnects with ``Last-Event-ID: N`` gets every visible entry after seq N first."""

from __future__ import annotations

import asyncio
import bisect
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from fastapi.responses import StreamingResponse

from truce.app import deal
from truce.service.access import Caller
from truce.service.refusal import Refusal
from truce.service.routes import caller_for, log_view, route

HEADLINE = ("active", "ends_at", "pause_days", "counted", "balance", "prisoners_due")


def _frame(event: str, data: Any, seq: int | None = None) -> bytes:
    lines = [f"event: {event}"]
    if seq is not None:
        lines.append(f"id: {seq}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


def _since(caller: Caller, after: int) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    """The role's visible entries after seq ``after``, the headline figures, and the size. The
    role's view of the whole log is computed once per size and shared by its subscribers."""
    served = caller.served
    with served.open() as d:
        size = len(d.all_records)
        view = log_view(caller, d)
        st: dict[str, Any] | None = served.cache.get(("headline",))
        if st is None:
            full = deal.status(deal.of_ledger(d)).model_dump(mode="json")
            st = {k: v for k, v in full.items() if k in HEADLINE}
            served.remember(("headline",), st)
    start = bisect.bisect_right([e["seq"] for e in view], after)
    return view[start:], st, size


@route(
    "GET",
    "/agreements/{ledger_id}/stream",
    "read",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    caller: Annotated[Caller, Depends(caller_for("read"))], request: Request
) -> StreamingResponse:
    """Appends and status changes as they happen (text/event-stream)."""
    return event_stream(caller, request, _seq(request.headers.get("last-event-id", "0")))


def _seq(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 16 else 0


def event_stream(caller: Caller, request: Request, after: int) -> StreamingResponse:
    """The stream of the caller's view after seq ``after`` (the API's route and the dashboard's
    pages both answer with it)."""
    state = request.app.state
    if state.subscribers >= state.settings.max_subscribers:
        raise Refusal(503, "too-many-streams", "too many event streams open; retry later")
    poll = state.settings.stream_poll

    async def events() -> AsyncIterator[bytes]:
        nonlocal after
        state.subscribers += 1
        headline: dict[str, Any] | None = None
        try:
            yield b": truce event stream\n\n"
            while True:
                changed = caller.served.changed
                entries, st, size = await anyio.to_thread.run_sync(_since, caller, after)
                for e in entries:
                    yield _frame("append", e, e["seq"])
                after = max(after, size)
                if st != headline:
                    headline = st
                    yield _frame("status", st)
                if await request.is_disconnected():
                    return
                try:
                    await asyncio.wait_for(changed.wait(), timeout=poll)
                except TimeoutError:
                    yield b": keep-alive\n\n"
        finally:
            state.subscribers -= 1

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
