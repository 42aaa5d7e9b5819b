"""Facet counts: how many of the captions a search matches are at each place and in each decade.

Counts cover every matching caption, not just one page.  Each document's facet
values are read once per index segment and cached: segments never change after
they are written (deletions are masked out when matching), so after an
incremental update only the new segments are read.

Places are counted the way the ``place=`` filter matches them, so a facet's
count is what clicking it finds: a caption counts for every gazetteer place in
its place tree (its places and the places its caption names, with their
provinces and countries: ``Liuchow`` counts for Liuzhou, Guangxi and China),
under the gazetteer's name; a place name the gazetteer does not know counts
under that name as written (:func:`place_key`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from ichigo_search.document import PLACE_TREE, from_stored, stored_places
from ichigo_search.engine import Searcher, Segment
from ichigo_search.ranking import DEFAULT, Ranking
from ichigo_search.search import make_expander, plan_search
from ichigo_search.vocab.gazetteer import gazetteer

# What one document contributes: its place labels and its decades.
DocFacets = tuple[tuple[str, ...], tuple[int, ...]]
_NOTHING: DocFacets = ((), ())
# A date range wider than this many decades ("1500-2000") is too vague to count.
MAX_DECADES = 5


@dataclass(frozen=True)
class FacetValue:
    """One facet entry: the filter value to pass to a search, and how many matches have it."""

    value: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count}


@dataclass
class Facets:
    """Place and decade counts over all the captions a search matches."""

    total: int
    places: list[FacetValue] = field(default_factory=list)
    decades: list[FacetValue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "places": [v.to_dict() for v in self.places],
            "decades": [v.to_dict() for v in self.decades],
        }


def place_key(name: str) -> str:
    """The facet value for a place name the gazetteer does not know, as written in a record."""
    return " ".join(name.split())


def decades_of(years: tuple[int, int] | None) -> tuple[int, ...]:
    """The decades (1940 for the 1940s) a year range overlaps, as a ``year:1940s`` filter would match it."""
    if not years:
        return ()
    first, last = years[0] // 10 * 10, years[1] // 10 * 10
    if (last - first) // 10 >= MAX_DECADES:
        return ()
    return tuple(range(first, last + 1, 10))


class FacetCounter:
    """Counts facets for searches on one index, caching each segment's per-document values."""

    def __init__(self) -> None:
        self._segments: dict[str, list[DocFacets]] = {}
        self._labels: dict[str, str | None] = {}  # gazetteer id -> name
        self._known: dict[str, bool] = {}  # place name -> the gazetteer knows it

    def _label(self, place_id: str) -> str | None:
        """The gazetteer's name for a place id (None for an id it has no name for)."""
        if place_id not in self._labels:
            places = gazetteer()
            place = places.place(place_id)
            self._labels[place_id] = places.label(place) if place else None
        return self._labels[place_id]

    def _is_known(self, name: str) -> bool:
        if name not in self._known:
            self._known[name] = bool(make_expander().place_ids(name))
        return self._known[name]

    def _read_segment(self, segment: Segment) -> list[DocFacets]:
        labels: list[list[str]] = [[] for _ in range(segment.size)]
        for place_id, docnums in segment.postings(PLACE_TREE):
            label = self._label(place_id)
            if label is None:
                continue
            for docnum in docnums:
                labels[docnum].append(label)
        values: list[DocFacets] = []
        for docnum in range(segment.size):
            if segment.is_deleted(docnum):
                values.append(_NOTHING)
                continue
            stored = segment.stored(docnum)
            record = from_stored(stored)
            hidden = set(stored_places(stored).get("hidden", ()))  # code values, truncated names: not places
            unknown = [p for p in record.places if p.strip() and p not in hidden and not self._is_known(p)]
            names = labels[docnum] + [place_key(p) for p in unknown]
            values.append((tuple(dict.fromkeys(names)), decades_of(record.years)))
        return values

    def values(self, searcher: Searcher) -> list[DocFacets]:
        """Per-document facet values, indexed by the searcher's document numbers."""
        values: list[DocFacets] = []
        live = set()
        for segment in searcher.segments():
            key = segment.key
            segment_values = self._segments.get(key) if key else None
            if segment_values is None:
                segment_values = self._read_segment(segment)
                if key:
                    self._segments[key] = segment_values
            live.add(key)
            values.extend([_NOTHING] * (segment.offset - len(values)))
            values.extend(segment_values)
        for key in set(self._segments) - live:
            del self._segments[key]
        return values

    def count(
        self,
        searcher: Searcher,
        text: str,
        *,
        place: str | None = None,
        year: str | tuple[int, int] | None = None,
        size: int = 10,
        browse: bool = False,
        thesaurus: dict | None = None,
        ranking: Ranking = DEFAULT,
    ) -> Facets:
        """The ``size`` most frequent places and every decade among all captions matching the search.

        An empty search (no words, no filters) matches nothing, as in ``Index.search``;
        with ``browse`` it counts every caption instead (a collection overview).
        """
        found = plan_search(searcher, text, place, year, thesaurus, ranking)
        if found is None and not browse:
            return Facets(total=0)
        docnums = searcher.matching(found)
        values = self.values(searcher)
        matches = [values[docnum] for docnum in docnums]
        places = Counter(chain.from_iterable(doc[0] for doc in matches))
        decades = Counter(chain.from_iterable(doc[1] for doc in matches))
        return Facets(
            total=len(matches),
            places=[FacetValue(name, n) for name, n in sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))][:size],
            decades=[FacetValue(f"{decade}s", n) for decade, n in sorted(decades.items())],
        )
