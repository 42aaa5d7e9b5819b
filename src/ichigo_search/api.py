"""The library's front door: :class:`Index` opens, updates, rebuilds and searches an index."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pickle
import re
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .corpus import Corpus, FileState, Reading, fingerprint, load_corpus
from .errors import IchigoError, IndexFormatError, IndexWriteError, Problem
from .records import Record
from .search import SearchResults, run_search

if TYPE_CHECKING:
    from .facets import Facets

Progress = Callable[[int, int], None]
# How long a write waits for another writer; ICHIGO_LOCK_TIMEOUT (seconds) overrides it.
LOCK_TIMEOUT = 30.0
# Per generation: size, time and records of each corpus file, so an update parses only changed files.
FILE_STATES = "corpus-files.json"
LOCK_TIMEOUT_ENV = "ICHIGO_LOCK_TIMEOUT"
# Above this many records a rebuild uses both cores (a forked second writing process, bulk.py).
PARALLEL_THRESHOLD = 20_000


@dataclass
class UpdateReport:
    """What an update or rebuild changed."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    rejected: int = 0
    unreadable: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "unreadable": self.unreadable,
            "seconds": round(self.seconds, 3),
            "rebuilt": self.rebuilt,
            "notes": self.notes,
        }


class Index:
    """A caption index in a folder: open or create, keep in step with a corpus, search.

    >>> idx = Index("index")
    >>> idx.update_from("corpus")            # doctest: +SKIP
    >>> idx.search("Liuzhou airbase")[0].id  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str], *, memory_map: bool = True):
        """Open (or prepare to create) the index in ``path``.

        ``memory_map`` suits a long-lived process (warm queries about 10% faster, the
        index's pages shared with the page cache); a one-shot command opens a little
        faster without it (see ``_open_for_reading``).
        """
        self.path = Path(path)
        self.memory_map = memory_map
        self._generation: Path | None = None
        self._thesaurus: dict[str, Any] | None = None
        self._whoosh = None
        self._searcher = None
        self._facet_counter = None

    # -- state -------------------------------------------------------------

    @property
    def exists(self) -> bool:
        """True once an index has been built in this folder (and its pointer is intact)."""
        generation, _ = store.live_generation(self.path)
        return generation is not None

    def meta(self) -> dict[str, Any]:
        """Metadata of the live generation (empty when none was built)."""
        generation = store.current_generation(self.path)
        return store.read_meta(generation) if generation else {}

    def needs_update(self, corpus_dir: str | os.PathLike[str]) -> bool:
        """Cheap check (file names, sizes, mtimes) whether the corpus changed since the last build.

        Also true when the index is missing, damaged or of another format version.
        """
        try:
            meta = self.meta()
        except IndexFormatError:
            return True
        return (
            not meta
            or meta.get("format") != _format_version()
            or meta.get("corpus_fingerprint") != fingerprint(Path(corpus_dir))
        )

    # -- writing -----------------------------------------------------------

    def update_from(
        self,
        corpus_dir: str | os.PathLike[str],
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        lock_timeout: float | None = None,
    ) -> UpdateReport:
        """Make the index match the corpus incrementally; returns the counts.

        Raises CorpusError (listing every problem) unless the corpus is clean
        or ``skip_invalid`` is set; the index is then left untouched.  An index
        that is damaged or of an older format is rebuilt (the report says why).
        """
        started = time.perf_counter()
        if store.live_generation(self.path) == (None, None):  # nothing to update yet: build
            return self.rebuild_from(
                corpus_dir, skip_invalid=skip_invalid, progress=progress, lock_timeout=lock_timeout
            )
        known_from, known = self._file_states()
        corpus = load_corpus(corpus_dir, skip_invalid=skip_invalid, known=known)
        with self._writing(lock_timeout):
            generation, damage = store.live_generation(self.path)
            store.remove_stale(self.path, keep=generation)
            if corpus.kept and generation != known_from:  # another writer moved on: read every file
                corpus = load_corpus(corpus_dir, skip_invalid=skip_invalid)
            reason = damage or self._rebuild_reason(generation, corpus)
            report = None
            if generation is not None and reason is None:
                try:
                    report = self._update(generation, corpus, progress, known if known_from == generation else {})
                except _Unreadable as exc:
                    reason = f"{generation}: the index could not be read ({exc})"
            if report is None:
                if corpus.kept:  # a rebuild needs every record parsed
                    corpus = load_corpus(corpus_dir, skip_invalid=skip_invalid)
                report = self._rebuild(corpus, progress, retired=generation)
                if reason:
                    report.notes.append(f"{reason}; rebuilt it from the corpus")
        report.seconds = time.perf_counter() - started
        return report

    def rebuild_from(
        self,
        corpus_dir: str | os.PathLike[str],
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        lock_timeout: float | None = None,
    ) -> UpdateReport:
        """Build a fresh index beside the old one and swap it in atomically."""
        started = time.perf_counter()
        reading = Reading(corpus_dir)
        source: Corpus | Reading = reading
        if len(reading.halves()) < 2:  # read first, then write (in two processes if the records are many)
            source = reading.read()
            source.check(skip_invalid)
        with self._writing(lock_timeout):
            generation, _ = store.live_generation(self.path)
            store.remove_stale(self.path, keep=generation)
            report = self._rebuild(source, progress, retired=generation, skip_invalid=skip_invalid)
        report.seconds = time.perf_counter() - started
        return report

    @contextlib.contextmanager
    def _writing(self, lock_timeout: float | None) -> Iterator[None]:
        """Hold the write lock; turn a failed write (full disk, read-only folder) into IndexWriteError."""
        try:
            with store.write_lock(self.path, _lock_timeout(lock_timeout)):
                yield
        except IchigoError:
            raise
        except OSError as exc:
            raise IndexWriteError(_write_failure(self.path, exc)) from exc

    @staticmethod
    def _rebuild_reason(generation: Path | None, corpus: Corpus) -> str | None:
        """Why the live generation cannot be updated in place, or None."""
        if generation is None:
            return None
        try:
            meta = store.read_meta(generation)
        except IndexFormatError as exc:
            return str(exc).split("; run")[0]
        found = meta.get("format")
        if found != _format_version():
            return f"{generation}: the index was built by another version of ichigo-search (format {found})"
        if meta.get("place_aliases") != _place_aliases(corpus):
            return f"{generation}: the place aliases of {corpus.root / 'thesaurus.yaml'} changed"
        return None

    def _base_meta(self, corpus: Corpus) -> dict[str, Any]:
        return {
            "format": _format_version(),
            "corpus_path": str(corpus.root.resolve()),
            "corpus_fingerprint": fingerprint(corpus.root),
            "corpus_files": corpus.files,
            "collection": corpus.collection,
            "thesaurus": corpus.thesaurus,
            "place_aliases": _place_aliases(corpus),
            "records": corpus.size,
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    def _file_states(self) -> tuple[Path | None, dict[str, FileState]]:
        """The live generation and what it knows of the corpus files (empty when unknown)."""
        try:
            generation, damage = store.live_generation(self.path)
            if generation is None or damage:
                return None, {}
            data = json.loads((generation / FILE_STATES).read_text(encoding="utf-8"))
            return generation, {name: FileState.from_json(state) for name, state in data.items()}
        except (OSError, ValueError, TypeError, IchigoError):
            return None, {}

    def _publish(
        self, generation: Path, meta: dict[str, Any], retired: Path | None, corpus: Corpus | None = None
    ) -> None:
        """Write the metadata, sync and swap ``generation`` in; on any failure delete it instead."""
        if corpus is not None:
            _write_file_states(generation, corpus)
        store.write_meta(generation, meta)
        store.crash_point("meta")
        store.make_live(self.path, generation, retired=retired)

    def _discard(self, generation: Path) -> None:
        """Delete a generation that did not go live (never the live one)."""
        live, _ = store.live_generation(self.path)
        if live is None or live.name != generation.name:
            store.discard(generation)

    def _rebuild(
        self,
        source: Corpus | Reading,
        progress: Progress | None,
        retired: Path | None = None,
        skip_invalid: bool = False,
    ) -> UpdateReport:
        """A new generation from a corpus read, or from a reading whose halves are parsed by the writers."""
        from whoosh import index as whoosh_index

        from .schema import build_schema

        corpus = source if isinstance(source, Corpus) else source.corpus
        places = _gazetteer_for(corpus)
        old_count = self._count(retired) if retired else 0
        generation = store.new_generation(self.path)
        try:
            ix = whoosh_index.create_in(str(generation), build_schema())
            if isinstance(source, Corpus):
                _write_corpus(ix, source, places, progress)
            else:
                corpus = _write_reading(ix, source, places, progress, skip_invalid)
            ix.close()
            store.crash_point("committed")
            meta = self._base_meta(corpus)
            meta["built_at"] = meta["updated_at"]
            self._publish(generation, meta, retired, corpus)
        except BaseException:
            self._discard(generation)
            raise
        store.remove_stale(self.path, keep=generation)
        self._close_searcher()
        return UpdateReport(
            added=len(corpus.records),
            deleted=old_count,
            rejected=corpus.rejected,
            unreadable=corpus.unreadable,
            problems=corpus.problems,
            rebuilt=True,
        )

    @staticmethod
    def _count(generation: Path) -> int:
        try:
            return int(store.read_meta(generation).get("records", 0))
        except (IndexFormatError, TypeError, ValueError):
            return 0

    def _update(
        self, generation: Path, corpus: Corpus, progress: Progress | None, known: dict[str, FileState]
    ) -> UpdateReport:
        """Apply the corpus's changes to a copy of the live generation, then swap the copy in.

        ``known`` holds the file states this generation was written with (empty if unknown).
        """
        from whoosh import index as whoosh_index

        from .schema import to_document

        places = _gazetteer_for(corpus)
        meta = store.read_meta(generation)
        try:
            ix = whoosh_index.open_dir(str(generation))
            try:
                if corpus.kept and known:
                    # The file states describe what this generation indexed; the index must agree.
                    indexed = {rid: h for state in known.values() for rid, h, _ in state.records}
                    if ix.doc_count() != len(indexed):
                        raise ValueError(f"{ix.doc_count()} documents, {len(indexed)} in the file states")
                else:
                    indexed = _indexed_hashes(ix)
            finally:
                ix.close()
        except Exception as exc:  # any failure to read the live index: rebuild it
            raise _Unreadable(f"{type(exc).__name__}: {exc}") from exc
        report = UpdateReport(rejected=corpus.rejected, unreadable=corpus.unreadable, problems=corpus.problems)
        changes = []
        wanted = dict(corpus.kept)
        for record in corpus.records:  # each parsed once here (JSON lines are parsed as they are read)
            wanted[record.id] = record.content_hash
            old_hash = indexed.get(record.id)
            if old_hash is None:
                report.added += 1
                changes.append(record)
            elif old_hash != record.content_hash:
                report.updated += 1
                changes.append(record)
            else:
                report.unchanged += 1
        for record_id, content_hash in corpus.kept:
            if indexed.get(record_id) == content_hash:
                report.unchanged += 1
            else:  # the states and the index disagree: trust neither, read every file
                raise _Unreadable(f"the file states disagree with the index about record {record_id!r}")
        removed = [record_id for record_id in indexed if record_id not in wanted]
        report.deleted = len(removed)
        new_meta = {**self._base_meta(corpus), "built_at": meta.get("built_at")}
        if not (changes or removed):  # same documents: only the fingerprint and file states move on
            _write_file_states(generation, corpus)
            store.write_meta(generation, new_meta)
            return report
        copy = store.clone_generation(self.path, generation)
        try:
            ix = whoosh_index.open_dir(str(copy))
            writer = ix.writer()
            try:
                for record_id in removed:
                    writer.delete_by_term("id", record_id)
                for done, record in enumerate(changes, 1):
                    writer.update_document(**to_document(record, places))
                    store.crash_point("change", done)
                    if progress and (done % 500 == 0 or done == len(changes)):
                        progress(done, len(changes))
                store.crash_point("commit")
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            ix.close()
            store.crash_point("committed")
            self._publish(copy, new_meta, generation, corpus)
        except BaseException:
            self._discard(copy)
            raise
        store.remove_stale(self.path, keep=copy)
        self._close_searcher()
        return report

    # -- reading -----------------------------------------------------------

    def _searcher_now(self):
        """An up-to-date Whoosh searcher, reopened when CURRENT names another generation."""

        for attempt in range(5):
            generation = store.current_generation(self.path)
            if generation is None:
                raise IndexFormatError(f"{self.path}: no index here yet; run `ichigo-search index`")
            try:
                if generation != self._generation or self._searcher is None:
                    self._close_searcher()
                    _check_format(generation)
                    self._whoosh = _open_for_reading(generation, self.memory_map)
                    self._searcher = self._whoosh.searcher(weighting=_weighting())
                    self._generation = generation
                    self._thesaurus = store.read_meta(generation).get("thesaurus") or None
                elif not self._searcher.up_to_date():
                    # Not Searcher.refresh(): it reuses segment readers and so
                    # misses deletions committed to an existing segment.
                    self._searcher.close()
                    self._searcher = self._whoosh.searcher(weighting=_weighting())
                return self._searcher
            except IchigoError:
                raise
            except Exception as exc:
                # A writer swapped or cleaned files between our reads (look again), or the files are damaged.
                self._close_searcher()
                if attempt == 4:
                    raise IndexFormatError(
                        f"{generation}: cannot open the index ({type(exc).__name__}: {exc}); "
                        "run `ichigo-search index --rebuild`"
                    ) from exc
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._whoosh = None
        self._generation = None

    def close(self) -> None:
        """Release open index files."""
        self._close_searcher()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(
        self,
        query: str,
        limit: int = 10,
        *,
        offset: int = 0,
        place: str | None = None,
        year: str | tuple[int, int] | None = None,
    ) -> SearchResults:
        """Ranked, highlighted hits for ``query`` (any text: syntax errors fall back to words)."""
        searcher = self._searcher_now()
        query, place = _valid_text(query), _valid_text(place) if place is not None else None
        try:
            return run_search(
                searcher, query, limit=limit, offset=offset, place=place, year=year, thesaurus=self._thesaurus
            )
        except _READ_ERRORS as exc:
            raise IndexFormatError(
                f"{self._generation}: the index could not be read ({type(exc).__name__}: {exc}); "
                "run `ichigo-search index --rebuild`"
            ) from exc

    def facets(
        self,
        query: str,
        *,
        place: str | None = None,
        year: str | tuple[int, int] | None = None,
        size: int = 10,
        browse: bool = False,
    ) -> Facets:
        """Place and decade counts over every caption ``search`` would match (see facets.py).

        With ``browse``, an empty query without filters counts the whole collection.
        """
        from .facets import FacetCounter

        if self._facet_counter is None:
            self._facet_counter = FacetCounter()
        searcher = self._searcher_now()
        return self._facet_counter.count(
            searcher, query, place=place, year=year, size=size, browse=browse, thesaurus=self._thesaurus
        )

    def get(self, record_id: str) -> Record | None:
        """The record with this id, or None."""
        from .schema import from_stored

        searcher = self._searcher_now()
        docnum = searcher.document_number(id=record_id)
        return None if docnum is None else from_stored(searcher.stored_fields(docnum))

    def __len__(self) -> int:
        return self._searcher_now().doc_count()

    def stats(self) -> dict[str, Any]:
        """Records, size on disk, build times and corpus files of the live index."""
        generation = store.current_generation(self.path)
        if generation is None:
            return {"index": str(self.path), "records": 0, "built": False}
        meta = store.read_meta(generation)
        return {
            "index": str(self.path),
            "generation": generation.name,
            "records": len(self),
            "index_bytes": store.folder_size(generation),
            "built_at": meta.get("built_at"),
            "updated_at": meta.get("updated_at"),
            "corpus": meta.get("corpus_path"),
            "corpus_files": meta.get("corpus_files", []),
            "collection": meta.get("collection", {}),
            "format": meta.get("format"),
        }


# What reading damaged index files raises (truncated, overwritten or missing files).
_READ_ERRORS = (EOFError, OSError, struct.error, zlib.error, pickle.UnpicklingError)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _valid_text(text: str) -> str:
    """``text`` with unpaired surrogates (undecodable bytes from argv or a form) replaced by U+FFFD."""
    return _SURROGATE_RE.sub("\ufffd", text) if isinstance(text, str) else text


class _Unreadable(Exception):
    """The live generation could not be read for an incremental update."""


def _lock_timeout(explicit: float | None) -> float:
    """The write-lock wait: the caller's value, else ICHIGO_LOCK_TIMEOUT, else LOCK_TIMEOUT."""
    if explicit is not None:
        return explicit
    try:
        return max(0.0, float(os.environ.get(LOCK_TIMEOUT_ENV, LOCK_TIMEOUT)))
    except ValueError:
        return LOCK_TIMEOUT


def _write_failure(root: Path, exc: OSError) -> str:
    """A one-line explanation of a failed write to the index folder."""
    where = exc.filename or root
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what = "the disk is full (no space left on device)"
    elif exc.errno == errno.EROFS:
        what = "the index folder is on a read-only file system"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        what = "no permission to write the index folder"
    else:
        what = exc.strerror or str(exc)
    return f"{where}: {what}; the index was not changed"


def _check_format(generation: Path) -> None:
    """Refuse to search a generation written by another format version, with what to do instead."""
    found = store.read_meta(generation).get("format")
    expected = _format_version()
    if found != expected:
        age = "a newer" if isinstance(found, int) and found > expected else "an older"
        raise IndexFormatError(
            f"{generation.parent}: the index was built by {age} version of ichigo-search "
            f"(format {found}, this version reads {expected}); run `ichigo-search index --rebuild` "
            "(or a query without --no-update) to rebuild it"
        )


def _place_aliases(corpus: Corpus) -> dict[str, list[str]]:
    """Place aliases the records were located with (built-in vocabulary plus the corpus thesaurus)."""
    from .thesaurus import load

    return load(corpus.thesaurus).place_aliases


def _write_corpus(ix, corpus: Corpus, places, progress: Progress | None) -> None:
    """Write a read corpus's records (in two processes when they are many)."""
    from . import bulk
    from .forking import can_fork
    from .schema import to_document

    parallel = len(corpus.records) >= PARALLEL_THRESHOLD and can_fork()
    with _frozen_for_fork(parallel):  # the writer processes are forked: keep the corpus's pages shared
        bulk.write_documents(
            ix,
            corpus.records,
            lambda record: to_document(record, places),
            processes=2 if parallel else 1,
            progress=progress,
            checkpoint=store.crash_point,
        )


def _write_reading(ix, reading: Reading, places, progress: Progress | None, skip_invalid: bool) -> Corpus:
    """Write a corpus's records as its two halves of files are parsed, each by one process; the corpus read.

    Records are indexed as they are parsed, before the corpus is known whole: a bad corpus
    raises CorpusError only then (nothing is published), and a record whose id the first
    half already holds is deleted from the second's segments.
    """
    from . import bulk
    from .schema import to_document

    read: list[Corpus] = []

    def review(results: list[tuple[list, list[str]]], segments: list[list]) -> None:
        corpus = reading.finish(scan for scans, _ in results for scan in scans)
        corpus.check(skip_invalid)
        for parts, repeated in zip(segments, Reading.repeated([given for _, given in results]), strict=True):
            bulk.delete_documents(parts, repeated)
        read.append(corpus)

    with _frozen_for_fork(True):
        bulk.write_sources(
            ix,
            [reading.records(half, past_problems=skip_invalid) for half in reading.halves()],
            lambda record: to_document(record, places),
            progress=progress,
            checkpoint=store.crash_point,
            review=review,
        )
    return read[0]


def _gazetteer_for(corpus: Corpus):
    from .placenames import gazetteer

    return gazetteer(_place_aliases(corpus))


@contextlib.contextmanager
def _frozen_for_fork(active: bool) -> Iterator[None]:
    """Keep the garbage collector off every object so far while writer processes are forked.

    The collector writes to the objects it scans, which would copy every page of the
    parsed corpus into each child (copy-on-write); frozen, the pages stay shared.
    """
    import gc

    if not active:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _weighting():
    """BM25F with the parameters chosen in ``schema`` (see benchmarks/tune_bm25.py)."""
    from whoosh import scoring

    from .schema import BM25_B, BM25_K1

    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def _write_file_states(generation: Path, corpus: Corpus) -> None:
    states = {name: state.to_json() for name, state in corpus.states.items()}
    store.write_atomic(generation / FILE_STATES, json.dumps(states, ensure_ascii=False))


def _open_for_reading(generation: Path, memory_map: bool):
    """Open a generation for searching: memory-mapped (see :mod:`ichigo_search.mapped`) or with plain reads.

    A long-lived searcher maps the files: warm queries read postings and stored
    fields from shared pages. Commands that answer one query read files in place,
    which opens a few milliseconds sooner.
    """
    from whoosh.filedb.filestore import FileStorage

    if memory_map:
        from .mapped import MappedStorage

        return MappedStorage(str(generation)).open_index()
    return FileStorage(str(generation), supports_mmap=False).open_index()


def _format_version() -> int:
    from .schema import FORMAT_VERSION

    return FORMAT_VERSION


def _indexed_hashes(ix) -> dict[str, str]:
    """Map id -> content hash of every live document, read from Whoosh's columns."""
    with ix.reader() as reader:
        ids = reader.column_reader("id")
        hashes = reader.column_reader("hash")
        return {
            ids[docnum]: hashes[docnum].decode("ascii")
            for docnum in range(reader.doc_count_all())
            if not reader.is_deleted(docnum)
        }
