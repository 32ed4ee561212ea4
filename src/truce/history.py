"""An in-memory, ordered history of ledger entries: each event with where it came from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from truce.errors import LedgerError
from truce.events import Event
from truce.versions import Amendment


@dataclass(slots=True)
class Entry:
    """One event as stored: its sequence number, the event, its trace reference and POSIX times."""

    seq: int
    event: Event
    ref: str  # "event:<id>" or "csv:<line>"
    ts: float  # event.at as POSIX seconds (parsed once)
    rts: float  # when it was known, POSIX seconds: the log's stamp, else event.recorded_at
    origin: str = ""  # where it was read from, e.g. "ledger.jsonl:12" (for error messages)

    @property
    def where(self) -> str:
        """The place to name in an error: file and line when known, and the reference."""
        return (
            f"{self.origin} ({self.ref})" if self.origin and self.origin != self.ref else self.ref
        )


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
        ref_list = list(refs) if refs is not None else [f"event:{e.id}" for e in evs]
        origin_list = list(origins) if origins is not None else ref_list
        known_list = list(known_at) if known_at is not None else [None] * len(evs)
        staged: dict[str, Entry] = {}
        new: list[Entry] = []
        for i, (ev, ref, origin, kt) in enumerate(
            zip(evs, ref_list, origin_list, known_list, strict=True)
        ):
            if ev.id in self._by_id or ev.id in staged:
                first = self._by_id.get(ev.id) or staged[ev.id]
                here = Entry(0, ev, ref, 0.0, 0.0, origin)
                raise LedgerError(
                    f"event id {ev.id!r} is used twice (first at {first.origin or first.ref})",
                    where=here.where,
                )
            entry = Entry(
                len(self.entries) + i,
                ev,
                ref,
                ev.at.timestamp(),
                ev.recorded_at.timestamp() if kt is None else kt,
                origin,
            )
            staged[ev.id] = entry
            new.append(entry)
        known = _Known(self._by_id, staged)  # not a union: O(batch), not O(history)
        for entry in new:
            _check_refs(entry, known)
        superseded = self._check_corrections(new, staged)
        last = self.entries[-1].ts if self.entries else float("-inf")
        for entry in new:
            if entry.ts < last:
                self.in_time_order = False
            last = entry.ts
            if entry.event.supersedes:
                self.has_supersedes = True
            if entry.event.act is not None:
                self.has_acts = True
        self.entries.extend(new)
        self._by_id.update(staged)
        self._superseded = superseded

    def _check_corrections(self, new: list[Entry], staged: dict[str, Entry]) -> dict[str, str]:
        """Corrections follow the rules (docs/ledger.md, "Who may do what"): only the party that
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


class _Known:
    """Ids in either of two maps (the history's and the batch's)."""

    __slots__ = ("a", "b")

    def __init__(self, a: dict[str, Entry], b: dict[str, Entry]) -> None:
        self.a, self.b = a, b

    def __contains__(self, key: object) -> bool:
        return key in self.a or key in self.b


def _check_refs(entry: Entry, known: _Known) -> None:
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
