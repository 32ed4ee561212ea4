"""A truce server as a C2SP tlog-witness (c2sp.org/tlog-witness) for other logs:
``POST /witness/add-checkpoint`` with ``old <size>``, the consistency proof (one base64 hash a
line), a blank line and the checkpoint note. The witness cosigns only a checkpoint that extends
the last one it cosigned for that origin (its state is persisted before it answers); 409 with
``text/x.tlog.size`` (the size it holds) for a stale ``old``, a truncation or two histories at
one size; 422 for a proof that does not verify; 403 for a log signature that does not; 404 for a
log it does not witness. The answer is the cosignature line(s)."""

from __future__ import annotations

import base64
import binascii
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from truce.errors import BadInput, ProofError, SignatureError
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import signing
from truce.service import problems

router = APIRouter()
SIZE_MEDIA = "text/x.tlog.size"


@dataclass(frozen=True)
class WitnessConfig:
    """This server's witness: its name and key, its state file, and the logs it witnesses
    (origin -> the log's signer name and public key)."""

    name: str
    key: Ed25519PrivateKey
    state: Path
    logs: dict[str, tuple[str | None, Ed25519PublicKey]]

    @classmethod
    def load(cls, path: Path, passphrase: bytes | None = None) -> WitnessConfig:
        """From a TOML file: name, key (a private key file), state (a JSON file), and one
        [[log]] table per log: origin, public_key (ed25519:... or a .pub file), name (the
        log's key name; default: its origin, or ``log`` as earlier truce logs signed).
        Relative paths are relative to the file."""
        try:
            raw: dict[str, Any] = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise BadInput(
                f"cannot read the witness configuration: {exc}", where=str(path)
            ) from None
        base = path.parent
        try:
            logs = {}
            for log in raw.get("log", []):
                pub = str(log["public_key"])
                if not pub.startswith(signing.PUBLIC_KEY_PREFIX):
                    pub = (base / pub).read_text().strip()
                logs[str(log["origin"])] = (
                    str(log["name"]) if "name" in log else None,
                    signing.parse_public_key(pub),
                )
            return cls(
                name=str(raw["name"]),
                key=signing.load_private_key(base / str(raw["key"]), passphrase),
                state=base / str(raw.get("state", "witness-state.json")),
                logs=logs,
            )
        except KeyError as exc:
            raise BadInput(f"missing key {exc.args[0]!r}", where=str(path)) from None
        except OSError as exc:
            raise BadInput(f"cannot read {exc.filename}: {exc.strerror}", where=str(path)) from None


def parse_request(text: str) -> tuple[int, list[bytes], str]:
    """(old size, proof hashes, checkpoint note) from an add-checkpoint body."""
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines or not lines[0].startswith("old "):
        raise BadInput("expected 'old N', the proof lines, a blank line and the checkpoint")
    size = lines[0][4:]
    if not size.isdigit() or size != str(int(size)):
        raise BadInput(f"old size must be a decimal without leading zeros, got {size!r}")
    try:
        proof = [base64.b64decode(x, validate=True) for x in lines[1:]]
    except (binascii.Error, ValueError):
        raise BadInput("a proof line is not base64") from None
    if any(len(h) != 32 for h in proof) or len(proof) > 63:
        raise BadInput("a proof is at most 63 hashes of 32 bytes")
    return int(size), proof, note


@router.post(
    "/witness/add-checkpoint",
    openapi_extra={"x-access": "public"},
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {}}},
        409: {"content": {SIZE_MEDIA: {"schema": {"type": "string"}}}},
    },
)
async def add_checkpoint(request: Request) -> Response:
    """Cosign another log's checkpoint if it extends the last one this witness cosigned."""
    config: WitnessConfig | None = request.app.state.settings.witness
    if config is None:
        return _plain(404, "this server is not a witness\n")
    try:
        old, proof, note = parse_request((await request.body()).decode("utf-8"))
        signed = cpt.parse_note(note)
    except (BadInput, UnicodeDecodeError) as exc:
        return _plain(400, f"{exc}\n")
    log = config.logs.get(signed.checkpoint.origin)
    if log is None:
        return _plain(404, f"not a log this witness follows: {signed.checkpoint.origin}\n")
    witness = cpt.Witness(config.state, config.name, config.key)
    now = int(request.app.state.clock().timestamp())
    try:
        cosigned = witness.add_checkpoint(signed, log[0], log[1], old, proof, now)
    except cpt.WitnessConflict as exc:
        return Response(f"{exc.known_size}\n", status_code=409, media_type=SIZE_MEDIA)
    except SignatureError as exc:
        return _plain(403, f"{exc}\n")
    except (ProofError, BadInput) as exc:
        return _plain(422, f"{exc}\n")
    lines = [s.line() for s in cosigned.signatures if s.name == config.name]
    return PlainTextResponse("".join(line + "\n" for line in lines))


_NAMES = {400: "bad-input", 403: "signature", 404: "not-found", 422: "proof"}


def _plain(status: int, text: str) -> Response:
    """A refusal as problem details (the spec fixes the statuses, not the bodies)."""
    return problems.problem(status, _NAMES[status], text.strip())
