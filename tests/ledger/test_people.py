"""The personal-data register: keyed pseudonyms, encryption at rest and crypto-shredding."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import stat
import subprocess
import uuid
from datetime import datetime
from pathlib import Path

import apsw
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.conftest import EXAMPLES, truce_exe
from truce.errors import BadInput, IntegrityError, StoreError
from truce.ledger.directory import LedgerDir
from truce.ledger.people import (
    DB_NAME,
    KEY_NAME,
    People,
    PersonRow,
    normalise_ref,
    pseudonym,
    read_people_csv,
    row_aad,
)

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


# -- people CSV files: checked whole before anything is stored ---------------------------------


def test_a_short_row_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    LedgerDir.init(
        d,
        EXAMPLES / "gaza-2023" / "terms.toml",
        at=datetime.fromisoformat("2023-11-22T09:00+02:00"),
    ).close()
    f = tmp_path / "people.csv"
    f.write_text("role,ref,name\ncaptive,case-1,Test Person One\ncaptive,case-2\n")
    p = subprocess.run(
        [truce_exe(), "people", "add", str(d), str(f)], capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 2, p.stderr
    err = "".join(p.stderr.split())
    assert f"{f}:3:expected3cells(role,ref,name),found2" in err
    with People.open(d) as people:
        assert people.export(include_personal=False) == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("role,ref,name\ncaptive,a,A,extra\n", 2, "expected 3 cells (role,ref,name), found 4"),
        ("role,ref\ncaptive,a\nhostage,b\n", 3, "role must be one of captive, prisoner"),
        ("role,ref\ncaptive,  \n", 2, "expected a reference in column ref"),
        ("role,ref,name,name\ncaptive,a,A,B\n", 1, "column 'name' appears twice"),
        ("role,ref,\ncaptive,a,A\n", 1, "expected a name for every column"),
        ("role,ref\ncaptive," + "x" * 200_000 + "\n", 2, "not valid CSV: field larger"),
    ],
)
def test_people_csv_errors_name_the_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    f = tmp_path / "people.csv"
    f.write_text(text)
    with pytest.raises(BadInput) as exc:
        read_people_csv(f)
    assert str(exc.value).startswith(f"{f}:{line}: {message}")


def test_people_csv_is_read_whole(tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text("\ufeffrole,ref,name,age\r\ncaptive,case-1,A,\r\n\r\nprisoner,case-2,B,40\r\n")
    assert read_people_csv(f) == [
        PersonRow("captive", "case-1", {"name": "A"}, f"{f}:2"),
        PersonRow("prisoner", "case-2", {"name": "B", "age": "40"}, f"{f}:4"),
    ]
    with pytest.raises(BadInput, match="expected a header"):
        (tmp_path / "empty.csv").write_text("")
        read_people_csv(tmp_path / "empty.csv")
    with pytest.raises(BadInput, match="cannot read"):
        read_people_csv(tmp_path / "missing.csv")


def test_add_all_stores_nothing_when_one_row_fails(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        gone = people.add("captive", "case-gone", {"name": "G"})
        people.forget(gone, AT)
        rows = [
            PersonRow("captive", "case-new", {"name": "N"}, "people.csv:2"),
            PersonRow("captive", "case-gone", {"name": "G"}, "people.csv:3"),
        ]
        with pytest.raises(BadInput, match=r"^people\.csv:3: person p-\w+ was forgotten"):
            people.add_all(rows)
        assert people.export(include_personal=False) == []
        pids = people.add_all(rows[:1])
        assert people.export(include_personal=True) == [
            {"pseudonym": pids[0], "role": "captive", "fields": {"name": "N"}}
        ]


# -- a person's role is bound to the ciphertext --------------------------------------------------


def _sql(directory: Path, statement: str, *args: object) -> list[tuple[object, ...]]:
    conn = apsw.Connection(str(directory / DB_NAME))
    try:
        return [tuple(r) for r in conn.execute(statement, args).fetchall()]
    finally:
        conn.close()


def test_a_changed_role_does_not_verify(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        pid = people.add("captive", "case-1", {"name": "Test Person One"})
        other = people.add("prisoner", "case-2", {"name": "Test Person Two"})
    _sql(tmp_path, "UPDATE person SET role = 'prisoner' WHERE pseudonym = ?", pid)
    with People.open(tmp_path) as people:
        with pytest.raises(IntegrityError, match=f"personal data of {pid} does not verify"):
            people.get(pid)
        with pytest.raises(IntegrityError, match=pid):
            people.export(include_personal=False)  # the role is checked even without fields
        assert people.export(include_personal=True, only={other}) == [
            {"pseudonym": other, "role": "prisoner", "fields": {"name": "Test Person Two"}}
        ]
        with pytest.raises(IntegrityError, match=pid):
            people.add("captive", "case-1", {"name": "again"})
    # Re-encrypting with the stored key (associated data: the pseudonym alone, as in
    # version 1) does not help: the binding needs the pseudonym secret.
    (key,) = _sql(tmp_path, "SELECT key FROM person_key WHERE pseudonym = ?", pid)[0]
    assert isinstance(key, bytes)
    nonce = os.urandom(12)
    forged = AESGCM(key).encrypt(nonce, b'{"name": "Forged"}', pid.encode())
    _sql(
        tmp_path,
        "UPDATE person SET ciphertext = ?, nonce = ? WHERE pseudonym = ?",
        forged,
        nonce,
        pid,
    )
    with People.open(tmp_path) as people, pytest.raises(IntegrityError, match=pid):
        people.get(pid)


def _to_version_1(directory: Path) -> None:
    """Rewrite a database in the version-1 form: associated data the pseudonym alone."""
    secret = (directory / KEY_NAME).read_bytes()
    rows = _sql(
        directory,
        "SELECT p.pseudonym, p.role, p.ciphertext, p.nonce, k.key FROM person AS p "
        "JOIN person_key AS k USING (pseudonym)",
    )
    for pid, role, ct, nonce, key in rows:
        assert isinstance(pid, str) and isinstance(role, str)
        assert isinstance(ct, bytes) and isinstance(nonce, bytes) and isinstance(key, bytes)
        plain = AESGCM(key).decrypt(nonce, ct, row_aad(secret, role, pid))
        fresh = os.urandom(12)
        _sql(
            directory,
            "UPDATE person SET ciphertext = ?, nonce = ? WHERE pseudonym = ?",
            AESGCM(key).encrypt(fresh, plain, pid.encode("ascii")),
            fresh,
            pid,
        )
    _sql(directory, "UPDATE meta SET value = '1' WHERE key = 'schema_version'")


def test_a_version_1_database_is_upgraded_on_open(tmp_path: Path) -> None:
    with People.open(tmp_path) as people:
        a = people.add("captive", "case-1", {"name": "Test Person One"})
        b = people.add("prisoner", "case-2", {"name": "Test Person Two"})
    _to_version_1(tmp_path)
    old = _sql(tmp_path, "SELECT pseudonym, ciphertext FROM person ORDER BY pseudonym")
    with People.open(tmp_path) as people:
        assert people.get(a) == {"name": "Test Person One"}
        assert people.get(b) == {"name": "Test Person Two"}
    assert _sql(tmp_path, "SELECT value FROM meta WHERE key = 'schema_version'") == [("2",)]
    new = _sql(tmp_path, "SELECT pseudonym, ciphertext FROM person ORDER BY pseudonym")
    assert [r[0] for r in new] == [r[0] for r in old]
    assert all(n[1] != o[1] for n, o in zip(new, old, strict=True))  # re-encrypted
    _sql(tmp_path, "UPDATE person SET role = 'captive' WHERE pseudonym = ?", b)
    with People.open(tmp_path) as people, pytest.raises(IntegrityError, match=b):
        people.get(b)
    # Claiming version 1 again does not undo the binding: the rows do not decrypt in that form.
    _sql(tmp_path, "UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with pytest.raises(IntegrityError, match="does not verify"):
        People.open(tmp_path)


def test_a_version_1_row_that_does_not_decrypt_is_named_and_nothing_changes(
    tmp_path: Path,
) -> None:
    with People.open(tmp_path) as people:
        a = people.add("captive", "case-1", {"name": "Test Person One"})
        b = people.add("captive", "case-2", {"name": "Test Person Two"})
    _to_version_1(tmp_path)
    _sql(tmp_path, "UPDATE person SET ciphertext = zeroblob(40) WHERE pseudonym = ?", b)
    before = _sql(tmp_path, "SELECT pseudonym, ciphertext, nonce FROM person ORDER BY pseudonym")
    with pytest.raises(IntegrityError, match=f"personal data of {b} does not verify"):
        People.open(tmp_path)
    after = _sql(tmp_path, "SELECT pseudonym, ciphertext, nonce FROM person ORDER BY pseudonym")
    assert after == before and a in {r[0] for r in after}
    assert _sql(tmp_path, "SELECT value FROM meta WHERE key = 'schema_version'") == [("1",)]
