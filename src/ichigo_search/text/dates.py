"""Years from free-text dates: ``late 1944`` -> (1944, 1944), ``1944-45`` -> (1944, 1945), a catalogue's ``[194-?]``
-> (1940, 1949)."""

from __future__ import annotations

import re

from ichigo_search.text.numerals import cjk_number

_YEAR = r"(1[5-9]\d\d|20\d\d)"
_RANGE_RE = re.compile(_YEAR + r"\s*(?:-|–|—|to|until|till|/)\s*(\d{4}|\d{2})(?!\d)")
_DECADE_RE = re.compile(r"(?<!\d)(1[5-9]\d0|20\d0)'?s\b")
# A catalogue's uncertain decade and century (AACR2, MARC: "194-?", "194u", "19--"), and a century named.
_UNCERTAIN_DECADE_RE = re.compile(r"(?<!\d)(1[5-9]\d|20\d)(?:-(?![\d-])|\?|u\b|x\b)")
_UNCERTAIN_CENTURY_RE = re.compile(r"(?<!\d)(1[5-9]|20)(?:--|uu\b|xx\b)")
_CENTURY_RE = re.compile(r"(?<!\d)(1[6-9]|2[01])(?:st|nd|rd|th)\s+century\b", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\d)" + _YEAR + r"(?!\d)")
# An era's year, as Japanese and Chinese catalogues date (昭和19年 and Showa 19 are 1944; 民國33年 is 1944): the era's
# first year, less one; 元年 is an era's first year.
_ERAS = {
    "明治": 1867, "meiji": 1867, "大正": 1911, "taisho": 1911, "taishō": 1911, "昭和": 1925, "showa": 1925,
    "shōwa": 1925, "平成": 1988, "heisei": 1988, "令和": 2018, "reiwa": 2018, "民國": 1911, "民国": 1911,
}  # fmt: skip
_ERA_RE = re.compile(
    r"(明治|大正|昭和|平成|令和|民國|民国)\s*(\d{1,2}|元|[一二三四五六七八九十]{1,3})\s*年"
    r"|\b(meiji|taish[oō]|sh[oō]wa|heisei|reiwa)\s+(\d{1,2})\b",
    re.IGNORECASE,
)
_CJK_YEAR_RE = re.compile("([〇一二三四五六七八九]{4})\\s*年")
# A year of the century written short, as field notes and captions of the time did: "Sept. '44" (1944).
_SHORT_YEAR_RE = re.compile(r"(?<![\w'’‘])['’‘](\d{2})(?![\d'’])")
# A query word that is nothing but a year, a decade or a range: 1945, 1940s, 1944-45.
_YEAR_WORD_RE = re.compile(_YEAR + r"(?:'?s|\s*(?:-|–|—|/)\s*(?:\d{4}|\d{2}))?")


def year_range(text: str | None) -> tuple[int, int] | None:
    """The first and last year a free-text date covers, or None if it names no year."""
    if not text:
        return None
    if _ERA_RE.search(text):
        text = _ERA_RE.sub(_western_year, text)
    if _CJK_YEAR_RE.search(text):  # 一九四四年: the year in characters, digit by digit
        text = _CJK_YEAR_RE.sub(lambda m: f" {cjk_number(m.group(1))} ", text)
    if _SHORT_YEAR_RE.search(text) and not _YEAR_RE.search(text):
        text = _SHORT_YEAR_RE.sub(lambda m: f" 19{m.group(1)}", text)
    match = _RANGE_RE.search(text)
    if match:
        first = int(match.group(1))
        tail = match.group(2)
        last = int(tail) if len(tail) == 4 else first // 100 * 100 + int(tail)
        if last >= first:
            return first, last
    decades = [int(d) for d in _DECADE_RE.findall(text)] or [int(d) * 10 for d in _UNCERTAIN_DECADE_RE.findall(text)]
    if decades:  # "1940s", "1940s-1950s", "194-?"
        return min(decades), max(decades) + 9
    years = [int(y) for y in _YEAR_RE.findall(text)]
    if years:
        return min(years), max(years)
    centuries = [int(c) * 100 for c in _UNCERTAIN_CENTURY_RE.findall(text)]
    centuries += [(int(c) - 1) * 100 for c in _CENTURY_RE.findall(text)]
    if centuries:  # "19--", "20th century"
        return min(centuries), max(centuries) + 99
    return None


def _western_year(match: re.Match) -> str:
    """An era's year (:data:`_ERA_RE`) as the year of the common era, or as written when it is not one."""
    era = (match.group(1) or match.group(3)).casefold()
    number = match.group(2) or match.group(4)
    count = 1 if number == "元" else int(number) if number.isdigit() else cjk_number(number) or 0
    return f" {_ERAS[era] + count} " if count > 0 else match.group()


def parse_year_filter(text: str) -> tuple[int, int] | None:
    """A ``--year`` / ``year:`` filter: ``1944``, ``1944..1945``, ``1944-1945``, ``..1944``, ``1940s``."""
    text = text.strip()
    match = re.fullmatch(r"(\d{4})?\s*(?:\.\.|-|–|to)\s*(\d{4})?", text)
    if match and (match.group(1) or match.group(2)):
        first = int(match.group(1) or 0)
        last = int(match.group(2) or 9999)
        return (first, last) if first <= last else (last, first)
    return year_range(text)


def named_years(word: str) -> tuple[int, int] | None:
    """The years a query word names when it is only a year, decade or range (``1945``, ``1940s``, ``1944-45``)."""
    return year_range(word) if _YEAR_WORD_RE.fullmatch(word.strip()) else None
