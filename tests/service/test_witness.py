"""Two servers: A's log witnessed by B over HTTP (C2SP tlog-witness). B cosigns each checkpoint
that extends the last one it cosigned (with the consistency proof from the size it holds); after
A's database is edited behind its back, B refuses the next checkpoint and A's `truce checkpoint
--witness` exits 3 naming the witness; a stale `old` size is answered 409 with B's size."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import truce_exe
from tests.service.conftest import Clock, rewrite_entry, running
from truce.app.proofs import make_checkpoint
from truce.ledger.directory import LedgerDir
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import signing
from truce.service.app import create_app
from truce.service.settings import Settings
from truce.service.witness import WitnessConfig


@pytest.fixture
def witnessed(built_ledger: Path, tmp_path: Path) -> Iterator[tuple[Path, str, str]]:
    """A's ledger directory, B's add-checkpoint URL, and B's witness name."""
    a = tmp_path / "a"
    shutil.copytree(built_ledger, a)
    with LedgerDir.open(a) as d:
        origin = d.origin
    key = tmp_path / "b-witness.key"
    bkey = signing.new_key()
    signing.save_private_key(key, bkey, None)
    (a / "witnesses.toml").write_text(  # A counts on B, and a second witness that never signs
        f'quorum = 1\n[[witness]]\nname = "b.example/witness"\n'
        f'public_key = "{signing.public_key_text(bkey.public_key())}"\n'
        f'[[witness]]\nname = "c.example/witness"\n'
        f'public_key = "{signing.public_key_text(signing.new_key().public_key())}"\n'
    )
    conf = tmp_path / "witness.toml"
    conf.write_text(
        f'name = "b.example/witness"\nkey = "{key.name}"\nstate = "b-state.json"\n\n'
        f'[[log]]\norigin = "{origin}"\npublic_key = "{a / "keys" / "log.pub"}"\n'
    )
    b = tmp_path / "b"
    shutil.copytree(built_ledger, b)  # B serves a ledger of its own too
    app = create_app([b], clock=Clock(), settings=Settings(witness=WitnessConfig.load(conf)))
    with running(app) as base:
        yield a, f"{base}/witness/add-checkpoint", "b.example/witness"


def _checkpoint(a: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [truce_exe(), "checkpoint", str(a), "--witness", url],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _record(a: Path, tmp: Path, n: int) -> None:
    f = tmp / f"claims-{n}.jsonl"
    f.write_text(
        "".join(
            f'{{"id": "w-{n}-{i}", "type": "claim", "at": "2023-11-30T07:00+02:00", '
            f'"recorded_at": "2023-11-30T07:00+02:00", "declared_by": "qatar", '
            f'"recorded_by": "qatar", "text": "statement {i}"}}\n'
            for i in range(5)
        )
    )
    p = subprocess.run([truce_exe(), "record", str(a), str(f)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_b_witnesses_a_and_refuses_a_rewritten_history(
    witnessed: tuple[Path, str, str], tmp_path: Path
) -> None:
    a, url, name = witnessed
    first = _checkpoint(a, url)
    assert first.returncode == 0, first.stderr
    assert f"\u2014 {name} " in first.stdout  # B's cosignature line is in the stored note
    _record(a, tmp_path, 1)
    second = _checkpoint(a, url)  # B holds the first size: a consistency proof from it
    assert second.returncode == 0, second.stderr
    size = cpt.parse_note(second.stdout).checkpoint.size
    verify = subprocess.run([truce_exe(), "verify", str(a)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    assert f"witnessed: {name} (1 of 2; quorum 1: met)" in verify.stdout, verify.stdout

    # A stale old size: 409 with B's size, as the spec says.
    note = cpt.parse_note(second.stdout)
    r = httpx.post(url, content=f"old 1\n\n{cpt.format_note(note)}")
    assert r.status_code == 409 and r.text.strip() == str(size)
    assert r.headers["content-type"].startswith("text/x.tlog.size")

    # A's database edited behind its back: an early entry's stored hash replaced.
    rewrite_entry(a)
    _record(a, tmp_path, 2)
    third = _checkpoint(a, url)
    assert third.returncode == 3, third.stdout + third.stderr
    assert "refused" in third.stderr and url in third.stderr


def test_a_witness_refuses_unknown_logs_and_bad_signatures(
    witnessed: tuple[Path, str, str], tmp_path: Path
) -> None:
    a, url, _ = witnessed
    note = make_checkpoint(a).note
    other = tmp_path / "other"
    LedgerDir.init(other, a / "terms.toml", at=Clock()()).close()
    assert httpx.post(url, content=f"old 0\n\n{make_checkpoint(other).note}").status_code == 404
    bad = note.replace(note.splitlines()[2], "A" * 43 + "=")  # another root, same signature
    assert httpx.post(url, content=f"old 0\n\n{bad}").status_code == 403
    assert httpx.post(url, content="nonsense").status_code == 400
