"""Scoring a search in bulk: Whoosh's BM25F for every document at once, with numpy.

Whoosh's matchers walk postings one document at a time in Python, and a query
expanded to dozens of terms over five fields spent most of its time there.
This module evaluates the same query trees (``Term``, ``Phrase``, ``Or``,
``And``, ``AndNot``, ``Every``, boosts) over arrays instead:

- a term's postings are read once per reader, straight from Whoosh's posting
  blocks, into document numbers and their BM25F scores;
- the tree is then combined with vector operations: small results stay sparse
  (sorted document numbers and scores), large ones become dense (a mask and a
  score per document).

The scores use Whoosh's own formula and statistics (its idf, average field
lengths and quantized field lengths), so the ranking is the one Whoosh's
collector would give; ``tests/test_scoring.py`` compares the two.  A phrase
matches where its words' positions (read from the same blocks) follow each
other, each at most ``slop`` positions after the one before, as Whoosh's span
matcher decides, and scores the sum of its words.
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

from .arrays import Positions, segment_arrays
from .reader_cache import per_reader

# Postings (document numbers with scores) kept per reader: about 16 bytes each.
CACHE_POSTINGS = 8_000_000
# Phrase words holding at most this many postings have all their positions read once and kept, unless
# the documents a phrase looks in are fewer than 1/WANTED_SHARE of them: then, as for commoner words, only
# the blocks holding those are read (proximity pairs of common words look in a few hundred captions).
ALL_POSITIONS = 100_000
WANTED_SHARE = 4
# A union of sparse results stays sparse while it holds fewer than 1/SPARSE_FRACTION of the documents.
SPARSE_FRACTION = 16
_HEADER = b"W3Bl"  # whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC


@dataclass(frozen=True)
class Sparse:
    """Matching documents as sorted document numbers, with their scores."""

    ids: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class Dense:
    """Matching documents as a mask over all document numbers; scores are 0 where nothing matches."""

    matched: np.ndarray
    scores: np.ndarray


Result = Sparse | Dense
_EMPTY_IDS = np.zeros(0, dtype=np.intp)
_EMPTY = Sparse(_EMPTY_IDS, np.zeros(0))


class Scorer:
    """Evaluates Whoosh queries against one open searcher (see :func:`scorer`)."""

    def __init__(self, searcher, arrays: ReaderArrays):
        self.searcher = searcher
        self.arrays = arrays
        self.size = arrays.size

    # -- public ------------------------------------------------------------

    def evaluate(self, query, within: np.ndarray | None = None) -> Result:
        """Every document the query matches (deleted ones included) with its BM25F score.

        With ``within`` (sorted document numbers), phrases are only looked for in those documents.
        """
        from whoosh import query as wq

        if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
            return _EMPTY
        if isinstance(query, wq.Term):
            return self._boosted(self.arrays.term(self.searcher, query.fieldname, query.text), query.boost)
        if isinstance(query, wq.Phrase):
            return self._boosted(self._phrase(query, within), query.boost)
        if isinstance(query, wq.AndNot):
            return self._and_not(self.evaluate(query.a, within), self.evaluate(query.b, within))
        if isinstance(query, wq.And):
            return self._boosted(self._and([self.evaluate(q, within) for q in query.subqueries]), query.boost)
        if type(query) is wq.Or:
            return self._boosted(self._or([self.evaluate(q, within) for q in query.subqueries]), query.boost)
        if isinstance(query, wq.Every) and query.fieldname is None:
            return Dense(self.arrays.live, np.where(self.arrays.live, float(query.boost), 0.0))
        return self._by_whoosh(query)

    def allowed(self, query=None) -> np.ndarray:
        """A mask of the live documents, limited to those matching ``query`` if given (a filter)."""
        if query is None:
            return self.arrays.live
        result = self.evaluate(query)
        matched = result.matched if isinstance(result, Dense) else _mask(result.ids, self.size)
        return matched & self.arrays.live

    def rescore(self, found: Sparse, bonus, window: int) -> Sparse:
        """``found`` with ``bonus``'s score added to its ``window`` best documents (a rescoring window).

        The bonus is only looked for where it can reorder what is shown first; the rest keep their
        scores, which are no higher than any rescored document's.
        """
        if bonus is None or len(found.ids) == 0:
            return found
        best = np.sort(np.array([doc for doc, _ in top(found.ids, found.scores, window)], dtype=np.intp))
        extra = _scores_at(self.evaluate(bonus, within=best), found.ids)
        return Sparse(found.ids, found.scores + np.where(np.isin(found.ids, best), extra, 0.0))

    def select(self, query, allowed: np.ndarray) -> Sparse:
        """The documents matching ``query`` that ``allowed`` lets through, with their scores."""
        result = self.evaluate(query)
        if isinstance(result, Dense):
            ids = np.flatnonzero(result.matched & allowed)
            return Sparse(ids, result.scores[ids])
        keep = allowed[result.ids]
        return Sparse(result.ids[keep], result.scores[keep])

    # -- combining ---------------------------------------------------------

    def _or(self, parts: list[Result]) -> Result:
        parts = [p for p in parts if not (isinstance(p, Sparse) and len(p.ids) == 0)]
        if not parts:
            return _EMPTY
        if len(parts) == 1:
            return parts[0]
        if all(isinstance(p, Sparse) for p in parts) and sum(len(p.ids) for p in parts) < self.size // SPARSE_FRACTION:
            ids = np.concatenate([p.ids for p in parts])
            scores = np.concatenate([p.scores for p in parts])
            order = np.argsort(ids, kind="stable")
            ids, scores = ids[order], scores[order]
            starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
            return Sparse(ids[starts], np.add.reduceat(scores, starts))
        matched = np.zeros(self.size, dtype=bool)
        total = np.zeros(self.size)
        for part in parts:
            if isinstance(part, Sparse):
                total[part.ids] += part.scores
                matched[part.ids] = True
            else:
                total += part.scores
                matched |= part.matched
        return Dense(matched, total)

    def _and(self, parts: list[Result]) -> Result:
        if not parts:
            return _EMPTY
        sparse = sorted((p for p in parts if isinstance(p, Sparse)), key=lambda p: len(p.ids))
        if not sparse:
            matched = np.logical_and.reduce([p.matched for p in parts])
            return Dense(matched, np.where(matched, np.add.reduce([p.scores for p in parts]), 0.0))
        ids, scores = sparse[0].ids, sparse[0].scores
        for part in sparse[1:]:
            ids, mine, theirs = np.intersect1d(ids, part.ids, assume_unique=True, return_indices=True)
            scores = scores[mine] + part.scores[theirs]
        for part in parts:
            if isinstance(part, Dense):
                keep = part.matched[ids]
                ids, scores = ids[keep], scores[keep] + part.scores[ids[keep]]
        return Sparse(ids, scores)

    def _and_not(self, wanted: Result, unwanted: Result) -> Result:
        if isinstance(wanted, Sparse):
            keep = ~member(unwanted, wanted.ids)
            return Sparse(wanted.ids[keep], wanted.scores[keep])
        excluded = unwanted.matched if isinstance(unwanted, Dense) else _mask(unwanted.ids, self.size)
        matched = wanted.matched & ~excluded
        return Dense(matched, np.where(matched, wanted.scores, 0.0))

    @staticmethod
    def _boosted(result: Result, boost: float) -> Result:
        if boost == 1.0:
            return result
        if isinstance(result, Sparse):
            return Sparse(result.ids, result.scores * boost)
        return Dense(result.matched, result.scores * boost)

    # -- leaves --------------------------------------------------------------

    def _phrase(self, query, within: np.ndarray | None = None) -> Sparse:
        """Documents with the words in a row (Whoosh's span matcher), scored as the sum of the words' scores."""
        ids = self.arrays.phrase_ids(self.searcher, query, within)
        scores = np.zeros(len(ids))
        for word in query.words:
            term = self.arrays.term(self.searcher, query.fieldname, word)
            scores += term.scores[np.searchsorted(term.ids, ids)]
        return Sparse(ids, scores)

    def _by_whoosh(self, query) -> Sparse:
        """Any other query type, through Whoosh's matcher (slow, but exactly Whoosh's scores)."""
        matcher = query.matcher(self.searcher, self.searcher.context())
        ids: list[int] = []
        scores: list[float] = []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        order = np.argsort(np.array(ids, dtype=np.intp), kind="stable")
        return Sparse(np.array(ids, dtype=np.intp)[order], np.array(scores, dtype=float)[order])


def member(result: Result, ids: np.ndarray) -> np.ndarray:
    """For each of ``ids``, whether the result holds it."""
    if isinstance(result, Dense):
        return result.matched[ids]
    return _find(result, ids)[1]


def _scores_at(result: Result, ids: np.ndarray) -> np.ndarray:
    """The result's score for each of ``ids``; 0 where it does not match."""
    if isinstance(result, Dense):
        return result.scores[ids]
    if len(result.ids) == 0:
        return np.zeros(len(ids))
    where, found = _find(result, ids)
    return np.where(found, result.scores[where], 0.0)


def _find(result: Sparse, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``ids``, its index in the result (clipped) and whether the result holds it."""
    if len(result.ids) == 0 or len(ids) == 0:
        return np.zeros(len(ids), dtype=np.intp), np.zeros(len(ids), dtype=bool)
    where = np.minimum(np.searchsorted(result.ids, ids), len(result.ids) - 1)
    return where, result.ids[where] == ids


def _mask(ids: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[ids] = True
    return mask


def top(ids: np.ndarray, scores: np.ndarray, count: int) -> list[tuple[int, float]]:
    """The ``count`` best (document, score) pairs: highest score first, then lowest document number."""
    if count <= 0 or len(ids) == 0:
        return []
    if len(ids) > count:
        kth = np.partition(scores, len(scores) - count)[len(scores) - count]
        keep = scores >= kth
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:count]
    return [(int(i), float(s)) for i, s in zip(ids[order], scores[order], strict=True)]


def scorer(searcher) -> Scorer:
    """A scorer for an open Whoosh searcher; the arrays it reads are cached with the searcher's reader."""

    reader = searcher.reader()
    return Scorer(searcher, per_reader(reader, "arrays", lambda: ReaderArrays(reader)))


class ReaderArrays:
    """Per-reader arrays: live documents, field lengths, and a cache of decoded postings.

    A Whoosh reader's segments never change, so what is read from them stays valid
    as long as the reader is open. Only a weak reference to the reader is kept, so the
    arrays go with it (see :mod:`ichigo_search.reader_cache`).
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
                self._cached_postings -= len(getattr(dropped, "ids", dropped))
            return value

    # -- terms -----------------------------------------------------------------

    def term(self, searcher, fieldname: str, text) -> Sparse:
        """The documents holding a term, with its BM25F score in each (Whoosh's ``BM25FScorer``)."""
        key = ("term", fieldname, text)
        found = self._cached(key)
        if found is not None:
            return found
        ids, weights = self._postings(fieldname, text)
        if len(ids) == 0:
            return self._store(key, _EMPTY, 0)
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
        (:mod:`ichigo_search.arrays`): those are taken as they are; other terms are read block by block.
        """
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for leaf, offset in self.leaves:
            whole = segment_arrays(leaf).term(fieldname, leaf.schema[fieldname].to_bytes(text))
            if whole is not None:
                ids.append(whole[0] + offset)
                weights.append(whole[1])
                continue
            for block_ids, block_weights in _term_blocks(leaf, fieldname, text):
                ids.append(block_ids + offset)
                weights.append(block_weights)
        if not ids:
            return _EMPTY_IDS.copy(), np.zeros(0)
        return np.concatenate(ids), np.concatenate(weights)

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

    def phrase_ids(self, searcher, query, within: np.ndarray | None = None) -> np.ndarray:
        """Documents with a phrase's words in order, each within ``slop`` positions after the one before.

        As Whoosh's ``Phrase`` (its ``SpanNear2``, ordered): slop 1 means in a row. With ``within``
        (sorted document numbers), only those are looked at, and the answer is not kept.
        """
        key = ("phrase", query.fieldname, tuple(query.words), query.slop)
        found = self._cached(key)
        field = searcher.schema[query.fieldname]
        if found is None and (query.slop < 1 or not field.format or not field.format.supports("positions")):
            ids = self._whoosh_phrase_ids(searcher, query)
            found = self._store(key, ids, len(ids))
        if found is not None:
            return found if within is None else np.intersect1d(found, within, assume_unique=True)
        candidates = within
        for word in query.words:
            ids = self.term(searcher, query.fieldname, word).ids
            candidates = ids if candidates is None else np.intersect1d(candidates, ids, assume_unique=True)
        if candidates is None or len(candidates) == 0:
            return _EMPTY_IDS if within is not None else self._store(key, _EMPTY_IDS, 0)
        ends = None  # (document << 32 | position) where the words so far may end
        gaps = np.arange(1, query.slop + 1, dtype=np.int64)
        for word in query.words:
            docs, positions = self._positions(query.fieldname, word, candidates)
            here = np.unique((docs << 32) | positions)
            if ends is not None:
                reach = np.unique((ends[:, None] + gaps).ravel()) if query.slop > 1 else ends + 1
                here = np.intersect1d(here, reach, assume_unique=True)
            ends = here
            if len(ends) == 0:
                break
        ids = np.unique(ends >> 32).astype(np.intp)
        ids.flags.writeable = False
        return ids if within is not None else self._store(key, ids, len(ids))

    def _positions(self, fieldname: str, text, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every position of a term in the ``wanted`` documents (all holding it): (documents, positions), flat.

        A term's positions are read whole and kept when it holds at most ALL_POSITIONS postings and
        the wanted documents are at least 1/WANTED_SHARE of them; else only in the blocks that hold
        wanted documents, each time.
        """
        cached = self._cached(("positions", fieldname, text))
        if cached is None:
            frequency = self._frequency(fieldname, text)
            if frequency > ALL_POSITIONS or len(wanted) * WANTED_SHARE < frequency:
                return self._wanted_positions(fieldname, text, wanted)
        return _gather(cached if cached is not None else self._term_positions(fieldname, text), wanted)

    def _frequency(self, fieldname: str, text) -> int:
        return sum(leaf.doc_frequency(fieldname, text) for leaf, _ in self.leaves)

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
        parts = [(_leaf_positions(leaf, fieldname, text), offset) for leaf, offset in self.leaves]
        all_ids = np.concatenate([part.ids + offset for part, offset in parts]) if parts else _EMPTY_IDS
        counts = [np.diff(part.offsets) for part, _ in parts]
        all_counts = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(all_counts, dtype=np.int64)))
        positions = np.concatenate([part.positions for part, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
        return self._store(key, Positions(all_ids, offsets, positions), len(all_ids))

    @staticmethod
    def _whoosh_phrase_ids(searcher, query) -> np.ndarray:
        matcher = query.matcher(searcher, searcher.boolean_context())
        return np.fromiter(matcher.all_ids(), dtype=np.intp) if matcher.is_active() else _EMPTY_IDS


def _leaf_positions(leaf, fieldname: str, text, wanted: np.ndarray | None = None) -> Positions:
    """A term's positions in one segment (its own document numbers): from the segment's arrays when
    it has them, else from Whoosh's blocks, all of them or (``wanted``, each holding the term) only
    those of the blocks and postings wanted."""
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
    all_ids = np.concatenate(ids) if ids else _EMPTY_IDS
    return Positions(all_ids, np.concatenate(([0], np.cumsum(counts, dtype=np.int64))), positions)


def _gather(postings: Positions, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of ``wanted`` documents (each holding the term): (document per position, position)."""
    where = np.searchsorted(postings.ids, wanted)
    starts, counts = postings.offsets[where], postings.offsets[where + 1] - postings.offsets[where]
    before = np.cumsum(counts) - counts
    picked = np.arange(counts.sum()) - np.repeat(before - starts, counts)
    return np.repeat(wanted.astype(np.int64), counts), postings.positions[picked]


def _term_blocks(leaf, fieldname: str, text, values: bool = False, wanted: np.ndarray | None = None):
    """Yield (document numbers, weights or encoded values) per block of a term's postings in one segment."""
    if (fieldname, text) not in leaf:
        return
    info = leaf._terms.term_info(fieldname, leaf.schema[fieldname].to_bytes(text))
    if info.is_inlined():
        ids, weights, encoded = info.inlined_postings()
        yield np.array(ids, dtype=np.intp), encoded if values else np.array(weights, dtype=float)
    else:
        yield from _read_blocks(leaf._terms._postfile, info.extent()[0], values=values, wanted=wanted)


_PICKLED_LIST = b"\x80\x02]"  # protocol 2, then EMPTY_LIST: how Positions.encode pickles its deltas


def _in_one_pickle(values: list[bytes]) -> bool:
    """True when every value is a protocol-2 pickle of a list, as Whoosh writes them (see _decode_positions)."""
    head = {v[_INT_SIZE : _INT_SIZE + len(_PICKLED_LIST)] for v in values}
    return head == {_PICKLED_LIST} and {v[-1] for v in values} == {ord(".")}


def _decode_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Postings' positions (``whoosh.formats.Positions``: a count, then pickled deltas): (counts, positions).

    The deltas of all the values are unpickled in one call: each value's pickle, without its
    protocol header and STOP, pushes one list, so the bodies between a MARK and LIST make one
    pickle of a list of lists.  Values in any other form are unpickled one by one.
    """
    if not values:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if _in_one_pickle(values):
        start = _INT_SIZE + 2
        lists = pickle.loads(b"\x80\x02(" + b"".join([v[start:-1] for v in values]) + b"l.")
    else:
        lists = [pickle.loads(v[_INT_SIZE:]) for v in values]
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    running = np.cumsum(deltas)
    firsts = np.cumsum(counts) - counts  # where each posting's deltas begin
    return counts, running - np.repeat(running[firsts] - deltas[firsts], counts)


def _read_blocks(postfile, start: int, values: bool = False, wanted: np.ndarray | None = None):
    """Yield (document numbers, weights or values) per block of one W3 posting list (``whoosh.codec.whoosh3``).

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
        elif raw_weights is None:
            yield ids, np.ones(count)
        elif isinstance(raw_weights, float):
            yield ids, np.full(count, raw_weights)
        else:
            yield ids, np.array(raw_weights, dtype=float)
        if size < 0:  # the last block
            return
        position += 4 + size
