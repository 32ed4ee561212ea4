"""Traces built lazily: a figure's references are computed only when someone asks for them.

Replay must stay fast on long ledgers, so the fold records indices and day ranges, and the
lists of ``terms:...`` / ``event:...`` / ``csv:...`` references are made on first access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

Refs = list[str]
Thunk = Callable[[], Refs]


def dedupe(refs: Refs) -> Refs:
    """References in first-seen order, each once."""
    return list(dict.fromkeys(refs))


class Trace(Mapping[str, Refs]):
    """Figure name -> references, each list computed on first access and then kept."""

    def __init__(self) -> None:
        self._thunks: dict[str, Thunk] = {}
        self._cache: dict[str, Refs] = {}

    def put(self, key: str, value: Refs | Thunk) -> None:
        """Set a figure's references, given now (a list) or later (a function returning one)."""
        self._cache.pop(key, None)
        if callable(value):
            self._thunks[key] = value
        else:
            self._thunks[key] = value.copy  # deduplicated on first access

    def __getitem__(self, key: str) -> Refs:
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = dedupe(self._thunks[key]())
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self._thunks)

    def __len__(self) -> int:
        return len(self._thunks)


class LazyRefs:
    """A single lazily computed reference list (for findings and day rows)."""

    __slots__ = ("_fn", "_value")

    def __init__(self, value: Refs | Thunk) -> None:
        self._fn: Thunk | None = value if callable(value) else None
        self._value: Refs | None = None if callable(value) else dedupe(value)

    def get(self) -> Refs:
        """The references (computed once)."""
        if self._value is None:
            assert self._fn is not None
            self._value = dedupe(self._fn())
            self._fn = None
        return self._value
