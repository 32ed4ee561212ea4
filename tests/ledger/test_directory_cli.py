"""Ledger directories end to end through the CLI: init, record, status, check, verify,
checkpoint and witnesses, keys and signatures, export, sync and compare, forget."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import apsw
import pytest

from tests.conftest import truce_exe

ENV = {**os.environ, "TRUCE_PASSPHRASE": "correct horse battery staple", "COLUMNS": "200"}


def run(*args: str | Path) -> tuple[int, str, str]:
    p = subprocess.run(
        [truce_exe(), *map(str, args)], capture_output=True, text=True, timeout=120, env=ENV
    )
    return p.returncode, p.stdout, p.stderr


def ok(*args: str | Path) -> str:
    code, out, err = run(*args)
    assert code == 0, f"{args}: exit {code}\n{out}\n{err}"
    return out


def head(d: Path) -> tuple[int, bytes]:
    """Size and root straight from the SQLite file."""
    c = apsw.Connection(str(d / "ledger.db"))
    size, root = next(c.execute("SELECT size, root FROM head"))
    c.close()
    return int(size), bytes(root)


def sql(d: Path, statement: str, *args: Any) -> None:
    c = apsw.Connection(str(d / "ledger.db"))
    c.execute(statement, args)
    c.close()


@pytest.fixture(scope="module")
def gaza_ledger(tmp_path_factory: pytest.TempPathFactory, gaza_dir: Path) -> Path:
    d = tmp_path_factory.mktemp("ledgers") / "gaza"
    ok("init", d, "--terms", gaza_dir / "terms.toml")
    out = ok("record", d, gaza_dir / "ledger.jsonl")
    assert "recorded 42 events (seq 2-43)" in out
    return d


@pytest.fixture
def ledger(gaza_ledger: Path, tmp_path: Path) -> Path:
    """A private copy of the recorded 2023 ledger (files copied while nothing writes)."""
    d = tmp_path / "copy"
    shutil.copytree(gaza_ledger, d)
    return d


def test_directory_gives_the_same_answers_as_the_files(gaza_ledger: Path, gaza_dir: Path) -> None:
    from_dir = json.loads(ok("status", gaza_ledger, "--json"))
    from_files = json.loads(
        ok("status", gaza_dir / "ledger.jsonl", "--terms", gaza_dir / "terms.toml", "--json")
    )
    assert from_dir == from_files
    assert from_dir["pause_days"] == 7
    assert from_dir["ends_at"] == "2023-12-01T07:00:00+02:00"
    check = json.loads(
        ok(
            "check",
            gaza_ledger,
            "--at",
            "2023-11-30T06:50",
            "--live",
            "8",
            "--credit",
            "2",
            "--json",
        )
    )
    assert check["meets_terms"] is True
    assert (check["ends_at"], check["prisoners_due"]) == ("2023-12-01T07:00:00+02:00", 30)


def test_record_is_idempotent_and_other_terms_are_refused(ledger: Path, gaza_dir: Path) -> None:
    before = head(ledger)
    out = ok("record", ledger, gaza_dir / "ledger.jsonl")
    assert "42 already stored" in out and "recorded" not in out
    assert head(ledger) == before
    code, _, err = run("status", ledger, "--terms", gaza_dir / "terms-aid-300.toml")
    assert code == 2 and "differs from the terms this ledger is bound to" in err


EVENT = {
    "at": "2023-11-25T16:00+02:00",
    "recorded_at": "2023-11-25T16:10+02:00",
    "declared_by": "qatar",
    "recorded_by": "test",
}

BAD = {
    "malformed json": ("{not json", "line 1", "not valid JSON"),
    "unknown type": ({"id": "x1", "type": "teleport", **EVENT}, "line 1", "type"),
    "negative count": (
        {"id": "x2", "type": "captives_released", "live": -1, **EVENT},
        "line 1",
        "live",
    ),
    "released twice": (
        {
            "id": "x3",
            "type": "captives_released",
            "captives": [{"id": "g23-c001", "category": "children"}],
            **EVENT,
        },
        "seq",
        "g23-c001",
    ),
    "before the start": (
        {
            "id": "x4",
            "type": "prisoners_released",
            "count": 3,
            **EVENT,
            "at": "2023-11-23T10:00+02:00",
        },
        "line 1",
        "cannot precede the pause start",
    ),
    "same id, other content": (
        {"id": "d1-prisoners", "type": "claim", "text": "changed", **EVENT},
        "line 1",
        "already stored",
    ),
    "unknown party": (
        {"id": "x5", "type": "claim", "text": "t", **EVENT, "declared_by": "nobody"},
        "line 1",
        "nobody",
    ),
    "dangling reference": (
        {"id": "x6", "type": "list_accepted", "list": "no-such-list", **EVENT},
        "line 1",
        "no-such-list",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_with_its_line_and_changes_nothing(
    ledger: Path, tmp_path: Path, case: str
) -> None:
    body, where, what = BAD[case]
    f = tmp_path / "bad.jsonl"
    good = json.dumps({"id": "ok-first", "type": "claim", "text": "fine", **EVENT})
    f.write_text(good + "\n" + (body if isinstance(body, str) else json.dumps(body)) + "\n")
    before = head(ledger)
    code, out, err = run("record", ledger, f)
    assert code == 2, (out, err)
    assert what in err
    assert "bad.jsonl:2" in err or where == "seq"
    assert head(ledger) == before  # nothing appended, not even the good first line


def test_unknown_captive_is_refused_when_people_are_registered(
    ledger: Path, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("role,ref,name\ncaptive,case-001,Test Person One\n")
    pid = ok("people", "add", ledger, people).split(": ")[-1].strip()
    assert pid.startswith("p-")
    f = tmp_path / "rel.jsonl"
    rel = {"type": "captives_released", **EVENT, "at": "2023-11-30T19:30+02:00"}
    f.write_text(
        json.dumps(
            {"id": "r-unknown", **rel, "captives": [{"id": "p-unknown", "category": "women"}]}
        )
        + "\n"
    )
    before = head(ledger)
    code, _, err = run("record", ledger, f)
    assert code == 2 and "p-unknown" in err and "rel.jsonl:1" in err
    assert head(ledger) == before
    f.write_text(
        json.dumps({"id": "r-known", **rel, "captives": [{"id": pid, "category": "women"}]}) + "\n"
    )
    assert "recorded 1 events" in ok("record", ledger, f)


def test_sql_tampering_is_named_by_verify(ledger: Path) -> None:
    assert "ok: 43 events" in ok("verify", ledger)
    sql(ledger, "UPDATE entry SET party = 'israel' WHERE seq = 7")
    code, _, err = run("verify", ledger)
    assert code == 3 and "seq 7" in err
    code, out, _ = run("verify", ledger, "--json")
    doc = json.loads(out)
    assert code == 3 and (doc["ok"], doc["first_bad_seq"], doc["kind"]) == (False, 7, "column")


def test_truncation_is_caught_by_a_checkpoint_held_elsewhere(ledger: Path, tmp_path: Path) -> None:
    note = ok("checkpoint", ledger)
    held = tmp_path / "held.note"
    held.write_text(note)
    assert "\n43\n" in note
    # The operator drops the last 3 entries, recomputes the head and deletes stored checkpoints.
    from truce.ledger.log import merkle

    c = apsw.Connection(str(ledger / "ledger.db"))
    c.execute("BEGIN IMMEDIATE")
    c.execute("DELETE FROM entry WHERE seq > 40")
    hashes = [bytes(h) for (h,) in c.execute("SELECT hash FROM entry ORDER BY seq")]
    fr = merkle.extend([], 0, hashes)
    c.execute(
        "UPDATE head SET size = ?, root = ?, frontier = ?",
        (40, merkle.root(hashes), merkle.encode_frontier(fr)),
    )
    c.execute("DELETE FROM checkpoint")
    c.execute("COMMIT")
    c.close()
    assert "ok: 40 events" in ok(
        "verify", ledger
    )  # internally consistent: only a checkpoint can tell
    code, _, err = run("verify", ledger, "--checkpoint", held)
    assert code == 3 and "41..43 were removed" in err


def test_witness_cosigns_only_consistent_checkpoints(
    ledger: Path, tmp_path: Path, gaza_dir: Path
) -> None:
    key = tmp_path / "icrc.key"
    pub = ok("keys", "new", "icrc", "--out", key).split()[1]
    ok("keys", "add", ledger, "icrc", pub, "--as", "icrc")  # a cosigner needs a registered key
    state = tmp_path / "icrc-witness.json"
    ok("checkpoint", ledger)
    first = ok("checkpoint", ledger, "--cosign", "icrc", "--key", key, "--state", state)
    assert "— icrc " in first
    f = tmp_path / "more.jsonl"
    f.write_text(json.dumps({"id": "later-claim", "type": "claim", "text": "t", **EVENT}) + "\n")
    ok("record", ledger, f)
    ok("checkpoint", ledger)
    ok("checkpoint", ledger, "--cosign", "icrc", "--key", key, "--state", state)
    assert json.loads(state.read_text())  # the witness kept size 44
    # Rewrite history: change a middle event's bytes consistently (hash and head recomputed).
    from truce.ledger.log import merkle

    c = apsw.Connection(str(ledger / "ledger.db"))
    data = bytes(next(c.execute("SELECT data FROM entry WHERE seq = 10"))[0])
    forged = data.replace(b'"qatar"', b'"egypt"', 1)
    assert forged != data
    c.execute("BEGIN IMMEDIATE")
    c.execute(
        "UPDATE entry SET data = ?, hash = ?, party = 'egypt' WHERE seq = 10",
        (forged, merkle.leaf_hash(forged)),
    )
    hashes = [bytes(h) for (h,) in c.execute("SELECT hash FROM entry ORDER BY seq")]
    c.execute(
        "UPDATE head SET root = ?, frontier = ?",
        (merkle.root(hashes), merkle.encode_frontier(merkle.extend([], 0, hashes))),
    )
    c.execute("DELETE FROM checkpoint")
    c.execute("COMMIT")
    c.close()
    ok("checkpoint", ledger)  # the operator signs the rewritten log
    code, _, err = run("checkpoint", ledger, "--cosign", "icrc", "--key", key, "--state", state)
    assert code == 4 and "two histories" in err  # the witness refuses
    code, _, err = run("verify", ledger, "--checkpoint", tmp_path / "none.note")
    assert code == 2 and "none.note" in err  # a checkpoint file that cannot be read


def test_signed_events_keys_and_revocation(ledger: Path, tmp_path: Path) -> None:
    key = tmp_path / "hamas.key"
    pub = ok("keys", "new", "hamas", "--out", key).split()[1]
    assert pub.startswith("ed25519:")
    ok("keys", "add", ledger, "hamas", pub, "--as", "qatar")
    claim = {"type": "claim", "text": "t", **EVENT, "declared_by": "hamas"}
    f = tmp_path / "c.jsonl"
    f.write_text(json.dumps({"id": "h-unsigned", **claim}) + "\n")
    code, _, err = run("record", ledger, f)
    assert code == 2 and "sign them with one of its keys" in err
    f.write_text(json.dumps({"id": "h-signed", **claim}) + "\n")
    ok("record", ledger, f, "--as", "hamas", "--key", key)
    assert "1 signed" in ok("verify", ledger)
    # The signature bytes are checked: flip one bit in the stored signature.
    c = apsw.Connection(str(ledger / "ledger.db"))
    seq, data = next(c.execute("SELECT seq, data FROM entry WHERE event_id = 'h-signed'"))
    c.close()
    tampered = tmp_path / "tampered"
    shutil.copytree(ledger, tampered)
    obj = json.loads(bytes(data))
    import base64

    sig = bytearray(base64.b64decode(obj["sig"]["value"]))
    sig[5] ^= 1
    obj["sig"]["value"] = base64.b64encode(bytes(sig)).decode()
    from truce.ledger.log.leaf import canonical

    forged = canonical(obj)
    from truce.ledger.log import merkle

    c = apsw.Connection(str(tampered / "ledger.db"))
    c.execute(
        "UPDATE entry SET data = ?, hash = ? WHERE seq = ?", (forged, merkle.leaf_hash(forged), seq)
    )
    hashes = [bytes(h) for (h,) in c.execute("SELECT hash FROM entry ORDER BY seq")]
    c.execute(
        "UPDATE head SET root = ?, frontier = ?",
        (merkle.root(hashes), merkle.encode_frontier(merkle.extend([], 0, hashes))),
    )
    c.close()
    code, _, err = run("verify", tampered)
    assert code == 3 and f"seq {seq}" in err
    # Revoked: later events signed with the key are refused.
    # Only hamas revokes its key (the reference party may not), signing with it.
    code, _, err = run("keys", "revoke", ledger, "hamas", pub, "--as", "qatar")
    assert code == 2 and "only 'hamas' itself" in err
    ok("keys", "revoke", ledger, "hamas", pub, "--as", "hamas", "--key", key)
    f.write_text(json.dumps({"id": "h-after", **claim}) + "\n")
    code, _, err = run("record", ledger, f, "--as", "hamas", "--key", key)
    assert code == 2 and "revoked" in err
    code, _, err = run("record", ledger, f)  # F7: no key left is no licence to go unsigned
    assert code == 2 and "keys are all revoked" in err
    assert "2 signed" in ok("verify", ledger)


def test_backup_sync_and_compare(ledger: Path, tmp_path: Path) -> None:
    copy = tmp_path / "replica"
    assert "backup verified: 43 events" in ok("backup", ledger, copy)
    assert json.loads(ok("compare", ledger, copy, "--json"))["relation"] == "identical"
    f = tmp_path / "new.jsonl"
    f.write_text(json.dumps({"id": "new-1", "type": "claim", "text": "a", **EVENT}) + "\n")
    ok("record", ledger, f)
    ok("checkpoint", ledger)
    assert json.loads(ok("compare", copy, ledger, "--json"))["relation"] == "behind"
    assert "pulled 1 entries" in ok("sync", copy, ledger)
    assert head(copy) == head(ledger)
    assert "stored checkpoint 44: size 44 ok" in ok("verify", copy)
    # Diverge: each copy records a different event 45.
    f.write_text(json.dumps({"id": "a-45", "type": "claim", "text": "a", **EVENT}) + "\n")
    ok("record", ledger, f)
    f.write_text(json.dumps({"id": "b-45", "type": "claim", "text": "b", **EVENT}) + "\n")
    ok("record", copy, f)
    cmp = json.loads(ok("compare", copy, ledger, "--json"))
    assert cmp == {
        "relation": "diverged",
        "size": 45,
        "other_size": 45,
        "common": 44,
        "first_difference": 45,
    }
    before = head(copy)
    code, _, err = run("sync", copy, ledger)
    assert code == 3 and "seq 45" in err
    assert head(copy) == before


def test_exports(ledger: Path, tmp_path: Path, gaza_dir: Path) -> None:
    days = ok("export", ledger, "--format", "days")
    assert days.splitlines()[1:] == [
        "2023-11-24,13,0,0,11,0,39,200",
        "2023-11-25,13,0,0,4,0,39,199",
        "2023-11-26,13,0,1,3,0,39,201",
        "2023-11-27,11,0,0,0,0,33,106",
        "2023-11-28,10,0,0,2,0,30,300",
        "2023-11-29,10,0,2,4,0,30,104",
        "2023-11-30,8,0,0,0,2,30,99",
    ]
    rows = ok("export", ledger, "--format", "csv").splitlines()
    assert rows[0].startswith("seq,id,type,at")
    assert len(rows) == 44
    f = tmp_path / "list.jsonl"
    f.write_text(
        json.dumps(
            {
                "id": "secret-list",
                "type": "list_announced",
                "live": 10,
                **EVENT,
                "at": "2023-12-01T06:00+02:00",
            }
        )
        + "\n"
    )
    ok("record", ledger, f)
    public = ok("export", ledger)
    assert "secret-list" not in public
    assert "secret-list" in ok("export", ledger, "--audience", "mediator")
    pq = tmp_path / "e.parquet"
    ok("export", ledger, "--format", "parquet", "--out", pq)
    import pyarrow.parquet as papq

    assert papq.read_table(pq).num_rows == 43  # 44 events, the list hidden from the public


def test_forget_erases_names_and_the_log_still_verifies(ledger: Path, tmp_path: Path) -> None:
    canary = "CANARY-" + os.urandom(8).hex()
    people = tmp_path / "people.csv"
    people.write_text(f"role,ref,name\ncaptive,case-9,{canary}\nprisoner,case-10,Test Person Ten\n")
    out = ok("people", "add", ledger, people)
    pid = out.splitlines()[0].split(": ")[-1].strip()
    f = tmp_path / "rel.jsonl"
    f.write_text(
        json.dumps(
            {
                "id": "rel-canary",
                "type": "captives_released",
                **EVENT,
                "at": "2023-11-30T19:30+02:00",
                "captives": [{"id": pid, "category": "women"}],
            }
        )
        + "\n"
    )
    ok("record", ledger, f)
    assert canary not in ok("export", ledger, "--audience", "mediator")
    assert canary in ok("export", ledger, "--audience", "mediator", "--include-personal")
    ok("forget", ledger, pid)
    for p in ledger.rglob("*"):
        if p.is_file():
            assert canary.encode() not in p.read_bytes(), p
    assert "ok: 44 events" in ok("verify", ledger)
    assert canary not in ok("export", ledger, "--audience", "mediator", "--include-personal")


def test_amendment_applies_from_its_effective_time(
    ledger: Path, tmp_path: Path, gaza_dir: Path
) -> None:
    text = (gaza_dir / "terms.toml").read_text()
    assert "\nprisoners_per_captive = 3\n" in text
    amended = tmp_path / "amended.toml"
    amended.write_text(
        text.replace("\nprisoners_per_captive = 3\n", "\nprisoners_per_captive = 4\n")
    )
    out = ok(
        "amend",
        ledger,
        amended,
        "--effective-at",
        "2023-11-29T07:00",
        "--as",
        "qatar",
        "--retroactive",
    )
    assert "proposed amendment terms-2 (seq 44" in out
    assert "awaiting the assent of hamas, israel" in out
    assert json.loads(ok("status", ledger, "--json"))["prisoners_due"] == 240
    ok("assent", ledger, "terms-2", "--as", "hamas", "--retroactive")
    out = ok("assent", ledger, "terms-2", "--as", "israel", "--retroactive")
    assert "terms version 2 in force from 2023-11-29T07:00:00+02:00" in out
    st = json.loads(ok("status", ledger, "--json"))
    assert [d["terms_version"] for d in st["days"]] == [1, 1, 1, 1, 1, 2, 2]
    assert [d["prisoners_due"] for d in st["days"]] == [39, 39, 39, 33, 30, 40, 40]
    assert st["prisoners_due"] == 260
    assert st["terms_versions"][1] == {
        "version": 2,
        "effective_at": "2023-11-29T07:00:00+02:00",
        "ref": "event:terms-2",
    }
    # --as-of reads the log's own stamps: this directory was filled today, so as of 2023 it
    # held nothing, whatever recorded_at the events declare.
    then = json.loads(ok("status", ledger, "--as-of", "2023-12-02T00:00+02:00", "--json"))
    assert then["prisoners_due"] == 0 and then["counted"] == 0
    check = json.loads(
        ok("check", ledger, "--at", "2023-11-30T06:50", "--live", "8", "--credit", "2", "--json")
    )
    assert check["prisoners_due"] == 40
    # What fixes the calendar cannot be amended; nothing is recorded.
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("initial_days = 4", "initial_days = 5"))
    before = head(ledger)
    code, _, err = run("amend", ledger, bad, "--effective-at", "2023-11-29T07:00", "--as", "qatar")
    assert code == 2 and "[agreement] differs from the base terms" in err
    assert head(ledger) == before
    assert "ok: 46 events" in ok("verify", ledger)


def test_proof_bundles_check_offline(ledger: Path, tmp_path: Path) -> None:
    ok("checkpoint", ledger)
    bundle = tmp_path / "inc.json"
    bundle.write_text(ok("prove", ledger, "d7-release"))
    data = json.loads(bundle.read_text())
    assert (data["seq"], data["size"], data["kind"]) == (38, 43, "inclusion")
    assert data["checkpoint"] is not None
    log_pub = ledger / "keys" / "log.pub"
    out = ok("verify-proof", bundle, "--log-key", log_pub)
    assert "event 'd7-release' is entry 38" in out and "signed by the log" in out
    # Anyone with only the bundle and the log key: a changed leaf, or another key, fails.
    import base64

    leaf = bytearray(base64.b64decode(data["leaf"]))
    leaf[40] ^= 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**data, "leaf": base64.b64encode(bytes(leaf)).decode()}))
    code, _, err = run("verify-proof", bad, "--log-key", log_pub)
    assert code == 3, err
    other = tmp_path / "other.key"
    other_pub = ok("keys", "new", "x", "--out", other).split()[1]
    (tmp_path / "other.pub").write_text(other_pub + "\n")
    code, _, err = run("verify-proof", bundle, "--log-key", tmp_path / "other.pub")
    assert code == 3 and "signature" in err.lower()
    cons = tmp_path / "cons.json"
    cons.write_text(ok("prove", ledger, "--from", "10"))
    assert "at size 10 is a prefix of size 43" in ok("verify-proof", cons, "--log-key", log_pub)
    c = json.loads(cons.read_text())
    c["old_root"] = data["root"]
    cons.write_text(json.dumps(c))
    code, _, _ = run("verify-proof", cons)
    assert code == 3


def test_a_changed_entry_with_its_hash_is_localised(ledger: Path) -> None:
    """Data and hash changed together, head untouched: the stored frontier names the range."""
    from truce.ledger.log import merkle

    c = apsw.Connection(str(ledger / "ledger.db"))
    data = bytes(next(c.execute("SELECT data FROM entry WHERE seq = 42"))[0])
    forged = data.replace(b'"text":"', b'"text":"X', 1)
    assert forged != data
    c.execute(
        "UPDATE entry SET data = ?, hash = ? WHERE seq = 42", (forged, merkle.leaf_hash(forged))
    )
    c.close()
    code, _, err = run("verify", ledger)
    assert code == 3 and "seq 41-42" in err


def test_a_directory_on_postgresql_and_a_sqlite_clone(
    tmp_path: Path, gaza_dir: Path, pg_url: str
) -> None:
    """The same commands on a PostgreSQL store; a party clones it into its own SQLite copy."""
    d = tmp_path / "team"
    ok("init", d, "--terms", gaza_dir / "terms.toml", "--store", pg_url)
    assert not (d / "ledger.db").exists()
    ok("record", d, gaza_dir / "ledger.jsonl")
    st = json.loads(ok("status", d, "--json"))
    assert (st["pause_days"], st["prisoners_due"]) == (7, 240)
    ok("checkpoint", d)
    assert "ok: 43 events" in ok("verify", d)
    mine = tmp_path / "mine"
    assert "cloned 43 events" in ok("clone", d, mine)
    assert (mine / "ledger.db").exists() and not (mine / "keys" / "log.key").exists()
    assert json.loads(ok("compare", mine, d, "--json"))["relation"] == "identical"
    f = tmp_path / "more.jsonl"
    f.write_text(json.dumps({"id": "team-1", "type": "claim", "text": "t", **EVENT}) + "\n")
    ok("record", d, f)
    assert "pulled 1 entries" in ok("sync", mine, d)
    assert head(mine)[0] == 44
