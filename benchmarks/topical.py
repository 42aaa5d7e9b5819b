"""Topical queries over the 98,244 FSA/OWI captions, by class: do today's words find the period's captions?

    python benchmarks/topical.py                    # nDCG@10 per class, every engine (~3 min; indexes in a temp folder)
    python benchmarks/topical.py --work /tmp/topical  # keep the indexes there and reuse them
    python benchmarks/topical.py --per-query        # also each query's nDCG@10 per engine
    python benchmarks/topical.py --pool FILE        # write the pooled hits not judged yet, to judge

The queries and judgments are in ``benchmarks/topical/`` (how they were made: its README).
Runs: ichigo-search as it ships, ichigo-search with the terminology bridge off
(``Ranking(bridge_weight=0)``), ichigo-search with semantic ranking (an index built with
``semantic=True``; ``pip install -e ".[semantic]"``, ~5 min to embed on 2 cores the first time),
with and without the bridge, and the peers of ``engines.py`` with the words OR-ed.
A judgment is made of a caption's text, so it holds for every record with that
caption (many FSA/OWI photographs share one, and each is a hit of its own);
hits never judged count as not relevant, and the table says how many of each
run's top 10s were unjudged.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from engines import LABELS, Ichigo, IchigoSemantic, Query, engine
from ichigo_search.evaluation import Scores, mean, score_ranking
from ichigo_search.ranking import Ranking

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks" / "topical"
CAPTIONS = ROOT / "data" / "fsa-owi" / "captions.jsonl.gz"
CLASSES = ("modern", "topical", "place/date", "short", "damage", "chinese", "aircraft")
RUNS = ("ichigo", "ichigo-no-bridge", "ichigo+semantic", "ichigo+semantic-no-bridge", "fts5", "tantivy", "whoosh")
RUN_LABELS = {
    **LABELS,
    "ichigo-no-bridge": "ichigo-search, no bridge",
    "ichigo+semantic": "ichigo-search + semantic",
    "ichigo+semantic-no-bridge": "ichigo-search + semantic, no bridge",
}
# A run "ichigo-bridge=W" is ichigo-search with Ranking(bridge_weight=W), for tuning.
WEIGHTED = "ichigo-bridge="
# A run "ichigo+semantic=W:K[:F[:N]]" is semantic ranking with Ranking(semantic_weight=W, semantic_k=K,
# semantic_min_similarity=F, semantic_known_item=N), for tuning.
SEMANTIC = "ichigo+semantic"


class IchigoBridged(Ichigo):
    """ichigo-search with another ``Ranking.bridge_weight`` (0: the terminology bridge off)."""

    def __init__(self, weight: float) -> None:
        self.weight = weight

    def open(self, index: Path) -> None:
        from ichigo_search import Index

        self.index = Index(index, ranking=Ranking(bridge_weight=self.weight))


def semantic_ranking(name: str) -> Ranking:
    """The Ranking of a run named ``ichigo+semantic[-no-bridge][=W:K[:F[:N]]]``."""
    knobs: dict[str, float] = {"bridge_weight": 0.0} if "-no-bridge" in name else {}
    if "=" in name:
        values = [float(v) for v in name.split("=", 1)[1].split(":")]
        names = ("semantic_weight", "semantic_k", "semantic_min_similarity", "semantic_known_item")
        knobs.update(zip(names, values, strict=False))
        for knob in ("semantic_k", "semantic_known_item"):
            knobs[knob] = int(knobs.get(knob, getattr(Ranking(), knob)))
    return Ranking(**knobs)


@dataclass(frozen=True)
class Topic:
    text: str
    kind: str
    grades: dict[str, int]  # caption text -> grade
    judged_as: str  # the query whose judgments these are: itself, or the English query it translates


def load_topics(folder: Path, captions: dict[str, str]) -> list[Topic]:
    """The queries, each with its judgments keyed by caption text."""
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    judgments = folder / "judgments.jsonl"
    if judgments.exists():
        for row in map(json.loads, judgments.read_text(encoding="utf-8").splitlines()):
            grades[row["q"]][captions[row["id"]]] = int(row["grade"])
    rows = map(json.loads, (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines())
    topics = []
    for row in rows:
        judged_as = row.get("judged_as", row["q"])
        topics.append(Topic(row["q"], row["class"], grades[judged_as], judged_as))
    return topics


def write_corpus(work: Path, data: Path) -> tuple[Path, dict[str, str]]:
    """The captions as a corpus folder, and each record's caption text."""
    corpus = work / "corpus"
    captions: dict[str, str] = {}
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / "fsa-owi.jsonl"
    with gzip.open(data, "rt", encoding="utf-8") as src:
        lines = src.readlines()
    for line in lines:
        row = json.loads(line)
        captions[row["id"]] = " ".join(filter(None, (row.get("title"), row["caption"])))
    if not target.exists():
        target.write_text("".join(lines), encoding="utf-8")
    return corpus, captions


def open_run(name: str, corpus: Path, work: Path):
    """An engine adapter on its index in ``work`` (built the first time)."""
    base = "ichigo" if name.startswith("ichigo") else name
    index = work / f"{base}-index"
    if name.startswith(SEMANTIC):
        index = work / "ichigo-semantic-index"
        adapter = IchigoSemantic(semantic_ranking(name))
    elif name.startswith(WEIGHTED) or name == "ichigo-no-bridge":
        adapter = IchigoBridged(float(name.removeprefix(WEIGHTED)) if name.startswith(WEIGHTED) else 0.0)
    else:
        adapter = engine(base)
    if not index.exists():
        adapter.build(corpus, index)
    adapter.open(index)
    return adapter


def ranked(adapter, topic: Topic) -> list[str]:
    """The record ids of a run's top 10 for a query."""
    return [ident for ident, _ in adapter.search(Query.parse(topic.text), limit=10)]


def record_grades(topic: Topic, records: dict[str, list[str]]) -> dict[str, int]:
    """A query's judgments for every record whose caption was judged."""
    return {ident: grade for text, grade in topic.grades.items() for ident in records[text]}


def class_table(results: dict[str, list[tuple[Topic, Scores, list[str]]]]) -> str:
    """Markdown: nDCG@10 per class for each run, and how many of its top-10 hits were never judged."""
    counts = {kind: sum(1 for t, _, _ in next(iter(results.values())) if t.kind == kind) for kind in CLASSES}
    head = " | ".join(f"{kind} ({counts[kind]} q)" for kind in CLASSES)
    lines = [f"| nDCG@10 | all | {head} | unjudged in top 10 |", "|---" * (len(CLASSES) + 3) + "|"]
    for run, rows in results.items():
        cells = [f"{mean([s for _, s, _ in rows]).ndcg:.3f}"]
        cells += [f"{mean([s for t, s, _ in rows if t.kind == kind]).ndcg:.3f}" for kind in CLASSES]
        unjudged = sum(1 for t, _, hits in rows for text in hits if text not in t.grades)  # hits: caption texts
        total = sum(len(hits) for _, _, hits in rows)
        label = RUN_LABELS.get(run, run.replace(WEIGHTED, "ichigo-search, bridge_weight "))
        label = label.replace(SEMANTIC + "=", "ichigo-search + semantic ")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {unjudged} of {total} |")
    return "\n".join(lines)


def per_query(results: dict[str, list[tuple[Topic, Scores, list[str]]]]) -> str:
    names = [RUN_LABELS.get(r, r).replace("SQLite ", "").replace("plain ", "")[-12:] for r in results]
    lines = [f"{'query':34} {'class':10}" + "".join(f"{n:>13}" for n in names)]
    runs = list(results.values())
    for i, (topic, _, _) in enumerate(runs[0]):
        scores = "".join(f"{rows[i][1].ndcg:13.3f}" for rows in runs)
        lines.append(f"{topic.text[:34]:34} {topic.kind:10}{scores}")
    return "\n".join(lines)


def write_pool(results: dict[str, list[tuple[Topic, Scores, list[str]]]], captions: dict[str, str], out: Path) -> int:
    """Every run's top-10 caption not judged yet, once per query, with one record id that has it."""
    by_text = {}
    for ident, text in captions.items():
        by_text.setdefault(text, ident)
    pooled: dict[tuple[str, str], dict] = {}
    for rows in results.values():
        for topic, _, hits in rows:
            for text in hits:
                if text not in topic.grades and (topic.judged_as, text) not in pooled:
                    pooled[(topic.judged_as, text)] = {"q": topic.judged_as, "id": by_text[text], "caption": text}
    with out.open("w", encoding="utf-8") as f:
        for row in sorted(pooled.values(), key=lambda r: r["q"]):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(pooled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=CAPTIONS, help="gzipped corpus JSONL (the FSA/OWI captions)")
    parser.add_argument("--topics", type=Path, default=HERE, help="folder of queries.jsonl and judgments.jsonl")
    parser.add_argument(
        "--runs",
        default=",".join(RUNS),
        help=f"comma-separated, of {','.join(RUNS)}, {WEIGHTED}W (a bridge_weight) and {SEMANTIC}=W:K[:F[:N]]",
    )
    parser.add_argument("--work", type=Path, help="keep the corpus and indexes here and reuse them")
    parser.add_argument("--per-query", action="store_true", help="also print each query's nDCG@10")
    parser.add_argument("--pool", type=Path, help="write the unjudged hits of every run to this JSONL file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        work = args.work or Path(tmp_name)
        corpus, captions = write_corpus(work, args.data)
        records: dict[str, list[str]] = defaultdict(list)
        for ident, text in captions.items():
            records[text].append(ident)
        topics = load_topics(args.topics, captions)
        results = {}
        for run in args.runs.split(","):
            adapter = open_run(run, corpus, work)
            rows = []
            for topic in topics:
                hits = ranked(adapter, topic)
                scores = score_ranking(hits, record_grades(topic, records))
                rows.append((topic, scores, [captions[ident] for ident in hits]))
            adapter.close()
            results[run] = rows
        print(f"{len(topics)} queries over {len(captions):,} captions\n")
        if args.per_query:
            print(per_query(results) + "\n")
        print(class_table(results))
        if args.pool:
            print(f"\n{write_pool(results, captions, args.pool)} unjudged hits written to {args.pool}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
