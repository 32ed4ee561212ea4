"""Keys, event signatures and the keyring: RFC 8032 vectors, bit-flip rejection, replay across
ledgers and types, revocation by position, and private key files."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from truce.errors import BadInput, SignatureError
from truce.ledger.log.signing import (
    EVENT_DOMAIN,
    KeyChange,
    Keyring,
    event_message,
    key_id,
    load_private_key,
    new_key,
    parse_public_key,
    public_key_text,
    raw_public_key,
    save_private_key,
    sign_event,
    verify_event,
)

# RFC 8032 section 7.1, TEST 1-3: (secret key, public key, message, signature), hex.
RFC8032_VECTORS = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]

LEDGER = "gaza-2023"
TYPE = "release"
EID = "evt-0001"
BODY = bytes(range(64))


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(RFC8032_VECTORS[0][0]))


# ---------------------------------------------------------------- RFC 8032


@pytest.mark.parametrize("vector", RFC8032_VECTORS, ids=["test1", "test2", "test3"])
def test_rfc8032_vectors(vector: tuple[str, str, str, str]) -> None:
    sk_hex, pk_hex, msg_hex, sig_hex = vector
    sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sk_hex))
    pub = sk.public_key()
    assert raw_public_key(pub).hex() == pk_hex
    text = public_key_text(pub)
    assert text == "ed25519:" + base64.b64encode(bytes.fromhex(pk_hex)).decode()
    parsed = parse_public_key(text)
    assert raw_public_key(parsed) == bytes.fromhex(pk_hex)
    assert key_id(parsed) == hashlib.sha256(bytes.fromhex(pk_hex)).hexdigest()[:16]
    sig = sk.sign(bytes.fromhex(msg_hex))
    assert sig.hex() == sig_hex
    parsed.verify(sig, bytes.fromhex(msg_hex))


def test_event_signature_is_deterministic_and_domain_separated(key: Ed25519PrivateKey) -> None:
    a = sign_event(key, LEDGER, TYPE, EID, BODY)
    b = sign_event(key, LEDGER, TYPE, EID, BODY)
    assert a == b and len(a) == 64
    msg = event_message(LEDGER, TYPE, EID, BODY)
    assert msg.startswith(EVENT_DOMAIN)
    assert (
        msg[len(EVENT_DOMAIN) :]
        == (
            '{"digest":"' + hashlib.sha256(BODY).hexdigest() + '","id":"evt-0001",'
            '"ledger":"gaza-2023","type":"release"}'
        ).encode()
    )
    # a raw signature over the body alone (no domain) must not pass as an event signature
    with pytest.raises(SignatureError):
        verify_event(key.public_key(), key.sign(BODY), LEDGER, TYPE, EID, BODY)
    verify_event(key.public_key(), a, LEDGER, TYPE, EID, BODY)


def test_non_ascii_fields_are_signed_as_utf8(key: Ed25519PrivateKey) -> None:
    sig = sign_event(key, "غزة", TYPE, "évt", BODY)
    verify_event(key.public_key(), sig, "غزة", TYPE, "évt", BODY)
    with pytest.raises(SignatureError):
        verify_event(key.public_key(), sig, "غزه", TYPE, "évt", BODY)


# ---------------------------------------------------------------- bit flips


def test_every_single_bit_mutation_is_rejected(key: Ed25519PrivateKey) -> None:
    pub = key.public_key()
    raw = raw_public_key(pub)
    sig = sign_event(key, LEDGER, TYPE, EID, BODY)
    accepted = 0
    tried = 0

    def accepts(p: Ed25519PublicKey | None, s: bytes, body: bytes) -> bool:
        if p is None:
            return False
        try:
            verify_event(p, s, LEDGER, TYPE, EID, body)
        except SignatureError:
            return False
        return True

    for bit in range(len(BODY) * 8):
        tried += 1
        accepted += accepts(pub, sig, _flip(BODY, bit))
    for bit in range(len(sig) * 8):
        tried += 1
        accepted += accepts(pub, _flip(sig, bit), BODY)
    for bit in range(len(raw) * 8):
        tried += 1
        try:
            mutated: Ed25519PublicKey | None = Ed25519PublicKey.from_public_bytes(_flip(raw, bit))
        except ValueError:  # not a point on the curve: rejected before verifying
            mutated = None
        accepted += accepts(mutated, sig, BODY)
    assert tried == 64 * 8 + 64 * 8 + 32 * 8 == 1280
    assert accepted == 0


def test_wrong_length_signature_rejected(key: Ed25519PrivateKey) -> None:
    sig = sign_event(key, LEDGER, TYPE, EID, BODY)
    for bad in (sig[:-1], sig + b"\x00", b""):
        with pytest.raises(SignatureError, match="bytes"):
            verify_event(key.public_key(), bad, LEDGER, TYPE, EID, BODY)


# ---------------------------------------------------------------- replay


def test_cross_ledger_type_and_id_replay_rejected(key: Ed25519PrivateKey) -> None:
    pub = key.public_key()
    sig = sign_event(key, LEDGER, TYPE, EID, BODY)
    for ledger, etype, eid in [
        ("synthetic-london", TYPE, EID),
        (LEDGER, "pause", EID),
        (LEDGER, TYPE, "evt-0002"),
        (LEDGER + "\x00", TYPE, EID),
    ]:
        with pytest.raises(SignatureError):
            verify_event(pub, sig, ledger, etype, eid, BODY)
    other = new_key()
    with pytest.raises(SignatureError):
        verify_event(other.public_key(), sig, LEDGER, TYPE, EID, BODY)


# ---------------------------------------------------------------- public key text


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("ssh-ed25519:AAAA", "must start with"),
        ("ED25519:" + base64.b64encode(bytes(32)).decode(), "must start with"),
        ("ed25519:not base64!", "not valid base64"),
        ("ed25519:" + base64.b64encode(bytes(31)).decode(), "31 bytes"),
        ("ed25519:" + base64.b64encode(bytes(33)).decode(), "33 bytes"),
        ("ed25519:", "0 bytes"),
        ("ed25519:" + base64.urlsafe_b64encode(b"\xff" * 32).decode(), "not valid base64"),
    ],
)
def test_parse_public_key_errors(text: str, match: str) -> None:
    with pytest.raises(BadInput, match=match):
        parse_public_key(text)


def test_public_key_round_trip() -> None:
    pub = new_key().public_key()
    assert raw_public_key(parse_public_key(public_key_text(pub))) == raw_public_key(pub)
    assert len(key_id(pub)) == 16 and int(key_id(pub), 16) >= 0


# ---------------------------------------------------------------- keyring


def _text(k: Ed25519PrivateKey) -> str:
    return public_key_text(k.public_key())


def test_keyring_positions_revocation_and_parties() -> None:
    a1, a2, b1 = new_key(), new_key(), new_key()
    ring = Keyring(
        {"israel": [_text(a1)], "hamas": [_text(b1)]},
        [(10, "israel", "add", _text(a2)), (20, "israel", "revoke", _text(a1))],
    )
    k1, k2, kb = key_id(a1.public_key()), key_id(a2.public_key()), key_id(b1.public_key())
    # initial key: valid from seq 0 up to (not at) its revocation
    assert raw_public_key(ring.valid("israel", k1, 0)) == raw_public_key(a1.public_key())
    ring.valid("israel", k1, 19)
    for seq in (20, 21, 1000):
        with pytest.raises(SignatureError, match="revoked at seq 20") as e:
            ring.valid("israel", k1, seq)
        assert e.value.seq == seq
    # added key: valid only after the add event
    with pytest.raises(SignatureError, match="added at seq 10"):
        ring.valid("israel", k2, 10)
    ring.valid("israel", k2, 11)
    ring.valid("israel", k2, 5000)
    # another party's key
    with pytest.raises(SignatureError, match="belongs to party 'hamas', not 'israel'"):
        ring.valid("israel", kb, 5)
    with pytest.raises(SignatureError, match="unknown key"):
        ring.valid("israel", "0123456789abcdef", 5)
    assert ring.active("israel", 15) == sorted([k1, k2])
    assert ring.active("israel", 25) == [k2]
    assert ring.party_of(kb) == "hamas"


def test_keyring_with_event_signatures() -> None:
    old, new = new_key(), new_key()
    ring = Keyring({"un": [_text(old)]}, [KeyChange(5, "un", "revoke", _text(old))])
    sig = sign_event(old, LEDGER, TYPE, "e4", BODY)
    pub = ring.valid("un", key_id(old.public_key()), 4)
    verify_event(pub, sig, LEDGER, TYPE, "e4", BODY)
    with pytest.raises(SignatureError, match="revoked"):
        ring.valid("un", key_id(old.public_key()), 6)
    with pytest.raises(SignatureError, match="unknown"):
        ring.valid("un", key_id(new.public_key()), 6)


@pytest.mark.parametrize(
    "changes",
    [
        [(3, "a", "revoke", "K_B")],  # another party's key
        [(3, "a", "revoke", "K_NEW")],  # unknown key
        [(3, "a", "revoke", "K_A"), (4, "a", "revoke", "K_A")],  # twice
        [(3, "a", "revoke", "K_A"), (4, "a", "add", "K_A")],  # revoked key re-added
        [(3, "b", "add", "K_A")],  # key already owned by another party
        [(5, "a", "add", "K_NEW"), (4, "a", "revoke", "K_A")],  # out of order
        [(3, "a", "rotate", "K_NEW")],  # unknown action
        [(-1, "a", "add", "K_NEW")],  # negative seq
    ],
)
def test_keyring_rejects_bad_changes(changes: list[tuple[int, str, str, str]]) -> None:
    keys = {"K_A": _text(new_key()), "K_B": _text(new_key()), "K_NEW": _text(new_key())}
    resolved = [(s, p, a, keys[k]) for s, p, a, k in changes]
    with pytest.raises(BadInput):
        Keyring({"a": [keys["K_A"]], "b": [keys["K_B"]]}, resolved)


# ---------------------------------------------------------------- key files


def test_private_key_file_encrypted_0600(tmp_path: Path) -> None:
    k = new_key()
    path = tmp_path / "party.pem"
    save_private_key(path, k, b"correct horse")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = load_private_key(path, b"correct horse")
    assert raw_public_key(loaded.public_key()) == raw_public_key(k.public_key())
    with pytest.raises(BadInput, match="wrong passphrase") as e:
        load_private_key(path, b"wrong horse")
    assert str(path) in str(e.value)
    with pytest.raises(BadInput, match="passphrase is needed"):
        load_private_key(path, None)
    # refusing to overwrite keeps the original key intact
    with pytest.raises(BadInput, match="refusing to overwrite"):
        save_private_key(path, new_key(), b"other")
    assert path.read_text() == text


def test_private_key_file_unencrypted(tmp_path: Path) -> None:
    k = new_key()
    path = tmp_path / "plain.pem"
    save_private_key(path, k, None)
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert raw_public_key(load_private_key(path, None).public_key()) == raw_public_key(
        k.public_key()
    )
    os.chmod(path, 0o640)
    with pytest.raises(BadInput, match="chmod 600"):
        load_private_key(path, None)


def test_private_key_file_errors(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        load_private_key(tmp_path / "missing.pem", None)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    junk.chmod(0o600)
    with pytest.raises(BadInput, match="not a PEM private key"):
        load_private_key(junk, None)
    with pytest.raises(BadInput, match="empty passphrase"):
        save_private_key(tmp_path / "x.pem", new_key(), b"")
    assert not (tmp_path / "x.pem").exists()
