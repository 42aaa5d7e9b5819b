"""Each generation's record vectors: written beside the engine's files, kept in step incrementally.

A generation built with semantic ranking holds ``vectors.json`` (the model, its identity, the parts) and
parts that are never rewritten once written, like the engine's segments: ``vectors-KEY.npy`` (float32
unit vectors, one row a record) and ``vectors-KEY.json`` (each row's record id, content hash and passage
key: a digest of the text embedded). An update hard-links the live generation's parts and adds one part
of the records that are new or changed (their text read back from the index itself, so it does not
matter how the corpus was read); a record's row is the one in the latest part that has its id, and rows
of deleted or replaced records are dropped when they outnumber the live ones. Each distinct passage is
encoded once: records that share one (a photo series' captions) get copies of one vector, and a passage
already embedded in the live generation's parts is copied from there, not encoded again (a record whose
photographer alone changed). The model named in ``vectors.json`` keeps embedding at later updates.

At query time :class:`Dense` holds one row per distinct live passage (the rows of replaced records and the
copies of shared passages are left out: a quarter fewer rows to multiply at FSA/OWI), maps document
numbers to rows and returns the nearest documents to a query's vector by exact inner product. The parts
are read into memory, not memory-mapped: a mapped file cut short under a running process kills it with
SIGBUS at the next page it touches, while a part read whole (its size checked against its header and its
row count first) cannot change under the search; the cost is the matrix in each process (115 MB at
FSA/OWI's 98,244 records, 74,719 distinct passages) instead of shared pages, at the same query time
(``benchmarks/semantic.py --storage``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ichigo_search import store
from ichigo_search.corpus.record import Record
from ichigo_search.document import from_stored, stored_places
from ichigo_search.engine import Engine, Searcher
from ichigo_search.ranking import DEFAULT
from ichigo_search.semantic import MANIFEST
from ichigo_search.semantic.model import DEFAULT_MODEL, Encoder, ModelError, ModelFiles, encoder, resolve
from ichigo_search.util.forking import Forked, can_fork

if TYPE_CHECKING:
    import numpy as np

PREFIX = "vectors-"
# From this many records to embed, two processes share the work (one ONNX Runtime thread each).
PARALLEL_THRESHOLD = 2_000

Progress = Callable[[int, int], None]


def passage(record: Record, places: Sequence[str] = ()) -> str:
    """What is embedded of a record: its title, caption, places and date, as text.

    Places and a date the title or caption already name are not repeated (each token costs encoding time).
    """
    parts = [record.title.rstrip(".") + "." if record.title else "", record.caption]
    written = " ".join(parts).casefold()
    unnamed = [place for place in places if place.casefold() not in written]
    if unnamed:
        parts.append("In " + ", ".join(unnamed) + ".")
    if record.date and record.date.casefold() not in written:
        parts.append(f"Dated {record.date}.")
    return " ".join(p for p in parts if p)


def passage_key(text: str) -> str:
    """A digest of a passage: equal keys, one vector (a part's ``passages``)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def read_manifest(generation: Path | None) -> dict[str, Any] | None:
    """The generation's vectors manifest, or None when it has no vectors (or they are unreadable)."""
    if generation is None:
        return None
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("parts"), list) else None


@dataclass
class Part:
    """One vectors file and the record id, content hash and passage key of each of its rows.

    ``passages`` is None for a part written before passage keys were kept: its rows are reused by record
    only, never shared.
    """

    key: str
    ids: list[str]
    hashes: list[str]
    passages: list[str] | None = None

    @classmethod
    def read(cls, folder: Path, key: str) -> Part:
        data = json.loads((folder / f"{PREFIX}{key}.json").read_text(encoding="utf-8"))
        passages = data.get("passages")
        if passages is not None and len(passages) != len(data["ids"]):
            raise ValueError(f"{PREFIX}{key}.json: {len(passages)} passage keys for {len(data['ids'])} rows")
        return cls(key, data["ids"], data["hashes"], passages)

    def matrix(self, folder: Path) -> np.ndarray:
        """The part's vectors, read into memory (VectorsDamaged when the file is not what was written)."""
        matrix = read_matrix(folder / f"{PREFIX}{self.key}.npy", len(self.ids))
        assert matrix is not None
        return matrix

    def files(self) -> list[str]:
        return [f"{PREFIX}{self.key}.npy", f"{PREFIX}{self.key}.json"]


class VectorsDamaged(ValueError):
    """A vectors file is missing, cut short or not the float32 matrix its part lists (the message says which)."""


def read_matrix(path: Path, rows: int | None, data: bool = True) -> np.ndarray | None:
    """The float32 matrix of ``rows`` rows (None: any) in the ``.npy`` file ``path``, read whole into memory.

    Its header, its size and its row count are checked before a byte of data is read (VectorsDamaged);
    ``data=False``: only checked (None).
    """
    import numpy as np

    try:
        with open(path, "rb") as handle:
            try:
                npy = np.lib.format
                version = npy.read_magic(handle)
                header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
                shape, fortran, dtype = header(handle)
            except (ValueError, SyntaxError, EOFError) as exc:
                raise VectorsDamaged(f"{path}: not a vectors file ({exc})") from None
            if dtype != np.dtype("<f4") or fortran or len(shape) != 2 or rows not in (None, shape[0]):
                wanted = "float32 rows" if rows is None else f"{rows} float32 rows"
                raise VectorsDamaged(f"{path}: holds a {dtype} array of shape {shape}, not {wanted}")
            expected = handle.tell() + shape[0] * shape[1] * 4
            size = os.fstat(handle.fileno()).st_size
            if size != expected:
                raise VectorsDamaged(f"{path}: {size:,} bytes, not the {expected:,} its header announces (cut short?)")
            if not data:
                return None
            matrix = np.empty(shape, dtype=np.float32)
            if handle.readinto(memoryview(matrix).cast("B")) != matrix.nbytes:
                raise VectorsDamaged(f"{path}: cut short while it was read")
    except FileNotFoundError:
        raise VectorsDamaged(f"{path}: missing") from None
    return matrix


def sound(generation: Path, manifest: dict[str, Any]) -> bool:
    """Whether every part the manifest lists is there, whole (headers and sizes: nothing else is read)."""
    try:
        for key in manifest["parts"]:
            read_matrix(generation / f"{PREFIX}{key}.npy", None, data=False)
            if not (generation / f"{PREFIX}{key}.json").is_file():
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def follow(
    generation: Path,
    previous: Path | None,
    engine: Engine,
    semantic: str | bool | None,
    progress: Progress | None = None,
) -> None:
    """Bring ``generation``'s vectors in step with its documents before it goes live.

    ``semantic``: a model to embed with (True: the default one), False to drop the vectors, None to do as
    the generation (or, for a rebuild, ``previous``) did. Rows of unchanged records are reused.
    """
    own = read_manifest(generation)
    source, manifest = (generation, own) if own else (previous, read_manifest(previous))
    if semantic is False or (semantic is None and manifest is None):
        if own:
            drop(generation)
        return
    spec = semantic if isinstance(semantic, str) else (manifest or {}).get("model") or DEFAULT_MODEL
    files = resolve(spec)
    identity = files.identity()
    parts: list[Part] = []
    if manifest is not None and source is not None and manifest.get("identity") == identity and sound(source, manifest):
        try:
            parts = [Part.read(source, key) for key in manifest["parts"]]
        except (OSError, ValueError, KeyError, TypeError):  # damaged: embed everything again
            parts = []
    indexed = engine.indexed_hashes(generation)
    latest: dict[str, tuple[int, int]] = {}
    for number, part in enumerate(parts):
        for row, record_id in enumerate(part.ids):
            latest[record_id] = (number, row)
    missing = {
        record_id
        for record_id, content_hash in indexed.items()
        if record_id not in latest or parts[latest[record_id][0]].hashes[latest[record_id][1]] != content_hash
    }
    stored_rows = sum(len(part.ids) for part in parts)
    embedded = parts  # what may be copied rather than encoded again, even when the parts are left behind
    if stored_rows - (len(indexed) - len(missing)) > len(indexed):  # dead rows outnumber live ones: start afresh
        parts, missing = [], set(indexed)
    if own and source == generation and not missing and manifest.get("model") == spec:
        return  # already in step (same documents)
    if source is not None and source != generation:
        for part in parts:
            _link_files(source, generation, part.files())
    if missing:
        ids, texts = _texts(generation, engine, missing)
        keys = [passage_key(text) for text in texts]
        vectors = _embed_new(files, texts, keys, source, embedded, progress)
        parts.append(_write_part(generation, ids, [indexed[i] for i in ids], keys, vectors))
    for name in _vector_files(generation) - {f for part in parts for f in part.files()}:
        with contextlib.suppress(OSError):
            (generation / name).unlink()
    manifest = {"model": spec, "identity": identity, "dimension": _dimension(generation, parts), "parts": []}
    manifest["parts"] = [part.key for part in parts]
    store.write_atomic(generation / MANIFEST, json.dumps(manifest, indent=1))


def wanted(generation: Path, semantic: str | bool | None) -> bool:
    """Whether ``semantic`` asks ``generation`` for vectors it lacks, of another model, or to drop them.

    Vectors cut short or missing are wanted too (made again), whatever ``semantic`` says.
    """
    manifest = read_manifest(generation)
    if semantic is None:
        return manifest is not None and not sound(generation, manifest)
    if semantic is False:
        return manifest is not None
    if manifest is None or (isinstance(semantic, str) and manifest.get("model") != semantic):
        return True
    return not sound(generation, manifest)


def drop(generation: Path) -> None:
    """Remove a generation's vectors (semantic ranking turned off)."""
    with contextlib.suppress(OSError):
        (generation / MANIFEST).unlink()
    for name in _vector_files(generation):
        with contextlib.suppress(OSError):
            (generation / name).unlink()


def _vector_files(generation: Path) -> set[str]:
    return {p.name for p in generation.glob(f"{PREFIX}*") if p.name != MANIFEST}


def _dimension(generation: Path, parts: list[Part]) -> int:
    return int(parts[-1].matrix(generation).shape[1]) if parts else 0


def _link_files(source: Path, target: Path, names: list[str]) -> None:
    for name in names:
        if (target / name).exists():
            continue
        try:
            os.link(source / name, target / name)
        except OSError:
            shutil.copy2(source / name, target / name)


def _texts(generation: Path, engine: Engine, wanted: set[str]) -> tuple[list[str], list[str]]:
    """The record ids in ``wanted`` and their passages, read back from the generation's stored records."""
    searcher = engine.open(generation, False, DEFAULT)
    try:
        ids, texts = [], []
        for docnum, record_id in enumerate(searcher.record_ids()):
            if record_id in wanted:
                stored = searcher.stored(docnum)
                record = from_stored(stored)
                ids.append(record_id)
                texts.append(passage(record, stored_places(stored).get("names", record.places)))
        return ids, texts
    finally:
        searcher.close()


def _embed_new(
    files: ModelFiles,
    texts: list[str],
    keys: list[str],
    source: Path | None,
    embedded: list[Part],
    progress: Progress | None,
) -> np.ndarray:
    """Vectors for ``texts``: copied from ``embedded`` (parts in ``source``) where a row has the same passage key,
    the others encoded (each distinct text once)."""
    import numpy as np

    wanted = set(keys)
    found: dict[str, np.ndarray] = {}
    for part in embedded:
        rows = {}
        for row, key in enumerate(part.passages or ()):
            if key in wanted and key not in found and key not in rows:
                rows[key] = row
        if rows and source is not None:
            matrix = part.matrix(source)
            found.update(zip(rows, matrix[list(rows.values())], strict=True))
    new = [i for i, key in enumerate(keys) if key not in found]
    fresh = embed(files, [texts[i] for i in new], progress) if new else None
    dimension = fresh.shape[1] if fresh is not None else len(next(iter(found.values())))
    vectors = np.empty((len(texts), dimension), dtype=np.float32)
    if fresh is not None:
        vectors[new] = fresh
    for i, key in enumerate(keys):
        if key in found:
            vectors[i] = found[key]
    return vectors


def embed(files: ModelFiles, texts: list[str], progress: Progress | None = None) -> np.ndarray:
    """Unit vectors for ``texts``, each distinct text encoded once (its vector copied to the others)."""
    distinct = list(dict.fromkeys(texts))
    if len(distinct) == len(texts):
        return embed_each(files, texts, progress)
    row = {text: i for i, text in enumerate(distinct)}
    return embed_each(files, distinct, progress)[[row[text] for text in texts]]


def embed_each(files: ModelFiles, texts: list[str], progress: Progress | None = None) -> np.ndarray:
    """Unit vectors for ``texts``, every one encoded (``embed`` without sharing repeated texts); in two processes
    (one ONNX Runtime thread each) when they are many."""
    import numpy as np

    if len(texts) < PARALLEL_THRESHOLD or not can_fork():
        return Encoder(files).encode(texts, progress)
    theirs = Forked(_encode, files, texts[1::2], role="embedding process")
    try:
        total = len(texts)
        mine = Encoder(files).encode(texts[0::2], progress and (lambda done, _: progress(min(2 * done, total), total)))
    except BaseException:
        theirs.kill()
        raise
    other = theirs.result()
    vectors = np.empty((len(texts), mine.shape[1]), dtype=np.float32)
    vectors[0::2], vectors[1::2] = mine, other
    return vectors


def _encode(files: ModelFiles, texts: list[str]) -> np.ndarray:
    return Encoder(files).encode(texts)


def _write_part(generation: Path, ids: list[str], hashes: list[str], passages: list[str], vectors: np.ndarray) -> Part:
    import numpy as np

    part = Part(uuid.uuid4().hex[:12], ids, hashes, passages)
    with open(generation / f"{PREFIX}{part.key}.npy", "wb") as handle:
        np.save(handle, np.ascontiguousarray(vectors, dtype=np.float32))
    listing = {"ids": ids, "hashes": hashes, "passages": passages}
    (generation / f"{PREFIX}{part.key}.json").write_text(json.dumps(listing), encoding="utf-8")
    return part


def _live_rows(folder: Path, parts: list[Part]) -> tuple[np.ndarray, dict[str, int]]:
    """One matrix of the parts' live rows, one row per distinct passage, and each record id's row in it.

    A record's row is the one in the latest part that has its id; rows of replaced records are left out,
    and records with the same passage key share one row (rows without a key are never shared).
    """
    import numpy as np

    latest: dict[str, tuple[int, int]] = {}
    for number, part in enumerate(parts):
        latest.update(zip(part.ids, ((number, row) for row in range(len(part.ids))), strict=True))
    row_of: dict[str, int] = {}
    distinct: dict[object, int] = {}
    taken: list[list[tuple[int, int]]] = [[] for _ in parts]  # per part: (its row, the new row)
    for record_id, (number, row) in latest.items():
        passages = parts[number].passages
        key = (number, row) if passages is None else passages[row]
        new = distinct.get(key)
        if new is None:
            new = distinct[key] = len(distinct)
            taken[number].append((row, new))
        row_of[record_id] = new
    if len(parts) == 1 and len(distinct) == len(parts[0].ids) and all(r == n for r, n in taken[0]):
        return parts[0].matrix(folder), row_of  # nothing to leave out: the part as read
    matrix = np.zeros((0, 0), dtype=np.float32)
    for number, pairs in enumerate(taken):
        if pairs:  # one part in memory at a time besides the result
            vectors = parts[number].matrix(folder)
            if not matrix.size:
                matrix = np.empty((len(distinct), vectors.shape[1]), dtype=np.float32)
            old, new = zip(*pairs, strict=True)
            matrix[list(new)] = vectors[list(old)]
    return matrix, row_of


class Dense:
    """A generation's vectors open for searching: the nearest documents to a query's text."""

    def __init__(self, generation: Path, manifest: dict[str, Any]):

        self.model = manifest["model"]
        self._identity = manifest.get("identity")
        parts = [Part.read(generation, key) for key in manifest["parts"]]
        self._matrix, self._row_of = _live_rows(generation, parts)
        self._rows: np.ndarray | None = None
        self._rows_for = -1
        self._checked = False

    @classmethod
    def open(cls, generation: Path) -> Dense | None:
        """The generation's vectors, or None when it has none."""
        manifest = read_manifest(generation)
        return cls(generation, manifest) if manifest else None

    def encoder(self) -> Encoder:
        """The model the vectors were made with (ModelError when it is missing or another one now)."""
        model = encoder(self.model)
        if not self._checked:
            if self._identity is not None and model.files.identity() != self._identity:
                raise ModelError(
                    f"semantic model {self.model}: not the one this index was embedded with "
                    f"({self._identity}); run `ichigo-search index --rebuild --semantic`"
                )
            self._checked = True
        return model

    def rows(self, searcher: Searcher) -> np.ndarray:
        """Each document number's row (-1: none), worked out once per open index."""
        import numpy as np

        count = searcher.doc_count_all()
        if self._rows is None or self._rows_for != count:
            get = self._row_of.get
            self._rows = np.fromiter(
                (-1 if rid is None else get(rid, -1) for rid in searcher.record_ids()), dtype=np.int64, count=count
            )
            self._rows_for = count
        return self._rows

    def nearest(
        self, text: str, searcher: Searcher, allowed: np.ndarray | None, depth: int, floor: float = -1.0
    ) -> list[tuple[int, float]]:
        """The ``depth`` documents nearest ``text`` (document number, cosine), best first.

        Only documents in ``allowed`` (sorted document numbers; None: all) and at least ``floor`` similar.
        """
        import numpy as np

        query = self.encoder().encode([text])[0]
        rows = self.rows(searcher)
        if not len(self._matrix) or not len(rows):
            return []
        # einsum, not ``m @ query``: BLAS splits the product over every core, which on a shared machine
        # (load average 12, 98,244 x 384) cost 15 ms of CPU and 36 / 87 ms p50 / p95 against einsum's one
        # thread, 11 ms of CPU and 28 / 56 ms (the product alone, 400 times each; on idle cores the split can
        # only save part of the 11 ms: the product is bound by memory).
        similarity = np.einsum("ij,j->i", self._matrix, query)
        scores = np.full(len(rows), -np.inf, dtype=np.float32)
        present = rows >= 0
        scores[present] = similarity[rows[present]]
        if allowed is not None:
            keep = np.full(len(rows), -np.inf, dtype=np.float32)
            keep[allowed] = scores[allowed]
            scores = keep
        candidates = np.flatnonzero(scores >= floor)
        if len(candidates) > depth:
            candidates = candidates[np.argpartition(-scores[candidates], depth - 1)[:depth]]
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(int(d), float(scores[d])) for d in order]
