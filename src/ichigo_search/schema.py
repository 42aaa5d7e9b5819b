"""The Whoosh schema, and how a record becomes an index document."""

from __future__ import annotations

from typing import Any

from whoosh import columns, fields
from whoosh.analysis import Analyzer, Token

from .analysis import Term, analyze_parts, term_positions
from .locating import locate
from .placenames import Gazetteer
from .placenames import gazetteer as default_gazetteer
from .records import Record

# Bump when analysis or the schema changes in a way old indexes cannot serve.
FORMAT_VERSION = 9

# BM25F parameters: Whoosh's defaults. A grid over k1 0.9-2.0 and b 0.5-0.9
# (python benchmarks/tune_bm25.py, 2026-11-27) moved nDCG@10 by at most 0.009 on dev,
# Cranfield and CISI (here: 1.000, 0.525, 0.322): the gap to SQLite FTS5 lies elsewhere.
BM25_K1 = 1.2
BM25_B = 0.75
# Long queries (descriptions: more word groups than matching.MAX_TIERED_GROUPS). Each word group's
# score is multiplied by the idf of its rarest word (caption field) to the power IDF_EMPHASIS:
# Whoosh's idf, log(N/(df+1))+1, is flat (a word in half the captions still weighs 1.7 against 8
# for a unique one), so a description's many common words ("problem", "effect", "method")
# outweigh its few rare ones. A hyphenated word (``wing-flutter``) also matches its parts apart,
# each weighted SPLIT_WEIGHT, the parts together 1 - SPLIT_WEIGHT. Figures: python
# benchmarks/tune_relevance.py, benchmarks/results/relevance-tuning.md.
IDF_EMPHASIS = 1.0
SPLIT_WEIGHT = 0.5
# Proximity: where neighbouring query words stand near each other in order (the second at most
# PROXIMITY_SLOP - 1 positions further than typed), the caption gains PROXIMITY_WEIGHT times the two
# words' scores in that field (matching.proximity).
PROXIMITY_WEIGHT = 2.0
PROXIMITY_SLOP = 3
PROXIMITY_FIELDS = ("title", "caption")
# The bonus is looked for in the PROXIMITY_WINDOW best captions matching every word, by their words'
# scores (a rescoring window): reading a caption's positions costs a whole block of postings.
PROXIMITY_WINDOW = 20
# A year typed in a query also matches captions dated that year (querying.when), weighted YEAR_WEIGHT.
YEAR_WEIGHT = 2.0
# Fields searched by free-text queries and their BM25F boosts. Title 1.5 (was 2.0): a title's words
# also get the title field's own, higher idf; with IDF_EMPHASIS 1.0 and SPLIT_WEIGHT 0.5, nDCG@10
# title 2.0 / 1.5 / 1.0 = Cranfield 0.538 / 0.542 / 0.541, CISI 0.390 / 0.384 / 0.382, dev 1.000 all
# (benchmarks/results/relevance-tuning.md).
SEARCH_FIELDS = {"title": 1.5, "caption": 1.0, "places": 1.5, "photographer": 1.5}
# Folded but unstemmed forms of title, caption and places: an exact spelling
# ranks a little above a stemmed match.
EXACT_FIELD = "exact"
EXACT_BOOST = 0.6
# Gazetteer ids of the places a record names (any spelling), and those plus their provinces and countries.
# Joins the texts of a multi-text field; never in a caption (control characters are rejected).
PART_SEPARATOR = "\x1e"
# Every year a record's date covers (for year filters); none for ranges wider than MAX_YEAR_SPAN.
YEARS_FIELD = "years"
MAX_YEAR_SPAN = 50
PLACE_IDS = "place_ids"
PLACE_TREE = "place_tree"


class CaptionAnalyzer(Analyzer):
    """Whoosh adapter around :func:`ichigo_search.analysis.analyze`."""

    def __init__(self, stemming: bool = True):
        self.stemming = stemming

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CaptionAnalyzer) and other.stemming == self.stemming

    def terms(self, value: str) -> list[Term]:
        """The index terms of a field's value (several texts joined by PART_SEPARATOR)."""
        return analyze_parts(value.split(PART_SEPARATOR), stemming=self.stemming)

    def positions(self, value: str) -> dict[str, list[int]]:
        """Each index term of a field's value with its positions (what the index stores)."""
        return term_positions(value.split(PART_SEPARATOR), stemming=self.stemming)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term in self.terms(value):
            token.text = term.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[term.start : term.end]
            if positions:
                token.pos = start_pos + term.pos
            if chars:
                token.startchar = start_char + term.start
                token.endchar = start_char + term.end
            yield token


def build_schema() -> fields.Schema:
    """The index schema (pickled by Whoosh into the index's table of contents)."""
    stemmed = CaptionAnalyzer(stemming=True)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        hash=fields.COLUMN(columns.VarBytesColumn()),  # read back by updates only: not searched, not stored
        title=fields.TEXT(analyzer=stemmed, field_boost=SEARCH_FIELDS["title"]),
        caption=fields.TEXT(analyzer=stemmed, stored=True, field_boost=SEARCH_FIELDS["caption"]),
        places=fields.TEXT(analyzer=stemmed, field_boost=SEARCH_FIELDS["places"]),
        photographer=fields.TEXT(analyzer=stemmed, field_boost=SEARCH_FIELDS["photographer"]),
        exact=fields.TEXT(analyzer=CaptionAnalyzer(stemming=False), phrase=False, field_boost=EXACT_BOOST),
        place_ids=fields.KEYWORD(scorable=True),
        place_tree=fields.KEYWORD(scorable=True),
        years=fields.KEYWORD(scorable=True),  # scorable: a lengths column spares that check too
        record=fields.STORED(),
        located=fields.STORED(),
    )


def to_document(record: Record, gazetteer: Gazetteer | None = None) -> dict[str, Any]:
    """The Whoosh document for a record; the whole record is stored for display."""
    located = locate(record, gazetteer or default_gazetteer())
    stored = record.to_dict()
    del stored["caption"]  # stored once, in the caption field
    places = "\n".join(located.names)
    doc: dict[str, Any] = {
        "id": record.id,
        "hash": record.content_hash.encode("ascii"),
        "caption": record.caption,
        "exact": PART_SEPARATOR.join(text for text in (record.title, record.caption, places) if text),
        "record": stored,  # stored fields are pickled: kept as objects, not JSON text made and parsed again
        "located": {"names": located.names, "caption": located.caption_spans, "title": located.title_spans},
    }
    if located.direct:
        doc[PLACE_IDS] = " ".join(p.id for p in located.direct)
        doc[PLACE_TREE] = " ".join(p.id for p in located.tree)
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


def stored_places(stored: dict[str, Any]) -> dict[str, Any]:
    """What indexing found about a hit's places: display names and mention spans."""
    return stored.get("located") or {}


def from_stored(stored: dict[str, Any]) -> Record:
    """Rebuild the Record from a hit's stored fields."""
    data = dict(stored["record"])
    data["caption"] = stored["caption"]
    known = {k: data.pop(k, None) for k in ("id", "caption", "title", "date", "photographer", "source", "collection")}
    places = tuple(data.pop("places", ()) or ())
    return Record(places=places, extra=data, **known)
