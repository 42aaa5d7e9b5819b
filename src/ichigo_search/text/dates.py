"""Years from free-text dates: ``late 1944`` -> (1944, 1944), ``1944-45`` -> (1944, 1945)."""

from __future__ import annotations

import re

_YEAR = r"(1[5-9]\d\d|20\d\d)"
_RANGE_RE = re.compile(_YEAR + r"\s*(?:-|–|—|to|until|till|/)\s*(\d{4}|\d{2})(?!\d)")
_DECADE_RE = re.compile(r"(?<!\d)(1[5-9]\d0|20\d0)'?s\b")
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
    match = _DECADE_RE.search(text)
    if match:
        decade = int(match.group(1))
        return decade, decade + 9
    years = [int(y) for y in _YEAR_RE.findall(text)]
    if years:
        return min(years), max(years)
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
