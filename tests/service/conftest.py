"""A served copy of the 2023 ledger: the events recorded by 2023-11-30T06:00+02:00 (the night
the 06:30 list for day 7 came), tokens for every role, and the app over it in-process (for
route checks) or on a real uvicorn server on loopback (for streams, races and load)."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apsw
import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from tests.conftest import EXAMPLES
from truce.events import EVENT_ADAPTER
from truce.ledger.directory import LedgerDir
from truce.ledger.log import signing
from truce.ledger.record import record
from truce.ledger.tokens import Role, TokenStore
from truce.service.app import create_app
from truce.service.settings import Settings
from truce.service.witness import WitnessConfig

GAZA = EXAMPLES / "gaza-2023"
CUTOFF = datetime.fromisoformat("2023-11-30T06:00+02:00")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ROLES = ("reader", "witness", "party:hamas", "party:israel", "mediator:qatar")


class Clock:
    """A clock that moves one second per reading (log stamps stay ordered, tests repeatable)."""

    def __init__(self, t: datetime = NOW) -> None:
        self.t = t
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            self.t += timedelta(seconds=1)
            return self.t


def gaza_events(upto: datetime | None = CUTOFF) -> list[dict[str, Any]]:
    """The example's events (as JSON objects) recorded by ``upto``."""
    out = []
    for line in (GAZA / "ledger.jsonl").read_text().splitlines():
        obj = json.loads(line)
        if upto is None or datetime.fromisoformat(obj["recorded_at"]) <= upto:
            out.append(obj)
    return out


def list_7b() -> dict[str, Any]:
    """The 06:30 list for day 7, as the holder's liaison would submit it, restricted."""
    obj = next(o for o in gaza_events(None) if o["id"] == "list-7b")
    return obj | {"recorded_by": "hamas", "visibility": "mediator"}


@pytest.fixture(scope="session")
def built_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("served") / "gaza"
    clock = Clock()
    with LedgerDir.init(d, GAZA / "terms.toml", at=NOW) as ld:
        evs = [EVENT_ADAPTER.validate_python(o) for o in gaza_events()]
        record(ld, evs, [f"seed:{e.id}" for e in evs], clock=clock)
    return d


@dataclass
class Served:
    path: Path
    ledger_id: str
    tokens: dict[str, str]
    client: TestClient
    clock: Clock

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def url(self, rest: str = "") -> str:
        return f"/v1/agreements/{self.ledger_id}{rest}"


def make_tokens(path: Path) -> dict[str, str]:
    store = TokenStore(path)
    return {r: store.new(Role.parse(r), None, NOW)[0] for r in ROLES}


@pytest.fixture
def served(built_ledger: Path, tmp_path: Path) -> Iterator[Served]:
    p = tmp_path / "gaza"
    shutil.copytree(built_ledger, p)
    tokens = make_tokens(p)
    clock = Clock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    with LedgerDir.open(p) as d:  # the server witnesses its own log (a C2SP witness route)
        logs = {d.origin: (None, d.log_public_key())}
    witness = WitnessConfig("served.example/witness", signing.new_key(), tmp_path / "w.json", logs)
    settings = Settings(
        rate=10_000,
        burst=10_000,
        scenarios={"pause": GAZA / "scenario-pause.toml"},
        routes={"gaza-2023": GAZA / "route.toml"},
        witness=witness,
    )
    app = create_app([p], clock=clock, settings=settings)
    with TestClient(app) as client:
        lid = next(iter(app.state.hub.ledgers))
        yield Served(p, lid, tokens, client, clock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    base: str
    ledger_id: str
    tokens: dict[str, str]
    path: Path

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def url(self, rest: str = "") -> str:
        return f"{self.base}/v1/agreements/{self.ledger_id}{rest}"


@contextmanager
def running(app: Any) -> Iterator[str]:
    """``app`` on a real uvicorn server on 127.0.0.1 (a thread of this process): its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        t.join(10)


def rewrite_entry(ledger: Path, seq: int = 3) -> None:
    """Edit a stored entry behind the ledger's back, consistently (its bytes and its hash), as
    an operator rewriting history would: a note of the 24 Nov release says 17:00, not 16:00."""
    from truce.ledger.log import merkle

    # Through apsw, the SQLite the store itself uses: a second SQLite library in this process
    # (the stdlib's) would drop the server's POSIX locks on the file when it closes, and the
    # server's next read could fail with "disk I/O error".
    db = apsw.Connection(str(ledger / "ledger.db"))
    try:
        with db:
            tables = [t for (t,) in db.execute("select name from sqlite_master where type='table'")]
            table = next(t for t in tables if "entr" in t)
            row = db.execute(f"select data from {table} where seq = ?", (seq,)).fetchone()
            assert row is not None
            data = bytes(row[0])
            new = data.replace(b"Handover about 16", b"Handover about 17", 1)
            assert new != data
            db.execute(
                f"update {table} set data = ?, hash = ? where seq = ?",
                (new, merkle.leaf_hash(new), seq),
            )
    finally:
        db.close()


@pytest.fixture
def live(built_ledger: Path, tmp_path: Path) -> Iterator[Live]:
    """The app on a real uvicorn server on 127.0.0.1 (a thread of this process)."""
    p = tmp_path / "gaza"
    shutil.copytree(built_ledger, p)
    tokens = make_tokens(p)
    app = create_app(
        [p],
        clock=Clock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        settings=Settings(rate=10_000, burst=10_000, stream_poll=0.2),
    )
    with running(app) as base:
        yield Live(base, next(iter(app.state.hub.ledgers)), tokens, p)
