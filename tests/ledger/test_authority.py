"""Who may do what (issue 10): each finding reproduced as an attack, and the refusal asserted.

In-process through the one append path (``record``, ``sync``, ``clone``, ``verify``), with an
injected clock; the CLI only where the exit status is the point.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import truce_exe
from truce.api import status
from truce.errors import BadInput, IntegrityError, LedgerError
from truce.events import EVENT_ADAPTER, Event
from truce.history import History
from truce.ledger.directory import LedgerDir, event_json
from truce.ledger.log import merkle, signing
from truce.ledger.log.leaf import canonical, encode_leaf
from truce.ledger.record import read_file, record
from truce.ledger.replicate import clone, sync
from truce.ledger.verify import verify

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves: each call returns the current time and advances one second."""

    def __init__(self, t: datetime = T0) -> None:
        self.t = t

    def __call__(self) -> datetime:
        self.t += timedelta(seconds=1)
        return self.t


def ev(**fields: Any) -> Event:
    base = {
        "at": "2023-11-25T16:00+02:00",
        "recorded_at": "2023-11-25T16:10+02:00",
        "declared_by": "qatar",
        "recorded_by": "test",
    }
    return EVENT_ADAPTER.validate_python(base | fields)


def add(d: LedgerDir, *events: Event, clock: Callable[[], datetime] | None = None, **kw: Any):
    return record(d, list(events), [f"test:{e.id}" for e in events], clock=clock or Clock(), **kw)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, gaza_dir: Path) -> Path:
    d = tmp_path_factory.mktemp("authority") / "gaza"
    with LedgerDir.init(d, gaza_dir / "terms.toml", at=T0) as ld:
        events, origins = read_file(ld, gaza_dir / "ledger.jsonl")
        record(ld, events, origins, clock=Clock(T0))
    return d


@pytest.fixture
def gz(built: Path, tmp_path: Path) -> Iterator[LedgerDir]:
    p = tmp_path / "gaza"
    shutil.copytree(built, p)
    with LedgerDir.open(p) as d:
        yield d


def size(d: LedgerDir) -> int:
    return d.store.head().size


def prisoners_released(d: LedgerDir) -> int:
    d.reload()
    return status(d.terms, d.history()).prisoners_released


def keyed(d: LedgerDir, party: str, tmp: Path) -> Ed25519PrivateKey:
    """Register a fresh key for a party that has none (by the party itself)."""
    k = signing.new_key()
    e = ev(
        id=f"key-{party}",
        type="key_added",
        declared_by=party,
        party=party,
        public_key=signing.public_key_text(k.public_key()),
    )
    add(d, e, as_party=party)
    return k


# -- F1: corrections ------------------------------------------------------------------------


def test_f1_only_the_declarer_corrects_an_event(gz: LedgerDir) -> None:
    assert prisoners_released(gz) == 240
    before = size(gz)
    attack = ev(id="x", type="claim", declared_by="hamas", text="t", supersedes="d5-prisoners")
    with pytest.raises(LedgerError, match="only the party that declared"):
        add(gz, attack)
    importer = ev(
        id="y",
        type="prisoners_released",
        declared_by="importer",
        recorded_by="importer",
        count=0,
        supersedes="d5-prisoners",
    )
    with pytest.raises(LedgerError, match="only the party that declared"):
        add(gz, importer, as_party="importer")
    wrong_type = ev(id="z", type="claim", text="t", supersedes="d5-prisoners")
    with pytest.raises(LedgerError, match="has the type of the event it corrects"):
        add(gz, wrong_type)
    assert size(gz) == before and prisoners_released(gz) == 240
    # The declarer corrects its own figure; then a second correction of the original is refused.
    fix = ev(
        id="d5-fix",
        type="prisoners_released",
        at="2023-11-28T22:00+02:00",
        count=33,
        supersedes="d5-prisoners",
    )
    add(gz, fix)
    assert prisoners_released(gz) == 243
    again = fix.model_copy(update={"id": "d5-fix-2"})
    with pytest.raises(LedgerError, match="already corrected by 'd5-fix'"):
        add(gz, again)
    assert verify(gz).events == before + 1


def test_f1_self_and_looping_corrections_are_refused_in_files_too() -> None:
    a = ev(id="a", type="claim", text="t", supersedes="a")
    with pytest.raises(LedgerError, match="cannot supersede itself"):
        History.of([a])
    b = ev(id="b", type="claim", text="t", supersedes="c")
    c = ev(id="c", type="claim", text="t", supersedes="b")
    with pytest.raises(LedgerError, match="loop"):
        History.of([b, c])
    d = ev(id="d", type="claim", text="t", declared_by="hamas")
    e = ev(id="e", type="claim", text="t", supersedes="d")
    with pytest.raises(LedgerError, match="only the party that declared"):
        History.of([d, e])


def test_f1_a_disagreeing_party_records_its_own_declaration_side_by_side(gz: LedgerDir) -> None:
    mine = ev(
        id="d5-prisoners-hamas",
        type="prisoners_released",
        declared_by="hamas",
        at="2023-11-28T22:00+02:00",
        count=20,
        act="prisoners-day-5",
    )
    theirs = ev(
        id="d5-prisoners-qatar",
        type="prisoners_released",
        at="2023-11-28T22:30+02:00",
        count=0,
        act="prisoners-day-5",
    )
    add(gz, mine, theirs)
    gz.reload()
    st = status(gz.terms, gz.history())
    assert st.prisoners_released == 240  # the reference party's figure (0 more) is used
    disputed = [x for x in st.disputed if x.act == "prisoners-day-5"]
    assert disputed and disputed[0].set_aside == ["event:d5-prisoners-hamas"]


# -- F2, F13: sync validates first, then writes ---------------------------------------------


def _append_raw(d: LedgerDir, event: dict[str, Any], stamp: datetime) -> None:
    """Append a leaf straight into a store, past every check (what a hostile source holds)."""
    leaf = encode_leaf(d.ledger_id, event, "public", None, stamp)
    d.store.append([leaf])
    d.reload()


def test_f2_sync_refuses_entries_that_break_the_rules(gz: LedgerDir, tmp_path: Path) -> None:
    k = keyed(gz, "hamas", tmp_path)
    replica = clone(gz, tmp_path / "replica")
    before = replica.store.head()
    unsigned = ev(id="u", type="claim", declared_by="hamas", text="t")
    _append_raw(gz, event_json(unsigned), T0 + timedelta(days=1))
    with pytest.raises(IntegrityError, match="must be signed") as exc:
        sync(replica, gz)
    assert exc.value.seq == before.size + 1
    assert replica.store.head() == before
    verify(replica)
    del k


def test_f2_sync_refuses_a_second_release_of_one_captive(gz: LedgerDir, tmp_path: Path) -> None:
    replica = clone(gz, tmp_path / "replica")
    before = replica.store.head()
    first = ev(
        id="r1", type="captives_released", at="2023-11-26T16:00+02:00", captives=[{"id": "c-1"}]
    )
    add(gz, first)
    twice = ev(
        id="r2", type="captives_released", at="2023-11-27T16:00+02:00", captives=[{"id": "c-1"}]
    )
    _append_raw(gz, event_json(twice), T0 + timedelta(days=1))
    with pytest.raises(IntegrityError) as exc:
        sync(replica, gz)
    assert exc.value.seq == before.size + 2 and "nothing pulled" in str(exc.value)
    assert replica.store.head() == before


def test_f13_sync_checks_the_sources_checkpoints_before_writing(
    gz: LedgerDir, tmp_path: Path
) -> None:
    from truce.ledger.log import checkpoint as cpt

    replica = clone(gz, tmp_path / "replica")
    before = replica.store.head()
    add(gz, ev(id="new", type="claim", text="t"))
    tree = gz.tree()
    other = signing.new_key()  # not the log's key
    note = cpt.format_note(
        cpt.sign_checkpoint(cpt.Checkpoint(gz.origin, tree.size, tree.root()), "log", other)
    )
    gz.store.add_checkpoint(tree.size, note)
    with pytest.raises(IntegrityError):
        sync(replica, gz)
    assert replica.store.head() == before and replica.store.checkpoints() == []


# -- F3: keyed reference party --------------------------------------------------------------


def _keyed_terms(gaza_dir: Path, tmp: Path, party: str) -> tuple[Path, Ed25519PrivateKey]:
    k = signing.new_key()
    text = (gaza_dir / "terms.toml").read_text()
    name = {"qatar": "Qatar", "hamas": "Hamas"}[party]
    old = f'{{ id = "{party}", name = "{name}" }}'
    assert old in text
    pub = signing.public_key_text(k.public_key())
    p = tmp / f"keyed-{party}.toml"
    p.write_text(text.replace(old, f'{{ id = "{party}", name = "{name}", public_key = "{pub}" }}'))
    return p, k


def test_f3_init_signs_the_base_terms_with_the_reference_key(
    gaza_dir: Path, tmp_path: Path
) -> None:
    terms, k = _keyed_terms(gaza_dir, tmp_path, "qatar")
    with pytest.raises(BadInput, match="signed with it"):
        LedgerDir.init(tmp_path / "nokey", terms, at=T0)
    assert not (tmp_path / "nokey").exists()
    with pytest.raises(BadInput, match="not the key"):
        LedgerDir.init(tmp_path / "wrong", terms, at=T0, key=signing.new_key())
    with LedgerDir.init(tmp_path / "d", terms, at=T0, key=k) as d:
        rep = verify(d)
        assert rep.signed == 1
        c = clone(d, tmp_path / "c")
        assert verify(c).signed == 1
        c.close()
    assert not list(tmp_path.glob(".*"))  # no work directories left behind


def test_f3_a_refused_clone_leaves_nothing(gz: LedgerDir, tmp_path: Path) -> None:
    keyed(gz, "hamas", tmp_path)
    _append_raw(gz, event_json(ev(id="u", type="claim", declared_by="hamas", text="t")), T0)
    dest = tmp_path / "mine"
    with pytest.raises(IntegrityError):
        clone(gz, dest)
    assert not dest.exists() and not list(tmp_path.glob(".mine*"))


# -- F4, F7: keys ---------------------------------------------------------------------------


def test_f4_nobody_replaces_a_key_the_terms_fix(gaza_dir: Path, tmp_path: Path) -> None:
    terms, hk = _keyed_terms(gaza_dir, tmp_path, "hamas")
    with LedgerDir.init(tmp_path / "d", terms, at=T0) as d:
        attacker = signing.new_key()
        pub = signing.public_key_text(attacker.public_key())
        add_ev = ev(id="k1", type="key_added", party="hamas", public_key=pub)  # by qatar
        with pytest.raises(LedgerError, match="only 'hamas' itself"):
            add(d, add_ev, as_party="qatar")
        hamas_pub = signing.public_key_text(hk.public_key())
        rev = ev(id="k2", type="key_revoked", party="hamas", public_key=hamas_pub)
        with pytest.raises(LedgerError, match="only 'hamas' itself"):
            add(d, rev, as_party="qatar")
        with pytest.raises(LedgerError, match="not a party"):
            add(d, ev(id="k3", type="key_added", party="mallory", public_key=pub))
        forged = ev(id="c", type="claim", declared_by="hamas", text="t")
        with pytest.raises(LedgerError):
            add(d, forged, as_party="hamas", key=attacker)
        assert size(d) == 1
        # Rotation by hamas itself: add a new key signed with the old one, then revoke the old.
        new = signing.new_key()
        rot = ev(
            id="k4",
            type="key_added",
            declared_by="hamas",
            party="hamas",
            public_key=signing.public_key_text(new.public_key()),
        )
        add(d, rot, as_party="hamas", key=hk)
        rev = ev(
            id="k5", type="key_revoked", declared_by="hamas", party="hamas", public_key=hamas_pub
        )
        add(d, rev, as_party="hamas", key=new)
        add(d, ev(id="c2", type="claim", declared_by="hamas", text="t"), as_party="hamas", key=new)
        assert verify(d).signed == 3


def test_first_key_procedure_named_by_the_terms(gaza_dir: Path, tmp_path: Path) -> None:
    text = (gaza_dir / "terms.toml").read_text()
    p = tmp_path / "t.toml"
    p.write_text(
        text.replace('reference = "qatar"', 'reference = "qatar"\nfirst_key = "reference"')
    )
    with LedgerDir.init(tmp_path / "d", p, at=T0) as d:
        pub = signing.public_key_text(signing.new_key().public_key())
        by_self = ev(id="k1", type="key_added", declared_by="hamas", party="hamas", public_key=pub)
        with pytest.raises(LedgerError, match="registered by 'qatar'"):
            add(d, by_self)
        add(d, ev(id="k2", type="key_added", party="hamas", public_key=pub))
        assert verify(d).events == 2


def test_f7_revoking_the_last_key_does_not_unlock_unsigned_events(
    gz: LedgerDir, tmp_path: Path
) -> None:
    k = keyed(gz, "hamas", tmp_path)
    pub = signing.public_key_text(k.public_key())
    rev = ev(id="rev", type="key_revoked", declared_by="hamas", party="hamas", public_key=pub)
    add(gz, rev, as_party="hamas", key=k)
    with pytest.raises(LedgerError, match="keys are all revoked"):
        add(gz, ev(id="u", type="claim", declared_by="hamas", text="t"))
    # The reference party registers a new key under the default procedure ("either").
    k2 = signing.new_key()
    add(
        gz,
        ev(
            id="k2",
            type="key_added",
            party="hamas",
            public_key=signing.public_key_text(k2.public_key()),
        ),
    )
    add(gz, ev(id="s", type="claim", declared_by="hamas", text="t"), as_party="hamas", key=k2)
    verify(gz)


def test_importer_declares_nothing_for_a_keyed_party(gz: LedgerDir, tmp_path: Path) -> None:
    keyed(gz, "hamas", tmp_path)
    imp = ev(id="i1", type="claim", declared_by="hamas", recorded_by="importer", text="t")
    with pytest.raises(LedgerError, match="must be signed"):
        add(gz, imp, as_party="importer")
    plain = ev(id="i2", type="claim", declared_by="icrc", recorded_by="someone", text="t")
    with pytest.raises(LedgerError, match="names the importer as recorded_by"):
        add(gz, plain, as_party="importer")
    ok = ev(id="i3", type="claim", declared_by="icrc", recorded_by="importer", text="t")
    add(gz, ok, as_party="importer")
    pub = signing.public_key_text(signing.new_key().public_key())
    with pytest.raises(LedgerError, match="importer cannot declare a key_added"):
        add(gz, ev(id="i4", type="key_added", declared_by="importer", party="icrc", public_key=pub))


# -- F5: amendments -------------------------------------------------------------------------


def _amendment(gaza_dir: Path) -> dict[str, Any]:
    from truce.terms import load_terms, parse_terms

    t = load_terms(gaza_dir / "terms.toml")
    doc = t.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["exchange"]["prisoners_per_captive"] = 100
    t2 = parse_terms(doc)
    return {"terms": doc, "digest": t2.digest()}


def test_f5_one_party_cannot_amend_alone(gz: LedgerDir, gaza_dir: Path, tmp_path: Path) -> None:
    a = _amendment(gaza_dir)
    due = status(gz.terms, gz.history()).prisoners_due
    assert due == 240
    prop = ev(
        id="terms-2",
        type="terms_set",
        declared_by="hamas",
        effective_at="2023-11-02T00:00+02:00",
        **a,
    )
    add(gz, prop)
    gz.reload()
    assert status(gz.terms, gz.history()).prisoners_due == 240
    assert [p.event.id for p in gz.authority.pending] == ["terms-2"]
    with pytest.raises(LedgerError, match="importer cannot declare a terms_set"):
        add(gz, prop.model_copy(update={"id": "terms-3", "declared_by": "importer"}))


def _assent(party: str, digest: str, retro: bool, n: int) -> Event:
    return ev(
        id=f"assent-{party}-{n}",
        type="terms_agreed",
        declared_by=party,
        terms_digest=digest,
        retroactive=retro,
    )


def test_f5_amendment_in_force_only_with_every_assent_and_not_backwards(
    gz: LedgerDir, gaza_dir: Path, tmp_path: Path
) -> None:
    a = _amendment(gaza_dir)
    prop = ev(
        id="terms-2",
        type="terms_set",
        effective_at="2023-11-02T00:00+02:00",
        retroactive=True,
        **a,
    )
    add(gz, prop)
    add(gz, _assent("hamas", a["digest"], True, 1))
    gz.reload()
    assert status(gz.terms, gz.history()).prisoners_due == 240  # israel has not assented
    add(gz, _assent("israel", a["digest"], False, 1))  # assents, but not to going backwards
    gz.reload()
    assert len(gz.versions) == 2
    v2 = gz.versions[1]
    assert v2.effective_at > T0  # from its last assent: no day already begun is judged again
    assert status(gz.terms, gz.history()).prisoners_due == 240
    assert verify(gz).events == size(gz)


def test_f5_all_assenting_retroactively_applies_from_effective_at(
    gz: LedgerDir, gaza_dir: Path, tmp_path: Path
) -> None:
    a = _amendment(gaza_dir)
    prop = ev(
        id="terms-2",
        type="terms_set",
        effective_at="2023-11-02T00:00+02:00",
        retroactive=True,
        declared_by="israel",
        **a,
    )
    add(gz, prop, _assent("hamas", a["digest"], True, 1), _assent("qatar", a["digest"], True, 1))
    gz.reload()
    assert status(gz.terms, gz.history()).prisoners_due == 8000


# -- F6: --as-of reads the log's stamps ----------------------------------------------------


def test_f6_an_answer_as_of_a_moment_never_changes(gz: LedgerDir) -> None:
    clock = Clock(T0 + timedelta(days=10))
    asked = clock()
    before = status(gz.terms, gz.history(), as_of=asked).counted
    assert before == status(gz.terms, gz.history()).counted
    backdated = ev(
        id="late",
        type="captives_released",
        at="2023-11-26T16:00+02:00",
        recorded_at="2023-11-25T16:00+02:00",  # declared as recorded before the question
        live=5,
    )
    add(gz, backdated, clock=clock)
    gz.reload()
    assert status(gz.terms, gz.history(), as_of=asked).counted == before
    assert status(gz.terms, gz.history()).counted == before + 5
    rec = gz.record_of("late")
    assert rec is not None and rec.stamp is not None and rec.stamp > asked
    assert rec.event.recorded_at.isoformat() == "2023-11-25T16:00:00+02:00"  # kept as declared


def test_stamps_never_go_back(gz: LedgerDir) -> None:
    slow = Clock(T0 - timedelta(days=365))  # a writer whose clock is a year behind
    add(gz, ev(id="s1", type="claim", text="t"), clock=slow)
    stamps = [r.stamp for r in gz.all_records]
    assert all(s is not None for s in stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    # A stored stamp earlier than the one before it does not verify.
    _append_raw(gz, event_json(ev(id="s2", type="claim", text="t")), T0 - timedelta(days=1))
    with pytest.raises(IntegrityError, match="never goes back") as exc:
        verify(gz)
    assert exc.value.seq == size(gz)


# -- F14: cosignatures ----------------------------------------------------------------------


def _run(*args: str | Path) -> tuple[int, str, str]:
    p = subprocess.run([truce_exe(), *map(str, args)], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_f14_cosign_only_with_the_partys_registered_key(gz: LedgerDir, tmp_path: Path) -> None:
    k = keyed(gz, "israel", tmp_path)
    wrong = tmp_path / "hamas.key"
    signing.save_private_key(wrong, signing.new_key(), None)
    right = tmp_path / "israel.key"
    signing.save_private_key(right, k, None)
    gz.close()
    d = tmp_path / "gaza"
    assert _run("checkpoint", d)[0] == 0
    code, _, err = _run("checkpoint", d, "--cosign", "israel", "--key", wrong)
    assert code == 2 and "not a registered key of 'israel'" in err
    assert not (d / "witness" / "israel.json").exists()
    code, _, err = _run("checkpoint", d, "--cosign", "../../evil", "--key", wrong)
    assert code == 2 and "not a party" in err
    assert not (tmp_path / "evil.json").exists()
    assert _run("checkpoint", d, "--cosign", "israel", "--key", right)[0] == 0
    code, out, _ = _run("verify", d, "--json")
    assert code == 0 and json.loads(out)["cosigners"] == ["israel"]


# -- lower severity -------------------------------------------------------------------------


def test_verify_names_a_deleted_terms_file(gz: LedgerDir) -> None:
    (gz.path / "terms.toml").unlink()
    with pytest.raises(IntegrityError, match=r"terms\.toml is missing"):
        verify(gz)


def test_an_interrupted_init_leaves_no_ledger(gaza_dir: Path, tmp_path: Path) -> None:
    """init builds beside the target and renames it into place: killed midway, the target
    does not exist (a leftover work directory is hidden and never mistaken for a ledger)."""
    code = (
        "import os, sys\n"
        "from datetime import datetime, UTC\n"
        "from pathlib import Path\n"
        "import truce.ledger.directory as m\n"
        "real = m.open_store\n"
        "def dying(*a, **k):\n"
        "    st = real(*a, **k)\n"
        "    os._exit(9)\n"
        "m.open_store = dying\n"
        f"m.LedgerDir.init(Path({str(tmp_path / 'd')!r}), Path({str(gaza_dir / 'terms.toml')!r}),"
        " at=datetime.now(UTC))\n"
    )
    import sys

    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 9, p.stderr
    assert not (tmp_path / "d").exists()
    code2, _, _ = _run("init", tmp_path / "d", "--terms", gaza_dir / "terms.toml")
    assert code2 == 0 and _run("verify", tmp_path / "d")[0] == 0


def test_unregistered_people_ids_are_refused_where_people_are_kept(
    gz: LedgerDir, tmp_path: Path
) -> None:
    from truce.ledger.people import People

    with People.open(gz.path) as people:
        c = people.add("captive", "ref-1", {"name": "A"})
        p = people.add("prisoner", "ref-2", {"name": "B"})
    known = {"captive": {c}, "prisoner": {p}}
    listed = ev(
        id="l1",
        type="list_announced",
        declared_by="hamas",
        for_day=7,
        captives=[{"id": "Jane.Doe"}],
    )
    with pytest.raises(LedgerError, match=r"'Jane\.Doe' is not registered"):
        add(gz, listed, known_people=known)
    pr = ev(
        id="p1",
        type="prisoners_released",
        at="2023-11-26T22:00+02:00",
        count=1,
        prisoners=[{"id": c}],  # a captive's pseudonym is not a prisoner's
    )
    with pytest.raises(LedgerError, match="prisoner"):
        add(gz, pr, known_people=known)
    good = ev(
        id="p2",
        type="prisoners_released",
        at="2023-11-26T22:00+02:00",
        count=1,
        prisoners=[{"id": p}],
    )
    add(gz, good, known_people=known)


def test_a_forged_signature_names_its_seq(gz: LedgerDir, tmp_path: Path) -> None:
    k = keyed(gz, "hamas", tmp_path)
    add(gz, ev(id="h", type="claim", declared_by="hamas", text="t"), as_party="hamas", key=k)
    rec = gz.record_of("h")
    assert rec is not None
    obj = json.loads(rec.stored.leaf.data)
    sig = bytearray(base64.b64decode(obj["sig"]["value"]))
    sig[0] ^= 1
    obj["sig"]["value"] = base64.b64encode(bytes(sig)).decode()
    forged = canonical(obj)
    import apsw

    c = apsw.Connection(str(gz.path / "ledger.db"))
    c.execute(
        "UPDATE entry SET data = ?, hash = ? WHERE seq = ?",
        (forged, merkle.leaf_hash(forged), rec.seq),
    )
    hashes = [bytes(h) for (h,) in c.execute("SELECT hash FROM entry ORDER BY seq")]
    c.execute(
        "UPDATE head SET root = ?, frontier = ?",
        (merkle.root(hashes), merkle.encode_frontier(merkle.extend([], 0, hashes))),
    )
    c.close()
    with pytest.raises(IntegrityError, match="does not verify") as exc:
        verify(gz)
    assert exc.value.seq == rec.seq and exc.value.kind == "signature"


def test_a_deleted_store_is_named_not_recreated(gz: LedgerDir) -> None:
    gz.close()
    (gz.path / "ledger.db").unlink()
    with pytest.raises(IntegrityError, match=r"ledger\.db is missing"):
        LedgerDir.open(gz.path)
    assert not (gz.path / "ledger.db").exists()
