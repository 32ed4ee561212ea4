"""A tlog client written from the C2SP specs alone (c2sp.org/tlog-tiles, tlog-checkpoint,
signed-note) and RFC 6962 / RFC 9162: it imports nothing from truce, so a test that uses it
checks the service against the specs and not against truce's own reading of them.

- signed notes and checkpoints: parse, and verify an Ed25519 signature line (key ID =
  SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4]);
- tile paths (``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``) and which tiles a tree
  of a given size has;
- a reader of hash tiles and entry bundles over HTTP (httpx), and the tree's hashes computed
  from them: any complete subtree, the Merkle Tree Hash of any range the RFC's recursions use,
  the root of any size up to the checkpoint's;
- RFC 6962 inclusion and consistency proofs computed from tiles, and the RFC 9162 verifiers
  (with the up-front checks of the transparency-dev verifier: sizes, hash lengths, exact proof
  length).

Every failure of a check is a ``TlogError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes (or entries) in a full tile
ED25519_TYPE = 0x01  # signed-note signature type of Ed25519
EM_DASH = "\u2014"


class TlogError(Exception):
    """A note, tile or proof that does not check."""


# ---------------------------------------------------------------- hashing (RFC 6962 §2.1)


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962: the largest power of two smaller than n (n > 1)."""
    if n < 2:
        raise ValueError(f"no power of two below {n} splits a tree")
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a list of leaf hashes, by the recursive definition (iteratively:
    pair up each level, promote an unpaired last node)."""
    if not leaf_hashes:
        return hashlib.sha256(b"").digest()
    level = list(leaf_hashes)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


# ---------------------------------------------------------------- signed notes, checkpoints


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes  # 4 bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    text: str  # the signed text, with its final newline, without the blank separator line
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()
    note: Note | None = field(default=None, compare=False)


def _b64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise TlogError(f"{what}: not base64: {text[:60]!r}") from None
    return raw


def parse_note(text: str) -> Note:
    """A signed note (signed-note §Format): text ending in a newline, a blank line, then one or
    more lines ``— <name> <base64(key ID || signature)>``; the text is separated from the
    signatures by the LAST empty line."""
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise TlogError("a note must not contain control characters other than newline")
    if not text.endswith("\n"):
        raise TlogError("a note ends with a newline")
    sep = text.rfind("\n\n")
    if sep < 0:
        raise TlogError("a note has a blank line between its text and its signatures")
    body, sig_block = text[: sep + 1], text[sep + 2 :]
    lines = sig_block[:-1].split("\n") if sig_block else []
    if not lines:
        raise TlogError("a note has at least one signature line")
    sigs = []
    for line in lines:
        if not line.startswith(EM_DASH + " "):
            raise TlogError(f"a signature line starts with an em dash and a space: {line!r}")
        parts = line[2:].split(" ")
        if len(parts) != 2 or not parts[0]:
            raise TlogError(f"a signature line is '— <name> <base64>': {line!r}")
        name, value = parts
        if "+" in name:
            raise TlogError(f"a key name has no '+': {name!r}")
        raw = _b64(value, "signature")
        if len(raw) < 5:
            raise TlogError(f"a signature is 4 bytes of key ID and more: {line!r}")
        sigs.append(NoteSignature(name, raw[:4], raw[4:]))
    return Note(body, tuple(sigs))


def parse_public_key(text: str) -> bytes:
    """A log public key in truce's text form (``ed25519:<base64 of the 32 raw bytes>``), or a
    Go-style verifier key (``<name>+<hex key ID>+<base64(0x01 || key)>``): the raw key."""
    text = text.strip()
    if text.startswith("ed25519:"):
        raw = _b64(text.removeprefix("ed25519:"), "public key")
    elif len(text.split("+", 2)) == 3:
        raw = _b64(text.split("+", 2)[2], "public key")
        if raw[:1] != bytes([ED25519_TYPE]):
            raise TlogError("not an Ed25519 verifier key")
        raw = raw[1:]
    else:
        raise TlogError(f"not a public key: {text[:40]!r}")
    if len(raw) != 32:
        raise TlogError(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    return raw


def key_id(name: str, public_key: bytes) -> bytes:
    """signed-note: SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_TYPE]) + public_key).digest()[:4]


def parse_vkey(text: str) -> tuple[str, bytes]:
    """A verifier key (signed-note: ``<name>+<hex key ID>+<base64(0x01 || key)>``): its name
    and raw key, the key ID checked against them."""
    text = text.strip()
    parts = text.split("+", 2)  # the base64 key may itself hold "+"
    if len(parts) != 3 or not parts[0]:
        raise TlogError(f"a verifier key is '<name>+<hash>+<key>': {text[:60]!r}")
    name, kid = parts[0], parts[1]
    key = parse_public_key(text)
    if kid != key_id(name, key).hex():
        raise TlogError("the verifier key's hash does not match its name and key")
    return name, key


def verify_note(text: str, name: str, public_key: bytes) -> Note:
    """The note, if the known key (name, key) signed it: lines of unknown keys are ignored, a
    line of the known key (same name AND key ID) must verify, and at least one must be there."""
    note = parse_note(text)
    kid = key_id(name, public_key)
    pub = Ed25519PublicKey.from_public_bytes(public_key)
    known = [s for s in note.signatures if s.name == name and s.key_id == kid]
    if not known:
        raise TlogError(f"no signature by {name!r} with key ID {kid.hex()} in the note")
    for s in known:
        try:
            pub.verify(s.signature, note.text.encode())
        except InvalidSignature:
            raise TlogError(f"the signature by {name!r} does not verify") from None
    return note


def parse_checkpoint(
    text: str, name: str | None = None, public_key: bytes | None = None
) -> Checkpoint:
    """A checkpoint (tlog-checkpoint: origin, decimal size without leading zeros, base64 root,
    optional extension lines), its note's signature verified when a key is given."""
    note = (
        verify_note(text, name, public_key) if public_key is not None and name else parse_note(text)
    )
    lines = note.text[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise TlogError("a checkpoint has at least three non-empty lines")
    origin, size_text, root_text, *ext = lines
    if (
        not size_text.isdigit()
        or not size_text.isascii()
        or (size_text != "0" and size_text[0] == "0")
    ):
        raise TlogError(f"a tree size is decimal without leading zeros: {size_text!r}")
    root = _b64(root_text, "root hash")
    if len(root) != HASH_SIZE:
        raise TlogError(f"a root hash is {HASH_SIZE} bytes, not {len(root)}")
    return Checkpoint(origin, int(size_text), root, tuple(ext), note)


# ---------------------------------------------------------------- tile paths


def encode_index(n: int) -> str:
    """``<N>``: zero-padded 3-digit elements, all but the last prefixed with ``x``."""
    if n < 0:
        raise ValueError("a tile index is non-negative")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int | None, n: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` (``tile/entries/...`` for level None)."""
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile is 1 to {TILE_WIDTH} wide, not {width}")
    if level is not None and not 0 <= level <= 63:
        raise ValueError(f"a tile level is 0 to 63, not {level}")
    head = "entries" if level is None else str(level)
    tail = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{head}/{encode_index(n)}{tail}"


def tile_width(size: int, level: int, n: int) -> int:
    """The width of tile ``n`` at ``level`` in a tree of ``size`` (0: it does not exist)."""
    hashes = size >> (TILE_HEIGHT * level)  # complete subtrees of 256**level leaves
    return max(0, min(TILE_WIDTH, hashes - n * TILE_WIDTH))


def tiles_of(size: int) -> list[tuple[int, int, int]]:
    """Every (level, index, width) hash tile a tree of ``size`` is served as."""
    out = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        hashes = size >> (TILE_HEIGHT * level)
        for n in range(-(-hashes // TILE_WIDTH)):
            out.append((level, n, tile_width(size, level, n)))
        level += 1
    return out


def read_bundle(data: bytes) -> list[bytes]:
    """An entry bundle: big-endian uint16 length-prefixed entries."""
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise TlogError("entry bundle truncated in a length prefix")
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise TlogError("entry bundle truncated in an entry")
        out.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return out


def split_hashes(data: bytes, width: int) -> list[bytes]:
    if len(data) != width * HASH_SIZE:
        raise TlogError(f"a tile of width {width} is {width * HASH_SIZE} bytes, got {len(data)}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


# ---------------------------------------------------------------- fetching


class TileFetcher:
    """Fetches ``<prefix>/checkpoint`` and ``<prefix>/tile/...`` with a bearer token, keeping
    every tile it read (tiles are immutable; a partial is kept under its width)."""

    def __init__(self, client: httpx.Client, prefix: str, token: str | None = None) -> None:
        self.client = client
        self.prefix = prefix.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.fetched: dict[str, bytes] = {}

    def get(self, path: str) -> httpx.Response:
        return self.client.get(f"{self.prefix}/{path}", headers=self.headers)

    def checkpoint_text(self) -> str:
        r = self.get("checkpoint")
        if r.status_code != 200:
            raise TlogError(f"GET checkpoint: {r.status_code} {r.text[:200]}")
        return r.text

    def raw(self, path: str) -> bytes:
        if path not in self.fetched:
            r = self.get(path)
            if r.status_code != 200:
                raise TlogError(f"GET {path}: {r.status_code} {r.text[:200]}")
            self.fetched[path] = r.content
        return self.fetched[path]

    def hashes(self, level: int, n: int, width: int) -> list[bytes]:
        return split_hashes(self.raw(tile_path(level, n, width)), width)

    def entries(self, n: int, width: int) -> list[bytes]:
        got = read_bundle(self.raw(tile_path(None, n, width)))
        if len(got) != width:
            raise TlogError(f"entry bundle {n} of width {width} has {len(got)} entries")
        return got


# ---------------------------------------------------------------- the tree from tiles


class TiledTree:
    """The hashes of a tree of ``size`` leaves, read from its tiles (as served at a checkpoint
    of ``size``, or of any larger size: complete subtrees never change).

    ``hashes(level, n, width)`` returns a hash tile's hashes; each tile is expanded into the
    8 levels of its subtree once, so any complete subtree's hash is a lookup."""

    def __init__(self, size: int, hashes: Callable[[int, int, int], list[bytes]]) -> None:
        self.size = size
        self._hashes = hashes
        self._expanded: dict[tuple[int, int], list[list[bytes]]] = {}

    def tile(self, level: int, n: int) -> list[list[bytes]]:
        """The tile's levels: [0] its hashes, [h] the complete nodes of height h inside it."""
        key = (level, n)
        if key not in self._expanded:
            width = tile_width(self.size, level, n)
            if width == 0:
                raise TlogError(f"tile {level}/{n} is not in a tree of size {self.size}")
            rows = [self._hashes(level, n, width)]
            while len(rows[-1]) > 1:
                row = rows[-1]
                rows.append([node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)])
            self._expanded[key] = rows
        return self._expanded[key]

    def subtree(self, height: int, index: int) -> bytes:
        """The hash of the complete subtree of 2**height leaves from ``index * 2**height``."""
        if (index + 1) << height > self.size:
            raise TlogError(f"subtree {height}/{index} is not complete at size {self.size}")
        level, h = divmod(height, TILE_HEIGHT)
        first = index << h  # position of its first hash at tile level `level`
        n, j = divmod(first, TILE_WIDTH)
        rows = self.tile(level, n)
        return rows[h][j >> h]

    def range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for the ranges RFC 6962's recursions make: start is a multiple of
        the largest power of two not above end - start."""
        n = end - start
        if n <= 0 or end > self.size:
            raise TlogError(f"no range [{start}, {end}) in a tree of size {self.size}")
        if n & (n - 1) == 0:
            if start % n:
                raise TlogError(f"range [{start}, {end}) is not aligned")
            return self.subtree(n.bit_length() - 1, start // n)
        k = largest_power_of_two_below(n)
        return node_hash(self.range_hash(start, start + k), self.range_hash(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if size == 0:
            return hashlib.sha256(b"").digest()
        return self.range_hash(0, size)

    def leaf(self, index: int) -> bytes:
        return self.subtree(0, index)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 §2.1.1 PATH(m, D[n])."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise TlogError(f"no leaf {index} in a tree of size {size}")

        def path(m: int, start: int, end: int) -> list[bytes]:
            n = end - start
            if n == 1:
                return []
            k = largest_power_of_two_below(n)
            if m - start < k:
                return [*path(m, start, start + k), self.range_hash(start + k, end)]
            return [*path(m, start + k, end), self.range_hash(start, start + k)]

        return path(index, 0, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
        size2 = self.size if size2 is None else size2
        if not 0 < size1 <= size2 <= self.size:
            raise TlogError(f"no consistency proof from {size1} to {size2}")

        def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
            n = end - start
            if m == n:
                return [] if whole else [self.range_hash(start, end)]
            k = largest_power_of_two_below(n)
            if m <= k:
                return [*subproof(m, start, start + k, whole), self.range_hash(start + k, end)]
            return [*subproof(m - k, start + k, end, False), self.range_hash(start, start + k)]

        return subproof(size1, 0, size2, True)


def check_tile_pyramid(tree: TiledTree) -> int:
    """Tile-tiers agree (tlog-tiles: each hash of a tile at level L >= 1 is the MTH of a full
    tile at level L - 1) and the root computed from the level-0 hashes alone equals the root
    computed from the highest tiles. Returns the number of tiles checked."""
    tiles = tiles_of(tree.size)
    for level, n, width in tiles:
        if level == 0:
            continue
        upper = tree.tile(level, n)[0]
        for i in range(width):
            below = tree.tile(level - 1, n * TILE_WIDTH + i)
            if len(below[0]) != TILE_WIDTH or below[TILE_HEIGHT][0] != upper[i]:
                raise TlogError(f"tile {level}/{n} hash {i} is not the MTH of its tile below")
    leaves = [h for level, n, _ in tiles if level == 0 for h in tree.tile(0, n)[0]]
    if len(leaves) != tree.size:
        raise TlogError(f"level 0 has {len(leaves)} hashes, the tree {tree.size}")
    if mth(leaves) != tree.root():
        raise TlogError("the root from level 0 differs from the root from the upper tiles")
    return len(tiles)


# ---------------------------------------------------------------- verifiers (RFC 9162)


def _lsb(x: int) -> bool:
    return bool(x & 1)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2, for leaf hash ``leaf`` at 0-based ``index``; raises TlogError."""
    if index < 0 or index >= size:
        raise TlogError(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf) != HASH_SIZE:
        raise TlogError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
    # the exact length of the path: one hash per level below the root on the way up
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    if len(proof) != inner + border:
        raise TlogError(f"the proof has {len(proof)} hashes, expected {inner + border}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != HASH_SIZE:
            raise TlogError("a proof hash is not 32 bytes")
        if sn == 0:
            raise TlogError("the proof is too long")
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise TlogError("the proof is too short")
    if r != root:
        raise TlogError("the proof leads to another root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2 that the tree of ``size1`` (root1) is a prefix of the one of
    ``size2`` (root2); raises TlogError. Equal sizes take an empty proof and equal roots; a
    proof from the empty tree proves nothing and is refused."""
    if size1 < 0 or size2 < size1:
        raise TlogError(f"size2 ({size2}) is smaller than size1 ({size1})")
    if size1 == 0:
        raise TlogError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise TlogError("equal sizes take an empty proof")
        if root1 != root2:
            raise TlogError("equal sizes, different roots")
        return
    if not proof:
        raise TlogError("an empty proof between different sizes")
    if len(root1) != HASH_SIZE or len(root2) != HASH_SIZE:
        raise TlogError("a root hash is 32 bytes")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # an exact power of two: its root is the first hash
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    for p in path:
        if len(p) != HASH_SIZE:
            raise TlogError("a proof hash is not 32 bytes")
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise TlogError("the proof is too long")
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise TlogError("the proof is too short")
    if fr != root1:
        raise TlogError("the proof does not lead to the first root")
    if sr != root2:
        raise TlogError("the proof does not lead to the second root")
