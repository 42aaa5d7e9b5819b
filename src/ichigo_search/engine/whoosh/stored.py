"""Stored fields compressed against a dictionary of their own segment's first records.

A record's stored fields are a pickled dict of about 600 bytes; zlib alone takes them only to
465 (they are short and repeat little within themselves), but most of what they hold repeats
from record to record: the keys, the catalogue's URLs and call numbers, photographers, place
ids and names.  The bulk writer (``writer.py``) therefore stores a segment's first
:data:`DICTIONARY_RECORDS` records as Whoosh does (zlib), and every later one as ``MARK`` plus
raw deflate with a preset dictionary: the last :data:`DICTIONARY_BYTES` of those first records'
pickles.  At 98,244 captions the stored fields take 20 MB instead of 60 (plain zlib: 46), for
about 15 us a record at build and 4 us to read a hit's fields.

Whoosh reads the stored-fields column through ``whoosh.codec.whoosh3.STORED_COLUMN``;
:func:`install` replaces it with :class:`StoredColumn`, which writes as Whoosh's did (its own
writer: incremental updates and merges) and reads both kinds of value.  The dictionary lives in
the column itself, so a segment needs no other file and Whoosh's merges copy records as usual.
"""

from __future__ import annotations

import zlib
from pickle import dumps, loads
from typing import Any

from whoosh import columns
from whoosh.codec import whoosh3

# A segment's first records, stored as zlib, whose pickles make the dictionary of every later one.
DICTIONARY_RECORDS = 64
DICTIONARY_BYTES = 32 * 1024  # zlib's largest window
# zlib level of dictionary-compressed records: level 6 takes the 98k captions' fields to 16.5 MB instead of
# 19.8, at 26 instead of 15 us a record.
LEVEL = 1
# First byte of a dictionary-compressed value; a zlib stream (Whoosh's values) never starts with it.
MARK = b"\x00"
PICKLE_PROTOCOL = 4  # short strings' lengths in a byte (Whoosh pickles with protocol 2)
_WBITS = -15  # raw deflate: no zlib header or checksum
# zlib's default memory level: at 9 the compressor's state is twice as large, and copying it took 18-80 instead of
# 15 us a record (the same size).
_MEMLEVEL = 8


def dictionary(first: list[bytes]) -> bytes:
    """The preset dictionary of a segment whose first records pickle to ``first``."""
    return b"".join(first)[-DICTIONARY_BYTES:]


class StoredWriter(columns.WrappedColumnWriter):
    """The bulk writer's stored-fields column: the first records as Whoosh stores them, the rest compressed
    against them (around the ``CompressedBytesColumn`` writer Whoosh made for the column)."""

    def __init__(self, child) -> None:
        super().__init__(child)
        self._first: list[bytes] = []
        self._template = None

    def add(self, docnum: int, value: Any) -> None:
        if value is None:
            self._child.add(docnum, b"")
            return
        data = dumps(value, PICKLE_PROTOCOL)
        if self._template is None:
            self._child.add(docnum, data)  # zlib, as Whoosh's reader reads it
            self._first.append(data)
            if len(self._first) == DICTIONARY_RECORDS:
                zdict = dictionary(self._first)
                strategy = zlib.Z_DEFAULT_STRATEGY
                self._template = zlib.compressobj(LEVEL, zlib.DEFLATED, _WBITS, _MEMLEVEL, strategy, zdict)
            return
        compressor = self._template.copy()  # cheaper than setting the dictionary again
        packed = MARK + compressor.compress(data) + compressor.flush()
        columns.VarBytesColumn.Writer.add(self._child, docnum, packed)  # past the child's own zlib


class StoredColumn(columns.PickleColumn):
    """Whoosh's stored-fields column (pickled, zlib level 3), whose reader also reads dictionary-compressed
    values."""

    def __init__(self) -> None:
        super().__init__(columns.CompressedBytesColumn())

    def reader(self, dbfile, basepos: int, length: int, doccount: int) -> _StoredReader:
        return _StoredReader(self._child.reader(dbfile, basepos, length, doccount))


class _StoredReader(columns.WrappedColumnReader):
    def __init__(self, child) -> None:
        super().__init__(child)
        self._zdict: bytes | None = None

    def _raw(self, docnum: int) -> bytes:
        return columns.VarBytesColumn.Reader.__getitem__(self._child, docnum)

    def __getitem__(self, docnum: int) -> Any:
        raw = self._raw(docnum)
        if not raw:
            return None
        if raw[:1] != MARK:
            return loads(zlib.decompress(raw))
        if self._zdict is None:
            self._zdict = self._dictionary()
        return loads(zlib.decompressobj(_WBITS, self._zdict).decompress(raw[1:]))

    def _dictionary(self) -> bytes:
        """The dictionary of this segment: its first DICTIONARY_RECORDS values, as the writer saw them."""
        first: list[bytes] = []
        for docnum in range(len(self)):
            raw = self._raw(docnum)
            if raw[:1] == MARK or len(first) == DICTIONARY_RECORDS:
                break
            if raw:
                first.append(zlib.decompress(raw))
        return dictionary(first)

    def __iter__(self):
        for docnum in range(len(self)):
            yield self[docnum]


def install() -> None:
    """Make Whoosh read (and its own writer write) the stored-fields column as :class:`StoredColumn`."""
    if not isinstance(whoosh3.STORED_COLUMN, StoredColumn):
        whoosh3.STORED_COLUMN = StoredColumn()
