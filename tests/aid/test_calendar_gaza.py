"""The Gaza 2023 route's calendar (1 Dec 2023 - 29 Feb 2024): its events are sourced and none
rests on the observed [D] series; the ceilings on its dated events; February 2024 predicted from
the committed fitted values, the figures asserted as printed; and the fit blind to February."""

from __future__ import annotations

import json
import random
import subprocess
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, truce_exe
from truce.aid.daily.days import ceiling_series
from truce.aid.daily.fit import fit_calendar, grid_points
from truce.aid.daily.fit_file import load_fit_file, observed_path, parse_fit_file
from truce.aid.daily.observed import read_observed
from truce.aid.route import load_route
from truce.errors import BadInput

GAZA = ROOT / "examples" / "gaza-2023"
ROUTE = GAZA / "route.toml"
FIT = GAZA / "route-calendar-fit.toml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([truce_exe(), *args], capture_output=True, text=True, cwd=ROOT)


def test_every_event_has_a_stated_source_none_from_the_derived_series() -> None:
    route = load_route(ROUTE)
    events = [c for c in route.changes if c.is_event]
    assert len(events) == 17
    for c in events:
        assert c.source, c
        assert "[D]" not in c.source, c.source
        # the observed daily table (aid-capacities 2.1) and its copy are never a source
        assert "2.1" not in c.source and "aid-daily" not in c.source, c.source
        assert "S" in c.source or "R3" in c.source
    feb = [c for c in events if c.on >= date(2024, 2, 1)]
    assert all(c.source and "[D]" not in c.source for c in feb)
    # the disputes the shared file lists are carried: 15-17 Feb, Saturdays, 24 Jan, 21 Dec, 26-28 Dec
    disputed = {c.on.isoformat() for c in events if c.disputed}
    assert disputed == {"2023-12-21", "2023-12-26", "2024-01-24", "2024-02-03", "2024-02-15"}


def test_ceilings_on_the_dated_events_from_the_route_files_figures() -> None:
    route = load_route(ROUTE)
    days = {c.day: c for c in ceiling_series(route, date(2023, 12, 1), date(2024, 2, 29))}

    def at(y: int, m: int, d: int) -> tuple[float, list[str]]:
        c = days[date(y, m, d)]
        return c.ceiling, c.limiting

    assert at(2023, 12, 1) == (0.0, [])  # the truce ends, deliveries halt
    assert at(2023, 12, 2) == (100.0, ["rafah-entry"])  # Rafah 100 (C1)
    assert at(2023, 12, 17) == (180.0, ["ks-entry", "rafah-entry"])  # + Kerem Shalom 80 (K2, K4)
    assert at(2023, 12, 21) == (100.0, ["rafah-entry"])  # strike: KS entry closed (S15, S16)
    for d in (26, 27, 28):
        assert at(2023, 12, d) == (100.0, ["rafah-entry"])  # KS closed (S18, S19)
    assert at(2024, 1, 10) == (180.0, ["ks-entry", "rafah-entry"])  # no event
    assert at(2024, 1, 24) == (109.0, ["ks-entry", "rafah-entry"])  # 9 entered via KS (S29)
    for d in (25, 26, 27, 28):
        assert at(2024, 1, d) == (100.0, ["rafah-entry"])  # KS blocked, closed (S32, S33)
    assert at(2024, 2, 2) == (100.0, ["ks-inspect"])  # Nitzana blocked: all via KS inspection
    for d in (3, 10, 17, 24):
        assert at(2024, 2, d)[0] == 0.0  # Saturdays (S37); 10, 17: Rafah halted too
    assert at(2024, 2, 7) == (100.0, ["rafah-entry"])  # KS not operational (S42)
    assert at(2024, 2, 8) == (100.0, ["rafah-entry"])  # KS closed 8-10 (S43)
    assert at(2024, 2, 9) == (0.0, [])  # + Rafah halted 9-20 (S43)
    for d in (11, 12, 13, 14, 18, 19, 20):
        assert at(2024, 2, d) == (80.0, ["ks-entry"])  # Kerem Shalom alone
    for d in (15, 16):
        assert at(2024, 2, d) == (0.0, [])  # KS closed 15-17 (S43, disputed)
    assert at(2024, 2, 21) == (180.0, ["ks-entry", "rafah-entry"])
    assert days[date(2024, 2, 16)].unchanged == 180.0
    assert any(e.disputed for e in days[date(2024, 2, 16)].events)


def test_the_observed_series_is_the_shared_files_daily_table() -> None:
    text = (GAZA / "aid-daily-2023-24.csv").read_text()
    assert "aid-capacities-2023-24.md section 2.1" in text  # its source, in the file itself
    obs = read_observed(GAZA / "aid-daily-2023-24.csv")
    cols = ["received_rafah", "received_ks"]

    def total(y: int, m: int, first: int, last: int) -> int:
        days = [date(y, m, d) for d in range(first, last + 1)]
        return sum(obs.total(cols, d) or 0 for d in days)

    # the shared file's figures: Dec 3,248 (aid-crossings 2.5), Jan 141.0/day, Feb 99.1/day
    assert total(2023, 12, 1, 31) == 3248
    assert round(total(2024, 1, 1, 31) / 31, 1) == 141.0
    assert total(2024, 2, 1, 29) == 2874 and round(2874 / 29, 1) == 99.1
    assert obs.total(cols, date(2024, 2, 16)) == 199  # 12 Rafah + 187 KS (disputed, 3.2 item 7)
    assert len(obs.columns["received_ks"]) == 91


def test_february_predicted_from_the_committed_values_as_printed(tmp_path: Path) -> None:
    p = run(
        "aid", str(ROUTE), "--from", "2023-12-01", "--to", "2024-02-29", "--plot", str(tmp_path)
    )
    assert p.returncode == 0, p.stderr
    text = p.stdout
    assert (
        "fitted values (examples/gaza-2023/route-calendar-fit.toml" in text
        or "route-calendar-fit.toml" in text
    )
    assert "rafah_entry_capacity 100, ks_entry_capacity 60, reception_capacity 140" in text
    assert (
        "Hold-out 2024-02-01 to 2024-02-29 (not read by the fit): observed 99.1/day, simulated "
        "88.5 [88.0, 89.0], mean error -10.7% (within the 15% goal); daily correlation 0.58 "
        "(meets the 0.5 goal)"
    ) in " ".join(text.split())
    weeks = [
        "week 2024-02-01 to 2024-02-03: observed 116.7, simulated 71.5, error -38.7%",
        "week 2024-02-04 to 2024-02-10: observed 115.7, simulated 95.3, error -17.6%",
        "week 2024-02-11 to 2024-02-17: observed 72.4, simulated 34.7, error -52.1%",
        "week 2024-02-18 to 2024-02-24: observed 80.6, simulated 105.0, error +30.4%",
        "week 2024-02-25 to 2024-02-29: observed 128.6, simulated 141.2, error +9.8%",
    ]
    for w in weeks:
        assert w in text
    assert "2024-02-16: observed 199 above the simulated range [0, 0]" in text
    assert "disputed: 2024-02-15 to 2024-02-17" in text
    svg = (tmp_path / "calendar.svg").read_text()
    assert svg.startswith("<?xml") and (tmp_path / "calendar.png").stat().st_size > 0


def test_the_json_report_matches_its_schema_and_the_text() -> None:
    from truce.app.aid_schemas import CalendarOut

    p = run("aid", str(ROUTE), "--from", "2024-02-01", "--to", "2024-02-29", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    out = CalendarOut.model_validate(data)
    assert out.model_dump(mode="json") == data
    h = out.holdout
    assert h is not None
    assert round(h.observed, 1) == 99.1
    assert (round(h.error, 3), round(h.correlation, 2)) == (-0.107, 0.58)
    assert h.within_goal and h.correlation_met
    assert [round(w.error, 3) for w in h.weeks] == [-0.387, -0.176, -0.521, 0.304, 0.098]
    assert [d.day.isoformat() for d in out.days][:2] == ["2024-02-01", "2024-02-02"]
    # the days the sourced events cannot explain are named, each with its reason
    reasons = {d.day.day: d.reason for d in out.days}
    assert reasons[16] == "disputed" and reasons[13] == "unexplained"


def _garbage_february(tmp_path: Path) -> Path:
    src = (GAZA / "aid-daily-2023-24.csv").read_text().splitlines()
    rnd = random.Random(17)
    out = []
    for line in src:
        if line.startswith("2024-02-"):
            day = line.split(",")[0]
            line = f"{day},{rnd.randint(0, 5000)},{rnd.randint(0, 5000)},{rnd.randint(0, 5000)}"
        out.append(line)
    (tmp_path / "aid-daily-2023-24.csv").write_text("\n".join(out) + "\n")
    data = tomllib.loads(FIT.read_text())
    fit = parse_fit_file(data, where=str(tmp_path / "route-calendar-fit.toml"))
    assert observed_path(fit) == tmp_path / "aid-daily-2023-24.csv"
    return tmp_path / "aid-daily-2023-24.csv"


def test_refit_with_february_replaced_by_garbage_gives_identical_parameters(tmp_path: Path) -> None:
    route = load_route(ROUTE)
    fit = load_fit_file(FIT)
    good = read_observed(observed_path(fit))
    bad = read_observed(_garbage_february(tmp_path))
    assert bad.total(["received_rafah"], date(2024, 2, 16)) != 12
    # a part of the grid around the committed values (the whole grid: the deep test below)
    points = [
        p
        for p in grid_points(fit)
        if p["rafah_entry_capacity"] in (90, 100, 110)
        and p["ks_entry_capacity"] in (60, 80)
        and p["reception_capacity"] in (140, None)
    ]
    assert len(points) == 12
    a = fit_calendar(route, fit, good, points=points)
    b = fit_calendar(route, fit, bad, points=points)
    assert replace(a, seconds=0) == replace(b, seconds=0)
    assert a.values == fit.fitted_values()


@pytest.mark.deep
def test_the_full_fit_gives_the_committed_values(tmp_path: Path) -> None:
    route = load_route(ROUTE)
    fit = load_fit_file(FIT)
    a = fit_calendar(route, fit, read_observed(observed_path(fit)))
    assert a.values == fit.fitted_values()
    assert a.points == 175
    b = fit_calendar(route, fit, read_observed(_garbage_february(tmp_path)))
    assert replace(a, seconds=0) == replace(b, seconds=0)


def test_on_and_explain_say_what_limited_the_day() -> None:
    p = run("aid", str(ROUTE), "--on", "2024-02-16", "--no-fit")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("2024-02-16: ceiling 0 trucks/day (180 without the day's events)")
    assert "closed by the day's events: ks-inspect, ks-entry, rafah-entry" in p.stdout
    e = run("aid", "explain", str(ROUTE), "2024-02-16", "--json")
    assert e.returncode == 0, e.stderr
    data = json.loads(e.stdout)
    assert data["day"]["ceiling"] == 0.0 and data["row"]["observed"] == 199
    assert data["row"]["reason"] == "disputed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024-02-10", "--to", "2024-02-01"], "--from: 2024-02-10 is after --to"),
        (["--on", "2023-11-30"], "--on: 2023-11-30 is outside the route's calendar"),
        (["--from", "2024-02-01", "--to", "2024-03-01"], "--to: 2024-03-01 is outside"),
        (["--from", "2024-02-01"], "--from and --to go together"),
        (["--on", "2024-02-30"], "expected a date"),
        (["--on", "2024-02-01", "--variant", "pause"], "do not go with --variant"),
    ],
)
def test_bad_dates_are_refused_naming_the_flag(args: list[str], message: str) -> None:
    p = run("aid", str(ROUTE), *args)
    assert p.returncode == 2, p.stdout
    assert message in p.stderr


def test_a_bad_fit_file_names_its_key(tmp_path: Path) -> None:
    data = tomllib.loads(FIT.read_text())
    data["holdout"]["from"] = date(2024, 1, 15)
    with pytest.raises(BadInput, match="overlaps the fit window"):
        parse_fit_file(data, where="fit.toml")
    data = tomllib.loads(FIT.read_text())
    data["fit"]["replications"] = "many"
    with pytest.raises(BadInput, match=r"fit\.replications"):
        parse_fit_file(data, where="fit.toml")
