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

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from truce.engine.incremental import Incremental
from truce.errors import BadInput, IntegrityError, LedgerError, MissingExtra
from truce.events import EVENT_ADAPTER, Event, TermsSet
from truce.history import History
from truce.ledger.authority import LEDGER_TYPES, Authority, TermsVersion
from truce.ledger.fastparse import Fallback, fast_events
from truce.ledger.log import merkle, signing
from truce.ledger.log.leaf import (
    LEAF_KEYS,
    VISIBILITIES,
    canonical,
    decode_leaf,
    parse_stamp,
)
from truce.ledger.store.contract import Ledger, Stored
from truce.terms import Terms, load_terms
from truce.versions import Amendment

CONFIG = "ledger.toml"
DB = "ledger.db"
TERMS = "terms.toml"
LOG_KEY = Path("keys") / "log.key"
LOG_PUB = Path("keys") / "log.pub"


def passphrase() -> bytes | None:
    """The passphrase for private keys at rest, from TRUCE_PASSPHRASE (None: unencrypted, 0600)."""
    value = os.environ.get("TRUCE_PASSPHRASE")
    return value.encode() if value else None


def event_json(ev: Event) -> dict[str, Any]:
    """The JSON mapping of an event as hashed: defaults left out, so it reads like the input."""
    return ev.model_dump(mode="json", exclude_defaults=True)


@dataclass(frozen=True)
class Record:
    """One stored entry, decoded: the event, its signature (key id, bytes), visibility, and the
    log's stamp (when it was appended; None in version-1 leaves)."""

    stored: Stored
    event: Event
    sig: tuple[str, bytes] | None
    visibility: str
    stamp: datetime | None = None

    @property
    def seq(self) -> int:
        return self.stored.seq


_SORTED = msgspec.json.Encoder(order="sorted")


def decode(st: Stored, ledger_id: str) -> Record:
    """Parse one stored leaf back into an event; any mismatch is an IntegrityError at its seq.

    The fast way first: one pass decodes and validates the leaf (truce.ledger.fastparse), and
    the stored bytes must be exactly the canonical leaf of what was decoded, with the event as
    ``event_json`` gives it: that one comparison stands for the checks below (the bytes are a
    canonical leaf, the event in canonical form). Anything else is read the careful way, which
    names what is wrong."""
    data = st.leaf.data
    try:
        ev, leaf = fast_events().leaf(data)
    except Fallback:
        return _decode(st, ledger_id)
    if leaf.ledger != ledger_id or leaf.visibility not in VISIBILITIES:
        return _decode(st, ledger_id)
    sig = None if leaf.sig is None else {"key": leaf.sig.key, "value": leaf.sig.value}
    obj: dict[str, Any] = {
        "event": event_json(ev),
        "ledger": leaf.ledger,
        "sig": sig,
        "v": leaf.v,
        "visibility": leaf.visibility,
    }
    if leaf.t is not msgspec.UNSET:
        obj["t"] = leaf.t
    # Bytes without a backslash hold no escaped character: there msgspec's sorted, compact
    # encoding is byte for byte ``canonical``'s (and any difference sends it the careful way).
    enc = _SORTED.encode(obj) if b"\\" not in data else canonical(obj)
    if set(obj) != LEAF_KEYS.get(leaf.v) or enc != data:
        return _decode(st, ledger_id)
    return _finish(st, ev, obj)


def _decode(st: Stored, ledger_id: str) -> Record:
    """``decode`` the careful way: each check in turn, each with its own message."""
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
    return _finish(st, ev, obj)


def _finish(st: Stored, ev: Event, obj: dict[str, Any]) -> Record:
    """The record of a decoded leaf: its signature and stamp, checked."""
    sig = obj["sig"]
    pair: tuple[str, bytes] | None = None
    if sig is not None:
        try:
            pair = (str(sig["key"]), base64.b64decode(sig["value"], validate=True))
        except (KeyError, TypeError, ValueError):
            raise IntegrityError(
                f"seq {st.seq}: malformed signature", seq=st.seq, kind="signature"
            ) from None
    stamp = parse_stamp(obj["t"], st.seq) if "t" in obj else None
    return Record(st, ev, pair, obj["visibility"], stamp)


def open_store(path: Path, store: str, ledger_id: str) -> Ledger:
    """The store a directory's config names: "sqlite" (DIR/ledger.db) or a SQLAlchemy URL."""
    if store == "sqlite":
        from truce.ledger.store.sqlite import SqliteLedger

        if (path / DB).is_file() and (path / DB).stat().st_size == 0:
            # SQLite would take it for a new database and write a fresh schema into it; a
            # directory's store holds its terms from `truce init` on, so it was truncated.
            raise IntegrityError(f"{path / DB} is empty (0 bytes): the store was truncated")
        return SqliteLedger.open(path / DB)
    if store == "memory":
        from truce.ledger.store.memory import MemoryLedger

        return MemoryLedger()
    try:
        from truce.ledger.store.sql import SqlLedger
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
        key: Ed25519PrivateKey | None = None,
    ) -> LedgerDir:
        """Create a ledger directory bound to a terms file; its first event sets those terms,
        declared by the reference party (signed with ``key`` where the terms give it a key).
        Built beside ``path`` and moved into place whole, so an interrupted init leaves no
        half-made ledger."""
        terms = load_terms(terms_path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise BadInput("exists and is not an empty directory", where=str(path))
        ref = terms.parties.reference
        ref_key = next(p.public_key for p in terms.parties.all() if p.id == ref)
        if ref_key is not None and key is None:
            raise BadInput(
                f"the reference party {ref!r} has a signing key in the terms: the base terms "
                f"are signed with it (give {ref}'s private key)",
                param="key",
            )
        if key is not None and signing.public_key_text(key.public_key()) != ref_key:
            raise BadInput(
                f"this key is not the key the terms give the reference party {ref!r}"
                + ("" if ref_key else " (they give it none: register one later with keys add)"),
                param="key",
            )
        ledger_id = f"truce-{uuid.uuid4().hex[:16]}"
        config = {"ledger_id": ledger_id, "origin": f"truce/{ledger_id}", "store": store}
        path.parent.mkdir(parents=True, exist_ok=True)
        work = path.parent / f".{path.name}.init-{uuid.uuid4().hex[:8]}"
        work.mkdir()
        try:
            (work / "keys").mkdir(mode=0o700)
            log_key = signing.new_key()
            signing.save_private_key(work / LOG_KEY, log_key, passphrase())
            (work / LOG_PUB).write_text(signing.public_key_text(log_key.public_key()) + "\n")
            shutil.copyfile(terms_path, work / TERMS)
            write_config(work / CONFIG, config)
            ev = TermsSet(
                id="terms-1",
                type="terms_set",
                at=at,
                recorded_at=at,
                effective_at=at,
                declared_by=ref,
                recorded_by=recorded_by,
                terms=terms.model_dump(mode="json", by_alias=True, exclude_none=True),
                digest=terms.digest(),
                note=f"base terms from {terms_path.name}",
            )
            body = event_json(ev)
            sig = None
            if key is not None:
                value = signing.sign_event(key, ledger_id, ev.type, ev.id, canonical(body))
                sig = (signing.key_id(key.public_key()), value)
            from truce.ledger.log.leaf import encode_leaf

            st = open_store(work, store, ledger_id)
            try:
                st.set_meta("ledger_id", ledger_id)
                st.set_meta("origin", config["origin"])
                st.append([encode_leaf(ledger_id, body, "public", sig, at)], expected_size=0)
            finally:
                st.close()
            if path.exists():
                path.rmdir()
            work.rename(path)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return cls.open(path)

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
        if config["store"] == "sqlite" and not (path / DB).is_file():
            # SQLite would create an empty store; a directory holds one from `truce init` on.
            raise IntegrityError(
                f"{path / DB} is missing: the store was deleted or moved", kind="sqlite"
            )
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
            auth = self.__dict__.get("authority")
            if auth is not None:
                self._admit(auth, new)

    def record_of(self, event_id: str) -> Record | None:
        """The stored record of an event id (looked up in the store's index)."""
        st = self.store.get(event_id)
        if st is None:
            return None
        if st.seq > len(self.all_records):  # appended by another writer since the last read
            self.refresh()
        return self.all_records[st.seq - 1]

    def reload(self) -> None:
        """Forget every cached read."""
        for name in ("all_records", "authority", "_engine", "_tree"):
            self.__dict__.pop(name, None)

    @cached_property
    def authority(self) -> Authority:
        """Who may do what, after every stored entry: terms versions, pending amendments,
        keys. Read without re-checking signatures (``verify`` checks them)."""
        auth = Authority(self.ledger_id)
        self._admit(auth, self.all_records)
        return auth

    def _admit(self, auth: Authority, recs: list[Record]) -> None:
        for r in recs:
            try:
                auth.admit(r.seq, r.event, r.sig, r.stamp, f"seq {r.seq}", check_signature=False)
            except LedgerError as exc:
                raise IntegrityError(
                    f"the stored entries break the ledger's rules: {exc}", seq=r.seq, kind="rules"
                ) from None

    @property
    def versions(self) -> list[TermsVersion]:
        """The terms versions in force, in order: the base first, then amendments every party
        the terms name has assented to."""
        return self.authority.versions

    @property
    def base(self) -> TermsVersion:
        """The base terms (the first terms_set event)."""
        if not self.versions:
            raise IntegrityError(
                "the ledger has no terms_set event: it is not bound to terms", seq=1, kind="terms"
            )
        return self.versions[0]

    @property
    def terms(self) -> Terms:
        """The base terms the engine runs on (amendments apply from their effective time)."""
        return self.base.terms

    def engine(self) -> Incremental:
        """The deal's events as an engine history with its state kept up to date (refs
        ``event:<id>``, origins ``seq N``): terms and key events govern the ledger itself and
        are left out. Kept, and extended with what was appended since, so an append is judged
        from the state before it (``record.check_rules``). Only read it: extend it through
        ``record``."""
        cached: tuple[int, Incremental] | None = self.__dict__.get("_engine")
        recs = self.all_records
        if cached is None:
            terms = self.versions[0].terms if self.versions else None
            cached = (0, Incremental(terms))
        done, inc = cached
        new = [r for r in recs[done:] if r.event.type not in LEDGER_TYPES]
        inc.extend(
            (r.event for r in new),
            None,
            (f"{self.path.name} seq {r.seq}" for r in new),
            (None if r.stamp is None else r.stamp.timestamp() for r in new),
            self.amendments(),
        )
        self.__dict__["_engine"] = (len(recs), inc)
        return inc

    def history(self) -> History:
        """The deal's events as an engine history (see ``engine``); callers get a copy they
        may extend."""
        return self.engine().history.copy()

    def amendments(self) -> list[Amendment]:
        """The terms versions after the base, for the engine, each known from when its last
        assent was stamped."""
        return self.authority.amendments()

    def tree(self) -> merkle.Tree:
        """The Merkle tree over every stored leaf (for roots of past sizes, proofs and tiles),
        kept and extended with what was appended since (the log only grows)."""
        recs = self.all_records
        t: merkle.Tree | None = self.__dict__.get("_tree")
        if t is None or t.size > len(recs):
            t = self.__dict__["_tree"] = merkle.Tree()
        if t.size < len(recs):
            t.append(r.stored.hash for r in recs[t.size :])
        return t

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
