"""kill -9 harness (G5): writer processes SIGKILLed at random instants and restarted."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class CrashRun:
    """What happened: acknowledged ids per writer, kills, bad exits."""

    acked: dict[int, list[str]] = field(default_factory=dict)
    kills: int = 0
    bad_exits: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _spawn(
    db: Path, w: int, start: int, events: int, log: Path, conditional: bool
) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "tests.ledger.faults.writer",
        str(db),
        "--writer",
        str(w),
        "--start",
        str(start),
        "--events",
        str(events),
    ]
    if conditional:
        cmd.append("--conditional")
    with log.open("ab") as out:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.PIPE)


def _acked(log: Path) -> list[str]:
    text = log.read_text() if log.exists() else ""
    return [ln for ln in text.split("\n")[:-1] if ln]  # a line counts only once complete


def _drop_partial_line(log: Path) -> None:
    data = log.read_bytes() if log.exists() else b""
    if data and not data.endswith(b"\n"):
        log.write_bytes(data[: data.rfind(b"\n") + 1])


def run(
    db: Path,
    seed: int,
    writers: int = 4,
    events: int = 300,
    kills: int = 50,
    gap: tuple[float, float] = (0.02, 0.12),
    conditional: bool = False,
) -> CrashRun:
    """Run ``writers`` writers of ``events`` events each; SIGKILL a random live one every
    ``gap`` seconds until ``kills`` kills; restart killed writers at their first un-acked id."""
    rng = random.Random(seed)
    res = CrashRun()
    logs = {w: db.parent / f"writer{w}.log" for w in range(writers)}
    t0 = time.perf_counter()
    procs = {w: _spawn(db, w, 0, events, logs[w], conditional) for w in range(writers)}
    done: set[int] = set()
    while len(done) < writers:
        time.sleep(rng.uniform(*gap) if res.kills < kills else 0.05)
        for w, p in list(procs.items()):
            if w in done or p.poll() is None:
                continue
            err = p.stderr.read().decode() if p.stderr else ""
            if p.returncode == 0:
                done.add(w)
            elif p.returncode == -signal.SIGKILL:
                pass
            else:
                res.bad_exits.append(f"writer {w} exit {p.returncode}: {err[-500:]}")
                done.add(w)
        live = [w for w, p in procs.items() if w not in done and p.poll() is None]
        if res.kills < kills and live:
            w = rng.choice(live)
            os.kill(procs[w].pid, signal.SIGKILL)
            procs[w].wait()
            if procs[w].stderr:
                procs[w].stderr.read()
            res.kills += 1
            _drop_partial_line(logs[w])
            n = len(_acked(logs[w]))
            procs[w] = _spawn(db, w, n, events, logs[w], conditional)
    for w in range(writers):
        res.acked[w] = _acked(logs[w])
    res.seconds = time.perf_counter() - t0
    return res
