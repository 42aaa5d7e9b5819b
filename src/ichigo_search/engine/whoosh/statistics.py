"""What the evaluator asks of a Whoosh searcher, answered from an index reader alone.

Whoosh's ``Searcher`` (``whoosh.searching``) imports its query language, highlighter and
classifier, 10-15 ms of a one-shot query that uses none of them.  The evaluator
(:mod:`ichigo_search.engine.whoosh.postings`) needs only a searcher's statistics, which are
computed here exactly as ``whoosh.searching.Searcher`` and ``whoosh.scoring.WeightingModel``
compute them; Whoosh's own searcher is made only when something asks for it
(:attr:`ReaderSearcher.whoosh`: the phrase matcher of fields without positions, the oracle tests).

A term's entry in each segment's term table is looked up once per segment reader (:class:`TermTable`): a search asks
for the same terms several times (the expansion for a word's frequency, the idf, the postings, the phrase
positions), and each Whoosh look-up walks its on-disk hash table with four or more reads. For a long-lived
reader, the entries of a field with few terms (titles, photographers, places: most words asked for there are
absent) are read whole on its first look-up, one byte range of the table (:func:`table_entries`); a one-shot
query would read more than it looks up.
"""

from __future__ import annotations

import struct
import weakref
from math import log
from typing import Any

from ichigo_search.engine.whoosh.reader_cache import per_reader
from ichigo_search.engine.whoosh.sidecar import BaseForms, segment_arrays
from ichigo_search.text.analysis import is_base_form
from ichigo_search.util.memo import Remembered

# Terms whose table entries a segment reader keeps (all forgotten when full: see util.memo), ~200 bytes each.
TERM_ENTRIES = 30_000
# A W3TermInfo's bytes begin with its flags (one byte), total weight (float) and document frequency (uint),
# big-endian (``whoosh.codec.whoosh3.W3TermInfo._struct``, ``read_doc_freq``).
_DOC_FREQUENCY = struct.Struct("!I")
_DOC_FREQUENCY_AT = 5
# A field whose entries take at most this many bytes of a segment's term table is read whole on its first
# look-up (at 98k captions: places and the place ids ~0.1 MB each, photographers and titles a few KB; the
# caption and exact fields ~0.7-1 MB are looked up term by term).
SMALL_FIELD = 256 * 1024


class ReaderSearcher:
    """An open reader with Whoosh's searcher statistics: document counts, idf, average field lengths."""

    def __init__(self, index, reader, weighting, long_lived: bool = False) -> None:
        """``long_lived``: the reader answers many queries (its term tables read small fields whole)."""
        self._index = index
        self._reader = reader
        self.weighting = weighting
        self.schema = reader.schema
        self._doc_count_all = reader.doc_count_all()
        self._idf: dict[tuple[str, Any], float] = {}
        self._whoosh = None
        self._tables = [term_table(leaf, long_lived) for leaf, _ in reader.leaf_readers()]

    def reader(self):
        return self._reader

    def doc_count(self) -> int:
        return self._reader.doc_count()

    def doc_count_all(self) -> int:
        return self._doc_count_all

    def doc_frequency(self, fieldname: str, text: Any) -> int:
        """Documents holding the term, deleted ones included, from each segment's :class:`TermTable`."""
        return sum(table.doc_frequency(fieldname, text) for table in self._tables)

    def term_info(self, fieldname: str, text: Any):
        return self._reader.term_info(fieldname, text)

    def idf(self, fieldname: str, text: Any) -> float:
        """Whoosh's ``WeightingModel.idf``: log(N / (df + 1)) + 1, N counting deleted documents."""
        key = (fieldname, text)
        found = self._idf.get(key)
        if found is None:
            found = self._idf[key] = log(self._doc_count_all / (self.doc_frequency(fieldname, text) + 1)) + 1
        return found

    def avg_field_length(self, fieldname: str, default: float | None = None) -> float | None:
        """Whoosh's ``Searcher.avg_field_length``: the field's total length over every document number."""
        if not self.schema[fieldname].scorable:
            return default
        return self._reader.field_length(fieldname) / (self._doc_count_all or 1)

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        return self._reader.stored_fields(docnum)

    def document_number(self, fieldname: str, text: str) -> int | None:
        """The first live document holding a term (of a unique field, the only one), or None."""
        if (fieldname, text) not in self._reader:
            return None
        return next(iter(self._reader.postings(fieldname, text).all_ids()), None)

    def up_to_date(self) -> bool:
        """Whether no writer committed to the index since the reader was opened."""
        return self._index.latest_generation() == self._reader.generation()

    @property
    def whoosh(self):
        """Whoosh's own searcher over the same reader, made on first use."""
        if self._whoosh is None:
            from whoosh.searching import Searcher

            self._whoosh = Searcher(self._reader, weighting=self.weighting, fromindex=self._index)
        return self._whoosh

    def close(self) -> None:
        if self._whoosh is not None:
            self._whoosh.close()  # closes the reader too
        else:
            self._reader.close()


def term_table(leaf, small_fields: bool = False) -> TermTable:
    """The :class:`TermTable` of a segment's reader, made once and kept as long as the reader lives
    (``small_fields`` as :class:`TermTable` takes it, when it is made)."""
    return per_reader(leaf, "term table", lambda: TermTable(leaf, small_fields=small_fields))


class TermTable:
    """The entries of a segment's term table that were asked for, looked up once and remembered.

    An entry is a term's ``W3TermInfo`` as bytes (empty where the segment lacks the term). A segment
    never changes, so an entry stays valid while its reader lives; a new generation has new readers,
    each with a table of its own. Only a weak reference to the reader is kept.
    """

    def __init__(self, leaf, size: int = TERM_ENTRIES, small_fields: bool = False) -> None:
        """``small_fields``: a field whose entries take at most SMALL_FIELD bytes is read whole on its first
        look-up (for a reader that answers many queries)."""
        self._leaf = weakref.ref(leaf)
        self.schema = leaf.schema
        self._entries: Remembered[bytes] = Remembered(size)
        self._small_fields = small_fields
        self._small: dict[str, dict[bytes, bytes] | None] = {}  # per field: every entry, or None if not small
        self._base_forms_of: dict[str, BaseForms | None] = {}

    def entry(self, fieldname: str, text: Any) -> bytes:
        """The term's entry (``W3TermInfo`` bytes), empty if the segment lacks it."""
        return self._entries.get((fieldname, text), lambda: self._look_up(fieldname, text))

    def _look_up(self, fieldname: str, text: Any) -> bytes:
        leaf = self._leaf()
        if leaf is None:
            raise RuntimeError("the segment reader this term table belongs to is gone")
        tbytes = self.schema[fieldname].to_bytes(text)
        if self._small_fields and fieldname not in self._small:
            entries = table_entries(leaf, fieldname, b"", SMALL_FIELD)
            self._small[fieldname] = dict(entries) if entries is not None else None
        small = self._small.get(fieldname)
        if small is not None:
            return small.get(tbytes, b"")
        terms = leaf._terms
        return terms._tindex.get(terms._keycoder(fieldname, tbytes)) or b""

    def info(self, fieldname: str, text: Any):
        """The term's ``W3TermInfo``, or None if the segment lacks it."""
        from whoosh.codec.whoosh3 import W3TermInfo

        entry = self.entry(fieldname, text)
        return W3TermInfo.from_bytes(entry) if entry else None

    def doc_frequency(self, fieldname: str, text: Any) -> int:
        """Documents holding the term, deleted ones included (Whoosh's ``SegmentReader.doc_frequency``)."""
        if fieldname not in self.schema:  # Whoosh's answer: TermNotFound
            leaf = self._leaf()
            return leaf.doc_frequency(fieldname, text) if leaf is not None else 0
        base_forms = self._base_forms(fieldname)
        if base_forms is not None and is_base_form(text):  # held without postings, never in the table
            return base_forms.frequency(self.schema[fieldname].to_bytes(text))
        entry = self.entry(fieldname, text)
        return _DOC_FREQUENCY.unpack_from(entry, _DOC_FREQUENCY_AT)[0] if entry else 0

    def _base_forms(self, fieldname: str) -> BaseForms | None:
        """The field's words held without postings in the segment (:class:`~.sidecar.BaseForms`), if any."""
        if fieldname not in self._base_forms_of:
            leaf = self._leaf()
            self._base_forms_of[fieldname] = segment_arrays(leaf).base_forms(fieldname) if leaf is not None else None
        return self._base_forms_of[fieldname]


def table_entries(segment, field: str, prefix: bytes, limit: int | None = None) -> list[tuple[bytes, bytes]] | None:
    """The term-table entries (term bytes, ``W3TermInfo`` bytes) of ``field``'s terms starting with ``prefix`` in
    one segment, in order; None when the segment's table is not Whoosh's W3 one, or the entries take more than
    ``limit`` bytes.

    The term table keeps its entries in key order, a key being the field's number and the term
    (``W3TermsReader._keycoder``): the entries of a prefix are one byte range, read here in one go
    and parsed, where Whoosh reads and decodes entry by entry.
    """
    from whoosh.filedb.filetables import _lengths  # a term-table entry's key and value lengths
    from whoosh.system import pack_ushort

    terms = getattr(segment, "_terms", None)
    table = getattr(terms, "_tindex", None)
    number = getattr(terms, "_fieldmap", {}).get(field)
    if table is None:
        return None
    if number is None:
        return []
    head = pack_ushort(number) + prefix
    start = table.closest_key_pos(head)
    if start is None:
        return []
    end = table.closest_key_pos(head + b"\xff")  # after every key starting with head (no UTF-8 byte is 0xff)
    end = table.endofdata if end is None else end
    if limit is not None and end - start > limit:
        return None
    data = table.dbfile.get(start, end - start)
    entries, position, unpack, size = [], 0, _lengths.unpack_from, _lengths.size
    while position < len(data):
        key_length, value_length = unpack(data, position)
        value_at = position + size + key_length
        entries.append((data[position + size + 2 : value_at], data[value_at : value_at + value_length]))
        position = value_at + value_length
    return entries


def whoosh_searcher(searcher):
    """Whoosh's own searcher for a :class:`ReaderSearcher` or a Whoosh searcher."""
    return searcher.whoosh if isinstance(searcher, ReaderSearcher) else searcher
