"""Fast decoding of event lines: msgspec Structs derived from the pydantic event models.

The pydantic models in :mod:`truce.events` stay the one definition of an event. This module
reads them (fields, types, constraints, defaults, after-validators) and builds, for every event
type it can cover, a msgspec Struct that accepts a subset of what pydantic accepts; a decoded
Struct is turned into an instance of the pydantic class itself (same values, same
``model_fields_set``), built without pydantic's per-instance ``__dict__`` (the values live in
the object, as for any Python object), so a million events stay small.

Anything the fast path does not cover (a field type, constraint or validator it does not know,
an event type whose model has one) or does not accept (any decoding or validation error) is
:class:`Fallback`: the caller then validates the line with pydantic, whose messages are the
ones users see. So the fast path may refuse more than pydantic does, never less, and the tests
check that every model is covered or falls back and that both paths agree.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import inspect
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types as at
import msgspec
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import TzInfo

from truce.events import EVENT_MODELS, Event


class Fallback(Exception):
    """The fast path does not cover or does not accept this input: validate it with pydantic."""


class Unsupported(Exception):
    """A model uses something the fast path does not know (its events go through pydantic)."""


_UNSET = msgspec.UNSET
_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
).fullmatch
"""The times the fast path reads itself (with or without seconds, up to six digits of a
second, Z or an offset); pydantic reads every other form (and refuses what it refuses)."""
_TZ: dict[int, TzInfo] = {}
_INTERN: dict[str, str] = {}
_INTERN_MAX = 4096
_PREV: list[tuple[str | None, Any]] = [(None, None)]  # the last time read: text, value
_new = object.__new__
_bind = object.__setattr__.__get__  # bound to one object: each call a third cheaper


def _aware(s: str) -> _dt.datetime:
    """A time as pydantic gives it: the same instant and offset, an offset other than UTC as
    a pydantic-core ``TzInfo`` (named "+02:00", not "UTC+02:00"). The previous time's object
    where the text is the same (``at`` and ``recorded_at`` often are: one object, one check)."""
    prev = _PREV[0]  # one tuple, read and written whole: safe between threads
    if prev[0] == s:
        return prev[1]  # type: ignore[no-any-return]
    # The two commonest forms, told by their length and separators (fromisoformat then reads
    # every digit where the separators put it): a regex match costs twice as much.
    n = len(s)
    if not (
        (n == 27 and s[26] == "Z" and s[4:20:3] == "--T::.")
        or (n == 20 and s[19] == "Z" and s[4:17:3] == "--T::")
        or _TIME(s)
    ):
        raise Fallback
    try:
        d = _dt.datetime.fromisoformat(s)
    except ValueError:
        raise Fallback from None
    if d.tzinfo is not _dt.UTC:
        off = d.utcoffset()
        assert off is not None
        secs = off.days * 86400 + off.seconds
        tzi = _TZ.get(secs)
        if tzi is None:
            tzi = _TZ[secs] = TzInfo(secs)
        d = d.replace(tzinfo=tzi)
    _PREV[0] = (s, d)
    return d


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while decoding: decoding makes no cycles, and a
    million new objects would otherwise trigger collections that walk all of them, again
    and again (a third of a 100,000-event ledger's read)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _intern(s: str) -> str:
    """One string object for values that repeat (parties, tracks, categories): a bounded
    cache, so a million events do not hold a million copies of "framework"."""
    hit = _INTERN.get(s)
    if hit is not None:
        return hit
    if len(_INTERN) < _INTERN_MAX and len(s) <= 64:
        _INTERN[s] = s
    return s


class _SharedEmpty(list):  # type: ignore[type-arg]
    """The one empty list every decoded event shares for an empty list field (a million
    ``sources: []`` would be 56 MB): it refuses every change, where a shared list that one
    event changed would change them all."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> Any:
        raise TypeError("an event's empty list is shared and cannot change: copy it first")

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


EMPTY: list[Any] = _SharedEmpty()


# ---------------------------------------------------------------- types


@dataclass
class _Spec:
    """How one field (or list item) is decoded: the msgspec type, and the conversion after."""

    mtype: Any
    conv: Callable[[Any], Any] | None  # None: the decoded value is the value


@dataclass(frozen=True)
class _OrNone:
    """A conversion applied to a value that may be None."""

    conv: Callable[[Any], Any]

    def __call__(self, v: Any) -> Any:
        return None if v is None else self.conv(v)


_CLASSES = re.compile(r"\^\[((?:[^\]\\]|\\.)+)\]\[((?:[^\]\\]|\\.)+)\]\*\\Z")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _takes_alnum(p: str) -> bool:
    """Whether pattern ``p`` (as :func:`_pattern` writes it) is ``^[X][Y]*\\Z`` with every
    ASCII letter and digit in both classes (tried one by one): then it matches every
    non-empty string of them."""
    m = _CLASSES.fullmatch(p)
    if m is None:
        return False
    for cls in m.groups():
        one = re.compile(f"[{cls}]").fullmatch
        if not all(one(c) for c in _ALNUM):
            return False
    return True


class _Match:
    """A string's pattern, checked after decoding: msgspec's own check costs about 330 ns a
    string (a third of a line's decoding), this one a call to ``re``, or nothing for ASCII
    letters and digits alone where the pattern takes every such string (``alnum``)."""

    __slots__ = ("alnum", "search")

    def __init__(self, meta: dict[str, Any]) -> None:
        self.search = re.compile(meta["pattern"]).search
        self.alnum = _takes_alnum(meta["pattern"])

    def __call__(self, v: str) -> str:
        if (self.alnum and v.isascii() and v.isalnum()) or self.search(v) is not None:
            return v
        raise ValueError("does not match the pattern")


def _pattern(p: str) -> str:
    """pydantic's regex engine ends ``$`` at the end of the text; Python's ``re`` also before
    a final newline: anchor at the very end instead."""
    if p.endswith("$") and not p.endswith("\\$"):
        return p[:-1] + r"\Z"
    return p


def _meta(items: list[Any]) -> dict[str, Any]:
    """msgspec.Meta arguments for pydantic constraints; Unsupported for any other."""
    out: dict[str, Any] = {}
    for m in items:
        if isinstance(m, FieldInfo):
            out.update(_meta(list(m.metadata)))
        elif isinstance(m, at.Ge):
            out["ge"] = m.ge
        elif isinstance(m, at.Gt):
            out["gt"] = m.gt
        elif isinstance(m, at.Le):
            out["le"] = m.le
        elif isinstance(m, at.Lt):
            out["lt"] = m.lt
        elif isinstance(m, at.MinLen):
            out["min_length"] = m.min_length
        elif isinstance(m, at.MaxLen):
            out["max_length"] = m.max_length
        elif type(m).__name__ == "Strict":
            pass  # strict or lax: the fast path is at least as strict as either
        elif type(m).__name__ == "_PydanticGeneralMetadata" and set(vars(m)) <= {"pattern"}:
            if "pattern" in vars(m):
                out["pattern"] = _pattern(str(vars(m)["pattern"]))
        else:
            raise Unsupported(f"constraint {m!r}")
    return out


def _with(mtype: Any, meta: dict[str, Any]) -> Any:
    return typing.Annotated[mtype, msgspec.Meta(**meta)] if meta else mtype


def _spec(tp: Any, meta: list[Any], plans: dict[type, _Plan], key: bool = False) -> _Spec:
    """The decoding of a type with its constraints (``meta``; ``key``: a mapping's key)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *more = typing.get_args(tp)
        return _spec(base, [*meta, *more], plans, key)
    m = _meta(meta)
    if tp is str:  # identifiers (with a pattern) are unique: not worth interning
        if "pattern" in m and not key:
            return _Spec(_with(str, {k: v for k, v in m.items() if k != "pattern"}), _Match(m))
        return _Spec(_with(str, m), None if "pattern" in m else _intern)
    if tp is bool or tp is int:
        return _Spec(_with(tp, m), None)
    if origin is Literal:
        if m or not all(isinstance(a, str) for a in typing.get_args(tp)):
            raise Unsupported(f"type {tp!r}")
        return _Spec(tp, None)  # msgspec gives the Literal's own string: one object already
    if tp is AwareDatetime:
        if m:
            raise Unsupported(f"constraints on {tp!r}")
        return _Spec(str, _aware)
    if tp is _dt.date:
        if m:
            raise Unsupported(f"constraints on {tp!r}")
        return _Spec(_dt.date, None)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1 or len(typing.get_args(tp)) != 2:
            raise Unsupported(f"type {tp!r}")
        inner = _spec(args[0], meta, plans)
        return _Spec(inner.mtype | None, None if inner.conv is None else _OrNone(inner.conv))
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        item = _spec(item_tp, [], plans)
        ic = item.conv
        if ic is _intern:
            ic = None  # ids in lists are not worth interning
        conv = None if ic is None else (lambda v: [ic(x) for x in v])
        return _Spec(_with(list.__class_getitem__(item.mtype), m), conv)
    if origin is dict:
        k_tp, v_tp = typing.get_args(tp)
        kspec, vspec = _spec(k_tp, [], plans, key=True), _spec(v_tp, [], plans)
        if kspec.conv not in (None, _intern):  # keys are read as they are (str, int)
            raise Unsupported(f"type {tp!r}")
        vc = None if vspec.conv is _intern else vspec.conv
        dconv = None if vc is None else (lambda v: {k: vc(x) for k, x in v.items()})
        return _Spec(_with(dict.__class_getitem__((kspec.mtype, vspec.mtype)), m), dconv)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if m:
            raise Unsupported(f"constraints on {tp!r}")
        plan = _plan(tp, None, plans)
        return _Spec(plan.struct, plan.convert)
    raise Unsupported(f"type {tp!r}")


# ---------------------------------------------------------------- models


@dataclass(frozen=True)
class _Const:
    """A field's constant default (None, a string, a number or a bool)."""

    value: Any


def _after_validators(cls: type[BaseModel]) -> tuple[dict[str, list[Any]], list[Any]]:
    """A model's field and model validators, all ``mode="after"`` taking the value (or the
    model) alone; Unsupported for any other kind."""
    dec = cls.__pydantic_decorators__
    if (
        dec.root_validators
        or dec.field_serializers
        or dec.model_serializers
        or dec.computed_fields
        or cls.__private_attributes__
        or cls.__pydantic_post_init__
        or cls.model_config.get("extra") != "forbid"
    ):
        raise Unsupported(f"{cls.__name__}: validators, serializers or settings")
    fields: dict[str, list[Any]] = {}
    for d in dec.field_validators.values():
        if d.info.mode != "after" or len(inspect.signature(d.func).parameters) != 1:
            raise Unsupported(f"{cls.__name__}: a {d.info.mode} field validator")
        names = cls.model_fields if "*" in d.info.fields else d.info.fields
        for name in names:
            fields.setdefault(name, []).append(d.func)
    model: list[Any] = []
    for md in dec.model_validators.values():
        if md.info.mode != "after" or len(inspect.signature(md.func).parameters) != 1:
            raise Unsupported(f"{cls.__name__}: a {md.info.mode} model validator")
        model.append(md.func)
    return fields, model


class _Plan:
    """One model's Struct and the conversion from a decoded Struct to the model."""

    def __init__(self, cls: type[BaseModel], tag: str | None, plans: dict[type, _Plan]) -> None:
        self.cls = cls
        plans[cls] = self
        validators, self.model_validators = _after_validators(cls)
        fields: list[tuple[str, Any, Any]] = []
        # (name, conversion, default (callable), validators, the fields_set bit)
        self.steps: list[tuple[str, Callable[[Any], Any] | None, Any, list[Any], int]] = []
        default: Any
        for bit, (name, f) in enumerate(cls.model_fields.items()):
            if f.alias is not None or f.validation_alias is not None or f.validate_default:
                raise Unsupported(f"{cls.__name__}.{name}: aliases or validated defaults")
            if name == "type" and tag is not None:
                continue
            spec = _spec(f.annotation, list(f.metadata), plans)
            if f.is_required():
                fields.append((name, spec.mtype, msgspec.NODEFAULT))
                default = None
            else:
                fields.append((name, spec.mtype | msgspec.UnsetType, _UNSET))
                fac = f.default_factory
                if fac is not None:
                    if getattr(f, "default_factory_takes_data", False):
                        raise Unsupported(f"{cls.__name__}.{name}: a default factory with data")
                    default = fac
                else:
                    val = f.default
                    if val is not None and not isinstance(val, str | int | bool):
                        raise Unsupported(f"{cls.__name__}.{name}: a mutable default")
                    default = _Const(val)
            self.steps.append((name, spec.conv, default, validators.get(name, []), 1 << bit))
        self.names = list(cls.model_fields)
        self.lists = {
            n for n, f in cls.model_fields.items() if typing.get_origin(f.annotation) is list
        }
        self.nested = tuple(n for n, f in cls.model_fields.items() if _holds_models(f.annotation))
        self.tag = tag
        self.type_bit = 1 << self.names.index("type") if tag is not None else 0
        kw: dict[str, Any] = {"kw_only": True, "forbid_unknown_fields": True}
        if tag is not None:
            kw.update(tag_field="type", tag=tag)
        self.struct: Any = msgspec.defstruct(f"Fast{cls.__name__}", fields, **kw)
        self._sets: dict[int, set[str]] = {}
        for name in self.names:
            if not name.isidentifier():
                raise Unsupported(f"{cls.__name__}: field name {name!r}")
        self.convert = self._compile()

    def fields_set(self, mask: int) -> set[str]:
        """The names given, one set shared by every event given the same names (pydantic
        needs a set; the events are frozen, and pydantic copies the set before changing it)."""
        hit = self._sets.get(mask)
        if hit is None:
            hit = self._sets[mask] = set(n for i, n in enumerate(self.names) if mask >> i & 1)
        return hit

    def keys(self, m: Any) -> int:
        """How many keys the JSON objects behind a converted model had."""
        given = m.__pydantic_fields_set__
        n = len(given)
        for name in self.nested:
            if name in given:
                n += _keys_of(getattr(m, name))  # not m.__dict__: that would make one
        return n

    def _compile(self) -> Callable[[Any], Any]:
        """The conversion as straight-line code (a loop over the fields costs twice as much)."""
        env: dict[str, Any] = {
            "new": _new,
            "bind": _bind,
            "UNSET": _UNSET,
            "cls": self.cls,
            "sets": self._sets,
            "fields_set": self.fields_set,
            "Fallback": Fallback,
            "EMPTY": EMPTY,
        }
        env["iget"], env["intern"] = _INTERN.get, _intern
        body = [
            "def convert(s):",
            "    m = new(cls)",
            "    put = bind(m)",
        ]
        if any(step[1] is _aware for step in self.steps):
            body.append("    tt = td = None  # the last time read here: its text and its value")
        required = sum(step[4] for step in self.steps if step[2] is None)
        body += [
            f"    mask = {self.type_bit | required}  # the type and the required fields",
            "    try:",
        ]
        steps = {step[0]: (i, step) for i, step in enumerate(self.steps)}
        seen: dict[Any, int] = {}
        for key in self.names:  # in the model's order: every event then shares one key table
            if key not in steps:
                body.append(f"        put('type', {self.tag!r})")
                continue
            i, (name, conv, default, checks, bit) = steps[key]
            env[f"c{i}"], env[f"d{i}"] = conv, default
            body.append(f"        v = s.{name}")
            inner = []
            if conv is _aware:  # ``recorded_at`` is often ``at``'s text: one object, no call
                inner.append(f"if v == tt: v = td\nelse: tt = v; v = td = c{i}(v)")
            elif isinstance(conv, _Match):
                if conv.alnum:  # most ids: letters and digits, no call
                    inner.append(f"if not (v.isascii() and v.isalnum()): v = c{i}(v)")
                else:
                    inner.append(f"v = c{i}(v)")
            elif conv is _intern:
                inner.append("v = iget(v) or intern(v)")
            elif isinstance(conv, _OrNone):
                if conv.conv is _intern:
                    inner.append("if v is not None: v = iget(v) or intern(v)")
                else:
                    env[f"c{i}"] = conv.conv
                    inner.append(f"if v is not None: v = c{i}(v)")
            elif conv is not None:
                inner.append(f"v = c{i}(v)")
            if name in self.lists:
                inner.append("if not v: v = EMPTY")
            for fn in checks:
                # A field validator sees the value alone: one it has passed (the same object,
                # e.g. ``recorded_at`` sharing ``at``'s) is not checked again.
                j = seen.setdefault(fn, len(seen))
                env[f"v{j}"], env[f"last{j}"] = fn, [None]
                inner.append(f"if v is not last{j}[0]: v = last{j}[0] = v{j}(v)")
            if default is list:
                dflt = "EMPTY"
            elif isinstance(default, _Const):
                env[f"k{i}"] = default.value
                dflt = f"k{i}"
            else:
                dflt = f"d{i}()"
            inner = [y for x in inner for y in x.split("\n")]
            if default is None:  # required: its bit is in the mask already
                body += [f"        {x}" for x in inner]
            else:
                body.append("        if v is UNSET:")
                body.append(f"            v = {dflt}")
                body.append("        else:")
                body.append(f"            mask |= {bit}")
                body += [f"            {x}" for x in inner]
            # Set one by one, the values stay in the object (no dict per event: at a million
            # events that is 64 MB less than filling ``m.__dict__``, for about 1 us each);
            # through ``object.__setattr__`` bound once to ``m`` (65 ns a call, not 100)
            body.append(f"        put({name!r}, v)")
        body += [
            "        fs = sets.get(mask)",
            "        if fs is None:",
            "            fs = fields_set(mask)",
            "        put('__pydantic_fields_set__', fs)",
            "        put('__pydantic_extra__', None)",
            "        put('__pydantic_private__', None)",
        ]
        for j, fn in enumerate(self.model_validators):
            env[f"mv{j}"] = fn
            body.append(f"        m = mv{j}(m)")
        body += [
            "    except (ValueError, AssertionError, TypeError):",
            "        raise Fallback from None",
            "    return m",
        ]
        self.source = "\n".join(body)
        exec(self.source, env)
        # The same with the number of keys given (a reader counts them to find a key written
        # twice): the fields given, and the keys of the models inside
        counted = self.source.replace("def convert(s):", "def counted(s):", 1)
        env["keys"] = self.keys
        tail = "keys(m)" if self.nested else "len(fs)"
        exec(counted.replace("\n    return m", f"\n    return m, {tail}"), env)
        self.counted: Callable[[Any], tuple[Any, int]] = env["counted"]
        made: Callable[[Any], Any] = env["convert"]
        return made


def _holds_models(tp: Any) -> bool:
    """Whether a field of this type holds models (whose keys count too)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return True
    return any(_holds_models(a) for a in typing.get_args(tp))


def _keys_of(value: Any) -> int:
    """Keys given to the objects behind a nested value (a model, a list of them, or None)."""
    if isinstance(value, BaseModel):
        given = value.model_fields_set
        n = len(given)
        for name in given:
            v = getattr(value, name)
            if isinstance(v, BaseModel | list):
                n += _keys_of(v)
        return n
    if isinstance(value, list):
        return sum(_keys_of(x) for x in value)
    return 0


def _plan(cls: type[BaseModel], tag: str | None, plans: dict[type, _Plan]) -> _Plan:
    hit = plans.get(cls)
    return hit if hit is not None else _Plan(cls, tag, plans)


class FastEvents:
    """The fast decoder for every event type it covers (``covered``); the rest, and ``why``
    each is left out, go through pydantic."""

    def __init__(self, models: dict[str, type[BaseModel]] | None = None) -> None:
        plans: dict[type, _Plan] = {}
        self.covered: dict[str, _Plan] = {}
        self.why: dict[str, str] = {}
        for tag, cls in (models if models is not None else EVENT_MODELS).items():
            try:
                self.covered[tag] = _Plan(cls, tag, plans)
            except Unsupported as exc:
                self.why[tag] = str(exc)
        structs = [p.struct for p in self.covered.values()]
        self._by_struct = {p.struct: p.convert for p in self.covered.values()}
        self._plans = {p.struct: p for p in self.covered.values()}
        self._union: Any = typing.Union[tuple(structs)] if structs else None  # noqa: UP007
        self._leaf: Any = msgspec.json.Decoder(_leaf_struct(self._union)) if structs else None
        self._decoder: Any = (
            msgspec.json.Decoder(typing.Union[tuple(structs)])  # noqa: UP007
            if structs
            else None
        )

    def decode(self, line: str) -> Event:
        """The event on one JSON line, or Fallback."""
        if self._decoder is None:
            raise Fallback
        try:
            s = self._decoder.decode(line)
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise Fallback from None
        ev: Event = self._by_struct[type(s)](s)
        return ev

    def leaf(self, data: bytes) -> tuple[Event, Any]:
        """A stored leaf's event and its other fields (``ledger``, ``sig``, ``v``,
        ``visibility``, ``t``), decoded in one pass; Fallback where not covered or accepted.
        The caller checks the bytes are the canonical leaf of what was decoded."""
        if self._leaf is None:
            raise Fallback
        try:
            leaf = self._leaf.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise Fallback from None
        ev: Event = self._by_struct[type(leaf.event)](leaf.event)
        return ev, leaf

    def from_python(self, obj: Any) -> Event:
        """The event for a mapping already parsed from JSON (a stored leaf's), or Fallback."""
        if self._union is None:
            raise Fallback
        try:
            s = msgspec.convert(obj, self._union, strict=True)
        except msgspec.ValidationError:
            raise Fallback from None
        ev: Event = self._by_struct[type(s)](s)
        return ev

    def parts(self) -> tuple[Callable[[str], Any], dict[type, Callable[[Any], tuple[Any, int]]]]:
        """For a loop over many lines: the decoding (Fallback where nothing is covered) and, per
        decoded Struct type, its conversion that also gives how many keys the event's objects
        were given. ``decode(line)`` raises msgspec's errors; the conversion, Fallback."""
        table = {p.struct: p.counted for p in self.covered.values()}
        return (_uncovered if self._decoder is None else self._decoder.decode), table


def _uncovered(line: str) -> Any:
    """The decoding where no event type is covered: every line goes to pydantic."""
    raise Fallback


class LeafSig(msgspec.Struct, forbid_unknown_fields=True):
    """A stored signature: key id and base64 value (checked by the caller)."""

    key: str
    value: str


def _leaf_struct(union: Any) -> Any:
    """The Struct of a stored leaf (truce.ledger.log.leaf) whose event is one of ``union``."""
    return msgspec.defstruct(
        "FastLeaf",
        [
            ("event", union),
            ("ledger", str),
            ("sig", LeafSig | None),
            ("v", int),
            ("visibility", str),
            ("t", str | msgspec.UnsetType, _UNSET),
        ],
        forbid_unknown_fields=True,
        kw_only=True,
    )


_FAST: FastEvents | None = None


def fast_events() -> FastEvents:
    """The decoder for the event models as they are now (built once, on first use)."""
    global _FAST
    if _FAST is None:
        _FAST = FastEvents()
    return _FAST
