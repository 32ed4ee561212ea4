"""Fuzz the Merkle proof verifiers with an oracle: whatever the fuzzer changes (leaf, root,
proof hashes, their number and order, the index and sizes), a proof that verifies must carry
exactly the genuine hashes: the leaf, the roots and every proof hash unchanged. (A changed index
or size may still verify when its proof has the same shape as the genuine one, e.g. leaf 0 of
5 and of 6 leaves: the verifier then hashes exactly the same bytes, so no verifier can tell;
that is not a forgery.) Run: python fuzz/fuzz_proofs.py -runs=1000000"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from truce.errors import ProofError
    from truce.ledger.log import merkle

TREES = {n: merkle.Tree(merkle.leaf_hash(b"leaf %d" % i) for i in range(n)) for n in range(1, 65)}


def _mutate(fdp: atheris.FuzzedDataProvider, hashes: list[bytes]) -> list[bytes]:
    out = list(hashes)
    for _ in range(fdp.ConsumeIntInRange(0, 3)):
        op = fdp.ConsumeIntInRange(0, 4)
        if op == 0 and out:  # flip a bit
            i = fdp.ConsumeIntInRange(0, len(out) - 1)
            b = bytearray(out[i])
            if b:
                j = fdp.ConsumeIntInRange(0, len(b) * 8 - 1)
                b[j // 8] ^= 1 << (j % 8)
            out[i] = bytes(b)
        elif op == 1 and out:  # drop one
            del out[fdp.ConsumeIntInRange(0, len(out) - 1)]
        elif op == 2:  # insert one
            out.insert(fdp.ConsumeIntInRange(0, len(out)), fdp.ConsumeBytes(32))
        elif op == 3 and len(out) > 1:  # swap two
            i, j = fdp.ConsumeIntInRange(0, len(out) - 1), fdp.ConsumeIntInRange(0, len(out) - 1)
            out[i], out[j] = out[j], out[i]
        elif op == 4 and out:  # truncate one
            i = fdp.ConsumeIntInRange(0, len(out) - 1)
            out[i] = out[i][: fdp.ConsumeIntInRange(0, 32)]
    return out


def test_one(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    n = fdp.ConsumeIntInRange(1, 64)
    tree = TREES[n]
    if fdp.ConsumeBool():
        index = fdp.ConsumeIntInRange(0, n - 1)
        proof = tree.inclusion_proof(index)
        leaf, root, size, idx = tree.leaf(index), tree.root(), n, index
        genuine = (leaf, root, list(proof))
        if fdp.ConsumeBool():
            size = fdp.ConsumeIntInRange(-2, 130)
        if fdp.ConsumeBool():
            idx = fdp.ConsumeIntInRange(-2, 130)
        if fdp.ConsumeBool():
            leaf = (_mutate(fdp, [leaf]) or [b""])[0] if fdp.ConsumeBool() else fdp.ConsumeBytes(32)
        proof = _mutate(fdp, proof)
        try:
            merkle.verify_inclusion(leaf, idx, size, proof, root)
        except ProofError:
            return
        if (leaf, root, proof) != genuine:
            raise AssertionError(f"forged inclusion accepted: n={n} idx={idx} size={size}")
    else:
        m = fdp.ConsumeIntInRange(1, n)
        proof = tree.consistency_proof(m, n) if m < n else []
        r1, r2, s1, s2 = tree.root(m), tree.root(), m, n
        if fdp.ConsumeBool():
            s1 = fdp.ConsumeIntInRange(-1, 70)
        if fdp.ConsumeBool():
            s2 = fdp.ConsumeIntInRange(-1, 70)
        if fdp.ConsumeBool():
            r1 = (_mutate(fdp, [r1]) or [b""])[0]
        if fdp.ConsumeBool():
            r1, r2 = r2, r1
        genuine = (tree.root(m), tree.root(), list(proof))
        proof = _mutate(fdp, proof)
        try:
            merkle.verify_consistency(s1, s2, proof, r1, r2)
        except ProofError:
            return
        if (r1, r2, proof) != genuine:
            raise AssertionError(f"forged consistency accepted: {s1}->{s2} (tree {n}, {m})")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
