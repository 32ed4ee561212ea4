"""Access tokens of a ledger directory (`truce token new|list|revoke`): only hashes kept, secrets
checked in constant time, roles parsed and held to the terms, no token lost to concurrent
writers, and the CLI's output shape scripts rely on."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import truce_exe
from truce.app.tokens import list_tokens, new_token, parse_duration, revoke_token
from truce.errors import BadInput, IntegrityError
from truce.ledger.directory import LedgerDir
from truce.ledger.export import AUDIENCES
from truce.ledger.tokens import TOKENS, Role, TokenStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ENV = {**os.environ, "COLUMNS": "200"}


@pytest.fixture
def gaza(tmp_path: Path, gaza_dir: Path) -> Path:
    """A ledger directory bound to the 2023 terms (no events needed for tokens)."""
    d = tmp_path / "gaza"
    with LedgerDir.init(d, gaza_dir / "terms.toml", at=NOW):
        pass
    return d


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [truce_exe(), *map(str, args)], capture_output=True, text=True, timeout=120, env=ENV
    )


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "audience", "may_write"),
    [
        ("party:hamas", "parties", True),
        ("mediator:qatar-desk.2", "mediator", True),
        ("reader", "public", False),
        ("witness", "public", False),
    ],
)
def test_roles_parse_and_print_back(text: str, audience: str, may_write: bool) -> None:
    role = Role.parse(text)
    assert str(role) == text
    assert role.audience == audience and role.audience in AUDIENCES
    assert role.may_write is may_write
    assert Role.parse(str(role)) == role


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "got nothing"),
        ("admin", "expected party:ID, mediator:ID, reader or witness, got 'admin'"),
        ("Party:hamas", "expected party:ID"),
        ("party", "party needs an id"),
        ("party:", "party needs an id"),
        ("party:Hamas", "'Hamas' is not a party id"),
        ("party:a.b", "is not a party id"),
        ("party:" + "a" * 65, "is not a party id"),
        ("mediator:-x", "is not a label"),
        ("mediator:x y", "is not a label"),
        ("reader:alice", "reader takes no id"),
        ("witness:", "witness takes no id"),
        (" reader", "expected party:ID"),
    ],
)
def test_bad_roles_are_bad_input_naming_the_role(text: str, says: str) -> None:
    with pytest.raises(BadInput) as exc:
        Role.parse(text)
    assert exc.value.param == "role"
    assert says in exc.value.message


# --- the store ---------------------------------------------------------------------------------


def test_new_then_authenticate_round_trip(gaza: Path) -> None:
    store = TokenStore(gaza)
    secret, token = store.new(Role.parse("party:israel"), timedelta(days=30), NOW)
    assert secret.startswith(f"truce_{token.id}_") and len(token.id) == 12
    assert token.expires_at == NOW + timedelta(days=30) and token.revoked_at is None
    found = store.authenticate(secret, NOW + timedelta(days=1))
    assert found is not None and found.id == token.id and str(found.role) == "party:israel"
    # another store over the same directory (another process) finds it too
    assert TokenStore(gaza).authenticate(secret, NOW) == found
    assert [t.id for t in store.list()] == [token.id]


def test_what_does_not_authenticate(gaza: Path) -> None:
    store = TokenStore(gaza)
    secret, token = store.new(Role.parse("reader"), None, NOW)
    other, other_token = store.new(Role.parse("witness"), None, NOW)
    tail = secret[-43:]
    wrong_last = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    swapped = f"truce_{token.id}_{other[-43:]}"  # this id, the other token's random part
    assert store.authenticate(swapped, NOW) is None
    for garbage in (
        wrong_last,
        secret[:-1],
        secret + "A",
        secret.upper(),
        tail,
        "",
        "truce_",
        f"truce_{token.id}_",
        "Bearer " + secret,
        "truce_zzzzzzzzzzzz_" + "A" * 43,
        "truce_000000000000_" + "A" * 43,  # well formed, unknown id
        "\x00" * 62,
        "é" * 62,
        "x" * 100_000,
        None,
        42,
        b"truce_",
    ):
        assert store.authenticate(garbage, NOW) is None, garbage
    assert store.authenticate(secret, NOW) is not None
    assert store.authenticate(other, NOW) == other_token


def test_expired_and_revoked_tokens_do_not_authenticate(gaza: Path) -> None:
    store = TokenStore(gaza)
    secret, token = store.new(Role.parse("reader"), timedelta(hours=12), NOW)
    assert store.authenticate(secret, NOW + timedelta(hours=11, minutes=59)) is not None
    assert store.authenticate(secret, NOW + timedelta(hours=12)) is None
    kept, kept_token = store.new(Role.parse("witness"), None, NOW)
    assert store.authenticate(kept, NOW) is not None
    revoked = store.revoke(kept_token.id, NOW + timedelta(minutes=5))
    assert revoked.revoked_at == NOW + timedelta(minutes=5)
    assert store.authenticate(kept, NOW + timedelta(minutes=6)) is None
    assert TokenStore(gaza).authenticate(kept, NOW) is None  # revoked is revoked, whenever
    again = store.revoke(kept_token.id, NOW + timedelta(days=1))
    assert again.revoked_at == revoked.revoked_at
    with pytest.raises(BadInput) as exc:
        store.revoke("000000000000", NOW)
    assert exc.value.param == "token_id"
    assert token.id in {t.id for t in store.list()}


def test_only_the_hash_is_stored_in_a_private_file(gaza: Path) -> None:
    store = TokenStore(gaza)
    secrets_ = [store.new(Role.parse(r), None, NOW)[0] for r in ("reader", "party:hamas")]
    text = (gaza / TOKENS).read_text()
    for s in secrets_:
        assert s not in text
        assert s[-43:] not in text
    doc = json.loads(text)
    assert all(len(t["sha256"]) == 64 for t in doc["tokens"])
    assert stat.S_IMODE((gaza / TOKENS).stat().st_mode) == 0o600
    assert not list(gaza.glob(".tokens.json.*"))  # no temporary file left behind


def test_the_file_keeps_mode_0600_under_a_permissive_umask(gaza: Path) -> None:
    old = os.umask(0)
    try:
        TokenStore(gaza).new(Role.parse("reader"), None, NOW)
        TokenStore(gaza).new(Role.parse("reader"), None, NOW)
    finally:
        os.umask(old)
    assert stat.S_IMODE((gaza / TOKENS).stat().st_mode) == 0o600


def test_the_cache_sees_every_write(gaza: Path) -> None:
    """One store serving requests; another process writes between them."""
    server, admin = TokenStore(gaza), TokenStore(gaza)
    for _ in range(20):
        s, t = admin.new(Role.parse("reader"), None, NOW)
        assert server.authenticate(s, NOW) is not None
        admin.revoke(t.id, NOW)
        assert server.authenticate(s, NOW) is None


def test_a_damaged_file_is_an_integrity_error(gaza: Path) -> None:
    (gaza / TOKENS).write_text('{"version": 1, "tokens": [{"id": "x"}]}')
    with pytest.raises(IntegrityError, match=r"tokens\.json: token 1"):
        TokenStore(gaza).list()
    (gaza / TOKENS).write_text("not json")
    with pytest.raises(IntegrityError, match="not valid JSON"):
        TokenStore(gaza).new(Role.parse("reader"), None, NOW)


def test_naive_times_are_refused(gaza: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TokenStore(gaza).new(Role.parse("reader"), None, datetime(2026, 1, 1))


def _make_tokens(directory: str, n: int) -> list[str]:
    store = TokenStore(Path(directory))
    return [store.new(Role.parse("reader"), None, NOW)[1].id for _ in range(n)]


def test_concurrent_threads_lose_no_token(gaza: Path) -> None:
    made: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        ids = _make_tokens(str(gaza), 10)
        with lock:
            made.extend(ids)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 80
    assert sorted(t.id for t in TokenStore(gaza).list()) == sorted(made)


def test_concurrent_processes_lose_no_token(gaza: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(8, mp_context=ctx) as pool:
        results = list(pool.map(_make_tokens, [str(gaza)] * 8, [10] * 8))
    made = [i for ids in results for i in ids]
    assert len(made) == 80 == len(set(made))
    assert sorted(t.id for t in TokenStore(gaza).list()) == sorted(made)


# --- the use cases -----------------------------------------------------------------------------


def test_party_roles_must_name_a_party_of_the_terms(gaza: Path) -> None:
    with pytest.raises(BadInput) as exc:
        new_token(gaza, "party:nobody", expires=None, now=NOW)
    assert exc.value.param == "role"
    assert "'nobody' is not a party" in exc.value.message
    assert "hamas" in exc.value.message and "israel" in exc.value.message
    assert not (gaza / TOKENS).exists()
    made = new_token(gaza, "party:hamas", expires=None, now=NOW)
    assert made.role == "party:hamas" and made.active
    assert new_token(gaza, "mediator:anyone", expires=None, now=NOW).role == "mediator:anyone"


def test_use_cases_list_and_revoke_without_hashes(gaza: Path) -> None:
    a = new_token(gaza, "reader", expires=timedelta(days=1), now=NOW)
    b = new_token(gaza, "witness", expires=None, now=NOW)
    revoke_token(gaza, b.id, NOW)
    listed = list_tokens(gaza, NOW + timedelta(days=2))
    assert [(t.id, t.active) for t in listed] == [(a.id, False), (b.id, False)]
    assert listed[1].revoked_at == NOW
    for t in listed:
        assert "hash" not in t.model_dump() and "sha256" not in t.model_dump_json()
        assert "token" not in t.model_dump()


def test_not_a_ledger_directory(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not a ledger directory"):
        new_token(tmp_path, "reader", expires=None, now=NOW)
    with pytest.raises(BadInput, match="not a ledger directory"):
        list_tokens(tmp_path, NOW)


@pytest.mark.parametrize(
    ("text", "delta"),
    [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("90m", timedelta(minutes=90))],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize(
    "text", ["", "30", "d", "0d", "-1d", "1.5h", "3y", "1d2h", "99999999d", "4000d"]
)
def test_bad_durations(text: str) -> None:
    with pytest.raises(BadInput) as exc:
        parse_duration(text)
    assert exc.value.param == "expires"


# --- the command line --------------------------------------------------------------------------


def test_cli_new_list_revoke(gaza: Path) -> None:
    p = run("token", "new", gaza, "--role", "party:hamas", "--expires", "30d")
    assert p.returncode == 0, p.stderr
    secret = p.stdout.splitlines()[0]
    assert p.stdout == secret + "\n"
    token = TokenStore(gaza).authenticate(secret, datetime.now(UTC))
    assert token is not None and str(token.role) == "party:hamas"
    assert f"token {token.id} for party:hamas, expires " in p.stderr
    assert "shown once, store it now" in p.stderr

    p = run("token", "new", gaza, "--role", "reader")
    assert p.returncode == 0 and "expires never" in p.stderr
    reader = p.stdout.splitlines()[0]

    p = run("token", "list", gaza, "--json")
    assert p.returncode == 0, p.stderr
    listed = json.loads(p.stdout)
    assert [t["role"] for t in listed] == ["party:hamas", "reader"]
    assert all(t["active"] for t in listed)
    assert secret not in p.stdout and "sha256" not in p.stdout
    table = run("token", "list", gaza)
    assert table.returncode == 0 and token.id in table.stdout and "never" in table.stdout

    p = run("token", "revoke", gaza, token.id)
    assert p.returncode == 0 and f"token {token.id} (party:hamas) revoked at" in p.stdout
    assert TokenStore(gaza).authenticate(secret, datetime.now(UTC)) is None
    assert TokenStore(gaza).authenticate(reader, datetime.now(UTC)) is not None
    listed = json.loads(run("token", "list", gaza, "--json").stdout)
    assert [t["active"] for t in listed] == [False, True]


def test_cli_refuses_bad_roles_and_ids(gaza: Path) -> None:
    for role, says in (
        ("admin", "error: --role: expected party:ID, mediator:ID, reader or witness"),
        ("party:nobody", "error: --role: 'nobody' is not a party of this ledger's terms"),
    ):
        p = run("token", "new", gaza, "--role", role)
        assert p.returncode == 2 and p.stdout == "", (role, p.stdout, p.stderr)
        assert says in p.stderr
    p = run("token", "new", gaza, "--role", "reader", "--expires", "soon")
    assert p.returncode == 2 and "--expires" in p.stderr and p.stdout == ""
    p = run("token", "revoke", gaza, "000000000000")
    assert p.returncode == 2 and "no token '000000000000'" in p.stderr
    assert not (gaza / TOKENS).exists()
