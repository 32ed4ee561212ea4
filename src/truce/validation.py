"""Turn pydantic validation errors into one plain-language paragraph naming the key path."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at ``loc`` (by alias), if it can be found."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = None
        for name, info in current.model_fields.items():
            if part in (name, info.alias):
                field = info
                break
        if field is None:
            return None
        current = _first_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _first_model(tp: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _first_model(typing.get_args(tp)[0])
    if origin in (list, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            found = _first_model(arg)
            if found is not None:
                return found
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def format_loc(loc: tuple[int | str, ...]) -> str:
    """Key path like ``extension.captives_per_day`` or ``category[3].counts`` (positions from 1)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text in quotes",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "datetime_type": "a date and time",
    "datetime_parsing": "a date and time",
    "datetime_from_date_parsing": "a date and time with a UTC offset, e.g. 2023-11-24T16:00:00+02:00",
    "timezone_aware": "a date and time with a UTC offset, e.g. 2023-11-24T16:00:00+02:00",
    "date_type": "a date",
    "date_parsing": "a date like 2023-11-24",
    "float_type": "a number",
}


def describe_error(
    err: Any, root: type[BaseModel] | None, prefix: tuple[int | str, ...] = ()
) -> str:
    """One error as a sentence: '<path>: <what was wrong and what was expected>'."""
    loc = tuple(err["loc"])
    typ = err["type"]
    got = err.get("input")
    path = format_loc(prefix + loc)
    if typ == "extra_forbidden":
        parent = _model_at(root, loc[:-1]) if root else None
        if parent is None:
            return f"{path}: unknown key"
        keys = _keys(parent)
        close = difflib.get_close_matches(str(loc[-1]), keys, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{path}: unknown key ({hint}expected one of: {', '.join(keys)})"
    if typ == "missing":
        return f"{path}: required key is missing"
    if typ in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        ctx = err.get("ctx", {})
        bound = next(iter(ctx.values()), "?")
        sign = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }
        return f"{path}: must be {sign[typ]} {bound}, got {_brief(got)}"
    if typ == "literal_error":
        return f"{path}: expected {err['ctx']['expected']}, got {got!r}"
    if typ == "string_pattern_mismatch":
        return (
            f"{path}: {got!r} is not a valid id (lower-case letters, digits, '-' and '_', "
            "starting with a letter or digit)"
        )
    if typ == "string_too_short":
        return f"{path}: must not be empty"
    if typ == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", got)
        expected = str(err["ctx"]["expected_tags"]).replace("'", "")
        where = f"{path}.type" if loc else "type"
        return f"{where}: unknown event type {tag!r} (expected one of: {expected})"
    if typ == "union_tag_not_found":
        return f"{path}: missing key 'type'"
    if typ in _TYPE_WORDS:
        return f"{path}: expected {_TYPE_WORDS[typ]}, got {_show(got)}"
    msg = str(err.get("msg", typ))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, ") :]
    if not loc:
        return msg
    return f"{path}: {msg}"


def _brief(value: Any) -> str:
    """``repr(value)``, or for a number of many digits its first digits and how many there are."""
    text = repr(value)
    if isinstance(value, int) and len(text) > 30:
        return f"{text[:12]}... (a number of {len(text.lstrip('-'))} digits)"
    return text


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def describe_validation_error(
    exc: ValidationError, root: type[BaseModel] | None = None, prefix: tuple[int | str, ...] = ()
) -> str:
    """The first few errors of ``exc`` as one paragraph."""
    errs = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    parts = [describe_error(e, root, prefix) for e in errs[:3]]
    more = f" (and {len(errs) - 3} more)" if len(errs) > 3 else ""
    return "; also ".join(parts) + more
