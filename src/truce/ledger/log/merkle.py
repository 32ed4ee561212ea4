"""RFC 6962 / RFC 9162 Merkle trees over SHA-256: roots, compact ranges, proofs and verifiers.

Leaves are hashed as SHA-256(0x00 || data) and inner nodes as SHA-256(0x01 || left || right)
(RFC 9162 §2.1.1). The tree over n leaves is the left-balanced one of the RFC: its node at level
k and index j covers leaves [j * 2**k, min((j + 1) * 2**k, n)), and a node whose right child
would be empty is its left child promoted. The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2,
with the up-front checks of the transparency-dev/merkle Go verifier (sizes, hash lengths,
exact proof length). They return None on success and raise ProofError on any failure.

Caller mistakes (a negative size, an index past the tree, a hash that is not 32 bytes where a
leaf hash is expected) raise ValueError; only the verifiers and decode_frontier raise ProofError.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from truce.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Tree",
    "decode_frontier",
    "encode_frontier",
    "extend",
    "frontier_root",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf's data with the 0x00 prefix, so a leaf can never pass for an inner node."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes with the 0x01 prefix, the RFC 6962 inner-node hash."""
    return _sha256(b"\x01" + left + right).digest()


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    """Hash adjacent pairs of one level into the complete nodes of the level above."""
    sha = _sha256
    return [sha(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle Tree Hash of already-hashed leaves (EMPTY_ROOT for none), level by level for speed."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        nxt = _next_level(level)
        if len(level) % 2:
            nxt.append(level[-1])  # the unpaired last node is promoted unchanged (RFC 6962)
        level = nxt
    return level[0]


def _check_hash(h: bytes, what: str) -> None:
    """Refuse a leaf hash that is not HASH_SIZE bytes before it gets into a tree."""
    if len(h) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, got {len(h)}")


def _check_size(size: int) -> None:
    """Refuse a negative tree size."""
    if size < 0:
        raise ValueError(f"tree size must be >= 0, got {size}")


def extend(frontier: Sequence[bytes], size: int, leaf_hashes: Iterable[bytes]) -> list[bytes]:
    """Append leaf hashes to the compact range of a `size`-leaf tree and return the new one."""
    _check_size(size)
    if len(frontier) != size.bit_count():
        raise ValueError(
            f"a frontier of a {size}-leaf tree has {size.bit_count()} hashes, got {len(frontier)}"
        )
    stack = list(frontier)
    sha = _sha256
    for h in leaf_hashes:
        _check_hash(h, "leaf hash")
        n = size
        while n & 1:
            h = sha(b"\x01" + stack.pop() + h).digest()
            n >>= 1
        stack.append(h)
        size += 1
    return stack


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """Root of the tree a compact range describes, folding its subtree roots from the right."""
    if not frontier:
        return EMPTY_ROOT
    r = frontier[-1]
    for h in reversed(frontier[:-1]):
        r = node_hash(h, r)
    return r


def encode_frontier(frontier: Sequence[bytes]) -> bytes:
    """Serialise a compact range as the plain concatenation of its hashes (size is kept apart)."""
    return b"".join(frontier)


def decode_frontier(blob: bytes, size: int) -> list[bytes]:
    """Split a stored compact range back into hashes, refusing a blob of the wrong length."""
    if size < 0:
        raise ProofError(f"tree size must be >= 0, got {size}")
    want = HASH_SIZE * size.bit_count()
    if len(blob) != want:
        raise ProofError(f"frontier of a {size}-leaf tree must be {want} bytes, got {len(blob)}")
    return [bytes(blob[i : i + HASH_SIZE]) for i in range(0, want, HASH_SIZE)]


class Tree:
    """All levels of node hashes, so proofs are O(log n) after an O(n) build."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        """Build the levels over the given leaf hashes (none gives the empty tree)."""
        # _levels[k][j] is the root of the perfect subtree of 2**k leaves starting at j * 2**k;
        # only complete subtrees are stored, so every level is append-only.
        self._levels: list[list[bytes]] = [[]]
        self.append(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves in the tree."""
        return len(self._levels[0])

    def append(self, leaf_hashes: Iterable[bytes]) -> None:
        """Add leaf hashes at the right and complete every perfect subtree they close."""
        new = list(leaf_hashes)
        for h in new:
            _check_hash(h, "leaf hash")
        if not new:
            return
        levels = self._levels
        levels[0].extend(new)
        k = 0
        while len(levels[k]) >= 2:
            below = levels[k]
            if k + 1 == len(levels):
                levels.append([])
            above = levels[k + 1]
            done = len(above)
            want = len(below) // 2
            if done < want:
                above.extend(_next_level(below[2 * done : 2 * want]))
            k += 1

    def _range_root(self, start: int, end: int) -> bytes:
        """MTH of leaves [start, end) where start is aligned to the largest power in end - start."""
        n = end - start
        if n <= 0:
            return EMPTY_ROOT
        parts: list[bytes] = []
        pos = start
        levels = self._levels
        for k in range(n.bit_length() - 1, -1, -1):
            if (n >> k) & 1:
                parts.append(levels[k][pos >> k])
                pos += 1 << k
        return frontier_root(parts)

    def _size_arg(self, size: int | None) -> int:
        """Resolve an optional historical size and refuse one outside 0..self.size."""
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is outside 0..{self.size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Root of the first `size` leaves (default all) in O(log n) from the stored subtrees."""
        return self._range_root(0, self._size_arg(size))

    def subtree(self, level: int, index: int) -> bytes:
        """The root of the perfect subtree of 2**level leaves starting at index * 2**level
        (a node of a tlog tile); IndexError if that subtree is not complete."""
        if level >= len(self._levels) or index >= len(self._levels[level]) or index < 0:
            raise IndexError(f"no complete subtree at level {level}, index {index}")
        return self._levels[level][index]

    def leaf(self, index: int) -> bytes:
        """Leaf hash at `index`."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf index {index} is outside 0..{self.size - 1}")
        return self._levels[0][index]

    def _path(self, index: int, level: int, size: int) -> list[bytes]:
        """Sibling hashes from node (level, index) up to the root of the first `size` leaves."""
        proof: list[bytes] = []
        top = (size - 1).bit_length()
        while level < top:
            start = ((index >> level) ^ 1) << level
            if start < size:  # else the sibling is empty and this node is promoted
                end = min(start + (1 << level), size)
                proof.append(self._range_root(start, end))
            level += 1
        return proof

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 PATH(index, D[size]): the audit path proving leaf `index` is in that tree."""
        n = self._size_arg(size)
        if not 0 <= index < n:
            raise ValueError(f"leaf index {index} is outside 0..{n - 1}")
        return self._path(index, 0, n)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """RFC 6962 PROOF(size1, D[size2]): shows the size1 tree is a prefix of the size2 tree."""
        n = self._size_arg(size2)
        if not 0 < size1 <= n:
            raise ValueError(f"size1 {size1} is outside 1..{n} (no proof from the empty tree)")
        if size1 == n:
            return []
        level = (size1 & -size1).bit_length() - 1  # the last perfect subtree of the old tree
        proof = [] if size1 == 1 << level else [self._range_root(size1 - (1 << level), size1)]
        proof.extend(self._path(size1 - 1, level, n))
        return proof


def _proof_shape(index: int, size: int) -> int:
    """Number of hashes in the inclusion path of `index` in a `size`-leaf tree (Go decomp)."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    """Refuse a proof with any element that is not exactly HASH_SIZE bytes."""
    for i, p in enumerate(proof):
        if len(p) != HASH_SIZE:
            raise ProofError(f"proof[{i}] is {len(p)} bytes, want {HASH_SIZE}")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an RFC 9162 §2.1.3.2 inclusion proof; raise ProofError unless it proves the leaf."""
    if size <= 0:
        raise ProofError(f"tree size {size} has no leaves to prove")
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside 0..{size - 1}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf_hash)} bytes, want {HASH_SIZE}")
    if len(root) != HASH_SIZE:
        raise ProofError(f"root is {len(root)} bytes, want {HASH_SIZE}")
    want = _proof_shape(index, size)
    if len(proof) != want:
        raise ProofError(f"inclusion proof has {len(proof)} hashes, want {want}")
    _check_proof_hashes(proof)
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if r != root:
        raise ProofError("inclusion proof does not lead to the given root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check an RFC 9162 §2.1.4.2 consistency proof; raise ProofError unless size1 is a prefix."""
    if size1 < 0 or size2 < 0:
        raise ProofError(f"tree sizes must be >= 0, got {size1} and {size2}")
    if size1 > size2:
        raise ProofError(f"size1 {size1} is greater than size2 {size2}")
    if size1 == 0:
        # RFC 9162 defines consistency only for 0 < size1; every tree extends the empty one, so
        # such a "proof" says nothing and the vectors require it to be refused.
        raise ProofError("consistency from the empty tree (size1 = 0) proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError(f"size1 = size2 = {size1} needs an empty proof, got {len(proof)}")
        if root1 != root2:
            raise ProofError(f"size1 = size2 = {size1} but the roots differ")
        return
    if not proof:
        raise ProofError("empty consistency proof for size1 < size2")
    if len(root1) != HASH_SIZE or len(root2) != HASH_SIZE:
        raise ProofError(f"roots are {len(root1)} and {len(root2)} bytes, want {HASH_SIZE}")
    level = (size1 & -size1).bit_length() - 1
    seeded = size1 == 1 << level  # size1 is a power of two: root1 itself starts the path
    want = (0 if seeded else 1) + _proof_shape((size1 - 1) >> level, ((size2 - 1) >> level) + 1)
    if len(proof) != want:
        raise ProofError(f"consistency proof has {len(proof)} hashes, want {want}")
    _check_proof_hashes(proof)
    path = [root1, *proof] if seeded else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    if fr != root1:
        raise ProofError("consistency proof does not lead to root1")
    if sr != root2:
        raise ProofError("consistency proof does not lead to root2")
