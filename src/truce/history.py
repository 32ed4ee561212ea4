"""An in-memory, ordered history of ledger entries: each event with where it came from."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from truce.errors import LedgerError
from truce.events import Event
from truce.versions import Amendment


class Entry:
    """One event as stored: its sequence number, the event, its trace reference and POSIX times.

    Slotted and lean, for a million of them: the reference ``event:<id>`` and the origin
    ``file:line`` are made when asked, from the event's id and a line number."""

    __slots__ = ("_line", "_origin", "_ref", "event", "rts", "seq", "ts")

    def __init__(
        self,
        seq: int,
        event: Event,
        ref: str | None,  # "event:<id>" (None: made from the id) or "csv:<line>"
        ts: float,  # event.at as POSIX seconds (parsed once)
        rts: float,  # when it was known, POSIX seconds: the log's stamp, else event.recorded_at
        origin: str | None = "",  # where it was read from, e.g. "ledger.jsonl:12" (None: the ref)
        line: int | None = None,  # given: ``origin`` is a file, at line ``seq + line``
    ) -> None:
        self.seq = seq
        self.event = event
        self._ref = ref
        self.ts = ts
        self.rts = rts
        self._origin = origin
        self._line = line

    @property
    def ref(self) -> str:
        """The trace reference: ``event:<id>``, or ``csv:<line>``."""
        ref = self._ref
        return ref if ref is not None else "event:" + self.event.id

    @property
    def kind(self) -> str:
        """The event's type (``captives_released``, ...)."""
        return self.event.type

    @property
    def id(self) -> str:
        """The event's id."""
        return self.event.id

    @property
    def origin(self) -> str:
        """Where it was read from, e.g. "ledger.jsonl:12" (for error messages)."""
        if self._origin is None:
            return self.ref
        line = self._line
        return self._origin if line is None else f"{self._origin}:{self.seq + line}"

    @property
    def where(self) -> str:
        """The place to name in an error: file and line when known, and the reference."""
        origin, ref = self.origin, self.ref
        return f"{origin} ({ref})" if origin and origin != ref else ref

    def __repr__(self) -> str:
        return f"Entry(seq={self.seq}, ref={self.ref!r}, origin={self.origin!r}, ts={self.ts})"


_EVENT: Any = Entry.__dict__["event"]  # the slot: LazyEntry fills it on first use


class LazyEntry(Entry):
    """An entry whose event is made only when first read, by ``load(key)`` (a ledger's
    stored leaf, already checked): a history resumed from a snapshot of its state holds
    these, so appending at the end reads no old event. Its id, type, times and origin are
    known without the event."""

    __slots__ = ("_id", "_key", "_kind", "_load")

    def __init__(
        self,
        seq: int,
        event_id: str,
        kind: str,
        key: int,
        load: Callable[[int], Event],
        ts: float,
        rts: float,
        origin: str | None,  # where it was read: ``origin`` and the key (None: the ref)
    ) -> None:
        self.seq = seq
        self._id = event_id
        self._kind = kind
        self._key = key
        self._load = load
        self._ref = None
        self.ts = ts
        self.rts = rts
        self._origin = origin
        self._line = None

    @property
    def event(self) -> Event:
        try:
            return _EVENT.__get__(self, Entry)  # type: ignore[no-any-return]
        except AttributeError:
            ev = self._load(self._key)
            if ev.id != self._id:
                raise LedgerError(
                    f"the stored event is {ev.id!r}, not {self._id!r} as the snapshot says",
                    where=self.origin,
                ) from None
            _EVENT.__set__(self, ev)
            return ev

    @event.setter
    def event(self, ev: Event) -> None:
        _EVENT.__set__(self, ev)

    @property
    def ref(self) -> str:
        return "event:" + self._id

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def id(self) -> str:
        return self._id

    @property
    def origin(self) -> str:
        o = self._origin
        return self.ref if o is None else o + str(self._key)

    @property
    def loaded(self) -> bool:
        """Whether the event was made (for tests: an append at the end makes none)."""
        try:
            _EVENT.__get__(self, Entry)
        except AttributeError:
            return False
        return True


@dataclass
class History:
    """Entries in the order they were appended; ids are unique."""

    entries: list[Entry] = field(default_factory=list)
    _by_id: dict[str, Entry] = field(default_factory=dict)
    has_supersedes: bool = False  # lets the engine skip passes that would find nothing
    has_acts: bool = False
    in_time_order: bool = True  # appended in non-decreasing event time
    amendments: list[Amendment] = field(default_factory=list)  # terms versions after the base
    _superseded: dict[str, str] = field(default_factory=dict)  # corrected id -> correcting id

    @classmethod
    def of(
        cls,
        events: Iterable[Event],
        refs: Iterable[str] | None = None,
        origins: Iterable[str] | None = None,
    ) -> History:
        """A history from events (refs default to ``event:<id>``), checked for consistency."""
        h = cls()
        h.extend(events, refs, origins)
        return h

    def extend(
        self,
        events: Iterable[Event],
        refs: Iterable[str] | None = None,
        origins: Iterable[str] | None = None,
        known_at: Iterable[float | None] | None = None,
    ) -> None:
        """Append events in order; a duplicate id, a dangling reference or a correction that
        breaks the rules is an error, and nothing is added. ``known_at`` gives each event's
        log stamp (POSIX seconds) where a store has one; else its ``recorded_at`` is used."""
        evs = list(events)
        ref_list: list[str | None] = list(refs) if refs is not None else [None] * len(evs)
        origin_list: list[str | None] = list(origins) if origins is not None else ref_list
        known_list = list(known_at) if known_at is not None else None
        self._extend(evs, ref_list, origin_list, None, known_list)

    def extend_lines(self, events: list[Event], file: str, skips: list[int]) -> None:
        """``extend`` with events read from one file (refs ``event:<id>``, origins
        ``file:line``, both made when asked). The i-th event (from 0) is on line
        ``i + skips[i]``: a small number, shared by every entry, where a file has few blank
        lines, where a line number would be an object of its own. Takes ``events`` as it is."""
        n = len(events)
        base = len(self.entries)
        self._extend(
            events,
            itertools.repeat(None, n),
            itertools.repeat(file, n),
            skips if base == 0 else (k - base for k in skips),
            itertools.repeat(None, n),
        )

    def _extend(
        self,
        evs: list[Event],
        ref_list: Iterable[str | None],
        origin_list: Iterable[str | None],
        line_list: Iterable[int] | None,
        known_list: Iterable[float | None] | None,
    ) -> None:
        staged: dict[str, Entry] = {}
        new: list[Entry] = []
        append = new.append
        by_id = self._by_id
        seq = len(self.entries)
        lines = line_list if line_list is not None else itertools.repeat(None, len(evs))
        known = known_list if known_list is not None else itertools.repeat(None, len(evs))
        last = self.entries[-1].ts if self.entries else float("-inf")
        in_order = self.in_time_order
        has_acts = self.has_acts
        refer: list[Entry] = []  # entries whose references are checked once all are staged
        corrections: list[Entry] = []
        make = Entry.__new__
        # One pass, each event's fields read once (an attribute of a pydantic event costs more
        # than a slot), the entry's slots set in place (an ``__init__`` call costs more).
        for ev, ref, origin, line, kt in zip(evs, ref_list, origin_list, lines, known, strict=True):
            eid = ev.id
            if eid in staged or (by_id and eid in by_id):
                first = by_id.get(eid) or staged[eid]
                here = Entry(seq, ev, ref, 0.0, 0.0, origin, line)
                raise LedgerError(
                    f"event id {eid!r} is used twice (first at {first.origin or first.ref})",
                    where=here.where,
                )
            at = ev.at
            ts = at.timestamp()
            if kt is None:
                rat = ev.recorded_at
                kt = ts if rat is at else rat.timestamp()  # one float where they are one time
            entry = make(Entry)
            entry.seq = seq
            entry.event = ev
            entry._ref = ref
            entry.ts = ts
            entry.rts = kt
            entry._origin = origin
            entry._line = line
            seq += 1
            staged[eid] = entry
            append(entry)
            if ts < last:
                in_order = False
            last = ts
            if ev.supersedes:
                corrections.append(entry)
                refer.append(entry)
            elif ev.type in _REFERRING:
                refer.append(entry)
            if not has_acts and ev.act is not None:
                has_acts = True
        both = _Known(by_id, staged)  # not a union: O(batch), not O(history)
        for entry in refer:
            _check_refs(entry, both)
        superseded = self._check_corrections(corrections, staged)
        self.in_time_order = in_order
        if corrections:
            self.has_supersedes = True
        self.has_acts = has_acts
        if self.entries:
            self.entries.extend(new)
        else:
            self.entries = new  # the first batch: no copy of a million-entry list
        if by_id:
            by_id.update(staged)
        else:
            self._by_id = staged  # the first batch: no second table of a million ids
        self._superseded = superseded

    def _check_corrections(self, new: list[Entry], staged: dict[str, Entry]) -> dict[str, str]:
        """``new``: the batch's entries that supersede another (in order). Corrections follow the rules (docs/ledger.md, "Who may do what"): only the party that
        declared an event corrects it, with an event of the same type; an event is corrected
        once (a later correction corrects the correction); no event corrects itself, and no
        chain of corrections loops. Returns the extended corrected -> correcting map."""
        out = dict(self._superseded)
        for entry in new:
            ev = entry.event
            if not ev.supersedes:
                continue
            if ev.supersedes == ev.id:
                raise LedgerError("an event cannot supersede itself", where=entry.where)
            target = (self._by_id.get(ev.supersedes) or staged[ev.supersedes]).event
            if target.declared_by != ev.declared_by:
                raise LedgerError(
                    f"supersedes {target.id!r}, declared by {target.declared_by!r}: only the "
                    f"party that declared an event may correct it; {ev.declared_by!r} records "
                    "its own declaration instead (give both the same 'act' to show them as "
                    "disputed)",
                    where=entry.where,
                )
            if target.type != ev.type:
                raise LedgerError(
                    f"supersedes {target.id!r}, a {target.type} event: a correction has the "
                    f"type of the event it corrects, not {ev.type}",
                    where=entry.where,
                )
            if target.id in out:
                raise LedgerError(
                    f"{target.id!r} is already corrected by {out[target.id]!r}; correct that "
                    "event instead",
                    where=entry.where,
                )
            out[target.id] = ev.id
        ends: set[str] = set()  # ids whose chain of corrections is known to end
        for entry in new:  # a loop would drop every event in it
            if not entry.event.supersedes:
                continue  # its chain ends here: no loop can start at it
            path: set[str] = set()
            cur: str | None = entry.event.id
            while cur and cur not in ends:
                if cur in path:
                    raise LedgerError(
                        "corrections form a loop (each supersedes the next)", where=entry.where
                    )
                path.add(cur)
                nxt = staged.get(cur)  # earlier entries end: they were checked when added
                cur = nxt.event.supersedes if nxt is not None else None
            ends |= path
        return out

    def copy(self) -> History:
        """A copy that can be extended without touching this one (entries are shared)."""
        return History(
            list(self.entries),
            dict(self._by_id),
            self.has_supersedes,
            self.has_acts,
            self.in_time_order,
            list(self.amendments),
            dict(self._superseded),
        )

    def mark(self) -> tuple[int, bool, bool, bool, dict[str, str], list[Amendment]]:
        """A point to ``rollback`` to: what ``extend`` changes, without copying the entries."""
        return (
            len(self.entries),
            self.has_supersedes,
            self.has_acts,
            self.in_time_order,
            self._superseded,
            self.amendments,
        )

    def rollback(self, mark: tuple[int, bool, bool, bool, dict[str, str], list[Amendment]]) -> None:
        """Drop what was appended since ``mark`` (O(entries dropped))."""
        n, self.has_supersedes, self.has_acts, self.in_time_order, sup, amendments = mark
        for entry in self.entries[n:]:
            del self._by_id[entry.event.id]
        del self.entries[n:]
        self._superseded = sup
        self.amendments = amendments

    def get(self, event_id: str) -> Entry | None:
        """The entry with this event id."""
        return self._by_id.get(event_id)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


_REFERRING = frozenset({"list_accepted", "list_rejected", "extension_agreed", "credit_granted"})
"""Event types that may refer to other events (besides ``supersedes``): see ``_check_refs``."""


class _Known:
    """Ids in either of two maps (the history's and the batch's)."""

    __slots__ = ("a", "b")

    def __init__(self, a: dict[str, Entry], b: dict[str, Entry]) -> None:
        self.a, self.b = a, b

    def __contains__(self, key: object) -> bool:
        return key in self.a or key in self.b


def _check_refs(entry: Entry, known: _Known) -> None:
    """References resolve (a type that refers to events is in ``_REFERRING``: only events
    with ``supersedes`` or of those types are checked here)."""
    ev = entry.event
    targets: list[tuple[str, str]] = []
    if ev.supersedes:
        targets.append(("supersedes", ev.supersedes))
    if ev.type in ("list_accepted", "list_rejected"):
        targets.append(("list", ev.list))
    if ev.type == "extension_agreed" and ev.for_list:
        targets.append(("for_list", ev.for_list))
    if ev.type == "credit_granted":
        targets.extend(("releases", r) for r in ev.releases)
    for key, target in targets:
        if target not in known:
            raise LedgerError(
                f"{key} refers to event {target!r}, which is not in the ledger", where=entry.where
            )
