"""Ingestion into the Solr engine: a rebuild sends its runs of records side by side, one process each.

Against the session's 2-node SolrCloud (``solr_cluster``). What two sending processes build must be
what one would: every record once, an id repeated across the halves keeps its first record, ties in
score rank in file order. How fast is ``benchmarks/solr.py``'s business, not a test's.
"""

from __future__ import annotations

import json
import os

import pytest

from conftest import fsa_lines
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
