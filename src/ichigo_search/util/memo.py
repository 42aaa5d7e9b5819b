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


class RememberedWhileRecurring(Remembered[V]):
    """:class:`Remembered` for keys that may or may not recur: after ``trial`` look-ups, if fewer than a quarter
    found their value, nothing more is remembered (every value is computed) and what was is forgotten.

    For values whose field decides it (a record's place names recur, its caption seldom does).
    """

    def __init__(self, size: int, trial: int) -> None:
        super().__init__(size)
        self.trial = trial
        self.looked = self.found = 0
        self.remembering = True

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The value remembered for ``key``, or ``compute()``'s (remembered while keys recur)."""
        if not self.remembering:
            return compute()
        self.looked += 1
        value = self._values.get(key)
        if value is not None:
            self.found += 1
            return value
        if self.looked >= self.trial and 4 * self.found < self.looked:
            self.remembering = False
            self._values.clear()
            return compute()
        return super().get(key, compute)
