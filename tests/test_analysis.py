from ichigo_search.text.analysis import TermNumbers, analyze, analyze_parts, fold, stem, term_positions


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


def _positions_from_terms(parts: list[str], stemming: bool) -> dict[str, list[int]]:
    where: dict[str, list[int]] = {}
    for term in analyze_parts(parts, stemming=stemming):
        where.setdefault(term.text, []).append(term.pos)
    return where


EDGE_TEXTS = [
    "U.S. Army p.m. U.S.Army A.B",  # acronyms, and dots that are not one
    "GIs' O'Brien's jeep, POWs and WACs",  # possessives, acronym plurals
    "B-29 air-raid Ichi-gō a-b-c-d-e",  # hyphens, joined forms, too many parts to join
    "U.S.-made O'Brien's-jeep GIs-POWs 1944-45 x-'s WAC's-quarters a-b-c-d p.m.-",  # hyphens meet acronyms
    "Liuzhou 柳州市 一号作戦 Kweilin-桂林",  # CJK runs, a CJK piece in a hyphenated word
    "ＬＩＵＺＨＯＵ Łódź naïve ﬁeld _under_score_ 14Th",  # width, accents, ligature, underscores
    "'quoted' ’tis rock’n’roll -- - ' ",  # apostrophes and hyphens alone
    "",
]


def _numbered(numbering: TermNumbers, parts: list[str], stemming: bool) -> dict[str, list[int]]:
    numbers, positions = numbering.positions(parts, stemming=stemming)
    assert numbering.occurrences(parts, stemming=stemming) == numbers
    where: dict[str, list[int]] = {}
    for number, pos in zip(numbers, positions, strict=True):
        where.setdefault(numbering.terms(stemming=stemming)[number], []).append(pos)
    return where


def test_index_terms_are_the_analysed_terms_with_their_positions():
    """term_positions (indexing's short path, no spans) and TermNumbers (the writer's: each occurrence's term
    number and position) give what analyze_parts gives, on real captions and edge texts, alone and as several
    parts of one value."""
    from conftest import fsa_records

    records = fsa_records(3000)
    texts_tried = [r["caption"] for r in records] + EDGE_TEXTS
    places = ["\n".join(r.get("places") or []) for r in records]
    numbering = TermNumbers()  # one for every text and both analyses, as a writer keeps one a segment
    for stemming in (True, False):
        several = [list(parts) for parts in zip(EDGE_TEXTS, texts_tried, places, strict=False)]
        several += [[caption, place] for caption, place in zip(texts_tried, places, strict=False)]
        for parts in [[text] for text in texts_tried] + several:
            expected = _positions_from_terms(parts, stemming)
            assert term_positions(parts, stemming=stemming) == expected, parts
            assert _numbered(numbering, parts, stemming) == expected, parts
        assert len(set(numbering.terms(stemming=stemming))) == len(numbering.terms(stemming=stemming))


def test_texts_with_hyphens_or_acronyms_but_no_cjk_are_indexed_without_spans(monkeypatch):
    """A fifth of the captions hold a hyphen or an acronym: their index terms are made without the Term objects
    and character spans that highlighting needs (half the time); the terms and positions are the same (the
    test above compares them on real captions)."""
    from ichigo_search.text import analysis

    def spans_made(text: str) -> None:
        raise AssertionError(f"Term objects made for {text!r}")

    monkeypatch.setattr(analysis, "_folded_terms", spans_made)
    analysis._indexed_texts.cache_clear()
    assert term_positions(["U.S. air-raid on Ichi-gō's B-29 base, p.m."], stemming=False) == {
        "us": [0], "air": [1], "raid": [2], "airraid": [1], "on": [3], "ichi": [4], "go": [5], "ichigo": [4],
        "b": [6], "29": [7], "b29": [6], "base": [8], "pm": [9],
    }  # fmt: skip
    analysis._indexed_texts.cache_clear()
