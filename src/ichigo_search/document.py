"""The index document: its fields, and what a record becomes (and comes back as) in any engine.

The field names are what queries (:mod:`ichigo_search.query`) search and what an engine's
schema (:mod:`ichigo_search.engine`) defines; a record's document carries its text, the places
found in it (gazetteer ids with their ancestors, and the spans where they are named) and every
year its date covers.
"""

from __future__ import annotations

from typing import Any

from ichigo_search.corpus.record import Record
from ichigo_search.vocab.gazetteer import Gazetteer
from ichigo_search.vocab.gazetteer import gazetteer as default_gazetteer
from ichigo_search.vocab.locating import Located, describe_place, locate

# Bump when analysis, these fields or an engine's schema change in a way old indexes cannot serve;
# an index of another format is rebuilt from its corpus on the next update.
# 10: modules moved (the Whoosh schema pickles its analyzer's class path into the index).
# 11: places read with their evidence (qualifiers, the record's own places), stored with where they came from.
# 12: place_names (the record's places as written, for facets).
# 13: stored fields lean (places as (id, source, words), no empty or repeated values), pickle protocol 4; posting
#     blocks of terms also in the .arr file compressed.
# 14: stored fields compressed against a dictionary of their segment's first records (engine/whoosh/stored.py).
# 15: stored fields compressed with Zstandard against a larger dictionary.
# 16: a segment's first records, which make that dictionary, stored as pickled.
# 17: the exact field's base forms listed in a segment's arrays file, not posted (engine/whoosh/sidecar.BaseForms);
#     inlined postings keep their empty values (a merge of a bulk-written segment failed without them).
# 18: a Chinese or Japanese word of a text also indexed as its English glosses (text.analysis._indexed_terms).
# 19: a catalogue's uncertain dates read as years ("[194-?]": the 1940s; "19--"; "1940s-1950s" to 1959).
# 20: a designation's plural and model letter stem to the designation ("B-25s", "P-51D": b25, p51; text.analysis.stem).
# 21: an era's year read as its year (昭和19年, Showa 19, 民國33年: 1944; text.dates).
# 22: a number in Chinese or Japanese characters indexed as figures (第十四: 14th; text.numerals); a year written
#     short read as its year ("Sept. '44": 1944).
FORMAT_VERSION = 22

# The names of a record's places, as text: searched by the words of a query that name a place (query.plan).
PLACES_FIELD = "places"
# Fields searched by free-text queries (their weights: ranking.Ranking.field_weights).
SEARCH_FIELDS = ("title", "caption", PLACES_FIELD, "photographer")
# The field whose document frequencies say how common a word is (query weighting, typo checks).
CAPTION_FIELD = "caption"
# Folded but unstemmed forms of title, caption and places (weight: ranking.Ranking.exact_weight).
EXACT_FIELD = "exact"
# The stemmed fields whose words the exact field holds unstemmed, token for token.
EXACT_SOURCES = ("title", "caption", "places")
# Joins the texts of a multi-text field; never in a caption (control characters are rejected).
PART_SEPARATOR = "\x1e"
# Every year a record's date covers (for year filters); none for ranges wider than MAX_YEAR_SPAN.
YEARS_FIELD = "years"
MAX_YEAR_SPAN = 50
# Gazetteer ids of the places a record names (any spelling), and those plus their provinces and countries.
PLACE_IDS = "place_ids"
PLACE_TREE = "place_tree"
# The record's own place names as written, each whole one term, code values left out (facets count the ones
# the gazetteer lacks).
PLACE_NAMES = "place_names"
# The decades a record's years count in for facets (:func:`decades_of`), for an engine that counts them itself.
DECADES = "decades"
# A date range wider than this many decades ("1500-2000") is too vague to count.
MAX_DECADES = 5


def decades_of(years: tuple[int, int] | None) -> tuple[int, ...]:
    """The decades (1940 for the 1940s) a year range overlaps, as a ``year:1940s`` filter would match it."""
    if not years:
        return ()
    first, last = years[0] // 10 * 10, years[1] // 10 * 10
    if (last - first) // 10 >= MAX_DECADES:
        return ()
    return tuple(range(first, last + 1, 10))


def to_document(record: Record, gazetteer: Gazetteer | None = None) -> dict[str, Any]:
    """The index document for a record; the whole record is stored for display."""
    places_db = gazetteer or default_gazetteer()
    located = locate(record, places_db)
    stored = record.to_dict()
    del stored["caption"]  # stored once, in the caption field
    del stored["id"]  # and the id in the id field
    places = "\n".join(located.names)
    doc: dict[str, Any] = {
        "id": record.id,
        "hash": record.content_hash.encode("ascii"),
        "caption": record.caption,
        EXACT_FIELD: PART_SEPARATOR.join(text for text in (record.title, record.caption, places) if text),
        "record": stored,  # stored fields are pickled: kept as objects, not JSON text made and parsed again
        "located": _stored_located(located, record),
    }
    if located.direct:
        doc[PLACE_IDS] = " ".join(p.id for p in located.direct)
        doc[PLACE_TREE] = " ".join(p.id for p in located.tree)
    shown = [name for name in dict.fromkeys(record.places) if name not in located.hidden]  # no code values
    if shown:
        doc[PLACE_NAMES] = PART_SEPARATOR.join(shown)
    if record.title:
        doc["title"] = record.title
    if places:
        doc["places"] = places
    if record.photographer:
        doc["photographer"] = record.photographer
    years = record.years
    if years and years[1] - years[0] < MAX_YEAR_SPAN:
        doc[YEARS_FIELD] = " ".join(str(y) for y in range(years[0], years[1] + 1))
    return doc


def _stored_located(located: Located, record: Record) -> dict[str, Any]:
    """What indexing found about a record's places, as small as it is stored for every record.

    Empty lists and names equal to the record's own place list are left out, and each place is
    ``(id, source, words)``: :func:`located_places` describes it again from the gazetteer.
    """
    stored: dict[str, Any] = {}
    if located.names != list(record.places):
        stored["names"] = located.names
    if located.caption_spans:
        stored["caption"] = located.caption_spans
    if located.title_spans:
        stored["title"] = located.title_spans
    if located.direct:
        stored["places"] = [(place.id, *located.sources[place.id]) for place in located.direct]
    if located.hidden:
        stored["hidden"] = located.hidden
    return stored


def stored_places(stored: dict[str, Any]) -> dict[str, Any]:
    """What indexing found about a hit's places: display names (``names``, absent when they are the record's own
    place list) and mention spans (``caption``, ``title``: (start, end, place id))."""
    return stored.get("located") or {}


def located_places(stored: dict[str, Any], gazetteer: Gazetteer | None = None) -> list[dict[str, Any]]:
    """The places assigned to a stored record, each described (:func:`~ichigo_search.vocab.locating.describe_place`)."""
    places_db = gazetteer or default_gazetteer()
    described = []
    for place_id, source, words in stored_places(stored).get("places", ()):
        place = places_db.place(place_id)
        if place is not None:
            described.append(describe_place(places_db, place, source, words))
    return described


def from_stored(stored: dict[str, Any]) -> Record:
    """Rebuild the Record from a hit's stored fields."""
    data = {"id": stored["id"], **stored["record"], "caption": stored["caption"]}
    known = {k: data.pop(k, None) for k in ("id", "caption", "title", "date", "photographer", "source", "collection")}
    places = tuple(data.pop("places", ()) or ())
    return Record(places=places, extra=data, **known)
