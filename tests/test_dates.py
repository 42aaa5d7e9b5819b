import pytest

from ichigo_search.text.dates import named_years, parse_year_filter, year_range


@pytest.mark.parametrize(
    "text, expected",
    [
        ("late 1944", (1944, 1944)),
        ("1944-1945", (1944, 1945)),
        ("1944–45", (1944, 1945)),
        ("April to December 1944", (1944, 1944)),
        ("1940s", (1940, 1949)),
        ("summer and fall of 1944 and 1945", (1944, 1945)),
        ("1942-07", (1942, 1942)),
        ("1940s-1950s", (1940, 1959)),
        # a library catalogue's uncertain decade and century (AACR2 and MARC), and a century named
        ("[194-?]", (1940, 1949)),
        ("194-", (1940, 1949)),
        ("194u", (1940, 1949)),
        ("19--", (1900, 1999)),
        ("20th century", (1900, 1999)),
        ("[ca. 1944-1945]", (1944, 1945)),
        ("1944-06-12", (1944, 1944)),
        # an era's year, as Japanese, Chinese and Taiwanese catalogues date
        ("昭和19年", (1944, 1944)),
        ("昭和十九年6月", (1944, 1944)),
        ("昭和二十年八月十五日", (1945, 1945)),
        ("民國三十三年", (1944, 1944)),
        ("民国33年10月", (1944, 1944)),
        ("一九四四年九月", (1944, 1944)),
        # a year written short, as the period's notes did
        ("Sept. '44", (1944, 1944)),
        ("Spring ’45", (1945, 1945)),
        ("'44-'45", (1944, 1945)),
        ("the '40s", (1940, 1949)),
        ("rock 'n' roll", None),
        ("大正元年", (1912, 1912)),
        ("Showa 19", (1944, 1944)),
        ("Shōwa 20 (1945)", (1945, 1945)),
        ("Showa era", None),
        ("十年", None),
        ("undated", None),
        ("", None),
        (None, None),
    ],
)
def test_year_range(text, expected):
    assert year_range(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1944", (1944, 1944)),
        ("1944..1945", (1944, 1945)),
        ("..1944", (0, 1944)),
        ("1945..", (1945, 9999)),
        ("1945..1944", (1944, 1945)),
        ("1940s", (1940, 1949)),
        ("soon", None),
    ],
)
def test_year_filter(text, expected):
    assert parse_year_filter(text) == expected


@pytest.mark.parametrize(
    "word, expected",
    [
        ("1945", (1945, 1945)),
        ("1940s", (1940, 1949)),
        ("1940's", (1940, 1949)),
        ("1944-45", (1944, 1945)),
        ("1944–1945", (1944, 1945)),
        ("7314", None),
        ("P-1945", None),
        ("1945th", None),
        ("late 1944", None),  # a query word is one word
    ],
)
def test_named_years(word, expected):
    assert named_years(word) == expected
