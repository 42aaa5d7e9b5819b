"""Bulk scoring gives exactly Whoosh's BM25F ranking and match sets.

The oracle is Whoosh itself: the scores its collector gives every match
(``limit=None``, without block skipping) and ``Query.docs``.  The index holds real
FSA/OWI captions in two segments with deleted documents, the case where
document numbers, statistics and deletions are easiest to get wrong.  Whoosh
searches a twin of it whose bulk-written segment posts every form of the exact
field, where the index searched leaves out the forms that are their own stem
(``writer.LEAVE_OUT_BASE_FORMS``) and makes their postings again.
"""

from __future__ import annotations

import json
import random
import re
from itertools import pairwise

import pytest

from conftest import copy_sample, fsa_lines, fsa_records
from ichigo_search import Index
from ichigo_search.engine.whoosh import sidecar as arrays
from ichigo_search.engine.whoosh.convert import to_whoosh
from ichigo_search.engine.whoosh.evaluate import member, scorer, top
from ichigo_search.query.tree import And, Or, Phrase, Term, leaves, repeated
from ichigo_search.search import plan_search
from ichigo_search.text.analysis import stem

pytestmark = pytest.mark.whoosh_oracle

CAPTIONS = 1500


def _fsa_index(root, every_form: bool) -> Index:
    """Sample captions plus 1,500 FSA captions; then one file edited, so two segments and deletions. With
    ``every_form``, the bulk-written segment posts every form of the exact field."""
    from ichigo_search.engine.whoosh import writer

    corpus = copy_sample(root / "corpus")
    lines = [line + "\n" for line in fsa_lines(CAPTIONS)]
    (corpus / "fsa-a.jsonl").write_text("".join(lines[:1000]), encoding="utf-8")
    (corpus / "fsa-b.jsonl").write_text("".join(lines[1000:]), encoding="utf-8")
    idx = Index(root / "index")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrays, "ARRAY_POSTINGS", 16)  # most words' postings also stored whole, as arrays
        patch.setattr(writer, "LEAVE_OUT_BASE_FORMS", not every_form)
        idx.update_from(corpus)
    edited = [json.loads(line) for line in lines[1000:]]
    for record in edited[::3]:
        record["caption"] = record["caption"] + " Farm tractor near the county road."
    (corpus / "fsa-b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in edited), encoding="utf-8")
    idx.update_from(corpus)
    return idx


@pytest.fixture(scope="module")
def fsa_index(tmp_path_factory: pytest.TempPathFactory):
    """The index searched, built as a build builds it."""
    idx = _fsa_index(tmp_path_factory.mktemp("scoring"), every_form=False)
    yield idx
    idx.close()


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory, fsa_index):
    """Whoosh's own searcher over the twin of ``fsa_index`` that posts every form of the exact field."""
    idx = _fsa_index(tmp_path_factory.mktemp("scoring-oracle"), every_form=True)
    twin = idx._searcher_now()
    assert twin.record_ids() == fsa_index._searcher_now().record_ids()  # the same document numbers
    yield twin.whoosh
    idx.close()


def _queries(count: int) -> list[str]:
    """Words, pairs and phrases of real captions, exclusions, and place names."""
    rng = random.Random(5)
    captions = [record["caption"] for record in fsa_records(CAPTIONS)]
    queries = ["Liuzhou airbase", "Kweilin", "county -farm", "farm tractor", '"county road"', "New York", "WWII"]
    queries.append("children at school near the county road with a farm tractor -Texas")  # long, with an exclusion
    for _ in range(count):
        words = re.findall(r"[A-Za-z]{4,}", rng.choice(captions))
        if len(words) < 3:
            continue
        start = rng.randrange(len(words) - 1)
        kind = rng.randrange(3)
        queries.append(
            words[start]
            if kind == 0
            else " ".join(words[start : start + 2])
            if kind == 1
            else f'"{words[start]} {words[start + 1]}"'
        )
    return queries


def _searchers(index: Index):
    """The engine's searcher of an index and the statistics its searches score with (``statistics.ReaderSearcher``)."""
    engine = index._searcher_now()
    return engine, engine._searcher


def _docs(searcher, query) -> list[int]:
    """What Whoosh matches for a query tree."""
    return list(to_whoosh(query).docs(searcher))


def _whoosh_top(searcher, query, allowed: set[int] | None, count: int) -> list[tuple[int, float]]:
    """Whoosh's scores for every match, best first (its own top-N collection skips some, even unoptimized)."""
    query = to_whoosh(query) if not hasattr(query, "matcher") else query
    hits = searcher.search(query, limit=None, optimize=False, filter=allowed)
    return sorted(((hit.docnum, hit.score) for hit in hits), key=lambda pair: (-pair[1], pair[0]))[:count]


def _assert_same_ranking(expected: list[tuple[int, float]], got: list[tuple[int, float]], text: str) -> None:
    assert [d for d, _ in got] == [d for d, _ in expected], text
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-9), text


def test_the_index_has_segments_and_deletions(fsa_index):
    from ichigo_search.engine.whoosh.sidecar import segment_arrays

    searcher = fsa_index._searcher_now().whoosh
    stored = [len(segment_arrays(leaf)._index.get("caption", {})) for leaf, _ in searcher.reader().leaf_readers()]
    assert stored[0] > 100 and stored[1:] == [0] * (len(stored) - 1)  # the rebuilt segment only
    assert len(searcher.reader().leaf_readers()) >= 2
    assert searcher.doc_count() < searcher.doc_count_all()


@pytest.mark.parametrize("text", _queries(60))
def test_scores_and_matches_equal_whooshs(fsa_index, oracle, text):
    engine, searcher = _searchers(fsa_index)
    found = plan_search(engine, text)
    assert found is not None
    bulk = scorer(searcher)
    for query in (found.some_words, found.every_word):
        if query is None:
            continue
        result = bulk.select(query, bulk.allowed())
        assert sorted(_docs(oracle, query)) == result.ids.tolist(), text
        _assert_same_ranking(_whoosh_top(oracle, query, None, 10), top(result.ids, result.scores, 10), text)


@pytest.mark.parametrize(
    ("text", "place", "year"),
    [("farm", "Texas", None), ("children", None, "1941..1943"), ("county", "California", "1942")],
)
def test_filters_equal_whooshs(fsa_index, oracle, text, place, year):
    engine, searcher = _searchers(fsa_index)
    found = plan_search(engine, text, place, year)
    bulk = scorer(searcher)
    allowed = bulk.allowed(found.filter)
    expected_filter = set(_docs(oracle, found.filter))
    assert expected_filter  # (Whoosh reads an empty filter set as no filter at all)
    assert set(allowed.nonzero()[0].tolist()) == expected_filter
    result = bulk.select(found.some_words, allowed)
    assert result.ids.tolist() == sorted(set(_docs(oracle, found.some_words)) & expected_filter)
    _assert_same_ranking(
        _whoosh_top(oracle, found.some_words, expected_filter, 10), top(result.ids, result.scores, 10), text
    )


@pytest.mark.parametrize("text", ["farm tractor", "county county road", "New York farm", "New York county road"])
def test_subtrees_shared_by_a_searchs_trees_are_evaluated_once_with_the_same_results(fsa_index, monkeypatch, text):
    """A search's tiers share their word groups: evaluated once, they give what a scorer evaluating each tree anew
    gives, scores to the last bit; a subtree first evaluated within a few documents (rescoring looks for phrases
    there only) is not taken for its whole result."""
    import numpy as np

    from ichigo_search.engine.whoosh.evaluate import Scorer

    engine, searcher = _searchers(fsa_index)
    found = plan_search(engine, text)
    trees = [t for t in (found.some_words, found.every_word) if t is not None]
    shared = repeated(trees)
    assert shared, text
    if text.startswith("New York"):  # a place of two words: its group holds phrases
        assert any(isinstance(leaf, Phrase) for tree in shared for leaf in leaves(tree))
    bulk = scorer(searcher, *trees)
    few = scorer(searcher).select(trees[0], bulk.allowed()).ids[:2]
    for tree in shared:
        bulk.evaluate(tree, within=few)
    evaluated: list = []
    inner = Scorer._evaluate

    def counted(self, query, within):
        if self is bulk and within is None and query in shared:
            evaluated.append(repr(query))
        return inner(self, query, within)

    monkeypatch.setattr(Scorer, "_evaluate", counted)
    for tree in trees:
        got, expected = bulk.select(tree, bulk.allowed()), scorer(searcher).select(tree, bulk.allowed())
        assert got.ids.tolist() == expected.ids.tolist() and len(got.ids), text
        assert np.array_equal(got.scores, expected.scores), text
    assert len(evaluated) == len(set(evaluated)) == len(shared), text


def test_repeated_subtrees_are_the_outermost_ones_met_twice():
    road, farm = (
        Or((Term("caption", "road"), Term("title", "road"))),
        Or((Term("caption", "farm"), Term("exact", "farm"))),
    )
    county = Or((Term("caption", "counti"), Phrase("caption", ("counti", "road"))))
    assert repeated([Or((road, county)), And((road, county))]) == {road, county}
    assert repeated([Or((road, road, farm))]) == {road}
    assert repeated([And((Or((road, farm)), county)), Or((road, farm))]) == {Or((road, farm))}  # not road, farm
    assert repeated([Or((road, farm)), None or Or((county,))]) == set()


def test_search_ranks_every_word_first_and_counts_some_words(fsa_index, oracle):
    results = fsa_index.search("farm tractor", limit=1000)
    engine, _ = _searchers(fsa_index)
    found = plan_search(engine, "farm tractor")
    every = set(_docs(oracle, found.every_word))
    assert results.total == len(set(_docs(oracle, found.some_words))) > len(every) > 0
    ranks = [engine.document_number(hit.id) in every for hit in results]
    assert ranks == sorted(ranks, reverse=True)  # every "True" (both words) before any "False"


def _coverage(engine, oracle, found, results) -> list[tuple[int, int]]:
    """Each hit's word groups matched (Whoosh's own matches, counted), and with their near synonyms."""
    groups = [set(_docs(oracle, group)) for group in found.groups]
    near = [set(_docs(oracle, group)) for group in found.near_groups]
    numbers = [engine.document_number(hit.id) for hit in results]
    return [(sum(n in g for g in groups), sum(n in g for g in near)) for n in numbers]


@pytest.mark.parametrize("text", ["farm tractor county", "children school bus", "Negro family home church"])
def test_captions_with_only_some_words_rank_by_how_many_word_groups_they_match(fsa_index, oracle, text):
    """Below every word, a caption matching two of three groups outranks one matching a single group, whatever
    their scores (Whoosh's own matches of each group, counted); then by the groups matched with their near
    synonyms; each level is ranked by score."""
    results = fsa_index.search(text, limit=1000)
    engine, _ = _searchers(fsa_index)
    found = plan_search(engine, text)
    assert len(found.groups) == len(found.near_groups) == len(text.split()) and results.total > 0
    levels = _coverage(engine, oracle, found, results)
    assert levels == sorted(levels, reverse=True), text
    assert len({core for core, _ in levels} - {len(found.groups)}) >= 2, levels  # real levels below every word
    for level in set(levels):
        scores = [hit.score for hit, at in zip(results, levels, strict=True) if at == level]
        assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("text", ["soldiers airfield", "wounded soldiers hospital", "burned house"])
def test_among_captions_matching_as_many_words_those_matching_the_rest_by_near_synonyms_rank_first(
    fsa_index, oracle, text
):
    """A caption that matches a group only by a near synonym (*troops* for *soldiers*) outranks one that does
    not match it at all, among those matching as many groups by the words themselves."""
    results = fsa_index.search(text, limit=1000)
    engine, _ = _searchers(fsa_index)
    found = plan_search(engine, text)
    levels = _coverage(engine, oracle, found, results)
    assert levels == sorted(levels, reverse=True), text
    below_every_word = [(core, near) for core, near in levels if core < len(found.groups)]
    # the order is asked of captions that differ in near synonyms alone
    assert any(len({near for c, near in below_every_word if c == core}) > 1 for core, _ in below_every_word), levels


def test_a_place_and_a_word_beat_a_word_and_its_near_synonym(sample_index):
    """*Chinese troops Kweilin*: the Chinese soldiers at Guilin (*troops* by a near synonym) before the Chinese
    troops at a ferry elsewhere, which match as many words as typed but not the place."""
    hits = sample_index.search("Chinese troops Kweilin", limit=3)
    assert "Chinese Soldiers massed" in hits[0].caption
    assert "Chinese ground troops" in hits[1].caption


def test_member_and_top_break_ties_by_document_number():
    import numpy as np

    ids = np.array([2, 5, 7, 9])
    assert top(ids, np.array([1.0, 3.0, 3.0, 2.0]), 3) == [(5, 3.0), (7, 3.0), (9, 2.0)]
    assert top(ids, np.array([1.0, 1.0, 1.0, 1.0]), 2) == [(2, 1.0), (5, 1.0)]
    from ichigo_search.engine.whoosh.postings import Sparse

    assert member(Sparse(ids, np.zeros(4)), np.array([1, 2, 9, 10])).tolist() == [False, True, True, False]


def test_memory_mapped_and_plain_reads_agree(fsa_index):
    """The long-lived reader's storage (engine/whoosh/positional.py) reads exactly what plain file reads do."""
    with Index(fsa_index.path, memory_map=True) as mapped, Index(fsa_index.path, memory_map=False) as plain:
        for text in ("farm tractor", '"county road"', "Kweilin", "children -school"):
            a, b = mapped.search(text, limit=20), plain.search(text, limit=20)
            assert a.to_dict() == b.to_dict() and a.total > 0, text
        assert mapped.stats() == plain.stats()
        some_id = plain.search("farm")[0].id
        assert mapped.get(some_id) == plain.get(some_id)


def test_the_postings_cache_stays_within_its_budget(fsa_index, monkeypatch):
    from ichigo_search.engine.whoosh import postings

    searcher = fsa_index._searcher_now().whoosh
    expected = {text: fsa_index.search(text).to_dict() for text in ("farm tractor", "county", '"county road"')}
    arrays = scorer(searcher).arrays
    monkeypatch.setattr(postings, "CACHE_POSTINGS", 300)
    arrays._cache.clear()
    arrays._cached_postings = 0
    for text, before in expected.items():
        assert fsa_index.search(text).to_dict() == before
        assert arrays._cached_postings <= 300 or len(arrays._cache) == 1
    assert arrays._cached_postings == sum(postings._weight(v) for v in arrays._cache.values())


@pytest.mark.parametrize("keep_all", [True, False])
def test_phrases_match_whooshs_whether_positions_are_kept_or_read_per_query(fsa_index, monkeypatch, keep_all):
    from ichigo_search.engine.whoosh import postings

    searcher = fsa_index._searcher_now().whoosh
    arrays = scorer(searcher).arrays
    monkeypatch.setattr(postings, "ALL_POSITIONS", 10**9 if keep_all else 10)
    monkeypatch.setattr(postings, "WANTED_SHARE", 10**9 if keep_all else 0)
    arrays._cache.clear()
    arrays._cached_postings = 0
    phrases = (["counti", "road"], ["farm", "tractor"], ["new", "york"], ["the", "counti", "road"], ["farm", "farm"])
    for words in phrases:
        for field in ("caption", "places"):
            for slop in (1, 2, 5):
                phrase = Phrase(field, tuple(words), slop=slop)
                expected = sorted(_docs(searcher, phrase))
                found = arrays.phrase_ids(searcher, phrase)
                assert found[arrays.live[found]].tolist() == expected, (field, words, slop)  # deletions drop later
    assert any(key[0] == "positions" for key in arrays._cache) == keep_all


def test_a_phrase_looked_for_in_a_few_documents_keeps_positions_stored_whole(fsa_index, monkeypatch):
    """Rescoring looks for a phrase in a few documents; a word whose positions a segment stores whole as arrays is
    read whole anyway, so it is kept (read once per reader, not on every query), and matches stay Whoosh's."""
    import numpy as np

    from ichigo_search.engine.whoosh import postings

    searcher = fsa_index._searcher_now().whoosh
    arrays = scorer(searcher).arrays
    arrays._cache.clear()
    arrays._cached_postings = 0
    phrase = Phrase("caption", ("of", "the"), slop=3)
    expected = set(_docs(searcher, phrase))
    both = np.intersect1d(arrays.term(searcher, "caption", "of").ids, arrays.term(searcher, "caption", "the").ids)
    assert 0 < len(expected) < len(both)  # some documents hold both words, but not near each other
    for word in ("of", "the"):
        assert arrays._in_arrays("caption", word) and arrays._frequency("caption", word) > 20 * postings.WANTED_SHARE
    rng = np.random.default_rng(3)
    looked_for = [np.sort(rng.choice(both, 20, replace=False)) for _ in range(5)]

    def live(found):  # deletions are dropped later
        return found[arrays.live[found]].tolist()

    assert live(arrays.phrase_ids(searcher, phrase, looked_for[0])) == sorted(expected & set(looked_for[0].tolist()))
    assert ("positions", "caption", "of") in arrays._cache and ("positions", "caption", "the") in arrays._cache
    monkeypatch.setattr(postings, "_leaf_positions", lambda *args, **kwargs: pytest.fail("positions read again"))
    for within in looked_for[1:]:
        assert live(arrays.phrase_ids(searcher, phrase, within)) == sorted(expected & set(within.tolist()))
    assert live(arrays.phrase_ids(searcher, phrase, both)) == sorted(expected)


@pytest.mark.parametrize(
    "words",
    [["the", "bomber"], ["a", "worker"], ["of", "armi"], ["new", "york", "citi"], ["near", "the", "road"]],
)
def test_sloppy_phrases_score_and_match_as_whooshs(fsa_index, words):
    """Words near each other in order (``slop`` > 1): Whoosh's SpanNear2 matches and scores, and more than in a row."""
    searcher = fsa_index._searcher_now().whoosh
    bulk = scorer(searcher)
    found = [set(_docs(searcher, Phrase("caption", tuple(words))))]
    for slop in (2, 3, 6):
        phrase = Phrase("caption", tuple(words), slop=slop, boost=0.7)
        result = bulk.select(phrase, bulk.allowed())
        assert result.ids.tolist() == sorted(_docs(searcher, phrase)), slop
        _assert_same_ranking(_whoosh_top(searcher, phrase, None, 10), top(result.ids, result.scores, 10), str(slop))
        found.append(set(result.ids.tolist()))
    assert all(a <= b for a, b in pairwise(found)) and found[-1]  # a wider slop finds more
    if len(words) == 2:
        assert len(found[0]) < len(found[1]) < len(found[2]) < len(found[3])


@pytest.mark.parametrize("text", ["farm tractor", "county road", "children near the school", "the county"])
def test_rescoring_adds_the_bonus_as_whooshs_and_maybe_within_the_window(fsa_index, oracle, text):
    """``rescore``: the window's best documents score as Whoosh's ``AndMaybe(query, bonus)``, the rest as before."""
    from whoosh import query as wq

    engine, searcher = _searchers(fsa_index)
    bulk = scorer(searcher)
    found = plan_search(engine, text)
    words = [w for w in text.lower().split() if w not in ("the", "near")]
    bonus = Or((Phrase("caption", tuple(stem(w) for w in words), slop=3), Term("caption", "road", boost=0.5)))
    base = bulk.select(found.some_words, bulk.allowed())
    whooshs = wq.AndMaybe(to_whoosh(found.some_words), to_whoosh(bonus))
    expected = dict(_whoosh_top(oracle, whooshs, None, 10**6))
    whole = bulk.rescore(base, bonus, 10**9)
    _assert_same_ranking(
        sorted(expected.items(), key=lambda p: (-p[1], p[0]))[:10], top(whole.ids, whole.scores, 10), text
    )
    window = {doc for doc, _ in top(base.ids, base.scores, 5)}
    part = bulk.rescore(base, bonus, 5)
    for doc, before, after in zip(base.ids.tolist(), base.scores, part.scores, strict=True):
        assert after == pytest.approx(expected[doc] if doc in window else before, rel=1e-9), (text, doc)
    assert any(expected[doc] > score for doc, score in zip(base.ids.tolist(), base.scores, strict=True))


def test_what_is_cached_for_a_reader_goes_with_it(tmp_path, corpus):
    """A long-lived Index re-opens its reader after each update; the old one and its caches must go."""
    import gc
    import weakref

    from ichigo_search.engine.whoosh import reader_cache

    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    for round_ in range(3):
        assert idx.search("Liuzhuo", year="1940..1949").total > 0  # a typo and a year filter too
        old_reader = weakref.ref(idx._searcher_now().whoosh.reader())
        assert old_reader() in reader_cache._VALUES
        extra = json.dumps({"id": f"extra-{round_}", "caption": f"Kweilin airfield {round_}"})
        (corpus / f"extra-{round_}.jsonl").write_text(extra + "\n", encoding="utf-8")
        idx.update_from(corpus)
        assert idx.search("Kweilin airfield")[0].id.startswith("extra-")
        gc.collect()
        assert old_reader() is None
    idx.close()


@pytest.mark.parametrize("foreign", [False, True])
def test_positions_decode_in_bulk_as_whoosh_decodes_them(foreign):
    """One unpickling for many postings gives Whoosh's positions, long lists and odd encodings included."""
    import pickle

    from whoosh.formats import Positions
    from whoosh.system import pack_uint

    from ichigo_search.engine.whoosh.postings import _decode_positions, _pickle_bodies

    rng = random.Random(3)
    lists = [[0], [7], [300], [70_000], [1, 2, 9], sorted(rng.sample(range(10**6), 2500))]
    lists += [sorted(rng.sample(range(5000), rng.randint(1, 6))) for _ in range(200)]
    encoder = Positions()
    values = [encoder.encode(positions) for positions in lists]
    if foreign:  # another pickle protocol: decoded one by one
        deltas = [b - a for a, b in zip([0, *lists[3][:-1]], lists[3], strict=True)]
        values[3] = pack_uint(len(deltas)) + pickle.dumps(deltas, 4)
    assert (_pickle_bodies(values) is None) is foreign
    counts, positions = _decode_positions(values)
    assert counts.tolist() == [len(p) for p in lists]
    assert positions.tolist() == [p for value in values for p in encoder.decode_positions(value)]


@pytest.mark.parametrize(("small_field", "long_lived"), [(0, True), (10**9, True), (10**9, False)])
def test_term_table_entries_are_looked_up_once_and_answer_as_whoosh(fsa_index, monkeypatch, small_field, long_lived):
    """Each segment's term-table entry of a term is read once per reader, or, by a long-lived reader, with the
    whole of a small field's entries (then by no hash-table look-up at all); frequencies and postings stay
    Whoosh's."""
    from whoosh.filedb.filetables import HashReader

    from ichigo_search.engine.whoosh import postings, statistics

    monkeypatch.setattr(statistics, "SMALL_FIELD", small_field)

    looked_up: list[tuple[int, bytes]] = []
    original = HashReader.ranges_for_key

    def ranges_for_key(table, key):
        looked_up.append((id(table), key))
        return original(table, key)

    # ("exact", "workers"): the exact field posts it (not its own stem); a base form's frequency is the engine's
    terms = [("caption", "tractor"), ("caption", "farm"), ("exact", "workers"), ("caption", "zzzz"), ("place_ids", "x")]
    with Index(fsa_index.path, memory_map=long_lived) as index:  # a reader of its own: nothing looked up yet
        engine, searcher = _searchers(index)
        reader = searcher.reader()
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        frequencies = [reader.doc_frequency(field, text) for field, text in terms]
        assert frequencies[2] > 100
        found = [[list(leaf.postings(*term).all_ids()) if term in leaf else [] for leaf in leaves] for term in terms]
        monkeypatch.setattr(HashReader, "ranges_for_key", ranges_for_key)
        for _ in range(3):
            for (field, text), frequency, expected in zip(terms, frequencies, found, strict=True):
                assert engine.doc_frequency(field, text) == frequency, (field, text)
                blocks = [list(postings._term_blocks(leaf, field, text)) for leaf in leaves]
                live = [  # Whoosh's matchers skip deleted documents
                    [int(i) for ids, _ in found for i in ids if not leaf.is_deleted(int(i))]
                    for leaf, found in zip(leaves, blocks, strict=True)
                ]
                assert live == expected, (field, text)
    assert len(leaves) >= 2 and len(looked_up) == len(set(looked_up)) == (
        0 if small_field and long_lived else len(terms) * len(leaves)
    )


def test_a_new_generation_never_reads_the_term_table_entries_of_the_old(tmp_path, corpus):
    """A long-lived Index asked for a word's frequency before an update that adds the word sees it after."""
    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    assert idx._searcher_now().doc_frequency("caption", "zeppelin") == 0
    assert idx.search("zeppelin").total == 0
    (corpus / "extra.jsonl").write_text(json.dumps({"id": "extra", "caption": "A zeppelin moored"}) + "\n")
    idx.update_from(corpus)
    assert idx._searcher_now().doc_frequency("caption", "zeppelin") == 1
    assert [hit.id for hit in idx.search("zeppelin")] == ["extra"]
    idx.close()


@pytest.mark.parametrize("within", [False, True])
def test_phrase_positions_come_from_the_blocks_read_for_the_words_postings(fsa_index, monkeypatch, within):
    """A phrase's words read from posting blocks for their scores keep the positions those blocks hold: the
    phrase reads no block again, looking in every document or in a few, and matches as Whoosh's does."""
    import numpy as np

    from ichigo_search.engine.whoosh import postings

    phrases = (["counti", "road"], ["farm", "tractor"], ["new", "york"], ["the", "counti", "road"], ["farm", "farm"])
    with Index(fsa_index.path) as index:  # a reader of its own: nothing kept yet
        searcher = index._searcher_now().whoosh  # (its phrases in the caption field: Whoosh's matchers read them)
        arrays = scorer(searcher).arrays
        expected = {words: sorted(_docs(searcher, Phrase("caption", tuple(words)))) for words in map(tuple, phrases)}
        for words in expected:
            for word in words:
                arrays.term(searcher, "caption", word)
        kept = [value for key, value in arrays._cache.items() if key[0] == "encoded"]
        assert kept  # the edited segment's postings are in blocks
        # a kept value (~60 bytes) counts as several postings (~16 bytes each) against the cache's budget
        assert postings._weight(kept[0]) == postings.ENCODED_WEIGHT * len(kept[0].values) > len(kept[0].values)
        assert arrays._cached_postings == sum(postings._weight(value) for value in arrays._cache.values())
        monkeypatch.setattr(postings, "_read_blocks", lambda *args, **kwargs: pytest.fail("blocks read again"))
        rng = np.random.default_rng(4)
        for words, docs in expected.items():
            holding = np.intersect1d(
                arrays.term(searcher, "caption", words[0]).ids, arrays.term(searcher, "caption", words[-1]).ids
            )
            look_in = np.sort(rng.choice(holding, min(len(holding), 3), replace=False)) if within else None
            found = arrays.phrase_ids(searcher, Phrase("caption", words), look_in)
            wanted = docs if look_in is None else sorted(set(docs) & set(look_in.tolist()))
            assert found[arrays.live[found]].tolist() == wanted, words


def test_intersect_gives_what_numpy_intersect1d_gives():
    """The evaluator's intersection of sorted distinct arrays: values and both sides' indices as numpy's."""
    import numpy as np

    from ichigo_search.engine.whoosh.postings import intersect

    rng = np.random.default_rng(8)
    for size_a, size_b in [(0, 0), (0, 5), (5, 0), (1, 1), (3, 500), (500, 3), (2000, 2500), (40, 40)]:
        a = np.sort(rng.choice(5000, size_a, replace=False)).astype(np.intp)
        b = np.sort(rng.choice(5000, size_b, replace=False)).astype(np.intp)
        expected = np.intersect1d(a, b, assume_unique=True, return_indices=True)
        for got, wanted in zip(intersect(a, b), expected, strict=True):
            assert got.tolist() == wanted.tolist() and got.dtype == wanted.dtype, (size_a, size_b)


def test_updates_merge_the_segments_whooshs_writer_wrote_and_keep_those_leaving_out_base_forms(tmp_path):
    """Whoosh's merges copy postings, which a segment leaving out its base forms lacks: updates merge small
    segments as Whoosh's policy (MERGE_SMALL) would, but never such a segment, which that policy would have merged
    here (12 captions, then seven updates of one each), and match what an index posting every form matches."""
    from ichigo_search.engine.whoosh import writer
    from ichigo_search.engine.whoosh.sidecar import segment_arrays

    indexes = []
    for every_form in (False, True):
        root = tmp_path / ("every" if every_form else "lean")
        corpus = root / "corpus"
        corpus.mkdir(parents=True)
        lines = fsa_lines(12)
        idx = Index(root / "index")
        for edit in range(-1, 7):  # a build, then seven updates of one record each: small segments
            if edit >= 0:
                lines[edit] = json.dumps({**json.loads(lines[edit]), "title": f"Farm roads {edit}"})
            (corpus / "fsa.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(writer, "LEAVE_OUT_BASE_FORMS", not every_form)
                idx.update_from(corpus)
        indexes.append(idx)
    lean, every = indexes
    sizes = [
        (leaf.doc_count_all(), segment_arrays(leaf).leaves_out_base_forms())
        for leaf, _ in lean._searcher_now()._searcher.reader().leaf_readers()
    ]
    # The build's segment kept; the sixth update merged the five small segments into its own.
    assert sizes == [(12, True), (6, False), (1, False)]
    twin = [leaf.doc_count_all() for leaf, _ in every._searcher_now()._searcher.reader().leaf_readers()]
    assert twin == [12, 1, 1]  # the fifth merged the twin's build segment, posting every form, with the rest
    for text in ("farm roads", "Farm", "road", "taxi driver", "New York", "driver lawyer", "professions", "county"):
        found, expected = lean.search(text, limit=50), every.search(text, limit=50)
        assert found.total == expected.total > 0 and {h.id for h in found} == {h.id for h in expected}, text
    for idx in indexes:
        idx.close()
