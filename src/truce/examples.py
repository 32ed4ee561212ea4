"""Find the bundled examples whether truce runs from a checkout or an installed package."""

from __future__ import annotations

from pathlib import Path

from truce.errors import BadInput

_HERE = Path(__file__).resolve().parent
_CANDIDATES = (_HERE / "data" / "examples",)  # the repository's examples/ links here


def example_path(name: str, filename: str) -> Path:
    """Path of a file in a bundled example (examples/<name>/<filename>)."""
    for root in _CANDIDATES:
        p = root / name / filename
        if p.exists():
            return p
    raise BadInput(
        f"bundled example {name}/{filename} not found (looked in {', '.join(map(str, _CANDIDATES))})"
    )
