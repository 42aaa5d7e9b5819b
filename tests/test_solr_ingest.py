"""Ingestion into the Solr engine: a rebuild sends its runs of records side by side, one process each.

Against the session's 2-node SolrCloud (``solr_cluster``). What two sending processes build must be
what one would: every record once, an id repeated across the halves keeps its first record, ties in
score rank in file order. How fast is ``benchmarks/solr.py``'s business, not a test's.
"""

from __future__ import annotations

import json
import os

import pytest

from conftest import fsa_lines, fsa_records
from ichigo_search import CorpusError, Index, indexing
from ichigo_search.corpus import reading as corpus_module
from ichigo_search.engine.solr import SolrEngine

pytestmark = [pytest.mark.solr, pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")]


def test_a_rebuild_parsed_in_halves_sends_the_second_from_a_forked_process_and_keeps_first_records(
    solr_cluster, tmp_path, monkeypatch, forks
):
    lines = fsa_lines(900)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text("\n".join(lines[:400]) + "\n")
    (corpus / "b.jsonl").write_text("\n".join(lines[400:800]) + "\n")
    first = json.loads(lines[5])
    repeated = json.dumps({**first, "caption": "A later record reusing an earlier id, about zeppelins"})
    (corpus / "c.jsonl").write_text("\n".join([*lines[800:], "{broken", repeated]) + "\n")
    monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 0)
    idx = Index(tmp_path / "index", engine=SolrEngine(solr_cluster.url, alias="halves", shards=2))
    with pytest.raises(CorpusError):
        idx.rebuild_from(corpus)
    assert len(forks) == 1  # the second half was parsed and sent by its own process

    report = idx.rebuild_from(corpus, skip_invalid=True)
    assert (report.added, report.rejected) == (900, 2) and len(forks) == 2
    assert len(idx) == 900
    assert idx.search("zeppelins").total == 0  # the later record sent, then replaced by the first again
    assert idx.get(first["id"]).caption == first["caption"]
    whoosh = Index(tmp_path / "whoosh")
    whoosh.rebuild_from(corpus, skip_invalid=True)
    for words in ("farm", "children school", "Vermont"):
        assert [h.id for h in idx.search(words, limit=10)] == [h.id for h in whoosh.search(words, limit=10)], words
    whoosh.close()
    idx.close()


def test_ties_rank_in_file_order_across_the_two_sending_processes(solr_cluster, tmp_path, monkeypatch, forks):
    """The same caption in many records, read first and written by two processes: hits in file order."""
    rows = [{"id": f"r{number:04d}", "caption": "A wheelbarrow of turnips in a barn"} for number in range(1200)]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    monkeypatch.setattr(indexing, "PARALLEL_THRESHOLD", 1000)
    idx = Index(tmp_path / "index", engine=SolrEngine(solr_cluster.url, alias="ties", shards=2))
    idx.rebuild_from(corpus)
    assert len(forks) == 1
    assert len(idx) == 1200
    hits = idx.search("wheelbarrow turnips", limit=20, offset=590)
    assert [h.id for h in hits] == [row["id"] for row in rows[590:610]]  # astride the two processes' runs
    idx.close()


def test_terms_holding_the_simple_formats_separators_are_indexed_whole(solr_cluster, tmp_path, monkeypatch):
    """Tokens go to Solr in PreAnalyzedField's simple format: a term with a space, comma, '=' or '\\' stays one term."""
    from ichigo_search.engine.solr import documents

    odd = ["a,b", "c d", "e=f", "g\\h", "i\nj"]
    real = documents.term_positions

    def with_odd_terms(parts, *, stemming=True):
        where = real(parts, stemming=stemming)
        if "quokka" in where:
            where.update({term: [100 + 2 * number] for number, term in enumerate(odd)})
        return where

    monkeypatch.setattr(documents, "term_positions", with_odd_terms)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [{"id": "odd", "caption": "A quokka at Guilin"}, {"id": "plain", "caption": "A wombat at Guilin"}]
    (corpus / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    idx = Index(tmp_path / "index", engine=SolrEngine(solr_cluster.url, alias="escapes"))
    idx.rebuild_from(corpus)
    searcher = idx._searcher_now()
    for term in odd:
        assert searcher.doc_frequency("caption", term) == 1, term
    assert searcher.doc_frequency("caption", "a") == 2 and searcher.doc_frequency("caption", "b") == 0
    assert [h.id for h in idx.search("quokka")] == ["odd"]
    idx.close()


def test_each_batch_goes_to_the_leader_of_its_documents_shard_which_keeps_them(solr_cluster, tmp_path, monkeypatch):
    """Batches are split by shard (Solr's compositeId hash) and posted to that shard's leader core: Solr keeps
    every document where it was sent, so no node forwards one; only the commit goes to the collection."""
    from ichigo_search.engine.solr.client import SolrClient
    from ichigo_search.engine.solr.routing import Routes

    records = fsa_records(700)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fsa.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    posted: list[tuple[str, str, list[str]]] = []
    real_post_to, real_request = SolrClient.post_to, SolrClient.request

    def post_to(self, node, path, body):
        if path.endswith("/update"):
            posted.append((node, path, [doc["id"] for doc in json.loads(body)]))
        return real_post_to(self, node, path, body)

    def request(self, method, path, data=None, content_type="application/json"):
        if path.split("?")[0].endswith("/update") and data and data != b"[]":
            posted.append(("any node", path, []))
        return real_request(self, method, path, data, content_type)

    monkeypatch.setattr(SolrClient, "post_to", post_to)
    monkeypatch.setattr(SolrClient, "request", request)
    engine = SolrEngine(solr_cluster.url, alias="routed", shards=2)
    idx = Index(tmp_path / "index", engine=engine)
    idx.rebuild_from(corpus)
    collection = engine.collection(idx.path / (idx.path / "CURRENT").read_text().strip())
    status = engine.client.get("/admin/collections", {"action": "CLUSTERSTATUS", "collection": collection})
    routes = Routes.from_status(status, collection, "http")
    leaders = {f"/{shard.core}/update": shard for shard in routes.shards}
    assert len(leaders) == 2 and {node for node, _, _ in posted} == {s.node for s in routes.shards}
    sent: dict[str, set[str]] = {path: set() for path in leaders}
    for node, path, ids in posted:
        assert path in leaders and node == leaders[path].node, (node, path)
        sent[path].update(ids)
    assert sum(len(ids) for ids in sent.values()) == len(records)
    for path, shard in leaders.items():  # each shard holds exactly the documents its leader was sent
        answer = engine.client.post_to(
            shard.node, f"/{shard.core}/query", json.dumps({"query": "*:*", "limit": 1000, "fields": "id",
                                                            "params": {"distrib": "false"}}).encode(),
        )  # fmt: skip
        assert {doc["id"] for doc in answer["response"]["docs"]} == sent[path]
        assert {routes.shard_of(ident) for ident in sent[path]} == {shard}
    assert len(idx) == len(records)
    idx.close()


def test_the_txt_copies_for_solr_native_clients_only_when_asked_and_an_update_keeps_to_the_build(
    solr_cluster, tmp_path
):
    """ichigo-search never searches the ``*_txt`` copies: a collection has them with native_fields (env
    ICHIGO_SOLR_NATIVE_FIELDS=1) only, and an update of it sends them as its build did."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [{"id": f"n{number}", "caption": f"Tractors ploughing field {number}"} for number in range(20)]
    (corpus / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))

    def native_matches(idx: Index, engine: SolrEngine) -> int:
        collection = engine.collection(idx.path / (idx.path / "CURRENT").read_text().strip())
        answer = engine.client.post(f"/{collection}/query", {"query": "caption_txt:tractor", "limit": 0})
        return answer["response"]["numFound"]

    plain_engine = SolrEngine(solr_cluster.url, alias="plain")
    plain = Index(tmp_path / "plain", engine=plain_engine)
    plain.rebuild_from(corpus)
    assert native_matches(plain, plain_engine) == 0 and plain.search("tractor").total == 20
    native_engine = SolrEngine(solr_cluster.url, alias="native", native_fields=True)
    native = Index(tmp_path / "native", engine=native_engine)
    native.rebuild_from(corpus)
    assert native_matches(native, native_engine) == 20
    native.close()
    (corpus / "more.jsonl").write_text(json.dumps({"id": "n99", "caption": "A tractor in the snow"}) + "\n")
    native = Index(tmp_path / "native", engine=SolrEngine(solr_cluster.url, alias="native"))  # env unset
    native.update_from(corpus)
    assert native_matches(native, native_engine) == 21 and native.search("tractor").total == 21
    plain.close()
    native.close()
