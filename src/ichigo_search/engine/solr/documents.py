"""The index document (:func:`ichigo_search.document.to_document`) as a Solr document.

Text fields are sent pre-analysed (Solr's ``PreAnalyzedField``, its compact "simple" form): the tokens are
ichigo-search's own (:func:`ichigo_search.text.analysis.term_positions`, the chain the Whoosh
engine indexes), so both engines hold the same terms at the same positions. Keyword fields
become multi-valued strings; what a hit shows (caption, record, located places) is stored as
one JSON text. The ``*_txt`` fields repeat the plain text for Solr-native clients, when asked for.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ichigo_search.document import (
    DECADES,
    EXACT_FIELD,
    PART_SEPARATOR,
    PLACE_IDS,
    PLACE_NAMES,
    PLACE_TREE,
    YEARS_FIELD,
    decades_of,
)
from ichigo_search.text.analysis import term_positions

# Text fields and whether their terms are stemmed (the exact field holds folded, unstemmed forms).
TEXT_FIELDS = {"title": True, "caption": True, "places": True, "photographer": True, EXACT_FIELD: False}
KEYWORD_FIELDS = (PLACE_IDS, PLACE_TREE, YEARS_FIELD)
# Fields of the index document kept in the stored JSON (what search.py's hits read back).
STORED_FIELDS = ("caption", "record", "located")
NATIVE_FIELDS = ("title", "caption", "places", "photographer")
# What the simple format escapes in a token (its separators, the escape itself, line breaks).
_ESCAPES = str.maketrans({"\\": "\\\\", " ": "\\ ", ",": "\\,", "=": "\\=", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_SPECIAL_RE = re.compile(r"[\\ ,=\n\r\t]")


def tokens(value: str, stemming: bool) -> str:
    """A field's tokens in position order, as Solr's PreAnalyzedField "simple" format reads them.

    ``1 term term,i=2 term,i=0``: a term one position after the one before has no attribute,
    others name their position increment. Only the tokens are sent (the fields are not stored).
    """
    where = term_positions(value.split(PART_SEPARATOR), stemming=stemming)
    at = sorted((pos, text) for text, positions in where.items() for pos in positions)
    out = ["1"]
    previous = -1
    for pos, text in at:
        if _SPECIAL_RE.search(text):
            text = text.translate(_ESCAPES)
        out.append(text if pos - previous == 1 else f"{text},i={pos - previous}")
        previous = pos
    return " ".join(out)


def solr_document(doc: dict[str, Any], seq: int, native: bool = False) -> dict[str, Any]:
    """The Solr document for an index document, the ``seq``-th written (ties in score rank by it);
    ``native``: with the ``*_txt`` copies Solr analyses itself, for Solr-native clients."""
    out: dict[str, Any] = {
        "id": doc["id"],
        "seq": seq,
        "hash": doc["hash"].decode("ascii") if isinstance(doc["hash"], bytes) else doc["hash"],
        "stored": _json({k: doc[k] for k in STORED_FIELDS if k in doc}),
    }
    for name, stemming in TEXT_FIELDS.items():
        if doc.get(name):
            out[name] = tokens(doc[name], stemming)
    for name in KEYWORD_FIELDS:
        if doc.get(name):
            out[name] = doc[name].split()
    if doc.get(YEARS_FIELD):  # for facets: the decades its first to last year count in
        years = [int(year) for year in doc[YEARS_FIELD].split()]
        decades = decades_of((min(years), max(years)))
        if decades:
            out[DECADES] = [str(decade) for decade in decades]
    if doc.get(PLACE_NAMES):
        out[PLACE_NAMES] = doc[PLACE_NAMES].split(PART_SEPARATOR)
    for name in NATIVE_FIELDS if native else ():
        if doc.get(name):
            out[f"{name}_txt"] = doc[name].split("\n") if name == "places" else doc[name]
    return out


def stored_fields(found: dict[str, Any]) -> dict[str, Any]:
    """A Solr document's stored fields as the Whoosh engine returns them (``document.from_stored`` reads both)."""
    stored = json.loads(found["stored"])
    stored["id"] = found["id"]
    return stored


def _json(value: Any) -> str:
    """Compact JSON; values JSON lacks (a YAML date in an extra field) are kept as their text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
