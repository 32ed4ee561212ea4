"""The personal-data register: keyed pseudonyms, encryption at rest and crypto-shredding."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import stat
import uuid
from pathlib import Path

import apsw
import pytest

from truce.errors import BadInput, StoreError
from truce.ledger.people import DB_NAME, KEY_NAME, People, normalise_ref, pseudonym

PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))
AT = "2025-01-20T12:00:00Z"


def _all_bytes(directory: Path) -> dict[str, bytes]:
    """Every byte of every file under the directory, by relative path."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _count(blobs: dict[str, bytes], needle: bytes) -> int:
    return sum(blob.count(needle) for blob in blobs.values())


def _encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def test_round_trip(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        pid = people.add("captive", "Test Person 0001", {"name": "Test Person 0001", "age": "30"})
        assert people.get(pid) == {"name": "Test Person 0001", "age": "30"}
        assert people.get("p-unknown") is None
        # Adding the same person again updates the fields under the same key.
        again = people.add("captive", "  test   PERSON 0001 ", {"name": "Renamed"})
        assert again == pid
        assert people.get(pid) == {"name": "Renamed"}
        assert people.export(include_personal=False) == [{"pseudonym": pid, "role": "captive"}]
        assert people.export(include_personal=True) == [
            {"pseudonym": pid, "role": "captive", "fields": {"name": "Renamed"}}
        ]
    # Survives reopening.
    with People.open(tmp_path) as people:
        assert people.get(pid) == {"name": "Renamed"}


def test_update_keeps_the_same_key(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        pid = people.add("prisoner", "ref-1", {"name": "A"})
    conn = apsw.Connection(str(tmp_path / DB_NAME))
    key1 = conn.execute("SELECT key FROM person_key WHERE pseudonym = ?", (pid,)).fetchone()
    conn.close()
    with People.open(tmp_path) as people:
        people.add("prisoner", "ref-1", {"name": "B"})
    conn = apsw.Connection(str(tmp_path / DB_NAME))
    key2 = conn.execute("SELECT key FROM person_key WHERE pseudonym = ?", (pid,)).fetchone()
    assert conn.execute("SELECT count(*) FROM person_key").fetchone() == (1,)
    conn.close()
    assert key1 == key2


def test_pseudonyms_are_deterministic_and_keyed() -> None:
    a = pseudonym(SECRET, "captive", "Test Person 0001")
    assert a == pseudonym(SECRET, "captive", "test person 0001")
    assert a == pseudonym(SECRET, "captive", "  Test\tPerson \n 0001  ")
    assert a == pseudonym(SECRET, "captive", "Ｔｅｓｔ Person 0001")  # fullwidth, NFKC
    assert a != pseudonym(OTHER_SECRET, "captive", "Test Person 0001")
    assert a != pseudonym(SECRET, "prisoner", "Test Person 0001")
    assert a != pseudonym(SECRET, "captive", "Test Person 0002")
    assert PERSON_ID.match(a)
    assert a.startswith("p-") and len(a) == 18
    assert normalise_ref("  Straße\u00a0 X ") == "strasse x"


def test_pseudonym_rejects_bad_input() -> None:
    with pytest.raises(BadInput):
        pseudonym(SECRET, "guard", "x")
    with pytest.raises(BadInput):
        pseudonym(SECRET, "captive", "   ")


def test_dictionary_attack_recovers_nothing() -> None:
    names = [f"Test Person {i:04d}" for i in range(200)]
    pids = {pseudonym(SECRET, "captive", n) for n in names}
    assert len(pids) == 200
    wrong = OTHER_SECRET

    def b32(digest: bytes) -> str:
        return "p-" + base64.b32encode(digest[:10]).decode().rstrip("=").lower()

    guesses: set[str] = set()
    for n in names:
        for form in (n, normalise_ref(n)):
            for msg in (form, "captive\x00" + form):
                raw = msg.encode()
                guesses.add(b32(hashlib.sha256(raw).digest()))
                guesses.add(b32(hmac.new(wrong, raw, hashlib.sha256).digest()))
                guesses.add(b32(hmac.new(b"", raw, hashlib.sha256).digest()))
    assert len(guesses & pids) == 0


def test_canaries_never_on_disk_and_forgotten_are_shredded(tmp_path: Path) -> None:
    canaries = [f"CANARY-{uuid.uuid4().hex}" for _ in range(50)]
    with People.open(tmp_path) as people:
        pids = [
            people.add("captive" if i % 2 else "prisoner", f"Test Person {i:04d}", {"name": c})
            for i, c in enumerate(canaries)
        ]

        # Before forgetting: the plaintext never reached any file (WAL included).
        before = _all_bytes(tmp_path)
        assert DB_NAME in before and f"{DB_NAME}-wal" in before
        for c in canaries:
            for enc in _encodings(c):
                assert _count(before, enc) == 0, c

        # Capture what the forgotten people's key and ciphertext look like on disk.
        gone, kept = pids[:10], pids[10:]
        spy = apsw.Connection(str(tmp_path / DB_NAME))
        secrets_of_gone: list[bytes] = []
        for pid in gone:
            row = spy.execute(
                "SELECT k.key, p.ciphertext, p.nonce FROM person AS p "
                "JOIN person_key AS k USING (pseudonym) WHERE pseudonym = ?",
                (pid,),
            ).fetchone()
            assert row is not None
            secrets_of_gone += [bytes(v) for v in row if isinstance(v, bytes)]
        assert len(secrets_of_gone) == 30
        spy.close()
        for blob in secrets_of_gone:
            assert _count(before, blob) >= 1  # sanity: the search can see them

        for pid in gone:
            people.forget(pid, AT)

        after = _all_bytes(tmp_path)
        for c in canaries:
            for enc in _encodings(c):
                assert _count(after, enc) == 0, c
        # Key, ciphertext and nonce of every forgotten person are gone from all files.
        for blob in secrets_of_gone:
            assert _count(after, blob) == 0
        assert len(after.get(f"{DB_NAME}-wal", b"")) == 0

        for pid in gone:
            assert people.get(pid) is None
        for pid, c in zip(pids[10:], canaries[10:], strict=True):
            assert people.get(pid) == {"name": c}
        assert {e["pseudonym"] for e in people.export(include_personal=False)} == set(kept)
        assert [f["pseudonym"] for f in people.forgotten()] == sorted(gone)

    conn = apsw.Connection(str(tmp_path / DB_NAME))
    for pid in gone:
        for table in ("person", "person_key"):
            row = conn.execute(f"SELECT count(*) FROM {table} WHERE pseudonym = ?", (pid,))
            assert row.fetchone() == (0,)
        assert conn.execute("SELECT at FROM forgotten WHERE pseudonym = ?", (pid,)).fetchone() == (
            AT,
        )
    conn.close()


def test_secret_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        pid = people.add("captive", "Test Person 0001", {"name": "x"})
    key_path = tmp_path / KEY_NAME
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    first = key_path.read_bytes()
    assert len(first) == 32
    mtime = key_path.stat().st_mtime_ns
    with People.open(tmp_path) as people:
        assert people.pseudonym("captive", "Test Person 0001") == pid
    assert key_path.read_bytes() == first
    assert key_path.stat().st_mtime_ns == mtime
    assert stat.S_IMODE((tmp_path / DB_NAME).stat().st_mode) & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_secret_readable_by_others_is_refused(tmp_path: Path) -> None:
    People.open(tmp_path).close()
    os.chmod(tmp_path / KEY_NAME, 0o644)
    with pytest.raises(BadInput):
        People.open(tmp_path)


def test_forget_unknown_and_re_add_forgotten(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        with pytest.raises(BadInput):
            people.forget("p-aaaaaaaaaaaaaaaa", AT)
        pid = people.add("prisoner", "Test Person 0007", {"name": "y"})
        people.forget(pid, AT)
        with pytest.raises(BadInput):
            people.add("prisoner", "Test Person 0007", {"name": "y"})
        with pytest.raises(BadInput):
            people.add("prisoner", "test person 0007", {"name": "z"})
        people.forget(pid, "2030-01-01T00:00:00Z")  # retrying is harmless; time is kept
        assert people.forgotten() == [{"pseudonym": pid, "at": AT}]
        assert people.get(pid) is None


def test_bad_fields_are_refused(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        with pytest.raises(BadInput):
            people.add("captive", "x", {"name": 3})  # type: ignore[dict-item]
        assert people.export(include_personal=False) == []


def test_forget_blocked_by_a_reader_is_retryable(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        pid = people.add("captive", "Test Person 0042", {"name": "z"})
        people._conn.set_busy_timeout(50)  # do not wait the full 10 s in a test
        reader = apsw.Connection(str(tmp_path / DB_NAME))
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM person").fetchall()  # holds a WAL snapshot
        with pytest.raises(StoreError):
            people.forget(pid, AT)
        assert people.get(pid) is None  # the deletion itself was committed
        reader.execute("COMMIT")
        reader.close()
        people.forget(pid, AT)  # the retry finishes the scrub
        assert (tmp_path / f"{DB_NAME}-wal").stat().st_size == 0
