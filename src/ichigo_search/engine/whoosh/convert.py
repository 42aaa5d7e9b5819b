"""ichigo's query tree as Whoosh query objects, for what Whoosh's own matchers still evaluate.

Phrases in fields without positions are matched by Whoosh's span matcher, and the
oracle tests (``tests/test_scoring.py``) rank the same tree with Whoosh's collector.
"""

from __future__ import annotations

from whoosh import query as wq

from ichigo_search.query.tree import And, AndNot, Every, Nothing, Or, Phrase, Query, Term


def to_whoosh(query: Query) -> wq.Query:
    """The Whoosh query that matches and scores as ``query`` does."""
    if isinstance(query, Term):
        return wq.Term(query.field, query.text, boost=query.boost)
    if isinstance(query, Phrase):
        return wq.Phrase(query.field, list(query.words), slop=query.slop, boost=query.boost)
    if isinstance(query, Or):
        return wq.Or([to_whoosh(part) for part in query.parts], boost=query.boost)
    if isinstance(query, And):
        return wq.And([to_whoosh(part) for part in query.parts], boost=query.boost)
    if isinstance(query, AndNot):
        return wq.AndNot(to_whoosh(query.wanted), to_whoosh(query.unwanted)).with_boost(query.boost)
    if isinstance(query, Every):
        return wq.Every(boost=query.boost)
    if isinstance(query, Nothing):
        return wq.NullQuery
    raise TypeError(f"not a query tree node: {query!r}")
