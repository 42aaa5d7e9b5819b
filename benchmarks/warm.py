"""Warm library queries in CPU time, before and after: bench.py's query list, one process per run, sides alternating.

    python benchmarks/warm.py --index DIR [--ref REV --before-index DIR] [--runs 3] [--slowest 0] [--rankings]

Each run opens the index in a fresh process with the library (``Index.search``, as ``bench.py``'s
warm row does), answers the first 100 queries untimed, then times each of the 600 with
``time.process_time`` (the CPU time of this process: on a shared machine the wall time mostly
measures other people's load) and with the wall clock. ``--ref REV`` runs that revision's
``src/`` (``git archive``) against ``--before-index`` (default: ``--index``; the index format must
then be the same). Prints p50 / p95 / p99 per run and side, and with ``--slowest N`` the N
slowest queries of the working tree's last run. With ``--rankings``, each process also records every
query's total and top 10 (ids and scores) after its timed pass, and the sides' are compared: a change
meant only for speed must leave them identical (the scores to the last bit).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import generate
from bench import OUT, PYTHON, compile_bytecode, export_revision, make_queries, percentile

HERE = Path(__file__).resolve().parent


def child(index: str, queries_file: str, warmup: int, rankings: str = "") -> None:
    """(In the subprocess.) Time every query of the list after ``warmup`` untimed ones; print JSON rows.

    With ``rankings`` (a file name), write each query's total and top 10 (id, score) there, untimed.
    """
    from engines import Query, engine

    queries = json.loads(Path(queries_file).read_text())
    parsed = [Query.parse(q["text"]) for q in queries]
    adapter = engine("ichigo")
    adapter.open(Path(index))
    for query in parsed[:warmup]:
        adapter.search(query)
    rows = []
    for query, meta in zip(parsed, queries, strict=True):
        cpu, wall = time.process_time(), time.perf_counter()
        adapter.search(query)
        rows.append([time.process_time() - cpu, time.perf_counter() - wall, meta["kind"], meta["text"]])
    if rankings:
        found = [adapter.index.search(query.text, limit=10) for query in parsed]
        ranked = [[r.total, [[hit.id, hit.score] for hit in r.hits]] for r in found]
        Path(rankings).write_text(json.dumps(ranked))
    adapter.close()
    print(json.dumps(rows))


def run(index: Path, queries_file: Path, warmup: int, env: dict[str, str], rankings: Path | None = None) -> list[list]:
    command = [PYTHON, str(Path(__file__)), "--child", str(index.resolve()), str(queries_file.resolve()), str(warmup)]
    command += [str(rankings.resolve())] if rankings else []
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=HERE)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(rows: list[list]) -> str:
    cpu = [row[0] * 1000 for row in rows]
    wall = [row[1] * 1000 for row in rows]
    figures = [percentile(values, p) for values in (cpu, wall) for p in (50, 95, 99)]
    return "CPU {:.2f} / {:.2f} / {:.2f} ms, wall {:.2f} / {:.2f} / {:.2f} ms".format(*figures)


def compare_rankings(files: list[Path], queries: list[dict[str, str]]) -> bool:
    """Print whether every run gave each query the same total and top 10 (ids and scores), and the first differences."""
    first, *others = [json.loads(file.read_text()) for file in files]
    differing = [
        (query["text"], mine, theirs)
        for other in others
        for query, mine, theirs in zip(queries, first, other, strict=True)
        if mine != theirs
    ]
    print(
        f"rankings: {len(queries) - len({text for text, _, _ in differing})} of {len(queries)} queries identical "
        f"in all {len(files)} runs (total and top 10, ids and scores)"
    )
    for text, mine, theirs in differing[:5]:
        print(f"  {text!r}: {mine} against {theirs}")
    return not differing


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2], int(argv[3]), *argv[4:5])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="an index of bench.py's 98,244 captions")
    parser.add_argument("--ref", help="the 'before' revision (omit to measure the working tree alone)")
    parser.add_argument("--before-index", type=Path, help="the --ref side's index (default: --index)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side")
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=generate.FSA_CAPTIONS, help="real captions (.jsonl.gz)")
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest queries (CPU) of the last run")
    parser.add_argument("--rankings", action="store_true", help="compare every query's total and top 10 between sides")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    queries_file = args.out / "warm-queries.json"
    queries_file.write_text(json.dumps(make_queries(args.queries, args.seed, args.data), ensure_ascii=False))
    sides: dict[str, tuple[dict[str, str], Path]] = {}
    if args.ref:
        src, commit = export_revision(args.ref, args.out)
        compile_bytecode([src])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")])))
        sides[f"before ({commit})"] = (env, args.before_index or args.index)
    compile_bytecode([HERE.parent / "src"])
    sides["after (working tree)"] = (dict(os.environ), args.index)
    for stale in args.out.glob("warm-rankings-*.json"):
        stale.unlink()
    load = [os.getloadavg()[0]]
    last: list[list] = []
    print(f"{args.queries} queries after {args.warmup} untimed, p50 / p95 / p99 per run")
    for number in range(args.runs):
        order = list(sides) if number % 2 == 0 else list(reversed(sides))
        for side in order:
            env, index = sides[side]
            rankings = args.out / f"warm-rankings-{number}-{side.split()[0]}.json" if args.rankings else None
            rows = run(index, queries_file, args.warmup, env, rankings)
            print(f"run {number + 1}, {side}: {summary(rows)}", flush=True)
            if side.startswith("after"):
                last = rows
    load.append(os.getloadavg()[0])
    print(f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end")
    if args.rankings:
        compare_rankings(sorted(args.out.glob("warm-rankings-*.json")), json.loads(queries_file.read_text()))
    for cpu, wall, kind, text in sorted(last, reverse=True)[: args.slowest]:
        print(f"{cpu * 1000:7.2f} {wall * 1000:7.2f}  {kind:9s} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
