"""Requests the Solr engine makes per query, against the session's 2-node SolrCloud (issue 19's latency).

A query is one request in the common case: the first tier's best with their proximity bonus and the
second tier's count; the second tier's documents only when the first tier has fewer than asked for.
Its hits are those of the former path (the tiers and the bonus each asked for apart).
"""

from __future__ import annotations

import collections

import pytest

from conftest import copy_sample, fsa_lines
from ichigo_search import Index
from ichigo_search.engine.solr import SolrEngine
from ichigo_search.engine.solr.client import SolrClient
from ichigo_search.engine.solr.compile import to_solr
from ichigo_search.search import plan_search

pytestmark = pytest.mark.solr


@pytest.fixture(scope="module")
def index(solr_cluster, tmp_path_factory):
    """The sample corpus and 600 FSA/OWI captions in a collection of 2 shards."""
    root = tmp_path_factory.mktemp("latency")
    corpus = copy_sample(root / "corpus")
    (corpus / "fsa.jsonl").write_text("\n".join(fsa_lines(600)) + "\n", encoding="utf-8")
    idx = Index(root / "solr", engine=SolrEngine(solr_cluster.url, alias="latency", shards=2, replicas=1))
    idx.update_from(corpus)
    yield idx
    idx.close()


@pytest.fixture
def requests(monkeypatch) -> collections.Counter:
    """Requests sent to Solr from here on, by path (the collection's name left out)."""
    counted: collections.Counter = collections.Counter()
    sent = SolrClient.request

    def request(self, method, path, *args, **kwargs):
        counted[path.split("?")[0].rsplit("/", 1)[-1]] += 1
        return sent(self, method, path, *args, **kwargs)

    monkeypatch.setattr(SolrClient, "request", request)
    return counted


@pytest.mark.parametrize("text", ["Liuzhou airbase", "destroyed fighter", "cavalry column"])
def test_a_query_whose_first_tier_fills_the_page_is_one_request(index, requests, text):
    with index._reading() as searcher:
        found = plan_search(searcher, text)
        assert found.every_word is not None and found.bonus is not None  # two tiers and a bonus to fold
        whole = searcher.rank(found, 50)
        tier = searcher._query(to_solr(found.every_word, searcher._weights))["response"]["numFound"]
        assert 0 < tier < 50  # the first tier does not fill 50: the second tier's documents are asked for
        requests.clear()
        total, ranked = searcher.rank(found, tier)
        assert sum(requests.values()) == 1, requests
        assert total == whole[0] and ranked == whole[1][:tier]
        requests.clear()
        assert searcher.rank(found, 50) == whole
        assert sum(requests.values()) == 2, requests


def test_hits_are_the_tiers_and_the_bonus_asked_for_apart(index):
    """The former path, request by request: the first tier, the bonus of its window's best, the second tier."""
    with index._reading() as searcher:
        weights, window = searcher._weights, searcher.ranking.proximity_window
        for text in [
            "Liuzhou airbase",
            "destroyed fighter",
            "cavalry column",
            "soldiers Guilin",
            "Japanese soldiers train",
        ]:
            found = plan_search(searcher, text)
            total, ranked = searcher.rank(found, 30)

            def tier(query, limit, filters, sort="score desc, seq asc", queries=None):
                extra = {"queries": queries} if queries else {}
                answer = searcher._query(
                    to_solr(query, weights), limit, filters, fields="id,score,seq", sort=sort, **extra
                )
                return answer["response"]

            first = tier(found.every_word, max(30, window), [])
            best = [doc["id"] for doc in first["docs"][:window]]
            ids = {"bool": {"should": [{"term": {"f": "id", "query": i}} for i in best]}}
            bonus = {d["id"]: d["score"] for d in tier(found.bonus, len(best), [ids])["docs"]} if best else {}
            seq = {doc["id"]: doc["seq"] for doc in first["docs"]}
            want = sorted(
                ((d["id"], float(d["score"]) + float(bonus.get(d["id"], 0.0))) for d in first["docs"]),
                key=lambda hit: (-hit[1], seq[hit[0]]),
            )[:30]
            unmatched = {
                "bool": {"must": [{"lucene": {"query": "*:*"}}], "must_not": [to_solr(found.every_word, weights)]}
            }
            # the rest by how many word groups each matches, then how many with near synonyms, then by score
            groups = {f"g{i}": to_solr(group, weights) for i, group in enumerate(found.groups)}
            near = {f"n{i}": to_solr(group, weights) for i, group in enumerate(found.near_groups)}
            core_count, near_count = (
                "sum(" + "".join(f"if(exists(query(${name})),1,0)," for name in named) + "0)"
                for named in (groups, near)
            )
            covered = f"sum(product({core_count},{len(near) + 1}),{near_count}) desc, "
            groups |= near
            rest = tier(found.some_words, 30 - len(want), [unmatched], covered + "score desc, seq asc", groups)
            want += [(d["id"], float(d["score"])) for d in rest["docs"]]
            assert (total, ranked) == (first["numFound"] + rest["numFound"], want), text


def test_captions_with_some_words_rank_by_word_groups_matched_as_on_whoosh(index, tmp_path):
    """Below every word, Solr ranks a caption by how many word groups it matches (counted by a Whoosh index of the
    same captions, whose matches are the same), then how many with their near synonyms, then by score."""
    from ichigo_search.query.matching import Matching

    corpus = copy_sample(tmp_path / "corpus")
    (corpus / "fsa.jsonl").write_text("\n".join(fsa_lines(600)) + "\n", encoding="utf-8")
    with Index(tmp_path / "whoosh") as whoosh:
        whoosh.update_from(corpus)
        engine = whoosh._searcher_now()
        seen = set()
        for text in ("Japanese soldiers train", "destroyed fighter airbase", "American refugees Guilin"):
            found = plan_search(engine, text)
            groups, near = (
                [set(engine.matching(Matching(found.plan, g, None, None)).tolist()) for g in named]
                for named in (found.groups, found.near_groups)
            )
            hits = index.search(text, limit=30)
            assert hits.total == whoosh.search(text).total, text
            numbers = [engine.document_number(hit.id) for hit in hits]
            levels = [(sum(n in g for g in groups), sum(n in g for g in near)) for n in numbers]
            assert levels == sorted(levels, reverse=True), (text, levels)
            seen.update(levels)
        assert len({core for core, _ in seen}) >= 3, seen


def test_a_new_searcher_plans_a_query_in_a_few_requests_with_the_same_statistics(index, requests):
    """Document frequencies are asked for a word with its halves (compound look-ups) and for the typo
    candidates together, counted as a term query counts them; the collection's size comes with its years."""
    text = "destroyed fightr Liuzhou"
    with index._reading() as searcher:
        fresh = type(searcher)(searcher.client, searcher.collection, searcher.ranking)
        requests.clear()
        found = plan_search(fresh, text)
        # the years and size; each word with its halves; the typo's candidates; the joined neighbours
        assert sum(requests.values()) <= 9, requests
        assert found is not None and fresh._frequencies
        for (field, term), count in fresh._frequencies.items():
            answer = fresh._query({"term": {"f": field, "query": term}})["response"]
            assert count == answer["numFound"], (field, term)
        assert fresh.doc_count() == fresh._query({"lucene": {"query": "*:*"}})["response"]["numFound"]
