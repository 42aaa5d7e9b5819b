"""Grid search of BM25F's k1 and b for ichigo-search on the judged sets.

    python benchmarks/tune_bm25.py [--sets dev,dev+fsa,cranfield,cisi] [--k1 0.9,1.2,1.6] [--b 0.5,0.75,0.9]

Builds each set's index once (BM25F parameters are applied when searching), then prints
nDCG@10 per set for every (k1, b) pair (each a ``Ranking`` given to ``Index``); the chosen pair is
the default of ``ichigo_search.ranking.Ranking``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from ichigo_search import Index
from ichigo_search.ranking import DEFAULT
from relevance import DATA, index_scores, prepare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="dev,cranfield,cisi")
    parser.add_argument("--k1", default="0.9,1.2,1.6,2.0")
    parser.add_argument("--b", default="0.5,0.75,0.9")
    parser.add_argument("--eval", type=Path, default=DATA / "eval", help="dev queries and caption key")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the other sets, laid out as data/")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="tune-bm25-"))
    sets = []
    for name in args.sets.split(","):
        test = prepare(name, tmp, args.eval, args.data)
        with Index(tmp / f"{name}-index") as index:
            index.rebuild_from(test.corpus)
        sets.append((test, tmp / f"{name}-index"))
    print(f"{'k1':>5} {'b':>5}  " + "  ".join(f"{t.name:>10}" for t, _ in sets))
    for k1 in map(float, args.k1.split(",")):
        for b in map(float, args.b.split(",")):
            scores = []
            for test, folder in sets:
                with Index(folder, ranking=replace(DEFAULT, k1=k1, b=b)) as index:
                    scores.append(index_scores(test, index).ndcg)
            print(f"{k1:5.2f} {b:5.2f}  " + "  ".join(f"{s:10.3f}" for s in scores), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
