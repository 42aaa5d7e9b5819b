"""The vocabulary of the period and typo tolerance, as classes of queries (not listed strings)."""

from __future__ import annotations

import json

import pytest

from ichigo_search import Index
from ichigo_search.thesaurus import load, ordinal_suffix, ordinal_words, token_key

CAPTIONS = {
    "lt-col": "Lieutenant Colonel John Smith inspects the runway.",
    "abbr-rank": "Sgt. Joe Brown and Cpl. Al Green, 3rd Bn., near the river.",
    "ordinal-words": "Pilots of the Twenty-third Fighter Group.",
    "ordinal-digits": "Mechanics of the 51st Fighter Group at work.",
    "ww2-long": "Veterans of the Second World War gather.",
    "ww2-short": "A WW2 memorial in the square.",
    "gi-plural": "GIs unload crates from a truck.",
    "open-compound": "Engineers repair the foot bridge over the canal.",
    "closed-compound": "A new airstrip cut from the jungle.",
    "street": "Shop on 12 Main Ave., Springfield.",
    "state": "A farm near Peoria, Ill., in 1938.",
    "soldiers": "Troops wading across a stream.",
}


@pytest.fixture(scope="module")
def vocab_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("vocab")
    (root / "corpus").mkdir()
    with (root / "corpus" / "v.jsonl").open("w", encoding="utf-8") as handle:
        for record_id, caption in CAPTIONS.items():
            handle.write(json.dumps({"id": record_id, "caption": caption}) + "\n")
    idx = Index(root / "index")
    idx.update_from(root / "corpus")
    yield idx
    idx.close()


def ids(results) -> list[str]:
    return [hit.id for hit in results]


@pytest.mark.parametrize(
    "n, digits, words",
    [
        (1, "1st", "first"),
        (14, "14th", "fourteenth"),
        (22, "22nd", "twenty-second"),
        (23, "23rd", "twenty-third"),
        (40, "40th", "fortieth"),
        (100, "100th", "hundredth"),
        (11, "11th", "eleventh"),
        (112, "112th", None),
    ],
)
def test_ordinals(n, digits, words):
    assert ordinal_suffix(n) == digits
    if words:
        assert ordinal_words(n) == words
        assert load().lookup(token_key(digits)).get(words) == 1.0


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Lt. Col. Smith", "lt-col"),  # abbreviations find the long forms
        ("Sergeant Brown", "abbr-rank"),  # long forms find abbreviations
        ("Corporal Green", "abbr-rank"),
        ("third battalion", "abbr-rank"),  # ordinal and unit abbreviation together
        ("23rd Fighter Group", "ordinal-words"),
        ("fifty-first fighter group", "ordinal-digits"),
        ("WWII veterans", "ww2-long"),
        ("World War II memorial", "ww2-short"),
        ("GI", "gi-plural"),
        ("footbridge", "open-compound"),
        ("air strip", "closed-compound"),
        ("Main Avenue", "street"),
        ("Peoria Illinois", "state"),
        ("soldiers wading", "soldiers"),
    ],
)
def test_every_form_finds_the_caption_first(vocab_index, query, expected):
    assert ids(vocab_index.search(query))[:1] == [expected]


@pytest.mark.parametrize(
    "typo, expected, suggestion",
    [
        ("Springfeild", "street", "Springfield"),
        ("engneers", "open-compound", "engineers"),
        ("mechancis", "ordinal-digits", "mechanics"),
    ],
)
def test_typos_find_the_caption_and_suggest(vocab_index, typo, expected, suggestion):
    results = vocab_index.search(typo)
    assert ids(results)[:1] == [expected]
    assert results.suggestion == suggestion


def test_place_typos_use_the_gazetteer(sample_index):
    for typo in ("Liuzou", "Guillin", "Kweilen", "Liuzhuo"):
        results = sample_index.search(typo)
        assert results.total > 0, typo
        assert results.suggestion in ("Liuzhou", "Guilin", "Kweilin"), (typo, results.suggestion)


def test_exact_words_get_no_suggestion_and_short_words_no_guessing(sample_index):
    assert sample_index.search("Liuzhou").suggestion is None
    assert sample_index.search("zzz").total == 0  # too short to correct


def test_near_synonyms_rank_below_the_word_typed(sample_index):
    results = ids(sample_index.search("soldiers", limit=10))
    assert results[0] == "guilin-soldiers-convoy"
    assert "liuzhou-servicemen-return" in results[1:]


def test_a_corpus_thesaurus_extends_the_vocabulary(tmp_path, corpus):
    idx = Index(tmp_path / "index")
    idx.update_from(corpus)
    assert idx.search("Lunghwa").total == 0
    (corpus / "thesaurus.yaml").write_text(
        "synonyms:\n  - [fighter, pursuit ship]\nabbreviations:\n  Bukey: [Sergeant Bukey]\n"
        "places:\n  Lunghwa Field: [Liuzhou]\n",
        encoding="utf-8",
    )
    report = idx.update_from(corpus)
    assert report.rebuilt  # place aliases change how captions are located
    assert "liuzhou-destroyed-fighter" in ids(idx.search("pursuit ship"))
    liuzhou = set(ids(idx.search("Liuzhou", limit=20)))
    assert set(ids(idx.search("Lunghwa Field", limit=20))) == liuzhou
    idx.close()


def test_a_broken_corpus_thesaurus_is_a_corpus_problem(tmp_path, corpus):
    from ichigo_search import CorpusError

    (corpus / "thesaurus.yaml").write_text("synonyms: not-a-list\nsynonims: []\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        Index(tmp_path / "index").update_from(corpus)
    text = str(info.value)
    assert "thesaurus.yaml" in text and "synonyms must be a list" in text and "unknown section 'synonims'" in text
