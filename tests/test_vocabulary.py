"""The vocabulary of the period and typo tolerance, as classes of queries (not listed strings)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import caption_ids, index_of
from ichigo_search import Index
from ichigo_search.text.numerals import ordinal_suffix
from ichigo_search.text.spelling import Spellings
from ichigo_search.vocab.thesaurus import (
    cardinal_words,
    is_english_word,
    load,
    ordinal_words,
    token_key,
)

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
    idx = index_of(tmp_path_factory.mktemp("vocab"), CAPTIONS)
    yield idx
    idx.close()


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
    "n, words", [(2, "two"), (13, "thirteen"), (40, "forty"), (74, "seventy-four"), (99, "ninety-nine")]
)
def test_cardinals_are_written_both_ways(n, words):
    thesaurus = load()
    assert cardinal_words(n) == words
    assert thesaurus.lookup(token_key(str(n))).get(words) == 1.0
    assert thesaurus.lookup(token_key(words)).get(str(n)) == 1.0
    assert thesaurus.lookup(token_key(words.replace("-", " "))).get(str(n)) == 1.0  # seventy four
    assert not thesaurus.lookup(token_key("one")).get("1")  # "no one", "one of the": a pronoun as often


def test_a_number_in_words_finds_it_in_digits(sample_index):
    """*thirteen* finds the ferry "13 miles east of Ping Yang"; *74* would find "seventy-four enemy planes"."""
    assert [hit.id for hit in sample_index.search("thirteen")] == ["ping-yang-ferry-footbridge"]


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
    assert caption_ids(vocab_index.search(query))[:1] == [expected]


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
    assert caption_ids(results)[:1] == [expected]
    assert results.suggestion == suggestion


def test_place_typos_use_the_gazetteer(sample_index):
    for typo in ("Liuzou", "Guillin", "Kweilen", "Liuzhuo"):
        results = sample_index.search(typo)
        assert results.total > 0, typo
        assert results.suggestion in ("Liuzhou", "Guilin", "Kweilin"), (typo, results.suggestion)


def test_a_well_known_place_no_caption_names_is_no_typo(sample_index):
    # the sample names neither Chungking nor Peking: no caption, and no other place offered instead of them
    for name in ("Chungking", "Peiping", "Nagasaki"):
        results = sample_index.search(name)
        assert (results.total, results.suggestion) == (0, None), name
    # a misspelt place is still corrected
    assert sample_index.search("Liuzhoo").suggestion == "Liuzhou"


def osa(a: str, b: str) -> int:
    """Reference optimal string alignment distance: plain dynamic programming, a swap of neighbours is one edit."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def spellings_of(words: list[str]) -> Spellings:
    return Spellings(lambda letter: [w for w in words if w.startswith(letter)])


WORDS = st.text(alphabet="abcd", min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=40), WORDS, st.integers(0, 2))
def test_near_spellings_are_every_other_word_within_the_edits_sharing_the_first_letter(words, word, edits):
    expected = {(w, osa(w, word)) for w in words if w != word and w[0] == word[0] and osa(w, word) <= edits}
    found = spellings_of(words).near(word, edits)
    assert sorted(found) == sorted(expected)
    assert [d for _, d in found] == sorted(d for _, d in found)  # nearest first


def test_a_swap_is_one_edit_and_the_first_letter_is_kept():
    spellings = spellings_of(["mechanics", "mechanic", "nechanics", "machines"])
    assert spellings.near("mechancis", 1) == [("mechanics", 1)]
    assert spellings.near("mechancis", 2) == [("mechanics", 1), ("mechanic", 2)]
    assert spellings.near("nechancis", 2) == [("nechanics", 1)]


def test_each_first_letter_is_loaded_once():
    asked: list[str] = []
    words = ["soldiers", "soldier", "bridge"]

    def load(letter: str) -> list[str]:
        asked.append(letter)
        return [w for w in words if w.startswith(letter)]

    spellings = Spellings(load)
    assert spellings.near("soldeirs", 2)[0] == ("soldiers", 1)
    assert spellings.near("soliders", 2)[0] == ("soldiers", 1)
    assert spellings.near("brdige", 1) == [("bridge", 1)]
    assert asked == ["s", "b"]


def test_a_typo_of_a_word_added_later_is_corrected(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(json.dumps({"id": "road", "caption": "Trucks on the road."}) + "\n")
    with Index(tmp_path / "index") as idx:
        idx.update_from(corpus)
        assert idx.search("rikcshaw").total == 0
        (corpus / "b.jsonl").write_text(json.dumps({"id": "rick", "caption": "A rickshaw in the street."}) + "\n")
        idx.update_from(corpus)
        results = idx.search("rikcshaw")
        assert caption_ids(results) == ["rick"]
        assert results.suggestion == "rickshaw"


def test_exact_words_get_no_suggestion_and_short_words_no_guessing(sample_index):
    assert sample_index.search("Liuzhou").suggestion is None
    assert sample_index.search("zzz").total == 0  # too short to correct


def test_near_synonyms_rank_below_the_word_typed(sample_index):
    results = caption_ids(sample_index.search("soldiers", limit=10))
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
    assert "liuzhou-destroyed-fighter" in caption_ids(idx.search("pursuit ship"))
    liuzhou = set(caption_ids(idx.search("Liuzhou", limit=20)))
    assert set(caption_ids(idx.search("Lunghwa Field", limit=20))) == liuzhou
    idx.close()


def test_a_broken_corpus_thesaurus_is_a_corpus_problem(tmp_path, corpus):
    from ichigo_search import CorpusError

    (corpus / "thesaurus.yaml").write_text("synonyms: not-a-list\nsynonims: []\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        Index(tmp_path / "index").update_from(corpus)
    text = str(info.value)
    assert "thesaurus.yaml" in text and "synonyms must be a list" in text and "unknown section 'synonims'" in text


def test_the_compiled_thesaurus_is_cached_and_recompiled_when_damaged(tmp_path, monkeypatch):
    from ichigo_search.vocab import thesaurus

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    extra = json.dumps({"synonyms": [["jeep", "quarter-ton truck"]]})
    compile_fresh = thesaurus._compiled.__wrapped__
    first = compile_fresh(extra)
    cached = thesaurus._cache_file(extra)
    assert cached.is_relative_to(tmp_path) and cached.exists()
    second = compile_fresh(extra)  # read back from the cache file
    assert second.entries == first.entries and second.place_aliases == first.place_aliases
    assert second.lookup(("jeep",)) == {"quarter-ton truck": 1.0}
    assert thesaurus._cache_file("") != cached  # another corpus thesaurus, another file
    cached.write_bytes(b"not a pickle")
    assert compile_fresh(extra).entries == first.entries


# -- abbreviations that are also English words (Wash. = Washington, but "wash day") ------------------


def builtin_abbreviations() -> list[tuple[str, str]]:
    """Every built-in abbreviation of one word with its first long form."""
    from ichigo_search.vocab.thesaurus import _builtin

    pairs = [
        (str(short), longs if isinstance(longs, str) else longs[0])
        for short, longs in _builtin()["abbreviations"].items()
    ]
    return [(short, long) for short, long in pairs if short.isalpha()]


WORD_ABBREVIATIONS = [(s, lng) for s, lng in builtin_abbreviations() if is_english_word(s)]
OTHER_ABBREVIATIONS = [(s, lng) for s, lng in builtin_abbreviations() if not is_english_word(s)]


def test_the_abbreviations_that_are_words_are_told_by_the_shipped_word_list():
    words = {short for short, _ in WORD_ABBREVIATIONS}
    assert {"Wash", "Ill", "Mass", "Miss"} <= words
    # Ranks and states that are rare words (a col is a mountain pass) stay abbreviations both ways.
    assert not words & {"Tenn", "Calif", "Sgt", "Capt", "Col", "Gen", "Ind", "Ave", "St", "Mt"}
    assert is_english_word("wash") and is_english_word("WASH.") and not is_english_word("wash day")


@pytest.fixture(scope="module")
def abbreviation_index(tmp_path_factory):
    # The short form used as a word ("a sign reads wash"), the long form, and the short form as an
    # abbreviation ("Tenn.") for those that are not words.
    captions = {}
    for short, long in builtin_abbreviations():
        captions[f"short-{short}"] = (
            f"A sign that reads {short.lower() if is_english_word(short) else short + '.'} here."
        )
        captions[f"long-{short}"] = f"A sign that reads {long} here."
    idx = index_of(tmp_path_factory.mktemp("abbreviations"), captions)
    yield idx
    idx.close()


@pytest.mark.parametrize("short, long", WORD_ABBREVIATIONS)
def test_a_long_form_does_not_find_an_abbreviation_that_is_a_word(abbreviation_index, short, long):
    assert f"short-{short}" not in caption_ids(abbreviation_index.search(long, limit=100))
    assert f"long-{short}" not in caption_ids(abbreviation_index.search(short.lower(), limit=100))
    found = caption_ids(abbreviation_index.search(f"{short}.", limit=100))
    assert f"long-{short}" in found and f"short-{short}" in found  # written with its period: both


@pytest.mark.parametrize("short, long", OTHER_ABBREVIATIONS)
def test_other_abbreviations_work_both_ways(abbreviation_index, short, long):
    assert f"short-{short}" in caption_ids(abbreviation_index.search(long, limit=100))
    assert f"long-{short}" in caption_ids(abbreviation_index.search(short, limit=100))


def test_a_corpus_abbreviation_that_is_a_word_needs_its_period():
    from ichigo_search.vocab.thesaurus import Thesaurus

    thesaurus = Thesaurus()
    thesaurus.merge({"abbreviations": {"Bull": ["Bulletin"], "Hq": ["Headquarters"]}})
    assert thesaurus.lookup(("bull",)) == {} and thesaurus.lookup(("bulletin",)) == {}
    assert thesaurus.lookup(("bull",), dotted=True) == {"Bulletin": 1.0}
    assert thesaurus.lookup(("headquarters",)) == {"Hq": 1.0}


# -- typos that look like other words: two known halves, a caption's own misspelling ---------------


@pytest.fixture(scope="module")
def typo_index(tmp_path_factory):
    from ichigo_search.query.expansion import POPULAR_RATIO

    captions = {
        "outside": "Boys waiting outside the church.",
        "outs": "Two outs in the ninth inning.",
        "die": "Crops die in the drought.",
        "montana": "A ranch in the hills of Montana.",
        "anna": "Anna and her sister at Mont Alto.",
        "misspelt": "Bus terminal in Baltimore, Marlyand.",
        "beede": "Thomas Beede, resettlement client.",
    }
    captions |= {f"maryland-{i}": f"Tobacco farm number {i} in Maryland." for i in range(POPULAR_RATIO)}
    captions |= {f"beside-{i}": f"A dog beside barn number {i}." for i in range(POPULAR_RATIO - 1)}
    idx = index_of(tmp_path_factory.mktemp("typos"), captions)
    yield idx
    idx.close()


@pytest.mark.parametrize(
    "typo, expected, suggestion", [("outsdie", "outside", "outside"), ("Montanna", "montana", "Montana")]
)
def test_a_typo_whose_halves_are_words_is_still_corrected(typo_index, typo, expected, suggestion):
    results = typo_index.search(typo)
    assert caption_ids(results)[:1] == [expected]
    assert results.suggestion == suggestion


def test_a_rare_misspelling_in_the_captions_also_finds_the_common_spelling(typo_index):
    results = typo_index.search("Marlyand", limit=100)
    found = caption_ids(results)
    assert found[0] == "misspelt"  # the word as typed first
    assert {f"maryland-{i}" for i in range(50)} <= set(found)
    assert results.suggestion == "Maryland"
    # A rare word with no spelling that many times as common is left as typed.
    results = typo_index.search("Beede", limit=100)
    assert caption_ids(results) == ["beede"] and results.suggestion is None


# -- kills and damage: today's words and the period's for the dead, the wounded, the lost and the ruined ---------

# FSA/OWI captions (data/fsa-owi) by record id, and captions in the style of military archives that FSA/OWI lacks.
DAMAGE_RECORDS = {
    "aces": "fsa-owi2001031976",  # "... his two aces, who each shot down five enemy planes over the Sicilian straits"
    "victory": "fsa-owi2001031975",  # "... took part in the aerial victory over the Sicilian straits"
    "monument": "fsa-owi2001003006",  # "Monument in honor of Negro soldiers killed in World War I"
    "hog-killing": "fsa-fsa2000033315",  # "Hog killing on Milton Puryeur place"
    "kill-flies": "fsa-fsa2000007794",  # "Spraying cattle to kill flies before milking"
    "dressing": "fsa-owi2001025132",  # "... applies a dressing to a wounded soldier's hand in an Army hospital"
    "injured-foot": "fsa-fsa1998024136",  # "Child with injured foot. Washington, D.C."
    "wrecked-ships": "fsa-owi2001034638",  # "American soldiers inspecting wrecked ships in Tunis harbor"
    "torpedoed": "fsa-owi2001015220",  # "... Merchant seamen swapping stories. One, (left), had been torpedoed twice"
    "torpedo-tubes": "fsa-oem2002003638",  # "Production. Torpedo tube mounts. ..."
    "auto-accident": "fsa-fsa1998019883",  # "An automobile accident on the U.S. 40 between Hagerstown and Cumberland"
    "coal-shot-down": "fsa-owi2001013297",  # "A face of coal shot down by a Cordox shell"
    "colliery-explosion": "fsa-fsa2000021927",  # "... a gas explosion ... in a Gilberton colliery"
}
DAMAGE_CAPTIONS = {
    "kia": "Pfc. Walter Kowalski, KIA near Myitkyina, Burma, July 1944.",
    "killed-in-action": "Memorial service for the men of the 23rd Fighter Group killed in action over Hengyang.",
    "wounded-in-action": "Sgt. Ray Olson, wounded in action at Salerno, in a hospital ward.",
    "ea-destroyed": "Capt. Hill's P-40 after the mission: 3 e/a destroyed, 1 probable.",
    "aircraft-lost": "Wreckage of enemy aircraft on the field at Kweilin.",
    "c-47": "A C-47 lands at Yunnanyi with supplies.",
    "a-c-initials": "Dr. A. C. Jones, county health officer, at the clinic.",
    "b-25s": "Oil tanks at Canton burning after a strike by B-25s.",
    "p-51d": "Ground crew load bombs on a P-51D at Suichwan.",
    "zero": "Wreckage of a Japanese Zero near Hengyang.",
    "jap-raid": "Ruins of Kweiyang after the Jap air raid.",
    "kill-flags": "Capt. Robert Lee Scott in the cockpit of his P-40 with 13 Japanese flags painted beneath.",
    "prisoners": "Japanese prisoners captured at Tengchung are questioned by Chinese officers.",
    "prison-farm": "The state prison farm at Parchman, Mississippi.",
    "initials": "E. A. Smith, county agent, at the fair.",
    "downed": "Two enemy planes downed over the field.",
    "down-the-road": "Walking down the road to town.",
}


@pytest.fixture(scope="module")
def damage_index(tmp_path_factory):
    import gzip

    from conftest import FSA_CAPTIONS

    wanted = {record: name for name, record in DAMAGE_RECORDS.items()}
    captions = dict(DAMAGE_CAPTIONS)
    with gzip.open(FSA_CAPTIONS, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line) if any(f'"{ident}"' in line for ident in wanted) else None
            if record and record["id"] in wanted:
                captions[wanted[record["id"]]] = record["caption"]
    assert set(captions) == set(DAMAGE_CAPTIONS) | set(DAMAGE_RECORDS)
    idx = index_of(tmp_path_factory.mktemp("damage"), captions)
    yield idx
    idx.close()


def found(idx: Index, query: str) -> set[str]:
    return set(caption_ids(idx.search(query, limit=100)))


def test_todays_words_for_the_dead_find_the_periods(damage_index):
    # No caption says "fatalities" or "death toll"; they say "killed", "KIA", "killed in action".
    for query in ("fatalities", "death toll", "war casualties"):
        hits = found(damage_index, query)
        assert {"monument", "killed-in-action"} <= hits, query
        # "=killed" is that word: not the hog killing nor the fly spray of its stem.
        assert not hits & {"hog-killing", "kill-flies"}, query


def test_the_armys_abbreviations_for_the_dead_and_wounded_work_both_ways(damage_index):
    assert {"kia", "killed-in-action"} <= found(damage_index, "KIA")
    assert {"kia", "killed-in-action"} <= found(damage_index, "killed in action")
    assert "wounded-in-action" in found(damage_index, "WIA")
    assert {"dressing", "injured-foot"} <= found(damage_index, "injuries")


def test_kills_find_the_aerial_victories_and_downed_is_not_every_down(damage_index):
    assert {"aces", "victory", "downed"} <= found(damage_index, "kills")
    assert "down-the-road" not in found(damage_index, "shot down")
    assert "kill-flags" in found(damage_index, "kill markings")  # a flag painted for each aircraft shot down


def test_abbreviations_of_single_letters_find_their_long_forms_one_way(damage_index):
    assert caption_ids(damage_index.search("e/a destroyed"))[:1] == ["ea-destroyed"]
    assert "aircraft-lost" in found(damage_index, "e/a")  # e/a -> enemy aircraft
    assert "initials" not in found(damage_index, "enemy aircraft")  # not "E. A." as e/a
    assert "c-47" not in found(damage_index, "aircraft")  # not "A C-47" as a/c
    assert "a-c-initials" not in found(damage_index, "aircraft")  # nor "A. C. Jones"


def test_a_designations_plural_and_model_letter_are_the_type(damage_index):
    # "B-25s" are B-25s and a "P-51D" is a P-51, written with or without the hyphen
    assert "b-25s" in found(damage_index, "B-25")
    assert "b-25s" in found(damage_index, "B25")
    assert {"p-51d"} <= found(damage_index, "P-51") & found(damage_index, "P51")
    assert "ea-destroyed" in found(damage_index, "P-40s")
    assert "p-51d" not in found(damage_index, "P-5")


def test_prisoners_of_war_find_prisoners(damage_index):
    assert "prisoners" in found(damage_index, "POWs")
    assert "prisoners" in found(damage_index, "prisoners of war")
    assert "prison-farm" not in found(damage_index, "POWs")  # "=prisoners": the word, not every prison


def test_the_periods_clipped_japanese_is_japanese(damage_index):
    assert {"jap-raid", "zero"} <= found(damage_index, "Japanese")
    assert "zero" in found(damage_index, "Jap")


def test_ships_and_cars_lost_are_found_by_the_readers_words(damage_index):
    assert {"wrecked-ships", "torpedoed"} <= found(damage_index, "shipwreck")
    assert "torpedo-tubes" not in found(damage_index, "shipwreck")  # "=torpedoed", not every torpedo
    assert "auto-accident" in found(damage_index, "car wreck")
    assert "auto-accident" in found(damage_index, "car crash")


def test_a_colliery_is_a_coal_mine_and_a_mine(damage_index):
    assert "colliery-explosion" in found(damage_index, "coal mine")
    assert "colliery-explosion" in found(damage_index, "mines")


def test_a_near_synonym_with_the_stems_typed_is_not_added_again():
    from ichigo_search.vocab.thesaurus import Thesaurus

    thesaurus = Thesaurus()
    thesaurus.merge({"related": [["flood", "floods", "=flooded", "inundated"]]})
    assert thesaurus.lookup(("flood",)) == {"inundated": 0.25}
    assert thesaurus.lookup(("inundated",)) == {"flood": 0.25, "floods": 0.25, "=flooded": 0.25}
    thesaurus.merge({"synonyms": [["GI", "GIs"]]})  # a synonym still counts, as it always has
    assert thesaurus.lookup(("gi",)) == {"GIs": 1.0, "GI": 1.0}


def test_a_search_sorts_only_the_lengths_it_looks_at_in_the_order_sorting_every_word_gave():
    """A one-shot query's typo looks at five lengths of a letter's words: sorting all 9,000 of the gazetteer's
    keys of a letter took ~3 ms of it. The near spellings and their order (ties in sorted order) are unchanged."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from ichigo_search.vocab.gazetteer import Gazetteer

    keys = Gazetteer()._keys_starting("c")
    assert len(keys) > 1000
    spellings = Spellings(lambda letter: keys if letter == "c" else [])
    everything = sorted(set(keys))
    for word, edits in (("califronia", 2), ("chunking", 2), ("cantn", 1), ("chicago", 1)):
        choices = [w for n in range(len(word) - edits, len(word) + edits + 1) for w in everything if len(w) == n]
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None)
        assert spellings.near(word, edits) == [(w, d) for w, d, _ in found if w != word]
    looked_at = {n for n, words in spellings._buckets["c"].items() if isinstance(words, list)}
    assert looked_at == {4, 5, 6, 7, 8, 9, 10, 11, 12} & set(spellings._buckets["c"])


def test_a_word_a_row_marks_as_written_is_matched_as_written_when_typed_too(tmp_path):
    """*kills* (``=kills`` in the aerial victories' row) finds *aces who shot down five enemy planes*, not *hog
    killing*: the row's mark holds for the word typed as for the row's other forms. *Pilot* finds its near synonyms
    (*aces*: LCSH Fighter pilots, UF Aces)."""
    from conftest import caption_ids, index_of

    captions = {
        "hogs": "Hog killing near Luray, Virginia",
        "aces": "The squadron commander talking to his two aces, who each shot down five enemy planes",
        "killed": "Soldiers killed in action are buried near the airfield",
    }
    index = index_of(tmp_path, captions)
    assert caption_ids(index.search("kills")) == ["aces"]
    assert caption_ids(index.search("fighter pilot kills"))[:1] == ["aces"]
    assert "killed" in caption_ids(index.search("killed")) and "hogs" not in caption_ids(index.search("killed"))
    assert "hogs" in caption_ids(index.search("killing"))  # a word no row marks: every word of its stem
    index.close()
