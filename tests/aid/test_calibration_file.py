"""The calibration file (truce.aid.calibration_file): the shipped one holds the research file's
figures and the full grid; a bad one gets a clear one-paragraph error naming the file and the
key, through the API and through `truce aid calibrate` (exit status 2); so does a file that names
a variant or node the route does not have, and a route with no calibration file beside it."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, truce_exe
from truce.aid.calibrate import Grid, calibrate
from truce.aid.calibration_file import load_calibration, parse_calibration
from truce.aid.route import load_route
from truce.errors import BadInput

GAZA = EXAMPLES / "gaza-2023"
ROUTE = GAZA / "route.toml"
CALIBRATION = GAZA / "calibration.toml"
ONE_POINT = Grid((34.0,), (105.0,), (175.0,), ())


def _raw() -> dict[str, Any]:
    return tomllib.loads(CALIBRATION.read_text(encoding="utf-8"))


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


def test_the_shipped_file_holds_the_periods_and_the_full_grid() -> None:
    data = load_calibration(CALIBRATION)
    assert Grid.of(data) == Grid(
        (30.0, 33.0, 36.0),
        (100.0, 105.0, 110.0),
        (160.0, 175.0, 190.0, None),
        (100.0, 105.0, 110.0),
    )
    assert len(Grid.of(data).points()) == 144
    assert [data.period_of(f) for f in data.fit] == ["24-30 Nov 2023", "1-16 Dec 2023"]
    assert [data.observed[h.observed].period for h in data.holdouts] == [
        "17-31 Dec 2023",
        "Jan 2024",
    ]
    assert {h.via_node for h in data.holdouts} == {"ks-entry"}
    assert (data.pause.variant, data.pause.backlog, data.pause.arrivals_per_day) == (
        "pause",
        500,
        200.0,
    )
    # every observed figure cites the research file
    assert all(o.source.startswith("aid-crossings.md") for o in data.observed.values())
    assert data.where == str(CALIBRATION)


@dataclass(frozen=True)
class Bad:
    name: str
    change: Callable[[dict[str, Any]], None]
    fragments: tuple[str, ...]  # the key path and what was expected


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        target = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        target = raw
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


BAD = [
    Bad(
        "trucks-as-text",
        _set(("observed", "pause", "trucks"), "1209"),
        ("observed.pause.trucks", "expected a whole number", "'1209'"),
    ),
    Bad(
        "negative-days",
        _set(("observed", "dec-2-11", "days"), -10),
        ("observed.dec-2-11.days", "must be >= 1", "-10"),
    ),
    Bad(
        "unknown-key",
        _set(("parameters", "nitzana_service_minutes", "grdi"), [30]),
        ("parameters.nitzana_service_minutes.grdi", "unknown key", "did you mean 'grid'"),
    ),
    Bad(
        "unknown-observed",
        _set(("fit", 1, "parts", 1, "observed"), "dec-2-12"),
        ("fit[2].parts[2].observed", "unknown observed period 'dec-2-12'", "'dec-2-11'"),
    ),
    Bad(
        "parts-without-a-name",
        _drop(("fit", 1, "period")),
        ("fit[2].period", "several parts needs a name"),
    ),
    Bad(
        "no-limit-misspelt",
        _set(("parameters", "reception_capacity", "grid"), [160, "no limit"]),
        ("parameters.reception_capacity.grid", 'expected numbers or "none"', "'no limit'"),
    ),
    Bad(
        "zero-service-minutes",
        _set(("parameters", "nitzana_service_minutes", "grid"), [0, 30]),
        ("parameters.nitzana_service_minutes.grid[1]", "must be > 0"),
    ),
    Bad("no-pause", _drop(("pause",)), ("pause", "required key is missing")),
    Bad(
        "via-another-period",
        _set(("holdout", 0, "via"), "jan-2024-ks"),
        ("holdout[1].via", "covers 31 days", "'dec-17-31'"),
    ),
    Bad(
        "demand-named-pause",
        _set(("demand", "pause"), "200/day"),
        ("demand.pause", "writes the 'pause' demand itself"),
    ),
]


def _check(text: str, fragments: tuple[str, ...]) -> None:
    for frag in fragments:
        assert frag in text, f"expected {frag!r} in:\n{text}"
    for frag in ("Traceback", "ValidationError", "For further information"):
        assert frag not in text, f"{frag!r} should not be in:\n{text}"


@pytest.mark.parametrize("bad", BAD, ids=[b.name for b in BAD])
def test_a_bad_calibration_file_names_the_key(bad: Bad) -> None:
    raw = _raw()
    bad.change(raw)
    with pytest.raises(BadInput) as info:
        parse_calibration(raw, where="bad.toml")
    assert info.value.where == "bad.toml"
    assert info.value.exit_code == 2
    _check(str(info.value), ("bad.toml: ", *bad.fragments))


def test_the_cli_refuses_a_bad_calibration_file(tmp_path: Path) -> None:
    text = CALIBRATION.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("trucks = 1209", 'trucks = "1209"'), encoding="utf-8")
    proc = _run(["aid", "calibrate", str(ROUTE), "--calibration", str(bad), "--json"], tmp_path)
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    err = proc.stderr.strip()
    assert err.startswith(f"error: {bad}: observed.pause.trucks: expected a whole number"), err
    assert "\n\n" not in err


def test_the_cli_wants_a_calibration_file_beside_the_route(tmp_path: Path) -> None:
    shutil.copy(ROUTE, tmp_path / "route.toml")
    proc = _run(["aid", "calibrate", "route.toml"], tmp_path)
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    assert "calibration.toml: no calibration file beside the route" in proc.stderr
    assert "--calibration FILE" in proc.stderr
    proc = _run(["aid", "calibrate", "route.toml", "--calibration", "nope.toml"], tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.strip() == "error: nope.toml: file not found"


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (
            _set(("parameters", "nitzana_service_minutes", "node"), "nitzan"),
            (
                "parameters.nitzana_service_minutes.node: calibration needs node 'nitzan'",
                "did you mean 'nitzana'",
            ),
        ),
        (
            _set(("holdout", 1, "variant"), "ks-entri"),
            ("holdout[2].variant: calibration needs variant 'ks-entri'", "did you mean 'ks-entry'"),
        ),
        (
            _set(("holdout", 0, "via_node"), "ks-inspect"),
            ("holdout[1].via_node: node 'ks-inspect' has kind 'inspection'", 'kind "entry"'),
        ),
    ],
)
def test_a_file_that_does_not_fit_the_route_names_the_key(
    change: Callable[[dict[str, Any]], None], fragments: tuple[str, ...]
) -> None:
    raw = copy.deepcopy(_raw())
    change(raw)
    data = parse_calibration(raw, where="other.toml")
    with pytest.raises(BadInput) as info:
        calibrate(load_route(ROUTE), data, grid=ONE_POINT)
    assert info.value.where == "other.toml"
    _check(str(info.value), fragments)
