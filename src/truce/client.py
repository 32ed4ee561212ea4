"""A small HTTP client for a served ledger (`truce serve`): what the CLI uses when it is given a
URL (``http://HOST:PORT/v1/agreements/LEDGER_ID``) instead of a directory. The token comes from
the caller (the CLI reads ``TRUCE_TOKEN``; never a command-line argument); events are signed
here, on the client, so the server never holds a party's private key."""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import TypeAdapter

from truce.app.deal_schemas import CheckOut, StatusOut, TimetableOut, WhyOut
from truce.app.ledger_schemas import RecordOut, VerifyOk, VerifyOut
from truce.errors import (
    BadInput,
    ConflictError,
    IntegrityError,
    LedgerError,
    MissingExtra,
    NotAllowed,
    ProposalError,
    StoreError,
    TruceError,
)
from truce.ledger.directory import event_json
from truce.ledger.log import signing
from truce.ledger.log.leaf import canonical

_VERIFY = TypeAdapter(VerifyOut)
_ERRORS: dict[str, type[BadInput]] = {
    "invalid-events": LedgerError,
    "duplicate-id": LedgerError,
    "invalid-proposal": ProposalError,
    "forbidden": NotAllowed,
    "unauthorized": NotAllowed,
}


def is_url(text: str) -> bool:
    """Whether a ledger argument names a served ledger rather than a path."""
    return text.startswith(("http://", "https://"))


class Client:
    """One served agreement: ``url`` is its base, ``/v1/agreements/LEDGER_ID``."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 30.0) -> None:
        try:
            import httpx
        except ImportError:
            raise MissingExtra("httpx", "service") from None
        parts = urlsplit(url.rstrip("/"))
        segs = parts.path.strip("/").split("/")
        if (
            parts.scheme not in ("http", "https")
            or len(segs) != 3
            or segs[:2] != ["v1", "agreements"]
        ):
            raise BadInput("expected http(s)://HOST:PORT/v1/agreements/LEDGER_ID", where=url)
        if not token:
            raise BadInput("a served ledger needs a token: set TRUCE_TOKEN", param="token")
        self.url = url.rstrip("/")
        self.ledger_id = segs[2]
        self._http = httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------

    def _call(self, method: str, path: str, retries: int = 3, **kw: Any) -> Any:
        """One request; connection failures and 5xx are retried (an append carries its
        Idempotency-Key, so a retry cannot store twice); problem details become errors."""
        import httpx

        for attempt in range(retries):
            try:
                r = self._http.request(method, self.url + path, **kw)
            except httpx.HTTPError as exc:
                if attempt == retries - 1:
                    raise StoreError(f"cannot reach {self.url}: {exc}") from None
                time.sleep(0.2 * (attempt + 1))
                continue
            if r.status_code >= 500 and attempt < retries - 1:
                time.sleep(0.2 * (attempt + 1))
                continue
            if r.status_code >= 400:
                raise _error(r)
            return r
        raise StoreError(f"cannot reach {self.url}")

    def status(self, at: str | None = None, as_of: str | None = None) -> StatusOut:
        params = {k: v for k, v in (("at", at), ("as_of", as_of)) if v is not None}
        return StatusOut.model_validate(self._call("GET", "/status", params=params).json())

    def timetable(self, at: str | None = None, as_of: str | None = None) -> TimetableOut:
        params = {k: v for k, v in (("at", at), ("as_of", as_of)) if v is not None}
        return TimetableOut.model_validate(self._call("GET", "/timetable", params=params).json())

    def why(self, name: str, at: str | None = None, as_of: str | None = None) -> WhyOut:
        params = {k: v for k, v in (("at", at), ("as_of", as_of)) if v is not None}
        r = self._call("GET", f"/why/{quote(name, safe='')}", params=params)
        return WhyOut.model_validate(r.json())

    def check(self, body: dict[str, Any]) -> CheckOut:
        return CheckOut.model_validate(self._call("POST", "/check", json=body).json())

    def verify(self) -> VerifyOut:
        return _VERIFY.validate_python(self._call("GET", "/verify").json())

    def export(self, fmt: str = "jsonl", include_personal: bool = False) -> str:
        params = {"format": fmt, "include_personal": str(include_personal).lower()}
        return str(self._call("GET", "/export", params=params).text)

    def report(
        self,
        fmt: str,
        lang: str,
        at: str | None = None,
        as_of: str | None = None,
        include_personal: bool = False,
    ) -> bytes:
        """The served ledger's briefing (``fmt`` "html" or "pdf"), as `truce report` makes it."""
        params = {"lang": lang, "include_personal": str(include_personal).lower()}
        params |= {k: v for k, v in (("at", at), ("as_of", as_of)) if v is not None}
        return bytes(self._call("GET", f"/report.{fmt}", params=params).content)

    def tlog(self, path: str) -> bytes:
        """GET ``tlog/<path>`` (the checkpoint, a tile, an entry bundle) as bytes."""
        return bytes(self._call("GET", f"/tlog/{path}").content)

    def file(self, name: str) -> bytes:
        """One of the files a replica needs (``terms.toml``, ``log.pub``)."""
        return bytes(self._call("GET", f"/files/{name}").content)

    def terms_document(self) -> dict[str, Any]:
        return dict(self._call("GET", "/terms").json()["terms"])

    def record(
        self,
        events: list[dict[str, Any]],
        key: Ed25519PrivateKey | None = None,
        expected_size: int | None = None,
    ) -> RecordOut:
        """Append a batch (signed here with ``key``), retried safely with one Idempotency-Key."""
        from truce.events import EVENT_ADAPTER

        items = []
        for obj in events:
            item: dict[str, Any] = {"event": obj}
            if key is not None:
                ev = EVENT_ADAPTER.validate_python(obj)
                sig = signing.sign_event(
                    key, self.ledger_id, ev.type, ev.id, canonical(event_json(ev))
                )
                item["signature"] = {
                    "key": signing.key_id(key.public_key()),
                    "value": base64.b64encode(sig).decode(),
                }
            items.append(item)
        body: dict[str, Any] = {"events": items}
        if expected_size is not None:
            body["expected_size"] = expected_size
        r = self._call("POST", "/events", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        return RecordOut.model_validate(r.json())


def _error(r: Any) -> TruceError:
    """A problem-details response as the library's exception (the CLI maps it to an exit code)."""
    try:
        p = r.json()
        name = str(p.get("type", "")).rsplit("/", 1)[-1]
        detail = str(p.get("detail", r.text))
    except ValueError:
        return StoreError(f"HTTP {r.status_code}: {r.text[:200]}")
    where = p.get("where") or p.get("pointer")
    if name == "size-conflict":
        return ConflictError(detail, current_size=p.get("current_size"))
    if name in ("integrity", "signature", "proof"):
        return IntegrityError(detail, seq=p.get("seq"))
    if r.status_code in (429, 503) or name == "storage-unavailable":
        return StoreError(f"{detail} (HTTP {r.status_code})")
    cls = _ERRORS.get(name, BadInput)
    return cls(detail, where=str(where) if where else None)


def events_from_file(client: Client, path: Path) -> list[dict[str, Any]]:
    """The events of a JSONL events file or a day-summary CSV (read with the served terms)."""
    from truce.ledger.load import load_days_csv, read_events_jsonl
    from truce.terms import parse_terms

    if path.suffix.lower() == ".csv":
        terms = parse_terms(client.terms_document(), f"{client.url}/terms")
        return [event_json(e.event) for e in load_days_csv(path, terms).entries]
    events, _ = read_events_jsonl(path)
    return [event_json(e) for e in events]


__all__ = ["Client", "VerifyOk", "events_from_file", "is_url"]
