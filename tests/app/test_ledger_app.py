"""The ledger use cases called in-process, as the service will call them: typed results, time
as an argument, the ledger's rules enforced underneath."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from truce.app.ledger import (
    assent_to_amendment,
    change_key,
    compare_ledgers,
    log_entries,
    propose_amendment,
    verify_ledger,
)
from truce.app.ledger_schemas import VerifyFailed, VerifyOk
from truce.errors import BadInput, LedgerError
from truce.ledger.directory import LedgerDir
from truce.ledger.log import signing
from truce.ledger.record import read_file, record

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def gaza(tmp_path: Path, gaza_dir: Path) -> Path:
    d = tmp_path / "gaza"
    with LedgerDir.init(d, gaza_dir / "terms.toml", at=NOW) as ld:
        events, origins = read_file(ld, gaza_dir / "ledger.jsonl")
        record(ld, events, origins, clock=lambda: NOW)
    return d


def test_verify_and_compare_are_typed(gaza: Path) -> None:
    v = verify_ledger(gaza)
    assert isinstance(v, VerifyOk) and (v.size, v.events, v.signed) == (43, 43, 0)
    c = compare_ledgers(gaza, gaza)
    assert (c.relation, c.common, c.first_difference) == ("identical", 43, None)
    (gaza / "terms.toml").unlink()
    bad = verify_ledger(gaza)
    assert isinstance(bad, VerifyFailed) and bad.kind == "terms" and bad.first_bad_seq == 1


def test_log_entries_filter_and_carry_the_stamp(gaza: Path) -> None:
    claims = log_entries(gaza, type_="claim", party="hamas")
    assert [e.event["id"] for e in claims] == ["d2-claim-delay", "claim-end-hamas"]
    assert all(e.logged_at == "2026-12-01T09:00:00.000000Z" for e in claims)
    public = log_entries(gaza, type_="list_announced", audience="public")
    mediator = log_entries(gaza, type_="list_announced", audience="mediator")
    assert len(public) <= len(mediator) == 2


def test_an_amendment_through_the_app(gaza: Path, gaza_dir: Path, tmp_path: Path) -> None:
    text = (gaza_dir / "terms.toml").read_text()
    amended = tmp_path / "amended.toml"
    amended.write_text(
        text.replace("\nprisoners_per_captive = 3\n", "\nprisoners_per_captive = 4\n")
    )
    eff = datetime.fromisoformat("2023-11-29T07:00+02:00")
    p = propose_amendment(gaza, amended, effective_at=eff, as_party="qatar", now=NOW)
    assert (p.amendment, p.in_force_as, p.waiting_for) == ("terms-2", None, ["hamas", "israel"])
    a = assent_to_amendment(gaza, "terms-2", as_party="hamas", now=NOW)
    assert a.waiting_for == ["israel"]
    with pytest.raises(BadInput, match="already assented"):
        assent_to_amendment(gaza, "terms-2", as_party="hamas", now=NOW)
    done = assent_to_amendment(gaza, "terms-2", as_party="israel", now=NOW)
    # Not every assent said retroactive: in force from the last assent, not from 29 Nov 2023.
    assert done.in_force_as == 2 and done.effective_at == NOW.isoformat()
    with pytest.raises(BadInput, match="no amendment 'terms-9'"):
        assent_to_amendment(gaza, "terms-9", as_party="israel", now=NOW)


def test_keys_through_the_app_follow_the_rules(gaza: Path) -> None:
    k = signing.new_key()
    pub = signing.public_key_text(k.public_key())
    seq = change_key(gaza, "key_added", "hamas", pub, as_party="hamas", now=NOW)
    assert seq == 44
    other = signing.public_key_text(signing.new_key().public_key())
    with pytest.raises(LedgerError, match="only 'hamas' itself"):
        change_key(gaza, "key_added", "hamas", other, as_party="qatar", now=NOW)
    seq = change_key(gaza, "key_revoked", "hamas", pub, as_party="hamas", now=NOW, key=k)
    assert seq == 45
