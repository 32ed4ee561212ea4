"""A writer process for the directory concurrency test: appends claims one at a time through
`truce.ledger.record` (every append fully checked, conditional on the size it checked)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from truce.events import EVENT_ADAPTER
from truce.ledger.directory import LedgerDir
from truce.ledger.record import record


def main(directory: str, writer: int, count: int) -> None:
    with LedgerDir.open(Path(directory)) as d:
        for i in range(count):
            ev = EVENT_ADAPTER.validate_python(
                {
                    "id": f"w{writer}-{i}",
                    "type": "claim",
                    "at": datetime.fromisoformat("2023-11-26T12:00+02:00"),
                    "recorded_at": datetime.fromisoformat("2023-11-26T12:00+02:00"),
                    "declared_by": "icrc",
                    "recorded_by": f"writer-{writer}",
                    "text": f"claim {i} from writer {writer}",
                }
            )
            record(d, [ev], [f"writer {writer} #{i}"])
            print(ev.id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
