"""`truce sync DIR URL`: a replica follows a served ledger through its tlog tiles, every entry
checked against the hash tiles and the same refusals as a directory source; a history rewritten
on the server is refused with exit 3 naming the seq; a token that cannot read every entry gets
the log up to the first it may not read (a prefix, never a copy with holes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx

from tests.conftest import truce_exe
from tests.service.conftest import Clock, Live, rewrite_entry, running


def _sync(replica: Path, url: str, token: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRUCE_TOKEN": token}
    return subprocess.run(
        [truce_exe(), "sync", str(replica), url, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _claim(i: int) -> dict[str, object]:
    return {
        "id": f"sync-{i}",
        "type": "claim",
        "at": "2023-11-30T07:00+02:00",
        "recorded_at": "2023-11-30T07:00+02:00",
        "declared_by": "qatar",
        "recorded_by": "qatar",
        "text": f"statement {i}",
    }


def test_a_replica_follows_a_served_ledger(live: Live, tmp_path: Path) -> None:
    replica = tmp_path / "replica"
    shutil.copytree(live.path, replica)
    for i in range(3):
        r = httpx.post(
            live.url("/events"),
            json={"events": [{"event": _claim(i)}]},
            headers=live.auth("mediator:qatar"),
        )
        assert r.status_code == 201, r.text
    p = _sync(replica, live.url(), live.tokens["mediator:qatar"])
    assert p.returncode == 0, p.stderr
    assert '"pulled": 3' in p.stdout
    v = subprocess.run([truce_exe(), "verify", str(replica)], capture_output=True, text=True)
    assert v.returncode == 0, v.stderr
    assert _sync(replica, live.url(), live.tokens["mediator:qatar"]).stdout.count('"pulled": 0')
    # A party's token does not see the mediator-only list of 30 Nov, but this copy holds it
    # already: the party's sync reads only what comes after and follows past it.
    r = httpx.post(
        live.url("/events"),
        json={"events": [{"event": _claim(3)}]},
        headers=live.auth("mediator:qatar"),
    )
    assert r.status_code == 201, r.text
    party = _sync(replica, live.url(), live.tokens["party:hamas"])
    assert party.returncode == 0, party.stderr
    out = json.loads(party.stdout)
    assert out["pulled"] == 1 and out["withheld_from"] is None


def test_a_replica_cloned_from_a_url(live: Live, tmp_path: Path) -> None:
    """`truce clone URL DIR`: the terms file and log key from the server, every entry through
    the tiles; the copy verifies and then follows with `truce sync DIR URL`."""
    from truce.app.proofs import make_checkpoint

    make_checkpoint(live.path)  # tiles exist at checkpointed sizes
    env = {**os.environ, "TRUCE_TOKEN": live.tokens["mediator:qatar"]}
    copy = tmp_path / "copy"
    p = subprocess.run(
        [truce_exe(), "clone", live.url(), str(copy), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert (copy / "terms.toml").read_bytes() == (live.path / "terms.toml").read_bytes()
    v = subprocess.run([truce_exe(), "verify", str(copy), "--json"], capture_output=True, text=True)
    assert v.returncode == 0 and '"ok": true' in v.stdout, v.stderr
    r = httpx.post(
        live.url("/events"),
        json={"events": [{"event": _claim(5)}]},
        headers=live.auth("mediator:qatar"),
    )
    assert r.status_code == 201
    assert '"pulled": 1' in _sync(copy, live.url(), live.tokens["mediator:qatar"]).stdout
    # A party's token: the copy stops before the mediator-only list of 30 Nov (withheld from
    # its role), holds everything before it, verifies, and follows with that token.
    env["TRUCE_TOKEN"] = live.tokens["party:israel"]
    other = tmp_path / "other"
    p = subprocess.run(
        [truce_exe(), "clone", live.url(), str(other), "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    seq = json.loads(p.stdout)["withheld_from"]
    listed = httpx.get(
        live.url(f"/events?after_seq={seq - 1}&limit=1"), headers=live.auth("mediator:qatar")
    ).json()
    first = listed["items"][0]
    assert first["seq"] == seq and first["event"]["type"] == "list_announced", first
    assert first["event"]["at"].startswith("2023-11-30"), first
    v = subprocess.run(
        [truce_exe(), "verify", str(other), "--json"], capture_output=True, text=True
    )
    assert v.returncode == 0 and json.loads(v.stdout)["size"] == seq - 1, v.stdout + v.stderr
    text = subprocess.run(
        [truce_exe(), "sync", str(other), live.url()], capture_output=True, text=True, env=env
    )
    assert text.returncode == 0 and f"stopped before seq {seq}: withheld" in text.stdout


def test_a_rewritten_history_is_refused(live: Live, tmp_path: Path) -> None:
    from truce.service.app import create_app

    replica = tmp_path / "replica"
    shutil.copytree(live.path, replica)
    # The server's database edited behind its back, then served afresh and appended to.
    rewrite_entry(live.path)
    app = create_app([live.path], clock=Clock())
    with running(app) as base:
        url = f"{base}/v1/agreements/{live.ledger_id}"
        h = live.auth("mediator:qatar")
        assert (
            httpx.post(
                url + "/events", json={"events": [{"event": _claim(9)}]}, headers=h
            ).status_code
            == 201
        )
        p = _sync(replica, url, live.tokens["mediator:qatar"])
        assert p.returncode == 3, p.stdout + p.stderr
        assert "differs from ours at seq 3" in p.stderr, p.stderr


def test_a_split_view_is_reported_with_both_checkpoints(live: Live, tmp_path: Path) -> None:
    """The server signs a checkpoint of a rewritten history at a size the replica already holds
    a signed checkpoint for: two signed checkpoints, one size; sync says so and shows both."""
    from truce.app.proofs import make_checkpoint
    from truce.service.app import create_app

    ours = make_checkpoint(live.path).note
    replica = tmp_path / "replica"
    shutil.copytree(live.path, replica)
    rewrite_entry(live.path)
    theirs = make_checkpoint(live.path).note  # same size, another root, the log's own key
    assert theirs.splitlines()[1] == ours.splitlines()[1] and theirs != ours
    app = create_app([live.path], clock=Clock())
    with running(app) as base:
        url = f"{base}/v1/agreements/{live.ledger_id}"
        p = _sync(replica, url, live.tokens["mediator:qatar"])
        assert p.returncode == 3, p.stdout + p.stderr
        assert "split view" in p.stderr
        assert ours.splitlines()[2] in p.stderr and theirs.splitlines()[2] in p.stderr
