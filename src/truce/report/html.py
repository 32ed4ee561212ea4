"""The briefing as one self-contained HTML file: Jinja2 templates (truce/report/templates),
the charts inline as SVG, the style sheet inline, nothing fetched when it is read. The words come
from the catalogues of truce.i18n; figures and times are shown in Western Arabic digits in every
language, isolated (``<bdi>``) so that right-to-left text does not reorder them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truce.errors import MissingExtra
from truce.i18n import Translator, catalogue
from truce.report import charts
from truce.report.model import SCENARIO_RUNS, SCENARIO_SEED, Briefing

if TYPE_CHECKING:  # pragma: no cover
    from jinja2 import Environment
    from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"

STATUSES = ("met", "short", "over", "late", "pending", "unknown")
"""Finding statuses (the glossary's words), in the order the summary counts them."""


@cache
def _environment() -> Environment:
    try:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("jinja2", "report") from exc
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def local_time(iso: str | None) -> str:
    """``2023-12-01 07:00 +02:00``: a time as the agreement's zone writes it (seconds shown
    only where there are any)."""
    if iso is None:
        return "-"
    t = datetime.fromisoformat(iso)
    z = t.strftime("%z")
    offset = f"{z[:3]}:{z[3:]}" if z else ""
    clock = "%H:%M:%S" if t.second else "%H:%M"
    return f"{t.strftime('%Y-%m-%d ' + clock)} {offset}".strip()


def utc_time(iso: str | None) -> str:
    """``05:00 UTC`` (with the date where it differs from the local date)."""
    if iso is None:
        return "-"
    t = datetime.fromisoformat(iso)
    u = t.astimezone(UTC)
    clock = "%H:%M:%S" if u.second else "%H:%M"
    fmt = clock if u.date() == t.date() else f"%Y-%m-%d {clock}"
    return f"{u.strftime(fmt)} UTC"


def moment(iso: str | None) -> str:
    """``2023-12-01 07:00 +02:00 (05:00 UTC)``."""
    if iso is None:
        return "-"
    return f"{local_time(iso)} ({utc_time(iso)})"


def figure(x: float | int | None) -> str:
    """A figure as text: integers as they are, other numbers with up to 2 decimals."""
    if x is None:
        return "-"
    if isinstance(x, int) or float(x).is_integer():
        return str(int(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


REFS_SHOWN = 12
"""References listed per finding or source; the rest are counted (`truce status --why` lists
them all)."""


def share(x: float) -> str:
    """A share of runs as a percentage (``43.8%``)."""
    return f"{100 * x:.1f}%"


class Words:
    """The template's words: ``t(message, **fields)`` in the page's language, each field shown
    isolated left to right (``<bdi>``), so a time or an id reads the same in every language."""

    def __init__(self, tr: Translator) -> None:
        self.tr = tr

    def __call__(self, message: str, **fields: object) -> Markup:
        from markupsafe import Markup, escape

        text = escape(self.tr(message))
        if not fields:
            return Markup(text)
        wrap = Markup('<bdi dir="ltr">{}</bdi>')
        return Markup(text).format(**{k: wrap.format(v) for k, v in fields.items()})

    def known(self, message: str) -> bool:
        """Whether ``message`` is in the catalogue (closed vocabularies: act types, reasons)."""
        return message in catalogue("en").entries


def render_html(b: Briefing, tr: Translator) -> str:
    """The briefing as HTML text (the same briefing and language: the same bytes)."""
    s = b.status
    commitment = s.days and b.terms.get("aid", {}).get("trucks_per_day")
    counts = Counter(f.status for f in s.findings)
    parties = {p["id"]: p["name"] for p in _parties(b.terms)}
    doc = (
        _environment()
        .get_template("briefing.html.j2")
        .render(
            b=b,
            s=s,
            tt=b.timetable,
            v=b.verification,
            t=Words(tr),
            lang=tr.lang,
            direction=tr.direction,
            reviewed=tr.reviewed,
            charts={
                "timeline": charts.timeline(s),
                "cumulative": charts.cumulative(s),
                "aid": charts.aid(s, commitment or None),
            },
            colours={
                "holder": charts.HOLDER,
                "receiver": charts.RECEIVER,
                "extension": charts.EXTENSION,
                "aid": charts.AID,
                "commitment": charts.COMMITMENT,
                "due": charts.DUE,
            },
            statuses=[(st, counts[st]) for st in STATUSES if counts[st]],
            not_met=[f for f in s.findings if f.status != "met"],
            parties=parties,
            runs=SCENARIO_RUNS,
            seed=SCENARIO_SEED,
            local=local_time,
            utc=utc_time,
            moment=moment,
            figure=figure,
            share=share,
            shown=lambda refs: _shown(refs, Words(tr)),
            upcoming=upcoming(b),
            deadline=lambda d: deadline(d, Words(tr)),
            batch_when=lambda bt: batch_when(bt, Words(tr)),
            style=(TEMPLATES / "briefing.css").read_text(encoding="utf-8"),
        )
    )
    return doc


def upcoming(b: Briefing) -> list[dict[str, Any]]:
    """What the phased terms still hold pending at the briefing's time, earliest deadline first
    (none fixed yet: last): each batch side, what opens the next stage, each commitment with a
    deadline. Picked from the status document's ``phases`` as the engine judged them; nothing
    is computed here."""
    rows: list[dict[str, Any]] = []
    for p in b.status.phases or []:
        for bt in p.batches:
            for kind, side in (("captives", bt.captives), ("prisoners", bt.prisoners)):
                if side.status == "pending":
                    rows.append(
                        {
                            "kind": kind,
                            "stage": p.id,
                            "batch": bt.id,
                            "due": side.due_text,
                            "due_by": side.due_by,
                            "released": side.released,
                            "what": "",
                        }
                    )
        if p.next is not None and p.next.get("status") == "pending":
            rows.append(
                {
                    "kind": "next",
                    "stage": p.id,
                    "batch": "",
                    "due": None,
                    "due_by": p.next.get("due_by"),
                    "released": 0,
                    "what": p.next.get("what", ""),
                }
            )
        for c in p.commitments:
            if c.get("status") == "pending" and c.get("due_by"):
                rows.append(
                    {
                        "kind": "commitment",
                        "stage": p.id,
                        "batch": c["id"],
                        "due": None,
                        "due_by": c["due_by"],
                        "released": 0,
                        "what": c.get("detail", ""),
                    }
                )
    return sorted(
        rows,
        key=lambda r: (
            datetime.fromisoformat(r["due_by"]).timestamp() if r["due_by"] else float("inf")
        ),
    )


def deadline(d: dict[str, Any], t: Words) -> Markup:
    """A deadline of the terms (``by = { day = 16 }`` ...) in words."""
    if "day" in d:
        return t("by the end of stage day {day}", day=d["day"])
    if "date" in d:
        return t("by the end of {date} (local)", date=d["date"])
    if "hours" in d:
        return t("within {hours} hours of the stage's start", hours=d["hours"])
    return t("within {hours} hours of the other side's handover", hours=d["within_hours"])


def batch_when(bt: dict[str, Any], t: Words) -> Markup:
    """When a batch of the terms is handed over, in words."""
    if "day" in bt:
        if "last_day" in bt:
            return t("stage days {day} to {last}", day=bt["day"], last=bt["last_day"])
        return t("stage day {day}", day=bt["day"])
    if "date" in bt:
        if "last_date" in bt:
            return t("from {date} to {last} (local)", date=bt["date"], last=bt["last_date"])
        return t("on {date} (local)", date=bt["date"])
    return t("within {hours} hours of the stage's start", hours=bt["hours"])


def _shown(refs: list[str], t: Words) -> str:
    """The first references and how many more there are."""
    head = ", ".join(refs[:REFS_SHOWN])
    if len(refs) <= REFS_SHOWN:
        return head
    return f"{head} ({t.tr('and {n} more', n=len(refs) - REFS_SHOWN)})"


def _parties(terms: dict[str, Any]) -> list[dict[str, Any]]:
    p = terms["parties"]
    return [p["holder"], p["receiver"], *p.get("mediators", []), *p.get("observers", [])]


__all__ = ["local_time", "moment", "render_html", "utc_time"]
