"""Any query text: ``Index.search`` never raises, the CLI exits 0, 1 or 2 with a readable message, the
work a query causes is bounded, and every highlight is HTML-escaped.

Property-based (hypothesis) with modest example counts, plus fixed worst cases.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ichigo_search import Index
from ichigo_search.cli import main
from ichigo_search.query import syntax as querying
from ichigo_search.text.highlight import fragments

OPERATORS = ["AND", "OR", "NOT", "(", ")", '"', "*", "?", "~", "^", ":", "-", "+", "\\", "/", "&&", "||", "!"]
FIELDS = ["title:", "place:", "photographer:", "year:", "by:", "caption:", "nosuchfield:", "id:", "hash:", "record:"]
WORDS = [
    "Liuzhou",
    "Guilin",
    "airbase",
    "retreat",
    "the",
    "of",
    "一号作戦",
    "柳州",
    "Ichi-gō",
    "U.S.",
    "1944",
    "1944..1945",
]
ODD = [
    "🙂",
    "👩‍👩‍👧",
    "\u202e",
    "\u200f",
    "עברית",
    "العربية",
    "\x00",
    "\x1b[31m",
    "\ufeff",
    "\u0301",
    "\U0010ffff",
    "\ud800",
]
MARK_RE = re.compile(r"</?mark>")

SETTINGS = settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

any_text = st.text(st.characters(exclude_categories=()), max_size=200)  # every code point, surrogates too
soup = st.lists(st.sampled_from(OPERATORS + FIELDS + WORDS + ODD), max_size=40).flatmap(
    lambda parts: st.sampled_from([" ".join(parts), "".join(parts)])
)
queries = st.one_of(any_text, soup, st.builds(lambda a, b: a + b, soup, any_text))

LONG = [
    "a" * 10_000,
    "Liuzhou " * 1250,
    "(" * 10_000,
    '"' * 10_000,
    "-" * 10_000,
    "柳" * 10_000,
    "a-" * 5000,
    "x:" * 5000,
    "🙂" * 10_000,
    "title:" * 2000,
    " ".join(f"zzq{i}xy" for i in range(2000)),
    "Liuzhuo Kweilin Liuchow Guilin Kunming Calcutta Hengyang Changsha " * 150,
    "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x-y-z-" * 200,
    "OR " * 3000 + "Guilin",
    "NOT " * 3000 + "Guilin",
    '"Liuzhou ' * 1000,
    "the of and a to in " * 500,
    "!?.,;:'" * 1500,
    "\x00\x01\x02\x1b" * 2500,
    "עברית العربية " * 700,
]
SHORT = ["the", "of and the", "!!! ??? ...", "''", "-", '"', "()", "NOT", "OR OR", "title:", ":", "*", "🙂🙂", "\u202e"]


def check_results(results, limit: int) -> None:
    """A complete, serialisable, HTML-safe answer."""
    assert results.total >= len(results) >= 0 and len(results) <= limit
    data = results.to_dict()
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # printable as UTF-8, no lone surrogates
    for hit in data["hits"]:
        assert hit["id"] and hit["caption"]
        for fragment in hit["highlights"]:
            plain = MARK_RE.sub("", fragment)
            assert not set(plain) & set("<>\"'"), fragment


@SETTINGS
@given(text=queries, limit=st.integers(-5, 50), offset=st.integers(-5, 10**6))
def test_search_never_raises(sample_index, text, limit, offset):
    results = sample_index.search(text, limit=limit, offset=offset)
    check_results(results, max(limit, 0))


@SETTINGS
@given(text=queries, place=st.one_of(st.none(), any_text, soup), year=st.one_of(st.none(), any_text))
def test_filters_never_raise(sample_index, text, place, year):
    check_results(sample_index.search(text, limit=5, place=place, year=year), 5)


@pytest.mark.parametrize("text", LONG + SHORT, ids=[f"q{i}" for i in range(len(LONG + SHORT))])
def test_worst_case_queries_are_answered_and_bounded(sample_index, text):
    check_results(sample_index.search(text, limit=10), 10)
    parsed = querying.parse(text)
    assert len(parsed.clauses) <= querying.MAX_CLAUSES
    assert sum(len(unit.text) for clause in parsed.clauses for unit in clause.units) <= querying.MAX_QUERY_CHARS


def test_stopwords_only_and_punctuation_only(sample_index):
    assert sample_index.search("the of and").total > 0  # only stopwords: they are searched after all
    assert sample_index.search("!!! ??? ...").total == 0


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(queries, min_size=1, max_size=3), as_json=st.booleans())
def test_cli_exits_0_1_or_2_with_a_message(sample_index, words, as_json):
    args = ["query", "--no-update", "--index", str(sample_index.path), "--corpus", "corpus"]
    args += (["--json"] if as_json else []) + ["--", *words]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert "Error" in result.output or "error" in result.output
    elif as_json:
        assert json.loads(result.output)["total"] >= 0
    else:
        assert result.output.strip()


@pytest.mark.parametrize("args", [["-mines"], ["--limit", "-1", "x"], ["--year", "🙂", "x"], ["--offset", "x", "y"]])
def test_cli_option_lookalikes_are_usage_errors(sample_index, args):
    result = CliRunner().invoke(main, ["query", "--no-update", "--index", str(sample_index.path), *args])
    assert result.exit_code == 2 and "Error" in result.output and "Traceback" not in result.output


@settings(max_examples=150, deadline=None, derandomize=True)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=400), data=st.data())
def test_highlights_escape_everything_but_the_marks(text, data):
    from ichigo_search.text.analysis import analyze

    terms = [t.text for t in analyze(text, stemming=False)]
    forms = set(data.draw(st.lists(st.sampled_from(terms), max_size=4))) if terms else set()
    for fragment in fragments(text, set(), forms):
        plain = MARK_RE.sub("", fragment)
        assert not set(plain) & set("<>\"'"), fragment
        assert all(part.strip() in text for part in html.unescape(plain).split("…"))


def test_json_highlights_of_hostile_captions_are_escaped(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    hostile = [
        {"id": "x1", "caption": '<script>alert("Guilin")</script> & <b>bold</b> Guilin', "title": "<i>Guilin</i>"},
        {"id": "x2", "caption": "Guilin <img src=x onerror=alert(1)> 'single' \"double\" &amp; &lt;"},
        {"id": "x3", "caption": "Guilin </mark><mark>fake mark</mark>"},
    ]
    (corpus / "h.jsonl").write_text("".join(json.dumps(r) + "\n" for r in hostile), encoding="utf-8")
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(main, ["query", "Guilin", "--json", "--corpus", str(corpus), "--index", str(index_dir)])
    data = json.loads(result.output)
    assert {h["id"] for h in data["hits"]} == {"x1", "x2", "x3"}
    for hit in data["hits"]:
        joined = "".join(hit["highlights"])
        assert "<mark>Guilin</mark>" in joined or "<mark>guilin</mark>" in joined.lower()
        plain = MARK_RE.sub("", joined)
        assert "<" not in plain and ">" not in plain
    x3 = next(h for h in data["hits"] if h["id"] == "x3")
    assert "&lt;/mark&gt;&lt;mark&gt;" in "".join(x3["highlights"])  # a caption cannot forge a mark
    with Index(index_dir) as idx:
        check_results(idx.search("script alert img onerror"), 10)


def test_undecodable_argv_bytes_do_not_break_output(sample_index):
    """A query with bytes that are not UTF-8 (argv decodes them to lone surrogates)."""
    results = sample_index.search("Liuzhou \udcff\udcfe")
    check_results(results, 10)
    assert "\ufffd" in results.query


def test_a_closed_pipe_stops_the_cli_quietly(sample_index):
    """`ichigo-search query … | head`: the reader goes away before the output is written."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    command = [sys.executable, "-m", "ichigo_search", "query", "Liuzhou", "--json", "--no-update"]
    process = subprocess.Popen(
        [*command, "--index", str(sample_index.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    process.stdout.close()  # long before the child has imported anything
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 2
    assert stderr == ""  # quiet, like cat or grep: whoever stopped reading needs no message
