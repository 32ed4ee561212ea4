"""Known-answer, reference and corruption tests for the RFC 6962 / RFC 9162 Merkle module.

The JSON vectors under merkle_vectors/ are transparency-dev/merkle's testdata (Apache 2.0, see
the README and LICENSE there). The corruption probes follow that repository's verifier tests.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.errors import ProofError
from truce.ledger.log.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    Tree,
    decode_frontier,
    encode_frontier,
    extend,
    frontier_root,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parent / "merkle_vectors"
VECTOR_FILES = sorted(VECTORS.rglob("*.json"))

# transparency-dev/merkle testonly: the fixed leaf inputs and the roots of their first 1..8.
TD_LEAVES = [
    bytes.fromhex(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
TD_ROOTS = [
    bytes.fromhex(x)
    for x in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
TD_HASHES = [leaf_hash(x) for x in TD_LEAVES]

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# Naive reference: the RFC 6962 §2.1 recursive definitions, written out literally.


def _split(n: int) -> int:
    """Largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def ref_mth(leaves: Sequence[T], node: Callable[[T, T], T], empty: T) -> T:
    n = len(leaves)
    if n == 0:
        return empty
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node(ref_mth(leaves[:k], node, empty), ref_mth(leaves[k:], node, empty))


def ref_path(m: int, leaves: Sequence[T], node: Callable[[T, T], T], empty: T) -> list[T]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*ref_path(m, leaves[:k], node, empty), ref_mth(leaves[k:], node, empty)]
    return [*ref_path(m - k, leaves[k:], node, empty), ref_mth(leaves[:k], node, empty)]


def ref_subproof(
    m: int, leaves: Sequence[T], b: bool, node: Callable[[T, T], T], empty: T
) -> list[T]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves, node, empty)]
    k = _split(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b, node, empty), ref_mth(leaves[k:], node, empty)]
    return [
        *ref_subproof(m - k, leaves[k:], False, node, empty),
        ref_mth(leaves[:k], node, empty),
    ]


def ref_root(leaves: Sequence[bytes]) -> bytes:
    return ref_mth(leaves, node_hash, EMPTY_ROOT)


def _sym_node(a: str, b: str) -> str:
    return f"({a} {b})"


# Symbolic RFC 9162 verification: the same chains over expressions instead of hashes. When a
# probe changes only sizes or an index and the chain still yields the same expression, any
# verifier must accept it (it computes the very same SHA-256 input); otherwise the result is a
# different expression, and accepting it would need a hash collision.


def sym_inclusion_accepts(index: int, size: int, leaf: str, proof: Sequence[str], rt: str) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _sym_node(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _sym_node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == rt


def sym_consistency_accepts(s1: int, s2: int, proof: Sequence[str], r1: str, r2: str) -> bool:
    if s1 <= 0 or s1 > s2:
        return False
    if s1 == s2:
        return not proof and r1 == r2
    if not proof:
        return False
    path = [r1, *proof] if s1 & (s1 - 1) == 0 else list(proof)
    fn, sn = s1 - 1, s2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _sym_node(c, fr), _sym_node(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _sym_node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == r1 and sr == r2


# ---------------------------------------------------------------------------------------------
# 1. Known-answer vectors.


def _b64(s: str | None) -> bytes:
    return base64.b64decode(s or "")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _vector_id(path: Path) -> str:
    return path.relative_to(VECTORS).as_posix()


def test_vector_files_present() -> None:
    counts = Counter((_vector_id(p).split("/")[0], bool(_load(p)["wantErr"])) for p in VECTOR_FILES)
    assert counts == {
        ("inclusion", False): 6,
        ("inclusion", True): 92,
        ("consistency", False): 6,
        ("consistency", True): 92,
    }
    assert (VECTORS / "LICENSE").is_file() and (VECTORS / "README.md").is_file()


def _run_vector(case: dict[str, Any], kind: str) -> None:
    proof = [_b64(p) for p in case["proof"] or []]
    if kind == "inclusion":
        verify_inclusion(
            _b64(case["leafHash"]), case["leafIdx"], case["treeSize"], proof, _b64(case["root"])
        )
    else:
        verify_consistency(
            case["size1"], case["size2"], proof, _b64(case["root1"]), _b64(case["root2"])
        )


@pytest.mark.parametrize("path", VECTOR_FILES, ids=_vector_id)
def test_vector(path: Path) -> None:
    case = _load(path)
    kind = _vector_id(path).split("/")[0]
    if case["wantErr"]:
        with pytest.raises(ProofError):
            _run_vector(case, kind)
    else:
        _run_vector(case, kind)


@pytest.mark.parametrize(
    "path",
    [p for p in VECTOR_FILES if p.name == "happy-path.json" and p.parent.name.isdigit()],
    ids=_vector_id,
)
def test_happy_vectors_match_tree_over_fixed_leaves(path: Path) -> None:
    """The numbered happy paths are over the fixed leaves: our Tree must produce them exactly."""
    case = _load(path)
    tree = Tree(TD_HASHES)
    proof = [_b64(p) for p in case["proof"] or []]
    if "leafIdx" in case:
        idx, size = case["leafIdx"], case["treeSize"]
        assert _b64(case["leafHash"]) == TD_HASHES[idx]
        assert _b64(case["root"]) == TD_ROOTS[size - 1] == tree.root(size)
        assert tree.inclusion_proof(idx, size) == proof
    else:
        s1, s2 = case["size1"], case["size2"]
        assert _b64(case["root1"]) == TD_ROOTS[s1 - 1] == tree.root(s1)
        assert _b64(case["root2"]) == TD_ROOTS[s2 - 1] == tree.root(s2)
        assert tree.consistency_proof(s1, s2) == proof


# ---------------------------------------------------------------------------------------------
# 2. Fixed roots for 1..8 leaves.


def test_hash_primitives() -> None:
    assert HASH_SIZE == 32
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert root([]) == EMPTY_ROOT == frontier_root([]) == Tree().root()


@pytest.mark.parametrize("n", range(1, 9))
def test_transparency_dev_roots(n: int) -> None:
    hashes = TD_HASHES[:n]
    want = TD_ROOTS[n - 1]
    assert ref_root(hashes) == want
    assert root(hashes) == want
    assert Tree(hashes).root() == want
    assert Tree(TD_HASHES).root(n) == want
    assert frontier_root(extend([], 0, hashes)) == want


# ---------------------------------------------------------------------------------------------
# 3. Every proof for small trees, against the reference and against corruption.

RANDOM_ROOT = hashlib.sha256(b"random root").digest()
OTHER_LEAF = leaf_hash(b"some other leaf")


def _flip(proof: list[bytes], i: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ 8]) + out[i][1:]
    return out


def _structural_probes(proof: list[bytes], roots: Sequence[bytes]) -> list[tuple[str, list[bytes]]]:
    """Proof mutations that must always be rejected (the sizes and roots are unchanged)."""
    probes: list[tuple[str, list[bytes]]] = [
        ("trailing garbage", [*proof, b""]),
        ("preceding garbage", [b"", *proof]),
        ("inserted component", [*proof[: len(proof) // 2], OTHER_LEAF, *proof[len(proof) // 2 :]]),
    ]
    for j, r in enumerate(roots):
        probes += [(f"trailing root{j}", [*proof, r]), (f"preceding root{j}", [r, *proof])]
    if proof:
        probes += [
            ("empty proof", []),
            ("truncated proof", proof[:-1]),
            ("removed component", proof[1:]),
            ("preceding proof[0]", [proof[0], *proof]),
        ]
        probes += [(f"flipped proof[{i}]", _flip(proof, i)) for i in range(len(proof))]
    if len(proof) >= 2:
        probes.append(("swapped components", [proof[1], proof[0], *proof[2:]]))
    return probes


def _accepts(verify: Callable[..., None], *args: Any) -> bool:
    try:
        verify(*args)
    except ProofError:
        return False
    return True


def _check_all_proofs(max_size: int) -> Counter[str]:
    """Verify every proof of every tree up to max_size and probe each with corruptions."""
    stats: Counter[str] = Counter()
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(max_size)]
    syms = [f"L{i}" for i in range(max_size)]
    tree = Tree()
    for n in range(1, max_size + 1):
        tree.append([leaves[n - 1]])
        rt = tree.root()
        assert rt == ref_root(leaves[:n]) == root(leaves[:n])
        sym_root = ref_mth(syms[:n], _sym_node, "E")

        def tally(accepted: bool, forced: bool, what: str) -> None:
            if forced:
                assert accepted, f"probe {what} is the same computation yet was rejected"
                stats["probe accepted (indistinguishable)"] += 1
            else:
                assert not accepted, f"false accept: {what}"
                stats["probe rejected"] += 1

        for i in range(n):
            proof = tree.inclusion_proof(i, n)
            assert proof == ref_path(i, leaves[:n], node_hash, EMPTY_ROOT)
            verify_inclusion(leaves[i], i, n, proof, rt)
            stats["valid inclusion"] += 1
            sym_proof = ref_path(i, syms[:n], _sym_node, "E")
            for label, i2, n2 in [
                ("index-1", i - 1, n),
                ("index+1", i + 1, n),
                ("index^2", i ^ 2, n),
                ("size*2", i, n * 2),
                ("size/2", i, n // 2),
                ("size+1", i, n + 1),
                ("size-1", i, n - 1),
            ]:
                accepted = _accepts(verify_inclusion, leaves[i], i2, n2, proof, rt)
                forced = sym_inclusion_accepts(i2, n2, syms[i], sym_proof, sym_root)
                tally(accepted, forced, f"inclusion {i}/{n} {label}")
            others: list[tuple[str, bytes, bytes, list[bytes]]] = [
                ("wrong short leaf", b"WrongLeaf", rt, proof),
                ("wrong leaf", OTHER_LEAF, rt, proof),
                ("empty root", leaves[i], EMPTY_ROOT, proof),
                ("random root", leaves[i], RANDOM_ROOT, proof),
            ]
            others += [(lab, leaves[i], rt, p) for lab, p in _structural_probes(proof, [rt])]
            for label, lf, r, p in others:
                accepted = _accepts(verify_inclusion, lf, i, n, p, r)
                tally(accepted, False, f"inclusion {i}/{n} {label}")

        for m in range(1, n + 1):
            r1 = tree.root(m)
            proof = tree.consistency_proof(m, n)
            assert proof == ref_subproof(m, leaves[:n], True, node_hash, EMPTY_ROOT)
            verify_consistency(m, n, proof, r1, rt)
            stats["valid consistency"] += 1
            sym_r1 = ref_mth(syms[:m], _sym_node, "E")
            sym_proof = ref_subproof(m, syms[:n], True, _sym_node, "E")
            for label, m2, n2 in [
                ("size1-1", m - 1, n),
                ("size1+1", m + 1, n),
                ("size1^2", m ^ 2, n),
                ("size2*2", m, n * 2),
                ("size2/2", m, n // 2),
                ("size2+1", m, n + 1),
                ("size2-1", m, n - 1),
            ]:
                accepted = _accepts(verify_consistency, m2, n2, proof, r1, rt)
                forced = sym_consistency_accepts(m2, n2, sym_proof, sym_r1, sym_root)
                tally(accepted, forced, f"consistency {m}->{n} {label}")
            cons: list[tuple[str, bytes, bytes, list[bytes]]] = [
                ("wrong root1", b"WrongRoot1", rt, proof),
                ("wrong root2", r1, b"WrongRoot2", proof),
                ("random root1", RANDOM_ROOT, rt, proof),
                ("random root2", r1, RANDOM_ROOT, proof),
            ]
            if m < n:
                cons.append(("swapped roots", rt, r1, proof))
            cons += [(lab, r1, rt, p) for lab, p in _structural_probes(proof, [r1, rt])]
            for label, a, b, p in cons:
                accepted = _accepts(verify_consistency, m, n, p, a, b)
                tally(accepted, False, f"consistency {m}->{n} {label}")
    return stats


def test_all_proofs_and_corruptions_up_to_64() -> None:
    stats = _check_all_proofs(64)
    print(dict(stats))
    assert stats["valid inclusion"] == 64 * 65 // 2
    assert stats["valid consistency"] == 64 * 65 // 2
    assert stats["probe rejected"] > 50_000


@pytest.mark.deep
def test_all_proofs_and_corruptions_up_to_128() -> None:
    stats = _check_all_proofs(128)
    print(dict(stats))
    assert stats["valid inclusion"] == 128 * 129 // 2


def test_inner_node_cannot_pose_as_leaf() -> None:
    """Without the 32-byte checks, left||right with an empty sibling would hash to the root."""
    l0, l1 = TD_HASHES[:2]
    rt = root([l0, l1])
    assert node_hash(l0 + l1, b"") == rt
    with pytest.raises(ProofError):
        verify_inclusion(l0 + l1, 0, 2, [b""], rt)
    with pytest.raises(ProofError):
        verify_inclusion(l0[:16], 0, 2, [l0[16:] + l1], rt)
    with pytest.raises(ProofError):
        verify_inclusion(l0, 0, 2, [l1 + b"x"], rt)
    with pytest.raises(ProofError):
        verify_consistency(1, 2, [l1[:31]], l0, rt)


def test_tree_argument_errors() -> None:
    tree = Tree(TD_HASHES[:5])
    with pytest.raises(ValueError):
        tree.root(6)
    with pytest.raises(ValueError):
        tree.root(-1)
    with pytest.raises(ValueError):
        tree.leaf(5)
    with pytest.raises(ValueError):
        tree.inclusion_proof(5)
    with pytest.raises(ValueError):
        tree.inclusion_proof(3, 3)
    with pytest.raises(ValueError):
        tree.consistency_proof(0, 5)
    with pytest.raises(ValueError):
        tree.consistency_proof(4, 3)
    with pytest.raises(ValueError):
        tree.append([b"short"])
    with pytest.raises(ValueError):
        extend([], 1, [])
    assert tree.consistency_proof(5) == []
    assert tree.leaf(4) == TD_HASHES[4]
    assert tree.size == 5


# ---------------------------------------------------------------------------------------------
# 4. Properties.

leaf_lists = st.lists(st.binary(max_size=6), max_size=70)


@settings(max_examples=60, deadline=None)
@given(data=leaf_lists, cuts=st.lists(st.integers(0, 70), max_size=6))
def test_extend_in_chunks_matches_root_and_tree(data: list[bytes], cuts: list[int]) -> None:
    hashes = [leaf_hash(d) for d in data]
    bounds = sorted({0, len(hashes), *(c for c in cuts if c <= len(hashes))})
    frontier: list[bytes] = []
    tree = Tree()
    for a, b in itertools.pairwise(bounds):
        frontier = extend(frontier, a, hashes[a:b])
        tree.append(hashes[a:b])
    assert len(frontier) == len(hashes).bit_count()
    want = ref_root(hashes)
    assert frontier_root(frontier) == root(hashes) == Tree(hashes).root() == tree.root() == want


@settings(max_examples=40, deadline=None)
@given(data=leaf_lists)
def test_historical_roots(data: list[bytes]) -> None:
    hashes = [leaf_hash(d) for d in data]
    tree = Tree(hashes)
    for m in range(len(hashes) + 1):
        assert tree.root(m) == root(hashes[:m])
        assert frontier_root(extend([], 0, hashes[:m])) == tree.root(m)


_BIG = Tree(leaf_hash(i.to_bytes(4, "big")) for i in range(3000))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_proofs_in_a_larger_tree(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, _BIG.size), label="size")
    i = data.draw(st.integers(0, n - 1), label="index")
    m = data.draw(st.integers(1, n), label="size1")
    verify_inclusion(_BIG.leaf(i), i, n, _BIG.inclusion_proof(i, n), _BIG.root(n))
    verify_consistency(m, n, _BIG.consistency_proof(m, n), _BIG.root(m), _BIG.root(n))


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 10**12), extra=st.integers(1, 40), seed=st.binary(max_size=4))
def test_frontier_encoding(size: int, extra: int, seed: bytes) -> None:
    frontier = [hashlib.sha256(seed + bytes([i])).digest() for i in range(size.bit_count())]
    blob = encode_frontier(frontier)
    assert len(blob) == HASH_SIZE * size.bit_count()
    assert decode_frontier(blob, size) == frontier
    with pytest.raises(ProofError):
        decode_frontier(blob + bytes(extra), size)
    if blob:
        with pytest.raises(ProofError):
            decode_frontier(blob[:-extra], size)
    with pytest.raises(ProofError):
        decode_frontier(blob, -1 - size)
