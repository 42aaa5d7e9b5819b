"""Writing a new index segment fast: postings gathered in memory, then written in bulk.

Whoosh's ``SegmentWriter`` sends every posting through an external sort (pickled runs
on disk, merged at commit) and then through a per-posting writer, after turning each
field's analysis into ``Token`` objects.  A rebuild writes each segment once, from
documents in order, so a term's postings can be gathered in arrays as documents
arrive (document numbers ascend by construction) and written a block at a time at
commit, with Whoosh's own block writer.  The files are Whoosh's (W3 codec): the
same blocks, term table, field lengths and stored fields its writer produces,
which ``tests/test_bulk.py`` checks posting by posting; but the ``exact`` field's
words that are their own stem are listed in the segment's arrays file instead of
posted (LEAVE_OUT_BASE_FORMS), and made again from the stemmed fields when searched.

Fields analyzed by :class:`~ichigo_search.engine.whoosh.schema.CaptionAnalyzer` take a short path
(its terms straight into positions or frequencies); any other field goes through
the field's own ``index`` method.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from hashlib import md5
from itertools import chain, islice, pairwise
from operator import sub
from pickle import dumps
from typing import Any, NamedTuple

from whoosh import formats
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3TermInfo, _lenfield
from whoosh.fields import KEYWORD
from whoosh.filedb.filetables import _lengths as _KEY_VALUE_LENGTHS  # a term table row's key and value lengths
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from ichigo_search.document import EXACT_FIELD, PART_SEPARATOR
from ichigo_search.engine import Made, PerSegment
from ichigo_search.engine.whoosh import sidecar as arrays_format
from ichigo_search.engine.whoosh import stored as stored_format
from ichigo_search.engine.whoosh.schema import CaptionAnalyzer
from ichigo_search.engine.whoosh.sidecar import ArraysWriter
from ichigo_search.text.analysis import TermNumbers, is_base_form, stem
from ichigo_search.util.forking import in_gc_frozen
from ichigo_search.util.generators import Returning
from ichigo_search.util.memo import Remembered


class _Postings:
    """One field's postings, term by term, in the order documents were added."""

    keeps_positions = False  # entries are (documents, counts, positions): see _PositionPostings

    def __init__(self, field) -> None:
        self.field = field
        self.boost = field.format.field_boost
        self.terms: dict[Any, tuple[array, ...]] = {}

    def gather(self) -> None:
        """Make ``terms`` whole, before the segment is written (postings may be kept otherwise meanwhile)."""

    def sorted_terms(self) -> list[tuple[bytes, Any]]:
        return sorted((self.key_bytes(key), key) for key in self.terms)

    def key_bytes(self, key: Any) -> bytes:
        return key.encode("utf-8")


class _WordPostings(_Postings):
    """Words of a :class:`~ichigo_search.engine.whoosh.schema.CaptionAnalyzer` field: document and count, and the
    positions too where the field keeps them; values added as numbered tokens (``numbering``: the segment's
    words, shared by its fields)."""

    def __init__(self, field, numbering: TermNumbers) -> None:
        super().__init__(field)
        self.tokens = _Tokens(numbering, field.analyzer, positions=self.keeps_positions)

    def gather(self) -> None:
        """The tokens' postings into ``terms``."""
        self.tokens.gather(self.terms)


class _PositionPostings(_WordPostings):
    """Words with positions (Whoosh's ``Positions`` format)."""

    keeps_positions = True

    def __init__(self, field, numbering: TermNumbers) -> None:
        super().__init__(field, numbering)  # tokens: the values once they stop recurring (captions)
        # While the field's values recur (places, photographers): each distinct value's analysis and documents,
        # expanded into postings when the segment is written (one append a record instead of three a term).
        self.values: dict[str, tuple[dict[str, list[int]], array, int, int]] | None = {}
        self.added = 0

    def add(self, docnum: int, value: str) -> tuple[int, int]:
        """Add a value of the field (analysed here, or remembered while values recur)."""
        values = self.values
        if values is None:
            return self.tokens.add(docnum, value)
        self.added += 1
        found = values.get(value)
        if found is None:
            distinct = len(values)
            if distinct >= _REMEMBERED or (distinct >= _RECURRING_VALUES and distinct * 4 > self.added * 3):
                self.gather()
                self.values = None
                return self.tokens.add(docnum, value)
            where = self.field.analyzer.positions(value)
            found = values[value] = (where, array("I"), sum(map(len, where.values())), len(where))
        found[1].append(docnum)
        return found[2], found[3]

    def gather(self) -> None:
        """The tokens' postings, or the recurring values', term by term (documents ascending), into ``terms``: the
        values are gathered when they stop recurring, before any token is added."""
        super().gather()
        if not self.values:
            return
        by_term: dict[str, list[tuple[array, list[int]]]] = {}
        for where, docs, _, _ in self.values.values():
            for text, positions in where.items():
                by_term.setdefault(text, []).append((docs, positions))
        self.values = {}
        table = self.terms
        for text, parts in by_term.items():
            if len(parts) == 1:
                docs, positions = parts[0]
                table[text] = (
                    array("I", docs),
                    array("I", [len(positions)]) * len(docs),
                    array("I", positions * len(docs)),
                )
                continue
            table[text] = _merged_positions(parts)

    def block_values(self, entry, start: int, end: int, cursor: list[int]) -> tuple[list[float], list[bytes]]:
        counts, positions = entry[1], entry[2]
        at = cursor[0]
        boost = self.boost
        block_counts = counts[start:end]
        values = []
        single = _SINGLE_POSITIONS
        for count in block_counts:
            if count == 1:  # most postings: their encoding looked up, not made
                encoded = single.get(positions[at])
                values.append(_encode_positions(positions[at : at + 1]) if encoded is None else encoded)
                at += 1
            else:
                values.append(_encode_positions(positions[at : at + count]))
                at += count
        cursor[0] = at
        return [count * boost for count in block_counts], values


class _FieldPlan(NamedTuple):
    """How a writer adds a value of one field: its postings' ``add`` (None: not indexed), and what else it keeps."""

    field: Any
    add: Callable[[int, Any], tuple[int, int]] | None
    scorable: bool
    stored: bool
    column_type: Any


class _Tokens:
    """A word field's tokens as they come, numbered (:class:`~ichigo_search.text.analysis.TermNumbers`): each
    token's term number (and position), each document's number and count of tokens. A value costs a few calls
    in C, not a dict of positions and three appends a term; each term's postings are made, with numpy, when
    the segment is written (the tokens kept are ~8 bytes each, less than the arrays of postings they become)."""

    def __init__(self, numbering: TermNumbers, analyzer: CaptionAnalyzer, *, positions: bool) -> None:
        self.numbering = numbering
        self.stemming = analyzer.stemming
        self.numbers = array("I")
        self.positions = array("I") if positions else None
        self.docs = array("I")
        self.sizes = array("I")

    def add(self, docnum: int, value: str) -> tuple[int, int]:
        """Add a document's value: its length (tokens) and its postings (distinct terms)."""
        parts = value.split(PART_SEPARATOR)
        if self.positions is None:
            numbers = self.numbering.occurrences(parts, stemming=self.stemming)
        else:
            numbers, positions = self.numbering.positions(parts, stemming=self.stemming)
            self.positions.fromlist(positions)
        if not numbers:
            return 0, 0
        self.numbers.fromlist(numbers)
        self.docs.append(docnum)
        self.sizes.append(len(numbers))
        return len(numbers), len(set(numbers))

    def gather(self, table: dict[str, tuple[array, ...]]) -> None:
        """Each term's postings into ``table`` ((documents, counts[, positions]) as arrays), after any it holds
        (of earlier documents)."""
        if not self.numbers:
            return
        import numpy as np

        # Each step drops what it no longer needs: the transient arrays are the tokens' size several times over.
        numbers = np.frombuffer(self.numbers, dtype=np.uint32)
        tokens = len(numbers)
        narrow = len(self.numbering.terms(stemming=self.stemming)) <= NARROW_TERMS
        order = np.argsort(numbers.astype(np.uint16) if narrow else numbers, kind="stable")  # by term; documents,
        # then positions, stay in order
        numbers = numbers[order]
        self.numbers = array("I")
        docs = np.repeat(np.frombuffer(self.docs, dtype=np.uint32), np.frombuffer(self.sizes, dtype=np.uint32))
        docs = docs[order]
        self.docs, self.sizes = array("I"), array("I")
        every_position = None
        if self.positions is not None:
            every_position = np.frombuffer(self.positions, dtype=np.uint32)[order]
            self.positions = array("I")
        del order
        new = np.empty(len(numbers), dtype=bool)  # a token that begins a posting (a term's document)
        new[0] = True
        np.not_equal(numbers[1:], numbers[:-1], out=new[1:])
        new[1:] |= docs[1:] != docs[:-1]
        firsts = np.flatnonzero(new)
        del new
        every_doc = docs[firsts]
        del docs
        every_count = np.diff(firsts, append=tokens).astype(np.uint32)
        terms = numbers[firsts]
        del numbers
        term_firsts = np.flatnonzero(np.diff(terms, prepend=-1))  # each term's first posting
        bounds = np.append(term_firsts, len(firsts)).tolist()
        token_bounds = np.append(firsts[term_firsts], tokens).tolist()
        del firsts
        names = self.numbering.terms(stemming=self.stemming)
        for number, (start, end), (token_start, token_end) in zip(
            terms[term_firsts].tolist(), pairwise(bounds), pairwise(token_bounds), strict=True
        ):
            entry = [_uints(every_doc[start:end]), _uints(every_count[start:end])]
            if every_position is not None:
                entry.append(_uints(every_position[token_start:token_end]))
            text = names[number]
            earlier = table.get(text)
            table[text] = tuple(entry) if earlier is None else tuple(a + b for a, b in zip(earlier, entry, strict=True))


# A segment of at most this many words sorts its tokens by 16-bit term numbers, which numpy radix-sorts: 1.5
# million tokens in 15 ms instead of 66 (a segment of the 98k captions has about 40,000 words).
NARROW_TERMS = 1 << 16


def _uints(values) -> array:
    """A numpy array of uint32 as an ``array("I")`` (one copy)."""
    found = array("I")
    found.frombytes(memoryview(values).cast("B"))
    return found


_FEW_POSTINGS = 256


def _merged_positions(parts: list[tuple[array, list[int]]]) -> tuple[array, array, array]:
    """One term's postings from several values, each (its documents, the term's positions in it): documents
    ascending (a record has one value), each with its value's count and positions."""
    if sum(len(part_docs) for part_docs, _ in parts) < _FEW_POSTINGS:  # numpy's calls cost more than sorting
        merged = sorted((doc, number) for number, (part_docs, _) in enumerate(parts) for doc in part_docs)
        counts, every = array("I"), array("I")
        for _, number in merged:
            positions = parts[number][1]
            counts.append(len(positions))
            every.extend(positions)
        return array("I", [doc for doc, _ in merged]), counts, every
    import numpy as np

    docs = np.concatenate([np.frombuffer(part_docs, dtype=np.uint32) for part_docs, _ in parts])
    sizes = np.array([len(part_docs) for part_docs, _ in parts])
    counts_of = np.array([len(positions) for _, positions in parts], dtype=np.int64)
    order = np.argsort(docs, kind="stable")
    part = np.repeat(np.arange(len(parts)), sizes)[order]  # each posting's value, in document order
    counts = counts_of[part]
    starts = np.concatenate(([0], np.cumsum(counts_of)[:-1]))  # of each value's positions in `every`
    every = np.concatenate([np.asarray(positions, dtype=np.uint32) for _, positions in parts])
    ends = np.cumsum(counts)
    within = np.arange(int(ends[-1])) - np.repeat(ends - counts, counts)  # a position's rank in its posting
    taken = every[np.repeat(starts[part], counts) + within]
    return (
        array("I", docs[order].astype(np.uint32).tobytes()),
        array("I", counts.astype(np.uint32).tobytes()),
        array("I", taken.astype(np.uint32).tobytes()),
    )


class _FrequencyPostings(_WordPostings):
    """Words with counts only (Whoosh's ``Frequency`` format): a value's terms counted, no positions made."""

    def add(self, docnum: int, value: str) -> tuple[int, int]:
        return self.tokens.add(docnum, value)

    def block_values(self, entry, start: int, end: int, cursor: list[int]) -> tuple[list[float], list[bytes]]:
        """The block's weights, and its values as one string: each count as ``pack_uint`` packs it (a format of
        fixed-size values has them joined in its block)."""
        boost = self.boost
        counts = entry[1][start:end]
        packed = array("I", counts)
        if _LITTLE_ENDIAN:  # pack_uint's order is the network's
            packed.byteswap()
        return [count * boost for count in counts], [packed.tobytes()]


class _GenericPostings(_Postings):
    """Any other field, through its own ``index`` method (terms already bytes).

    The terms of a value are remembered (up to _REMEMBERED values) unless the field's
    values are unique: keyword fields (years, place ids) repeat a few values.
    """

    def __init__(self, field) -> None:
        super().__init__(field)
        self.remembered: Remembered[list[tuple]] | None = None if field.unique else Remembered(_REMEMBERED)

    def _index(self, value: Any) -> list[tuple]:
        if self.remembered is None or not isinstance(value, str):
            return list(self.field.index(value))
        return self.remembered.get(value, lambda: list(self.field.index(value)))

    def add(self, docnum: int, value: Any) -> tuple[int, int]:
        length = postings = 0
        table = self.terms
        for btext, freq, weight, vbytes in self._index(value):
            entry = table.get(btext)
            if entry is None:
                entry = table[btext] = (array("I"), array("d"), [])
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(vbytes)
            length += freq
            postings += 1
        return length, postings

    def key_bytes(self, key: Any) -> bytes:
        return key

    def block_values(self, entry, start: int, end: int, cursor: list[int]) -> tuple[list[float], list[bytes]]:
        return list(entry[1][start:end]), entry[2][start:end]


class _IdPostings(_GenericPostings):
    """A field of whole values (Whoosh's ``ID`` with its own tokenizer): each value is its one term."""

    def _index(self, value: Any) -> list[tuple]:
        if not isinstance(value, str):
            return list(self.field.index(value))
        return [(value.encode("utf-8"), 1, self.boost, b"")]


class _KeywordPostings(_GenericPostings):
    """A keyword field of recurring values (years, place ids, place names): each distinct value's documents
    gathered, the value analysed once, and expanded into its terms' postings when the segment is written (one
    append a record instead of one a term: ~3.5 a record in each place field).

    A record holds one value of the field, so a term's documents are its values' documents merged."""

    def __init__(self, field) -> None:
        super().__init__(field)
        self.values: dict[str, tuple[list[tuple], array, int]] = {}

    def add(self, docnum: int, value: Any) -> tuple[int, int]:
        found = self.values.get(value)
        if found is None:
            if not isinstance(value, str):
                raise TypeError(f"field {self.field!r}: a keyword value must be text, not {type(value).__name__}")
            terms = list(self.field.index(value))
            found = self.values[value] = (terms, array("I"), sum(term[1] for term in terms))
        found[1].append(docnum)
        return found[2], len(found[0])

    def gather(self) -> None:
        """Every term's postings (documents ascending, weights, values), from its values' documents."""
        by_term: dict[bytes, list[tuple[array, float, bytes]]] = {}
        for terms, docs, _ in self.values.values():
            for btext, _freq, weight, vbytes in terms:
                by_term.setdefault(btext, []).append((docs, weight, vbytes))
        self.values = {}
        table = self.terms
        for btext, parts in by_term.items():
            if len(parts) == 1:
                docs, weight, vbytes = parts[0]
                table[btext] = (docs, array("d", [weight]) * len(docs), [vbytes] * len(docs))
            elif all(part[1:] == parts[0][1:] for part in parts):  # one weight and value: documents merged
                docs = array("I", sorted(chain.from_iterable(part[0] for part in parts)))
                table[btext] = (docs, array("d", [parts[0][1]]) * len(docs), [parts[0][2]] * len(docs))
            else:
                merged = sorted((doc, weight, vbytes) for docs, weight, vbytes in parts for doc in docs)
                table[btext] = (
                    array("I", [doc for doc, _, _ in merged]),
                    array("d", [weight for _, weight, _ in merged]),
                    [vbytes for _, _, vbytes in merged],
                )


_REMEMBERED = 50_000
# A word field's values are gathered per distinct value until this many, and after that while fewer than three
# in four records bring a new one (up to _REMEMBERED values); a field of unique values (captions) is then added
# as it comes.
_RECURRING_VALUES = 1_000
# Postings per block: Whoosh writes 128. Reading a term's postings whole (postings.py) costs per
# block as well as per posting: at 1,024 the 40 commonest words of two fields of the 98k index
# read in 0.108 us a posting, against 0.171 at 128 (/tmp/blocks.py, 2026-11-27).
BLOCK_POSTINGS = 1024
# zlib level of each block (Whoosh: 3). Level 1 takes the 98k captions' blocks from 52 to 25 MB. It used to be
# 0 (blocks read in 0.080 instead of 0.106 us a posting) for phrases of common words at a million captions;
# those words are now read from the .arr file, and a search decompresses only terms with fewer than
# ARRAY_POSTINGS postings in a segment: one block each.
BLOCK_COMPRESSION = 1
# zlib level of the blocks of a term also stored whole in the .arr file (sidecar.py), which every search reads
# instead: only Whoosh's own readers (its merges, phrases in fields without positions) decode these blocks.
# Compressed, they take 5.4 instead of 33 MB at 98k captions.
WHOLE_BLOCK_COMPRESSION = 1
# A block whose pickle is shorter than this is stored as it is (Whoosh reads a block by its own zlib level). Each
# zlib.compress call costs 12-16 us, most of it setting up its 256 KB of state, however short the block; blocks under
# 256 bytes are two in three of the 98k captions' 80,000 and zlib saved them only 16%: building them uncompressed
# took 0.5-0.9 CPU-s off the build (both processes, four rounds alternating) for 1.3 MB more index.
SMALLEST_COMPRESSED_BLOCK = 256
_SINGLE_POSITIONS: dict[int, bytes] = {}


def _encode_positions(positions: array) -> bytes:
    """Whoosh's ``Positions.encode``: the count, then the pickled position deltas."""
    if len(positions) == 1:
        position = positions[0]
        encoded = _SINGLE_POSITIONS.get(position)
        if encoded is None:
            encoded = _SINGLE_POSITIONS[position] = pack_uint(1) + dumps([position], 2)
        return encoded
    deltas, base = [], 0
    for position in positions:
        deltas.append(position - base)
        base = position
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def _postings_for(field, numbering: TermNumbers) -> _Postings:
    """The postings a field's values are gathered in (``numbering``: the segment's words, shared by its fields)."""
    analyzer = getattr(field, "analyzer", None)
    if type(analyzer) is IDTokenizer and type(field.format) is formats.Existence:
        return _IdPostings(field)
    if isinstance(analyzer, CaptionAnalyzer):
        if type(field.format) is formats.Positions:
            return _PositionPostings(field, numbering)
        if type(field.format) is formats.Frequency:
            return _FrequencyPostings(field, numbering)
    if isinstance(field, KEYWORD) and not field.unique:
        return _KeywordPostings(field)
    return _GenericPostings(field)


class BulkSegmentWriter(SegmentWriter):
    """A ``SegmentWriter`` for adding documents to a new segment, its postings written in bulk.

    Supports what the ichigo-search schema uses: indexed, stored, scorable and sortable
    fields; not term vectors, separate spelling fields or per-document boosts.
    """

    def __init__(self, ix, *, per_segment: PerSegment | None = None, **kwargs: Any) -> None:
        """``per_segment``: what to make of the segment once it is written (kept in ``made``)."""
        super().__init__(ix, **kwargs)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported")
        # Each document's stored fields: pickled (protocol 4), compressed against the segment's first (stored.py).
        stored = self.perdocwriter._colwriters["_stored"]._child
        self.perdocwriter._colwriters["_stored"] = stored_format.StoredWriter(stored)
        self._postings: dict[str, _Postings] = {}
        self._lengths: dict[str, _Lengths] = {}  # per scorable field
        self._numbering = TermNumbers()
        self._plans: dict[str, _FieldPlan] = {}
        self.postings_added = 0
        self.per_segment = per_segment
        self.made: Any = None

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        perdoc = self.perdocwriter
        docnum = self.docnum
        perdoc.start_doc(docnum)
        try:
            stored = perdoc._storedfields  # what Whoosh's add_field keeps; lengths are written at the end
            plans = self._plans
            for name in sorted(fields):
                value = fields[name]
                if value is None:
                    continue
                plan = plans.get(name) or self._plan(name)
                if plan.add is not None:
                    length, added = plan.add(docnum, value)
                    self.postings_added += added
                    if length and plan.scorable:
                        lengths = self._lengths.get(name)
                        if lengths is None:
                            lengths = self._lengths[name] = _Lengths()
                        lengths.add(docnum, length)
                if plan.stored:
                    stored[name] = value
                if plan.column_type:
                    perdoc.add_column_value(name, plan.column_type, plan.field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _plan(self, name: str) -> _FieldPlan:
        """What adding a value of field ``name`` does, worked out on its first value (the schema's field, the
        postings its terms go to)."""
        field = self.schema[name]
        add = None
        if field.indexed:
            postings = self._postings[name] = _postings_for(field, self._numbering)
            add = postings.add
        plan = self._plans[name] = _FieldPlan(field, add, field.scorable, field.stored, field.column_type)
        return plan

    def _write_lengths(self) -> None:
        """Each field's lengths column and total, as Whoosh's ``add_field`` writes them document by document."""
        perdoc = self.perdocwriter
        for name, lengths in self._lengths.items():
            column = _lenfield(name)
            perdoc._create_column(column, LENGTHS_COLUMN)
            writer = perdoc._colwriters[column]
            codes = lengths.column()
            writer._dbfile.write(codes)  # one byte a document (0: no length), to the last that has one
            writer._count = len(codes)
            perdoc._fieldlengths[name] += lengths.total

    def _flush_segment(self) -> None:
        self._write_lengths()
        self.perdocwriter.close()
        writer = self.fieldwriter
        table = _TermTable(writer)
        arrays = ArraysWriter(self.newsegment, self.storage)
        wanted = self.per_segment.fields if self.per_segment else ()
        held: dict[str, list[tuple[str, array]]] = {}  # the postings of the fields ``per_segment`` wants
        for name in sorted(self._postings):
            postings = self._postings.pop(name)
            postings.gather()
            if not postings.terms:
                continue
            writer.start_field(name, postings.field)
            table.start_field(writer._fieldid, postings.field.format)
            codes = self._lengths[name].padded(self.docnum) if name in self._lengths else None
            kept = held.setdefault(name, []) if name in wanted else None
            leaving_out = LEAVE_OUT_BASE_FORMS and name == EXACT_FIELD and isinstance(postings, _WordPostings)
            base_forms: list[tuple[bytes, int, str]] = []
            inflected: dict[str, list[bytes]] = {}  # stem -> the field's other forms of it
            for btext, key in postings.sorted_terms():
                entry = postings.terms.pop(key)
                if kept is not None:
                    kept.append((postings.field.from_bytes(btext), entry[0]))
                if leaving_out:
                    if is_base_form(key):
                        base_forms.append((btext, len(entry[0]), key))
                        continue
                    inflected.setdefault(stem(key), []).append(btext)
                if len(entry[0]) == 1:
                    _add_inlined(table, btext, postings, entry, codes)
                    continue
                whole = len(entry[0]) >= arrays_format.ARRAY_POSTINGS
                compression = WHOLE_BLOCK_COMPRESSION if whole else BLOCK_COMPRESSION
                weights = _write_term(table, postings, entry, codes, compression, btext)
                if whole:
                    boost = postings.boost if isinstance(postings, _WordPostings) else None
                    arrays.add(name, btext, entry, weights, postings.keeps_positions, boost)
            if base_forms:
                listed = [(btext, count, inflected.get(key, [])) for btext, count, key in base_forms]
                arrays.add_base_forms(name, listed)
            table.flush()
            writer.finish_field()
        writer.close()
        arrays.close()
        if self.per_segment:
            self.made = self.per_segment.make(_HeldSegment(self.newsegment.segment_id(), self.docnum, held))


class _HeldSegment:
    """A segment just written, as the postings of some of its fields still held in memory
    (:class:`~ichigo_search.engine.SegmentPostings`: nothing is deleted yet)."""

    def __init__(self, key: str, size: int, held: dict[str, list[tuple[str, array]]]) -> None:
        self.key, self.size = key, size
        self._held = held

    def postings(self, field: str) -> Iterator[tuple[str, array]]:
        return iter(self._held.get(field, ()))


class _Lengths:
    """One scorable field's document lengths, as its lengths column stores them: a byte each."""

    def __init__(self) -> None:
        self.codes = bytearray()
        self.total = 0

    def add(self, docnum: int, length: int) -> None:
        codes = self.codes
        if docnum >= len(codes):  # grown a thousand documents at a time; zero is no length
            codes.extend(bytes(max(1024, docnum + 1 - len(codes))))
        codes[docnum] = length_to_byte(length)
        self.total += length

    def column(self) -> bytes:
        """The column's bytes: up to the last document with a length, as Whoosh writes it."""
        return bytes(self.codes).rstrip(b"\0")

    def padded(self, documents: int = 0) -> bytes:
        """Each document's length byte (0: none), for the blocks' statistics: at least ``documents`` of them."""
        codes = bytes(self.codes)
        return codes + bytes(documents - len(codes)) if len(codes) < documents else codes


class _TermTable:
    """The segment's term table and postings file, written term by term as Whoosh's ``W3FieldWriter`` writes
    them (``start_term``, ``add``, ``finish_term``: the same bytes), without its per-posting and per-block
    objects, with each file's position counted here instead of asked of the file (``StructFile.tell``, an
    ``lseek``: four a term), and the bytes of many terms written at once (:meth:`flush`)."""

    def __init__(self, fieldwriter) -> None:
        self.hashes = fieldwriter._tindex  # an OrderedHashWriter
        if self.hashes.hashfn is not md5_hash:
            raise ValueError("the term table's hash is not the one Whoosh's W3 codec writes")
        self.terms = self.hashes.dbfile
        self.terms_at = self.terms.tell()
        self.posts = fieldwriter._postfile
        self.posts_at = self.posts.tell()
        self.prefix = b""
        self.fixed_size: int | None = None
        self.terms_out: list[bytes] = []  # written at the next flush
        self.posts_out: list[bytes] = []
        self.pending = 0

    def start_field(self, fieldid: int, format_) -> None:
        self.prefix = pack_ushort(fieldid)
        self.fixed_size = format_.fixed_value_size()

    def add(self, btext: bytes, info: bytes) -> None:
        """A term's information, as ``OrderedHashWriter.add`` adds it (terms arrive in order: fields by id,
        each field's terms sorted)."""
        key = self.prefix + btext
        at = self.terms_at
        hashes = self.hashes
        hashes.index.append(at)
        row = _KEY_VALUE_LENGTHS.pack(len(key), len(info)) + key + info
        self.terms_out.append(row)
        hashed = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")  # Whoosh's md5_hash
        hashes.buckets[hashed & 255].append((hashed, at))
        hashes.lastkey = key
        self.terms_at = at + len(row)
        self.pending += len(row)
        if self.pending >= _WRITTEN_AT_ONCE:
            self.flush()

    def mini_values(self, values: list[bytes]) -> Any:
        """A block's values as ``W3PostingsWriter._mini_values`` keeps them."""
        fixed = self.fixed_size
        if fixed is None or fixed < 0:
            return tuple(values)
        return None if fixed == 0 else b"".join(values)

    def write_postings(self, parts: list[bytes]) -> tuple[int, int]:
        """Append a term's blocks to the postings file: where they start and their length."""
        data = b"".join(parts)
        at = self.posts_at
        self.posts_out.append(data)
        self.posts_at = at + len(data)
        self.pending += len(data)
        return at, len(data)

    def flush(self) -> None:
        """Write the terms and postings added since the last flush (before the files are closed, or written to by
        anything else)."""
        self.terms.write(b"".join(self.terms_out))
        self.posts.write(b"".join(self.posts_out))
        self.terms_out, self.posts_out, self.pending = [], [], 0


# Bytes of term table rows and postings gathered before they are written: one write a few thousand terms instead of
# one or two a term (a Python call each, through Whoosh's StructFile).
_WRITTEN_AT_ONCE = 1 << 20


_TERM_INFO = W3TermInfo._struct
_LITTLE_ENDIAN = sys.byteorder == "little"


def _add_inlined(table: _TermTable, btext: bytes, postings: _Postings, entry, codes: bytes | None) -> None:
    """A term with one posting, inlined in the term table (Whoosh reads them so): no block of its own.

    Most terms have one posting (every id, most words); the term information is what Whoosh's
    ``W3TermInfo.add_block`` and ``to_bytes`` would make of that posting.
    """
    weights, values = postings.block_values(entry, 0, 1, [0])
    docnum = entry[0][0]
    code = codes[docnum] if codes is not None else 0  # the document's length as its byte (0: none)
    stored_weight = array("f", weights)
    head = _TERM_INFO.pack(True, stored_weight[0], 1, code, code, max(0, weights[0]), docnum, docnum)
    # Every value kept, empty ones too: Whoosh's ListMatcher gives "" (str) for a posting without one, which its
    # merges refuse (``PostingPool.add`` asserts bytes), so a merge of the segment failed.
    inlined = ((docnum,), tuple(stored_weight), tuple(values))
    table.add(btext, head + dumps(inlined, 2))


def _write_term(
    table: _TermTable, postings: _Postings, entry, codes: bytes | None, compression: int, btext: bytes
) -> list[float]:
    """Write one term's postings in blocks of BLOCK_POSTINGS at a zlib level, and its row of the term table,
    as Whoosh's ``add_posting`` and ``finish_term`` would (``W3PostingsWriter._write_block``, ``W3TermInfo``);
    their weights.

    ``codes``: each document's length as the byte the lengths column stores (0: none). Whoosh takes the
    shortest and longest lengths of a block and of the term, then their bytes; the bytes' order is the
    lengths', so those are the smallest and largest bytes but zero."""
    docs = entry[0]
    total = len(docs)
    limit = BLOCK_POSTINGS
    cursor = [0]
    every_weight: list[float] = []
    parts = [WHOOSH3_HEADER_MAGIC]
    term_weight: float = 0
    shortest: int | None = None
    longest = maxweight = 0
    for start in range(0, total, limit):
        end = min(start + limit, total)
        weights, values = postings.block_values(entry, start, end, cursor)
        every_weight += weights
        ids = docs[start:end]
        stored = array("f", weights)
        first = stored[0]
        if stored.count(first) != len(stored):
            mini_weights: Any = tuple(stored)
        else:
            mini_weights = None if first == 1.0 else first
        deltas = tuple(map(sub, ids, chain((0,), ids)))  # W3PostingsWriter._mini_ids
        data = dumps((deltas, mini_weights, table.mini_values([v for v in values if v])), 2)
        level = compression if len(data) >= SMALLEST_COMPRESSED_BLOCK else 0
        if level:
            data = zlib.compress(data, level)
        block_max = max(0, *weights)
        block_shortest: int | None = None
        block_longest = 0
        if codes is not None:
            block_codes = bytes(map(codes.__getitem__, ids))
            if 0 in block_codes:  # (a document without a length: none in this schema)
                block_codes = block_codes.replace(b"\0", b"")
            if block_codes:
                block_shortest, block_longest = min(block_codes), max(block_codes)
        info = dumps((len(ids), ids[-1], block_max, level, block_shortest or 0, block_longest), 2)
        size = len(info) + len(data)
        parts.append(pack_int(-size if end == total else size) + info + data)
        # The term's statistics, as W3TermInfo.add_block gathers them
        term_weight += sum(stored)
        if block_shortest is not None:
            shortest = block_shortest if shortest is None else min(shortest, block_shortest)
        longest = max(longest, block_longest)
        maxweight = max(maxweight, block_max)
    offset, size = table.write_postings(parts)
    head = _TERM_INFO.pack(False, term_weight, total, shortest or 0, longest, maxweight, docs[0], docs[-1])
    table.add(btext, head + pack_long(offset) + pack_int(size))
    return every_weight


# The exact field's words that are their own stem (most of its postings) are left out of a segment's postings and
# listed in its arrays file instead (sidecar.BaseForms): their postings are those of the stem in the stemmed fields
# (document.EXACT_SOURCES, the same tokens) less the other forms', made again when a search asks (postings.py). At
# 98k captions: 9.5 MB less index, 0.7-1.4 CPU-s less build (benchmarks/PROFILE.md). False: every form posted.
LEAVE_OUT_BASE_FORMS = True
# A segment is closed, and another begun, after about this many postings: bounds each
# writing process's memory (about 25 bytes a posting held) on very large collections.
SEGMENT_POSTINGS = 12_000_000
# Records made into documents one batch at a time, then indexed: the gazetteer's 154,000 keys and caches, and
# the postings being gathered, each stay in the processor's caches for a batch instead of evicting each other
# at every record (98,244 captions: 43.9-46.2 CPU-s of both processes one record at a time, 36.8-38.2 with
# 128; benchmarks/PROFILE.md). Batches of 2,048 (about 6 MB of documents) took locating from 3.7 to 3.4 CPU-s
# in each writing process of today's code, whose other stages cost less than they did.
DOCUMENTS_AT_ONCE = 2048
_PROGRESS_EVERY = 500
_FEWEST_PER_PROCESS = 500  # records; fewer are not worth a process


def write_documents(
    ix,
    records: Sequence[Any],
    to_document: Callable[[Any], dict[str, Any]],
    *,
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: Callable[[str, int], None] = lambda stage, count: None,
    per_segment: PerSegment | None = None,
) -> Made:
    """Write ``records`` into the empty index ``ix``, in order, as segments of ``processes`` processes.

    The records are split into contiguous runs, each written by one process (see
    :func:`write_sources`); forked processes share the records' memory.
    """
    from ichigo_search.util.forking import can_fork

    total = len(records)
    processes = max(1, min(processes if can_fork() else 1, total // _FEWEST_PER_PROCESS or 1))
    bounds = [total * i // processes for i in range(processes + 1)]

    def run(start: int, end: int) -> Callable[[], Iterator[Any]]:
        return lambda: (records[index] for index in range(start, end))

    return write_sources(
        ix,
        [run(*pair) for pair in pairwise(bounds)],
        to_document,
        total=total,
        progress=progress,
        checkpoint=checkpoint,
        per_segment=per_segment,
    )


def write_sources(
    ix,
    sources: Sequence[Callable[[], Iterator[Any]]],
    to_document: Callable[[Any], dict[str, Any]],
    *,
    total: int = 0,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: Callable[[str, int], None] = lambda stage, count: None,
    review: Callable[[list[Any], list[list[Any]]], None] = lambda results, segments: None,
    per_segment: PerSegment | None = None,
) -> Made:
    """Write each source's records into the empty index ``ix`` as segments, the sources side by side.

    A source is a function returning an iterator of records (a generator may return a
    result).  This process writes the first source's, a forked process each other's;
    the table of contents lists the segments in source order.  Before it is written,
    ``review(results, segments)`` sees each source's result and segments, and may
    delete documents from them or raise (then nothing is published).
    ``checkpoint(stage, count)`` is called after each record this process writes
    ("record") and before the table of contents is written ("commit");
    ``progress(done, total)`` every so often (``total`` 0 while it is not known). Returns what
    ``per_segment`` made of each segment as its process wrote it, by segment key (None without it).
    """
    from ichigo_search.util.forking import Forked

    lock = ix.lock("WRITELOCK")
    if not lock.acquire():
        from whoosh.index import LockError

        raise LockError("the index is locked by another writer")
    try:
        from multiprocessing.sharedctypes import RawValue

        workers: list[tuple[Forked, Any]] = []
        try:
            for source in sources[1:]:
                done = RawValue("q", 0)  # records written, for progress
                worker = Forked(
                    _write_segments, ix, source, to_document, _counter(done), per_segment, role="index writing process"
                )
                workers.append((worker, done))

            def report(count: int) -> None:
                checkpoint("record", count)
                if progress and count % _PROGRESS_EVERY == 0:
                    progress(count + sum(done.value for _, done in workers), total)

            outcomes = [_write_segments(ix, sources[0], to_document, report, per_segment)]
            for worker, done in workers:
                with _gc_paused():
                    outcomes.append(worker.result())
                done.value = outcomes[-1][2]
            if progress:
                written = sum(count for _, _, count, _ in outcomes)
                progress(written, total or written)
        except BaseException:
            for worker, _ in workers:
                worker.kill()
            raise
        segments = [segments for segments, _, _, _ in outcomes]
        with _gc_paused():
            review([result for _, result, _, _ in outcomes], segments)
        checkpoint("commit", 0)
        _write_toc(ix, [segment for part in segments for segment in part])
        return {key: made for _, _, _, part in outcomes for key, made in part} if per_segment else None
    finally:
        lock.release()
        ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()


def _write_segments(
    ix, source: Callable[[], Iterator[Any]], to_document, report, per_segment: PerSegment | None = None
) -> tuple[list, Any, int, list[tuple[str, Any]]]:
    """Write the source's records as one or more new segments (closed every SEGMENT_POSTINGS postings).

    Returns the segments, the source's result, how many records it gave and what ``per_segment`` made of
    each segment (its key, what was made).
    """
    with _gc_paused():
        segments = []
        made: list[tuple[str, Any]] = []

        def finish(writer: BulkSegmentWriter) -> None:
            segments.append(writer._finalize_segment())
            if per_segment:
                made.append((segments[-1].segment_id(), writer.made))

        writer = BulkSegmentWriter(ix, per_segment=per_segment, _lk=False)
        records = Returning(source())
        reading = iter(records)  # one iterator: each of its batches resumes it
        count = 0
        while batch := list(islice(reading, DOCUMENTS_AT_ONCE)):
            for document in [to_document(record) for record in batch]:
                if writer.postings_added >= SEGMENT_POSTINGS:
                    finish(writer)
                    writer = BulkSegmentWriter(ix, per_segment=per_segment, _lk=False)
                writer.add_document(**document)
                count += 1
                report(count)
        if writer._added:
            finish(writer)
        else:
            writer._close_segment()
        return segments, records.value, count, made


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The garbage collector off meanwhile: postings and scans are millions of containers without a
    cycle among them, and each full collection would only walk them all again.

    On the way out the objects made meanwhile go to the oldest generation unscanned (frozen, then unfrozen
    unless an outer :func:`~ichigo_search.util.forking.gc_frozen` holds them): left in the youngest,
    the first collection after would walk them all at once (0.3-0.5 s of CPU in each writing process at
    98,244 captions).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            outer = in_gc_frozen()
            gc.freeze()
            if not outer:
                gc.unfreeze()
            gc.enable()


def delete_documents(segments: list, docnums: list[int]) -> None:
    """Mark documents deleted, numbered across ``segments`` in order (as an update deletes them)."""
    offset = 0
    wanted = iter(sorted(docnums))
    docnum = next(wanted, None)
    for segment in segments:
        count = segment.doc_count_all()
        while docnum is not None and docnum < offset + count:
            segment.delete_document(docnum - offset)
            docnum = next(wanted, None)
        offset += count


def _counter(done) -> Callable[[int], None]:
    """A forked writer's report: its count of records written, shared with the parent every so often."""

    def report(count: int) -> None:
        if count % _PROGRESS_EVERY == 0:
            done.value = count

    return report


def _write_toc(ix, segments: list) -> None:
    """Publish the segments as the index's next generation, as Whoosh's writer commits."""
    from whoosh.index import TOC, clean_files

    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
