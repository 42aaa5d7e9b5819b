"""A Whoosh storage that reads index files with ``os.pread``: no memory maps, no copy of the index in the heap.

Whoosh's own memory-mapped mode wraps each part of a compound segment file in a
``BytesIO`` (``whoosh.filedb.structfile.BufferFile``), which copies the whole index
into the process: 411 MB for the 98k-caption index, 3 GB at a million captions.
Here each file is opened once and every read is a positioned read of the bytes
asked for, which come from the page cache that all processes share.

Why not memory maps (as this storage did before): a mapped file cut short under a
running reader (a careless tool, a damaged disk) kills the process with SIGBUS at the
next touch of a page past the new end, and Python cannot catch that. A positioned read
of a file cut short returns fewer bytes, which is reported as an ``EOFError`` naming the
file, and the index layer turns it into ``IndexDamagedError``. Whoosh copies what it
reads into ``bytes`` either way, so a read costs one system call more than a slice of a
map; ``benchmarks/reader_io.py`` measures warm queries both ways.
"""

from __future__ import annotations

import os
import weakref

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile


class _OpenFile:
    """One index file open for positioned reads; closed when the last view of it goes."""

    def __init__(self, path: str):
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._closer = weakref.finalize(self, os.close, self.fd)

    def read_at(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset``; EOFError when the file no longer has them (it was cut short)."""
        if size <= 0:
            return b""
        data = os.pread(self.fd, size, offset)
        if len(data) != size:
            raise EOFError(
                f"{self.path}: {len(data):,} of {size:,} bytes at offset {offset:,} "
                "(the file was cut short after it was opened)"
            )
        return data


class _ViewReader:
    """The file methods Whoosh's ``StructFile`` calls, over a part of an open file."""

    def __init__(self, opened: _OpenFile, start: int, length: int):
        self._opened = opened
        self._start = start
        self._length = length
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = self._length if size is None or size < 0 else min(self._pos + size, self._length)
        data = self._opened.read_at(self._start + self._pos, end - self._pos)
        self._pos = end
        return data

    def readline(self, size: int = -1) -> bytes:
        limit = self._length - self._pos if size is None or size < 0 else min(size, self._length - self._pos)
        line = b""
        while len(line) < limit:
            chunk = self._opened.read_at(self._start + self._pos + len(line), min(4096, limit - len(line)))
            newline = chunk.find(b"\n")
            if newline >= 0:
                line += chunk[: newline + 1]
                break
            line += chunk
        self._pos += len(line)
        return line

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._length}[whence]
        self._pos = base + position
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass  # the file closes when the last view of it goes


class _Slices:
    """What ``BufferFile.get`` slices (its ``_buf``): ``[a:b]`` is a positioned read."""

    def __init__(self, opened: _OpenFile, start: int, length: int):
        self._opened = opened
        self._start = start
        self._length = length

    def __getitem__(self, part: slice) -> bytes:
        begin, end, _ = part.indices(self._length)
        return self._opened.read_at(self._start + begin, end - begin)

    def __len__(self) -> int:
        return self._length


class PositionalFile(BufferFile):
    """A ``BufferFile`` over part of an open file, read with ``os.pread``."""

    def __init__(self, opened: _OpenFile, start: int, length: int, name: str | None = None):
        self._opened = opened
        self._fd = opened.fd
        self._start = start
        self._length = length
        self._buf = _Slices(opened, start, length)
        self._name = name
        self.file = _ViewReader(opened, start, length)
        self.onclose = None
        self.is_real = False
        self.is_closed = False

    def get(self, position: int, length: int) -> bytes:
        # What most reads of a query go through (~60 small ones): one call, not the slicing of _buf.
        length = min(length, self._length - position)
        data = os.pread(self._fd, length, self._start + position) if length > 0 else b""
        if len(data) != length:
            self._opened.read_at(self._start + position, length)  # raises EOFError naming the file
        return data

    def subset(self, position: int, length: int, name: str | None = None) -> PositionalFile:
        return PositionalFile(self._opened, self._start + position, length, name or self._name)


class PositionalStorage(FileStorage):
    """A read-only ``FileStorage`` whose files (compound segments included) are read with ``os.pread``."""

    # Whoosh's CompoundStorage then slices the file we give it (``subset``) instead of mapping it.
    supports_mmap = False

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False, readonly=True)

    def open_file(self, name: str, **kwargs) -> PositionalFile:
        opened = _OpenFile(self._fpath(name))
        return PositionalFile(opened, 0, os.fstat(opened.fd).st_size, name)
