"""What a reader never sees: with the 2023 ledger as recorded by 06:00 on 30 Nov, the holder's
liaison appends the 06:30 list for day 7 as restricted. A reader walks every read route, the
stream and every export: no byte names the list or carries its contents; the mediator sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.service.conftest import Served, list_7b
from truce.app.proofs import make_checkpoint

SECRET_NOTE = list_7b()["note"]


def _reads(s: Served) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", "/v1/agreements", {}),
        ("GET", s.url(), {}),
        ("GET", s.url("/terms"), {}),
        ("GET", s.url("/events?limit=1000"), {}),
        ("GET", s.url("/events?type=list_announced"), {}),
        ("GET", s.url("/events?day=7"), {}),
        ("GET", s.url("/events?party=hamas"), {}),
        ("GET", s.url("/status"), {}),
        ("GET", s.url("/status?at=2023-11-30T06:45%2B02:00"), {}),
        ("GET", s.url("/why/pause_days"), {}),
        ("GET", s.url("/why/counted"), {}),
        ("GET", s.url("/why/finding:1"), {}),
        ("GET", s.url("/why/finding:2"), {}),
        ("GET", s.url("/why/finding:3"), {}),
        ("POST", s.url("/check"), {"json": {"live": 8, "credit": 2}}),
        ("POST", s.url("/check"), {"json": {"live": 8, "credit": 9}}),  # an error names things
        ("GET", s.url("/verify"), {}),
        ("GET", s.url("/checkpoint"), {}),
        ("GET", s.url("/proofs/inclusion/list-7b"), {}),
        ("GET", s.url("/proofs/consistency?from=3"), {}),
        ("GET", s.url("/export?format=jsonl"), {}),
        ("GET", s.url("/export?format=csv"), {}),
        ("GET", s.url("/export?format=days"), {}),
    ]


def _stream_bytes(s: Served, role: str) -> bytes:
    with s.client.stream("GET", s.url("/stream"), headers=s.auth(role)) as resp:
        assert resp.status_code == 200
        got = b""
        for chunk in resp.iter_bytes():
            got += chunk
            if b"event: status" in got:  # the status comes after every stored append
                return got
    return got


def test_reader_sees_nothing_of_the_restricted_list(served: Served) -> None:
    r = served.client.post(
        served.url("/events"),
        json={"events": [{"event": list_7b()}]},
        headers=served.auth("party:hamas"),
    )
    assert r.status_code == 201, r.text
    accept = {
        "id": "accept-7b",
        "type": "list_accepted",
        "list": "list-7b",  # a public act naming the restricted list
        "at": "2023-11-30T06:45+02:00",
        "recorded_at": "2023-11-30T06:45+02:00",
        "declared_by": "israel",
        "recorded_by": "israel",
    }
    r = served.client.post(
        served.url("/events"),
        json={"events": [{"event": accept}]},
        headers=served.auth("party:israel"),
    )
    assert r.status_code == 201, r.text
    make_checkpoint(served.path)
    secrets = [b"list-7b", SECRET_NOTE.encode(), b"counted toward the day"]
    for role in ("reader", "witness"):
        for method, url, kw in _reads(served):
            resp = served.client.request(method, url, headers=served.auth(role), **kw)
            for secret in secrets:
                assert secret not in resp.content, f"{role} {method} {url}: {resp.text[:400]}"
            assert resp.status_code < 500, url
        body = _stream_bytes(served, role)
        for secret in secrets:
            assert secret not in body, f"{role} stream"
    # The mediator sees the list in the log, the stream and its export.
    med = served.auth("mediator:qatar")
    assert b"list-7b" in served.client.get(served.url("/events?limit=1000"), headers=med).content
    assert b"list-7b" in served.client.get(served.url("/export?format=jsonl"), headers=med).content
    assert b"list-7b" in _stream_bytes(served, "mediator:qatar")
    proof = served.client.get(served.url("/proofs/inclusion/list-7b"), headers=med)
    assert proof.status_code == 200 and proof.json()["event_id"] == "list-7b"


def test_figures_come_from_the_whole_record(served: Served) -> None:
    """A reader's status has the same numbers as the mediator's; only references differ."""
    served.client.post(
        served.url("/events"),
        json={"events": [{"event": list_7b()}]},
        headers=served.auth("party:hamas"),
    )
    a = served.client.get(served.url("/status"), headers=served.auth("reader")).json()
    b = served.client.get(served.url("/status"), headers=served.auth("mediator:qatar")).json()
    for k in ("pause_days", "ends_at", "counted", "balance", "prisoners_due", "creditable"):
        assert a[k] == b[k], k


def test_status_time_does_not_show_when_the_list_came(served: Served) -> None:
    """Below mediator, a status without `at` is taken at the latest event the role may see."""
    served.client.post(
        served.url("/events"),
        json={"events": [{"event": list_7b()}]},
        headers=served.auth("party:hamas"),
    )
    st = served.client.get(served.url("/status"), headers=served.auth("reader")).json()
    assert datetime.fromisoformat(st["at"]) < datetime.fromisoformat(list_7b()["at"])
    med = served.client.get(served.url("/status"), headers=served.auth("mediator:qatar")).json()
    assert datetime.fromisoformat(med["at"]) == datetime.fromisoformat(list_7b()["at"])
