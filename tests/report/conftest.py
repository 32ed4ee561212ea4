"""Ledgers and briefings for the report tests: the bundled 2023 ledger as a directory (built once
through the application functions, with a checkpoint), a synthetic ledger that keeps personal
data, and a helper that runs `truce report` as a user does and reads back what it wrote.

The first page of each PDF made here is rendered to PNG (pdftoppm) and kept under
``test-artifacts/report/`` (git-ignored) for a person to look at."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, truce_exe
from truce.app.ledger import record_events
from truce.app.ledger_admin import init_ledger
from truce.app.people import add_people
from truce.app.proofs import make_checkpoint

G = EXAMPLES / "gaza-2023"
BUILT_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ARTIFACTS = ROOT / "test-artifacts" / "report"
ENV = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1"}


@dataclass
class Made:
    """One `truce report` run: its exit status, stderr and the file it wrote (if any)."""

    code: int
    stderr: str
    out: Path

    @property
    def html(self) -> str:
        return self.out.read_text(encoding="utf-8")

    def pdf_text(self, first: int | None = None, last: int | None = None) -> str:
        """The PDF's text (pdftotext), pages ``first`` to ``last``."""
        args = ["pdftotext", "-enc", "UTF-8"]
        if first is not None:
            args += ["-f", str(first)]
        if last is not None:
            args += ["-l", str(last)]
        p = subprocess.run([*args, str(self.out), "-"], capture_output=True, check=True, timeout=60)
        return p.stdout.decode("utf-8")

    def pages(self) -> int:
        p = subprocess.run(
            ["pdfinfo", str(self.out)], capture_output=True, text=True, check=True, timeout=60
        )
        m = re.search(r"^Pages:\s+(\d+)", p.stdout, re.M)
        assert m is not None
        return int(m.group(1))

    def first_page_png(self, name: str) -> Path:
        """Render page 1 to PNG and keep it as a test artifact."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = ARTIFACTS / name
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(self.out),
                str(stem),
            ],
            check=True,
            timeout=60,
        )
        png = stem.with_suffix(".png")
        assert png.stat().st_size > 10_000  # a page with text and a chart, not a blank one
        return png


def report(out: Path, *args: str | Path) -> Made:
    """Run `truce report ARGS -o OUT`."""
    p = subprocess.run(
        [truce_exe(), "report", *map(str, args), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        env=ENV,
    )
    return Made(p.returncode, p.stderr, out)


def visible_text(html: str) -> str:
    """The words of an HTML briefing: no style, no charts, no tags, entities decoded, spaces
    collapsed."""
    import html as h

    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    html = re.sub(r"</?(?:bdi|span|strong|em|b|i|code)\b[^>]*>", "", html)  # inline: no gap
    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", html)))


def section(html: str, sid: str) -> str:
    """The visible text of one ``<section id=...>`` of a briefing."""
    m = re.search(rf'<section id="{sid}".*?</section>', html, flags=re.S)
    assert m is not None, f"no section {sid}"
    return visible_text(m.group())


def normalised(text: str) -> str:
    """NFKC, without format characters (bidi marks) or combining marks (Arabic vowel signs,
    which pdftotext places apart), spaces collapsed: what RTL text is compared as."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Mn"))
    return re.sub(r"\s+", " ", text)


def verify_json(directory: Path) -> dict[str, object]:
    p = subprocess.run(
        [truce_exe(), "verify", str(directory), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
    )
    doc: dict[str, object] = json.loads(p.stdout)
    return doc


@pytest.fixture(scope="session")
def gaza_dir_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2023 ledger as a directory (43 entries) with a signed checkpoint."""
    d = tmp_path_factory.mktemp("report") / "gaza"
    init_ledger(d, G / "terms.toml", now=BUILT_AT)
    record_events(d, G / "ledger.jsonl", now=BUILT_AT)
    make_checkpoint(d)
    return d


PEOPLE_CSV = """role,ref,name,born
captive,case-a,Synthetic Person Alpha,1990-01-02
captive,case-b,Synthetic Person Beta,2011-03-04
prisoner,case-c,Synthetic Person Gamma,1985-05-06
captive,case-d,Named Nowhere Delta,1970-07-08
"""
PERSONAL_VALUES = (
    "Synthetic Person Alpha",
    "Synthetic Person Beta",
    "Synthetic Person Gamma",
    "Named Nowhere Delta",
    "1990-01-02",
    "2011-03-04",
    "1985-05-06",
    "1970-07-08",
)
"""Every personal field of the synthetic fixture (none may appear without --include-personal)."""


SECRET = ("s-secret-list-0002", "a list only the mediators see until day 2")
"""The restricted list's id and note: never in a briefing served below mediator."""


@pytest.fixture(scope="session")
def personal_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic ledger (the 2023 terms) that keeps personal data for three people it names
    and one it does not, with a list only mediators may see (``SECRET``)."""
    base = tmp_path_factory.mktemp("personal")
    d = base / "synthetic"
    init_ledger(d, G / "terms.toml", now=BUILT_AT)
    (base / "people.csv").write_text(PEOPLE_CSV)
    pids = [p.pseudonym for p in add_people(d, base / "people.csv").people]
    common = {"declared_by": "qatar", "recorded_by": "qatar", "sources": ["synthetic"]}
    events = [
        {
            **common,
            "id": "s-release-1",
            "type": "captives_released",
            "at": "2023-11-24T16:00+02:00",
            "recorded_at": "2023-11-24T17:00+02:00",
            "captives": [
                {"id": pids[0], "category": "women"},
                {"id": pids[1], "category": "children"},
            ],
        },
        {
            **common,
            "id": "s-prisoners-1",
            "type": "prisoners_released",
            "at": "2023-11-24T22:00+02:00",
            "recorded_at": "2023-11-24T23:00+02:00",
            "count": 1,
            "prisoners": [{"id": pids[2]}],
        },
        {
            **common,
            "id": "s-secret-list-0002",
            "type": "list_announced",
            "declared_by": "hamas",
            "visibility": "mediator",
            "at": "2023-11-25T01:00+02:00",
            "recorded_at": "2023-11-25T01:00+02:00",
            "for_day": 2,
            "live": 5,
            "note": "a list only the mediators see until day 2",
        },
    ]
    (base / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    record_events(d, base / "events.jsonl", now=BUILT_AT)
    make_checkpoint(d)
    return d


@pytest.fixture(scope="session")
def briefings(tmp_path_factory: pytest.TempPathFactory, gaza_dir_ledger: Path) -> dict[str, Made]:
    """The briefings several tests read, made once: the 2023 ledger in HTML and PDF, at
    2023-11-30 06:00, in Arabic and Hebrew."""
    out = tmp_path_factory.mktemp("briefings")
    at = ("--at", "2023-11-30T06:00+02:00")
    made = {
        "html": report(out / "b.html", gaza_dir_ledger),
        "pdf": report(out / "b.pdf", gaza_dir_ledger),
        "at.html": report(out / "at.html", gaza_dir_ledger, *at),
        "at.pdf": report(out / "at.pdf", gaza_dir_ledger, *at),
        "ar.html": report(out / "ar.html", gaza_dir_ledger, "--lang", "ar"),
        "ar.pdf": report(out / "ar.pdf", gaza_dir_ledger, "--lang", "ar"),
        "he.pdf": report(out / "he.pdf", gaza_dir_ledger, "--lang", "he", *at),
    }
    for name, m in made.items():
        assert m.code == 0, f"{name}: exit {m.code}: {m.stderr}"
    return made


def copy_ledger(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest
