"""What a search matches: the query trees behind ranking, totals and facet counts.

One place decides what "matches" means, so a result page's total and its facet
counts always agree:

- *some words*: every required clause, at least one word group, no excluded
  word, inside the place and year filters; this is what ``total`` counts;
- *every word*: the same with every word group (near synonyms left out; a year
  typed is met by captions dated then, naming it or undated: ``query.plan.when``);
  these captions rank first, and the others by how many of those groups they match
  (as the "words" rule of Meilisearch ranks, or Lucene's coordination factor did),
  then by how many more they match through near synonyms only.

Neither depends on how near the words stand: that only adds to the score
(:func:`proximity`).

The queries are query trees (:mod:`ichigo_search.query.tree`); the engine evaluates
them for ranking, totals and facets alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ichigo_search.document import CAPTION_FIELD, EXACT_FIELD, PLACE_TREE, SEARCH_FIELDS
from ichigo_search.query.expansion import Expander
from ichigo_search.query.plan import Plan, plan, unit_query, years_query
from ichigo_search.query.syntax import Unit, parse
from ichigo_search.query.tree import NOTHING, AndNot, Every, Or, Phrase, Query, Term, all_of, any_of, boosted
from ichigo_search.ranking import DEFAULT, Ranking
from ichigo_search.text.dates import parse_year_filter

# Year filters name at most this many years as terms; a wider range is clipped to the years indexed.
MAX_FILTER_YEARS = 400
# Up to this many word groups, captions matching every one rank first. A longer query is a
# description ("flow past a flat plate at high speed"): plain BM25 over its words, without near
# synonyms, ranks those better.
MAX_TIERED_GROUPS = 4


class Statistics(Protocol):
    """What planning needs to know of an index: its size, a word's document frequency, its dated years."""

    def doc_count_all(self) -> int: ...

    def doc_frequency(self, field: str, text: str) -> int: ...

    def years(self) -> list[int]: ...


@dataclass
class Matching:
    """The parts of one search."""

    plan: Plan
    some_words: Query
    every_word: Query | None
    filter: Query | None
    # Added to the scores of the best captions matching every word (proximity); matches nothing itself.
    bonus: Query | None = None
    # What every caption must meet, words or not: required clauses, places and years typed, no excluded
    # word (None: nothing); with ``filter``, the captions semantic ranking may add.
    constraint: Query | None = None
    # The word groups ``every_word`` requires, as it matches them: a caption matching only some words ranks
    # by how many of these it matches, then by score (empty: by score alone).
    groups: tuple[Query, ...] = ()
    # The same groups with their near synonyms (as ``some_words`` matches them): among captions matching as many of
    # ``groups``, those matching more of these rank first (*Chinese troops Kweilin*: the Chinese soldiers at Guilin
    # before Chinese troops elsewhere).
    near_groups: tuple[Query, ...] = ()


def build(
    index: Statistics,
    expander: Expander,
    text: str,
    place: str | None,
    year: str | tuple[int, int] | None,
    ranking: Ranking = DEFAULT,
) -> Matching | None:
    """The queries for a search, or None when it looks for nothing at all."""
    parsed = parse(text)
    dated = index.years()
    planned = plan(parsed, SEARCH_FIELDS, EXACT_FIELD, expander, dated, ranking)
    years = parse_year_filter(year) if isinstance(year, str) else year
    years = years or parsed.years
    if planned.empty and not years and not (place and place.strip()):
        return None
    filters = [f for f in (place_filter(place, expander), year_filter(dated, years)) if f is not None]
    negative = any_of(planned.negative) if planned.negative else None

    def combine(parts: list[Query]) -> Query:
        query = all_of(parts)
        return AndNot(query, negative) if negative is not None else query

    long_query = len(planned.soft) > MAX_TIERED_GROUPS
    groups = emphasize(index, planned.soft_long, planned.soft_stems, ranking) if long_query else planned.soft
    soft = [Or(tuple(groups))] if len(groups) > 1 else groups
    tiered = 1 < len(planned.soft) <= MAX_TIERED_GROUPS
    every_word = combine(planned.required + planned.soft_core) if tiered else None
    bonus = None if long_query else proximity(planned.pairs, ranking)
    filter_query = all_of(filters) if filters else None
    hard = planned.required + planned.constraints
    constraint = combine(hard) if hard else (AndNot(Every(), negative) if negative is not None else None)
    groups, near_groups = (tuple(planned.soft_core), tuple(planned.soft)) if tiered else ((), ())
    return Matching(
        planned, combine(planned.required + soft), every_word, filter_query, bonus, constraint, groups, near_groups
    )


def proximity(pairs: list[tuple[str, str, int]], ranking: Ranking = DEFAULT) -> Query | None:
    """A bonus for captions where neighbouring query words stand near each other, in order; None if none.

    Each pair of neighbouring words (``query.plan.pairs``) is a sloppy phrase in the title and the
    caption: the second word at most ``proximity_slop - 1`` positions further than typed after the first
    (``destroyed fighter`` finds *destroyed Japanese fighter* at slop 2, not *Fighter Group destroyed*).
    A match scores the two words' BM25F scores in that field, times ``proximity_weight``, added to the
    caption's score (as Lucene's ``pf2`` phrase boosts do) for the ``proximity_window`` best captions that
    match every word (the engine's rescoring window); it never changes what matches.
    """
    if not pairs or not ranking.proximity_weight:
        return None
    phrases = tuple(
        Phrase(name, (first, second), slop=distance + ranking.proximity_slop - 1)
        for first, second, distance in pairs
        for name in ranking.proximity_fields
    )
    return Or(phrases, boost=ranking.proximity_weight)


def emphasize(
    index: Statistics, groups: list[Query], stems: list[tuple[str, ...]], ranking: Ranking = DEFAULT
) -> list[Query]:
    """Each group boosted by the idf of its rarest typed word, to the power ``ranking.idf_emphasis``."""
    if not ranking.idf_emphasis:
        return groups
    documents = index.doc_count_all()
    weighted = []
    for query, words in zip(groups, stems, strict=True):
        frequency = min((index.doc_frequency(CAPTION_FIELD, w) for w in words), default=0)
        weight = (math.log(documents / (frequency + 1)) + 1) ** ranking.idf_emphasis
        weighted.append(boosted(query, query.boost * weight))
    return weighted


def place_filter(place: str | None, expander: Expander) -> Query | None:
    """Captions at a place (any spelling) or anywhere inside it; by the places field if the gazetteer lacks it."""
    if not place or not place.strip():
        return None
    place_ids = expander.place_ids(place)
    if place_ids:
        return any_of([Term(PLACE_TREE, p) for p in place_ids])
    query = unit_query(Unit(place, phrase=True), ("places",), None)
    return query if query is not None else NOTHING


def year_filter(dated: Sequence[int], years: tuple[int, int] | None) -> Query | None:
    """Captions whose dates overlap ``years``: a union of the indexed years (``dated``) in the range."""
    if not years:
        return None
    first, last = years
    wanted = [y for y in dated if first <= y <= last][:MAX_FILTER_YEARS]
    if not wanted:
        return NOTHING
    return years_query(wanted)
