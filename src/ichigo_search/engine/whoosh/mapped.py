"""A Whoosh storage that memory-maps index files without copying them into the heap.

Whoosh's own memory-mapped mode wraps each part of a compound segment file in
a ``BytesIO`` (``whoosh.filedb.structfile.BufferFile``), which copies the whole
index into the process: 411 MB for the 98k-caption index, 3 GB at a million
captions.  Here every file is mapped once and its parts are views of the map:
the operating system pages in what queries touch and can drop it again.
"""

from __future__ import annotations

import mmap
import os

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile


class _ViewReader:
    """The file methods Whoosh's ``StructFile`` calls, over a slice of a memory map (no copy)."""

    def __init__(self, mapped: mmap.mmap, start: int, length: int):
        self._map = mapped
        self._start = start
        self._length = length
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = self._length if size is None or size < 0 else min(self._pos + size, self._length)
        data = self._map[self._start + self._pos : self._start + end]
        self._pos = end
        return data

    def readline(self, size: int = -1) -> bytes:
        newline = self._map.find(b"\n", self._start + self._pos, self._start + self._length)
        end = self._length if newline == -1 else newline - self._start + 1
        if size is not None and size >= 0:
            end = min(end, self._pos + size)
        return self.read(end - self._pos)

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._length}[whence]
        self._pos = base + position
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass  # the map closes when the last view of it goes


class MappedFile(BufferFile):
    """A ``BufferFile`` over part of a memory map, sharing the map's pages."""

    def __init__(self, mapped: mmap.mmap, start: int, length: int, name: str | None = None):
        self._map = mapped
        self._start = start
        self._buf = memoryview(mapped)[start : start + length]
        self._name = name
        self.file = _ViewReader(mapped, start, length)
        self.onclose = None
        self.is_real = False
        self.is_closed = False

    def subset(self, position: int, length: int, name: str | None = None) -> MappedFile:
        return MappedFile(self._map, self._start + position, length, name or self._name)


class MappedStorage(FileStorage):
    """A read-only ``FileStorage`` whose files (compound segments included) are views of memory maps."""

    # Whoosh's CompoundStorage then slices the file we give it (``subset``) instead of copying a map.
    supports_mmap = False

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False, readonly=True)

    def open_file(self, name: str, **kwargs) -> MappedFile | BufferFile:
        with open(self._fpath(name), "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:  # an empty file cannot be mapped
                return BufferFile(b"", name=name)
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return MappedFile(mapped, 0, len(mapped), name)
