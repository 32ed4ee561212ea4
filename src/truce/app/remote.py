"""A served ledger as a sync source (`truce sync DIR URL`): its log read through the C2SP
tlog-tiles layout (the latest checkpoint, then every entry bundle up to its size), every entry
checked against the level-0 hash tiles, held in a memory store, and handed to the same
``truce.ledger.replicate.sync`` a directory source goes through (so the same refusals: a
rewritten history, a truncation, a checkpoint that does not match). The HTTP client is the
interface's (``fetch``), so this layer imports none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from truce.app.ledger import head_out
from truce.app.ledger_schemas import CopyOut, SyncOut
from truce.app.opened import Ledger, opened
from truce.errors import IntegrityError
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import merkle, tiles
from truce.ledger.log.leaf import leaf_of
from truce.ledger.replicate import clone, sync
from truce.ledger.store.memory import MemoryLedger
from truce.ledger.verify import verify

Fetch = Callable[[str], bytes]
"""GET a path under the served ledger's ``tlog/`` (``checkpoint``, ``tile/...``) -> bytes."""


@dataclass
class RemoteLog:
    """What ``sync`` reads of a source: its id, where it is, and a store."""

    ledger_id: str
    origin: str
    path: str
    store: MemoryLedger


def read_remote(url: str, ledger_id: str, fetch: Fetch) -> RemoteLog:
    """The served log up to its latest checkpoint, every entry checked against the hash tiles;
    a withheld entry (the token's role may not see it) is refused: a replica holds all."""
    note = fetch("checkpoint").decode("utf-8")
    signed = cpt.parse_note(note).checkpoint
    size = signed.size
    store = MemoryLedger()
    for n in range((size + tiles.WIDTH - 1) // tiles.WIDTH):
        width = tiles.tile_width(size, None, n)
        suffix = "" if width == tiles.WIDTH else f".p/{width}"
        hashes = fetch(f"tile/0/{tiles.encode_index(n)}{suffix}")
        entries = tiles.read_bundle(fetch(f"tile/entries/{tiles.encode_index(n)}{suffix}"))
        if len(entries) != width or len(hashes) != 32 * width:
            raise IntegrityError(f"{url}: tile {n} has the wrong width", kind="tiles")
        leaves = []
        for i, e in enumerate(entries):
            seq = n * tiles.WIDTH + i + 1
            if not e:
                raise IntegrityError(
                    f"{url}: the entry at seq {seq} is withheld from this token's role; a "
                    "replica needs every entry (a mediator's token sees them all)",
                    seq=seq,
                    kind="withheld",
                )
            if merkle.leaf_hash(e) != hashes[32 * i : 32 * i + 32]:
                raise IntegrityError(
                    f"{url}: the entry at seq {seq} does not match the log's hash for it",
                    seq=seq,
                    kind="tiles",
                )
            leaves.append(leaf_of(e, seq))
        store.append(leaves)
    store.add_checkpoint(size, note)
    return RemoteLog(ledger_id, signed.origin, url, store)


def sync_from_url(directory: Ledger, url: str, fetch: Fetch) -> SyncOut:
    """Pull what a served copy of this ledger has and we lack, after checking it all."""
    with opened(directory) as d:
        source = read_remote(url, d.ledger_id, fetch)
        n = sync(d, source)  # type: ignore[arg-type]  # reads ledger_id, path and store
        return SyncOut(pulled=n, head=head_out(d.store.head()))


def clone_from_url(
    url: str, ledger_id: str, dest: Path, fetch: Fetch, files: dict[str, bytes], store: str
) -> CopyOut:
    """A new replica of a served ledger in ``dest``: its terms file and log key as the server
    gives them (``files``), then every entry through the tiles and the checks of ``sync``; the
    log key is trusted on first use (compare its id with one obtained another way)."""
    source = read_remote(url, ledger_id, fetch)
    with clone(source, dest, store, files) as c:  # type: ignore[arg-type]
        rep = verify(c)
        return CopyOut(directory=str(dest), events=rep.events, head=head_out(rep.head))
