"""The log as C2SP tlog tiles (truce.ledger.log.tiles), as of the latest checkpoint: what a
generic tlog client reads. Hash tiles are public by design (the tree's hashes say nothing of the
entries); an entry bundle carries a leaf's bytes only to an audience that may see its event, and
an empty entry in its place otherwise (a client finds the leaf withheld: its hash does not match
the level-0 tile)."""

from __future__ import annotations

from truce.app.opened import Ledger, opened
from truce.errors import BadInput, NotFound
from truce.ledger.export import visible
from truce.ledger.log import tiles


def latest_checkpoint(ledger: Ledger) -> tuple[int, str] | None:
    """The latest checkpoint's size and its note (None before the first)."""
    with opened(ledger) as d:
        cps = d.store.checkpoints()
        return cps[-1] if cps else None


def tile(ledger: Ledger, path: str, audience: str) -> bytes:
    """The bytes of ``tile/<path>`` as of the latest checkpoint; BadInput (param "path") for a
    malformed path, NotFound for a tile that does not exist at that size (tlog clients read a
    404 as "not there yet")."""
    try:
        level, index, width = tiles.parse_tile_path(path)
    except ValueError as exc:
        raise BadInput(f"not a tile path: {exc}", param="path") from None
    with opened(ledger) as d:
        cps = d.store.checkpoints()
        size = cps[-1][0] if cps else 0
        if not 0 < width <= tiles.tile_width(size, level, index):  # a prefix is as good
            raise NotFound(
                f"no tile {tiles.tile_path(level, index, width)} at the checkpointed size {size}",
                param="path",
            )
        if level is not None:
            return tiles.hash_tile(d.tree(), size, level, index, width)
        recs = d.all_records[index * tiles.WIDTH : index * tiles.WIDTH + width]
        shown = {r.seq for r in visible(d.all_records, audience)}
        return tiles.entry_bundle([r.stored.leaf.data if r.seq in shown else b"" for r in recs])
