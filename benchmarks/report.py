"""Briefings (`truce report`): time to a 2023 briefing in HTML and PDF, and for a 100,000-event
ledger.

Run ``.venv/bin/python benchmarks/report.py`` (the 2023 ledger, best of 5; a synthetic ledger of
100 pause days x 1,000 events, best of 2) or add ``--smoke`` (one repetition, 2 days x 1,000
events: for CI, the numbers mean nothing). See benchmarks/README.md for the figures measured.

Each briefing is timed in its parts, in process, as `truce report` runs them:

- **gather**: the application functions the briefing is built from (``deal.status``,
  ``deal.timetable``, ``verify_ledger`` and the checkpoint for a directory); the baseline: what
  `status`, `timetable` and `verify` cost anyway;
- **HTML**: the templates, the three charts (matplotlib SVG) and the words (Babel catalogues);
- **PDF**: WeasyPrint laying the HTML out (Pango shaping the text), on top of the HTML.

The 2023 ledger is a directory (init, record, checkpoint) in a temporary folder; the synthetic
one is the engine benchmark's (benchmarks/engine.py: the 2023 terms moved and re-quoted so that
each day earns one more day) read as a deal without a directory, so it has no head to verify.
The goals are the issue's (HTML under 1 s and PDF under 5 s for the 2023 ledger), printed as
PASS/MISS, informational only (exit 0 either way).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from engine import bench_terms, build_events  # benchmarks/engine.py (this folder is on sys.path)
from machine import SMOKE_BANNER, best, describe
from truce.app import deal
from truce.app.ledger import record_events
from truce.app.ledger_admin import init_ledger
from truce.app.proofs import make_checkpoint
from truce.history import History
from truce.i18n import translator
from truce.report import Inputs, gather
from truce.report.html import render_html
from truce.report.pdf import render_pdf

ROOT = Path(__file__).resolve().parent.parent
G = ROOT / "examples" / "gaza-2023"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def inputs(name: str, kind: str) -> Inputs:
    return Inputs(
        ledger=name, kind=kind, terms=None, scenario=None, route=None, at=None, as_of=None
    )


def measure(
    label: str, d: deal.Deal, directory: Path | None, repeat: int, lang: str
) -> dict[str, float]:
    """Time gather, HTML and PDF for one deal; print one line each; return the times."""
    kind = "directory" if directory is not None else "file"
    t_gather, b = best(lambda: gather(d, directory=directory, inputs=inputs(label, kind)), repeat)
    tr = translator(lang)
    t_html, html = best(lambda: render_html(b, tr), repeat)
    t_pdf, pdf = best(lambda: render_pdf(html), repeat)
    print(f"  gather (status, timetable{', verify' if directory else ''}): {t_gather:8.3f} s")
    print(f"  HTML ({len(html.encode()):,} bytes, {lang}):      {t_html:8.3f} s")
    print(f"  PDF ({len(pdf):,} bytes):            {t_pdf:8.3f} s")
    total_html, total_pdf = t_gather + t_html, t_gather + t_html + t_pdf
    print(f"  to HTML: {total_html:.3f} s; to PDF: {total_pdf:.3f} s")
    print(
        f"  HTML / gather: {total_html / t_gather:.1f}x; PDF / HTML: {total_pdf / total_html:.1f}x"
    )
    return {"html": total_html, "pdf": total_pdf}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition (CI)")
    args = ap.parse_args(argv)
    if args.smoke:
        print(SMOKE_BANNER)
    repeat = 1 if args.smoke else 5
    days = 2 if args.smoke else 100
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "gaza"
        init_ledger(d, G / "terms.toml", now=NOW)
        record_events(d, G / "ledger.jsonl", now=NOW)
        make_checkpoint(d)
        gaza = deal.open_deal(d)
        results = {}
        for lang in ("en", "ar"):
            print(f"(a) 2023 ledger (43 entries, a directory), {lang}, best of {repeat}:")
            results[lang] = measure("gaza", gaza, d, repeat, lang)
    goal_html, goal_pdf = 1.0, 5.0
    en = results["en"]
    print(
        f"goal, 2023 briefing in HTML under {goal_html:g} s: "
        f"{'PASS' if en['html'] < goal_html else 'MISS'} ({en['html']:.3f} s)"
    )
    print(
        f"goal, 2023 briefing in PDF under {goal_pdf:g} s: "
        f"{'PASS' if en['pdf'] < goal_pdf else 'MISS'} ({en['pdf']:.3f} s)"
    )
    terms = bench_terms()
    events = build_events(terms, days)
    synthetic = deal.Deal(terms, History.of(events))
    big_repeat = 1 if args.smoke else 2
    print(
        f"(b) synthetic ledger: {days} pause days x 1,000 events = {len(events):,} events, best of {big_repeat}:"
    )
    measure("synthetic", synthetic, None, big_repeat, "en")
    return 0


if __name__ == "__main__":
    sys.exit(main())
