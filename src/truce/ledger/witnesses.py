"""The witnesses a ledger directory counts on (DIR/witnesses.toml): their names and public keys,
and the quorum of cosignatures its latest checkpoint needs. `verify` checks each cosignature by
a listed witness and says whether the latest checkpoint meets the quorum.

    quorum = 2
    [[witness]]
    name = "b.example/witness"
    public_key = "ed25519:..."
    url = "https://b.example/witness/add-checkpoint"   # optional: where to ask
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from truce.errors import BadInput
from truce.ledger.log import signing

FILE = "witnesses.toml"


@dataclass(frozen=True)
class Witness:
    name: str
    key: Ed25519PublicKey
    url: str | None


@dataclass(frozen=True)
class WitnessSet:
    """The listed witnesses and how many must cosign."""

    witnesses: tuple[Witness, ...]
    quorum: int

    def by_name(self) -> dict[str, Witness]:
        return {w.name: w for w in self.witnesses}


def load_witnesses(directory: Path) -> WitnessSet | None:
    """DIR/witnesses.toml, or None when the ledger lists no witnesses; a malformed file is
    BadInput naming it and what was expected."""
    path = directory / FILE
    if not path.exists():
        return None
    try:
        raw = tomllib.loads(path.read_text())
        items = raw.get("witness", [])
        ws = tuple(
            Witness(
                str(w["name"]),
                signing.parse_public_key(str(w["public_key"])),
                None if w.get("url") is None else str(w["url"]),
            )
            for w in items
        )
        quorum = int(raw.get("quorum", len(ws)))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise BadInput(
            f"expected quorum = N and [[witness]] tables with name and public_key ({exc})",
            where=str(path),
        ) from None
    if len({w.name for w in ws}) != len(ws):
        raise BadInput("witness names must be unique", where=str(path))
    if not 0 <= quorum <= len(ws):
        raise BadInput(f"quorum {quorum} is not between 0 and {len(ws)}", where=str(path))
    return WitnessSet(ws, quorum)
