"""Speed of ichigo-search against SQLite FTS5, tantivy and plain Whoosh, on the same captions in one run.

    python benchmarks/bench.py --sizes 10000,98244 [--sizes 10000,98244,1000000] [--ref HEAD] [--data FILE]

For every corpus size (the real captions in a seeded order: the 98,244 FSA/OWI
captions of data/fsa-owi/captions.jsonl.gz, or with ``--data`` a gzipped corpus
JSONL of your own; topped up by ``generate.py``'s recombined captions beyond
them) and every engine:

- full index build, each in a fresh subprocess: seconds, captions/s, peak
  memory (the build process's own peak RSS from /proc, and the sampled peak
  of the whole process tree's PSS, which counts ichigo-search's two writer
  processes together), index bytes;
- warm query latency p50/p95/p99 over the same query list for every engine
  (words, phrases and misspellings sampled from real captions), top 10 with a
  highlighted fragment each;
- cold command-line query: wall time of a whole ``ichigo-search query …
  --no-update --index X`` process, and for the peers a Python process that
  opens the index and prints ten hits with fragments (``engines.py``); median;
- for ichigo-search, on the size nearest 98,244: incremental ``ichigo-search
  index`` after editing one caption and after adding a file of 100 captions.

Ratios are computed pair by pair within the run (the machine is shared and
noisy, so only ratios from one run compare).  Writes ``results.md``,
``results.json`` and ``bench.png`` to ``--out`` (default benchmarks/out/).
``--ref REV`` benchmarks a git revision (exported with ``git archive``)
instead of the working tree, which other people may be editing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import generate
from engines import ENGINES, LABELS, Query, engine

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve()
OUT = ROOT / "benchmarks" / "out"
PYTHON = sys.executable
ICHIGO_CLI = str(Path(sys.executable).parent / "ichigo-search")
UPDATE_SIZE = 98_244
# Update rounds start this far apart: ichigo-search re-reads a file modified in the last 3 s (its
# timestamp may not show a second change), and a user's edits are not that close together.
UPDATE_PAUSE = 4.0
MB = 1024 * 1024
_WORD_RE = re.compile(r"[A-Za-z]{3,}")
_TOKEN_RE = re.compile(r"\w+")
QUERY_STOP = frozenset(
    """a an and are as at be but by for from has had have he her his in into is it its of on or she that the their
    there these they this those to was were will with who which when where while not quot amp""".split()
)
QUERY_KINDS = {"1 word": 40, "2 words": 20, "3 words": 12, "phrase": 18, "no hits": 10}


# -- data ----------------------------------------------------------------------


def corpus_for(size: int, out: Path, seed: int, data: Path) -> Path:
    """The benchmark corpus of ``size`` records from the real captions ``data``, generated once and reused.

    A corpus is marked complete by its ``.done`` file.
    """
    folder = out / "data" / str(size)
    marker = folder / ".done"
    want = {"size": size, "seed": seed, "data": str(data.resolve())}
    if marker.exists() and json.loads(marker.read_text()) == want:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    print(f"generating {size:,} captions into {folder}", file=sys.stderr)
    generate.write_corpus(generate.generate(size, seed, real=generate.read_real(data)), folder)
    marker.write_text(json.dumps(want))
    return folder


def make_queries(count: int, seed: int, data: Path) -> list[dict[str, str]]:
    """Queries users type, sampled from the real captions: words of one caption, phrases, misspellings."""
    rng = random.Random(seed)
    captions = [r["caption"] for r in generate.read_real(data)]
    vocabulary = {w.lower() for c in captions for w in _TOKEN_RE.findall(c)}
    kinds = rng.choices(list(QUERY_KINDS), weights=list(QUERY_KINDS.values()), k=count)
    queries = []
    for kind in kinds:
        while True:
            words = [w for w in _WORD_RE.findall(rng.choice(captions)) if w.lower() not in QUERY_STOP]
            if kind == "phrase":
                text = _phrase(rng, rng.choice(captions))
            elif kind == "no hits":
                text = _misspelling(rng, words, vocabulary)
            else:
                n = int(kind[0])
                picked = sorted(rng.sample(range(len(words)), n)) if len(words) >= n else []
                text = " ".join(words[i] for i in picked)
            if text:
                queries.append({"kind": kind, "text": text})
                break
    return queries


def _phrase(rng: random.Random, caption: str) -> str:
    """Two or three adjacent words of a caption, quoted; empty when none qualify."""
    tokens = caption.split()
    n = rng.choice((2, 3))
    if len(tokens) < n:
        return ""
    start = rng.randrange(len(tokens) - n + 1)
    words = [t.strip(".,;:()\"'") for t in tokens[start : start + n]]
    if not all(w.isalpha() for w in words) or words[0].lower() in QUERY_STOP or words[-1].lower() in QUERY_STOP:
        return ""
    return '"' + " ".join(words) + '"'


def _misspelling(rng: random.Random, words: list[str], vocabulary: set[str]) -> str:
    """A word no caption contains: a real word with letters scrambled beyond any one typo."""
    if not words:
        return ""
    letters = list(rng.choice(words).lower() + "qz")
    rng.shuffle(letters)
    word = "".join(letters)
    return "" if word in vocabulary else word


# -- measuring in subprocesses ---------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _pss_kb(pid: int) -> int:
    """Proportional set size of a process (its share of shared pages), falling back to RSS."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


class TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and all its descendants; keeps the peak (bytes).

    Every ``interval`` seconds, or less often when sampling is slow: the kernel walks every page
    of a process to sum its PSS (21 ms for a 1.4 GB Python heap), and sampling two such writer
    processes ten times a second would take 40% of a core from the two cores they use, where a
    one-process peer leaves a core free. The pause is at least ``COST_SHARE`` times the time a
    sample took, so the sampler uses at most about 2% of a core.
    """

    COST_SHARE = 50

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            started = time.perf_counter()
            pids, todo = [], [self.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo += _children(pid)
            self.peak = max(self.peak, 1024 * sum(_pss_kb(p) for p in pids))
            self._done.wait(max(self.interval, self.COST_SHARE * (time.perf_counter() - started)))

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def peak_rss() -> int:
    """This process's own peak RSS in bytes (VmHWM).

    Not ``getrusage``: its ``ru_maxrss`` survives exec, so a child started by
    a big parent reports at least the parent's size.
    """
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


@dataclass
class Measured:
    """A finished subprocess: its JSON answer, wall seconds, memory peaks (bytes) and CPU seconds (user + system,
    its own and its children's)."""

    answer: dict[str, Any]
    wall: float
    max_rss: int
    tree_peak: int
    cpu: float


def measure(args: list[str], env: dict[str, str], cwd: Path | None = None) -> Measured:
    """Run ``bench.py _<command> …`` in a fresh process; it answers its own peak RSS, we sample its tree's PSS."""
    handle, name = tempfile.mkstemp(prefix="ichigo-bench-", suffix=".json")
    os.close(handle)
    answer_file = Path(name)
    started = time.perf_counter()
    proc = subprocess.Popen([PYTHON, str(BENCH), *args, str(answer_file)], env=env, cwd=cwd)
    sampler = TreeMemory(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)  # the rusage of the process and of the children it waited for
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    tree_peak = sampler.stop()
    if proc.returncode != 0:
        answer_file.unlink(missing_ok=True)
        raise RuntimeError(f"{' '.join(args)} failed with exit code {proc.returncode}")
    answer = json.loads(answer_file.read_text())
    answer_file.unlink()
    rss = answer.pop("peak_rss")
    return Measured(answer, wall, rss, max(tree_peak, rss), usage.ru_utime + usage.ru_stime)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def child_build(name: str, corpus: str, index: str, answer: str) -> None:
    """(In the subprocess.) Build one engine's index from scratch; answer the seconds it took."""
    started = time.perf_counter()
    engine(name).build(Path(corpus), Path(index))
    seconds = time.perf_counter() - started
    Path(answer).write_text(json.dumps({"seconds": seconds, "peak_rss": peak_rss()}))


def child_queries(name: str, index: str, queries_file: str, passes: str, warmup: str, answer: str) -> None:
    """(In the subprocess.) Open the index, run the first ``warmup`` queries untimed, then time ``passes`` passes."""
    texts = [q["text"] for q in json.loads(Path(queries_file).read_text())]
    queries = [Query.parse(t) for t in texts]
    adapter = engine(name)
    started = time.perf_counter()
    adapter.open(Path(index))
    open_seconds = time.perf_counter() - started
    for q in queries[: int(warmup)]:
        adapter.search(q)
    hits: list[int] = []
    timings: list[float] = []
    for _ in range(int(passes)):
        for q in queries:
            t0 = time.perf_counter()
            found = adapter.search(q)
            timings.append(time.perf_counter() - t0)
            assert all(fragment for _, fragment in found), f"{name}: a hit without a fragment for {q.text!r}"
            hits.append(len(found))
    hits = hits[: len(queries)]
    adapter.close()
    answered = {"open_seconds": open_seconds, "timings": timings, "hits": hits, "peak_rss": peak_rss()}
    Path(answer).write_text(json.dumps(answered))


def child_find(index: str, word: str, ident: str, answer: str) -> None:
    """(In the subprocess.) Whether ichigo-search finds record ``ident`` for ``word``."""
    adapter = engine("ichigo")
    adapter.open(Path(index))
    found = any(hit_id == ident for hit_id, _ in adapter.search(Query.parse(word), limit=50))
    Path(answer).write_text(json.dumps({"found": found, "peak_rss": peak_rss()}))


# -- the benchmark ------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def bench_build(name: str, corpus: Path, index: Path, env: dict[str, str]) -> dict[str, Any]:
    shutil.rmtree(index, ignore_errors=True)
    m = measure(["_build", name, str(corpus), str(index)], env)
    return {
        "seconds": m.answer["seconds"],
        "wall": m.wall,
        "max_rss": m.max_rss,
        "tree_peak": m.tree_peak,
        "index_bytes": folder_bytes(index),
        "cpu": m.cpu,
    }


def bench_queries(
    name: str, index: Path, queries_file: Path, passes: int, warmup: int, env: dict[str, str]
) -> dict[str, Any]:
    m = measure(["_queries", name, str(index), str(queries_file), str(passes), str(warmup)], env)
    timings = m.answer["timings"]
    return {
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
        "p99": percentile(timings, 99),
        "mean": statistics.fmean(timings),
        "samples": len(timings),
        "with_hits": sum(1 for h in m.answer["hits"] if h),
        "open_seconds": m.answer["open_seconds"],
        "serve_rss": m.max_rss,
    }


def cold_command(name: str, index: Path, corpus: Path, text: str) -> list[str]:
    """The whole-process query command for an engine."""
    if name == "ichigo":
        return [ICHIGO_CLI, "query", text, "--no-update", "--index", str(index), "--corpus", str(corpus)]
    return [PYTHON, str(BENCH.parent / "engines.py"), name, str(index), text]


def timed_run(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()[-500:]}")
    return seconds


def bench_cold(
    name: str, index: Path, corpus: Path, texts: list[str], repeats: int, env: dict[str, str], cwd: Path
) -> dict[str, Any]:
    """Median wall time of whole query processes over ``texts`` × ``repeats`` (one untimed run first)."""
    timed_run(cold_command(name, index, corpus, texts[0]), env, cwd)
    times = [timed_run(cold_command(name, index, corpus, t), env, cwd) for _ in range(repeats) for t in texts]
    return {"median": statistics.median(times), "min": min(times), "runs": len(times)}


def edit_caption(part: Path, line: int, marker: str) -> str:
    """Append ``marker`` to one record's caption in a corpus file, after the update pause; its id."""
    lines = part.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[line])
    record["caption"] += f" {marker}"
    lines[line] = json.dumps(record, ensure_ascii=False)
    time.sleep(UPDATE_PAUSE)
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return record["id"]


def bench_update(corpus: Path, work: Path, repeats: int, env: dict[str, str], seed: int, data: Path) -> dict[str, Any]:
    """ichigo-search index: full, unchanged, one caption edited, one file of 100 captions added."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(corpus, work / "corpus")
    corpus, index = work / "corpus", work / "index"
    cli = [ICHIGO_CLI, "index", "--corpus", str(corpus), "--index", str(index), "--quiet"]
    result: dict[str, Any] = {"full": timed_run(cli, env, work)}
    result["unchanged"] = [timed_run(cli, env, work) for _ in range(repeats)]
    parts = sorted(corpus.glob("part-*.jsonl"))
    rng = random.Random(seed)
    result["edit"], result["edit_found"] = [], []
    for round_ in range(repeats):
        part = parts[round_ % len(parts)]
        marker = f"benchedit{'abcdefghij'[round_ % 10]}marker"
        ident = edit_caption(part, rng.randrange(len(part.read_text(encoding="utf-8").splitlines())), marker)
        result["edit"].append(timed_run(cli, env, work))
        result["edit_found"].append(measure(["_find", str(index), marker, ident], env).answer["found"])
    pools = generate.build_pools(generate.read_real(data))
    result["add100"], result["add100_found"] = [], []
    for round_ in range(repeats):
        records = [generate.synthetic_record(rng, pools, f"bench-add-{round_}-{i:03d}") for i in range(100)]
        marker = f"benchadd{'abcdefghij'[round_ % 10]}marker"
        records[0]["caption"] += f" {marker}"
        time.sleep(UPDATE_PAUSE)
        generate.write_corpus(records, corpus / f"added-{round_}.jsonl")
        result["add100"].append(timed_run(cli, env, work))
        result["add100_found"].append(measure(["_find", str(index), marker, records[0]["id"]], env).answer["found"])
    # What a user sees most: edit, then query without --no-update (the query updates the index first).
    edit_caption(parts[-1], 0, "benchqueryupdatemarker")
    query = [ICHIGO_CLI, "query", "benchqueryupdatemarker", "--index", str(index), "--corpus", str(corpus)]
    result["edit_then_query"] = timed_run(query, env, work)
    shutil.rmtree(work, ignore_errors=True)
    return result


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, software versions."""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"MemTotal:\s+(\d+)", meminfo)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "cpu": model.group(1).strip() if model else platform.processor(),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def versions(env: dict[str, str]) -> dict[str, str]:
    """Versions of the engines as the subprocesses see them."""
    code = (
        "import json, sqlite3, importlib.metadata as m, ichigo_search, whoosh;"
        "print(json.dumps({'ichigo_search': ichigo_search.__file__, 'whoosh': whoosh.versionstring(),"
        "'tantivy': m.version('tantivy'), 'sqlite': sqlite3.sqlite_version}))"
    )
    return json.loads(subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)


def export_revision(rev: str, out: Path) -> tuple[Path, str]:
    """``git archive`` the revision's src/ into the output folder; returns (src folder, commit)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = out / f"src-{commit}"
    if not (target / "src" / "ichigo_search").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit, "src"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src", commit


def compile_bytecode(folders: list[Path]) -> None:
    """Write the .pyc files of the code under test, as pip does when it installs a package.

    Otherwise, with PYTHONDONTWRITEBYTECODE set, every cold process would compile
    ichigo-search's modules again (~40 ms) while the peers' libraries load compiled.
    """
    subprocess.run([PYTHON, "-m", "compileall", "-q", *map(str, folders)], check=True, stdout=subprocess.DEVNULL)


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ)
    source = "working tree"
    if args.ref:
        src, commit = export_revision(args.ref, args.out)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
        source = f"git {commit} ({args.ref})"
    else:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True)
        source = f"working tree at {commit}" + (" with uncommitted changes in src/" if dirty.stdout.strip() else "")
    compile_bytecode([Path(src) if args.ref else ROOT / "src", BENCH.parent])
    queries = make_queries(args.queries, args.seed, args.data)
    queries_file = args.out / "queries.json"
    queries_file.write_text(json.dumps(queries, ensure_ascii=False, indent=0))
    cold_texts = [next(q["text"] for q in queries if q["kind"] == kind) for kind in ("2 words", "1 word", "phrase")]
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": "python benchmarks/bench.py " + " ".join(args.argv),
        "machine": machine(),
        "versions": versions(env),
        "ichigo_source": source,
        "queries": {
            "count": len(queries),
            "passes": args.passes,
            "warmup": args.warmup,
            "kinds": QUERY_KINDS,
            "cold": cold_texts,
        },
        "load": [],
        "sizes": {},
    }
    work = args.out / "work"
    for size in args.sizes:
        corpus = corpus_for(size, args.out, args.seed, args.data)
        per_engine: dict[str, Any] = {}
        for name in args.engines:
            index = work / f"{name}-{size}"
            results["load"].append(os.getloadavg()[0])
            print(f"[{size:,}] {LABELS[name]}: build", file=sys.stderr, flush=True)
            row = {"build": bench_build(name, corpus, index, env)}
            print(f"[{size:,}] {LABELS[name]}: warm queries", file=sys.stderr, flush=True)
            row["query"] = bench_queries(name, index, queries_file, args.passes, args.warmup, env)
            print(f"[{size:,}] {LABELS[name]}: cold queries", file=sys.stderr, flush=True)
            row["cold"] = bench_cold(name, index, corpus, cold_texts, args.cold_repeats, env, work)
            per_engine[name] = row
            if not args.keep:
                shutil.rmtree(index, ignore_errors=True)
            print(f"[{size:,}] {LABELS[name]}: {json.dumps(row)}", file=sys.stderr, flush=True)
        results["sizes"][str(size)] = per_engine
        (args.out / "results.json").write_text(json.dumps(results, indent=1))
    update_size = min(args.sizes, key=lambda s: abs(s - UPDATE_SIZE))
    if "ichigo" in args.engines and not args.skip_update:
        print(f"[{update_size:,}] ichigo-search: incremental updates", file=sys.stderr, flush=True)
        corpus = corpus_for(update_size, args.out, args.seed, args.data)
        results["update"] = bench_update(corpus, work / "update", args.update_repeats, env, args.seed, args.data)
        results["update"]["size"] = update_size
    results["load"].append(os.getloadavg()[0])
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    return results


# -- the report -----------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / MB:,.0f}"


def _ms(s: float) -> str:
    return f"{s * 1000:.2f}" if s < 0.1 else f"{s * 1000:.0f}"


def _x(ratio: float) -> str:
    return f"{ratio:.2f}×"


def ratios(results: dict[str, Any]) -> list[dict[str, Any]]:
    """ichigo-search against each peer, size by size; every ratio > 1 means ichigo-search is better."""
    rows = []
    for size, per in results["sizes"].items():
        if "ichigo" not in per:
            continue
        me = per["ichigo"]
        for peer, them in per.items():
            if peer == "ichigo":
                continue
            rows.append(
                {
                    "size": int(size),
                    "peer": peer,
                    "build speed": them["build"]["seconds"] / me["build"]["seconds"],
                    "build CPU": them["build"]["cpu"] / me["build"]["cpu"] if "cpu" in me["build"] else None,
                    "peak memory": them["build"]["tree_peak"] / me["build"]["tree_peak"],
                    "index size": them["build"]["index_bytes"] / me["build"]["index_bytes"],
                    "p50": them["query"]["p50"] / me["query"]["p50"],
                    "p95": them["query"]["p95"] / me["query"]["p95"],
                    "p99": them["query"]["p99"] / me["query"]["p99"],
                    "cold CLI": them["cold"]["median"] / me["cold"]["median"],
                }
            )
    return rows


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """The project's speed targets: (target, what was measured, met?); None when not measured."""
    sizes = results["sizes"]
    mid = sizes.get("98244", {})
    big = sizes.get("1000000", {})
    me = mid.get("ichigo")
    out: list[tuple[str, str, bool | None]] = []

    def add(label: str, measured: str, ok: bool | None) -> None:
        out.append((label, measured, ok))

    if me:
        build_rate = 98244 / me["build"]["seconds"]
        if "whoosh" in mid:
            rate = 98244 / mid["whoosh"]["build"]["seconds"]
            add(
                "98k build ≥ 2× plain Whoosh captions/s",
                f"{build_rate:,.0f} vs {rate:,.0f}/s = {build_rate / rate:.2f}×",
                build_rate >= 2 * rate,
            )
        add(
            "98k build peak memory ≤ 600 MB",
            f"{_mb(me['build']['tree_peak'])} MB",
            me["build"]["tree_peak"] <= 600 * MB,
        )
        q = me["query"]
        add("98k warm query p50 ≤ 2 ms", f"{_ms(q['p50'])} ms", q["p50"] <= 0.002)
        add("98k warm query p95 ≤ 8 ms", f"{_ms(q['p95'])} ms", q["p95"] <= 0.008)
        if "whoosh" in mid:
            w = mid["whoosh"]["query"]
            add(
                "98k warm query faster than plain Whoosh (p50 and p95)",
                f"p50 {_ms(q['p50'])} vs {_ms(w['p50'])} ms, p95 {_ms(q['p95'])} vs {_ms(w['p95'])} ms",
                q["p50"] < w["p50"] and q["p95"] < w["p95"],
            )
        if "fts5" in mid:
            f = mid["fts5"]["query"]
            add("98k warm query p95 below FTS5's p95", f"{_ms(q['p95'])} vs {_ms(f['p95'])} ms", q["p95"] < f["p95"])
        add("98k CLI cold query ≤ 0.25 s", f"{me['cold']['median']:.3f} s", me["cold"]["median"] <= 0.25)
    update = results.get("update")
    if update and update["size"] == 98244:
        edit = statistics.median(update["edit"])
        found = all(update["edit_found"])
        add(
            "one-caption edit searchable ≤ 1 s after `ichigo-search index` starts",
            f"{edit:.2f} s (median of {len(update['edit'])}){'' if found else ', NOT found afterwards'}",
            edit <= 1.0 and found,
        )
    else:
        add("one-caption edit searchable ≤ 1 s after `ichigo-search index` starts", "not measured at 98k", None)
    mine = big.get("ichigo")
    if mine and me:
        factor = mine["build"]["seconds"] / me["build"]["seconds"]
        add("1M build time ≤ 12× the 98k time", f"{factor:.1f}×", factor <= 12)
        add("1M warm query p95 ≤ 40 ms", f"{_ms(mine['query']['p95'])} ms", mine["query"]["p95"] <= 0.040)
        add(
            "1M build peak memory ≤ 2 GB",
            f"{_mb(mine['build']['tree_peak'])} MB",
            mine["build"]["tree_peak"] <= 2048 * MB,
        )
    else:
        for label in ("1M build time ≤ 12× the 98k time", "1M warm query p95 ≤ 40 ms", "1M build peak memory ≤ 2 GB"):
            add(label, "not measured (run with --sizes …,1000000)", None)
    return out


def report(results: dict[str, Any]) -> str:
    """The markdown report."""
    m, v = results["machine"], results["versions"]
    q = results["queries"]
    lines = [
        "# ichigo-search benchmarks",
        "",
        f"- date: {results['date']}",
        f"- machine: {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['cpu']}; {m['os']}; Python {m['python']}",
        f"- ichigo-search: {results['ichigo_source']}; whoosh {v['whoosh']}, tantivy {v['tantivy']}, "
        f"SQLite {v['sqlite']}",
        f"- command: `{results['command']}`",
        f"- load average (1 min) seen before each engine's turn: {min(results['load']):.1f}–"
        f"{max(results['load']):.1f} on {m['cores']} cores (the machine is shared: compare ratios within one run)",
        f"- queries: {q['count']} ({', '.join(f'{k} {w}%' for k, w in q['kinds'].items())}), sampled from real "
        f"captions, the same list for every engine; top 10 with a highlighted fragment each",
        "",
        "## Index build (fresh process each)",
        "",
        "| captions | engine | seconds | captions/s | CPU s (all processes) | peak RSS MB (largest process) "
        "| peak memory MB (process tree) | index MB |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, per in results["sizes"].items():
        for name, row in per.items():
            b = row["build"]
            cpu = f"{b['cpu']:.1f}" if "cpu" in b else ""  # results.json of runs before it was measured
            lines.append(
                f"| {int(size):,} | {LABELS[name]} | {b['seconds']:.1f} | {int(size) / b['seconds']:,.0f} | {cpu} "
                f"| {_mb(b['max_rss'])} | {_mb(b['tree_peak'])} | {_mb(b['index_bytes'])} |"
            )
    lines += [
        "",
        f"## Warm queries ({q['count']} queries × {q['passes']} timed pass(es), after {q['warmup']} untimed)",
        "",
        "| captions | engine | p50 ms | p95 ms | p99 ms | mean ms | queries with hits | open index ms "
        "| peak RSS MB of the query process |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, per in results["sizes"].items():
        for name, row in per.items():
            r = row["query"]
            lines.append(
                f"| {int(size):,} | {LABELS[name]} | {_ms(r['p50'])} | {_ms(r['p95'])} | {_ms(r['p99'])} "
                f"| {_ms(r['mean'])} | {r['with_hits']} | {r['open_seconds'] * 1000:.0f} | {_mb(r['serve_rss'])} |"
            )
    cold_runs = next(iter(next(iter(results["sizes"].values())).values()))["cold"]["runs"]
    lines += [
        "",
        f"## Command-line cold query (whole process; median of {cold_runs} runs over {len(q['cold'])} queries)",
        "",
        "ichigo-search: `ichigo-search query … --no-update --index X`; peers: `python benchmarks/engines.py "
        "ENGINE X …` (open the index, print 10 hits with fragments). The code under test is compiled to "
        "bytecode first, as an installed package is.",
        "",
        "| captions | engine | median s | fastest s |",
        "| ---: | --- | ---: | ---: |",
    ]
    for size, per in results["sizes"].items():
        for name, row in per.items():
            c = row["cold"]
            lines.append(f"| {int(size):,} | {LABELS[name]} | {c['median']:.3f} | {c['min']:.3f} |")
    update = results.get("update")
    if update:
        med = statistics.median
        lines += [
            "",
            f"## Incremental update (ichigo-search, {update['size']:,} captions in files of 10,000)",
            "",
            f"Each edit or addition comes {UPDATE_PAUSE:.0f} s after the previous update (ichigo-search re-reads "
            "files modified in the last 3 s). Wall time of the whole `ichigo-search index` process.",
            "",
            "| `ichigo-search index` after … | median s | runs | change searchable afterwards |",
            "| --- | ---: | ---: | --- |",
            f"| first run: nothing indexed yet (full build) | {update['full']:.2f} | 1 | |",
            f"| nothing changed | {med(update['unchanged']):.2f} | {len(update['unchanged'])} | |",
            f"| one caption edited | {med(update['edit']):.2f} | {len(update['edit'])} "
            f"| {'yes' if all(update['edit_found']) else 'NO'} |",
            f"| a file of 100 captions added | {med(update['add100']):.2f} | {len(update['add100'])} "
            f"| {'yes' if all(update['add100_found']) else 'NO'} |",
            f"| one caption edited, then `ichigo-search query` (updates first) | {update['edit_then_query']:.2f} | 1 "
            "| |",
        ]
    rat = ratios(results)
    if rat:
        lines += [
            "",
            "## ichigo-search against each peer (same run; > 1 = ichigo-search better)",
            "",
            "Build speed, build CPU, p50/p95/p99 and cold CLI: peer time ÷ ichigo-search time. Peak memory (process "
            "tree) and index size: peer ÷ ichigo-search. Build CPU is what build speed comes to when no core is "
            "free (ichigo-search's second process then gains nothing).",
            "",
            "| captions | against | build speed | build CPU | peak memory | index size | p50 | p95 | p99 | cold CLI |",
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        keys = ("build speed", "build CPU", "peak memory", "index size", "p50", "p95", "p99", "cold CLI")
        for r in rat:
            cells = ["" if r.get(k) is None else _x(r[k]) for k in keys]
            lines.append(f"| {r['size']:,} | {LABELS[r['peer']]} | " + " | ".join(cells) + " |")
    lines += ["", "## Targets (full analysis on)", "", "| target | measured | met |", "| --- | --- | --- |"]
    for label, measured, ok in targets(results):
        lines.append(f"| {label} | {measured} | {'—' if ok is None else 'met' if ok else '**not met**'} |")
    lines += [
        "",
        "Notes: peak RSS is the build process's own high-water mark (`VmHWM`; `ru_maxrss` from `wait4` would "
        "include the benchmark parent's size, which survives exec); peak memory sums the proportional set size "
        "of the build process and its children, sampled every 0.1 s (less often when a sample is slow: the "
        "sampler takes at most about 2% of a core), and is at least the peak RSS; ichigo-search "
        "builds a corpus of 5 MB or more with two processes, each reading and indexing half of it. "
        "Peers OR the query's words (phrases stay phrases); ichigo-search ranks captions with every word first, "
        "then those with some. Captions beyond 98,244 are recombined by `benchmarks/generate.py`.",
    ]
    return "\n".join(lines) + "\n"


def chart(results: dict[str, Any], path: Path) -> None:
    """Four panels: build captions/s, build peak memory, warm p50/p95, cold CLI; one bar group per size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(results["sizes"])
    names = [n for n in ENGINES if any(n in results["sizes"][s] for s in sizes)]
    colors = {"ichigo": "#c0392b", "fts5": "#2980b9", "tantivy": "#8e44ad", "whoosh": "#7f8c8d"}
    panels = [
        ("index build, captions/s (higher is better)", lambda r: int(r["_size"]) / r["build"]["seconds"], False),
        ("build peak memory, MB (process tree)", lambda r: r["build"]["tree_peak"] / MB, False),
        ("warm query p95 ms, top 10 + fragments (p50 hatched)", lambda r: r["query"]["p95"] * 1000, True),
        ("command-line cold query, s (median)", lambda r: r["cold"]["median"], False),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    width = 0.8 / len(names)
    for ax, (title, value, with_p50) in zip(axes.flat, panels, strict=True):
        for i, name in enumerate(names):
            xs, ys, p50s = [], [], []
            for j, size in enumerate(sizes):
                row = results["sizes"][size].get(name)
                if row:
                    xs.append(j + (i - (len(names) - 1) / 2) * width)
                    ys.append(value({**row, "_size": size}))
                    p50s.append(row["query"]["p50"] * 1000)
            ax.bar(xs, ys, width, label=LABELS[name], color=colors[name])
            if with_p50:
                ax.bar(xs, p50s, width, color="white", alpha=0.45, hatch="//", edgecolor=colors[name])
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(len(sizes)), [f"{int(s):,} captions" for s in sizes])
        if title.startswith(("index build", "build peak", "warm")):
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(names), fontsize=9, frameon=False)
    m = results["machine"]
    fig.suptitle(
        f"ichigo-search ({results['ichigo_source']}) vs SQLite FTS5, tantivy, plain Whoosh — {results['date']}, "
        f"{m['cores']} cores, {m['ram_gib']} GiB",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    children = {"_build": child_build, "_queries": child_queries, "_find": child_find}
    if argv and argv[0] in children:
        children[argv[0]](*argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,98244", help="comma-separated corpus sizes")
    parser.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated, of {','.join(ENGINES)}")
    parser.add_argument("--queries", type=int, default=600, help="queries in the warm-latency list")
    parser.add_argument("--passes", type=int, default=2, help="timed passes over the query list")
    parser.add_argument("--warmup", type=int, default=100, help="untimed queries first (opens files, fills caches)")
    parser.add_argument("--cold-repeats", type=int, default=5, help="runs of each cold query")
    parser.add_argument("--update-repeats", type=int, default=3, help="runs of each incremental update")
    parser.add_argument("--skip-update", action="store_true", help="no incremental-update measurements")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=generate.FSA_CAPTIONS, help="real captions (.jsonl.gz)")
    parser.add_argument("--ref", help="benchmark this git revision of src/ instead of the working tree")
    parser.add_argument("--keep", action="store_true", help="keep the indexes in OUT/work")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--report-only", action="store_true", help="redo results.md and bench.png from results.json")
    args = parser.parse_args(argv)
    args.argv = argv
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.engines = args.engines.split(",")
    args.out.mkdir(parents=True, exist_ok=True)
    results = json.loads((args.out / "results.json").read_text()) if args.report_only else run(args)
    text = report(results)
    (args.out / "results.md").write_text(text, encoding="utf-8")
    chart(results, args.out / "bench.png")
    print(text)
    print(f"written: {args.out / 'results.md'}, {args.out / 'results.json'}, {args.out / 'bench.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
