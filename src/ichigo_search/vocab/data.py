"""The package's data files that indexing and facets derive things from, and stamps that tell when they change.

A record's places are located with the gazetteer and the lists of English words (a place whose
name is an ordinary word needs place context; a text in capitals is recased; :func:`located_with`) when the record is
indexed, and stay in the index until the record is indexed again: an index records the stamp of
that data in its generation's metadata, and an update that finds other data re-indexes every
record (:mod:`ichigo_search.indexing`). Facet columns record the stamp of the data their labels
come from (:mod:`ichigo_search.facets`). A stamp holds, per file, its size, modification time
and a digest of its bytes: a cheap check (a query's) compares sizes and times only; an update
compares the bytes of a file whose time alone differs (the package reinstalled, the same data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ichigo_search.text import dictionary as dictionary_module
from ichigo_search.vocab import gazetteer as gazetteer_module
from ichigo_search.vocab import words as words_module

# Per file name: [size, modification time in ns, blake2b-128 digest of its bytes].
Stamp = dict[str, list[Any]]


def located_with() -> tuple[Path, ...]:
    """The data files a record is indexed with: its places are located with the gazetteer and the lists of English
    words, its Chinese and Japanese words glossed with the dictionary (read at call time, so a test can point the
    package at a modified copy)."""
    return (
        gazetteer_module.DATA_FILE,
        words_module.ENGLISH_WORDS,
        words_module.ENGLISH_FORMS,
        dictionary_module.DATA_FILE,
    )


def digest(path: Path) -> str:
    """The blake2b-128 digest of a file's bytes, in hex."""
    found = hashlib.blake2b(digest_size=16)
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            found.update(block)
    return found.hexdigest()


def stamp(paths: Iterable[Path], known: Any = None) -> Stamp:
    """The stamp of these files; a file's digest is taken from ``known`` (an earlier stamp) when its size and
    time are unchanged, else read."""
    earlier = known if isinstance(known, Mapping) else {}
    made: Stamp = {}
    for path in paths:
        info = path.stat()
        before = earlier.get(path.name)
        same = _well_formed(before) and before[0] == info.st_size and before[1] == info.st_mtime_ns
        made[path.name] = [info.st_size, info.st_mtime_ns, before[2] if same else digest(path)]
    return made


def changed(recorded: Any, paths: Iterable[Path], *, read: bool) -> list[str]:
    """The names of the files that differ from the ``recorded`` stamp (all of them when it is missing).

    ``read`` False compares sizes and times only (no file is read: a query's check, which may say
    "changed" for a file whose time alone moved); True also compares the bytes of such a file.
    A file that cannot be read counts as changed.
    """
    found = []
    for path in paths:
        before = recorded.get(path.name) if isinstance(recorded, Mapping) else None
        try:
            if not _well_formed(before):
                raise ValueError
            info = path.stat()
            if info.st_size != before[0] or (info.st_mtime_ns != before[1] and (not read or digest(path) != before[2])):
                raise ValueError
        except (OSError, ValueError):
            found.append(path.name)
    return found


def digests(recorded: Any) -> dict[str, str]:
    """File name -> digest of a stamp (what ``stats`` and ``check`` report); empty when there is none."""
    if not isinstance(recorded, Mapping):
        return {}
    return {name: entry[2] for name, entry in recorded.items() if _well_formed(entry)}


def _well_formed(entry: Any) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == 3
        and all(isinstance(v, int) and not isinstance(v, bool) for v in entry[:2])
        and isinstance(entry[2], str)
    )
