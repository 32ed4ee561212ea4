"""Arabic and Hebrew briefings (right to left, the same figures), and the catalogues behind
them: every message translated, the glossary's terms rendered once each with a translator
comment, none of the words the glossary rules out in truce's own voice."""

from __future__ import annotations

import re
import string

import pytest

from tests.report.conftest import Made, normalised, section
from truce.errors import BadInput
from truce.i18n import GLOSSARY, LANGUAGES, catalogue, files, translator

FIGURES_END = ("2023-12-01 07:00 +02:00", "05:00 UTC", "80", "240", "43")


def test_arabic_html_is_right_to_left_with_the_same_figures(briefings: dict[str, Made]) -> None:
    html = briefings["ar.html"].html
    assert '<html lang="ar" dir="rtl">' in html
    summary = section(html, "summary")
    assert "هذه الترجمة بانتظار مراجعة متحدثين أصليين باللغة." in summary
    assert "انتهت الهدنة في 2023-12-01 07:00 +02:00 (05:00 UTC)." in summary
    assert "عدد الأيام الممنوحة: 7" in summary
    assert "المحتجَزون المحتسَبون: 80" in summary
    assert "السجناء المستحقون وفق الشروط كما رُمِّزت: 240؛ أُفرج عن 240." in summary
    # the engine's own sentences stay as it writes them, marked as English, left to right
    assert '<td class="engine" lang="en" dir="ltr">day 4: 106 trucks received of 200</td>' in html


@pytest.mark.parametrize(
    ("name", "phrases", "figures"),
    [
        (
            "ar.pdf",
            ("وضع الهدنة", "ما المطلوب ومتى", "أبرز النتائج", "رأس السجل", "رسوم بيانية"),
            FIGURES_END,
        ),
        (
            "he.pdf",
            ("מצב ההפוגה", "מה נדרש ועד מתי", "ממצאים עיקריים", "ראש היומן", "תרשימים"),
            ("2023-11-30 07:00 +02:00", "05:00 UTC", "70", "210", "43"),
        ),
    ],
)
def test_rtl_pdfs_carry_the_same_figures_and_key_phrases(
    briefings: dict[str, Made], name: str, phrases: tuple[str, ...], figures: tuple[str, ...]
) -> None:
    made = briefings[name]
    text = normalised(made.pdf_text(1, 2))
    for phrase in phrases:
        assert normalised(phrase) in text, phrase
    for figure in figures:
        assert figure in text, figure
    assert not re.search("[\u0660-\u0669\u06f0-\u06f9]", text)  # Western Arabic digits only
    # a two-page summary: the first appendix (the terms in plain language) starts on page 3
    appendix = normalised("الشروط بلغة واضحة" if name.startswith("ar") else "התנאים בשפה פשוטה")
    assert appendix not in text and appendix in normalised(made.pdf_text(3, 3))
    made.first_page_png(name.replace(".", "-"))


def test_every_message_is_translated_with_its_fields() -> None:
    """Every message of the main catalogue (the glossary and the briefings; the dashboard checks
    its own with tools/dashboard_messages.py)."""
    main = _main_ids()
    assert len(main) > 150 and main <= set(catalogue("en").entries)
    fields = string.Formatter()
    for lang in ("ar", "he"):
        cat = catalogue(lang)
        assert not cat.reviewed  # until native speakers have reviewed it, the pages say so
        for msgid in main:
            entry = cat.entries.get(msgid)
            assert entry is not None and entry.text, f"{lang}: {msgid!r} is not translated"
            want = sorted(f for _, f, _, _ in fields.parse(msgid) if f)
            got = sorted(f for _, f, _, _ in fields.parse(entry.text) if f)
            assert got == want, f"{lang}: {msgid!r} has fields {got}"
    assert translator("en").reviewed and not translator("ar").reviewed


def test_each_glossary_term_has_one_rendering_and_a_translator_comment() -> None:
    for lang in LANGUAGES:
        entries = catalogue(lang).entries
        for term in GLOSSARY:
            assert term in entries, f"{lang}: {term}"
            assert entries[term].comments, f"{lang}: no translator comment for {term!r}"
    renderings = {
        lang: {catalogue(lang).entries[t].text for t in GLOSSARY} for lang in ("ar", "he")
    }
    for lang, texts in renderings.items():
        assert len(texts) == len(GLOSSARY), f"{lang}: two terms share a rendering"


RULED_OUT = {
    "en": r"hostage|abductee|detainee|terrorist|martyr|\bhero|forecast|predict|breach|violat|complied|aggressor|victim",
    "ar": r"رهين|رهائن|مختطف|إرهاب|شهيد|توقع|تنبؤ|تنبّؤ|انتهاك|خرق",
    "he": r"חטוף|חטופים|ערובה|מחבל|שהיד|תחזית|הפרה|הפר ",
}
"""Words the glossary rules out in truce's own voice (a party's words are quoted, attributed)."""


def _main_ids() -> set[str]:
    from babel.messages.pofile import read_po

    with files("en")[0].open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_ruled_out_word_in_truces_own_voice(lang: str) -> None:
    """The main catalogue (the glossary, the briefings) in every language."""
    entries = catalogue(lang).entries
    for msgid in _main_ids():
        entry = entries[msgid]
        text = entry.text or msgid
        assert not re.search(RULED_OUT[lang], text, flags=re.I), (lang, msgid, text)


def test_an_unknown_language_is_bad_input_naming_lang() -> None:
    with pytest.raises(BadInput) as exc:
        translator("fr")
    assert exc.value.param == "lang"
