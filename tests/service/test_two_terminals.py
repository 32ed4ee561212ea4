"""The issue's "done": a mediator and two parties, each with a token, work on one served ledger
through the command line and a real `truce serve` process on loopback. The holder's signed list
and the receiver's signed acceptance land; the mediator sees everything; a reader sees the
public record and nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import truce_exe
from tests.service.conftest import free_port, list_7b


def run(
    *args: str, token: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRUCE_TOKEN"}
    if token:
        env["TRUCE_TOKEN"] = token
    p = subprocess.run([truce_exe(), *args], capture_output=True, text=True, env=env, timeout=60)
    if check:
        assert p.returncode == 0, f"{args}: {p.stderr}"
    return p


@pytest.mark.timeout(180)
def test_mediator_and_parties_on_one_served_ledger(built_ledger: Path, tmp_path: Path) -> None:
    d = tmp_path / "gaza"
    shutil.copytree(built_ledger, d)
    tok = {
        role: run("token", "new", str(d), "--role", role).stdout.strip()
        for role in ("mediator:qatar", "party:hamas", "party:israel", "reader")
    }
    for party in ("hamas", "israel"):
        run("keys", "new", party, "--out", str(tmp_path / f"{party}.key"))
    port = free_port()
    server = subprocess.Popen(
        [truce_exe(), "serve", str(d), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.1)
        lid = httpx.get(
            base + "/v1/agreements", headers={"Authorization": f"Bearer {tok['reader']}"}
        ).json()[0]["id"]
        url = f"{base}/v1/agreements/{lid}"

        # Each party registers its first key (its own declaration), over HTTP.
        for party in ("hamas", "israel"):
            pub = (tmp_path / f"{party}.key.pub").read_text().strip()
            key_event = {
                "id": f"key-{party}",
                "type": "key_added",
                "at": "2023-11-30T06:10+02:00",
                "recorded_at": "2023-11-30T06:10+02:00",
                "declared_by": party,
                "recorded_by": party,
                "party": party,
                "public_key": pub,
            }
            f = tmp_path / f"key-{party}.jsonl"
            f.write_text(json.dumps(key_event) + "\n")
            run("record", url, str(f), token=tok[f"party:{party}"])

        # The holder's liaison: the 06:30 list, signed on its machine.
        lst = tmp_path / "list.jsonl"
        lst.write_text(json.dumps(list_7b()) + "\n")
        unsigned = run("record", url, str(lst), token=tok["party:hamas"], check=False)
        assert unsigned.returncode == 2 and "must be signed" in unsigned.stderr
        rec = run(
            "record",
            url,
            str(lst),
            "--key",
            str(tmp_path / "hamas.key"),
            "--json",
            token=tok["party:hamas"],
        )
        assert json.loads(rec.stdout)["added"]

        # The receiver's liaison: its acceptance, signed.
        acc = tmp_path / "accept.jsonl"
        acc.write_text(
            json.dumps(
                {
                    "id": "accept-7b",
                    "type": "list_accepted",
                    "list": "list-7b",
                    "at": "2023-11-30T06:45+02:00",
                    "recorded_at": "2023-11-30T06:45+02:00",
                    "declared_by": "israel",
                    "recorded_by": "israel",
                }
            )
            + "\n"
        )
        run(
            "record",
            url,
            str(acc),
            "--key",
            str(tmp_path / "israel.key"),
            token=tok["party:israel"],
        )
        # A party may not declare for the other.
        other = run(
            "record",
            url,
            str(acc),
            "--key",
            str(tmp_path / "hamas.key"),
            token=tok["party:hamas"],
            check=False,
        )
        assert other.returncode == 2

        # The mediator sees everything; the ledger verifies, served and offline.
        med = run("export", url, "--format", "jsonl", token=tok["mediator:qatar"]).stdout
        assert "list-7b" in med and "accept-7b" in med
        assert json.loads(run("verify", url, "--json", token=tok["reader"]).stdout)["ok"]
        status = json.loads(run("status", url, "--json", token=tok["mediator:qatar"]).stdout)
        assert status["acts"] and any("accept-7b" in json.dumps(a) for a in status["acts"])

        # The reader: the public record, and nothing of the restricted list.
        pub = run("export", url, "--format", "jsonl", token=tok["reader"]).stdout
        assert "accept-7b" in pub and "list-7b" not in pub  # the act is public, its list is not
        rstatus = run("status", url, "--json", token=tok["reader"]).stdout
        assert "list-7b" not in rstatus and list_7b()["note"] not in rstatus
        # Bad token: exit 2 with the problem's words.
        bad = run("status", url, token="truce_nope_nope", check=False)
        assert bad.returncode == 2 and "token" in bad.stderr
    finally:
        server.terminate()
        server.wait(10)
    assert run("verify", str(d), "--json").returncode == 0
