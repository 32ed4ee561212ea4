"""`truce report` on the 2025 example (phased terms, issue 16): where each stage stands, every
batch two-sided with unknown dues shown as unknown, what is due next, the terms in plain language
with stages and batches, a staged scenario's model result; in English and Arabic, HTML and PDF
text. The figures are the sourced ones (examples/gaza-2025/SOURCES.md): 33 captives = 25 living +
8 bodies; prisoners 90 + 200 + 110 + 183 + 183 + 369 + 643 = 1,778 (ledger.jsonl's reading of the
620); the day-35 prisoners late against the encoded 24 h; no sourced price for the men's batches.
And the 2023 briefings stay byte for byte what they were before phased deals were briefed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.report.conftest import G, Made, normalised, report, section
from truce.app.sim import simulate_staged_scenario
from truce.report.html import figure
from truce.report.model import SCENARIO_RUNS, SCENARIO_SEED

G25 = EXAMPLES / "gaza-2025"
ARGS = (G25 / "ledger.jsonl", "--terms", G25 / "terms.toml")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Made]:
    out = tmp_path_factory.mktemp("phased")
    runs = {
        "en": report(out / "en.html", *ARGS),
        "ar": report(out / "ar.html", *ARGS, "--lang", "ar"),
        "at": report(out / "at.html", *ARGS, "--at", "2025-02-10T12:00+02:00"),
        "sc": report(out / "sc.html", *ARGS, "--scenario", G25 / "scenario.toml"),
    }
    for name, m in runs.items():
        assert m.code == 0, f"{name}: exit {m.code}: {m.stderr}"
    return runs


def _row(html: str, row_id: str) -> list[str]:
    """The cells of one table row, as text."""
    m = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, flags=re.S)
    assert m is not None, row_id
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", m[1])]


def test_the_summary_says_where_the_stage_stands(made: dict[str, Made]) -> None:
    summary = section(made["en"].html, "summary")
    for phrase in (
        "Where each stage stands",
        "Stage phase-1: running, from 2025-01-19 08:30 +02:00 (06:30 UTC) to "
        "2025-03-02 08:30 +02:00 (06:30 UTC) (42 days). Current stage day: 39.",
        "Captives handed over in the stage: 25 living and 8 bodies.",
        "The stage calls for 33 by 2025-03-02 08:30 +02:00 (06:30 UTC); 33 counted: met.",
        "Prisoners released in the stage: 1778; due under the terms as encoded: unknown.",
        "The dues known add up to 400; the other batches have no sourced price",
        "day-35 2025-02-23 08:30 +02:00 3 / 3 met 643 / unknown late",
        "day-14 2025-02-02 08:30 +02:00 3 / 3 met 183 / unknown unknown",
        "day-01 2025-01-20 08:30 +02:00 3 / 3 met 90 / 90 met",
        "r-0130 (off the schedule) - 3 / 0 met 110 / 110 met",
        "Stage phase-2: conditional (not opened as recorded)",
        "What is due next",
        "Commitment women-children-detained of phase-1: due by 2025-03-02 08:30 +02:00",
    ):
        assert phrase in summary, phrase
    assert "kind: " not in summary  # the stage finding kinds are translated
    assert "notice" in summary and "schedule" in summary


def test_what_is_due_next_at_an_earlier_time(made: dict[str, Made]) -> None:
    """At 10 Feb, 12:00: day-35's 3 captives are the next batch due (day 35 ends 23 Feb 08:30)."""
    summary = section(made["at"].html, "summary")
    first = summary.index("Batch day-35 of phase-1: 3 captives due by 2025-02-23 08:30 +02:00")
    assert first < summary.index("Batch final-week of phase-1: 14 captives due by 2025-03-02")
    assert "Prisoners answering batch day-28 of phase-1: unknown due by a time not fixed yet" in (
        summary
    )


def test_the_appendix_lists_every_batch_two_sided(made: dict[str, Made]) -> None:
    html = made["en"].html
    # batch | captives: due, due by, released, status | prisoners: the same | names
    assert _row(html, "batch-phase-1-day-01") == [
        "day-01",
        *("3", "2025-01-20 08:30 +02:00", "3", "met"),
        *("90", "2025-01-20 16:00 +02:00", "90", "met"),
        "late",
    ]
    assert _row(html, "batch-phase-1-day-07")[5:9] == [
        "200",
        "2025-01-26 12:00 +02:00",
        "200",
        "met",
    ]
    for batch, released in (("day-14", "183"), ("day-21", "183"), ("day-28", "369")):
        cells = _row(html, f"batch-phase-1-{batch}")
        assert cells[5] == "unknown" and cells[7] == released and cells[8] == "unknown", batch
    assert _row(html, "batch-phase-1-day-35")[5:9] == [
        "unknown",
        "2025-02-23 12:00 +02:00",
        "643",
        "late",
    ]
    assert _row(html, "batch-phase-1-r-0130")[5:9] == [
        "110",
        "2025-01-31 12:00 +02:00",
        "110",
        "met",
    ]
    released = [
        int(_row(html, f"batch-phase-1-{b}")[7])
        for b in (
            "day-01",
            "day-07",
            "r-0130",
            "day-14",
            "day-21",
            "day-28",
            "day-35",
            "final-week",
        )
    ]
    assert released == [90, 200, 110, 183, 183, 369, 643, 0] and sum(released) == 1778
    stages = section(html, "appendix-stages")
    assert "620 prisoners of day-35 held back" in stages or "held back" in stages
    findings = section(html, "appendix-findings")
    assert "kind: " not in findings
    assert "none by the deadline (first at 2025-02-27T03:00:00+02:00)" in findings


def test_the_terms_in_plain_language_include_stages(made: dict[str, Made]) -> None:
    terms = section(made["en"].html, "appendix-terms")
    for phrase in (
        "an agreement in stages (Asia/Jerusalem)",
        "Stage: Phase 1 Starts at 2025-01-19 08:30. Lasts 42 days. 33 captives in all",
        "Names due 24 hours before each handover.",
        "Prisoners due within 24 hours of the handover they answer.",
        "What opens the next stage: talks on phase 2 begin, by the end of stage day 16.",
        "Batch day-01: stage day 1; 3 captives.",
        "Batch final-week: stage days 36 to 42; 14 captives.",
        "Commitment aid (aid trucks entering Gaza): 600 a day, judged on trucks.",
        "Of which trucks carrying fuel: 50 a day.",
        "Of which trucks going to the north: 300 a day.",
        "by the end of stage day 42.",
        "Stage: Phase 2 Starts when the stage before it ends. Lasts 42 days. Conditional",
        "No sourced price for this category: the prisoners due for its captives are unknown.",
        "50 prisoners per counted captive of this category.",
    ):
        assert phrase in terms, phrase


def test_the_sources_include_what_the_stages_cite(made: dict[str, Made]) -> None:
    sources = section(made["en"].html, "appendix-sources")
    assert "Haaretz via A8 (A.1 #12) terms:stage.phase-1.batch.day-01" in sources
    assert "A1, A2, A3 (A.1 #4) terms:stage.phase-1.next" in sources


def test_a_staged_scenario_gives_the_app_layers_summary(made: dict[str, Made]) -> None:
    sim = simulate_staged_scenario(G25 / "scenario.toml", SCENARIO_RUNS, SCENARIO_SEED)
    outlook = section(made["sc"].html, "appendix-outlook")
    total = sim.captives_released.total
    assert (
        f"Captives handed over mean {figure(total.mean)}; 5% to 95% of runs: "
        f"{figure(total.p05)} to {figure(total.p95)}" in outlook
    )
    assert f"10000 simulated runs (seed {SCENARIO_SEED})" in outlook
    assert f"dues known: mean {figure(sim.prisoners.due_known_part.mean)}" in outlook
    assert "Categories with no sourced price and no assumed one" in outlook


def test_the_arabic_briefing_carries_the_same_figures(made: dict[str, Made]) -> None:
    html = made["ar"].html
    assert '<html lang="ar" dir="rtl">' in html
    summary = section(html, "summary")
    for phrase in (
        "وضع كل مرحلة",
        "المحتجَزون المسلَّمون في المرحلة: 25 أحياء و8 جثامين.",
        "السجناء المُفرج عنهم في المرحلة: 1778؛ المستحقون وفق الشروط كما رُمِّزت: غير معروف.",
        "643 / غير معروف متأخر",
        "ما المستحق تاليًا",
    ):
        assert phrase in summary, phrase
    assert _row(html, "batch-phase-1-day-35")[5:9] == [
        "غير معروف",
        "2025-02-23 12:00 +02:00",
        "643",
        "متأخر",
    ]


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        ("en", ("Where each stage stands", "25 living and 8 bodies", "1778", "643 / unknown late")),
        ("ar", ("وضع كل مرحلة", "أحياء", "جثامين", "25", "1778", "643", "غير معروف")),
    ],
)
def test_the_pdf_text_carries_the_figures(
    tmp_path: Path, lang: str, phrases: tuple[str, ...]
) -> None:
    m = report(tmp_path / "b.pdf", *ARGS, "--lang", lang)
    assert m.code == 0, m.stderr
    text = normalised(m.pdf_text())
    for phrase in phrases:
        assert normalised(phrase) in text, phrase


SHA256_2023 = {
    "en": "c8ca935f0b35df209cddbe7b7b894383cd2e33d132df6dbbb1a2d73d8b2d652c",
    "ar": "3d7d3625d0f5c78e164fe3a72e7df6a05d5495ed6ee0327ebc262470d855fa35",
    "he": "c7920bb7398f2e7ff36efda48c558573d172b55287b7a2e752ff3c18e71e63fc",
}
"""The 2023 briefing from its ledger file, as made before phased deals were briefed."""


@pytest.mark.parametrize("lang", sorted(SHA256_2023))
def test_the_2023_briefing_is_byte_identical(tmp_path: Path, lang: str) -> None:
    m = report(tmp_path / "b.html", G / "ledger.jsonl", "--terms", G / "terms.toml", "--lang", lang)
    assert m.code == 0, m.stderr
    assert hashlib.sha256(m.out.read_bytes()).hexdigest() == SHA256_2023[lang]
