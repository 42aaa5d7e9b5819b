"""The web search page and JSON API (``ichigo-search serve``), through Starlette's TestClient."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from ichigo_search import Index
from ichigo_search.cli import main
from ichigo_search.web.app import create_app

XSS_CAPTION = "Poster reading <script>alert(1)</script> & \"quoted\" 'words' at Kunming <b>bold</b>"


def add_records(corpus: Path, records: list[dict], name: str = "extra.jsonl") -> None:
    with (corpus / name).open("a", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


@pytest.fixture
def client(index):
    """A client over a private index (tests that change it)."""
    with TestClient(create_app(index)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def sample_client(sample_index):
    """A client over the session's read-only sample index."""
    with TestClient(create_app(sample_index)) as test_client:
        yield test_client


@pytest.fixture
def big_client(tmp_path, corpus):
    """The sample plus 25 refugee captions at Guilin or Liuzhou (three pages for "refugees")."""
    add_records(
        corpus,
        [
            {
                "id": f"refugees-{n:02d}",
                "caption": f"Refugees on the road out of Guilin, group {n}",
                "places": ["Guilin", "China"] if n % 2 else ["Liuzhou", "China"],
                "date": "1944" if n % 3 else "1938",
                "photographer": "Test Photographer",
                "source": f"https://example.org/photos/{n}",
            }
            for n in range(25)
        ],
    )
    idx = Index(tmp_path / "big-index")
    idx.update_from(corpus)
    with TestClient(create_app(idx)) as test_client:
        yield test_client
    idx.close()


class Links(HTMLParser):
    """Collects the hrefs of a page's links, with their text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._text).split()), self._href))
            self._href = None


def links(page: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(page)
    return parser.links


def link_to(page: str, text: str) -> str:
    """The href of the first link whose text starts with ``text``."""
    for label, href in links(page):
        if label.startswith(text):
            return href
    raise AssertionError(f"no link {text!r} in the page")


def hit_ids(page: str) -> list[str]:
    return re.findall(r'<h2 class="hit-title"><a href="/records/([^"]+)"', page)


# -- JSON API ----------------------------------------------------------------------


def test_api_search_is_the_cli_json_plus_offset(client, index, corpus):
    response = client.get("/api/search", params={"q": "Liuzhou airbase", "limit": 3})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    data = response.json()
    cli = CliRunner().invoke(
        main,
        ["query", "Liuzhou airbase", "--limit", "3", "--json", "--index", str(index.path), "--corpus", str(corpus)],
    )
    assert data == {**json.loads(cli.output), "offset": 0}
    assert data["hits"][0]["id"] == "liuzhou-destroyed-fighter"
    assert "<mark>airbase</mark>" in data["hits"][0]["highlights"][0]


def test_api_offset_limit_and_filters(sample_client):
    everything = sample_client.get("/api/search", params={"q": "Japanese", "limit": 100}).json()
    page = sample_client.get("/api/search", params={"q": "Japanese", "limit": 2, "offset": 2}).json()
    assert page["offset"] == 2 and page["total"] == everything["total"] > 4
    assert [h["id"] for h in page["hits"]] == [h["id"] for h in everything["hits"][2:4]]
    assert [h["rank"] for h in page["hits"]] == [3, 4]
    filtered = sample_client.get("/api/search", params={"q": "Japanese", "place": "Guilin", "year": "1944"}).json()
    assert [h["id"] for h in filtered["hits"]] == ["guilin-soldiers-convoy"]
    nothing = sample_client.get("/api/search", params={"q": "zeppelin"}).json()
    assert (nothing["query"], nothing["total"], nothing["hits"], nothing["offset"]) == ("zeppelin", 0, [], 0)


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"q": "x", "limit": "101"}, "limit"),
        ({"q": "x", "limit": "ten"}, "limit"),
        ({"q": "x", "limit": "-1"}, "limit"),
        ({"q": "x", "offset": "-5"}, "offset"),
        ({"q": "x", "offset": "10001"}, "offset"),
        ({"q": "x", "year": "soon"}, "year"),
        ({"q": "x" * 501}, "q"),
        ({"q": "x", "place": "p" * 201}, "place"),
    ],
)
def test_api_rejects_bad_parameters_with_400_json(sample_client, params, word):
    response = sample_client.get("/api/search", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith(word) or f"{word} " in error


def test_api_limit_is_capped_at_100(sample_client):
    assert sample_client.get("/api/search", params={"q": "China", "limit": "100"}).status_code == 200


def test_api_record_and_missing_record(sample_client):
    response = sample_client.get("/api/records/guilin-refugee-train")
    assert response.status_code == 200
    assert response.json()["caption"].startswith("Chinese refugees evacuating from Guilin")
    missing = sample_client.get("/api/records/no-such-id")
    assert missing.status_code == 404 and "no-such-id" in missing.json()["error"]


def test_healthz(sample_client):
    assert sample_client.get("/healthz").json() == {"status": "ok", "records": 10}


def test_unknown_api_path_and_method_are_json_errors(sample_client):
    unknown = sample_client.get("/api/nothing")
    assert unknown.status_code == 404 and "error" in unknown.json()
    post = sample_client.post("/api/search")
    assert post.status_code == 405 and "error" in post.json()


# -- the search page -----------------------------------------------------------------


def test_empty_state_names_the_collection_and_offers_examples(sample_client):
    page = sample_client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<h1>Ichigo Campaign</h1>" in html
    assert "sweep by Japanese forces through southern China" in html
    assert "Search 10 photograph captions" in html
    assert re.search(r'<input id="q" name="q" type="search" value=""[^>]*autofocus', html)
    assert link_to(html, "Liuzhou airbase") == "/?q=Liuzhou+airbase"
    assert link_to(html, "Guilin 2") == "/?place=Guilin"  # browse by place, with its count
    assert 'role="search"' in html and '<label for="q"' in html


def test_results_page_shows_ranked_highlighted_hits(client, index):
    html = client.get("/", params={"q": "Liuzhou airbase"}).text
    expected = index.search("Liuzhou airbase", limit=10)
    assert hit_ids(html) == [hit.id for hit in expected] and hit_ids(html)[0] == "liuzhou-destroyed-fighter"
    assert f"<strong>{expected.total}</strong> captions" in html
    assert re.search(r'<span class="took">\(\d+\.\d\d s\)</span>', html)
    assert "<mark>airbase</mark>" in html and "<mark>Liuzhou</mark>" in html
    assert '<span class="date">1945</span>' in html
    assert '<span class="photographer">Robert F. Riese</span>' in html
    assert '<a href="/?place=Guangxi">Guangxi</a>' in html  # a hit's place browses that place
    assert 'value="Liuzhou airbase"' in html  # the query stays in the box and in the URL


def test_a_matched_title_is_the_highlighted_heading(index, corpus):
    add_records(corpus, [{"id": "dusk", "title": "Airfield at dusk", "caption": "Fighters parked in a row."}])
    index.update_from(corpus)
    with TestClient(create_app(index)) as client:
        html = client.get("/", params={"q": "dusk"}).text
        assert '<a href="/records/dusk">Airfield at <mark>dusk</mark></a></h2>' in html
        assert '<p class="fragment">Fighters parked in a row.</p>' in html  # the title is not repeated
        # A title that the caption repeats is the plain heading; the caption carries the marks.
        html = client.get("/", params={"q": "remains"}).text
        assert '<a href="/records/liuchow-remains-field">Unidentified remains in a field.</a>' in html
        assert "Unidentified <mark>remains</mark> in a field." in html


def test_untitled_hits_get_a_heading_from_the_caption(sample_client):
    html = sample_client.get("/", params={"q": "footbridge"}).text
    assert '<a href="/records/ping-yang-ferry-footbridge">Ferry and footbridge 13 miles east of Ping Yang' in html


def facet_counts(html: str, q: str) -> dict[str, int]:
    pattern = (
        r'<a href="/\?q=' + re.escape(q) + r'&amp;(place|year)=[^"]+"[^>]*>([^<]+)</a>\s*<span class="count">(\d+)'
    )
    return {f"{kind}={label}": int(count) for kind, label, count in re.findall(pattern, html)}


def test_facets_count_and_filter(big_client):
    html = big_client.get("/", params={"q": "refugees"}).text
    counts = facet_counts(html, "refugees")
    assert counts["place=Liuzhou"] >= 13 and counts["year=1930s"] == 9 and counts["year=1940s"] == 16
    assert counts["place=Guilin"] >= 25  # every new caption names Guilin
    for facet, count in counts.items():  # a facet's count is what clicking it finds
        kind, value = facet.split("=", 1)
        assert big_client.get("/api/search", params={"q": "refugees", kind: value, "limit": 0}).json()["total"] == count
    filtered = big_client.get(link_to(html, "Liuzhou")).text
    assert f"<strong>{counts['place=Liuzhou']}</strong> captions" in filtered
    assert 'aria-label="Remove filter Place: Liuzhou"' in filtered and 'aria-current="true">Liuzhou<' in filtered
    assert link_to(filtered, "×") == "/?q=refugees"
    decade = big_client.get(link_to(html, "1930s")).text
    assert "<strong>9</strong> captions" in decade and "Years: 1930s" in decade


def test_pagination(big_client):
    first = big_client.get("/", params={"q": "road"}).text
    assert "<strong>25</strong> captions" in first
    assert 'aria-current="page"' in first and 'rel="prev"' not in first
    second = big_client.get(link_to(first, "Next")).text
    assert "<strong>11–20</strong> of" in second
    assert '<ol class="hits" start="11">' in second
    third = big_client.get(link_to(second, "3")).text
    assert "<strong>21–25</strong> of" in third and 'rel="next"' not in third
    assert not set(hit_ids(first)) & set(hit_ids(second)) and not set(hit_ids(second)) & set(hit_ids(third))
    beyond = big_client.get("/", params={"q": "road", "page": "9"}).text
    assert "the results end on page 3" in beyond


def test_hit_links_to_record_page_and_source(big_client):
    html = big_client.get("/", params={"q": "group 7"}).text
    assert '<a class="source" href="https://example.org/photos/7" rel="noopener noreferrer nofollow">' in html
    record = big_client.get(link_to(html, "Refugees on the road out of Guilin, group 7"))
    assert record.status_code == 200
    assert "Test Photographer" in record.text and 'href="/api/records/refugees-07"' in record.text


def test_no_results_message_helps(sample_client):
    html = sample_client.get("/", params={"q": "zeppelin"}).text
    assert "No captions match “zeppelin”." in html
    assert "Check the spelling" in html and link_to(html, "Liuzhou airbase") == "/?q=Liuzhou+airbase"
    filtered = sample_client.get("/", params={"q": "Guilin", "place": "Calcutta"}).text
    assert "with these filters" in filtered
    assert link_to(filtered, "2 captions match") == "/?q=Guilin"


def test_browsing_a_place_without_words(sample_client):
    html = sample_client.get("/", params={"place": "Liuchow"}).text
    api = sample_client.get("/api/search", params={"place": "Liuchow"}).json()
    assert hit_ids(html) == [hit["id"] for hit in api["hits"]]
    assert {"liuchow-cavalry-column", "liuchow-remains-field", "liuzhou-airstrip-mines"} <= set(hit_ids(html))


def test_page_rejects_bad_parameters_with_a_message(sample_client):
    response = sample_client.get("/", params={"q": "x", "page": "0"})
    assert response.status_code == 400 and "page must be a whole number" in response.text
    assert sample_client.get("/", params={"q": "x", "year": "soon"}).status_code == 400


def test_missing_record_page_is_404(sample_client):
    response = sample_client.get("/records/nope")
    assert response.status_code == 404 and "There is no record with the id" in response.text


# -- safety ----------------------------------------------------------------------------


def test_captions_and_queries_are_escaped(tmp_path, corpus):
    add_records(
        corpus,
        [
            {
                "id": 'xss/"id" <x>',
                "title": "<img src=x onerror=alert(3)> title",
                "caption": XSS_CAPTION,
                "places": ["<i>Kunming</i>"],
                "photographer": '"><script>alert(4)</script>',
                "date": "<u>1944</u>",
                "source": "javascript:alert(5)",
            }
        ],
    )
    idx = Index(tmp_path / "xss-index")
    idx.update_from(corpus)
    with TestClient(create_app(idx)) as client:
        query = 'alert "><script>alert(2)</script>'
        page = client.get("/", params={"q": query})
        record = client.get("/records/" + "xss%2F%22id%22%20%3Cx%3E")
        for html in (page.text, record.text):
            assert "<script>" not in html and "<img" not in html and "<i>" not in html and "<u>" not in html
            assert "javascript:" not in html.replace("javascript:alert(5)</", "")  # shown as text, never a link
            assert 'href="javascript' not in html
        assert re.search(r"&lt;(<mark>)?script(</mark>)?&gt;<mark>alert</mark>\(1\)&lt;/", page.text)
        assert "&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page.text  # in the search box and summary
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &#39;words&#39;" in record.text
        assert record.status_code == 200 and "&lt;i&gt;Kunming&lt;/i&gt;" in record.text
        api = client.get("/api/search", params={"q": "alert"}).json()
        assert api["hits"][0]["caption"] == XSS_CAPTION
    idx.close()


def test_security_headers_and_no_directory_listing(sample_client):
    page = sample_client.get("/")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert sample_client.get("/static/style.css").status_code == 200
    for path in ("/static/", "/static", "/static/../app.py", "/static/%2e%2e/app.py", "/templates/base.html"):
        response = sample_client.get(path)
        assert response.status_code == 404, path
        assert "There is no page at this address." in response.text and "favicon.svg<" not in response.text


def test_errors_never_show_a_traceback(index, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(index, "search", broken)
    monkeypatch.setattr(index, "search_with_facets", broken)
    with TestClient(create_app(index), raise_server_exceptions=False) as client:
        api = client.get("/api/search", params={"q": "Guilin"})
        page = client.get("/", params={"q": "Guilin"})
    assert api.status_code == 500 and set(api.json()) == {"error"}
    assert page.status_code == 500 and "Something went wrong" in page.text
    for response in (api, page):
        assert "secret" not in response.text and "Traceback" not in response.text


def test_missing_index_is_a_503(tmp_path):
    with TestClient(create_app(tmp_path / "nothing-here")) as client:
        response = client.get("/api/search", params={"q": "x"})
        assert response.status_code == 503 and "error" in response.json()
        assert client.get("/healthz").status_code == 503


# -- the index changes while serving --------------------------------------------------------------


def test_an_index_run_in_another_process_shows_up_without_restart(client, index, corpus):
    assert client.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 0
    add_records(corpus, [{"id": "zeppelin-1", "caption": "A zeppelin over Guilin", "places": ["Guilin"]}])
    command = [sys.executable, "-m", "ichigo_search", "index", "--corpus", str(corpus), "--index", str(index.path)]
    subprocess.run(command, check=True, capture_output=True)
    assert client.get("/api/search", params={"q": "zeppelin"}).json()["hits"][0]["id"] == "zeppelin-1"
    assert "<mark>zeppelin</mark>" in client.get("/", params={"q": "zeppelin"}).text
    subprocess.run([*command, "--rebuild"], check=True, capture_output=True)
    (corpus / "extra.jsonl").unlink()
    subprocess.run(command, check=True, capture_output=True)
    assert client.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 0
    assert client.get("/healthz").json()["records"] == 10


# -- the serve command ------------------------------------------------------------------------


def test_serve_updates_the_index_then_runs_uvicorn_on_loopback(tmp_path, corpus, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    index_dir = tmp_path / "served-index"
    args = ["serve", "--corpus", str(corpus), "--index", str(index_dir), "--port", "8123", "--workers", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    (app, options) = calls[0]
    assert (options["host"], options["port"]) == ("127.0.0.1", 8123)
    assert "10 captions" in result.output
    with TestClient(app) as client:  # the index was built at startup
        assert client.get("/healthz").json()["records"] == 10


def test_serve_starts_a_worker_per_core_each_opening_the_index(tmp_path, corpus, monkeypatch):
    import os

    from ichigo_search.web import server

    calls = []
    monkeypatch.setattr(server, "run_workers", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    index_dir = tmp_path / "served-index"
    result = CliRunner().invoke(main, ["serve", "--corpus", str(corpus), "--index", str(index_dir), "--port", "8124"])
    assert result.exit_code == 0, result.output
    where = ("127.0.0.1", 8124, 3, str(index_dir.resolve()), str(corpus.resolve()))  # corpus: for repairs
    assert calls == [(where, {"environment": {server.ENGINE_VARIABLE: "whoosh"}})]
    assert "with 3 workers" in result.output
    monkeypatch.setenv(server.INDEX_VARIABLE, str(index_dir))  # what each worker process is given
    with TestClient(server.worker_app()) as client:
        assert client.get("/healthz").json()["records"] == 10


def test_serve_without_corpus_or_index_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 2 and "corpus folder not found" in result.output


def test_the_command_line_does_not_load_the_web_stack():
    code = (
        "import sys, ichigo_search.cli; print(sorted({'starlette', 'uvicorn', 'jinja2', 'whoosh'} & set(sys.modules)))"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )


def test_templates_and_static_files_ship_inside_the_package():
    from importlib.resources import files

    web = files("ichigo_search.web")
    for name in ("templates/base.html", "templates/search.html", "static/style.css", "static/favicon.svg"):
        assert web.joinpath(name).is_file(), name


# -- hardening: what a careless or hostile client can do ---------------------------------------------


@pytest.mark.parametrize("digits", ["٥", "５", "१०", "5\u0665"])
def test_non_ascii_digits_are_not_numbers(sample_client, digits):
    for path, name in (("/api/search", "limit"), ("/api/search", "offset"), ("/", "page")):
        response = sample_client.get(path, params={"q": "Guilin", name: digits})
        assert response.status_code == 400, (name, digits)
        assert "whole number" in response.text


def test_a_long_missing_id_is_not_echoed(sample_client):
    long_id = "x" * 60_000  # as long as the test client lets a URL be
    for path in ("/records/", "/api/records/"):
        response = sample_client.get(path + long_id)
        assert response.status_code == 404
        assert len(response.content) < 10_000 and "x" * 81 not in response.text


def test_security_headers_on_every_response_including_errors(index, monkeypatch):
    from ichigo_search.errors import IndexFormatError

    with TestClient(create_app(index), raise_server_exceptions=False) as client:
        responses = [
            client.get("/"),
            client.get("/api/search", params={"q": "Guilin", "limit": "many"}),  # 400
            client.get("/records/nothing"),  # 404
            client.post("/api/search"),  # 405
            client.get("/static/style.css"),
        ]

        def fail(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(index, "search", fail)
        responses.append(client.get("/api/search", params={"q": "Guilin"}))  # 500

        def damaged(*args, **kwargs):
            raise IndexFormatError("damaged")

        monkeypatch.setattr(index, "search_with_facets", damaged)
        responses.append(client.get("/", params={"q": "Guilin"}))  # 503
    assert [r.status_code for r in responses] == [200, 400, 404, 405, 200, 500, 503]
    for response in responses:
        assert "default-src 'none'" in response.headers["content-security-policy"], response.status_code
        assert response.headers["x-frame-options"] == "DENY"


def test_too_many_waiting_requests_are_answered_503_at_once(index):
    from ichigo_search.web.app import SearchApp

    app = create_app(index)
    site: SearchApp = app.app.state.site
    with TestClient(app) as client:
        assert client.get("/api/search", params={"q": "Guilin"}).status_code == 200
        site._waiting = site.max_waiting  # as if that many requests were queued for the index
        busy = [client.get("/api/search", params={"q": "Guilin"}), client.get("/", params={"q": "Guilin"})]
        site._waiting = 0
        assert client.get("/api/search", params={"q": "Guilin"}).status_code == 200
    for response in busy:
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
        assert "busy" in response.text


@pytest.fixture
def thread_hops(monkeypatch) -> list:
    """The functions the web app hands to a worker thread, in order (it still hands them)."""
    from ichigo_search.web import app as web_app

    hops = []
    to_thread = web_app.run_in_threadpool

    async def counted(function, *args):
        hops.append(function)
        return await to_thread(function, *args)

    monkeypatch.setattr(web_app, "run_in_threadpool", counted)
    return hops


def test_requests_skip_the_thread_hop_when_the_index_is_free_and_wait_their_turn_otherwise(index, thread_hops):
    """The API and the pages of an embedded engine are answered on the event loop (the hop to a thread and back
    cost ~0.75 ms of CPU a request); one that finds the index held waits for it in a thread."""
    import threading

    from ichigo_search.web import app as web_app

    app = create_app(index)
    site: web_app.SearchApp = app.app.state.site
    with TestClient(app) as client:
        free = client.get("/api/search", params={"q": "Guilin"})
        record = client.get("/api/records/" + free.json()["hits"][0]["id"])
        page = client.get("/", params={"q": "Guilin"})
        record_page = client.get("/records/" + free.json()["hits"][0]["id"])
        answered = [free.status_code, record.status_code, page.status_code, record_page.status_code]
        assert answered == [200] * 4 and thread_hops == []  # all answered on the event loop

        answers = []
        with site._lock:  # another request holds the index: these wait for it in a thread
            waiting = [
                threading.Thread(target=lambda path=path: answers.append(client.get(path, params={"q": "Guilin"})))
                for path in ("/api/search", "/")
            ]
            for thread in waiting:
                thread.start()
                thread.join(0.3)
                assert thread.is_alive() and not answers
        for thread in waiting:
            thread.join(10)
    assert len(thread_hops) == 2 and [a.status_code for a in answers] == [200, 200]
    assert free.json() in [a.json() for a in answers if a.headers["content-type"].startswith("application/json")]


def _truncate_segments(generation: Path) -> None:
    for path in generation.iterdir():
        if path.suffix == ".seg":
            path.write_bytes(path.read_bytes()[:100])


def _garbage_toc(generation: Path) -> None:
    for path in generation.iterdir():
        if path.suffix == ".toc":
            path.write_bytes(b"\x00garbage" * 10)


@pytest.mark.parametrize("damage", [_truncate_segments, _garbage_toc])
def test_healthz_reports_a_damaged_index_with_the_reason(index, damage):
    from ichigo_search import store

    damage(store.current_generation(index.path))
    with TestClient(create_app(index.path)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error" and "rebuild" in response.json()["error"]


def test_a_server_engines_requests_wait_on_the_network_in_a_thread(index, thread_hops):
    """A server engine's search or page (Solr) may wait on a slow node for seconds: never on the event loop."""
    from ichigo_search import Index
    from ichigo_search.engine.whoosh import WhooshEngine

    class RemoteLike(WhooshEngine):  # the same index, read as a server engine would be
        embedded = False

    remote = Index(index.path, engine=RemoteLike())
    assert index.embedded and not remote.embedded
    with TestClient(create_app(remote)) as client:
        found = client.get("/api/search", params={"q": "Guilin"})
        record = client.get("/api/records/" + found.json()["hits"][0]["id"])
        page = client.get("/", params={"q": "Guilin"})
    assert (found.status_code, record.status_code, page.status_code, len(thread_hops)) == (200, 200, 200, 3)
    remote.close()


@pytest.mark.parametrize(
    "values",
    [
        ("Liuzhou airbase", None, None, 1),
        ('"cavalry column" -mines', "Guilin", "1940s", 3),
        ("a&b=c+d%20/é#?", "São Paulo; Rio", "1944..1945", 2),
        ("一号作戦", None, "1940s", 1),
        ("", "Utah", None, 1),
        ("", None, None, 5),
    ],
)
def test_search_urls_are_encoded_as_urlencode_encodes_them(values):
    """Links are written without urlencode (a page has ~50), byte for byte as it wrote them."""
    from urllib.parse import urlencode

    from ichigo_search.web.views import search_url

    q, place, year, page = values
    pairs = [(name, value) for name, value in (("q", q), ("place", place), ("year", year)) if value]
    pairs += [("page", str(page))] if page > 1 else []
    assert search_url(q, place, year, page) == ("/?" + urlencode(pairs) if pairs else "/")
