"""Request parameters of the search page and the API: parsed, bounded, and rejected with a clear message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ichigo_search.text.dates import parse_year_filter

MAX_QUERY_CHARS = 500
MAX_PLACE_CHARS = 200
MAX_YEAR_CHARS = 40
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
# Deep paging costs a ranked list of offset + limit hits; nobody reads past this.
MAX_OFFSET = 10_000
PAGE_SIZE = 10
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
_WHOLE_NUMBER = re.compile(r"\s*[0-9]{1,9}\s*", re.ASCII)  # not ٥ or ５: int() would take them


class BadParameter(ValueError):
    """A request parameter that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class SearchParams:
    """One search: query text, filters and the slice of hits wanted."""

    q: str = ""
    place: str | None = None
    year: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @property
    def filtered(self) -> bool:
        return bool(self.place or self.year)

    @property
    def blank(self) -> bool:
        """No words and no filters: nothing was asked yet."""
        return not self.q.strip() and not self.filtered

    @property
    def page(self) -> int:
        return self.offset // max(self.limit, 1) + 1


def _text(params: Mapping[str, str], name: str, most: int) -> str | None:
    value = params.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > most:
        raise BadParameter(f"{name} is longer than {most} characters")
    return value.strip() if name != "q" else value


def _number(params: Mapping[str, str], name: str, default: int, least: int, most: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    if not _WHOLE_NUMBER.fullmatch(value) or not least <= int(value) <= most:
        raise BadParameter(f"{name} must be a whole number from {least} to {most:,}")
    return int(value)


def _filters(params: Mapping[str, str]) -> tuple[str, str | None, str | None]:
    q = _text(params, "q", MAX_QUERY_CHARS) or ""
    place = _text(params, "place", MAX_PLACE_CHARS)
    year = _text(params, "year", MAX_YEAR_CHARS)
    if year is not None and parse_year_filter(year) is None:
        raise BadParameter(f"year {year!r} is not a year or range (try 1944, 1944..1945 or 1940s)")
    return q, place, year


def api_params(params: Mapping[str, str]) -> SearchParams:
    """``q``, ``limit`` (0–100), ``offset`` (0–10,000), ``place`` and ``year`` of ``/api/search``."""
    q, place, year = _filters(params)
    limit = _number(params, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
    offset = _number(params, "offset", 0, 0, MAX_OFFSET)
    return SearchParams(q=q, place=place, year=year, limit=limit, offset=offset)


def page_params(params: Mapping[str, str]) -> SearchParams:
    """``q``, ``place``, ``year`` and ``page`` (1-based, ten hits a page) of the search page."""
    q, place, year = _filters(params)
    page = _number(params, "page", 1, 1, MAX_PAGE)
    return SearchParams(q=q, place=place, year=year, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
