"""Making, filling and copying ledgers through the application functions, in-process: init,
record, sync, clone, backup, new keys, and the people kept apart from the ledger."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from truce.app.ledger import change_key, new_key, record_events, verify_ledger
from truce.app.ledger_admin import backup_ledger, clone_ledger, init_ledger, sync_ledger
from truce.app.ledger_schemas import HeadOut, VerifyOk
from truce.app.people import add_people, forget_person, known_people
from truce.errors import BadInput, LedgerError
from truce.ledger.directory import LedgerDir
from truce.ledger.log import signing
from truce.ledger.people import People

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
EVENT = {
    "at": "2023-11-25T16:00+02:00",
    "recorded_at": "2023-11-25T16:10+02:00",
    "declared_by": "qatar",
    "recorded_by": "test",
}


def _head(d: Path) -> HeadOut:
    v = verify_ledger(d)
    assert isinstance(v, VerifyOk)
    return HeadOut(size=v.size, root=v.root)


def _jsonl(path: Path, *events: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def test_init_binds_the_terms_and_record_appends_the_example(
    gaza_dir: Path, tmp_path: Path
) -> None:
    d = tmp_path / "new"
    i = init_ledger(d, gaza_dir / "terms.toml", now=NOW)
    assert i.ledger.startswith("truce-") and len(i.ledger) == 22
    assert i.agreement == "Humanitarian pause and exchange, Gaza, November 2023"
    assert (i.directory, i.log_key) == (str(d), str(d / "keys" / "log.pub"))
    with LedgerDir.open(d) as ld:
        assert ld.base.digest == i.terms_digest and ld.store.head().size == 1
    r = record_events(d, gaza_dir / "ledger.jsonl", now=NOW)
    assert (r.added, r.already) == (list(range(2, 44)), 0)
    assert r.head == _head(d) and r.head.size == 43
    again = record_events(d, gaza_dir / "ledger.jsonl", now=NOW)  # a retry adds nothing
    assert (again.added, again.already, again.head) == ([], 42, r.head)
    with pytest.raises(BadInput, match="not an empty directory"):
        init_ledger(d, gaza_dir / "terms.toml", now=NOW)


def test_init_with_a_keyed_reference_party_names_the_key_parameter(
    gaza_dir: Path, tmp_path: Path
) -> None:
    k = signing.new_key()
    pub = signing.public_key_text(k.public_key())
    text = (gaza_dir / "terms.toml").read_text()
    old = '{ id = "qatar", name = "Qatar" }'
    assert old in text
    terms = tmp_path / "keyed.toml"
    terms.write_text(text.replace(old, f'{{ id = "qatar", name = "Qatar", public_key = "{pub}" }}'))
    with pytest.raises(BadInput, match="signed with it") as exc:
        init_ledger(tmp_path / "nokey", terms, now=NOW)
    assert (exc.value.param, exc.value.where) == ("key", None)
    with pytest.raises(BadInput, match="not the key") as exc:
        init_ledger(tmp_path / "wrong", terms, now=NOW, key=signing.new_key())
    assert exc.value.param == "key"
    assert not (tmp_path / "nokey").exists() and not (tmp_path / "wrong").exists()
    init_ledger(tmp_path / "d", terms, now=NOW, key=k)
    v = verify_ledger(tmp_path / "d")
    assert isinstance(v, VerifyOk) and (v.size, v.signed) == (1, 1)


def test_a_bad_file_records_nothing(gaza_ledger: Path, tmp_path: Path) -> None:
    before = _head(gaza_ledger)
    good = {"id": "fine-claim", "type": "claim", "text": "t", **EVENT}
    bad = {"id": "bad-claim", "type": "claim", "text": "t", **EVENT, "declared_by": "mallory"}
    f = _jsonl(tmp_path / "bad.jsonl", good, bad)
    with pytest.raises(BadInput, match="mallory") as exc:
        record_events(gaza_ledger, f, now=NOW)
    assert exc.value.where is not None and "bad.jsonl:2" in exc.value.where
    assert _head(gaza_ledger) == before  # not even the good first line
    with pytest.raises(LedgerError) as exc2:
        record_events(gaza_ledger, _jsonl(tmp_path / "ok.jsonl", good), now=NOW, as_party="x")
    assert exc2.value.param == "as_party"
    r = record_events(gaza_ledger, tmp_path / "ok.jsonl", now=NOW, as_party="qatar")
    assert (r.added, r.head.size) == ([44], 44)


def test_record_signs_with_a_registered_key(gaza_ledger: Path, tmp_path: Path) -> None:
    k = signing.new_key()
    pub = signing.public_key_text(k.public_key())
    assert change_key(gaza_ledger, "key_added", "hamas", pub, as_party="hamas", now=NOW) == 44
    claim = {"id": "signed-claim", "type": "claim", "text": "t", **EVENT, "declared_by": "hamas"}
    f = _jsonl(tmp_path / "c.jsonl", claim)
    r = record_events(gaza_ledger, f, now=NOW, as_party="hamas", key=k)
    assert r.added == [45]
    v = verify_ledger(gaza_ledger)
    assert isinstance(v, VerifyOk) and v.signed == 1


def test_clone_sync_and_backup(gaza_ledger: Path, tmp_path: Path) -> None:
    head = _head(gaza_ledger)
    c = clone_ledger(gaza_ledger, tmp_path / "mine")
    assert (c.directory, c.events, c.head) == (str(tmp_path / "mine"), 43, head)
    claim = {"id": "later-claim", "type": "claim", "text": "t", **EVENT}
    record_events(gaza_ledger, _jsonl(tmp_path / "more.jsonl", claim), now=NOW)
    s = sync_ledger(tmp_path / "mine", gaza_ledger)
    assert (s.pulled, s.head.size, s.head) == (1, 44, _head(gaza_ledger))
    assert sync_ledger(tmp_path / "mine", gaza_ledger).pulled == 0
    b = backup_ledger(gaza_ledger, tmp_path / "b")
    assert (b.events, b.head) == (44, s.head)
    assert _head(tmp_path / "b") == s.head
    with pytest.raises(BadInput, match="already exists") as exc:
        backup_ledger(gaza_ledger, tmp_path / "b")
    assert exc.value.where == str(tmp_path / "b")
    with pytest.raises(BadInput, match="not an empty directory"):
        clone_ledger(gaza_ledger, tmp_path / "b")


def test_new_key_writes_both_halves_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "icrc.key"
    k = new_key("icrc", out, None)
    assert (k.party, k.private_key_file, k.public_key_file) == (
        "icrc",
        str(out),
        str(tmp_path / "icrc.key.pub"),
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert (tmp_path / "icrc.key.pub").read_text() == k.public_key + "\n"
    loaded = signing.load_private_key(out, None)
    assert signing.public_key_text(loaded.public_key()) == k.public_key
    assert k.key_id == signing.key_id(loaded.public_key()) and len(k.key_id) == 16
    out.unlink()
    with pytest.raises(BadInput, match="refusing to overwrite") as exc:
        new_key("icrc", out, None)  # the public half is still there
    assert exc.value.where == str(tmp_path / "icrc.key.pub") and not out.exists()


def test_people_are_registered_checked_on_record_and_forgotten(
    gaza_ledger: Path, tmp_path: Path
) -> None:
    with LedgerDir.open(gaza_ledger) as d:
        assert known_people(d) is None  # no people.db: ids are not checked
    csv = tmp_path / "people.csv"
    csv.write_text("role,ref,name\ncaptive,case-1,Test Person One\nprisoner,case-2,Test Two\n")
    p = add_people(gaza_ledger, csv)
    assert [(x.where, x.role) for x in p.people] == [
        (f"{csv}:2", "captive"),
        (f"{csv}:3", "prisoner"),
    ]
    captive, prisoner = (x.pseudonym for x in p.people)
    assert captive.startswith("p-") and captive != prisoner
    assert add_people(gaza_ledger, csv) == p  # the same people get the same pseudonyms
    rel = {"type": "captives_released", **EVENT, "at": "2023-11-30T19:30+02:00"}
    unknown = {"id": "r-unknown", **rel, "captives": [{"id": "p-unknown", "category": "women"}]}
    before = _head(gaza_ledger)
    with pytest.raises(BadInput, match="p-unknown"):
        record_events(gaza_ledger, _jsonl(tmp_path / "u.jsonl", unknown), now=NOW)
    assert _head(gaza_ledger) == before
    known = {"id": "r-known", **rel, "captives": [{"id": captive, "category": "women"}]}
    assert record_events(gaza_ledger, _jsonl(tmp_path / "k.jsonl", known), now=NOW).added == [44]

    f = forget_person(gaza_ledger, captive, now=NOW)
    assert (f.person, f.at) == (captive, NOW.isoformat())
    with People.open(gaza_ledger) as people:
        assert people.get(captive) is None
        assert people.get(prisoner) == {"name": "Test Two"}
    with LedgerDir.open(gaza_ledger) as d:
        ids = known_people(d)
        assert ids is not None and captive in ids["captive"] and prisoner in ids["prisoner"]
    v = verify_ledger(gaza_ledger)
    assert isinstance(v, VerifyOk) and v.size == 44  # the log still verifies
    with pytest.raises(BadInput, match="unknown person"):
        forget_person(gaza_ledger, "p-nobody", now=NOW)
