"""The engine boundary: what ichigo-search needs of the engine that stores and searches its index.

Everything above this package is engine-neutral: it builds documents
(:mod:`ichigo_search.document`) and query trees (:mod:`ichigo_search.query.tree`), and reads an
index through the :class:`Searcher` protocol. An engine writes a generation's documents, applies
changes to a copy of one, and opens one for searching. The embedded Whoosh engine
(:mod:`ichigo_search.engine.whoosh`) is the only code that imports ``whoosh``; another engine is
one more package here that implements :class:`Engine`, named in :data:`ENGINES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ichigo_search.query.matching import Matching
from ichigo_search.ranking import Ranking

if TYPE_CHECKING:
    import numpy as np

# Engine name -> the module whose ``ENGINE`` implements it (imported only when that engine is used).
ENGINES = {"whoosh": "ichigo_search.engine.whoosh"}
DEFAULT_ENGINE = "whoosh"

Progress = Callable[[int, int], None]
Checkpoint = Callable[[str, int], None]
ToDocument = Callable[[Any], dict[str, Any]]


class Segment(Protocol):
    """A part of an open index that never changes once written (for per-segment caches such as facets)."""

    key: str | None
    offset: int
    size: int

    def is_deleted(self, docnum: int) -> bool: ...

    def stored(self, docnum: int) -> dict[str, Any]: ...

    def postings(self, field: str) -> Iterator[tuple[str, Iterable[int]]]: ...


class Searcher(Protocol):
    """An index generation open for searching (documents are numbered by the searcher)."""

    def refreshed(self) -> Searcher: ...

    def close(self) -> None: ...

    def doc_count(self) -> int: ...

    def doc_count_all(self) -> int: ...

    def doc_frequency(self, field: str, text: str) -> int: ...

    def years(self) -> list[int]: ...

    def frequency(self, form: str) -> int: ...

    def near(self, form: str, max_distance: int) -> list[tuple[str, int]]: ...

    def rank(self, found: Matching, wanted: int) -> tuple[int, list[tuple[int, float]]]: ...

    def matching(self, found: Matching | None) -> np.ndarray: ...

    def stored(self, docnum: int) -> dict[str, Any]: ...

    def document_number(self, record_id: str) -> int | None: ...

    def segments(self) -> Iterator[Segment]: ...


class NewIndex(Protocol):
    """A generation being written from scratch."""

    def write_documents(
        self,
        records: Sequence[Any],
        to_document: ToDocument,
        *,
        processes: int,
        progress: Progress | None,
        checkpoint: Checkpoint,
    ) -> None: ...

    def write_sources(
        self,
        sources: Sequence[Callable[[], Iterator[Any]]],
        to_document: ToDocument,
        *,
        progress: Progress | None,
        checkpoint: Checkpoint,
        review: Callable[[list, list[list]], None],
    ) -> None: ...

    def delete_documents(self, segments: list, docnums: list[int]) -> None: ...

    def close(self) -> None: ...


class Engine(Protocol):
    """Writes, changes and opens index generations (each a folder the store gives it)."""

    name: str
    # What reading damaged index files raises (truncated, overwritten or missing files).
    read_errors: tuple[type[BaseException], ...]

    def create(self, generation: Path, ranking: Ranking) -> NewIndex: ...

    def document_count(self, generation: Path) -> int: ...

    def indexed_hashes(self, generation: Path) -> dict[str, str]: ...

    def apply(
        self,
        generation: Path,
        removed: Sequence[str],
        changed: Sequence[Any],
        to_document: ToDocument,
        progress: Progress | None,
        checkpoint: Checkpoint,
    ) -> None: ...

    def open(self, generation: Path, memory_map: bool, ranking: Ranking) -> Searcher: ...


def get_engine(name: str = DEFAULT_ENGINE) -> Engine:
    """The engine called ``name`` (its package is imported now)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    return importlib.import_module(ENGINES[name]).ENGINE
