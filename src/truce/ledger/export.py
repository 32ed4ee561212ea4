"""Exports of a ledger directory for an audience: events (JSONL, CSV, Parquet) or day summary.

Every format shows only what the audience may see (``visible``): ``public`` sees public
events, ``parties`` also those marked for the parties, ``mediator`` everything; a list whose
visibility is left to the default opens to everyone once a framework release on or after the
day it is for is recorded. The day summary is replayed from the visible events alone
(``day_events``), and personal data (kept apart in people.db) is added only with
``include_personal``, and only for the people the visible events name. CSV cells that a
spreadsheet would run as a formula are quoted (``csv_cell``). docs/store.md, "Exports and
visibility", says the same in words.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

from truce.clock import PauseCalendar
from truce.engine.state import replay
from truce.engine.tally import select
from truce.errors import BadInput, LedgerError, MissingExtra
from truce.events import (
    CaptivesReleased,
    CreditGranted,
    Event,
    ExtensionAgreed,
    ListAccepted,
    ListAnnounced,
    ListRejected,
    PrisonersReleased,
    TermsSet,
)
from truce.history import History
from truce.ledger.authority import LEDGER_TYPES
from truce.ledger.directory import LedgerDir, Record, event_json
from truce.terms import Terms, parse_terms

AUDIENCES = ("public", "parties", "mediator")
FORMATS = ("jsonl", "csv", "days", "parquet")
_RANK = {a: i for i, a in enumerate(AUDIENCES)}
CSV_COLUMNS = (
    "seq",
    "id",
    "type",
    "at",
    "recorded_at",
    "declared_by",
    "visibility",
    "signed_with",
    "track",
    "live",
    "bodies",
    "count",
    "captives",
    "trucks",
    "text",
    "supersedes",
    "note",
    "event",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP, CSV injection)."""


def visible(records: list[Record], audience: str, terms: Terms | None = None) -> list[Record]:
    """The records an audience may see. A list left to the default visibility is mediator-only
    until a framework release that the audience may see is recorded at or after the start of
    the pause day the list is for (without ``for_day``: at or after the list's own ``at``);
    then it is no longer a secret. ``terms`` (default: the base terms in ``records``) place
    the pause days."""
    if audience not in AUDIENCES:
        raise BadInput(
            f"expected one of {', '.join(AUDIENCES)}, got {audience!r}", param="audience"
        )
    rank = _RANK[audience]
    latest_release = max(
        (
            r.event.at.timestamp()
            for r in records
            if isinstance(r.event, CaptivesReleased)
            and r.event.track == "framework"
            and _RANK[r.visibility] <= rank
        ),
        default=None,
    )
    if latest_release is not None and terms is None:
        terms = _base_terms(records)
    calendar = None
    if terms is not None and terms.agreement.start is not None:
        calendar = PauseCalendar(terms.agreement.start, terms.agreement.zone)
    out = []
    for r in records:
        level = r.visibility
        ev = r.event
        if isinstance(ev, ListAnnounced) and ev.visibility is None and latest_release is not None:
            opens = _opens_at(ev, terms, calendar)
            if opens is not None and latest_release >= opens:
                level = "public"
        if _RANK[level] <= rank:
            out.append(r)
    return out


def _base_terms(records: list[Record]) -> Terms | None:
    """The base terms: those of the first terms_set among the records (None if there is none)."""
    first = next((r for r in records if isinstance(r.event, TermsSet)), None)
    if first is None:
        return None
    assert isinstance(first.event, TermsSet)
    return parse_terms(first.event.terms, where=f"seq {first.seq}")


def _opens_at(
    ev: ListAnnounced, terms: Terms | None, calendar: PauseCalendar | None
) -> float | None:
    """POSIX time from which a framework release opens a default-visibility list: the start of
    its ``for_day``, or its own ``at`` when it names no day or the terms have no pause (no
    calendar). None (never) when a day is named but no terms are known to place it."""
    if ev.for_day is None:
        return ev.at.timestamp()
    if terms is None:
        return None
    if calendar is None:
        return ev.at.timestamp()
    return calendar.boundary(ev.for_day - 1).timestamp()


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run: text beginning with ``= + - @``, a tab or a
    carriage return gets a leading ``'`` (OWASP). Numbers are written as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows(records: list[Record]) -> list[dict[str, Any]]:
    """One flat row per event (CSV and Parquet): common fields, counts, and the full event."""
    out = []
    for r in records:
        ev = event_json(r.event)
        caps = ev.get("captives")
        out.append(
            {
                "seq": r.seq,
                "id": ev["id"],
                "type": ev["type"],
                "at": ev["at"],
                "recorded_at": ev["recorded_at"],
                "declared_by": ev["declared_by"],
                "visibility": r.visibility,
                "signed_with": r.sig[0] if r.sig else "",
                "track": ev.get("track", "framework" if ev["type"] == "captives_released" else ""),
                "live": ev.get("live", ""),
                "bodies": ev.get("bodies", ""),
                "count": ev.get("count", ""),
                "captives": " ".join(c if isinstance(c, str) else c["id"] for c in caps)
                if isinstance(caps, list)
                else "",
                "trucks": ev.get("trucks", ""),
                "text": ev.get("text", ""),
                "supersedes": ev.get("supersedes", ""),
                "note": ev.get("note", ""),
                "event": json.dumps(ev, sort_keys=True, ensure_ascii=False),
            }
        )
    return out


def export(
    d: LedgerDir,
    fmt: str,
    audience: str = "public",
    include_personal: bool = False,
    out: Path | None = None,
) -> str | None:
    """Render an export for an audience: returns the text, or None when written to ``out``
    (which Parquet, being binary, needs). A file that cannot be written is BadInput."""
    if fmt not in FORMATS:
        raise BadInput(f"expected one of {', '.join(FORMATS)}, got {fmt!r}", param="fmt")
    if out is None and fmt == "parquet":
        raise BadInput("Parquet is binary: give a file to write it to", param="out")
    if out is not None and not out.parent.is_dir():
        raise BadInput(f"cannot write {out}: no directory {out.parent}", param="out")
    recs = visible(d.all_records, audience, d.terms)
    if fmt == "parquet":
        assert out is not None
        _write_parquet(rows(recs), out)
        return None
    if fmt == "jsonl":
        lines = [json.dumps(event_json(r.event), ensure_ascii=False) for r in recs]
        if include_personal:
            lines += [json.dumps({"person": p}, ensure_ascii=False) for p in _people(d, recs)]
        text = "".join(line + "\n" for line in lines)
    elif fmt == "csv":
        buf = io.StringIO()
        # CRLF rows (RFC 4180): a cell holding a CR or LF is then always quoted, so no text
        # can end a row early and start a new one (with a formula, say).
        w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        w.writeheader()
        w.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows(recs))
        text = buf.getvalue()
    else:
        text = _days(d, recs, audience)
    if out is None:
        return text
    try:
        out.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise BadInput(f"cannot write: {exc.strerror}", where=str(out)) from None
    return None


def _write_parquet(table_rows: list[dict[str, Any]], out: Path) -> None:
    """Write rows as Parquet, every cell as typed text (no formula quoting: not a spreadsheet)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("pyarrow", "parquet") from exc
    schema = pa.schema([(c, pa.string()) for c in CSV_COLUMNS])
    table = pa.Table.from_pylist(
        [{k: str(v) for k, v in row.items()} for row in table_rows], schema=schema
    )
    try:
        pq.write_table(table, out)
    except OSError as exc:
        raise BadInput(f"cannot write: {exc}", where=str(out)) from None


def referenced_people(records: list[Record]) -> set[str]:
    """The pseudonyms the given events name: captives released, listed or credited, and
    prisoners released."""
    out: set[str] = set()
    for r in records:
        ev = r.event
        if isinstance(ev, CaptivesReleased | ListAnnounced) and ev.captives:
            out.update(c.id for c in ev.captives)
        elif isinstance(ev, CreditGranted):
            out.update(ev.captives)
        elif isinstance(ev, PrisonersReleased) and ev.prisoners:
            out.update(p.id for p in ev.prisoners)
    return out


def _people(d: LedgerDir, recs: list[Record]) -> list[dict[str, Any]]:
    """Personal fields of the people the visible events name (nobody else's)."""
    if not (d.path / "people.db").exists():
        return []
    from truce.ledger.people import People

    with People.open(d.path) as people:
        return people.export(include_personal=True, only=referenced_people(recs))


def day_events(records: list[Record], shown: list[Record], terms: Terms) -> list[Record]:
    """The visible deal events a day summary is replayed from, with references to hidden
    events resolved so that nothing hidden shapes a figure and the replay holds together:

    - an event is left out when it corrects (``supersedes``) a hidden or left-out event, when
      it is a ``list_accepted``/``list_rejected`` of one, or when it is a ``credit_granted``
      naming one in ``releases`` or naming a captive that only such an event released;
    - a ``credit_granted`` is left out when the visible outside-framework releases before it
      (less the credits already counted) do not cover its count;
    - an ``extension_agreed`` whose ``for_list`` is hidden or left out is kept (its days are
      public) with ``for_list`` removed, as if agreed without naming a list.

    A hidden correction of a visible event changes nothing here: the visible event counts.
    """
    shown_ids = {r.event.id for r in shown}
    by_id = {r.event.id: r.event for r in records}
    out = {i for i in by_id if i not in shown_ids}
    deal = [r for r in shown if r.event.type not in LEDGER_TYPES]
    while True:
        _leave_out_dangling(deal, by_id, out)
        kept = [_unlinked(r, out) for r in deal if r.event.id not in out]
        over = _uncovered_credits(kept, terms)
        if not over:
            return kept
        out |= over


def _leave_out_dangling(deal: list[Record], by_id: dict[str, Event], out: set[str]) -> None:
    """Add to ``out`` every deal event that refers to an event in ``out``, until none does."""
    changed = True
    while changed:
        changed = False
        gone = {
            c.id
            for i in out
            if isinstance(ev := by_id.get(i), CaptivesReleased) and ev.captives
            for c in ev.captives
        }
        for r in deal:
            ev = r.event
            if ev.id in out:
                continue
            dangling = ev.supersedes is not None and ev.supersedes in out
            if isinstance(ev, ListAccepted | ListRejected):
                dangling = dangling or ev.list in out
            elif isinstance(ev, CreditGranted):
                dangling = (
                    dangling
                    or any(x in out for x in ev.releases)
                    or any(c in gone for c in ev.captives)
                )
            if dangling:
                out.add(ev.id)
                changed = True


def _unlinked(r: Record, out: set[str]) -> Record:
    """The record, with an extension's ``for_list`` removed when that list is left out."""
    ev = r.event
    if isinstance(ev, ExtensionAgreed) and ev.for_list is not None and ev.for_list in out:
        return dataclasses.replace(r, event=ev.model_copy(update={"for_list": None}))
    return r


def _uncovered_credits(kept: list[Record], terms: Terms) -> set[str]:
    """Credits that the outside-framework releases among ``kept`` do not cover, walked in the
    order the engine counts them (corrections and disputed declarations resolved)."""
    if not any(isinstance(r.event, CreditGranted) for r in kept):
        return set()
    entries, _, _ = select(History.of(r.event for r in kept), terms, None, None)
    released = used = 0
    over: set[str] = set()
    for en in entries:
        ev = en.event
        if isinstance(ev, CaptivesReleased) and ev.track == "outside":
            released += len(ev.captives) if ev.captives is not None else ev.live + ev.bodies
        elif isinstance(ev, CreditGranted):
            if ev.count > released - used:
                over.add(ev.id)
            else:
                used += ev.count
    return over


def _days(d: LedgerDir, shown: list[Record], audience: str) -> str:
    """The day summary (the columns a day-summary CSV is read with), replayed from the events
    the audience may see (``day_events``) under the amendments it may see."""
    from truce.ledger.load import DAY_COLUMNS

    seqs = {r.seq for r in shown}
    try:
        recs = day_events(d.all_records, shown, d.terms)
        h = History.of((r.event for r in recs), None, (f"{d.path.name} seq {r.seq}" for r in recs))
        h.amendments = [
            a for v, a in zip(d.versions[1:], d.amendments(), strict=True) if v.seq in seqs
        ]
        state = replay(d.terms, h)
    except LedgerError as exc:
        raise LedgerError(
            f"the events the {audience} audience may see do not replay: {exc}"
        ) from None
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(DAY_COLUMNS)
    for row in state.days:
        if row.day < 1 or row.date is None:
            continue
        w.writerow(
            csv_cell(v)
            for v in (
                row.date,
                row.live,
                row.bodies,
                row.outside,
                row.separate,
                row.credited,
                row.prisoners_released,
                "" if row.aid is None else row.aid,
            )
        )
    return buf.getvalue()
