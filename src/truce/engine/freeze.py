"""Freeze an :class:`Incremental` into plain data, and thaw it back (pure).

A ledger directory keeps a snapshot of its engine state (``truce.ledger.snapshot``) so that a
new process appends without decoding and re-tallying every stored event. The frozen form is
numbers, strings, lists and maps only (no pickle: nothing in it can run code): the history's
skeleton (each entry's id, key, times) and the tally. Entries point to one another by index;
a thawed history holds :class:`truce.history.LazyEntry` objects, whose events are made only
when read. ``thaw(freeze(inc))`` gives the state ``inc`` gives: tests/property checks it after
every batch of random append sequences, and ``test_every_field_is_frozen`` that no field of the
tally is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from truce.engine.incremental import Incremental
from truce.engine.tally import DayTally, Disputed, Tallier, Tally
from truce.events import Event, ExtensionAgreed
from truce.history import Entry, History, LazyEntry
from truce.terms import Terms
from truce.versions import Amendment

FORMAT = 1
"""The frozen form's version: a snapshot of another version is not thawed."""

_DAY = (
    "live",
    "bodies",
    "not_covered",
    "credited",
    "outside",
    "separate",
    "prisoners",
    "last_release_ts",
    "last_credit_ts",
    "aid",
    "credit_refs",
    "aid_refs",
)
"""DayTally's fields kept as they are (the two per-category maps go as pairs)."""


class NotFrozen(Exception):
    """This state cannot be frozen (a history read from a file with line numbers, or one the
    rules refuse): the caller keeps no snapshot."""


def freeze(inc: Incremental, keys: Sequence[int]) -> dict[str, Any]:
    """The state of ``inc`` as plain data; ``keys[i]`` is what loads history entry ``i``'s
    event again (a ledger's sequence number)."""
    h = inc.history
    if len(keys) != len(h.entries):
        raise NotFrozen("one key per history entry")
    tl = inc._tally()
    if tl._undo is not None:
        raise NotFrozen("a batch is open")
    ids: list[str] = []
    kinds: list[str] = []
    ts: list[float] = []
    rts: list[float] = []
    for i, en in enumerate(h.entries):
        if en._ref is not None or en._line is not None or en.seq != i:
            raise NotFrozen("entries with their own references, lines or numbering")
        ids.append(en.id)
        kinds.append(en.kind)
        ts.append(en.ts)
        rts.append(en.rts)
    t = tl.t
    tpos = {id(en): i for i, en in enumerate(t.entries)}
    ref_pos = {"event:" + x: i for i, x in enumerate(ids)}
    rel_ids = list(t.released)
    rel = list(t.released.values())
    cur = None if t.days.get(tl.k) is tl.cur else _day(tl.cur)  # None: it is that day's
    return {
        "format": FORMAT,
        "history": {
            "ids": ids,
            "kinds": kinds,
            "keys": list(keys),
            "ts": ts,
            "rts": rts,
            "has_supersedes": h.has_supersedes,
            "has_acts": h.has_acts,
            "in_time_order": h.in_time_order,
            "superseded": dict(h._superseded),
        },
        "tally": {
            "entries": [en.seq for en in t.entries],
            "disputes": [[d.act, d.used, list(d.set_aside), d.reason] for d in t.disputes],
            "at_ts": t.at_ts,
            "days": [[k, _day(x)] for k, x in t.days.items()],
            "released_ids": rel_ids,
            "released_cats": [r[0] for r in rel],
            "released_tracks": [r[1] for r in rel],
            "released_refs": [ref_pos[r[2]] for r in rel],
            "outside_total": t.outside_total,
            "credits_used": t.credits_used,
            "prisoners_total": t.prisoners_total,
            "prisoner_times": list(t.prisoner_times),
            "prisoner_cum": list(t.prisoner_cum),
            "extensions": [i for i, _ in t.extensions],
            "lists": dict(t.lists),
            "ended": None if t.ended is None else tpos[id(t.ended)],
            "acts": list(t.acts),
            "ranges": [[k, lo, hi] for k, (lo, hi) in t.ranges.items()],
            "outside": sorted(t.outside),
        },
        "tallier": {
            "k": tl.k,
            "lo": tl.lo,
            "next_ts": tl.next_ts,
            "cur": cur,
        },
    }


def thaw(
    data: dict[str, Any],
    terms: Terms,
    amendments: Sequence[Amendment],
    load: Callable[[int], Event],
    origin: str | None,
) -> Incremental:
    """The Incremental ``freeze`` saw, its events loaded by ``load(key)`` when first read and
    each entry's origin ``origin`` followed by its key (None: its reference). ``amendments``
    are those in force over the same entries (the caller's authority read them from the
    same ledger)."""
    if data.get("format") != FORMAT:
        raise NotFrozen(f"format {data.get('format')!r}, not {FORMAT}")
    hd, td, ld = data["history"], data["tally"], data["tallier"]
    entries: list[Entry] = [
        LazyEntry(i, eid, kind, key, load, t0, t1, origin)
        for i, (eid, kind, key, t0, t1) in enumerate(
            zip(hd["ids"], hd["kinds"], hd["keys"], hd["ts"], hd["rts"], strict=True)
        )
    ]
    h = History(
        entries,
        {en.id: en for en in entries},
        bool(hd["has_supersedes"]),
        bool(hd["has_acts"]),
        bool(hd["in_time_order"]),
        list(amendments),
        dict(hd["superseded"]),
    )
    inc = Incremental(terms, h)
    cal = inc._calendar()
    tl = Tallier(terms, cal, [Disputed(a, u, list(s), r) for a, u, s, r in td["disputes"]])
    chosen = [entries[i] for i in td["entries"]]
    refs = [en.ref for en in entries]
    t = Tally(
        chosen,
        tl.t.disputes,
        float(td["at_ts"]),
        {int(k): _undays(x) for k, x in td["days"]},
        dict(
            zip(
                td["released_ids"],
                zip(
                    td["released_cats"],
                    td["released_tracks"],
                    [refs[i] for i in td["released_refs"]],
                    strict=True,
                ),
                strict=True,
            )
        ),
        int(td["outside_total"]),
        int(td["credits_used"]),
        int(td["prisoners_total"]),
        [float(x) for x in td["prisoner_times"]],
        [int(x) for x in td["prisoner_cum"]],
        [(i, _extension(chosen[i].event)) for i in td["extensions"]],
        {str(k): int(v) for k, v in td["lists"].items()},
        None if td["ended"] is None else chosen[td["ended"]],
        [int(x) for x in td["acts"]],
        {int(k): (int(lo), int(hi)) for k, lo, hi in td["ranges"]},
        set(td["outside"]),
    )
    tl.t = t
    tl.k, tl.lo, tl.next_ts = int(ld["k"]), int(ld["lo"]), float(ld["next_ts"])
    tl.cur = t.days[tl.k] if ld["cur"] is None else _undays(ld["cur"])
    inc._tl = tl
    return inc


def _day(x: DayTally) -> list[Any]:
    return [
        *(getattr(x, f) for f in _DAY),
        [[k, v] for k, v in x.live_by_category.items()],
        [[k, v] for k, v in x.credit_by_category.items()],
    ]


def _undays(v: list[Any]) -> DayTally:
    x = DayTally()
    for f, val in zip(_DAY, v, strict=False):
        setattr(x, f, list(val) if isinstance(val, list) else val)
    x.live_by_category = {k: int(n) for k, n in v[len(_DAY)]}
    x.credit_by_category = {k: int(n) for k, n in v[len(_DAY) + 1]}
    return x


def _extension(ev: Event) -> ExtensionAgreed:
    if not isinstance(ev, ExtensionAgreed):
        raise NotFrozen(f"entry {ev.id!r} is not an extension")
    return ev


__all__ = ["FORMAT", "NotFrozen", "freeze", "thaw"]
