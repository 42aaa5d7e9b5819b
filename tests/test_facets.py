"""Facet counts: places and decades over every caption a search matches."""

from __future__ import annotations

import json

import pytest

from ichigo_search.facets import FacetCounter, decades_of, place_key


def test_decades_of_a_year_range():
    assert decades_of((1944, 1944)) == (1940,)
    assert decades_of((1938, 1941)) == (1930, 1940)
    assert decades_of(None) == ()
    assert decades_of((1500, 2000)) == ()  # too vague to count


def test_place_key_normalises_spacing():
    assert place_key("  Ping   Yang ") == "Ping Yang"


@pytest.mark.parametrize(
    ("query", "place", "year"),
    [
        ("Liuzhou", None, None),
        ("Liuzhou airbase", None, None),
        ("Japanese -retreat", None, None),
        ('"cavalry column"', None, None),
        ("Japanese", "Guilin", None),
        ("Ichigo", None, "1944"),
        ("year:1945", None, None),
        ("", "China", None),
        ("zeppelin", None, None),
    ],
)
def test_facet_total_equals_search_total(sample_index, query, place, year):
    facets = sample_index.facets(query, place=place, year=year)
    assert facets.total == sample_index.search(query, limit=0, place=place, year=year).total


def test_place_and_decade_counts(sample_index):
    facets = sample_index.facets("Guilin OR Calcutta")
    places = {v.value: v.count for v in facets.places}
    assert places["Guilin"] == 2 and places["Guangxi"] == 2 and places["India"] == 1
    assert facets.places == sorted(facets.places, key=lambda v: (-v.count, v.value))  # most frequent first
    assert [(v.value, v.count) for v in facets.decades] == [("1940s", 2)]
    everything = sample_index.facets("", year="1940s")
    assert [(v.value, v.count) for v in everything.decades] == [("1940s", 3)]


def test_spellings_of_one_place_count_together_under_its_name(sample_index):
    places = {v.value: v.count for v in sample_index.facets("", browse=True, size=50).places}
    assert "Liuchow" not in places
    assert places["Liuzhou"] == sample_index.search("", place="Liuchow", limit=0).total


@pytest.mark.parametrize("query", ["Japanese", "retreat", "Liuchow"])
def test_each_place_count_is_what_its_filter_finds(sample_index, query):
    facets = sample_index.facets(query, size=50)
    assert facets.places
    for value in facets.places:
        assert sample_index.search(query, place=value.value, limit=0).total == value.count, value


def test_places_unknown_to_the_gazetteer_count_as_written(index, corpus):
    extra = corpus / "extra.jsonl"
    extra.write_text(
        json.dumps({"id": "x1", "caption": "Japanese patrol", "places": ["Qqzzx  Hamlet"]}) + "\n", encoding="utf-8"
    )
    index.update_from(corpus)
    places = {v.value: v.count for v in index.facets("patrol").places}
    assert places == {"Qqzzx Hamlet": 1}
    assert index.search("patrol", place="Qqzzx Hamlet", limit=0).total == 1


def test_size_limits_the_places(sample_index):
    assert len(sample_index.facets("Japanese", size=2).places) == 2


def test_empty_query_without_filters_has_no_facets(sample_index):
    assert sample_index.facets("").total == 0


def test_counts_follow_index_updates_and_deletions(index, corpus):
    before = {v.value: v.count for v in index.facets("Japanese").places}
    extra = corpus / "extra.jsonl"
    extra.write_text(
        json.dumps({"id": "new-guilin", "caption": "Japanese patrol near Guilin", "places": ["Guilin"]}) + "\n",
        encoding="utf-8",
    )
    index.update_from(corpus)
    after = {v.value: v.count for v in index.facets("Japanese").places}
    assert after["Guilin"] == before["Guilin"] + 1
    extra.unlink()
    index.update_from(corpus)  # a deletion inside an existing segment
    assert {v.value: v.count for v in index.facets("Japanese").places} == before


def test_segment_values_are_cached_and_pruned(index, corpus):
    counter = FacetCounter()
    searcher = index._searcher_now()
    counter.count(searcher, "Liuzhou")
    cached = dict(counter._segments)
    assert cached
    counter.count(searcher, "Guilin")
    assert all(counter._segments[key] is values for key, values in cached.items())
    index.rebuild_from(corpus)
    counter.count(index._searcher_now(), "Guilin")
    assert not set(cached) & set(counter._segments)  # the old generation's segments are gone


def test_browse_counts_the_whole_collection(sample_index):
    facets = sample_index.facets("", browse=True)
    assert facets.total == len(sample_index) == 10
    # every sample caption is in China: Elmer Bukey's "spent much time in southwestern China" too
    assert {v.value: v.count for v in facets.places}["China"] == 10


def test_columns_from_postings_count_what_the_stored_records_say(tmp_path):
    """Decades and places the gazetteer lacks, counted from index postings, equal a count over every stored record
    (5,000 real FSA/OWI captions: ranges, undated and wide dates, county names no gazetteer has)."""
    from collections import Counter

    from conftest import fsa_lines
    from ichigo_search import Index
    from ichigo_search.document import stored_places
    from ichigo_search.search import make_expander

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = fsa_lines(5000)
    (corpus / "fsa.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Index(tmp_path / "index") as idx:
        idx.update_from(corpus)
        records = [idx.get(json.loads(line)["id"]) for line in lines]
        searcher = idx._searcher_now()
        hidden = {  # code values and truncated names the record keeps but does not show as places
            name
            for record in records
            for name in stored_places(searcher.stored(searcher.document_number(record.id))).get("hidden", ())
        }
        facets = idx.facets("", browse=True, size=100_000)
    decades = Counter(f"{decade}s" for record in records for decade in decades_of(record.years))
    assert {v.value: v.count for v in facets.decades} == dict(decades)
    expander = make_expander()
    unknown = Counter(
        place_key(name)
        for record in records
        for name in dict.fromkeys(record.places)
        if name.strip() and name not in hidden and not expander.place_ids(name)
    )
    assert len(unknown) >= 10 and sum(decades.values()) > 1000  # the sample holds what is tested (the gazetteer
    # of the places branch knows all but a dozen of these 5,000 records' place names)
    counted = {v.value: v.count for v in facets.places}
    assert {name: counted.get(name) for name in unknown} == dict(unknown)


def test_facets_read_no_stored_record(index, monkeypatch):
    """Counting reads postings only: reading 98,244 stored records took 1.9 s of a cold ``--facets``."""
    from ichigo_search.engine.whoosh.searcher import WhooshSegment

    def refuse(self, docnum):
        raise AssertionError("a stored record was read")

    monkeypatch.setattr(WhooshSegment, "stored", refuse)
    facets = index.facets("Liuzhou")
    assert facets.total > 0 and facets.places


@pytest.fixture
def segments_read(monkeypatch) -> list[str | None]:
    """The key of each segment whose postings are read from disk (``WhooshSegment.postings``), in order."""
    from ichigo_search.engine.whoosh.searcher import WhooshSegment

    read_postings = WhooshSegment.postings
    keys: list[str | None] = []

    def recorded(self, field):
        keys.append(self.key)
        return read_postings(self, field)

    monkeypatch.setattr(WhooshSegment, "postings", recorded)
    return keys


def test_each_generation_keeps_its_facet_columns(tmp_path, corpus, segments_read):
    """A new process counts facets from the columns the generation was written with (building them from the
    postings took 0.5 s of a cold ``query --facets`` at 98,244 captions), after an update too, and the counts
    are those of columns built from the postings."""
    from ichigo_search import Index, store
    from ichigo_search.facets import COLUMNS_FILE

    queries = [("Japanese", None), ("", "China"), ("Liuzhou airbase", None), ("retreat", None)]

    def built(idx: Index) -> list[dict]:  # from the postings, by a counter that reads no file
        searcher, counter = idx._searcher_now(), FacetCounter()
        return [counter.count(searcher, q, place=p, size=50).to_dict() for q, p in queries]

    def from_file(folder) -> list[dict]:
        segments_read.clear()
        with Index(folder) as fresh:
            counts = [fresh.facets(q, place=p, size=50).to_dict() for q, p in queries]
        assert segments_read == []  # no segment's postings were read
        return counts

    with Index(tmp_path / "index") as idx:
        idx.update_from(corpus)
        assert (store.current_generation(idx.path) / COLUMNS_FILE).exists()
        assert from_file(idx.path) == built(idx)
        old_segments = {segment.key for segment in idx._searcher_now().segments()}
        (corpus / "extra.jsonl").write_text(
            json.dumps({"id": "new-guilin", "caption": "Japanese patrol near Guilin", "places": ["Guilin"]}) + "\n",
            encoding="utf-8",
        )
        segments_read.clear()
        idx.update_from(corpus)
        assert segments_read and not set(segments_read) & old_segments  # the old segments' columns were kept
        assert from_file(idx.path) == built(idx)
        assert any(v["value"] == "Guilin" for v in built(idx)[0]["places"])


def test_outdated_facet_columns_are_built_again(index, monkeypatch, tmp_path):
    """Columns written with another gazetteer or index format are not used; a gazetteer with the same bytes
    but a new modification time (the package reinstalled) still is, rather than the columns being rebuilt
    from the postings by every ``query --facets`` until the next update."""
    import os
    import shutil

    import ichigo_search.facets as facets
    from ichigo_search.vocab import gazetteer as gazetteer_module

    expected = FacetCounter().count(index._searcher_now(), "Japanese").to_dict()
    assert FacetCounter().load(index._generation) > 0
    reinstalled = tmp_path / "gazetteer.sqlite"
    shutil.copyfile(gazetteer_module.DATA_FILE, reinstalled)  # same bytes, a new modification time
    monkeypatch.setattr(gazetteer_module, "DATA_FILE", reinstalled)
    assert FacetCounter().load(index._generation) > 0
    with reinstalled.open("r+b") as data:  # another gazetteer of the same size
        data.seek(-1, os.SEEK_END)
        last = data.read(1)
        data.seek(-1, os.SEEK_END)
        data.write(bytes([last[0] ^ 1]))
    assert FacetCounter().load(index._generation) == 0
    monkeypatch.setattr(gazetteer_module, "DATA_FILE", reinstalled.with_name("missing.sqlite"))
    assert FacetCounter().load(index._generation) == 0
    monkeypatch.undo()
    monkeypatch.setattr(facets, "FORMAT_VERSION", facets.FORMAT_VERSION + 1)  # another index format
    counter = FacetCounter()
    assert counter.load(index._generation) == 0
    monkeypatch.undo()
    assert counter.count(index._searcher_now(), "Japanese", generation=index._generation).to_dict() == expected


@pytest.mark.parametrize(
    ("query", "place", "year", "offset"),
    [
        ("Liuzhou airbase", None, None, 0),
        ("Japanese", "Guilin", None, 1),
        ("", "China", "1940s", 0),
        ("", None, None, 0),
    ],
)
def test_search_with_facets_plans_once_and_answers_as_search_and_facets(
    sample_index, monkeypatch, query, place, year, offset
):
    """The search page and ``query --facets`` ask for both; planning the query once saved ~0.5 ms of a 98k page."""
    import ichigo_search.facets as facets_module
    import ichigo_search.index as index_module
    import ichigo_search.search as search_module

    apart = sample_index.search(query, limit=3, offset=offset, place=place, year=year)
    counted = sample_index.facets(query, place=place, year=year, size=4)
    plans = []
    for module in (facets_module, index_module, search_module):
        real = module.plan_search
        monkeypatch.setattr(module, "plan_search", lambda *args, real=real: plans.append(args[1]) or real(*args))
    results, facets = sample_index.search_with_facets(query, limit=3, offset=offset, place=place, year=year, size=4)
    assert results.to_dict() == apart.to_dict() and facets == counted
    assert results.total == facets.total
    assert len(plans) == 1 or (query == "" and place is None)  # nothing to look for: planned again, as cheaply


def test_facets_of_a_ranked_search_count_what_the_ranking_matched(sample_index, monkeypatch):
    """The page's facets reuse the documents its ranking matched (evaluating the query again was ~0.2 ms of a
    98k page) and count the same as facets asked for alone."""
    from ichigo_search import Index
    from ichigo_search.engine.whoosh import searcher as whoosh_searcher

    with Index(sample_index.path) as other:
        alone = other.facets("Japanese soldiers", size=20)
    evaluations = []
    real = whoosh_searcher.scorer
    monkeypatch.setattr(whoosh_searcher, "scorer", lambda *args: evaluations.append(args) or real(*args))
    results, facets = sample_index.search_with_facets("Japanese soldiers", size=20)
    assert len(evaluations) == 1 and facets == alone and facets.total == results.total > 0


def test_counts_are_kept_per_search_generation_and_thesaurus(index, corpus, monkeypatch):
    """Asked again (the next page of a search), the same search of the same generation is not planned or counted
    again; another thesaurus, or a new generation, counts afresh."""
    import ichigo_search.facets as facets_module

    first = index.facets("Japanese")
    plans = []
    real = facets_module.plan_search
    monkeypatch.setattr(facets_module, "plan_search", lambda *args: plans.append(args[1]) or real(*args))
    kept = index.facets("Japanese")
    assert kept == first and plans == []
    kept.places.clear()  # a caller's change does not reach the counts kept
    assert index.facets("Japanese") == first and plans == []
    index.facets("Japanese", size=3)
    assert plans == ["Japanese"]
    index._thesaurus = dict(index._thesaurus or {})  # the corpus thesaurus changed, in the same generation
    assert index.facets("Japanese") == first and plans == ["Japanese"] * 2
    extra = corpus / "extra.jsonl"
    extra.write_text(json.dumps({"id": "x9", "caption": "Japanese patrol", "places": ["Guilin"]}) + "\n")
    index.update_from(corpus)
    assert index.facets("Japanese").total == first.total + 1


def test_a_first_count_masks_the_pairs_and_later_ones_lay_them_out(sample_index):
    """A one-shot ``query --facets`` counts once: ordering the pairs by document for fast later counts took ~9 ms
    of it, so the first count masks every pair instead; every count, first or later, small or most of the index,
    is what a count document by document finds."""
    from collections import Counter

    import numpy as np

    from ichigo_search.facets import _Counts

    searcher = sample_index._searcher_now()
    columns = FacetCounter().columns(searcher)
    size = searcher.doc_count_all()
    docs, labels = columns.place_docs.tolist(), columns.place_labels.tolist()
    kinds = max(labels) + 1
    assert len(docs) > size and len(set(labels)) > 10
    subsets = [[3], list(range(size)), [0, 2, 5, 9], list(range(1, size)), [], [7, 8]]
    for first in subsets:
        counts = _Counts(columns.place_docs, columns.place_labels, size, kinds)
        for number, wanted in enumerate([first, *subsets]):
            found = counts.count(np.array(wanted, dtype=np.intp))
            assert (counts.starts is None) == (number == 0)
            expected = Counter(label for doc, label in zip(docs, labels, strict=True) if doc in set(wanted))
            assert found.tolist() == [expected[k] for k in range(kinds)], wanted


def test_columns_are_read_from_their_file_as_aligned_arrays_and_decades_numbered_as_unique_does(tmp_path):
    """A one-shot ``--facets`` read the columns file as bytes and copied each column out of it, then sorted
    the decades to number them: the columns now come as views of one aligned int32 array (numpy's arithmetic
    on unaligned ones is slower) and the decades are numbered without a sort, as ``np.unique`` numbers them."""
    import numpy as np

    from conftest import fsa_lines
    from ichigo_search import Index
    from ichigo_search.facets import COLUMNS_FILE, _distinct, _read_columns_file

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fsa.jsonl").write_text("\n".join(fsa_lines(800)) + "\n", encoding="utf-8")
    with Index(tmp_path / "index") as idx:
        idx.update_from(corpus)
        searcher = idx._searcher_now()
        generation = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
        data = _read_columns_file(generation / COLUMNS_FILE)
        columns = [column for segment in data["segments"].values() for column in segment]
        assert columns and all(isinstance(c, np.ndarray) and c.flags.aligned for c in columns)
        assert len({id(c.base) for c in columns}) == 1
        counter = FacetCounter()
        assert counter.load(generation) == len(data["segments"])
        decades = counter.columns(searcher).decades
    assert len(decades) > 500
    mixed = np.concatenate([decades[::3] - 100, decades, decades[::5] + 60])  # four decades, interleaved below
    for values in (decades, mixed, mixed[::-1], decades[:1], decades[:0], np.array([1990, 1850, 1990, 2020])):
        expected_values, expected_codes = np.unique(values, return_inverse=True)
        found_values, found_codes = _distinct(values)
        assert found_values.tolist() == expected_values.tolist()
        assert found_codes.tolist() == expected_codes.ravel().tolist()


def _writers_corpus(root) -> None:
    """The sample and 3,000 real FSA/OWI captions in two files, one record's id repeated in the second."""
    from conftest import copy_sample, fsa_lines

    copy_sample(root)
    lines = fsa_lines(3000)
    repeated = json.dumps({**json.loads(lines[5]), "caption": "a later record with an earlier id, Kweilin 1944"})
    (root / "fsa-a.jsonl").write_text("\n".join(lines[:1500]) + "\n", encoding="utf-8")
    (root / "fsa-b.jsonl").write_text("\n".join([*lines[1500:], repeated]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("parsed_by_writers", [True, False], ids=["halves", "read-first"])
def test_columns_made_by_the_writing_processes_are_those_read_from_the_postings(
    tmp_path, monkeypatch, forks, parsed_by_writers
):
    """A rebuild's columns file, made by its two writing processes from the postings they hold (several segments
    each, labels numbered per segment, a repeated id deleted after writing), is byte for byte the one made by
    reading the written segments' postings back (the path of updates)."""
    from ichigo_search import Index, indexing, store
    from ichigo_search.corpus import reading as corpus_module
    from ichigo_search.engine.whoosh import writer as bulk
    from ichigo_search.facets import COLUMNS_FILE

    _writers_corpus(tmp_path / "corpus")
    monkeypatch.setattr(bulk, "SEGMENT_POSTINGS", 15_000)  # several segments in each process
    if parsed_by_writers:
        monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 0)
    else:
        monkeypatch.setattr(corpus_module, "PARALLEL_READ_BYTES", 10**12)
        monkeypatch.setattr(indexing, "PARALLEL_THRESHOLD", 1000)
    with Index(tmp_path / "index") as idx:
        idx.rebuild_from(tmp_path / "corpus", skip_invalid=True)
        generation = store.current_generation(idx.path)
        searcher = idx._searcher_now()
        segments = list(searcher.segments())
        assert len(forks) == 1 and len(segments) >= 4
        # (a corpus read first keeps the first record of an id; the halves write both and delete the second)
        assert (searcher.doc_count() < searcher.doc_count_all()) == parsed_by_writers
        read_back = tmp_path / "read-back"
        read_back.mkdir()
        FacetCounter().save(searcher, read_back)
    assert (generation / COLUMNS_FILE).read_bytes() == (read_back / COLUMNS_FILE).read_bytes()


def test_a_rebuild_writes_its_facet_columns_without_reading_its_segments(tmp_path, corpus, segments_read):
    """The columns file of a rebuild comes from its writing processes: the new generation's postings are not
    read back (0.55 s of the 98k rebuild, serial, after both writers had finished), and its counts are those
    of columns read from the postings."""
    from ichigo_search import Index, store
    from ichigo_search.facets import COLUMNS_FILE

    with Index(tmp_path / "index") as idx:
        idx.rebuild_from(corpus)
        assert segments_read == [] and (store.current_generation(idx.path) / COLUMNS_FILE).exists()
        counted = idx.facets("Japanese", size=50).to_dict()
        assert segments_read == []  # counted from the file
        assert FacetCounter().count(idx._searcher_now(), "Japanese", size=50).to_dict() == counted
        assert segments_read  # (the counter above read the postings)
