"""Bring an index up to date with its corpus before searching it (used by ``query``, ``show`` and ``serve``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ichigo_search import store
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
    if repair_deferred(idx, corpus):  # answered from the last good generation first, then rebuilt (answering)
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


@contextlib.contextmanager
def answering(idx, corpus: Path | None, warn: Callable[[str], None]) -> Iterator[Callable[[Callable[[Any], T]], T]]:
    """Reads that survive a damaged index: ``with answering(idx, corpus, warn) as answer: answer(read)``.

    ``answer(read)`` is ``read(idx)``. When that finds the index damaged and ``corpus`` is at hand,
    the last good generation (:meth:`~ichigo_search.index.Index.last_good`), if one is on disk and
    sound, answers instead, with a warning, and the index is rebuilt when the block ends (after
    the answer was shown); without one it is rebuilt at once and read again. Either rebuild is
    said through ``warn``. ``corpus`` None (``--no-update``) or missing: the damage is raised.
    """
    repair: list[str] = []

    def answer(read: Callable[[Any], T]) -> T:
        try:
            return read(idx)
        except IndexFormatError as exc:
            if corpus is None or not corpus.is_dir():
                raise
            reason = str(exc).split("; run")[0]
        kept = idx.last_good()
        if kept is not None:
            try:
                with kept:
                    value = read(kept)
                    when = kept.meta().get("updated_at") or "an earlier update"
                warn(f"warning: {reason}; answering from the index as before its last update ({when}), then rebuilding")
                repair.append(reason)
                return value
            except IndexFormatError:  # damaged too (a file it shares with the live generation)
                pass
        warn(f"note: {reason}; rebuilding it from the corpus")
        idx.rebuild_from(corpus, lock_timeout=FIRST_BUILD_LOCK_WAIT)
        return read(idx)

    yield answer
    if repair and corpus is not None:
        try:
            idx.rebuild_from(corpus, lock_timeout=FIRST_BUILD_LOCK_WAIT)
        except CorpusError as exc:  # the answer stands; the next command tries again
            warn(f"warning: the index could not be rebuilt: the corpus has {len(exc.problems)} problem(s)")
        except IchigoError as exc:
            warn(f"warning: the index could not be rebuilt ({exc})")
        else:
            warn("note: the index was rebuilt from the corpus")


def repair_deferred(idx, corpus: Path) -> bool:
    """Whether ``idx`` is damaged and its last good generation can answer until a rebuild (see :func:`answering`)."""
    generation, damage = store.live_generation(idx.path)
    if generation is None or damage or not store.verify(generation, store.CHANGED):
        return False
    kept = idx.last_good()
    if kept is None:
        return False
    kept.close()
    return True
