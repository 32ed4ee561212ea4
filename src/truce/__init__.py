"""truce: make exchange-for-pause agreements executable.

The public Python API; the CLI (and later the service) call exactly these functions.
"""

from truce.api import check, load, load_list, status
from truce.engine.decide import Decision, Proposal
from truce.engine.state import State
from truce.errors import BadInput, LedgerError, ProposalError, TermsError, TruceError
from truce.ledger import History, load_ledger
from truce.terms import Terms, load_terms

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
