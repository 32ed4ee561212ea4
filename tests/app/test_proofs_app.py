"""Checkpoints, cosignatures and proof bundles through the application functions, in-process:
a bundle made by ``prove_*`` checks offline with ``verify_proof_bundle``, and a cosignature is
refused (nothing stored) unless made with a key registered to the party."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from truce.app.ledger import change_key, verify_ledger
from truce.app.ledger_schemas import VerifyOk
from truce.app.proofs import (
    cosign_checkpoint,
    make_checkpoint,
    prove_consistency,
    prove_inclusion,
    verify_proof_bundle,
)
from truce.errors import BadInput, ProofError
from truce.ledger.directory import LedgerDir
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import signing

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _checkpoints(d: Path) -> list[int]:
    with LedgerDir.open(d) as ld:
        return [size for size, _ in ld.store.checkpoints()]


def _log_key(d: Path) -> Ed25519PublicKey:
    return signing.parse_public_key((d / "keys" / "log.pub").read_text().strip())


def test_checkpoint_signs_the_head(gaza_ledger: Path) -> None:
    c = make_checkpoint(gaza_ledger)
    assert (c.size, c.cosigned_by) == (43, None)
    note = cpt.parse_note(c.note)
    v = verify_ledger(gaza_ledger)
    assert isinstance(v, VerifyOk)
    assert note.checkpoint.size == 43 and note.checkpoint.root == base64.b64decode(v.root)
    assert _checkpoints(gaza_ledger) == [43]


def test_cosign_needs_a_party_and_its_registered_key(gaza_ledger: Path, tmp_path: Path) -> None:
    k = signing.new_key()
    with pytest.raises(BadInput) as exc:
        cosign_checkpoint(gaza_ledger, "israel", key=None, now=NOW)
    assert exc.value.param == "key"
    with pytest.raises(BadInput, match="no checkpoint to cosign"):
        cosign_checkpoint(gaza_ledger, "israel", key=k, now=NOW)
    make_checkpoint(gaza_ledger)
    with pytest.raises(BadInput, match="not a registered key of 'israel'") as exc:
        cosign_checkpoint(gaza_ledger, "israel", key=k, now=NOW)
    assert (exc.value.param, exc.value.where) == ("key", None)
    with pytest.raises(BadInput, match="not a party") as exc:
        cosign_checkpoint(gaza_ledger, "../../evil", key=k, now=NOW)
    assert exc.value.param == "cosign"
    assert _checkpoints(gaza_ledger) == [43]  # refusals store nothing
    assert not (gaza_ledger / "witness").exists() and not (tmp_path / "evil.json").exists()

    pub = signing.public_key_text(k.public_key())
    assert change_key(gaza_ledger, "key_added", "israel", pub, as_party="israel", now=NOW) == 44
    co = cosign_checkpoint(gaza_ledger, "israel", key=k, now=NOW)
    assert (co.size, co.cosigned_by) == (43, "israel")
    assert "— israel " in co.note and (gaza_ledger / "witness" / "israel.json").exists()
    v = verify_ledger(gaza_ledger)
    assert isinstance(v, VerifyOk) and v.cosigners == ["israel"]
    # The witness moves on only along one history: a later checkpoint, then cosigned again.
    assert make_checkpoint(gaza_ledger).size == 44
    state = tmp_path / "elsewhere.json"
    again = cosign_checkpoint(gaza_ledger, "israel", key=k, now=NOW, state=state)
    assert again.size == 44 and json.loads(state.read_text())


def test_inclusion_and_consistency_bundles_check_offline(gaza_ledger: Path) -> None:
    make_checkpoint(gaza_ledger)
    inc = prove_inclusion(gaza_ledger, "d2-claim-delay")
    assert (inc.kind, inc.event_id, inc.size) == ("inclusion", "d2-claim-delay", 43)
    assert inc.checkpoint is not None and 1 < inc.seq <= 43
    text = json.dumps(inc.model_dump(mode="json"), indent=2)
    ok = verify_proof_bundle(text, _log_key(gaza_ledger))
    origin = inc.origin
    assert ok.proves == (
        f"event 'd2-claim-delay' is entry {inc.seq} of {origin} at size 43, signed by the log"
    )
    con = prove_consistency(gaza_ledger, 10)
    assert (con.kind, con.old_size, con.size) == ("consistency", 10, 43)
    ok = verify_proof_bundle(json.dumps(con.model_dump(mode="json")), _log_key(gaza_ledger))
    assert ok.proves == f"{origin} at size 10 is a prefix of size 43, signed by the log"
    # Unsigned sizes prove too, but not against the log key.
    small = prove_consistency(gaza_ledger, 10, 20)
    assert small.checkpoint is None
    assert verify_proof_bundle(json.dumps(small.model_dump(mode="json"))).proves.endswith("20")
    with pytest.raises(ProofError, match="no checkpoint"):
        verify_proof_bundle(json.dumps(small.model_dump(mode="json")), _log_key(gaza_ledger))
    # A tampered bundle does not verify.
    forged = inc.model_copy(update={"seq": inc.seq + 1})
    with pytest.raises(ProofError):
        verify_proof_bundle(json.dumps(forged.model_dump(mode="json")))
    with pytest.raises(BadInput, match="size must be between") as exc:
        prove_inclusion(gaza_ledger, "d2-claim-delay", 99)
    assert exc.value.param == "size"
    with pytest.raises(BadInput) as exc:
        prove_consistency(gaza_ledger, 50)
    assert exc.value.param == "from_size"
