"""Where ichigo-search spends its time: cProfile of a full index build and of warm queries.

    python benchmarks/profiling.py [--size 98244] [--phase build,query] [--out benchmarks/out]

Uses the corpus and query list ``bench.py`` made (``OUT/data/SIZE``,
``OUT/queries.json``; run bench.py first).  The build is profiled in one
process (ichigo-search's two-process writer is switched off, so every
function's cost is seen; the profile then covers all the CPU work the two
processes share).  Writes ``profile-PHASE.txt`` (functions by own time and by
cumulative time, and own time summed per module) and ``profile-PHASE.prof``
(for snakeviz or pstats).  To profile a revision rather than the working
tree, put its src/ first on PYTHONPATH (bench.py --ref exports it).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def module_of(filename: str) -> str:
    """A readable module name for a profiled function's file: ichigo_search.search, whoosh.matching, …"""
    path = filename.replace("\\", "/")
    for package in ("ichigo_search", "whoosh", "Stemmer", "yaml", "json"):
        marker = f"/{package}/"
        if marker in path:
            rest = path.split(marker, 1)[1].rsplit(".", 1)[0].replace("/", ".")
            parts = rest.split(".")
            return f"{package}." + ".".join(parts[:2] if package == "whoosh" else parts[:1])
    if filename.startswith("<") or filename == "~":
        return "builtins (C)"
    return "stdlib: " + Path(path).stem


def summary(profile: cProfile.Profile, wall: float, title: str, top: int = 30) -> str:
    """Top functions by own and cumulative time, and own time per module, as text."""
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    per_module: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        per_module[module_of(filename)] += tt
    lines = [f"# {title}", f"wall {wall:.2f} s under the profiler; profiled time {total:.2f} s", ""]
    lines.append("## own time per module")
    for module, seconds in sorted(per_module.items(), key=lambda kv: -kv[1])[:25]:
        lines.append(f"{seconds:9.2f} s {100 * seconds / total:6.1f} %  {module}")
    for order in ("tottime", "cumulative"):
        buffer = io.StringIO()
        pstats.Stats(profile, stream=buffer).sort_stats(order).print_stats(top)
        lines += ["", f"## top {top} functions by {order}", buffer.getvalue().split("\n", 6)[-1]]
    return "\n".join(lines)


def profile_build(corpus: Path, index_dir: Path, out: Path) -> None:
    """Profile ``Index.rebuild_from`` over the corpus in one process (the index is kept for the query phase)."""
    from ichigo_search import Index
    from ichigo_search import indexing as api

    api.PARALLEL_THRESHOLD = 10**12  # one process, so the profiler sees all the work
    shutil.rmtree(index_dir, ignore_errors=True)
    with Index(index_dir) as index:
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        report = index.rebuild_from(corpus)
        profile.disable()
        wall = time.perf_counter() - started
    title = f"ichigo-search full build, {report.added:,} captions, one process"
    write(profile, wall, title, out / "profile-build")


def profile_queries(corpus: Path, index_dir: Path, queries_file: Path, out: Path, passes: int = 1) -> None:
    """Profile warm queries (top 10 with fragments) after one unprofiled warm-up pass."""
    from ichigo_search import Index

    texts = [q["text"] for q in json.loads(queries_file.read_text())]
    with Index(index_dir) as index:
        index.update_from(corpus)  # builds it when the build phase did not run
        for text in texts:
            index.search(text, limit=10)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(passes):
            for text in texts:
                index.search(text, limit=10)
        profile.disable()
        wall = time.perf_counter() - started
    title = f"ichigo-search warm queries: {len(texts)} queries × {passes} passes, top 10 with fragments"
    write(profile, wall, title, out / "profile-query")


PY_SPY = Path(sys.executable).parent / "py-spy"
BUILD_SCRIPT = "import sys; from ichigo_search import Index; Index(sys.argv[2]).rebuild_from(sys.argv[1])"


def sample_parallel_build(corpus: Path, out: Path) -> None:
    """Sample the real (two-writer-process) build with py-spy; summarise samples per process and function."""
    if not PY_SPY.exists():
        print("py-spy is not installed (pip install -e '.[bench]')", file=sys.stderr)
        return
    raw = out / "pyspy-build.txt"
    index = out / "work" / "pyspy-index"
    shutil.rmtree(index, ignore_errors=True)
    cmd = [str(PY_SPY), "record", "--subprocesses", "--format", "raw", "--rate", "50", "-o", str(raw)]
    started = time.perf_counter()
    subprocess.run([*cmd, "--", sys.executable, "-c", BUILD_SCRIPT, str(corpus), str(index)], check=True)
    wall = time.perf_counter() - started
    shutil.rmtree(index, ignore_errors=True)
    text = summarise_py_spy(raw, wall)
    (out / "pyspy-build-summary.txt").write_text(text + "\n", encoding="utf-8")
    print(text)


# Where a sample of the build is, by the first of these found in its stack. Both processes run the
# same pipeline (engine.whoosh.writer.write_documents): the parent reads the corpus, then each writes half of it.
STAGES = (
    ("read and validate the corpus (parent)", ("read_corpus (", "load_corpus (")),
    ("records parsed again from their lines", ("__getitem__ (",)),
    ("locate (gazetteer look-ups, place spans)", ("locate (",)),
    ("to_document other (JSON of the record, content hash)", ("to_document (",)),
    ("segment writing at the end (terms sorted, Whoosh blocks)", ("_finalize_segment (",)),
    ("analysis (term positions)", ("ichigo_search/text/analysis.py", "ichigo_search/engine/whoosh/schema.py")),
    ("Whoosh per-document writer (stored fields, lengths, columns)", ("whoosh/",)),
    ("postings gathered in memory (writer.py)", ("ichigo_search/engine/whoosh/writer.py",)),
)


def summarise_py_spy(raw: Path, wall: float) -> str:
    """py-spy merges the processes into one name: tell them apart by stack (the second one runs bulk._worker)."""
    per_stage: dict[str, int] = defaultdict(int)
    per_leaf: dict[str, int] = defaultdict(int)
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        worker = any(f.startswith("_worker (") for f in frames)
        stage = "other (waiting, forking, table of contents)"
        for label, needles in STAGES:
            if any(n in f for f in frames for n in needles):
                stage = label
                break
        per_stage[stage] += int(count)
        per_leaf[("worker | " if worker else "parent | ") + frames[-1]] += int(count)
    total = sum(per_stage.values()) or 1
    lines = [f"# py-spy, the real two-process build ({wall:.0f} s wall, {total:,} busy samples at 50 Hz)", ""]
    lines += ["## samples per stage (all processes)"]
    lines += [f"{n:8,} {100 * n / total:5.1f} %  {k}" for k, n in sorted(per_stage.items(), key=lambda kv: -kv[1])]
    lines += ["", "## top 30 leaf functions"]
    lines += [f"{n:8,} {100 * n / total:5.1f} %  {k}" for k, n in sorted(per_leaf.items(), key=lambda kv: -kv[1])[:30]]
    return "\n".join(lines)


def write(profile: cProfile.Profile, wall: float, title: str, stem: Path) -> None:
    profile.dump_stats(str(stem.with_suffix(".prof")))
    text = summary(profile, wall, title)
    stem.with_suffix(".txt").write_text(text, encoding="utf-8")
    print(text[: text.find("## top")])
    print(f"written: {stem}.txt and .prof", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=98_244)
    parser.add_argument(
        "--phase", default="build,query", help="comma-separated: build, query, py-spy (the real two-process build)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    corpus = args.out / "data" / str(args.size)
    queries = args.out / "queries.json"
    if not (corpus / ".done").exists() or not queries.exists():
        parser.error(f"run benchmarks/bench.py first: {corpus} or {queries} is missing")
    phases = args.phase.split(",")
    index = args.out / "work" / f"profile-index-{args.size}"
    if "build" in phases:
        profile_build(corpus, index, args.out)
    if "query" in phases:
        profile_queries(corpus, index, queries, args.out)
    if "py-spy" in phases:
        sample_parallel_build(corpus, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
