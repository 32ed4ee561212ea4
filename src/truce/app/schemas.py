"""Every command's result schema by name, for `truce schema NAME` and docs/schema/ (one module
per domain holds the models; this only gathers them)."""

from __future__ import annotations

from typing import Any

from truce.app.aid_schemas import SCHEMAS as AID
from truce.app.deal_schemas import SCHEMAS as DEAL
from truce.app.ledger_schemas import SCHEMAS as LEDGER
from truce.app.sim_schemas import SCHEMAS as SIM
from truce.app.sim_staged_schemas import SCHEMAS as STAGED
from truce.app.tokens_schemas import SCHEMAS as TOKENS

RESULTS: dict[str, Any] = {**DEAL, **LEDGER, **AID, **SIM, **STAGED, **TOKENS}
"""Command name -> the type its `--json` output is a dump of."""
