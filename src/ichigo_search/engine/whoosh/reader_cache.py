"""Values worked out once per open Whoosh reader, and dropped with the reader.

A reader's segments never change, so what is read from them stays valid while
the reader lives. The values must not hold the reader itself: the entry would
then keep it, and everything cached for it, alive after the index moves on.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_VALUES: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()  # a value may be made from another value of the same reader


def per_reader(reader, name: str, make: Callable[[], T]) -> T:
    """The value ``name`` for ``reader``, made by ``make()`` the first time it is asked for."""
    with _LOCK:
        values = _VALUES.get(reader)
        if values is None:
            values = _VALUES[reader] = {}
        if name not in values:
            values[name] = make()
        return values[name]
