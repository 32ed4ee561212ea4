"""The briefing as PDF: the same HTML, laid out by WeasyPrint (Pango shapes Arabic and Hebrew
with the system's Noto fonts). WeasyPrint is imported here only; without it the error names the
extra to install."""

from __future__ import annotations

from typing import Any


def render_pdf(html: str) -> bytes:
    """The PDF of a briefing's HTML. Nothing is fetched: a URL the page named would fail."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango itself is missing
        from truce.errors import MissingExtra

        raise MissingExtra("weasyprint", "report") from exc

    def no_fetch(url: str, *args: Any, **kw: Any) -> dict[str, Any]:
        raise ValueError(f"a briefing fetches nothing (it named {url!r})")

    doc = HTML(string=html, url_fetcher=no_fetch, base_url=None)
    pdf: bytes = doc.write_pdf(pdf_identifier=b"truce-briefing")
    return pdf


__all__ = ["render_pdf"]
