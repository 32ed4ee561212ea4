"""What a briefing shows, gathered from the application functions that `status`, `timetable`,
`verify`, `simulate`, `aid` and `export` call (truce.app), and nothing else: the briefing is a
presenter, it computes no figure of its own. The result is plain data (a pydantic model), so the
service can redact it for a role below mediator exactly as it redacts its JSON answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from truce.app import deal as app_deal
from truce.app.deal_schemas import StatusOut, TimetableOut
from truce.app.ledger_schemas import VerifyFailed, VerifyOk
from truce.app.sim_schemas import SimulateOut
from truce.app.sim_staged_schemas import SimulateStagedOut
from truce.errors import BadInput
from truce.ledger.directory import LedgerDir

SCENARIO_RUNS = 10_000
"""Runs of a ``--scenario`` simulation (printed beside its result)."""
SCENARIO_SEED = 1
"""Its seed (printed too: the same seed gives the same model result)."""


class SourceUse(BaseModel):
    """One source id (or text), and what in the terms and the record cites it."""

    source: str
    cited_by: list[str]


class Person(BaseModel):
    """Personal data of one person the record names (only with ``include_personal``)."""

    pseudonym: str
    role: str
    fields: dict[str, str]


class AidVariant(BaseModel):
    """One variant of an aid route: its ceiling, what limits it, and how it was reached."""

    name: str
    ceiling: float
    limiting: list[str]
    method: str
    explanation: list[str]


class Inputs(BaseModel):
    """What the briefing was made from (file names only, so the same inputs in another folder
    give the same briefing)."""

    ledger: str
    kind: str = Field(description="directory | file")
    terms: str | None
    scenario: str | None
    route: str | None
    at: str | None = Field(description="--at as given (null: the latest event)")
    as_of: str | None


class Briefing(BaseModel):
    """Everything a briefing shows, in no language: the templates put it into words."""

    inputs: Inputs
    agreement: str
    terms: dict[str, Any] = Field(description="The base terms as the terms file encodes them.")
    terms_digest: str
    status: StatusOut
    timetable: TimetableOut
    verification: VerifyOk | VerifyFailed | None = Field(
        description="`truce verify --json` of a directory; null: a ledger file (no verified head)"
    )
    checkpoint: str | None = Field(description="The latest signed checkpoint note, if any.")
    sources: list[SourceUse]
    keeps_personal_data: bool
    include_personal: bool
    people: list[Person]
    simulation: SimulateOut | None
    staged_simulation: SimulateStagedOut | None = Field(
        default=None,
        description="A ``--scenario`` whose terms have stages: the staged simulator's summary.",
    )
    route_name: str | None
    aid: list[AidVariant] | None


def scenario_matches(scenario: Path, terms_digest: str) -> None:
    """A scenario simulates the terms it names: they must be the ledger's terms."""
    from truce.app.sim import scenario_terms_digest

    if scenario_terms_digest(scenario) != terms_digest:
        raise BadInput(
            "the scenario simulates other terms than the ledger's (their digests differ): "
            "give a scenario whose `terms` are the ledger's terms file",
            where=str(scenario),
            param="scenario",
        )


def _sources(deal: app_deal.Deal, at: datetime) -> list[SourceUse]:
    """Each source cited, in order of first citation: the terms tables' ``source`` texts, then
    the ids the recorded events up to ``at`` rest on (their ``sources``)."""
    cited: dict[str, list[str]] = {}
    t = deal.terms
    tables: list[tuple[str, Any]] = [
        ("agreement", t.agreement),
        ("parties", t.parties),
        ("initial", t.initial),
        ("extension", t.extension),
        ("exchange", t.exchange),
        *((f"category.{c.id}", c) for c in t.categories),
        ("aid", t.aid),
    ]
    for st in t.stages:  # phased terms: each stage and what it holds
        key = f"stage.{st.id}"
        tables += [(key, st), (f"{key}.next", st.next)]
        tables += [(f"{key}.batch.{b.id}", b) for b in st.batches]
        tables += [(f"{key}.bodies_for_bodies", st.bodies_for_bodies)]
        tables += [(f"{key}.commitment.{c.id}", c) for c in st.commitments]
    for key, table in tables:
        if table is not None and table.source:
            cited.setdefault(table.source, []).append(f"terms:{key}")
    for entry in deal.history.entries:
        ev = entry.event
        if ev.at > at:
            continue
        for s in ev.sources:
            cited.setdefault(s, []).append(f"event:{ev.id}")
    return [SourceUse(source=s, cited_by=by) for s, by in cited.items()]


@contextmanager
def _directory(ledger: Path | LedgerDir | None) -> Iterator[LedgerDir | None]:
    from truce.app.opened import opened

    if ledger is None:
        yield None
        return
    with opened(ledger) as d:
        yield d


def gather(
    deal: app_deal.Deal,
    *,
    directory: Path | LedgerDir | None,
    inputs: Inputs,
    at: datetime | None = None,
    as_of: datetime | None = None,
    scenario: Path | None = None,
    route: Path | None = None,
    include_personal: bool = False,
) -> Briefing:
    """The briefing's data for a deal (``directory``: its ledger directory, open or by path;
    None for a ledger file, which has no verified head)."""
    digest = deal.terms.digest()
    if scenario is not None:
        scenario_matches(scenario, digest)  # before any work: a bad input changes nothing
    status = app_deal.status(deal, at, as_of)
    timetable = app_deal.timetable(deal, at, as_of)
    verification: VerifyOk | VerifyFailed | None = None
    checkpoint = None
    people: list[Person] = []
    keeps = False
    with _directory(directory) as d:
        if d is not None:
            from truce.app.head import record_head
            from truce.app.people import keeps_personal_data, personal_data

            head = record_head(d)
            verification, checkpoint = head.verification, head.checkpoint
            keeps = keeps_personal_data(d)
            if include_personal:
                people = [Person.model_validate(p) for p in personal_data(d)]
    simulation: SimulateOut | None = None
    staged_simulation: SimulateStagedOut | None = None
    if scenario is not None:
        from truce.app.sim import is_staged, simulate_scenario, simulate_staged_scenario

        if is_staged(scenario):
            staged_simulation = simulate_staged_scenario(scenario, SCENARIO_RUNS, SCENARIO_SEED)
        else:
            simulation = simulate_scenario(scenario, SCENARIO_RUNS, SCENARIO_SEED)
    aid = None
    route_name = None
    if route is not None:
        from truce.app.aid import aid_report_for

        rep = aid_report_for(route, simulate=False)
        route_name = rep.out.route
        aid = [
            AidVariant(
                name=c.variant,
                ceiling=c.trucks_per_day,
                limiting=list(c.limiting),
                method=c.method,
                explanation=list(c.explanation),
            )
            for c in rep.ceilings
        ]
    return Briefing(
        inputs=inputs,
        agreement=deal.terms.agreement.name,
        terms=deal.terms.model_dump(mode="json", by_alias=True, exclude_none=True),
        terms_digest=digest,
        status=status,
        timetable=timetable,
        verification=verification,
        checkpoint=checkpoint,
        sources=_sources(deal, datetime.fromisoformat(status.at)),
        keeps_personal_data=keeps,
        include_personal=include_personal,
        people=people,
        simulation=simulation,
        staged_simulation=staged_simulation,
        route_name=route_name,
        aid=aid,
    )


__all__ = [
    "SCENARIO_RUNS",
    "SCENARIO_SEED",
    "AidVariant",
    "Briefing",
    "Inputs",
    "Person",
    "SourceUse",
    "gather",
    "scenario_matches",
]
