"""Every ranking knob in one typed place: BM25F, field weights, long queries, proximity and years.

An :class:`~ichigo_search.Index` ranks with :data:`DEFAULT` unless given another
:class:`Ranking` (``Index(path, ranking=Ranking(idf_emphasis=0.5))``); the tuning scripts in
``benchmarks/`` compare instances side by side. Field weights are written into the index when
it is built; the other knobs apply when searching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _frozen(mapping: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Ranking:
    """How hits are scored and ordered. Each default is the measured choice its comment names."""

    # BM25F: Whoosh's defaults. A grid over k1 0.9-2.0 and b 0.5-0.9 (python benchmarks/tune_bm25.py,
    # 2026-11-27) moved nDCG@10 by at most 0.009 on dev, Cranfield and CISI (here: 1.000, 0.525, 0.322):
    # the gap to SQLite FTS5 lies elsewhere.
    k1: float = 1.2
    b: float = 0.75
    # Fields searched by free-text queries and their BM25F weights (index time). Title 1.5 (was 2.0): a
    # title's words also get the title field's own, higher idf; with idf_emphasis 1.0 and split_weight 0.5,
    # nDCG@10 title 2.0 / 1.5 / 1.0 = Cranfield 0.538 / 0.542 / 0.541, CISI 0.390 / 0.384 / 0.382, dev 1.000
    # all (benchmarks/results/relevance-tuning.md).
    field_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"title": 1.5, "caption": 1.0, "places": 1.5, "photographer": 1.5})
    )
    # The folded but unstemmed forms of title, caption and places (index time): an exact spelling ranks a
    # little above a stemmed match.
    exact_weight: float = 0.6
    # Long queries (descriptions: more word groups than query.matching.MAX_TIERED_GROUPS). Each word group's
    # score is multiplied by the idf of its rarest word (caption field) to the power idf_emphasis: Whoosh's
    # idf, log(N/(df+1))+1, is flat (a word in half the captions still weighs 1.7 against 8 for a unique
    # one), so a description's many common words ("problem", "effect", "method") outweigh its few rare
    # ones. A hyphenated word (``wing-flutter``) also matches its parts apart, each weighted split_weight,
    # the parts together 1 - split_weight. Figures: python benchmarks/tune_relevance.py,
    # benchmarks/results/relevance-tuning.md.
    idf_emphasis: float = 1.0
    split_weight: float = 0.5
    # Proximity: where neighbouring query words stand near each other in order (the second at most
    # proximity_slop - 1 positions further than typed), the caption gains proximity_weight times the two
    # words' scores in that field (query.matching.proximity).
    proximity_weight: float = 2.0
    proximity_slop: int = 3
    proximity_fields: tuple[str, ...] = ("title", "caption")
    # The bonus is looked for in the proximity_window best captions matching every word, by their words'
    # scores (a rescoring window): reading a caption's positions costs a whole block of postings.
    proximity_window: int = 20
    # A year typed in a query also matches captions dated that year (query.plan.when), weighted year_weight.
    year_weight: float = 2.0
    # A term bridged from today's words to the period's or back (vocabulary.yaml's bridges: "African American"
    # finds *Negro*) scores bridge_weight times what the words typed would, at most (query.expansion); 0 turns
    # bridges off. nDCG@10 on 44 topical queries over the FSA/OWI captions (python benchmarks/topical.py,
    # --runs ichigo-bridge=W), all / modern wording / topical / short: 0.6 0.924 / 0.869 / 0.984 / 0.896,
    # 0.7 0.927 / 0.877 / 0.983 / 0.896, 0.8 0.925 / 0.874 / 0.983 / 0.888, 0.9 (before two rows were
    # corrected) short 0.853; off 0.747 / 0.383 / 0.983 / 0.896. Above 0.7 a short caption with the bridged
    # word outranks longer ones with the word typed ("squatters" -> "Homeless children").
    bridge_weight: float = 0.7
    # Semantic ranking (only in an index built with ``index --semantic``; ichigo_search.semantic): the lexical
    # ranking and the nearest captions by embedding are fused by reciprocal rank, a caption scoring
    # 1 / (semantic_k + lexical rank) + semantic_weight / (semantic_k + dense rank) over the semantic_depth best
    # of each list; 0 turns it off. Figures behind the values: benchmarks/topical.py, the README's Relevance.
    semantic_weight: float = 0.5
    semantic_k: int = 60
    semantic_depth: int = 100
    # A record nearer the query than this cosine similarity is not added by semantic ranking (so a query
    # of nonsense still finds nothing).
    semantic_min_similarity: float = 0.3

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_weights", _frozen(dict(self.field_weights)))


DEFAULT = Ranking()
