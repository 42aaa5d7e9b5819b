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
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ichigo_search import store
from ichigo_search.document import FORMAT_VERSION
from ichigo_search.errors import EngineError, IndexFormatError
from ichigo_search.query.matching import Matching
from ichigo_search.ranking import Ranking

if TYPE_CHECKING:
    import numpy as np

# Engine name -> the module whose ``ENGINE`` implements it (imported only when that engine is used).
ENGINES = {"whoosh": "ichigo_search.engine.whoosh", "solr": "ichigo_search.engine.solr"}
DEFAULT_ENGINE = "whoosh"

Progress = Callable[[int, int], None]
# What a searcher names a document by: a document number (Whoosh) or a record id (Solr).
DocRef = Hashable
Checkpoint = Callable[[str, int], None]
ToDocument = Callable[[Any], dict[str, Any]]


class SegmentPostings(Protocol):
    """A segment's keyword postings: what per-segment caches such as facets are made from."""

    key: str | None
    size: int

    def postings(self, field: str) -> Iterator[tuple[str, Iterable[int]]]:
        """Each term of a keyword field with the documents holding it (deleted ones included), terms in order."""
        ...


class Segment(SegmentPostings, Protocol):
    """A part of an open index that never changes once written (for per-segment caches such as facets)."""

    offset: int

    def is_deleted(self, docnum: int) -> bool: ...

    def stored(self, docnum: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PerSegment:
    """Work a writing process does on each segment it writes, from postings it still holds: ``make`` is given
    the segment's postings of ``fields`` (nothing is read back from disk) and what it returns, pickled from a
    forked process (keep it plain data and arrays), comes back by segment key."""

    fields: tuple[str, ...]
    make: Callable[[SegmentPostings], Any]


# What a NewIndex's writing made of each of its segments (PerSegment), by segment key in document order;
# None from an engine without segments.
Made = dict[str, Any] | None


class Searcher(Protocol):
    """An index generation open for searching (documents are numbered by the searcher)."""

    def refreshed(self) -> Searcher:
        """This searcher, or a fresh one when the generation changed since it was opened."""
        ...

    def close(self) -> None: ...

    def doc_count(self) -> int:
        """Live documents."""
        ...

    def doc_count_all(self) -> int:
        """Documents, deleted ones included: the range of document numbers."""
        ...

    def doc_frequency(self, field: str, text: str) -> int:
        """Documents holding an index term in a field."""
        ...

    def years(self) -> list[int]:
        """Every year some document is dated in, ascending."""
        ...

    def frequency(self, form: str) -> int:
        """Documents holding a folded, unstemmed word (for compounds and typos)."""
        ...

    def near(self, form: str, max_distance: int) -> list[tuple[str, int]]:
        """Indexed words within ``max_distance`` edits of ``form``, with their distances."""
        ...

    def rank(self, found: Matching, wanted: int) -> tuple[int, list[tuple[DocRef, float]]]:
        """How many documents match, and the ``wanted`` best (document, score): every word first."""
        ...

    def matching(self, found: Matching | None) -> np.ndarray:
        """Every live document the search matches (all of them for None), as sorted document numbers."""
        ...

    def stored(self, docnum: DocRef) -> dict[str, Any]:
        """A document's stored fields (:func:`ichigo_search.document.from_stored` reads them)."""
        ...

    def document_number(self, record_id: str) -> DocRef | None:
        """The live document of a record id, or None."""
        ...

    def record_ids(self) -> list[str | None]:
        """Each document's record id, by document number (None for a deleted one)."""
        ...

    def segments(self) -> Iterator[Segment]:
        """The parts of the index, in document-number order."""
        ...


@runtime_checkable
class CountingSearcher(Protocol):
    """A searcher whose engine counts facet values itself (a search server), instead of handing
    :mod:`ichigo_search.facets` its segments and matching documents to count."""

    def facet_values(self, found: Matching | None) -> tuple[int, dict[str, dict[str, int]]]:
        """How many live documents the search matches (all of them for None), and among them, for
        ``PLACE_TREE``, ``PLACE_NAMES`` and ``DECADES`` (:mod:`ichigo_search.document`), the documents
        holding each value."""
        ...

    def count_any(self, found: Matching | None, groups: dict[str, list[tuple[str, str]]]) -> dict[str, int]:
        """For each group of (field, value) pairs, the matching documents holding any of them."""
        ...


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
        per_segment: PerSegment | None = None,
    ) -> Made: ...

    def write_sources(
        self,
        sources: Sequence[Callable[[], Iterator[Any]]],
        to_document: ToDocument,
        *,
        progress: Progress | None,
        checkpoint: Checkpoint,
        review: Callable[[list, list[list]], None],
        per_segment: PerSegment | None = None,
    ) -> Made: ...

    def delete_documents(self, segments: list, docnums: list[int]) -> None: ...

    def close(self) -> None: ...


class Engine(Protocol):
    """Writes, changes and opens index generations (each a folder the store gives it)."""

    name: str
    # What reading damaged index files raises (truncated, overwritten or missing files).
    read_errors: tuple[type[BaseException], ...]
    # Whether record vectors can be kept beside its generations (semantic ranking needs document numbers).
    semantic: bool
    # Whether its searches read local files in this process (bounded CPU work), not ask a server over the network.
    embedded: bool

    def create(self, generation: Path, ranking: Ranking) -> NewIndex: ...

    def document_count(self, generation: Path) -> int: ...

    def indexed_hashes(self, generation: Path) -> dict[str, str]: ...

    def apply(self, generation: Path, removed: Sequence[str], changed: Iterable[dict[str, Any]]) -> None:
        """Delete the ``removed`` record ids, then add or replace the ``changed`` documents, in one commit.

        ``changed`` is drawn one document at a time (the caller reports progress as it is drawn).
        """
        ...

    def open(self, generation: Path, memory_map: bool, ranking: Ranking) -> Searcher: ...

    def published(self, root: Path, generation: Path) -> None:
        """Called once ``generation`` is live in the index folder ``root`` (a server engine switches its alias)."""
        ...

    def inspect(self, generation: Path) -> dict[str, Any]:
        """What a server engine keeps of the generation (a Solr collection: shards, replicas, their states), with
        its ``problems`` and ``warnings`` (lines), for ``check`` and ``stats``; ``{}`` for an embedded engine."""
        ...


def get_engine(name: str | Engine = DEFAULT_ENGINE) -> Engine:
    """The engine called ``name`` (its package is imported now), or ``name`` itself when it is an engine.

    A server engine named here is configured from its environment variables (the Solr engine:
    ``ICHIGO_SOLR_URL``); pass an instance to configure it otherwise.
    """
    if not isinstance(name, str):
        return name
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    module = importlib.import_module(ENGINES[name])
    return module.ENGINE if hasattr(module, "ENGINE") else module.make_engine()


def check_format(generation: Path) -> None:
    """Refuse to search a generation written by another format version, with what to do instead."""
    found = store.read_meta(generation).get("format")
    expected = FORMAT_VERSION
    if found != expected:
        age = "a newer" if isinstance(found, int) and found > expected else "an older"
        raise IndexFormatError(
            f"{generation.parent}: the index was built by {age} version of ichigo-search "
            f"(format {found}, this version reads {expected}); run `ichigo-search index --rebuild` "
            "(or a query without --no-update) to rebuild it"
        )


def check_engine(generation: Path, engine: str) -> None:
    """Refuse to read or write a generation another engine wrote (a Solr index opened as Whoosh files would
    look damaged, and be rebuilt over); a generation that does not say is taken as it comes."""
    try:
        found = store.read_meta(generation).get("engine")
    except IndexFormatError:
        return  # unreadable metadata is the damage check's to report
    if found is not None and found != engine:
        raise EngineError(
            f"{generation.parent}: the index was built with the {found} engine, not {engine}; "
            f"pass --engine {found} (or set ICHIGO_ENGINE={found}), or use another --index folder"
        )
