"""The aid use cases called in-process, as the service will call them: typed results with the
figures the golden files show, and the CLI's `--json` output a dump of the same schemas. Model
results from the route file's figures, not findings about any party."""

from __future__ import annotations

import subprocess
from datetime import date
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES, truce_exe
from truce.app.aid import aid_show, calibrate_route, lanes_for, what_if_open
from truce.app.aid_schemas import AidOut, CalibrationOut, LanesOut, WhatIfOut
from truce.errors import BadInput

pytest.importorskip("networkx")
pytest.importorskip("scipy")

G = EXAMPLES / "gaza-2023"
ROUTE = G / "route.toml"


def test_aid_show_ceilings_per_variant() -> None:
    out = aid_show(ROUTE, simulate=False)
    assert isinstance(out, AidOut)
    assert out.route.startswith("Aid into Gaza, 2023")
    assert [(v.name, v.ceiling, v.limiting, v.method) for v in out.variants] == [
        ("pre-war", 600.0, ["ks-entry", "rafah-entry"], "max-flow"),
        ("oct-nov", 100.0, ["rafah-entry"], "lp"),
        ("pause", 200.0, ["nitzana", "rafah-entry"], "lp"),
        ("ks-inspection", 100.0, ["rafah-entry"], "lp"),
        ("ks-entry", 180.0, ["ks-entry", "rafah-entry"], "lp"),
    ]
    assert all(v.simulated is None for v in out.variants) and out.delivered is None


def test_aid_show_with_a_ledger_gives_the_delivered_series() -> None:
    out = aid_show(
        ROUTE,
        variant="pause",
        simulate=False,
        ledger=G / "ledger.jsonl",
        terms=G / "terms.toml",
    )
    assert out.delivered is not None and len(out.delivered) == 7
    first, second = out.delivered[:2]
    assert (first.date, first.trucks, first.commitment, first.status) == (
        "2023-11-24",
        200,
        200,
        "met",
    )
    assert (second.trucks, second.status) == (199, "short")
    with pytest.raises(BadInput, match="the terms are read with a ledger file"):
        aid_show(ROUTE, simulate=False, terms=G / "terms.toml")


def test_what_if_open_steps_up_on_the_date() -> None:
    out = what_if_open(ROUTE, "ks-entry", date(2023, 12, 17), "ks-inspection")
    assert isinstance(out, WhatIfOut)
    assert (out.before, out.after, out.step) == (100.0, 180.0, 80.0)
    assert out.paths_opened == ["via-ks-entry"]
    assert out.limiting_after == ["ks-entry", "rafah-entry"]
    assert len(out.series) == 29 and out.charts == []
    on = next(d for d in out.series if d.day == date(2023, 12, 17))
    assert (on.without_node, on.with_node) == (100.0, 180.0)


def test_lanes_for_a_target_above_the_stated_capacity() -> None:
    out = lanes_for(ROUTE, 250.0, "pause")
    assert isinstance(out, LanesOut)
    assert (out.target, out.ceiling, out.limiting) == (250.0, 200.0, ["nitzana", "rafah-entry"])
    (n,) = out.nodes
    assert (n.node, n.lanes, n.capacity, n.stated, n.lanes_needed) == (
        "nitzana",
        10,
        190.0,
        200.0,
        None,
    )
    assert out.skipped == ["arish", "rafah-eg", "rafah-entry", "gaza-reception"]


def _run(*args: object) -> str:
    return subprocess.run(
        [truce_exe(), *map(str, args)], capture_output=True, text=True, check=True
    ).stdout


def test_cli_json_is_a_dump_of_the_schemas() -> None:
    shown = AidOut.model_validate_json(_run("aid", "show", ROUTE, "--json", "--no-simulate"))
    assert shown == aid_show(ROUTE, simulate=False)
    what_if = WhatIfOut.model_validate_json(
        _run("aid", "what-if", ROUTE, "--open", "ks-entry", "--on", "2023-12-17", "--json")
    )
    assert what_if.variant == "pre-war"  # the first variant by default
    lanes = LanesOut.model_validate_json(
        _run("aid", "lanes", ROUTE, "--target", "250", "--variant", "pause", "--json")
    )
    assert lanes == lanes_for(ROUTE, 250.0, "pause")


def test_calibrate_json_is_a_dump_of_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a one-point grid (the full grid takes minutes)."""
    pytest.importorskip("simpy")
    from tests.aid.test_calibrate import ONE_POINT
    from truce.aid import calibrate as cal
    from truce.cli.aid import aid_app

    real = cal.calibrate

    def quick(route: Any, **kw: Any) -> Any:
        return real(route, grid=ONE_POINT, replications=2, holdout_replications=2, **kw)

    monkeypatch.setattr(cal, "calibrate", quick)
    res = CliRunner().invoke(aid_app, ["calibrate", str(ROUTE), "--json", "--seed", "2"])
    assert res.exit_code == 0, res.output
    out = CalibrationOut.model_validate_json(res.stdout)
    assert out.seed == 2 and out.best.reception_capacity == 175.0
    assert [h.period for h in out.holdouts] == ["17-31 Dec 2023", "Jan 2024"]
    direct = calibrate_route(ROUTE, seed=2)
    assert direct.model_dump(exclude={"seconds"}) == out.model_dump(exclude={"seconds"})
