"""The single mapping from exceptions to CLI exit statuses."""

from __future__ import annotations

from truce.errors import TruceError

INTERNAL = 1  # anything not raised on purpose; bad input is 2 (TruceError.exit_code)


def exit_code_for(exc: BaseException) -> int:
    """Exit status for an exception: 2 for bad input, 1 for anything unexpected."""
    if isinstance(exc, TruceError):
        return exc.exit_code
    return INTERNAL
