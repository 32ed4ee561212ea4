"""Jinja2 over the dashboard's templates, with the page's translator and Babel's date and time
formats for its language (figures stay in Western Arabic digits in every language, so they
read the same in all three)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from truce.i18n import LANGUAGES, Translator

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> Environment:
    """The template environment (autoescaped; an undefined name is an error, not a blank)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hm"] = lambda t: "" if t is None else t.strftime("%H:%M")
    env.filters["utc"] = lambda t: "" if t is None else t.astimezone(UTC).strftime("%H:%M UTC")
    env.filters["iso"] = lambda t: "" if t is None else t.isoformat()
    env.filters["localtime"] = lambda t, zone: datetime.fromisoformat(t).astimezone(zone)
    return env


def when(t: datetime | None, lang: str) -> str:
    """A date and time in the page's language (month names translated, digits Western)."""
    if t is None:
        return ""
    return str(format_datetime(t, "d MMMM y, HH:mm", locale=lang, tzinfo=t.tzinfo))


def day(t: datetime | str | None, lang: str) -> str:
    """A date alone, in the page's language."""
    if t is None:
        return ""
    if isinstance(t, str):
        t = datetime.fromisoformat(t if "T" in t else t + "T12:00")
    return str(format_datetime(t, "d MMMM y", locale=lang, tzinfo=t.tzinfo))


def page(template: str, t: Translator, **ctx: Any) -> str:
    """One page in the translator's language."""
    return (
        environment()
        .get_template(template)
        .render(
            t=t,
            lang=t.lang,
            dir=t.direction,
            languages=LANGUAGES,
            when=lambda x: when(x, t.lang),
            day=lambda x: day(x, t.lang),
            **ctx,
        )
    )
