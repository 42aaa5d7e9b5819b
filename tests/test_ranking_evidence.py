"""Ranking evidence beyond the words themselves: how near the query's words stand, and dates.

The index holds the sample captions and the real FSA/OWI captions that compete with them for such
queries: every one mentioning fighters or servicemen, and every one dated 1945.
"""

from __future__ import annotations

import gzip

import pytest

from conftest import SAMPLE_CORPUS, SHARED
from ichigo_search import Index, querying, schema
from ichigo_search.querying import Unit


def _competing(line: str) -> bool:
    low = line.lower()
    return "fighter" in low or "servicemen" in low or '"date": "1945' in line


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("evidence")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in SAMPLE_CORPUS.iterdir():
        if path.is_file():
            (corpus / path.name).write_bytes(path.read_bytes())
    with gzip.open(SHARED / "data" / "fsa-owi-captions.jsonl.gz", "rt", encoding="utf-8") as f:
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

    monkeypatch.setattr(schema, "PROXIMITY_WEIGHT", 0.0)
    plain = mixed_index.search("destroyed fighter", limit=10)
    assert plain[0].id != "liuzhou-destroyed-fighter"  # the words' counts alone rank the rivals first
    assert plain.total == results.total  # the bonus reorders, it never adds or drops a caption


def test_words_typed_apart_may_stand_as_far_apart(sample_index):
    """``remains horses`` gives *remains of horses* the bonus; ``horses remains`` (the other order) does not."""
    in_order = {hit.id: hit.score for hit in sample_index.search("remains horses")}
    reversed_ = {hit.id: hit.score for hit in sample_index.search("horses remains")}
    for caption in ("liuchow-remains-field", "liuchow-cavalry-column"):
        assert in_order[caption] > reversed_[caption]
