"""Any simulated run as a ledger the engine can read, rebuilt from (seed, run index): the terms
it ran under (with the ratios its bargains set) and one event per release, prisoner release and
aid delivery. The engine must find the same pause length, counts and prisoners."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from truce.clock import PauseCalendar
from truce.events import EVENT_ADAPTER, Event
from truce.sim.core import CHUNK, Trace, simulate_chunk
from truce.sim.scenario import Loaded
from truce.terms import Terms, parse_terms

RECORDER = "truce-sim"


def run_trace(loaded: Loaded, seed: int, run: int, kernel: str | None = None) -> Trace:
    """Re-simulate the chunk holding ``run`` and keep that run's days: (seed, run) is enough,
    with the kernel that simulated it (``None``: the default, as for ``simulate``)."""
    chunk, offset = divmod(run, CHUNK)
    _, tr = simulate_chunk(loaded, seed, chunk, CHUNK, trace_run=offset, kernel=kernel)
    assert tr is not None
    return tr


def run_terms(loaded: Loaded, tr: Trace) -> Terms:
    """The scenario's terms with this run's exchange ratios, and the bargained categories
    covered (in the run they were released only after their bargain)."""
    data: dict[str, Any] = loaded.terms.model_dump(mode="json", by_alias=True, exclude_none=True)
    if loaded.scenario.scenario.start is not None:
        data["agreement"]["start"] = loaded.scenario.scenario.start.isoformat()
    cats = {c["id"]: c for c in data.get("category", [])}
    for c, ratio, bargained in zip(loaded.order, tr.ratios, tr.bargained, strict=True):
        entry = cats.setdefault(c, {"id": c, "counts": False})
        if ratio >= 0:  # -1: a bargain found no zone of agreement; never released
            entry["prisoners_per_captive"] = str(ratio)
        if bargained:
            entry["counts"] = True
    data["category"] = list(cats.values())
    return parse_terms(data, where="materialised run")


def run_events(loaded: Loaded, tr: Trace, terms: Terms) -> list[Event]:
    """The run's events: releases at 16:00 local on their day, prisoners at 20:00, aid at noon."""
    assert terms.agreement.start is not None
    cal = PauseCalendar(terms.agreement.start, terms.agreement.zone)
    who = terms.parties.reference
    out: list[dict[str, Any]] = []

    def at(day: int, hours: int) -> str:
        return (cal.boundary(day - 1) + timedelta(hours=hours)).isoformat()

    base = {"declared_by": who, "recorded_by": RECORDER}
    for d, per_cat in enumerate(tr.released, start=1):
        for c, n in zip(loaded.order, per_cat, strict=True):
            if n:
                out.append(
                    {
                        "id": f"d{d}-{c}",
                        "type": "captives_released",
                        "at": at(d, 9),
                        "recorded_at": at(d, 9),
                        "live": n,
                        "category": c,
                        **base,
                    }
                )
        if tr.prisoners[d - 1]:
            out.append(
                {
                    "id": f"d{d}-prisoners",
                    "type": "prisoners_released",
                    "at": at(d, 13),
                    "recorded_at": at(d, 13),
                    "count": tr.prisoners[d - 1],
                    **base,
                }
            )
    if terms.aid is not None:
        for d, trucks in enumerate(tr.aid, start=1):
            out.append(
                {
                    "id": f"d{d}-aid",
                    "type": "aid_delivered",
                    "at": at(d, 5),
                    "recorded_at": at(d, 5),
                    "basis": terms.aid.basis,
                    "trucks": trucks,
                    **base,
                }
            )
    out.sort(key=lambda e: e["at"])
    return [EVENT_ADAPTER.validate_python(e) for e in out]
