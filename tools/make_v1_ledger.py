"""Build tests/ledger/fixtures/ledger-v1.db: a schema-v1 SQLite ledger for the migration test.

Run from the repository root: ``python tools/make_v1_ledger.py``. The output is deterministic
in content (30 canonical claim leaves from 3 parties, mixed visibility), one file
(journal_mode=DELETE).
"""

from __future__ import annotations

import sys
from pathlib import Path

import apsw

from truce.ledger import merkle
from truce.ledger.leaf import encode_leaf
from truce.ledger.migrate import SCHEMA_V1

OUT = Path(__file__).resolve().parent.parent / "tests" / "ledger" / "fixtures" / "ledger-v1.db"
PARTIES = ("mediator", "party-a", "party-b")
VISIBILITY = ("public", "parties", "mediator")


def main(out: Path = OUT) -> int:
    """Write the v1 fixture (replacing any old one) and print its size and root."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    conn = apsw.Connection(str(out))
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(SCHEMA_V1)
    hashes: list[bytes] = []
    for i in range(1, 31):
        party = PARTIES[i % 3]
        event = {
            "id": f"e{i}",
            "type": "claim",
            "at": "2023-11-24T16:00:00+02:00",
            "recorded_at": "2023-11-24T16:00:00+02:00",
            "declared_by": party,
            "recorded_by": party,
            "text": f"claim {i}",
        }
        lf = encode_leaf("L-v1-fixture", event, VISIBILITY[(i // 3) % 3])
        h = merkle.leaf_hash(lf.data)
        hashes.append(h)
        conn.execute(
            "INSERT INTO entry(seq, event_id, type, party, data, hash) VALUES (?, ?, ?, ?, ?, ?)",
            (i, lf.event_id, lf.type, lf.party, lf.data, h),
        )
    conn.execute(
        "INSERT INTO head(id, size, root) VALUES (1, ?, ?)", (len(hashes), merkle.root(hashes))
    )
    conn.execute("INSERT INTO meta(key, value) VALUES ('ledger_id', 'L-v1-fixture')")
    conn.execute("COMMIT")
    conn.execute("VACUUM")
    conn.close()
    print(f"{out}: {len(hashes)} entries, root {merkle.root(hashes).hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
