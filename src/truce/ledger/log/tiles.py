"""The log in the C2SP tlog-tiles layout (c2sp.org/tlog-tiles): hash tiles of height 8 (256
hashes, 32 bytes each) at each level of the RFC 6962 tree, and entry bundles of the leaves'
bytes, each prefixed by its length as a big-endian uint16 (so a leaf is at most 65,535 bytes).

Paths: ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, where N is written in groups
of three digits, every group but the last prefixed with ``x`` (1234067 -> ``x001/x234/067``),
and ``.p/W`` marks a partial tile of W < 256 entries. Pure functions over a ``merkle.Tree``."""

from __future__ import annotations

from collections.abc import Sequence

from truce.ledger.log import merkle

HEIGHT = 8
WIDTH = 1 << HEIGHT  # hashes (or entries) in a full tile
MAX_ENTRY = 0xFFFF  # an entry bundle's uint16 length prefix (truce.limits.MAX_LEAF_BYTES)


def encode_index(n: int) -> str:
    """N as a tile path: groups of three digits, all but the last prefixed with ``x``."""
    if n < 0:
        raise ValueError("a tile index is never negative")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def parse_index(parts: Sequence[str]) -> int:
    """The inverse of ``encode_index`` (ValueError if malformed: exact C2SP form only)."""
    if not parts or len(parts) > 7:
        raise ValueError("expected 1 to 7 path elements")
    n = 0
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        digits = p if last else p.removeprefix("x")
        if (not last and not p.startswith("x")) or len(digits) != 3 or not digits.isdigit():
            raise ValueError(f"bad tile index element {p!r}")
        n = n * 1000 + int(digits)
    if encode_index(n) != "/".join(parts):  # one path per tile: no leading x000 groups
        raise ValueError(
            f"non-canonical tile index {'/'.join(parts)!r} (it is {encode_index(n)!r})"
        )
    return n


def tile_path(level: int | None, index: int, width: int = WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``, or ``tile/entries/<N>[.p/<W>]`` for ``level=None``."""
    head = "tile/entries" if level is None else f"tile/{level}"
    tail = "" if width == WIDTH else f".p/{width}"
    return f"{head}/{encode_index(index)}{tail}"


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """(level or None for entries, index, width) from a path after ``tile/``."""
    parts = path.split("/")
    width = WIDTH
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        w = parts[-1]
        if not w.isdigit() or w != str(int(w)) or not 1 <= int(w) < WIDTH:
            raise ValueError(f"bad partial width {w!r}")
        width = int(w)
        parts = [*parts[:-2], parts[-2].removesuffix(".p")]
    if not parts:
        raise ValueError("empty tile path")
    head, rest = parts[0], parts[1:]
    if head == "entries":
        level = None
    elif head.isdigit() and head == str(int(head)) and int(head) <= 63:
        level = int(head)
    else:
        raise ValueError(f"bad tile level {head!r}")
    return level, parse_index(rest), width


def available(size: int, level: int) -> int:
    """How many hashes level ``level`` of a ``size``-leaf tree has in tiles (complete subtrees
    of 256**level leaves)."""
    return size >> (HEIGHT * level)


def tile_width(size: int, level: int | None, index: int) -> int:
    """The width of tile ``index`` at ``level`` (None: entries) in a tree of ``size``: 256, a
    partial width, or 0 if it does not exist at that size."""
    count = available(size, 0 if level is None else level)
    return max(0, min(WIDTH, count - index * WIDTH))


def hash_tile(tree: merkle.Tree, size: int, level: int, index: int, width: int) -> bytes:
    """The tile's bytes: ``width`` hashes of level ``level`` from position ``index * 256``, as
    of a tree of ``size`` leaves (ValueError if that tile or width does not exist there)."""
    if not 0 < width <= tile_width(size, level, index):
        raise ValueError(f"no tile {tile_path(level, index, width)} at size {size}")
    start = index * WIDTH
    return b"".join(tree.subtree(HEIGHT * level, start + i) for i in range(width))


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries as a bundle: each prefixed by its length (uint16, big-endian)."""
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY:
            raise ValueError(f"an entry of {len(e)} bytes is over the tiles' {MAX_ENTRY}")
        out += len(e).to_bytes(2, "big") + e
    return bytes(out)


def read_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle (ValueError if it is truncated)."""
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("truncated entry bundle")
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError("truncated entry bundle")
        out.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return out
