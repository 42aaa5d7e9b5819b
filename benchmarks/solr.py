"""ichigo-search's Solr engine beside its Whoosh engine, in one run: ingestion, queries, agreement, sizing.

    python benchmarks/solr.py --sizes 98244 [--sizes 98244,1000000] [--rounds 2] [--overlap 500]

bench.py's harness (its corpora of real captions, its query list, a fresh process for each
build and for each engine's warm queries), for two engines: ``ichigo`` (the embedded Whoosh
engine) and ``ichigo-solr`` (a SolrCloud of 2 nodes started from solr/ in one JVM, heap
``ICHIGO_SOLR_HEAP``, 2g unless set; or the cluster at ``ICHIGO_SOLR_URL``), collections of
``ICHIGO_SOLR_SHARDS`` shards (2) of one replica. Per size:

- ``--warm-builds`` Solr builds first (a fresh JVM compiles Solr's indexing code as it runs: its
  first build costs twice the CPU of later ones; a server that has run a while is what is compared),
  then builds alternate, Whoosh then Solr, ``--rounds`` times: seconds, captions/s, CPU seconds of
  the build's processes, and for Solr the cluster JVM's CPU seconds during the build (a cluster
  started here); each round's Solr/Whoosh rate ratio, as the machine's load drifts between rounds;
- with ``--before REV``, one more round: the Solr engine of git revision ``REV`` (its src/ exported,
  as ``bench.py --ref`` does), this tree's Solr engine and the Whoosh engine, back to back;
- warm queries, p50/p95 (top 10 with fragments), the same list for both engines (with ``--before REV``,
  first the Solr engine of ``REV`` on the same collection: query latency before/after);
- top-10 agreement on ``--overlap`` of the queries (words, phrases and misspellings sampled from
  the captions): the share of Whoosh's top 10 that Solr's holds, and how often the first hit is the same;
- sizing: index bytes per caption (Lucene files of one replica against Whoosh's folder), and the
  JVM heap a loaded, queried collection holds, per shard (heap used after a full GC, against the
  cluster's before any collection; a cluster started here, ``jcmd`` on PATH).

Writes ``solr.md`` and ``solr.json`` to ``--out`` (benchmarks/out/ by default).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import bench
import generate
from engines import Query, engine, solr_cluster

ENGINE_PAIR = ("ichigo", "ichigo-solr")
LABELS = {"ichigo": "Whoosh engine (embedded)", "ichigo-solr": "Solr engine (2-node SolrCloud)"}


def jvm_cpu(cluster: Any) -> float | None:
    """CPU seconds the cluster's JVM has used so far (None for a cluster not started here)."""
    if cluster is None:
        return None
    with open(f"/proc/{cluster.process.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def heap_used(cluster: Any) -> int | None:
    """Bytes of the cluster JVM's heap in use after a full GC (None without a cluster started here or jcmd)."""
    if cluster is None or shutil.which("jcmd") is None:
        return None
    from ichigo_search.engine.solr.client import SolrClient

    for _ in range(2):  # a second collection of what the first one freed
        subprocess.run(["jcmd", str(cluster.process.pid), "GC.run"], capture_output=True, check=True)
    time.sleep(1)
    info = SolrClient(cluster.url).get("/admin/info/system")
    return int(info["jvm"]["memory"]["raw"]["used"])


def agreement(whoosh_index: Path, solr_index: Path, queries: list[dict[str, str]]) -> dict[str, Any]:
    """How much of the Whoosh engine's top 10 the Solr engine's top 10 holds, query by query."""
    whoosh, solr = engine("ichigo"), engine("ichigo-solr")
    whoosh.open(whoosh_index)
    solr.open(solr_index)
    shares, same_first, both_empty, disagreeing = [], 0, 0, []
    for q in queries:
        query = Query.parse(q["text"])
        want = [ident for ident, _ in whoosh.search(query)]
        got = [ident for ident, _ in solr.search(query)]
        if not want and not got:
            both_empty += 1
            continue
        share = len(set(want) & set(got)) / max(len(want), len(got))
        shares.append(share)
        same_first += bool(want and got and want[0] == got[0])
        if share < 0.8:
            disagreeing.append({"query": q["text"], "share": round(share, 2)})
    whoosh.close()
    solr.close()
    return {
        "queries": len(queries),
        "compared": len(shares),
        "both_empty": both_empty,
        "mean_share": statistics.fmean(shares) if shares else 1.0,
        "same_first": same_first / len(shares) if shares else 1.0,
        "under_80": len(disagreeing),
        "worst": sorted(disagreeing, key=lambda d: d["share"])[:10],
    }


def measure_indexes(row: dict, index: dict[str, Path], queries: list, queries_file: Path, args, env: dict) -> None:
    """Warm queries of both engines, their top-10 agreement and their index bytes, into ``row``."""
    size = row["size"]
    if args.before:  # the same collection searched by the Solr engine of the earlier revision, first
        print(f"[{size:,}] ichigo-solr at {args.before}: warm queries", file=sys.stderr, flush=True)
        old_env, commit = revision_env(args, env)
        row["query_before"] = bench.bench_queries(
            "ichigo-solr", index["ichigo-solr"], queries_file, args.passes, args.warmup, old_env
        )
        row["query_before"]["revision"] = commit
    for name in ENGINE_PAIR:
        print(f"[{size:,}] {name}: warm queries", file=sys.stderr, flush=True)
        row.setdefault("query", {})[name] = bench.bench_queries(
            name, index[name], queries_file, args.passes, args.warmup, env
        )
    print(f"[{size:,}] top-10 agreement", file=sys.stderr, flush=True)
    row["agreement"] = agreement(index["ichigo"], index["ichigo-solr"], queries[: args.overlap])
    row["solr_index_bytes"] = engine("ichigo-solr").index_bytes(index["ichigo-solr"])
    row["whoosh_index_bytes"] = bench.folder_bytes(index["ichigo"])


def revision_env(args: argparse.Namespace, env: dict) -> tuple[dict, str]:
    """The environment of processes running revision ``args.before``'s src/ (exported), and its commit."""
    src, commit = bench.export_revision(args.before, args.out)
    bench.compile_bytecode([src])
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))}, commit


def build(name: str, corpus: Path, index: Path, env: dict) -> dict[str, Any]:
    """``bench.bench_build`` from scratch; for the Solr engine, the folder's alias and collections deleted first."""
    if name == "ichigo-solr":
        engine(name).forget(index)
    return bench.bench_build(name, corpus, index, env)


def before_round(args: argparse.Namespace, cluster: Any, corpus: Path, work: Path, size: int, env: dict) -> dict:
    """The Solr engine of revision ``args.before``, this tree's and the Whoosh engine, built back to back."""
    old_env, commit = revision_env(args, env)
    built: dict[str, Any] = {"revision": commit}
    for label, name, run_env in (
        ("solr_before", "ichigo-solr", old_env),
        ("solr_after", "ichigo-solr", env),
        ("whoosh", "ichigo", env),
    ):
        print(f"[{size:,}] before/after round: {label}", file=sys.stderr, flush=True)
        jvm_before = jvm_cpu(cluster)
        built[label] = build(name, corpus, work / f"solr-bench-{label}-{size}", run_env)
        if jvm_before is not None:
            built[label]["jvm_cpu"] = jvm_cpu(cluster) - jvm_before
        shutil.rmtree(work / f"solr-bench-{label}-{size}", ignore_errors=True)
    return built


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ)
    bench.compile_bytecode([bench.ROOT / "src", bench.BENCH.parent])
    queries = bench.make_queries(args.queries, args.seed, args.data)
    queries_file = args.out / "solr-queries.json"
    queries_file.write_text(json.dumps(queries, ensure_ascii=False, indent=0))
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": "python benchmarks/solr.py " + " ".join(args.argv),
        "machine": bench.machine(),
        "shards": int(os.environ.get("ICHIGO_SOLR_SHARDS", "2")),
        "heap": os.environ.get("ICHIGO_SOLR_HEAP", "2g"),
        "sizes": {},
    }
    with solr_cluster(True) as cluster:
        env["ICHIGO_SOLR_URL"] = os.environ["ICHIGO_SOLR_URL"]
        results["external_cluster"] = cluster is None
        baseline_heap = heap_used(cluster)
        work = args.out / "work"
        for size in args.sizes:
            corpus = bench.corpus_for(size, args.out, args.seed, args.data)
            row: dict[str, Any] = {"size": size, "builds": [], "load": [], "warm_builds": []}
            index = {name: work / f"solr-bench-{name}-{size}" for name in ENGINE_PAIR}
            for number in range(args.warm_builds):
                print(f"[{size:,}] warm-up build {number + 1} of the Solr engine", file=sys.stderr, flush=True)
                jvm_before = jvm_cpu(cluster)
                row["warm_builds"].append(build("ichigo-solr", corpus, index["ichigo-solr"], env))
                if jvm_before is not None:
                    row["warm_builds"][-1]["jvm_cpu"] = jvm_cpu(cluster) - jvm_before
            for round_number in range(args.rounds):
                built = {}
                for name in ENGINE_PAIR:
                    row["load"].append(os.getloadavg()[0])
                    print(f"[{size:,}] round {round_number + 1}: {name} build", file=sys.stderr, flush=True)
                    jvm_before = jvm_cpu(cluster)
                    built[name] = build(name, corpus, index[name], env)
                    if jvm_before is not None:
                        built[name]["jvm_cpu"] = jvm_cpu(cluster) - jvm_before
                row["builds"].append(built)
            if args.before:
                rounds = range(args.before_rounds)
                row["before"] = [before_round(args, cluster, corpus, work, size, env) for _ in rounds]
            if args.rounds:  # the last round's indexes: queries, agreement, sizing
                measure_indexes(row, index, queries, queries_file, args, env)
                loaded_heap = heap_used(cluster)
                if loaded_heap is not None and baseline_heap is not None:
                    row["heap_per_shard"] = (loaded_heap - baseline_heap) / results["shards"]
                    row["heap_loaded"], row["heap_baseline"] = loaded_heap, baseline_heap
            results["sizes"][str(size)] = row
            (args.out / "solr.json").write_text(json.dumps(results, indent=1))
            if not args.keep:
                for name in ENGINE_PAIR:
                    shutil.rmtree(index[name], ignore_errors=True)
                baseline_heap = heap_used(cluster)  # the collection stays until the next publish of its alias
    return results


def report(results: dict[str, Any]) -> str:
    """The markdown report: builds round by round, queries, agreement, sizing."""
    m = results["machine"]
    lines = [
        "# The Solr engine beside the Whoosh engine",
        "",
        f"- date: {results['date']}; command: `{results['command']}`",
        f"- machine: {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['cpu']}; shared and noisy: compare ratios "
        "within a round",
        f"- SolrCloud: {'the cluster at ICHIGO_SOLR_URL' if results['external_cluster'] else '2 nodes in one JVM'}"
        f" (heap {results['heap']}), collections of {results['shards']} shards × 1 replica",
        "",
        "## Index build",
        "",
        "| captions | round | engine | seconds | captions/s | CPU s (build processes) | CPU s (Solr JVM) "
        "| Solr ÷ Whoosh captions/s | load (1 min) |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, row in results["sizes"].items():
        n = int(size)
        for b in row.get("warm_builds", []):
            jvm = f"{b['jvm_cpu']:.1f}" if "jvm_cpu" in b else ""
            lines.append(
                f"| {n:,} | warm-up | {LABELS['ichigo-solr']} | {b['seconds']:.1f} | {n / b['seconds']:,.0f} "
                f"| {b['cpu']:.1f} | {jvm} | | |"
            )
        for number, built in enumerate(row["builds"], 1):
            ratio = built["ichigo"]["seconds"] / built["ichigo-solr"]["seconds"]
            for i, name in enumerate(ENGINE_PAIR):
                b = built[name]
                jvm = f"{b['jvm_cpu']:.1f}" if "jvm_cpu" in b else ""
                load = row["load"][2 * (number - 1) + i]
                lines.append(
                    f"| {n:,} | {number} | {LABELS[name]} | {b['seconds']:.1f} | {n / b['seconds']:,.0f} "
                    f"| {b['cpu']:.1f} | {jvm} | {f'{ratio:.2f}×' if name == 'ichigo-solr' else ''} | {load:.1f} |"
                )
    for size, row in results["sizes"].items():
        if not row.get("before"):
            continue
        n, revision = int(size), row["before"][0]["revision"]
        lines += ["", f"Before/after, back to back (the Solr engine at `{revision}`, then this tree's):", ""]
        lines += ["| captions | round | build | seconds | captions/s | CPU s (build processes) | CPU s (Solr JVM) |"]
        lines += ["| ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
        titles = {"solr_before": f"Solr engine at {revision}", "solr_after": "Solr engine, this tree"}
        for number, b in enumerate(row["before"], 1):
            for label, title in (*titles.items(), ("whoosh", LABELS["ichigo"])):
                m = b[label]
                jvm = f"{m['jvm_cpu']:.1f}" if "jvm_cpu" in m else ""
                lines.append(
                    f"| {n:,} | {number} | {title} | {m['seconds']:.1f} | {n / m['seconds']:,.0f} | {m['cpu']:.1f} "
                    f"| {jvm} |"
                )
    lines += [
        "",
        "## Warm queries (top 10 with fragments; the Solr engine over HTTP on loopback)",
        "",
        "| captions | engine | p50 ms | p95 ms | p99 ms | queries with hits |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    measured = {size: row for size, row in results["sizes"].items() if "query" in row}
    for size, row in measured.items():
        before = {"before": row["query_before"]} if "query_before" in row else {}
        for name, q in {**before, **row["query"]}.items():
            label = f"Solr engine at {q['revision']} (same collection)" if name == "before" else LABELS[name]
            lines.append(
                f"| {int(size):,} | {label} | {q['p50'] * 1000:.1f} | {q['p95'] * 1000:.1f} "
                f"| {q['p99'] * 1000:.1f} | {q['with_hits']} |"
            )
    lines += [
        "",
        "## Top-10 agreement with the Whoosh engine",
        "",
        "| captions | queries compared (both empty) | mean share of Whoosh's top 10 | same first hit | under 80% |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, row in measured.items():
        a = row["agreement"]
        lines.append(
            f"| {int(size):,} | {a['compared']} ({a['both_empty']}) | {a['mean_share']:.1%} | {a['same_first']:.1%} "
            f"| {a['under_80']} |"
        )
    lines += [
        "",
        "## Sizing",
        "",
        "| captions | Solr index bytes/caption (one replica) | Whoosh index bytes/caption | heap per shard MB "
        "(after GC, loaded and queried) |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for size, row in measured.items():
        n = int(size)
        heap = f"{row['heap_per_shard'] / 2**20:,.0f}" if "heap_per_shard" in row else "not measured"
        lines.append(f"| {n:,} | {row['solr_index_bytes'] / n:,.0f} | {row['whoosh_index_bytes'] / n:,.0f} | {heap} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="98244", help="comma-separated corpus sizes")
    parser.add_argument("--rounds", type=int, default=2, help="builds of each engine, alternating")
    parser.add_argument("--warm-builds", type=int, default=1, help="untimed Solr builds first (the JVM's JIT)")
    parser.add_argument("--before", help="also build with the Solr engine of this git revision (before/after)")
    parser.add_argument("--before-rounds", type=int, default=1, help="before/after build rounds (with --before)")
    parser.add_argument("--queries", type=int, default=600, help="queries in the warm-latency list")
    parser.add_argument("--passes", type=int, default=1, help="timed passes over the query list")
    parser.add_argument("--warmup", type=int, default=100, help="untimed queries first")
    parser.add_argument("--overlap", type=int, default=500, help="queries compared for top-10 agreement")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=generate.FSA_CAPTIONS, help="real captions (.jsonl.gz)")
    parser.add_argument("--keep", action="store_true", help="keep the indexes in OUT/work")
    parser.add_argument("--out", type=Path, default=bench.OUT)
    args = parser.parse_args(argv)
    args.argv = argv
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    text = report(run(args))
    (args.out / "solr.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"written: {args.out / 'solr.md'}, {args.out / 'solr.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
