"""Load test of ``ichigo-search serve`` over the 98,244 FSA/OWI captions, on 127.0.0.1 only.

    python benchmarks/load_web.py [--requests 2000] [--concurrency 16] [--data FILE | --index DIR --corpus DIR]

Builds the index in a temporary folder from data/fsa-owi/captions.jsonl.gz, or
from --data, a gzipped corpus JSONL of your own (unless --index/--corpus name a
built one), starts the server on a free loopback port, sends a fixed number of
requests (search pages and API calls, with filters and paging) from a bounded
number of concurrent connections, stops the server and
prints throughput, latency percentiles and the error count.  It stops by itself:
the request count is fixed and the whole run has a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from generate import FSA_CAPTIONS

HOST = "127.0.0.1"  # never anything else
STARTUP_DEADLINE = 900.0
RUN_DEADLINE = 900.0
WARMUP = 32

# What readers do: words, phrases, places, years, the next pages, the API.
REQUESTS = [
    "/?q=farm",
    "/?q=children+school",
    "/?q=%22cotton+field%22",
    "/?q=migrant+workers",
    "/?q=tractor&place=Texas",
    "/?q=church&year=1940s",
    "/?q=Washington&page=2",
    "/?q=women+factory&page=3",
    "/?q=bomber+-training",
    "/?place=Utah",
    "/?q=Liuzhou+airbase",
    "/?q=zeppelin",
    "/api/search?q=farm&limit=10",
    "/api/search?q=railroad+station&limit=20&offset=20",
    "/api/search?q=dust+storm&place=Oklahoma",
    "/api/search?q=shipyard&year=1942..1943",
    "/api/search?q=Chicago",
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


def start_server(corpus: Path, index: Path, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "ichigo_search", "serve", "--host", HOST, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--corpus", str(corpus), "--index", str(index)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
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


async def run_load(base: str, total: int, concurrency: int) -> tuple[list[float], int, float]:
    """Send ``total`` requests, ``concurrency`` at a time; return latencies (s), errors and wall time."""
    import httpx

    latencies: list[float] = []
    errors = 0
    next_request = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        for path in REQUESTS[:WARMUP]:  # warm the index and caches, not measured
            await client.get(path)

        async def worker() -> None:
            nonlocal next_request, errors
            while next_request < total:
                path = REQUESTS[next_request % len(REQUESTS)]
                next_request += 1
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), RUN_DEADLINE)
        wall = time.perf_counter() - started
    return latencies, errors, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--index", type=Path, help="a built index of --corpus (default: build one in a temp folder)")
    parser.add_argument("--corpus", type=Path, help="the corpus of --index")
    parser.add_argument("--data", type=Path, default=FSA_CAPTIONS, help="captions (.jsonl.gz) to build the index of")
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 64 or not 1 <= args.requests <= 100_000:
        parser.error("--concurrency 1..64 and --requests 1..100000")
    with tempfile.TemporaryDirectory(prefix="ichigo-load-") as tmp:
        work = Path(tmp)
        corpus = args.corpus or unpack_corpus(args.data, work / "corpus")
        index = args.index or work / "index"
        port = free_port()
        print(f"starting the server on {HOST}:{port} (building the index if needed) …", file=sys.stderr)
        built = time.perf_counter()
        server = start_server(corpus, index, port, work / "server.log")
        print(f"ready after {time.perf_counter() - built:.1f} s", file=sys.stderr)
        try:
            latencies, errors, wall = asyncio.run(run_load(f"http://{HOST}:{port}", args.requests, args.concurrency))
        finally:
            server.terminate()
            server.wait(timeout=30)
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    print(
        f"{len(latencies)} requests, {args.concurrency} concurrent, {os.cpu_count()} cores: "
        f"{len(latencies) / wall:.1f} requests/s; latency p50 {percentile(50):.0f} ms, "
        f"p95 {percentile(95):.0f} ms, p99 {percentile(99):.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms; "
        f"{errors} errors; {wall:.1f} s"
    )


if __name__ == "__main__":
    main()
