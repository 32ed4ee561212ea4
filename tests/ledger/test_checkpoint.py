"""Signed checkpoints, cosignatures and the witness: C2SP interop vectors, strict parsing,
tamper detection, append-only enforcement and a race between threads and processes."""

from __future__ import annotations

import base64
import json
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from truce.errors import BadInput, ConflictError, IntegrityError, ProofError, SignatureError
from truce.ledger.log import merkle
from truce.ledger.log.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    Witness,
    WitnessConflict,
    cosign,
    cosignature_key_hash,
    format_note,
    log_signer,
    note_key_hash,
    parse_note,
    sign_checkpoint,
    verify_cosignature,
    verify_signature,
    vkey,
)

ORIGIN = "truce.example/gaza-2023"
LOG = "truce.example/gaza-2023"
WITNESS = "witness.example/un"
N_LEAVES = 64
NOW = 1_700_000_000

LOG_SEED = bytes(range(32))
WITNESS_SEED = bytes(range(32, 64))


def _key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def _tree(n: int = N_LEAVES, tag: str = "event") -> merkle.Tree:
    return merkle.Tree([merkle.leaf_hash(f"{tag} {i}".encode()) for i in range(n)])


def _signed(tree: merkle.Tree, size: int, key: Ed25519PrivateKey | None = None) -> SignedCheckpoint:
    return sign_checkpoint(Checkpoint(ORIGIN, size, tree.root(size)), LOG, key or _key(LOG_SEED))


def _vkey(text: str) -> tuple[str, int, Ed25519PublicKey]:
    """Split a signed-note verifier key `name+hash+base64(type || key)`."""
    name, _hash, b64 = text.split("+", 2)
    raw = base64.b64decode(b64)
    return name, raw[0], Ed25519PublicKey.from_public_bytes(raw[1:])


# ---------------------------------------------------------------- interop vectors

# golang.org/x/mod/sumdb/note example (also in C2SP signed-note).
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_TEXT = (
    b"If you think cryptography is the answer to your problem,\n"
    b"then you don't know what your problem is.\n"
)
PETER_SIG = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)

# A real checkpoint of a CT staging log with witness cosignatures (one is remora.n621.de, an
# Ed25519 cosignature/v1), as used in the tests of a public C2SP checkpoint library.
REAL_NOTE = (
    "arche2025h1.staging.ct.transparency.dev\n"
    "1432088532\n"
    "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
    "\n"
    "\u2014 arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"
    "\u2014 arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n"
    "\u2014 transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n"
    "\u2014 witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"
    "\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n"
    "\u2014 witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"
)
REAL_LOG_VKEY = (
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
)
REAL_COSIGNER_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def test_signed_note_go_vector() -> None:
    name, kind, pub = _vkey(PETER_VKEY)
    assert kind == 0x01
    assert note_key_hash(name, pub).hex() == "c74f20a3"
    seed = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert seed[0] == 0x01
    key = _key(seed[1:])
    blob = base64.b64decode(PETER_SIG)
    assert blob[:4] == note_key_hash(name, key.public_key())
    assert key.sign(PETER_TEXT) == blob[4:]  # same bytes as the Go reference signer


def test_real_checkpoint_with_cosignature() -> None:
    signed = parse_note(REAL_NOTE)
    assert signed.checkpoint.size == 1432088532
    assert len(signed.signatures) == 6  # the ECDSA line and unknown witnesses are kept
    assert format_note(signed) == REAL_NOTE
    log_name, kind, log_pub = _vkey(REAL_LOG_VKEY)
    assert kind == 0x01
    verify_signature(signed, log_name, log_pub)
    w_name, kind, w_pub = _vkey(REAL_COSIGNER_VKEY)
    assert kind == 0x04
    assert cosignature_key_hash(w_name, w_pub).hex() == "da77ade7"
    t = verify_cosignature(signed, w_name, w_pub)
    assert t == int.from_bytes(base64.b64decode("2net5wAAAABqEiEg")[4:12], "big")
    clobbered = SignedCheckpoint(
        Checkpoint(signed.checkpoint.origin, 42, signed.checkpoint.root), signed.signatures
    )
    with pytest.raises(SignatureError):
        verify_signature(clobbered, log_name, log_pub)
    with pytest.raises(SignatureError):
        verify_cosignature(clobbered, w_name, w_pub)


def test_vkey_is_the_go_form() -> None:
    name, _, pub = _vkey(REAL_LOG_VKEY)
    assert vkey(name, pub) == REAL_LOG_VKEY


def test_the_log_signs_under_its_origin_and_old_notes_still_verify() -> None:
    """tlog-checkpoint: the key name SHOULD be the origin; checkpoints signed before under the
    name "log" still verify, and no other name does."""
    key = Ed25519PrivateKey.generate()
    cp = Checkpoint(ORIGIN, 3, merkle.EMPTY_ROOT)
    assert log_signer(sign_checkpoint(cp, ORIGIN, key), key.public_key()) == ORIGIN
    assert log_signer(sign_checkpoint(cp, "log", key), key.public_key()) == "log"
    for name, signer in (("another", key), (ORIGIN, Ed25519PrivateKey.generate())):
        with pytest.raises(SignatureError):
            log_signer(sign_checkpoint(cp, name, signer), key.public_key())


# ---------------------------------------------------------------- format and parse


def test_format_parse_round_trip_and_verify() -> None:
    tree = _tree()
    log, wit = _key(LOG_SEED), _key(WITNESS_SEED)
    signed = _signed(tree, 10, log)
    text = format_note(signed)
    root64 = base64.b64encode(tree.root(10)).decode()
    assert text.startswith(f"{ORIGIN}\n10\n{root64}\n\n\u2014 {LOG} ")
    assert parse_note(text) == signed
    verify_signature(parse_note(text), LOG, log.public_key())
    co = cosign(signed, WITNESS, wit, NOW)
    again = parse_note(format_note(co))
    assert again == co
    verify_signature(again, LOG, log.public_key())
    assert verify_cosignature(again, WITNESS, wit.public_key()) == NOW
    # the cosignature is not a log signature and vice versa (different key hash type bytes)
    with pytest.raises(SignatureError, match="no signature"):
        verify_signature(again, WITNESS, wit.public_key())
    with pytest.raises(SignatureError, match="no cosignature"):
        verify_cosignature(again, LOG, log.public_key())
    # cosigning again replaces this witness's line instead of piling up lines
    co2 = cosign(co, WITNESS, wit, NOW + 60)
    assert len(co2.signatures) == 2
    assert verify_cosignature(co2, WITNESS, wit.public_key()) == NOW + 60
    # wrong key under the right name
    with pytest.raises(SignatureError):
        verify_signature(signed, LOG, wit.public_key())


def test_signing_is_deterministic() -> None:
    tree = _tree()
    assert format_note(_signed(tree, 7)) == format_note(_signed(tree, 7))


def test_size_zero_and_big_sizes_round_trip() -> None:
    for size in (0, 1, 2**63 - 1):
        cp = Checkpoint(ORIGIN, size, merkle.EMPTY_ROOT)
        signed = sign_checkpoint(cp, LOG, _key(LOG_SEED))
        assert parse_note(format_note(signed)) == signed


def _good_text() -> str:
    return format_note(_signed(_tree(), 5))


def _malformed() -> list[tuple[str, str, str]]:
    good = _good_text()
    origin, size, root, _blank, *sigs = good.split("\n")
    sig_part = "\n".join(sigs)
    b31 = base64.b64encode(bytes(31)).decode()
    return [
        ("missing blank line", f"{origin}\n{size}\n{root}\n{sig_part}", "no blank line"),
        ("bad size", f"{origin}\nfive\n{root}\n\n{sig_part}", "size"),
        ("negative size", f"{origin}\n-5\n{root}\n\n{sig_part}", "size"),
        ("leading zero", f"{origin}\n05\n{root}\n\n{sig_part}", "leading zeros"),
        ("plus sign", f"{origin}\n+5\n{root}\n\n{sig_part}", "size"),
        ("unicode digit", f"{origin}\n\u0665\n{root}\n\n{sig_part}", "size"),
        ("size too big", f"{origin}\n{2**63}\n{root}\n\n{sig_part}", "larger than 2"),
        ("bad base64", f"{origin}\n{size}\n{root[:-2]}!=\n\n{sig_part}", "base64"),
        ("root of 31 bytes", f"{origin}\n{size}\n{b31}\n\n{sig_part}", "31 bytes"),
        ("extra line in body", f"{origin}\n{size}\n{root}\nextra\n\n{sig_part}", "3 lines"),
        ("missing body line", f"{origin}\n{root}\n\n{sig_part}", "3 lines"),
        ("empty origin", f"\n{size}\n{root}\n\n{sig_part}", "origin line is empty"),
        ("no signatures", f"{origin}\n{size}\n{root}\n\n", "no signature lines"),
        ("no final newline", good[:-1], "end with a newline"),
        ("crlf", good.replace("\n", "\r\n"), "\\\\r"),
        ("two blank lines", good.replace("\n\n", "\n\n\n"), "em dash"),
        ("hyphen not em dash", good.replace("\u2014", "-"), "em dash"),
        ("short signature", f"{origin}\n{size}\n{root}\n\n\u2014 {LOG} AAAA\n", "too short"),
        ("sig bad base64", good.replace(sigs[0].split(" ")[-1], "@@@@"), "base64"),
        (
            "sig missing name",
            f"{origin}\n{size}\n{root}\n\n\u2014 {sigs[0].split(' ')[-1]}\n",
            "name",
        ),
        ("sig extra field", good.replace(f"\u2014 {LOG} ", f"\u2014 {LOG} x "), "name"),
    ]


@pytest.mark.parametrize("case", _malformed(), ids=lambda c: c[0])
def test_parse_rejects_malformed(case: tuple[str, str, str]) -> None:
    _label, text, match = case
    with pytest.raises(BadInput, match=match):
        parse_note(text)


def test_any_flipped_bit_in_body_invalidates() -> None:
    log = _key(LOG_SEED)
    signed = _signed(_tree(), 13, log)
    text = format_note(signed).encode()
    body_len = len(signed.checkpoint.body())
    accepted = parsed = 0
    for bit in range(body_len * 8):
        mutated = bytearray(text)
        mutated[bit // 8] ^= 1 << (bit % 8)
        try:
            note = parse_note(mutated.decode("utf-8"))
        except (BadInput, UnicodeDecodeError):
            continue
        parsed += 1
        try:
            verify_signature(note, LOG, log.public_key())
            accepted += 1
        except SignatureError:
            pass
    assert parsed > 0  # some mutations still parse (e.g. origin letters) and must fail to verify
    assert accepted == 0


# ---------------------------------------------------------------- witness


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return Witness(tmp_path / "witness.json", WITNESS, _key(WITNESS_SEED))


def _add(w: Witness, tree: merkle.Tree, old: int, new: int, now: int = NOW) -> SignedCheckpoint:
    proof = tree.consistency_proof(old, new) if 0 < old < new else []
    return w.add_checkpoint(_signed(tree, new), LOG, _key(LOG_SEED).public_key(), old, proof, now)


def test_witness_first_and_consistent_extension(witness: Witness, tmp_path: Path) -> None:
    tree = _tree()
    wpub = _key(WITNESS_SEED).public_key()
    first = _add(witness, tree, 0, 8)
    assert verify_cosignature(first, WITNESS, wpub) == NOW
    verify_signature(first, LOG, _key(LOG_SEED).public_key())
    second = _add(witness, tree, 8, 21, NOW + 5)
    assert verify_cosignature(second, WITNESS, wpub) == NOW + 5
    # persisted: a fresh Witness on the same file sees size 21 and the cosigned note
    again = Witness(tmp_path / "witness.json", WITNESS, _key(WITNESS_SEED))
    assert again.latest(ORIGIN) == (21, tree.root(21))
    stored = again.state()[ORIGIN]
    assert stored["size"] == 21
    assert base64.b64decode(stored["root"]) == tree.root(21)
    assert parse_note(stored["note"]) == second
    # the same checkpoint again is fine (idempotent re-cosign)
    _add(again, tree, 21, 21)
    # and extending from the persisted state works through the new object
    _add(again, tree, 21, N_LEAVES)
    assert witness.latest(ORIGIN) == (N_LEAVES, tree.root())


def test_witness_first_checkpoint_rules(witness: Witness) -> None:
    tree = _tree()
    with pytest.raises(WitnessConflict) as e:
        _add(witness, tree, 3, 8)
    assert e.value.known_size == 0 and e.value.http_status == 409 and e.value.exit_code == 4
    with pytest.raises(ProofError):
        witness.add_checkpoint(
            _signed(tree, 8), LOG, _key(LOG_SEED).public_key(), 0, [bytes(32)], NOW
        )
    assert witness.state() == {}
    # size 0 with a non-empty root is refused; the empty tree is accepted and then extended
    with pytest.raises(ProofError):
        witness.add_checkpoint(
            sign_checkpoint(Checkpoint(ORIGIN, 0, tree.root(1)), LOG, _key(LOG_SEED)),
            LOG,
            _key(LOG_SEED).public_key(),
            0,
            [],
            NOW,
        )
    _add(witness, tree, 0, 0)
    _add(witness, tree, 0, 4)
    assert witness.latest(ORIGIN) == (4, tree.root(4))


def test_witness_rejects_bad_log_signature(witness: Witness) -> None:
    tree = _tree()
    forged = _signed(tree, 8, _key(bytes(32)))
    with pytest.raises(SignatureError):
        witness.add_checkpoint(forged, LOG, _key(LOG_SEED).public_key(), 0, [], NOW)
    assert witness.state() == {}


def test_witness_truncation_conflict(witness: Witness) -> None:
    tree = _tree()
    _add(witness, tree, 0, 20)
    log_pub = _key(LOG_SEED).public_key()
    with pytest.raises(ConflictError, match="smaller") as e:
        witness.add_checkpoint(_signed(tree, 10), LOG, log_pub, 20, [], NOW)
    assert "truncated" in str(e.value) and e.value.http_status == 409
    with pytest.raises(WitnessConflict):  # a client that claims the truncated size as old
        witness.add_checkpoint(_signed(tree, 10), LOG, log_pub, 10, [], NOW)
    assert witness.latest(ORIGIN) == (20, tree.root(20))


def test_witness_wrong_old_size(witness: Witness) -> None:
    tree = _tree()
    _add(witness, tree, 0, 16)
    with pytest.raises(WitnessConflict, match="witness's size 16") as e:
        _add(witness, tree, 12, 30)
    assert e.value.known_size == 16
    assert witness.latest(ORIGIN) == (16, tree.root(16))


def test_witness_rejects_rewritten_history(witness: Witness) -> None:
    tree, fork = _tree(), _tree(tag="forged")
    _add(witness, tree, 0, 16)
    # same size, different root
    with pytest.raises(ConflictError, match="same size, different root"):
        _add(witness, fork, 16, 16)
    # a larger forked tree: its own consistency proof does not connect to the stored root
    with pytest.raises(ProofError):
        _add(witness, fork, 16, 40)
    # the honest proof with the forked root fails too, as do a truncated and a padded proof
    log_pub = _key(LOG_SEED).public_key()
    honest = tree.consistency_proof(16, 40)
    with pytest.raises(ProofError):
        witness.add_checkpoint(_signed(fork, 40), LOG, log_pub, 16, honest, NOW)
    with pytest.raises(ProofError):
        witness.add_checkpoint(_signed(tree, 40), LOG, log_pub, 16, honest[:-1], NOW)
    with pytest.raises(ProofError):
        witness.add_checkpoint(_signed(tree, 40), LOG, log_pub, 16, [*honest, bytes(32)], NOW)
    assert witness.latest(ORIGIN) == (16, tree.root(16))
    # the honest extension still goes through
    _add(witness, tree, 16, 40)


def test_witness_corrupt_state_is_an_integrity_error(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text("{not json")
    w = Witness(path, WITNESS, _key(WITNESS_SEED))
    with pytest.raises(IntegrityError):
        _add(w, _tree(), 0, 3)
    assert path.read_text() == "{not json"


# ---------------------------------------------------------------- races


def _attempt(w: Witness, tree: merkle.Tree, size: int) -> tuple[int, str]:
    """One client: read what the witness holds, prove from there to `size`, submit once."""
    latest = w.latest(ORIGIN)
    old = latest[0] if latest else 0
    proof = tree.consistency_proof(old, size) if 0 < old < size else []
    try:
        w.add_checkpoint(_signed(tree, size), LOG, _key(LOG_SEED).public_key(), old, proof, NOW)
    except ConflictError:
        return size, "conflict"
    except ProofError:
        return size, "proof"
    return size, "ok"


def _process_worker(path: str, sizes: list[int]) -> list[tuple[int, str]]:
    """Runs in a child process: its own Witness object, several threads on the same file."""
    w = Witness(path, WITNESS, _key(WITNESS_SEED))
    tree = _tree()
    with ThreadPoolExecutor(max_workers=len(sizes)) as ex:
        return list(ex.map(lambda s: _attempt(w, tree, s), sizes))


class _Monitor:
    """Polls the state file while the race runs; every read must be whole, valid JSON."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sizes: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                time.sleep(0.0005)
                continue
            state = json.loads(data)  # raises (and is reported) on a torn write
            self.sizes.append(state[ORIGIN]["size"])
            time.sleep(0.0005)

    def __enter__(self) -> _Monitor:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _check_race(path: Path, results: list[tuple[int, str]], seen: list[int]) -> None:
    assert len(results) == 50
    accepted = [s for s, outcome in results if outcome == "ok"]
    assert accepted, results
    state = json.loads(path.read_text())
    assert state[ORIGIN]["size"] == max(accepted)
    tree = _tree()
    assert base64.b64decode(state[ORIGIN]["root"]) == tree.root(max(accepted))
    note = parse_note(state[ORIGIN]["note"])
    assert note.checkpoint.size == max(accepted)
    verify_cosignature(note, WITNESS, _key(WITNESS_SEED).public_key())
    assert seen == sorted(seen), seen
    assert not list(path.parent.glob("*.tmp"))


def _race_sizes() -> list[int]:
    # 50 increasing sizes of one tree; concurrent clients still overtake each other
    return list(range(N_LEAVES - 49, N_LEAVES + 1))


def test_race_threads(tmp_path: Path) -> None:
    path = tmp_path / "witness.json"
    w = Witness(path, WITNESS, _key(WITNESS_SEED))
    tree = _tree()
    _add(w, tree, 0, 1)
    with _Monitor(path) as mon, ThreadPoolExecutor(max_workers=50) as ex:
        results = list(ex.map(lambda s: _attempt(w, tree, s), _race_sizes()))
    _check_race(path, results, mon.sizes)


def test_race_processes(tmp_path: Path) -> None:
    path = tmp_path / "witness.json"
    tree = _tree()
    _add(Witness(path, WITNESS, _key(WITNESS_SEED)), tree, 0, 1)
    sizes = _race_sizes()
    chunks = [sizes[i::4] for i in range(4)]
    ctx = multiprocessing.get_context("spawn")
    with _Monitor(path) as mon, ProcessPoolExecutor(max_workers=4, mp_context=ctx) as ex:
        futures = [ex.submit(_process_worker, str(path), chunk) for chunk in chunks]
        results = [r for f in futures for r in f.result(timeout=60)]
    _check_race(path, results, mon.sizes)
