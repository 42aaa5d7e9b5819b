"""Running a query against an open Whoosh searcher: ranking, filters, highlighting.

Ranking is BM25F over title, caption, places and photographer, plus a bonus
where the query's words stand near each other in order.  Captions matching
every query word come first; captions matching only some words follow, so
``Liuzhou airbase`` still lists the other Liuzhou captions.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from . import querying
from .fuzzy import Spellings
from .highlight import fragments
from .records import Record
from .schema import EXACT_FIELD, from_stored, stored_places

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


class IndexVocabulary:
    """The folded words an index holds, for compounds and typo correction."""

    def __init__(self, searcher):
        self.searcher = searcher

    def frequency(self, form: str) -> int:
        return self.searcher.doc_frequency(EXACT_FIELD, form)

    def near(self, form: str, max_distance: int) -> list[tuple[str, int]]:
        """Indexed words within ``max_distance`` edits of ``form`` sharing its first letter, with distances."""
        return _spellings(self.searcher.reader()).near(form, max_distance)


def _spellings(reader) -> Spellings:
    """The reader's exact-field words for typo search (cached per reader: a reader's segments never change)."""
    from .reader_cache import per_reader

    return per_reader(reader, "spellings", lambda: Spellings(partial(_words_from, weakref.ref(reader))))


def _words_from(reader_ref: weakref.ref, letter: str) -> set[str]:
    """The exact-field words starting with ``letter`` in every segment of the reader."""
    reader = reader_ref()
    words: set[str] = set()
    for segment, _ in reader.leaf_readers() if reader is not None else ():
        words.update(term.decode() for term in segment.expand_prefix(EXACT_FIELD, letter))
    return words


def make_expander(searcher=None, thesaurus: dict | None = None):
    """An expander with the built-in and corpus thesaurus, the gazetteer and the index's words."""
    from .expansion import Expander
    from .placenames import gazetteer
    from .thesaurus import load

    vocabulary = IndexVocabulary(searcher) if searcher is not None else None
    words = load(thesaurus)
    return Expander(words, gazetteer(words.place_aliases), vocabulary)


def suggest(text: str, corrections: dict[str, str]) -> str | None:
    """The query with each unknown word replaced by its nearest known spelling."""
    if not corrections:
        return None
    suggestion = text
    for wrong, right in corrections.items():
        suggestion = suggestion.replace(wrong, right, 1)
    return suggestion if suggestion != text else None


def run_search(
    searcher,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    place: str | None = None,
    year: str | tuple[int, int] | None = None,
    thesaurus: dict | None = None,
) -> SearchResults:
    """Search with an open Whoosh searcher; never raises on any query text."""
    from . import matching
    from .schema import PROXIMITY_WINDOW as window
    from .scoring import member, scorer, top

    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    found = matching.build(searcher, text, place, year, thesaurus)
    if found is None:
        return SearchResults(query=text, total=0, hits=[], offset=offset)
    bulk = scorer(searcher)
    allowed = bulk.allowed(found.filter)
    some = bulk.select(found.some_words, allowed)
    wanted = max(offset + limit, 1)
    # The proximity bonus reorders the first tier: the words can only stand together where all are.
    tier = some if found.every_word is None else bulk.select(found.every_word, allowed)
    first = bulk.rescore(tier, found.bonus, window)
    ranked = top(first.ids, first.scores, wanted)
    if found.every_word is not None and len(ranked) < wanted:  # then captions with only some words
        rest = ~member(first, some.ids)
        ranked += top(some.ids[rest], some.scores[rest], wanted - len(ranked))
    total = len(some.ids)
    hits = [
        _make_hit(searcher, docnum, score, rank, found.plan)
        for rank, (docnum, score) in enumerate(ranked[offset : offset + limit], start=offset + 1)
    ]
    suggestion = suggest(text, found.plan.corrections)
    return SearchResults(query=text, total=total, hits=hits, offset=offset, suggestion=suggestion)


def _make_hit(searcher, docnum: int, score: float, rank: int, plan: querying.Plan) -> Hit:
    stored = searcher.stored_fields(docnum)
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
