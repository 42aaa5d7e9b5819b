"""Running a query against an open Whoosh searcher: ranking, filters, highlighting.

Ranking is BM25F over title, caption, places and photographer.  Captions
matching every query word come first; captions matching only some words
follow, so ``Liuzhou airbase`` still lists the other Liuzhou captions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import querying
from .dates import parse_year_filter
from .highlight import fragments
from .records import Record
from .schema import EXACT_FIELD, SEARCH_FIELDS, from_stored

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

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __getitem__(self, index: int) -> Hit:
        return self.hits[index]

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        return {"query": self.query, "total": self.total, "hits": [h.to_dict() for h in self.hits]}


def _filters(place: str | None, years: tuple[int, int] | None):
    from whoosh import query as wq

    parts = []
    if place and place.strip():
        place_query = querying.unit_query(querying.Unit(place, phrase=True), {"places": 1.0}, None)
        parts.append(place_query if place_query is not None else wq.NullQuery)
    if years:
        first, last = years
        parts.append(wq.NumericRange("year_start", None, last))
        parts.append(wq.NumericRange("year_end", first, None))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _combine(parts: list):
    from whoosh import query as wq

    if not parts:
        return wq.Every()
    return parts[0] if len(parts) == 1 else wq.And(parts)


def run_search(
    searcher,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    place: str | None = None,
    year: str | tuple[int, int] | None = None,
) -> SearchResults:
    """Search with an open Whoosh searcher; never raises on any query text."""
    from whoosh import query as wq

    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    parsed = querying.parse(text)
    plan = querying.plan(parsed, SEARCH_FIELDS, EXACT_FIELD)
    years = parse_year_filter(year) if isinstance(year, str) else year
    years = years or parsed.years
    if plan.empty and not years and not (place and place.strip()):
        return SearchResults(query=text, total=0, hits=[], offset=offset)
    filter_query = _filters(place, years)
    negative = wq.Or(plan.negative) if plan.negative else None

    def restrict(query):
        return wq.AndNot(query, negative) if negative is not None else query

    wanted = offset + limit
    if len(plan.soft) > 1:
        every_word = restrict(_combine(plan.required + plan.soft))
        some_words = restrict(_combine([*plan.required, wq.Or(plan.soft)]))
        first = searcher.search(every_word, limit=max(wanted, 1), filter=filter_query)
        ranked = [(hit.docnum, hit.score) for hit in first]
        rest = searcher.search(some_words, limit=max(wanted, 1), filter=filter_query, mask=every_word)
        total = len(first) + len(rest)
        if len(ranked) < wanted:
            ranked += [(hit.docnum, hit.score) for hit in rest][: wanted - len(ranked)]
    else:
        query = restrict(_combine(plan.required + plan.soft))
        results = searcher.search(query, limit=max(wanted, 1), filter=filter_query)
        total = len(results)
        ranked = [(hit.docnum, hit.score) for hit in results]
    hits = [
        _make_hit(searcher, docnum, score, rank, plan)
        for rank, (docnum, score) in enumerate(ranked[offset:wanted], start=offset + 1)
    ]
    return SearchResults(query=text, total=total, hits=hits, offset=offset)


def _make_hit(searcher, docnum: int, score: float, rank: int, plan: querying.Plan) -> Hit:
    record = from_stored(searcher.stored_fields(docnum))
    highlights = fragments(record.caption, plan.stems, plan.forms)
    if record.title:
        title_marks = fragments(record.title, plan.stems, plan.forms, always=False)
        if title_marks and record.title not in record.caption:
            highlights = title_marks + highlights
    return Hit(
        rank=rank,
        id=record.id,
        score=float(score),
        title=record.title,
        caption=record.caption,
        highlights=highlights,
        places=list(record.places),
        date=record.date,
        photographer=record.photographer,
        source=record.source,
        record=record,
    )
