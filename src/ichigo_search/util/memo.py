"""Remembering what was computed for values that recur (place lists, photographers, keywords)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Remembered(Generic[V]):
    """Values computed once per key, at most ``size`` kept: all are forgotten when it is full.

    Forgetting everything at once costs nothing per look-up, and the keys that recur
    (a few thousand place lists among a million captions) are soon back.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[Hashable, V] = {}

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The value remembered for ``key``, or ``compute()``'s, remembered."""
        values = self._values
        value = values.get(key)
        if value is None:
            if len(values) >= self.size:
                values.clear()
            value = values[key] = compute()
        return value

    def clear(self) -> None:
        self._values.clear()
