"""Relevance metrics (nDCG@k, MRR, recall@k) over graded judgments."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Judged:
    """A query and its graded judgments: document key -> grade (> 0 relevant)."""

    text: str
    grades: dict[str, int]


@dataclass(frozen=True)
class Scores:
    ndcg: float
    mrr: float
    recall: float


def dcg(grades: Sequence[int]) -> float:
    """Discounted cumulative gain with exponential gain (2^g - 1)."""
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def score_ranking(ranking: Sequence[str], grades: dict[str, int], k: int = 10) -> Scores:
    """nDCG@k, reciprocal rank of the first relevant hit, and recall@k."""
    top = list(ranking[:k])
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    ndcg = dcg([grades.get(key, 0) for key in top]) / ideal if ideal else 0.0
    mrr = next((1.0 / (i + 1) for i, key in enumerate(ranking) if grades.get(key, 0) > 0), 0.0)
    relevant = [key for key, g in grades.items() if g > 0]
    recall = sum(1 for key in top if grades.get(key, 0) > 0) / len(relevant) if relevant else 0.0
    return Scores(ndcg, mrr, recall)


def mean(values: Sequence[Scores]) -> Scores:
    n = len(values) or 1
    return Scores(sum(v.ndcg for v in values) / n, sum(v.mrr for v in values) / n, sum(v.recall for v in values) / n)


def load_dev_set(eval_dir: str | Path) -> tuple[list[Judged], Callable[[str], str | None]]:
    """The sample collection's dev queries, and a function naming the caption a text is.

    ``captions.json`` identifies each caption by a piece of text only it has,
    so judgments do not depend on the ids a corpus gives its records.
    """
    eval_dir = Path(eval_dir)
    keys = json.loads((eval_dir / "captions.json").read_text(encoding="utf-8"))
    queries = [
        Judged(row["q"], {k: int(g) for k, g in row["rel"].items()})
        for row in map(json.loads, (eval_dir / "dev-queries.jsonl").read_text(encoding="utf-8").splitlines())
    ]

    def caption_key(text: str) -> str | None:
        for key, rule in keys.items():
            if rule["has"] in text and not ("not" in rule and rule["not"] in text):
                return key
        return None

    return queries, caption_key
