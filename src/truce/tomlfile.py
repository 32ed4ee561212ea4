"""Read a TOML file, turning every way it can fail into a plain-language BadInput naming the file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from truce.errors import BadInput

_TOML_ERR = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_LONG_NUMBER = re.compile(r"[0-9][0-9_]{4000,}")
_DEEP = 100  # a line opening this many arrays or inline tables is the one that nests too deeply


def _beyond_parser(text: str, exc: BaseException) -> str:
    """Plain words for a TOML file the parser cannot hold: a number of thousands of digits
    (Python reads at most 4,300) or arrays and tables nested hundreds deep; with the line."""
    lines = text.splitlines()
    if isinstance(exc, RecursionError):
        what = "arrays or tables nested too deeply (hundreds of levels)"
        hits = [n for n, ln in enumerate(lines, 1) if ln.count("[") + ln.count("{") >= _DEEP]
    else:
        what = "a number too long to read (thousands of digits)"
        hits = [n for n, ln in enumerate(lines, 1) if _LONG_NUMBER.search(ln)]
    return f"line {hits[0]}: {what}" if hits else what


def plain_toml_error(exc: tomllib.TOMLDecodeError) -> str:
    """The parser's message with line and column first, in plain words."""
    text = str(exc)
    m = _TOML_ERR.match(text)
    if not m:
        return f"not valid TOML: {text}"
    msg = m.group("msg")
    msg = msg[0].lower() + msg[1:] if msg else msg
    return (
        f"line {m.group('line')}, column {m.group('col')}: not valid TOML ({msg}). "
        'Check for a missing "=", an unclosed quote or bracket, or a key written twice.'
    )


def read_toml(path: str | Path, error: type[BadInput], what: str) -> dict[str, Any]:
    """The mapping in a TOML file; ``error`` (a BadInput subclass) names the file on any failure."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise error("file not found", where=str(p)) from None
    except IsADirectoryError:
        raise error(f"is a directory, expected a {what} (TOML)", where=str(p)) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", where=str(p)) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise error("not UTF-8 text", where=str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise error(plain_toml_error(exc), where=str(p)) from None
    except (ValueError, RecursionError) as exc:
        raise error(_beyond_parser(raw.decode("utf-8"), exc), where=str(p)) from None
