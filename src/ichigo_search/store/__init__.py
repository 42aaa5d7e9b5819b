"""The index folder on disk: generations, the CURRENT pointer, the write lock, metadata.

Layout::

    index/
      CURRENT          name of the live generation, replaced atomically
      PREVIOUS         name of the generation the last incremental update replaced, kept (if any)
      gen-<stamp>/     a Whoosh index plus meta.json
      .lock            locked (a POSIX record lock) by the one process writing
      .queue/          one ticket per writer waiting for the lock, oldest first

Every write makes a new generation and never touches the live one: a rebuild
writes it from scratch, an incremental update starts from hard links to the
live generation's files (Whoosh never rewrites a file it has written, so the
links are safe) and commits there.  The new generation is fsynced, then
CURRENT is swapped: a reader sees the old index or the new one, never a
half-written one, and a writer killed at any moment leaves the live index as
it was.  A generation being built holds a ``.building`` marker; the next
writer deletes such orphans at once.  Readers hold the generation they search
(``readers.py``: a shared lock on its folder); a retired generation (neither live
nor PREVIOUS) is deleted as soon as no reader holds it, by the writer that retired
it or by its last reader.
"""

from __future__ import annotations

from ichigo_search.store.crash import CRASH_ENV, crash_point
from ichigo_search.store.generation import (
    BUILDING,
    CURRENT,
    FILE_STATES,
    GENERATION_PREFIX,
    META,
    PREVIOUS,
    clone_generation,
    current_generation,
    discard,
    folder_size,
    generations,
    live_generation,
    make_live,
    new_generation,
    previous_generation,
    read_meta,
    sync_tree,
    write_atomic,
    write_meta,
)
from ichigo_search.store.integrity import (
    CHANGED,
    FULL,
    MANIFEST,
    SIZES,
    SMALL_FILE,
    file_checksum,
    read_manifest,
    verified,
    verify,
    write_manifest,
)
from ichigo_search.store.locking import LOCK, QUEUE, write_lock
from ichigo_search.store.readers import Hold, collect, hold, remove_stale

__all__ = [
    "BUILDING",
    "CHANGED",
    "CRASH_ENV",
    "CURRENT",
    "FILE_STATES",
    "FULL",
    "GENERATION_PREFIX",
    "LOCK",
    "MANIFEST",
    "META",
    "PREVIOUS",
    "QUEUE",
    "SIZES",
    "SMALL_FILE",
    "Hold",
    "clone_generation",
    "collect",
    "crash_point",
    "current_generation",
    "discard",
    "file_checksum",
    "folder_size",
    "generations",
    "hold",
    "live_generation",
    "make_live",
    "new_generation",
    "previous_generation",
    "read_manifest",
    "read_meta",
    "remove_stale",
    "sync_tree",
    "verified",
    "verify",
    "write_atomic",
    "write_lock",
    "write_manifest",
    "write_meta",
]
