"""Cold command-line queries, kind by kind: a whole ``ichigo-search query … --no-update`` process, before and after.

    python benchmarks/cold.py [--ref REV] [--repeats 15] [--index DIR --corpus DIR] [--before-index DIR]

The collection is the 98,244 FSA/OWI captions of ``bench.py`` plus the sample
(``src/ichigo_search/sample``), indexed once by each side's own code (an index
format may differ between them).  ``--ref REV`` is the "before": that revision's
``src/`` exported with ``git archive``; the "after" is the working tree.  Runs of
the two sides alternate, kind by kind, so both see the same load on a shared
machine.  For each kind of query (plain words, a place spelling, a typo, CJK, a
phrase, ``--facets``, ``--json``) it prints the median and fastest wall time of a
whole process, the median of its CPU time (user + system: less swayed by other
people's load than the wall time), and what ``python -X importtime`` counts for one run of it: the
modules imported and the sum of their import times.  With ``--ref``, every query is first run once on
each side as typed and with ``--json`` (ids, scores to the last digit, highlights, facets), and the
outputs and exit codes must be the same.  Bytecode is compiled first, as pip does on install (this
environment sets PYTHONDONTWRITEBYTECODE), and the exported side's data files that are byte for byte the
working tree's take their modification times: the facet columns' stamp holds for both sides then, so
that one index can serve both (``--index`` and ``--before-index`` the same folder) without the side whose
times differ hashing the gazetteer on every ``--facets`` (~16 ms).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import generate
from bench import ICHIGO_CLI, OUT, PYTHON, ROOT, compile_bytecode, corpus_for, export_revision

SAMPLE = ROOT / "src" / "ichigo_search" / "sample"
# Two queries of each kind a reader types; extra options after the text.
KINDS: dict[str, list[list[str]]] = {
    "plain words": [["migrant workers California"], ["tractor"]],
    "place spelling": [["Liuchow"], ["Kweilin airfield"]],
    "typo": [["Califronia"], ["Liuzhuo"]],
    "CJK": [["柳州"], ["一号作戦"]],
    "phrase": [['"cotton pickers"'], ['"general store"']],
    "--facets": [["migrant workers", "--facets"], ["church", "--facets"]],
    "--json": [["migrant workers", "--json"], ["Liuchow", "--json"]],
}


def collection(out: Path, data: Path) -> Path:
    """The 98,244 FSA/OWI captions plus the sample collection, in one corpus folder."""
    folder = out / "cold" / "corpus"
    if not (folder / ".done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(corpus_for(98_244, out, 7, data), folder, ignore=shutil.ignore_patterns(".done"))
        for path in SAMPLE.glob("*.yaml"):
            if path.name != "collection.yaml":
                shutil.copy(path, folder / path.name)
        (folder / ".done").write_text("")
    return folder


def same_times(src: Path) -> None:
    """Give the exported data files that equal the working tree's the working tree's modification times."""
    for mine in (ROOT / "src" / "ichigo_search" / "data").iterdir():
        theirs = src / "ichigo_search" / "data" / mine.name
        if theirs.is_file() and theirs.read_bytes() == mine.read_bytes():
            os.utime(theirs, ns=(mine.stat().st_atime_ns, mine.stat().st_mtime_ns))


def side_env(src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


def build(index: Path, corpus: Path, env: dict[str, str]) -> None:
    if not (index / "CURRENT").exists():
        print(f"indexing {corpus} into {index}", file=sys.stderr, flush=True)
        command = [ICHIGO_CLI, "index", "--quiet", "--corpus", str(corpus), "--index", str(index)]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def command(args: list[str], index: Path, corpus: Path, python: list[str] | None = None) -> list[str]:
    head = [*python, "-m", "ichigo_search"] if python else [ICHIGO_CLI]
    return [*head, "query", *args, "--no-update", "--index", str(index), "--corpus", str(corpus)]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process, in seconds.

    On a shared machine the wall time grows with the load (other processes take the cores); the
    CPU time is what the process itself needed, which the load changes much less.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()[-500:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def answers(sides: dict[str, tuple[dict[str, str], Path]], corpus: Path) -> tuple[int, list[str]]:
    """Each query of KINDS, as typed and with ``--json``, run on every side: how many, and those whose output or
    exit code differ between the sides."""
    asked, differ = 0, []
    for queries in KINDS.values():
        for query in queries:
            for args in (query, query if "--json" in query else [*query, "--json"]):
                seen = set()
                for env, index in sides.values():
                    done = subprocess.run(command(args, index, corpus), env=env, capture_output=True, text=True)
                    seen.add((done.returncode, done.stdout))
                asked += 1
                if len(seen) > 1:
                    differ.append(" ".join(args))
    return asked, differ


def imports(cmd: list[str], env: dict[str, str]) -> tuple[int, float]:
    """Modules a run imports and the sum of their own import times (seconds), from ``-X importtime``."""
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    own = [int(line.split("|")[0].split(":")[1]) for line in lines[1:]]  # the first is the header
    return len(own), sum(own) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", help="the 'before' revision (omit to measure the working tree alone)")
    parser.add_argument("--repeats", type=int, default=15, help="runs of each query on each side")
    parser.add_argument("--data", type=Path, default=generate.FSA_CAPTIONS, help="real captions (.jsonl.gz)")
    parser.add_argument("--corpus", type=Path, help="a corpus folder (default: 98,244 FSA/OWI + the sample)")
    parser.add_argument("--index", type=Path, help="the working tree's index (built if missing)")
    parser.add_argument("--before-index", type=Path, help="the --ref side's index (built if missing)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    corpus = args.corpus or collection(args.out, args.data)
    sides: dict[str, tuple[dict[str, str], Path]] = {}
    if args.ref:
        src, commit = export_revision(args.ref, args.out)
        compile_bytecode([src])
        same_times(src)
        env = side_env(src)
        sides[f"before ({commit})"] = (env, args.before_index or args.out / "cold" / f"index-{commit}")
    compile_bytecode([ROOT / "src"])
    sides["after (working tree)"] = (side_env(None), args.index or args.out / "cold" / "index-worktree")
    for env, index in sides.values():
        build(index, corpus, env)
    times: dict[tuple[str, str], list[tuple[float, float]]] = {(side, kind): [] for side in sides for kind in KINDS}
    for env, index in sides.values():  # one untimed run each: the page cache holds the index
        timed(command(KINDS["plain words"][0], index, corpus), env)
    if len(sides) > 1:
        asked, differ = answers(sides, corpus)
        print(f"answers: {asked - len(differ)} of {asked} queries the same on both sides", *differ, sep="\n  ")
    load = [os.getloadavg()[0]]
    for round_ in range(args.repeats):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
        for kind, queries in KINDS.items():
            query = queries[round_ % len(queries)]
            for side in order:
                env, index = sides[side]
                times[side, kind].append(timed(command(query, index, corpus), env))
    load.append(os.getloadavg()[0])
    print(f"cold `ichigo-search query … --no-update`, {args.repeats} runs per kind and side, alternating;")
    print(f"corpus {corpus}; load average {load[0]:.1f} at the start, {load[1]:.1f} at the end\n")
    header = " | ".join(f"{side} median / min s | CPU median s | imports (n, s)" for side in sides)
    print(f"| kind | {header} |")
    print("| --- |" + " ---: | ---: | --- |" * len(sides))
    for kind, queries in KINDS.items():
        cells = []
        for side, (env, index) in sides.items():
            walls = [wall for wall, _ in times[side, kind]]
            cpu = statistics.median(cpu for _, cpu in times[side, kind])
            count, seconds = imports(command(queries[0], index, corpus, [PYTHON, "-X", "importtime"]), env)
            cells += [f"{statistics.median(walls):.3f} / {min(walls):.3f}", f"{cpu:.3f}", f"{count}, {seconds:.3f}"]
        print(f"| {kind} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
