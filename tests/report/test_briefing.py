"""`truce report` on the bundled 2023 ledger: what the briefing says, section by section, in its
HTML and in the text of its PDF; the state at an earlier time; the charts; nothing fetched at
read time; the head against `truce verify --json`; a tampered directory; a ledger file;
reproducibility; a scenario and a route."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import apsw

from tests.report.conftest import (
    G,
    Made,
    normalised,
    report,
    section,
    verify_json,
    visible_text,
)

END = "2023-12-01 07:00 +02:00 (05:00 UTC)"


def _summary_checks(text: str) -> None:
    """What the summary of the final 2023 state says, in either form (HTML or PDF text)."""
    for phrase in (
        "Where the pause stands",
        "the pause is not active",
        f"The pause ended at {END}",
        "7 days granted (as recorded in the ledger)",
        "80 counted captives",
        "Released outside the framework: 3 (2 credited)",
        "240 prisoners due under the terms as encoded; 240 released",
        "What is needed by when",
        "The pause is not active: no list can extend it.",
        "Headline findings",
        "met 14; short 4; over 2",
        "day 4: 106 trucks received of 200",
        "Charts",
        "Timeline",
        "Cumulative releases",
        "Aid delivered against the commitment",
        "counted as received",
        "The record's head",
        "Personal data: none. People are named by pseudonym only.",
    ):
        assert phrase in text, phrase


def test_the_2023_briefing_in_html_section_by_section(briefings: dict[str, Made]) -> None:
    html = briefings["html"].html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en" dir="ltr">' in html
    summary = section(html, "summary")
    _summary_checks(summary)
    assert "awaits review" not in summary  # English is the source language
    terms = section(html, "appendix-terms")
    for phrase in (
        "The terms in plain language",
        "the pause starts at 2023-11-24 07:00 (Asia/Jerusalem) and lasts 4 days",
        "Holder (releases captives): Hamas.",
        "Receiver (releases prisoners): Israel.",
        "Where declarations differ, the figures of Qatar are used.",
        "Over the initial days, 50 counted captives are released.",
        "One more pause day for every 10 counted captives.",
        "3 prisoners per counted captive, due within 24 hours.",
        "Not counted under the terms.",
        "200 aid trucks a day, compared on trucks received.",
        "Source: 'every additional ten hostages",  # the terms file's own words, as its source
        "Note: Stated by one party only",  # a disputed reading says so in its note
        "see terms-aid-300.toml",  # the alternative reading the example ships
        "Alternative readings",  # ... named by the terms' alternatives key, and listed
    ):
        assert phrase in terms, phrase
    listed = re.search(r'<ul id="alternatives">(.*?)</ul>', html, re.S)
    assert listed and "terms-aid-300.toml" in listed.group(1)
    assert "about 300 trucks a day instead of 200" in listed.group(1) and "X7" in listed.group(1)
    days = section(html, "appendix-days")
    assert "Day by day" in days
    rows = re.findall(
        r"<tr><td class=\"num\">(\d+)</td><td class=\"num\">(2023-\d\d-\d\d)</td>",
        html,
    )
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    findings = section(html, "appendix-findings")
    assert "Every finding, with its explanation" in findings
    assert findings.count("event:") >= 20 and "terms:extension.captives_per_day" in findings
    assert "extension of 1 day(s) recorded for list list-7b" in findings
    assert "Declarations differ: prisoners-day-1" in findings
    acts = section(html, "appendix-acts")
    assert "not judge a claim true or false" in acts
    # attributed to whoever made them, by name; the same words for both sides
    assert re.search(r"2023-11-25 18:00 \+02:00 Hamas claim The handover was delayed", acts)
    assert re.search(r"2023-12-01 07:15 \+02:00 Israel claim Hamas violated", acts)
    assert "2023-11-30 05:30 +02:00 Israel list rejected (a party's act) list list-7a" in acts
    sources = section(html, "appendix-sources")
    for src in ("D1a", "T24", "E8", "event:d1-prisoners-icrc", "terms:exchange"):
        assert src in sources, src
    assert "appendix-outlook" not in html and "appendix-aid" not in html
    assert "appendix-personal" not in html


def test_the_2023_briefing_pdf_has_a_two_page_summary_then_appendices(
    briefings: dict[str, Made],
) -> None:
    pdf = briefings["pdf"]
    assert pdf.out.read_bytes().startswith(b"%PDF-")
    first_two = re.sub(r"\s+", " ", pdf.pdf_text(1, 2))
    _summary_checks(first_two)
    assert "Appendix" not in first_two
    third = pdf.pdf_text(3, 3)
    assert "Appendix 1: The terms in plain language" in third
    rest = re.sub(r"\s+", " ", pdf.pdf_text(3))
    for phrase in (
        "Appendix 2: Day by day",
        "Appendix 3: Every finding, with its explanation",
        "Appendix 4: Recorded acts and claims",
        "Appendix 5: Sources",
    ):
        assert phrase in rest, phrase
    assert pdf.pages() >= 4
    pdf.first_page_png("gaza-2023-en")


def test_at_the_last_list_it_says_what_is_needed_by_0700(briefings: dict[str, Made]) -> None:
    html = section(briefings["at.html"].html, "summary")
    pdf = re.sub(r"\s+", " ", briefings["at.pdf"].pdf_text(1, 2))
    for text in (html, pdf):
        for phrase in (
            "At 2023-11-30 06:00 +02:00 (04:00 UTC), the pause is active.",
            "The pause ends at 2023-11-30 07:00 +02:00 (05:00 UTC).",
            "6 days granted (as recorded in the ledger); current pause day: 6.",
            "70 counted captives",
            "210 prisoners due",
            "For pause day 7, a list is needed by 2023-11-30 07:00 +02:00 (05:00 UTC): "
            "10 more counted captives for one more day.",
            "Aid on the current day: 104 trucks (received) against 200 committed a day.",
        ):
            assert phrase in text, phrase
        assert "7 days granted (" not in text and "80 counted" not in text


def test_charts_are_inline_svg_and_not_empty(briefings: dict[str, Made]) -> None:
    html = briefings["html"].html
    svgs = dict(re.findall(r'<svg id="(chart-[a-z]+)"(.*?)</svg>', html, flags=re.S))
    assert set(svgs) == {"chart-timeline", "chart-cumulative", "chart-aid"}
    timeline = svgs["chart-timeline"]
    for day in range(1, 8):
        for what in ("captives", "prisoners", "aid"):
            chart = svgs["chart-aid"] if what == "aid" else timeline
            m = re.search(rf'<g id="chart-[a-z]+-{what}-{day}">\s*<path d="([^"]+)"', chart)
            assert m is not None and len(m.group(1)) > 20, (what, day)
    # the two extensions, on days 4 (+2) and 6 (+1)
    assert re.findall(r'id="chart-timeline-extension-(\d+)"', timeline) == ["4", "6"]
    cumulative = svgs["chart-cumulative"]
    for line in ("cum-captives", "cum-prisoners", "cum-due"):
        assert f'id="chart-cumulative-{line}"' in cumulative
    assert 'id="chart-aid-commitment"' in svgs["chart-aid"]
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "ids repeat across the inline charts"


def test_nothing_is_fetched_when_the_html_is_read(briefings: dict[str, Made]) -> None:
    for name in ("html", "ar.html", "at.html"):
        html = briefings[name].html
        refs = re.findall(r'\b(?:src|href|xlink:href|action|poster|data)\s*=\s*"([^"]*)"', html)
        assert all(r.startswith(("#", "data:")) for r in refs), refs
        assert not re.search(r"url\(\s*['\"]?(?!#)", html), "a CSS url() that is not a fragment"
        assert "@import" not in html and "<link" not in html and "<script" not in html
        assert "<img" not in html and "<iframe" not in html
        # the only URLs at all: the SVG namespaces (names, never fetched)
        urls = set(re.findall(r"https?://[^\"'\s<>]+", html))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls


def test_the_head_matches_truce_verify(gaza_dir_ledger: Path, briefings: dict[str, Made]) -> None:
    doc = verify_json(gaza_dir_ledger)
    assert doc["ok"] is True
    html = briefings["html"].html

    def dd(i: str) -> str:
        m = re.search(rf'<dd id="{i}"[^>]*>(.*?)</dd>', html, flags=re.S)
        assert m is not None, i
        return visible_text(m.group(1)).strip()

    assert dd("head-ledger") == doc["ledger"]
    assert dd("head-size") == str(doc["size"]) == "43"
    assert dd("head-root") == doc["root"]
    assert dd("head-checkpoints") == "; ".join(doc["checkpoints"])  # type: ignore[arg-type]
    assert dd("head-cosigners") == (", ".join(doc["cosigners"]) or "none")  # type: ignore[arg-type]
    assert "the ledger verifies: 43 events" in dd("head-verification")
    note = re.search(r'<pre class="note" id="checkpoint-note" dir="ltr">(.*?)</pre>', html, re.S)
    assert note is not None and f"\n{doc['size']}\n{doc['root']}\n" in note.group(1)
    pdf = briefings["pdf"].pdf_text(1, 2)
    assert str(doc["root"]) in pdf and str(doc["ledger"]) in pdf


def test_a_tampered_directory_gives_a_banner_and_exit_3(
    gaza_dir_ledger: Path, tmp_path: Path
) -> None:
    d = tmp_path / "tampered"
    shutil.copytree(gaza_dir_ledger, d)
    c = apsw.Connection(str(d / "ledger.db"))
    c.execute("UPDATE entry SET party = 'israel' WHERE seq = 7")
    c.close()
    doc = verify_json(d)
    assert doc["ok"] is False and doc["first_bad_seq"] == 7
    for suffix in ("html", "pdf"):
        made = report(tmp_path / f"b.{suffix}", d)
        assert made.code == 3, made.stderr
        assert "seq 7" in made.stderr and made.out.exists()
        first = made.pdf_text(1, 1) if suffix == "pdf" else section(made.html, "summary")
        assert "Verification failed at seq 7" in first
        assert "80 counted captives" in re.sub(r"\s+", " ", first)  # the briefing is still made
    made.first_page_png("gaza-2023-tampered")


def test_a_ledger_file_says_there_is_no_verified_head(tmp_path: Path) -> None:
    made = report(tmp_path / "f.html", G / "ledger.jsonl", "--terms", G / "terms.toml")
    assert made.code == 0, made.stderr
    head = section(made.html, "summary")
    assert "made from a ledger file (ledger.jsonl): there is no verified head" in head
    assert "Root hash" not in head
    _summary_checks(head.replace(" there is no verified head", ""))


def test_same_inputs_same_briefing(gaza_dir_ledger: Path, tmp_path: Path) -> None:
    """Byte-identical HTML; a PDF whose text is identical (and, with WeasyPrint's fixed
    identifier, whose bytes are too)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for suffix in ("html", "pdf"):
        one = report(tmp_path / "a" / f"x.{suffix}", gaza_dir_ledger, "--lang", "he")
        two = report(tmp_path / "b" / f"x.{suffix}", gaza_dir_ledger, "--lang", "he")
        assert one.code == two.code == 0
        if suffix == "html":
            assert one.out.read_bytes() == two.out.read_bytes()
        else:
            assert one.pdf_text() == two.pdf_text()
            assert one.out.read_bytes() == two.out.read_bytes()


def test_a_scenario_and_a_route_add_a_model_result_and_the_aid_ceilings(
    gaza_dir_ledger: Path, tmp_path: Path
) -> None:
    from truce.app.aid import aid_show

    made = report(
        tmp_path / "s.html",
        gaza_dir_ledger,
        "--scenario",
        G / "scenario-pause-uncertain.toml",
        "--route",
        G / "route.toml",
    )
    assert made.code == 0, made.stderr
    outlook = section(made.html, "appendix-outlook")
    assert "Simulated outlook: a model result under stated assumptions" in outlook
    assert "10000 simulated runs (seed 1) of the scenario" in outlook
    assert "not a statement of what will happen" in outlook
    assert "Assumptions" in outlook and "Held at the start, women" in outlook
    assert "Captives released, women" in outlook and "Captives released, children" in outlook
    assert "g23-c" not in outlook  # category level only: no one's id
    aid = section(made.html, "appendix-aid")
    assert "not findings about any party" in aid
    for v in aid_show(G / "route.toml", simulate=False).variants:
        assert re.search(
            rf"{re.escape(v.name)} {v.ceiling:g} {re.escape(', '.join(v.limiting))}", aid
        ), v
    for text in (visible_text(made.html), normalised(visible_text(made.html))):
        assert "forecast" not in text.lower() and "prediction" not in text.lower()
