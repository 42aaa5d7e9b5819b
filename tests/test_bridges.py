"""Terminology bridges: today's words find the captions of the period, and the period's words today's captions."""

from __future__ import annotations

import pytest
import yaml

from conftest import caption_ids, index_of
from ichigo_search import CorpusError, Index
from ichigo_search.ranking import Ranking
from ichigo_search.text.analysis import stem
from ichigo_search.vocab.thesaurus import BUILTIN, Thesaurus, validate, word_keys
from ichigo_search.vocab.words import ENGLISH_WORDS

CAPTIONS = {
    "negro-farmer": "Negro farmer plowing his field. Greene County, Georgia.",
    "modern-farmer": "An African American farmer plowing a field.",
    "white-farmer": "American farmers at a grange meeting.",
    "colored-school": "School for colored children near the church.",
    "color-photo": "Color photograph of a red barn and a silo.",
    "native-dance": "Native Spanish-American dance at the fiesta, Taos.",
    "indian-children": "Indian children at the Mescalero reservation.",
    "navajo-weaver": "Navajo woman weaving a blanket in front of her hogan.",
    "evacuees": "Japanese-American evacuees waiting for evacuation orders at the station.",
    "crippled-miner": "Crippled miner sitting on the porch of the company store.",
    "aged-couple": "Aged couple sitting on their front porch.",
    "school-age": "Children of school age walking to the schoolhouse.",
    "box-elder": "Mormon farmer, Box Elder County, Utah.",
    "church-elder": "Elder Kelsey, pastor of the Church of God in Christ.",
    "ozark-mountaineer": "Ozark mountaineer and his wife on their porch.",
    "smoky-farm": "Small farm near the Smoky Mountains, Tennessee.",
    "former-slaves": "Descendants of former slaves of the Pettway Plantation. Gees Bend, Alabama.",
    "rescue-squad": "Civilian defense rescue squad at a drill, Washington, D.C.",
    "student-nurse": "Student nurse and a doctor in the hospital ward.",
    "orders": "Foreman giving orders to the workers at the plant.",
    "combat-fatigue": "Soldier recovering from combat fatigue at an Army hospital.",
    "charwoman": "Government charwoman cleaning after regular working hours.",
    "housemaid": "Housemaid in the kitchen of a farm home.",
    "slave-labor": "Plantation house built in 1840 by slave labor.",
    "drunken": "Drunken lumberjack on the street, Craigsville, Minnesota.",
    "drunk-wine": "Trapper's wife with a gallon of red wine, which is drunk in great quantities.",
    "alcohol-plant": "Production. Industrial alcohol is distilled for war purposes.",
    "comfort-station": "Truckers at a comfort station on U.S. Highway No. 1.",
    "ianfu": "慰安婦の写真、1944年.",
    "labor-union": "Labor union meeting at the hall.",
}


@pytest.fixture(scope="module")
def bridge_index(tmp_path_factory):
    idx = index_of(tmp_path_factory.mktemp("bridges"), CAPTIONS)
    yield idx
    idx.close()


def test_a_bridged_term_stands_for_every_word_it_bridges(bridge_index):
    found = caption_ids(bridge_index.search("African American farmers", limit=20))
    # "Negro farmer" matches every word, so it ranks above a caption with only some of them ...
    assert found.index("negro-farmer") < found.index("white-farmer")
    # ... and below the caption that says it as typed.
    assert found.index("modern-farmer") < found.index("negro-farmer")


def test_a_bridged_term_is_highlighted(bridge_index):
    hit = next(h for h in bridge_index.search("African American farmers") if h.id == "negro-farmer")
    assert "<mark>Negro</mark>" in hit.highlights[0] and "<mark>farmer</mark>" in hit.highlights[0]


def test_a_modern_name_finds_the_period_names_and_not_its_words_apart(bridge_index):
    found = caption_ids(bridge_index.search("Native Americans", limit=20))
    assert {"indian-children", "navajo-weaver"} <= set(found)
    assert "native-dance" not in found  # "native Spanish-American" is not a Native American


def test_bridges_work_both_ways_with_the_words_typed_first(bridge_index):
    found = caption_ids(bridge_index.search("Negro farmers", limit=20))
    assert found.index("negro-farmer") < found.index("modern-farmer") < found.index("white-farmer")


def test_a_form_marked_exact_is_that_word_only(bridge_index):
    found = caption_ids(bridge_index.search("African American children", limit=20))
    assert "colored-school" in found and "color-photo" not in found
    assert "modern-farmer" in caption_ids(bridge_index.search("colored"))  # the exact word typed bridges back
    assert not set(caption_ids(bridge_index.search("color"))) & {"modern-farmer", "negro-farmer"}  # its stem does not
    older = caption_ids(bridge_index.search("older people"))
    assert "aged-couple" in older and "school-age" not in older


@pytest.mark.parametrize(
    ("query", "meant", "other_sense"),
    [
        ("enslaved people", "former-slaves", set()),  # LCSH Enslaved persons, the heading Slaves until 2021
        ("first responders", "rescue-squad", set()),
        ("health care workers", "student-nurse", {"orders"}),  # =orderly: not every order
        ("PTSD", "combat-fatigue", set()),
        # LCSH Cleaning personnel (UF Charwomen; Janitors), not Household employees (UF Domestic workers)
        ("domestic workers", "housemaid", {"charwoman"}),
        ("custodians", "charwoman", {"housemaid"}),
        ("forced labor", "slave-labor", set()),
        ("substance abuse", "drunken", {"drunk-wine", "alcohol-plant"}),  # =drunken: not wine that is drunk
        ("comfort women", "ianfu", {"comfort-station"}),  # not an American highway's rest room
    ],
)
def test_todays_words_for_people_of_the_war_years(bridge_index, query, meant, other_sense):
    found = set(caption_ids(bridge_index.search(query, limit=20)))
    assert meant in found and not found & other_sense


@pytest.mark.parametrize(
    ("query", "meant", "other_sense"),
    [
        ("senior citizens", "aged-couple", {"box-elder", "church-elder"}),  # elderly, elders: not every elder
        ("Appalachian people", "ozark-mountaineer", {"smoky-farm"}),  # mountaineer: not every mountain
    ],
)
def test_a_bridge_form_whose_stem_is_another_word_finds_only_itself(bridge_index, query, meant, other_sense):
    found = set(caption_ids(bridge_index.search(query, limit=20)))
    assert meant in found and not found & other_sense


def test_a_bridged_phrase_ranks_above_its_words_apart(bridge_index):
    assert caption_ids(bridge_index.search("forced labor"))[:1] == ["slave-labor"]  # not the labor union first


def test_a_period_form_marked_exact_is_that_word_when_typed(bridge_index):
    # "=alcoholism" in a row: typed, it is not every word of its stem (industrial alcohol)
    assert "alcohol-plant" not in caption_ids(bridge_index.search("alcoholism"))


def test_classes_beyond_race_are_bridged(bridge_index):
    assert "evacuees" in caption_ids(bridge_index.search("Japanese American incarceration"))
    assert "crippled-miner" in caption_ids(bridge_index.search("people with disabilities"))
    assert caption_ids(bridge_index.search("disabled miner"))[0] == "crippled-miner"


def test_stop_words_and_word_forms_do_not_matter_to_a_bridge():
    thesaurus = Thesaurus()
    thesaurus.add_bridge(["women in the military", "servicewomen"], ["WAAC", "Women's Army Corps"], ["Army nurse"])
    assert thesaurus.bridged(*word_keys("women in military")) == thesaurus.bridged(*word_keys("Women in the Military"))
    assert "WAAC" in thesaurus.bridged(*word_keys("Servicewomen"))


def test_period_terms_find_the_modern_ones_but_not_each_other_and_narrower_terms_nothing():
    thesaurus = Thesaurus()
    thesaurus.add_bridge(["Native American"], ["Indian", "Indians", "red man"], ["Navajo", "Hopi"])
    assert thesaurus.bridged(*word_keys("Indian")) == ["Native American"]
    assert thesaurus.bridged(*word_keys("Navajo")) == []
    # Forms that match the same captions count once: "Indians" is "Indian".
    assert thesaurus.bridged(*word_keys("Native Americans")) == ["Indian", "red man", "Navajo", "Hopi"]
    # A form holding the words typed adds nothing they do not match.
    thesaurus.add_bridge(["homeless"], ["homeless men", "transient"], [])
    assert thesaurus.bridged(*word_keys("homeless")) == ["transient"]


def test_bridges_can_be_turned_off(bridge_index, tmp_path):
    with Index(bridge_index.path, ranking=Ranking(bridge_weight=0.0)) as plain:
        assert not {"indian-children", "navajo-weaver"} & set(caption_ids(plain.search("Native Americans")))


def test_every_builtin_bridge_row_is_valid_and_names_its_authority():
    data = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    assert validate(data, "vocabulary.yaml") == []
    assert len(data["bridges"]) >= 40
    assert all(len(row["source"]) > 20 for row in data["bridges"])


def _inflections(base: str) -> set[str]:
    """A word's regular inflections (plural, past, participle), doubled final consonant and -ies included."""
    forms = {base, base + "s", base + "es", base + "ed", base + "d", base + "ing"}
    forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    if base.endswith("e"):
        forms.add(base[:-1] + "ing")
    if base.endswith("y"):
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    return forms


# Words of another form but the same sense as a vocabulary form with their stem: left unmarked on purpose.
SAME_SENSE = {"disabled", "disability", "homeless", "insane", "withdraw"}


def test_no_vocabulary_form_finds_another_word_of_its_stem():
    """An unmarked form finds every word of its stem: "elderly" found *Box Elder* and *elder sister*, "mountaineers"
    every mountain, "villagers" every village, "Oriental" *orientation*. Such a form must be written "=" (the word as
    written); each frequent English word of the same stem that is not the form's inflection is such a word."""
    data = yaml.safe_load(BUILTIN.read_text(encoding="utf-8"))
    rows = [*data["synonyms"], *data["related"]]
    rows += [row.get(side, []) for row in data["bridges"] for side in ("modern", "period", "narrower")]
    forms = {
        words[0] for row in rows for form in row if not form.startswith("=") if len(words := word_keys(form)[1]) == 1
    }
    by_stem: dict[str, set[str]] = {}
    for line in ENGLISH_WORDS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            by_stem.setdefault(stem(line.strip()), set()).add(line.strip())
    clashes = {}
    for form in forms:
        group = by_stem.get(stem(form), set()) | {form}
        lemmas = {base for base in group if form in _inflections(base)}
        others = {w for w in group - SAME_SENSE if not any(w in _inflections(base) for base in lemmas)}
        if others:
            clashes[form] = sorted(others)
    assert len(forms) > 300 and clashes == {}


def test_a_corpus_thesaurus_adds_bridges(tmp_path, corpus):
    with Index(tmp_path / "index") as idx:
        idx.update_from(corpus)
        assert "liuchow-cavalry-column" not in caption_ids(idx.search("mounted troops", limit=20))
        (corpus / "thesaurus.yaml").write_text(
            "bridges:\n  - modern: [mounted troops]\n    period: [cavalry, horsemen]\n    source: our finding aid\n",
            encoding="utf-8",
        )
        idx.update_from(corpus)  # no record changed: the open index still takes the new thesaurus
        assert set(caption_ids(idx.search("mounted troops"))[:2]) == {"liuchow-cavalry-column", "liuchow-remains-field"}


@pytest.mark.parametrize(
    "rows, message",
    [
        ("bridges: {a: b}", "bridges must be a list of rows"),
        ("bridges:\n  - [a, b]", "bridges row 1: must be a mapping"),
        ("bridges:\n  - {modern: [x], period: [y]}", "bridges row 1 (x): needs source"),
        ("bridges:\n  - {modern: [x], source: s}", "needs period: (or narrower:)"),
        ("bridges:\n  - {period: [y], source: s}", "needs modern:"),
        ("bridges:\n  - {modern: x, period: [y], source: s}", "modern must be a list of words or phrases"),
        ("bridges:\n  - {modern: [x], period: [y], source: s, moderns: [z]}", "unknown key 'moderns'"),
    ],
)
def test_a_broken_bridge_row_is_a_corpus_problem(tmp_path, corpus, rows, message):
    (corpus / "thesaurus.yaml").write_text(rows + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        Index(tmp_path / "index").update_from(corpus)
    assert "thesaurus.yaml" in str(info.value) and message in str(info.value)


@pytest.mark.parametrize("query", ["Sino-Japanese War", "老年夫妇", "displaced people"])
def test_a_bridged_form_is_one_alternative_of_its_group(query):
    """A form the typed words' synonyms, two glosses' bridges or two bridged forms' synonyms all give is one
    alternative: an Or of alternatives sums them, so a second copy would count the form twice."""
    from ichigo_search.query.syntax import parse
    from ichigo_search.search import make_expander

    expander = make_expander()
    units = expander.words([unit for clause in parse(query).clauses for unit in clause.units])
    for group in expander.expand(units):
        texts = [a.text for a in group.alternatives if a.text and not a.apart]
        assert len(texts) == len(set(texts)), (query, group.text)
