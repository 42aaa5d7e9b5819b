"""Known-item searches on real FSA/OWI captions: the one photograph a reader remembers, typed from memory.

The index holds every FSA/OWI caption that competes for these queries (benchmarks/known_items.py measures
the whole class over the 98,244 captions).
"""

from __future__ import annotations

import gzip
import re

import pytest

from conftest import FSA_CAPTIONS
from ichigo_search import Index

COMPETING = re.compile(r"Heil|Person County|Valiant|Bradford|Southeast Missouri Farms|Bear Mountain|Mauch Chunk")


@pytest.fixture(scope="module")
def fsa_index(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("known-items")
    (root / "corpus").mkdir()
    with gzip.open(FSA_CAPTIONS, "rt", encoding="utf-8") as f:
        lines = [line for line in f if COMPETING.search(line)]
    (root / "corpus" / "fsa.jsonl").write_text("".join(lines), encoding="utf-8")
    idx = Index(root / "index")
    idx.update_from(root / "corpus")
    yield idx
    idx.close()


@pytest.mark.parametrize(
    "query, suggestion, word",
    [
        ("Heil woan", "Heil woman", "woman"),  # a letter dropped from a five-letter word leaves four
        ("fene Person County", "fence Person County", "fence"),
        ("Valian trainers", "Valiant trainers", "Valiant"),  # not Vālia, a town the captions never name
        ("High Bear seen Chun", "High Bear seen Chunk", "Chunk"),  # not only Chun, a town the captions never name
    ],
)
def test_a_typo_is_read_as_the_word_of_the_captions_it_is_nearest(fsa_index, query, suggestion, word):
    results = fsa_index.search(query)
    assert results.suggestion == suggestion
    assert word in results[0].caption


def test_the_words_of_a_place_name_also_match_apart(fsa_index):
    """*Bradford County* is a county in Florida, and the words of *FSA client near Bradford, Vermont. Orange County*."""
    results = fsa_index.search("client Bradford County FSA", limit=5)
    # The name alone still finds the county (in Pennsylvania and Florida) first, not its words apart.
    assert all("Bradford County" in hit.places for hit in fsa_index.search("Bradford County", limit=5))
    for hit in results:
        assert "client" in hit.caption and "Bradford" in hit.caption and "County" in hit.caption, hit.caption


def test_a_rare_form_of_a_word_the_captions_hold_is_not_called_a_misspelling(tmp_path):
    """*swamps* is in one FSA/OWI caption, *stamps* in 74 and *swamp* in 17: only *nerby* is a typo."""
    (tmp_path / "corpus").mkdir()
    wanted = re.compile(r"\b(swamps?|stamps|nearby)\b", re.IGNORECASE)
    with gzip.open(FSA_CAPTIONS, "rt", encoding="utf-8") as f:
        lines = [line for line in f if wanted.search(line)]
    (tmp_path / "corpus" / "fsa.jsonl").write_text("".join(lines), encoding="utf-8")
    idx = Index(tmp_path / "index")
    idx.update_from(tmp_path / "corpus")
    try:
        results = idx.search("Georgia swamps Irwinville nerby")
        assert results.suggestion == "Georgia swamps Irwinville nearby"
        assert "swamps" in results[0].caption
        assert idx.search("Georgia swamps").suggestion is None
    finally:
        idx.close()
