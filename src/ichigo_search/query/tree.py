"""ichigo's own query tree: what a search matches and how each part weighs, for any engine to evaluate.

Plain frozen data with no engine behind it: :mod:`ichigo_search.query.plan` and
:mod:`ichigo_search.query.matching` build trees, an engine (:mod:`ichigo_search.engine`)
evaluates them. A node's score is the sum of its parts' scores times its boost; ``And``
matches where every part does, ``Or`` where any does, ``AndNot`` where ``wanted`` does and
``unwanted`` does not (scored as ``wanted``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A word (an index term: stemmed or folded as its field analyses it) in one field."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Words in order in one field, each at most ``slop`` positions after the one before (1: in a row)."""

    field: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0


@dataclass(frozen=True)
class Or:
    """Any of the parts."""

    parts: tuple[Query, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class And:
    """Every one of the parts."""

    parts: tuple[Query, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class AndNot:
    """``wanted`` without what ``unwanted`` matches."""

    wanted: Query
    unwanted: Query
    boost: float = 1.0


@dataclass(frozen=True)
class Every:
    """Every document (each scoring ``boost``)."""

    boost: float = 1.0


@dataclass(frozen=True)
class Nothing:
    """No document."""

    boost: float = 1.0


Query = Term | Phrase | Or | And | AndNot | Every | Nothing
NOTHING = Nothing()


def boosted(query: Query, boost: float) -> Query:
    """The same query with its boost set to ``boost``."""
    return query if query.boost == boost else dataclasses.replace(query, boost=boost)


def any_of(parts: list[Query], boost: float = 1.0) -> Query:
    """An ``Or`` of the parts (the part itself when it is alone and unboosted)."""
    return parts[0] if len(parts) == 1 and boost == 1.0 else Or(tuple(parts), boost)


def all_of(parts: list[Query]) -> Query:
    """An ``And`` of the parts (the part itself when it is alone; every document when there are none)."""
    return Every() if not parts else parts[0] if len(parts) == 1 else And(tuple(parts))


def leaves(query: Query) -> Iterator[Query]:
    """The terms, phrases and other leaves of a query tree, depth first."""
    if isinstance(query, Or | And):
        for part in query.parts:
            yield from leaves(part)
    elif isinstance(query, AndNot):
        yield from leaves(query.wanted)
        yield from leaves(query.unwanted)
    else:
        yield query


def repeated(trees: Iterable[Query]) -> set[Query]:
    """The subtrees (other than leaves) that occur more than once among ``trees``, counted as equal trees.

    Only the outermost repeat counts: the parts of a repeated subtree are looked at once, where it first occurs.
    """
    seen: set[Query] = set()
    twice: set[Query] = set()

    def walk(query: Query) -> None:
        if isinstance(query, Or | And | AndNot):
            if query in seen:
                twice.add(query)
                return
            seen.add(query)
            for part in query.parts if isinstance(query, Or | And) else (query.wanted, query.unwanted):
                walk(part)

    for tree in trees:
        walk(tree)
    return twice
