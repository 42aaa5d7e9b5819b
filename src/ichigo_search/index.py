"""The library's front door: :class:`Index` opens, updates, rebuilds and searches an index."""

from __future__ import annotations

import contextlib
import os
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ichigo_search import store
from ichigo_search.corpus.files import fingerprint
from ichigo_search.corpus.record import Record
from ichigo_search.document import FORMAT_VERSION, from_stored, located_places
from ichigo_search.engine import DEFAULT_ENGINE, Engine, Searcher, check_engine, check_format, get_engine
from ichigo_search.errors import IchigoError, IndexFormatError, IndexWriteError
from ichigo_search.ranking import DEFAULT, Ranking
from ichigo_search.search import SearchResults, plan_search, prepare_spellings, run_search
from ichigo_search.semantic import has_vectors
from ichigo_search.vocab import data as data_files

if TYPE_CHECKING:
    from ichigo_search.facets import FacetCounter, Facets
    from ichigo_search.indexing import Indexer, Progress, UpdateReport
    from ichigo_search.query.matching import Matching
    from ichigo_search.semantic.vectors import Dense

__all__ = ["Index", "UpdateReport"]


class Index:
    """A caption index in a folder: open or create, keep in step with a corpus, search.

    >>> idx = Index("index")
    >>> idx.update_from("corpus")            # doctest: +SKIP
    >>> idx.search("Liuzhou airbase")[0].id  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        memory_map: bool = True,
        ranking: Ranking = DEFAULT,
        engine: str | Engine = DEFAULT_ENGINE,
    ):
        """Open (or prepare to create) the index in ``path``.

        ``memory_map`` suits a long-lived process (warm queries about 10% faster, the
        index's pages shared with the page cache); a one-shot command opens a little
        faster without it. (The name is historical: the files are read with ``pread``, so a
        file cut short under a search is reported as damage, not a SIGBUS.) ``ranking`` sets
        how hits are scored (:mod:`ichigo_search.ranking`; its field weights apply to indexes
        built with it); ``engine`` names the engine that
        stores the index (:mod:`ichigo_search.engine`: ``"whoosh"``, the default, or ``"solr"``,
        configured by ``ICHIGO_SOLR_URL``), or is an engine, such as
        ``ichigo_search.engine.solr.SolrEngine("http://host:8983/solr", shards=2, replicas=2)``.
        """
        self.path = Path(path)
        self.memory_map = memory_map
        self.ranking = ranking
        self.engine = engine if isinstance(engine, str) else engine.name
        self._engine_given = engine
        self._engine_used: Engine | None = None
        self._generation: Path | None = None
        self._hold: store.Hold | None = None  # the open generation, held so that no one deletes it
        self._pinned: Path | None = None  # a generation read instead of CURRENT's (last_good)
        self._thesaurus: dict[str, Any] | None = None
        self._searcher: Searcher | None = None
        self._files: dict[str, dict[str, int]] | None = None  # the live generation's manifest
        self._facet_counter: FacetCounter | None = None
        self._dense: Dense | bool | None = False  # the generation's record vectors; False: not looked for yet

    @property
    def embedded(self) -> bool:
        """Whether searches read local files in this process (bounded CPU work) rather than ask a server."""
        return self._engine.embedded

    @property
    def _engine(self) -> Engine:
        """The engine, its package imported on first use."""
        if self._engine_used is None:
            self._engine_used = get_engine(self._engine_given)
        return self._engine_used

    # -- state -------------------------------------------------------------

    @property
    def exists(self) -> bool:
        """True once an index has been built in this folder (and its pointer is intact)."""
        generation, _ = store.live_generation(self.path)
        return generation is not None

    def meta(self) -> dict[str, Any]:
        """Metadata of the live generation (empty when none was built)."""
        with self._held() as generation:
            return store.read_meta(generation) if generation else {}

    @contextlib.contextmanager
    def _held(self) -> Iterator[Path | None]:
        """The generation this index reads (CURRENT's, or the pinned one), held while the block runs."""
        for attempt in range(5):
            generation = self._pinned or store.current_generation(self.path)
            if generation is None:
                yield None
                return
            hold = store.hold(generation)
            if hold is not None:
                try:
                    yield generation
                finally:
                    hold.release()
                return
            time.sleep(0.02 * (attempt + 1))  # deleted as we looked: CURRENT names another by now
        raise IndexFormatError(f"{self.path}: the index changed five times while it was being opened; try again")

    def last_good(self) -> Index | None:
        """The generation kept from before the last incremental update, opened apart, if it is on disk and sound.

        For answering while the live generation is damaged and rebuilt: hard links make the files it
        shares with the live one free, so it costs only the files that update replaced. None when
        there is none (a rebuild keeps none) or it is damaged too (a file it shares was).
        """
        previous = store.previous_generation(self.path)
        if previous is None:
            return None
        try:
            check_format(previous)
            store.verified(previous, store.CHANGED)
        except IndexFormatError:
            return None
        kept = Index(self.path, memory_map=self.memory_map, ranking=self.ranking, engine=self._engine_given)
        kept._pinned = previous
        return kept

    def needs_update(self, corpus_dir: str | os.PathLike[str]) -> bool:
        """Cheap check (file names, sizes, mtimes) whether the corpus or the index changed since the last build.

        Also true when the index is missing, damaged or of another format version, or when the places data the
        records were located with (:func:`ichigo_search.vocab.data.located_with`) changed since.
        """
        try:
            meta = self.meta()
        except IndexFormatError:
            return True
        return (
            not meta
            or meta.get("format") != FORMAT_VERSION
            or meta.get("corpus_fingerprint") != fingerprint(Path(corpus_dir))
            or bool(data_files.changed(meta.get("data"), data_files.located_with(), read=False))
            or bool(store.verify(store.current_generation(self.path), store.CHANGED))
        )

    # -- writing -----------------------------------------------------------

    def update_from(
        self,
        corpus_dir: str | os.PathLike[str],
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        lock_timeout: float | None = None,
        semantic: str | bool | None = None,
    ) -> UpdateReport:
        """Make the index match the corpus incrementally; returns the counts.

        Raises CorpusError (listing every problem) unless the corpus is clean
        or ``skip_invalid`` is set; the index is then left untouched.  An index
        that is damaged or of an older format is rebuilt (the report says why).
        ``semantic`` (:mod:`ichigo_search.semantic`): True or a model's name, folder or package to
        embed every record for semantic ranking (new and changed ones at later updates too), False to
        stop, None to go on as the index does.
        """
        report = self._indexer(semantic).update(
            corpus_dir, skip_invalid=skip_invalid, progress=progress, lock_timeout=lock_timeout
        )
        if report.changed or report.rebuilt:
            self._close_searcher()
        elif self._generation is not None:  # same documents, but the corpus thesaurus may have changed
            self._thesaurus = store.read_meta(self._generation).get("thesaurus") or None
        return report

    def rebuild_from(
        self,
        corpus_dir: str | os.PathLike[str],
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        lock_timeout: float | None = None,
        semantic: str | bool | None = None,
    ) -> UpdateReport:
        """Build a fresh index beside the old one and swap it in atomically (``semantic`` as in update_from)."""
        report = self._indexer(semantic).rebuild(
            corpus_dir, skip_invalid=skip_invalid, progress=progress, lock_timeout=lock_timeout
        )
        self._close_searcher()
        return report

    def _indexer(self, semantic: str | bool | None = None) -> Indexer:
        if self._pinned is not None:
            raise IndexWriteError(f"{self._pinned}: an index opened by last_good() is for reading only")
        from ichigo_search.indexing import Indexer  # not on the query path: 5 ms of a cold query

        return Indexer(self.path, self._engine, self.ranking, semantic)

    # -- reading -----------------------------------------------------------

    def _searcher_now(self) -> Searcher:
        """An up-to-date searcher, reopened when CURRENT names another generation."""

        for attempt in range(5):
            generation = self._pinned or store.current_generation(self.path)
            if generation is None:
                raise IndexFormatError(f"{self.path}: no index here yet; run `ichigo-search index`")
            try:
                if generation != self._generation or self._searcher is None:
                    self._close_searcher()
                    self._hold = store.hold(generation)
                    if self._hold is None:  # deleted as we looked: CURRENT names another by now
                        raise FileNotFoundError(f"{generation}: deleted")
                    check_format(generation)
                    check_engine(generation, self._engine.name)
                    files = store.read_manifest(generation)  # None: an index written before checksums
                    if files is not None:  # sizes, and the bytes of small files and of files changed since written
                        store.verified(generation, store.CHANGED, files)
                    self._searcher = self._engine.open(generation, self.memory_map, self.ranking)
                    self._generation, self._files = generation, files
                    self._thesaurus = store.read_meta(generation).get("thesaurus") or None
                    if self.memory_map:  # long-lived: the gazetteer's keys for typos now, not on a first typo
                        prepare_spellings(self._thesaurus)
                else:
                    if self._files is not None:  # a file cut short under an open index: stop here
                        store.verified(generation, store.SIZES, self._files)
                    self._searcher = self._searcher.refreshed()
                return self._searcher
            except IchigoError:
                self._close_searcher()
                raise
            except Exception as exc:
                # A writer swapped or cleaned files between our reads (look again), or the files are damaged.
                self._close_searcher()
                if store.current_generation(self.path) == generation:
                    store.verified(generation, store.CHANGED)
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
        self._generation = None
        self._files = None
        self._dense = False
        if self._hold is not None:  # let go of the generation; the last reader of a retired one deletes it
            self._hold.release()
            self._hold = None
            with contextlib.suppress(OSError):
                store.collect(self.path)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Searcher]:
        """The searcher, for one read; a failure of the engine is reported as damage when the files show it.

        Whatever damaged files make the engine raise (zlib, pickle, struct or numpy errors), the
        caller gets IndexDamagedError naming the file; an error on sound files is not hidden.
        """
        searcher = self._searcher_now()
        generation = self._generation
        try:
            yield searcher
        except (IchigoError, MemoryError, RecursionError):
            raise
        except Exception as exc:
            self._close_searcher()
            if generation is not None:
                store.verified(generation, store.FULL)
                if isinstance(exc, self._engine.read_errors):
                    raise IndexFormatError(
                        f"{generation}: the index could not be read ({type(exc).__name__}: {exc}); "
                        "run `ichigo-search index --rebuild`"
                    ) from exc
            raise

    def _dense_now(self) -> Dense | None:
        """The open generation's record vectors (None when it has none or they cannot be read: a warning)."""
        if self._dense is False:
            self._dense = None
            if self._generation is not None and has_vectors(self._generation):
                from ichigo_search.semantic.vectors import Dense

                try:
                    self._dense = Dense.open(self._generation)
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    warnings.warn(
                        f"{self._generation}: the record vectors cannot be read ({type(exc).__name__}: {exc}); "
                        "searching without semantic ranking; run `ichigo-search index --rebuild`",
                        RuntimeWarning,
                        stacklevel=3,
                    )
        return self._dense or None

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
        query, place = _valid_text(query), _valid_text(place) if place is not None else None
        with self._reading() as searcher:
            return self._search(searcher, query, limit, offset, place, year)

    def facets(
        self,
        query: str,
        *,
        place: str | None = None,
        year: str | tuple[int, int] | None = None,
        size: int = 10,
        browse: bool = False,
    ) -> Facets:
        """Place and decade counts over every caption ``search`` would match (:mod:`ichigo_search.facets`).

        With ``browse``, an empty query without filters counts the whole collection.
        """
        with self._reading() as searcher:
            return self._facets(searcher, query, place, year, size, browse)

    def search_with_facets(
        self,
        query: str,
        limit: int = 10,
        *,
        offset: int = 0,
        place: str | None = None,
        year: str | tuple[int, int] | None = None,
        size: int = 10,
    ) -> tuple[SearchResults, Facets]:
        """``search(...)`` and ``facets(..., size=size)`` of one query (what the search page and ``query --facets``
        show): planned once, and both from the same generation, so the two totals always agree."""
        query, place = _valid_text(query), _valid_text(place) if place is not None else None
        with self._reading() as searcher:
            found = plan_search(searcher, query, place, year, self._thesaurus, self.ranking)
            results = self._search(searcher, query, limit, offset, place, year, found)
            return results, self._facets(searcher, query, place, year, size, False, found)

    def _search(
        self,
        searcher: Searcher,
        query: str,
        limit: int,
        offset: int,
        place: str | None,
        year: str | tuple[int, int] | None,
        found: Matching | None = None,
    ) -> SearchResults:
        return run_search(
            searcher,
            query,
            limit=limit,
            offset=offset,
            place=place,
            year=year,
            thesaurus=self._thesaurus,
            ranking=self.ranking,
            dense=self._dense_now(),
            found=found,
        )

    def _facets(
        self,
        searcher: Searcher,
        query: str,
        place: str | None,
        year: str | tuple[int, int] | None,
        size: int,
        browse: bool,
        found: Matching | None = None,
    ) -> Facets:
        from ichigo_search.facets import FacetCounter

        if self._facet_counter is None:
            self._facet_counter = FacetCounter()
        return self._facet_counter.count(
            searcher,
            query,
            place=place,
            year=year,
            size=size,
            browse=browse,
            thesaurus=self._thesaurus,
            ranking=self.ranking,
            generation=self._generation,
            found=found,
        )

    def get(self, record_id: str) -> Record | None:
        """The record with this id, or None."""
        with self._reading() as searcher:
            docnum = searcher.document_number(record_id)
            return None if docnum is None else from_stored(searcher.stored(docnum))

    def located(self, record_id: str) -> list[dict[str, Any]] | None:
        """The places assigned to a record, each with where it came from (None when there is no such record).

        One object a place: ``id`` (gazetteer), ``name``, ``kind``, ``province``, ``country``,
        ``country_code`` (ISO 3166-1), ``source`` (``"record"``, ``"caption"`` or ``"title"``) and
        ``text``, the words it was read from.
        """
        searcher = self._searcher_now()
        docnum = searcher.document_number(record_id)
        return None if docnum is None else located_places(searcher.stored(docnum))

    def __len__(self) -> int:
        with self._reading() as searcher:
            return searcher.doc_count()

    def check(self) -> dict[str, Any]:
        """Verify the live generation in full: its pointer, metadata, every file's checksum, and that it opens.

        Returns ``index``, ``generation``, ``sound`` (true when nothing is wrong), ``files`` and
        ``bytes`` checked, ``records`` (when it opens) and ``problems`` (one line each); ``warnings``: what
        is amiss without records being lost or unsearchable (a Solr replica down while another serves its
        shard, places data changed since the records were located); ``data``: the digest of each data file
        the records' places were located with. A server engine's report on what it keeps is under its name
        (``solr``: :meth:`inspect <ichigo_search.engine.solr.SolrEngine.inspect>`).
        """
        report: dict[str, Any] = {"index": str(self.path), "generation": None, "sound": False}
        report.update(files=0, bytes=0, records=None, problems=[], warnings=[], data={})
        problems: list[str] = report["problems"]
        try:
            generation = store.current_generation(self.path)
        except IndexFormatError as exc:
            problems.append(_reason(exc))
            return report
        if generation is None:
            problems.append(f"{self.path}: no index here yet; run `ichigo-search index`")
            return report
        report["generation"] = generation.name
        hold = store.hold(generation)  # not deleted under the check if a writer replaces it meanwhile
        try:
            self._check(generation, report)
        finally:
            if hold is not None:
                hold.release()
        return report

    def _check(self, generation: Path, report: dict[str, Any]) -> None:
        """Fill ``report`` (see :meth:`check`) for a generation the caller holds."""
        problems: list[str] = report["problems"]
        meta: dict[str, Any] = {}
        try:
            meta = store.read_meta(generation)
            check_format(generation)
        except IndexFormatError as exc:
            problems.append(_reason(exc))
        problems += [f"{generation.name}/{problem}" for problem in store.verify(generation, store.FULL)]
        report["data"] = data_files.digests(meta.get("data"))
        stale = data_files.changed(meta.get("data"), data_files.located_with(), read=True)
        if meta and stale:
            report["warnings"].append(
                f"the places data differ from those the records were located with ({', '.join(stale)}); "
                "the next `ichigo-search index` re-indexes every record"
            )
        with contextlib.suppress(IndexFormatError):
            files = store.read_manifest(generation) or {}
            report["files"], report["bytes"] = len(files), sum(entry["size"] for entry in files.values())
        if not problems:
            self._close_searcher()
            try:
                report["records"] = len(self)
            except IchigoError as exc:
                problems.append(_reason(exc))
            if report["records"] is not None and meta.get("records") not in (None, report["records"]):
                problems.append(f"{generation.name}: {report['records']} records, {meta['records']} when written")
        try:
            kept = self._engine.inspect(generation)
        except IchigoError as exc:
            problems.append(_reason(exc))
            kept = {}
        if kept:
            report[self._engine.name] = kept
            problems += kept["problems"]
            report["warnings"] += kept["warnings"]
        report["sound"] = not problems

    def stats(self) -> dict[str, Any]:
        """Records, size on disk, build times and corpus files of the live index (and, under the engine's name, what
        a server engine keeps: ``solr``, the collection's shards and replicas)."""
        with self._held() as generation:
            if generation is None:
                return {"index": str(self.path), "records": 0, "built": False}
            meta = store.read_meta(generation)
            figures = {
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
                "data": data_files.digests(meta.get("data")),
            }
            kept = self._engine.inspect(generation)
            if kept:
                figures[self._engine.name] = kept
            return figures


def _reason(exc: IchigoError) -> str:
    """An error's message without the advice that follows it."""
    return str(exc).split("; run `")[0]


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _valid_text(text: str) -> str:
    """``text`` with unpaired surrogates (undecodable bytes from argv or a form) replaced by U+FFFD."""
    return _SURROGATE_RE.sub("\ufffd", text) if isinstance(text, str) else text


def __getattr__(name: str) -> object:
    """``UpdateReport``, from :mod:`ichigo_search.indexing`, which a query does not import."""
    if name == "UpdateReport":
        from ichigo_search.indexing import UpdateReport

        return UpdateReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
