"""A writer process for the crash and concurrency tests: appends ``w{W}-{i}`` one at a time and
prints each id only after ``append`` returned (the acknowledgement).

``python -m tests.ledger.faults.writer DB --writer W --start S --events N [--conditional]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from truce.errors import ConflictError
from truce.ledger.store.sqlite import SqliteLedger

from . import claim


def main(argv: list[str] | None = None) -> int:
    """Append events start..events-1 for one writer; exit 0 when all are acknowledged."""
    ap = argparse.ArgumentParser()
    ap.add_argument("db", type=Path)
    ap.add_argument("--writer", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--events", type=int, required=True)
    ap.add_argument("--conditional", action="store_true", help="append at the size just read")
    args = ap.parse_args(argv)
    store = SqliteLedger.open(args.db)
    conflicts = 0
    out = sys.stdout
    for i in range(args.start, args.events):
        eid = f"w{args.writer}-{i}"
        lf = claim(eid, i)
        if args.conditional:
            while True:
                try:
                    store.append([lf], expected_size=store.head().size)
                    break
                except ConflictError:
                    conflicts += 1
        else:
            store.append([lf])
        out.write(eid + "\n")
        out.flush()
    store.close()
    print(f"conflicts {conflicts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
