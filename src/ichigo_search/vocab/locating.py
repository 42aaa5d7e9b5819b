"""Finding where a record is: its own places and the places its caption and title name.

A record's own place list is read as a chain, broadest last (``Eden · Jerome County · Idaho ·
United States``): each name is read inside the next one it names, so Eden is the town in Idaho
or nothing, never Eden in North Carolina.  Those places are then strong evidence for the names
in its caption and title (:meth:`Gazetteer.find`).  Library code values (``US.DC.001``) and
county entries no data set knows (truncated ones: ``New County``) are kept in the record but are
not shown as places.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ichigo_search.vocab.gazetteer import MINOR_TIER, Gazetteer, Place

if TYPE_CHECKING:  # a record's text and place list are all this reads
    from ichigo_search.corpus.record import Record

Span = tuple[int, int, str]
# A catalogue's code for a place ("US.DC.001", "USA-06-037"): letters and digits joined by dots or dashes.
_CODE_RE = re.compile(r"^(?=.*[\d.])[A-Z0-9]+(?:[.\-_][A-Z0-9]+)+$")
# A county-level entry ("Lincoln County", "Acadia Parish", "City Baltimore"): shown only when known.
_COUNTY_RE = re.compile(r"(?i)^(?:.+\s(?:county|parish|borough|municipio)|city\s.+)$")
_QUALIFIED_RE = re.compile(r"^(.*?)\s*\(([^()]+)\)$")  # "Washington (DC)"
# The order of a place list: the place, then its county, province or state, then its country.
_KIND_ORDER = {"city": 0, "area": 0, "county": 1, "province": 2, "country": 3}


@dataclass
class Located:
    """The places of one record, for indexing, filtering, facets and highlighting."""

    direct: list[Place] = field(default_factory=list)
    tree: list[Place] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    caption_spans: list[Span] = field(default_factory=list)
    title_spans: list[Span] = field(default_factory=list)
    # Where each direct place was read: ("record" | "caption" | "title", the words as written).
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The record's own place names that name no place (codes, truncated values): not shown.
    hidden: list[str] = field(default_factory=list)

    def _add(self, place: Place, source: str, words: str) -> None:
        if place.id not in self.sources:
            self.direct.append(place)
            self.sources[place.id] = (source, words)

    def describe(self, gazetteer: Gazetteer) -> list[dict[str, Any]]:
        """One object per place assigned: what it is, where it is, and what it was read from."""
        return [describe_place(gazetteer, place, *self.sources[place.id]) for place in self.direct]


def describe_place(gazetteer: Gazetteer, place: Place, source: str, words: str) -> dict[str, Any]:
    """A place assigned to a record: what it is, where it is, and what it was read from (``show --json``)."""
    chain = gazetteer.ancestors(place)
    country = place if place.kind == "country" else next((p for p in chain if p.kind == "country"), None)
    return {
        "id": place.id,
        "name": place.name,
        "kind": place.kind,
        "province": next((p.name for p in chain if p.kind == "province"), None),
        "country": country.name if country else None,
        "country_code": place.country,
        "source": source,
        "text": words,
    }


def is_code(name: str) -> bool:
    """True for a catalogue code value such as ``US.DC.001``: kept in the record, never shown as a place."""
    return bool(_CODE_RE.match(name.strip()))


def locate(record: Record, gazetteer: Gazetteer) -> Located:
    """Resolve the record's places field, then find place names in its caption and title."""
    located = Located()
    direct, add = located.direct, located._add
    # A collection has few place lists (3,740 among the 98,244 FSA/OWI records): each is read once.
    names = record.places
    found, hidden, ambiguous = gazetteer.place_lists.get(names, lambda: _read_place_list(names, gazetteer))
    located.hidden.extend(hidden)
    for place, words in found:
        add(place, "record", words)
    context = [place for place, _ in found]
    for source, text, spans in (
        ("caption", record.caption, located.caption_spans),
        ("title", record.title, located.title_spans),
    ):
        if not text:  # no title: nothing to find
            continue
        for start, end, words, place in gazetteer.find(text, context=context):
            add(place, source, words)
            spans.append((start, end, place.id))
    settled: list[tuple[Place, str]] = []  # the place list's ambiguous names that the places found settle
    for options, words in ambiguous:  # settled by the places around it, or left as written
        place = _settled(options, direct, gazetteer)
        if place is not None:
            add(place, "record", words)
            settled.append((place, words))
    # Records share their places far more often than their captions: the tree and names are worked out once (the
    # place list says what was found in it).
    key = (names, tuple([p.id for p in direct]), tuple([(p.id, words) for p, words in settled]))
    tree, shown = gazetteer.place_trees.get(
        key, lambda: _tree_and_names(direct, [*found, *settled], located.hidden, names, gazetteer)
    )
    located.tree = list(tree)
    located.names = list(shown)
    return located


def _tree_and_names(
    direct: list[Place], own: list[tuple[Place, str]], hidden: list[str], names: tuple[str, ...], gazetteer: Gazetteer
) -> tuple[tuple[Place, ...], tuple[str, ...]]:
    """The places with every place containing them, and one name a place (the record's own spelling where it
    gave one, place -> county -> province -> country) after the record's names that name no place."""
    tree: list[Place] = []
    tree_ids: set[str] = set()
    for place in direct:
        for member in [place, *gazetteer.ancestors(place)]:
            if member.id not in tree_ids:
                tree_ids.add(member.id)
                tree.append(member)
    written = {place.id: words for place, words in own}
    placed = set(written.values()) | set(hidden)
    unplaced = [n for n in dict.fromkeys(names) if n.strip() and n not in placed]
    ordered = sorted(tree, key=lambda p: _KIND_ORDER.get(p.kind, 0))
    return tuple(tree), tuple(dict.fromkeys(unplaced + [written.get(p.id, p.name) for p in ordered]))


def _read_place_list(
    names: tuple[str, ...], gazetteer: Gazetteer
) -> tuple[tuple[tuple[Place, str], ...], tuple[str, ...], tuple[tuple[list[Place], str], ...]]:
    """A record's place list read (:func:`_own_places`): the places found, the names hidden, the ambiguous ones."""
    scratch = Located()
    ambiguous: list[tuple[list[Place], str]] = []
    found = _own_places(names, gazetteer, scratch, ambiguous)
    return tuple(found), tuple(scratch.hidden), tuple(ambiguous)


def _own_places(
    names: tuple[str, ...], gazetteer: Gazetteer, located: Located, ambiguous: list[tuple[list[Place], str]]
) -> list[tuple[Place, str]]:
    """The record's place list read broadest first, each name inside the place named after it.

    A town's name that still means towns in several provinces, none of them far larger than the
    rest, is not guessed: it goes to ``ambiguous`` (its options and the name), for the places the
    caption names to settle.
    """
    found: list[tuple[Place, str]] = []
    qualifier: Place | None = None
    for name in reversed(names):
        if is_code(name):
            located.hidden.append(name)
            continue
        base, written_qualifier = name, None
        match = _QUALIFIED_RE.match(name.strip())
        if match:
            base = match.group(1)
            written_qualifier = gazetteer.qualifier(name, len(base))
        within = written_qualifier or qualifier
        options = gazetteer.candidates(base)
        if not options and within is None:  # "Liuzhou, Guangxi" in one entry, or a run of hanzi
            found.extend((m.place, name) for m in reversed(gazetteer.find(name, require_case=False)))
            continue
        if within is not None:  # inside the place named after it; or containing it, in a list in another order
            options = options + gazetteer.qualified_only(base)
            options = [p for p in options if p.id != within.id and gazetteer.inside(p, within)] or [
                p for p in options if p.kind in ("country", "province") and gazetteer.inside(within, p)
            ]
        else:
            options = [p for p in options if p.tier < MINOR_TIER]
            options = [p for p in options if p.tier == options[0].tier] if options else []
        if not options:
            if _COUNTY_RE.match(name.strip()):
                located.hidden.append(name)
            continue
        place = options[0]
        if place.kind not in ("country", "province") and not _dominant(options, gazetteer):
            ambiguous.append((options, name))
            continue
        found.append((place, name))
        if within is not None and gazetteer.inside(within, place):
            continue  # a broader place named after a narrower one: the narrower one still qualifies
        if place.kind != "city" or qualifier is None:
            qualifier = place
    found.reverse()
    return found


# A town named in a record's place list, ambiguous there, is read as the one of its namesakes that lies
# this close to a place the record names without ambiguity (or in the same province); else not at all.
NEAR_KM = 150.0


def _settled(options: list[Place], known: list[Place], gazetteer: Gazetteer) -> Place | None:
    """The option the record's unambiguous places point to: in a province they name or are in, or near one."""
    provinces = {p.id for p in known if p.kind == "province"} | {
        a.id for p in known if p.kind not in ("country", "province") for a in gazetteer.ancestors(p)
    }
    inside = [o for o in options if provinces & {a.id for a in gazetteer.ancestors(o)}]
    if len({o.id for o in inside}) == 1:
        return inside[0]
    points = [(p.lat, p.lon) for p in known if p.lat is not None and p.kind not in ("country", "province")]
    near = [
        o for o in options if o.lat is not None and any(_km(o.lat, o.lon, lat, lon) <= NEAR_KM for lat, lon in points)
    ]
    return near[0] if len(near) == 1 else None


# A namesake this many times as populous as any other (Guilin, Guangxi against Guilin, Anhui) is the one meant.
DOMINANT = 10


def _dominant(options: list[Place], gazetteer: Gazetteer) -> bool:
    """Whether the first option is the one meant: the only province among them, or far the largest town."""
    first = _province(options[0], gazetteer)
    rivals = [o.population or 0 for o in options[1:] if _province(o, gazetteer) != first]
    return not rivals or (options[0].population or 0) > DOMINANT * max(rivals)


def _province(place: Place, gazetteer: Gazetteer) -> str | None:
    """The id of the province (state) a place lies in, or None."""
    return next((a.id for a in gazetteer.ancestors(place) if a.kind == "province"), None)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """About how far apart two points are, in kilometres (equirectangular: fine at these distances)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))
