"""The fold: supersession, conflicting declarations, --at/--as-of, debt, credits, findings."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import pytest

from tests.engine.helpers import E, hist, make_terms
from truce.app.deal_schemas import status_out
from truce.engine.decide import Proposal, check
from truce.engine.explain import explain, resolve_ref
from truce.engine.state import replay
from truce.errors import LedgerError


def T(s: str) -> datetime:
    return datetime.fromisoformat(s if "+" in s[10:] else s + "+00:00")


def rel(
    id_: str,
    at: str,
    live: int = 0,
    bodies: int = 0,
    track: str = "framework",
    category: str | None = None,
    **kw: object,
):
    return E(
        "captives_released", id_, at, live=live, bodies=bodies, track=track, category=category, **kw
    )


def test_initial_pending_then_judged() -> None:
    terms = make_terms()
    h = hist(rel("a", "2025-01-10T16:00", live=3), rel("b", "2025-01-11T16:00", live=2))
    st = replay(terms, h, at=T("2025-01-11T17:00"))
    (f,) = [f for f in st.findings if f.kind == "captives"]
    assert f.status == "pending" and "5 of 6 counted so far" in f.detail
    st = replay(terms, h, at=T("2025-01-12T07:00"))
    (f,) = [f for f in st.findings if f.kind == "captives"]
    assert f.status == "short" and "short by 1" in f.detail
    assert st.pause_days == 2 and not st.active


def test_debt_carries_initial_shortfall() -> None:
    terms = make_terms(initial__shortfall="debt")
    h = hist(
        rel("a", "2025-01-10T16:00", live=5),  # initial 5 of 6: debt 1
        rel("b", "2025-01-12T08:00", live=3),  # day 3: available 2 -> no day
        rel("c", "2025-01-12T09:00", live=1),  # day 3: available 3 -> 1 day
    )
    st = replay(terms, h)
    assert st.basis == "inferred"
    assert st.pause_days == 3
    assert st.balance == 0
    day3 = next(f for f in st.findings if f.kind == "captives" and f.day == 3)
    assert day3.status == "met" and "(4 this day - 1 owed from earlier days)" in day3.detail


def test_finding_shortfall_does_not_carry() -> None:
    terms = make_terms()
    h = hist(rel("a", "2025-01-10T16:00", live=5), rel("b", "2025-01-12T08:00", live=3))
    st = replay(terms, h)
    assert st.pause_days == 3  # the shortfall is a finding only
    assert st.balance == 0


def test_supersedes_replaces_the_corrected_event() -> None:
    terms = make_terms()
    h = hist(
        rel("a", "2025-01-10T16:00", live=4),
        rel("a2", "2025-01-10T16:00", live=6, supersedes="a", recorded="2025-01-10T20:00"),
    )
    assert replay(terms, h).counted == 6
    # as known before the correction was recorded
    assert replay(terms, h, as_of=T("2025-01-10T18:00")).counted == 4


def test_conflicting_declarations_use_the_reference_party() -> None:
    terms = make_terms()
    h = hist(
        E("prisoners_released", "p-r", "2025-01-10T20:00", by="r", count=9, act="p1"),
        E("prisoners_released", "p-m", "2025-01-10T20:00", by="m", count=12, act="p1"),
        E("prisoners_released", "p-o", "2025-01-10T20:00", by="o", count=10, act="p1"),
    )
    st = replay(terms, h)
    assert st.prisoners_released == 12
    (d,) = st.disputed
    assert d.used == "event:p-m" and sorted(d.set_aside) == ["event:p-o", "event:p-r"]


def test_conflict_without_reference_uses_first_recorded_and_says_so() -> None:
    terms = make_terms()
    h = hist(
        E(
            "prisoners_released",
            "p-r",
            "2025-01-10T20:00",
            by="r",
            count=9,
            act="p1",
            recorded="2025-01-10T21:00",
        ),
        E(
            "prisoners_released",
            "p-o",
            "2025-01-10T20:00",
            by="o",
            count=10,
            act="p1",
            recorded="2025-01-10T20:30",
        ),
    )
    st = replay(terms, h)
    assert st.prisoners_released == 10
    assert "none is by the reference party" in st.disputed[0].reason


def test_at_filters_by_event_time_and_as_of_by_record_time() -> None:
    terms = make_terms()
    h = hist(
        rel("a", "2025-01-10T16:00", live=3),
        rel("b", "2025-01-11T16:00", live=3, recorded="2025-01-13T09:00"),
    )
    assert replay(terms, h, at=T("2025-01-10T23:00")).counted == 3
    assert replay(terms, h, as_of=T("2025-01-12T00:00")).counted == 3
    assert replay(terms, h).counted == 6


def test_credit_beyond_pool_is_an_error_naming_the_event() -> None:
    terms = make_terms()
    h = hist(
        rel("out", "2025-01-10T12:00", live=1, track="outside"),
        E("credit_granted", "cr", "2025-01-11T06:00", toward_day=2, count=2),
    )
    with pytest.raises(LedgerError, match=r"event:cr: credits 2 but only 1"):
        replay(terms, h)


def test_credit_ratio_follows_captive_category() -> None:
    terms = make_terms()
    h = hist(
        E(
            "captives_released",
            "out",
            "2025-01-10T12:00",
            track="outside",
            captives=[{"id": "x1", "category": "children"}],
        ),
        E(
            "credit_granted",
            "cr",
            "2025-01-11T06:00",
            toward_day=2,
            count=1,
            captives=["x1"],
            releases=["out"],
        ),
    )
    st = replay(terms, h)
    assert st.prisoners_due == 4  # children override: 4 per captive
    assert st.creditable == 0


def test_not_covered_category_and_unknown_category_do_not_count() -> None:
    terms = make_terms()
    h = hist(
        E(
            "captives_released",
            "a",
            "2025-01-10T16:00",
            captives=[
                {"id": "x1", "category": "women"},
                {"id": "x2", "category": "men"},
                {"id": "x3", "category": "martians"},
                {"id": "x4", "category": "children", "status": "body"},
            ],
        ),
    )
    st = replay(terms, h)
    assert st.counted == 1
    assert st.days[0].not_covered == 2
    assert st.days[0].bodies == 1
    assert st.prisoners_due == 3


def test_captive_released_twice_is_an_error() -> None:
    terms = make_terms()
    h = hist(
        E(
            "captives_released",
            "a",
            "2025-01-10T16:00",
            captives=[{"id": "x1", "category": "women"}],
        ),
        E(
            "captives_released",
            "b",
            "2025-01-11T16:00",
            captives=[{"id": "x1", "category": "women"}],
        ),
    )
    with pytest.raises(LedgerError, match="x1"):
        replay(terms, h)


def test_release_before_start_is_an_error() -> None:
    terms = make_terms()
    with pytest.raises(LedgerError, match="precedes the pause start"):
        replay(terms, hist(rel("a", "2025-01-10T06:00", live=1)))


def test_prisoner_findings_pending_short_over() -> None:
    terms = make_terms()
    h = hist(
        rel("a", "2025-01-10T16:00", live=2),
        E("prisoners_released", "p", "2025-01-10T20:00", count=5),
    )
    st = replay(terms, h, at=T("2025-01-10T21:00"))
    assert [f.status for f in st.findings if f.kind == "prisoners"] == ["pending"]
    st = replay(terms, h, at=T("2025-01-11T17:00"))
    assert [f.status for f in st.findings if f.kind == "prisoners"] == ["short"]
    h2 = hist(
        rel("a", "2025-01-10T16:00", live=2),
        E("prisoners_released", "p", "2025-01-10T20:00", count=8),
    )
    assert [f.status for f in replay(terms, h2).findings if f.kind == "prisoners"] == ["over"]


def test_aid_unknown_where_not_recorded_and_other_basis_ignored() -> None:
    terms = make_terms()
    h = hist(
        E("aid_delivered", "ad", "2025-01-10T20:00", by="o", basis="dispatched", trucks=150),
        E("aid_delivered", "ar", "2025-01-11T20:00", by="o", basis="received", trucks=100),
    )
    st = replay(terms, h, at=T("2025-01-12T06:00"))
    assert [(f.day, f.status) for f in st.findings if f.kind == "aid"] == [
        (1, "unknown"),
        (2, "met"),
    ]


def test_extension_finding_neutral_wording() -> None:
    terms = make_terms()
    h = hist(
        rel("a", "2025-01-10T16:00", live=6),
        E("list_announced", "l3", "2025-01-11T20:00", by="h", for_day=3, live=2),
        E("extension_agreed", "x", "2025-01-11T21:00", days=1, for_list="l3"),
    )
    st = replay(terms, h)
    (f,) = [f for f in st.findings if f.kind == "extension"]
    assert f.status == "short"
    assert "the terms as encoded call for 3" in f.detail
    assert st.basis == "recorded" and st.pause_days == 3


def test_pause_ended_event_ends_activity_and_checks_say_so() -> None:
    terms = make_terms()
    h = hist(
        rel("a", "2025-01-10T16:00", live=3), E("pause_ended", "end", "2025-01-10T18:00", by="r")
    )
    st = replay(terms, h)
    assert not st.active and st.ended_at is not None
    d = check(st, Proposal(live=3))
    assert d.meets_terms is False and d.pause_active is False
    assert "ended" in d.explanation[0]


def test_list_file_entries_ineligible_with_reasons() -> None:
    from truce.events import Captive

    terms = make_terms()
    h = hist(
        E(
            "captives_released",
            "a",
            "2025-01-10T16:00",
            captives=[{"id": f"w{i}", "category": "women"} for i in range(6)],
        ),
    )
    st = replay(terms, h, at=T("2025-01-12T06:00"))
    listed = (
        Captive(id="n1", category="women"),
        Captive(id="n1", category="women"),
        Captive(id="w0", category="women"),
        Captive(id="n2", category="men"),
        Captive(id="n3", category="martians"),
        Captive(id="n4", category="children"),
        Captive(id="n5", category="children", status="body"),
    )
    d = check(st, Proposal(captives=listed, source="list:x.csv"))
    reasons = {(i.id, i.reason.split(" (")[0].split(":")[0]) for i in d.ineligible}
    assert ("n1", "listed twice") in reasons
    assert ("w0", "already released") in reasons
    assert any(i.id == "n2" and "not covered" in i.reason for i in d.ineligible)
    assert any(i.id == "n3" and "not in the terms" in i.reason for i in d.ineligible)
    assert d.counted == 2  # n1 + n4; body weight 0
    assert d.prisoners_due == 3 + 4
    assert d.meets_terms is False and d.shortfall == 1


def test_every_trace_reference_resolves(gaza_dir: object) -> None:
    import truce

    for name, ledger in (
        ("gaza-2023", "ledger.jsonl"),
        ("gaza-2023", "days.csv"),
        ("synthetic-london", "days.csv"),
    ):
        from tests.conftest import EXAMPLES

        terms, h = truce.load(EXAMPLES / name / "terms.toml", EXAMPLES / name / ledger)
        st = truce.status(terms, h)
        refs = [r for v in st.trace.values() for r in v]
        refs += [r for f in st.findings for r in f.trace]
        refs += [r for d in st.days for r in d.trace]
        assert refs
        for r in refs:
            resolve_ref(r, terms, h)
        assert explain(refs, terms, h)


def test_status_json_numbers_are_decimals() -> None:
    terms = make_terms(extension__body_weight="1/3")
    h = hist(rel("a", "2025-01-10T16:00", live=6), rel("b", "2025-01-12T08:00", live=1, bodies=1))
    out = status_out(replay(terms, h)).model_dump()
    assert out["counted"] == 7.333333
    assert replay(terms, h).counted == Fraction(22, 3)


def test_list_entry_without_category_counts_like_a_release() -> None:
    from truce.events import Captive

    terms = make_terms()
    h = hist(rel("a", "2025-01-10T16:00", live=6))
    st = replay(terms, h, at=T("2025-01-12T06:00"))
    d = check(
        st,
        Proposal(
            captives=(Captive(id="q1"), Captive(id="q2"), Captive(id="q3")), source="list:l.csv"
        ),
    )
    assert d.ineligible == [] and d.counted == 3 and d.meets_terms is True


def test_check_before_initial_deadline_projects_the_initial_balance() -> None:
    terms = make_terms(extension__carry_surplus=True)
    h = hist(rel("a", "2025-01-10T16:00", live=8))  # 8 of 6 so far: surplus 2 would carry
    st = replay(terms, h, at=T("2025-01-11T10:00"))  # day 2, before the initial deadline
    d = check(st, Proposal(live=1))
    assert d.for_day == 3
    assert d.balance == 2 and d.available == 3 and d.meets_terms is True
    assert any("initial phase is judged" in line for line in d.explanation)


def test_no_pause_exchange_counts_releases() -> None:
    terms = make_terms(
        agreement={"name": "one-off", "timezone": "UTC"}, extension=None, initial=None
    )
    h = hist(
        rel("a", "2025-01-10T16:00", live=2),
        E("prisoners_released", "p", "2025-01-10T20:00", count=6),
    )
    st = replay(terms, h)
    assert st.counted == 2 and st.prisoners_due == 6 and st.basis == "none"
    (f,) = st.findings
    assert f.day is None and f.status == "met"


def test_disputes_only_listed_once_the_act_is_known() -> None:
    terms = make_terms()
    h = hist(
        rel("a", "2025-01-10T16:00", live=2),
        E("prisoners_released", "p-r", "2025-01-10T20:00", by="r", count=9, act="p1"),
        E("prisoners_released", "p-m", "2025-01-10T20:00", by="m", count=6, act="p1"),
    )
    assert replay(terms, h, at=T("2025-01-10T17:00")).disputed == []
    assert len(replay(terms, h).disputed) == 1


def test_strict_types_in_terms() -> None:
    from truce.errors import TermsError

    with pytest.raises(TermsError, match="captives_per_day: expected a whole number"):
        make_terms(extension={"captives_per_day": "10"})
    with pytest.raises(TermsError, match="counts: expected true or false"):
        make_terms(category=[{"id": "women", "counts": "no"}])
