"""The library functions every interface calls: load, status, check."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from truce.clock import in_zone
from truce.engine.decide import Decision, Proposal
from truce.engine.decide import check as _check
from truce.engine.state import State, replay
from truce.errors import BadInput, ProposalError
from truce.events import Captive
from truce.history import History
from truce.ledger.load import load_ledger
from truce.limits import year_in_range
from truce.terms import Terms, load_terms
from truce.validation import describe_error


def load(terms_path: str | Path | None, ledger_path: str | Path) -> tuple[Terms, History]:
    """Read a ledger directory (its own terms; a ``terms_path`` must match them), or a terms
    file and a ledger file (JSONL events or day-summary CSV).

    The whole ledger is replayed once, so an inconsistency anywhere in it (a credit beyond the
    creditable pool, a captive released twice) is reported now, naming its file and line.
    """
    if Path(ledger_path).is_dir():
        from truce.ledger.directory import LedgerDir

        with LedgerDir.open(
            Path(ledger_path), None if terms_path is None else Path(terms_path)
        ) as d:
            terms, history = d.terms, d.history()
        replay(terms, history)
        return terms, history
    if terms_path is None:
        raise BadInput(
            "a ledger file needs a terms file (a ledger directory carries its own terms)",
            where=str(ledger_path),
            param="terms",
        )
    terms = load_terms(terms_path)
    history = load_ledger(ledger_path, terms)
    replay(terms, history)
    return terms, history


def _aware(t: datetime | None, terms: Terms) -> datetime | None:
    """A time without a UTC offset is local wall-clock time in the agreement's zone; years
    outside truce.limits' range are bad input."""
    if t is not None:
        try:
            year_in_range(t)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    return None if t is None else in_zone(t, terms.agreement.zone)


def status(
    terms: Terms, history: History, at: datetime | None = None, as_of: datetime | None = None
) -> State:
    """The state of the pause at ``at`` (default: the latest event), as known at ``as_of``."""
    return replay(terms, history, at=_aware(at, terms), as_of=_aware(as_of, terms))


def check(
    terms: Terms,
    history: History,
    proposal: Proposal,
    at: datetime | None = None,
    as_of: datetime | None = None,
) -> Decision:
    """Evaluate a list for the pause day after the one containing ``at``."""
    return _check(
        replay(terms, history, at=_aware(at, terms), as_of=_aware(as_of, terms)), proposal
    )


def load_list(path: str | Path) -> tuple[Captive, ...]:
    """Read a proposed list: CSV with columns id,category[,status] or JSON Lines of the same fields."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError:
        raise ProposalError("cannot read the list file", where=str(p)) from None
    return parse_list(text, str(p))


def parse_list(text: str, name: str) -> tuple[Captive, ...]:
    """A list file's text (CSV, or JSON Lines when ``name`` ends .jsonl/.json); a bad row is a
    ProposalError naming ``name`` and its line."""
    p = Path(name)
    rows: list[tuple[int, dict[str, object]]] = []
    if p.suffix.lower() in (".jsonl", ".json"):
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise ProposalError(f"not valid JSON ({exc.msg})", where=f"{p}:{n}") from None
                except (RecursionError, ValueError):  # nested or numbered beyond the parser
                    raise ProposalError(
                        "JSON nested too deeply or with a number too long to read",
                        where=f"{p}:{n}",
                    ) from None
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise ProposalError(
                "line 1: expected a header with columns id,category[,status]", where=str(p)
            )
        for row in reader:
            rows.append((reader.line_num, {k: v for k, v in row.items() if v not in (None, "")}))
    return parse_captives((f"{p}:{n}", obj) for n, obj in rows)


def parse_captives(rows: Iterable[tuple[str, object]]) -> tuple[Captive, ...]:
    """Captives from (place, mapping) pairs; a bad one is a ProposalError naming its place (a
    file's line, or a JSON pointer into a request)."""
    out: list[Captive] = []
    for where, obj in rows:
        try:
            out.append(Captive.model_validate(obj))
        except ValidationError as exc:
            raise ProposalError(describe_error(exc.errors()[0], Captive), where=where) from None
    return tuple(out)
