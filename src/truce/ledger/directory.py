"""A ledger directory: its config, the terms it is bound to, its store, its log key.

Layout::

    DIR/ledger.toml     ledger id, checkpoint origin, store ("sqlite" or a SQLAlchemy URL)
    DIR/terms.toml      the base terms (their digest is in the first, hashed event)
    DIR/ledger.db       the SQLite store (the default)
    DIR/keys/log.key    the log's Ed25519 key that signs checkpoints (PKCS8, mode 0600;
                        encrypted when TRUCE_PASSPHRASE is set) and keys/log.pub
    DIR/people.db       personal data, encrypted per person (only if recorded), pseudonym.key
    DIR/engine.snapshot the engine's state for ``record`` (a cache: ``truce.ledger.snapshot``)
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

from truce.engine.freeze import NotFrozen, freeze, thaw
from truce.engine.incremental import Incremental
from truce.errors import BadInput, IntegrityError, LedgerError, MissingExtra
from truce.events import EVENT_ADAPTER, Event, TermsSet
from truce.history import History
from truce.ledger import snapshot
from truce.ledger.authority import LEDGER_TYPES, Authority, Refused, TermsVersion
from truce.ledger.fastparse import Fallback, collector_paused, fast_events
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
LAZY_PAGE = 256
"""Entries read at once when a resumed history's entry asks for its event."""


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
        self.resume = False  # read from the engine snapshot where one serves (see ``open``)

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
    def open(cls, path: Path, terms_path: Path | None = None, *, resume: bool = False) -> LedgerDir:
        """Open an existing directory; a ``terms_path`` must match the bound terms.
        ``resume``: read the engine's state from its snapshot where one serves
        (``truce.ledger.snapshot``), for a process that appends: the history's old events are
        then read from the store only when something asks for them, so the directory must
        stay open while its engine state is in use."""
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
        d.resume = resume
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
        with collector_paused():
            return list(self.records())

    def refresh(self) -> None:
        """Read what was appended since the last read (the log only grows; ``reload`` re-reads
        everything, as verify does)."""
        recs: list[Record] | None = self.__dict__.get("all_records")
        lazy: _Resumed | None = self.__dict__.get("_resumed")
        if recs is not None:
            self.__dict__.pop("_resumed", None)  # every record is read: the snapshot's part done
            lazy = None
        elif lazy is None:
            return
        n = len(recs) if recs is not None else self.size()
        new = [decode(st, self.ledger_id) for st in self.store.read(n + 1)]
        if new:
            if recs is not None:
                recs.extend(new)
            if lazy is not None:
                lazy.add(new)
            auth = self.__dict__.get("authority")
            if auth is not None:
                self._admit(auth, new)

    def size(self) -> int:
        """How many entries have been read (``refresh`` reads what was appended since)."""
        recs: list[Record] | None = self.__dict__.get("all_records")
        lazy: _Resumed | None = self.__dict__.get("_resumed")
        if recs is None and lazy is not None:
            return lazy.size
        return len(self.all_records)

    def last_record(self) -> Record | None:
        """The last entry read."""
        recs: list[Record] | None = self.__dict__.get("all_records")
        lazy: _Resumed | None = self.__dict__.get("_resumed")
        if recs is None and lazy is not None:
            return lazy.last
        return self.all_records[-1] if self.all_records else None

    def _after(self, n: int) -> list[Record]:
        """The records after the first ``n`` read."""
        lazy: _Resumed | None = self.__dict__.get("_resumed")
        if "all_records" not in self.__dict__ and lazy is not None:
            return lazy.after(n)
        return self.all_records[n:]

    def record_of(self, event_id: str) -> Record | None:
        """The stored record of an event id (looked up in the store's index)."""
        st = self.store.get(event_id)
        if st is None:
            return None
        if "all_records" not in self.__dict__ and "_resumed" in self.__dict__:
            return decode(st, self.ledger_id)
        if st.seq > len(self.all_records):  # appended by another writer since the last read
            self.refresh()
        return self.all_records[st.seq - 1]

    def reload(self) -> None:
        """Forget every cached read."""
        for name in ("all_records", "authority", "_engine", "_tree", "_resumed", "_page"):
            self.__dict__.pop(name, None)

    @cached_property
    def authority(self) -> Authority:
        """Who may do what, after every stored entry: terms versions, pending amendments,
        keys. Read without re-checking signatures (``verify`` checks them). Without the
        records read, from the engine snapshot where one serves (``_resume``)."""
        if self.resume and "all_records" not in self.__dict__:
            got = self._resume()
            if got is not None:
                return got
        auth = Authority(self.ledger_id)
        self._admit(auth, self.all_records)
        return auth

    # -- the engine snapshot -----------------------------------------------------------------

    def _resume(self) -> Authority | None:
        """Read the ledger from its engine snapshot (``truce.ledger.snapshot``): the entries it
        covers are hashed (their Merkle root must be the snapshot's) but not decoded, save
        those that govern the ledger (terms, keys, assents); the entries after it are read
        as usual. Sets the kept engine; None where no snapshot serves."""
        snap = snapshot.read(self.path, self.ledger_id)
        if snap is None:
            return None
        auth = Authority(self.ledger_id)
        last: list[Stored] = []

        def hashes() -> Iterator[bytes]:  # streamed: no row is kept
            for st in self.store.read(1, snap.size + 1):
                if st.leaf.type in LEDGER_TYPES or st.seq == 1:
                    self._admit(auth, [decode(st, self.ledger_id)])
                else:
                    auth.pass_over(st.seq)
                last[:] = [st]
                yield merkle.leaf_hash(st.leaf.data)

        with collector_paused():
            try:
                frontier = merkle.extend([], 0, hashes())
            except Refused:
                return None
            if auth.size != snap.size or merkle.frontier_root(frontier) != snap.root:
                return None
            end = decode(last[0], self.ledger_id)
            auth.last_stamp = end.stamp
            try:
                inc = thaw(
                    snap.engine,
                    auth.terms,
                    auth.amendments(),
                    self._load_event,
                    self._origin_of(None),
                )
            except (NotFrozen, AttributeError, KeyError, TypeError, ValueError, IndexError):
                return None
            lazy = _Resumed(snap.size, end, frontier, list(snap.engine["history"]["keys"]))
            tail = [decode(st, self.ledger_id) for st in self.store.read(snap.size + 1)]
            self._admit(auth, tail)
            lazy.add(tail)
        self.__dict__["_resumed"] = lazy
        self.__dict__["_engine"] = (snap.size, inc)
        return auth

    def _load_event(self, seq: int) -> Event:
        """The event stored at ``seq`` (a resumed history's entries read theirs when asked).
        Read a page at a time: the stage engine and a correction's rewind ask for events in
        order, and one read per event would cost twice a whole read."""
        page: dict[int, Event] = self.__dict__.get("_page", {})
        ev = page.pop(seq, None)
        if ev is not None:
            return ev
        with collector_paused():
            recs = [decode(st, self.ledger_id) for st in self.store.read(seq, seq + LAZY_PAGE)]
        if not recs or recs[0].seq != seq:
            raise IntegrityError(f"seq {seq} is missing from the store", seq=seq, kind="store")
        self.__dict__["_page"] = {r.seq: r.event for r in recs[1:]}
        return recs[0].event

    def _origin_of(self, seq: int | None) -> str:
        """Where an entry was read (``seq`` None: the part before its number)."""
        return f"{self.path.name} seq {'' if seq is None else seq}"

    def keep_snapshot(self) -> bool:
        """Write the engine snapshot where the ledger has ``snapshot.MIN_ENTRIES`` entries and
        the snapshot read (if any) is ``snapshot.STALE`` entries behind; True if written. The
        ledger's rules must replay (a state they refuse is not kept)."""
        size = self.size()
        lazy: _Resumed | None = self.__dict__.get("_resumed")
        base = lazy.base if lazy is not None and "all_records" not in self.__dict__ else 0
        if size < snapshot.MIN_ENTRIES or size - base < snapshot.STALE:
            return False
        inc = self.engine()
        if self.__dict__["_engine"][0] != size:
            return False
        if lazy is not None and "all_records" not in self.__dict__:
            frontier = lazy.frontier
            recs = lazy.recent
            keys = list(lazy.keys)
        else:
            recs = self.all_records
            frontier = merkle.extend([], 0, (merkle.leaf_hash(r.stored.leaf.data) for r in recs))
            keys = []
        keys += [r.seq for r in recs if r.event.type not in LEDGER_TYPES]
        try:
            with collector_paused():
                data = freeze(inc, keys)
        except (NotFrozen, LedgerError):
            return False
        snapshot.write(self.path, self.ledger_id, size, merkle.frontier_root(frontier), data)
        return True

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
        self.authority  # noqa: B018 - read first: it may resume the engine from a snapshot
        cached: tuple[int, Incremental] | None = self.__dict__.get("_engine")
        if cached is None:
            terms = self.versions[0].terms if self.versions else None
            cached = (0, Incremental(terms))
        done, inc = cached
        recs = self._after(done)
        new = [r for r in recs if r.event.type not in LEDGER_TYPES]
        with collector_paused():  # a million captives released: no cycles, many objects
            inc.extend(
                (r.event for r in new),
                None,
                (self._origin_of(r.seq) for r in new),
                (None if r.stamp is None else r.stamp.timestamp() for r in new),
                self.amendments(),
            )
        self.__dict__["_engine"] = (done + len(recs), inc)
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


class _Resumed:
    """What a directory read from its engine snapshot knows without every record: the size
    the snapshot covers (``base``), the records read after it, the last record, and the
    Merkle frontier of everything read (hashed from the stored bytes), and the sequence
    numbers of the snapshot's history entries (``keys``)."""

    def __init__(self, base: int, last: Record, frontier: list[bytes], keys: list[int]) -> None:
        self.base = base
        self.keys = keys
        self.recent: list[Record] = []
        self.last = last
        self.frontier = frontier

    @property
    def size(self) -> int:
        return self.base + len(self.recent)

    def add(self, recs: list[Record]) -> None:
        if not recs:
            return
        self.frontier = merkle.extend(
            self.frontier, self.size, (merkle.leaf_hash(r.stored.leaf.data) for r in recs)
        )
        self.recent.extend(recs)
        self.last = recs[-1]

    def after(self, n: int) -> list[Record]:
        if n < self.base:
            raise IntegrityError(
                f"the records before seq {self.base + 1} were not read (resumed from a snapshot)"
            )
        return self.recent[n - self.base :]


def write_config(path: Path, config: dict[str, str]) -> None:
    """Write a directory's ledger.toml (ledger id, checkpoint origin, store)."""
    lines = [f"{k} = {json.dumps(v)}" for k, v in config.items()]
    path.write_text("# truce ledger directory (see docs/store.md)\n" + "\n".join(lines) + "\n")
