"""An in-memory, ordered history of ledger entries: each event with where it came from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from truce.engine.versions import Amendment
from truce.errors import LedgerError
from truce.events import Event


@dataclass(slots=True)
class Entry:
    """One event as stored: its sequence number, the event, its trace reference and POSIX times."""

    seq: int
    event: Event
    ref: str  # "event:<id>" or "csv:<line>"
    ts: float  # event.at as POSIX seconds (parsed once)
    rts: float  # event.recorded_at as POSIX seconds
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
    ) -> None:
        """Append events in order; a duplicate id or a dangling reference is an error, nothing added."""
        evs = list(events)
        ref_list = list(refs) if refs is not None else [f"event:{e.id}" for e in evs]
        origin_list = list(origins) if origins is not None else ref_list
        staged: dict[str, Entry] = {}
        new: list[Entry] = []
        for i, (ev, ref, origin) in enumerate(zip(evs, ref_list, origin_list, strict=True)):
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
                ev.recorded_at.timestamp(),
                origin,
            )
            staged[ev.id] = entry
            new.append(entry)
        known = self._by_id.keys() | staged.keys()
        for entry in new:
            _check_refs(entry, known)
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

    def copy(self) -> History:
        """A copy that can be extended without touching this one (entries are shared)."""
        return History(
            list(self.entries),
            dict(self._by_id),
            self.has_supersedes,
            self.has_acts,
            self.in_time_order,
            list(self.amendments),
        )

    def get(self, event_id: str) -> Entry | None:
        """The entry with this event id."""
        return self._by_id.get(event_id)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def _check_refs(entry: Entry, known: object) -> None:
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
        if target not in known:  # type: ignore[operator]
            raise LedgerError(
                f"{key} refers to event {target!r}, which is not in the ledger", where=entry.where
            )
