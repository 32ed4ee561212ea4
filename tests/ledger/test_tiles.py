"""The C2SP tlog-tiles layout of the log: path encoding (the spec's own example), tiles as the
tree's complete subtrees at each level, entry bundles, and what a tree of a given size has."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truce.ledger.log import merkle, tiles


def test_the_specs_index_example() -> None:
    assert tiles.encode_index(1234067) == "x001/x234/067"
    assert tiles.encode_index(0) == "000"
    assert tiles.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tiles.tile_path(None, 2, 10) == "tile/entries/002.p/10"
    assert tiles.parse_tile_path("0/x001/x234/067") == (0, 1234067, 256)
    assert tiles.parse_tile_path("entries/002.p/10") == (None, 2, 10)


@given(st.integers(0, 10**18), st.one_of(st.none(), st.integers(0, 5)), st.integers(1, 256))
def test_paths_round_trip(index: int, level: int | None, width: int) -> None:
    path = tiles.tile_path(level, index, width).removeprefix("tile/")
    assert tiles.parse_tile_path(path) == (level, index, width)


@pytest.mark.parametrize(
    "bad",
    [
        "0/1",
        "0/001/002",
        "0/x1/002",
        "0/0001",
        "0/002.p/0",
        "0/002.p/256",
        "0/002.p/07",
        "x/002",
        "64/002",
        "",
        "entries",
        "0/002.p/",
    ],
)
def test_malformed_paths_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        tiles.parse_tile_path(bad)


def _tree(n: int) -> merkle.Tree:
    return merkle.Tree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n))


def test_tiles_are_the_trees_complete_subtrees() -> None:
    n = 256 * 256 + 300  # a full level-1 tile, a partial one, and level 2 with one hash
    t = _tree(n)
    assert tiles.tile_width(n, 0, 0) == 256 and tiles.tile_width(n, 0, 257) == 44
    assert tiles.tile_width(n, 0, 258) == 0
    assert tiles.tile_width(n, 1, 0) == 256 and tiles.tile_width(n, 1, 1) == 1
    assert tiles.tile_width(n, 2, 0) == 1
    level0 = tiles.hash_tile(t, n, 0, 257, 44)
    assert level0 == b"".join(t.leaf(256 * 257 + i) for i in range(44))
    # A level-1 hash is the root of its 256 leaves; level 2's is the root of the first 65,536.
    one = tiles.hash_tile(t, n, 1, 0, 256)
    assert one[32:64] == merkle.root([t.leaf(i) for i in range(256, 512)])
    assert tiles.hash_tile(t, n, 2, 0, 1) == t.root(65536)
    with pytest.raises(ValueError):
        tiles.hash_tile(t, n, 0, 257, 45)


def test_entry_bundles() -> None:
    entries = [b"", b"a", b"x" * 300, b"y" * tiles.MAX_ENTRY]
    bundle = tiles.entry_bundle(entries)
    assert bundle[:2] == b"\x00\x00" and bundle[2:5] == b"\x00\x01a"
    assert tiles.read_bundle(bundle) == entries
    with pytest.raises(ValueError):
        tiles.entry_bundle([b"z" * (tiles.MAX_ENTRY + 1)])
    with pytest.raises(ValueError):
        tiles.read_bundle(bundle[:-1])
    # An entry's leaf hash is what the level-0 tile holds.
    assert merkle.leaf_hash(b"a") == hashlib.sha256(b"\x00a").digest()


def test_an_event_over_the_entry_limit_is_refused(tmp_path: Path) -> None:
    """An entry bundle's 16-bit length caps a stored event at 65,535 bytes: a bigger one is
    refused, naming it, and nothing is stored."""
    from datetime import UTC, datetime

    from tests.conftest import EXAMPLES
    from truce.errors import LedgerError
    from truce.events import EVENT_ADAPTER
    from truce.ledger.directory import LedgerDir
    from truce.ledger.record import record

    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with LedgerDir.init(tmp_path / "d", EXAMPLES / "gaza-2023" / "terms.toml", at=now) as d:
        size = len(d.all_records)
        ev = EVENT_ADAPTER.validate_python(
            {
                "id": "big",
                "type": "claim",
                "at": "2023-11-30T07:00+02:00",
                "recorded_at": "2023-11-30T07:00+02:00",
                "declared_by": "qatar",
                "recorded_by": "qatar",
                "text": "x" * 70_000,
            }
        )
        with pytest.raises(LedgerError, match="at most 65,535") as info:
            record(d, [ev], ["big.jsonl:1"], clock=lambda: now)
        assert info.value.where == "big.jsonl:1"
        d.refresh()
        assert len(d.all_records) == size
