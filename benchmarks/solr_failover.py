"""The Solr engine through a killed node: what a failure costs indexing and searching.

    python benchmarks/solr_failover.py                     # 20,000 FSA/OWI captions, 2 shards x 2 replicas
    python benchmarks/solr_failover.py --records 5000 --kill-after 3

Starts the 2-node test SolrCloud (``solr/cluster.py``) and indexes the sample corpus plus ``--records``
FSA/OWI captions into a 2-shard, 2-replica collection through node 0, killing node 1 ``--kill-after``
seconds in: the build time and whether every record arrived. Then node 1 comes back, two threads search
``Liuzhou airbase`` through node 0 without pause, and node 0 is killed for ``--down`` seconds: searches
answered and failed, p50 / p95 / slowest, and the slowest of those that started within a second of the kill.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import itertools
import json
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FSA_CAPTIONS = ROOT / "data" / "fsa-owi" / "captions.jsonl.gz"
QUERY = "Liuzhou airbase"


def launcher():
    spec = importlib.util.spec_from_file_location("ichigo_solr_cluster", ROOT / "solr" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def recovered(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/admin/collections?action=CLUSTERSTATUS", timeout=30) as answer:
        cluster = json.load(answer)["cluster"]
    replicas = [
        replica["state"]
        for collection in cluster.get("collections", {}).values()
        for shard in collection["shards"].values()
        for replica in shard["replicas"].values()
    ]
    return len(cluster["live_nodes"]) == 2 and all(state == "active" for state in replicas)


def wait_for(check, seconds: float = 180.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("the cluster did not recover")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000, help="FSA/OWI captions added to the sample")
    parser.add_argument("--kill-after", type=float, default=6.0, help="seconds into indexing node 1 is killed")
    parser.add_argument("--down", type=float, default=8.0, help="seconds node 0 stays down while searches run")
    args = parser.parse_args()

    from ichigo_search import Index
    from ichigo_search.engine.solr import SolrEngine

    work = Path(tempfile.mkdtemp(prefix="ichigo-failover-"))
    shutil.copytree(ROOT / "corpus", work / "corpus")
    with gzip.open(FSA_CAPTIONS, "rt", encoding="utf-8") as lines:
        (work / "corpus" / "fsa.jsonl").write_text("".join(itertools.islice(lines, args.records)), encoding="utf-8")
    wanted = args.records + 10
    cluster = launcher().SolrCluster.start(2)
    try:
        first = cluster.urls[0]
        idx = Index(work / "index", engine=SolrEngine(first, alias="failover", shards=2, replicas=2))
        killer = threading.Timer(args.kill_after, cluster.kill, (1,))
        started = time.monotonic()
        killer.start()
        try:
            idx.update_from(work / "corpus")
            print(f"indexing, node 1 killed at {args.kill_after:g} s: {wanted:,} records sent in "
                  f"{time.monotonic() - started:.1f} s, {len(idx):,} in the collection")  # fmt: skip
        except Exception as exc:  # what this measures: say it, then go on to the searches
            print(f"indexing, node 1 killed at {args.kill_after:g} s: FAILED after "
                  f"{time.monotonic() - started:.1f} s: {exc}")  # fmt: skip
            return
        finally:
            killer.join()
        times: list[tuple[float, float]] = []
        failures: list[str] = []
        stop = threading.Event()

        def search() -> None:
            reader = Index(work / "index", engine=SolrEngine(first, alias="failover"))
            while not stop.is_set():
                at = time.monotonic()
                try:
                    reader.search(QUERY)
                    times.append((at, time.monotonic() - at))
                except Exception as exc:
                    failures.append(str(exc))
            reader.close()

        threads = [threading.Thread(target=search) for _ in range(2)]
        for thread in threads:
            thread.start()  # their clients meet node 1 down
        cluster.start_node(1)
        wait_for(lambda: recovered(first))
        cluster.kill(0)
        killed = time.monotonic()
        time.sleep(args.down)
        stop.set()
        for thread in threads:
            thread.join()
        cluster.start_node(0)
        took = sorted(seconds for _, seconds in times)
        around = [seconds for at, seconds in times if killed - 1 <= at <= killed + 1]
        print(
            f"searching, node 0 killed for {args.down:g} s: {len(took):,} answered, {len(failures):,} failed; "
            f"p50 {took[len(took) // 2] * 1000:.0f} ms, p95 {took[int(len(took) * 0.95)] * 1000:.0f} ms, "
            f"slowest {took[-1]:.2f} s; slowest started within 1 s of the kill {max(around, default=0):.2f} s"
        )
        if failures:
            print(f"first failure: {failures[0]}")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
