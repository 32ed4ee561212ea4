"""Making and copying ledger directories, one function each: init, sync, clone, backup. Every
copy is verified before it is reported; a refused or interrupted one leaves nothing behind.

Time is an argument (``now``): the interface reads the clock, never these functions.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truce.app.ledger import head_out
from truce.app.ledger_schemas import CopyOut, InitOut, SyncOut
from truce.errors import BadInput
from truce.ledger.directory import CONFIG, DB, LOG_PUB, TERMS, LedgerDir
from truce.ledger.replicate import clone, sync
from truce.ledger.verify import verify


def init_ledger(
    directory: Path,
    terms: Path,
    *,
    now: datetime,
    store: str = "sqlite",
    key: Ed25519PrivateKey | None = None,
) -> InitOut:
    """Create a ledger directory bound to a terms file, its base terms set at ``now``; where the
    terms give the reference party a public key, ``key`` must be its private key (it signs the
    base terms)."""
    with LedgerDir.init(directory, terms, at=now, store=store, key=key) as d:
        return InitOut(
            ledger=d.ledger_id,
            directory=str(directory),
            terms_digest=d.base.digest,
            agreement=d.terms.agreement.name,
            log_key=str(directory / LOG_PUB),
        )


def sync_ledger(directory: Path, source: Path) -> SyncOut:
    """Pull the entries we lack from another copy of the same ledger; refuse anything
    inconsistent with what we hold (entries or signed checkpoints)."""
    with LedgerDir.open(directory) as d, LedgerDir.open(source) as s:
        n = sync(d, s)
        return SyncOut(pulled=n, head=head_out(d.store.head()))


def clone_ledger(source: Path, dest: Path, store: str = "sqlite") -> CopyOut:
    """A party's own copy of a ledger in a new directory (its own store, the log's public key
    only), every entry checked on the way in; kept current afterwards with ``sync_ledger``."""
    with LedgerDir.open(source) as s, clone(s, dest, store) as c:
        rep = verify(c)
        return CopyOut(directory=str(dest), events=rep.events, head=head_out(rep.head))


def backup_ledger(directory: Path, dest: Path) -> CopyOut:
    """An online backup of a SQLite-stored ledger into a new directory (the SQLite backup API),
    verified before it is reported; a backup that fails or does not verify is removed."""
    from truce.ledger.store.sqlite import SqliteLedger

    with LedgerDir.open(directory) as d:
        if not isinstance(d.store, SqliteLedger):
            raise BadInput("backup copies a SQLite store; for a server use its own tools")
        if dest.exists():
            raise BadInput("already exists", where=str(dest))
        dest.mkdir(parents=True)
        try:
            for name in (CONFIG, TERMS):
                shutil.copyfile(directory / name, dest / name)
            (dest / "keys").mkdir(mode=0o700)
            shutil.copyfile(directory / LOG_PUB, dest / LOG_PUB)
            d.store.backup(dest / DB)
            with LedgerDir.open(dest) as b:
                rep = verify(b)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)  # no half-made or unverified backup
            raise
    return CopyOut(directory=str(dest), events=rep.events, head=head_out(rep.head))


__all__ = ["backup_ledger", "clone_ledger", "init_ledger", "sync_ledger"]
