"""Whole postings as arrays: a segment's common terms, as the bulk writer also stores them.

Whoosh keeps postings in pickled blocks that cost a decoding per posting.  For a term with
many postings in a segment, the bulk writer (``writer.py``) also writes them plainly to a file of the segment
(Whoosh ignores it), which ``scoring`` reads with ``np.frombuffer``.  Both sides of the
format are here.
"""

from __future__ import annotations

import pickle
import sys
from array import array
from dataclasses import dataclass

import numpy as np
from whoosh.system import unpack_long

from ichigo_search.engine.whoosh.reader_cache import per_reader


@dataclass(frozen=True)
class Positions:
    """A term's positions: those of posting ``i`` (document ``ids[i]``) are ``positions[offsets[i]:offsets[i + 1]]``."""

    ids: np.ndarray
    offsets: np.ndarray
    positions: np.ndarray


# A term with at least this many postings in a segment is written whole, as arrays (document
# numbers, uint32; weights, float32; for fields with positions, each posting's count of positions,
# uint32, then the positions, uint32; little-endian) in the segment's EXTENSION file, which
# postings.py reads without decoding a block. Whoosh ignores the file.
ARRAY_POSTINGS = 1024
EXTENSION = ".arr"
MAGIC = b"ICA1"


class ArraysWriter:
    """Writes a new segment's arrays file (created on first use); ``close`` writes its index."""

    def __init__(self, segment, storage) -> None:
        self.segment = segment
        self.storage = storage
        self.file = None
        self.index: dict[str, dict[bytes, tuple[int, int, int]]] = {}

    def add(self, field: str, btext: bytes, entry, weights: list[float], positions: bool) -> None:
        """Documents and weights; with ``positions``, each posting's count and then every position, in order."""
        if self.file is None:
            self.file = self.segment.create_file(self.storage, EXTENSION)
            self.file.write(MAGIC)
        docs = entry[0]
        parts = [array("I", docs), array("f", weights)]
        if positions:
            parts += [array("I", entry[1]), array("I", entry[2])]
        self.index.setdefault(field, {})[btext] = (self.file.tell(), len(docs), len(entry[2]) if positions else -1)
        for values in parts:
            if sys.byteorder != "little":
                values.byteswap()
            self.file.write(values.tobytes())

    def close(self) -> None:
        if self.file is not None:
            start = self.file.tell()
            self.file.write(pickle.dumps(self.index, 4))
            self.file.write_long(start)
            self.file.close()


class SegmentArrays:
    """The whole postings of a segment's common terms, as the bulk writer stored them (or none)."""

    def __init__(self, file=None, index: dict | None = None):
        self._file = file
        self._index = index or {}

    def term(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, weights) of a term in this segment, if stored as arrays."""
        found = self._index.get(fieldname, {}).get(btext)
        if found is None:
            return None
        start, count = found[:2]
        data = self._file.get(start, 8 * count)
        ids = np.frombuffer(data, dtype="<u4", count=count).astype(np.intp)
        return ids, np.frombuffer(data, dtype="<f4", count=count, offset=4 * count).astype(float)

    def positions(self, fieldname: str, btext: bytes) -> Positions | None:
        """A term's positions in this segment (document numbers local to it), if stored as arrays."""
        found = self._index.get(fieldname, {}).get(btext)
        if found is None or len(found) < 3 or found[2] < 0:
            return None
        start, count, total = found
        data = self._file.get(start, 12 * count + 4 * total)
        ids = np.frombuffer(data, dtype="<u4", count=count).astype(np.intp)
        counts = np.frombuffer(data, dtype="<u4", count=count, offset=8 * count).astype(np.int64)
        positions = np.frombuffer(data, dtype="<u4", count=total, offset=12 * count).astype(np.int64)
        return Positions(ids, np.concatenate(([0], np.cumsum(counts))), positions)


def segment_arrays(leaf) -> SegmentArrays:
    """The arrays of a Whoosh segment reader's segment (none for a segment without the file), read once."""

    def load() -> SegmentArrays:
        name = leaf._segment.make_filename(EXTENSION)
        if not leaf._storage.file_exists(name):
            return SegmentArrays()
        file = leaf._storage.open_file(name)
        length = leaf._storage.file_length(name)
        if length < 12 or file.get(0, 4) != MAGIC:
            raise ValueError(f"{name}: not a postings arrays file")
        start = unpack_long(file.get(length - 8, 8))[0]
        return SegmentArrays(file, pickle.loads(file.get(start, length - 8 - start)))

    return per_reader(leaf, "segment arrays", load)
