"""The dashboard over the 2025 example (phased terms, issue 16), over HTTP: the overview shows
each stage with its batches two-sided (status words translated), the next deadline still pending
and the countdown to it; the findings page translates the stage finding kinds. The server's clock
is stopped at 2025-02-10 12:00 (stage day 23): the next deadline is day-35's 3 captives, due by
the end of stage day 35, 2025-02-23 08:30 (+02:00), 12 d 20 h 30 min later."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("babel")

from fastapi.testclient import TestClient

from tests.conftest import EXAMPLES
from tests.dashboard.conftest import StoppedClock, sign_in, text_of
from tests.service.conftest import NOW, Clock, make_tokens
from truce.ledger.directory import LedgerDir
from truce.ledger.load import read_events_jsonl
from truce.ledger.record import record
from truce.service.app import create_app
from truce.service.settings import Settings
from truce.terms import load_terms

G25 = EXAMPLES / "gaza-2025"
AT = datetime.fromisoformat("2025-02-10T12:00+02:00")


@pytest.fixture(scope="module")
def dash25(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, str]]:
    d: Path = tmp_path_factory.mktemp("g25dash") / "g25"
    with LedgerDir.init(d, G25 / "terms.toml", at=NOW) as ld:
        evs, _ = read_events_jsonl(G25 / "ledger.jsonl", load_terms(G25 / "terms.toml"))
        record(ld, evs, [f"seed:{e.id}" for e in evs], clock=Clock())
    tokens = make_tokens(d)
    app = create_app([d], clock=StoppedClock(AT), settings=Settings(rate=10_000, burst=10_000))
    with TestClient(app) as client:
        yield sign_in(client, tokens["reader"]), next(iter(app.state.hub.ledgers)), tokens["reader"]


def test_the_overview_shows_the_stages_batches_and_the_next_deadline(
    dash25: tuple[TestClient, str, str],
) -> None:
    client, lid, _ = dash25
    r = client.get(f"/agreements/{lid}?lang=en")
    assert r.status_code == 200, r.text
    words = text_of(r.text)
    assert "The next deadline" in words
    assert "Batch day-35 of phase-1: 3 captives due by 23 February 2025, 08:30." in words
    assert "12 d 20 h 30 min left" in words
    assert 'data-ends="2025-02-23T08:30:00+02:00"' in r.text
    assert "Stage Phase 1 : running" in words and "Current stage day: 23." in words
    # each batch two-sided: captives then prisoners (due, due by, released, status)
    assert "day-01 Captives 3 20 January 2025, 08:30 3 met" in words
    assert "Prisoners 90 20 January 2025, 16:00 90 met" in words
    assert "day-14 Captives 3 2 February 2025, 08:30 3 met Prisoners unknown" in words
    assert "r-0130 (off the schedule)" in words
    assert "Stage Phase 2 : conditional (not opened as recorded)" in words


def test_the_overview_in_arabic_translates_the_status_words(
    dash25: tuple[TestClient, str, str],
) -> None:
    client, lid, _ = dash25
    words = text_of(client.get(f"/agreements/{lid}?lang=ar").text)
    assert "الموعد التالي" in words
    assert "مستوفى" in words and "غير معروف" in words
    assert " met " not in words and "unknown" not in words


def test_the_findings_page_translates_the_stage_kinds(dash25: tuple[TestClient, str, str]) -> None:
    client, lid, _ = dash25
    words = text_of(client.get(f"/agreements/{lid}/findings?lang=en").text)
    assert "notice late phase-1: day-01: names due by" in words
    assert "schedule over phase-1: r-0130" in words
    assert "next stage unknown phase-1: talks on phase 2 begin" in words
    ar = text_of(client.get(f"/agreements/{lid}/findings?lang=ar").text)
    assert "إشعار الأسماء متأخر" in ar and "الجدول زائد" in ar
