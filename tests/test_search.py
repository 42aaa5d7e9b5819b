"""Ranking, query syntax, filters and highlighting on the sample collection."""

from __future__ import annotations

import pytest

from conftest import caption_ids, index_of

LIUZHOU_CAPTIONS = {
    "liuzhou-destroyed-fighter",
    "liuzhou-servicemen-return",
    "ping-yang-ferry-footbridge",
    "liuzhou-civilians-applaud",
    "liuzhou-airstrip-mines",
}


LIUCHOW_CAPTIONS = {"liuchow-remains-field", "liuchow-cavalry-column"}


def test_liuzhou_airbase_ranks_the_airbase_caption_first_and_keeps_the_rest(sample_index):
    results = sample_index.search("Liuzhou airbase")
    assert results[0].id == "liuzhou-destroyed-fighter"
    # captions matching only "Liuzhou" (in any spelling) still follow
    assert set(caption_ids(results)) == LIUZHOU_CAPTIONS | LIUCHOW_CAPTIONS
    assert results.total == len(LIUZHOU_CAPTIONS | LIUCHOW_CAPTIONS)
    # the exact spelling ranks above the variant spelling Liuchow
    ranks = {hit.id: hit.rank for hit in results}
    assert max(ranks[i] for i in LIUZHOU_CAPTIONS) < min(ranks[i] for i in LIUCHOW_CAPTIONS)
    assert [h.rank for h in results] == list(range(1, len(results) + 1))
    assert results[0].score >= results[1].score


def test_all_words_rank_above_some_words(sample_index):
    results = sample_index.search("Guilin train refugees")
    assert results[0].id == "guilin-refugee-train"
    assert results[1].id == "guilin-soldiers-convoy"


def test_stemmed_matches_are_found_and_highlighted(sample_index):
    results = sample_index.search("evacuate")
    assert set(caption_ids(results)) == {"guilin-soldiers-convoy", "guilin-refugee-train"}
    marks = " ".join(h for hit in results for h in hit.highlights)
    assert "<mark>evacuation</mark>" in marks and "<mark>evacuating</mark>" in marks


def test_phrase_query_requires_adjacent_words(sample_index):
    assert set(caption_ids(sample_index.search('"cavalry column"'))) == {
        "liuchow-cavalry-column",
        "liuchow-remains-field",
    }
    assert sample_index.search('"column cavalry"').total == 0


def test_exclusion_and_or(sample_index):
    liuchow = set(caption_ids(sample_index.search("Liuchow")))
    assert "liuzhou-airstrip-mines" in liuchow
    assert "liuzhou-airstrip-mines" not in caption_ids(sample_index.search("Liuchow -mines"))
    either = caption_ids(sample_index.search("Calcutta OR refugees"))
    assert set(either[:2]) == {"bukey-calcutta", "guilin-refugee-train"}


def test_field_queries(sample_index):
    assert caption_ids(sample_index.search("photographer:Riese")) == ["liuzhou-destroyed-fighter"]
    assert caption_ids(sample_index.search("title:remains")) == ["liuchow-remains-field"]
    assert set(caption_ids(sample_index.search("place:Guilin"))) == {"guilin-soldiers-convoy", "guilin-refugee-train"}


def test_year_filters(sample_index):
    assert set(caption_ids(sample_index.search("year:1944"))) == {"guilin-soldiers-convoy", "bukey-calcutta"}
    assert caption_ids(sample_index.search("Ichigo", year="1945")) == ["liuzhou-destroyed-fighter"]
    assert set(caption_ids(sample_index.search("Ichigo year:1944..1945"))) == {
        "liuzhou-destroyed-fighter",
        "guilin-soldiers-convoy",
        "bukey-calcutta",
    }


def test_place_filter(sample_index):
    assert set(caption_ids(sample_index.search("Japanese", place="Guilin"))) == {
        "guilin-soldiers-convoy",
        "guilin-refugee-train",
    }
    assert sample_index.search("Japanese", place="Atlantis").total == 0


@pytest.mark.parametrize(
    "query, expected",
    [
        ("一号作戦", "liuzhou-destroyed-fighter"),
        ("平阳镇", "ping-yang-ferry-footbridge"),
        ("平阳", "ping-yang-ferry-footbridge"),
        ("作戦", "liuzhou-destroyed-fighter"),
    ],
)
def test_cjk_queries_match_inside_longer_runs(sample_index, query, expected):
    results = sample_index.search(query)
    assert caption_ids(results)[0] == expected
    assert f"<mark>{query}" in results[0].highlights[0]  # the word, or the place name it starts


def test_cjk_sequence_must_be_contiguous(sample_index):
    assert sample_index.search("一作").total == 0


def test_hyphen_and_accent_variants(sample_index):
    for query in ("Ichigo", "Ichi-go", "ICHIGŌ", "ichi-gō"):
        assert "liuzhou-destroyed-fighter" in caption_ids(sample_index.search(query, limit=20)), query
    assert caption_ids(sample_index.search("airstrip"))[0] == "liuzhou-airstrip-mines"  # "air strip"


def test_the_campaigns_japanese_and_chinese_names_find_it(sample_index):
    ichigo = set(caption_ids(sample_index.search("Ichigo", limit=20)))
    for name in ("一号作戦", "大陸打通作戦", "豫湘桂会战", "豫湘桂會戰", "Tairiku Datsu Sakusen"):
        assert set(caption_ids(sample_index.search(name, limit=20))) == ichigo, name


EVENT_CAPTIONS = {
    "hengyang-siege": "衡阳保卫战中的第十军阵地",
    "guilin-liuzhou": "Chinese troops withdrawing during the Kweilin-Liuchow campaign, November 1944.",
    "bulge": "Infantry in the snow near Bastogne during the Ardennes Offensive.",
    "normandy": "Landing craft off Omaha Beach on D-Day, 6 June 1944.",
    "nanking": "Memorial to the victims of the Nanking Massacre.",
    "china-incident": "Japanese troops in North China, 1938, during the China Incident.",
    "pacific-war": "大東亜戦争 ポスター",
    # the same places without the events: a name's place alone must not rank first
    "hengyang-street": "A street in Hengyang before the siege.",
    "normandy-farm": "A farm in Normandy.",
    "nanking-street": "A street in Nanking.",
}


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ('"Kweilin-Liuchow railway"', {"hyphen", "apart"}),  # was nothing: the joined word stands at its first part
        ('"Kweilin Liuchow railway"', {"hyphen", "apart"}),
        ('"wing-flutter test"', {"flutter"}),
        ('"air-strip lights"', {"air-strip", "air strip", "airstrip"}),
        ('"Liuchow railway"', {"hyphen", "apart"}),
    ],
)
def test_a_quoted_phrase_through_a_hyphenated_word_finds_it(tmp_path, query, wanted):
    captions = {
        "hyphen": "Troops on the Kweilin-Liuchow railway in 1944.",
        "apart": "The Kweilin Liuchow railway yards.",
        "railway-first": "The railway from Kweilin to Liuchow.",
        "flutter": "A wing-flutter test in the tunnel.",
        "air-strip": "The air-strip lights.",
        "air strip": "The air strip lights.",
        "airstrip": "The airstrip lights.",
    }
    with index_of(tmp_path, captions) as idx:
        assert set(caption_ids(idx.search(query, limit=20))) == wanted


def test_a_word_that_names_no_place_does_not_match_the_records_place_names(tmp_path):
    """*black* is not the *Black Hawk County* of a record's places, nor *elder* its *Box Elder County*: a caption that
    writes the word ranks first; a word that names a place still matches the places a record lists."""
    import json

    from ichigo_search import Index

    records = [
        {"id": "iowa-church", "caption": "Church in farming country near Waterloo",
         "places": ["Waterloo", "Black Hawk County", "Iowa", "United States"]},
        {"id": "black-church", "caption": "Going to church, Black Belt, Chicago, Illinois"},
        {"id": "utah-farmer", "caption": "Mormon farmer", "places": ["Box Elder County", "Utah", "United States"]},
        {"id": "elder-church", "caption": "Elder Kelsey, pastor of the church"},
    ]  # fmt: skip
    (tmp_path / "corpus").mkdir()
    lines = "".join(json.dumps(record) + "\n" for record in records)
    (tmp_path / "corpus" / "records.jsonl").write_text(lines, encoding="utf-8")
    with Index(tmp_path / "index") as idx:
        idx.update_from(tmp_path / "corpus")
        # (the exact-spelling field still holds the places' words, at its lower weight: they rank below)
        assert caption_ids(idx.search("black church"))[0] == "black-church"
        assert caption_ids(idx.search("elder"))[0] == "elder-church"
        assert set(caption_ids(idx.search("Black Hawk County"))) == {"iowa-church"}
        assert set(caption_ids(idx.search("Iowa farming"))) == {"iowa-church"}


@pytest.fixture(scope="module")
def events_index(tmp_path_factory):
    idx = index_of(tmp_path_factory.mktemp("events"), EVENT_CAPTIONS)
    yield idx
    idx.close()


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("Siege of Hengyang", "hengyang-siege"),
        ("桂柳会战", "guilin-liuzhou"),
        ("Battle of the Bulge", "bulge"),
        ("Normandy invasion", "normandy"),
        ("Rape of Nanking", "nanking"),
        ("Second Sino-Japanese War", "china-incident"),
        ("Pacific War", "pacific-war"),
    ],
)
def test_the_wars_events_are_found_by_each_of_their_names(events_index, query, wanted):
    """LCSH's headings and used-for names, and the Chinese and Japanese names, of the war's campaigns and events."""
    assert caption_ids(events_index.search(query))[:1] == [wanted]


def test_a_war_finds_its_campaigns_below_its_own_name(events_index, sample_index):
    """LCSH's Sino-Japanese War, 1937-1945 and its campaigns: the war's own captions first, then its campaigns', not
    other wars' events; on the sample, every caption of the Ichigo campaign."""
    found = caption_ids(events_index.search("Sino-Japanese War", limit=20))
    assert found[0] == "china-incident"
    assert {"hengyang-siege", "guilin-liuzhou", "nanking"} <= set(found)  # 衡阳保卫战: Siege of Hengyang
    assert not {"bulge", "normandy", "normandy-farm"} & set(found)
    ichigo = set(caption_ids(sample_index.search("Ichigo", limit=20)))
    assert set(caption_ids(sample_index.search("Sino-Japanese War", limit=20))) == ichigo


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("demining", "liuzhou-airstrip-mines"),  # "Japanese mines removed from the air strip"
        ("unexploded ordnance", "liuzhou-airstrip-mines"),
        ("displaced people", "guilin-refugee-train"),  # "Chinese refugees evacuating from Guilin"
    ],
)
def test_todays_words_for_the_wars_harm_find_the_periods(sample_index, query, wanted):
    assert caption_ids(sample_index.search(query))[:1] == [wanted]


def test_highlights_escape_html_and_keep_the_full_caption(sample_index):
    hit = sample_index.search("Operation Number One")[0]
    assert "&quot;<mark>Operation</mark> <mark>Number</mark> <mark>One</mark>&quot;" in hit.highlights[0]
    assert '"Operation Number One"' in hit.caption


def test_json_shape(sample_index):
    data = sample_index.search("Guilin").to_dict()
    assert set(data) == {"query", "total", "hits", "suggestion"}
    hit = data["hits"][0]
    assert set(hit) == {
        "rank",
        "id",
        "score",
        "title",
        "caption",
        "highlights",
        "places",
        "date",
        "photographer",
        "source",
    }
    assert isinstance(hit["score"], float) and isinstance(hit["highlights"], list)


def test_limit_and_offset_page_through_results(sample_index):
    everything = caption_ids(sample_index.search("Japanese", limit=100))
    pages = caption_ids(sample_index.search("Japanese", limit=3)) + caption_ids(
        sample_index.search("Japanese", limit=3, offset=3)
    )
    assert pages == everything[:6]
    assert sample_index.search("Japanese", limit=0).total == len(everything)


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "-",
        "- -",
        "foo:bar",
        "year:",
        "year:soon",
        "x" * 5000,
        "\x00\x07ctrl\x1b[31m",
        "OR",
        "OR OR AND NOT",
        "((()))",
        "*?~^",
        '"',
        '""',
        "title:",
        "-Liuzhou",
        "the of and",
        "🙂 🏯",
        "שלום עולם",
        "place:",
        "   ",
    ],
)
def test_malformed_queries_never_raise(sample_index, query):
    results = sample_index.search(query)
    assert results.total >= 0


def test_only_stopwords_still_search(sample_index):
    assert sample_index.search("the of").total > 0
    assert sample_index.search("-Liuzhou").total == 0  # only exclusions: nothing to look for


def test_unknown_field_falls_back_to_words(sample_index):
    assert caption_ids(sample_index.search("foo:Calcutta")) == ["bukey-calcutta"]


def test_several_word_forms_are_highlighted_only_where_their_words_stand_together(sample_index):
    hit = next(h for h in sample_index.search("airstrip") if h.id == "liuzhou-airstrip-mines")
    assert "<mark>air strip</mark>" in hit.highlights[0]
    assert "14Th Air Force" in hit.highlights[0]  # "air" alone is not the open compound


def test_long_queries_keep_their_words_and_split_hyphenated_ones():
    from ichigo_search.query.plan import plan, unit_query
    from ichigo_search.query.syntax import Unit, parse
    from ichigo_search.query.tree import Term, leaves
    from ichigo_search.search import make_expander

    words = [f"word{i}" for i in range(50)]
    assert len(parse(" ".join(words)).clauses) == 50  # descriptions are not cut at 32 words
    whole = unit_query(Unit("wing-flutter"), ("caption",), "exact")
    split = unit_query(Unit("wing-flutter"), ("caption",), "exact", split=0.5)

    def single_terms(query):
        return {(q.field, q.text) for q in leaves(query) if isinstance(q, Term)}

    assert ("caption", "flutter") not in single_terms(whole)  # only "wing flutter" together
    assert {("caption", "wing"), ("caption", "flutter")} <= single_terms(split)
    planned = plan(parse("heat-transfer in shock tubes at hypersonic speed"), ("caption",), "exact", make_expander())
    assert planned.soft_stems[0] == ("heat", "transfer") and len(planned.soft_long) == len(planned.soft_core)


def test_long_queries_weight_rare_words_above_common_ones(sample_index):
    from ichigo_search.search import plan_search

    sample_index.search("Liuzhou")  # opens the searcher
    searcher = sample_index._searcher
    found = plan_search(searcher, "Japanese soldiers in Liuzhou near the remains of horses")
    boosts = {stems: query.boost for query, stems in zip(found.some_words.parts, found.plan.soft_stems, strict=True)}
    assert boosts[("hors",)] > boosts[("liuzhou",)]  # horses: 2 of 10 captions; Liuzhou: 5


def test_a_long_lived_index_reads_the_typo_tables_when_it_opens(sample_index):
    """A long-lived index (``memory_map``) reads the words typo tolerance compares a misspelling with, a-z from the
    index and from the gazetteer, when it opens: no first query with a typo of a letter waits for them (5-8 ms at
    98k). A one-shot index reads a letter on first use, as before; both correct the same."""
    from ichigo_search import Index
    from ichigo_search.engine.whoosh.searcher import _spellings
    from ichigo_search.text.spelling import LETTERS
    from ichigo_search.vocab.gazetteer import gazetteer
    from ichigo_search.vocab.thesaurus import load

    with Index(sample_index.path, memory_map=True) as long, Index(sample_index.path, memory_map=False) as short:
        prepared = _spellings(long._searcher_now().whoosh.reader())._buckets
        assert set(prepared) == set(LETTERS) and any(prepared.values())
        assert set(gazetteer(load(None).place_aliases).spellings()._buckets) >= set(LETTERS)
        assert not _spellings(short._searcher_now().whoosh.reader())._buckets
        for text in ("Liuzhuo", "Kwelin airfeld"):
            found = long.search(text)
            assert found.to_dict() == short.search(text).to_dict(), text
            assert found.suggestion is not None, text
        assert set(_spellings(short._searcher_now().whoosh.reader())._buckets) == {"l", "k", "a"}
