"""Bad route files get a clear, one-paragraph error and exit status 2.

The standard is the one in tests/cli/test_bad_input.py: through the CLI (``truce aid ROUTE
--json``) nothing on stdout, one paragraph on stderr naming the file, the key path and what was
expected, no traceback; through the API, RouteError with the same message.

Each fixture in tests/aid/fixtures/bad/ is the same small valid route (``BASE`` below) with one
thing broken; its first line says what. (They live here rather than in tests/fixtures/bad/, whose
test requires every file there to be one of its own cases.)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import truce_exe
from truce.aid import ceiling, load_route, parse_route
from truce.errors import RouteError

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"


@dataclass(frozen=True)
class Case:
    fixture: str
    fragments: tuple[str, ...]  # where (key path, line) and what was expected


CASES = [
    Case(
        "route-unknown-key.toml",
        ("node[2].capacty_trucks_per_day", "unknown key", "did you mean 'capacity_trucks_per_day'"),
    ),
    Case("route-negative-lanes.toml", ("node[2].lanes", "must be >= 1", "-2")),
    Case("route-reject-over-one.toml", ("node[2].reject_probability", "must be <= 1", "1.5")),
    Case(
        "route-edge-unknown-node.toml",
        ("edge[2].to", "unknown node 'cmap'", "did you mean 'camp'", "depot, gate, camp"),
    ),
    Case(
        "route-variant-unknown-node.toml",
        ("variant[1].enable[1]", "unknown node, edge or path 'kerem'", "expected one of"),
    ),
    Case(
        "route-variant-set-unknown-node.toml",
        ("variant[1].set.gaet", "unknown node or edge 'gaet'", "did you mean 'gate'"),
    ),
    Case(
        "route-bad-time.toml",
        ("node[2].open", "'25:00' is not a time of day", 'expected "HH:MM"'),
    ),
    Case(
        "route-close-before-open.toml",
        ("node[2]", "close '08:00' is not after open '16:00'", "node 'gate'", "within one day"),
    ),
    Case(
        "route-syntax.toml",
        ("line 16, column 7", "not valid TOML", "expected '='"),
    ),
    Case(
        "route-bad-kind.toml",
        (
            "node[2].kind",
            "expected 'staging', 'inspection', 'entry', 'reception' or 'other'",
            "'border'",
        ),
    ),
    Case(
        "route-path-without-edge.toml",
        ("path[1].nodes", "from 'depot' to 'camp'", "no [[edge]] joins them"),
    ),
    Case(
        "route-unbounded.toml",
        (
            "depot > gate > camp",
            "no capacity on any node or edge",
            "unbounded",
            "capacity_trucks_per_day",
        ),
    ),
    Case("route-change-bad-set.toml", ("change[1].set.lanes", "must be >= 1", "0")),
    Case("route-change-bad-date.toml", ("change[1].on", "expected a date like", "'2023-13-01'")),
    Case(
        "route-assumption-unknown-key.toml",
        ("node[2]", "assumption names 'lane'", "not a key of this table"),
    ),
    Case(
        "route-service-without-hours.toml",
        ("node[2]", "service_minutes", "opening hours", "capacity_trucks_per_day"),
    ),
]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRUCE_DEBUG"}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [truce_exe(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _check(text: str, case: Case) -> None:
    for frag in (case.fixture, *case.fragments):
        assert frag.lower() in text.lower(), f"expected {frag!r} in:\n{text}"
    for frag in (
        "Traceback",
        "ValidationError",
        "TOMLDecodeError",
        "(at line",
        "For further information",
    ):
        assert frag not in text, f"{frag!r} should not be in:\n{text}"


def test_every_fixture_is_a_case() -> None:
    assert {p.name for p in BAD.iterdir()} == {c.fixture for c in CASES}
    assert len(CASES) >= 8


def test_fixtures_break_one_thing_in_a_valid_route() -> None:
    """Each fixture differs from the valid small route in a few lines only, and says what."""
    base = _base_text()
    parse_route(tomllib.loads(base))  # the base is valid
    for case in CASES:
        text = (BAD / case.fixture).read_text(encoding="utf-8")
        assert text.startswith("# "), case.fixture
        body = text.split("\n", 1)[1]
        changed = set(body.splitlines()) ^ set(base.splitlines())
        assert 0 < len(changed) <= 10, (case.fixture, changed)


def _base_text() -> str:
    """The valid route the fixtures vary (a copy of the negative-lanes fixture, repaired)."""
    text = (BAD / "route-negative-lanes.toml").read_text(encoding="utf-8").split("\n", 1)[1]
    return text.replace("lanes = -2", "lanes = 2")


@pytest.mark.parametrize("case", CASES, ids=[c.fixture for c in CASES])
def test_cli_refuses_bad_route(case: Case, tmp_path: Path) -> None:
    path = BAD / case.fixture
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    proc = _run(["aid", str(path), "--json"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    err = proc.stderr.strip()
    assert err.startswith("error: "), err
    assert "\n\n" not in err, err
    assert "internal error" not in err.lower()
    _check(err, case)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", CASES, ids=[c.fixture for c in CASES])
def test_api_raises_route_error(case: Case) -> None:
    with pytest.raises(RouteError) as info:
        load_route(BAD / case.fixture)
    _check(str(info.value), case)
    assert info.value.exit_code == 2
    assert info.value.where == str(BAD / case.fixture)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RouteError, match="file not found"):
        load_route(tmp_path / "nope.toml")
    proc = _run(["aid", "nope.toml"], tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.strip() == "error: nope.toml: file not found"


def test_unknown_variant_on_the_command_line(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(_base_text(), encoding="utf-8")
    proc = _run(["aid", str(good), "--variant", "paus"], tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "--variant: unknown variant 'paus'" in proc.stderr
    assert "expected one of: base" in proc.stderr
    with pytest.raises(RouteError, match="unknown variant 'paus'"):
        ceiling(load_route(good), "paus")


# --- more refusals through the API (no fixture file needed) -------------------------------------


def _with(extra: str) -> str:
    return _base_text() + "\n" + extra


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (
            '[[node]]\nid = "gate"\nname = "Again"\nkind = "other"\n',
            ("node[4].id", "'gate' is used twice"),
        ),
        (
            '[[edge]]\nfrom = "depot"\nto = "gate"\n',
            ("edge[3]", "'depot->gate' is given twice"),
        ),
        (
            '[[path]]\nid = "p"\nnodes = ["gate", "camp"]\n',
            ("path[1].nodes", "must start at a staging node"),
        ),
        (
            '[[variant]]\nname = "v"\npaths = ["p"]\n',
            ("variant[1].paths", "no [[path]] tables"),
        ),
        (
            '[[change]]\non = 2023-12-01\nnode = "gate"\n',
            ("change[1]", "needs a set table"),
        ),
        (
            '[[change]]\non = 2023-12-01\nnode = "gate"\nset = { kind = "other" }\n',
            ("change[1].set.kind", "cannot be set on node 'gate'", "capacity_trucks_per_day"),
        ),
        (
            '[[change]]\non = 2023-12-01\nedge = "depot->camp"\nset = { km = 3 }\n',
            ("change[1].edge", "unknown edge 'depot->camp'", "depot->gate"),
        ),
        (
            "[[change]]\non = 2023-12-01\n",
            ("change[1]", "needs an effect"),
        ),
        (
            '[[variant]]\nname = "v"\nset = { gate = { open = "17:00" } }\n',
            ("variant[1].set.gate", "close '16:00' is not after open '17:00'"),
        ),
        (
            '[[variant]]\nname = "v"\n\n[[variant]]\nname = "v"\n',
            ("variant[2].name", "'v' is used twice"),
        ),
    ],
)
def test_reference_errors(extra: str, fragments: tuple[str, ...]) -> None:
    with pytest.raises(RouteError) as info:
        parse_route(tomllib.loads(_with(extra)), where="r.toml")
    text = str(info.value)
    assert text.startswith("r.toml: "), text
    for frag in fragments:
        assert frag in text, f"expected {frag!r} in {text}"


def test_assumption_must_name_a_value_the_table_gives() -> None:
    text = _base_text().replace(
        'kind = "entry"', 'kind = "entry"\nassumption = ["capacity_trucks_per_day"]'
    )
    with pytest.raises(
        RouteError, match="assumption names 'capacity_trucks_per_day', but this table does not give"
    ):
        parse_route(tomllib.loads(text))


def test_variant_naming_a_path_not_in_use() -> None:
    extra = (
        '[[path]]\nid = "p"\nnodes = ["depot", "gate", "camp"]\nenabled = false\n\n'
        '[[variant]]\nname = "v"\npaths = ["p"]\n'
    )
    with pytest.raises(RouteError) as info:
        parse_route(tomllib.loads(_with(extra)), where="r.toml")
    assert (
        "variant[1].paths[1]: path 'p' is not in use in variant 'v': the path is not enabled"
        in str(info.value)
    )
