"""Shared fixtures: the sample collection copied to a temporary folder, and built indexes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = ROOT / "corpus"
# Test data kept in the repository (data/README.md: sources, licences, checksums).
DATA = ROOT / "data"
FSA_CAPTIONS = DATA / "fsa-owi" / "captions.jsonl.gz"  # 98,244 real captions; tests read a prefix or filter
DEV_EVAL = DATA / "eval"  # development queries with graded judgments over the ten sample captions


def fsa_lines(count: int) -> list[str]:
    """The first ``count`` lines of the FSA/OWI captions file (corpus JSONL), without their newlines."""
    import gzip
    import itertools

    with gzip.open(FSA_CAPTIONS, "rt", encoding="utf-8") as lines:
        return [line.rstrip("\n") for line in itertools.islice(lines, count)]


def fsa_records(count: int) -> list[dict]:
    """The first ``count`` FSA/OWI records, parsed."""
    import json

    return [json.loads(line) for line in fsa_lines(count)]


def copy_sample(target: Path) -> Path:
    """A copy of the sample corpus at ``target`` (a new folder), to edit or add files to."""
    shutil.copytree(SAMPLE_CORPUS, target)
    return target


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private, editable copy of the sample corpus."""
    return copy_sample(tmp_path / "corpus")


@pytest.fixture
def index(tmp_path: Path, corpus: Path):
    """An index built from the private sample corpus."""
    from ichigo_search import Index

    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    yield idx
    idx.close()


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory):
    """One read-only index of the sample corpus for the whole session."""
    from ichigo_search import Index

    idx = Index(tmp_path_factory.mktemp("sample") / "index")
    idx.update_from(SAMPLE_CORPUS)
    yield idx
    idx.close()


def index_of(root: Path, captions: dict[str, str]):
    """An index built in ``root`` from one JSON-lines file of the given captions (id -> caption)."""
    import json

    from ichigo_search import Index

    (root / "corpus").mkdir()
    lines = "".join(json.dumps({"id": record_id, "caption": caption}) + "\n" for record_id, caption in captions.items())
    (root / "corpus" / "captions.jsonl").write_text(lines, encoding="utf-8")
    idx = Index(root / "index")
    idx.update_from(root / "corpus")
    return idx


def caption_ids(results) -> list[str]:
    return [hit.id for hit in results]


# -- a SolrCloud for the Solr engine's tests (solr/: a Maven project, started once per session) --------

SOLR_PROJECT = ROOT / "solr"
REQUIRE_SOLR = "ICHIGO_REQUIRE_SOLR"


def solr_launcher():
    """solr/cluster.py, imported from its file (it is not part of the package)."""
    import importlib.util
    import sys

    name = "ichigo_solr_cluster"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SOLR_PROJECT / "cluster.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def need_solr(start):
    """``start()``'s cluster; a missing Java or Maven skips, or fails where ICHIGO_REQUIRE_SOLR=1 (CI)."""
    import os

    try:
        return start()
    except solr_launcher().SolrUnavailable as exc:
        if os.environ.get(REQUIRE_SOLR) == "1":
            pytest.fail(f"{REQUIRE_SOLR}=1 but {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def solr_cluster():
    """A 2-node SolrCloud with an embedded ZooKeeper on 127.0.0.1, for the whole session."""
    cluster = need_solr(lambda: solr_launcher().SolrCluster.start(2))
    yield cluster
    cluster.stop()


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """Reads and builds from here on are split between two processes; the pids of the processes forked."""
    from ichigo_search.util import forking

    started: list[int] = []

    class Counted(forking.Forked):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self._process.pid)

    monkeypatch.setattr(forking, "Forked", Counted)
    monkeypatch.setattr(forking, "can_fork", lambda: True)
    return started
