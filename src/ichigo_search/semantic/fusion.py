"""Reciprocal-rank fusion of the lexical ranking with the nearest records by embedding."""

from __future__ import annotations

from ichigo_search.query.syntax import parse
from ichigo_search.ranking import DEFAULT, Ranking


def fuse(
    lexical: list[tuple[int, float]], dense: list[tuple[int, float]], ranking: Ranking = DEFAULT
) -> list[tuple[int, float]]:
    """One ranking of both lists' documents by 1 / (k + lexical rank) + weight / (k + dense rank), best first.

    Scores are scaled so that a document first in both lists scores 1.0; ties keep the lexical order,
    then the dense one.
    """
    k, weight = ranking.semantic_k, ranking.semantic_weight
    scale = (k + 1) / (1 + weight)
    scores: dict[int, float] = {}
    for rank, (docnum, _) in enumerate(lexical, start=1):
        scores[docnum] = 1.0 / (k + rank)
    for rank, (docnum, _) in enumerate(dense, start=1):
        scores[docnum] = scores.get(docnum, 0.0) + weight / (k + rank)
    order = {docnum: i for i, docnum in enumerate(scores)}  # lexical first, then dense-only, as inserted
    return [(d, s * scale) for d, s in sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))]


def keep_first(first: list[tuple[int, float]], fused: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """``fused`` with the documents of ``first`` moved to the front in their order; scores made non-increasing."""
    front = [docnum for docnum, _ in first]
    scores, placed = dict(fused), set(front)
    ordered = [(d, scores[d]) for d in front] + [(d, s) for d, s in fused if d not in placed]
    result: list[tuple[int, float]] = []
    for docnum, score in ordered:
        result.append((docnum, min(score, result[-1][1]) if result else score))
    return result


def query_text(text: str) -> str:
    """What is embedded of a query: its words and phrases as typed, without excluded ones or syntax."""
    parsed = parse(text)
    units = [unit.text for clause in parsed.clauses if not clause.negated for unit in clause.units]
    return " ".join(units)
