"""Warm query latency of a long-lived reader (``Index(memory_map=True)``, as ``serve`` opens it): this tree
against another revision, in the same run.

    python benchmarks/reader_io.py [--before HEAD] [--size 98244] [--queries 150] [--passes 3] [--rounds 3]

Written for the change from memory maps to positioned reads (``engine/whoosh/positional.py``): a
mapped file cut short under a reader killed it with SIGBUS; a positioned read cannot. The
index is built once by this tree (both revisions read the same format) from ``bench.py``'s
corpus of SIZE captions, and the queries are ``bench.py``'s kinds. Each round runs the two
revisions in turn (the order alternates), each in a fresh process: open, one untimed pass,
then PASSES timed passes of ``search(q, limit=10)``. Prints per round and in all the median,
mean and p95 per query, and the ratio this tree / before.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import OUT, PYTHON, compile_bytecode, corpus_for, export_revision, make_queries, percentile
from generate import FSA_CAPTIONS

ROOT = Path(__file__).resolve().parents[1]


def child(index: str, queries_file: str, passes: int) -> None:
    """(In the subprocess.) Time warm searches; print their timings as JSON."""
    from ichigo_search import Index

    texts = [q["text"] for q in json.loads(Path(queries_file).read_text())]
    idx = Index(index, memory_map=True)
    for text in texts:
        idx.search(text, limit=10)
    timings = []
    for _ in range(passes):
        for text in texts:
            started = time.perf_counter()
            idx.search(text, limit=10)
            timings.append(time.perf_counter() - started)
    print(json.dumps(timings))


def timed(src: Path, index: Path, queries: Path, passes: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [PYTHON, __file__, "--child", str(index), str(queries), str(passes)]
    return json.loads(subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout)


def figures(timings: list[float]) -> str:
    ms = [t * 1000 for t in timings]
    return f"median {statistics.median(ms):.2f} ms, mean {statistics.mean(ms):.2f} ms, p95 {percentile(ms, 95):.2f} ms"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="HEAD", help="the revision to compare with (default: the last commit)")
    parser.add_argument("--size", type=int, default=98_244)
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", type=Path, default=FSA_CAPTIONS)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    before, commit = export_revision(args.before, OUT)
    after = ROOT / "src"
    compile_bytecode([before, after])
    corpus = corpus_for(args.size, OUT, args.seed, args.data)
    work = Path(tempfile.mkdtemp(prefix="ichigo-reader-io-"))
    try:
        compare(args, before, commit, after, corpus, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare(args: argparse.Namespace, before: Path, commit: str, after: Path, corpus: Path, work: Path) -> None:
    """Build the index in ``work``, then time both revisions' warm queries, round by round."""
    index, queries = work / "index", work / "queries.json"
    queries.write_text(json.dumps(make_queries(args.queries, args.seed, args.data)))
    env = {**os.environ, "PYTHONPATH": str(after)}
    command = [PYTHON, "-m", "ichigo_search", "index", "--quiet", "--corpus", str(corpus), "--index", str(index)]
    subprocess.run(command, env=env, check=True)
    everything: dict[str, list[float]] = {"before": [], "after": []}
    for round_number in range(args.rounds):
        order = ["before", "after"] if round_number % 2 == 0 else ["after", "before"]
        this_round = {}
        for side in order:
            this_round[side] = timed(before if side == "before" else after, index, queries, args.passes)
            everything[side] += this_round[side]
        ratio = statistics.median(this_round["after"]) / statistics.median(this_round["before"])
        print(f"round {round_number + 1}: after/before median {ratio:.3f}", flush=True)
    print(f"{args.size:,} captions, {args.queries} queries x {args.passes} passes x {args.rounds} rounds")
    print(f"before ({commit}): {figures(everything['before'])}")
    print(f"after (this tree): {figures(everything['after'])}")
    for name, pick in (("median", statistics.median), ("mean", statistics.mean)):
        print(f"after/before {name}: {pick(everything['after']) / pick(everything['before']):.3f}")


if __name__ == "__main__":
    main()
