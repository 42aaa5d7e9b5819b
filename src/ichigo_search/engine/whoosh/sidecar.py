"""A segment's file of arrays, which the bulk writer adds and Whoosh ignores: whole postings and base forms.

- Whole postings: Whoosh keeps postings in pickled blocks that cost a decoding per posting.  For a term with
  many postings in a segment, the bulk writer (``writer.py``) also writes them plainly to this file, which
  ``postings.py`` reads with ``np.frombuffer``.
- Base forms (:class:`BaseForms`): the bulk writer leaves out of the ``exact`` field the words that are their
  own stem, whose postings the stemmed fields already hold; this file lists them per segment, each with its
  document frequency and the segment's other forms of the same stem, from which ``postings.py`` makes the
  postings again.

Both sides of the format are here.
"""

from __future__ import annotations

import pickle
import sys
from array import array
from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
from whoosh.system import unpack_long

from ichigo_search.engine.whoosh.reader_cache import per_reader
from ichigo_search.util.memo import Remembered


@dataclass(frozen=True)
class Positions:
    """A term's positions: those of posting ``i`` (document ``ids[i]``) are ``positions[offsets[i]:offsets[i + 1]]``."""

    ids: np.ndarray
    offsets: np.ndarray
    positions: np.ndarray


# A term with at least this many postings in a segment is written whole, as arrays, in the segment's EXTENSION
# file, which postings.py reads without decoding a block (Whoosh ignores the file). Per term, little-endian:
# document numbers (uint32); each posting's count (in fields with positions, or when the weights are the counts
# times the field's boost), in the narrowest of uint8/16/32 that holds them; the weights (float32) unless they
# are one value or the counts times the boost; the positions, in uint16 or uint32. At 98k captions this takes
# 15 MB where plain uint32 counts and positions and float32 weights took 30.
ARRAY_POSTINGS = 1024
EXTENSION = ".arr"
MAGIC = b"ICA2"
# How a term's weights are kept (the index's ``weights`` entry): one value for every posting, the counts times a
# boost, or a float32 array.
SAME_WEIGHT, COUNTS_TIMES, WEIGHT_ARRAY = "same", "counts", "array"
# The index's entry of the fields whose base forms are listed instead of posted (a name no field has: Whoosh's
# field names hold no space): field -> (start, forms, bytes of the forms, bytes of their other forms).
BASE_FORMS = "base forms"
_SEPARATOR = b"\n"  # between a base form's other forms (no indexed word holds a line break)
# Forms whose place in a segment's list is remembered (all forgotten when full: see util.memo): searches ask for the
# same words' frequencies again and again (the query's words and their variants, typo candidates).
_FORMS_FOUND = 30_000


def _narrowest(values: array, largest: int) -> array:
    """The values in the narrowest unsigned array type that holds them."""
    code = "B" if largest < 1 << 8 else "H" if largest < 1 << 16 else "I"
    return values if values.typecode == code else array(code, values)


@dataclass(frozen=True)
class _Entry:
    """Where a term's arrays are in the file and how they are kept."""

    start: int
    count: int
    positions: int  # -1: no positions
    counts_type: str | None  # array typecode of the counts, or None when they are not kept
    weights: str  # SAME_WEIGHT, COUNTS_TIMES or WEIGHT_ARRAY
    weight: float  # the one weight, or the boost the counts are multiplied by
    positions_type: str | None


class ArraysWriter:
    """Writes a new segment's arrays file (created on first use); ``close`` writes its index."""

    def __init__(self, segment, storage) -> None:
        self.segment = segment
        self.storage = storage
        self.file = None
        self.index: dict[str, dict[bytes, tuple]] = {}

    def add(
        self, field: str, btext: bytes, entry, weights: list[float], positions: bool, boost: float | None = None
    ) -> None:
        """Documents and weights; with ``positions``, each posting's count and then every position, in order.

        ``boost``: every weight is the posting's count (``entry[1]``) times it, as in word fields.
        """
        if self.file is None:
            self.file = self.segment.create_file(self.storage, EXTENSION)
            self.file.write(MAGIC)
        docs = entry[0]
        parts = [array("I", docs)]
        counts_type = positions_type = None
        if min(weights) == max(weights):
            how, weight = SAME_WEIGHT, float(array("f", weights[:1])[0])
        elif boost is not None:
            how, weight = COUNTS_TIMES, boost
        else:
            how, weight = WEIGHT_ARRAY, 0.0
        if positions or how == COUNTS_TIMES:
            counts = _narrowest(entry[1], max(entry[1]))
            parts.append(counts)
            counts_type = counts.typecode
        if how == WEIGHT_ARRAY:
            parts.append(array("f", weights))
        total = -1
        if positions:
            every = entry[2]
            total = len(every)
            found = _narrowest(every, max(every) if total else 0)
            parts.append(found)
            positions_type = found.typecode
        self.index.setdefault(field, {})[btext] = (
            self.file.tell(),
            len(docs),
            total,
            counts_type,
            how,
            weight,
            positions_type,
        )
        for values in parts:
            if sys.byteorder != "little":
                values = array(values.typecode, values)
                values.byteswap()
            self.file.write(values.tobytes())

    def add_base_forms(self, field: str, forms: list[tuple[bytes, int, list[bytes]]]) -> None:
        """The base forms the segment's ``field`` holds without postings (sorted): each with its document frequency
        and the field's other forms of the same stem (their postings are in the field)."""
        if not forms:
            return
        if self.file is None:
            self.file = self.segment.create_file(self.storage, EXTENSION)
            self.file.write(MAGIC)
        keys = b"".join(form for form, _, _ in forms)
        others = [_SEPARATOR.join(inflected) for _, _, inflected in forms]
        key_ends = array("I", [0])
        for form, _, _ in forms:
            key_ends.append(key_ends[-1] + len(form))
        other_ends = array("I", [0])
        for joined in others:
            other_ends.append(other_ends[-1] + len(joined))
        frequencies = array("I", [frequency for _, frequency, _ in forms])
        start = self.file.tell()
        for values in (key_ends, other_ends, frequencies):
            if sys.byteorder != "little":
                values.byteswap()
            self.file.write(values.tobytes())
        self.file.write(keys)
        self.file.write(b"".join(others))
        self.index.setdefault(BASE_FORMS, {})[field] = (start, len(forms), len(keys), other_ends[-1])

    def close(self) -> None:
        if self.file is not None:
            start = self.file.tell()
            self.file.write(pickle.dumps(self.index, 4))
            self.file.write_long(start)
            self.file.close()


_DTYPES = {"B": "<u1", "H": "<u2", "I": "<u4"}
_SIZES = {"B": 1, "H": 2, "I": 4}


class BaseForms:
    """The words of a field that are their own stem (``text.analysis.is_base_form``) and which a segment holds
    without postings, with what makes their postings: each one's document frequency and the segment's other forms
    of its stem (as written by :meth:`ArraysWriter.add_base_forms`). Looked up by binary search in the file's
    bytes, nothing parsed beforehand."""

    def __init__(self, data: bytes, count: int, keys_size: int) -> None:
        # A list: each look-up's binary search reads about 16 of them, in Python (0.3 ms for 40,000 at 98k).
        self._key_ends: list[int] = np.frombuffer(data, dtype="<u4", count=count + 1).tolist()
        self._other_ends = np.frombuffer(data, dtype="<u4", count=count + 1, offset=4 * (count + 1))
        self._frequencies = np.frombuffer(data, dtype="<u4", count=count, offset=8 * (count + 1))
        at = 4 * (3 * count + 2)
        self._keys = data[at : at + keys_size]
        self._others = data[at + keys_size :]
        self._count = count
        self._found: Remembered[int] = Remembered(_FORMS_FOUND)  # a form's number (-1: none), looked up once

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, number: int) -> bytes:
        """The ``number``-th form (in byte order)."""
        return self._keys[self._key_ends[number] : self._key_ends[number + 1]]

    def _number(self, btext: bytes) -> int | None:
        number = self._found.get(btext, lambda: self._search(btext))
        return None if number < 0 else number

    def _search(self, btext: bytes) -> int:
        number = bisect_left(self, btext)
        return number if number < self._count and self[number] == btext else -1

    def frequency(self, btext: bytes) -> int:
        """Documents of the segment holding the form (0 if it holds none)."""
        number = self._number(btext)
        return 0 if number is None else int(self._frequencies[number])

    def inflected(self, btext: bytes) -> list[bytes]:
        """The segment's other forms of the form's stem, which the field holds with their postings."""
        number = self._number(btext)
        if number is None:
            return []
        joined = self._others[int(self._other_ends[number]) : int(self._other_ends[number + 1])]
        return joined.split(_SEPARATOR) if joined else []

    def starting(self, prefix: bytes) -> list[bytes]:
        """The forms starting with ``prefix``, in order."""
        first = bisect_left(self, prefix)
        last = bisect_left(self, prefix + b"\xff")  # after every form starting with it (no UTF-8 byte is 0xff)
        return [self[number] for number in range(first, last)]


class SegmentArrays:
    """The whole postings of a segment's common terms, and its base forms, as the bulk writer stored them (or
    none)."""

    def __init__(self, file=None, index: dict | None = None):
        self._file = file
        self._index = dict(index or {})  # field -> term -> its arrays' _Entry
        self._base_form_entries = self._index.pop(BASE_FORMS, {})  # field -> where its base forms are
        self._base_forms: dict[str, BaseForms | None] = {}

    def leaves_out_base_forms(self) -> bool:
        """Whether some field of the segment holds base forms without postings (which a merge would not carry)."""
        return bool(self._base_form_entries)

    def base_forms(self, fieldname: str) -> BaseForms | None:
        """The field's base forms held without postings (None: the field posts every form it holds)."""
        if fieldname not in self._base_forms:
            found = self._base_form_entries.get(fieldname)
            if found is not None:
                start, count, keys_size, others_size = found
                data = bytes(self._file.get(start, 4 * (3 * count + 2) + keys_size + others_size))
                found = BaseForms(data, count, keys_size)
            self._base_forms[fieldname] = found
        return self._base_forms[fieldname]

    def _read(self, fieldname: str, btext: bytes) -> tuple[_Entry, np.ndarray, np.ndarray | None, memoryview] | None:
        """A term's entry, document numbers and counts (if kept), and its data."""
        found = self._index.get(fieldname, {}).get(btext)
        if found is None:
            return None
        entry = _Entry(*found)
        size = entry.count * (4 + (_SIZES[entry.counts_type] if entry.counts_type else 0))
        size += 4 * entry.count if entry.weights == WEIGHT_ARRAY else 0
        size += entry.positions * _SIZES[entry.positions_type] if entry.positions_type else 0
        data = self._file.get(entry.start, size)
        ids = np.frombuffer(data, dtype="<u4", count=entry.count).astype(np.intp)
        counts = None
        if entry.counts_type:
            counts = np.frombuffer(data, dtype=_DTYPES[entry.counts_type], count=entry.count, offset=4 * entry.count)
        return entry, ids, counts, data

    def has_positions(self, fieldname: str, btext: bytes) -> bool:
        """Whether the term's positions are stored here."""
        found = self._index.get(fieldname, {}).get(btext)
        return found is not None and found[2] >= 0

    def term(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, weights) of a term in this segment, if stored as arrays."""
        found = self._read(fieldname, btext)
        if found is None:
            return None
        entry, ids, counts, data = found
        if entry.weights == SAME_WEIGHT:
            return ids, np.full(entry.count, entry.weight)
        if entry.weights == COUNTS_TIMES:  # as the writer made them: count * boost, stored as float32
            return ids, (counts * entry.weight).astype(np.float32).astype(float)
        offset = entry.count * (4 + (_SIZES[entry.counts_type] if entry.counts_type else 0))
        return ids, np.frombuffer(data, dtype="<f4", count=entry.count, offset=offset).astype(float)

    def positions(self, fieldname: str, btext: bytes) -> Positions | None:
        """A term's positions in this segment (document numbers local to it), if stored as arrays."""
        found = self._read(fieldname, btext)
        if found is None or found[0].positions < 0:
            return None
        entry, ids, counts, data = found
        offset = len(data) - entry.positions * _SIZES[entry.positions_type]
        positions = np.frombuffer(data, dtype=_DTYPES[entry.positions_type], count=entry.positions, offset=offset)
        return Positions(ids, np.concatenate(([0], np.cumsum(counts, dtype=np.int64))), positions.astype(np.int64))


def segment_arrays(leaf) -> SegmentArrays:
    """The arrays of a Whoosh segment reader's segment (none for a segment without the file), read once."""
    return per_reader(leaf, "segment arrays", lambda: read_arrays(leaf._storage, leaf._segment))


def read_arrays(storage, segment) -> SegmentArrays:
    """The arrays of a segment whose files are in ``storage`` (its compound file's, for a compound segment)."""
    name = segment.make_filename(EXTENSION)
    if not storage.file_exists(name):
        return SegmentArrays()
    file = storage.open_file(name)
    length = storage.file_length(name)
    if length < 12 or file.get(0, 4) != MAGIC:
        raise ValueError(f"{name}: not a postings arrays file")
    start = unpack_long(file.get(length - 8, 8))[0]
    return SegmentArrays(file, pickle.loads(file.get(start, length - 8 - start)))
