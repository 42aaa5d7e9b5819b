"""Bring an index up to date with its corpus before searching it (used by ``query``, ``show`` and ``serve``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ichigo_search.errors import CorpusError, IchigoError, IndexBusyError, IndexFormatError

T = TypeVar("T")

# How long a search waits for another process's update before searching the index as it is.
QUERY_LOCK_WAIT = 2.0
# Building the first index may take a while; wait longer for a writer then.
FIRST_BUILD_LOCK_WAIT = 60.0


def refresh_index(idx, corpus: Path, warn: Callable[[str], None]) -> None:
    """Update ``idx`` from ``corpus`` when the corpus changed; on trouble, keep the last good index.

    ``warn`` receives a one-line message (``warning: …`` or ``note: …``) when the
    index is searched as it is.  Raises IchigoError only when there is nothing to
    search: no corpus folder and no index, or a broken corpus and no index yet.
    """
    if not corpus.is_dir():
        if not idx.exists:
            raise IchigoError(f"{corpus}: corpus folder not found and no index built yet")
        return
    if not idx.needs_update(corpus):
        return
    try:
        report = idx.update_from(corpus, lock_timeout=QUERY_LOCK_WAIT if idx.exists else FIRST_BUILD_LOCK_WAIT)
        for note in report.notes:
            warn(f"note: {note}")
    except CorpusError as exc:
        if not idx.exists:
            raise
        count = len(exc.problems)
        warn(
            f"warning: the corpus has {count} problem{'s' if count != 1 else ''} "
            f"(first: {exc.problems[0]}); searching the last good index. "
            "Run `ichigo-search index` for the full list."
        )
    except IndexBusyError:
        warn("note: another process is updating the index; searching it as it is.")
    except IchigoError as exc:  # a full disk, a file changed while read, the model gone: the last good index answers
        if not idx.exists:
            raise
        warn(f"warning: cannot update the index ({exc}); searching it as it is.")


def read_repairing(idx, corpus: Path | None, warn: Callable[[str], None], read: Callable[[], T]) -> T:
    """``read()`` from ``idx``; when that finds the index damaged, rebuild it from ``corpus`` and read again.

    ``corpus`` None (``--no-update``) or missing: the damage is raised as it was found. The rebuild
    is said on stderr through ``warn``; while it runs, other readers keep the last good generation.
    """
    try:
        return read()
    except IndexFormatError as exc:
        if corpus is None or not corpus.is_dir():
            raise
        warn(f"note: {str(exc).split('; run')[0]}; rebuilding it from the corpus")
    idx.rebuild_from(corpus, lock_timeout=FIRST_BUILD_LOCK_WAIT)
    return read()
