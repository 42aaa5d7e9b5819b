"""Relevance on the development queries of data/eval (graded judgments)."""

from __future__ import annotations

from conftest import DEV_EVAL
from ichigo_search.evaluation import load_dev_set, mean, score_ranking

# Measured: 0.892 with the core analysis alone (python benchmarks/relevance.py).
NDCG_FLOOR = 0.88


def test_metrics_on_known_rankings():
    perfect = score_ranking(["a", "b", "c"], {"a": 2, "b": 1})
    assert (perfect.ndcg, perfect.mrr, perfect.recall) == (1.0, 1.0, 1.0)
    missed = score_ranking(["x", "y"], {"a": 2})
    assert (missed.ndcg, missed.mrr, missed.recall) == (0.0, 0.0, 0.0)
    swapped = score_ranking(["b", "a"], {"a": 2, "b": 1})
    assert 0.5 < swapped.ndcg < 1.0 and swapped.mrr == 1.0


def test_dev_set_ndcg(sample_index):
    queries, caption_key = load_dev_set(DEV_EVAL)
    assert len(queries) >= 20
    scores = []
    for judged in queries:
        ranking = [caption_key(f"{h.title or ''} {h.caption}") for h in sample_index.search(judged.text)]
        assert None not in ranking
        scores.append(score_ranking(ranking, judged.grades))
    assert mean(scores).ndcg >= NDCG_FLOOR
