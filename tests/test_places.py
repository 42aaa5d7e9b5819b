"""Every spelling of a place finds every caption that names it, for places across the gazetteer."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from ichigo_search import Index
from ichigo_search.vocab.gazetteer import DATA_FILE, compact_key, gazetteer

PLACES_TESTED = 48
# Romanized spellings: capitalized words joined by hyphens or spaces (Liuchow, Liu-chou, Ch'ung-ch'ing).
LATIN_NAME = re.compile(r"^[A-Z][a-z'’]+(?:-[a-z'’]+)*(?: [A-Z][a-z'’]+(?:-[a-z'’]+)*)?$")
VARIANTS_PER_PLACE = 5


def _is_han(name: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in name)


def _variants(place) -> list[str]:
    """Distinct spellings that the gazetteer reads as this place: romanizations first, then hanzi."""
    g = gazetteer()
    chosen: list[str] = []
    keys: set[str] = set()
    names = [place.name] + [n for n in place.names if n and n != place.name]
    latin = [n for n in names if LATIN_NAME.match(n)]
    han = [n for n in names if _is_han(n) and len(n) >= 2]
    for name in latin[:1] + han[:2] + latin[1:6]:
        key = compact_key(name)
        candidates = g.candidates(name)
        if key in keys or not candidates or candidates[0].id != place.id or g.needs_context(key):
            continue
        keys.add(key)
        chosen.append(name)
    return chosen[:VARIANTS_PER_PLACE]


def _sample_places():
    """The largest cities of China, Burma and India, and Chinese and Burmese provinces."""
    db = sqlite3.connect(f"file:{DATA_FILE}?mode=ro", uri=True)
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM places WHERE kind = 'city' AND country = 'CN' ORDER BY population DESC LIMIT 22"
        )
    ]
    ids += [
        r[0]
        for r in db.execute(
            "SELECT id FROM places WHERE kind = 'city' AND country IN ('MM', 'IN') ORDER BY population DESC LIMIT 12"
        )
    ]
    ids += [r[0] for r in db.execute("SELECT id FROM places WHERE kind = 'province' AND country = 'CN' LIMIT 14")]
    g = gazetteer()
    places = [g.place(i) for i in ids]
    return [(p, v) for p in places if len(v := _variants(p)) >= 2][:PLACES_TESTED]


SAMPLE = _sample_places()


def test_the_sample_spans_the_region_and_every_kind_of_spelling():
    assert len(SAMPLE) >= 40
    assert {p.country for p, _ in SAMPLE} >= {"CN", "MM", "IN"}
    assert any(p.kind == "province" for p, _ in SAMPLE)
    all_variants = [v for _, variants in SAMPLE for v in variants]
    assert sum(_is_han(v) for v in all_variants) >= 30  # simplified and traditional hanzi
    assert {"Liuchow", "Kweilin", "Calcutta", "Rangoon", "Chungking", "Kwangsi"} & set(all_variants)


@pytest.fixture(scope="module")
def variant_index(tmp_path_factory):
    """One caption per (place, spelling), in varied sentence positions."""
    root = tmp_path_factory.mktemp("variants")
    corpus = root / "corpus"
    corpus.mkdir()
    templates = ["Convoy arriving at {} in 1944.", "{} airfield after the retreat.", "Refugees near {}, late 1944."]
    with (corpus / "variants.jsonl").open("w", encoding="utf-8") as handle:
        for p_index, (_, variants) in enumerate(SAMPLE):
            for v_index, variant in enumerate(variants):
                caption = templates[(p_index + v_index) % len(templates)].format(variant)
                record = {"id": f"p{p_index}-v{v_index}", "caption": caption}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    idx = Index(root / "index")
    idx.update_from(corpus)
    yield idx
    idx.close()


@pytest.mark.parametrize("p_index", range(len(SAMPLE)), ids=[p.name for p, _ in SAMPLE])
def test_every_variant_finds_every_caption_of_the_place(variant_index, p_index):
    _, variants = SAMPLE[p_index]
    expected = {f"p{p_index}-v{v}" for v in range(len(variants))}
    for variant in variants:
        results = variant_index.search(variant, limit=50)
        found = {hit.id for hit in results}
        assert expected <= found, (variant, sorted(expected - found))
        # the caption spelled as typed ranks first
        typed = f"p{p_index}-v{variants.index(variant)}"
        assert results[0].id == typed, (variant, [h.id for h in results][:5])


def test_variant_matches_are_highlighted(sample_index):
    hits = {hit.id: hit for hit in sample_index.search("Liuchow", limit=20)}
    assert "<mark>Liuzhou</mark>" in hits["liuzhou-civilians-applaud"].highlights[0]
    hits = {hit.id: hit for hit in sample_index.search("柳州", limit=20)}
    assert "<mark>Liuchow</mark>" in hits["liuchow-cavalry-column"].highlights[0]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Kwangsi", {"liuzhou-destroyed-fighter", "liuzhou-servicemen-return"}),
        ("廣西", {"liuzhou-destroyed-fighter", "liuzhou-servicemen-return"}),
        ("Kweilin", {"guilin-soldiers-convoy", "guilin-refugee-train"}),
        ("桂林", {"guilin-soldiers-convoy", "guilin-refugee-train"}),
        ("Kolkata", {"bukey-calcutta"}),
        ("Liu-chou", {"liuchow-cavalry-column", "liuzhou-airstrip-mines"}),
    ],
)
def test_sample_captions_found_by_other_spellings(sample_index, query, expected):
    found = {hit.id for hit in sample_index.search(query, limit=20)}
    assert expected <= found


def test_place_filter_takes_any_spelling_and_includes_places_inside(sample_index):
    inside_guangxi = {hit.id for hit in sample_index.search("Japanese", place="Kwangsi", limit=20)}
    # Guilin and Liuzhou captions are in Guangxi even when they do not say so
    assert {"guilin-refugee-train", "liuchow-cavalry-column", "liuzhou-civilians-applaud"} <= inside_guangxi
    assert "bukey-calcutta" not in inside_guangxi
    assert {hit.id for hit in sample_index.search("Bukey", place="India")} == {"bukey-calcutta"}
    # his caption names China too ("spent much time in southwestern China"), and Japan only as an adjective
    assert {hit.id for hit in sample_index.search("Bukey", place="China")} == {"bukey-calcutta"}
    assert sample_index.search("Bukey", place="Japan").total == 0


def test_places_are_reported_canonically_with_province_and_country(sample_index):
    hit = next(h for h in sample_index.search("cavalry") if h.id == "liuchow-cavalry-column")
    # one name a place, place -> province -> country, in the record's own spelling where it gave one
    assert hit.places == ["Liuchow", "Guangxi", "China"]


def test_person_names_are_not_places_and_qualified_small_towns_are():
    g = gazetteer()
    text = "Lt. Colonel Wright Hiatt, Winchester, Indiana, and Capt. Berwyn Fry, Chicago, Ill."
    found = {(m.text, m.place.name, m.place.parent) for m in g.find(text)}
    assert ("Chicago", "Chicago", "US-IL") in found and ("Ill", "Illinois", "US") in found
    assert not any(name == "Berwyn" for name, *_ in found)
    # the town of 5,000 in Indiana, not the larger Winchesters of Virginia or Kentucky
    assert ("Winchester", "Winchester", "US-IN") in found


def test_a_name_that_is_also_an_english_word_is_a_place_with_its_qualifier():
    """Names that are also English words need place context; a qualifier right after one is that context, at the
    start of a text too (a catalogue's caption often opens with its place)."""
    g = gazetteer()
    for text, name, state in [
        ("Mobile, Alabama. Workers leaving the yard.", "Mobile", "US-AL"),
        ("Reading, Pennsylvania. Hosiery mill.", "Reading", "US-PA"),
        ("Orange, Texas. Housing for war workers.", "Orange", "US-TX"),
    ]:
        assert (name, state) in {(m.text, m.place.parent) for m in g.find(text)}, text
    assert [m.text for m in g.find("Mobile homes in a row, Alabama.")] == ["Alabama"]  # no qualifier right after


def test_one_list_of_ordinary_english_words_for_places_and_abbreviations():
    """The gazetteer and the thesaurus ask one general English list (vocab/words.py, made from SCOWL and wordfreq,
    not from a collection we test on): a place named by an ordinary word needs place context, as an abbreviation
    that is an ordinary word needs its period."""
    from ichigo_search.vocab.thesaurus import is_english_word
    from ichigo_search.vocab.words import is_ordinary_word

    g = gazetteer()
    for text in ("Summit of the pass.", "Crystal glassware on the shelf.", "Alliance meeting at the grange hall."):
        assert g.find(text) == [], text
    assert [(m.text, m.place.parent) for m in g.find("Summit, New Jersey.")] == [
        ("Summit", "US-NJ"),
        ("New Jersey", "US"),
    ]
    for word in ("wash", "mass", "miss", "ill", "summit", "crystal", "mobile", "reading"):
        assert is_ordinary_word(word) and is_english_word(word) and g.needs_context(word), word
    for word in ("col", "liuzhou", "manila", "phoenixville"):
        assert not is_ordinary_word(word) and not is_english_word(word) and not g.needs_context(word), word
    assert g.needs_context("calif") and not is_ordinary_word("calif")  # a state's abbreviation, the gazetteer's own


def test_qualifier_chooses_among_same_named_places():
    g = gazetteer()
    [ohio] = g.find("Main Street, Calcutta, Ohio, in 1940")[:1]
    assert (ohio.place.name, ohio.place.parent) == ("Calcutta", "US-OH")
    [india] = g.find("Photo taken in Calcutta in 1944")
    assert india.place.name == "Kolkata"


# Captions that name a city by its name of the time (or a foreign one), and captions with today's name.
HISTORIC_CAPTIONS = {
    "stalingrad": "Ruins of Stalingrad, February 1943.",
    "volgograd": "Monument on the Mamayev hill in Volgograd.",
    "danzig": "Shipyards at Danzig before the war.",
    "gdansk": "The old town of Gdansk, rebuilt.",
    "breslau": "Bombed streets of Breslau in 1945.",
    "wroclaw": "Market square in Wroclaw.",
    "konigsberg": "Königsberg castle in 1944.",
    "kaliningrad": "The port of Kaliningrad.",
    "leningrad": "Leningrad under siege, winter 1942.",
    "petersburg": "The Winter Palace in Saint Petersburg.",
    "constantinople": "A street in Constantinople.",
    "istanbul": "Ferry at Istanbul.",
    "lemberg": "The synagogue of Lemberg.",
    "lwow": "Refugees from Lwów, 1939.",
    "lviv": "The opera house in Lviv.",
    "jakarta": "Traffic in Jakarta.",
}
HISTORIC_PAIRS = [
    ("volgograd", "stalingrad"),
    ("gdansk", "danzig"),
    ("wroclaw", "breslau"),
    ("kaliningrad", "konigsberg"),
    ("petersburg", "leningrad"),
    ("istanbul", "constantinople"),
    ("lviv", "lemberg"),
    ("lviv", "lwow"),
]
HISTORIC_QUERIES = {
    "volgograd": "Volgograd",
    "stalingrad": "Stalingrad",
    "gdansk": "Gdańsk",
    "danzig": "Danzig",
    "wroclaw": "Wrocław",
    "breslau": "Breslau",
    "kaliningrad": "Kaliningrad",
    "konigsberg": "Königsberg",
    "petersburg": "Saint Petersburg",
    "leningrad": "Leningrad",
    "istanbul": "Istanbul",
    "constantinople": "Constantinople",
    "lviv": "Lviv",
    "lemberg": "Lemberg",
    "lwow": "Lwów",
}


@pytest.fixture(scope="module")
def historic_index(tmp_path_factory):
    """The captions above, and Batavia: in New York, with nothing saying where, and in the Netherlands East Indies
    (Indonesia's name of the time) by a qualifier or by the record's places."""
    root = tmp_path_factory.mktemp("historic")
    corpus = root / "corpus"
    corpus.mkdir()
    records = [{"id": key, "caption": caption} for key, caption in HISTORIC_CAPTIONS.items()]
    records += [
        {"id": "batavia-ny", "caption": "Main street in Batavia, New York, 1941."},
        {"id": "batavia-us", "caption": "Grain elevator in Batavia."},
        {"id": "batavia-java", "caption": "The harbor of Batavia, 1941.", "places": ["Netherlands East Indies"]},
        {"id": "batavia-nei", "caption": "Dock workers at Batavia, Netherlands East Indies."},
        {"id": "hong-kong", "caption": "Japanese aircraft burn at Hong Kong's Kai Tak airdrome."},
        {"id": "macau", "caption": "Refugees in Macau, 1942."},
        {"id": "imphal-ja", "caption": "インパール作戦で撤退する日本軍"},
        {"id": "rangoon-ja", "caption": "ラングーンの港、昭和19年"},
        {"id": "media-ja", "caption": "メディアの報道"},
    ]
    with (corpus / "historic.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    idx = Index(root / "index")
    idx.update_from(corpus)
    yield idx
    idx.close()


@pytest.mark.parametrize("modern, historic", HISTORIC_PAIRS, ids=[f"{m}-{h}" for m, h in HISTORIC_PAIRS])
def test_a_city_s_historic_name_and_its_name_today_find_each_other(historic_index, modern, historic):
    """World cities' alternate names from GeoNames: the period's name finds today's and back."""
    for query, wanted in ((HISTORIC_QUERIES[modern], historic), (HISTORIC_QUERIES[historic], modern)):
        found = {hit.id for hit in historic_index.search(query, limit=20)}
        assert wanted in found, (query, sorted(found))
        assert found <= {modern, historic, "lwow", "lemberg", "lviv"}, (query, sorted(found))


@pytest.mark.parametrize("query, wanted", [("Xianggang", "hong-kong"), ("香港", "hong-kong"), ("Aomen", "macau")])
def test_a_city_states_names_find_the_territory(historic_index, query, wanted):
    """Hong Kong and Macau are a city and a territory of one name: the city's pinyin finds captions read as the
    territory, in a search and in a place filter."""
    assert [hit.id for hit in historic_index.search(query)] == [wanted]
    assert [hit.id for hit in historic_index.search("", place=query)] == [wanted]


@pytest.mark.parametrize(
    "query, wanted", [("Imphal", "imphal-ja"), ("Rangoon", "rangoon-ja"), ("Yangon", "rangoon-ja")]
)
def test_a_japanese_caption_names_foreign_places_in_katakana(historic_index, query, wanted):
    """インパール is Imphal and ラングーン Rangoon (GeoNames' katakana names, the period's curated);
    メディア is "media", not Médéa, Algeria (a dictionary word whose glosses do not name the town)."""
    assert wanted in [hit.id for hit in historic_index.search(query)]
    assert "media-ja" not in [hit.id for hit in historic_index.search("Médéa")]


def test_batavia_is_jakarta_only_where_the_record_says_so(historic_index):
    """Batavia, a name of Jakarta, is also a US city: a caption in New York, or with nothing saying where,
    stays in the US; a qualifier or a record's places in the Netherlands East Indies read it as Jakarta."""
    jakarta = {hit.id for hit in historic_index.search("Jakarta", limit=20)}
    assert jakarta == {"jakarta", "batavia-java", "batavia-nei"}
    assert {hit.id for hit in historic_index.search("Batavia", limit=20)} >= {"batavia-ny", "batavia-us"}
    hits = {hit.id: hit for hit in historic_index.search("Batavia", limit=20)}
    assert "New York" in hits["batavia-ny"].places and "Jakarta" not in hits["batavia-ny"].places
    assert "Jakarta" not in hits["batavia-us"].places
    assert "Jakarta" in hits["batavia-java"].places and "Jakarta" in hits["batavia-nei"].places


def test_world_cities_alternate_names_that_would_make_false_places_are_left_out():
    g = gazetteer()
    assert [(m.text, m.place.name) for m in g.find("Ruins of Stalingrad, February 1943.")] == [
        ("Stalingrad", "Volgograd")
    ]
    assert g.candidates("Tsaritsyn")[0].name == "Volgograd"
    # An ordinary English word (Lion for Lyon, Bone for Annaba) is no world city's alternate.
    assert "Lyon" not in {p.name for p in g.candidates("Lion")}
    assert "Annaba" not in {p.name for p in g.candidates("Bone")}
    # One name of two world cities (Stalin: Donetsk and Varna) is neither's.
    assert not {"Donetsk", "Varna"} & {p.name for p in g.candidates("Stalin")}
    # Nor the name of a country, province or another city of the region (Bangladesh, Delhi, Florida).
    assert g.candidates("Delhi")[0].country == "IN" and all(p.country != "TL" for p in g.candidates("Delhi"))
    assert all(p.tier != 3 or p.kind == "country" for p in g.candidates("Bangladesh"))
    # (Florida, Uruguay is a department, read only with evidence: no world city takes the name.)
    assert all(p.country == "US" or p.kind == "province" for p in g.candidates("Florida"))
    assert g.candidates("Florida")[0].id == "US-FL"
    # A US town read only with evidence keeps its name (Cologne, Minnesota, not Köln).
    assert all(p.country == "US" for p in g.candidates("Cologne"))


def test_a_city_named_as_it_was_keeps_the_country_of_its_time():
    """Borders moved with the names: "Stettin, Germany" (a real FSA/OWI caption) is Szczecin, today in Poland,
    and "Lwów, Poland" is Lviv; today's name with a country it is not in, an acronym before a country, and a
    town the gazetteer does not know stay unread."""
    g = gazetteer()

    def read(text: str) -> list[tuple[str, str]]:
        return [(m.text, m.place.name) for m in g.find(text)]

    assert read("Stettin, Germany. Bombed harbor") == [("Stettin", "Szczecin"), ("Germany", "Germany")]
    assert read("Refugees from Lwów, Poland, 1939.") == [("Lwów", "Lviv"), ("Poland", "Poland")]
    assert read("Streets of Breslau, Germany, in 1945.") == [("Breslau", "Wrocław"), ("Germany", "Germany")]
    assert read("Market square in Wroclaw, Germany.") == [("Germany", "Germany")]
    assert ("USHA", "Uşak") not in read("Housing project of the USHA, United States Housing Authority")
    # Spain's Toledo, whose name a province of Belize has, is read beside its country: not Ohio's or the Philippines'
    assert [(m.text, m.place.country) for m in g.find("Cathedral of Toledo, Spain.")] == [
        ("Toledo", "ES"),
        ("Spain", "ES"),
    ]
    assert read("Cathedral of Toledo, Mexico.") == [("Mexico", "Mexico")]  # a town the gazetteer does not know


def test_the_worlds_subdivisions_take_no_citys_name():
    """A province named like a city, or in a city's other spelling, leaves the name to the city (Kiev, Beograd,
    Berne, Leningrad); a region's name is no city's alternate (Manchuria is not Manzhouli)."""
    g = gazetteer()
    for name, city in [
        ("Kiev", "Kyiv"),
        ("Beograd", "Belgrade"),
        ("Leningrad", "Saint Petersburg"),
        ("Madrid", "Madrid"),
    ]:
        assert g.candidates(name)[0].name == city and g.candidates(name)[0].kind == "city"
    assert all(p.kind == "city" or p.country == "US" for p in g.candidates("Berne"))
    assert [p.id for p in g.candidates("Manchuria")] == ["CN-MANCHURIA"]
    assert g.candidates("Bayern")[0].name == "Bavaria" and g.candidates("Toscana")[0].name == "Tuscany"
