"""The event stream over real HTTP: appends reach subscribers as they land, a status event
follows when the headline figures change, and Last-Event-ID resumes after the last seen seq."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from tests.service.conftest import Live


def _read_events(resp: httpx.Response, want: int, out: list[dict[str, Any]]) -> None:
    buf = ""
    for text in resp.iter_text():
        buf += text
        while "\n\n" in buf:
            frame, buf = buf.split("\n\n", 1)
            fields = dict(
                line.split(": ", 1) for line in frame.splitlines() if not line.startswith(":")
            )
            if "event" in fields:
                out.append(fields)
                if sum(e["event"] == "append" for e in out) >= want:
                    return


def claim(i: int) -> dict[str, Any]:
    return {
        "id": f"s-{i}",
        "type": "claim",
        "at": "2023-11-30T07:00+02:00",
        "recorded_at": "2023-11-30T07:00+02:00",
        "declared_by": "hamas",
        "recorded_by": "hamas",
        "text": f"statement {i}",
    }


def test_appends_reach_subscribers_and_resume(live: Live) -> None:
    size = httpx.get(live.url(), headers=live.auth("reader")).json()["size"]
    got: list[dict[str, Any]] = []
    with (
        httpx.Client(timeout=30) as c,
        c.stream(
            "GET", live.url("/stream"), headers=live.auth("reader") | {"Last-Event-ID": str(size)}
        ) as resp,
    ):
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        t = threading.Thread(target=_read_events, args=(resp, 2, got))
        t.start()
        time.sleep(0.3)
        for i in range(2):
            r = httpx.post(
                live.url("/events"),
                json={"events": [{"event": claim(i)}]},
                headers=live.auth("party:hamas"),
            )
            assert r.status_code == 201
        t.join(15)
    kinds = [e["event"] for e in got]
    assert kinds[0] == "status" and kinds.count("append") == 2, kinds  # status first, then news
    appends = [e for e in got if e["event"] == "append"]
    assert [int(e["id"]) for e in appends] == [size + 1, size + 2]
    assert json.loads(appends[0]["data"])["event"]["id"] == "s-0"
    # Resume after the first: only the second comes again.
    again: list[dict[str, Any]] = []
    with (
        httpx.Client(timeout=30) as c,
        c.stream(
            "GET",
            live.url("/stream"),
            headers=live.auth("reader") | {"Last-Event-ID": str(size + 1)},
        ) as resp,
    ):
        _read_events(resp, 1, again)
    assert [json.loads(e["data"])["event"]["id"] for e in again if e["event"] == "append"] == [
        "s-1"
    ]
