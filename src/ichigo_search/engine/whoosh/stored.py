"""Stored fields compressed against a dictionary of their own segment's first records.

A record's stored fields are a pickled dict of about 600 bytes; zlib alone takes them only to
465 (they are short and repeat little within themselves), but most of what they hold repeats
from record to record: the keys, the catalogue's URLs and call numbers, photographers, place
ids and names.  The bulk writer (``writer.py``) therefore stores a segment's first
:data:`DICTIONARY_RECORDS` records as Whoosh does (zlib), and every later one as ``MARK`` plus
raw deflate with a preset dictionary: the last :data:`DICTIONARY_BYTES` of those first records'
pickles.  At 98,244 captions the stored fields take 20 MB instead of 60 (plain zlib: 46), for
about 15 us a record at build and 4 us to read a hit's fields.

Those later records are compressed :data:`BLOCK_RECORDS` at a time, as one stream: a record
compressed alone paid for a copy of the compressor's state (with the dictionary, ~260 KB) and a
deflate block of its own (its Huffman codes), ~18 us a record in the build (benchmarks/PROFILE.md,
session 10).  A block's first record holds the block (``BLOCK``, 0, its record count, each record's
end, the stream), each later one ``BLOCK`` and its place in the block; reading one decompresses
its block (the last one read is kept, for readers going through the records in order).

Whoosh reads the stored-fields column through ``whoosh.codec.whoosh3.STORED_COLUMN``;
:func:`install` replaces it with :class:`StoredColumn`, which writes as Whoosh's did (its own
writer: incremental updates and merges) and reads both kinds of value.  The dictionary lives in
the column itself, so a segment needs no other file and Whoosh's merges copy records as usual.
"""

from __future__ import annotations

import struct
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
# First byte of a value in a block of records compressed together against the dictionary (nor does it start one).
BLOCK = b"\x01"
# Records a block holds: at 8, a writing process of the 98k adds its documents in ~0.7 CPU-s less than with each
# compressed alone, and reading a hit's fields decompresses ~5 KB instead of ~600 bytes.
BLOCK_RECORDS = 8
_END = struct.Struct("<I")  # a record's end in its block's decompressed bytes
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
        self._block: list[tuple[int, bytes]] = []  # (docnum, pickled fields) of the block being gathered

    def add(self, docnum: int, value: Any) -> None:
        if value is None:
            self._write_block()
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
        if self._block and docnum != self._block[-1][0] + 1:  # a block's documents follow each other
            self._write_block()
        self._block.append((docnum, data))
        if len(self._block) == BLOCK_RECORDS:
            self._write_block()

    def _write_block(self) -> None:
        """The records gathered, compressed as one stream: the block in the first one's value."""
        block = self._block
        if not block:
            return
        compressor = self._template.copy()  # cheaper than setting the dictionary again
        ends, end = [], 0
        for _, data in block:
            end += len(data)
            ends.append(_END.pack(end))
        packed = compressor.compress(b"".join(data for _, data in block)) + compressor.flush()
        head = BLOCK + bytes([0, len(block)]) + b"".join(ends) + packed
        add = columns.VarBytesColumn.Writer.add  # past the child's own zlib
        for place, (docnum, _) in enumerate(block):
            add(self._child, docnum, head if place == 0 else BLOCK + bytes([place]))
        block.clear()

    def finish(self, doccount: int) -> None:
        self._write_block()
        super().finish(doccount)


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
        self._last_block: tuple[int, bytes, bytes] = (-1, b"", b"")  # its first docnum, its ends, its records

    def _raw(self, docnum: int) -> bytes:
        return columns.VarBytesColumn.Reader.__getitem__(self._child, docnum)

    def __getitem__(self, docnum: int) -> Any:
        raw = self._raw(docnum)
        if not raw:
            return None
        mark = raw[:1]
        if mark == BLOCK:
            return loads(self._in_block(docnum, raw))
        if mark != MARK:
            return loads(zlib.decompress(raw))
        return loads(self._decompressor().decompress(raw[1:]))

    def _decompressor(self):
        if self._zdict is None:
            self._zdict = self._dictionary()
        return zlib.decompressobj(_WBITS, self._zdict)

    def _in_block(self, docnum: int, raw: bytes) -> bytes:
        """The pickled fields of a record in a block (``raw``: its value)."""
        place = raw[1]
        first = docnum - place
        if self._last_block[0] != first:
            head = raw if place == 0 else self._raw(first)
            size = 3 + _END.size * head[2]
            self._last_block = (first, head[3:size], self._decompressor().decompress(head[size:]))
        _, ends, data = self._last_block
        start = _END.unpack_from(ends, _END.size * (place - 1))[0] if place else 0
        return data[start : _END.unpack_from(ends, _END.size * place)[0]]

    def _dictionary(self) -> bytes:
        """The dictionary of this segment: its first DICTIONARY_RECORDS values, as the writer saw them."""
        first: list[bytes] = []
        for docnum in range(len(self)):
            raw = self._raw(docnum)
            if raw[:1] in (MARK, BLOCK) or len(first) == DICTIONARY_RECORDS:
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
