"""The words truce shows people, in every language it speaks: one Babel catalogue per language
(``truce/i18n/locale/<lang>.po``), read at run time with Babel's ``read_po`` (no build step).
The briefings (``truce.report``) and the dashboard (``truce.service.dashboard``) use them; the
dashboard's own messages are in ``locale/dashboard/<lang>.po``, read into the same catalogue.

A language's catalogue is its main file (``locale/<lang>.po``: the glossary and the briefings)
merged with each interface's own (``locale/<part>/<lang>.po``: the dashboard's); where two give
a message, the first rendering given is kept, so a glossary term has one rendering. The English
catalogue is the list of messages: a message missing from it is a programming error
(``LookupError``, caught by the tests, which render every section). A message a translation
lacks falls back to English. Each glossary term (../shared/GLOSSARY.md: ``GLOSSARY`` below) has
one rendering per language, with a translator comment saying which and why. A catalogue whose
header is marked ``fuzzy`` awaits review by native speakers, and every page and briefing in that
language says so (``Translator.reviewed``).

Messages use ``str.format`` fields (``{days}``); figures are passed as text and shown in Western
Arabic digits in every language, so a briefing's figures read the same in all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from truce.errors import BadInput, MissingExtra

LANGUAGES = ("en", "ar", "he")
"""The languages truce speaks, English (the source) first."""
RTL = frozenset({"ar", "he"})
"""Languages written right to left."""
LOCALE = Path(__file__).resolve().parent / "locale"

GLOSSARY = (
    "captive",
    "prisoner",
    "body",
    "holder",
    "receiver",
    "mediator",
    "monitor",
    "reader",
    "release",
    "handover",
    "pause",
    "meets the terms as encoded",
    "does not meet the terms as encoded",
    "met",
    "short",
    "over",
    "late",
    "pending",
    "unknown",
    "claim",
    "model result",
)
"""The glossary's terms: each is a message of every catalogue, with a translator comment."""


@dataclass(frozen=True)
class Entry:
    """One message of a catalogue: its translation and the translator's comments."""

    text: str
    comments: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """One language's messages, and whether native speakers have reviewed them."""

    lang: str
    entries: dict[str, Entry]
    reviewed: bool


def files(lang: str) -> list[Path]:
    """The catalogue files of ``lang``: the main one (``locale/<lang>.po``: the glossary, the
    briefings), then each interface's own (``locale/<part>/<lang>.po``, e.g. the dashboard's),
    in name order."""
    return [LOCALE / f"{lang}.po", *sorted(LOCALE.glob(f"*/{lang}.po"))]


def _read(lang: str) -> Catalogue:
    try:
        from babel.messages.pofile import read_po
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("babel", "report") from exc
    entries: dict[str, Entry] = {}
    reviewed = True
    for path in files(lang):
        with path.open("rb") as f:
            cat = read_po(f, locale=lang, domain="truce")
        reviewed = reviewed and not cat.fuzzy
        for m in cat:
            if not m.id or not isinstance(m.id, str):
                continue
            text = m.string if isinstance(m.string, str) else ""
            first = entries.get(m.id)
            if first is None or (not first.text and text):  # one rendering: the first given
                comments = tuple(m.user_comments) or (first.comments if first else ())
                entries[m.id] = Entry(text, comments)
    return Catalogue(lang, entries, reviewed=reviewed)


@cache
def catalogue(lang: str) -> Catalogue:
    """The catalogue of ``lang`` (one of ``LANGUAGES``), read once."""
    check_language(lang)
    return _read(lang)


def check_language(lang: str) -> str:
    """``lang`` if truce speaks it, else BadInput naming the ``lang`` parameter."""
    if lang not in LANGUAGES:
        raise BadInput(f"expected one of {', '.join(LANGUAGES)}, got {lang!r}", param="lang")
    return lang


@dataclass(frozen=True)
class Translator:
    """``t("message {n}", n="3")``: the message in one language, its fields filled in."""

    lang: str

    @property
    def direction(self) -> str:
        """``rtl`` or ``ltr``: the HTML ``dir`` of a page in this language."""
        return "rtl" if self.lang in RTL else "ltr"

    @property
    def reviewed(self) -> bool:
        """Whether native speakers have reviewed this language's catalogue (English: yes)."""
        return self.lang == "en" or catalogue(self.lang).reviewed

    def __call__(self, message: str, **fields: object) -> str:
        if message not in catalogue("en").entries:
            raise LookupError(f"message not in the English catalogue: {message!r}")
        entry = catalogue(self.lang).entries.get(message)
        text = entry.text if entry is not None and entry.text else message
        return text.format(**fields) if fields else text


def translator(lang: str) -> Translator:
    """The translator for ``lang`` (BadInput naming ``lang`` if truce does not speak it)."""
    check_language(lang)
    return Translator(lang)


__all__ = [
    "GLOSSARY",
    "LANGUAGES",
    "RTL",
    "Catalogue",
    "Entry",
    "Translator",
    "catalogue",
    "check_language",
    "files",
    "translator",
]
