"""Grid search of the ranking weights in ``ichigo_search.ranking`` beyond k1 and b (see tune_bm25.py).

    python benchmarks/tune_relevance.py [--sets dev,cranfield,cisi] [--title 2.0,1.0] [--exact 0.6,1.0]
                                        [--idf 0,0.75,1.0,1.25] [--split 0,0.5]
                                        [--proximity 0,1,2] [--slop 2,3] [--year 1,2]

Index-time weights (the title field's weight, the exact field's) need an index per pair; the query-time
ones (idf_emphasis, split_weight: how long queries weight their words; proximity_weight and
proximity_slop: the bonus for query words near each other; year_weight: a query year matching
captions dated then) are applied when searching. Each combination is a ``Ranking`` given to ``Index``.
Prints nDCG@10 / MRR / recall@10 per set for every combination; the chosen values are the defaults of
``ichigo_search.ranking.Ranking`` and their figures are in benchmarks/results/relevance-tuning.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from itertools import product
from pathlib import Path

from ichigo_search import Index
from ichigo_search.ranking import DEFAULT
from relevance import DATA, index_scores, prepare


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="dev,cranfield,cisi")
    parser.add_argument("--title", default=str(DEFAULT.field_weights["title"]), help="title field weights")
    parser.add_argument("--exact", default=str(DEFAULT.exact_weight), help="exact field weights")
    parser.add_argument("--idf", default="0,0.75,1.0,1.25", help="idf_emphasis values")
    parser.add_argument("--split", default="0,0.5", help="split_weight values")
    parser.add_argument("--proximity", default=str(DEFAULT.proximity_weight), help="proximity_weight values")
    parser.add_argument("--slop", default=str(DEFAULT.proximity_slop), help="proximity_slop values")
    parser.add_argument("--year", default=str(DEFAULT.year_weight), help="year_weight values")
    parser.add_argument("--eval", type=Path, default=DATA / "eval", help="dev queries and caption key")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the other sets, laid out as data/")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="tune-relevance-"))
    tests = [prepare(name, tmp, args.eval, args.data) for name in args.sets.split(",")]
    names = ("title", "exact", "idf", "split", "prox", "slop", "year")
    print(" ".join(f"{n:>5}" for n in names) + "  " + "  ".join(f"{t.name:>17}" for t in tests))
    grid = (args.idf, args.split, args.proximity, args.slop, args.year)
    query_time = list(product(*(floats(values) for values in grid)))
    for title in floats(args.title):
        for exact in floats(args.exact):
            built = replace(DEFAULT, field_weights={**DEFAULT.field_weights, "title": title}, exact_weight=exact)
            folders = []
            for test in tests:
                folder = tmp / f"{test.name}-{title}-{exact}"
                with Index(folder, ranking=built) as index:
                    index.rebuild_from(test.corpus)
                folders.append(folder)
            for idf, split, proximity, slop, year in query_time:
                ranking = replace(
                    built,
                    idf_emphasis=idf,
                    split_weight=split,
                    year_weight=year,
                    proximity_weight=proximity,
                    proximity_slop=int(slop),
                )
                cells = []
                for test, folder in zip(tests, folders, strict=True):
                    with Index(folder, ranking=ranking) as index:
                        s = index_scores(test, index)
                    cells.append(f"{s.ndcg:.3f}/{s.mrr:.3f}/{s.recall:.3f}")
                values = (title, exact, idf, split, proximity, slop, year)
                print(" ".join(f"{v:5.2f}" for v in values) + "  " + "  ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
