"""The layers stay light from below: importing a leaf module loads neither pydantic, NumPy nor
the engine (checked in a fresh interpreter; no timing involved)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pydantic", "numpy", "truce.engine")


@pytest.mark.parametrize(
    "module", ["truce.ledger.log.merkle", "truce.exact", "truce.clock", "truce.errors", "truce"]
)
def test_a_leaf_import_leaves_the_heavy_modules_out(module: str) -> None:
    code = (
        f"import sys, json, {module}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} "
        f"or m.startswith('truce.engine'))))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(p.stdout) == [], f"importing {module} loaded {p.stdout.strip()}"


def test_the_package_names_load_on_first_use() -> None:
    code = (
        "import sys, truce\n"
        "assert 'truce.api' not in sys.modules\n"
        "f = truce.status\n"
        "assert 'truce.api' in sys.modules and f is truce.status\n"
        "assert 'History' in dir(truce)\n"
        "try:\n    truce.nothing\nexcept AttributeError as e:\n    print(e)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "has no attribute 'nothing'" in p.stdout
