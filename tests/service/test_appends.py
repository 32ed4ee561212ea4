"""Appends over HTTP: the record path with roles, signatures made on the client, expected
sizes, and Idempotency-Key (IETF draft) semantics, on a real server on loopback for the races."""

from __future__ import annotations

import base64
import threading
from typing import Any

import httpx
import pytest

from tests.service.conftest import Live, Served
from truce.app.ledger import verify_ledger
from truce.ledger.log import signing
from truce.ledger.log.leaf import canonical


def claim(i: int, who: str = "hamas", **kw: Any) -> dict[str, Any]:
    return {
        "id": f"c-{who}-{i}",
        "type": "claim",
        "at": "2023-11-30T07:00+02:00",
        "recorded_at": "2023-11-30T07:00+02:00",
        "declared_by": who,
        "recorded_by": who,
        "text": f"statement {i}",
    } | kw


def key_event(party: str, key: Any) -> dict[str, Any]:
    """A party registering its own first key."""
    return {
        "id": f"key-{party}-1",
        "type": "key_added",
        "at": "2023-11-30T07:00+02:00",
        "recorded_at": "2023-11-30T07:00+02:00",
        "declared_by": party,
        "recorded_by": party,
        "party": party,
        "public_key": signing.public_key_text(key.public_key()),
    }


def sign(key: Any, ledger_id: str, ev: dict[str, Any]) -> dict[str, str]:
    """What a client does: sign the canonical event for this ledger with its own key."""
    from truce.events import EVENT_ADAPTER
    from truce.ledger.directory import event_json

    body = canonical(event_json(EVENT_ADAPTER.validate_python(ev)))
    sig = signing.sign_event(key, ledger_id, ev["type"], ev["id"], body)
    return {"key": signing.key_id(key.public_key()), "value": base64.b64encode(sig).decode()}


def post(s: Served, role: str, *events: dict[str, Any], **kw: Any) -> httpx.Response:
    items = [{"event": e} for e in events]
    return s.client.post(s.url("/events"), json={"events": items, **kw}, headers=s.auth(role))


def test_party_appends_its_own_and_nothing_else(served: Served) -> None:
    r = post(served, "party:hamas", claim(1))
    assert r.status_code == 201 and r.json()["added"] and r.json()["already"] == 0
    r = post(served, "party:hamas", claim(2, who="israel") | {"recorded_by": "hamas"})
    assert r.status_code == 403 and r.json()["type"] == "/problems/forbidden", r.text
    assert r.json()["pointer"] == "/events/0/event/declared_by"
    r = post(served, "reader", claim(3))
    assert r.status_code == 403


def test_mediator_relays_only_for_parties_without_a_key(served: Served) -> None:
    r = post(served, "mediator:qatar", claim(1) | {"recorded_by": "qatar"})
    assert r.status_code == 201, r.text
    key = signing.new_key()
    kev = key_event("hamas", key)
    assert post(served, "party:hamas", kev).status_code == 201
    r = post(served, "mediator:qatar", claim(2) | {"recorded_by": "qatar"})
    assert r.status_code == 403 and "has a signing key" in r.json()["detail"]


def test_signatures_are_checked(served: Served) -> None:
    key, other = signing.new_key(), signing.new_key()
    kev = key_event("hamas", key)
    assert post(served, "party:hamas", kev).status_code == 201
    lid = served.ledger_id
    # unsigned
    r = post(served, "party:hamas", claim(1))
    assert r.status_code == 422 and "must be signed" in r.json()["detail"], r.text
    # signed by a key that is not hamas's
    ev = claim(2)
    bad = {"events": [{"event": ev, "signature": sign(other, lid, ev)}]}
    r = served.client.post(served.url("/events"), json=bad, headers=served.auth("party:hamas"))
    assert r.status_code == 422, r.text
    # signed with the other party's registered key
    ikey = signing.new_key()
    ikev = key_event("israel", ikey)
    assert post(served, "party:israel", ikev).status_code == 201
    ev = claim(7)
    theirs = {"events": [{"event": ev, "signature": sign(ikey, lid, ev)}]}
    r = served.client.post(served.url("/events"), json=theirs, headers=served.auth("party:hamas"))
    assert r.status_code == 422 and "hamas" in r.json()["detail"], r.text
    # the right key over other content
    sig = sign(key, lid, claim(3))
    forged = {"events": [{"event": claim(4), "signature": sig}]}
    r = served.client.post(served.url("/events"), json=forged, headers=served.auth("party:hamas"))
    assert r.status_code == 422 and "does not verify" in r.json()["detail"], r.text
    # correctly signed: lands, and the ledger verifies offline
    ok = {"events": [{"event": claim(5), "signature": sign(key, lid, claim(5))}]}
    r = served.client.post(served.url("/events"), json=ok, headers=served.auth("party:hamas"))
    assert r.status_code == 201, r.text
    v = verify_ledger(served.path)
    assert v.ok and v.signed == 1  # the first key was registered unsigned; the claim signed
    # revoked key: refused
    rev = kev | {"id": "key-hamas-revoke", "type": "key_revoked"}
    r = served.client.post(
        served.url("/events"),
        json={"events": [{"event": rev, "signature": sign(key, lid, rev)}]},
        headers=served.auth("party:hamas"),
    )
    assert r.status_code == 201, r.text
    late = {"events": [{"event": claim(6), "signature": sign(key, lid, claim(6))}]}
    r = served.client.post(served.url("/events"), json=late, headers=served.auth("party:hamas"))
    assert r.status_code == 422, r.text


def test_expected_size(served: Served) -> None:
    size = served.client.get(served.url(), headers=served.auth("reader")).json()["size"]
    r = post(served, "party:hamas", claim(1), expected_size=size - 1)
    assert r.status_code == 409 and r.json()["type"] == "/problems/size-conflict"
    assert r.json()["current_size"] == size
    assert post(served, "party:hamas", claim(1), expected_size=size).status_code == 201


def test_idempotency_key(served: Served) -> None:
    h = served.auth("party:hamas") | {"Idempotency-Key": "k-1"}
    body = {"events": [{"event": claim(1)}]}
    a = served.client.post(served.url("/events"), json=body, headers=h)
    b = served.client.post(served.url("/events"), json=body, headers=h)
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    other = {"events": [{"event": claim(2)}]}
    c = served.client.post(served.url("/events"), json=other, headers=h)
    assert c.status_code == 422 and c.json()["type"] == "/problems/idempotency-mismatch"


def test_idempotency_in_flight(served: Served) -> None:
    store = served.client.app.state.idempotency  # type: ignore[attr-defined]
    tok = next(iter(store._entries), None)
    assert tok is None
    body = {"events": [{"event": claim(1)}]}
    import json

    from truce.service.idempotency import IdempotencyStore

    assert isinstance(store, IdempotencyStore)
    # The first request is still running: what its retry sees.
    from hashlib import sha256

    raw = json.dumps(body).encode()
    token_id = served.tokens["party:hamas"].split("_")[1]
    store.begin((token_id, served.ledger_id, "k-2"), sha256(raw).hexdigest())
    r = served.client.post(
        served.url("/events"),
        content=raw,
        headers=served.auth("party:hamas")
        | {"Idempotency-Key": "k-2", "Content-Type": "application/json"},
    )
    assert r.status_code == 409 and r.json()["type"] == "/problems/idempotency-in-flight"


@pytest.mark.timeout(120)
def test_sixteen_clients_same_500_events(live: Live) -> None:
    """16 clients post the same 500 events at once (each batch with its own key): exactly 500
    are stored, and the log verifies."""
    events = [claim(i) for i in range(500)]
    batches = [events[i : i + 50] for i in range(0, 500, 50)]
    errors: list[str] = []

    def client(n: int) -> None:
        with httpx.Client(timeout=60) as c:
            for b in batches[n % 10 :] + batches[: n % 10]:
                r = c.post(
                    live.url("/events"),
                    json={"events": [{"event": e} for e in b]},
                    headers=live.auth("party:hamas"),
                )
                if r.status_code != 201:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    size0 = httpx.get(live.url(), headers=live.auth("reader")).json()["size"]
    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    size = httpx.get(live.url(), headers=live.auth("reader")).json()["size"]
    assert size - size0 == 500
    ids = [
        e["event"]["id"]
        for e in httpx.get(
            live.url(f"/events?after_seq={size0}&limit=1000"), headers=live.auth("mediator:qatar")
        ).json()["items"]
    ]
    assert sorted(ids) == sorted(e["id"] for e in events)
    assert verify_ledger(live.path).ok


def test_two_writers_same_size_one_conflicts_then_retries(live: Live) -> None:
    size = httpx.get(live.url(), headers=live.auth("reader")).json()["size"]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def write(who: str) -> None:
        barrier.wait()
        r = httpx.post(
            live.url("/events"),
            json={"events": [{"event": claim(1, who=who)}], "expected_size": size},
            headers=live.auth(f"party:{who}"),
        )
        results.append(r.status_code)

    ts = [threading.Thread(target=write, args=(w,)) for w in ("hamas", "israel")]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(results) == [201, 409]
    now = httpx.get(live.url(), headers=live.auth("reader")).json()["size"]
    loser = (
        "israel"
        if httpx.get(live.url(f"/events?after_seq={size}"), headers=live.auth("reader")).json()[
            "items"
        ][0]["event"]["declared_by"]
        == "hamas"
        else "hamas"
    )
    r = httpx.post(
        live.url("/events"),
        json={"events": [{"event": claim(1, who=loser)}], "expected_size": now},
        headers=live.auth(f"party:{loser}"),
    )
    assert r.status_code == 201, r.text
