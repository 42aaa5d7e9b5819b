"""What a search matches: the Whoosh queries behind ranking, totals and facet counts.

One place decides what "matches" means, so a result page's total and its facet
counts always agree:

- *some words*: every required clause, at least one word group, no excluded
  word, inside the place and year filters; this is what ``total`` counts;
- *every word*: the same with every word group (near synonyms left out; a year
  typed is met by captions dated then, naming it or undated: ``querying.when``);
  these captions rank first.

Neither depends on how near the words stand: that only adds to the score
(:func:`proximity`).

The queries are Whoosh query objects; :mod:`ichigo_search.scoring` evaluates
them in bulk for ranking, totals and facets alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import querying
from .dates import parse_year_filter
from .schema import EXACT_FIELD, PLACE_TREE, SEARCH_FIELDS, YEARS_FIELD

# Year filters name at most this many years as terms; a wider range is clipped to the years indexed.
MAX_FILTER_YEARS = 400
# Up to this many word groups, captions matching every one rank first. A longer query is a
# description ("flow past a flat plate at high speed"): plain BM25 over its words, without near
# synonyms, ranks those better.
MAX_TIERED_GROUPS = 4
# The field whose document frequencies weight the word groups of such a query (IDF_EMPHASIS).
IDF_FIELD = "caption"


@dataclass
class Matching:
    """The parts of one search."""

    plan: querying.Plan
    some_words: object
    every_word: object | None
    filter: object | None
    # Added to the scores of the best captions matching every word (proximity); matches nothing itself.
    bonus: object | None = None


def build(searcher, text: str, place: str | None, year, thesaurus: dict | None) -> Matching | None:
    """The queries for a search, or None when it looks for nothing at all."""
    from whoosh import query as wq

    from .search import make_expander

    expander = make_expander(searcher, thesaurus)
    parsed = querying.parse(text)
    plan = querying.plan(parsed, SEARCH_FIELDS, EXACT_FIELD, expander, _years_of(searcher.reader()))
    years = parse_year_filter(year) if isinstance(year, str) else year
    years = years or parsed.years
    if plan.empty and not years and not (place and place.strip()):
        return None
    filters = [f for f in (place_filter(place, expander), year_filter(searcher, years)) if f is not None]
    negative = wq.Or(plan.negative) if plan.negative else None

    def combine(parts: list):
        query = wq.Every() if not parts else parts[0] if len(parts) == 1 else wq.And(parts)
        return wq.AndNot(query, negative) if negative is not None else query

    long_query = len(plan.soft) > MAX_TIERED_GROUPS
    groups = emphasize(searcher, plan.soft_long, plan.soft_stems) if long_query else plan.soft
    soft = [wq.Or(groups)] if len(groups) > 1 else groups
    tiered = 1 < len(plan.soft) <= MAX_TIERED_GROUPS
    every_word = combine(plan.required + plan.soft_core) if tiered else None
    bonus = None if long_query else proximity(plan.pairs)
    filter_query = None if not filters else filters[0] if len(filters) == 1 else wq.And(filters)
    return Matching(plan, combine(plan.required + soft), every_word, filter_query, bonus)


def proximity(pairs: list[tuple[str, str, int]]):
    """A bonus for captions where neighbouring query words stand near each other, in order; None if none.

    Each pair of neighbouring words (``querying.pairs``) is a sloppy phrase in the title and the
    caption: the second word at most PROXIMITY_SLOP - 1 positions further than typed after the first
    (``destroyed fighter`` finds *destroyed Japanese fighter* at slop 2, not *Fighter Group destroyed*).
    A match scores the two words' BM25F scores in that field, times PROXIMITY_WEIGHT, added to the
    caption's score (as Lucene's ``pf2`` phrase boosts do) for the PROXIMITY_WINDOW best captions that
    match every word (:meth:`ichigo_search.scoring.Scorer.rescore`); it never changes what matches.
    """
    from whoosh import query as wq

    from .schema import PROXIMITY_FIELDS, PROXIMITY_SLOP, PROXIMITY_WEIGHT

    if not pairs or not PROXIMITY_WEIGHT:
        return None
    phrases = [
        wq.Phrase(name, [first, second], slop=distance + PROXIMITY_SLOP - 1)
        for first, second, distance in pairs
        for name in PROXIMITY_FIELDS
    ]
    return wq.Or(phrases, boost=PROXIMITY_WEIGHT)


def emphasize(searcher, groups: list, stems: list[tuple[str, ...]]) -> list:
    """Each group boosted by the idf of its rarest typed word, to the power IDF_EMPHASIS."""
    from .schema import IDF_EMPHASIS

    if not IDF_EMPHASIS:
        return groups
    documents = searcher.doc_count_all()
    weighted = []
    for query, words in zip(groups, stems, strict=True):
        frequency = min((searcher.doc_frequency(IDF_FIELD, w) for w in words), default=0)
        weight = (math.log(documents / (frequency + 1)) + 1) ** IDF_EMPHASIS
        weighted.append(query.with_boost(query.boost * weight))
    return weighted


def place_filter(place: str | None, expander):
    """Captions at a place (any spelling) or anywhere inside it; by the places field if the gazetteer lacks it."""
    from whoosh import query as wq

    if not place or not place.strip():
        return None
    place_ids = expander.place_ids(place)
    if place_ids:
        return wq.Or([wq.Term(PLACE_TREE, p) for p in place_ids])
    query = querying.unit_query(querying.Unit(place, phrase=True), {"places": 1.0}, None)
    return query if query is not None else wq.NullQuery


def year_filter(searcher, years: tuple[int, int] | None):
    """Captions whose dates overlap ``years``: a union of the indexed years in the range."""
    from whoosh import query as wq

    if not years:
        return None
    first, last = years
    indexed = _years_of(searcher.reader())
    wanted = [y for y in indexed if first <= y <= last][:MAX_FILTER_YEARS]
    if not wanted:
        return wq.NullQuery
    return querying.years_query(wanted)


def _years_of(reader) -> list[int]:
    from .reader_cache import per_reader

    def years() -> list[int]:
        return sorted(int(y) for y in reader.field_terms(YEARS_FIELD)) if YEARS_FIELD in reader.schema else []

    return per_reader(reader, "years", years)
