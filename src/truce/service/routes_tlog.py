"""The log in the C2SP tlog-tiles layout, per agreement, under ``.../tlog/``: the latest
checkpoint (a signed note) and the tiles as of it. Appends through the service are checkpointed
at once, so a reader following the log never waits for tiles."""

from __future__ import annotations

import gzip
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.responses import PlainTextResponse, Response

from truce.app import proofs, tiles
from truce.ledger.directory import LOG_PUB, TERMS
from truce.service.access import Caller
from truce.service.refusal import Refusal
from truce.service.routes import caller_for, route

TILE_MEDIA = "application/octet-stream"


@route(
    "GET",
    "/agreements/{ledger_id}/tlog/checkpoint",
    "read",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def tlog_checkpoint(caller: Annotated[Caller, Depends(caller_for("read"))]) -> PlainTextResponse:
    """The latest checkpoint (C2SP signed note): the size the tiles are served at."""
    with caller.served.open() as d:
        latest = tiles.latest_checkpoint(d)
    if latest is None:
        raise Refusal(404, "not-found", "no checkpoint yet")
    return PlainTextResponse(latest[1], headers={"Cache-Control": "no-store"})


@route(
    "GET",
    "/agreements/{ledger_id}/tlog/tile/{path:path}",
    "read",
    response_class=Response,
    responses={200: {"content": {TILE_MEDIA: {}}}},
)
def tlog_tile(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    request: Request,
    path: Annotated[str, Path(max_length=64, pattern=r"^[0-9a-z./]+$")],
) -> Response:
    """A hash tile (``<L>/<N>[.p/<W>]``) or an entry bundle (``entries/<N>[.p/<W>]``); an entry
    the caller's role may not see is an empty entry. Bundles (JSON, which compresses well) are
    gzip-encoded for a client that accepts it; hash tiles (random bytes) never are."""
    with caller.served.open() as d:
        data = tiles.tile(d, path, caller.audience)
    if path.startswith("entries/"):  # per role, and a withheld entry fills once it is public
        headers = {"Cache-Control": "private, no-cache", "Vary": "Authorization, Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            data = gzip.compress(data, mtime=0)
            headers["Content-Encoding"] = "gzip"
    else:  # a hash tile of a given width never changes
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    return Response(data, media_type=TILE_MEDIA, headers=headers)


REPLICA_FILES = {"terms.toml": TERMS, "log.pub": str(LOG_PUB)}
"""The files a new replica needs besides the log (a fixed set: no request names a path), and
``log.vkey``: the log's key as a signed-note verifier key, for generic tlog tools."""


@route(
    "GET",
    "/agreements/{ledger_id}/files/{name}",
    "read",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def replica_file(
    caller: Annotated[Caller, Depends(caller_for("read"))],
    name: Annotated[str, Path(pattern=r"^(terms\.toml|log\.pub|log\.vkey)$")],
) -> PlainTextResponse:
    """The terms file or the log's public key, as `truce clone URL DIR` needs them, or the
    log's verifier key (``log.vkey``: ``<origin>+<key hash>+<key>``, C2SP signed-note)."""
    if name == "log.vkey":
        with caller.served.open() as d:
            return PlainTextResponse(proofs.log_vkey(d) + "\n")
    return PlainTextResponse((caller.served.path / REPLICA_FILES[name]).read_text())
