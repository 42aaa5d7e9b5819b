"""Grid search of the ranking weights in ``ichigo_search.schema`` beyond k1 and b (see tune_bm25.py).

    python benchmarks/tune_relevance.py [--sets dev,cranfield,cisi] [--title 2.0,1.0] [--exact 0.6,1.0]
                                        [--idf 0,0.75,1.0,1.25] [--split 0,0.5]
                                        [--proximity 0,1,2] [--slop 2,3] [--year 1,2]

Index-time weights (the title field's boost, EXACT_BOOST) need an index per pair; the query-time
ones (IDF_EMPHASIS, SPLIT_WEIGHT: how long queries weight their words; PROXIMITY_WEIGHT and
PROXIMITY_SLOP: the bonus for query words near each other; YEAR_WEIGHT: a query year matching
captions dated then) are applied when searching.
Prints nDCG@10 / MRR / recall@10 per set for every combination; the chosen values live in
``ichigo_search.schema`` and their figures in benchmarks/results/relevance-tuning.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from itertools import product
from pathlib import Path

import ichigo_search.schema as schema
from ichigo_search import Index
from relevance import DATA, index_scores, prepare


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="dev,cranfield,cisi")
    parser.add_argument("--title", default=str(schema.SEARCH_FIELDS["title"]), help="title field boosts")
    parser.add_argument("--exact", default=str(schema.EXACT_BOOST), help="EXACT_BOOST values")
    parser.add_argument("--idf", default="0,0.75,1.0,1.25", help="IDF_EMPHASIS values")
    parser.add_argument("--split", default="0,0.5", help="SPLIT_WEIGHT values")
    parser.add_argument("--proximity", default=str(schema.PROXIMITY_WEIGHT), help="PROXIMITY_WEIGHT values")
    parser.add_argument("--slop", default=str(schema.PROXIMITY_SLOP), help="PROXIMITY_SLOP values")
    parser.add_argument("--year", default=str(schema.YEAR_WEIGHT), help="YEAR_WEIGHT values")
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
            schema.SEARCH_FIELDS["title"], schema.EXACT_BOOST = title, exact  # read by build_schema()
            indexes = []
            for test in tests:
                index = Index(tmp / f"{test.name}-{title}-{exact}")
                index.rebuild_from(test.corpus)
                indexes.append(index)
            for idf, split, proximity, slop, year in query_time:
                schema.IDF_EMPHASIS, schema.SPLIT_WEIGHT, schema.YEAR_WEIGHT = idf, split, year
                schema.PROXIMITY_WEIGHT, schema.PROXIMITY_SLOP = proximity, int(slop)
                cells = []
                for test, index in zip(tests, indexes, strict=True):
                    s = index_scores(test, index)
                    cells.append(f"{s.ndcg:.3f}/{s.mrr:.3f}/{s.recall:.3f}")
                values = (title, exact, idf, split, proximity, slop, year)
                print(" ".join(f"{v:5.2f}" for v in values) + "  " + "  ".join(cells), flush=True)
            for index in indexes:
                index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
