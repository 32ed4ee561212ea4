"""The log as C2SP tlog tiles (``.../tlog/``), read by a client written from the specs alone
(tests/service/tlog_client.py imports nothing from truce): the checkpoint's signature, every
tile of a 70,000-entry log, the root, inclusion and consistency proofs computed from tiles,
entry bundles against level-0 hashes, what a reader is not sent, and the server's own proof
bundles against the transparency-dev known-answer vectors' verifier."""

from __future__ import annotations

import base64
import contextlib
import json
import random
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service import tlog_client as tc
from tests.service.conftest import (
    Clock,
    Served,
    gaza_events,
    list_7b,
    make_tokens,
    running,
)

VECTORS = Path(__file__).resolve().parents[1] / "ledger" / "merkle_vectors"  # vendored copy


def log_vkey(f: tc.TileFetcher) -> tuple[str, bytes]:
    """The log's verifier key as the server publishes it (its name is the log's origin)."""
    r = f.client.get(f.prefix.removesuffix("/tlog") + "/files/log.vkey", headers=f.headers)
    assert r.status_code == 200, r.text
    return tc.parse_vkey(r.text)


def claims(batch: int, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"syn-{batch}-{i}",
            "type": "claim",
            "at": "2023-11-30T07:00+02:00",
            "recorded_at": "2023-11-30T07:00+02:00",
            "declared_by": "qatar",
            "recorded_by": "qatar",
            "text": f"synthetic statement {batch}.{i}",
        }
        for i in range(n)
    ]


def grow(path: Path, batches: range, per_batch: int, clock: Clock) -> None:
    from truce.events import EVENT_ADAPTER
    from truce.ledger.directory import LedgerDir
    from truce.ledger.record import record

    with LedgerDir.open(path) as d:
        for b in batches:
            evs = [EVENT_ADAPTER.validate_python(o) for o in claims(b, per_batch)]
            record(d, evs, [f"synthetic:{e.id}" for e in evs], clock=clock)


@contextlib.contextmanager
def uvicorn_over(path: Path) -> Iterator[str]:
    """The service over one ledger on a real uvicorn server on loopback; yields the ledger's
    URL (``.../v1/agreements/{id}``)."""
    from truce.service.app import create_app
    from truce.service.settings import Settings

    app = create_app(
        [path],
        clock=Clock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        settings=Settings(rate=100_000, burst=100_000),
    )
    with running(app) as base:
        yield f"{base}/v1/agreements/{next(iter(app.state.hub.ledgers))}"


def test_tiles_of_a_70000_entry_ledger(built_ledger: Path, tmp_path: Path) -> None:
    from truce.app.proofs import make_checkpoint

    p = tmp_path / "big"
    shutil.copytree(built_ledger, p)
    clock = Clock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    t0 = time.perf_counter()
    grow(p, range(14), 5000, clock)  # the seeded entries and 70,000 claims
    old_note = make_checkpoint(p).note
    old = tc.parse_checkpoint(old_note)  # its signature is checked below, with the server's key
    assert old.size >= 70_000 and old.size % 256
    extra = 256 - old.size % 256 + 45  # the partial level-0 tile fills and a new one starts
    grow(p, range(14, 15), extra, clock)
    make_checkpoint(p)
    built = time.perf_counter() - t0
    tokens = make_tokens(p)
    size = old.size + extra
    last_full = size // 256 - 1  # the level-0 tile that was partial at the old size

    with uvicorn_over(p) as prefix, httpx.Client(timeout=60) as http:
        mediator = tc.TileFetcher(http, f"{prefix}/tlog", tokens["mediator:qatar"])
        reader = tc.TileFetcher(http, f"{prefix}/tlog", tokens["reader"])
        r = reader.get("checkpoint")
        assert r.status_code == 200 and r.headers["content-type"] == "text/plain; charset=utf-8"
        name, key = log_vkey(reader)
        assert name == old.origin  # tlog-checkpoint: the key name is the origin
        assert tc.parse_checkpoint(old_note, name, key) == old
        cp = tc.parse_checkpoint(r.text, name, key)
        assert cp.size == size and cp.origin == old.origin and not cp.extensions
        with pytest.raises(tc.TlogError):  # another key does not verify it
            tc.parse_checkpoint(r.text, name, bytes(32))

        # every tile of the tree: 274 full level-0 tiles and a partial one (as tlog-tiles's
        # example of 70,000), a full and a partial level-1 tile, a partial level-2 tile; all
        # consistent, and the root is the note's
        t1 = time.perf_counter()
        tree = tc.TiledTree(cp.size, reader.hashes)
        wanted = tc.tiles_of(cp.size)
        partial = [(lv, n, w) for lv, n, w in wanted if w < 256]
        assert partial == [(0, last_full + 1, 45), (1, 1, (last_full + 1) % 256), (2, 0, 1)]
        assert len([t for t in wanted if t[0] == 0]) == last_full + 2 == 275
        assert tc.check_tile_pyramid(tree) == len(wanted) == 278
        assert tree.root() == cp.root
        fetched = time.perf_counter() - t1
        r = reader.get(tc.tile_path(0, 0))
        assert r.headers["content-type"] == "application/octet-stream"

        # the older tree's hashes are derivable from the newer tiles
        assert tree.root(old.size) == old.root
        # and its partial level-1 tile is still served (the full tile 1/001 does not exist yet)
        w1 = tc.tile_width(old.size, 1, 1)
        assert w1 == tc.tile_width(cp.size, 1, 1) - 1
        old_tile = reader.raw(tc.tile_path(1, 1, w1))
        assert tc.split_hashes(old_tile, w1) == tree.tile(1, 1)[0][:w1]

        # 1,000 random inclusion proofs at the new size and 1,000 at the old one
        rng = random.Random(6962)
        for _ in range(1000):
            i = rng.randrange(cp.size)
            tc.verify_inclusion(i, cp.size, tree.leaf(i), tree.inclusion_proof(i), cp.root)
            j = rng.randrange(old.size)
            proof = tree.inclusion_proof(j, old.size)
            tc.verify_inclusion(j, old.size, tree.leaf(j), proof, old.root)
        with pytest.raises(tc.TlogError):
            tc.verify_inclusion(5, cp.size, tree.leaf(6), tree.inclusion_proof(5), cp.root)

        # the consistency proof from the first checkpoint to the second, from tiles alone
        proof = tree.consistency_proof(old.size, cp.size)
        tc.verify_consistency(old.size, cp.size, proof, old.root, cp.root)
        with pytest.raises(tc.TlogError):
            tc.verify_consistency(old.size, cp.size, proof[1:], old.root, cp.root)
        # the server's own bundle is the same proof
        r = http.get(
            f"{prefix}/proofs/consistency",
            params={"from": old.size, "size": cp.size},
            headers=reader.headers,
        )
        assert r.status_code == 200, r.text
        b = r.json()
        assert [base64.b64decode(h) for h in b["proof"]] == proof
        assert base64.b64decode(b["old_root"]) == old.root

        # entry bundles hash to the level-0 tiles: the first, one from the middle, the one
        # that was partial at the old checkpoint (now full) and the partial one at the edge
        seen = 0
        for n in (0, 137, last_full, last_full + 1):
            width = tc.tile_width(cp.size, 0, n)
            entries = mediator.entries(n, width)
            assert [tc.leaf_hash(e) for e in entries] == tree.tile(0, n)[0]
            seen += len(entries)
        assert seen == 3 * 256 + 45
        last = json.loads(entries[-1])
        assert last["event"]["id"] == f"syn-14-{extra - 1}" and last["visibility"] == "public"
        # the old checkpoint's partial bundle is a prefix of today's full one
        w0 = old.size % 256
        assert mediator.entries(last_full, w0) == mediator.entries(last_full, 256)[:w0]
    print(f"\nbuilt {cp.size} entries and 2 checkpoints in {built:.1f}s; fetched and checked")
    print(f"{len(reader.fetched)} tiles in {fetched:.1f}s")


def _tile_and_bundle_views(f: tc.TileFetcher, size: int) -> tuple[tc.TiledTree, list[bytes]]:
    tree = tc.TiledTree(size, f.hashes)
    tc.check_tile_pyramid(tree)
    entries = []
    for n in range(-(-size // 256)):
        entries += f.entries(n, tc.tile_width(size, 0, n))
    return tree, entries


def test_reader_gets_no_restricted_leaf_bytes(served: Served) -> None:
    r = served.client.post(
        served.url("/events"),
        json={"events": [{"event": list_7b()}]},
        headers=served.auth("party:hamas"),
    )
    assert r.status_code == 201, r.text
    prefix = served.url("/tlog")
    reader = tc.TileFetcher(served.client, prefix, served.tokens["reader"])
    mediator = tc.TileFetcher(served.client, prefix, served.tokens["mediator:qatar"])
    name, key = log_vkey(reader)
    cp = tc.parse_checkpoint(reader.checkpoint_text(), name, key)
    assert cp == tc.parse_checkpoint(mediator.checkpoint_text(), name, key)
    assert cp.size > len(gaza_events())

    tree, hidden_view = _tile_and_bundle_views(reader, cp.size)
    assert tree.root() == cp.root
    m_tree, full_view = _tile_and_bundle_views(mediator, cp.size)
    assert m_tree.root() == cp.root
    # hash tiles are public: the same bytes for both
    assert {k: v for k, v in reader.fetched.items() if "entries" not in k} == {
        k: v for k, v in mediator.fetched.items() if "entries" not in k
    }

    # the mediator's bundles hold every entry, each hashing to its level-0 hash
    leaves = [tree.leaf(i) for i in range(cp.size)]
    assert [tc.leaf_hash(e) for e in full_view] == leaves
    pos = cp.size - 1
    assert json.loads(full_view[pos])["event"]["id"] == "list-7b"
    assert b"list-7b" in b"".join(v for k, v in mediator.fetched.items() if "entries" in k)

    # the reader's: not one byte of the list; its place is an empty entry; every entry sent
    # verifies, and only entries the mediator's view shows restricted are withheld
    assert not any(b"list-7b" in v for v in reader.fetched.values())
    assert hidden_view[pos] == b""
    withheld = {i for i, e in enumerate(hidden_view) if e == b""}
    assert pos in withheld
    for i, e in enumerate(hidden_view):
        if e:
            assert tc.leaf_hash(e) == leaves[i] and e == full_view[i]
        else:
            assert json.loads(full_view[i])["visibility"] != "public", i


def _vectors(kind: str) -> list[tuple[str, dict[str, Any]]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


def _d(s: str) -> bytes:
    return base64.b64decode(s)


def test_merkle_vectors_through_http(served: Served) -> None:
    assert VECTORS.is_dir(), f"the vendored vectors are missing: {VECTORS}"
    # the client's verifiers against every transparency-dev vector
    inclusion, consistency = _vectors("inclusion"), _vectors("consistency")
    assert len(inclusion) >= 90 and len(consistency) >= 90
    wrong = []
    for name, v in inclusion:
        try:
            proof = [_d(h) for h in v["proof"] or []]
            tc.verify_inclusion(
                v["leafIdx"], v["treeSize"], _d(v["leafHash"]), proof, _d(v["root"])
            )
            rejected = False
        except tc.TlogError:
            rejected = True
        if rejected != v["wantErr"]:
            wrong.append(name)
    for name, v in consistency:
        try:
            proof = [_d(h) for h in v["proof"] or []]
            tc.verify_consistency(v["size1"], v["size2"], proof, _d(v["root1"]), _d(v["root2"]))
            rejected = False
        except tc.TlogError:
            rejected = True
        if rejected != v["wantErr"]:
            wrong.append(name)
    assert not wrong

    # the server's proof bundles on the served 2023 ledger verify with the same functions
    r = served.client.post(
        served.url("/events"),
        json={"events": [{"event": _claim()}]},
        headers=served.auth("party:hamas"),
    )
    assert r.status_code == 201, r.text  # appended and checkpointed
    auth = served.auth("mediator:qatar")
    f = tc.TileFetcher(served.client, served.url("/tlog"), served.tokens["mediator:qatar"])
    name, key = log_vkey(f)
    cp = tc.parse_checkpoint(f.checkpoint_text(), name, key)
    tree, entries = _tile_and_bundle_views(f, cp.size)
    assert tree.root() == cp.root
    ids = [json.loads(e)["event"]["id"] for e in entries]
    assert ids[-1] == "c-hamas-tlog"
    for i, event_id in enumerate(ids):
        r = served.client.get(served.url(f"/proofs/inclusion/{event_id}"), headers=auth)
        assert r.status_code == 200, r.text
        b = r.json()
        assert b["kind"] == "inclusion" and b["seq"] == i + 1 and b["size"] == cp.size
        assert _d(b["leaf"]) == entries[i] and _d(b["root"]) == cp.root
        assert tc.parse_checkpoint(b["checkpoint"], name, key) == cp
        proof = [_d(h) for h in b["proof"]]
        tc.verify_inclusion(i, b["size"], tc.leaf_hash(_d(b["leaf"])), proof, _d(b["root"]))
        assert proof == tree.inclusion_proof(i)
        with pytest.raises(tc.TlogError):
            tc.verify_inclusion(i, b["size"], tc.leaf_hash(b"x" + _d(b["leaf"])), proof, cp.root)
    for m in range(1, cp.size + 1):
        r = served.client.get(served.url("/proofs/consistency"), params={"from": m}, headers=auth)
        assert r.status_code == 200, r.text
        b = r.json()
        assert b["kind"] == "consistency" and (b["old_size"], b["size"]) == (m, cp.size)
        assert _d(b["old_root"]) == tree.root(m) and _d(b["root"]) == cp.root
        proof = [_d(h) for h in b["proof"]]
        tc.verify_consistency(m, cp.size, proof, _d(b["old_root"]), _d(b["root"]))
        assert proof == (tree.consistency_proof(m) if m < cp.size else [])
        if proof:
            with pytest.raises(tc.TlogError):
                tc.verify_consistency(m, cp.size, proof[:-1], _d(b["old_root"]), cp.root)


def _claim() -> dict[str, Any]:
    return {
        "id": "c-hamas-tlog",
        "type": "claim",
        "at": "2023-11-30T07:00+02:00",
        "recorded_at": "2023-11-30T07:00+02:00",
        "declared_by": "hamas",
        "recorded_by": "hamas",
        "text": "a statement for the tlog test",
    }


BAD_PATHS = [
    "0/1",  # N is zero-padded to 3 digits
    "0/0001",
    "0/x000",  # the last element has no x
    "0/000/",
    "0/x00/000",
    "0/y001/000",
    "00/000",  # L has no leading zeros
    "64/000",  # L is 0 to 63
    "a/000",
    "entry/000",
    "0/000.p/0",  # W is 1 to 255, no leading zeros
    "0/000.p/256",
    "0/000.p/01",
    "0/000.p/",
    "0/000.p",
    "0/000.q/5",
    "entries/000.p/0",
    "entries",
    "0",
]


def test_tile_path_errors(served: Served) -> None:
    auth = served.auth("reader")

    def get(path: str) -> httpx.Response:
        r: httpx.Response = served.client.get(served.url(f"/tlog/tile/{path}"), headers=auth)
        return r

    def refused(path: str, status: int = 422, kind: str = "bad-input") -> None:
        r = get(path)
        assert r.status_code == status, (path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), path
        assert r.json()["type"] == f"/problems/{kind}", (path, r.json())

    def missing(path: str) -> None:  # well formed, not there (yet): 404, as tlog clients expect
        refused(path, 404, "not-found")

    # no checkpoint yet: no checkpoint, and no tile exists
    r = served.client.get(served.url("/tlog/checkpoint"), headers=auth)
    assert r.status_code == 404, r.text
    missing("0/000.p/1")

    r = served.client.post(
        served.url("/events"),
        json={"events": [{"event": _claim()}]},
        headers=served.auth("party:hamas"),
    )
    assert r.status_code == 201, r.text
    size = tc.parse_checkpoint(
        served.client.get(served.url("/tlog/checkpoint"), headers=auth).text
    ).size
    assert len(gaza_events()) < size < 256
    for path in BAD_PATHS:
        refused(path)
    # tiles beyond the checkpointed size
    for path in (
        "0/000",  # a full tile of a 26-entry tree
        f"0/000.p/{size + 1}",
        "0/001.p/1",
        "1/000.p/1",
        "entries/000",
        f"entries/000.p/{size + 1}",
        "entries/001.p/1",
        "63/x999/x999/x999/x999/x999/x999/999",
    ):
        missing(path)
    # what exists is served: the partial tile of the size, and a prefix of it
    for path, length in ((f"0/000.p/{size}", 32 * size), ("0/000.p/5", 32 * 5)):
        r = get(path)
        assert r.status_code == 200 and len(r.content) == length, (path, r.text)
    assert get(f"entries/000.p/{size}").status_code == 200


def test_non_canonical_tile_index_is_refused(served: Served) -> None:
    r = served.client.post(
        served.url("/events"),
        json={"events": [{"event": _claim()}]},
        headers=served.auth("party:hamas"),
    )
    assert r.status_code == 201, r.text
    # index 0 is written "000"; "x000/000" and "x000/x000/000" are other spellings of it
    for path in ("0/x000/000.p/5", "0/x000/x000/000.p/5", "entries/x000/000.p/5"):
        r = served.client.get(served.url(f"/tlog/tile/{path}"), headers=served.auth("reader"))
        assert r.status_code == 422, (path, r.status_code)


def test_the_client_imports_nothing_of_truce() -> None:
    import ast

    tree = ast.parse((Path(__file__).parent / "tlog_client.py").read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    roots = {n.split(".")[0] for n in names}
    assert roots <= {
        "__future__",
        "base64",
        "binascii",
        "hashlib",
        "collections",
        "dataclasses",
    } | {
        "httpx",
        "cryptography",
    }, roots


def test_entry_bundles_are_gzip_encoded_for_clients_that_accept_it(served: Served) -> None:
    r = served.client.post(
        served.url("/events"),
        json={"events": [{"event": _claim()}]},
        headers=served.auth("party:hamas"),
    )
    assert r.status_code == 201, r.text
    size = tc.parse_checkpoint(
        served.client.get(served.url("/tlog/checkpoint"), headers=served.auth("reader")).text
    ).size

    def get(path: str, encoding: str) -> httpx.Response:
        h = {**served.auth("reader"), "Accept-Encoding": encoding}
        r: httpx.Response = served.client.get(served.url(f"/tlog/tile/{path}"), headers=h)
        assert r.status_code == 200, r.text
        return r

    plain = get(f"entries/000.p/{size}", "identity")
    packed = get(f"entries/000.p/{size}", "gzip")
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert packed.content == plain.content  # decoded by the client: the same bundle
    assert int(packed.headers["content-length"]) < len(plain.content) // 2
    assert len(tc.read_bundle(packed.content)) == size
    assert "content-encoding" not in get(f"0/000.p/{size}", "gzip").headers  # hashes: never
