"""The Solr engine against a real 2-node SolrCloud (the session's ``solr_cluster``, solr/).

Same corpus, same queries: the Solr engine must give the Whoosh engine's answers (first hits,
the development set's nDCG@10 within 0.03), keep a collection in step with corpus edits, switch
its alias atomically on a rebuild while searches run, refuse bad input as the Whoosh engine
does, count facets and serve the search page as it does. (A node killed while a collection is
indexed and searched: test_solr_cluster.py.)
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DEV_EVAL, copy_sample, fsa_lines
from ichigo_search import Index
from ichigo_search.cli import main
from ichigo_search.engine.solr import SolrEngine
from ichigo_search.errors import EngineError
from ichigo_search.evaluation import load_dev_set, mean, score_ranking

pytestmark = pytest.mark.solr


def _alias(url: str, name: str) -> str | None:
    with urllib.request.urlopen(f"{url}/admin/collections?action=LISTALIASES", timeout=30) as answer:
        return json.load(answer).get("aliases", {}).get(name)


def _collections(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/admin/collections?action=LIST", timeout=30) as answer:
        return json.load(answer)["collections"]


def _with_fsa(corpus: Path, count: int, name: str = "fsa.jsonl") -> Path:
    """The corpus with the first ``count`` FSA/OWI captions added as one JSON-lines file."""
    (corpus / name).write_text("\n".join(fsa_lines(count)) + "\n", encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def engines(solr_cluster, tmp_path_factory):
    """The sample corpus indexed by both engines (Solr: 2 shards of 2 replicas)."""
    root = tmp_path_factory.mktemp("parity")
    corpus = copy_sample(root / "corpus")
    solr = Index(root / "solr", engine=SolrEngine(solr_cluster.url, alias="parity", shards=2, replicas=2))
    whoosh = Index(root / "whoosh")
    solr.update_from(corpus)
    whoosh.update_from(corpus)
    yield solr, whoosh
    solr.close()
    whoosh.close()


def test_cli_index_then_query_gives_the_whoosh_engines_first_hit(solr_cluster, tmp_path):
    corpus = copy_sample(tmp_path / "corpus")
    solr = ["--engine", "solr", "--solr-url", solr_cluster.url, "--corpus", str(corpus), "--index", str(tmp_path / "s")]
    whoosh = ["--corpus", str(corpus), "--index", str(tmp_path / "w")]
    runner = CliRunner()
    built = runner.invoke(main, ["index", "--shards", "2", "--replicas", "2", "--json", *solr])
    assert built.exit_code == 0, built.output
    assert json.loads(built.output)["added"] == 10
    for words in ("Liuzhou airbase", "Liuchow", "Kweilin airfield", '"cavalry column"', "Liuzhuo"):
        got = runner.invoke(main, ["query", words, "--json", *solr])
        want = runner.invoke(main, ["query", words, "--json", *whoosh])
        assert got.exit_code == want.exit_code == 0, got.output
        got_json, want_json = json.loads(got.output), json.loads(want.output)
        assert got_json.keys() == want_json.keys()
        assert got_json["hits"][0].keys() == want_json["hits"][0].keys()
        assert got_json["hits"][0]["id"] == want_json["hits"][0]["id"], words
        assert got_json["total"] == want_json["total"]
        assert got_json["suggestion"] == want_json["suggestion"]
        assert got_json["hits"][0]["highlights"] == want_json["hits"][0]["highlights"]
    none = runner.invoke(main, ["query", "zzyzx qwerty", *solr])
    assert none.exit_code == 1
    shown = runner.invoke(main, ["show", "bukey-calcutta", "--json", *solr])
    assert shown.exit_code == 0 and json.loads(shown.output)["id"] == "bukey-calcutta"


def test_same_matches_as_whoosh_on_every_kind_of_query_and_mostly_the_same_first_hit(engines):
    """What matches is the same query tree on both engines; scores are Lucene's BM25, not Whoosh's BM25F
    (another idf, field weights at query time), so close scores may swap."""
    solr, whoosh = engines
    queries = ["retreat Liuzhou", "Liuchow -mines", "Guilin OR Calcutta", "title:remains", "year:1944..1945",
               "servicemen 1945", "destroyed fighter", "一号作戦", "Lt. Col. Hiatt", "airstrip", "WWII",
               "Liuzhou airbase", "Kweilin", "cavalry", "柳州", '"cavalry column"', "refugees train", "柳州机场",
               "中国工人"]  # fmt: skip
    same_first = 0
    for text in queries:
        got, want = solr.search(text, limit=20), whoosh.search(text, limit=20)
        assert got.total == want.total, text
        assert {h.id for h in got} == {h.id for h in want}, text
        same_first += got[0].id == want[0].id
    assert same_first >= 0.8 * len(queries)
    paged = solr.search("Liuzhou", limit=3, offset=2)
    assert [h.id for h in paged] == [h.id for h in solr.search("Liuzhou", limit=5)][2:]
    placed = solr.search("soldiers", place="Kwangsi")
    assert placed.total and {h.id for h in placed} == {h.id for h in whoosh.search("soldiers", place="Kwangsi")}


@pytest.mark.parametrize(
    ("query", "place", "year"),
    [
        ("Liuzhou", None, None),
        ("Guilin OR Calcutta", None, None),
        ("Japanese -retreat", None, None),
        ("Japanese", "Guilin", None),
        ("Ichigo", None, "1944"),
        ("", "China", None),
        ("", None, "1940s"),
        ("zeppelin", None, None),
    ],
)
def test_facets_equal_the_whoosh_engines(engines, query, place, year):
    solr, whoosh = engines
    got = solr.facets(query, place=place, year=year, size=50).to_dict()
    assert got == whoosh.facets(query, place=place, year=year, size=50).to_dict()
    assert got["total"] == solr.search(query, limit=0, place=place, year=year).total
    assert solr.facets("Japanese", size=2).to_dict() == whoosh.facets("Japanese", size=2).to_dict()
    assert solr.facets("", browse=True).to_dict() == whoosh.facets("", browse=True).to_dict()


def test_semantic_ranking_is_refused_by_name_not_a_crash(engines):
    solr, _ = engines
    with solr._reading() as searcher:
        for needed in (searcher.record_ids, lambda: searcher.matching(None)):
            with pytest.raises(EngineError, match=r"semantic ranking .* not available on the Solr engine"):
                needed()


def test_cli_query_facets_json_as_whoosh_gives_it(solr_cluster, engines):
    solr, whoosh = engines
    runner = CliRunner()
    got = runner.invoke(
        main, ["query", "Japanese", "--facets", "--json", "--no-update", "--engine", "solr",
               "--solr-url", solr_cluster.url, "--index", str(solr.path)],
    )  # fmt: skip
    want = runner.invoke(main, ["query", "Japanese", "--facets", "--json", "--no-update", "--index", str(whoosh.path)])
    assert got.exit_code == want.exit_code == 0, got.output
    assert json.loads(got.output)["facets"] == json.loads(want.output)["facets"]
    assert json.loads(got.output)["facets"]["places"]


def test_facets_over_2000_fsa_captions_equal_the_whoosh_engines(solr_cluster, tmp_path):
    """Real captions: date ranges, undated and too wide dates, county names no gazetteer has, places of one name."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _with_fsa(corpus, 2000)
    more = [
        {"id": "wide", "caption": "Farm boys at the fair", "date": "1935-1984", "places": ["Qqzzx Hamlet"]},
        {"id": "two-decades", "caption": "Farm girls at the fair", "date": "1938-1941"},
        {"id": "old", "caption": "Boys at a barn raising", "date": "1890"},
        # Akita city (gn:2113126) and its prefecture (JP-05) are both labelled "Akita": one count per caption
        {"id": "akita-city", "caption": "Farm market in Akita city, Akita Prefecture"},
        {"id": "akita-prefecture", "caption": "Farm boys in the rice fields", "places": ["Akita Prefecture"]},
    ]
    (corpus / "more.jsonl").write_text("".join(json.dumps(record) + "\n" for record in more), encoding="utf-8")
    solr = Index(tmp_path / "solr", engine=SolrEngine(solr_cluster.url, alias="facets", shards=2))
    whoosh = Index(tmp_path / "whoosh")
    solr.update_from(corpus)
    whoosh.update_from(corpus)
    for query, place in (("", None), ("farm", None), ("children", "Texas"), ("boys OR girls", None)):
        got = solr.facets(query, place=place, size=100_000, browse=True).to_dict()
        want = whoosh.facets(query, place=place, size=100_000, browse=True).to_dict()
        assert got == want, query
    counted = solr.facets("", browse=True, size=100_000)
    assert [v.value for v in counted.decades] == ["1890s", "1930s", "1940s"] and len(counted.places) > 100
    places = {v.value: v.count for v in counted.places}
    assert places["Qqzzx Hamlet"] == 1 and places["Akita"] == 2
    with solr._reading() as searcher:  # the two ids of one label: each caption once
        both = [("place_tree", "JP-05"), ("place_tree", "gn:2113126")]
        assert searcher.facet_values(None)[1]["place_tree"]["gn:2113126"] == 1
        assert searcher.count_any(None, {"Akita": both, "city": both[1:]}) == {"Akita": 2, "city": 1}
    solr.close()
    whoosh.close()


def test_dev_set_ndcg_within_003_of_whoosh(engines):
    queries, caption_key = load_dev_set(DEV_EVAL)
    means = []
    for idx in engines:
        scores = []
        for judged in queries:
            ranking = [caption_key(f"{h.title or ''} {h.caption}") for h in idx.search(judged.text)]
            scores.append(score_ranking(ranking, judged.grades))
        means.append(mean(scores).ndcg)
    solr_ndcg, whoosh_ndcg = means
    assert abs(solr_ndcg - whoosh_ndcg) <= 0.03, means


def test_incremental_edit_and_delete(solr_cluster, tmp_path):
    corpus = copy_sample(tmp_path / "corpus")
    idx = Index(tmp_path / "index", engine=SolrEngine(solr_cluster.url, alias="edits"))
    idx.update_from(corpus)
    records = corpus / "ichigo-campaign.yaml"
    text = records.read_text(encoding="utf-8")
    assert "Elmer Bukey" in text
    records.write_text(text.replace("Elmer Bukey", "Elmer Zanzibarian"), encoding="utf-8")
    (corpus / "more.jsonl").write_text(json.dumps({"id": "new-one", "caption": "A quokka at Guilin"}) + "\n")
    report = idx.update_from(corpus)
    assert (report.added, report.updated, report.deleted) == (1, 1, 0)
    assert idx.search("Zanzibarian")[0].id == "bukey-calcutta"
    assert idx.search("Bukey").total == 0
    assert idx.search("quokka")[0].id == "new-one"
    (corpus / "more.jsonl").unlink()
    report = idx.update_from(corpus)
    assert (report.added, report.updated, report.deleted) == (0, 0, 1)
    assert idx.get("new-one") is None and idx.search("quokka").total == 0
    assert len(idx) == 10
    assert idx.update_from(corpus).changed is False
    idx.close()


def test_bad_corpus_changes_nothing_and_solr_down_is_one_clear_error(solr_cluster, tmp_path):
    corpus = copy_sample(tmp_path / "corpus")
    idx = Index(tmp_path / "index", engine=SolrEngine(solr_cluster.url, alias="bad"))
    idx.update_from(corpus)
    before = _collections(solr_cluster.url)
    (corpus / "zz-bad.jsonl").write_text('{"id": "x"}\n{not json\n')
    runner = CliRunner()
    where = [
        "--engine",
        "solr",
        "--solr-url",
        solr_cluster.url,
        "--corpus",
        str(corpus),
        "--index",
        str(tmp_path / "index"),
    ]
    failed = runner.invoke(main, ["index", "--rebuild", *where])
    assert failed.exit_code == 2
    assert "zz-bad.jsonl:1: record 'x': missing caption" in failed.output and "Traceback" not in failed.output
    assert _collections(solr_cluster.url) == before and len(idx) == 10
    down = ["--engine", "solr", "--solr-url", "http://127.0.0.1:9/solr", "--index", str(tmp_path / "index")]
    result = runner.invoke(main, ["query", "Liuzhou", "--no-update", *down])
    assert result.exit_code == 2
    assert "cannot be reached" in result.output and "Traceback" not in result.output
    with pytest.raises(EngineError, match="not a Solr URL"):
        SolrEngine("ftp://nowhere")
    idx.close()


def test_rebuild_switches_the_alias_while_searches_run(solr_cluster, tmp_path):
    corpus = _with_fsa(copy_sample(tmp_path / "corpus"), 2000)
    idx = Index(tmp_path / "index", engine=SolrEngine(solr_cluster.url, alias="rebuilt", shards=2))
    idx.update_from(corpus)
    old = _alias(solr_cluster.url, "rebuilt")
    expected = idx.search("Liuzhou airbase").total
    failures: list[BaseException] = []
    answers: list[int] = []
    counts: list[int] = []
    stop = threading.Event()

    def search() -> None:
        reader = Index(tmp_path / "index", engine=SolrEngine(solr_cluster.url, alias="rebuilt"))
        while not stop.is_set():
            try:
                answers.append(reader.search("Liuzhou airbase").total)
                with urllib.request.urlopen(f"{solr_cluster.url}/rebuilt/select?q=*:*&rows=0", timeout=30) as r:
                    counts.append(json.load(r)["response"]["numFound"])
            except BaseException as exc:
                failures.append(exc)
        reader.close()

    searchers = [threading.Thread(target=search) for _ in range(2)]
    for thread in searchers:
        thread.start()
    try:
        report = idx.rebuild_from(corpus)
    finally:
        time.sleep(0.3)
        stop.set()
        for thread in searchers:
            thread.join()
    assert report.rebuilt and not failures
    assert set(answers) == {expected} and set(counts) == {2010}  # every search saw a whole collection
    new = _alias(solr_cluster.url, "rebuilt")
    assert new != old and new in _collections(solr_cluster.url)
    assert old in _collections(solr_cluster.url)  # its generation is kept a while for readers still on it
    idx.close()


def test_a_collection_no_generation_names_is_deleted_at_the_next_publish(solr_cluster, tmp_path):
    corpus = copy_sample(tmp_path / "corpus")
    idx = Index(tmp_path / "index", engine=SolrEngine(solr_cluster.url, alias="stale"))
    idx.update_from(corpus)
    first = _alias(solr_cluster.url, "stale")
    idx.rebuild_from(corpus)
    for folder in (tmp_path / "index").glob("gen-*"):
        if first in (folder / "solr.json").read_text():
            import shutil

            shutil.rmtree(folder)  # as remove_stale does once no reader holds it
    idx.rebuild_from(corpus)
    assert first not in _collections(solr_cluster.url)
    assert sum(name.startswith("stale_") for name in _collections(solr_cluster.url)) == 2
    idx.close()


def test_search_page_and_api_as_the_whoosh_engine_serves_them(engines):
    from starlette.testclient import TestClient

    from ichigo_search.web.app import create_app

    solr, whoosh = engines
    with TestClient(create_app(solr)) as got, TestClient(create_app(whoosh)) as want:
        for path in ("/api/search?q=Liuzhou+airbase", "/api/search?q=soldiers&place=Kwangsi&limit=20"):
            answer = got.get(path)
            assert answer.status_code == 200, answer.text
            assert _unscored(answer.json()) == _unscored(want.get(path).json()), path
        assert got.get("/api/records/bukey-calcutta").json() == want.get("/api/records/bukey-calcutta").json()
        assert got.get("/healthz").json() == {"status": "ok", "records": 10}
        for path in ("/", "/records/bukey-calcutta"):
            assert got.get(path).text == want.get(path).text, path
        for path in ("/?q=Japanese", "/?q=Japanese&place=Guilin", "/?q=Liuchow&year=1940s"):
            page = got.get(path)  # the same hits (scores may order them otherwise) and the same facet links
            assert page.status_code == 200 and _links(page.text) == _links(want.get(path).text), path
        assert got.get("/api/records/no-such-id").status_code == 404


def _unscored(answer: dict) -> dict:
    """An API answer with its hits by id, without scores and ranks (Lucene's BM25 is not Whoosh's BM25F)."""
    hits = {hit["id"]: {k: v for k, v in hit.items() if k not in ("score", "rank")} for hit in answer["hits"]}
    return {**answer, "hits": hits}


def _links(page: str) -> list[str]:
    import re

    return sorted(re.findall(r'href="([^"]*)"', page))


def test_serve_with_workers_on_the_solr_engine(solr_cluster, engines, tmp_path):
    import os
    import socket
    import subprocess
    import sys

    solr, _ = engines
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_SOLR")}  # the URL comes from the option
    where = ["--engine", "solr", "--solr-url", solr_cluster.url, "--index", str(solr.path), "--no-update"]
    command = [sys.executable, "-m", "ichigo_search", "serve", *where, "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    assert json.load(answer) == {"status": "ok", "records": 10}
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()[-2000:]
                time.sleep(0.3)
        for _ in range(4):  # both workers answer, each with its own Solr engine
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=Liuchow", timeout=30) as answer:
                assert json.load(answer)["hits"][0]["id"] == solr.search("Liuchow")[0].id
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/?q=Liuchow", timeout=30) as answer:
                assert "Guangxi" in answer.read().decode()  # the places facet
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_partial_answer_is_asked_again_then_an_error_and_a_blank_answer_is_asked_again():
    """Solr flags an answer cut short by timeAllowed (partialResults); a node stopping may answer 200 with nothing.
    A stand-in node on loopback gives both: neither is taken for a whole answer."""
    import http.server

    from ichigo_search.engine.solr.client import SolrClient

    asked: list[str] = []
    answers = {"/solr/partial/query": [b'{"responseHeader":{"partialResults":true},"response":{"numFound":1}}'] * 99,
               "/solr/blank/query": [b"", b'{"responseHeader":{},"response":{"numFound":7}}']}  # fmt: skip

    class Node(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            asked.append(self.path)
            body = answers[self.path].pop(0)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # CLUSTERSTATUS: a node outside SolrCloud
            self.send_error(404)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = SolrClient(f"http://127.0.0.1:{server.server_address[1]}/solr", retry_seconds=1.0)
        with pytest.raises(EngineError, match="partialResults"):
            client.post("/partial/query", {"query": "*:*"})
        assert asked.count("/solr/partial/query") >= 2
        assert client.post("/blank/query", {"query": "*:*"})["response"]["numFound"] == 7
        assert asked.count("/solr/blank/query") == 2
    finally:
        server.shutdown()
        server.server_close()


def test_solr_config_names_the_configset_index_uploads(engines, solr_cluster, tmp_path):
    """An administrator who uploads the configset (`solr zk upconfig -n NAME`) needs the name `index` looks for."""
    written = CliRunner().invoke(main, ["solr-config", "--out", str(tmp_path / "conf")])
    assert written.exit_code == 0, written.output
    assert sorted(p.name for p in (tmp_path / "conf").iterdir()) == ["schema.xml", "solrconfig.xml"]
    name = written.stderr.strip().rsplit(" ", 1)[-1]
    with urllib.request.urlopen(f"{solr_cluster.url}/admin/configs?action=LIST", timeout=30) as answer:
        assert name in json.load(answer)["configSets"]


def test_a_solr_index_folder_opened_with_the_whoosh_engine_is_refused_not_rebuilt_over(
    solr_cluster, tmp_path, monkeypatch
):
    """`query` without --engine on a Solr index folder took its generation for damaged Whoosh files and rebuilt a
    Whoosh index over it; the next Solr query then failed."""
    monkeypatch.setenv("ICHIGO_SOLR_ALIAS", "engine-mixup")
    corpus = copy_sample(tmp_path / "corpus")
    where = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    solr = ["--engine", "solr", "--solr-url", solr_cluster.url, *where]
    runner = CliRunner()
    assert runner.invoke(main, ["index", *solr]).exit_code == 0
    for command in (["query", "Liuzhou"], ["index"], ["index", "--rebuild"]):
        refused = runner.invoke(main, [*command, *where])
        assert refused.exit_code == 2, refused.output
        assert "built with the solr engine, not whoosh; pass --engine solr" in refused.output, refused.output
        assert "Traceback" not in refused.output
    answer = runner.invoke(main, ["query", "Liuzhou airbase", "--json", *solr])
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output)["hits"][0]["id"] == "liuzhou-destroyed-fighter"
    assert len(list((tmp_path / "index").glob("gen-*"))) == 1


def test_a_second_index_folder_on_the_same_alias_is_refused_and_the_first_keeps_its_collection(solr_cluster, tmp_path):
    """Two index folders on one alias: the second one's publish took the alias and deleted the first's collection."""
    corpus = copy_sample(tmp_path / "corpus")
    first = Index(tmp_path / "first", engine=SolrEngine(solr_cluster.url, alias="twofold"))
    first.update_from(corpus)
    owned = _alias(solr_cluster.url, "twofold")
    second = Index(tmp_path / "second", engine=SolrEngine(solr_cluster.url, alias="twofold"))
    with pytest.raises(EngineError, match=r"alias 'twofold' points at .* set ICHIGO_SOLR_ALIAS"):
        second.update_from(corpus)
    assert _alias(solr_cluster.url, "twofold") == owned and owned in _collections(solr_cluster.url)
    assert first.search("Liuzhou airbase")[0].id == "liuzhou-destroyed-fighter"
    assert sum(name.startswith("twofold_") for name in _collections(solr_cluster.url)) == 1  # none left behind
    first.rebuild_from(corpus)  # the folder that made it goes on
    assert _alias(solr_cluster.url, "twofold") != owned
    first.close()
    second.close()


def test_creating_a_collection_asked_again_after_a_lost_answer_is_not_an_error(solr_cluster):
    """A node killed while a collection was created lost the answer; the client asked again and Solr answered
    'collection already exists', which stopped the whole index run (benchmarks/solr_failover.py)."""
    engine = SolrEngine(solr_cluster.url, alias="recreated")
    engine._create_collection("recreated_twice")
    engine._create_collection("recreated_twice")  # as the client's retry sends it
    assert "recreated_twice" in _collections(solr_cluster.url)
    with pytest.raises(EngineError, match="HTTP 400"):  # anything else Solr refuses is still an error
        engine._create_collection("bad name!")
    engine.client.get("/admin/collections", {"action": "DELETE", "name": "recreated_twice"})


def test_semantic_indexing_on_solr_is_refused_before_anything_is_sent(tmp_path):
    """It failed only once every record had been sent, when the vectors were to be written."""
    corpus = copy_sample(tmp_path / "corpus")
    down = ["--engine", "solr", "--solr-url", "http://127.0.0.1:9/solr", "--corpus", str(corpus)]
    result = CliRunner().invoke(main, ["index", "--semantic", *down, "--index", str(tmp_path / "index")])
    assert result.exit_code == 2, result.output
    assert "semantic ranking (--semantic) is not available on the solr engine yet" in result.output
    assert "cannot be reached" not in result.output and "Traceback" not in result.output  # Solr was not asked
