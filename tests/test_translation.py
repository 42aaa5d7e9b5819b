"""Queries typed in Chinese or Japanese: a run cut into words, each found as written and as its English glosses."""

from __future__ import annotations

import re

import pytest

from conftest import caption_ids
from ichigo_search.text.analysis import is_cjk
from ichigo_search.text.dictionary import cut, dictionary
from test_search import LIUCHOW_CAPTIONS, LIUZHOU_CAPTIONS

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@pytest.mark.parametrize(
    "run, words, expected",
    [
        ("柳州机场", {"柳州", "机场"}, ["柳州", "机场"]),
        # a character no word takes between two words is a particle or a function word
        ("柳州的机场", {"柳州", "机场"}, ["柳州", "机场"]),
        ("柳州の飛行場", {"柳州", "飛行場"}, ["柳州", "飛行場"]),
        # characters no word takes stay together; longest word first
        ("伤兵医院", {"医院"}, ["伤兵", "医院"]),
        # the cut with fewer pieces: from the end here, not *的士* (a taxi) from the start
        ("受伤的士兵", {"受伤", "的士", "士兵"}, ["受伤", "士兵"]),
        ("战斗机残骸", {"战斗", "战斗机", "残骸"}, ["战斗机", "残骸"]),
        # a character known alone between words is a word of its own (摘, to pick), unless it is a function word
        ("摘棉花的工人", {"摘", "棉花", "的", "工人"}, ["摘", "棉花", "工人"]),
        ("被炸的房屋", {"炸", "房屋"}, ["炸", "房屋"]),
        ("日本兵和马", {"日本", "兵", "马", "和"}, ["日本", "兵", "马"]),
        # Japanese: hiragana between words is grammar (から, まで, された), left out with a lone kanji beside it
        ("桂林から柳州まで", {"桂林", "柳州"}, ["桂林", "柳州"]),
        ("爆撃された村", {"爆撃"}, ["爆撃"]),
        ("爆撃された村", {"爆撃", "村"}, ["爆撃", "村"]),
        # no word at all: the run as typed
        ("一作", {"作戦"}, ["一作"]),
    ],
)
def test_a_run_is_cut_into_the_longest_words(run, words, expected):
    assert cut(run, words.__contains__) == expected


def test_the_dictionary_glosses_in_the_words_a_caption_uses():
    table = dictionary()
    assert "airfield" in table.glosses("机场")
    assert table.glosses("機場") == table.glosses("机场")  # traditional and simplified
    assert "fighter" in table.glosses("戦闘機")  # Japanese form of 戰鬥機
    assert table.glosses("飛行場")[0] == "airfield"  # JMdict: Japanese words Chinese does not use
    assert "coal mine" in table.glosses("炭鉱") and "tornado" in table.glosses("竜巻")
    # a word JMdict writes in katakana, though it has (phonetic) kanji: アメリカ, not only 亜米利加
    assert table.glosses("アメリカ") == ["America"] and "Germany" in table.glosses("ドイツ")
    assert table.glosses("蒋介石") == ["Chiang Kai-shek"]  # a name without its dates and description
    assert table.glosses("轰炸")[0] == "bomb"  # "to bomb": without "to"
    assert "(slang)" not in " ".join(table.glosses("机场"))
    rows = table.db.execute("SELECT text FROM glosses").fetchall()
    glosses = [gloss for (text,) in rows for gloss in text.split("\t") if text]
    assert len(glosses) > 100_000
    assert not [g for g in glosses if CJK.search(g) or len(g.split()) > 3 or "(" in g or "[" in g]


@pytest.mark.parametrize("query", ["柳州机场", "柳州機場", "柳州的机场", "柳州の飛行場"])
def test_a_place_and_a_word_typed_in_chinese_find_the_captions_in_english(sample_index, query):
    results = sample_index.search(query)
    # every caption of Liuzhou in any spelling, the one at its airbase first (机场: airport, airfield; air base)
    assert set(caption_ids(results)) == LIUZHOU_CAPTIONS | LIUCHOW_CAPTIONS
    assert caption_ids(results)[:2] == ["liuzhou-destroyed-fighter", "liuzhou-airstrip-mines"]
    assert "<mark>airbase</mark>" in " ".join(results[0].highlights)


@pytest.mark.parametrize(
    "query, first",
    [
        ("桂林机场", "guilin-soldiers-convoy"),
        ("柳州 地雷", "liuzhou-airstrip-mines"),  # land mine: "Japanese mines removed from the air strip"
        ("中国工人", "liuzhou-airstrip-mines"),  # a Chinese worker
        ("战斗机", "liuzhou-destroyed-fighter"),
        ("難民 火車", "guilin-refugee-train"),
        # 炸 (burst, explode; first "deep fry") gives no "fry": Capt. Fry's caption is no bombed plane's
        ("被炸的飞机", "liuzhou-destroyed-fighter"),
        ("インド", "bukey-calcutta"),  # India, written in katakana (its kanji 印度 are phonetic)
    ],
)
def test_chinese_words_find_their_english_captions(sample_index, query, first):
    assert caption_ids(sample_index.search(query))[0] == first


def test_a_character_alone_between_words_is_translated_as_a_word(sample_index):
    """*日本兵和马*, Japanese soldiers and horses: 兵 (soldiers) and 马 (horse) are words, 和 (and) is not: the
    remains of the Japanese cavalry (horses and horsemen) come first."""
    assert set(caption_ids(sample_index.search("日本兵和马"))[:2]) == LIUCHOW_CAPTIONS


def test_a_word_is_read_as_a_small_towns_name_only_without_a_meaning_of_its_own():
    from ichigo_search.query.syntax import Unit
    from ichigo_search.search import make_expander

    expander = make_expander()
    flood, _ = expander.expand(expander.words([Unit("洪水破坏")]))  # 洪水 is also a town, Hongshui
    assert not flood.places and "flood" in {a.text for a in flood.alternatives}
    (texas,) = expander.expand([Unit("德克萨斯州")])  # a gloss naming a place finds it as the name would
    assert [p.name for p in texas.places] == ["Texas"]
    (liuzhou,) = expander.expand([Unit("柳州")])
    assert [p.name for p in liuzhou.places] == ["Liuzhou"]


def test_words_the_vocabulary_or_the_gazetteer_knows_stay_whole(sample_index):
    ichigo = set(caption_ids(sample_index.search("Ichigo", limit=20)))
    assert set(caption_ids(sample_index.search("一号作戦", limit=20))) == ichigo
    assert sample_index.search("一作").total == 0


def test_a_word_finds_captions_written_in_the_other_script(tmp_path):
    from conftest import index_of

    captions = {
        "traditional": "桂林機場被炸毀的戰鬥機",  # a fighter destroyed at Guilin's airfield, in traditional characters
        "simplified": "柳州机场的跑道",  # Liuzhou airfield's runway, in simplified characters
        "japanese": "柳州の飛行場と戦闘機",  # in Japanese
        "english": "A street in Guilin.",
    }
    with index_of(tmp_path, captions) as index:
        # 機場 as written, and 飛行場 (Japanese) through its gloss, airfield
        assert set(caption_ids(index.search("机场"))) == {"traditional", "simplified", "japanese"}
        assert set(caption_ids(index.search("機場"))) == {"traditional", "simplified", "japanese"}
        assert set(caption_ids(index.search("战斗机"))) == {"traditional", "japanese"}
        assert caption_ids(index.search("桂林机场"))[0] == "traditional"


def test_an_english_query_finds_a_caption_written_in_chinese_and_marks_the_word(tmp_path):
    from conftest import index_of

    captions = {
        "guilin": "桂林机场被炸毁的飞机",  # aircraft destroyed at Guilin airfield
        "liuzhou": "柳州の飛行場",  # Liuzhou's airfield, in Japanese
        "street": "A street in Guilin.",
    }
    with index_of(tmp_path, captions) as index:
        results = index.search("Guilin airfield")
        assert caption_ids(results)[0] == "guilin"  # every word: the place, and 机场 glossed airfield
        assert "<mark>桂林机场</mark>" in results[0].highlights[0]  # the place and the word, side by side
        airfield = index.search("airfield")
        assert set(caption_ids(airfield)) == {"guilin", "liuzhou"}
        marked = {hit.highlights[0] for hit in airfield}
        assert marked == {"桂林<mark>机场</mark>被炸毁的飞机", "柳州の<mark>飛行場</mark>"}
        assert caption_ids(index.search("airplane")) == ["guilin"]  # 飞机


def test_numbers_written_in_characters_are_found_by_figures_and_words(tmp_path):
    from conftest import index_of

    captions = {
        "14th": "美军第十四航空队在撤离桂林前炸毁机场设施",  # the US 14th Air Force before leaving Guilin
        "23": "击落二十三架敌机",  # 23 enemy aircraft shot down
        "ww2": "第二次世界大战中的难民",  # refugees of the Second World War: one word of the dictionary
        "10th": "第十军官兵",  # officers and men of the (Chinese) Tenth Army
    }
    with index_of(tmp_path, captions) as index:
        assert caption_ids(index.search("Fourteenth Air Force"))[:1] == ["14th"]
        assert caption_ids(index.search("14th"))[:1] == ["14th"]
        assert "23" in caption_ids(index.search("twenty-three enemy planes"))
        assert caption_ids(index.search("World War II refugees"))[:1] == ["ww2"]
        assert "ww2" not in caption_ids(index.search("2nd"))  # not 第二 of 第二次世界大战 apart
        assert caption_ids(index.search("Tenth Army"))[:1] == ["10th"]


def test_a_translation_bridges_to_the_words_of_the_period_as_the_english_word_would():
    from ichigo_search.query.syntax import Unit
    from ichigo_search.search import make_expander

    expander = make_expander()
    (typed,) = expander.expand([Unit("homeless")])
    (translated,) = expander.expand([Unit("无家可归")])  # homeless
    bridged = {a.text for a in typed.alternatives} - {"homeless"}
    assert "transient" in bridged
    assert bridged <= {a.text for a in translated.alternatives}


def test_the_vocabulary_s_forms_in_hanzi_are_words_indexed_whole(sample_index):
    """A campaign's name is not cut into shorter words whose other senses would be indexed (一号, "toilet")."""
    import yaml

    from ichigo_search.text.dictionary import MAX_WORD
    from ichigo_search.vocab.thesaurus import BUILTIN

    def strings(node):
        if isinstance(node, dict):
            node = [*node.keys(), *node.values()]
        if isinstance(node, list):
            return [text for item in node for text in strings(item)]
        return [node] if isinstance(node, str) else []

    forms = {text.lstrip("=") for text in strings(yaml.safe_load(BUILTIN.read_text(encoding="utf-8")))}
    forms = {form for form in forms if form and all(map(is_cjk, form))}  # as the tool takes them
    assert len(forms) > 30  # the built-in vocabulary has rows in hanzi and kana
    missing = [form for form in forms if len(form) <= MAX_WORD and form not in dictionary()]
    assert not missing, f"regenerate data/cjk-english.sqlite (tools/build_cjk_dictionary.py): {missing}"
    assert sample_index.search("toilet").total == 0
