"""The simulator on terms with stages: each lever on a hand-computed synthetic swap, the 2025
example's schedule, unknown and assumed prices, the all-at-once comparison on the same draws,
symmetry between the sides, and the same arrays for any worker count or total."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, truce_exe
from truce.errors import BadInput
from truce.sim.core import CHUNK
from truce.sim.scenario import load_any
from truce.sim.staged import PlanBatch, all_at_once, batch_due, simulate_staged
from truce.sim.staged_scenario import StagedLoaded
from truce.sim.staged_summary import compare_staged, summarise_staged

G25 = EXAMPLES / "gaza-2025"

# A one-for-one swap over three days (10 a day, both sides releasing), then a conditional
# second stage (5 more) opened by talks due by day 2 of the first.
SWAP = """
[agreement]
name = "Synthetic one-for-one swap"
timezone = "UTC"
[parties]
holder = { id = "side-a", name = "Side A" }
receiver = { id = "side-b", name = "Side B" }
reference = "side-a"
[exchange]
prisoners_per_captive = 1
prisoners_due_within_hours = 24
[[category]]
id = "pow"
counts = true
[[category]]
id = "other"
counts = true
prisoners_per_captive = "unknown"
[[stage]]
id = "swap"
start = "2025-01-01T00:00"
days = 3
[stage.next]
what = "talks on the second stage begin"
by = { day = 2 }
[[stage.batch]]
id = "d1"
day = 1
by_category = { pow = 10 }
[[stage.batch]]
id = "d2"
day = 2
by_category = { pow = 10 }
[[stage.batch]]
id = "d3"
day = 3
by_category = { pow = 10 }
[[stage]]
id = "second"
days = 2
conditional = true
[[stage.batch]]
id = "e1"
day = 1
captives = 5
prisoners = 7
"""


def swap(tmp_path: Path, levers: str = "", extra: str = "", terms: str = SWAP) -> StagedLoaded:
    """The swap's terms and a scenario with ``levers`` (TOML lines) and ``extra`` tables."""
    (tmp_path / "terms.toml").write_text(terms)
    (tmp_path / "scenario.toml").write_text(
        f'[scenario]\nname = "swap"\nterms = "terms.toml"\n{levers}\n{extra}'
    )
    loaded = load_any(tmp_path / "scenario.toml")
    assert isinstance(loaded, StagedLoaded)
    return loaded


def test_levers_at_zero_reproduce_the_schedule_exactly(tmp_path: Path) -> None:
    """Every batch in full at its deadline (the end of its day: 24, 48, 72 h; the second stage
    starts at 72 h, its day 1 ends at 96 h), answered in full 24 h later; 10 prisoners per
    batch at one for one, and the second stage's fixed 7; nothing late or short."""
    res = simulate_staged(swap(tmp_path), 50, 1)
    assert res.began.all()
    assert res.handed.sum(axis=1).T.tolist() == [[10, 10, 10, 5]] * 50
    assert res.at_holder.T.tolist() == [[24.0, 48.0, 72.0, 96.0]] * 50
    assert res.at_receiver.T.tolist() == [[48.0, 72.0, 96.0, 120.0]] * 50
    assert res.due.T.tolist() == [[10.0, 10.0, 10.0, 7.0]] * 50
    assert (res.released == res.due).all()
    assert not res.late.any() and not res.short.any()
    # The first stage lasts to the last answer (96 h = 4 days), the second 48 h at least.
    assert res.stage_hours.T.tolist() == [[96.0, 48.0]] * 50


def test_a_delay_of_two_days_makes_every_batch_late(tmp_path: Path) -> None:
    """delay = 1, delay_hours = 48: each handover 48 h after its deadline, so late; the
    receiver's deadline runs from the actual handover, so its answers are in time."""
    res = simulate_staged(swap(tmp_path, "[levers.holder]\ndelay = 1\ndelay_hours = 48"), 20, 2)
    assert res.at_holder.T.tolist() == [[72.0, 96.0, 120.0, 144.0]] * 20
    assert res.late[0].all() and not res.late[1].any()
    assert not res.short.any()


def test_under_delivery_cuts_each_part_and_the_due_follows(tmp_path: Path) -> None:
    """under_fraction 0.5 of 10 = 5 handed over, so 5 due at one for one; the fixed-price batch
    (5 captives for 7) is short by 3 (floor 2.5 = 2), so its fixed price is not yet due."""
    lev = "[levers.holder]\nunder_delivery = 1\nunder_fraction = 0.5"
    res = simulate_staged(swap(tmp_path, lev), 20, 3)
    assert res.handed.sum(axis=1).T.tolist() == [[5, 5, 5, 2]] * 20
    assert res.due.T.tolist() == [[5.0, 5.0, 5.0, 0.0]] * 20
    assert res.short[0].all() and not res.short[1].any()


def test_the_receiver_holding_a_release_makes_it_late_by_that_many_days(tmp_path: Path) -> None:
    lev = "[levers.receiver]\nhold = 1\nhold_days = 3"
    res = simulate_staged(swap(tmp_path, lev), 20, 4)
    assert res.at_receiver.T.tolist() == [[120.0, 144.0, 168.0, 192.0]] * 20
    assert res.late[1].all() and not res.late[0].any()
    assert (res.released == res.due).all()


def test_the_receiver_releasing_a_share_is_short(tmp_path: Path) -> None:
    lev = "[levers.receiver]\nunder_delivery = 1\nunder_fraction = 0.3"
    res = simulate_staged(swap(tmp_path, lev), 20, 5)
    assert res.released.T.tolist() == [[3.0, 3.0, 3.0, 2.0]] * 20
    assert res.short[1].all() and not res.short[0].any()


@pytest.mark.parametrize("side", ["holder", "receiver"])
def test_either_side_ending_the_talks_means_the_conditional_stage_never_begins(
    tmp_path: Path, side: str
) -> None:
    res = simulate_staged(swap(tmp_path, f"[levers.{side}]\nend_talks = 1"), 30, 6)
    assert res.began[0].all() and not res.began[1].any()
    assert res.next_ended[0, 0 if side == "holder" else 1].all()
    assert res.handed[3].sum() == 0 and (res.due[3] == 0).all()
    assert res.handed[:3].sum(axis=1).T.tolist() == [[10, 10, 10]] * 30
    s = summarise_staged(swap(tmp_path, f"[levers.{side}]\nend_talks = 1"), res, 6)
    assert s["stages"][0]["next_event"][f"{side}_ended"] == 1.0
    assert s["stages"][1]["began"] == 0.0 and s["stages"][1]["days"] is None


def test_a_category_priced_unknown_gives_an_unknown_due_unless_a_price_is_assumed(
    tmp_path: Path,
) -> None:
    """Batch d1 given as a count only, assumed to be 4 pow and 6 of the category priced
    "unknown": its due is unknown (never invented); with an assumed price of 2, it is
    4 + 6 x 2 = 16, labelled. Without the assumed mix, its 10 captives are not split and the
    due is unknown too."""
    terms = SWAP.replace(
        'id = "d1"\nday = 1\nby_category = { pow = 10 }', 'id = "d1"\nday = 1\ncaptives = 10'
    )
    assert np.isnan(simulate_staged(swap(tmp_path, terms=terms), 5, 7).due[0]).all()
    mix = '[[batch]]\nid = "d1"\nby_category = { pow = 4, other = 6 }\nnote = "assumed"\n'
    loaded = swap(tmp_path, extra=mix, terms=terms)
    res = simulate_staged(loaded, 10, 7)
    assert np.isnan(res.due[0]).all() and np.isnan(res.released[0]).all()
    s = summarise_staged(loaded, res, 7)
    assert s["prisoners"]["due"] is None and s["prisoners"]["due_unknown"] == 1.0
    assert s["prisoners"]["due_known_part"]["mean"] == 27.0  # 10 + 10 + 7
    assert s["assumptions"]["unknown_prices"] == ["other"]
    price = '[[assumed_price]]\ncategory = "other"\nprisoners_per_captive = 2\nnote = "assumed"\n'
    loaded = swap(tmp_path, extra=mix + price, terms=terms)
    res = simulate_staged(loaded, 10, 7)
    assert res.due[0].tolist() == [16.0] * 10
    s = summarise_staged(loaded, res, 7)
    assert s["assumptions"]["assumed_prices"]["other"]["prisoners_per_captive"] == 2
    assert s["assumptions"]["unknown_prices"] == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 20), min_size=3, max_size=3),
    st.lists(st.integers(0, 20), min_size=3, max_size=3),
    st.lists(st.sampled_from([0.0, 1.0, 30.0, 50.0, float("nan")]), min_size=3, max_size=3),
    st.sampled_from([None, 0, 7, 110]),
)
def test_more_delivered_never_means_less_due(
    a: list[int], extra: list[int], price: list[float], fixed: int | None
) -> None:
    """Handing over more of a batch (part by part) never lowers what is due for it: a known
    due does not fall, and an unknown one does not become known."""
    parts = np.array(a) + np.array(extra)
    b = PlanBatch("b", 0, 24.0, parts, np.array(price), fixed, None, 0, False, 24.0)
    less = np.array(a)[:, None]
    more = parts[:, None]
    d0 = batch_due(b, less, less.sum(axis=0))[0]
    d1 = batch_due(b, more, more.sum(axis=0))[0]
    if np.isnan(d1):
        return
    assert not np.isnan(d0) and d1 >= d0


LEVER = st.fixed_dictionaries(
    {
        "delay": st.sampled_from([0, 1]),
        "delay_hours": st.integers(0, 72),
        "under_delivery": st.sampled_from([0, 1]),
        "under_fraction": st.sampled_from([0, 0.25, 0.5, 0.8, 1]),
        "hold": st.sampled_from([0, 1]),
        "hold_days": st.integers(0, 6),
    }
)


@settings(max_examples=15, deadline=None)
@given(LEVER)
def test_swapping_which_side_gets_a_lever_mirrors_the_outcome(lever: dict[str, float]) -> None:
    """In the one-for-one swap, a lever on the holder alone and the same lever on the receiver
    alone give mirrored outcomes on the first stage: the same batches late and short, by the
    same hours and the same counts."""
    import tempfile

    lines = "\n".join(f"{k} = {v}" for k, v in lever.items())
    with tempfile.TemporaryDirectory() as d:
        h = simulate_staged(swap(Path(d), f"[levers.holder]\n{lines}"), 5, 8)
        r = simulate_staged(swap(Path(d), f"[levers.receiver]\n{lines}"), 5, 8)
    first = slice(0, 3)
    assert (h.late[0, first] == r.late[1, first]).all()
    assert (h.short[0, first] == r.short[1, first]).all()
    assert not h.late[1, first].any() and not h.short[1, first].any()
    assert not r.late[0, first].any() and not r.short[0, first].any()
    h_short = 10 - h.handed[first].sum(axis=1)
    r_short = r.due[first] - r.released[first]
    assert (h_short == r_short).all()
    h_late = h.at_holder[first] - np.array([24.0, 48.0, 72.0])[:, None]
    r_late = r.at_receiver[first] - np.array([48.0, 72.0, 96.0])[:, None]
    assert (h_late == r_late).all()


def test_the_same_arrays_for_any_total_and_worker_count() -> None:
    loaded = load_any(G25 / "scenario.toml")
    assert isinstance(loaded, StagedLoaded)
    runs = CHUNK + 300
    one = simulate_staged(loaded, runs, 11)
    two = simulate_staged(loaded, runs, 11, workers=2)
    small = simulate_staged(loaded, 300, 11)
    for name in one.__dataclass_fields__:
        a, b = getattr(one, name), getattr(two, name)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a[..., :300], getattr(small, name))
    with pytest.raises(BadInput):
        simulate_staged(loaded, 0, 1)


def test_the_2025_schedule_with_every_lever_at_zero(tmp_path: Path) -> None:
    """The A.1 #12 schedule (3, 4, 3, 3, 3, 3, 14) with the scenario's assumed mixes: 33
    captives, 25 living and 8 bodies (A45); prisoners due 90 (3 women x 30), 200 (4 female
    soldiers x 50) and 110 (30 + 50 + 30) for the first three batches, unknown for the men's
    and the last (no sourced price); phase 1's last handover at the end of day 42 (1 March),
    answered within the 24 h the example assumes: 43 days."""
    doc = (G25 / "scenario.toml").read_text()
    doc = doc[: doc.index("[levers.holder]")] + doc[doc.index("[[batch]]") :]
    doc = doc.replace('terms = "terms.toml"', f'terms = "{G25 / "terms.toml"}"')
    (tmp_path / "s.toml").write_text(doc)
    loaded = load_any(tmp_path / "s.toml")
    assert isinstance(loaded, StagedLoaded)
    s = summarise_staged(loaded, simulate_staged(loaded, 20, 1), 1)
    c = s["captives_released"]
    assert (c["total"]["mean"], c["living"]["mean"], c["bodies"]["mean"]) == (33, 25, 8)
    batches = s["stages"][0]["batches"]
    assert [b["captives"]["due"] for b in batches] == [3, 4, 3, 3, 3, 3, 14]
    dues = [b["prisoners"]["due"] and b["prisoners"]["due"]["mean"] for b in batches]
    assert dues == [90.0, 200.0, 110.0, None, None, None, None]
    assert s["prisoners"]["due_known_part"]["mean"] == 400.0
    assert s["stages"][0]["days"]["mean"] == 43.0
    assert s["stages"][1]["began"] == 1.0
    assert sorted(s["assumptions"]["unknown_prices"]) == ["men", "sick-wounded"]


def test_all_at_once_faces_the_same_draws(tmp_path: Path) -> None:
    """Ending the talks at the first stage's next event stops the all-at-once exchange in
    exactly the runs where the conditional stage never begins; with no levers, it hands over
    all 35 captives at the first deadline (24 h) for 10 + 10 + 10 + 7 = 37 prisoners."""
    loaded = swap(tmp_path, "[levers.holder]\nend_talks = 0.5")
    staged = simulate_staged(loaded, 400, 9)
    once = all_at_once(loaded, 400, 9)
    assert (once.agreed == staged.began[1]).all()
    assert 0 < once.agreed.mean() < 1
    plain = all_at_once(swap(tmp_path), 10, 9)
    assert plain.handed.sum(axis=0).tolist() == [35] * 10
    assert plain.due.sum(axis=0).tolist() == [37.0] * 10
    assert plain.hours.tolist() == [48.0] * 10
    c = compare_staged(swap(tmp_path), 10, 9)
    assert c["staged"]["captives_released"]["total"]["mean"] == 35
    assert c["all_at_once"]["prisoners"]["due"]["mean"] == 37


DEADLINE = """
[agreement]
name = "Synthetic 72-hour deadline"
timezone = "Europe/London"
[parties]
holder = { id = "side-a", name = "Side A" }
receiver = { id = "side-b", name = "Side B" }
reference = "side-a"
[exchange]
prisoners_per_captive = 30
[[category]]
id = "civilians"
counts = true
[[stage]]
id = "deadline"
start = "2025-03-29T12:00"
hours = 72
living = 20
prisoners = 1000
prisoners_due_within_hours = 12
[[stage.batch]]
id = "first"
hours = 24
by_category = { civilians = 12 }
[stage.bodies_for_bodies]
returned_per_body = 2
holder_by = { hours = 72 }
receiver_by = { within_hours = 24 }
[[stage.batch]]
id = "rest"
hours = 72
by_category = { civilians = 8 }
[[stage.batch]]
id = "bodies"
hours = 60
bodies = 4
"""


def test_a_stage_price_falls_due_once_all_its_living_captives_are_handed_over(
    tmp_path: Path,
) -> None:
    """72 elapsed hours across the clock change of 30 Mar 2025 (hours, not days); 20 living
    captives for a fixed 1,000 prisoners: nothing due for the first batch (the category's 30
    does not apply inside a stage with a fixed price), 1,000 with the last, answered 12 h later
    (84 h). Under-delivery by the holder (8 -> 4 in the last batch) leaves the price not due."""
    res = simulate_staged(swap(tmp_path, terms=DEADLINE), 10, 1)
    assert res.due.T.tolist() == [[0.0, 0.0, 1000.0]] * 10
    assert res.at_holder.T.tolist() == [[24.0, 72.0, 60.0]] * 10
    assert res.at_receiver.T.tolist() == [[36.0, 84.0, 72.0]] * 10
    assert not res.late.any() and not res.short.any()
    lev = "[levers.holder]\nunder_delivery = 1\nunder_fraction = 0.5"
    res = simulate_staged(swap(tmp_path, lev, terms=DEADLINE), 10, 1)
    assert res.handed.sum(axis=1).T.tolist() == [[6, 4, 2]] * 10
    assert res.due.T.tolist() == [[0.0, 0.0, 0.0]] * 10


def test_bodies_for_bodies_at_a_ratio_with_each_sides_deadline(tmp_path: Path) -> None:
    """4 bodies handed over at 60 h (the holder's deadline: 72 h), so 4 x 2 = 8 returned by
    the receiver within 24 h of the last body (84 h). Held back 2 days, the return is late;
    with the holder's batch held back 1 day (84 h), the holder is late and the receiver's
    deadline moves with it."""
    res = simulate_staged(swap(tmp_path, terms=DEADLINE), 10, 1)
    assert res.bodies_received[0].tolist() == [4] * 10
    assert res.bodies_due[0].tolist() == [8.0] * 10
    assert res.bodies_returned[0].tolist() == [8.0] * 10
    assert not res.bodies_late.any() and not res.bodies_short.any()
    lev = "[levers.receiver]\nhold = 1\nhold_days = 2"
    res = simulate_staged(swap(tmp_path, lev, terms=DEADLINE), 10, 1)
    assert res.bodies_late[1].all() and not res.bodies_late[0].any()
    assert res.stage_hours[0].tolist() == [84.0 + 48.0] * 10
    lev = "[levers.holder]\nhold = 1\nhold_days = 1\nunder_delivery = 1\nunder_fraction = 0.5"
    res = simulate_staged(swap(tmp_path, lev, terms=DEADLINE), 10, 1)
    assert res.bodies_late[0].all() and res.bodies_short[0].all()
    assert res.bodies_due[0].tolist() == [4.0] * 10  # 2 bodies x 2
    assert not res.bodies_late[1].any() and not res.bodies_short[1].any()
    s = summarise_staged(
        swap(tmp_path, terms=DEADLINE), simulate_staged(swap(tmp_path, terms=DEADLINE), 10, 1), 1
    )
    bb = s["stages"][0]["bodies_for_bodies"]
    assert (bb["received"]["mean"], bb["due"]["mean"], bb["returned"]["mean"]) == (4, 8, 8)


def _run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [truce_exe(), *map(str, args)], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[batch]]\nid = "nope"\nnote = "x"\n', "batch[1]: no batch 'nope' in the terms"),
        (
            '[[assumed_price]]\ncategory = "pow"\nprisoners_per_captive = 3\nnote = "x"\n',
            "assumed_price[1].category: category 'pow' is not priced \"unknown\"",
        ),
        ("[levers.holder]\ndelay = 2\n", "levers.holder.delay: must be between 0 and 1, got 2"),
        ('[[batch]]\nid = "e1"\nby_category = { pow = 6 }\nnote = "x"\n', "6 captives assumed"),
        (
            '[[batch]]\nid = "d1"\nby_category = { pow = 1 }\nnote = "x"\n',
            "batch[1].by_category: the terms already give this batch's categories",
        ),
    ],
)
def test_bad_staged_scenarios_exit_2_naming_the_key(
    tmp_path: Path, extra: str, message: str
) -> None:
    (tmp_path / "terms.toml").write_text(SWAP)
    (tmp_path / "s.toml").write_text(f'[scenario]\nname = "x"\nterms = "terms.toml"\n{extra}')
    p = _run("simulate", tmp_path / "s.toml", "--runs", "10")
    assert p.returncode == 2, p.stderr
    assert message in p.stderr and "s.toml" in p.stderr


def test_cli_simulate_and_compare_deals_on_the_2025_example() -> None:
    p = _run("simulate", G25 / "scenario.toml", "--runs", "200", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["kernel"] == "numpy" and [s["id"] for s in doc["stages"]] == ["phase-1", "phase-2"]
    p = _run("simulate", G25 / "scenario.toml", "--runs", "200", "--kernel", "numba")
    assert p.returncode == 0 and "numpy kernel (staged terms)" in p.stdout
    assert "no price (due unknown): sick-wounded, men" in p.stdout
    p = _run("compare-deals", G25 / "scenario.toml", "--runs", "200")
    assert p.returncode == 0 and "all at once" in p.stdout
    p = _run("sweep", G25 / "scenario.toml", "--vary", "levers.holder.delay=0,1", "--runs", "10")
    assert p.returncode == 2 and "have stages" in p.stderr
    p = _run("simulate", G25 / "scenario.toml", "--runs", "10", "--plot", "charts")
    assert p.returncode == 2 and "not available for terms with stages" in p.stderr


def test_per_run_results_as_csv(tmp_path: Path) -> None:
    """One row per run: the zero-lever swap's four batches in full, the unknown due empty."""
    import csv

    from truce.sim.output import write_columns
    from truce.sim.staged_output import staged_columns

    terms = SWAP.replace(
        'by_category = { pow = 10 }\n[[stage.batch]]\nid = "d3"',
        'captives = 10\n[[stage.batch]]\nid = "d3"',
    )
    loaded = swap(tmp_path, terms=terms)
    write_columns(staged_columns(loaded, simulate_staged(loaded, 3, 1)), tmp_path / "runs.csv")
    rows = list(csv.DictReader((tmp_path / "runs.csv").open()))
    assert len(rows) == 3
    assert [rows[0][f"{b}.captives"] for b in ("d1", "d2", "d3", "e1")] == ["10"] * 3 + ["5"]
    assert rows[0]["d1.prisoners_due"] == "10.0" and rows[0]["d2.prisoners_due"] == ""
    assert rows[0]["second.began"] == "True" and rows[0]["swap.days"] == "4.0"
    p = _run("simulate", G25 / "scenario.toml", "--runs", "50", "--out", tmp_path / "g.csv")
    assert p.returncode == 0, p.stderr
    assert len(list(csv.DictReader((tmp_path / "g.csv").open()))) == 50


def test_the_json_output_is_the_use_cases_typed_result() -> None:
    """`truce simulate --json` and `truce compare-deals --json` print exactly the app layer's
    typed results (truce.app.sim), which validate against their schemas."""
    from truce.app.sim import compare_staged_deals, is_staged, simulate_staged_scenario
    from truce.app.sim_staged_schemas import CompareStagedOut, SimulateStagedOut

    path = G25 / "scenario.toml"
    assert is_staged(path) and not is_staged(EXAMPLES / "gaza-2023" / "scenario.toml")
    p = _run("simulate", path, "--runs", "300", "--seed", "4", "--json")
    shown = SimulateStagedOut.model_validate_json(p.stdout)
    assert shown == simulate_staged_scenario(path, 300, 4)
    p = _run("compare-deals", path, "--runs", "300", "--seed", "4", "--json")
    assert CompareStagedOut.model_validate_json(p.stdout) == compare_staged_deals(path, 300, 4)
