"""Relevance of ichigo-search on the sample collection's development queries.

    python benchmarks/relevance.py [--eval ../shared/eval] [--corpus corpus]

Prints nDCG@10, MRR and recall@10 per query and overall.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ichigo_search import Index
from ichigo_search.evaluation import load_dev_set, mean, score_ranking

ROOT = Path(__file__).resolve().parents[1]


def evaluate(corpus: Path, eval_dir: Path, verbose: bool = True):
    queries, caption_key = load_dev_set(eval_dir)
    with tempfile.TemporaryDirectory() as tmp:
        index = Index(Path(tmp) / "index")
        index.rebuild_from(corpus)
        rows = []
        for judged in queries:
            hits = index.search(judged.text, limit=10)
            ranking = [caption_key(f"{h.title or ''} {h.caption}") or h.id for h in hits]
            rows.append((judged, score_ranking(ranking, judged.grades), ranking))
        index.close()
    overall = mean([s for _, s, _ in rows])
    if verbose:
        print(f"{'query':32} {'nDCG@10':>8} {'MRR':>6} {'R@10':>6}  top hits")
        for judged, s, ranking in rows:
            print(f"{judged.text[:32]:32} {s.ndcg:8.3f} {s.mrr:6.3f} {s.recall:6.3f}  {' '.join(ranking[:6])}")
        label = f"overall ({len(rows)} queries)"
        print(f"{label:32} {overall.ndcg:8.3f} {overall.mrr:6.3f} {overall.recall:6.3f}")
    return overall, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args(argv)
    evaluate(args.corpus, args.eval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
