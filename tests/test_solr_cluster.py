"""The test SolrCloud itself (solr/): two live nodes on loopback; a node stopped and started again."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from conftest import REQUIRE_SOLR, need_solr, solr_launcher


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


def test_missing_java_skips_here_but_fails_where_required(monkeypatch):
    launcher = solr_launcher()
    monkeypatch.setattr(launcher.shutil, "which", lambda tool: None)
    monkeypatch.delenv(REQUIRE_SOLR, raising=False)
    with pytest.raises(pytest.skip.Exception, match="java is not installed"):
        need_solr(lambda: launcher.SolrCluster.start(2))
    monkeypatch.setenv(REQUIRE_SOLR, "1")
    with pytest.raises(pytest.fail.Exception, match="ICHIGO_REQUIRE_SOLR=1 but java is not installed"):
        need_solr(lambda: launcher.SolrCluster.start(2))
