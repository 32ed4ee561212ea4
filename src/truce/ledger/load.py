"""Load a ledger file: events as JSON Lines, or a day-summary CSV for spreadsheet users."""

from __future__ import annotations

import csv
import io
import json
import re
import typing
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
from pydantic import BaseModel, ValidationError

from truce.clock import PauseCalendar
from truce.errors import LedgerError
from truce.events import (
    EVENT_ADAPTER,
    EVENT_MODELS,
    AidDelivered,
    CaptivesReleased,
    CreditGranted,
    Event,
    ExtensionAgreed,
    PrisonersReleased,
    Track,
)
from truce.history import History
from truce.ledger.fastparse import Fallback, collector_paused, fast_events
from truce.limits import (
    MAX_CELL_DIGITS,
    MAX_PAUSE_DAYS,
    MAX_PEOPLE,
    MAX_TRUCKS,
    year_in_range,
)
from truce.terms import Terms
from truce.validation import describe_error

DAY_COLUMNS = (
    "date",
    "live_released",
    "bodies_released",
    "outside_framework",
    "separate_track",
    "credited",
    "prisoners_released",
    "aid_trucks",
)
OPTIONAL_DAY_COLUMNS = ("extension_days",)
IMPORTER = "importer"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LedgerError("file not found", where=str(path)) from None
    except UnicodeDecodeError:
        raise LedgerError("not UTF-8 text", where=str(path)) from None
    except OSError as exc:
        raise LedgerError(f"cannot read: {exc.strerror}", where=str(path)) from None


def parse_event(obj: Any, where: str) -> Event:
    """Validate one event mapping; errors name ``where`` and the field."""
    try:
        return EVENT_ADAPTER.validate_python(obj)
    except ValidationError as exc:
        model = EVENT_MODELS.get(str(obj.get("type"))) if isinstance(obj, dict) else None
        errs = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        parts = []
        for err in errs[:3]:
            e: dict[str, Any] = dict(err)
            loc = tuple(e["loc"])
            # The discriminated union prefixes locations with the type tag; drop it.
            if loc and isinstance(obj, dict) and loc[0] == obj.get("type"):
                e["loc"] = loc[1:]
            parts.append(describe_error(e, model))
        raise LedgerError("; also ".join(parts), where=where) from None


JSON_DEPTH = 200
"""How deep JSON may nest in one line: pydantic-core's parser stops there (no event needs more
than four levels; a terms_set's terms need six)."""

_KEY_END = re.compile(r'"\s*:')  # the end of every key, and of some strings: never fewer
_JSON_LIMIT = re.compile(r"^Invalid JSON: (?P<what>.*) at line \d+ column (?P<col>\d+)$")
_JSON_LIMITS = {
    "recursion limit exceeded": f"the JSON is nested more than {JSON_DEPTH} levels deep",
    "number out of range": "the JSON has a number too long to read (thousands of digits)",
}


class _Repeated(Exception):
    """A key written twice in one JSON object."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """object_pairs_hook for json.loads: a dict, or _Repeated for a key written twice."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _Repeated(k)
            seen.add(k)
    return out


def _loads(line: str, where: str) -> Any:
    """json.loads that refuses a repeated key, deep nesting or a huge number as bad input."""
    try:
        return json.loads(line, object_pairs_hook=_no_repeats)
    except _Repeated as exc:
        raise LedgerError(
            f"key {exc.key!r} is written twice in one object: each key may appear once",
            where=where,
        ) from None
    except json.JSONDecodeError as exc:
        raise LedgerError(
            f"not valid JSON ({exc.msg} at column {exc.colno})", where=where
        ) from None
    except RecursionError:
        raise LedgerError(_JSON_LIMITS["recursion limit exceeded"], where=where) from None
    except ValueError:  # Python refuses to read an integer of over 4,300 digits
        raise LedgerError(_JSON_LIMITS["number out of range"], where=where) from None


_NESTED: dict[type[BaseModel], tuple[str, ...]] = {}


def _holds_objects(tp: Any) -> bool:
    """Whether a field of this type can hold JSON objects (a model or a dict, at any depth)."""
    if typing.get_origin(tp) is dict or (
        isinstance(tp, type) and (issubclass(tp, BaseModel) or issubclass(tp, dict))
    ):
        return True
    return any(_holds_objects(a) for a in typing.get_args(tp))


def _nested(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model class that can hold JSON objects (worked out once per class)."""
    hit = _NESTED.get(cls)
    if hit is None:
        hit = _NESTED[cls] = tuple(
            name for name, f in cls.model_fields.items() if _holds_objects(f.annotation)
        )
    return hit


def _n_keys(value: Any) -> int:
    """How many keys the JSON objects behind a validated value had: pydantic records which
    fields each model was given, and a dict keeps its own."""
    if isinstance(value, BaseModel):
        given = value.model_fields_set
        n = len(given)
        for name in _nested(type(value)):
            if name in given:
                n += _n_keys(getattr(value, name))
        return n
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], BaseModel) and not _nested(type(value[0])):
            return sum(len(x.model_fields_set) for x in value)  # e.g. captives: flat models
        return sum(_n_keys(x) for x in value)
    if isinstance(value, dict):
        return len(value) + sum(_n_keys(v) for v in value.values())
    return 0


def _key_ends(text: str) -> int:
    """How many key ends ('"' then ':', spaces allowed between) a text has: never fewer than
    the keys of the JSON objects in it, as many when no key is written twice."""
    if "\t" in text or '" ' in text:  # a tab anywhere: found at once (one character)
        return len(_KEY_END.findall(text))
    return text.count('":')


def check_no_repeats(line: str, event: Event, where: str) -> None:
    """Refuse a line that writes a key twice in one object (JSON parsers keep the last one,
    silently). Cheap on every line: the line has no fewer key ends than its objects have keys,
    and as many when no key repeats; only a line where they differ is parsed again. A key end
    is '":', or '"' and spaces and ':' (looked for only where a quote is followed by a space
    or there is a tab)."""
    if _key_ends(line) != _n_keys(event):
        _loads(line, where)


def _explain_bad_line(line: str, where: str, exc: ValidationError | None = None) -> Event:
    """Re-read a line that failed validation to say, in plain words, what is wrong with it."""
    first = exc.errors()[0] if exc is not None else None
    if first is not None and first["type"] == "json_invalid":
        m = _JSON_LIMIT.match(str(first["msg"]))
        if m is not None and m.group("what") in _JSON_LIMITS:
            raise LedgerError(
                f"{_JSON_LIMITS[m.group('what')]} (at column {m.group('col')})", where=where
            )
    obj = _loads(line, where)
    if not isinstance(obj, dict):
        raise LedgerError("expected one JSON object per line", where=where)
    return parse_event(obj, where)


_BLOCK = 1 << 16
"""Bytes read at a time: a block of whole lines is decoded in one loop and its keys counted
at once, never the whole file (a million-event ledger is streamed, not held)."""


_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")
"""The ASCII characters other than "\\n" at which ``str.splitlines`` ends a line."""


def _split(text: str) -> list[str]:
    """``text.splitlines()`` (a line ends at "\\r", U+2028... too), by ``split("\\n")`` where
    that gives the same lines: ASCII text with no other line break (a third cheaper)."""
    if text.isascii() and not any(c in text for c in _BREAKS):
        lines = text.split("\n")
        if not lines[-1]:
            lines.pop()  # after the last "\\n": no line
        return lines
    return text.splitlines()


class _Lines:
    """A file's text a block of whole lines at a time, numbered as ``str.splitlines`` numbers
    them. Errors name the file as reading it whole did, and a file that is not UTF-8 is
    refused as such even where an earlier line is bad too (:meth:`refuse`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parts: list[bytes] = []  # read, not yet decoded: a line no block has ended
        try:
            self.f = path.open("rb")
        except FileNotFoundError:
            raise LedgerError("file not found", where=str(path)) from None
        except OSError as exc:
            raise LedgerError(f"cannot read: {exc.strerror}", where=str(path)) from None

    def blocks(self) -> Iterator[str]:
        """The text in blocks that each end at a "\\n" (the last at the file's end): a line
        is never cut, and neither is a UTF-8 character (no byte of one is "\\n")."""
        first = True
        parts = self.parts
        try:
            while True:
                raw = self.f.read(_BLOCK)
                if not raw:
                    break
                cut = raw.rfind(b"\n") + 1
                if not cut:  # inside a line longer than a block
                    parts.append(raw)
                    continue
                head = b"".join([*parts, raw[:cut]]) if parts else raw[:cut]
                parts.clear()
                if cut < len(raw):
                    parts.append(raw[cut:])
                yield self._text(head, first)
                first = False
            if parts:
                tail = b"".join(parts)
                parts.clear()
                yield self._text(tail, first)
        except OSError as exc:
            raise LedgerError(f"cannot read: {exc.strerror}", where=str(self.path)) from None

    def _text(self, raw: bytes, first: bool) -> str:
        if first and raw.startswith(b"\xef\xbb\xbf"):  # the UTF-8 byte order mark
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise LedgerError("not UTF-8 text", where=str(self.path)) from None

    def close(self) -> None:
        self.f.close()

    def _chunks(self) -> Iterator[bytes]:
        try:
            for raw in self.f:  # noqa: UP028 - ``yield from`` would close the file on exit
                yield raw
        except OSError as exc:
            raise LedgerError(f"cannot read: {exc.strerror}", where=str(self.path)) from None

    def refuse(self, exc: LedgerError) -> LedgerError:
        """The error to raise for a bad line: ``exc``, unless the rest of the file is not
        UTF-8 (reading the whole text first said that before any line's fault)."""
        if exc.message == "not UTF-8 text" or self.f.closed:
            return exc
        pending = b"".join(self.parts)
        for raw in self._chunks():
            if pending:
                raw, pending = pending + raw, b""
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return LedgerError("not UTF-8 text", where=str(self.path))
        try:
            pending.decode("utf-8")
        except UnicodeDecodeError:
            return LedgerError("not UTF-8 text", where=str(self.path))
        return exc


def _slow_line(line: str, where: str) -> Event:
    """A line the fast decoder does not cover or accept: pydantic's event, or its error;
    a key written twice is refused."""
    try:
        event = EVENT_ADAPTER.validate_json(line)
    except ValidationError as exc:
        return _explain_bad_line(line, where, exc)
    check_no_repeats(line, event, where)
    return event


_FAST_ERRORS = (msgspec.DecodeError, Fallback)  # msgspec.ValidationError is a DecodeError


class _Reader:
    """A JSON Lines file's events, validated a block of lines at a time (``read``): the fast
    decoder where it covers and accepts a line, else pydantic (whose errors are the ones
    reported). Keys written twice are looked for once per block (the block's key ends
    against its events' keys) and line by line only where those differ, before any error
    of the block is raised: the first bad line is named, as reading a line at a time did."""

    def __init__(self, path: str | Path, terms: Terms | None) -> None:
        self.known = terms.parties.ids() | {IMPORTER} if terms is not None else None
        self.path = Path(path)
        self.name = str(self.path)
        self.decode, self.table = fast_events().parts()
        self.events: list[Event] = []
        self.skips: list[int] = []  # event i is on line i + skips[i]: small, shared ints

    def read(self) -> None:
        """Read the whole file into ``events`` and ``skips``."""
        lines = _Lines(self.path)
        n = 0
        try:
            for text in lines.blocks():
                block = _split(text)
                self._block(block, n, text)
                n += len(block)
        except LedgerError as exc:
            raise lines.refuse(exc) from None
        finally:
            lines.close()

    def _block(self, lines: list[str], n0: int, text: str) -> None:
        """Lines ``n0 + 1``... (``lines``, the block ``text`` split)."""
        decode, table, known, name = self.decode, self.table, self.known, self.name
        events, skips = self.events, self.skips
        append, skip = events.append, skips.append
        start = k = len(events)
        keys = 0  # the keys of the block's events (a line read by pydantic: its key ends)
        n = n0
        try:
            for line in lines:
                n += 1
                try:
                    s = decode(line)
                    event, given = table[type(s)](s)
                    who = s.declared_by  # a slot of the Struct: cheaper than the event's
                except _FAST_ERRORS:
                    if not line or line.isspace():  # looked for only here: no event decodes
                        continue
                    event = _slow_line(line, f"{name}:{n}")
                    given = _key_ends(line)  # its keys are checked on their own
                    who = event.declared_by
                keys += given
                append(event)
                skip(n - k)
                k += 1
                if known is not None and who not in known:
                    raise LedgerError(
                        f"declared_by {event.declared_by!r} is not a party in the terms "
                        f"(expected one of: {', '.join(sorted(known))})",
                        where=f"{name}:{n}",
                    )
        except LedgerError:
            self._check_keys(lines, n0, start)  # a key written twice on an earlier line first
            raise
        if _key_ends(text) != keys:
            self._check_keys(lines, n0, start)

    def _check_keys(self, lines: list[str], n0: int, start: int) -> None:
        """Line by line, refuse the first of the block's lines (its events from ``start``)
        that writes a key twice."""
        for i in range(start, len(self.events)):
            n = i + self.skips[i]
            check_no_repeats(lines[n - n0 - 1], self.events[i], f"{self.name}:{n}")


def read_events_jsonl(
    path: str | Path, terms: Terms | None = None
) -> tuple[list[Event], list[str]]:
    """The events in a JSON Lines file and where each came from (``file:line``), each line
    validated; references to other events are checked later, against the whole ledger."""
    with collector_paused():
        reader = _Reader(path, terms)
        reader.read()
    name = reader.name
    return reader.events, [f"{name}:{i + k}" for i, k in enumerate(reader.skips)]


def load_events_jsonl(path: str | Path, terms: Terms | None = None) -> History:
    """Read events from a JSON Lines file (one event per line; blank lines ignored), streamed:
    each entry keeps its file and line number, its ``file:line`` string is made when asked.

    With ``terms``, every event must be declared by a party the terms name.
    """
    history = History()
    with collector_paused():
        reader = _Reader(path, terms)
        reader.read()
        history.extend_lines(reader.events, reader.name, reader.skips)
    return history


_CELL_LIMITS = {"aid_trucks": MAX_TRUCKS, "extension_days": MAX_PAUSE_DAYS}
"""Bounds per column (truce.limits); every other count column holds people (MAX_PEOPLE)."""
_ASCII_DIGITS = re.compile(r"-?[0-9]+")


def _cell_int(row: dict[str, str], col: str, where: str) -> int:
    """A count cell: empty (0) or ASCII digits only (Python's int() would also take "１２" and
    "1_000"), at most the column's bound."""
    raw = (row.get(col) or "").strip()
    if raw == "":
        return 0
    if not _ASCII_DIGITS.fullmatch(raw):
        shown = raw if len(raw) <= 40 else f"{raw[:20]}...({len(raw)} characters)"
        raise LedgerError(
            f"column {col}: expected a whole number written with the digits 0-9 only, got "
            f"{shown!r}",
            where=where,
        )
    limit = _CELL_LIMITS.get(col, MAX_PEOPLE)
    if len(raw.lstrip("-")) > MAX_CELL_DIGITS:
        raise LedgerError(
            f"column {col}: a number of {len(raw.lstrip('-'))} digits; at most {limit} is taken",
            where=where,
        )
    value = int(raw)
    if value < 0:
        raise LedgerError(f"column {col}: must be >= 0, got {value}", where=where)
    if value > limit:
        raise LedgerError(f"column {col}: must be <= {limit}, got {value}", where=where)
    return value


def load_days_csv(path: str | Path, terms: Terms, declared_by: str = IMPORTER) -> History:
    """Read a day-summary CSV: one row per pause day, turned into aggregate events at the day's start.

    Each row's events carry the reference ``csv:<line>`` and are attributed to ``declared_by``.
    """
    p = Path(path)
    text = _read_text(p)
    if terms.agreement.start is None:
        raise LedgerError(
            "a day-summary CSV needs terms with a pause (agreement.start)", where=str(p)
        )
    cal = PauseCalendar(terms.agreement.start, terms.agreement.zone)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise LedgerError(
            f"empty file: expected a header row with {', '.join(DAY_COLUMNS)}", where=str(p)
        )
    reader.fieldnames = header
    unknown = [h for h in header if h not in DAY_COLUMNS + OPTIONAL_DAY_COLUMNS]
    if unknown:
        raise LedgerError(
            f"line 1: unknown column(s) {', '.join(unknown)}; expected "
            f"{', '.join(DAY_COLUMNS)} and optionally {', '.join(OPTIONAL_DAY_COLUMNS)}",
            where=str(p),
        )
    missing = [c for c in DAY_COLUMNS if c not in header]
    if missing:
        raise LedgerError(f"line 1: missing column(s) {', '.join(missing)}", where=str(p))
    basis = terms.aid.basis if terms.aid else "received"
    events: list[Event] = []
    refs: list[str] = []
    last_day = 0
    for row in reader:
        line = reader.line_num
        where = f"{p}:{line}"
        if None in row:
            raise LedgerError("more cells than columns in the header", where=where)
        raw_date = (row.get("date") or "").strip()
        try:
            d = date.fromisoformat(raw_date)
        except ValueError:
            raise LedgerError(
                f"column date: expected a date like 2023-11-24, got {raw_date!r}", where=where
            ) from None
        try:
            year_in_range(d, "date")
        except ValueError as exc:
            raise LedgerError(f"column {exc}", where=where) from None
        k = cal.day_of_date(d)
        if k < 1:
            raise LedgerError(
                f"date {d} is before the pause starts ({cal.date_of(1)})", where=where
            )
        if k <= last_day:
            raise LedgerError(
                f"date {d} is not after the previous row's date ({cal.date_of(last_day)}): "
                "rows must be one per pause day, in order",
                where=where,
            )
        last_day = k
        at = cal.boundary(k - 1)
        ref = f"csv:{line}"
        base: dict[str, Any] = {
            "at": at,
            "recorded_at": at,
            "declared_by": declared_by,
            "recorded_by": declared_by,
            "sources": [f"{p.name} line {line}"],
        }
        stem = f"csv{line}"
        live = _cell_int(row, "live_released", where)
        bodies = _cell_int(row, "bodies_released", where)
        if live or bodies:
            events.append(
                CaptivesReleased(
                    id=f"{stem}-framework",
                    type="captives_released",
                    track="framework",
                    live=live,
                    bodies=bodies,
                    **base,
                )
            )
        tracks: tuple[tuple[str, Track], ...] = (
            ("outside_framework", "outside"),
            ("separate_track", "separate"),
        )
        for col, track in tracks:
            n = _cell_int(row, col, where)
            if n:
                events.append(
                    CaptivesReleased(
                        id=f"{stem}-{track}", type="captives_released", track=track, live=n, **base
                    )
                )
        credited = _cell_int(row, "credited", where)
        if credited:
            events.append(
                CreditGranted(
                    id=f"{stem}-credit", type="credit_granted", toward_day=k, count=credited, **base
                )
            )
        prisoners = _cell_int(row, "prisoners_released", where)
        if prisoners:
            events.append(
                PrisonersReleased(
                    id=f"{stem}-prisoners", type="prisoners_released", count=prisoners, **base
                )
            )
        if (row.get("aid_trucks") or "").strip() != "":
            trucks = _cell_int(row, "aid_trucks", where)
            events.append(
                AidDelivered(
                    id=f"{stem}-aid",
                    type="aid_delivered",
                    basis=basis,
                    trucks=trucks,
                    date=d,
                    **base,
                )
            )
        if "extension_days" in header:
            ext = _cell_int(row, "extension_days", where)
            if ext:
                events.append(
                    ExtensionAgreed(
                        id=f"{stem}-extension", type="extension_agreed", days=ext, **base
                    )
                )
        refs.extend([ref] * (len(events) - len(refs)))
    origins = [f"{p}:{r.split(':', 1)[1]}" for r in refs]
    return History.of(events, refs, origins)


def load_ledger(path: str | Path, terms: Terms) -> History:
    """Load a ledger file by its extension: .jsonl/.json (events) or .csv (day summary)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return load_events_jsonl(p, terms)
    if suffix == ".csv":
        return load_days_csv(p, terms)
    raise LedgerError(
        f"unknown ledger format {suffix or '(no extension)'!r}: expected .jsonl (events) or .csv (day summary)",
        where=str(p),
    )
