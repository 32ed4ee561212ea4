"""A served ledger as a sync source (`truce sync DIR URL`): its log read through the C2SP
tlog-tiles layout (the latest checkpoint, then every entry bundle up to its size), every entry
checked against the level-0 hash tiles, held in a memory store, and handed to the same
``truce.ledger.replicate.sync`` a directory source goes through (so the same refusals: a
rewritten history, a truncation, a checkpoint that does not match). A token that may not read
every entry gets a prefix: the copy stops before the first withheld entry and catches up once
it is public. The HTTP client is the interface's (``fetch``), so this layer imports none."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from truce.ledger.store.contract import Leaf
from truce.ledger.store.memory import MemoryLedger
from truce.ledger.verify import verify

Fetch = Callable[[str], bytes]
"""GET a path under the served ledger's ``tlog/`` (``checkpoint``, ``tile/...``) -> bytes."""


@dataclass
class RemoteLog:
    """What ``sync`` reads of a source: its id, where it is, a store with the entries this
    token may read in order, every leaf hash of the signed tree, and the signed checkpoint."""

    ledger_id: str
    origin: str
    path: str
    store: MemoryLedger
    hashes: list[bytes]
    checkpoint: tuple[int, str]
    withheld_from: int | None  # the first seq this token's role may not read


def read_remote(url: str, ledger_id: str, fetch: Fetch, own: Sequence[Leaf] = ()) -> RemoteLog:
    """The served log up to its latest checkpoint: every leaf hash (the hash tiles are public)
    and the entries after ``own`` (the entries this copy already holds, not fetched again), each
    checked against its hash. An entry withheld from the token's role (a mediator-only list not
    yet public) ends what can be pulled: a copy is a prefix of the log, never one with holes."""
    note = fetch("checkpoint").decode("utf-8")
    size = cpt.parse_note(note).checkpoint.size
    store = MemoryLedger()
    store.append(list(own[:size]))
    hashes: list[bytes] = []
    withheld: int | None = None
    for n in range((size + tiles.WIDTH - 1) // tiles.WIDTH):
        width = tiles.tile_width(size, None, n)
        suffix = "" if width == tiles.WIDTH else f".p/{width}"
        tile = fetch(f"tile/0/{tiles.encode_index(n)}{suffix}")
        if len(tile) != 32 * width:
            raise IntegrityError(f"{url}: hash tile {n} has the wrong width", kind="tiles")
        hashes += [tile[32 * i : 32 * i + 32] for i in range(width)]
        first = n * tiles.WIDTH + 1
        if withheld is not None or first + width - 1 <= len(own):
            continue
        entries = tiles.read_bundle(fetch(f"tile/entries/{tiles.encode_index(n)}{suffix}"))
        if len(entries) != width:
            raise IntegrityError(f"{url}: entry bundle {n} has the wrong width", kind="tiles")
        leaves = []
        for i, e in enumerate(entries):
            seq = first + i
            if seq <= len(own):
                continue
            if not e:
                withheld = seq
                break
            if merkle.leaf_hash(e) != hashes[seq - 1]:
                raise IntegrityError(
                    f"{url}: the entry at seq {seq} does not match the log's hash for it",
                    seq=seq,
                    kind="tiles",
                )
            leaves.append(leaf_of(e, seq))
        store.append(leaves)
    origin = cpt.parse_note(note).checkpoint.origin
    return RemoteLog(ledger_id, origin, url, store, hashes, (size, note), withheld)


def sync_from_url(directory: Ledger, url: str, fetch: Fetch) -> SyncOut:
    """Pull what a served copy of this ledger has and we lack, after checking it all."""
    with opened(directory) as d:
        own = [st.leaf for st in d.store.read()]
        source = read_remote(url, d.ledger_id, fetch, own)
        seen = (source.hashes, [source.checkpoint])
        n = sync(d, source, seen)  # type: ignore[arg-type]  # reads ledger_id, path and store
        return SyncOut(pulled=n, head=head_out(d.store.head()), withheld_from=source.withheld_from)


def clone_from_url(
    url: str, ledger_id: str, dest: Path, fetch: Fetch, files: dict[str, bytes], store: str
) -> CopyOut:
    """A new replica of a served ledger in ``dest``: its terms file and log key as the server
    gives them (``files``), then every entry through the tiles and the checks of ``sync``; the
    log key is trusted on first use (compare its id with one obtained another way)."""
    source = read_remote(url, ledger_id, fetch)
    seen = (source.hashes, [source.checkpoint])
    with clone(source, dest, store, files, seen) as c:  # type: ignore[arg-type]
        rep = verify(c)
        return CopyOut(
            directory=str(dest),
            events=rep.events,
            head=head_out(rep.head),
            withheld_from=source.withheld_from,
        )
