"""Fuzz what reads untrusted bytes: checkpoint notes, stored leaves, events, proof bundles.
Each must either parse or raise truce's own error (never crash, never hang).
Run: python fuzz/fuzz_parsers.py -runs=1000000"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from pydantic import ValidationError

    from truce.errors import TruceError
    from truce.events import EVENT_ADAPTER
    from truce.ledger import proofs
    from truce.ledger.log import checkpoint, leaf

SEEDS = [
    b"truce/x\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 log AAAA\n",
    b'{"event":{"id":"a","type":"claim"},"ledger":"L","sig":null,"v":1,"visibility":"public"}',
    b'{"truce_proof":1,"kind":"inclusion","size":1,"root":"","proof":[]}',
]


def test_one(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    which = fdp.ConsumeIntInRange(0, 3)
    raw = fdp.ConsumeBytes(fdp.remaining_bytes())
    text = raw.decode("utf-8", "replace")
    if which == 0:
        with contextlib.suppress(TruceError):
            checkpoint.parse_note(text)
    elif which == 1:
        with contextlib.suppress(TruceError):
            leaf.decode_leaf(raw, 1)
    elif which == 2:
        with contextlib.suppress(ValidationError):
            EVENT_ADAPTER.validate_json(raw)
    else:
        with contextlib.suppress(TruceError):
            proofs.check(text, None)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
