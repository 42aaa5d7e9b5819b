"""What the templates show: hits, facets, filters and pages, with their links, built from search results.

Everything here is plain text that the templates escape, except the
``fragments`` and ``title_html`` of a hit: those come from the hits'
``highlights``, which the highlighter already escaped around its ``<mark>`` tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from ichigo_search.facets import Facets
from ichigo_search.search import Hit, SearchResults
from ichigo_search.text.highlight import split_title
from ichigo_search.web.params import MAX_PAGE, PAGE_SIZE, SearchParams

LABEL_CHARS = 90


def search_url(q: str = "", place: str | None = None, year: str | None = None, page: int = 1) -> str:
    """The search page's address for these parameters (empty ones left out), encoded as ``urlencode`` would."""
    pairs = [f"{name}={_quoted(value)}" for name, value in (("q", q), ("place", place), ("year", year)) if value]
    if page > 1:
        pairs.append(f"page={page}")
    return "/?" + "&".join(pairs) if pairs else "/"


@lru_cache(maxsize=2048)
def _quoted(value: str) -> str:
    """``value`` quoted for a query string; a page repeats its query and place names in ~50 links."""
    return quote_plus(value)


def record_url(record_id: str) -> str:
    """The record page's address (any id, slashes included)."""
    return "/records/" + quote(record_id, safe="")


def web_link(url: str | None) -> str | None:
    """``url`` if it is an http(s) address safe to put in an href, else None (no ``javascript:``)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def label(text: str, most: int = LABEL_CHARS) -> str:
    """A short heading for an untitled caption: its opening words."""
    text = " ".join(text.split())
    if len(text) <= most:
        return text
    cut = text.rfind(" ", 0, most)
    return text[: cut if cut > most // 2 else most].rstrip(" ,;:.") + "…"


@dataclass
class Link:
    """A labelled link, optionally with a count (facets) or marked as the current one."""

    text: str
    url: str
    count: int | None = None
    current: bool = False


@dataclass
class HitView:
    """One result as the page shows it."""

    rank: int
    id: str
    url: str
    heading: str
    title_html: str | None
    fragments: list[str]
    places: list[Link]
    date: str | None
    photographer: str | None
    source: str | None
    source_text: str | None


def hit_view(hit: Hit) -> HitView:
    """Heading, highlighted fragments and details of one hit."""
    title_html, fragments = split_title(hit.title, list(hit.highlights))  # the title, with its matches marked
    return HitView(
        rank=hit.rank,
        id=hit.id,
        url=record_url(hit.id),
        heading=hit.title or label(hit.caption),
        title_html=title_html,
        fragments=fragments,
        places=[Link(name, search_url(place=name)) for name in hit.places],
        date=hit.date,
        photographer=hit.photographer,
        source=web_link(hit.source),
        source_text=hit.source,
    )


def pages(params: SearchParams, total: int) -> list[Link | None]:
    """Page links around the current page (None marks a gap), or nothing when one page holds every hit."""
    last = min((total + PAGE_SIZE - 1) // PAGE_SIZE, MAX_PAGE)
    current = params.page
    if last <= 1:
        return []
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links: list[Link | None] = []
    for number in shown:
        if links and links[-1] is not None and number - int(links[-1].text) > 1:
            links.append(None)
        url = search_url(params.q, params.place, params.year, number)
        links.append(Link(str(number), url, current=number == current))
    return links


@dataclass
class Page:
    """Everything the search page template needs."""

    params: SearchParams
    results: SearchResults | None = None
    facets: Facets | None = None
    seconds: float = 0.0
    hits: list[HitView] = field(default_factory=list)
    places: list[Link] = field(default_factory=list)
    decades: list[Link] = field(default_factory=list)
    active: list[Link] = field(default_factory=list)
    page_links: list[Link | None] = field(default_factory=list)
    previous: str | None = None
    next: str | None = None
    last_page: int = 1
    unfiltered_total: int | None = None
    unfiltered_url: str | None = None
    suggestion: Link | None = None


def build_page(
    params: SearchParams,
    results: SearchResults,
    facets: Facets,
    seconds: float,
    unfiltered_total: int | None = None,
) -> Page:
    """The page model for one search."""
    q, place, year = params.q, params.place, params.year
    page = Page(params=params, results=results, facets=facets, seconds=seconds)
    page.hits = [hit_view(hit) for hit in results]
    page.places = [
        Link(v.value, search_url(q, v.value, year), v.count, current=v.value == place) for v in facets.places
    ]
    page.decades = [
        Link(v.value, search_url(q, place, v.value), v.count, current=v.value == year) for v in facets.decades
    ]
    if place:
        page.active.append(Link(f"Place: {place}", search_url(q, None, year)))
    if year:
        page.active.append(Link(f"Years: {year}", search_url(q, place, None)))
    page.page_links = pages(params, results.total)
    page.last_page = min(max(1, (results.total + PAGE_SIZE - 1) // PAGE_SIZE), MAX_PAGE)
    if params.page > 1:
        page.previous = search_url(q, place, year, min(params.page - 1, page.last_page))
    if params.page < page.last_page:
        page.next = search_url(q, place, year, params.page + 1)
    suggestion = getattr(results, "suggestion", None)
    if suggestion:
        page.suggestion = Link(suggestion, search_url(suggestion, place, year))
    if unfiltered_total:
        page.unfiltered_total = unfiltered_total
        page.unfiltered_url = search_url(q)
    return page


def browse_links(facets: Facets) -> tuple[list[Link], list[Link]]:
    """Place and decade links over the whole collection, for the empty state."""
    places = [Link(v.value, search_url(place=v.value), v.count) for v in facets.places]
    decades = [Link(v.value, search_url(year=v.value), v.count) for v in facets.decades]
    return places, decades


def record_fields(data: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(name, text, link) rows for the record page, in the record's own order."""
    rows = []
    for name, value in data.items():
        if name in ("id", "caption", "title") or value is None or value == "" or value == []:
            continue
        if isinstance(value, list):
            text = "; ".join(str(item) for item in value)
        elif isinstance(value, dict):
            text = "; ".join(f"{k}: {v}" for k, v in value.items())
        else:
            text = str(value)
        link = web_link(text) if name == "source" else None
        rows.append((name.replace("_", " "), text, link))
    return rows
