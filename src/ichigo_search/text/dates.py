"""Years from free-text dates: ``late 1944`` -> (1944, 1944), ``1944-45`` -> (1944, 1945), a catalogue's ``[194-?]``
-> (1940, 1949)."""

from __future__ import annotations

import re

_YEAR = r"(1[5-9]\d\d|20\d\d)"
_RANGE_RE = re.compile(_YEAR + r"\s*(?:-|–|—|to|until|till|/)\s*(\d{4}|\d{2})(?!\d)")
_DECADE_RE = re.compile(r"(?<!\d)(1[5-9]\d0|20\d0)'?s\b")
# A catalogue's uncertain decade and century (AACR2, MARC: "194-?", "194u", "19--"), and a century named.
_UNCERTAIN_DECADE_RE = re.compile(r"(?<!\d)(1[5-9]\d|20\d)(?:-(?![\d-])|\?|u\b|x\b)")
_UNCERTAIN_CENTURY_RE = re.compile(r"(?<!\d)(1[5-9]|20)(?:--|uu\b|xx\b)")
_CENTURY_RE = re.compile(r"(?<!\d)(1[6-9]|2[01])(?:st|nd|rd|th)\s+century\b", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\d)" + _YEAR + r"(?!\d)")
# A query word that is nothing but a year, a decade or a range: 1945, 1940s, 1944-45.
_YEAR_WORD_RE = re.compile(_YEAR + r"(?:'?s|\s*(?:-|–|—|/)\s*(?:\d{4}|\d{2}))?")


def year_range(text: str | None) -> tuple[int, int] | None:
    """The first and last year a free-text date covers, or None if it names no year."""
    if not text:
        return None
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
