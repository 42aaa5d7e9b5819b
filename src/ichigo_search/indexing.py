"""Keeping an index folder in step with a corpus: incremental updates and atomic rebuilds.

An update parses the corpus files that changed (their states are kept per generation),
compares content hashes with what the live generation holds, applies the difference to a
copy of it and swaps the copy in; a rebuild writes a new generation from the whole corpus
(in two processes for large ones). Either way nothing is published until it is complete
(:mod:`ichigo_search.store`); the engine (:mod:`ichigo_search.engine`) writes the files.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ichigo_search import store
from ichigo_search.corpus.files import FileState, fingerprint
from ichigo_search.corpus.reading import Corpus, Reading, load_corpus
from ichigo_search.document import FORMAT_VERSION, to_document
from ichigo_search.engine import Engine, Made, NewIndex, check_engine
from ichigo_search.errors import EngineError, IchigoError, IndexFormatError, IndexWriteError, Problem
from ichigo_search.ranking import Ranking
from ichigo_search.semantic.vectors import follow as follow_vectors
from ichigo_search.semantic.vectors import wanted as vectors_wanted
from ichigo_search.util.forking import can_fork, gc_frozen
from ichigo_search.vocab import data as data_files
from ichigo_search.vocab.gazetteer import Gazetteer, gazetteer
from ichigo_search.vocab.thesaurus import load

Progress = Callable[[int, int], None]
# How long a write waits for another writer; ICHIGO_LOCK_TIMEOUT (seconds) overrides it.
LOCK_TIMEOUT = 30.0
# Per generation: size, time and records of each corpus file, so an update parses only changed files.
FILE_STATES = store.FILE_STATES
LOCK_TIMEOUT_ENV = "ICHIGO_LOCK_TIMEOUT"
# Above this many records a rebuild uses both cores (a forked second writing process: the engine's writer).
PARALLEL_THRESHOLD = 20_000
# An update reports its progress every this many changed records.
PROGRESS_EVERY = 500


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


class Indexer:
    """Writes the generations of one index folder (under its write lock) with an engine."""

    def __init__(self, root: Path, engine: Engine, ranking: Ranking, semantic: str | bool | None = None):
        self.root = root
        self.engine = engine
        self.ranking = ranking
        # Record vectors (ichigo_search.semantic.vectors.follow): a model to embed with, False to drop
        # them, None to keep doing what the live generation does.
        self.semantic = semantic
        if semantic not in (None, False) and not engine.semantic:  # refused before hours of indexing, not after
            raise EngineError(f"semantic ranking (--semantic) is not available on the {engine.name} engine yet")

    def update(
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
        if store.live_generation(self.root) == (None, None):  # nothing to update yet: build
            return self.rebuild(corpus_dir, skip_invalid=skip_invalid, progress=progress, lock_timeout=lock_timeout)
        known_from, known = self._file_states()
        corpus = load_corpus(corpus_dir, skip_invalid=skip_invalid, known=known)
        with self._writing(lock_timeout):
            generation, damage = store.live_generation(self.root)
            if generation is not None and not damage:
                check_engine(generation, self.engine.name)
            store.remove_stale(self.root, keep=generation)
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
                if reason and reason.startswith(DATA_REASON):
                    report.notes.append(f"{reason}: re-indexed all {report.added:,} records")
                elif reason:
                    report.notes.append(f"{reason}; rebuilt it from the corpus")
        report.seconds = time.perf_counter() - started
        return report

    def rebuild(
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
            generation, damage = store.live_generation(self.root)
            if generation is not None and not damage:
                check_engine(generation, self.engine.name)
            store.remove_stale(self.root, keep=generation)
            report = self._rebuild(source, progress, retired=generation, skip_invalid=skip_invalid)
        report.seconds = time.perf_counter() - started
        return report

    @contextlib.contextmanager
    def _writing(self, lock_timeout: float | None) -> Iterator[None]:
        """Hold the write lock; turn a failed write (full disk, read-only folder) into IndexWriteError."""
        try:
            with store.write_lock(self.root, _lock_timeout(lock_timeout)):
                yield
        except IchigoError:
            raise
        except OSError as exc:
            raise IndexWriteError(_write_failure(self.root, exc)) from exc

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
        if found != FORMAT_VERSION:
            return f"{generation}: the index was built by another version of ichigo-search (format {found})"
        problems = store.verify(generation, store.CHANGED)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            return f"{generation}: the index is damaged: {problems[0]}{more}"
        if meta.get("place_aliases") != _place_aliases(corpus):
            if (meta.get("thesaurus") or {}).get("places") != (corpus.thesaurus or {}).get("places"):
                return f"{generation}: the place aliases of {corpus.root / 'thesaurus.yaml'} changed"
            return f"{generation}: the built-in place aliases (vocabulary.yaml) changed"
        return _data_changed(meta)

    def _base_meta(self, corpus: Corpus, known: dict[str, Any] | None = None) -> dict[str, Any]:
        """A generation's metadata; ``known``: the live generation's, whose data digests are reused when the
        files' sizes and times are unchanged."""
        return {
            "format": FORMAT_VERSION,
            "engine": self.engine.name,
            "corpus_path": str(corpus.root.resolve()),
            "corpus_fingerprint": fingerprint(corpus.root),
            "corpus_files": corpus.files,
            "collection": corpus.collection,
            "thesaurus": corpus.thesaurus,
            "place_aliases": _place_aliases(corpus),
            # The data the records' places were located with (what changes there re-indexes every record).
            "data": data_files.stamp(data_files.located_with(), (known or {}).get("data")),
            "records": corpus.size,
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    def _file_states(self) -> tuple[Path | None, dict[str, FileState]]:
        """The live generation and what it knows of the corpus files (empty when unknown)."""
        try:
            generation, damage = store.live_generation(self.root)
            if generation is None or damage:
                return None, {}
            data = json.loads((generation / FILE_STATES).read_text(encoding="utf-8"))
            return generation, {name: FileState.from_json(state) for name, state in data.items()}
        except (OSError, ValueError, TypeError, IchigoError):
            return None, {}

    def _publish(
        self,
        generation: Path,
        meta: dict[str, Any],
        retired: Path | None,
        corpus: Corpus | None = None,
        progress: Progress | None = None,
        keep_retired: bool = False,
        made: Made = None,
    ) -> None:
        """Write the metadata, sync and swap ``generation`` in; on any failure delete it instead.

        ``keep_retired``: ``retired`` becomes the PREVIOUS generation, kept to answer from while
        a damaged live one is rebuilt (an incremental update's: it shares most files by hard links).
        ``made``: the facet columns its writing processes made of its segments (a rebuild's).
        """
        from ichigo_search.facets import write_columns  # numpy: only where an index is written

        follow_vectors(generation, retired, self.engine, self.semantic, progress)
        write_columns(generation, self.engine, retired, made)
        store.write_manifest(generation, previous=retired)
        if corpus is not None:
            _write_file_states(generation, corpus)
        store.write_meta(generation, meta)
        store.crash_point("meta")
        store.make_live(self.root, generation, retired=retired, keep_retired=keep_retired)
        self.engine.published(self.root, generation)

    def _discard(self, generation: Path) -> None:
        """Delete a generation that did not go live (never the live one)."""
        live, _ = store.live_generation(self.root)
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
        corpus = source if isinstance(source, Corpus) else source.corpus
        places = _gazetteer_for(corpus)
        old_count = self._count(retired) if retired else 0
        generation = store.new_generation(self.root)
        try:
            new = self.engine.create(generation, self.ranking)
            if isinstance(source, Corpus):
                made = _write_corpus(new, source, places, progress)
            else:
                corpus, made = _write_reading(new, source, places, progress, skip_invalid)
            new.close()
            store.crash_point("committed")
            meta = self._base_meta(corpus)
            meta["built_at"] = meta["updated_at"]
            self._publish(generation, meta, retired, corpus, progress, made=made)
        except BaseException:
            self._discard(generation)
            raise
        store.remove_stale(self.root, keep=generation)
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
        places = _gazetteer_for(corpus)
        meta = store.read_meta(generation)
        try:
            if corpus.kept and known:
                # The file states describe what this generation indexed; the index must agree.
                indexed = {rid: h for state in known.values() for rid, h, _ in state.records}
                count = self.engine.document_count(generation)
                if count != len(indexed):
                    raise ValueError(f"{count} documents, {len(indexed)} in the file states")
            else:
                indexed = self.engine.indexed_hashes(generation)
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
        new_meta = {**self._base_meta(corpus, meta), "built_at": meta.get("built_at")}
        if not (changes or removed or vectors_wanted(generation, self.semantic)):
            # same documents: only the fingerprint and file states move on
            _write_file_states(generation, corpus)
            store.write_meta(generation, new_meta)
            return report
        copy = store.clone_generation(self.root, generation)
        try:
            self.engine.apply(copy, removed, _changed_documents(changes, places, progress))
            store.crash_point("committed")
            self._publish(copy, new_meta, generation, corpus, progress, keep_retired=True)
        except BaseException:
            self._discard(copy)
            raise
        store.remove_stale(self.root, keep=copy)
        return report


# How the reason an update gives for re-indexing every record because of the places data starts.
DATA_REASON = "the places data"


def _data_changed(meta: dict[str, Any]) -> str | None:
    """Why every record must be located again (the places data differ from those it was indexed with), or None."""
    if not meta.get("data"):
        return f"{DATA_REASON} the index was built with are not recorded (an index of an earlier version)"
    changed = data_files.changed(meta["data"], data_files.located_with(), read=True)
    if not changed:
        return None
    return f"{DATA_REASON} changed since the index was built ({', '.join(changed)})"


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


def _place_aliases(corpus: Corpus) -> dict[str, list[str]]:
    """Place aliases the records were located with (built-in vocabulary plus the corpus thesaurus)."""
    return load(corpus.thesaurus).place_aliases


def _write_corpus(new: NewIndex, corpus: Corpus, places: Gazetteer, progress: Progress | None) -> Made:
    """Write a read corpus's records (in two processes when they are many); the facet columns of each segment."""
    from ichigo_search.facets import MADE_BY_WRITERS  # numpy: only where an index is written

    parallel = len(corpus.records) >= PARALLEL_THRESHOLD and can_fork()
    if parallel:
        _share_before_forking(places)
    with gc_frozen(parallel):  # the writer processes are forked: keep the corpus's pages shared
        return new.write_documents(
            corpus.records,
            lambda record: to_document(record, places),
            processes=2 if parallel else 1,
            progress=progress,
            checkpoint=store.crash_point,
            per_segment=MADE_BY_WRITERS,
        )


def _write_reading(
    new: NewIndex, reading: Reading, places: Gazetteer, progress: Progress | None, skip_invalid: bool
) -> tuple[Corpus, Made]:
    """Write a corpus's records as its two halves of files are parsed, each by one process; the corpus read and
    the facet columns of each segment.

    Records are indexed as they are parsed, before the corpus is known whole: a bad corpus
    raises CorpusError only then (nothing is published), and a record whose id the first
    half already holds is deleted from the second's segments.
    """
    read: list[Corpus] = []

    def review(results: list[tuple[list, list[str]]], segments: list[list]) -> None:
        corpus = reading.finish(scan for scans, _ in results for scan in scans)
        corpus.check(skip_invalid)
        for parts, repeated in zip(segments, Reading.repeated([given for _, given in results]), strict=True):
            new.delete_documents(parts, repeated)
        read.append(corpus)

    from ichigo_search.facets import MADE_BY_WRITERS  # numpy: only where an index is written

    halves = reading.halves()
    if len(halves) > 1:
        _share_before_forking(places)
    with gc_frozen(True):
        made = new.write_sources(
            [reading.records(half, past_problems=skip_invalid) for half in halves],
            lambda record: to_document(record, places),
            progress=progress,
            checkpoint=store.crash_point,
            review=review,
            per_segment=MADE_BY_WRITERS,
        )
    return read[0], made


def _share_before_forking(places: Gazetteer) -> None:
    """Load what every record's locating looks up (the gazetteer's keys, the English word lists) before the writing
    process forks: one copy both processes share, not one loaded by each."""
    from ichigo_search.vocab.words import load_word_lists

    places.keys()
    load_word_lists()


def _gazetteer_for(corpus: Corpus) -> Gazetteer:
    return gazetteer(_place_aliases(corpus))


def _write_file_states(generation: Path, corpus: Corpus) -> None:
    states = {name: state.to_json() for name, state in corpus.states.items()}
    store.write_atomic(generation / FILE_STATES, json.dumps(states, ensure_ascii=False))


def _changed_documents(changes: list, places: Gazetteer, progress: Progress | None) -> Iterator[dict[str, Any]]:
    """The documents of changed records, for an engine to apply; as each is taken, the one before it is done.

    A crash point follows each change applied ("change", its number) and precedes the commit ("commit").
    """
    for done, record in enumerate(changes, 1):
        yield to_document(record, places)
        store.crash_point("change", done)
        if progress and (done % PROGRESS_EVERY == 0 or done == len(changes)):
            progress(done, len(changes))
    store.crash_point("commit")
