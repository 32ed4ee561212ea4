"""What a role below mediator must never see in any response: restricted events' ids and the
people only they name. Figures are computed from the whole record; every string of a response
for such a role passes through ``Redactor``, so a trace, a note or an error that names a hidden
event reads ``[restricted]`` instead (docs/service.md, what a reader never sees)."""

from __future__ import annotations

import re
from typing import Any

from truce.ledger.directory import Record, event_json
from truce.ledger.export import visible

MARK = "[restricted]"


def _ids(value: Any, out: set[str]) -> None:
    """The strings in an event's JSON that could identify it or its contents: ids (with a
    digit) and longer text (notes, sources); short words such as a category are left alone."""
    if isinstance(value, str):
        if len(value) >= 3 and (len(value) >= 12 or any(c.isdigit() for c in value)):
            out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _ids(v, out)
    elif isinstance(value, list):
        for v in value:
            _ids(v, out)


_KEEP = {"id", "type", "at", "recorded_at", "declared_by", "recorded_by", "track", "visibility"}


class Redactor:
    """Replace the secrets of one audience in JSON-like values."""

    def __init__(self, secrets: set[str]) -> None:
        self.secrets = secrets
        words = sorted(secrets, key=len, reverse=True)
        self._re = re.compile("|".join(re.escape(w) for w in words)) if words else None

    def text(self, s: str) -> str:
        return s if self._re is None else self._re.sub(MARK, s)

    def value(self, v: Any) -> Any:
        if self._re is None:
            return v
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, dict):
            return {self.text(k): self.value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        return v


def secrets_for(records: list[Record], audience: str) -> set[str]:
    """The hidden events' ids and the strings only they contain (list contents, notes),
    less any string a visible event contains too (the audience knows those already) and the
    common field values (types, parties, times), which say nothing about the list."""
    if audience == "mediator":
        return set()
    shown = visible(records, audience)
    seen = {r.seq for r in shown}
    ids: set[str] = set()  # a hidden event's id stays secret even where a visible one names it
    hidden: set[str] = set()
    public: set[str] = set()
    for r in records:
        body = event_json(r.event)
        target = public if r.seq in seen else hidden
        if r.seq not in seen:
            ids.add(r.event.id)
            body = {k: v for k, v in body.items() if k not in _KEEP}
        _ids(body, target)
    for r in records:  # what every event carries in common is not secret
        for k in _KEEP - {"id"}:
            v = getattr(r.event, k, None)
            if isinstance(v, str):
                public.add(v)
    return ids | {s for s in hidden - public - ids if s.strip()}
