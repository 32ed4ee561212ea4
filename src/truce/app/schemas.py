"""Every command's result schema by name, for `truce schema NAME` and docs/schema/ (one module
per domain holds the models; this only gathers them)."""

from __future__ import annotations

from typing import Any

from truce.app.aid_schemas import SCHEMAS as AID
from truce.app.ledger_schemas import SCHEMAS as LEDGER
from truce.app.sim_schemas import SCHEMAS as SIM

RESULTS: dict[str, Any] = {**LEDGER, **AID, **SIM}
"""Command name -> the type its `--json` output is a dump of."""
