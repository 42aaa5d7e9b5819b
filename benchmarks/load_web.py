"""Load test of ``ichigo-search serve`` over the 98,244 FSA/OWI captions, on 127.0.0.1 only.

    python benchmarks/load_web.py [--requests 2000] [--concurrency 16] [--workers N] [--before CHECKOUT]
                                  [--rounds N] [--data FILE | --index DIR --corpus DIR]

Builds the index in a temporary folder from data/fsa-owi/captions.jsonl.gz, or
from --data, a gzipped corpus JSONL of your own (unless --index/--corpus name a
built one), starts the server on a free loopback port and runs three phases, each
a fixed number of requests from a bounded number of keep-alive connections:

- ``page``: the search page ``/?q=…`` (facets included) for one- to three-word
  queries sampled from real captions, every request a different query (no cache helps);
- ``api``: ``/api/search?q=…`` for other queries of the same kinds;
- ``mixed``: a fixed round of what readers do (phrases, filters, paging, records, health).

It prints, per phase, requests/s, latency p50/p95/p99 (to the last byte, and to the
first byte), the error count, and the CPU the load generator and the server used, as
shares of the machine, so the figures can be read knowing what the generator took, and the
server's CPU a request (what other jobs on the machine disturb least).
``--before CHECKOUT`` (a ``git worktree add`` of an older commit) serves that checkout's
code first with the same queries on the same index, for a before/after in one run;
``--rounds N`` alternates the two N times, so that a neighbour's burst of work falls on both.
It stops by itself: the request counts are fixed and every phase has a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

from bench import make_queries
from generate import FSA_CAPTIONS

HOST = "127.0.0.1"  # never anything else
STARTUP_DEADLINE = 900.0
PHASE_DEADLINE = 600.0
WARMUP = 64
SEED = 17
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1

# What readers do besides plain words: phrases, places, years, the next pages, records, health.
MIXED = [
    "/?q=%22cotton+field%22",
    "/?q=tractor&place=Texas",
    "/?q=church&year=1940s",
    "/?q=Washington&page=2",
    "/?q=women+factory&page=3",
    "/?q=bomber+-training",
    "/?place=Utah",
    "/?q=Liuzhou+airbase",
    "/?q=zeppelin",
    "/api/search?q=railroad+station&limit=20&offset=20",
    "/api/search?q=dust+storm&place=Oklahoma",
    "/api/search?q=shipyard&year=1942..1943",
    "/api/records/fsa-fsa1998023886",
    "/healthz",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def unpack_corpus(captions: Path, target: Path) -> Path:
    """The captions (.jsonl.gz) as one .jsonl in a corpus folder."""
    target.mkdir(parents=True)
    with gzip.open(captions, "rb") as source, (target / "captions.jsonl").open("wb") as out:
        shutil.copyfileobj(source, out)
    return target


def start_server(
    corpus: Path, index: Path, port: int, log: Path, checkout: Path | None, extra: list[str]
) -> subprocess.Popen:
    """``ichigo-search serve`` of this checkout (or ``checkout``'s src/), once /healthz answers."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout.resolve() / "src")
    command = [sys.executable, "-m", "ichigo_search", "serve", "--host", HOST, "--port", str(port), *extra]
    process = subprocess.Popen(
        [*command, "--corpus", str(corpus), "--index", str(index)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:
                if json.load(response)["status"] == "ok":
                    return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("the server did not start in time")


def process_tree_ticks(root: int) -> int:
    """CPU clock ticks (user + system) used so far by ``root`` and every live process under it."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        ticks[int(entry)] = int(fields[11]) + int(fields[12])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(ticks.get(pid, 0) for pid in tree)


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Connection:
    """One keep-alive HTTP/1.1 connection with just enough parsing for our server's answers."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, float, float]:
        """Status, seconds to the first byte and to the last, of ``GET path``."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        started = time.perf_counter()
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        first = time.perf_counter() - started
        status = int(head[9:12])
        headers = head.decode("latin-1").lower()
        if "transfer-encoding: chunked" in headers:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            lengths = [line for line in headers.split("\r\n") if line.startswith("content-length:")]
            await self.reader.readexactly(int(lengths[0].split(":")[1]))
        if "connection: close" in headers:
            self.close()
        return status, first, time.perf_counter() - started

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Phase:
    name: str
    latencies: list[float]
    first_bytes: list[float]
    errors: int
    wall: float
    client_cpu: float
    server_cpu: float

    def line(self, concurrency: int) -> str:
        def pct(values: list[float], p: float) -> float:
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

        n = len(self.latencies)
        return (
            f"{self.name:5} {n} requests, {concurrency} connections: {n / self.wall:6.1f} req/s; "
            f"latency p50 {pct(self.latencies, 50):5.1f} ms, p95 {pct(self.latencies, 95):5.1f} ms, "
            f"p99 {pct(self.latencies, 99):5.1f} ms (first byte p50 {pct(self.first_bytes, 50):.1f}, "
            f"p95 {pct(self.first_bytes, 95):.1f} ms); {self.errors} errors; CPU of the {CORES} cores: load "
            f"generator {self.client_cpu / self.wall / CORES:.0%}, server {self.server_cpu / self.wall / CORES:.0%} "
            f"({self.server_cpu / max(n, 1) * 1000:.2f} ms a request)"
        )


async def run_phase(name: str, port: int, server: int, paths: list[str], concurrency: int) -> Phase:
    """Send every path once, ``concurrency`` connections at a time."""
    latencies: list[float] = []
    first_bytes: list[float] = []
    errors = 0
    queue = iter(paths)

    async def worker() -> None:
        nonlocal errors
        connection = Connection(port)
        for path in queue:
            try:
                status, first, last = await connection.get(path)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                connection.close()
                errors += 1
                continue
            latencies.append(last)
            first_bytes.append(first)
            errors += status != 200
        connection.close()

    server_ticks, client_cpu = process_tree_ticks(server), own_cpu()
    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), PHASE_DEADLINE)
    wall = time.perf_counter() - started
    return Phase(
        name,
        latencies,
        first_bytes,
        errors,
        wall,
        own_cpu() - client_cpu,
        (process_tree_ticks(server) - server_ticks) / TICKS,
    )


def workload(requests: int, data: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Per phase, the warm-up paths and the measured ones (every query distinct)."""
    texts = [q["text"] for q in make_queries(8 * (requests + WARMUP), SEED, data) if "word" in q["kind"]]
    texts = list(dict.fromkeys(texts))
    if len(texts) < 2 * (requests + WARMUP):
        raise SystemExit(f"only {len(texts)} distinct queries; ask for fewer --requests")
    page = [f"/?q={quote_plus(t)}" for t in texts[: requests + WARMUP]]
    api = [f"/api/search?q={quote_plus(t)}" for t in texts[requests + WARMUP : 2 * (requests + WARMUP)]]
    mixed = [MIXED[i % len(MIXED)] for i in range(requests + WARMUP)]
    return {name: (paths[:WARMUP], paths[WARMUP:]) for name, paths in (("page", page), ("api", api), ("mixed", mixed))}


def measure(
    label: str, corpus: Path, index: Path, work: Path, checkout: Path | None, extra: list[str], args, load
) -> None:
    port = free_port()
    print(f"{label}: starting the server on {HOST}:{port} {' '.join(extra)} …", file=sys.stderr)
    built = time.perf_counter()
    server = start_server(corpus, index, port, work / f"server-{label}.log", checkout, extra)
    print(f"{label}: ready after {time.perf_counter() - built:.1f} s", file=sys.stderr)
    try:
        for name, (warmup, measured) in load.items():
            asyncio.run(run_phase(name, port, server.pid, warmup, args.concurrency))
            phase = asyncio.run(run_phase(name, port, server.pid, measured, args.concurrency))
            print(f"{label:6} {phase.line(args.concurrency)}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, help="serve --workers, before and after (default: serve's own)")
    parser.add_argument("--before", type=Path, help="an older checkout to measure first, with the same load")
    parser.add_argument("--rounds", type=int, default=1, help="before and after, alternated this many times")
    parser.add_argument("--index", type=Path, help="a built index of --corpus (default: build one in a temp folder)")
    parser.add_argument("--corpus", type=Path, help="the corpus of --index")
    parser.add_argument("--data", type=Path, default=FSA_CAPTIONS, help="captions (.jsonl.gz) to build the index of")
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 64 or not 1 <= args.requests <= 20_000:
        parser.error("--concurrency 1..64 and --requests 1..20000")
    load = workload(args.requests, args.data)
    print(f"{CORES} cores; load average {os.getloadavg()[0]:.1f} at the start", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="ichigo-load-") as tmp:
        work = Path(tmp)
        corpus = args.corpus or unpack_corpus(args.data, work / "corpus")
        index = args.index or work / "index"
        extra = ["--no-update"] if args.index else []
        if args.workers is not None:
            extra += ["--workers", str(args.workers)]
        for _ in range(max(1, args.rounds)):
            if args.before is not None:
                measure("before", corpus, index, work, args.before, extra, args, load)
            measure("after", corpus, index, work, None, extra, args, load)
            print(f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
