"""Evaluating a query tree in bulk: Whoosh's BM25F for every document at once, with numpy.

Whoosh's matchers walk postings one document at a time in Python, and a query
expanded to dozens of terms over five fields spent most of its time there.
This module evaluates ichigo's query trees (:mod:`ichigo_search.query.tree`:
``Term``, ``Phrase``, ``Or``, ``And``, ``AndNot``, ``Every``, ``Nothing``, boosts)
over arrays instead:

- a term's postings are read once per reader (:mod:`ichigo_search.engine.whoosh.postings`)
  into document numbers and their BM25F scores;
- the tree is then combined with vector operations: small results stay sparse
  (sorted document numbers and scores), large ones become dense (a mask and a
  score per document).

The scores use Whoosh's own formula and statistics, so the ranking is the one
Whoosh's collector would give for the same tree (:func:`ichigo_search.engine.whoosh.convert.to_whoosh`);
``tests/test_scoring.py`` compares the two.  A phrase matches where its words'
positions follow each other, each at most ``slop`` positions after the one before,
as Whoosh's span matcher decides, and scores the sum of its words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ichigo_search.engine.whoosh.postings import EMPTY, ReaderArrays, Sparse, intersect, readers_arrays, summed_by_id
from ichigo_search.query.tree import And, AndNot, Every, Nothing, Or, Phrase, Query, Term, repeated

# A union of sparse results stays sparse while it holds fewer than 1/SPARSE_FRACTION of the documents.
SPARSE_FRACTION = 16


@dataclass(frozen=True)
class Dense:
    """Matching documents as a mask over all document numbers; scores are 0 where nothing matches."""

    matched: np.ndarray
    scores: np.ndarray


Result = Sparse | Dense


class Scorer:
    """Evaluates query trees against one open Whoosh searcher (see :func:`scorer`)."""

    def __init__(self, searcher, arrays: ReaderArrays, shared: set[Query] | None = None):
        self.searcher = searcher
        self.arrays = arrays
        self.size = arrays.size
        # Subtrees met more than once (``query.tree.repeated``) are evaluated once, and their results kept
        # here: a search's tiers share their word groups ("some words" is an Or of the groups "every word"
        # is an And of), and a word typed twice gives the same group twice.
        self._shared = shared or set()
        self._evaluated: dict[Query, Result] = {}

    # -- public ------------------------------------------------------------

    def evaluate(self, query: Query, within: np.ndarray | None = None) -> Result:
        """Every document the query matches (deleted ones included) with its BM25F score.

        With ``within`` (sorted document numbers), phrases are only looked for in those documents.
        Without it, a shared subtree (see :func:`scorer`) is evaluated once: the same result again.
        """
        if within is not None or not self._shared or query not in self._shared:
            return self._evaluate(query, within)
        found = self._evaluated.get(query)
        if found is None:
            found = self._evaluated[query] = self._evaluate(query, None)
        return found

    def _evaluate(self, query: Query, within: np.ndarray | None) -> Result:
        if isinstance(query, Term):
            return self._boosted(self.arrays.term(self.searcher, query.field, query.text), query.boost)
        if isinstance(query, Phrase):
            return self._boosted(self._phrase(query, within), query.boost)
        if isinstance(query, AndNot):
            found = self._and_not(self.evaluate(query.wanted, within), self.evaluate(query.unwanted, within))
            return self._boosted(found, query.boost)
        if isinstance(query, And):
            return self._boosted(self._and([self.evaluate(q, within) for q in query.parts]), query.boost)
        if isinstance(query, Or):
            return self._boosted(self._or([self.evaluate(q, within) for q in query.parts]), query.boost)
        if isinstance(query, Every):
            return Dense(self.arrays.live, np.where(self.arrays.live, float(query.boost), 0.0))
        if isinstance(query, Nothing):
            return EMPTY
        raise TypeError(f"not a query tree node: {query!r}")

    def allowed(self, query: Query | None = None) -> np.ndarray:
        """A mask of the live documents, limited to those matching ``query`` if given (a filter)."""
        if query is None:
            return self.arrays.live
        result = self.evaluate(query)
        matched = result.matched if isinstance(result, Dense) else _mask(result.ids, self.size)
        return matched & self.arrays.live

    def rescore(self, found: Sparse, bonus: Query | None, window: int) -> Sparse:
        """``found`` with ``bonus``'s score added to its ``window`` best documents (a rescoring window).

        The bonus is only looked for where it can reorder what is shown first; the rest keep their
        scores, which are no higher than any rescored document's.
        """
        if bonus is None or len(found.ids) == 0:
            return found
        best = np.sort(np.array([doc for doc, _ in top(found.ids, found.scores, window)], dtype=np.intp))
        extra = _scores_at(self.evaluate(bonus, within=best), found.ids)
        in_best = _find(Sparse(best, np.zeros(len(best))), found.ids)[1]  # not np.isin: it imports numpy.ma
        return Sparse(found.ids, found.scores + np.where(in_best, extra, 0.0))

    def select(self, query: Query, allowed: np.ndarray) -> Sparse:
        """The documents matching ``query`` that ``allowed`` lets through, with their scores."""
        result = self.evaluate(query)
        if isinstance(result, Dense):
            ids = np.flatnonzero(result.matched & allowed)
            return Sparse(ids, result.scores[ids])
        keep = allowed[result.ids]
        return Sparse(result.ids[keep], result.scores[keep])

    # -- combining ---------------------------------------------------------

    def _or(self, parts: list[Result]) -> Result:
        parts = [p for p in parts if not (isinstance(p, Sparse) and len(p.ids) == 0)]
        if not parts:
            return EMPTY
        if len(parts) == 1:
            return parts[0]
        if all(isinstance(p, Sparse) for p in parts) and sum(len(p.ids) for p in parts) < self.size // SPARSE_FRACTION:
            ids, scores = np.concatenate([p.ids for p in parts]), np.concatenate([p.scores for p in parts])
            return Sparse(*summed_by_id(ids, scores))
        matched = np.zeros(self.size, dtype=bool)
        total = np.zeros(self.size)
        for part in parts:
            if isinstance(part, Sparse):
                total[part.ids] += part.scores
                matched[part.ids] = True
            else:
                total += part.scores
                matched |= part.matched
        return Dense(matched, total)

    def _and(self, parts: list[Result]) -> Result:
        if not parts:
            return EMPTY
        sparse = sorted((p for p in parts if isinstance(p, Sparse)), key=lambda p: len(p.ids))
        if not sparse:  # the scores summed only where every part matches, in the parts' order
            matched = np.logical_and(parts[0].matched, parts[1].matched) if len(parts) > 1 else parts[0].matched
            for part in parts[2:]:
                matched &= part.matched
            ids = np.flatnonzero(matched)
            summed = parts[0].scores[ids]
            for part in parts[1:]:
                summed += part.scores[ids]
            scores = np.zeros(self.size)
            scores[ids] = summed
            return Dense(matched, scores)
        ids, scores = sparse[0].ids, sparse[0].scores
        for part in sparse[1:]:
            ids, mine, theirs = intersect(ids, part.ids)
            scores = scores[mine] + part.scores[theirs]
        for part in parts:
            if isinstance(part, Dense):
                keep = part.matched[ids]
                ids, scores = ids[keep], scores[keep] + part.scores[ids[keep]]
        return Sparse(ids, scores)

    def _and_not(self, wanted: Result, unwanted: Result) -> Result:
        if isinstance(wanted, Sparse):
            keep = ~member(unwanted, wanted.ids)
            return Sparse(wanted.ids[keep], wanted.scores[keep])
        excluded = unwanted.matched if isinstance(unwanted, Dense) else _mask(unwanted.ids, self.size)
        matched = wanted.matched & ~excluded
        return Dense(matched, np.where(matched, wanted.scores, 0.0))

    @staticmethod
    def _boosted(result: Result, boost: float) -> Result:
        if boost == 1.0:
            return result
        if isinstance(result, Sparse):
            return Sparse(result.ids, result.scores * boost)
        return Dense(result.matched, result.scores * boost)

    # -- leaves --------------------------------------------------------------

    def _phrase(self, query: Phrase, within: np.ndarray | None = None) -> Sparse:
        """Documents with the words in a row (Whoosh's span matcher), scored as the sum of the words' scores."""
        ids = self.arrays.phrase_ids(self.searcher, query, within)
        scores = np.zeros(len(ids))
        for word in query.words:
            term = self.arrays.term(self.searcher, query.field, word)
            scores += term.scores[np.searchsorted(term.ids, ids)]
        return Sparse(ids, scores)


def member(result: Result, ids: np.ndarray) -> np.ndarray:
    """For each of ``ids``, whether the result holds it."""
    if isinstance(result, Dense):
        return result.matched[ids]
    return _find(result, ids)[1]


def _scores_at(result: Result, ids: np.ndarray) -> np.ndarray:
    """The result's score for each of ``ids``; 0 where it does not match."""
    if isinstance(result, Dense):
        return result.scores[ids]
    if len(result.ids) == 0:
        return np.zeros(len(ids))
    where, found = _find(result, ids)
    return np.where(found, result.scores[where], 0.0)


def _find(result: Sparse, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``ids``, its index in the result (clipped) and whether the result holds it."""
    if len(result.ids) == 0 or len(ids) == 0:
        return np.zeros(len(ids), dtype=np.intp), np.zeros(len(ids), dtype=bool)
    where = np.minimum(np.searchsorted(result.ids, ids), len(result.ids) - 1)
    return where, result.ids[where] == ids


def _mask(ids: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[ids] = True
    return mask


def top(ids: np.ndarray, scores: np.ndarray, count: int) -> list[tuple[int, float]]:
    """The ``count`` best (document, score) pairs: highest score first, then lowest document number."""
    if count <= 0 or len(ids) == 0:
        return []
    if len(ids) > count:
        kth = np.partition(scores, len(scores) - count)[len(scores) - count]
        keep = scores >= kth
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:count]
    return [(int(i), float(s)) for i, s in zip(ids[order], scores[order], strict=True)]


def scorer(searcher, *trees: Query | None) -> Scorer:
    """A scorer for an open Whoosh searcher; the arrays it reads are cached with the searcher's reader.

    The subtrees that occur more than once among ``trees`` (the trees one search evaluates) are
    evaluated once by this scorer.
    """
    return Scorer(searcher, readers_arrays(searcher.reader()), repeated(t for t in trees if t is not None))
