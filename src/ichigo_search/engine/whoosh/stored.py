"""Stored fields compressed against a dictionary of their own segment's first records.

A record's stored fields are a pickled dict of about 650 bytes; zlib alone takes them only to
465 (they are short and repeat little within themselves), but most of what they hold repeats
from record to record: the keys, the catalogue's URLs and call numbers, photographers, place
ids and names.  The bulk writer (``writer.py``) therefore stores a segment's first
:data:`DICTIONARY_RECORDS` records as ``PLAIN`` plus their pickles, and every later one as ``MARK``
plus a Zstandard frame compressed against a raw dictionary: the last :data:`DICTIONARY_BYTES` of
those first records' pickles.  At 98,244 captions the stored fields take about 18 MB instead of 60
(plain zlib: 46), for about 5 us a record at build and 1.3 us to read a hit's fields (zlib with a
preset dictionary, before: 210 instead of 187 bytes a record, 16 and 3.8 us).

Whoosh reads the stored-fields column through ``whoosh.codec.whoosh3.STORED_COLUMN``;
:func:`install` replaces it with :class:`StoredColumn`, which writes as Whoosh's did (its own
writer: incremental updates and merges) and reads all three kinds of value.  The dictionary lives in
the column itself, so a segment needs no other file and Whoosh's merges copy records as usual.
"""

from __future__ import annotations

import zlib
from pickle import dumps, loads
from typing import Any

from whoosh import columns
from whoosh.codec import whoosh3

# A segment's first records, stored as their pickles (PLAIN), which make the dictionary of every later one: 256
# records (128 KiB) take the 98k captions' later records to 187 bytes each, 64 (32 KiB) to 220. Stored with zlib,
# as Whoosh does, they cost a reader 3 ms a segment to inflate at its first later record; as they are, 47 KB more a
# segment.
DICTIONARY_RECORDS = 256
DICTIONARY_BYTES = 128 * 1024
LEVEL = 3  # Zstandard's default level: level 1 makes records 8% larger for no less time
# First byte of a dictionary-compressed value, and of one of the first records as pickled; a zlib stream (the values
# Whoosh's own writer stores: updates) never starts with either.
MARK = b"\x00"
PLAIN = b"\x01"
PICKLE_PROTOCOL = 4  # short strings' lengths in a byte (Whoosh pickles with protocol 2)


def dictionary(first: list[bytes]) -> bytes:
    """The preset dictionary of a segment whose first records pickle to ``first``."""
    return b"".join(first)[-DICTIONARY_BYTES:]


def _codec(zdict: bytes, *, compress: bool) -> Any:
    """Zstandard's compressor or decompressor of a segment's later records: frames without the magic number,
    checksum or dictionary id (a byte of ``MARK`` tells them apart), with their size."""
    import zstandard

    data = zstandard.ZstdCompressionDict(zdict, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    magicless = zstandard.FORMAT_ZSTD1_MAGICLESS
    if not compress:
        return zstandard.ZstdDecompressor(dict_data=data, format=magicless)
    parameters = zstandard.ZstdCompressionParameters.from_level(
        LEVEL, format=magicless, write_checksum=0, write_dict_id=0, write_content_size=1
    )
    return zstandard.ZstdCompressor(dict_data=data, compression_params=parameters)


class StoredWriter(columns.WrappedColumnWriter):
    """The bulk writer's stored-fields column: the first records as pickled, the rest compressed against them
    (around the ``CompressedBytesColumn`` writer Whoosh made for the column, whose zlib both bypass)."""

    def __init__(self, child) -> None:
        super().__init__(child)
        self._first: list[bytes] = []
        self._compress = None

    def add(self, docnum: int, value: Any) -> None:
        if value is None:
            self._child.add(docnum, b"")
            return
        data = dumps(value, PICKLE_PROTOCOL)
        if self._compress is None:
            columns.VarBytesColumn.Writer.add(self._child, docnum, PLAIN + data)
            self._first.append(data)
            if len(self._first) == DICTIONARY_RECORDS:
                self._compress = _codec(dictionary(self._first), compress=True).compress
            return
        columns.VarBytesColumn.Writer.add(self._child, docnum, MARK + self._compress(data))


class StoredColumn(columns.PickleColumn):
    """Whoosh's stored-fields column (pickled, zlib level 3), whose reader also reads the bulk writer's values."""

    def __init__(self) -> None:
        super().__init__(columns.CompressedBytesColumn())

    def reader(self, dbfile, basepos: int, length: int, doccount: int) -> _StoredReader:
        return _StoredReader(self._child.reader(dbfile, basepos, length, doccount))


class _StoredReader(columns.WrappedColumnReader):
    def __init__(self, child) -> None:
        super().__init__(child)
        self._decompress: Any = None

    def _raw(self, docnum: int) -> bytes:
        return columns.VarBytesColumn.Reader.__getitem__(self._child, docnum)

    def __getitem__(self, docnum: int) -> Any:
        raw = self._raw(docnum)
        if not raw:
            return None
        tag = raw[:1]
        if tag == PLAIN:
            return loads(raw[1:])
        if tag != MARK:
            return loads(zlib.decompress(raw))
        if self._decompress is None:
            self._decompress = _codec(self._dictionary(), compress=False).decompress
        return loads(self._decompress(raw[1:]))

    def _dictionary(self) -> bytes:
        """The dictionary of this segment: its first DICTIONARY_RECORDS values, as the writer saw them."""
        first: list[bytes] = []
        for docnum in range(len(self)):
            raw = self._raw(docnum)
            if raw[:1] == MARK or len(first) == DICTIONARY_RECORDS:
                break
            if raw:
                first.append(raw[1:])
        return dictionary(first)

    def __iter__(self):
        for docnum in range(len(self)):
            yield self[docnum]


def install() -> None:
    """Make Whoosh read (and its own writer write) the stored-fields column as :class:`StoredColumn`."""
    if not isinstance(whoosh3.STORED_COLUMN, StoredColumn):
        whoosh3.STORED_COLUMN = StoredColumn()
