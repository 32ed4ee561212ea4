"""The packaged table of past exchanges (truce/data/exchanges.csv), its sources, the ratio prior
and the `history` command."""

from __future__ import annotations

import json
import math
import re

import pytest
import typer
from typer.testing import CliRunner

from truce.errors import BadInput
from truce.sim.exchanges import (
    DATA_FILE,
    Exchange,
    load_exchanges,
    parse_exchanges,
    ratio_prior,
    sources_text,
)

# Figures from shared/data/gaza-2023-facts.md, section 4 ("Historical comparison"), table and CSV;
# the 2023 row from section 3 ("Totals"). Per id: (facts row #, side A living as
# (point, low, high), side B living as (point, low, high), bodies A, bodies B).
EXPECTED: dict[str, tuple[int, tuple[int | None, ...], tuple[int | None, ...], int, int]] = {
    # 1: ~4,600 (JTA) or 4,700 + 65 (PMW); Fatah: 6 soldiers; all living
    "1983-israel-fatah": (1, (None, 4600, 4765), (6, None, None), 0, 0),
    # 2: 1,150 security prisoners (JTA: 1,100); 3 soldiers; all living
    "1985-israel-pflp-gc": (2, (1150, 1100, 1150), (3, None, None), 0, 0),
    # 4: ~436 living + 59 bodies; 1 living civilian + bodies of 3 soldiers
    "2004-israel-hezbollah": (4, (436, None, None), (1, None, None), 59, 3),
    # 5: 5 living + bodies of 199; bodies of 2 soldiers, 0 living
    "2008-israel-hezbollah": (5, (5, None, None), (0, None, None), 199, 2),
    # 3: 1,027 prisoners (477 + 550); 1 soldier; all living
    "2011-israel-hamas": (3, (1027, None, None), (1, None, None), 0, 0),
    # 7: Russia 215; Ukraine 55 POWs + one further person (RFE/RL: 55 including)
    "2022-09-russia-ukraine": (7, (215, None, None), (56, 55, 56), 0, 0),
    # 8: one for one
    "2022-12-usa-russia": (8, (1, None, None), (1, None, None), 0, 0),
    # 9: 5 Iranians (clemency); 5 US citizens
    "2023-09-usa-iran": (9, (5, None, None), (5, None, None), 0, 0),
    # 6 and section 3: 240 prisoners; 105 hostages, 80 of them credited
    "2023-11-israel-hamas-pause": (6, (240, None, None), (105, 80, 105), 0, 0),
    # 10: 230 Ukrainians; 248 Russian servicemen
    "2024-01-russia-ukraine": (10, (230, None, None), (248, None, None), 0, 0),
    # 11: 16; 8 Russians + 2 minors
    "2024-08-ankara-multilateral": (11, (16, None, None), (10, 8, 10), 0, 0),
    # 13: "nearly 2,000" (exact total unverified); 33 = 25 alive + 8 bodies
    "2025-01-israel-hamas-phase1": (13, (None, None, 2000), (25, None, None), 0, 8),
    # 12: 1,000 per side
    "2025-05-russia-ukraine": (12, (1000, None, None), (1000, None, None), 0, 0),
}

# Ratios the facts file derives (side A per side B, section 4 "Ratio (derived)" and its CSV).
FACTS_RATIOS_A_PER_B: dict[str, float] = {
    "1985-israel-pflp-gc": 383.3,
    "2004-israel-hezbollah": 436,
    "2011-israel-hamas": 1027,
    "2022-09-russia-ukraine": 3.84,
    "2022-12-usa-russia": 1,
    "2023-09-usa-iran": 1,
    "2023-11-israel-hamas-pause": 2.29,
    "2024-01-russia-ukraine": 0.93,
    "2024-08-ankara-multilateral": 1.6,
    "2025-05-russia-ukraine": 1,
}

# Names that appear in the facts file's section 4; none may reach the shipped table.
PERSONAL_NAMES = (
    "Grof",
    "Salem",
    "Shai",
    "Shalit",
    "Tannenbaum",
    "Avraham",
    "Avitan",
    "Suwaed",
    "Kuntar",
    "Goldwasser",
    "Regev",
    "Nisr",
    "Bout",
    "Griner",
    "Medvedchuk",
    "Namazi",
    "Shargi",
    "Tahbaz",
    "Gershkovich",
    "Whelan",
    "Kurmasheva",
    "Kara-Murza",
    "Krasikov",
    "Jibril",
    "Gallant",
    "Blinken",
)


@pytest.fixture(scope="module")
def rows() -> list[Exchange]:
    return load_exchanges()


@pytest.fixture(scope="module")
def csv_text() -> str:
    from importlib.resources import files

    return (files("truce") / "data" / DATA_FILE).read_text(encoding="utf-8")


def test_loads_every_row(rows: list[Exchange]) -> None:
    assert [e.id for e in rows] == list(EXPECTED)
    assert len({e.facts_row for e in rows}) == len(rows)


@pytest.mark.parametrize("ident", list(EXPECTED))
def test_figures_match_the_facts_file(rows: list[Exchange], ident: str) -> None:
    e = {r.id: r for r in rows}[ident]
    facts_row, a, b, bodies_a, bodies_b = EXPECTED[ident]
    assert e.facts_row == facts_row
    assert (e.released_by_a, e.released_by_a_low, e.released_by_a_high) == a
    assert (e.released_by_b, e.released_by_b_low, e.released_by_b_high) == b
    assert (e.bodies_by_a, e.bodies_by_b) == (bodies_a, bodies_b)


def test_ratio_is_b_per_a(rows: list[Exchange]) -> None:
    for e in rows:
        a, b = e.released_by_a, e.released_by_b
        if a and b is not None:
            assert e.ratio == pytest.approx(b / a, rel=1e-5)
        else:
            assert e.ratio is None
    by_id = {e.id: e for e in rows}
    assert by_id["2023-11-israel-hamas-pause"].ratio_low == pytest.approx(80 / 240, rel=1e-5)
    assert by_id["2008-israel-hezbollah"].ratio == 0


@pytest.mark.parametrize("ident", list(FACTS_RATIOS_A_PER_B))
def test_ratio_agrees_with_the_facts_file(rows: list[Exchange], ident: str) -> None:
    e = {r.id: r for r in rows}[ident]
    point, _, _ = e.ratio_a_per_b()
    assert point is not None
    assert point == pytest.approx(FACTS_RATIOS_A_PER_B[ident], abs=0.01 * max(point, 1))


def test_facts_file_ratio_ranges(rows: list[Exchange]) -> None:
    by_id = {e.id: e for e in rows}
    # Section 4, row 1: "≈ 767:1 to 794:1"; row 6: "3:1 credited (240:80)".
    _, low, high = by_id["1983-israel-fatah"].ratio_a_per_b()
    assert (round(low or 0), round(high or 0)) == (767, 794)
    _, _, high = by_id["2023-11-israel-hamas-pause"].ratio_a_per_b()
    assert high == 3
    # Row 5: "living 5:0" -> undefined the facts file's way round.
    assert by_id["2008-israel-hezbollah"].ratio_a_per_b() == (None, None, None)


def test_every_source_resolves(rows: list[Exchange]) -> None:
    listed = set(re.findall(r"^- \*\*([A-Z][0-9]+[a-z]?)\*\*: https?://\S+", sources_text(), re.M))
    used = {s for e in rows for s in e.sources}
    assert used, "no sources used"
    assert used <= listed, f"not in exchanges.SOURCES.md: {sorted(used - listed)}"
    for e in rows:
        assert e.sources, e.id


def test_ranges_and_blanks_are_explained(rows: list[Exchange]) -> None:
    for e in rows:
        for point, low, high in (
            (e.released_by_a, e.released_by_a_low, e.released_by_a_high),
            (e.released_by_b, e.released_by_b_low, e.released_by_b_high),
        ):
            if low != high or point is None:
                assert e.uncertainty, f"{e.id}: a range or a blank figure needs an uncertainty"
                assert e.uncertain


def test_disputed_rows_name_their_discrepancy(rows: list[Exchange]) -> None:
    by_id = {e.id: e for e in rows}
    for ident, x in (
        ("1983-israel-fatah", "X19"),
        ("1985-israel-pflp-gc", "X19"),
        ("2004-israel-hezbollah", "X20"),
        ("2008-israel-hezbollah", "X20"),
        ("2022-09-russia-ukraine", "X21"),
        ("2024-08-ankara-multilateral", "X21"),
        ("2023-11-israel-hamas-pause", "X13"),
    ):
        assert x in by_id[ident].uncertainty
        assert ident in sources_text()


def test_no_personal_names(csv_text: str) -> None:
    for name in PERSONAL_NAMES:
        assert not re.search(rf"\b{re.escape(name)}\b", csv_text), name


# Bad data: BadInput naming the line and column.


def _replace_cell(text: str, ident: str, column: str, value: str) -> str:
    import csv
    import io

    records = list(csv.reader(io.StringIO(text)))
    col = records[0].index(column)
    for rec in records[1:]:
        if rec[0] == ident:
            rec[col] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(records)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("released_by_a", "~1027", "whole number"),
        ("released_by_a", "1028", "does not match"),
        ("ratio", "0.5", "does not match"),
        ("sources", "", "must not be empty"),
        ("sources", "h9 !", "source ids"),
        ("year", "2012", "does not match"),
        ("dates", "Oct 2011", "YYYY-MM"),
        ("id", "Shalit Exchange", "slug"),
        ("released_by_a_low", "1000", "uncertainty"),
    ],
)
def test_bad_rows_name_line_and_column(
    csv_text: str, column: str, value: str, message: str
) -> None:
    line = 1 + [e.id for e in load_exchanges()].index("2011-israel-hamas") + 1
    bad = _replace_cell(csv_text, "2011-israel-hamas", column, value)
    with pytest.raises(BadInput) as exc:
        parse_exchanges(bad)
    text = str(exc.value)
    assert message in text
    assert f"line {line}" in text
    assert "column" in text


def test_low_above_high_and_duplicate_id(csv_text: str) -> None:
    bad = _replace_cell(csv_text, "1983-israel-fatah", "released_by_a_low", "5000")
    with pytest.raises(BadInput, match="line 2, column released_by_a_low"):
        parse_exchanges(bad)
    dup = _replace_cell(csv_text, "1985-israel-pflp-gc", "id", "1983-israel-fatah")
    with pytest.raises(BadInput, match="already used on line 2"):
        parse_exchanges(dup)


def test_missing_column(csv_text: str) -> None:
    bad = csv_text.replace(",uncertainty,", ",doubt,", 1)
    with pytest.raises(BadInput, match=r"line 1.*missing columns: uncertainty"):
        parse_exchanges(bad)


# The ratio prior.


def test_prior_default_and_equal_weights(rows: list[Exchange]) -> None:
    prior = ratio_prior(None, None)
    ids = [e.id for e, _ in prior]
    assert "2008-israel-hezbollah" not in ids  # B released no living person
    assert "2025-01-israel-hamas-phase1" not in ids  # side A's count unknown
    assert "2011-israel-hamas" in ids
    assert math.fsum(w for _, w in prior) == pytest.approx(1)
    assert len({w for _, w in prior}) == 1


def test_prior_normalises_weights() -> None:
    prior = ratio_prior(["2011-israel-hamas", "2023-11-israel-hamas-pause"], [1, 3])
    assert [(e.id, w) for e, w in prior] == [
        ("2011-israel-hamas", 0.25),
        ("2023-11-israel-hamas-pause", 0.75),
    ]
    prior = ratio_prior(["2011-israel-hamas", "2024-01-russia-ukraine"], [0, 2])
    assert [w for _, w in prior] == [0, 1]


def test_prior_rejects_unknown_ids() -> None:
    with pytest.raises(BadInput) as exc:
        ratio_prior(["2011-israel-hamas", "no-such-exchange"], None)
    text = str(exc.value)
    assert "no-such-exchange" in text
    assert "known:" in text
    assert "2023-11-israel-hamas-pause" in text


@pytest.mark.parametrize(
    ("ids", "weights", "message"),
    [
        (["2011-israel-hamas", "2022-12-usa-russia"], [1, -1], ">= 0"),
        (["2011-israel-hamas", "2022-12-usa-russia"], [0, 0], "all zero"),
        (["2011-israel-hamas", "2022-12-usa-russia"], [1, math.nan], "finite"),
        (["2011-israel-hamas", "2022-12-usa-russia"], [1], "1 weight(s) for 2"),
        (["2011-israel-hamas", "2011-israel-hamas"], None, "given twice"),
        (["2025-01-israel-hamas-phase1"], None, "no exchange ratio"),
        ([], None, "no exchange ids"),
    ],
)
def test_prior_rejects_bad_weights(
    ids: list[str], weights: list[float] | None, message: str
) -> None:
    with pytest.raises(BadInput, match=re.escape(message)):
        ratio_prior(ids, weights)


# The command, through the real app (a wide console so that table rows do not wrap).


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    from truce.cli import app
    from truce.cli.common import out

    monkeypatch.setattr(out, "width", 250)
    return app


def test_cli_table(wide: typer.Typer) -> None:
    result = CliRunner().invoke(wide, ["history"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Exchange ratio" in out
    assert "price" not in out.lower()
    assert "2011 Israel–Hamas exchange (one soldier for 1,027 prisoners)" in out
    assert "1,027 : 1" in out
    assert "767–794 : 1" in out
    assert "exchanges.SOURCES.md" in out
    assert "H9 H10" in out


def test_cli_json(rows: list[Exchange], wide: typer.Typer) -> None:
    result = CliRunner().invoke(wide, ["history", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["id"] for d in data] == [e.id for e in rows]
    pause = next(d for d in data if d["id"] == "2023-11-israel-hamas-pause")
    assert pause["released_by_a"] == 240
    assert pause["released_by_b"] == 105
    assert pause["uncertain"] is True
    assert pause["sources"] == ["T10", "E6", "E9", "E12", "E13", "E18"]
    assert pause["ratio_a_per_b_high"] == 3
