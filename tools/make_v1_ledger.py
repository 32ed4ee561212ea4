"""Build tests/ledger/fixtures/ledger-v1.db: a schema-v1 SQLite ledger for the migration test.

Run from the repository root: ``python tools/make_v1_ledger.py``. The output is deterministic
in content (30 canonical claim leaves from 3 parties, mixed visibility), one file
(journal_mode=DELETE).
"""

from __future__ import annotations

import sys
from pathlib import Path

import apsw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.ledger.leaves, the one way tests make leaves

from tests.ledger.leaves import claim_leaf  # noqa: E402

from truce.ledger.log import merkle  # noqa: E402
from truce.ledger.store.migrate import SCHEMA_V1  # noqa: E402

OUT = ROOT / "tests" / "ledger" / "fixtures" / "ledger-v1.db"
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
        lf = claim_leaf(
            f"e{i}", f"claim {i}", PARTIES[i % 3], VISIBILITY[(i // 3) % 3], "L-v1-fixture"
        )
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
