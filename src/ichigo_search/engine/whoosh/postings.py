"""Postings read straight from Whoosh's files into numpy arrays, per open reader.

What :mod:`ichigo_search.engine.whoosh.evaluate` scores: a term's document numbers with
their BM25F scores (Whoosh's formula and statistics: its idf, average field lengths and
quantized field lengths), a term's positions for phrases, the live-document mask and field
lengths. Terms are read from the segment's sidecar arrays when the bulk writer stored them
(:mod:`ichigo_search.engine.whoosh.sidecar`), else from Whoosh's W3 posting blocks, parsed
here (the format facts are listed in :mod:`ichigo_search.engine.whoosh`).
"""

from __future__ import annotations

import io
import pickle
import threading
import weakref
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain

import numpy as np
from whoosh.system import _INT_SIZE, unpack_int

from ichigo_search.document import EXACT_SOURCES
from ichigo_search.engine.whoosh.reader_cache import per_reader
from ichigo_search.engine.whoosh.sidecar import BaseForms, Positions, segment_arrays
from ichigo_search.engine.whoosh.statistics import term_table
from ichigo_search.query.tree import Phrase
from ichigo_search.text.analysis import is_base_form

# A base form's postings are summed from its stem's and other forms' by sorting them when they are fewer than
# 1/SPARSE_SHARE of the segment's documents, else over every document of the segment.
SPARSE_SHARE = 16
# Postings (document numbers with scores) kept per reader: about 16 bytes each.
CACHE_POSTINGS = 8_000_000
# A posting's encoded positions kept from its block (a bytes object in a list, ~60 bytes) counts as this many.
ENCODED_WEIGHT = 4
# Phrase words holding at most this many postings have all their positions read once and kept, unless
# the documents a phrase looks in are fewer than 1/WANTED_SHARE of them: then, as for commoner words, only
# the blocks holding those are read (proximity pairs of common words look in a few hundred captions).
ALL_POSITIONS = 100_000
WANTED_SHARE = 4
_HEADER = b"W3Bl"  # whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC


@dataclass(frozen=True)
class Sparse:
    """Matching documents as sorted document numbers, with their scores."""

    ids: np.ndarray
    scores: np.ndarray


EMPTY_IDS = np.zeros(0, dtype=np.intp)
EMPTY = Sparse(EMPTY_IDS, np.zeros(0))


@dataclass(frozen=True)
class Weights:
    """A term's document numbers (sorted) and weights, as its postings hold them."""

    ids: np.ndarray
    weights: np.ndarray


@dataclass(frozen=True)
class Encoded:
    """A term's positions as its posting blocks hold them, kept from reading its postings for a phrase that
    needs them (decoded then, without reading the blocks again): the documents (sorted) and each one's
    encoded value, and per segment (its number in the reader) where its postings are in them."""

    ids: np.ndarray
    values: list[bytes]
    segments: dict[int, tuple[int, int]]

    def segment(self, number: int, offset: int) -> tuple[np.ndarray, list[bytes]] | None:
        """A segment's own document numbers and their values, or None if the term was not read from its blocks."""
        if number not in self.segments:
            return None
        start, end = self.segments[number]
        return self.ids[start:end] - offset, self.values[start:end]

    def positions(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions of ``wanted`` documents (each holding the term), as :func:`_gather` gives them."""
        picked = [self.values[i] for i in np.searchsorted(self.ids, wanted).tolist()]
        counts, positions = _decode_positions(picked)
        return np.repeat(wanted.astype(np.int64), counts), positions


def readers_arrays(reader) -> ReaderArrays:
    """The arrays of an open Whoosh reader, made once and kept as long as the reader lives."""
    return per_reader(reader, "arrays", lambda: ReaderArrays(reader))


class ReaderArrays:
    """Per-reader arrays: live documents, field lengths, and a cache of decoded postings.

    A Whoosh reader's segments never change, so what is read from them stays valid
    as long as the reader is open. Only a weak reference to the reader is kept, so the
    arrays go with it (see :mod:`ichigo_search.engine.whoosh.reader_cache`).
    """

    def __init__(self, reader):
        from whoosh.util.numeric import _length_byte_cache

        self._reader = weakref.ref(reader)
        self.size = reader.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in reader.leaf_readers():
            deleted = list(leaf.deleted_docs_set) if leaf.has_deletions() else []
            if deleted:
                self.live[np.array(deleted, dtype=np.intp) + offset] = False
        self.live.flags.writeable = False
        self._byte_lengths = np.array(_length_byte_cache, dtype=float)
        self._lengths: dict[str, np.ndarray] = {}
        self._cache: OrderedDict[tuple, Sparse | Positions | np.ndarray] = OrderedDict()
        self._cached_postings = 0
        self._lock = threading.Lock()
        self._base_forms: bool | None = None

    @property
    def leaves(self) -> list:
        """The reader's segment readers with the document number each starts at."""
        reader = self._reader()
        if reader is None:
            raise RuntimeError("the index reader these arrays belong to is gone")
        return reader.leaf_readers()

    # -- cache ---------------------------------------------------------------

    def _cached(self, key: tuple):
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def _store(self, key: tuple, value, postings: int):
        with self._lock:  # searches in several threads may share a reader
            if key not in self._cache:
                self._cached_postings += postings
            self._cache[key] = value
            while self._cached_postings > CACHE_POSTINGS and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_postings -= _weight(dropped)
            return value

    def _drop(self, key: tuple) -> None:
        with self._lock:
            dropped = self._cache.pop(key, None)
            if dropped is not None:
                self._cached_postings -= _weight(dropped)

    # -- terms -----------------------------------------------------------------

    def term(self, searcher, fieldname: str, text) -> Sparse:
        """The documents holding a term, with its BM25F score in each (Whoosh's ``BM25FScorer``)."""
        key = ("term", fieldname, text)
        found = self._cached(key)
        if found is not None:
            return found
        if fieldname in EXACT_SOURCES and self._makes_base_forms():
            kept = self._weights(fieldname, text)  # kept: a base form's postings are made from them
            ids, weights = kept.ids, kept.weights
        else:
            ids, weights = self._postings(fieldname, text)
        if len(ids) == 0:
            return self._store(key, EMPTY, 0)
        weighting = searcher.weighting
        field = searcher.schema[fieldname]
        if field.scorable:
            idf = searcher.idf(fieldname, text)
            avgfl = searcher.avg_field_length(fieldname) or 1
            b = weighting._field_B.get(fieldname, weighting.B)
            k1 = weighting.K1
            lengths = self.lengths(fieldname)[ids]
            scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
        else:  # Whoosh scores an unscorable field by the term's largest weight
            scores = np.full(len(ids), searcher.term_info(fieldname, text).max_weight())
        ids.flags.writeable = False
        scores.flags.writeable = False
        return self._store(key, Sparse(ids, scores), len(ids))

    def _postings(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers and weights of a term across segments, deleted documents included.

        A segment written by the bulk writer holds its common terms' postings also as arrays
        (:mod:`ichigo_search.engine.whoosh.sidecar`): those are taken as they are; other terms are read block by block.
        The blocks of a field with positions hold each posting's positions too, unpickled with its weight:
        those values are kept (:class:`Encoded`) for a phrase that may look for the term next.
        """
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        positional = self._positional(fieldname)
        kept_ids: list[np.ndarray] = []
        values: list[bytes] = []
        segments: dict[int, tuple[int, int]] = {}
        for number, (leaf, offset) in enumerate(self.leaves):
            base_forms = segment_arrays(leaf).base_forms(fieldname)
            if base_forms is not None and is_base_form(text):
                made = self._base_form_postings(leaf, offset, base_forms, fieldname, text)
                ids.append(made[0] + offset)
                weights.append(made[1])
                continue
            start = len(values)
            leaf_ids, leaf_weights = _leaf_weights(leaf, fieldname, text, values if positional else None)
            ids.append(leaf_ids + offset)
            weights.append(leaf_weights)
            if len(values) > start:
                kept_ids.append(ids[-1])
                segments[number] = (start, len(values))
        if 0 < len(values) <= ALL_POSITIONS:
            encoded = Encoded(np.concatenate(kept_ids), values, segments)
            self._store(("encoded", fieldname, text), encoded, _weight(encoded))
        if not ids:
            return EMPTY_IDS.copy(), np.zeros(0)
        return np.concatenate(ids), np.concatenate(weights)

    def _weights(self, fieldname: str, text) -> Weights:
        """:meth:`_postings`, read once and kept."""
        key = ("weights", fieldname, text)
        found = self._cached(key)
        if found is None:
            found = Weights(*self._postings(fieldname, text))
            found = self._store(key, found, len(found.ids))
        return found

    def _makes_base_forms(self) -> bool:
        """Whether some segment holds base forms without postings (:class:`~.sidecar.BaseForms`)."""
        if self._base_forms is None:
            self._base_forms = any(segment_arrays(leaf).leaves_out_base_forms() for leaf, _ in self.leaves)
        return self._base_forms

    def _base_form_postings(
        self, leaf, offset: int, base_forms: BaseForms, fieldname: str, text: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """A base form's postings in a segment that holds it without them (:class:`~.sidecar.BaseForms`), its own
        document numbers: in each document, the count of its stem in the stemmed fields the field's words come
        from (``EXACT_SOURCES``, the same tokens; their postings kept, as the search scores them too), less the
        counts of the segment's other forms of that stem; the weights are the counts times the field's boost as a
        writer stores them (float32)."""
        btext = leaf.schema[fieldname].to_bytes(text)
        if base_forms.frequency(btext) == 0:
            return EMPTY_IDS, np.zeros(0)
        size = leaf.doc_count_all()
        every_id: list[np.ndarray] = []
        every_count: list[np.ndarray] = []
        for source in EXACT_SOURCES:
            found = self._weights(source, text)
            low, high = np.searchsorted(found.ids, (offset, offset + size)).tolist()
            every_id.append(found.ids[low:high] - offset)
            every_count.append(np.rint(found.weights[low:high] / leaf.schema[source].format.field_boost))
        boost = leaf.schema[fieldname].format.field_boost
        for other in base_forms.inflected(btext):
            ids, weights = _leaf_weights(leaf, fieldname, other.decode())
            every_id.append(ids)
            every_count.append(-np.rint(weights / boost))
        all_ids, all_counts = np.concatenate(every_id), np.concatenate(every_count)
        if len(all_ids) * SPARSE_SHARE < size:  # few: summed per document by sorting them
            ids, counts = summed_by_id(all_ids, all_counts)
            held = counts > 0
            ids, counts = ids[held], counts[held]
        else:  # many: summed over every document of the segment
            counts = np.bincount(all_ids, all_counts, minlength=size)
            ids = np.flatnonzero(counts > 0)
            counts = counts[ids]
        return ids, (counts * boost).astype(np.float32).astype(float)

    def _positional(self, fieldname: str) -> bool:
        """Whether the field's postings hold positions (Whoosh's ``Positions`` format)."""
        reader = self._reader()
        field = reader.schema[fieldname] if reader is not None else None
        return bool(field is not None and field.format and field.format.supports("positions"))

    def lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in a field, as Whoosh stores it (one byte, log-quantized)."""
        found = self._lengths.get(fieldname)
        if found is None:
            codes = np.zeros(self.size, dtype=np.uint8)
            column = f"_{fieldname}_len"
            for leaf, offset in self.leaves:
                perdoc = leaf._perdoc
                if not perdoc.has_column(column):
                    continue
                colfile, base, length = perdoc._get_column_file(column)
                raw = np.frombuffer(colfile.get(base, length), dtype=np.uint8)[: leaf.doc_count_all()]
                codes[offset : offset + len(raw)] = raw
            found = self._lengths[fieldname] = self._byte_lengths[codes]
        return found

    # -- phrases ---------------------------------------------------------------

    def phrase_ids(self, searcher, query: Phrase, within: np.ndarray | None = None) -> np.ndarray:
        """Documents with a phrase's words in order, each within ``slop`` positions after the one before.

        As Whoosh's ``Phrase`` (its ``SpanNear2``, ordered): slop 1 means in a row. With ``within``
        (sorted document numbers), only those are looked at, and the answer is not kept.
        """
        key = ("phrase", query.field, query.words, query.slop)
        found = self._cached(key)
        field = searcher.schema[query.field]
        if found is None and (query.slop < 1 or not field.format or not field.format.supports("positions")):
            ids = self._whoosh_phrase_ids(searcher, query)
            found = self._store(key, ids, len(ids))
        if found is not None:
            return found if within is None else intersect(found, within)[0]
        candidates = within
        for word in query.words:
            ids = self.term(searcher, query.field, word).ids
            candidates = ids if candidates is None else intersect(candidates, ids)[0]
        if candidates is None or len(candidates) == 0:
            return EMPTY_IDS if within is not None else self._store(key, EMPTY_IDS, 0)
        ends = None  # (document << 32 | position) where the words so far may end
        gaps = np.arange(1, query.slop + 1, dtype=np.int64)
        for word in query.words:
            docs, positions = self._positions(query.field, word, candidates)
            here = sorted_unique((docs << 32) | positions)
            if ends is not None:
                reach = sorted_unique((ends[:, None] + gaps).ravel()) if query.slop > 1 else ends + 1
                here = intersect(here, reach)[0]
            ends = here
            if len(ends) == 0:
                break
        ids = sorted_unique(ends >> 32).astype(np.intp)
        ids.flags.writeable = False
        return ids if within is not None else self._store(key, ids, len(ids))

    def _positions(self, fieldname: str, text, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every position of a term in the ``wanted`` documents (all holding it): (documents, positions), flat.

        A term's positions are read whole and kept when it holds at most ALL_POSITIONS postings and
        the wanted documents are at least 1/WANTED_SHARE of them, or a segment stores them whole as
        arrays (read whole anyway: the proximity bonus of common words looked for in a few documents
        read them on every query); else only in the blocks that hold wanted documents, each time. The values
        of a term's blocks kept from reading its postings (:class:`Encoded`) are decoded instead of its blocks
        read again: only the wanted ones when they are few, else all of them, kept as positions.
        """
        cached = self._cached(("positions", fieldname, text))
        if cached is None:
            kept = self._cached(("encoded", fieldname, text))
            frequency = self._frequency(fieldname, text)
            few = len(wanted) * WANTED_SHARE < frequency and not self._in_arrays(fieldname, text)
            if kept is not None and few and len(kept.ids) == frequency:  # every posting of the term is kept
                return kept.positions(wanted)
            if frequency > ALL_POSITIONS or few:
                return self._wanted_positions(fieldname, text, wanted)
        return _gather(cached if cached is not None else self._term_positions(fieldname, text), wanted)

    def _in_arrays(self, fieldname: str, text) -> bool:
        """Whether some segment holds the term's positions whole as arrays (read whole even for a few documents)."""
        return any(
            segment_arrays(leaf).has_positions(fieldname, leaf.schema[fieldname].to_bytes(text))
            for leaf, _ in self.leaves
        )

    def _frequency(self, fieldname: str, text) -> int:
        return sum(term_table(leaf).doc_frequency(fieldname, text) for leaf, _ in self.leaves)

    def _wanted_positions(self, fieldname: str, text, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        docs: list[np.ndarray] = []
        positions: list[np.ndarray] = []
        for leaf, offset in self.leaves:
            local = wanted[(wanted >= offset) & (wanted < offset + leaf.doc_count_all())] - offset
            if len(local) == 0:
                continue
            found_docs, found = _gather(_leaf_positions(leaf, fieldname, text, local), local)
            docs.append(found_docs + offset)
            positions.append(found)
        if not docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(docs), np.concatenate(positions)

    def _term_positions(self, fieldname: str, text) -> Positions:
        """A term's positions in every document holding it, read once per reader (phrase words recur)."""
        key = ("positions", fieldname, text)
        found = self._cached(key)
        if found is not None:
            return found
        kept = self._cached(("encoded", fieldname, text))
        parts = [
            (_leaf_positions(leaf, fieldname, text, encoded=kept.segment(number, offset) if kept else None), offset)
            for number, (leaf, offset) in enumerate(self.leaves)
        ]
        all_ids = np.concatenate([part.ids + offset for part, offset in parts]) if parts else EMPTY_IDS
        counts = [np.diff(part.offsets) for part, _ in parts]
        all_counts = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(all_counts, dtype=np.int64)))
        positions = np.concatenate([part.positions for part, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
        if kept is not None:
            self._drop(("encoded", fieldname, text))
        return self._store(key, Positions(all_ids, offsets, positions), len(all_ids))

    @staticmethod
    def _whoosh_phrase_ids(searcher, query: Phrase) -> np.ndarray:
        from ichigo_search.engine.whoosh.convert import to_whoosh  # whoosh.query: only for these phrases
        from ichigo_search.engine.whoosh.statistics import whoosh_searcher

        searcher = whoosh_searcher(searcher)
        matcher = to_whoosh(query).matcher(searcher, searcher.boolean_context())
        return np.fromiter(matcher.all_ids(), dtype=np.intp) if matcher.is_active() else EMPTY_IDS


def _leaf_weights(leaf, fieldname: str, text, values: list[bytes] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers (the segment's own) and weights in one segment: from its arrays when the segment
    holds the term whole as arrays, else from its blocks, whose postings' values (their encoded positions, in a field
    with positions) are added to ``values`` if given."""
    whole = segment_arrays(leaf).term(fieldname, leaf.schema[fieldname].to_bytes(text))
    if whole is not None:
        return whole
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for block_ids, block_weights, block_values in _term_blocks(leaf, fieldname, text, with_values=True):
        ids.append(block_ids)
        weights.append(block_weights)
        if values is not None:
            values.extend(block_values)
    if not ids:
        return EMPTY_IDS, np.zeros(0)
    return (ids[0], weights[0]) if len(ids) == 1 else (np.concatenate(ids), np.concatenate(weights))


def summed_by_id(ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ids, ascending, each with the sum of its values (ids in any order, repeated), summed in the order
    they come."""
    if len(ids) == 0:
        return ids, values
    order = np.argsort(ids, kind="stable")
    ids, values = ids[order], values[order]
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    return ids[starts], np.add.reduceat(values, starts)


def intersect(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values in both of two sorted arrays of distinct values, ascending, with their indices in ``a`` and in
    ``b``: ``np.intersect1d(a, b, assume_unique=True, return_indices=True)``, by a binary search of the shorter
    in the longer instead of sorting both together."""
    if len(a) > len(b):
        common, in_b, in_a = intersect(b, a)
        return common, in_a, in_b
    if len(a) == 0:
        return a[:0], EMPTY_IDS, EMPTY_IDS
    where = np.minimum(np.searchsorted(b, a), len(b) - 1)
    found = b[where] == a
    return a[found], np.flatnonzero(found), where[found]


def _weight(kept) -> int:
    """What a cache entry counts against CACHE_POSTINGS: its postings (encoded ones ENCODED_WEIGHT each)."""
    return len(kept.ids) * (ENCODED_WEIGHT if isinstance(kept, Encoded) else 1) if hasattr(kept, "ids") else len(kept)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending: ``np.unique`` without the import of ``numpy.ma`` it costs (10 ms)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _leaf_positions(
    leaf, fieldname: str, text, wanted: np.ndarray | None = None, encoded: tuple[np.ndarray, list[bytes]] | None = None
) -> Positions:
    """A term's positions in one segment (its own document numbers): from the segment's arrays when
    it has them, else from Whoosh's blocks, all of them or (``wanted``, each holding the term) only
    those of the blocks and postings wanted; or all of them from the ``encoded`` values of its blocks kept."""
    if encoded is not None and wanted is None:
        counts, positions = _decode_positions(encoded[1])
        return Positions(encoded[0], np.concatenate(([0], np.cumsum(counts, dtype=np.int64))), positions)
    stored = segment_arrays(leaf).positions(fieldname, leaf.schema[fieldname].to_bytes(text))
    if stored is not None:
        return stored
    ids: list[np.ndarray] = []
    encoded: list[bytes] = []
    for block_ids, values in _term_blocks(leaf, fieldname, text, values=True, wanted=wanted):
        if wanted is not None:
            low = np.searchsorted(wanted, block_ids[0])
            inside = wanted[low : np.searchsorted(wanted, block_ids[-1], side="right")]
            picked = np.searchsorted(block_ids, inside)  # every wanted document holds the term
            block_ids, values = block_ids[picked], [values[i] for i in picked.tolist()]
        ids.append(block_ids)
        encoded.extend(values)
    counts, positions = _decode_positions(encoded)
    all_ids = np.concatenate(ids) if ids else EMPTY_IDS
    return Positions(all_ids, np.concatenate(([0], np.cumsum(counts, dtype=np.int64))), positions)


def _gather(postings: Positions, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of ``wanted`` documents (each holding the term): (document per position, position)."""
    where = np.searchsorted(postings.ids, wanted)
    starts, counts = postings.offsets[where], postings.offsets[where + 1] - postings.offsets[where]
    before = np.cumsum(counts) - counts
    picked = np.arange(counts.sum()) - np.repeat(before - starts, counts)
    return np.repeat(wanted.astype(np.int64), counts), postings.positions[picked]


def _term_blocks(
    leaf, fieldname: str, text, values: bool = False, wanted: np.ndarray | None = None, with_values: bool = False
):
    """Yield (document numbers, weights or encoded values) per block of a term's postings in one segment;
    ``with_values``: (document numbers, weights, encoded values or None)."""
    info = term_table(leaf).info(fieldname, text)
    if info is not None:
        yield from info_blocks(leaf, info, values, wanted, with_values)


def info_blocks(leaf, info, values: bool = False, wanted: np.ndarray | None = None, with_values: bool = False):
    """:func:`_term_blocks` of a term whose information (``W3TermInfo``) is at hand."""
    if info.is_inlined():
        ids, weights, encoded = info.inlined_postings()
        ids = np.array(ids, dtype=np.intp)
        if with_values:
            yield ids, np.array(weights, dtype=float), encoded
        else:
            yield ids, encoded if values else np.array(weights, dtype=float)
    else:
        yield from _read_blocks(leaf._terms._postfile, info.extent()[0], values, wanted, with_values)


_PICKLED_LIST = b"\x80\x02]"  # protocol 2, then EMPTY_LIST: how Positions.encode pickles its deltas


def _pickle_bodies(values: list[bytes]) -> bytes | None:
    """The values' pickle bodies (without the count, protocol header and STOP), joined; None unless every value
    is a protocol-2 pickle of a list, as Whoosh writes them (see _decode_positions). Checked and cut as one
    array of bytes, not value by value."""
    joined = np.frombuffer(b"".join(values), dtype=np.uint8)
    ends = np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)))
    starts = ends - np.diff(ends, prepend=0)
    if int(np.diff(ends, prepend=0).min()) <= _INT_SIZE + len(_PICKLED_LIST) or not (joined[ends - 1] == 0x2E).all():
        return None  # 0x2E: STOP
    if not all((joined[starts + _INT_SIZE + i] == byte).all() for i, byte in enumerate(_PICKLED_LIST)):
        return None
    keep = np.ones(len(joined), dtype=bool)
    keep[(starts[:, None] + np.arange(_INT_SIZE + 2)).ravel()] = False  # the count and PROTO 2
    keep[ends - 1] = False
    return joined[keep].tobytes()


def _decode_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Postings' positions (``whoosh.formats.Positions``: a count, then pickled deltas): (counts, positions).

    The deltas of all the values are unpickled in one call: each value's pickle, without its
    protocol header and STOP, pushes one list, so the bodies between a MARK and LIST make one
    pickle of a list of lists.  Values in any other form are unpickled one by one.
    """
    if not values:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bodies = _pickle_bodies(values)
    if bodies is not None:
        lists = pickle.loads(b"\x80\x02(" + bodies + b"l.")
    else:
        lists = [pickle.loads(v[_INT_SIZE:]) for v in values]
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    running = np.cumsum(deltas)
    firsts = np.cumsum(counts) - counts  # where each posting's deltas begin
    return counts, running - np.repeat(running[firsts] - deltas[firsts], counts)


def _read_blocks(
    postfile, start: int, values: bool = False, wanted: np.ndarray | None = None, with_values: bool = False
):
    """Yield (document numbers, weights or values) per block of one W3 posting list (``whoosh.codec.whoosh3``);
    ``with_values``: (document numbers, weights, values).

    With ``wanted`` (sorted document numbers), blocks holding none of them are skipped unread.
    """
    if postfile.get(start, 4) != _HEADER:
        raise ValueError("not a Whoosh 3 posting list")
    position = start + 4
    previous_max = -1
    while True:
        size = unpack_int(postfile.get(position, 4))[0]
        block = io.BytesIO(postfile.get(position + 4, abs(size)))
        count, max_id, _, compression, _, _ = pickle.load(block)
        if wanted is not None and np.searchsorted(wanted, previous_max, "right") == np.searchsorted(
            wanted, max_id, "right"
        ):
            if size < 0:
                return
            previous_max, position = max_id, position + 4 + size
            continue
        previous_max = max_id
        data = block.read()
        raw_ids, raw_weights, raw_values = pickle.loads(zlib.decompress(data) if compression else data)
        ids = np.cumsum(np.array(raw_ids, dtype=np.intp))
        if values:
            yield ids, raw_values
        else:
            if raw_weights is None:
                weights = np.ones(count)
            elif isinstance(raw_weights, float):
                weights = np.full(count, raw_weights)
            else:
                weights = np.array(raw_weights, dtype=float)
            yield (ids, weights, raw_values) if with_values else (ids, weights)
        if size < 0:  # the last block
            return
        position += 4 + size
