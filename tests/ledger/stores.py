"""The stores the contract suite runs against: each entry opens a fresh, empty store.

Every store in ``truce.ledger`` must be listed here; the contract tests run on all of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from truce.ledger.memory import MemoryLedger
from truce.ledger.sql import SqlLedger
from truce.ledger.sqlite import SqliteLedger
from truce.ledger.store import Ledger

Factory = Callable[[Path, str], Ledger]


def _memory(tmp: Path, pg_url: str) -> Ledger:
    return MemoryLedger()


FACTORIES: dict[str, Factory] = {
    "memory": _memory,
    "postgresql": lambda tmp, pg: SqlLedger.open(pg, ledger=uuid.uuid4().hex),
    "sqlite": lambda tmp, pg: SqliteLedger.open(tmp / "ledger.db"),
}
