"""Iterating a generator while keeping what it returns."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")


class Returning(Generic[Item]):
    """A generator to loop over, whose ``return`` value (its StopIteration's) is kept in :attr:`value`.

    ``records = Returning(source()); for record in records: ...; records.value``.
    """

    def __init__(self, generator: Generator[Item, Any, Any]) -> None:
        self._generator = generator
        self.value: Any = None

    def __iter__(self) -> Iterator[Item]:
        self.value = yield from self._generator
