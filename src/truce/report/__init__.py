"""Briefings: a two-page summary of where a pause stands, then appendices, as one
self-contained HTML file or a PDF, in English, Arabic or Hebrew (docs/report.md).

A presenter, in the layer of ``truce.render``: ``truce.report.model.gather`` calls the same
application functions as `status`, `timetable`, `verify`, `simulate`, `aid` and `export`; the
templates put the result into words (``truce.i18n``); ``truce.report.charts`` draws it;
``truce.report.pdf`` lays it out (WeasyPrint, imported there only). The CLI (`truce report`)
and the service (``.../report.html``, ``.../report.pdf``) call ``build`` and ``write``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from truce.errors import BadInput
from truce.i18n import translator
from truce.report.model import Briefing, Inputs, gather

FORMATS = {".html": "html", ".pdf": "pdf"}
"""Output suffix -> format."""


def output_format(out: Path) -> str:
    """``html`` or ``pdf`` from the output file's suffix (BadInput naming ``out`` otherwise,
    or when its folder does not exist)."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise BadInput(f"expected a file ending in .html or .pdf, got {out.name!r}", param="out")
    if not out.parent.is_dir():
        raise BadInput(f"no folder {str(out.parent)!r} to write {out.name!r} in", param="out")
    return fmt


def render(b: Briefing, lang: str, fmt: str) -> bytes:
    """The briefing in ``lang`` as HTML (UTF-8) or PDF bytes."""
    from truce.report.html import render_html

    html = render_html(b, translator(lang))
    if fmt == "html":
        return html.encode("utf-8")
    from truce.report.pdf import render_pdf

    return render_pdf(html)


def write(data: bytes, out: Path) -> None:
    """Write ``data`` to ``out`` whole or not at all: a temporary file beside it, renamed."""
    tmp = out.parent / f".{out.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


__all__ = ["FORMATS", "Briefing", "Inputs", "gather", "output_format", "render", "write"]
