"""The embedded engine: the index as Whoosh files in each generation's folder.

This package is the only code that imports ``whoosh``. Besides Whoosh's public API it
relies on the private names and file-format facts below, each checked against
whoosh-reloaded **2.7.5** (:data:`CHECKED_AGAINST`, the version ``pyproject.toml`` pins).
The oracle tests (``pytest -m whoosh_oracle``: ``tests/test_scoring.py``,
``tests/test_bulk.py``) compare our writer and evaluator with Whoosh's own and must pass
before the pin moves.

Reading (``postings.py``, ``sidecar.py``, ``positional.py``):

- W3 posting lists (``whoosh.codec.whoosh3``): the magic ``b"W3Bl"``; per block a signed
  int32 length (negative: the last block), a pickled header ``(count, last_id, max_weight,
  compression, min_length_byte, max_length_byte)``, then pickled ``(id deltas, weights,
  values)``, zlib-compressed when ``compression``; ``leaf._terms.term_info()`` with
  ``W3TermInfo.is_inlined()``, ``inlined_postings()``, ``extent()``; ``leaf._terms._postfile``.
- ``formats.Positions`` values: ``pack_uint(count)`` then ``pickle.dumps(deltas, 2)``
  (several are unpickled in one call by splicing their opcodes); ``whoosh.system._INT_SIZE``.
- Field lengths: the per-document column ``_{field}_len`` (``whoosh.codec.whoosh3._lenfield``),
  one byte per document, read through ``leaf._perdoc._get_column_file()``; decoded with
  ``whoosh.util.numeric._length_byte_cache``; ``leaf.deleted_docs_set``.
- BM25F as ``whoosh.scoring.BM25FScorer`` computes it, with ``BM25F._field_B`` per field.
- The term table (``leaf._terms``: ``_tindex``, an ``OrderedHashReader`` with ``closest_key_pos``,
  ``endofdata`` and ``dbfile``; ``_fieldmap``): entries in key order, each ``struct("!ii")`` key and value
  lengths, then the key (``pack_ushort(field number)`` + term bytes) and the value (``statistics.table_entries``);
  a value is a ``W3TermInfo``'s bytes, its document frequency a uint32 at byte 5 (``statistics.TermTable``).
- Searcher statistics without ``whoosh.searching`` (``statistics.py``): ``WeightingModel.idf``'s
  formula, ``Searcher.avg_field_length``'s (total field length over ``doc_count_all``),
  ``reader.generation()`` against ``ix.latest_generation()`` for ``up_to_date``.
- ``.arr`` sidecar files: ``Segment.create_file`` names them by the segment id, so
  ``Segment.create_compound_file`` folds them into the ``.seg`` file and ``index.clean_files``
  deletes them with their segment; read back through ``leaf._segment.make_filename`` and
  ``leaf._storage``.
- ``PositionalStorage``: ``PositionalFile`` sets ``BufferFile``'s ``_buf`` (sliced by ``get``), ``_name``, ``file``,
  ``onclose``, ``is_real``, ``is_closed`` without calling its ``__init__``; ``supports_mmap =
  False`` makes ``CompoundStorage`` slice through ``subset()``; ``FileStorage._fpath``.

Writing (``writer.py``):

- ``BulkSegmentWriter`` subclasses ``SegmentWriter`` and uses its state: ``_check_state()``,
  ``docnum``, ``perdocwriter`` (``start_doc``/``finish_doc``/``cancel_doc``, ``_storedfields``,
  ``_colwriters``, ``_create_column``, ``_fieldlengths``), ``_added``, ``fieldwriter``
  (``start_field``, ``_fieldid``, ``finish_field``, ``close``), ``newsegment``, ``storage``; it overrides
  ``_flush_segment`` and calls ``_finalize_segment()``/``_close_segment()``; it is made with
  the private keyword ``_lk=False``.
- The term table and postings file written as ``W3FieldWriter`` writes them (``_TermTable``), through its
  ``_tindex`` (an ``OrderedHashWriter``: ``dbfile``, ``hashfn`` (``filetables.md5_hash``: the digest's last four
  bytes), ``index``, ``buckets``, ``lastkey``; rows ``filetables._lengths``, key, value) and ``_postfile``:
  ``W3PostingsWriter._write_block``'s bytes (``WHOOSH3_HEADER_MAGIC`` before a term's first block; the
  ``_mini_ids``/``_mini_weights``/``_mini_values`` rules, ``Format.fixed_value_size``); the term information
  as ``W3TermInfo.add_block`` gathers and ``to_bytes`` packs it (``W3TermInfo._struct``, inlined postings
  pickled, else ``pack_long(offset) + pack_int(length)``); term-table keys ``pack_ushort(fieldid) + term
  bytes``; ``LENGTHS_COLUMN``; ``byte_to_length``/``length_to_byte``.
- Stored fields (``stored.py``): ``whoosh.codec.whoosh3.STORED_COLUMN`` (a module global its per-document
  writer and reader look up at each use) replaced by a ``PickleColumn`` subclass over the same
  ``CompressedBytesColumn``, whose reader also reads dictionary-compressed values through
  ``VarBytesColumn.Reader.__getitem__``; the bulk writer sets the zlib level through
  ``perdocwriter._colwriters["_stored"]._child._level`` and wraps that child in a
  ``whoosh.columns.WrappedColumnWriter`` that pickles with protocol 4 (Whoosh unpickles any protocol) and
  adds compressed values through ``VarBytesColumn.Writer.add``.
- A block's zlib level per term: Whoosh's readers decompress any block marked so.
- The table of contents written directly: ``whoosh.index.TOC(schema, segments, generation)``
  and ``clean_files``; the schema, pickled into it, names :class:`~.schema.CaptionAnalyzer` by
  its module path, so moving that class changes the index format (``document.FORMAT_VERSION``).
- Incremental changes go through Whoosh's own ``ix.writer()`` (``delete_by_term``,
  ``update_document``), committed with ``writing.MERGE_SMALL`` as the merge policy over the segments Whoosh
  wrote (``commit(mergetype=)``; a policy merges a segment through ``writer.add_reader`` and returns the
  segments it kept); a segment's own files read through ``Segment.is_compound``, ``open_compound_file`` (a
  ``CompoundStorage``, closed after) and ``make_filename``.
- ``Searcher.refresh()`` reuses segment readers and misses deletions committed to an existing
  segment: a changed index is reopened instead.

Importing (:func:`_import_whoosh_lightly`, run when this package is imported):

- ``whoosh.compat`` imports ``urlretrieve`` from ``urllib.request`` (which loads ``http.client``
  and ``email``) and uses it nowhere a search goes; ``whoosh.reading`` imports the
  ``cached_property`` package, which imports ``asyncio`` for ``iscoroutinefunction`` in
  ``__get__`` (only ``deleted_docs_set`` uses it). Together about 40 ms of a 0.2 s cold query.
"""

from __future__ import annotations

import importlib
import pickle
import struct
import sys
import types
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ichigo_search.engine import Made, PerSegment
from ichigo_search.ranking import Ranking

if TYPE_CHECKING:
    from ichigo_search.engine.whoosh.searcher import WhooshSearcher

CHECKED_AGAINST = "2.7.5"


class _Deferred(types.ModuleType):
    """Stands in for a module while Whoosh's modules import it: the real one is imported when first used."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # what the import system asks of a module (``__path__``, …)
            raise AttributeError(name)
        return getattr(importlib.import_module(self.__name__), name)


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    return importlib.import_module("urllib.request").urlretrieve(*args, **kwargs)


def _import_whoosh_lightly() -> None:
    """Import ``whoosh.compat`` and ``cached_property`` with stand-ins for ``urllib.request`` and
    ``asyncio``, which a search never uses; the real modules are imported if ever they are used."""
    stand_ins = [name for name in ("urllib.request", "asyncio") if name not in sys.modules]
    for name in stand_ins:
        sys.modules[name] = _Deferred(name)
    if "urllib.request" in stand_ins:
        sys.modules["urllib.request"].urlretrieve = _urlretrieve  # what whoosh.compat imports from it
    try:
        import cached_property  # noqa: F401
        import whoosh.compat  # noqa: F401
    finally:
        for name in stand_ins:
            del sys.modules[name]


_import_whoosh_lightly()


class WhooshEngine:
    """Writes, changes and opens Whoosh indexes (:class:`ichigo_search.engine.Engine`)."""

    name = "whoosh"
    read_errors = (EOFError, OSError, struct.error, zlib.error, pickle.UnpicklingError)
    semantic = True
    embedded = True

    def create(self, generation: Path, ranking: Ranking) -> NewWhooshIndex:
        from whoosh import index

        from ichigo_search.engine.whoosh.schema import build_schema

        return NewWhooshIndex(index.create_in(str(generation), build_schema(ranking)))

    def document_count(self, generation: Path) -> int:
        from whoosh import index

        ix = index.open_dir(str(generation))
        try:
            return ix.doc_count()
        finally:
            ix.close()

    def indexed_hashes(self, generation: Path) -> dict[str, str]:
        """Map id -> content hash of every live document, read from Whoosh's columns."""
        from whoosh import index

        ix = index.open_dir(str(generation))
        try:
            with ix.reader() as reader:
                ids = reader.column_reader("id")
                hashes = reader.column_reader("hash")
                return {
                    ids[docnum]: hashes[docnum].decode("ascii")
                    for docnum in range(reader.doc_count_all())
                    if not reader.is_deleted(docnum)
                }
        finally:
            ix.close()

    def apply(self, generation: Path, removed: Sequence[str], changed: Iterable[dict[str, Any]]) -> None:
        """Delete ``removed`` record ids and add or replace the ``changed`` documents, in one commit."""
        from whoosh import index

        ix = index.open_dir(str(generation))
        writer = ix.writer()
        try:
            for record_id in removed:
                writer.delete_by_term("id", record_id)
            for document in changed:
                writer.update_document(**document)
        except BaseException:
            writer.cancel()
            ix.close()
            raise
        writer.commit(mergetype=_merge_small_segments)
        ix.close()

    def open(self, generation: Path, memory_map: bool, ranking: Ranking) -> WhooshSearcher:
        from ichigo_search.engine.whoosh.searcher import open_searcher  # numpy and the evaluator: readers only

        return open_searcher(generation, memory_map, ranking)

    def published(self, root: Path, generation: Path) -> None:
        """Nothing to do: the index folder's CURRENT pointer is all there is."""

    def inspect(self, generation: Path) -> dict[str, Any]:
        """Nothing beyond the folder, which ``check`` verifies file by file."""
        return {}


def _merge_small_segments(writer, segments: list) -> list:
    """Whoosh's merge policy (``MERGE_SMALL``) among the segments its own writer wrote. The bulk writer's stay as
    they are: their exact field holds its base forms without postings, listed in their arrays file, which a merge
    would not carry over."""
    from whoosh.writing import MERGE_SMALL

    from ichigo_search.engine.whoosh.sidecar import read_arrays

    kept, mergeable = [], []
    for segment in segments:  # only the arrays file's index is read, not a reader of the segment made (5-15 ms)
        storage = segment.open_compound_file(writer.storage) if segment.is_compound() else writer.storage
        try:
            (kept if read_arrays(storage, segment).leaves_out_base_forms() else mergeable).append(segment)
        finally:
            if storage is not writer.storage:
                storage.close()
    return kept + MERGE_SMALL(writer, mergeable)


class NewWhooshIndex:
    """An empty Whoosh index that the bulk writer fills (:mod:`ichigo_search.engine.whoosh.writer`)."""

    def __init__(self, ix) -> None:
        self._ix = ix

    def write_documents(
        self,
        records: Sequence[Any],
        to_document: Callable[[Any], dict[str, Any]],
        *,
        processes: int,
        progress: Callable[[int, int], None] | None,
        checkpoint: Callable[[str, int], None],
        per_segment: PerSegment | None = None,
    ) -> Made:
        from ichigo_search.engine.whoosh import writer

        return writer.write_documents(
            self._ix,
            records,
            to_document,
            processes=processes,
            progress=progress,
            checkpoint=checkpoint,
            per_segment=per_segment,
        )

    def write_sources(
        self,
        sources: Sequence[Callable[[], Iterator[Any]]],
        to_document: Callable[[Any], dict[str, Any]],
        *,
        progress: Callable[[int, int], None] | None,
        checkpoint: Callable[[str, int], None],
        review: Callable[[list, list[list]], None],
        per_segment: PerSegment | None = None,
    ) -> Made:
        from ichigo_search.engine.whoosh import writer

        return writer.write_sources(
            self._ix,
            sources,
            to_document,
            progress=progress,
            checkpoint=checkpoint,
            review=review,
            per_segment=per_segment,
        )

    def delete_documents(self, segments: list, docnums: list[int]) -> None:
        from ichigo_search.engine.whoosh.writer import delete_documents

        delete_documents(segments, docnums)

    def close(self) -> None:
        self._ix.close()


ENGINE = WhooshEngine()
