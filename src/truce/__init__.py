"""truce: make exchange-for-pause agreements executable.

The public Python API; the CLI (and later the service) call exactly these functions. Names are
loaded on first use (PEP 562), so importing one small module (``truce.ledger.log.merkle``,
``truce.exact``, ``truce.clock``) does not pull in pydantic, NumPy or the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from truce.api import check, load, load_list, status
    from truce.engine.decide import Decision, Proposal
    from truce.engine.state import State
    from truce.errors import BadInput, LedgerError, ProposalError, TermsError, TruceError
    from truce.history import History
    from truce.ledger.load import load_ledger
    from truce.terms import Terms, load_terms

_WHERE = {
    "check": "truce.api",
    "load": "truce.api",
    "load_list": "truce.api",
    "status": "truce.api",
    "Decision": "truce.engine.decide",
    "Proposal": "truce.engine.decide",
    "State": "truce.engine.state",
    "BadInput": "truce.errors",
    "LedgerError": "truce.errors",
    "ProposalError": "truce.errors",
    "TermsError": "truce.errors",
    "TruceError": "truce.errors",
    "History": "truce.history",
    "load_ledger": "truce.ledger.load",
    "Terms": "truce.terms",
    "load_terms": "truce.terms",
}

__all__ = [
    "BadInput",
    "Decision",
    "History",
    "LedgerError",
    "Proposal",
    "ProposalError",
    "State",
    "Terms",
    "TermsError",
    "TruceError",
    "check",
    "load",
    "load_ledger",
    "load_list",
    "load_terms",
    "status",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Load a public name from its module the first time it is asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'truce' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
