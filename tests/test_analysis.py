from ichigo_search.analysis import analyze, fold, stem


def texts(text: str, **kw) -> list[str]:
    return [t.text for t in analyze(text, **kw)]


def test_case_and_accent_folding():
    assert fold("Ichigō") == "ichigo"
    assert fold("ＬＩＵＺＨＯＵ") == "liuzhou"
    assert fold("Łódź") == "lodz"
    assert texts("ICHIGŌ") == texts("ichigo")


def test_hyphenated_words_are_indexed_split_and_joined():
    terms = analyze("Ichi-gō air-strip")
    by_text = {t.text: t for t in terms}
    assert {"ichi", "go", "ichigo", "air", "strip", "airstrip"} <= set(by_text)
    # the joined form shares the first part's position, so phrases still line up
    assert by_text["ichigo"].pos == by_text["ichi"].pos
    assert by_text["strip"].pos == by_text["air"].pos + 1


def test_possessives_acronyms_and_numbers():
    assert texts("Japan's") == ["japan"]
    assert texts("U.S. Army") == ["us", stem("army")]
    assert texts("14Th 1944 7314") == ["14th", "1944", "7314"]


def test_snowball_stemming_fixes_whoosh_runn():
    # Whoosh's default StemmingAnalyzer stems running to "runn"; Snowball gets "run".
    assert texts("running") == texts("run") == ["run"]
    assert texts("evacuating") == texts("evacuate")


def test_cjk_runs_are_bigrams_plus_unigrams_at_shared_positions():
    terms = analyze("一号作戦")
    assert [(t.text, t.pos) for t in terms] == [
        ("一号", 0),
        ("一", 0),
        ("号作", 1),
        ("号", 1),
        ("作戦", 2),
        ("作", 2),
        ("戦", 3),
    ]
    assert "柳州" in texts("柳州市")


def test_offsets_point_into_the_original_text():
    text = "Photo (平阳镇) of Ichi-gō's men"
    for term in analyze(text):
        piece = text[term.start : term.end]
        assert piece, term
    spans = {text[t.start : t.end] for t in analyze(text)}
    assert {"平阳", "Ichi-gō's", "men"} <= spans


def test_stemming_can_be_switched_off():
    assert texts("soldiers running", stemming=False) == ["soldiers", "running"]
