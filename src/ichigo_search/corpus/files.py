"""Which files make a corpus, and what each was when it was last read.

A corpus is every ``*.jsonl``, ``*.json``, ``*.csv``, ``*.tsv``, ``*.xlsx``, ``*.yaml`` file under a folder (hidden
paths and the collection's own description files left out); its fingerprint (names, sizes, times)
says cheaply whether anything changed; a :class:`FileState` per file lets the next update
skip the files, and the JSON lines, that did not.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

RECORD_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".xlsx", ".yaml", ".yml")
# Files at the corpus root that describe the collection rather than hold records.
COLLECTION_FILE = "collection.yaml"
THESAURUS_FILE = "thesaurus.yaml"
RESERVED_FILES = frozenset({COLLECTION_FILE, THESAURUS_FILE})
SETTLED_NS = 3_000_000_000


@dataclass(frozen=True)
class FileState:
    """What one read learnt of a record file: its size and time, and its valid records (id, hash, line).

    An index keeps these for every file; the next update reuses a clean file whose size and
    modification time are unchanged instead of parsing it again.  For a JSON-lines file it
    also keeps a digest of each valid record's line (``digests``, parallel to ``records``),
    so when the file changes, the lines that did not are not parsed and validated again.
    """

    size: int
    mtime_ns: int
    clean: bool
    records: tuple[tuple[str, str, int | None], ...]
    digests: tuple[str, ...] = ()

    def to_json(self) -> list:
        data = [self.size, self.mtime_ns, self.clean, self.records]  # tuples: JSON arrays, as lists would be
        return [*data, self.digests] if self.digests else data

    @classmethod
    def from_json(cls, data: list) -> FileState:
        size, mtime_ns, clean, records, *rest = data
        digests = tuple(str(d) for d in rest[0]) if rest else ()
        records = tuple((str(i), str(h), n) for i, h, n in records)
        return cls(int(size), int(mtime_ns), bool(clean), records, digests if len(digests) == len(records) else ())

    def known_lines(self) -> dict[str, tuple[str, str]]:
        """Line digest -> (id, content hash) of the valid records of a JSON-lines file."""
        pairs = zip(self.records, self.digests, strict=True) if self.digests else ()
        return {digest: (record_id, content_hash) for (record_id, content_hash, _), digest in pairs}


def corpus_files(root: Path) -> list[Path]:
    """Record files under ``root``, sorted, skipping hidden paths and reserved files.

    Linked folders are followed, each real folder once (a link loop ends there); a file that a link
    leads out of ``root`` is listed, and refused when read (``leaves_folder``).
    """
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            info = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (info.st_dev, info.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(RECORD_SUFFIXES):
                continue
            path = Path(dirpath, name)
            if Path(dirpath) == root and name in RESERVED_FILES:
                continue
            found.append(path)
    return found


LINK_OUT = "is a link that leads out of the corpus folder; not read"


def leaves_folder(root: Path, path: Path) -> bool:
    """Whether ``path`` (a file under ``root``, perhaps through links) really lies outside ``root``."""
    inside = os.path.realpath(root)
    return os.path.commonpath([inside, os.path.realpath(path)]) != inside


def fingerprint(root: Path) -> str:
    """A cheap digest of the corpus files' names, sizes and modification times."""
    digest = hashlib.blake2b(digest_size=16)
    paths = corpus_files(root) + [root / name for name in sorted(RESERVED_FILES)]
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"{path.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "replace"))
    return digest.hexdigest()
