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
    # of each list; 0 turns it off. nDCG@10 on the 44 topical queries (python benchmarks/topical.py --runs
    # ichigo+semantic=W:K:F, every top 10 judged), all / modern / topical / place-date / short: weight 0 (off)
    # 0.912 / 0.857 / 0.980 / 0.931 / 0.884; 0.15 0.925 / 0.877 / 0.993 / 0.945 / 0.879; 0.25 0.931 / 0.898 /
    # 0.990 / 0.940 / 0.883; 0.35 0.942 / 0.917 / 0.990 / 0.941 / 0.911; 0.5 0.941 / 0.920 / 0.983 / 0.937 /
    # 0.911 (k 60). At 0.35 every class gains; k 30 (weight 0.25) 0.929; similarity floor 0.2 / 0.3 / 0.4: 0.942 /
    # 0.942 / 0.936.
    semantic_weight: float = 0.35
    semantic_k: int = 60
    semantic_depth: int = 100
    # When at most this many captions match every word of a query (a name, rare words: Lt. Col. Hiatt, Bennett
    # Avenue), they stay first and semantic ranking orders what follows. nDCG@10 at 0 / 5 / 10 / 20: dev + FSA/OWI
    # (benchmarks/relevance.py) 0.900 / 0.930 / 0.927 / 0.927 (0.925 without semantic ranking); topical 0.942 /
    # 0.943 / 0.944 / 0.942.
    semantic_known_item: int = 10
    # A record less similar to the query than this (cosine) is not added by semantic ranking: a query of
    # nonsense, 0.15-0.18 from every caption, still finds nothing.
    semantic_min_similarity: float = 0.3

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_weights", _frozen(dict(self.field_weights)))


DEFAULT = Ranking()
