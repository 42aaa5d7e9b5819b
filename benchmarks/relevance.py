"""Relevance of ichigo-search, and of the tools users would otherwise pick, on judged queries.

    python benchmarks/relevance.py                 # ichigo-search on the dev queries, per query
    python benchmarks/relevance.py --all           # every engine on every set, written to benchmarks/out/
    python benchmarks/relevance.py --engines ichigo,fts5 --sets dev,cranfield
    python benchmarks/relevance.py --sets dev+fsa --work /tmp/rel   # keep the indexes there and reuse them
    python benchmarks/relevance.py --engines ichigo,ichigo-solr --sets dev,dev+fsa,cranfield,cisi

Sets: ``dev`` (the development queries of data/eval over the ten sample
captions), ``dev+fsa`` (the same with the 98,244 FSA/OWI captions of
data/fsa-owi mixed in), ``cranfield`` and ``cisi`` (data/ir; title + text
indexed; queries as typed).  ``--data DIR`` reads the sets from a folder laid
out as data/ is (``fsa-owi/captions.jsonl.gz``, ``ir/NAME/``), say with a
larger collection of your own for ``dev+fsa``; ``--eval DIR`` reads the dev
queries from another folder.  Engines
are those of ``engines.py``: ichigo-search gets the query as typed, the peers
its words (and, on the dev sets, its quoted phrases) OR-ed, and with ``--and``
(or ``--all``, on the dev sets) also AND-ed, the default of FTS5 and Whoosh.  Prints nDCG@10,
MRR and recall@10 per query (dev) and overall; ``--all`` also writes
``relevance.md`` and ``relevance-per-query.tsv`` to the output folder.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engines import ENGINES, LABELS, Query, engine, solr_cluster
from ichigo_search.corpus.reading import load_corpus
from ichigo_search.evaluation import Judged, Scores, load_dev_set, mean, score_ranking

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SETS = ("dev", "dev+fsa", "cranfield", "cisi")
# nDCG@10 of the peers measured before this harness existed (data/README.md and the brief),
# by (set, engine, peer operator).  The dev-set figures are each tool's default operator:
# AND for FTS5 and Whoosh, OR for tantivy.
REFERENCE = {
    ("dev", "tantivy", "or"): 0.869,
    ("dev", "fts5", "and"): 0.661,
    ("dev", "whoosh", "and"): 0.638,
    ("cranfield", "fts5", "or"): 0.540,
    ("cranfield", "whoosh", "or"): 0.532,
    ("cranfield", "tantivy", "or"): 0.524,
    ("cisi", "fts5", "or"): 0.367,
    ("cisi", "tantivy", "or"): 0.311,
    ("cisi", "whoosh", "or"): 0.293,
}


@dataclass
class TestSet:
    """A corpus folder, its judged queries, and how a hit's id maps to a judgment key."""

    name: str
    corpus: Path
    queries: list[Judged]
    key: Callable[[str], str]
    phrases: bool = True


@dataclass
class Run:
    """One engine on one set: per-query scores and rankings; ``mode`` is the peers' operator."""

    engine: str
    testset: str
    rows: list[tuple[Judged, Scores, list[str]]]
    mode: str = "or"

    @property
    def label(self) -> str:
        return LABELS[self.engine] + (" (AND)" if self.mode == "and" else "")

    @property
    def overall(self) -> Scores:
        return mean([s for _, s, _ in self.rows])


def dev_set(name: str, tmp: Path, eval_dir: Path, corpus: Path, fsa: Path | None) -> TestSet:
    """The dev queries over the sample corpus, with the FSA/OWI captions mixed in when ``fsa`` is given."""
    queries, caption_key = load_dev_set(eval_dir)
    if fsa is not None:
        mixed = tmp / "dev+fsa-corpus"
        if not mixed.exists():
            shutil.copytree(corpus, mixed)
            with gzip.open(fsa, "rb") as src, (mixed / "fsa-owi.jsonl").open("wb") as dst:
                shutil.copyfileobj(src, dst)
        corpus = mixed
    # Only the ten sample captions are judged; match them by text, everything else by id.
    sample = load_corpus(ROOT / "corpus").records
    keys = {r.id: caption_key(f"{r.title or ''} {r.caption}") or r.id for r in sample}
    return TestSet(name, corpus, queries, lambda ident: keys.get(ident, ident))


def ir_set(name: str, tmp: Path, data_dir: Path) -> TestSet:
    """A classic test collection written as a corpus (id, title, caption = text); judged queries only."""
    corpus = tmp / f"{name}-corpus"
    corpus.mkdir(exist_ok=True)
    with gzip.open(data_dir / "docs.jsonl.gz", "rt", encoding="utf-8") as src, (corpus / "docs.jsonl").open("w") as dst:
        for doc in map(json.loads, src):
            if doc["text"].strip():  # Cranfield 471 and 995 are empty
                row = {"id": doc["id"], "title": doc["title"] or None, "caption": doc["text"]}
                dst.write(json.dumps(row, ensure_ascii=False) + "\n")
    grades: dict[str, dict[str, int]] = {}
    for line in (data_dir / "qrels.trec").read_text().splitlines():
        if line.strip():
            qid, _, doc_id, grade = line.split()
            grades.setdefault(qid, {})[doc_id] = int(grade)
    queries = [
        Judged(q["text"], grades[q["id"]])
        for q in map(json.loads, (data_dir / "queries.jsonl").read_text().splitlines())
        if q["id"] in grades
    ]
    return TestSet(name, corpus, queries, str, phrases=False)


def prepare(name: str, tmp: Path, eval_dir: Path, data_dir: Path) -> TestSet:
    """Build the named test set's corpus in ``tmp``."""
    if name in ("dev", "dev+fsa"):
        fsa = data_dir / "fsa-owi" / "captions.jsonl.gz" if name == "dev+fsa" else None
        return dev_set(name, tmp, eval_dir, ROOT / "corpus", fsa)
    return ir_set(name, tmp, data_dir / "ir" / name)


def index_scores(testset: TestSet, index) -> Scores:
    """Mean scores of an open ichigo-search ``Index`` on a set (for the tuning scripts)."""
    rankings = ([testset.key(hit.id) for hit in index.search(q.text, limit=10)] for q in testset.queries)
    return mean([score_ranking(ranking, q.grades) for ranking, q in zip(rankings, testset.queries, strict=True)])


def run(engine_name: str, testset: TestSet, tmp: Path, modes: tuple[str, ...] = ("or",)) -> list[Run]:
    """Index the set's corpus with one engine (unless ``tmp`` has its index) and score every query's top 10,
    once per peer operator."""
    adapter = engine(engine_name)
    index = tmp / f"{testset.name}-{engine_name}-index"
    if not index.exists():
        adapter.build(testset.corpus, index)
    adapter.open(index)
    runs = []
    for mode in modes if not engine_name.startswith("ichigo") else ("or",):
        rows = []
        for judged in testset.queries:
            query = Query.parse(judged.text, phrases=testset.phrases, conjunction=mode == "and")
            ranking = [testset.key(ident) for ident, _ in adapter.search(query, limit=10)]
            rows.append((judged, score_ranking(ranking, judged.grades), ranking))
        runs.append(Run(engine_name, testset.name, rows, mode))
    adapter.close()
    return runs


def overall_table(runs: list[Run]) -> str:
    """Markdown: per set and engine, nDCG@10 / MRR / recall@10, with the earlier reference nDCG@10."""
    lines = [
        "| set | queries | engine | nDCG@10 | MRR | recall@10 | reference nDCG@10 |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        s = r.overall
        ref = REFERENCE.get((r.testset, r.engine, r.mode))
        lines.append(
            f"| {r.testset} | {len(r.rows)} | {r.label} | {s.ndcg:.3f} | {s.mrr:.3f} | {s.recall:.3f} "
            f"| {'' if ref is None else f'{ref:.3f}'} |"
        )
    return "\n".join(lines)


def per_query_table(runs: list[Run]) -> str:
    """Plain text: one line per query of one set, nDCG@10 for each engine side by side."""
    names = [r.label.replace("SQLite ", "").replace("plain ", "")[:13] for r in runs]
    lines = [f"{'query':34}" + "".join(f"{n:>14}" for n in names)]
    for i, (judged, _, _) in enumerate(runs[0].rows):
        lines.append(f"{judged.text[:34]:34}" + "".join(f"{r.rows[i][1].ndcg:14.3f}" for r in runs))
    lines.append(f"{'overall nDCG@10':34}" + "".join(f"{r.overall.ndcg:14.3f}" for r in runs))
    return "\n".join(lines)


def single_engine_report(r: Run) -> str:
    """The per-query view of one engine: scores and the top hits."""
    lines = [f"{'query':32} {'nDCG@10':>8} {'MRR':>6} {'R@10':>6}  top hits"]
    for judged, s, ranking in r.rows:
        lines.append(f"{judged.text[:32]:32} {s.ndcg:8.3f} {s.mrr:6.3f} {s.recall:6.3f}  {' '.join(ranking[:6])}")
    o = r.overall
    label = f"overall ({len(r.rows)} queries)"
    lines.append(f"{label:32} {o.ndcg:8.3f} {o.mrr:6.3f} {o.recall:6.3f}")
    return "\n".join(lines)


def write_outputs(runs: list[Run], out: Path) -> None:
    """relevance.md (overall) and relevance-per-query.tsv (every query, engine and set)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "relevance.md").write_text(overall_table(runs) + "\n", encoding="utf-8")
    with (out / "relevance-per-query.tsv").open("w", encoding="utf-8") as f:
        f.write("set\tengine\toperator\tquery\tndcg@10\tmrr\trecall@10\ttop10\n")
        for r in runs:
            for judged, s, ranking in r.rows:
                cells = [r.testset, r.engine, r.mode, judged.text.replace("\t", " ")]
                cells += [f"{s.ndcg:.4f}", f"{s.mrr:.4f}", f"{s.recall:.4f}", " ".join(ranking)]
                f.write("\t".join(cells) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=DATA / "eval", help="dev queries and caption key")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the other sets, laid out as data/")
    parser.add_argument(
        "--engines",
        default="ichigo",
        help=f"comma-separated, of {','.join(ENGINES)}, ichigo+semantic and ichigo-solr (a SolrCloud: ICHIGO_SOLR_URL, "
        "or a 2-node cluster started from solr/)",
    )
    parser.add_argument("--sets", default="dev", help=f"comma-separated, of {','.join(SETS)}")
    parser.add_argument(
        "--and", dest="also_and", action="store_true", help="peers also with AND-ed words (FTS5's and Whoosh's default)"
    )
    parser.add_argument("--all", action="store_true", help="every engine on every set; peers also AND-ed on dev sets")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--work", type=Path, help="keep the corpora and indexes here and reuse them")
    args = parser.parse_args(argv)
    engines = list(ENGINES) if args.all else args.engines.split(",")
    sets = list(SETS) if args.all else args.sets.split(",")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp_name, solr_cluster("ichigo-solr" in engines):
        tmp = args.work or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        for set_name in sets:
            testset = prepare(set_name, tmp, args.eval, args.data)
            modes = ("or", "and") if args.also_and or (args.all and set_name.startswith("dev")) else ("or",)
            set_runs = [r for name in engines for r in run(name, testset, tmp, modes)]
            runs += set_runs
            print(f"\n## {set_name}: {len(testset.queries)} queries\n")
            if len(set_runs) == 1:
                print(single_engine_report(set_runs[0]))
            elif set_name.startswith("dev"):
                print(per_query_table(set_runs))
    print("\n" + overall_table(runs))
    if args.all:
        write_outputs(runs, args.out)
        print(f"\nwritten to {args.out}/relevance.md and relevance-per-query.tsv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
