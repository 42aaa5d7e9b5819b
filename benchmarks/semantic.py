"""What semantic ranking costs: the embedding rate at index time and the time it adds to a query.

    python benchmarks/semantic.py --index DIR              # an index built with ``index --semantic``
    python benchmarks/semantic.py --index DIR --embed 5000 # also embed 5,000 captions, as ``index`` does

Embedding: ``--embed N`` FSA/OWI records in six runs of consecutive lines spread over the file (the
file's parts differ in length, and a photo series' records are neighbours that share a caption), their
passages as ``index --semantic`` writes them (title, caption, places, date), embedded in the processes
``index`` uses (two on two cores, one ONNX Runtime thread each) two ways, alternately, ``--rounds``
times: every passage encoded (``embed_each``, as before issue 18) and each distinct one once
(``embed``): records/s by the clock and per CPU-second of the processes, and the time for the whole
file at the rate of texts encoded (98,244 passages, 74,719 of them distinct) on two idle cores.

Storage: ``--storage`` writes 98,244 unit vectors (as many as FSA/OWI has records; random: the product's
cost does not depend on the values) and compares, alternately on the same queries, ways to search them:
memory-mapped (what 0.x did: a file cut short under it kills the process with SIGBUS), read into memory
(``read_matrix``, what a search does now), read with pread in blocks at every query (no copy kept), and float16
in memory with float32 accumulation: time to open, ms per exact search p50 / p95, and the process's private
(anonymous) and file-backed resident memory afterwards.

Queries: ``--queries N`` sampled from the real captions as ``bench.py`` samples them (one to three words,
phrases, misspellings), each searched for its top 10 on the same open index with semantic ranking off
(``Ranking(semantic_weight=0)``) and on, alternately, after ``--warmup`` unmeasured ones: p50 / p95 / p99
of each, and of the difference per query (what semantic ranking adds), by the clock and in CPU time of
the process (which other jobs on a shared machine sway less). Needs ``pip install -e
".[semantic,bench]"``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

from bench import make_queries
from ichigo_search import Index
from ichigo_search.corpus.record import Record
from ichigo_search.ranking import Ranking
from ichigo_search.semantic.model import DEFAULT_MODEL, resolve
from ichigo_search.semantic.vectors import embed, embed_each, passage, read_matrix

ROOT = Path(__file__).resolve().parents[1]
CAPTIONS = ROOT / "data" / "fsa-owi" / "captions.jsonl.gz"
FULL = 98_244


def cpu_seconds() -> float:
    """CPU time of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def embedding_rate(count: int, data: Path, model: str, rounds: int) -> str:
    import gzip

    with gzip.open(data, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    passages = []
    for row in rows:
        record = Record(id=row["id"], caption=row["caption"], title=row.get("title"), date=row.get("date"))
        passages.append(passage(record, row.get("places") or []))
    runs, length = 6, max(1, count // 6)
    texts = [text for run in range(runs) for text in passages[run * len(passages) // runs :][:length]]
    files = resolve(model)
    embed(files, texts[:50])  # the model's files read once before either way is timed
    lines = [
        f"{len(texts):,} passages of {runs} runs of consecutive records, {len(set(texts)):,} distinct; "
        f"the whole file {len(passages):,}, {len(set(passages)):,} distinct:"
    ]
    for _ in range(rounds):
        for name, way, whole in (("every", embed_each, len(passages)), ("distinct", embed, len(set(passages)))):
            encoded = len(texts) if way is embed_each else len(set(texts))
            started, cpu = time.perf_counter(), cpu_seconds()
            vectors = way(files, texts)
            wall, used = time.perf_counter() - started, cpu_seconds() - cpu
            assert vectors.shape == (len(texts), 384)
            lines.append(
                f"  {name:8} {len(texts) / wall:5,.0f} records/s, {len(texts) / used:5,.0f} per CPU-second "
                f"({encoded:,} texts encoded, {encoded / used:4,.0f} per CPU-second; {used / wall:.2f} cores busy, "
                f"load average {os.getloadavg()[0]:4.1f}); the whole file on two idle cores: "
                f"{whole / (2 * encoded / used) / 60:.1f} min"
            )
    return "\n".join(lines)


def resident() -> tuple[float, float]:
    """This process's resident memory in MB: private (anonymous) and file-backed (shareable) pages."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["RssAnon"].split()[0]) / 1024, int(fields["RssFile"].split()[0]) / 1024


def storage(rounds: int, dimension: int = 384) -> str:
    """Open and exact-search costs of the ways to hold 98,244 vectors (each way measured in its own process)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vectors.npy"
        rng = np.random.default_rng(7)
        matrix = rng.standard_normal((FULL, dimension), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        np.save(path, matrix)
        np.save(Path(folder) / "vectors16.npy", matrix.astype(np.float16))
        del matrix
        lines = [
            f"{FULL:,} x {dimension} vectors, {rounds} exact searches each (load average {os.getloadavg()[0]:.1f}):"
        ]
        results: dict[str, list[str]] = {}
        for _ in range(2):  # the ways alternate, twice, each in a fresh process (its own memory figures)
            for way in ("mmap", "read", "pread", "float16"):
                done = subprocess.run(
                    [sys.executable, __file__, "--storage-way", way, folder, str(rounds)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results.setdefault(way, []).append(done.stdout.strip())
        for way, figures in results.items():
            lines += [f"  {way:8} {figure}" for figure in figures]
        return "\n".join(lines)


def storage_way(way: str, folder: Path, rounds: int) -> str:
    """One way's figures (run in its own process by ``storage``)."""
    path = folder / ("vectors16.npy" if way == "float16" else "vectors.npy")
    rng = np.random.default_rng(11)
    queries = rng.standard_normal((rounds, 384), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    anon, file_backed = resident()
    started = time.perf_counter()
    if way == "mmap":
        matrix = np.load(path, mmap_mode="r")
    elif way == "read":
        matrix = read_matrix(path, FULL)
    elif way == "float16":
        matrix = np.load(path)
    opened = time.perf_counter() - started
    timings = []
    if way == "pread":
        rows = 8192
        with open(path, "rb") as handle:
            np.lib.format.read_array_header_1_0(handle) if np.lib.format.read_magic(handle) == (1, 0) else None
            offset = handle.tell()
        buffer = np.empty((rows, 384), dtype=np.float32)
        fd = os.open(path, os.O_RDONLY)
    for query in queries:
        t0 = time.perf_counter()
        if way == "pread":
            scores = np.empty(FULL, dtype=np.float32)
            for first in range(0, FULL, rows):
                count = min(rows, FULL - first)
                view = buffer[:count]
                os.preadv(fd, [memoryview(view).cast("B")], offset + first * 384 * 4)
                scores[first : first + count] = np.einsum("ij,j->i", view, query)
        elif way == "float16":
            scores = np.einsum("ij,j->i", matrix, query.astype(np.float16), dtype=np.float32)
        else:
            scores = np.einsum("ij,j->i", matrix, query)
        np.argpartition(-scores, 99)[:100]
        timings.append(time.perf_counter() - t0)
    after_anon, after_file = resident()
    p50, p95 = np.percentile(np.array(timings[5:]) * 1000, [50, 95])
    return (
        f"open {opened * 1000:6.1f} ms; search p50 {p50:6.2f} / p95 {p95:6.2f} ms; "
        f"resident +{after_anon - anon:5.0f} MB private, +{after_file - file_backed:5.0f} MB file-backed"
    )


def percentiles(values: list[float]) -> str:
    p50, p95, p99 = np.percentile(np.array(values) * 1000, [50, 95, 99])
    return f"{p50:6.2f} / {p95:6.2f} / {p99:6.2f}"


def query_overhead(index: Path, count: int, warmup: int, data: Path) -> str:
    texts = [q["text"] for q in make_queries(count + warmup, seed=7, data=data)]
    fused, plain = Index(index), Index(index, ranking=Ranking(semantic_weight=0))
    if fused._searcher_now() and fused._dense_now() is None:
        raise SystemExit(f"{index}: no record vectors; build it with `ichigo-search index --semantic`")
    started = time.perf_counter()
    fused.search("warmup")
    first = time.perf_counter() - started
    timings: dict[str, list[float]] = {"off": [], "on": []}
    cpu: dict[str, list[float]] = {"off": [], "on": []}  # the process's CPU time: less swayed by other jobs
    for i, text in enumerate(texts):
        for name, idx in (("off", plain), ("on", fused)) if i % 2 else (("on", fused), ("off", plain)):
            t0, c0 = time.perf_counter(), time.process_time()
            idx.search(text, limit=10)
            if i >= warmup:
                timings[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
    added = [on - off for on, off in zip(timings["on"], timings["off"], strict=True)]
    added_cpu = [on - off for on, off in zip(cpu["on"], cpu["off"], strict=True)]
    parts = semantic_parts(fused, texts[warmup:])
    return "\n".join(
        [
            f"first semantic query (model load, document rows): {first * 1000:.0f} ms",
            f"{len(added)} queries, top 10, ms p50 / p95 / p99 (load average {os.getloadavg()[0]:.1f}):",
            f"  semantic off  {percentiles(timings['off'])}   CPU {percentiles(cpu['off'])}",
            f"  semantic on   {percentiles(timings['on'])}   CPU {percentiles(cpu['on'])}",
            f"  added         {percentiles(added)}   CPU {percentiles(added_cpu)}",
            f"its parts, the same queries again (rows: {parts.pop('rows')}):",
            *(f"  {name:14} CPU {percentiles(values)}" for name, values in parts.items()),
        ]
    )


def semantic_parts(fused: Index, texts: list[str]) -> dict:
    """CPU time of the parts of semantic ranking, per query: encoding the query, the product over the distinct
    passages' vectors and over one row a record (as before issue 18), and ``nearest`` (encoding, product,
    selection of the 100 best)."""
    from ichigo_search.semantic.fusion import query_text

    searcher, dense = fused._searcher_now(), fused._dense_now()
    encoder, matrix = dense.encoder(), dense._matrix
    rows = dense.rows(searcher)
    every = matrix[rows[rows >= 0]]  # one row a record
    figures: dict = {"rows": f"{len(matrix):,} vectors for {len(rows):,} documents"}
    encode, product, product_every, nearest = [], [], [], []
    for text in texts:
        text = query_text(text)
        c0 = time.process_time()
        query = encoder.encode([text])[0]
        c1 = time.process_time()
        np.einsum("ij,j->i", matrix, query)
        c2 = time.process_time()
        dense.nearest(text, searcher, None, 100, 0.3)
        c3 = time.process_time()
        np.einsum("ij,j->i", every, query)
        c4 = time.process_time()
        encode.append(c1 - c0)
        product.append(c2 - c1)
        nearest.append(c3 - c2)
        product_every.append(c4 - c3)
    figures.update({"encode": encode, "product": product, "product, every": product_every, "nearest": nearest})
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an index built with `ichigo-search index --semantic`")
    parser.add_argument("--data", type=Path, default=CAPTIONS, help="gzipped corpus JSONL to draw captions from")
    parser.add_argument("--embed", type=int, default=0, help="embed this many captions (0: skip)")
    parser.add_argument("--rounds", type=int, default=2, help="with --embed: times each way is run, alternately")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--storage", type=int, default=0, metavar="N", help="compare vector storages, N searches each")
    parser.add_argument("--storage-way", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.storage_way:
        way, folder, rounds = args.storage_way
        print(storage_way(way, Path(folder), int(rounds)))
        return 0
    if args.storage:
        print(storage(args.storage))
    if args.embed:
        print(embedding_rate(args.embed, args.data, args.model, args.rounds))
    if args.index:
        print(query_overhead(args.index, args.queries, args.warmup, args.data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
