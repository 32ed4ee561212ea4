"""Exports of a ledger directory for an audience: events (JSONL, CSV, Parquet) or day summary.

Restricted events are left out unless the audience may see them: ``public`` sees public
events (and lists once their day has a release), ``parties`` also sees events marked for the
parties, ``mediator`` sees everything. Personal data (names and other fields kept apart in
people.db) is never in an event; it is added only with ``include_personal``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from truce.engine.state import replay
from truce.errors import BadInput, MissingExtra
from truce.ledger.directory import LedgerDir, Record, event_json

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


def visible(records: list[Record], audience: str) -> list[Record]:
    """The records an audience may see. A mediator-only list opens to others once a release is
    recorded on or after the day it is for (it is no longer a secret then)."""
    if audience not in AUDIENCES:
        raise BadInput(
            f"expected one of {', '.join(AUDIENCES)}, got {audience!r}", where="--audience"
        )
    last_release = max(
        (r.event.at.timestamp() for r in records if r.event.type == "captives_released"),
        default=None,
    )
    out = []
    for r in records:
        level = r.visibility
        ev = r.event
        if (
            ev.type == "list_announced"
            and ev.visibility is None
            and last_release is not None
            and last_release >= ev.at.timestamp()
        ):
            level = "public"
        if _RANK[level] <= _RANK[audience]:
            out.append(r)
    return out


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
    """Render an export; returns text (or None when written to ``out``, e.g. Parquet)."""
    if fmt not in FORMATS:
        raise BadInput(f"expected one of {', '.join(FORMATS)}, got {fmt!r}", where="--format")
    recs = visible(d.all_records, audience)
    if fmt == "jsonl":
        lines = [json.dumps(event_json(r.event), ensure_ascii=False) for r in recs]
        if include_personal:
            lines += [json.dumps({"person": p}, ensure_ascii=False) for p in _people(d)]
        return "".join(line + "\n" for line in lines)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows(recs))
        return buf.getvalue()
    if fmt == "days":
        return _days(d)
    if out is None:
        raise BadInput("Parquet is binary: give --out FILE", where="--format parquet")
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("pyarrow", "parquet") from exc
    table = pa.Table.from_pylist([{k: str(v) for k, v in row.items()} for row in rows(recs)])
    pq.write_table(table, out)
    return None


def _people(d: LedgerDir) -> list[dict[str, Any]]:
    if not (d.path / "people.db").exists():
        return []
    from truce.ledger.people import People

    with People.open(d.path) as people:
        return people.export(include_personal=True)


def _days(d: LedgerDir) -> str:
    """The day summary (the columns a day-summary CSV is read with): aggregates of every event,
    so restricted lists shape nothing here."""
    from truce.ledger.load import DAY_COLUMNS

    state = replay(d.terms, d.history())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(DAY_COLUMNS)
    for row in state.days:
        if row.day < 1 or row.date is None:
            continue
        w.writerow(
            [
                row.date,
                row.live,
                row.bodies,
                row.outside,
                row.separate,
                row.credited,
                row.prisoners_released,
                "" if row.aid is None else row.aid,
            ]
        )
    return buf.getvalue()
