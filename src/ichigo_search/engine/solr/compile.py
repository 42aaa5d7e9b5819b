"""Query trees (:mod:`ichigo_search.query.tree`) as Solr's JSON Query DSL.

Terms are index terms already analysed by ichigo-search, matched as they are (Solr's ``term``
parser); boosts multiply scores (``boost``). The Whoosh engine weights fields when it indexes
(``Ranking.field_weights``, ``Ranking.exact_weight``); Lucene has no index-time boosts, so here a
term's weight is its field's weight times its own boost. A phrase scores what the Whoosh
evaluator scores, the sum of its words' scores, where the words stand in order (a
non-scoring filter: an exact phrase, or for a sloppy one an ordered span query, each word at most
``slop`` positions after the one before).
"""

from __future__ import annotations

import re
from typing import Any

from ichigo_search.query.tree import And, AndNot, Every, Nothing, Or, Phrase, Query, Term
from ichigo_search.ranking import Ranking

_EVERY: dict[str, Any] = {"lucene": {"query": "*:*"}}
_NOTHING: dict[str, Any] = {"bool": {"must_not": [_EVERY]}}
_SPECIAL_RE = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/\s])')


def field_weights(ranking: Ranking) -> dict[str, float]:
    """The weight of each field's terms (fields not named weigh 1)."""
    from ichigo_search.document import EXACT_FIELD

    return {**ranking.field_weights, EXACT_FIELD: ranking.exact_weight}


def to_solr(query: Query, weights: dict[str, float]) -> dict[str, Any]:
    """A query tree as a JSON Query DSL object."""
    if isinstance(query, Term):
        return _boosted({"term": {"f": query.field, "query": query.text}}, query.boost * weights.get(query.field, 1.0))
    if isinstance(query, Phrase):
        return _boosted(_phrase(query, weights), query.boost)
    if isinstance(query, Or):
        return _boosted({"bool": {"should": [to_solr(part, weights) for part in query.parts]}}, query.boost)
    if isinstance(query, And):
        return _boosted({"bool": {"must": [to_solr(part, weights) for part in query.parts]}}, query.boost)
    if isinstance(query, AndNot):
        wanted, unwanted = to_solr(query.wanted, weights), to_solr(query.unwanted, weights)
        return _boosted({"bool": {"must": [wanted], "must_not": [unwanted]}}, query.boost)
    if isinstance(query, Every):
        return _boosted(_EVERY, query.boost)
    if isinstance(query, Nothing):
        return _NOTHING
    raise TypeError(f"not a query tree node: {query!r}")


def _phrase(query: Phrase, weights: dict[str, float]) -> dict[str, Any]:
    if len(query.words) == 1:
        return to_solr(Term(query.field, query.words[0]), weights)
    if query.slop <= 1:
        where: dict[str, Any] = {"field": {"f": query.field, "query": " ".join(query.words)}}
    else:  # ordered, each word at most ``slop`` positions after the one before: a span of slop - 1 between
        words = " ".join(_SPECIAL_RE.sub(r"\\\1", word) for word in query.words)
        gaps = (len(query.words) - 1) * (query.slop - 1)  # Lucene's slop counts every gap together
        where = {"complexphrase": {"inOrder": "true", "df": query.field, "query": f'"{words}"~{gaps}'}}
    scored = [to_solr(Term(query.field, word), weights) for word in query.words]  # as Whoosh sums them
    return {"bool": {"filter": [where], "must": scored}}


def _boosted(query: dict[str, Any], boost: float) -> dict[str, Any]:
    return query if boost == 1.0 else {"boost": {"b": repr(float(boost)), "query": query}}
