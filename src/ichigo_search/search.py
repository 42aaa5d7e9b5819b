"""Running a search: the composition root of the query path, and the hits it returns.

``make_expander`` wires the vocabulary, the gazetteer and an open index's words into
the query expander; ``run_search`` plans a search (:mod:`ichigo_search.query`), has the
engine rank it and turns the best documents into highlighted :class:`Hit` objects.

Ranking is BM25F over title, caption, places and photographer, plus a bonus
where the query's words stand near each other in order.  Captions matching
every query word come first; captions matching only some words follow, so
``Liuzhou airbase`` still lists the other Liuzhou captions.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ichigo_search.corpus.record import Record
from ichigo_search.document import from_stored, stored_places
from ichigo_search.engine import Searcher
from ichigo_search.query.expansion import Expander, Vocabulary
from ichigo_search.query.matching import Matching, build
from ichigo_search.query.plan import Plan
from ichigo_search.query.tree import Every
from ichigo_search.ranking import DEFAULT, Ranking
from ichigo_search.text.highlight import fragments
from ichigo_search.vocab.gazetteer import gazetteer
from ichigo_search.vocab.thesaurus import load

if TYPE_CHECKING:
    from ichigo_search.semantic.vectors import Dense

MAX_LIMIT = 1000


@dataclass
class Hit:
    """One ranked search result."""

    rank: int
    id: str
    score: float
    title: str | None
    caption: str
    highlights: list[str]
    places: list[str]
    date: str | None
    photographer: str | None
    source: str | None
    record: Record = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The hit in the ``--json`` shape."""
        return {
            "rank": self.rank,
            "id": self.id,
            "score": round(self.score, 4),
            "title": self.title,
            "caption": self.caption,
            "highlights": self.highlights,
            "places": self.places,
            "date": self.date,
            "photographer": self.photographer,
            "source": self.source,
        }


@dataclass
class SearchResults:
    """Ranked hits for one query; indexable and iterable like a list of hits."""

    query: str
    total: int
    hits: list[Hit]
    offset: int = 0
    suggestion: str | None = None

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __getitem__(self, index: int) -> Hit:
        return self.hits[index]

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        return {
            "query": self.query,
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "suggestion": self.suggestion,
        }


def make_expander(
    vocabulary: Vocabulary | None = None, thesaurus: dict | None = None, ranking: Ranking = DEFAULT
) -> Expander:
    """An expander with the built-in and corpus thesaurus, the gazetteer and the index's words."""
    words = load(thesaurus)
    return Expander(words, gazetteer(words.place_aliases), vocabulary, ranking.bridge_weight)


def prepare_spellings(thesaurus: dict | None = None) -> None:
    """Read the gazetteer's keys of a-z for typo tolerance now (~65 ms, once a process), not on a first typo."""
    gazetteer(load(thesaurus).place_aliases).spellings().prepare()


def plan_search(
    searcher: Searcher,
    text: str,
    place: str | None = None,
    year: str | tuple[int, int] | None = None,
    thesaurus: dict | None = None,
    ranking: Ranking = DEFAULT,
) -> Matching | None:
    """What a search matches and how it ranks (None when it looks for nothing at all)."""
    return build(searcher, make_expander(searcher, thesaurus, ranking), text, place, year, ranking)


def suggest(text: str, corrections: dict[str, str]) -> str | None:
    """The query with each unknown word replaced by its nearest known spelling."""
    if not corrections:
        return None
    suggestion = text
    for wrong, right in corrections.items():
        suggestion = suggestion.replace(wrong, right, 1)
    return suggestion if suggestion != text else None


def run_search(
    searcher: Searcher,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    place: str | None = None,
    year: str | tuple[int, int] | None = None,
    thesaurus: dict | None = None,
    ranking: Ranking = DEFAULT,
    dense: Dense | None = None,
    found: Matching | None = None,
) -> SearchResults:
    """Search an open index; never raises on any query text.

    With ``dense`` (the index's record vectors) the lexical ranking is fused with the records nearest the
    query (:mod:`ichigo_search.semantic`). ``found``: this search's :func:`plan_search`, if the caller has
    made it already (for the facets of the same search).
    """
    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    if found is None:
        found = plan_search(searcher, text, place, year, thesaurus, ranking)
    if found is None:
        return SearchResults(query=text, total=0, hits=[], offset=offset)
    wanted = max(offset + limit, 1)
    if dense is not None and ranking.semantic_weight > 0 and found.plan.soft:
        total, ranked = fused_ranking(searcher, dense, text, found, max(wanted, ranking.semantic_depth), ranking)
    else:
        total, ranked = searcher.rank(found, wanted)
    hits = [
        _make_hit(searcher.stored(docnum), score, rank, found.plan)
        for rank, (docnum, score) in enumerate(ranked[offset : offset + limit], start=offset + 1)
    ]
    suggestion = suggest(text, found.plan.corrections)
    return SearchResults(query=text, total=total, hits=hits, offset=offset, suggestion=suggestion)


def fused_ranking(
    searcher: Searcher, dense: Dense, text: str, found: Matching, depth: int, ranking: Ranking = DEFAULT
) -> tuple[int, list[tuple[int, float]]]:
    """The lexical ranking fused with the ``depth`` nearest records that meet the query's hard constraints.

    The nearest are looked for among the captions inside the place and year filters that meet the
    required clauses and the places and years typed (:attr:`Matching.constraint`). When only a few captions
    match every word (``Ranking.semantic_known_item``: a name or rare words typed, the reader looks for
    those), they stay first. The total counts the lexical matches and the nearest records that are not
    among them. When the model cannot be loaded, the ranking is the lexical one (with a warning).
    """
    import numpy as np

    from ichigo_search.semantic.fusion import fuse, keep_first, query_text
    from ichigo_search.semantic.model import ModelError

    total, lexical = searcher.rank(found, depth)
    allowed = None
    if found.constraint is not None or found.filter is not None:
        allowed = searcher.matching(Matching(found.plan, found.constraint or Every(), None, found.filter))
    try:
        nearest = dense.nearest(query_text(text), searcher, allowed, depth, ranking.semantic_min_similarity)
    except ModelError as exc:
        _warn_once(str(exc))
        return total, lexical
    matched = searcher.matching(found)
    near = np.array([docnum for docnum, _ in nearest], dtype=np.int64)
    if len(matched) and len(near):  # ``matched`` is sorted: the nearest that are lexical matches already
        found_at = np.minimum(np.searchsorted(matched, near), len(matched) - 1)
        total += int(np.count_nonzero(matched[found_at] != near))
    else:
        total += len(near)
    every = (
        matched
        if found.every_word is None
        else searcher.matching(Matching(found.plan, found.every_word, None, found.filter))
    )
    kept = len(every) if len(every) <= ranking.semantic_known_item else 0  # lexical ranks them first
    return total, keep_first(lexical[:kept], fuse(lexical, nearest, ranking))


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(f"{message}; searching without semantic ranking", RuntimeWarning, stacklevel=3)


def _make_hit(stored: dict[str, Any], score: float, rank: int, plan: Plan) -> Hit:
    record = from_stored(stored)
    located = stored_places(stored)

    def place_spans(field: str) -> list[tuple[int, int]]:
        return [(start, end) for start, end, place in located.get(field, []) if place in plan.place_ids]

    marks = {"extra_spans": place_spans("caption"), "phrases": plan.phrases}
    highlights = fragments(record.caption, plan.stems, plan.forms, **marks)
    if record.title:
        marks = {"extra_spans": place_spans("title"), "phrases": plan.phrases}
        title_marks = fragments(record.title, plan.stems, plan.forms, always=False, **marks)
        if title_marks and record.title not in record.caption:
            highlights = title_marks + highlights
    return Hit(
        rank=rank,
        id=record.id,
        score=float(score),
        title=record.title,
        caption=record.caption,
        highlights=highlights,
        places=located.get("names", list(record.places)),
        date=record.date,
        photographer=record.photographer,
        source=record.source,
        record=record,
    )
