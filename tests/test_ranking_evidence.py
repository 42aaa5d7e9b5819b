"""Ranking evidence beyond the words themselves: how near the query's words stand, and dates.

The index holds the sample captions and the real FSA/OWI captions that compete with them for such
queries: every one mentioning fighters or servicemen, and every one dated 1945.
"""

from __future__ import annotations

import gzip
from dataclasses import replace

import pytest

from conftest import FSA_CAPTIONS, copy_sample
from ichigo_search import Index
from ichigo_search.query import plan as querying
from ichigo_search.query.syntax import Unit
from ichigo_search.ranking import DEFAULT
from ichigo_search.text.dates import year_range


def _competing(line: str) -> bool:
    low = line.lower()
    return "fighter" in low or "servicemen" in low or '"date": "1945' in line


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("evidence")
    corpus = copy_sample(root / "corpus")
    with gzip.open(FSA_CAPTIONS, "rt", encoding="utf-8") as f:
        (corpus / "fsa.jsonl").write_text("".join(line for line in f if _competing(line)), encoding="utf-8")
    idx = Index(root / "index")
    idx.update_from(corpus)
    yield idx
    idx.close()


def test_pairs_are_the_typed_words_side_by_side():
    def pairs(text: str) -> list[tuple[str, str, int]]:
        return querying.pairs([Unit(word) for word in text.split()])

    assert pairs("destroyed fighter") == [("destroy", "fighter", 1)]
    assert pairs("remains of the horses") == [("remain", "hors", 3)]  # stop words count in the distance
    assert pairs("Operation Ichi-Go campaign") == [("oper", "ichigo", 1), ("ichigo", "campaign", 1)]
    assert pairs("一号作戦 Ichigo") == []  # a run of hanzi is several terms: no whole word to pair
    assert pairs("Guilin") == []


def test_words_near_each_other_in_order_rank_first(mixed_index, monkeypatch):
    """*a destroyed Japanese fighter* above *Fighter Group ... destroyed*, which says both words more often."""
    results = mixed_index.search("destroyed fighter", limit=10)
    assert results[0].id == "liuzhou-destroyed-fighter"
    rivals = [hit for hit in results if "Fighter Group" in hit.caption and "destroyed" in hit.caption]
    assert len(rivals) >= 3

    with Index(mixed_index.path, ranking=replace(DEFAULT, proximity_weight=0.0)) as without_bonus:
        plain = without_bonus.search("destroyed fighter", limit=10)
    assert plain[0].id != "liuzhou-destroyed-fighter"  # the words' counts alone rank the rivals first
    assert plain.total == results.total  # the bonus reorders, it never adds or drops a caption


def test_words_typed_apart_may_stand_as_far_apart(sample_index):
    """``remains horses`` gives *remains of horses* the bonus; ``horses remains`` (the other order) does not."""
    in_order = {hit.id: hit.score for hit in sample_index.search("remains horses")}
    reversed_ = {hit.id: hit.score for hit in sample_index.search("horses remains")}
    for caption in ("liuchow-remains-field", "liuchow-cavalry-column"):
        assert in_order[caption] > reversed_[caption]


@pytest.mark.parametrize("word", ["Washington", "servicemen", "fighter"])
@pytest.mark.parametrize("year", [1942, 1945])
def test_a_query_year_ranks_captions_of_that_year_above_those_dated_otherwise(mixed_index, word, year):
    """Captions that match the word and are dated in the year, name it or are undated come first."""
    hits = mixed_index.search(f"{word} {year}", limit=1000).hits
    assert len(hits) > 20

    def agrees(hit) -> bool:
        years = year_range(hit.date)
        return years is None or years[0] <= year <= years[1] or str(year) in hit.caption

    with_word = [agrees(hit) for hit in hits if word.lower() in hit.caption.lower()]
    assert with_word == sorted(with_word, reverse=True) and any(with_word) and not all(with_word), with_word


def test_an_undated_caption_is_not_taken_to_contradict_the_year(mixed_index):
    results = mixed_index.search("servicemen 1945", limit=10)
    assert results[0].id == "liuzhou-servicemen-return"  # undated, above servicemen photographed in 1942-1943
    assert "liuzhou-destroyed-fighter" in [hit.id for hit in results]  # dated 1945, without servicemen


def test_a_year_lifts_captions_dated_then_even_when_their_text_does_not_name_it(mixed_index):
    dated = [hit for hit in mixed_index.search("Washington", limit=1000) if hit.date and hit.date.startswith("1945")]
    silent = {hit.id for hit in dated if "1945" not in hit.caption}
    assert silent
    plain = {hit.id: hit.score for hit in mixed_index.search("Washington", limit=1000)}
    with_year = {hit.id: hit.score for hit in mixed_index.search("Washington 1945", limit=1000)}
    assert all(with_year[ident] > plain[ident] for ident in silent)


def test_years_only_widen_every_word_when_a_word_is_not_a_year(sample_index):
    """``1944 1945``: matching every word never takes in undated captions that match nothing."""
    results = sample_index.search("1944 1945", limit=10)
    assert results.total == len(results) > 0
    assert all(hit.date for hit in results)


def test_a_year_no_caption_is_dated_in_is_only_a_word():
    assert querying.when("1950", [1944, 1945], 2.0) is None
    assert querying.when("Guilin", [1944, 1945], 2.0) is None
    assert querying.when("1940s", [1944, 1945], 2.0) is not None
