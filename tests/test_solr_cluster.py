"""The test SolrCloud itself (solr/): two live nodes on loopback; a node stopped and started again; the Solr
engine through a node killed while it indexes and while it searches."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest

from conftest import REQUIRE_SOLR, copy_sample, fsa_lines, need_solr, solr_launcher
from ichigo_search import Index, store
from ichigo_search.engine.solr import SolrEngine


def _live_nodes(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/admin/collections?action=CLUSTERSTATUS", timeout=30) as answer:
        return sorted(json.load(answer)["cluster"]["live_nodes"])


def _wait_for(check, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the cluster did not reach the expected state"
        time.sleep(0.2)


def test_two_nodes_on_loopback_both_live(solr_cluster):
    assert len(solr_cluster.urls) == 2
    assert all(url.startswith("http://127.0.0.1:") for url in solr_cluster.urls)
    assert len(_live_nodes(solr_cluster.urls[0])) == 2


def test_a_node_stopped_leaves_the_cluster_and_comes_back(solr_cluster):
    solr_cluster.kill(1)
    try:
        _wait_for(lambda: len(_live_nodes(solr_cluster.urls[0])) == 1)
    finally:
        solr_cluster.start_node(1)
    _wait_for(lambda: len(_live_nodes(solr_cluster.urls[0])) == 2)
    assert len(_live_nodes(solr_cluster.urls[1])) == 2  # the restarted node answers on its old port


def test_a_stopped_cluster_leaves_no_files_behind():
    """The nodes' homes, cores and ZooKeeper's data live in a temporary folder of the cluster's own, deleted on stop:
    before, every run of the tests left 40 MB a cluster in the system's temporary folder."""
    cluster = need_solr(lambda: solr_launcher().SolrCluster.start(1))
    try:
        written = [path for path in cluster.scratch.rglob("*") if path.is_file()]
        assert any("zookeeper" in path.parts for path in written), written[:20]
    finally:
        cluster.stop()
    assert not cluster.scratch.exists()


def test_missing_java_skips_here_but_fails_where_required(monkeypatch):
    launcher = solr_launcher()
    monkeypatch.setattr(launcher.shutil, "which", lambda tool: None)
    monkeypatch.delenv(REQUIRE_SOLR, raising=False)
    with pytest.raises(pytest.skip.Exception, match="java is not installed"):
        need_solr(lambda: launcher.SolrCluster.start(2))
    monkeypatch.setenv(REQUIRE_SOLR, "1")
    with pytest.raises(pytest.fail.Exception, match="ICHIGO_REQUIRE_SOLR=1 but java is not installed"):
        need_solr(lambda: launcher.SolrCluster.start(2))


def _replicas_active(url: str, collection: str) -> bool:
    with urllib.request.urlopen(
        f"{url}/admin/collections?action=CLUSTERSTATUS&collection={collection}", timeout=30
    ) as r:
        shards = json.load(r)["cluster"]["collections"][collection]["shards"]
    return all(replica["state"] == "active" for shard in shards.values() for replica in shard["replicas"].values())


def _recovered(url: str, collection: str) -> bool:
    return len(_live_nodes(url)) == 2 and _replicas_active(url, collection)


def test_a_node_killed_while_indexing_and_searching_loses_no_record_and_fails_no_search(
    solr_cluster, tmp_path, monkeypatch
):
    """2 shards of 2 replicas on 2 nodes. Node 1 is killed while batches are sent: indexing resumes once the
    replicas lead, and every record is there. Searches through node 0 start while node 1 is down; node 1 comes
    back, then node 0 is killed: no search fails (the client learned of node 1 while it was down) and every
    search counts every match."""
    import ichigo_search.engine.solr as solr_engine

    monkeypatch.setattr(solr_engine, "BATCH", 250)  # a batch in flight whenever the node goes down
    corpus = copy_sample(tmp_path / "corpus")
    (corpus / "fsa.jsonl").write_text("\n".join(fsa_lines(5000)) + "\n", encoding="utf-8")
    first, second = solr_cluster.urls
    idx = Index(tmp_path / "index", engine=SolrEngine(first, alias="killed", shards=2, replicas=2))
    killed_at: list[float] = []

    def kill(node: int) -> None:
        solr_cluster.kill(node)
        killed_at.append(time.monotonic())

    killer = threading.Thread(target=kill, args=(1,))

    def progress(done: int, total: int) -> None:
        if done >= 1500 and killer.ident is None:
            killer.start()  # while the next batches are sent

    failures: list[BaseException] = []
    answers: list[tuple[float, int]] = []
    stop = threading.Event()

    def search() -> None:
        reader = Index(tmp_path / "index", engine=SolrEngine(first, alias="killed"))
        while not stop.is_set():
            try:
                answers.append((time.monotonic(), reader.search("Liuzhou airbase").total))
            except BaseException as exc:
                failures.append(exc)
        reader.close()

    searchers = [threading.Thread(target=search) for _ in range(2)]
    try:
        report = idx.update_from(corpus, progress=progress)
        indexed_at = time.monotonic()
        killer.join()
        assert killed_at and killed_at[0] < indexed_at  # the node went down before indexing was done
        assert report.added == 5010 and len(idx) == 5010
        generation = store.current_generation(idx.path)
        wanted = {json.loads(line)["id"] for line in (corpus / "fsa.jsonl").open(encoding="utf-8")}
        assert wanted <= set(idx._engine.indexed_hashes(generation))
        expected = idx.search("Liuzhou airbase").total
        assert expected > 0
        collection = idx._engine.collection(generation)

        for thread in searchers:
            thread.start()  # their clients meet node 1 down
        solr_cluster.start_node(1)
        _wait_for(lambda: _recovered(first, collection), 120)
        kill(0)
        time.sleep(5)
    finally:
        stop.set()
        for thread in searchers:
            if thread.ident is not None:
                thread.join()
        for node in sorted(solr_cluster.down):
            solr_cluster.start_node(node)
    assert not failures, failures[:3]
    assert {total for _, total in answers} == {expected}
    assert sum(at > killed_at[-1] + 1 for at, _ in answers) >= 10  # searches went on once node 0 was gone
    _wait_for(lambda: len(_live_nodes(second)) == 2, 60)  # the next tests need both nodes, not these replicas
    assert len(idx) == 5010
    idx.close()


def test_check_and_stats_report_the_collection_its_shards_and_a_replica_down(solr_cluster, tmp_path):
    """``check`` and ``stats`` on the Solr engine: the collection behind the alias, its records against the
    corpus's, each shard's records and replicas. A replica down while another serves its shard is a warning
    (exit 0); a shard with no replica up is damage (exit 2)."""
    from click.testing import CliRunner

    from ichigo_search.cli import main

    corpus = copy_sample(tmp_path / "corpus")
    (corpus / "fsa.jsonl").write_text("\n".join(fsa_lines(300)) + "\n", encoding="utf-8")
    first = solr_cluster.urls[0]
    Index(tmp_path / "two", engine=SolrEngine(first, alias="checked", shards=2, replicas=2)).update_from(corpus)
    single = Index(tmp_path / "one", engine=SolrEngine(first, alias="checked-one", shards=2))
    single.update_from(corpus)
    where = ["--engine", "solr", "--solr-url", first, "--index", str(tmp_path / "two")]
    runner = CliRunner()
    checked = json.loads(runner.invoke(main, ["check", "--json", *where]).output)
    assert checked["sound"] and checked["records"] == 310 and checked["warnings"] == []
    kept = checked["solr"]
    assert kept["alias"] == "checked" and kept["alias_collection"] == kept["collection"]
    assert kept["collection"] == json.loads(next((tmp_path / "two").rglob("solr.json")).read_text())["collection"]
    assert [shard["name"] for shard in kept["shards"]] == ["shard1", "shard2"]
    assert sum(shard["records"] for shard in kept["shards"]) == kept["records"] == 310
    assert all(0 < shard["records"] < 310 for shard in kept["shards"])
    for shard in kept["shards"]:
        assert [r["state"] for r in shard["replicas"]] == ["active", "active"]
        assert sum(r["leader"] for r in shard["replicas"]) == 1
    stats = runner.invoke(main, ["stats", "--json", *where])
    assert json.loads(stats.output)["solr"]["shards"] == kept["shards"]
    shown = runner.invoke(main, ["stats", *where]).output
    assert f"{kept['collection']} at {first} (alias checked -> {kept['collection']})" in shown and "shard2" in shown

    lone = single._engine.inspect(store.current_generation(single.path))["shards"][1]["replicas"][0]["node"]
    node = next(i for i, url in enumerate(solr_cluster.urls) if url.split("//")[1].replace("/", "_") == lone)
    solr_cluster.kill(node)
    try:
        _wait_for(lambda: len(_live_nodes(solr_cluster.url)) == 1)
        where[3] = solr_cluster.url
        degraded = runner.invoke(main, ["check", *where])
        assert degraded.exit_code == 0, degraded.output
        warnings = [line for line in degraded.output.splitlines() if line.startswith("ichigo-search: warning:")]
        assert len(warnings) == 2 and all(f"on {lone} is down; 1 of 2 replicas serve" in w for w in warnings)
        single._engine.client.retry_seconds = 1.0  # the shard down fails its counts at once
        damaged = single.check()
        assert not damaged["sound"] and damaged["warnings"] == []
        assert f"{damaged['solr']['collection']}/shard2: no replica is up" in " ".join(damaged["problems"])
        failed = runner.invoke(main, ["check", "--engine", "solr", "--solr-url", solr_cluster.url, "--index",
                                      str(tmp_path / "one")])  # fmt: skip
        assert failed.exit_code == 2 and "shard2: no replica is up" in failed.output
    finally:
        solr_cluster.start_node(node)
    _wait_for(lambda: _recovered(first, kept["collection"]), 120)
    single.close()
