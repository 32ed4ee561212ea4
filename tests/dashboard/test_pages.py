"""The dashboard's pages over HTTP: signing in and out (cookie flags, CSRF, revocation), the
overview's figures at 06:00 on 30 Nov 2023, the check form, what a reader never sees, acts
recorded through the page, languages, simulation and aid jobs, and bad input."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.dashboard.conftest import Dash, csrf_of, sign_in, text_of
from tests.service.conftest import GAZA, list_7b
from truce.ledger.tokens import TokenStore


def test_signing_in_sets_a_strict_http_only_session_cookie_and_no_token_in_urls(
    dash: Dash,
) -> None:
    c = dash.client()
    page = c.get("/login")
    assert page.status_code == 200 and 'name="token"' in page.text
    assert 'type="password"' in page.text
    login_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in login_cookie and "SameSite=strict" in login_cookie
    r = c.post(
        "/login",
        data={"token": dash.tokens["reader"], "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == dash.url()
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("truce_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert (
        dash.tokens["reader"] not in cookie and dash.tokens["reader"] not in r.headers["location"]
    )
    overview = c.get(dash.url())
    assert overview.status_code == 200
    assert dash.tokens["reader"] not in overview.text  # never shown again, not even in a form
    assert overview.headers["content-security-policy"].startswith("default-src 'self'")


def test_secure_cookie_over_tls(dash: Dash) -> None:
    c = TestClient(dash.app, base_url="https://dash.example")  # type: ignore[arg-type]
    page = c.get("/login")
    r = c.post(
        "/login",
        data={"token": dash.tokens["reader"], "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert "Secure" in r.headers["set-cookie"]


def test_bad_token_and_missing_csrf_are_refused(dash: Dash) -> None:
    c = dash.client()
    page = c.get("/login")
    bad = c.post("/login", data={"token": "nope", "csrf": csrf_of(page.text)})
    assert bad.status_code == 401 and "not valid here" in bad.text
    assert "truce_session" not in bad.headers.get("set-cookie", "")
    forged = c.post("/login", data={"token": dash.tokens["reader"], "csrf": "forged"})
    assert forged.status_code == 403 and "truce_session" not in forged.headers.get("set-cookie", "")
    signed = sign_in(dash.client(), dash.tokens["mediator:qatar"])
    no_csrf = signed.post(dash.url("/check"), data={"live": "7"})
    assert no_csrf.status_code == 403  # a page for a person, the API's words
    assert no_csrf.headers["content-type"].startswith("text/html")
    assert "the form has expired" in no_csrf.text


def test_pages_need_a_session_and_revoking_the_token_ends_it(dash: Dash) -> None:
    anon = dash.client()
    for path in ("", "/check", "/findings", "/log", "/model"):
        r = anon.get(dash.url(path), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    c = sign_in(dash.client(), dash.tokens["party:israel"])
    assert c.get(dash.url()).status_code == 200
    store = TokenStore(dash.path)
    token = next(t for t in store.list() if str(t.role) == "party:israel")
    store.revoke(token.id, dash.clock())
    r = c.get(dash.url(), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.get(dash.url(), follow_redirects=False).status_code == 303  # the session is gone


def test_signing_in_returns_to_the_page_asked_for_and_only_to_this_agreements(
    dash: Dash,
) -> None:
    c = dash.client()
    r = c.get(dash.url("/findings"), follow_redirects=False)
    assert r.headers["location"] == f"/login?next=%2Fagreements%2F{dash.ledger_id}%2Ffindings"
    form = c.get(r.headers["location"]).text
    assert f'name="after" value="/agreements/{dash.ledger_id}/findings"' in form
    back = c.post(
        "/login",
        data={
            "token": dash.tokens["reader"],
            "csrf": csrf_of(form),
            "after": dash.url("/findings"),
        },
        follow_redirects=False,
    )
    assert back.headers["location"] == dash.url("/findings")
    form = dash.client().get("/login").text
    c2 = dash.client()
    form = c2.get("/login").text
    away = c2.post(
        "/login",
        data={
            "token": dash.tokens["reader"],
            "csrf": csrf_of(form),
            "after": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert away.headers["location"] == dash.url()


def test_the_api_keeps_problem_details(dash: Dash) -> None:
    r = dash.client().get(f"/v1/agreements/{dash.ledger_id}/status?at=yesterday")
    assert r.status_code in (401, 422)
    assert r.headers["content-type"].startswith("application/problem+json")


def test_logout_ends_the_session(dash: Dash) -> None:
    c = sign_in(dash.client(), dash.tokens["reader"])
    page = c.get(dash.url())
    r = c.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get(dash.url(), follow_redirects=False).status_code == 303


def test_another_agreement_is_not_this_sessions(dash: Dash) -> None:
    c = sign_in(dash.client(), dash.tokens["reader"])
    assert c.get("/agreements/truce-0000000000000000").status_code == 404


def test_the_overview_at_six_on_the_last_morning(dash: Dash) -> None:
    c = sign_in(dash.client(), dash.tokens["mediator:qatar"])
    words = text_of(c.get(dash.url()).text)
    assert "1 h 00 min left" in words
    assert "The pause ends at 07:00 30 November 2023 (Asia/Jerusalem), 05:00 UTC" in words
    assert "day 6 of 6 granted" in words
    assert "Captives counted so far 70" in words
    assert "Prisoners due 210" in words and "Prisoners released 180" in words
    assert (
        "The list for day 7 by 30 November 2023, 07:00: 10 counted captives to add a day" in words
    )
    assert "Less than one hour to the deadline" in words
    # the 04:30 list for day 7 (mediator-only) is pending, with what a check says of it
    assert "Announced by hamas at 30 November 2023, 04:30 pending" in words
    assert "does not meet the terms as encoded 3 short" in words
    # each chart has its data as a table
    assert words.count("The data as a table") == 3
    assert "Pause day captives counted prisoners released 1 13 39 2 26 78" in words


def test_at_moves_the_overview_in_time(dash: Dash) -> None:
    c = sign_in(dash.client(), dash.tokens["mediator:qatar"])
    words = text_of(c.get(dash.url("?at=2023-11-29T06:00%2B02:00")).text)
    assert "1 d 1 h 00 min left" in words  # 6 days granted by then: to 07:00 on 30 Nov
    assert "day 5 of 6 granted" in words and "Captives counted so far 60" in words
    assert "Lists for day" not in words  # the 04:30 list of 30 Nov was not yet announced
    assert 'href="/agreements/' in c.get(dash.url("/findings?at=2023-11-29T06:00%2B02:00")).text
    bad = c.get(dash.url("?at=yesterday"))
    assert bad.status_code == 422 and "ISO 8601" in bad.text


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"live": "7", "bodies": "3"}, ["does not meet the terms as encoded", "3 short"]),
        (
            {"live": "8", "bodies": "0", "credit": "2"},
            [
                "meets the terms as encoded",
                "+1 day(s): the pause would end 1 December 2023, 07:00",
                "Prisoners due for this list 30",
            ],
        ),
    ],
)
def test_checking_tonights_list(dash: Dash, form: dict[str, str], expected: list[str]) -> None:
    c = sign_in(dash.client(), dash.tokens["reader"])
    page = c.get(dash.url("/check"))
    r = c.post(dash.url("/check"), data=form | {"csrf": csrf_of(page.text)})
    assert r.status_code == 200
    words = text_of(r.text)
    for phrase in expected:
        assert phrase in words, phrase


def test_a_bad_figure_in_the_check_form_is_named(dash: Dash) -> None:
    c = sign_in(dash.client(), dash.tokens["reader"])
    page = c.get(dash.url("/check"))
    r = c.post(dash.url("/check"), data={"live": "seven", "csrf": csrf_of(page.text)})
    assert r.status_code == 422 and "live" in r.text and "whole number" in r.text


def _append_list_7b(dash: Dash) -> None:
    c = dash.client()
    r = c.post(
        f"/v1/agreements/{dash.ledger_id}/events",
        json={"events": [{"event": list_7b()}]},
        headers={"Authorization": f"Bearer {dash.tokens['party:hamas']}"},
    )
    assert r.status_code == 201, r.text


def test_a_reader_never_sees_a_restricted_list_nor_append_controls(dash: Dash) -> None:
    _append_list_7b(dash)
    mediator = sign_in(dash.client(), dash.tokens["mediator:qatar"])
    assert "list-list-7b" in mediator.get(dash.url()).text
    reader = sign_in(dash.client(), dash.tokens["reader"])
    pages = [reader.get(dash.url(p)).text for p in ("", "/check", "/findings", "/log", "/model")]
    pages.append(reader.get(dash.url("/log?type=list_announced")).text)
    for html in pages:
        for secret in ("list-7b", "list-7a", "8 living captives", "D7b", "Record this act"):
            assert secret not in html, secret
        assert 'action="/agreements/' not in html or "/record" not in html
    refused = reader.post(dash.url("/record"), data={"act": "list", "csrf": csrf_of(pages[1])})
    assert refused.status_code == 403


def test_a_party_records_its_own_list_and_a_mediator_relays_only_for_a_keyless_party(
    dash: Dash,
) -> None:
    party = sign_in(dash.client(), dash.tokens["party:hamas"])
    page = party.get(dash.url("/check"))
    assert "Record this act" in page.text
    r = party.post(
        dash.url("/record"),
        data={
            "csrf": csrf_of(page.text),
            "act": "list",
            "live": "8",
            "credit": "2",
            "for_day": "7",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    log = dash.client().get(
        f"/v1/agreements/{dash.ledger_id}/events?type=list_announced",
        headers={"Authorization": f"Bearer {dash.tokens['mediator:qatar']}"},
    )
    mine = [e["event"] for e in log.json()["items"] if e["event"]["id"].startswith("web-list")]
    assert mine and mine[0]["declared_by"] == "hamas" and mine[0]["recorded_by"] == "hamas"
    assert mine[0]["live"] == 8 and mine[0]["credit"] == 2 and mine[0]["for_day"] == 7
    # a party may not record for the other
    mediator = sign_in(dash.client(), dash.tokens["mediator:qatar"])
    page = mediator.get(dash.url("/check"))
    relayed = mediator.post(
        dash.url("/record"),
        data={
            "csrf": csrf_of(page.text),
            "act": "accept",
            "declared_by": "israel",
            "list_id": mine[0]["id"],
        },
        follow_redirects=False,
    )
    assert relayed.status_code == 303, relayed.text
    log = (
        dash.client()
        .get(
            f"/v1/agreements/{dash.ledger_id}/events?type=list_accepted",
            headers={"Authorization": f"Bearer {dash.tokens['mediator:qatar']}"},
        )
        .json()["items"]
    )
    assert (
        log[-1]["event"]["declared_by"] == "israel" and log[-1]["event"]["recorded_by"] == "qatar"
    )


@pytest.mark.parametrize("lang", ["ar", "he"])
def test_languages_are_right_to_left_remembered_and_keep_the_figures(dash: Dash, lang: str) -> None:
    c = sign_in(dash.client(), dash.tokens["mediator:qatar"])
    r = c.get(dash.url(f"?lang={lang}"))
    assert f'<html lang="{lang}" dir="rtl">' in r.text
    assert "truce_lang=" + lang in r.headers["set-cookie"]
    words = text_of(r.text)
    for figure in ("07:00", "05:00 UTC", "70", "210", "180"):
        assert figure in words, figure
    assert re.search(r"[\u0600-\u06ff]" if lang == "ar" else r"[\u0590-\u05ff]", words)
    again = c.get(dash.url("/findings"))
    assert f'<html lang="{lang}" dir="rtl">' in again.text
    english = c.get(dash.url("?lang=en"))
    assert '<html lang="en" dir="ltr">' in english.text


def test_the_browsers_language_is_the_default(dash: Dash) -> None:
    c = dash.client()
    r = c.get("/login", headers={"Accept-Language": "he-IL,he;q=0.9,en;q=0.5"})
    assert '<html lang="he" dir="rtl">' in r.text


def test_the_record_page_shows_signatures_checkpoints_and_verification(dash: Dash) -> None:
    from truce.app.proofs import make_checkpoint

    make_checkpoint(dash.path)
    c = sign_in(dash.client(), dash.tokens["reader"])
    words = text_of(c.get(dash.url("/log")).text)
    assert "Verifies:" in words and "Checkpoint at size" in words
    assert "unsigned" in words and " yes " in words
    rows = re.findall(
        r'<tr id="seq-\d+">(.*?)</tr>', c.get(dash.url("/log?party=israel")).text, re.S
    )
    assert rows and all("<td>israel</td>" in row for row in rows)


def test_a_simulation_job_runs_with_progress_then_shows_model_results(
    built_ledger: Any, tmp_path: Any
) -> None:
    import shutil

    from tests.dashboard.conftest import StoppedClock
    from tests.service.conftest import CUTOFF, make_tokens
    from truce.service.app import create_app
    from truce.service.settings import Settings

    p = tmp_path / "gaza"
    shutil.copytree(built_ledger, p)
    tokens = make_tokens(p)
    settings = Settings(
        rate=10_000,
        burst=10_000,
        scenarios={"pause": GAZA / "scenario-pause.toml"},
        routes={"gaza-2023": GAZA / "route.toml"},
    )
    app = create_app([p], clock=StoppedClock(CUTOFF), settings=settings)
    with TestClient(app) as c:
        lid = next(iter(app.state.hub.ledgers))
        sign_in(c, tokens["reader"])
        page = c.get(f"/agreements/{lid}/model")
        assert "pause" in page.text and "gaza-2023" in page.text
        r = c.post(
            f"/agreements/{lid}/jobs",
            data={"csrf": csrf_of(page.text), "kind": "simulate", "name": "pause", "runs": "200"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        job_url = r.headers["location"]
        for _ in range(300):
            html = c.get(job_url).text
            if "<progress" not in html:
                break
            assert 'http-equiv="refresh"' in html
            time.sleep(0.1)
        words = text_of(html)
        assert (
            "Model results under the stated assumptions, not a statement of what will happen."
            in words
        )
        assert "Over 200 simulated runs (seed 0)" in words and "Assumptions" in words
        assert "holder" in words and "receiver" in words  # both sides' levers, the same words
        chart = re.search(r'src="(/agreements/[^"]+/charts/[^"]+\.svg)"', html)
        assert chart and c.get(chart.group(1)).headers["content-type"] == "image/svg+xml"
        aid = c.get(f"/agreements/{lid}/model?route=gaza-2023")
        assert 'id="ceilings"' in aid.text and "Limited by" in aid.text


def test_checking_a_list_file(dash: Dash) -> None:
    """A list by id (CSV): the men on it do not count under these terms; a bad row is named
    by file and line, and nothing is checked."""
    rows = (
        ["id,category"]
        + [f"c{i},women" for i in range(6)]
        + [f"c{i},children" for i in range(6, 10)]
    )
    rows += ["m1,men"]
    c = sign_in(dash.client(), dash.tokens["reader"])
    page = c.get(dash.url("/check"))
    r = c.post(
        dash.url("/check"),
        data={"csrf": csrf_of(page.text)},
        files={"list": ("tonight.csv", "\n".join(rows) + "\n", "text/csv")},
    )
    assert r.status_code == 200, r.text
    words = text_of(r.text)
    assert "meets the terms as encoded" in words and "+1 day(s)" in words
    assert "Counted 10" in words and "Prisoners due for this list 30" in words
    bad = c.post(
        dash.url("/check"),
        data={"csrf": csrf_of(page.text)},
        files={
            "list": (
                "tonight.csv",
                "id,category,status\nc1,women,live\nc2,women,asleep\n",
                "text/csv",
            )
        },
    )
    assert bad.status_code == 422 and "tonight.csv:3" in bad.text


def test_the_briefing_from_the_dashboard_is_the_services_for_this_role(dash: Dash) -> None:
    """The overview links the briefing (HTML and PDF) in the page's language; a reader's has
    nothing restricted."""
    _append_list_7b(dash)
    c = sign_in(dash.client(), dash.tokens["reader"])
    overview = c.get(dash.url("?lang=he")).text
    assert f'href="/agreements/{dash.ledger_id}/briefing.pdf"' in overview
    html = c.get(dash.url("/briefing.html"))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert '<html lang="he" dir="rtl">' in html.text  # the remembered language
    for secret in ("list-7b", "8 living captives"):
        assert secret not in html.text, secret
    pdf = c.get(dash.url("/briefing.pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
