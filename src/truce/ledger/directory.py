"""A ledger directory: its config, the terms it is bound to, its store, its log key.

Layout::

    DIR/ledger.toml     ledger id, checkpoint origin, store ("sqlite" or a SQLAlchemy URL)
    DIR/terms.toml      the base terms (their digest is in the first, hashed event)
    DIR/ledger.db       the SQLite store (the default)
    DIR/keys/log.key    the log's Ed25519 key that signs checkpoints (PKCS8, mode 0600;
                        encrypted when TRUCE_PASSPHRASE is set) and keys/log.pub
    DIR/people.db       personal data, encrypted per person (only if recorded), pseudonym.key
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from truce.engine.versions import Amendment
from truce.errors import BadInput, IntegrityError, MissingExtra
from truce.events import EVENT_ADAPTER, Event, TermsSet
from truce.ledger import merkle, signing
from truce.ledger.history import History
from truce.ledger.leaf import canonical, decode_leaf
from truce.ledger.store import Ledger, Stored
from truce.terms import Terms, load_terms, parse_terms

CONFIG = "ledger.toml"
DB = "ledger.db"
TERMS = "terms.toml"
LOG_KEY = Path("keys") / "log.key"
LOG_PUB = Path("keys") / "log.pub"
LOG_NAME = "log"
LEDGER_TYPES = ("terms_set", "key_added", "key_revoked")


def passphrase() -> bytes | None:
    """The passphrase for private keys at rest, from TRUCE_PASSPHRASE (None: unencrypted, 0600)."""
    value = os.environ.get("TRUCE_PASSPHRASE")
    return value.encode() if value else None


def event_json(ev: Event) -> dict[str, Any]:
    """The JSON mapping of an event as hashed: defaults left out, so it reads like the input."""
    return ev.model_dump(mode="json", exclude_defaults=True)


@dataclass(frozen=True)
class Record:
    """One stored entry, decoded: the event, its signature (key id, bytes) and visibility."""

    stored: Stored
    event: Event
    sig: tuple[str, bytes] | None
    visibility: str

    @property
    def seq(self) -> int:
        return self.stored.seq


@dataclass(frozen=True)
class TermsVersion:
    """Terms in force from ``effective_at`` (the base terms: from the start), set at ``seq``."""

    version: int
    seq: int
    effective_at: datetime
    terms: Terms
    digest: str
    ref: str


def decode(st: Stored, ledger_id: str) -> Record:
    """Parse one stored leaf back into an event; any mismatch is an IntegrityError at its seq."""
    obj = decode_leaf(st.leaf.data, st.seq)
    if obj["ledger"] != ledger_id:
        raise IntegrityError(
            f"seq {st.seq}: belongs to ledger {obj['ledger']!r}, not {ledger_id!r}",
            seq=st.seq,
            kind="ledger",
        )
    try:
        ev = EVENT_ADAPTER.validate_python(obj["event"])
    except ValidationError as exc:
        raise IntegrityError(
            f"seq {st.seq}: stored event is not valid ({exc.errors()[0]['msg']})",
            seq=st.seq,
            kind="body",
        ) from None
    if canonical(event_json(ev)) != canonical(obj["event"]):
        raise IntegrityError(
            f"seq {st.seq}: stored event is not in canonical form", seq=st.seq, kind="body"
        )
    sig = obj["sig"]
    pair: tuple[str, bytes] | None = None
    if sig is not None:
        try:
            pair = (str(sig["key"]), base64.b64decode(sig["value"], validate=True))
        except (KeyError, TypeError, ValueError):
            raise IntegrityError(
                f"seq {st.seq}: malformed signature", seq=st.seq, kind="signature"
            ) from None
    return Record(st, ev, pair, obj["visibility"])


def open_store(path: Path, store: str, ledger_id: str) -> Ledger:
    """The store a directory's config names: "sqlite" (DIR/ledger.db) or a SQLAlchemy URL."""
    if store == "sqlite":
        from truce.ledger.sqlite import SqliteLedger

        return SqliteLedger.open(path / DB)
    if store == "memory":
        from truce.ledger.memory import MemoryLedger

        return MemoryLedger()
    try:
        from truce.ledger.sql import SqlLedger
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("SQLAlchemy/psycopg", "postgres") from exc
    return SqlLedger.open(store, ledger=ledger_id)


class LedgerDir:
    """One ledger directory, opened: config, store, decoded records, terms versions."""

    def __init__(self, path: Path, config: dict[str, str], store: Ledger) -> None:
        self.path = path
        self.ledger_id = config["ledger_id"]
        self.origin = config["origin"]
        self.store_url = config["store"]
        self.store = store

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        path: Path,
        terms_path: Path,
        *,
        at: datetime,
        store: str = "sqlite",
        recorded_by: str = "truce",
    ) -> LedgerDir:
        """Create a ledger directory bound to a terms file; its first event sets those terms."""
        terms = load_terms(terms_path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise BadInput("exists and is not an empty directory", where=str(path))
        ledger_id = f"truce-{uuid.uuid4().hex[:16]}"
        config = {"ledger_id": ledger_id, "origin": f"truce/{ledger_id}", "store": store}
        path.mkdir(parents=True, exist_ok=True)
        (path / "keys").mkdir(mode=0o700)
        key = signing.new_key()
        signing.save_private_key(path / LOG_KEY, key, passphrase())
        (path / LOG_PUB).write_text(signing.public_key_text(key.public_key()) + "\n")
        shutil.copyfile(terms_path, path / TERMS)
        write_config(path / CONFIG, config)
        st = open_store(path, store, ledger_id)
        st.set_meta("ledger_id", ledger_id)
        st.set_meta("origin", config["origin"])
        d = cls(path, config, st)
        ev = TermsSet(
            id="terms-1",
            type="terms_set",
            at=at,
            recorded_at=at,
            effective_at=at,
            declared_by=terms.parties.reference,
            recorded_by=recorded_by,
            terms=terms.model_dump(mode="json", by_alias=True, exclude_none=True),
            digest=terms.digest(),
            note=f"base terms from {terms_path.name}",
        )
        from truce.ledger.leaf import encode_leaf

        st.append([encode_leaf(ledger_id, event_json(ev))], expected_size=0)
        return d

    @classmethod
    def open(cls, path: Path, terms_path: Path | None = None) -> LedgerDir:
        """Open an existing directory; a ``terms_path`` must match the bound terms."""
        cfg_path = path / CONFIG
        if not cfg_path.is_file():
            raise BadInput(
                f"not a ledger directory (no {CONFIG}); create one with `truce init`",
                where=str(path),
            )
        try:
            raw = tomllib.loads(cfg_path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInput(f"not valid TOML: {exc}", where=str(cfg_path)) from None
        config = {k: str(raw.get(k, "")) for k in ("ledger_id", "origin", "store")}
        missing = [k for k, v in config.items() if not v]
        if missing:
            raise BadInput(f"missing {', '.join(missing)}", where=str(cfg_path))
        d = cls(path, config, open_store(path, config["store"], config["ledger_id"]))
        stored_id = d.store.get_meta("ledger_id")
        if stored_id is not None and stored_id != d.ledger_id:
            raise IntegrityError(
                f"{cfg_path} names ledger {d.ledger_id!r} but the store holds {stored_id!r}",
                kind="config",
            )
        if terms_path is not None:
            given = load_terms(terms_path).digest()
            if given != d.base.digest:
                raise BadInput(
                    f"differs from the terms this ledger is bound to (digest {d.base.digest[:16]}, "
                    f"given {given[:16]}); leave out --terms, or record an amendment",
                    where=str(terms_path),
                )
        return d

    def close(self) -> None:
        """Release the store."""
        self.store.close()

    def __enter__(self) -> LedgerDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def records(self) -> Iterator[Record]:
        """Every stored entry, decoded, in sequence order."""
        for st in self.store.read():
            yield decode(st, self.ledger_id)

    @cached_property
    def all_records(self) -> list[Record]:
        """Every record, read once per opened directory (call ``refresh`` after appending)."""
        return list(self.records())

    def refresh(self) -> None:
        """Read what was appended since the last read (the log only grows; ``reload`` re-reads
        everything, as verify does)."""
        recs: list[Record] | None = self.__dict__.get("all_records")
        if recs is None:
            return
        new = [decode(st, self.ledger_id) for st in self.store.read(len(recs) + 1)]
        if new:
            recs.extend(new)
            if any(r.event.type == "terms_set" for r in new):
                self.__dict__.pop("versions", None)
            keys = self.__dict__.get("key_records")
            if keys is not None:
                keys.extend(r for r in new if r.event.type in ("key_added", "key_revoked"))

    def record_of(self, event_id: str) -> Record | None:
        """The stored record of an event id (looked up in the store's index)."""
        st = self.store.get(event_id)
        if st is None:
            return None
        if st.seq > len(self.all_records):  # appended by another writer since the last read
            self.refresh()
        return self.all_records[st.seq - 1]

    @cached_property
    def key_records(self) -> list[Record]:
        """The key events (added, revoked), in order."""
        return [r for r in self.all_records if r.event.type in ("key_added", "key_revoked")]

    def reload(self) -> None:
        """Forget every cached read."""
        for name in ("all_records", "versions", "_history", "key_records"):
            self.__dict__.pop(name, None)

    @cached_property
    def versions(self) -> list[TermsVersion]:
        """The terms versions in ledger order: the base first, then amendments."""
        out: list[TermsVersion] = []
        for r in self.all_records:
            if isinstance(r.event, TermsSet):
                out.append(terms_version(r.event, r.seq, len(out) + 1))
        if not out:
            raise IntegrityError(
                "the ledger has no terms_set event: it is not bound to terms", seq=1, kind="terms"
            )
        return out

    @property
    def base(self) -> TermsVersion:
        """The base terms (the first terms_set event)."""
        return self.versions[0]

    @property
    def terms(self) -> Terms:
        """The base terms the engine runs on (amendments apply from their effective time)."""
        return self.base.terms

    def history(self) -> History:
        """The deal's events as an engine history (refs ``event:<id>``, origins ``seq N``);
        terms and key events govern the ledger itself and are left out. Kept, and extended
        with what was appended since; callers get a copy they may extend."""
        cached: tuple[int, History] | None = self.__dict__.get("_history")
        recs = self.all_records
        done, h = cached if cached is not None else (0, History())
        new = [r for r in recs[done:] if r.event.type not in LEDGER_TYPES]
        if new:
            h.extend((r.event for r in new), None, (f"{self.path.name} seq {r.seq}" for r in new))
        h.amendments = self.amendments()
        self.__dict__["_history"] = (len(recs), h)
        return h.copy()

    def amendments(self) -> list[Amendment]:
        """The terms versions after the base, for the engine."""
        recs = self.all_records  # in sequence order from 1
        return [
            Amendment(v.effective_at, v.terms, v.ref, recs[v.seq - 1].event.recorded_at)
            for v in self.versions[1:]
        ]

    def tree(self) -> merkle.Tree:
        """The Merkle tree over every stored leaf (for roots of past sizes and proofs)."""
        return merkle.Tree(r.stored.hash for r in self.all_records)

    def log_public_key(self) -> Ed25519PublicKey:
        """The log's public key (checkpoint signer)."""
        try:
            return signing.parse_public_key((self.path / LOG_PUB).read_text().strip())
        except FileNotFoundError:
            raise BadInput("missing the log's public key", where=str(self.path / LOG_PUB)) from None

    def log_private_key(self) -> Ed25519PrivateKey:
        """The log's private key, to sign checkpoints (passphrase from TRUCE_PASSPHRASE)."""
        return signing.load_private_key(self.path / LOG_KEY, passphrase())


def write_config(path: Path, config: dict[str, str]) -> None:
    """Write a directory's ledger.toml (ledger id, checkpoint origin, store)."""
    lines = [f"{k} = {json.dumps(v)}" for k, v in config.items()]
    path.write_text("# truce ledger directory (see docs/store.md)\n" + "\n".join(lines) + "\n")


def terms_version(ev: TermsSet, seq: int, version: int) -> TermsVersion:
    """A terms_set event (at ``seq``) as a TermsVersion; its digest must match its terms."""
    try:
        terms = parse_terms(ev.terms, where=f"seq {seq}")
    except BadInput as exc:
        raise IntegrityError(str(exc), seq=seq, kind="terms") from None
    digest = terms.digest()
    if digest != ev.digest:
        raise IntegrityError(
            f"seq {seq}: terms digest {ev.digest[:16]} does not match the terms ({digest[:16]})",
            seq=seq,
            kind="terms",
        )
    return TermsVersion(version, seq, ev.effective_at, terms, digest, f"event:{ev.id}")
