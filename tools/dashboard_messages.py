"""List the dashboard's messages (every literal ``t("...")`` in its templates and views, and the
words it translates by value), to keep ``truce/i18n/locale/dashboard/*.po`` complete:
``--check`` exits 1 naming any message a catalogue lacks; ``--sync`` rewrites the English
catalogue (dashboard/en.po) to exactly these messages, so the translators see what changed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DASH = ROOT / "src" / "truce" / "service" / "dashboard"
CALL = re.compile(r"""\bt\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
VIEW_WORDS = re.compile(r'"(?:title|label)": "([^"]+)"|Series\("([^"]+)"|"columns": \[([^\]]+)\]')
BY_VALUE = (
    "recorded",
    "inferred",
    "received",
    "entered",
    "inspected",
    "dispatched",
    "captives",
    "prisoners",
    "aid",
    "extension",
    *("met", "short", "over", "late", "pending", "unknown"),
    *(f"stage: {s}" for s in ("ahead", "running", "ended", "conditional")),
    *(
        f"kind: {k}"
        for k in ("captives", "prisoners", "notice", "schedule", "bodies", "commitment", "next")
    ),
)
"""Words shown through ``t(value)``: the status's basis and the aid basis; for phased terms, the
batch and finding statuses, the stage statuses and the stage finding kinds."""


def messages() -> list[str]:
    """Every message the dashboard shows, in first-seen order."""
    found: list[str] = []
    for path in sorted(DASH.rglob("*.j2")):
        for m in CALL.finditer(path.read_text()):
            found.append(m.group(1) if m.group(1) is not None else m.group(2))
    for m in VIEW_WORDS.finditer((DASH / "views.py").read_text()):
        if m.group(3):
            found += re.findall(r'"([^"]+)"', m.group(3))
        else:
            found.append(m.group(1) or m.group(2))
    found += BY_VALUE
    return list(dict.fromkeys(found))


def main() -> int:
    from babel.messages.pofile import read_po

    wanted = messages()
    if "--sync" in sys.argv:
        return sync(wanted)
    if "--check" not in sys.argv:
        print("\n".join(wanted))
        return 0
    bad = 0
    for lang in ("en", "ar", "he"):
        have = set()
        for path in (ROOT / "src/truce/i18n/locale").glob(f"**/{lang}.po"):
            with path.open("rb") as f:
                have |= {m.id for m in read_po(f) if m.id}
        for msg in wanted:
            if msg not in have:
                print(f"{lang}: missing {msg!r}")
                bad = 1
    return bad


def sync(wanted: list[str]) -> int:
    """Rewrite dashboard/en.po: its header, then one empty entry per message (in use order)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = ROOT / "src/truce/i18n/locale/dashboard/en.po"
    text = path.read_text()
    with path.open("rb") as f:
        old = read_po(f)
    head = text[: text.index('msgid ""')]
    cat = Catalog(locale="en", domain="truce", project=old.project, version=old.version)
    cat.mime_headers = old.mime_headers
    for msg in wanted:
        cat.add(msg, "")
    import io

    buf = io.BytesIO()
    write_po(buf, cat, width=100, omit_header=False)
    body = buf.getvalue().decode()
    path.write_text(head + body[body.index('msgid ""') :])
    return 0


if __name__ == "__main__":
    sys.exit(main())
