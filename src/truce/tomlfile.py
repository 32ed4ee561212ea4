"""Read a TOML file, turning every way it can fail into a plain-language BadInput naming the file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from truce.errors import BadInput

_TOML_ERR = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


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
