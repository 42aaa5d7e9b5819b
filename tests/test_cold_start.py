"""A one-shot ``ichigo-search query`` imports only what its query needs (issue 17: cold start).

Each query runs in a fresh Python process, as a reader's command does; the test reads
the modules that process loaded.  The standard modules named here cost 10-40 ms each
to import and no search uses them (Whoosh imports them for features we do not call).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLE_CORPUS, fsa_records, index_of

# Never needed to answer a query from the command line: the other commands' modules load only when they run.
UNNEEDED = (
    "asyncio",
    "urllib.request",
    "http.client",
    "email.parser",
    "numpy.ma",
    "whoosh.query",
    "whoosh.searching",
    *(f"ichigo_search.cli.{name}" for name in ("indexing", "check", "places", "serve", "solr_config")),
    "ichigo_search.indexing",  # updating and rebuilding, with the corpus reader and the vector writer
    "ichigo_search.corpus.reading",
    "ichigo_search.semantic.vectors",
)
# Patterns only indexing uses (scanning captions for places, splitting texts that are not plain words): compiling
# them took ~3 ms of a cold query.
INDEXING_PATTERNS = (
    "text.analysis._NOT_PLAIN_RE",
    *(f"vocab.gazetteer.{name}" for name in ("_WORD_RE", "_WORD_SPLIT_RE")),
    *(f"vocab.gazetteer.{name}" for name in ("_ORGANISATION_AFTER_RE", "_BEFORE_QUALIFIER_RE")),
    *(f"vocab.gazetteer.{name}" for name in ("_ABBREVIATION_RE", "_DOTTED_COUNTRY_RE")),
)
PROBE = """
import json, sys
from ichigo_search.cli import main
patterns = json.loads(sys.argv[2])
sys.argv = ["ichigo-search", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as stop:
    code = stop.code
import gc, os
frozen = gc.get_freeze_count()
threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None
blas = os.environ.get("OPENBLAS_NUM_THREADS")
from ichigo_search.text import analysis
cjk = "search" in getattr(analysis.CJK_RE, "__dict__", {"search": "a compiled pattern"})
import importlib
compiled = [
    name for name in patterns
    if "search" in getattr(
        getattr(importlib.import_module("ichigo_search." + name.rsplit(".", 1)[0]), name.rsplit(".", 1)[1]),
        "__dict__", {"search": "a compiled pattern"})
]
answer = {"exit": code, "modules": sorted(sys.modules), "threads": threads, "blas": blas, "cjk": cjk}
print("\\n" + json.dumps({**answer, "frozen": frozen, "compiled": compiled}))
"""


@pytest.fixture(scope="module")
def index_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ichigo_search import Index

    folder = tmp_path_factory.mktemp("cold") / "index"
    with Index(folder) as idx:
        idx.update_from(SAMPLE_CORPUS)
    return folder


def probe(index: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """``ichigo-search query ARGS --no-update`` in a new process: its exit code, the modules it loaded, its
    threads at the end (Linux) and the ``OPENBLAS_NUM_THREADS`` it ran with."""
    argv = ["query", *args, "--no-update", "--index", str(index), "--corpus", str(SAMPLE_CORPUS)]
    command = [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(INDEXING_PATTERNS)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def loaded(index: Path, *args: str) -> tuple[int, set[str]]:
    """The exit code of ``ichigo-search query ARGS --no-update`` in a new process, and the modules it loaded."""
    answer = probe(index, *args)
    return answer["exit"], set(answer["modules"])


@pytest.fixture(scope="module")
def ascii_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the first FSA/OWI captions written in ASCII only."""
    records = fsa_records(300)
    captions = {record["id"]: record["caption"] for record in records if record["caption"].isascii()}
    assert len(captions) > 200
    root = tmp_path_factory.mktemp("ascii")
    index_of(root, captions).close()
    return root / "index"


@pytest.mark.parametrize(("args", "compiled"), [(["ship launching"], False), (["柳州"], True), (["Ōsaka"], True)])
def test_the_cjk_pattern_is_compiled_only_for_a_text_that_is_not_ascii(ascii_index, args, compiled):
    """Compiling the regular expressions with the CJK ranges took ~5 ms of a cold query; a query of ASCII words
    over ASCII captions never needs them."""
    answer = probe(ascii_index, *args)
    assert answer["exit"] == (0 if args == ["ship launching"] else 1)
    assert answer["cjk"] == compiled


def test_patterns_only_indexing_uses_are_compiled_when_first_used(ascii_index):
    """A query (words, facets, a phrase, a typo) compiles none of them; indexing still does (tests/test_analysis.py
    and every index built here)."""
    for args in (["ship launching"], ["ship launching", "--facets"], ['"ship launching"'], ["shipp"]):
        answer = probe(ascii_index, *args)
        assert answer["exit"] in (0, 1) and answer["compiled"] == [], args


def test_a_query_runs_numpy_with_one_blas_thread_unless_told(index_folder):
    """numpy's OpenBLAS started a spinning thread per core at import (~45 ms of CPU a cold query on 2 cores);
    the query's numpy work is elementwise, so the command asks for one thread, and keeps a number the user set."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    answer = probe(index_folder, "Liuzhou airbase", env=env)
    assert answer["exit"] == 0 and "numpy" in answer["modules"]
    assert answer["blas"] == "1"
    if answer["threads"] is not None:
        assert answer["threads"] == 1  # OpenBLAS started no thread of its own
    assert probe(index_folder, "Liuzhou airbase", env={**env, "OPENBLAS_NUM_THREADS": "2"})["blas"] == "2"


def test_the_program_ends_without_a_last_collection_but_a_caller_keeps_its_collector(index_folder):
    """At exit the interpreter's cycle collections walked every object the imports made (~25 ms of a 0.2 s
    cold query): the program freezes them once its command is done; a test's ``CliRunner`` is left alone."""
    import gc

    from click.testing import CliRunner

    from ichigo_search.cli import main

    answer = probe(index_folder, "Liuzhou airbase")
    assert answer["exit"] == 0 and answer["frozen"] > 10_000
    before = gc.get_freeze_count()
    args = ["query", "Liuzhou airbase", "--no-update", "--index", str(index_folder), "--corpus", str(SAMPLE_CORPUS)]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert gc.get_freeze_count() == before


# Only a word the index lacks is looked up among near spellings (rapidfuzz, 10 ms to import).
NO_TYPO = ("rapidfuzz",)


@pytest.mark.parametrize(
    ("args", "unneeded"),
    [
        (["Liuzhou airbase"], NO_TYPO),  # words: proximity phrases too
        (['"cavalry column"'], NO_TYPO),  # a phrase
        (["Liuchow"], NO_TYPO),  # a place spelling
        (["Liuzhuo"], ()),  # a typo
        (["柳州"], NO_TYPO),  # CJK
        (["retreat", "--json"], NO_TYPO),
        (["retreat", "--facets"], NO_TYPO),
    ],
)
def test_a_query_loads_nothing_it_does_not_use(index_folder, args, unneeded):
    code, modules = loaded(index_folder, *args)
    assert code == 0, args
    assert "ichigo_search.engine.whoosh.evaluate" in modules  # the probe really searched
    assert not modules & {*UNNEEDED, *unneeded}, sorted(modules & {*UNNEEDED, *unneeded})
    assert ("rapidfuzz" in modules) == (args == ["Liuzhuo"])  # the typo's spellings were looked up


def test_the_deferred_modules_still_work_when_used(index_folder):
    """What Whoosh imported as a stand-in loads the real module on first use."""
    code = (
        "import ichigo_search.engine.whoosh, cached_property, whoosh.compat, sys\n"
        "assert 'asyncio' not in sys.modules and 'urllib.request' not in sys.modules\n"
        "assert cached_property.asyncio.iscoroutinefunction(lambda: 0) is False\n"
        "import asyncio, urllib.request\n"
        "assert cached_property.asyncio.iscoroutinefunction is asyncio.iscoroutinefunction\n"
        "assert callable(whoosh.compat.urlretrieve) and urllib.request.urlretrieve\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_places_in_hanzi_are_found_without_loading_every_gazetteer_key():
    """A query's run of hanzi is looked up piece by piece in SQLite: loading the gazetteer's 150,000 keys took
    60-110 ms of a cold CJK query. A process that scans many texts (indexing) still loads them once."""
    from ichigo_search.vocab.gazetteer import Gazetteer

    asked, loaded = Gazetteer(), Gazetteer()
    loaded.keys()
    texts = ("柳州", "广西柳州", "一号作戦", "平阳镇 Liuchow", "桂林機場", "Kweilin 廣西")
    for text in texts:
        found = asked.find(text, require_case=False)
        assert found == loaded.find(text, require_case=False)
    assert [m.text for m in asked.find("广西柳州", require_case=False)] == ["广西", "柳州"]
    assert asked._keys is None
    for number in range(30):
        asked.find(f"Liuzhou, Guangxi, photograph {number}", require_case=False)
    assert asked._keys is not None


def test_words_of_a_prefix_are_read_as_whoosh_expands_them(index, corpus):
    """Typo tolerance reads the words of a first letter from the term table as one byte range (40 ms of a cold
    query with a typo went on Whoosh's entry-by-entry ``expand_prefix``): the same words, in segments written by
    the bulk writer and by Whoosh's own (an update), with those the bulk writer lists without postings (the exact
    field's base forms: ``test_bulk`` compares them with what Whoosh's writer posts)."""
    import json

    from ichigo_search.engine.whoosh.searcher import segment_words
    from ichigo_search.engine.whoosh.sidecar import segment_arrays

    (corpus / "extra.jsonl").write_text(
        json.dumps({"id": "new-one", "caption": "Zhuzhou échelon Ōsaka 柳州 airfield 1944", "places": ["Guilin"]})
        + "\n",
        encoding="utf-8",
    )
    index.update_from(corpus)
    reader = index._searcher_now().whoosh.reader()
    segments = [segment for segment, _ in reader.leaf_readers()]
    assert len(segments) == 2
    compared = 0
    for segment in segments:
        for field in segment.schema.names():
            if not segment.schema[field].indexed:
                continue
            terms = [term.decode("utf-8", "replace") for term in segment.lexicon(field)]
            for prefix in sorted({"", "zz", "\uffff", *(t[:1] for t in terms), *(t[:2] for t in terms)}):
                expected = [t.decode() for t in segment.expand_prefix(field, prefix)]
                if base_forms := segment_arrays(segment).base_forms(field):  # and the words held without postings
                    expected = sorted(expected + [f.decode() for f in base_forms.starting(prefix.encode())])
                assert segment_words(segment, field, prefix) == expected, (field, prefix)
                compared += len(expected)
    assert compared > 1000


def test_a_query_asks_whether_its_words_are_ordinary_without_loading_the_list():
    """Whether a word is also an ordinary English word (vocab/words.py): a query's few words are looked up in the
    list's text, a process asking many loads it into a set (which costs a cold query a few milliseconds)."""
    from ichigo_search.vocab import words

    lines = words.ENGLISH_WORDS.read_text(encoding="utf-8").splitlines()
    listed = {line for line in lines if line and not line.startswith("#")}
    asked = words._Words(lambda: words.ENGLISH_WORDS)
    sample = ["reading", "mobile", "bath", "summit", "liuzhou", "workers", "california", "zzq", "", "#", "wash\nmiss"]
    assert [word in asked for word in sample] == [word in listed for word in sample]
    assert any(word in listed for word in sample) and not all(word in listed for word in sample)
    assert asked._set is None
    for word in sample * 3:
        assert (word in asked) == (word in listed)
    assert asked._set == listed
    loaded = words._Words(lambda: words.ENGLISH_WORDS)
    assert loaded.load() == listed and all((word in loaded) == (word in listed) for word in sample)


def test_a_rebuild_loads_the_word_lists_before_its_writing_process_forks(tmp_path, monkeypatch):
    """Both writing processes locate records, which asks the English word lists: loaded once by the parent before
    it forks, one copy is shared instead of one loaded by each."""
    from conftest import fsa_lines
    from ichigo_search import Index
    from ichigo_search.corpus import reading
    from ichigo_search.util import forking
    from ichigo_search.vocab import words

    monkeypatch.setattr(reading, "PARALLEL_READ_BYTES", 1000)
    monkeypatch.setattr(words, "_WORDS", words._Words(lambda: words.ENGLISH_WORDS))
    monkeypatch.setattr(words, "_FORMS", words._Words(lambda: words.ENGLISH_FORMS))
    loaded_at_fork: list[bool] = []
    fork = forking.Forked.__init__

    def forked(self, *args, **kwargs):
        loaded_at_fork.append(words._WORDS._set is not None and words._FORMS._set is not None)
        fork(self, *args, **kwargs)

    monkeypatch.setattr(forking.Forked, "__init__", forked)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "captions.jsonl").write_text("\n".join(fsa_lines(400)) + "\n", encoding="utf-8")
    with Index(tmp_path / "index") as index:
        index.rebuild_from(corpus)
        assert len(index) == 400
    assert loaded_at_fork == [True]
