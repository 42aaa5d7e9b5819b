"""A generation of the index open for searching with Whoosh: statistics, ranking, stored records, segments.

:class:`WhooshSearcher` is what the rest of ichigo-search reads an index through
(the ``Searcher`` of :mod:`ichigo_search.engine`): it answers the query layer's
questions (document frequencies, dated years, the words an index holds), ranks a
:class:`~ichigo_search.query.matching.Matching` in tiers with the bulk evaluator,
and hands out stored fields and per-segment views for facet counting.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ichigo_search.document import EXACT_FIELD, YEARS_FIELD
from ichigo_search.engine.whoosh.evaluate import Scorer, member, scorer, top
from ichigo_search.engine.whoosh.postings import EMPTY_IDS, info_blocks
from ichigo_search.engine.whoosh.reader_cache import per_reader
from ichigo_search.engine.whoosh.sidecar import segment_arrays
from ichigo_search.engine.whoosh.statistics import ReaderSearcher, table_entries
from ichigo_search.query.matching import Matching
from ichigo_search.query.tree import Query
from ichigo_search.ranking import DEFAULT, Ranking
from ichigo_search.text.spelling import Spellings


def open_searcher(generation: Path, memory_map: bool, ranking: Ranking = DEFAULT) -> WhooshSearcher:
    """Open a generation for searching, by a long-lived reader (:mod:`~ichigo_search.engine.whoosh.positional`) or not.

    A long-lived searcher (``memory_map``, the library's name for it) reads postings and
    stored fields with positioned reads from the shared page cache, safely when a file
    is cut short under it. Commands that answer one query read files with Whoosh's
    own file objects, which opens a few milliseconds sooner.
    """
    from whoosh.filedb.filestore import FileStorage

    if memory_map:
        from ichigo_search.engine.whoosh.positional import PositionalStorage

        return WhooshSearcher(PositionalStorage(str(generation)).open_index(), ranking, long_lived=True)
    return WhooshSearcher(FileStorage(str(generation), supports_mmap=False).open_index(), ranking)


def _weighting(ranking: Ranking):
    """BM25F with the ranking's k1 and b (see benchmarks/tune_bm25.py)."""
    from whoosh import scoring

    return scoring.BM25F(B=ranking.b, K1=ranking.k1)


class WhooshSearcher:
    """One open Whoosh index and a reader of it, with Whoosh's searcher statistics."""

    def __init__(self, index, ranking: Ranking = DEFAULT, long_lived: bool = False):
        """``long_lived``: each reader loads the words typo tolerance compares a misspelling with (those of
        a-z in the exact field, ~30 ms at 98k) when it opens, not on the first query with a typo of a letter."""
        self._index = index
        self.ranking = ranking
        self._long_lived = long_lived
        self._searcher = self._open()
        self._matched: tuple[Matching, np.ndarray] | None = None  # the last search ranked, and what it matched

    def _open(self) -> ReaderSearcher:
        searcher = ReaderSearcher(self._index, self._index.reader(), _weighting(self.ranking), self._long_lived)
        if self._long_lived:
            _spellings(searcher.reader()).prepare()
        return searcher

    @property
    def whoosh(self):
        """The Whoosh searcher underneath (for this engine's own modules and its oracle tests)."""
        return self._searcher.whoosh

    def refreshed(self) -> WhooshSearcher:
        """This searcher, or a new one when a writer committed to the index since it was opened."""
        if self._searcher.up_to_date():
            return self
        # A new reader, not Whoosh's Searcher.refresh(): that reuses segment readers and so misses
        # deletions committed to an existing segment.
        self._searcher.close()
        self._searcher = self._open()
        self._matched = None
        return self

    def close(self) -> None:
        self._searcher.close()

    # -- statistics (query.matching.Statistics) and vocabulary (query.expansion.Vocabulary) --

    def doc_count(self) -> int:
        """Live documents."""
        return self._searcher.doc_count()

    def doc_count_all(self) -> int:
        """Documents, deleted ones included (the range of document numbers)."""
        return self._searcher.doc_count_all()

    def doc_frequency(self, field: str, text: str) -> int:
        return self._searcher.doc_frequency(field, text)

    def years(self) -> list[int]:
        """Every year some document is dated in, ascending."""
        reader = self._searcher.reader()

        def years() -> list[int]:
            return sorted(int(y) for y in reader.field_terms(YEARS_FIELD)) if YEARS_FIELD in reader.schema else []

        return per_reader(reader, "years", years)

    def frequency(self, form: str) -> int:
        """Documents holding a folded word (the exact field)."""
        return self._searcher.doc_frequency(EXACT_FIELD, form)

    def near(self, form: str, max_distance: int) -> list[tuple[str, int]]:
        """Indexed words within ``max_distance`` edits of ``form`` sharing its first letter, with distances."""
        return _spellings(self._searcher.reader()).near(form, max_distance)

    # -- ranking -------------------------------------------------------------

    def rank(self, found: Matching, wanted: int) -> tuple[int, list[tuple[int, float]]]:
        """How many documents match, and the ``wanted`` best (document number, score), in rank order.

        Documents matching every word come first (reordered by the proximity bonus in the ranking's
        window), then those matching only some: the more word groups, the higher, then the more of them with
        near synonyms.
        """
        bulk = scorer(self._searcher, found.some_words, found.every_word, *found.groups, *found.near_groups)
        allowed = bulk.allowed(found.filter)
        some = bulk.select(found.some_words, allowed)
        # The proximity bonus reorders the first tier: the words can only stand together where all are.
        tier = some if found.every_word is None else bulk.select(found.every_word, allowed)
        first = bulk.rescore(tier, found.bonus, self.ranking.proximity_window)
        ranked = top(first.ids, first.scores, wanted)
        if found.every_word is not None and len(ranked) < wanted:  # then captions with only some words
            rest = ~member(first, some.ids)
            ids, scores = some.ids[rest], some.scores[rest]
            ranked += _by_coverage(bulk, found.groups, found.near_groups, ids, scores, wanted - len(ranked))
        self._matched = (found, some.ids)
        return len(some.ids), ranked

    def matching(self, found: Matching | None) -> np.ndarray:
        """The document numbers of every live document the search matches (all of them for None), ascending.

        Those of the search last ranked are kept from :meth:`rank` (the facets of a page's search).
        """
        if found is not None and self._matched is not None and self._matched[0] is found:
            return self._matched[1]
        bulk = scorer(self._searcher)
        if found is None:
            return np.flatnonzero(bulk.allowed())
        return bulk.select(found.some_words, bulk.allowed(found.filter)).ids

    # -- documents -------------------------------------------------------------

    def stored(self, docnum: int) -> dict[str, Any]:
        """A document's stored fields."""
        return self._searcher.stored_fields(docnum)

    def document_number(self, record_id: str) -> int | None:
        """The live document of a record id, or None."""
        return self._searcher.document_number("id", record_id)

    def record_ids(self) -> list[str | None]:
        """Each document's record id, by document number (None for a deleted one): read from the id column."""
        reader = self._searcher.reader()

        def ids() -> list[str | None]:
            column = reader.column_reader("id")
            deleted = reader.is_deleted
            return [None if deleted(docnum) else column[docnum] for docnum in range(reader.doc_count_all())]

        return per_reader(reader, "record_ids", ids)

    def segments(self) -> Iterator[WhooshSegment]:
        """The index's segments, each with the document number it starts at."""
        for reader, offset in self._searcher.reader().leaf_readers():
            yield WhooshSegment(reader, offset)


class WhooshSegment:
    """One segment of an open index: never changes once written (deletions are masked, not applied)."""

    def __init__(self, reader, offset: int):
        self._reader = reader
        self.offset = offset
        self.size = reader.doc_count_all()
        segment = getattr(reader, "segment", None)
        self.key: str | None = segment().segment_id() if segment else None

    def is_deleted(self, docnum: int) -> bool:
        return self._reader.is_deleted(docnum)

    def stored(self, docnum: int) -> dict[str, Any]:
        return self._reader.stored_fields(docnum)

    def postings(self, field: str) -> Iterator[tuple[str, np.ndarray]]:
        """Each term of a keyword field with the (segment-local) documents holding it, deleted ones included."""
        if field not in self._reader.schema:
            return
        from_bytes = self._reader.schema[field].from_bytes
        arrays = segment_arrays(self._reader)  # common terms whole, not from their (compressed) blocks
        for btext, info in self._reader.iter_field(field):  # one pass over the term table
            whole = arrays.term(field, btext)
            if whole is not None:
                yield from_bytes(btext), whole[0]
                continue
            blocks = [ids for ids, _ in info_blocks(self._reader, info)]
            yield from_bytes(btext), np.concatenate(blocks) if blocks else EMPTY_IDS


def _by_coverage(
    bulk: Scorer,
    groups: tuple[Query, ...],
    near_groups: tuple[Query, ...],
    ids: np.ndarray,
    scores: np.ndarray,
    wanted: int,
) -> list[tuple[int, float]]:
    """The ``wanted`` best of ``ids``: those matching more of ``groups`` first, then more of ``near_groups`` (the
    same groups with near synonyms), each level by score."""
    if not groups:
        return top(ids, scores, wanted)
    covered = np.zeros(len(ids), dtype=np.intp)
    for group in groups:
        covered += member(bulk.evaluate(group), ids)
    ranked: list[tuple[int, float]] = []
    for level in range(len(groups), -1, -1):
        if len(ranked) >= wanted:
            break
        at = covered == level
        # near synonyms are counted only for the levels shown, and only where they can reorder one
        level_ids, level_scores = ids[at], scores[at]
        if len(level_ids) <= 1 or not near_groups:
            ranked += top(level_ids, level_scores, wanted - len(ranked))
            continue
        near = np.zeros(len(level_ids), dtype=np.intp)
        for group in near_groups:
            near += member(bulk.evaluate(group), level_ids)
        for count in range(int(near.max()), -1, -1):
            if len(ranked) >= wanted:
                break
            at = near == count
            ranked += top(level_ids[at], level_scores[at], wanted - len(ranked))
    return ranked


def _spellings(reader) -> Spellings:
    """The exact-field words of a reader by first letter, for typo tolerance (each letter read on first use)."""
    return per_reader(reader, "spellings", lambda: Spellings(partial(_words_from, weakref.ref(reader))))


def _words_from(reader_ref: weakref.ref, letter: str) -> set[str]:
    """The exact-field words starting with ``letter`` in every segment of the reader."""
    reader = reader_ref()
    words: set[str] = set()
    for segment, _ in reader.leaf_readers() if reader is not None else ():
        words.update(segment_words(segment, EXACT_FIELD, letter))
    return words


def segment_words(segment, field: str, prefix: str) -> list[str]:
    """The terms of ``field`` starting with ``prefix`` in one segment, in order (Whoosh's ``expand_prefix``).

    Read as one byte range of the term table (:func:`~ichigo_search.engine.whoosh.statistics.table_entries`),
    where Whoosh reads and decodes entry by entry (13,000 words of a letter: 40 ms of a cold query with a
    typo, against 3 ms).
    """
    entries = table_entries(segment, field, prefix.encode())
    if entries is None:
        if field not in segment.schema:
            return []
        words = [term.decode() for term in segment.expand_prefix(field, prefix)]
    else:
        words = [term.decode() for term, _ in entries]
    base_forms = segment_arrays(segment).base_forms(field)  # the words held without postings
    if base_forms is None:
        return words
    return sorted(words + [form.decode() for form in base_forms.starting(prefix.encode())])
